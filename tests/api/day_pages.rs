//! The user's day on the pages (issue 16): a new incident from scratch or from reports, with the
//! awareness moment proposed and confirmed.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use meldpunt::auth::Role;

use crate::both;
use crate::helpers::TestApp;
use crate::staff_pages::{csrf_of, get_ok, location, post, sign_in};

fn incident_id(to: &str) -> String {
    to.trim_start_matches("/staff/incidents/")
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

async fn new_incident_from_scratch_needs_how_and_defaults_to_now(app: TestApp) {
    app.create_org("oost");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // Not signed in: to the login page.
    let r = app
        .client
        .get(app.url("/staff/incidents/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/staff/login"), "{}", location(&r));
    sign_in(&app, "h@oost.nl").await;
    let list = get_ok(&app, "/staff/incidents").await;
    assert!(list.contains("href=\"/staff/incidents/new\""), "{list}");
    let html = get_ok(&app, "/staff/incidents/new").await;
    assert!(html.contains("Hoe hoorde uw organisatie ervan?"), "{html}");
    let csrf = csrf_of(&html);
    // The awareness field starts at now (Amsterdam time, to the minute).
    let shown = crate::staff_pages::hidden(&html, "became_aware_at");
    assert!(!shown.is_empty());
    // Without how we became aware: the form again, the error linking to the field.
    let r = post(
        &app,
        "/staff/incidents/new",
        &[
            ("csrf", &csrf),
            ("organisation", "oost"),
            ("title", "Laptop kwijt"),
            ("became_aware_at", &shown),
            ("awareness_how", "  "),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-awareness_how\""), "{html}");
    assert!(html.contains("Vul in hoe uw organisatie van het lek hoorde."));
    assert!(html.contains("value=\"Laptop kwijt\""));
    // A CSRF token that does not match: nothing is made.
    let r = post(
        &app,
        "/staff/incidents/new",
        &[("csrf", "wrong"), ("organisation", "oost"), ("title", "x")],
    )
    .await;
    assert_eq!(r.status(), 403);
    // Complete: the incident, its clock from the moment shown.
    let r = post(
        &app,
        "/staff/incidents/new",
        &[
            ("csrf", &csrf),
            ("organisation", "oost"),
            ("title", "Laptop kwijt"),
            ("became_aware_at", &shown),
            ("awareness_how", "Medewerker belde de servicedesk"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.ends_with("?ok=created"), "{to}");
    let mut c = app.conn();
    let row = meldpunt::incidents::store::by_id(&mut c, &incident_id(&to))
        .unwrap()
        .unwrap();
    assert_eq!(
        row.awareness_how.as_deref(),
        Some("Medewerker belde de servicedesk")
    );
    let aware = meldpunt::db::from_db(row.became_aware_at);
    assert!((Utc::now() - aware).num_seconds().abs() < 120, "{aware}");
}
both!(new_incident_from_scratch_needs_how_and_defaults_to_now);

async fn another_organisation_cannot_be_chosen(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/incidents/new").await;
    let csrf = csrf_of(&html);
    let aware = crate::staff_pages::hidden(&html, "became_aware_at");
    let r = post(
        &app,
        "/staff/incidents/new",
        &[
            ("csrf", &csrf),
            ("organisation", "west"),
            ("title", "Lek"),
            ("became_aware_at", &aware),
            ("awareness_how", "Gehoord"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#f-organisation\""));
}
both!(another_organisation_cannot_be_chosen);

async fn incident_from_reports_proposes_the_earliest_arrival_and_asks_to_confirm(app: TestApp) {
    app.create_org("oost");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let first = app.submit_report("oost", "Brief bij de buren").await;
    let second = app.submit_report("oost", "Nog een brief").await;
    let earlier = Utc::now() - Duration::hours(20);
    let mut c = app.conn();
    diesel::update(
        meldpunt::db::schema::reports::table
            .filter(meldpunt::db::schema::reports::reference.eq(&first)),
    )
    .set(meldpunt::db::schema::reports::created_at.eq(meldpunt::db::to_db(earlier)))
    .execute(&mut c)
    .unwrap();
    sign_in(&app, "h@oost.nl").await;
    // The report page offers to make an incident of it.
    let page = get_ok(&app, &format!("/staff/reports/{second}")).await;
    assert!(page.contains(&format!("/staff/incidents/new?reports={second}")));
    // The inbox, reports chosen and no time typed: on to the page that proposes one.
    let inbox = get_ok(&app, "/staff/inbox").await;
    let csrf = csrf_of(&inbox);
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("action", "create"),
            ("reports", &first),
            ("reports", &second),
            ("organisation", "oost"),
            ("title", "Brieven bij de buren"),
            ("became_aware_at", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.starts_with("/staff/incidents/new?reports="), "{to}");
    let html = get_ok(&app, &to).await;
    let proposed = crate::staff_pages::hidden(&html, "became_aware_at");
    assert_eq!(
        proposed,
        earlier
            .with_timezone(&chrono_tz::Europe::Amsterdam)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    );
    assert!(html.contains("toen de eerste melding binnenkwam"), "{html}");
    assert!(html.contains("value=\"Brieven bij de buren\""));
    // The reports in the order they arrived.
    let how = format!("Melding van een burger via het meldpunt ({first}, {second}).");
    assert!(html.contains(&how), "{html}");
    // Not confirmed: asked again.
    let form = [
        ("csrf", csrf.as_str()),
        ("reports", first.as_str()),
        ("reports", second.as_str()),
        ("organisation", "oost"),
        ("title", "Brieven bij de buren"),
        ("became_aware_at", proposed.as_str()),
        ("awareness_how", how.as_str()),
    ];
    let r = post(&app, "/staff/incidents/new", &form).await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("href=\"#f-confirm_awareness\""));
    let mut confirmed = form.to_vec();
    confirmed.push(("confirm_awareness", "yes"));
    let r = post(&app, "/staff/incidents/new", &confirmed).await;
    assert_eq!(r.status(), 303);
    let id = incident_id(&location(&r));
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert!((meldpunt::db::from_db(row.became_aware_at) - earlier).num_seconds() < 60);
    let linked = meldpunt::reports::store::for_incident(&mut c, &id).unwrap();
    assert_eq!(linked.len(), 2);
    // A report already in an incident cannot be taken again.
    let r = post(&app, "/staff/incidents/new", &confirmed).await;
    assert_eq!(r.status(), 422);
}
both!(incident_from_reports_proposes_the_earliest_arrival_and_asks_to_confirm);

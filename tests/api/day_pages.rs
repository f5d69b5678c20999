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

async fn first_run_in_the_browser_then_the_checklist(app: TestApp) {
    let code = meldpunt::auth::store::create_setup_code(&mut app.conn(), 24).unwrap();
    // A wrong code: a page that says so, no form.
    let r = app
        .client
        .get(app.url("/setup?code=fout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert!(!r.text().await.unwrap().contains("name=\"password\""));
    let html = get_ok(&app, &format!("/setup?code={code}")).await;
    assert!(html.contains("Eerste beheerder instellen"), "{html}");
    let csrf = csrf_of(&html);
    // The two passwords differ: asked again, nothing made, the code not spent.
    let r = post(
        &app,
        "/setup",
        &[
            ("csrf", &csrf),
            ("code", &code),
            ("email", "beheer@oost.nl"),
            ("display_name", "Beheer"),
            ("password", crate::helpers::PASSWORD),
            ("password_again", "iets anders dan dat"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("href=\"#f-password_again\""));
    assert_eq!(
        meldpunt::auth::store::user_count(&mut app.conn()).unwrap(),
        0
    );
    let r = post(
        &app,
        "/setup",
        &[
            ("csrf", &csrf),
            ("code", &code),
            ("email", "beheer@oost.nl"),
            ("display_name", "Beheer"),
            ("password", crate::helpers::PASSWORD),
            ("password_again", crate::helpers::PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/start");
    // Signed in at once: the checklist, every step still to do but the address.
    let html = get_ok(&app, "/staff/start").await;
    assert!(html.contains("Het meldpunt inrichten"), "{html}");
    assert_eq!(html.matches("Nog doen").count(), 4, "{html}");
    // The landing page leads the administrator there while the set-up is incomplete.
    let r = app.client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(location(&r), "/staff/start");
    // The link is spent.
    let r = app
        .client
        .get(app.url(&format!("/setup?code={code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    // The audit trail has the new administrator.
    let mut c = app.conn();
    let n: i64 = meldpunt::db::schema::audit_log::table
        .filter(meldpunt::db::schema::audit_log::action.eq("user.created"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 1);
}
both!(first_run_in_the_browser_then_the_checklist);

async fn the_checklist_is_for_administrators(app: TestApp) {
    app.create_org("oost");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "h@oost.nl").await;
    let r = app
        .client
        .get(app.url("/staff/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
both!(the_checklist_is_for_administrators);

/// The incident page leads (issue 16 point 6): a panel says what the incident still needs, each step
/// done, to do or not needed, with the next step linked to where it is done, and a table of
/// contents links every section. A new incident needs everything; a measure recorded and done
/// completes that step; nothing is "not needed" before a decision.
async fn the_incident_page_says_what_is_still_needed(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            serde_json::json!({"organisation": "oost", "title": "Brief bij de buren",
                "awareness_how": "Een inwoner belde"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let inc: serde_json::Value = r.json().await.unwrap();
    let id = inc["id"].as_str().unwrap().to_string();
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, &format!("/staff/incidents/{id}")).await;
    assert!(html.contains("Wat dit incident nog nodig heeft"), "{html}");
    assert!(
        html.contains("<strong>Volgende stap:</strong> <a href=\"#f-assessment\">Vul de feiten in die de beoordeling nog mist</a>"),
        "{html}"
    );
    assert_eq!(
        html.matches("class=\"step-status\">Nog te doen<").count(),
        7,
        "{html}"
    );
    assert!(!html.contains("Niet nodig volgens het besluit"), "{html}");
    // Every link of the table of contents leads to a heading on the page.
    let toc = html.split("<nav aria-labelledby=\"h-toc\"").nth(1).unwrap();
    let toc = toc.split("</nav>").next().unwrap();
    for part in toc.split("href=\"#").skip(1) {
        let anchor = part.split('"').next().unwrap();
        assert!(
            html.contains(&format!("id=\"{anchor}\"")),
            "no #{anchor} on the page"
        );
    }
    // A measure, done: that step is done; the rest is still to do.
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/measures"),
            Some(&h.token),
            serde_json::json!({"description": "Adressenbestand gecontroleerd", "due_on": "2026-12-31", "status": "done", "evidence": "Controle op 7 december"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let html = get_ok(&app, &format!("/staff/incidents/{id}")).await;
    assert!(
        html.contains("<a href=\"#measures\">Maatregelen afgerond</a>: <span class=\"step-status\">Gedaan</span>"),
        "{html}"
    );
    assert_eq!(
        html.matches("class=\"step-status\">Nog te doen<").count(),
        6
    );
    // Another organisation's handler does not get the page (nor its panel).
    app.create_org("west");
    app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let csrf = csrf_of(&html);
    let r = post(&app, "/staff/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    sign_in(&app, "h@west.nl").await;
    let r = app
        .client
        .get(app.url(&format!("/staff/incidents/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
both!(the_incident_page_says_what_is_still_needed);

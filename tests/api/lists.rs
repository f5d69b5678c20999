//! Honest lists (issue 15, point 7) and work assignment (issue 16, point 5): every list pages with
//! a documented maximum, says how many there are in all and links the next page; limits out of
//! range are refused naming the field; an incident's linked reports show in the list; an owner per
//! incident (staff of its organisation only), "mijn incidenten", search and filters on the page.
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp};
use crate::staff_pages::{csrf_of, get_ok, location, post, sign_in};

/// The body, the total and the `Link` header of a list answer.
async fn page(app: &TestApp, path: &str, token: &str) -> (Vec<Value>, i64, String) {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status(), 200, "{path}");
    let total = r
        .headers()
        .get("x-total-count")
        .unwrap_or_else(|| panic!("{path}: no X-Total-Count"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let link = r
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let v: Value = r.json().await.unwrap();
    (v.as_array().expect("a list").clone(), total, link)
}

/// The address in a `Link` header with this relation.
fn rel(link: &str, name: &str) -> Option<String> {
    link.split(", ")
        .find(|l| l.ends_with(&format!("rel=\"{name}\"")))
        .map(|l| l[l.find('<').unwrap() + 1..l.find('>').unwrap()].to_string())
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect()
}

async fn open_titled(app: &TestApp, token: &str, org: &str, title: &str, hours_ago: i64) -> Value {
    let aware = chrono::Utc::now() - chrono::Duration::hours(hours_ago);
    let r = app
        .post(
            "/api/v1/incidents",
            Some(token),
            json!({"organisation": org, "title": title, "became_aware_at": aware}),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

async fn incident_pages_carry_the_total_and_the_next_link(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user(
        "h@beide.nl",
        &[("oost", Role::Handler), ("west", Role::Handler)],
    );
    for i in 0..7 {
        app.open_incident(&h, if i % 2 == 0 { "oost" } else { "west" }, i * 5)
            .await;
    }
    // One closed: outside the default (open) list, inside `open=false`.
    let closed = app.open_incident(&h, "oost", 1).await;
    let r = app
        .post(
            &format!(
                "/api/v1/incidents/{}/transitions",
                closed["id"].as_str().unwrap()
            ),
            Some(&h.token),
            json!({"to": "not_a_breach", "reason": "Geen persoonsgegevens"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (whole, total, link) = page(&app, "/api/v1/incidents?limit=1000", &h.token).await;
    assert_eq!((whole.len(), total, link.as_str()), (7, 7, ""));
    // Pages of three: 3 + 3 + 1, the same order as the whole list, each linking on.
    let mut seen = vec![];
    let mut next = Some("/api/v1/incidents?organisation=&limit=3".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let path = path.replace("organisation=&", "");
        let (items, total, link) = page(&app, &path, &h.token).await;
        assert_eq!(total, 7, "{path}");
        if pages > 0 {
            assert!(rel(&link, "prev").is_some(), "{path}: {link}");
        } else {
            assert!(rel(&link, "prev").is_none(), "{path}: {link}");
        }
        seen.extend(ids(&items));
        next = rel(&link, "next");
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids(&whole));
    // The link keeps the filters.
    let (items, total, link) = page(
        &app,
        "/api/v1/incidents?state=new&open=false&limit=2",
        &h.token,
    )
    .await;
    assert_eq!((items.len(), total), (2, 7));
    let next = rel(&link, "next").unwrap();
    assert!(next.starts_with("/api/v1/incidents?"), "{next}");
    assert!(
        next.contains("state=new") && next.contains("open=false") && next.contains("offset=2"),
        "{next}"
    );
    // Closed ones too when asked; the total counts them.
    let (_, total, _) = page(&app, "/api/v1/incidents?open=false", &h.token).await;
    assert_eq!(total, 8);
    let (items, total, _) = page(&app, "/api/v1/incidents?state=not_a_breach", &h.token).await;
    assert_eq!((items.len(), total), (0, 0), "closed states are not open");
    let (items, total, _) = page(
        &app,
        "/api/v1/incidents?state=not_a_breach&open=false",
        &h.token,
    )
    .await;
    assert_eq!((items.len(), total), (1, 1));
    // Per organisation, and past the end: an empty page with the true total.
    let (items, total, _) = page(&app, "/api/v1/incidents?organisation=west", &h.token).await;
    assert_eq!((items.len(), total), (3, 3));
    let (items, total, link) = page(&app, "/api/v1/incidents?offset=50", &h.token).await;
    assert_eq!((items.len(), total), (0, 7));
    assert!(
        rel(&link, "next").is_none() && rel(&link, "prev").is_some(),
        "{link}"
    );
    // Another organisation's handler counts only their own.
    let o = app.create_user("o@oost.nl", &[("oost", Role::Handler)]);
    let (items, total, _) = page(&app, "/api/v1/incidents", &o.token).await;
    assert_eq!((items.len(), total), (4, 4));
}
both!(incident_pages_carry_the_total_and_the_next_link);

async fn limits_out_of_range_are_refused_naming_the_field(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let admin = app.create_user_full("admin@meldpunt.nl", &[("oost", Role::Admin)], true);
    let inc = app.open_incident(&h, "oost", 1).await;
    let id = inc["id"].as_str().unwrap();
    for (path, field) in [
        ("/api/v1/incidents?limit=0", "limit"),
        ("/api/v1/incidents?limit=1001", "limit"),
        ("/api/v1/incidents?limit=5000", "limit"),
        ("/api/v1/incidents?offset=-1", "offset"),
        ("/api/v1/reports?limit=501", "limit"),
        ("/api/v1/reports?offset=-10", "offset"),
        ("/api/v1/mail/quarantine?limit=0", "limit"),
        ("/api/v1/organisations?limit=1001", "limit"),
        ("/api/v1/organisations/oost/activities?limit=0", "limit"),
        ("/api/v1/me/tokens?limit=-1", "limit"),
        ("/api/v1/signoffs?limit=1001", "limit"),
        ("/api/v1/incidents?due_within_hours=721", "due_within_hours"),
        ("/api/v1/incidents?due_within_hours=-1", "due_within_hours"),
    ] {
        assert_problem(app.get(path, Some(&h.token)).await, 422, Some(field)).await;
    }
    for (path, field) in [
        (format!("/api/v1/incidents/{id}/audit?limit=1001"), "limit"),
        (
            format!("/api/v1/incidents/{id}/measures?offset=-1"),
            "limit",
        ),
        (format!("/api/v1/incidents/{id}/mail?limit=201"), "limit"),
        (
            format!("/api/v1/incidents/{id}/activities?limit=0"),
            "limit",
        ),
    ] {
        let field = if path.contains("offset") {
            "offset"
        } else {
            field
        };
        assert_problem(app.get(&path, Some(&h.token)).await, 422, Some(field)).await;
    }
    assert_problem(
        app.get("/api/v1/users?limit=1001", Some(&admin.token))
            .await,
        422,
        Some("limit"),
    )
    .await;
    assert_problem(
        app.get(
            "/api/v1/organisations/oost/members?limit=0",
            Some(&admin.token),
        )
        .await,
        422,
        Some("limit"),
    )
    .await;
    // Both named at once; a search too long is refused too.
    let body = assert_problem(
        app.get("/api/v1/incidents?limit=0&offset=-1", Some(&h.token))
            .await,
        422,
        Some("limit"),
    )
    .await;
    assert!(body.to_string().contains("offset"), "{body}");
    let long = "a".repeat(201);
    assert_problem(
        app.get(&format!("/api/v1/incidents?q={long}"), Some(&h.token))
            .await,
        422,
        Some("q"),
    )
    .await;
    // The maximum itself is taken, and said.
    let (_, total, _) = page(&app, "/api/v1/incidents?limit=1000", &h.token).await;
    assert_eq!(total, 1);
    let (_, total, _) = page(&app, "/api/v1/reports?limit=500", &h.token).await;
    assert_eq!(total, 0);
    let (_, total, _) = page(
        &app,
        &format!("/api/v1/incidents/{id}/audit?limit=1000"),
        &h.token,
    )
    .await;
    assert_eq!(total, 1, "incident.created");
}
both!(limits_out_of_range_are_refused_naming_the_field);

async fn every_list_says_its_total(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let admin = app.create_user_full("admin@meldpunt.nl", &[("oost", Role::Admin)], true);
    for i in 0..3 {
        app.submit_report("oost", &format!("Brief {i} kwam bij mij terecht"))
            .await;
    }
    let (items, total, link) = page(&app, "/api/v1/reports?limit=2", &h.token).await;
    assert_eq!((items.len(), total), (2, 3));
    let next = rel(&link, "next").unwrap();
    let (rest, total, _) = page(&app, &next, &h.token).await;
    assert_eq!((rest.len(), total), (1, 3));
    let mut refs: Vec<&str> = items
        .iter()
        .chain(&rest)
        .map(|v| v["reference"].as_str().unwrap())
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 3, "no report twice, none left out");
    let inc = app.open_incident(&h, "oost", 1).await;
    let id = inc["id"].as_str().unwrap();
    for t in ["triage", "assessed"] {
        app.post(
            &format!("/api/v1/incidents/{id}/transitions"),
            Some(&h.token),
            json!({"to": t}),
        )
        .await;
    }
    let (items, total, link) = page(
        &app,
        &format!("/api/v1/incidents/{id}/audit?limit=2"),
        &h.token,
    )
    .await;
    assert_eq!((items.len(), total), (2, 3));
    assert_eq!(items[0]["action"], "incident.created", "oldest first");
    assert!(rel(&link, "next").unwrap().contains("offset=2"));
    for path in [
        format!("/api/v1/incidents/{id}/measures"),
        format!("/api/v1/incidents/{id}/mail"),
        format!("/api/v1/incidents/{id}/activities"),
        "/api/v1/organisations".to_string(),
        "/api/v1/organisations/oost/activities".to_string(),
        "/api/v1/me/tokens".to_string(),
        "/api/v1/mail/quarantine".to_string(),
    ] {
        let (items, total, _) = page(&app, &path, &h.token).await;
        assert_eq!(items.len() as i64, total, "{path}");
    }
    let (items, total, _) = page(&app, "/api/v1/users?limit=1", &admin.token).await;
    assert_eq!((items.len(), total), (1, 2));
    let (_, total, _) = page(&app, "/api/v1/organisations/oost/members", &admin.token).await;
    assert_eq!(total, 2);
    // The register is never paged: all of it, with its count.
    let (items, total, link) = page(&app, "/api/v1/register", &h.token).await;
    assert_eq!((items.len(), total, link.as_str()), (1, 1, ""));
    // The FG's worklist, and what waits for the FG on the landing page.
    app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let fg = app.create_user("fg2@oost.nl", &[("oost", Role::Fg)]);
    let (items, total, _) = page(&app, "/api/v1/signoffs", &fg.token).await;
    assert_eq!((items.len(), total), (0, 0));
    assert_eq!(
        app.get("/api/v1/signoffs", Some(&h.token)).await.status(),
        403
    );
    sign_in(&app, "fg@oost.nl").await;
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(
        html.contains("Te tekenen") && html.contains("Er wacht geen concept op uw aftekening."),
        "{html}"
    );
    let r = post(&app, "/staff/logout", &[("csrf", &csrf_of(&html))]).await;
    assert_eq!(r.status(), 303);
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(!html.contains("op uw aftekening"), "only for an FG");
}
both!(every_list_says_its_total);

async fn the_list_shows_each_incidents_reports(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let a = app
        .submit_report("oost", "Ik kreeg de brief van mijn buurman")
        .await;
    let b = app
        .submit_report("oost", "Ook ik kreeg een brief die niet voor mij was")
        .await;
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            json!({"organisation": "oost", "title": "Brieven verkeerd bezorgd",
                "became_aware_at": chrono::Utc::now(), "reports": [a, b]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let made: Value = r.json().await.unwrap();
    app.open_incident(&h, "oost", 2).await;
    let (items, _, _) = page(&app, "/api/v1/incidents", &h.token).await;
    let with = items.iter().find(|v| v["id"] == made["id"]).unwrap();
    assert_eq!(with["report_count"], 2);
    let mut refs: Vec<&str> = with["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    refs.sort();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(refs, want);
    let without = items.iter().find(|v| v["id"] != made["id"]).unwrap();
    assert_eq!(
        (
            without["report_count"].as_i64(),
            without["reports"].as_array().unwrap().len()
        ),
        (Some(0), 0)
    );
    let one: Value = app
        .get(
            &format!("/api/v1/incidents/{}", made["id"].as_str().unwrap()),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["report_count"], 2);
    // The page says it too.
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(
        html.contains("2 meldingen") && html.contains(&a) && html.contains(&b),
        "{html}"
    );
}
both!(the_list_shows_each_incidents_reports);

async fn an_owner_is_staff_of_the_incidents_organisation(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let collega = app.create_user("c@oost.nl", &[("oost", Role::Fg)]);
    let west = app.create_user("w@west.nl", &[("west", Role::Handler)]);
    let nobody = app.create_user("n@nergens.nl", &[]);
    let inc = app.open_incident(&h, "oost", 3).await;
    let id = inc["id"].as_str().unwrap();
    let owner_path = format!("/api/v1/incidents/{id}/owner");
    assert_eq!(inc["owner"], Value::Null);
    // A colleague of the organisation (any role) can be the owner: audited, version up.
    let r = app
        .put(&owner_path, Some(&h.token), json!({"owner": collega.id}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["owner"]["id"], collega.id.as_str());
    assert_eq!(v["owner"]["display_name"], "Test Gebruiker");
    assert!(v["version"].as_i64() > inc["version"].as_i64());
    let (trail, _, _) = page(&app, &format!("/api/v1/incidents/{id}/audit"), &h.token).await;
    let e = trail
        .iter()
        .find(|e| e["action"] == "incident.owner_changed")
        .expect("audited");
    assert_eq!(e["before"]["owner_id"], Value::Null);
    assert_eq!(e["after"]["owner_id"], collega.id.as_str());
    assert_eq!(e["actor"], format!("user:{}", h.id));
    // Refused naming `owner`: another organisation's user, a user without any role, an unknown id.
    for who in [&west.id, &nobody.id, &"niet-bestaand".to_string()] {
        assert_problem(
            app.put(&owner_path, Some(&h.token), json!({"owner": who}))
                .await,
            422,
            Some("owner"),
        )
        .await;
    }
    // A deactivated colleague neither.
    let gone = app.create_user("weg@oost.nl", &[("oost", Role::Handler)]);
    {
        use diesel::prelude::*;
        use meldpunt::db::schema::users;
        let mut c = app.conn();
        diesel::update(users::table.find(&gone.id))
            .set(users::deactivated_at.eq(Some(chrono::Utc::now().naive_utc())))
            .execute(&mut c)
            .unwrap();
    }
    assert_problem(
        app.put(&owner_path, Some(&h.token), json!({"owner": gone.id}))
            .await,
        422,
        Some("owner"),
    )
    .await;
    // Who may not see the incident cannot set its owner: 404 (it does not exist for them), 401.
    assert_eq!(
        app.put(&owner_path, Some(&west.token), json!({"owner": west.id}))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.put(&owner_path, Some(&nobody.token), json!({"owner": null}))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.put(&owner_path, None, json!({"owner": null}))
            .await
            .status(),
        401
    );
    assert_problem(
        app.put(&owner_path, Some(&h.token), json!({"eigenaar": null}))
            .await,
        422,
        None,
    )
    .await;
    let still: Value = app
        .get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["owner"]["id"],
        collega.id.as_str(),
        "nothing changed by the refusals"
    );
    // "Mijn incidenten" and "nog zonder eigenaar".
    let other = app.open_incident(&h, "oost", 5).await;
    let (mine, total, _) = page(&app, "/api/v1/incidents?owner=me", &collega.token).await;
    assert_eq!((ids(&mine), total), (vec![id.to_string()], 1));
    let (by_id, _, _) = page(
        &app,
        &format!("/api/v1/incidents?owner={}", collega.id),
        &h.token,
    )
    .await;
    assert_eq!(ids(&by_id), vec![id.to_string()]);
    let (none, total, _) = page(&app, "/api/v1/incidents?owner=none", &h.token).await;
    assert_eq!(
        (ids(&none), total),
        (vec![other["id"].as_str().unwrap().to_string()], 1)
    );
    let (mine, _, _) = page(&app, "/api/v1/incidents?owner=me", &h.token).await;
    assert!(mine.is_empty());
    // Nobody again.
    let r = app
        .put(&owner_path, Some(&collega.token), json!({"owner": null}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["owner"], Value::Null);
}
both!(an_owner_is_staff_of_the_incidents_organisation);

/// The totals kept by the database's triggers equal a count of the table after every kind of
/// change: new incidents, owners given and taken, states changed, an incident deleted (retention).
async fn kept_totals_follow_every_change(app: TestApp) {
    use diesel::prelude::*;
    use meldpunt::db::schema::{incident_counts, incidents};
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user(
        "h@beide.nl",
        &[("oost", Role::Handler), ("west", Role::Handler)],
    );
    let mut made = vec![];
    for i in 0..6 {
        made.push(
            app.open_incident(&h, if i < 4 { "oost" } else { "west" }, i)
                .await,
        );
    }
    let id = |i: usize| made[i]["id"].as_str().unwrap().to_string();
    for i in [0, 1, 4] {
        let r = app
            .put(
                &format!("/api/v1/incidents/{}/owner", id(i)),
                Some(&h.token),
                json!({"owner": h.id}),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    app.put(
        &format!("/api/v1/incidents/{}/owner", id(1)),
        Some(&h.token),
        json!({"owner": null}),
    )
    .await;
    for (i, to) in [(0, "triage"), (2, "triage"), (4, "not_a_breach")] {
        let r = app
            .post(
                &format!("/api/v1/incidents/{}/transitions", id(i)),
                Some(&h.token),
                json!({"to": to, "reason": "Geen persoonsgegevens"}),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    {
        let mut c = app.conn();
        diesel::delete(incidents::table.find(id(3)))
            .execute(&mut c)
            .unwrap();
    }
    let mut c = app.conn();
    let mut kept: Vec<(String, String, String, i64)> = incident_counts::table
        .filter(incident_counts::n.ne(0))
        .select((
            incident_counts::organisation_id,
            incident_counts::state,
            incident_counts::owner_id,
            incident_counts::n,
        ))
        .load(&mut c)
        .unwrap();
    let mut counted: Vec<(String, String, String, i64)> = incidents::table
        .group_by((
            incidents::organisation_id,
            incidents::state,
            incidents::owner_id,
        ))
        .select((
            incidents::organisation_id,
            incidents::state,
            incidents::owner_id,
            diesel::dsl::count_star(),
        ))
        .load::<(String, String, Option<String>, i64)>(&mut c)
        .unwrap()
        .into_iter()
        .map(|(o, s, w, n)| (o, s, w.unwrap_or_default(), n))
        .collect();
    kept.sort();
    counted.sort();
    assert_eq!(kept, counted);
    assert_eq!(counted.iter().map(|r| r.3).sum::<i64>(), 5);
    // And the API's totals agree.
    let (_, total, _) = page(&app, "/api/v1/incidents?open=false", &h.token).await;
    assert_eq!(total, 5);
    let (items, total, _) = page(&app, "/api/v1/incidents?owner=me", &h.token).await;
    assert_eq!(
        (ids(&items), total),
        (vec![id(0)], 1),
        "the closed one of mine is not open"
    );
    let (_, total, _) = page(&app, "/api/v1/incidents?owner=none&state=triage", &h.token).await;
    assert_eq!(total, 1);
}
both!(kept_totals_follow_every_change);

/// The same for reports: sent in (with and without an organisation), assigned, reviewed, linked to
/// an incident, closed with it, deleted.
async fn kept_report_totals_follow_every_change(app: TestApp) {
    use diesel::prelude::*;
    use meldpunt::db::schema::{report_counts, reports};
    app.create_org("oost");
    app.create_org("west");
    let admin = app.create_user_full(
        "admin@meldpunt.nl",
        &[("oost", Role::Admin), ("west", Role::Admin)],
        true,
    );
    let mut refs = vec![];
    for i in 0..4 {
        refs.push(
            app.submit_report("oost", &format!("Brief {i} kwam bij mij"))
                .await,
        );
    }
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Ik weet niet van wie deze brief is"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let loose: Value = r.json().await.unwrap();
    let loose = loose["reference"].as_str().unwrap().to_string();
    let (_, total, _) = page(&app, "/api/v1/reports", &admin.token).await;
    assert_eq!(
        total, 5,
        "an installation admin sees the report without an organisation"
    );
    let patch = |reference: String, body: Value| {
        let app = &app;
        let token = admin.token.clone();
        async move {
            let r = app
                .patch(&format!("/api/v1/reports/{reference}"), Some(&token), body)
                .await;
            assert_eq!(r.status(), 200);
        }
    };
    patch(loose.clone(), json!({"organisation": "west"})).await;
    patch(refs[0].clone(), json!({"status": "in_review"})).await;
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&admin.token),
            json!({"organisation": "oost", "title": "Brieven", "became_aware_at": chrono::Utc::now(), "reports": [refs[1]]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let inc: Value = r.json().await.unwrap();
    let r = app
        .post(
            &format!(
                "/api/v1/incidents/{}/transitions",
                inc["id"].as_str().unwrap()
            ),
            Some(&admin.token),
            json!({"to": "not_a_breach", "reason": "Geen persoonsgegevens"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    {
        let mut c = app.conn();
        diesel::delete(reports::table.filter(reports::reference.eq(&refs[3])))
            .execute(&mut c)
            .unwrap();
    }
    let mut c = app.conn();
    let mut kept: Vec<(String, String, String, i64)> = report_counts::table
        .filter(report_counts::n.ne(0))
        .select((
            report_counts::organisation_id,
            report_counts::status,
            report_counts::channel,
            report_counts::n,
        ))
        .load(&mut c)
        .unwrap();
    let mut counted: Vec<(String, String, String, i64)> = reports::table
        .group_by((reports::organisation_id, reports::status, reports::channel))
        .select((
            reports::organisation_id,
            reports::status,
            reports::channel,
            diesel::dsl::count_star(),
        ))
        .load::<(Option<String>, String, String, i64)>(&mut c)
        .unwrap()
        .into_iter()
        .map(|(o, s, ch, n)| (o.unwrap_or_default(), s, ch, n))
        .collect();
    kept.sort();
    counted.sort();
    assert_eq!(kept, counted);
    // The API's totals, by organisation and status.
    let (_, total, _) = page(&app, "/api/v1/reports", &admin.token).await;
    assert_eq!(total, 4);
    let (_, total, _) = page(&app, "/api/v1/reports?organisation=west", &admin.token).await;
    assert_eq!(total, 1);
    for (status, n) in [
        ("received", 1),
        ("in_review", 1),
        ("closed", 1),
        ("linked", 0),
    ] {
        let (items, total, _) = page(
            &app,
            &format!("/api/v1/reports?organisation=oost&status={status}"),
            &admin.token,
        )
        .await;
        assert_eq!((items.len() as i64, total), (n, n), "{status}");
    }
}
both!(kept_report_totals_follow_every_change);

async fn search_and_filters(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user(
        "h@beide.nl",
        &[("oost", Role::Handler), ("west", Role::Handler)],
    );
    let laptop = open_titled(&app, &h.token, "oost", "Laptop gestolen uit auto", 80).await; // overdue
    let brief = open_titled(&app, &h.token, "west", "Brief naar verkeerd adres", 60).await; // 12 h left
    let usb = open_titled(&app, &h.token, "oost", "USB-stick kwijt", 10).await; // 62 h left
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    // Search by title, whatever the case, and by reference.
    let (items, total, _) = page(&app, "/api/v1/incidents?q=LAPTOP", &h.token).await;
    assert_eq!((ids(&items), total), (vec![id(&laptop)], 1));
    let reference = usb["reference"].as_str().unwrap().to_lowercase();
    let (items, _, _) = page(&app, &format!("/api/v1/incidents?q={reference}"), &h.token).await;
    assert_eq!(ids(&items), vec![id(&usb)]);
    let (items, _, _) = page(&app, "/api/v1/incidents?q=%25", &h.token).await;
    assert_eq!(items.len(), 3, "a wildcard is a letter, not a pattern");
    let (items, _, _) = page(&app, "/api/v1/incidents?q=niets", &h.token).await;
    assert!(items.is_empty());
    // Time left on the clock: overdue, within 24 hours.
    let (items, total, _) = page(&app, "/api/v1/incidents?due_within_hours=0", &h.token).await;
    assert_eq!((ids(&items), total), (vec![id(&laptop)], 1));
    let (items, total, _) = page(&app, "/api/v1/incidents?due_within_hours=24", &h.token).await;
    assert_eq!((ids(&items), total), (vec![id(&laptop), id(&brief)], 2));
    // A stopped clock does not count as close to its deadline.
    let lid = id(&laptop);
    for t in ["triage", "assessed", "notification_pending", "notified"] {
        app.post(
            &format!("/api/v1/incidents/{lid}/transitions"),
            Some(&h.token),
            json!({"to": t}),
        )
        .await;
    }
    let (items, _, _) = page(&app, "/api/v1/incidents?due_within_hours=24", &h.token).await;
    assert_eq!(ids(&items), vec![id(&brief)]);
    // State and organisation, combined with search.
    let (items, _, _) = page(&app, "/api/v1/incidents?state=notified", &h.token).await;
    assert_eq!(ids(&items), vec![lid.clone()]);
    let (items, total, _) = page(
        &app,
        "/api/v1/incidents?organisation=oost&q=stick",
        &h.token,
    )
    .await;
    assert_eq!((ids(&items), total), (vec![id(&usb)], 1));
    let (items, _, _) = page(
        &app,
        "/api/v1/incidents?organisation=west&q=stick",
        &h.token,
    )
    .await;
    assert!(items.is_empty());
    // Another organisation's incidents are never found.
    let w = app.create_user("w@west.nl", &[("west", Role::Handler)]);
    let (items, total, _) = page(&app, "/api/v1/incidents?q=laptop", &w.token).await;
    assert_eq!((items.len(), total), (0, 0));
    assert_eq!(
        app.get("/api/v1/incidents?organisation=oost", Some(&w.token))
            .await
            .status(),
        404
    );
}
both!(search_and_filters);

/// A page with handlebars' escapes of `=` and `&` undone, to read addresses in it.
async fn plain(app: &TestApp, path: &str) -> String {
    get_ok(app, path)
        .await
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

async fn the_list_page_filters_pages_and_assigns(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let west = app.create_user("w@west.nl", &[("west", Role::Handler)]);
    for i in 0..53 {
        open_titled(
            &app,
            &h.token,
            "oost",
            &format!("Brief {i:02} verkeerd bezorgd"),
            1,
        )
        .await;
    }
    let laptop = open_titled(&app, &h.token, "oost", "Laptop gestolen", 70).await;
    let lid = laptop["id"].as_str().unwrap();
    sign_in(&app, "h@oost.nl").await;
    // The landing view: what waits (nothing owned yet; one close to its deadline), then page one.
    let html = plain(&app, "/staff/incidents").await;
    assert!(
        html.contains("Wat op u wacht") && html.contains("U heeft geen open incidenten."),
        "{html}"
    );
    assert!(
        html.contains("Binnen 24 uur bij de AP melden, of al te laat: 1."),
        "{html}"
    );
    assert!(html.contains("1–50 van 54"), "{html}");
    assert!(
        html.contains("href=\"/staff/incidents?offset=50\" rel=\"next\""),
        "{html}"
    );
    assert!(!html.contains("rel=\"prev\""));
    let html = plain(&app, "/staff/incidents?offset=50").await;
    assert!(
        html.contains("51–54 van 54") && html.contains("rel=\"prev\""),
        "{html}"
    );
    assert!(!html.contains("rel=\"next\"") && !html.contains("Wat op u wacht"));
    // Search: the filters stay in the address of every page.
    let html = plain(&app, "/staff/incidents?q=brief&state=new&left=").await;
    assert!(html.contains("1–50 van 53"), "{html}");
    assert!(
        html.contains("href=\"/staff/incidents?q=brief&state=new&offset=50\" rel=\"next\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"brief\"") && html.contains("<option value=\"new\" selected>"),
        "{html}"
    );
    let html = plain(&app, "/staff/incidents?left=6").await;
    assert!(
        html.contains("1–1 van 1") && html.contains("<option value=\"6\" selected>"),
        "{html}"
    );
    let html = plain(&app, "/staff/incidents?q=laptop").await;
    assert!(html.contains("1–1 van 1") && html.contains(lid), "{html}");
    let html = plain(&app, "/staff/incidents?q=onvindbaar").await;
    assert!(
        html.contains("Er zijn geen incidenten die aan uw keuze voldoen."),
        "{html}"
    );
    // Take it on from the incident page: the owner shows, "mijn incidenten" has it.
    let page_html = get_ok(&app, &format!("/staff/incidents/{lid}")).await;
    assert!(
        page_html.contains("Dit incident heeft nog geen eigenaar.")
            && page_html.contains("Ik pak dit op")
    );
    let csrf = csrf_of(&page_html);
    let r = post(
        &app,
        &format!("/staff/incidents/{lid}/owner"),
        &[("csrf", &csrf), ("take", "1")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        format!("/staff/incidents/{lid}?ok=owner#owner")
    );
    let page_html = get_ok(&app, &format!("/staff/incidents/{lid}?ok=owner")).await;
    assert!(
        page_html.contains("De eigenaar is opgeslagen.")
            && page_html.contains("Dit incident is van"),
        "{page_html}"
    );
    assert!(
        page_html.contains("Eigenaar gewijzigd"),
        "the audit trail on the page"
    );
    let html = plain(&app, "/staff/incidents?owner=me").await;
    assert!(
        html.contains("1–1 van 1")
            && html.contains(lid)
            && html.contains("aria-current=\"page\">Mijn incidenten"),
        "{html}"
    );
    let html = plain(&app, "/staff/incidents").await;
    assert!(html.contains("Open incidenten van u: 1."), "{html}");
    // Another organisation's user is refused with the form shown again, in Dutch.
    let r = post(
        &app,
        &format!("/staff/incidents/{lid}/owner"),
        &[("csrf", &csrf), ("owner", &west.id)],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("geen medewerker van de organisatie van dit incident")
            && html.contains("href=\"#f-owner\""),
        "{html}"
    );
    // Without the form's token nothing changes; another organisation's incident does not exist.
    let r = post(
        &app,
        &format!("/staff/incidents/{lid}/owner"),
        &[("csrf", "fout"), ("owner", "")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let v: Value = app
        .get(&format!("/api/v1/incidents/{lid}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["owner"]["id"], h.id.as_str());
    let w_inc = app.open_incident(&west, "west", 1).await;
    let r = post(
        &app,
        &format!("/staff/incidents/{}/owner", w_inc["id"].as_str().unwrap()),
        &[("csrf", &csrf), ("take", "1")],
    )
    .await;
    assert_eq!(r.status(), 404);
    // In English too.
    let r = app
        .client
        .get(app.url("/lang/en?next=/staff/incidents"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = plain(&app, "/staff/incidents?owner=me").await;
    assert!(
        html.contains("1–1 of 1") && html.contains("My incidents"),
        "{html}"
    );
}
both!(the_list_page_filters_pages_and_assigns);

/// How long a page of 100 incidents and of 100 reports takes, with 1,000 and with 100,000 rows in
/// the tables (issue 15, point 7). Run once, by hand:
/// `cargo test --release --test api lists::page_cost -- --ignored --nocapture`
/// (with `MELDPUNT_TEST_PG_URL` set for PostgreSQL too).
async fn page_cost(app: TestApp) {
    use diesel::prelude::*;
    use meldpunt::db::schema::{incidents, reports};
    use meldpunt::incidents::model::Facts;
    use meldpunt::incidents::store::IncidentRow;
    app.create_org("oost");
    let org_id = {
        let mut c = app.conn();
        meldpunt::orgs::store::by_slug(&mut c, "oost")
            .unwrap()
            .unwrap()
            .id
    };
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let now = chrono::Utc::now();
    // Most incidents closed long ago, some open, a few with a running clock.
    let fill = |from: usize, to: usize| {
        let mut c = app.conn();
        let mut rows = vec![];
        let mut reps = vec![];
        for i in from..to {
            let aware = now - chrono::Duration::minutes((to - i) as i64 * 7);
            let facts = Facts {
                title: format!("Incident {i}"),
                description: String::new(),
                breach_started_at: None,
                breach_ended_at: None,
                discovered_at: None,
                became_aware_at: aware,
                awareness_established_by: None,
                awareness_how: None,
                processor_name: None,
                processor_aware_at: None,
                processor_notice_at: None,
                processor_contract_hours: None,
                late_awareness_reason: None,
            };
            let mut r = IncidentRow::new(
                meldpunt::db::new_id(),
                org_id.clone(),
                format!("DL-T-{i:06}"),
                &facts,
                h.id.clone(),
                aware,
            );
            // A fifth open (a page of 100 is full with 1,000 rows too), most of those owned.
            r.state = meldpunt::incidents::lifecycle::State::parse(match i % 25 {
                0 => "new",
                1 => "triage",
                2 | 3 => "notified",
                4 => "remediation",
                5 => "not_a_breach",
                _ => "closed",
            })
            .unwrap();
            if i % 25 != 1 {
                r.owner_id = Some(h.id.clone());
            }
            rows.push(r);
            reps.push((
                reports::id.eq(meldpunt::db::new_id()),
                reports::reference.eq(format!("M-T-{i:06}")),
                reports::channel.eq("web_form"),
                reports::organisation_id.eq(Some(org_id.clone())),
                reports::description.eq(format!("Melding {i}")),
                reports::follow_up_hash.eq("x"),
                reports::status.eq(if i % 5 == 0 { "received" } else { "closed" }),
                reports::created_at.eq(aware.naive_utc()),
                reports::updated_at.eq(aware.naive_utc()),
            ));
        }
        // Batches through the concrete connection (the enum does not take batch inserts).
        macro_rules! insert_all {
            ($conn:expr) => {
                $conn
                    .transaction::<_, diesel::result::Error, _>(|c| {
                        for chunk in rows.chunks(500) {
                            diesel::insert_into(incidents::table)
                                .values(chunk)
                                .execute(c)?;
                        }
                        for chunk in reps.chunks(500) {
                            diesel::insert_into(reports::table)
                                .values(chunk.to_vec())
                                .execute(c)?;
                        }
                        Ok(())
                    })
                    .unwrap()
            };
        }
        match &mut c {
            meldpunt::db::DbConn::Sqlite(s) => insert_all!(s),
            meldpunt::db::DbConn::Pg(p) => insert_all!(p),
        }
    };
    let time = |path: &'static str| {
        let app = &app;
        let token = h.token.clone();
        async move {
            let mut ms = vec![];
            for i in 0..45 {
                let t = std::time::Instant::now();
                let r = app.get(path, Some(&token)).await;
                assert_eq!(r.status(), 200);
                let total: i64 = r.headers()["x-total-count"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                let v: Value = r.json().await.unwrap();
                assert!(v.as_array().unwrap().len() <= 100 && total > 0);
                if i >= 5 {
                    ms.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
            ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
            (ms[ms.len() / 2], ms[ms.len() * 9 / 10])
        }
    };
    let paths: [&'static str; 6] = [
        "/api/v1/incidents?limit=100",
        "/api/v1/incidents?limit=100&open=false",
        "/api/v1/incidents?limit=100&owner=me",
        "/api/v1/incidents?limit=100&open=false&q=incident%201",
        "/api/v1/reports?limit=100",
        "/api/v1/reports?limit=100&status=received",
    ];
    fill(0, 1_000);
    let mut small = vec![];
    for p in paths {
        small.push(time(p).await);
    }
    fill(1_000, 100_000);
    // What autovacuum does after a bulk import on PostgreSQL (the counters' old row versions go,
    // the statistics are fresh).
    if let meldpunt::db::DbConn::Pg(_) = app.conn() {
        diesel::sql_query("VACUUM ANALYZE")
            .execute(&mut app.conn())
            .unwrap();
    }
    let mut large = vec![];
    for p in paths {
        large.push(time(p).await);
    }
    let kind = if matches!(app.conn(), meldpunt::db::DbConn::Pg(_)) {
        "postgres"
    } else {
        "sqlite"
    };
    println!("page_cost on {kind}: median (p90) ms with 1,000 rows -> 100,000 rows");
    for (i, p) in paths.iter().enumerate() {
        println!(
            "  {p:<52} {:>6.2} ({:>6.2}) -> {:>6.2} ({:>6.2})  x{:.2}",
            small[i].0,
            small[i].1,
            large[i].0,
            large[i].1,
            large[i].0 / small[i].0
        );
    }
    // The incident lists (every sort order has its index; the totals are kept by triggers) must
    // not grow with the table. A search scans, and the reports' total is counted (an index-only
    // count, as long as the table): both are only reported.
    for i in [0, 1, 2] {
        assert!(
            large[i].0 < small[i].0 * 2.0 + 1.0,
            "{}: {:.2} ms -> {:.2} ms",
            paths[i],
            small[i].0,
            large[i].0
        );
    }
}

mod page_cost {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "a measurement: run by hand (see the doc comment)"]
    async fn sqlite() {
        let app = crate::helpers::spawn_app(crate::helpers::Db::Sqlite)
            .await
            .unwrap();
        super::page_cost(app).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "a measurement: run by hand (see the doc comment)"]
    async fn postgres() {
        if let Some(app) = crate::helpers::spawn_app(crate::helpers::Db::Postgres).await {
            super::page_cost(app).await
        }
    }
}

/// The body of a recipients page, its total (header and body) and its `Link` header.
async fn recipients_page(app: &TestApp, path: &str, token: &str) -> (Vec<Value>, i64, String) {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status(), 200, "{path}");
    let total: i64 = r
        .headers()
        .get("x-total-count")
        .unwrap_or_else(|| panic!("{path}: no X-Total-Count"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let link = r
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["total"], total,
        "{path}: the body's total is the header's"
    );
    (v["recipients"].as_array().unwrap().clone(), total, link)
}

/// The recipients and a campaign's messages page like every list: limits out of range are refused
/// with 422 naming the field (no longer clamped: `limit=5000` gave 1,000, `limit=0` gave 1), the
/// total is said and the next page linked.
async fn recipients_and_campaign_messages_page_honestly(kind: crate::helpers::Db) {
    let Some((app, url, h)) = crate::notifications::campaign_app(kind, 5).await else {
        return;
    };
    let incident = url.split("/campaigns/").next().unwrap().to_string();
    let recipients = format!("{incident}/recipients");
    let messages = format!("{url}/messages");
    for list in [&recipients, &messages] {
        for (q, field) in [
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("limit=5000", "limit"),
            ("limit=-1", "limit"),
            ("offset=-1", "offset"),
        ] {
            let path = format!("{list}?{q}");
            assert_problem(app.get(&path, Some(&h.token)).await, 422, Some(field)).await;
        }
    }
    // Recipients: two a page, the total in the header and the body, the next page linked.
    let (first, total, link) =
        recipients_page(&app, &format!("{recipients}?limit=2"), &h.token).await;
    assert_eq!((first.len(), total), (2, 5));
    assert!(rel(&link, "prev").is_none(), "{link}");
    let next = rel(&link, "next").expect("a next page");
    let (second, _, link) = recipients_page(&app, &next, &h.token).await;
    assert_eq!(second.len(), 2);
    assert!(rel(&link, "prev").is_some(), "{link}");
    let (last, _, link) = recipients_page(&app, &rel(&link, "next").unwrap(), &h.token).await;
    assert_eq!(last.len(), 1);
    assert!(rel(&link, "next").is_none(), "{link}");
    let mut seen = ids(&first);
    seen.extend(ids(&second));
    seen.extend(ids(&last));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every recipient once");
    // The maximum itself is taken.
    let (all, total, link) =
        recipients_page(&app, &format!("{recipients}?limit=1000"), &h.token).await;
    assert_eq!((all.len(), total), (5, 5));
    assert!(link.is_empty(), "{link}");
    // Messages: the same.
    let (first, total, link) = page(&app, &format!("{messages}?limit=3"), &h.token).await;
    assert_eq!((first.len(), total), (3, 5));
    let (rest, total, link2) = page(&app, &rel(&link, "next").unwrap(), &h.token).await;
    assert_eq!((rest.len(), total), (2, 5));
    assert!(rel(&link2, "next").is_none(), "{link2}");
    let lines = |v: &[Value]| {
        v.iter()
            .map(|m| m["line"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let mut all_lines = lines(&first);
    all_lines.extend(lines(&rest));
    assert_eq!(all_lines.len(), 5);
    all_lines.dedup();
    assert_eq!(all_lines.len(), 5, "every message once, in line order");
}

mod recipients_and_campaign_messages_page_honestly {
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        super::recipients_and_campaign_messages_page_honestly(crate::helpers::Db::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        super::recipients_and_campaign_messages_page_honestly(crate::helpers::Db::Postgres).await
    }
}

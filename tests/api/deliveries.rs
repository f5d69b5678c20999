//! Issue 19, point 3 (deliveries), on SQLite and PostgreSQL: organisations to inform under a
//! delivery agreement's breach clause, listed on an incident with a due moment and the record of
//! when and how they were told; audited on the incident. The access matrix of every route (the
//! incident's handler, another organisation's handler, a processor's account, anonymous) and bad
//! input by field; the same in the page.
use chrono::{DateTime, Duration, Utc};
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp, PASSWORD};
use crate::staff_pages::csrf_of;

async fn json_ok(r: reqwest::Response, want: u16) -> Value {
    let s = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(s, want, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn delete(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut r = app.client.delete(app.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

fn at(v: &Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).unwrap()
}

async fn deliveries_access_and_rules(app: TestApp) {
    for o in ["oost", "west", "drukker"] {
        app.create_org(o);
    }
    let oost = app.create_user("behandelaar@oost.example.nl", &[("oost", Role::Handler)]);
    let west = app.create_user("behandelaar@west.example.nl", &[("west", Role::Handler)]);
    let proc_ = app.create_user("meldt@drukker.example.nl", &[("drukker", Role::Processor)]);
    let inc = app.open_incident(&oost, "oost", 10).await;
    let id = inc["id"].as_str().unwrap();
    let aware = at(&inc["became_aware_at"]);
    let path = format!("/api/v1/incidents/{id}/deliveries");

    // Listing: the incident's staff; others find no such incident.
    let svb = json!({"recipient": "SVB", "agreement": "Leveringsovereenkomst 2024, art. 9", "clause_hours": 24});
    assert_eq!(app.post(&path, None, svb.clone()).await.status(), 401);
    for who in [&west, &proc_] {
        assert_problem(
            app.post(&path, Some(&who.token), svb.clone()).await,
            404,
            None,
        )
        .await;
    }
    let a = json_ok(app.post(&path, Some(&oost.token), svb).await, 201).await;
    assert_eq!(at(&a["due_at"]), aware + Duration::hours(24));
    assert_eq!(a["state"], "open");
    let ggd = json!({"recipient": "GGD", "due_at": Utc::now() - Duration::hours(1)});
    let b = json_ok(app.post(&path, Some(&oost.token), ggd).await, 201).await;
    assert_eq!(b["state"], "overdue");

    assert_eq!(app.get(&path, None).await.status(), 401);
    for who in [&west, &proc_] {
        assert_problem(app.get(&path, Some(&who.token)).await, 404, None).await;
    }
    let list = json_ok(app.get(&path, Some(&oost.token)).await, 200).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["GGD", "SVB"], "by due moment");

    // Told: once, by the incident's staff.
    let told = |d: &Value| format!("{path}/{}/told", d["id"].as_str().unwrap());
    let how = json!({"how": "E-mail aan de contactpersoon"});
    assert_eq!(app.post(&told(&a), None, how.clone()).await.status(), 401);
    for who in [&west, &proc_] {
        assert_problem(
            app.post(&told(&a), Some(&who.token), how.clone()).await,
            404,
            None,
        )
        .await;
    }
    let t = json_ok(
        app.post(&told(&a), Some(&oost.token), how.clone()).await,
        200,
    )
    .await;
    assert_eq!(t["state"], "told_in_time");
    assert_eq!(t["told_how"], "E-mail aan de contactpersoon");
    assert_problem(
        app.post(&told(&a), Some(&oost.token), how.clone()).await,
        409,
        None,
    )
    .await;
    let t = json_ok(app.post(&told(&b), Some(&oost.token), how).await, 200).await;
    assert_eq!(t["state"], "told_late");

    // Removing: not once told; an entry listed by mistake, by the incident's staff.
    let one = |d: &Value| format!("{path}/{}", d["id"].as_str().unwrap());
    assert_problem(delete(&app, &one(&a), Some(&oost.token)).await, 409, None).await;
    let c = json_ok(
        app.post(
            &path,
            Some(&oost.token),
            json!({"recipient": "S-BB", "clause_hours": 48}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(delete(&app, &one(&c), None).await.status(), 401);
    for who in [&west, &proc_] {
        assert_problem(delete(&app, &one(&c), Some(&who.token)).await, 404, None).await;
    }
    assert_eq!(
        delete(&app, &one(&c), Some(&oost.token)).await.status(),
        204
    );
    assert_problem(delete(&app, &one(&c), Some(&oost.token)).await, 404, None).await;

    // Bad input, each field named.
    let t = Some(oost.token.as_str());
    let v = assert_problem(app.post(&path, t, json!({})).await, 422, Some("recipient")).await;
    assert!(v.to_string().contains("due_at"), "{v}");
    for (body, field) in [
        (
            json!({"recipient": "SVB", "clause_hours": 0}),
            "clause_hours",
        ),
        (
            json!({"recipient": "SVB", "clause_hours": 4, "due_at": Utc::now()}),
            "clause_hours",
        ),
        (
            json!({"recipient": "SVB", "clause_hours": 4, "activity": "geen"}),
            "activity",
        ),
        (
            json!({"recipient": "SVB", "clause_hours": "vier"}),
            "clause_hours",
        ),
        (
            json!({"recipient": "SVB", "clause_hours": 4, "clause": 9}),
            "clause",
        ),
    ] {
        assert_problem(app.post(&path, t, body).await, 422, Some(field)).await;
    }
    // Another organisation's processing activity is not the incident's.
    let act = json_ok(
        app.post(
            "/api/v1/organisations/west/activities",
            Some(&west.token),
            json!({"name": "Uitkeringen", "purposes": "Uitkeringen betalen", "legal_basis": "public_task",
                "person_groups": ["customers"], "data_categories": ["name"]}),
        )
        .await,
        201,
    )
    .await;
    let body = json!({"recipient": "SVB", "clause_hours": 4, "activity": act["id"]});
    assert_problem(app.post(&path, t, body).await, 422, Some("activity")).await;
    let d = json_ok(
        app.post(&path, t, json!({"recipient": "DUO", "clause_hours": 72}))
            .await,
        201,
    )
    .await;
    let r = app
        .post(
            &told(&d),
            t,
            json!({"how": "", "told_at": Utc::now() + Duration::hours(2)}),
        )
        .await;
    let v = assert_problem(r, 422, Some("how")).await;
    assert!(v.to_string().contains("told_at"), "{v}");

    // The incident's audit trail shows each change.
    let trail = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/audit?limit=500"),
            Some(&oost.token),
        )
        .await,
        200,
    )
    .await
    .to_string();
    for action in [
        "incident.delivery_listed",
        "incident.delivery_told",
        "incident.delivery_removed",
    ] {
        assert!(trail.contains(action), "{action} not in the trail");
    }
}
both!(deliveries_access_and_rules);

/// The page: list, told, errors in Dutch; another organisation's handler gets 404.
async fn deliveries_page(app: TestApp) {
    for o in ["oost", "west"] {
        app.create_org(o);
    }
    let oost = app.create_user("behandelaar@oost.example.nl", &[("oost", Role::Handler)]);
    app.create_user("behandelaar@west.example.nl", &[("west", Role::Handler)]);
    let inc = app.open_incident(&oost, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let path = format!("/staff/incidents/{id}/deliveries");
    let anon = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(anon.status(), 303);

    let sign_in = |email: &'static str| {
        let app = &app;
        async move {
            let c = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let html = c
                .get(app.url("/staff/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = csrf_of(&html);
            let r = c
                .post(app.url("/staff/login"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", email),
                    ("password", PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303);
            c
        }
    };
    let west = sign_in("behandelaar@west.example.nl").await;
    assert_eq!(west.get(app.url(&path)).send().await.unwrap().status(), 404);
    let c = sign_in("behandelaar@oost.example.nl").await;
    let html = c
        .get(app.url(&format!("/staff/incidents/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&path),
        "the incident page links to the deliveries"
    );
    let html = c
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Te informeren organisaties"), "{html}");
    let csrf = csrf_of(&html);
    // Nothing typed: the errors in Dutch, at their fields.
    let r = c
        .post(app.url(&path))
        .form(&[("csrf", csrf.as_str()), ("clause_hours", "veel")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Vul in welke organisatie u moet informeren."),
        "{html}"
    );
    assert!(html.contains("Vul een heel aantal uren in"), "{html}");
    let r = c
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("recipient", "SVB"),
            ("agreement", "Leveringsovereenkomst 2024, art. 9"),
            ("clause_hours", "24"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("SVB") && html.contains("nog informeren"),
        "{html}"
    );
    let end = html.find("/told\"").unwrap() + "/told".len();
    let begin = html[..end].rfind("action=\"").unwrap() + "action=\"".len();
    let action = html[begin..end].to_string();
    assert!(action.ends_with("/told"), "{action}");
    let r = c
        .post(app.url(&action))
        .form(&[("csrf", csrf.as_str()), ("told_at", ""), ("how", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Vul in hoe u de organisatie heeft geïnformeerd."));
    let r = c
        .post(app.url(&action))
        .form(&[("csrf", csrf.as_str()), ("told_at", ""), ("how", "Gebeld")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = c
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("op tijd geïnformeerd") && html.contains("Gebeld"),
        "{html}"
    );
}
both!(deliveries_page);

//! Issue 19, point 3: processors report in, over the API on SQLite and PostgreSQL. The access
//! matrix of every new route — the processor linked to the controller, a processor NOT linked to
//! it, the controller's handler and admin, another organisation's handler, an installation
//! administrator, anonymous — with successes and denials; bad input named by field; the notice as
//! a report in each controller's inbox, its lateness, the handlers told, an incident made of it
//! with the processor's facts, the processor's view of its status, supplements; the audit trail.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use meldpunt::auth::Role;
use meldpunt::db::schema::{audit_log, outbox};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp, User};

/// The cast: two controllers (oost, west), a processor linked to both (drukker), a processor
/// linked to neither (loon), and their people.
struct Cast {
    admin: User,
    oost_admin: User,
    oost: User,
    west: User,
    drukker: User,
    loon: User,
}

fn cast(app: &TestApp) -> Cast {
    for o in ["oost", "west", "drukker", "loon"] {
        app.create_org(o);
    }
    Cast {
        admin: app.create_user_full("beheer@meldpunt.test", &[], true),
        oost_admin: app.create_user("admin@oost.example.nl", &[("oost", Role::Admin)]),
        oost: app.create_user("behandelaar@oost.example.nl", &[("oost", Role::Handler)]),
        west: app.create_user("behandelaar@west.example.nl", &[("west", Role::Handler)]),
        drukker: app.create_user("meldt@drukker.example.nl", &[("drukker", Role::Processor)]),
        loon: app.create_user("meldt@loon.example.nl", &[("loon", Role::Processor)]),
    }
}

async fn status(r: reqwest::Response) -> u16 {
    r.status().as_u16()
}

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

fn link(processor: &str, controller: &str, hours: Option<i32>) -> Value {
    match hours {
        Some(h) => json!({"processor": processor, "controller": controller, "contract_hours": h}),
        None => json!({"processor": processor, "controller": controller}),
    }
}

fn notice(controllers: &[&str], aware: DateTime<Utc>) -> Value {
    json!({
        "controllers": controllers,
        "description": "Een verzending van 140 loonstroken ging naar verkeerde adressen.",
        "aware_at": aware,
        "data_categories": ["name", "address", "bsn", "iban"],
        "special_categories": [],
        "person_groups": ["employees"],
        "people_min": 120,
        "people_max": 140,
        "records": 140,
        "measures": "De drukker heeft de post teruggehaald en de adreslijst gecontroleerd.",
        "contact_phone": "+31 20 123 4567",
    })
}

fn actions(app: &TestApp, action: &str) -> Vec<(Option<String>, String)> {
    let mut c = app.conn();
    audit_log::table
        .filter(audit_log::action.eq(action))
        .select((audit_log::organisation_id, audit_log::entity_id))
        .load(&mut c)
        .unwrap()
}

fn queued(app: &TestApp, kind: &str) -> Vec<String> {
    let mut c = app.conn();
    outbox::table
        .filter(outbox::kind.eq(kind))
        .select(outbox::to_addr)
        .load(&mut c)
        .unwrap()
}

/// Links: who makes, sees and removes them.
async fn links_access_matrix(app: TestApp) {
    let k = cast(&app);
    let path = "/api/v1/processor-links";
    // Anonymous: 401. Nobody but an installation administrator or the controller's admin: 403.
    assert_eq!(
        status(app.post(path, None, link("drukker", "oost", None)).await).await,
        401
    );
    for who in [&k.oost, &k.west, &k.drukker, &k.loon] {
        let r = app
            .post(path, Some(&who.token), link("drukker", "oost", None))
            .await;
        assert_problem(r, 403, None).await;
    }
    // The controller's admin links a processor to their own organisation, not to another's.
    let r = app
        .post(
            path,
            Some(&k.oost_admin.token),
            link("drukker", "west", None),
        )
        .await;
    assert_problem(r, 403, None).await;
    let oost = json_ok(
        app.post(
            path,
            Some(&k.oost_admin.token),
            link("drukker", "oost", None),
        )
        .await,
        201,
    )
    .await;
    // The controller's hours for processors (24) are the default.
    assert_eq!(oost["contract_hours"], 24);
    assert_eq!(oost["processor"]["slug"], "drukker");
    assert_eq!(oost["controller"]["slug"], "oost");
    // The installation administrator links anyone; once.
    let west = json_ok(
        app.post(
            path,
            Some(&k.admin.token),
            link("drukker", "west", Some(48)),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(west["contract_hours"], 48);
    let r = app
        .post(
            path,
            Some(&k.admin.token),
            link("drukker", "oost", Some(12)),
        )
        .await;
    assert_problem(r, 409, None).await;
    let temp = json_ok(
        app.post(path, Some(&k.admin.token), link("loon", "west", None))
            .await,
        201,
    )
    .await;

    // Who sees which links.
    let seen = |v: &Value| -> Vec<String> {
        let mut s: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                format!(
                    "{}>{}",
                    l["processor"]["slug"].as_str().unwrap(),
                    l["controller"]["slug"].as_str().unwrap()
                )
            })
            .collect();
        s.sort();
        s
    };
    assert_eq!(status(app.get(path, None).await).await, 401);
    for (who, want) in [
        (&k.admin, vec!["drukker>oost", "drukker>west", "loon>west"]),
        (&k.oost_admin, vec!["drukker>oost"]),
        (&k.oost, vec!["drukker>oost"]),
        (&k.west, vec!["drukker>west", "loon>west"]),
        (&k.drukker, vec!["drukker>oost", "drukker>west"]),
        (&k.loon, vec!["loon>west"]),
    ] {
        let v = json_ok(app.get(path, Some(&who.token)).await, 200).await;
        assert_eq!(seen(&v), want, "{}", who.email);
    }

    // Removing: 401 anonymous; 404 for whom the link is not visible; 403 for who sees it but
    // manages neither it nor its controller; 204 for the installation administrator.
    let one = format!("{path}/{}", temp["id"].as_str().unwrap());
    assert_eq!(status(delete(&app, &one, None).await).await, 401);
    for who in [&k.oost, &k.oost_admin, &k.drukker] {
        assert_problem(delete(&app, &one, Some(&who.token)).await, 404, None).await;
    }
    for who in [&k.west, &k.loon] {
        assert_problem(delete(&app, &one, Some(&who.token)).await, 403, None).await;
    }
    assert_eq!(
        status(delete(&app, &one, Some(&k.admin.token)).await).await,
        204
    );
    assert_problem(delete(&app, &one, Some(&k.admin.token)).await, 404, None).await;
    // The controller's admin removes the link of their own organisation.
    let again = json_ok(
        app.post(path, Some(&k.admin.token), link("loon", "oost", Some(6)))
            .await,
        201,
    )
    .await;
    let again = format!("{path}/{}", again["id"].as_str().unwrap());
    assert_eq!(
        status(delete(&app, &again, Some(&k.oost_admin.token)).await).await,
        204
    );

    // Audited, under the controller.
    let oost_id = oost["id"].as_str().unwrap().to_string();
    assert!(actions(&app, "processor_link.created")
        .iter()
        .any(|(_, e)| *e == oost_id));
    assert_eq!(actions(&app, "processor_link.removed").len(), 2);
}
both!(links_access_matrix);

/// Bad links are refused, each field named.
async fn links_bad_input(app: TestApp) {
    let k = cast(&app);
    let path = "/api/v1/processor-links";
    let t = Some(k.admin.token.as_str());
    assert_problem(app.post(path, t, json!({})).await, 422, Some("processor")).await;
    let r = app
        .post(
            path,
            t,
            json!({"processor": "drukker", "controller": "oost", "contract_hours": 0}),
        )
        .await;
    assert_problem(r, 422, Some("contract_hours")).await;
    let r = app.post(path, t, link("oost", "oost", None)).await;
    assert_problem(r, 422, Some("processor")).await;
    let r = app.post(path, t, link("drukker", "nergens", None)).await;
    assert_problem(r, 422, Some("controller")).await;
    let r = app
        .post(
            path,
            t,
            json!({"processor": "drukker", "controller": "oost", "activities": ["geen-id"]}),
        )
        .await;
    assert_problem(r, 422, Some("activities[0]")).await;
    let r = app
        .post(
            path,
            t,
            json!({"processor": "drukker", "controller": "oost", "hours": 3}),
        )
        .await;
    assert_problem(r, 422, Some("hours")).await;
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(&k.admin.token)
        .body("processor=drukker")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, None).await;
    // A processing activity of the controller may be named.
    let act = json_ok(
        app.post(
            "/api/v1/organisations/oost/activities",
            Some(&k.oost_admin.token),
            json!({"name": "Salarisadministratie", "purposes": "Lonen betalen",
                "legal_basis": "contract", "data_categories": ["name", "bsn", "iban"],
                "person_groups": ["employees"]}),
        )
        .await,
        201,
    )
    .await;
    let id = act["id"].as_str().unwrap();
    let v = json_ok(
        app.post(
            path,
            t,
            json!({"processor": "drukker", "controller": "oost", "activities": [id]}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(v["activities"][0]["name"], "Salarisadministratie");
    // Another controller's activity is not the controller's.
    let r = app
        .post(
            path,
            t,
            json!({"processor": "drukker", "controller": "west", "activities": [id]}),
        )
        .await;
    assert_problem(r, 422, Some("activities[0]")).await;
    // The processor role is given like any other.
    let u = app.create_user("nieuw@drukker.example.nl", &[]);
    let r = app
        .post(
            "/api/v1/organisations/drukker/members",
            t,
            json!({"email": u.email, "role": "processor"}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let v = json_ok(
        app.get("/api/v1/processor/controllers", Some(&u.token))
            .await,
        200,
    )
    .await;
    assert_eq!(v[0]["controller"]["slug"], "oost");
}
both!(links_bad_input);

/// Notices: who sends them, where they go, who sees what; supplements; the incident.
async fn notices_access_matrix(app: TestApp) {
    let k = cast(&app);
    for (p, c, h) in [("drukker", "oost", 24), ("drukker", "west", 48)] {
        let r = app
            .post(
                "/api/v1/processor-links",
                Some(&k.admin.token),
                link(p, c, Some(h)),
            )
            .await;
        assert_eq!(r.status(), 201);
    }

    // The linked controllers, for the processor's accounts only.
    let path = "/api/v1/processor/controllers";
    let v = json_ok(app.get(path, Some(&k.drukker.token)).await, 200).await;
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["controller"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"oost") && names.contains(&"west"));
    let v = json_ok(app.get(path, Some(&k.loon.token)).await, 200).await;
    assert_eq!(v, json!([]));
    for who in [&k.oost, &k.west, &k.oost_admin, &k.admin] {
        assert_problem(app.get(path, Some(&who.token)).await, 403, None).await;
    }
    assert_eq!(status(app.get(path, None).await).await, 401);

    // Sending: the linked processor to both controllers; aware 30 hours ago, so late for oost
    // (24 hours) and in time for west (48 hours).
    let path = "/api/v1/processor/notices";
    let aware = Utc::now() - Duration::hours(30);
    let body = notice(&["oost", "west"], aware);
    assert_eq!(status(app.post(path, None, body.clone()).await).await, 401);
    for who in [&k.oost, &k.west, &k.oost_admin, &k.admin] {
        assert_problem(
            app.post(path, Some(&who.token), body.clone()).await,
            403,
            None,
        )
        .await;
    }
    // The processor not linked to oost cannot send to it (nor learn whether it exists).
    let r = app
        .post(path, Some(&k.loon.token), notice(&["oost"], aware))
        .await;
    assert_problem(r, 422, Some("controllers[0]")).await;
    let r = app
        .post(path, Some(&k.loon.token), notice(&["bestaat-niet"], aware))
        .await;
    assert_problem(r, 422, Some("controllers[0]")).await;
    let sent = json_ok(app.post(path, Some(&k.drukker.token), body).await, 201).await;
    let nref = sent["reference"].as_str().unwrap().to_string();
    assert!(nref.starts_with("V-"), "{nref}");
    let at = |slug: &str| -> Value {
        sent["controllers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["organisation"]["slug"] == slug)
            .cloned()
            .unwrap()
    };
    assert_eq!(at("oost")["status"], "received");
    assert_eq!(at("oost")["late"], true);
    assert_eq!(at("oost")["contract_hours"], 24);
    assert_eq!(at("west")["late"], false);

    // A report in each controller's inbox, channel processor; not in another's.
    let inbox = |who: &User| {
        let token = who.token.clone();
        let app = &app;
        async move {
            json_ok(
                app.get("/api/v1/reports?channel=processor", Some(&token))
                    .await,
                200,
            )
            .await
        }
    };
    let oost_list = inbox(&k.oost).await;
    assert_eq!(oost_list.as_array().unwrap().len(), 1);
    let oost_ref = oost_list[0]["reference"].as_str().unwrap().to_string();
    let west_list = inbox(&k.west).await;
    assert_eq!(west_list.as_array().unwrap().len(), 1);
    let west_ref = west_list[0]["reference"].as_str().unwrap().to_string();
    assert_ne!(oost_ref, west_ref);
    // The processor's accounts see no reports and no incidents, not even their own notice's.
    for p in ["/api/v1/reports", "/api/v1/incidents"] {
        let v = json_ok(app.get(p, Some(&k.drukker.token)).await, 200).await;
        assert_eq!(v, json!([]), "{p}");
    }
    for r in [&oost_ref, &west_ref] {
        let p = format!("/api/v1/reports/{r}");
        assert_problem(app.get(&p, Some(&k.drukker.token)).await, 404, None).await;
    }
    assert_problem(
        app.get(&format!("/api/v1/reports/{west_ref}"), Some(&k.oost.token))
            .await,
        404,
        None,
    )
    .await;

    // The handlers of each controller are told, as of any report.
    let told = queued(&app, "report_signal");
    assert!(told.contains(&k.oost.email), "{told:?}");
    assert!(told.contains(&k.west.email), "{told:?}");
    assert!(!told.contains(&k.drukker.email));

    // The notice behind a report: the controller's staff only.
    let p = format!("/api/v1/reports/{oost_ref}/processor-notice");
    let v = json_ok(app.get(&p, Some(&k.oost.token)).await, 200).await;
    assert_eq!(v["notice"], nref.as_str());
    assert_eq!(v["late"], true);
    assert_eq!(v["contract_hours"], 24);
    assert_eq!(v["processor"]["slug"], "drukker");
    assert_eq!(v["sent_by"]["email"], k.drukker.email.as_str());
    assert_eq!(v["people_max"], 140);
    assert_eq!(v["also_sent_to"], json!(["Gemeente west"]));
    assert_eq!(status(app.get(&p, None).await).await, 401);
    for who in [&k.west, &k.drukker, &k.loon, &k.admin] {
        assert_problem(app.get(&p, Some(&who.token)).await, 404, None).await;
    }
    let v = json_ok(
        app.get(
            &format!("/api/v1/reports/{west_ref}/processor-notice"),
            Some(&k.west.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["late"], false);
    // A citizen's report has no processor's notice.
    let citizen = app
        .submit_report("oost", "Ik kreeg een brief van de buren.")
        .await;
    let p = format!("/api/v1/reports/{citizen}/processor-notice");
    assert_problem(app.get(&p, Some(&k.oost.token)).await, 404, None).await;

    // The processor's list and view of its notices.
    let path = "/api/v1/processor/notices";
    let v = json_ok(app.get(path, Some(&k.drukker.token)).await, 200).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["reference"], nref.as_str());
    let v = json_ok(app.get(path, Some(&k.loon.token)).await, 200).await;
    assert_eq!(v, json!([]));
    for who in [&k.oost, &k.admin] {
        assert_problem(app.get(path, Some(&who.token)).await, 403, None).await;
    }
    assert_eq!(status(app.get(path, None).await).await, 401);
    let one = format!("{path}/{nref}");
    let v = json_ok(app.get(&one, Some(&k.drukker.token)).await, 200).await;
    assert_eq!(v["description"], notice(&[], aware)["description"]);
    assert_problem(app.get(&one, Some(&k.loon.token)).await, 404, None).await;
    for who in [&k.oost, &k.west, &k.admin] {
        assert_problem(app.get(&one, Some(&who.token)).await, 403, None).await;
    }
    assert_eq!(status(app.get(&one, None).await).await, 401);

    // Oost makes an incident of its report: the processor's facts come from the notice, the
    // awareness defaults to the notice's arrival (the 72 hours run from it).
    let inc = json_ok(
        app.post(
            "/api/v1/incidents",
            Some(&k.oost.token),
            json!({"organisation": "oost", "title": "Loonstroken bij de drukker", "reports": [oost_ref]}),
        )
        .await,
        201,
    )
    .await;
    let arrived: DateTime<Utc> = serde_json::from_value(v["submitted_at"].clone()).unwrap();
    let p = &inc["processor"];
    assert_eq!(p["name"], "Gemeente drukker");
    assert_eq!(p["contract_hours"], 24);
    assert_eq!(p["on_time"], false);
    let at = |v: &Value| serde_json::from_value::<DateTime<Utc>>(v.clone()).unwrap();
    assert_eq!(at(&p["notice_at"]), arrived);
    assert!((at(&p["aware_at"]) - aware).num_milliseconds().abs() < 1);
    assert_eq!(at(&inc["became_aware_at"]), arrived);
    assert_eq!(at(&inc["ap_deadline"]), arrived + Duration::hours(72));
    // West closes its report without an incident.
    let r = app
        .patch(
            &format!("/api/v1/reports/{west_ref}"),
            Some(&k.west.token),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    // The processor sees where its notice stands, and nothing of the incident.
    let r = app.get(&one, Some(&k.drukker.token)).await;
    let text = r.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let st = |slug: &str| {
        v["controllers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["organisation"]["slug"] == slug)
            .map(|c| c["status"].clone())
            .unwrap()
    };
    assert_eq!(st("oost"), "in_incident");
    assert_eq!(st("west"), "closed");
    for secret in [
        inc["reference"].as_str().unwrap(),
        inc["id"].as_str().unwrap(),
        "Loonstroken bij de drukker",
        &oost_ref,
    ] {
        assert!(!text.contains(secret), "{secret} shown to the processor");
    }

    // Supplements: the processor's accounts of that processor only.
    let sup = format!("{one}/supplements");
    let body = json!({"text": "Ook de IBAN stond op de loonstrook."});
    assert_eq!(status(app.post(&sup, None, body.clone()).await).await, 401);
    assert_problem(
        app.post(&sup, Some(&k.loon.token), body.clone()).await,
        404,
        None,
    )
    .await;
    for who in [&k.oost, &k.west, &k.admin] {
        assert_problem(
            app.post(&sup, Some(&who.token), body.clone()).await,
            403,
            None,
        )
        .await;
    }
    assert_problem(
        app.post(&sup, Some(&k.drukker.token), json!({"text": "  "}))
            .await,
        422,
        Some("text"),
    )
    .await;
    let s = json_ok(app.post(&sup, Some(&k.drukker.token), body).await, 201).await;
    assert_eq!(s["text"], "Ook de IBAN stond op de loonstrook.");
    // Appended to the report at each controller; each controller's handlers told.
    for (who, r) in [(&k.oost, &oost_ref), (&k.west, &west_ref)] {
        let v = json_ok(
            app.get(
                &format!("/api/v1/reports/{r}/processor-notice"),
                Some(&who.token),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(
            v["supplements"][0]["text"],
            "Ook de IBAN stond op de loonstrook."
        );
    }
    let told = queued(&app, "processor_supplement");
    assert!(
        told.contains(&k.oost.email) && told.contains(&k.west.email),
        "{told:?}"
    );
    assert_eq!(told.len(), 2);

    // The audit trail: the notice under the processor, each report under its controller.
    assert_eq!(actions(&app, "processor_notice.submitted").len(), 1);
    let per_report = actions(&app, "report.processor_notice");
    assert_eq!(per_report.len(), 2);
    assert_eq!(actions(&app, "processor_notice.supplemented").len(), 1);
    assert_eq!(actions(&app, "report.supplemented").len(), 2);
    let received = actions(&app, "report.received");
    assert_eq!(received.len(), 3, "two notices' reports and the citizen's");
}
both!(notices_access_matrix);

/// A notice's bad input is named field by field; nothing is stored.
async fn notices_bad_input(app: TestApp) {
    let k = cast(&app);
    let r = app
        .post(
            "/api/v1/processor-links",
            Some(&k.admin.token),
            link("drukker", "oost", None),
        )
        .await;
    assert_eq!(r.status(), 201);
    let path = "/api/v1/processor/notices";
    let t = Some(k.drukker.token.as_str());
    let v = assert_problem(app.post(path, t, json!({})).await, 422, Some("controllers")).await;
    let named: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["controllers", "description", "aware_at"] {
        assert!(named.contains(&f), "{f} not in {named:?}");
    }
    let mut b = notice(&["oost"], Utc::now() + Duration::hours(2));
    assert_problem(app.post(path, t, b.clone()).await, 422, Some("aware_at")).await;
    b["aware_at"] = json!(Utc::now() - Duration::hours(2));
    b["data_categories"] = json!(["name", "schoenmaat"]);
    assert_problem(
        app.post(path, t, b.clone()).await,
        422,
        Some("data_categories[1]"),
    )
    .await;
    b["data_categories"] = json!(["name"]);
    b["people_min"] = json!(10);
    b["people_max"] = json!(2);
    assert_problem(app.post(path, t, b.clone()).await, 422, Some("people_max")).await;
    b["people_max"] = json!(20);
    b["aware_at"] = json!("gisteren");
    assert_problem(app.post(path, t, b.clone()).await, 422, Some("aware_at")).await;
    b["aware_at"] = json!(Utc::now() - Duration::hours(2));
    b["urgent"] = json!(true);
    assert_problem(app.post(path, t, b.clone()).await, 422, Some("urgent")).await;
    b.as_object_mut().unwrap().remove("urgent");
    b["processor"] = json!("loon");
    assert_problem(app.post(path, t, b.clone()).await, 422, Some("processor")).await;
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(&k.drukker.token)
        .body("controllers=oost")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, None).await;
    assert!(actions(&app, "processor_notice.submitted").is_empty());
    b.as_object_mut().unwrap().remove("processor");
    json_ok(app.post(path, t, b).await, 201).await;
    // A notice that does not exist, or a malformed reference: 404.
    for p in [
        "/api/v1/processor/notices/V-2026-999999",
        "/api/v1/processor/notices/%20",
    ] {
        assert_problem(app.get(p, t).await, 404, None).await;
    }
}
both!(notices_bad_input);

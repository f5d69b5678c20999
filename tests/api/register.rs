//! Remediation, the processing register, the breach register and retention (issue 4), over HTTP
//! against a real database — with the denials.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp};

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = app.client.request(method, app.url(path));
    if let Some(b) = body {
        r = r.json(&b);
    }
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    send(app, reqwest::Method::PUT, path, token, Some(body)).await
}

async fn raw_post(
    app: &TestApp,
    path: &str,
    token: &str,
    ct: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .expect("request")
}

fn today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .date_naive()
}

/// A number that passes the BSN eleven-test, generated here (never a real person's).
fn test_bsn(seed: u32) -> String {
    let mut d: Vec<u32> = format!("{:08}", 10_000_000 + seed * 7919 % 89_999_999)
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    for last in 0..10 {
        let sum: i64 = d
            .iter()
            .enumerate()
            .map(|(i, x)| (9 - i as i64) * *x as i64)
            .sum::<i64>()
            - last as i64;
        if sum % 11 == 0 {
            d.push(last);
            return d.iter().map(|x| x.to_string()).collect();
        }
    }
    test_bsn(seed + 1)
}

async fn audit_actions(app: &TestApp, id: &str, token: &str) -> Vec<String> {
    let v: Value = app
        .get(&format!("/api/v1/incidents/{id}/audit"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn walk_to(app: &TestApp, id: &str, token: &str, states: &[&str]) {
    for to in states {
        let r = app
            .post(
                &format!("/api/v1/incidents/{id}/transitions"),
                Some(token),
                json!({"to": to}),
            )
            .await;
        assert_eq!(r.status(), 200, "to {to}");
    }
}

async fn measures_and_the_close_gate(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let other = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 5).await;
    let id = inc["id"].as_str().unwrap();
    let mpath = format!("/api/v1/incidents/{id}/measures");
    let due = today() + Duration::days(14);

    // Denials: no token, another organisation's handler.
    assert_problem(app.post(&mpath, None, json!({})).await, 401, None).await;
    let body =
        json!({"description": "Mailmerge-controle invoeren", "due_on": due, "owner_id": h.id});
    assert_problem(
        app.post(&mpath, Some(&other.token), body.clone()).await,
        404,
        None,
    )
    .await;
    assert_problem(app.get(&mpath, Some(&other.token)).await, 404, None).await;
    // Bad input names the field and stores nothing.
    assert_problem(
        app.post(
            &mpath,
            Some(&h.token),
            json!({"description": " ", "due_on": due}),
        )
        .await,
        422,
        Some("description"),
    )
    .await;
    assert_problem(
        app.post(
            &mpath,
            Some(&h.token),
            json!({"description": "x", "due_on": "2017-01-01"}),
        )
        .await,
        422,
        Some("due_on"),
    )
    .await;
    assert_problem(
        app.post(
            &mpath,
            Some(&h.token),
            json!({"description": "x", "due_on": due, "owner_id": other.id}),
        )
        .await,
        422,
        Some("owner_id"),
    )
    .await;
    assert_problem(
        app.post(
            &mpath,
            Some(&h.token),
            json!({"description": "x", "due_on": "morgen"}),
        )
        .await,
        422,
        Some("due_on"),
    )
    .await;
    let list: Value = app.get(&mpath, Some(&h.token)).await.json().await.unwrap();
    assert_eq!(list, json!([]));

    let r = app.post(&mpath, Some(&h.token), body).await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["status"], "open");
    assert_eq!(m["overdue"], false);
    let mid = m["id"].as_str().unwrap().to_string();

    // Done needs evidence; a stale version is refused.
    let patch = format!("/api/v1/measures/{mid}");
    assert_problem(
        app.patch(
            &patch,
            Some(&h.token),
            json!({"version": 1, "status": "done"}),
        )
        .await,
        422,
        Some("evidence"),
    )
    .await;
    assert_problem(
        app.patch(
            &patch,
            Some(&h.token),
            json!({"version": 7, "status": "in_progress"}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.patch(
            &patch,
            Some(&other.token),
            json!({"version": 1, "status": "in_progress"}),
        )
        .await,
        404,
        None,
    )
    .await;

    // Closing: lessons learned required; open measures block; a handler cannot override;
    // the FG can, with a reason.
    walk_to(&app, id, &h.token, &["triage", "assessed", "remediation"]).await;
    let t = format!("/api/v1/incidents/{id}/transitions");
    assert_problem(
        app.post(&t, Some(&h.token), json!({"to": "closed"})).await,
        422,
        Some("lessons_learned"),
    )
    .await;
    let lessons = "Mailings voortaan met steekproef vóór verzending";
    assert_problem(
        app.post(
            &t,
            Some(&h.token),
            json!({"to": "closed", "lessons_learned": lessons}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert_problem(
        app.post(
            &t,
            Some(&h.token),
            json!({"to": "closed", "lessons_learned": lessons, "override_reason": "loopt elders"}),
        )
        .await,
        403,
        None,
    )
    .await;
    let v: Value = app
        .get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["state"], "remediation", "refusals change nothing");

    let r = app
        .post(&t, Some(&fg.token), json!({"to": "closed", "lessons_learned": lessons, "override_reason": "Maatregel loopt via het ICT-project"}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["state"], "closed");
    assert_eq!(v["lessons_learned"], lessons);
    assert_eq!(
        v["close_override_reason"],
        "Maatregel loopt via het ICT-project"
    );
    assert!(v["closed_at"].is_string());

    // Reopen, finish the measure, close without override.
    let r = app
        .post(
            &t,
            Some(&h.token),
            json!({"to": "remediation", "reason": "maatregel afronden"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .patch(
            &patch,
            Some(&h.token),
            json!({"version": 1, "status": "done", "evidence": "Werkinstructie v2 gepubliceerd"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["status"], "done");
    assert!(m["completed_at"].is_string());
    let r = app
        .post(
            &t,
            Some(&h.token),
            json!({"to": "closed", "lessons_learned": lessons}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["close_override_reason"], Value::Null);

    let actions = audit_actions(&app, id, &h.token).await;
    for a in [
        "measure.created",
        "measure.changed",
        "incident.state_changed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}
both!(measures_and_the_close_gate);

async fn overdue_measures_remind_their_owner_once(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let owner = app.create_user("eigenaar@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 5).await;
    let id = inc["id"].as_str().unwrap();
    let mpath = format!("/api/v1/incidents/{id}/measures");
    let r = app
        .post(&mpath, Some(&h.token), json!({"description": "Printerinstelling aanpassen", "due_on": today() - Duration::days(1), "owner_id": owner.id}))
        .await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["overdue"], true);
    // Not overdue yet: no mail to its owner.
    app.post(&mpath, Some(&h.token), json!({"description": "Later", "due_on": today() + Duration::days(3), "owner_id": owner.id}))
        .await;

    let mails = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == owner.email))
        .await;
    let to_owner: Vec<_> = mails.iter().filter(|m| m.to == owner.email).collect();
    assert_eq!(to_owner.len(), 1, "{to_owner:?}");
    assert!(to_owner[0]
        .body_text
        .contains("Printerinstelling aanpassen"));
    assert!(to_owner[0]
        .body_text
        .contains(&format!("/staff/incidents/{id}")));
    // Several clock rounds later still one.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        app.sent_mail()
            .iter()
            .filter(|m| m.to == owner.email)
            .count(),
        1
    );
    let list: Value = app.get(&mpath, Some(&h.token)).await.json().await.unwrap();
    assert!(list[0]["reminder_sent_at"].is_string());
    assert!(audit_actions(&app, id, &h.token)
        .await
        .iter()
        .any(|a| a == "measure.reminder_queued"));
}
both!(overdue_measures_remind_their_owner_once);

const CSV_HEADER: &str = "name,purposes,legal_basis,data_categories,special_categories,person_groups,recipients,processors,retention\n";

async fn processing_register_import_export_and_derived_facts(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let other = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let base = "/api/v1/organisations/oost/activities";

    let good = format!(
        "{CSV_HEADER}Uitkeringen,Bijstand verlenen,legal_obligation,name;bsn;iban,health,customers,\"Belastingdienst (convenant 2024)\",Inkomens BV,10 jaar\n\
         Leerlingenvervoer,Vervoer regelen,public_task,name;address,,minors;other_vulnerable,Vervoerder,,2 jaar\n"
    );
    // Another organisation's staff cannot import into, or read, this register.
    assert_problem(
        raw_post(
            &app,
            &format!("{base}/import"),
            &other.token,
            "text/csv",
            good.clone().into_bytes(),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(app.get(base, Some(&other.token)).await, 404, None).await;
    assert_problem(app.get(base, None).await, 401, None).await;
    assert_problem(
        raw_post(
            &app,
            &format!("{base}/import"),
            &h.token,
            "text/plain",
            good.clone().into_bytes(),
        )
        .await,
        415,
        None,
    )
    .await;

    let r = raw_post(
        &app,
        &format!("{base}/import"),
        &h.token,
        "text/csv",
        good.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"created": 2, "updated": 0}));

    // A bad file: every bad row with its line, nothing imported (the good row is not added either).
    let bad = format!(
        "{CSV_HEADER}Nieuw,Doel,consent,name,,customers,,,\nFout,Doel,magic,name,,customers,,,\nLeeg,,consent,,,customers,,,\n"
    );
    let body = assert_problem(
        raw_post(
            &app,
            &format!("{base}/import"),
            &h.token,
            "text/csv",
            bad.into_bytes(),
        )
        .await,
        422,
        Some("legal_basis"),
    )
    .await;
    let text = body.to_string();
    assert!(text.contains("line 3"), "{text}");
    assert!(text.contains("line 4"), "{text}");
    let list: Value = app.get(base, Some(&h.token)).await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    // A missing column.
    assert_problem(
        raw_post(
            &app,
            &format!("{base}/import"),
            &h.token,
            "text/csv",
            b"name,purposes\nA,B\n".to_vec(),
        )
        .await,
        422,
        Some("legal_basis"),
    )
    .await;

    // Export as CSV reads back as the same register; JSON too.
    let r = app
        .get(&format!("{base}/export?format=csv"), Some(&h.token))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with(CSV_HEADER.trim_end()));
    assert!(csv.contains("Belastingdienst (convenant 2024)"));
    let r = raw_post(
        &app,
        &format!("{base}/import"),
        &h.token,
        "text/csv",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"created": 0, "updated": 0})
    );
    let json_export: Value = app
        .get(&format!("{base}/export"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json_export[1]["name"], "Uitkeringen");
    assert_eq!(
        json_export[1]["data_categories"],
        json!(["name", "bsn", "iban"])
    );
    let mut changed = json_export.clone();
    changed[0]["retention"] = json!("3 jaar");
    let r = raw_post(
        &app,
        &format!("{base}/import"),
        &h.token,
        "application/json",
        serde_json::to_vec(&changed).unwrap(),
    )
    .await;
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"created": 0, "updated": 1})
    );

    // Edit one, with optimistic locking; duplicates refused.
    let list: Value = app.get(base, Some(&h.token)).await.json().await.unwrap();
    let uitk = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Uitkeringen")
        .unwrap()
        .clone();
    let vervoer = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Leerlingenvervoer")
        .unwrap()
        .clone();
    let apath = format!("/api/v1/activities/{}", uitk["id"].as_str().unwrap());
    let mut upd = json!({"version": uitk["version"], "name": "Leerlingenvervoer", "purposes": "x", "legal_basis": "consent", "data_categories": ["name"], "person_groups": ["customers"]});
    assert_problem(
        put(&app, &apath, Some(&h.token), upd.clone()).await,
        422,
        Some("name"),
    )
    .await;
    upd["name"] = json!("Uitkeringen");
    assert_problem(
        put(&app, &apath, Some(&other.token), upd.clone()).await,
        404,
        None,
    )
    .await;
    upd["data_categories"] = json!(["name", "bsn", "iban"]);
    upd["special_categories"] = json!(["health"]);
    upd["purposes"] = json!("Bijstand verlenen");
    let r = put(&app, &apath, Some(&h.token), upd.clone()).await;
    assert_eq!(r.status(), 200);
    assert_problem(put(&app, &apath, Some(&h.token), upd).await, 409, None).await;

    // An incident linked to the activity gets its categories proposed, marked derived.
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let link = format!("/api/v1/incidents/{id}/activities");
    assert_problem(
        put(
            &app,
            &link,
            Some(&other.token),
            json!({"activity_ids": [uitk["id"]]}),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(
        put(
            &app,
            &link,
            Some(&h.token),
            json!({"activity_ids": ["nope"]}),
        )
        .await,
        422,
        Some("activity_ids"),
    )
    .await;
    let r = put(
        &app,
        &link,
        Some(&h.token),
        json!({"activity_ids": [uitk["id"], vervoer["id"]]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let facts = &v["assessment"]["facts"];
    assert_eq!(facts["general_data"]["provenance"], "derived");
    // The activity "Uitkeringen" lists name, BSN and address; its name says benefits too.
    assert_eq!(
        facts["general_data"]["value"],
        json!(["name", "bsn", "address", "iban", "benefits"])
    );
    assert!(facts["general_data"]["from"]
        .as_str()
        .unwrap()
        .contains("verwerkingsregister: Uitkeringen"));
    assert_eq!(facts["special_categories"]["value"], json!(["health"]));
    assert_eq!(
        facts["groups"]["value"],
        json!(["customers", "minors", "other_vulnerable"])
    );

    // A report with a BSN in its text adds its proposal, naming the report.
    let bsn = test_bsn(42);
    let r = app
        .post("/api/v1/reports", Some(&h.token), json!({"description": format!("Brief met BSN {bsn} ontvangen, bestemd voor iemand anders"), "organisation": "oost"}))
        .await;
    assert_eq!(r.status(), 201);
    let rep: Value = r.json().await.unwrap();
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&h.token),
            json!({"reports": [rep["reference"]]}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    put(
        &app,
        &link,
        Some(&h.token),
        json!({"activity_ids": [vervoer["id"]]}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/facts/derive"),
            Some(&h.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let a: Value = app
        .get(
            &format!("/api/v1/incidents/{id}/assessment"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let g = &a["facts"]["general_data"];
    assert_eq!(g["value"], json!(["name", "bsn", "address"]), "{g}");
    assert!(
        g["from"]
            .as_str()
            .unwrap()
            .contains(rep["reference"].as_str().unwrap()),
        "{g}"
    );
    assert_eq!(
        a["facts"]["special_categories"]["provenance"], "missing",
        "unlinking removes its proposal"
    );

    // What a citizen ticked ("welke gegevens zag u?") is proposed too, naming the report: a copy of
    // an ID and health data they saw.
    let r = app
        .post(
            "/api/v1/reports",
            Some(&h.token),
            json!({"description": "Ik kreeg een envelop met een kopie paspoort en een medische verklaring van een ander.",
                   "organisation": "oost", "data_kinds": ["name", "id_copy", "health", "unknown"]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let ticked: Value = r.json().await.unwrap();
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&h.token),
            json!({"reports": [ticked["reference"]]}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/facts/derive"),
            Some(&h.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let a: Value = app
        .get(
            &format!("/api/v1/incidents/{id}/assessment"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let g = &a["facts"]["general_data"];
    let values: Vec<&str> = g["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for want in ["name", "bsn", "address", "id_documents"] {
        assert!(values.contains(&want), "{want} missing: {g}");
    }
    assert!(
        !values.contains(&"unknown"),
        "'unknown' proposes nothing: {g}"
    );
    let sc = &a["facts"]["special_categories"];
    assert_eq!(sc["provenance"], "derived", "{sc}");
    assert_eq!(sc["value"], json!(["health"]));
    let from = sc["from"].as_str().unwrap();
    assert!(
        from.contains("aangevinkt door de melder")
            && from.contains(ticked["reference"].as_str().unwrap()),
        "{sc}"
    );

    // A person confirms: entered facts are not overwritten by a later link.
    let mut f = a["facts"].clone();
    f["general_data"] = json!({"provenance": "entered", "value": ["name", "bsn"]});
    assert_eq!(
        put(
            &app,
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&h.token),
            f
        )
        .await
        .status(),
        200
    );
    let v: Value = put(
        &app,
        &link,
        Some(&h.token),
        json!({"activity_ids": [uitk["id"]]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        v["assessment"]["facts"]["general_data"],
        json!({"provenance": "entered", "value": ["name", "bsn"]})
    );

    // Deleting a linked activity is refused; unlinked, it goes.
    assert_problem(
        send(&app, reqwest::Method::DELETE, &apath, Some(&h.token), None).await,
        409,
        None,
    )
    .await;
    let vpath = format!("/api/v1/activities/{}", vervoer["id"].as_str().unwrap());
    assert_problem(
        send(
            &app,
            reqwest::Method::DELETE,
            &vpath,
            Some(&other.token),
            None,
        )
        .await,
        404,
        None,
    )
    .await;
    assert_eq!(
        send(&app, reqwest::Method::DELETE, &vpath, Some(&h.token), None)
            .await
            .status(),
        204
    );
    let actions = audit_actions(&app, id, &h.token).await;
    assert!(actions.iter().any(|a| a == "incident.activities_linked"));
}
both!(processing_register_import_export_and_derived_facts);

async fn breach_register_filters_exports_and_statistics(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let other = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let e = |v: Value| json!({"provenance": "entered", "value": v});
    let facts = |kind: &str| {
        json!({
            "nature": e(json!(["confidentiality"])), "kind": e(json!(kind)),
            "general_data": e(json!(["name", "address"])), "special_categories": e(json!([])),
            "groups": e(json!(["customers"])), "people": e(json!({"type": "range", "min": 100, "max": 500})),
            "protection": e(json!({"method": "none"})), "malicious_intent": e(json!(false)),
            "recipients": e(json!({"known": true, "trustworthy": false})),
        })
    };
    // One notified in time, one still open, one in another organisation.
    let a = app.open_incident(&h, "oost", 10).await;
    let a_id = a["id"].as_str().unwrap();
    assert_eq!(
        put(
            &app,
            &format!("/api/v1/incidents/{a_id}/facts"),
            Some(&h.token),
            facts("email_cc_not_bcc")
        )
        .await
        .status(),
        200
    );
    let r = app
        .post(
            &format!("/api/v1/incidents/{a_id}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap", "reasons": "300 adressen in cc"}),
        )
        .await;
    let st = r.status();
    assert!(st == 201, "{st} {:?}", r.text().await);
    walk_to(
        &app,
        a_id,
        &h.token,
        &["triage", "assessed", "notification_pending", "notified"],
    )
    .await;
    let b = app.open_incident(&h, "oost", 100).await;
    let b_id = b["id"].as_str().unwrap();
    assert_eq!(
        put(
            &app,
            &format!("/api/v1/incidents/{b_id}/facts"),
            Some(&h.token),
            facts("letter_wrong_recipient")
        )
        .await
        .status(),
        200
    );
    app.post(
        &format!("/api/v1/incidents/{b_id}/measures"),
        Some(&h.token),
        json!({"description": "Adresbestand", "due_on": today() - Duration::days(2)}),
    )
    .await;
    let w = app.open_incident(&other, "west", 1).await;

    let reg = |q: &str| format!("/api/v1/register{q}");
    let all: Value = app
        .get(&reg(""), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let refs: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["incident_id"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 2, "only the caller's organisation: {refs:?}");
    assert!(!refs.contains(&w["id"].as_str().unwrap()));
    let first = all
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["incident_id"] == a_id)
        .unwrap();
    assert_eq!(first["timeliness"], "within");
    assert_eq!(first["decision"], "notify_ap");
    assert_eq!(first["decision_reasons"], "300 adressen in cc");
    assert_eq!(first["people"], "100–500");
    assert!(first["hours_to_notification"].as_f64().unwrap() >= 10.0);

    let within: Value = app
        .get(&reg("?timeliness=within"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(within.as_array().unwrap().len(), 1);
    let by_kind: Value = app
        .get(&reg("?kind=letter_wrong_recipient"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_kind[0]["incident_id"], b_id);
    assert_eq!(by_kind[0]["open_measures"], 1);
    assert_eq!(by_kind[0]["measures"][0]["overdue"], true);
    let none: Value = app
        .get(&reg("?decision=none"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none.as_array().unwrap().len(), 1);
    let future = today() + Duration::days(2);
    let empty: Value = app
        .get(&reg(&format!("?from={future}")), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty, json!([]));

    assert_problem(
        app.get(&reg("?kind=meteor"), Some(&h.token)).await,
        422,
        Some("kind"),
    )
    .await;
    assert_problem(
        app.get(&reg("?timeliness=soon"), Some(&h.token)).await,
        422,
        Some("timeliness"),
    )
    .await;
    assert_problem(
        app.get(&reg("?from=gisteren"), Some(&h.token)).await,
        400,
        None,
    )
    .await;
    assert_problem(
        app.get(&reg("?organisation=west"), Some(&h.token)).await,
        404,
        None,
    )
    .await;
    assert_problem(app.get(&reg(""), None).await, 401, None).await;

    let r = app.get(&reg("?format=csv"), Some(&h.token)).await;
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("reference,organisation,title,state,became_aware_at"));
    assert_eq!(csv.lines().count(), 3, "{csv}");

    let st: Value = app
        .get("/api/v1/register/statistics", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["incidents"], 2);
    assert_eq!(st["notified"], 1);
    assert_eq!(st["notified_within_72h"], 1);
    assert_eq!(st["share_within_72h"], 1.0);
    assert_eq!(st["open_measures"], 1);
    assert_eq!(st["overdue_measures"], 1);
    assert_eq!(st["by_kind"].as_array().unwrap().len(), 2);
}
both!(breach_register_filters_exports_and_statistics);

async fn retention_purges_evidence_then_the_entry(app: TestApp) {
    use meldpunt::db::schema::{attachments, outbox, reports};
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let admin = app.create_user("a@oost.nl", &[("oost", Role::Admin)]);
    let other = app.create_user("a@west.nl", &[("west", Role::Admin)]);

    // The policy: admins only, sane values, per organisation.
    let rp = "/api/v1/organisations/oost/retention";
    let v: Value = app.get(rp, Some(&h.token)).await.json().await.unwrap();
    assert_eq!(v, json!({"register_years": 5, "evidence_grace_days": 90}));
    assert_problem(
        put(
            &app,
            rp,
            Some(&h.token),
            json!({"register_years": 5, "evidence_grace_days": 30}),
        )
        .await,
        403,
        None,
    )
    .await;
    assert_problem(
        put(
            &app,
            rp,
            Some(&other.token),
            json!({"register_years": 5, "evidence_grace_days": 30}),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(
        put(
            &app,
            rp,
            Some(&admin.token),
            json!({"register_years": 0, "evidence_grace_days": 30}),
        )
        .await,
        422,
        Some("register_years"),
    )
    .await;
    assert_eq!(
        put(
            &app,
            rp,
            Some(&admin.token),
            json!({"register_years": 5, "evidence_grace_days": 30})
        )
        .await
        .status(),
        200
    );

    let bsn = test_bsn(7);
    let r = app
        .post("/api/v1/reports", Some(&h.token), json!({
            "description": format!("Ik kreeg een brief met BSN {bsn} van een ander"),
            "organisation": "oost", "contact_name": "Ria Melder", "contact_email": "ria@example.nl", "may_contact": true
        }))
        .await;
    assert_eq!(r.status(), 201);
    let rep: Value = r.json().await.unwrap();
    let reference = rep["reference"].as_str().unwrap().to_string();
    let mut c = app.conn();
    let rep_id: String = reports::table
        .filter(reports::reference.eq(&reference))
        .select(reports::id)
        .first(&mut c)
        .unwrap();
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq("att-1"),
            attachments::report_id.eq(&rep_id),
            attachments::filename.eq("brief.pdf"),
            attachments::content_type.eq("application/pdf"),
            attachments::size_bytes.eq(8i64),
            attachments::sha256.eq("00"),
            attachments::data.eq(b"%PDF-1.4".to_vec()),
            attachments::created_at.eq(Utc::now().naive_utc()),
        ))
        .execute(&mut c)
        .unwrap();
    // The same breach also reported by e-mail to the meldpunt mailbox.
    let mail = format!(
        "From: Jan Melder <jan.melder@example.nl>\r\nTo: meldpunt@oost.example.nl\r\nSubject: Brief met BSN {bsn}\r\n\
         Message-ID: <retentie-1@example.nl>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0100\r\n\r\n\
         Ik kreeg een brief van een ander, met BSN {bsn}.\r\n"
    );
    let r = app
        .client
        .post(app.url("/api/v1/mail?organisation=oost"))
        .header("Content-Type", "message/rfc822")
        .bearer_auth(&h.token)
        .body(mail.into_bytes())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mailed: Value = r.json().await.unwrap();
    let mailed_ref = mailed["reference"].as_str().unwrap().to_string();

    let inc = app.open_incident(&h, "oost", 3).await;
    let id = inc["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&h.token),
            json!({"reports": [reference, mailed_ref]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    walk_to(&app, id, &h.token, &["triage", "assessed"]).await;
    // One person told of the breach (issue 5's recipient list).
    {
        use meldpunt::db::schema::notice_recipients;
        diesel::insert_into(notice_recipients::table)
            .values((
                notice_recipients::id.eq("rcpt-1"),
                notice_recipients::incident_id.eq(id),
                notice_recipients::line_no.eq(2i64),
                notice_recipients::name.eq("Ria Betrokkene"),
                notice_recipients::email.eq(Some("ria.betrokkene@example.nl")),
                notice_recipients::postal_address.eq(Some("Dorpsstraat 1, 1234 AB Oost")),
                notice_recipients::language.eq("nl"),
                notice_recipients::extra_json.eq("{\"dossier\":\"123\"}"),
                notice_recipients::dedupe_key.eq("e:ria.betrokkene@example.nl"),
                notice_recipients::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(&mut c)
            .unwrap();
    }
    // The e-mail she was sent (through the outbox: queued, claimed, accepted, written).
    let sent_mail = {
        use meldpunt::outbox::store::{self as ob, Outcome};
        // Due in an hour: the app's own outbox worker leaves it alone, this test claims it.
        let t = meldpunt::db::now() + chrono::Duration::hours(1);
        let oid = meldpunt::db::write_tx(&mut c, |c| {
            meldpunt::outbox::enqueue(
                c,
                &meldpunt::outbox::NewMessage {
                    kind: "campaign:retentie".into(),
                    dedupe_key: Some(format!("notice:{id}:rcpt-1:email")),
                    organisation_id: None,
                    incident_id: Some(id.to_string()),
                    to: "ria.betrokkene@example.nl".into(),
                    subject: "Uw gegevens".into(),
                    body_text: format!("Beste Ria Betrokkene, uw BSN {bsn} ..."),
                    body_html: None,
                    thread: Default::default(),
                },
                "meldpunt.test",
                t,
            )
        })
        .unwrap();
        // And the acknowledgement of her report (as the public form queues it).
        let ack = meldpunt::db::write_tx(&mut c, |c| {
            meldpunt::outbox::enqueue(
                c,
                &meldpunt::outbox::NewMessage {
                    kind: "report_received".into(),
                    dedupe_key: Some(meldpunt::reports::store::ack_key(&rep_id)),
                    organisation_id: None,
                    incident_id: None,
                    to: "ria@example.nl".into(),
                    subject: format!("Uw melding {reference}"),
                    body_text: format!("Beste Ria Melder, wij ontvingen uw melding {reference}."),
                    body_html: None,
                    thread: Default::default(),
                },
                "meldpunt.test",
                t,
            )
        })
        .unwrap();
        let claimed = ob::claim(
            &mut c,
            "w",
            100,
            chrono::Duration::seconds(60),
            chrono::Duration::seconds(10),
            t,
        )
        .unwrap();
        assert!(claimed.iter().any(|r| r.id == oid));
        assert!(claimed.iter().any(|r| r.id == ack));
        let outcomes: Vec<(String, Outcome)> = claimed
            .iter()
            .map(|r| (r.id.clone(), Outcome::Sent("250 ok".into())))
            .collect();
        ob::settle(
            &mut c,
            "w",
            &outcomes,
            &[],
            chrono::Duration::seconds(60),
            t,
        )
        .unwrap();
        oid
    };
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/transitions"),
            Some(&h.token),
            json!({"to": "closed", "lessons_learned": "Dubbele adrescontrole"}),
        )
        .await;
    assert_eq!(r.status(), 200);

    // A report that never became an incident, closed: purged on the same schedule.
    let r = app
        .post(
            "/api/v1/reports",
            Some(&h.token),
            json!({
                "description": "Geen datalek, wel mijn gegevens", "organisation": "oost",
                "contact_name": "Piet Melder", "contact_phone": "0612345678"
            }),
        )
        .await;
    let loose: Value = r.json().await.unwrap();
    let loose_ref = loose["reference"].as_str().unwrap().to_string();
    let r = app
        .patch(
            &format!("/api/v1/reports/{loose_ref}"),
            Some(&h.token),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);

    // Before the grace period nothing happens.
    let s = meldpunt::register::retention::run(&mut c, Utc::now() + Duration::days(29)).unwrap();
    assert_eq!(s.incidents_purged, 0);
    assert_eq!(s.unlinked_reports_purged, 0);
    // After it: attachments gone, contact details gone, the BSN masked; the entry stays whole.
    let s = meldpunt::register::retention::run(&mut c, Utc::now() + Duration::days(31)).unwrap();
    assert_eq!(
        (
            s.incidents_purged,
            s.attachments_deleted,
            s.reports_pseudonymised
        ),
        (1, 1, 2)
    );
    {
        use meldpunt::db::schema::mail_messages;
        let (raw, from, subject): (Vec<u8>, Option<String>, Option<String>) = mail_messages::table
            .filter(mail_messages::message_id.like("%retentie-1@example.nl%"))
            .select((
                mail_messages::raw,
                mail_messages::from_addr,
                mail_messages::subject,
            ))
            .first(&mut c)
            .unwrap();
        assert!(raw.is_empty(), "the raw mail is gone");
        use meldpunt::db::schema::notice_recipients;
        let (name, email, addr, key): (String, Option<String>, Option<String>, String) =
            notice_recipients::table
                .find("rcpt-1")
                .select((
                    notice_recipients::name,
                    notice_recipients::email,
                    notice_recipients::postal_address,
                    notice_recipients::dedupe_key,
                ))
                .first(&mut c)
                .unwrap();
        assert_eq!((name.as_str(), email, addr), ("", None, None));
        assert!(!key.contains("ria"), "the key is a hash now");
        assert_eq!(from, None);
        assert!(
            !subject.unwrap_or_default().contains(&bsn),
            "the subject is masked"
        );
        // The acknowledgement Ria got for her report: address and text gone, the row stays.
        let (ack_to, ack_body, ack_status): (String, String, String) = outbox::table
            .filter(outbox::dedupe_key.eq(format!("report_received:{rep_id}")))
            .select((outbox::to_addr, outbox::body_text, outbox::status))
            .first(&mut c)
            .unwrap();
        assert_eq!(
            (ack_to.as_str(), ack_body.as_str(), ack_status.as_str()),
            ("", "", "sent"),
            "the acknowledgement's copy is purged"
        );
        let copy = meldpunt::outbox::store::by_id(&mut c, &sent_mail)
            .unwrap()
            .expect("the outbox row stays");
        assert_eq!(
            (
                copy.to_addr.as_str(),
                copy.body_text.as_str(),
                copy.status.as_str()
            ),
            ("", "", "sent"),
            "the outbox's copy of the sent e-mail is purged: {copy:?}"
        );
        assert_eq!(copy.smtp_response.as_deref(), Some("250 ok"));
    }
    assert_eq!(s.unlinked_reports_purged, 1);
    let (lname, lphone): (Option<String>, Option<String>) = reports::table
        .filter(reports::reference.eq(&loose_ref))
        .select((reports::contact_name, reports::contact_phone))
        .first(&mut c)
        .unwrap();
    assert_eq!((lname, lphone), (None, None));
    let again =
        meldpunt::register::retention::run(&mut c, Utc::now() + Duration::days(32)).unwrap();
    assert_eq!(again.incidents_purged, 0, "done once");
    assert_eq!(again.unlinked_reports_purged, 0, "done once");
    let n: i64 = attachments::table
        .filter(attachments::report_id.eq(&rep_id))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 0);
    let (desc, name, email): (String, Option<String>, Option<String>) = reports::table
        .find(&rep_id)
        .select((
            reports::description,
            reports::contact_name,
            reports::contact_email,
        ))
        .first(&mut c)
        .unwrap();
    assert!(!desc.contains(&bsn), "{desc}");
    assert_eq!((name, email), (None, None));
    let reg: Value = app
        .get("/api/v1/register", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reg[0]["lessons_learned"], "Dubbele adrescontrole");
    assert!(reg[0]["evidence_purged_at"].is_string());
    let actions = audit_actions(&app, id, &h.token).await;
    assert!(actions.iter().any(|a| a == "incident.evidence_purged"));

    // After the register period the entry itself goes, audited without its content.
    let s = meldpunt::register::retention::run(&mut c, Utc::now() + Duration::days(5 * 366 + 1))
        .unwrap();
    assert_eq!(s.register_entries_deleted, 1);
    assert!(
        meldpunt::outbox::store::by_id(&mut c, &sent_mail)
            .unwrap()
            .is_none(),
        "the outbox row goes with the register entry"
    );
    let acks: i64 = outbox::table
        .filter(outbox::dedupe_key.eq(format!("report_received:{rep_id}")))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(
        acks, 0,
        "the acknowledgement's row goes with the register entry"
    );
    assert_problem(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        404,
        None,
    )
    .await;
    let reg: Value = app
        .get("/api/v1/register", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reg, json!([]));
    let out = meldpunt::audit::store::verify(&mut c).unwrap();
    assert!(out.broken.is_none(), "the chain holds after retention");
}
both!(retention_purges_evidence_then_the_entry);

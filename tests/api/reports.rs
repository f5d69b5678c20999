use meldpunt::auth::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{assert_problem, TestApp};

async fn minimal_report_gets_reference_and_token(app: TestApp) {
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Ik kreeg een brief voor mijn buurman"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let reference = body["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("M-2026-") || reference.starts_with("M-20"),
        "{reference}"
    );
    assert_eq!(reference.len(), "M-2026-000001".len());
    let token = body["follow_up_token"].as_str().unwrap();
    assert!(token.len() > 30);

    // The reporter follows their own report with the token, and sees the status only.
    let r = app
        .get(&format!("/api/v1/reports/{reference}"), Some(token))
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["reference"], reference);
    assert_eq!(v["status"], "received");
    assert!(v["status_text"].as_str().unwrap().contains("ontvangen"));
    assert!(
        v.get("description").is_none(),
        "the reporter sees status only: {v}"
    );

    // References count up.
    let r2: serde_json::Value = app
        .post("/api/v1/reports", None, json!({"description": "Nog een"}))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(r2["reference"], body["reference"]);
}
both!(minimal_report_gets_reference_and_token);

async fn full_report_is_stored_with_channel_and_audited(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({
                "description": "Brief met BSN 123456782 van mijn buurman ontvangen",
                "received_via": "letter",
                "organisation": "oost",
                "organisation_hint": "Afdeling Belastingen",
                "received_on": "2026-11-20",
                "data_kinds": ["name", "bsn", "address"],
                "action_taken": "kept",
                "contact_name": "Piet",
                "contact_email": "Piet@Example.nl",
                "language": "en"
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let reference = created["reference"].as_str().unwrap();

    // Staff of the organisation see it in full.
    let v: serde_json::Value = app
        .get(&format!("/api/v1/reports/{reference}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["channel"], "api");
    assert_eq!(v["received_via"], "letter");
    assert_eq!(v["contact_email"], "piet@example.nl");
    assert_eq!(v["data_kinds"], json!(["address", "bsn", "name"]));
    assert_eq!(v["language"], "en");
    assert_eq!(v["may_contact"], true);

    // In lists, personal data are masked.
    let list: serde_json::Value = app
        .get("/api/v1/reports", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let item = &list.as_array().unwrap()[0];
    assert_eq!(item["reference"], reference);
    assert!(
        !item["excerpt"].as_str().unwrap().contains("123456782"),
        "{item}"
    );
    assert_eq!(item["contact"], "p***@example.nl");

    // The follow-up answer is in the reporter's language.
    let st: serde_json::Value = app
        .get(
            &format!("/api/v1/reports/{reference}"),
            Some(created["follow_up_token"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(st["status_text"].as_str().unwrap().contains("received"));
}
both!(full_report_is_stored_with_channel_and_audited);

async fn staff_report_records_staff_channel(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post("/api/v1/reports", Some(&h.token), json!({"description": "Melding van verwerker", "organisation": "oost", "channel": "processor"}))
        .await;
    assert_eq!(r.status(), 201);
    let c: serde_json::Value = r.json().await.unwrap();
    let v: serde_json::Value = app
        .get(
            &format!("/api/v1/reports/{}", c["reference"].as_str().unwrap()),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["channel"], "processor");
    // A citizen may not choose a channel.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "x", "channel": "staff"}),
        )
        .await;
    assert_problem(r, 422, Some("channel")).await;
}
both!(staff_report_records_staff_channel);

async fn bad_input_is_refused_and_nothing_is_stored(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let cases = vec![
        (json!({}), 422, "description"),
        (json!({"description": ""}), 422, "description"),
        (
            json!({"description": "x".repeat(100_000)}),
            422,
            "description",
        ),
        (
            json!({"description": "x", "contact_email": "geen-adres"}),
            422,
            "contact_email",
        ),
        (
            json!({"description": "x", "organisation": "bestaat-niet"}),
            422,
            "organisation",
        ),
        (
            json!({"description": "x", "received_on": "2999-01-01"}),
            422,
            "received_on",
        ),
        (
            json!({"description": "x", "received_on": "gisteren"}),
            422,
            "received_on",
        ),
        (
            json!({"description": "x", "received_via": "duif"}),
            422,
            "received_via",
        ),
        (
            json!({"description": "x", "action_taken": "opgegeten"}),
            422,
            "action_taken",
        ),
        (
            json!({"description": "x", "data_kinds": ["schoenmaat"]}),
            422,
            "data_kinds[0]",
        ),
        (json!({"description": 42}), 422, "description"),
        (json!({"description": "x", "onbekend": 1}), 422, "onbekend"),
    ];
    for (body, status, field) in cases {
        let r = app.post("/api/v1/reports", None, body.clone()).await;
        assert_problem(r, status, Some(field)).await;
    }
    // Wrong content type, malformed JSON, invalid UTF-8, oversized body.
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("content-type", "text/plain")
        .body("{\"description\":\"x\"}")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, None).await;
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("content-type", "application/json")
        .body("{\"description\": ")
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, Some("description")).await;
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("content-type", "application/json")
        .body(b"{\"description\": \"\xff\xfe\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(r, 422, Some("body")).await;
    let r = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_problem(r, 413, None).await;

    // Nothing was stored, and the service is still up.
    let list: serde_json::Value = app
        .get("/api/v1/reports", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}
both!(bad_input_is_refused_and_nothing_is_stored);

async fn reporters_and_other_organisations_cannot_see_a_report(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let oost = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let west = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let a: serde_json::Value = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "A", "organisation": "oost"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let b: serde_json::Value = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "B", "organisation": "oost"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let a_ref = a["reference"].as_str().unwrap();

    // No token: 401. Another reporter's token: 404. A made-up token: 404.
    assert_problem(
        app.get(&format!("/api/v1/reports/{a_ref}"), None).await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/reports/{a_ref}"),
            Some(b["follow_up_token"].as_str().unwrap()),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/reports/{a_ref}"), Some("mpf_made_up"))
            .await,
        404,
        None,
    )
    .await;
    // Another organisation's handler: 404, and it is not in their list.
    assert_problem(
        app.get(&format!("/api/v1/reports/{a_ref}"), Some(&west.token))
            .await,
        404,
        None,
    )
    .await;
    let list: serde_json::Value = app
        .get("/api/v1/reports", Some(&west.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(list.as_array().unwrap().is_empty());
    // Filtering on an organisation one does not belong to: 404.
    assert_problem(
        app.get("/api/v1/reports?organisation=oost", Some(&west.token))
            .await,
        404,
        None,
    )
    .await;
    // A follow-up token is not a staff token.
    assert_problem(
        app.get(
            "/api/v1/reports",
            Some(a["follow_up_token"].as_str().unwrap()),
        )
        .await,
        401,
        None,
    )
    .await;
    // The list needs a token at all.
    assert_problem(app.get("/api/v1/reports", None).await, 401, None).await;
    // Own organisation: 200.
    assert_eq!(
        app.get(&format!("/api/v1/reports/{a_ref}"), Some(&oost.token))
            .await
            .status(),
        200
    );
}
both!(reporters_and_other_organisations_cannot_see_a_report);

async fn list_filters_and_search(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    for d in [
        "Brief over belasting",
        "E-mail met cc",
        "Brief over parkeren",
    ] {
        app.post(
            "/api/v1/reports",
            Some(&h.token),
            json!({"description": d, "organisation": "oost"}),
        )
        .await;
    }
    app.post(
        "/api/v1/reports",
        None,
        json!({"description": "Brief over west", "organisation": "west"}),
    )
    .await;
    let l: serde_json::Value = app
        .get("/api/v1/reports?q=Brief", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l.as_array().unwrap().len(), 2);
    let l: serde_json::Value = app
        .get(
            "/api/v1/reports?channel=staff&organisation=oost",
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l.as_array().unwrap().len(), 3);
    // Newest first.
    assert!(l[0]["excerpt"].as_str().unwrap().contains("parkeren"));
    assert_problem(
        app.get("/api/v1/reports?status=raar", Some(&h.token)).await,
        422,
        Some("status"),
    )
    .await;
    assert_problem(
        app.get("/api/v1/reports?limit=veel", Some(&h.token)).await,
        400,
        None,
    )
    .await;
}
both!(list_filters_and_search);

async fn unassigned_reports_are_for_installation_admins(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let admin = app.create_user_full("admin@meldpunt.nl", &[], true);
    let oost = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // Several organisations and none named: the report is unassigned.
    let c: serde_json::Value = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Weet niet van wie"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let reference = c["reference"].as_str().unwrap();
    assert_problem(
        app.get(&format!("/api/v1/reports/{reference}"), Some(&oost.token))
            .await,
        404,
        None,
    )
    .await;
    let v: serde_json::Value = app
        .get(&format!("/api/v1/reports/{reference}"), Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(v["organisation_id"].is_null());
    // The admin assigns it; then the organisation's handler sees it; the change is audited.
    let r = app
        .patch(
            &format!("/api/v1/reports/{reference}"),
            Some(&admin.token),
            json!({"organisation": "oost"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get(&format!("/api/v1/reports/{reference}"), Some(&oost.token))
            .await
            .status(),
        200
    );
    let r = app
        .patch(
            &format!("/api/v1/reports/{reference}"),
            Some(&oost.token),
            json!({"status": "in_review"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "in_review");
}
both!(unassigned_reports_are_for_installation_admins);

async fn single_organisation_installation_assigns_reports_to_it(app: TestApp) {
    app.create_org("enige");
    let h = app.create_user("h@enige.nl", &[("enige", Role::Handler)]);
    let c: serde_json::Value = app
        .post("/api/v1/reports", None, json!({"description": "Brief"}))
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .get(
            &format!("/api/v1/reports/{}", c["reference"].as_str().unwrap()),
            Some(&h.token),
        )
        .await;
    assert_eq!(r.status(), 200);
}
both!(single_organisation_installation_assigns_reports_to_it);

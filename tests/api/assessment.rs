use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp};

fn e(v: Value) -> Value {
    json!({"provenance": "entered", "value": v})
}

/// One letter (a decision about the addressee: name, address, BSN) sent to a stranger.
fn letter_with_bsn_to_stranger() -> Value {
    json!({
        "nature": e(json!(["confidentiality"])),
        "kind": e(json!("letter_wrong_recipient")),
        "general_data": e(json!(["name", "address", "bsn", "other"])),
        "special_categories": e(json!([])),
        "groups": e(json!(["customers"])),
        "people": e(json!({"type": "exact", "n": 1})),
        "recipients": e(json!({"known": true, "trustworthy": false, "opened": true, "count": 1})),
        "protection": e(json!({"method": "none"})),
        "malicious_intent": e(json!(false)),
        "controller_nature": e(json!("government")),
    })
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut r = app.client.put(app.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

async fn audit_actions(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/incidents/{id}/audit"), Some(token))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v.as_array().unwrap().clone()
}

async fn facts_versions_and_proposal(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{id}");

    // Nothing yet.
    let r = app.get(&format!("{path}/assessment"), Some(&h.token)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["facts_version"], Value::Null);
    assert_eq!(v["history"], json!([]));

    // Version 1: the misdirected letter with a BSN → notify the AP and the person.
    let r = put(
        &app,
        &format!("{path}/facts"),
        Some(&h.token),
        letter_with_bsn_to_stranger(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["facts_version"], 1);
    assert_eq!(v["proposal"]["outcome"], "notify_ap_and_data_subjects");
    assert_eq!(v["proposal"]["risk"], "high");
    assert!(v["proposal"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["rule"] == "bsn_with_other_data"));
    assert!(v["severity"]["band"].is_string());
    assert_eq!(v["facts"]["kind"]["value"], "letter_wrong_recipient");

    // Version 2: the letter came back unopened and returned.
    let mut f2 = letter_with_bsn_to_stranger();
    f2["recipients"] = e(json!({"known": true, "trustworthy": false, "opened": false,
        "returned_or_deleted": true, "count": 1}));
    let r = put(&app, &format!("{path}/facts"), Some(&h.token), f2).await;
    assert_eq!(r.status(), 200);
    let v2: Value = r.json().await.unwrap();
    assert_eq!(v2["facts_version"], 2);

    let r = app.get(&format!("{path}/assessment"), Some(&h.token)).await;
    assert_eq!(r.status(), 200);
    let a: Value = r.json().await.unwrap();
    assert_eq!(a["facts_version"], 2);
    assert_eq!(a["facts"]["recipients"]["value"]["opened"], false);
    assert_eq!(a["proposal"], v2["proposal"]);
    let hist = a["history"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0]["version"], 1);
    assert_eq!(hist[0]["outcome"], "notify_ap_and_data_subjects");
    assert_eq!(hist[1]["version"], 2);
    assert_eq!(hist[1]["outcome"], v2["proposal"]["outcome"]);
    assert!(hist[1]["band"].is_string());
    assert_eq!(a["decision"], Value::Null);

    // Invalid facts: minimum above maximum → 422 naming the field, nothing stored.
    let mut bad = letter_with_bsn_to_stranger();
    bad["people"] = e(json!({"type": "range", "min": 50, "max": 10}));
    let r = put(&app, &format!("{path}/facts"), Some(&h.token), bad).await;
    assert_problem(r, 422, Some("people.max")).await;
    let a: Value = app
        .get(&format!("{path}/assessment"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["facts_version"], 2);
    assert_eq!(a["history"].as_array().unwrap().len(), 2);

    // An unknown field is refused too.
    let mut unknown = letter_with_bsn_to_stranger();
    unknown["colour"] = json!("blue");
    let r = put(&app, &format!("{path}/facts"), Some(&h.token), unknown).await;
    assert_eq!(r.status(), 422);

    // Audit: two facts entries, the first with no before, the second with the first's facts.
    let entries = audit_actions(&app, id, &h.token).await;
    let recorded: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "incident.facts_recorded")
        .collect();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0]["before"], Value::Null);
    assert_eq!(
        recorded[0]["after"]["kind"]["value"],
        "letter_wrong_recipient"
    );
    assert_eq!(recorded[1]["before"]["recipients"]["value"]["opened"], true);
    assert_eq!(recorded[1]["after"]["recipients"]["value"]["opened"], false);
}
both!(facts_versions_and_proposal);

async fn decisions_against_the_proposal(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{id}");

    // No facts yet → 409.
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap", "reasons": "Zo besloten."}),
        )
        .await;
    assert_problem(r, 409, None).await;

    let r = put(
        &app,
        &format!("{path}/facts"),
        Some(&h.token),
        letter_with_bsn_to_stranger(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["proposal"]["outcome"], "notify_ap_and_data_subjects");

    // Reasons are required.
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "  "}),
        )
        .await;
    assert_problem(r, 422, Some("reasons")).await;

    // The proposal's outcome: accepted without a reason for a difference.
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap_and_data_subjects",
                   "reasons": "BSN bij een onbekende; betrokkene informeren."}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let d1: Value = r.json().await.unwrap();
    assert_eq!(d1["outcome"], "notify_ap_and_data_subjects");
    assert_eq!(d1["assessment_id"], v["assessment_id"]);
    assert_eq!(d1["decided_by"], h.id.as_str());

    // A different outcome without a reason for the difference → 422 naming it.
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&h.token),
            json!({"outcome": "register_only", "reasons": "Weinig risico."}),
        )
        .await;
    assert_problem(r, 422, Some("reason_for_difference")).await;

    // With the reason → 201.
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&h.token),
            json!({"outcome": "register_only", "reasons": "Weinig risico.",
                   "reason_for_difference": "De ontvanger is een collega-gemeente met geheimhoudingsplicht."}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let d2: Value = r.json().await.unwrap();
    assert_eq!(d2["outcome"], "register_only");

    // An exception that does not fit the outcome → 422 on `exception`.
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap", "exception": "c", "reasons": "x",
                   "reason_for_difference": "y"}),
        )
        .await;
    assert_problem(r, 422, Some("exception")).await;

    // The assessment shows the latest decision.
    let a: Value = app
        .get(&format!("{path}/assessment"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["decision"]["id"], d2["id"]);
    assert_eq!(
        a["decision"]["reason_for_difference"],
        "De ontvanger is een collega-gemeente met geheimhoudingsplicht."
    );

    // Audit entries for both decisions.
    let entries = audit_actions(&app, id, &h.token).await;
    let decided: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "incident.decision_recorded")
        .collect();
    assert_eq!(decided.len(), 2);
    assert_eq!(decided[0]["after"]["differs_from_proposal"], false);
    assert_eq!(decided[1]["after"]["differs_from_proposal"], true);
    assert_eq!(
        decided[1]["after"]["proposed_outcome"],
        "notify_ap_and_data_subjects"
    );
    assert_eq!(decided[1]["after"]["outcome"], "register_only");
}
both!(decisions_against_the_proposal);

async fn assessment_access(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Fg)]);
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{id}");
    let r = put(
        &app,
        &format!("{path}/facts"),
        Some(&h.token),
        letter_with_bsn_to_stranger(),
    )
    .await;
    assert_eq!(r.status(), 200);

    // Another organisation: the incident does not exist.
    let r = put(
        &app,
        &format!("{path}/facts"),
        Some(&w.token),
        letter_with_bsn_to_stranger(),
    )
    .await;
    assert_problem(r, 404, None).await;
    let r = app.get(&format!("{path}/assessment"), Some(&w.token)).await;
    assert_problem(r, 404, None).await;
    let r = app
        .post(
            &format!("{path}/decision"),
            Some(&w.token),
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "x"}),
        )
        .await;
    assert_problem(r, 404, None).await;
    let r = app
        .get(
            "/api/v1/incidents/does-not-exist/assessment",
            Some(&h.token),
        )
        .await;
    assert_problem(r, 404, None).await;

    // No token.
    let r = put(
        &app,
        &format!("{path}/facts"),
        None,
        letter_with_bsn_to_stranger(),
    )
    .await;
    assert_eq!(r.status(), 401);
    let r = app.get(&format!("{path}/assessment"), None).await;
    assert_eq!(r.status(), 401);
    let r = app
        .post(
            &format!("{path}/decision"),
            None,
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "x"}),
        )
        .await;
    assert_eq!(r.status(), 401);

    // Nothing was written by the refused requests.
    let a: Value = app
        .get(&format!("{path}/assessment"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["facts_version"], 1);
    assert_eq!(a["decision"], Value::Null);
}
both!(assessment_access);

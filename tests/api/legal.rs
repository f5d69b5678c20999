//! Issue 14 over HTTP: contradictions refused naming both fields, a person's exception checked
//! against its conditions, what would change the proposal in the API and on the pages, and the
//! measures of Art. 34(3)(b) as a structured list on the facts form.
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp};
use crate::staff_pages::{csrf_of, get_ok, location, post, sign_in};

fn e(v: Value) -> Value {
    json!({"provenance": "entered", "value": v})
}

/// A stolen laptop, full-disk encryption with the key safe: name, address and BSN of 40 people.
fn encrypted_laptop(key_safe: bool) -> Value {
    json!({
        "nature": e(json!(["confidentiality"])),
        "kind": e(json!("device_lost_or_stolen")),
        "general_data": e(json!(["name", "address", "bsn"])),
        "special_categories": e(json!([])),
        "groups": e(json!(["customers"])),
        "people": e(json!({"type": "exact", "n": 40})),
        "recipients": e(json!({"known": false})),
        "protection": e(json!({"method": "encrypted", "technique": "AES-256 volledige schijf", "key_not_compromised": key_safe})),
        "malicious_intent": e(json!(true)),
        "controller_nature": e(json!("government")),
    })
}

async fn legal_rules_over_the_api(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let facts = format!("/api/v1/incidents/{id}/facts");

    // Returned unopened and exfiltrated: refused, naming both fields; nothing stored.
    let mut bad = encrypted_laptop(true);
    bad["exfiltrated"] = e(json!(true));
    bad["recipients"] = e(json!({"known": false, "opened": false}));
    let r = app.put(&facts, Some(&h.token), bad).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&"recipients.opened"), "{body}");
    assert!(fields.contains(&"exfiltrated"), "{body}");
    let a: Value = app
        .get(
            &format!("/api/v1/incidents/{id}/assessment"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(a["facts_version"].is_null(), "nothing stored");

    // The encrypted laptop: register only, exception (a), and what would change it.
    let r = app
        .put(&facts, Some(&h.token), encrypted_laptop(true))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let a: Value = app
        .get(
            &format!("/api/v1/incidents/{id}/assessment"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let p = &a["proposal"];
    assert_eq!(p["outcome"], "register_only");
    assert_eq!(p["exception"], "a");
    let key = p["what_if"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["fact"] == "protection.key_not_compromised")
        .expect("the key is what keeps the people from being told");
    assert_eq!(key["outcome"], "notify_ap_and_data_subjects");
    assert!(key["nl"]
        .as_str()
        .unwrap()
        .starts_with("Als de sleutel toch gecompromitteerd blijkt"));

    // The key compromised: a person choosing exception (a) is refused, naming `exception`.
    let r = app
        .put(&facts, Some(&h.token), encrypted_laptop(false))
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        app.post(
            &format!("/api/v1/incidents/{id}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap", "exception": "a", "reasons": "versleuteld",
                   "reason_for_difference": "versleuteld"}),
        )
        .await,
        422,
        Some("exception"),
    )
    .await;

    // Exception (b) only from completed measures naming every risk; a text never.
    let mut f = encrypted_laptop(false);
    // (A text from before the list, such as "geen", is kept as a measure that names no risk.)
    f["risk_removing_measures"] = e(json!("geen"));
    let r = app.put(&facts, Some(&h.token), f.clone()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["proposal"]["outcome"], "notify_ap_and_data_subjects");
    assert!(v["proposal"]["exception"].is_null());
    f["risk_removing_measures"] = e(json!([
        {"description": "laptop teruggevonden en forensisch onderzocht: niet geopend",
         "removes": ["identity_fraud", "severe_consequences"], "completed": true}
    ]));
    let r = app.put(&facts, Some(&h.token), f).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    let p = &v["proposal"];
    assert_eq!(p["risk"], "high");
    let threats: Vec<&str> = p["threats"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    let covers = threats
        .iter()
        .all(|t| ["identity_fraud", "severe_consequences"].contains(t));
    assert_eq!(p["exception"] == "b", covers, "{p}");
    assert_eq!(p["outcome"] == "notify_ap", covers, "{p}");

    // Another organisation's handler cannot read or change the facts.
    app.create_org("west");
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    assert_eq!(
        app.put(&facts, Some(&w.token), encrypted_laptop(true))
            .await
            .status(),
        404
    );
}
both!(legal_rules_over_the_api);

async fn measures_and_what_if_on_the_pages(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 4).await;
    let id = inc["id"].as_str().unwrap().to_string();
    sign_in(&app, "h@oost.nl").await;
    let page = format!("/staff/incidents/{id}");
    let html = get_ok(&app, &page).await;
    assert!(
        html.contains("Maatregelen die het hoge risico wegnemen"),
        "{html}"
    );
    let csrf = csrf_of(&html);
    let form = [
        ("csrf", csrf.as_str()),
        ("fx.kind", "letter_wrong_recipient"),
        ("fx.nature", "confidentiality"),
        ("fx.general_data", "name"),
        ("fx.general_data", "address"),
        ("fx.general_data", "bsn"),
        ("confirm.special_categories", "1"),
        ("fx.groups", "customers"),
        ("fx.people_exact", "1"),
        ("fx.protection_method", "none"),
        ("fx.recipients_known", "true"),
        ("fx.recipients_trustworthy", "false"),
        ("fx.recipients_opened", "true"),
        ("fx.malicious_intent", "false"),
        (
            "fx.rm0_description",
            "brief dezelfde dag bij de ontvanger opgehaald",
        ),
        ("fx.rm0_removes", "identity_fraud"),
        ("fx.rm0_completed", "1"),
    ];
    let r = post(&app, &format!("{page}/assessment"), &form).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).contains("ok=assessed"));
    let a: Value = app
        .get(
            &format!("/api/v1/incidents/{id}/assessment"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        a["facts"]["risk_removing_measures"]["value"],
        json!([{"description": "brief dezelfde dag bij de ontvanger opgehaald",
                "removes": ["identity_fraud"], "completed": true}])
    );
    assert_eq!(a["proposal"]["exception"], "b", "{}", a["proposal"]);
    let html = get_ok(&app, &page).await;
    assert!(html.contains("Wat dit voorstel zou veranderen"), "{html}");
    assert!(
        html.contains("Als de maatregelen nog niet voltooid zijn"),
        "{html}"
    );
    assert!(
        html.contains("Hoog risico op: identiteitsfraude."),
        "{html}"
    );
    // The recorded measure is shown again, with its risk ticked and marked completed.
    assert!(html.contains("brief dezelfde dag bij de ontvanger opgehaald</textarea>"));
    assert!(html.contains("value=\"identity_fraud\" checked"));
}
both!(measures_and_what_if_on_the_pages);

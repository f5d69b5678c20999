//! Notifications: the AP answer set and its FG sign-off bound to the content's hash, the filing,
//! recipients from CSV, campaigns through the outbox — and, against the real SMTP sink, delivery of
//! a campaign exactly once by several workers through 4xx, 5xx, a connection dropped mid-DATA and a
//! server that is down and comes back.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use meldpunt::auth::Role;
use meldpunt::config::Settings;
use meldpunt::outbox::transport::Mailer;
use meldpunt::outbox::worker::Worker;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::both;
use crate::helpers::{assert_problem, spawn_app_with, Db, TestApp, User};
use crate::smtp_sink::SmtpSink;

/// Like `both!`, but hands the test a backend: the app it spawns runs no outbox worker of its own.
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    };
}

fn e(v: Value) -> Value {
    json!({"provenance": "entered", "value": v})
}

fn facts(people: i64) -> Value {
    json!({
        "nature": e(json!(["confidentiality"])),
        "kind": e(json!("letter_wrong_recipient")),
        "general_data": e(json!(["name", "address", "bsn"])),
        "special_categories": e(json!([])),
        "groups": e(json!(["customers"])),
        "records": e(json!(1)),
        "people": e(json!({"type": "exact", "n": people})),
        "recipients": e(json!({"known": true, "trustworthy": false, "opened": true, "count": 1})),
        "protection": e(json!({"method": "none"})),
        "malicious_intent": e(json!(false)),
        "controller_nature": e(json!("government")),
        "consequences_people": e(json!(["identity_theft_or_fraud"])),
    })
}

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
    let mut r = app.client.put(app.url(path)).json(&body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

pub(crate) async fn json_ok(r: reqwest::Response, status: u16) -> Value {
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(s, status, "{v}");
    v
}

/// An incident aware `hours_ago`, assessed, with facts and a decision to tell the people.
pub(crate) async fn assessed_incident(app: &TestApp, h: &User, hours_ago: i64) -> String {
    let inc = app.open_incident(h, "oost", hours_ago).await;
    let id = inc["id"].as_str().unwrap().to_string();
    let t = format!("/api/v1/incidents/{id}/transitions");
    for to in ["triage", "assessed"] {
        json_ok(app.post(&t, Some(&h.token), json!({"to": to})).await, 200).await;
    }
    json_ok(
        put(
            app,
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&h.token),
            facts(1),
        )
        .await,
        200,
    )
    .await;
    json_ok(
        app.post(
            &format!("/api/v1/incidents/{id}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "BSN bij een onbekende"}),
        )
        .await,
        201,
    )
    .await;
    id
}

pub(crate) fn reporter() -> Value {
    json!({"reporter_name": "P. Jansen", "reporter_function": "privacy officer",
           "reporter_phone": "010-1234567", "reporter_email": "p.jansen@oost.example.nl",
           "measures": "de ontvanger is gevraagd de brief te vernietigen"})
}

async fn audit(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let v = json_ok(
        app.get(&format!("/api/v1/incidents/{id}/audit"), Some(token))
            .await,
        200,
    )
    .await;
    v.as_array().unwrap().clone()
}

async fn ap_answer_set_sign_off_and_filing(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let w = app.create_user("fg@west.nl", &[("west", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let n = format!("/api/v1/incidents/{id}/notifications");

    // Bad input: unknown kind, no purpose.
    assert_problem(
        app.post(&n, Some(&h.token), json!({"purpose": "ap", "kind": "bulk"}))
            .await,
        422,
        Some("kind"),
    )
    .await;
    assert_problem(
        app.post(&n, None, json!({"purpose": "ap"})).await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.post(
            &n,
            Some(&w.token),
            json!({"purpose": "ap", "kind": "initial_complete"}),
        )
        .await,
        404,
        None,
    )
    .await;

    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "initial_complete", "input": reporter()}),
        )
        .await,
        201,
    )
    .await;
    let did = d["id"].as_str().unwrap().to_string();
    let chapters: Vec<i64> = d["answers"]["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["number"].as_i64().unwrap())
        .collect();
    assert_eq!(chapters, (1..=10).collect::<Vec<i64>>());
    assert_eq!(d["approval"]["state"], "pending");
    assert_eq!(d["blocking"], json!([]));
    let content = d["content"].as_str().unwrap();
    assert!(content.contains("5. Het datalek"), "{content}");
    assert!(content.contains("[ontbreekt]") && content.contains("[vastgelegd]"));
    let hash1 = d["content_sha256"].as_str().unwrap().to_string();
    assert_eq!(hash1.len(), 64);

    // Nothing is filed without a sign-off.
    let fl = format!("{n}/{did}/filing");
    let now = chrono::Utc::now();
    let p = assert_problem(
        app.post(
            &fl,
            Some(&h.token),
            json!({"ap_number": "M1", "filed_at": now}),
        )
        .await,
        409,
        None,
    )
    .await;
    // A refusal names itself by a stable code as well as in words.
    assert_eq!(p["code"], "not_signed", "{p}");
    // Denials: a handler cannot approve; another organisation's FG sees nothing; no token.
    let ap = format!("{n}/{did}/approve");
    let denied = assert_problem(
        app.post(&ap, Some(&h.token), json!({"content_sha256": hash1}))
            .await,
        403,
        None,
    )
    .await;
    assert_eq!(denied["code"], "fg_only", "{denied}");
    assert_problem(
        app.post(&ap, Some(&w.token), json!({"content_sha256": hash1}))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.post(&ap, None, json!({"content_sha256": hash1})).await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.get(&format!("{n}/{did}"), Some(&w.token)).await,
        404,
        None,
    )
    .await;
    // A sign-off on content other than the current one.
    assert_problem(
        app.post(
            &ap,
            Some(&f.token),
            json!({"content_sha256": "0".repeat(64)}),
        )
        .await,
        409,
        None,
    )
    .await;
    let v = json_ok(
        app.post(
            &ap,
            Some(&f.token),
            json!({"content_sha256": hash1, "remarks": "akkoord"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["approval"]["state"], "approved");
    assert_eq!(v["approval"]["valid"], true);

    // A change of facts that changes the content voids the sign-off, visibly and audited.
    json_ok(
        put(
            &app,
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&h.token),
            facts(3),
        )
        .await,
        200,
    )
    .await;
    let v = json_ok(app.get(&format!("{n}/{did}"), Some(&h.token)).await, 200).await;
    assert_eq!(v["approval"]["state"], "void");
    assert_eq!(v["approval"]["valid"], false);
    let hash2 = v["content_sha256"].as_str().unwrap().to_string();
    assert_ne!(hash1, hash2);
    let trail = audit(&app, &id, &h.token).await;
    let void = trail
        .iter()
        .find(|e| e["action"] == "notice.approval_voided")
        .expect("void in the audit trail");
    assert_eq!(void["before"]["content_sha256"], hash1.as_str());
    assert_eq!(void["after"]["content_sha256"], hash2.as_str());
    assert!(trail.iter().any(
        |e| e["action"] == "notice.approved" && e["after"]["content_sha256"] == hash1.as_str()
    ));
    let body = assert_problem(
        app.post(
            &fl,
            Some(&h.token),
            json!({"ap_number": "M1", "filed_at": now}),
        )
        .await,
        409,
        None,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("void"), "{body}");

    // Signed off again; the filing needs the number and the time.
    json_ok(
        app.post(&ap, Some(&f.token), json!({"content_sha256": hash2}))
            .await,
        200,
    )
    .await;
    assert_problem(
        app.post(&fl, Some(&h.token), json!({})).await,
        422,
        Some("ap_number"),
    )
    .await;
    let v = json_ok(
        app.post(
            &fl,
            Some(&h.token),
            json!({"ap_number": "M-2026-000123", "filed_at": now}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["approval"]["state"], "filed");
    assert_eq!(v["filing"]["within_72_hours"], true);
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    assert_eq!(inc["state"], "notified");
    assert!(
        inc["state_reason"]
            .as_str()
            .unwrap()
            .contains("M-2026-000123 (binnen de 72 uur)"),
        "{inc}"
    );
    let list = json_ok(app.get(&n, Some(&h.token)).await, 200).await;
    assert_eq!(list["notified"]["ap_number"], "M-2026-000123");
    assert!(audit(&app, &id, &h.token)
        .await
        .iter()
        .any(|e| e["action"] == "incident.state_changed" && e["after"]["state"] == "notified"));

    // The printable page for the dossier (A4 print stylesheet); without a session: to the login.
    let pp = format!("/staff/incidents/{id}/notifications/{did}/print");
    let page = app.get(&pp, Some(&h.token)).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("<h2>10. Vervolg</h2>") && page.contains("M-2026-000123"),
        "{page}"
    );
    assert!(page.contains(&hash2) && page.contains("/staff/notice-print.css"));
    let r = app.get(&pp, None).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/staff/login"));
    assert_problem(app.get(&pp, Some(&w.token)).await, 404, None).await;
    let css = app
        .get("/staff/notice-print.css", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(css.contains("size: A4"));

    // A supplement refers to the earlier number; the FG who drafted it cannot approve it…
    let s = json_ok(
        app.post(
            &n,
            Some(&f.token),
            json!({"purpose": "ap", "kind": "supplement", "input": reporter()}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(s["blocking"][0]["field"], "earlier_ap_number");
    let sid = s["id"].as_str().unwrap();
    let mut input = reporter();
    input["earlier_ap_number"] = json!("M-2026-000123");
    let s = json_ok(
        app.patch(&format!("{n}/{sid}"), Some(&f.token), input)
            .await,
        200,
    )
    .await;
    let sh = s["content_sha256"].as_str().unwrap();
    let body = assert_problem(
        app.post(
            &format!("{n}/{sid}/approve"),
            Some(&f.token),
            json!({"content_sha256": sh}),
        )
        .await,
        403,
        None,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("drafted"));
    assert_eq!(body["code"], "own_draft", "{body}");
    // …unless the organisation allows it (set by its admin).
    let org_id = inc["organisation_id"].as_str().unwrap();
    let a = app.create_user("admin@oost.nl", &[("oost", Role::Admin)]);
    let sp = format!("/api/v1/organisations/{org_id}/notice-settings");
    let denied = assert_problem(
        put(
            &app,
            &sp,
            Some(&f.token),
            json!({"allow_self_signoff": true}),
        )
        .await,
        403,
        None,
    )
    .await;
    assert_eq!(denied["code"], "admins_only", "{denied}");
    json_ok(
        put(
            &app,
            &sp,
            Some(&a.token),
            json!({"allow_self_signoff": true, "contact_phone": "14 010"}),
        )
        .await,
        200,
    )
    .await;
    // The settings are on the draft's content (not here: an AP draft shows the FG, not the phone),
    // so the hash read before still holds.
    let v = json_ok(
        app.post(
            &format!("{n}/{sid}/approve"),
            Some(&f.token),
            json!({"content_sha256": sh}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["approval"]["state"], "approved");
}
both!(ap_answer_set_sign_off_and_filing);

/// Art. 33(3): a complete notification with a required answer missing (here the measures, 10.4)
/// is neither signed off nor filed — 422 naming the field; a provisional one lists it and can be
/// signed off.
async fn a_complete_notification_needs_every_answer_art_33_3_requires(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let n = format!("/api/v1/incidents/{id}/notifications");
    let mut input = reporter();
    input.as_object_mut().unwrap().remove("measures");
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "initial_complete", "input": input}),
        )
        .await,
        201,
    )
    .await;
    let did = d["id"].as_str().unwrap();
    let fields: Vec<&str> = d["blocking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["measures"], "{}", d["blocking"]);
    let content = d["content"].as_str().unwrap();
    assert!(
        content.contains("Verplichte antwoorden die nog ontbreken")
            && content.contains("10.4 (Genomen maatregelen)"),
        "{content}"
    );
    let hash = d["content_sha256"].as_str().unwrap();
    let p = assert_problem(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&f.token),
            json!({"content_sha256": hash}),
        )
        .await,
        422,
        Some("measures"),
    )
    .await;
    assert!(p.to_string().contains("33(3)(d)"), "{p}");
    assert_problem(
        app.post(
            &format!("{n}/{did}/filing"),
            Some(&h.token),
            json!({"ap_number": "M-1", "filed_at": chrono::Utc::now()}),
        )
        .await,
        422,
        Some("measures"),
    )
    .await;
    let v = json_ok(app.get(&format!("{n}/{did}"), Some(&h.token)).await, 200).await;
    assert_eq!(v["approval"]["state"], "pending", "nothing recorded");
    assert_eq!(v["filing"], Value::Null);

    // Provisional: listed, not blocking; the FG can sign it off.
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "initial_provisional", "input": input}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(d["blocking"], json!([]));
    assert_eq!(d["answers"]["required_missing"][0]["field"], "measures");
    let did = d["id"].as_str().unwrap();
    json_ok(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&f.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        200,
    )
    .await;
}
both!(a_complete_notification_needs_every_answer_art_33_3_requires);

/// A draft of `purpose` with `input`, signed off by the FG; the draft as created.
async fn signed_off_draft(
    app: &TestApp,
    id: &str,
    h: &User,
    fg: &User,
    purpose: &str,
    input: Value,
) -> Value {
    let n = format!("/api/v1/incidents/{id}/notifications");
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": purpose, "input": input}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(d["blocking"], json!([]), "{d}");
    let did = d["id"].as_str().unwrap().to_string();
    json_ok(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&fg.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        200,
    )
    .await;
    d
}

/// A public notice draft with the letter fields, signed off by the FG; its id.
async fn signed_off_public_draft(app: &TestApp, id: &str, h: &User, fg: &User) -> String {
    let d = signed_off_draft(
        app,
        id,
        h,
        fg,
        "public",
        json!({
            "what_happened": "Een lijst met namen stond een dag openbaar op de website.",
            "measures": "De lijst is verwijderd.",
            "advice": "Wees alert op berichten die om gegevens vragen.",
        }),
    )
    .await;
    assert_eq!(d["kind"], "public_notice");
    d["id"].as_str().unwrap().to_string()
}

async fn public_notices_over_the_api(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let adm = app.create_user("admin@oost.nl", &[("oost", Role::Admin)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let did = signed_off_public_draft(&app, &id, &h, &fg).await;
    let pn = format!("/api/v1/incidents/{id}/public-notices");

    // Nothing published yet; another organisation's incident does not exist; no token: 401.
    assert_eq!(
        json_ok(app.get(&pn, Some(&h.token)).await, 200).await,
        json!([])
    );
    assert_problem(app.get(&pn, Some(&w.token)).await, 404, None).await;
    assert_problem(app.get(&pn, None).await, 401, None).await;
    assert_problem(
        app.post(&pn, None, json!({"draft_id": did})).await,
        401,
        None,
    )
    .await;

    // The decision is to tell each person: publishing is refused, naming the decision.
    let v = assert_problem(
        app.post(&pn, Some(&h.token), json!({"draft_id": did}))
            .await,
        409,
        None,
    )
    .await;
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("current decision is notify_ap_and_data_subjects")
            && detail.contains("34(3)(c)"),
        "{detail}"
    );
    // Bad input names draft_id: missing, or a draft that is not a public notice.
    assert_problem(
        app.post(&pn, Some(&h.token), json!({})).await,
        422,
        Some("draft_id"),
    )
    .await;
    let letter = json_ok(
        app.post(
            &format!("/api/v1/incidents/{id}/notifications"),
            Some(&h.token),
            json!({"purpose": "communication"}),
        )
        .await,
        201,
    )
    .await;
    assert_problem(
        app.post(&pn, Some(&h.token), json!({"draft_id": letter["id"]}))
            .await,
        422,
        Some("draft_id"),
    )
    .await;
    assert_problem(
        app.post(&pn, Some(&h.token), json!({"draft_id": "bestaat-niet"}))
            .await,
        404,
        None,
    )
    .await;

    // With the decision of Art. 34(3)(c): another organisation still gets 404, the handler
    // publishes.
    crate::notification_pages::decide_public_communication(&app, &h, &id).await;
    assert_problem(
        app.post(&pn, Some(&w.token), json!({"draft_id": did}))
            .await,
        404,
        None,
    )
    .await;
    let published = json_ok(
        app.post(&pn, Some(&h.token), json!({"draft_id": did}))
            .await,
        201,
    )
    .await;
    assert_eq!(published["draft_id"], did.as_str());
    assert!(published["withdrawn_at"].is_null());
    let url = published["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/bekendmaking/oost-"), "{url}");
    assert_eq!(app.get(&url, None).await.status(), 200);
    let list = json_ok(app.get(&pn, Some(&fg.token)).await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], published["id"]);
    // A second one while it is in force: 409.
    assert_problem(
        app.post(&pn, Some(&h.token), json!({"draft_id": did}))
            .await,
        409,
        None,
    )
    .await;

    // Withdrawing needs a reason; another organisation and an unknown notice get 404.
    let nid = published["id"].as_str().unwrap();
    let wd = format!("{pn}/{nid}/withdraw");
    assert_problem(
        app.post(&wd, Some(&h.token), json!({})).await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&wd, Some(&h.token), json!({"reason": "  "})).await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&wd, Some(&h.token), json!({"reason": "x".repeat(2001)}))
            .await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&wd, Some(&w.token), json!({"reason": "onjuist"}))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{pn}/bestaat-niet/withdraw"),
            Some(&h.token),
            json!({"reason": "onjuist"}),
        )
        .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.post(&wd, None, json!({"reason": "onjuist"})).await,
        401,
        None,
    )
    .await;
    // The pages let every role of the organisation publish and withdraw (handler, FG, admin);
    // the API does the same: the FG withdraws, the admin publishes again.
    let v = json_ok(
        app.post(
            &wd,
            Some(&fg.token),
            json!({"reason": "Onjuiste datum genoemd"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["withdrawn_reason"], "Onjuiste datum genoemd");
    assert!(v["withdrawn_at"].is_string());
    assert_problem(
        app.post(&wd, Some(&h.token), json!({"reason": "nogmaals"}))
            .await,
        409,
        None,
    )
    .await;
    assert_eq!(app.get(&url, None).await.status(), 410);
    let again = json_ok(
        app.post(&pn, Some(&adm.token), json!({"draft_id": did}))
            .await,
        201,
    )
    .await;
    assert_ne!(again["slug"], published["slug"]);
    let list = json_ok(app.get(&pn, Some(&h.token)).await, 200).await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    // The decision changes away from the public communication: no further notice.
    json_ok(
        app.post(
            &format!("{pn}/{}/withdraw", again["id"].as_str().unwrap()),
            Some(&adm.token),
            json!({"reason": "vervangen"}),
        )
        .await,
        200,
    )
    .await;
    json_ok(
        app.post(
            &format!("/api/v1/incidents/{id}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "Adressen alsnog gevonden", "reason_for_difference": "De adressen zijn alsnog gevonden"}),
        )
        .await,
        201,
    )
    .await;
    assert_problem(
        app.post(&pn, Some(&h.token), json!({"draft_id": did}))
            .await,
        409,
        None,
    )
    .await;
    let actions: Vec<String> = audit(&app, &id, &h.token)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "notice.public_published")
            .count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "notice.public_withdrawn")
            .count(),
        2
    );
    // The API lists the routes.
    let doc = json_ok(app.get("/api/v1/openapi.json", None).await, 200).await;
    for p in [
        "/api/v1/incidents/{id}/public-notices",
        "/api/v1/incidents/{id}/public-notices/{nid}/withdraw",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from OpenAPI");
    }
    assert!(doc["paths"]["/api/v1/incidents/{id}/public-notices"]
        .get("post")
        .is_some());
}
both!(public_notices_over_the_api);

async fn after_72_hours_a_delay_reason_is_required(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let id = assessed_incident(&app, &h, 80).await;
    let n = format!("/api/v1/incidents/{id}/notifications");
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "initial_provisional", "input": reporter()}),
        )
        .await,
        201,
    )
    .await;
    let did = d["id"].as_str().unwrap();
    assert_eq!(d["answers"]["late"], true);
    assert_problem(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&f.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        422,
        Some("delay_reason"),
    )
    .await;
    let mut input = reporter();
    input["delay_reason"] = json!("de verwerker meldde het lek pas na vier dagen");
    let d = json_ok(
        app.patch(&format!("{n}/{did}"), Some(&h.token), input)
            .await,
        200,
    )
    .await;
    json_ok(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&f.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        200,
    )
    .await;
    let v = json_ok(
        app.post(
            &format!("{n}/{did}/filing"),
            Some(&h.token),
            json!({"ap_number": "M-9", "filed_at": chrono::Utc::now()}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(v["filing"]["within_72_hours"], false);
    assert!(v["filing"]["label_nl"]
        .as_str()
        .unwrap()
        .contains("na de 72 uur"));
}
both!(after_72_hours_a_delay_reason_is_required);

pub(crate) async fn upload(
    app: &TestApp,
    id: &str,
    token: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url(&format!("/api/v1/incidents/{id}/recipients")))
        .header("content-type", "text/csv")
        .body(body);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.expect("request")
}

/// Found by cargo fuzz (target `recipients_csv`; its input is
/// tests/fixtures/fuzz/recipients_csv/control_chars_in_address.csv): control characters in a
/// recipients file were accepted, so SQLite stored a NUL where PostgreSQL failed the insert. Now
/// the file is a 422 naming the line and field on both databases, and nothing is imported.
async fn control_characters_in_recipients_are_refused_alike(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fuzz/recipients_csv/control_chars_in_address.csv"
    ))
    .unwrap();
    assert_problem(
        upload(&app, &id, Some(&h.token), fixture).await,
        422,
        Some("line 2: postal_address"),
    )
    .await;
    let nul = b"name,email,postal_address,language\nJan\x00 Jansen,jan@example.nl,,nl\n".to_vec();
    assert_problem(
        upload(&app, &id, Some(&h.token), nul).await,
        422,
        Some("line 2: name"),
    )
    .await;
    // The same file without the NUL goes in.
    let ok = b"name,email,postal_address,language\nJan Jansen,jan@example.nl,,nl\n".to_vec();
    let r = upload(&app, &id, Some(&h.token), ok).await;
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
}
both!(control_characters_in_recipients_are_refused_alike);

/// A communication draft signed off by the FG; returns its id.
pub(crate) async fn signed_off_letters(app: &TestApp, id: &str, h: &User, f: &User) -> String {
    let d = signed_off_draft(
        app,
        id,
        h,
        f,
        "communication",
        json!({
            "what_happened": "Een brief met uw gegevens is naar een verkeerd adres gestuurd.",
            "measures": "De ontvanger heeft de brief teruggegeven.",
            "advice": "Wees alert op post of telefoontjes die u niet verwacht.",
            "what_happened_en": "A letter with your details was sent to a wrong address.",
            "measures_en": "The recipient returned the letter.",
            "advice_en": "Be alert to post or calls you do not expect.",
        }),
    )
    .await;
    d["id"].as_str().unwrap().to_string()
}

async fn recipients_campaign_and_statuses(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;

    // Bad files: nothing imported, every bad row named with its line.
    let bad = "name,email,postal_address,language,client\n\
               A,a@example.nl,,nl,1\n\
               ,b@example.nl,,nl,2\n\
               C,geen-adres,,nl,3\n\
               D,,,nl,4\n";
    let body = assert_problem(
        upload(&app, &id, Some(&h.token), bad.into()).await,
        422,
        Some("line 3: name"),
    )
    .await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["line 3: name", "line 4: email", "line 5: email"]
    );
    assert_problem(
        upload(
            &app,
            &id,
            Some(&h.token),
            b"name,email,postal_address,language\nJos\xe9,j@x.nl,,nl\n".to_vec(),
        )
        .await,
        422,
        Some("csv"),
    )
    .await;
    let body = assert_problem(
        upload(
            &app,
            &id,
            Some(&h.token),
            b"name,email\nA,a@example.nl\n".to_vec(),
        )
        .await,
        422,
        Some("csv"),
    )
    .await;
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("postal_address"));
    assert_problem(upload(&app, &id, None, bad.into()).await, 401, None).await;
    assert_problem(
        upload(&app, &id, Some(&w.token), bad.into()).await,
        404,
        None,
    )
    .await;
    let list = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/recipients"),
            Some(&h.token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(list["total"], 0);

    let good = "name;email;postal_address;language;client\n\
                A. Bakker;a@example.nl;;nl;111\n\
                B. Smith;b@example.nl;;en;222\n\
                C. de Vries;c@example.nl;;nl;333\n\
                D. Jansen;;\"Dorpsstraat 4\n1000 AA Oost\";nl;444\n\
                A. Bakker;A@example.nl;;nl;111\n";
    let rep = json_ok(upload(&app, &id, Some(&h.token), good.into()).await, 201).await;
    assert_eq!(rep["imported"], 4);
    assert_eq!(rep["duplicates"], json!([{"line": 7, "same_as_line": 2}]));

    // No campaign without a sign-off.
    let n = format!("/api/v1/incidents/{id}/notifications");
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "communication", "input": {"what_happened": "x"}}),
        )
        .await,
        201,
    )
    .await;
    let camp = format!("/api/v1/incidents/{id}/campaigns");
    assert_problem(
        app.post(&camp, Some(&h.token), json!({"draft_id": d["id"]}))
            .await,
        409,
        None,
    )
    .await;
    // Its blocking problems keep the FG from signing it off.
    assert_problem(
        app.post(
            &format!("{n}/{}/approve", d["id"].as_str().unwrap()),
            Some(&f.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        422,
        Some("measures"),
    )
    .await;

    let did = signed_off_letters(&app, &id, &h, &f).await;
    // Preview for one recipient.
    let recips = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/recipients"),
            Some(&h.token),
        )
        .await,
        200,
    )
    .await;
    let smith = recips["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "B. Smith")
        .unwrap();
    let pv = json_ok(
        app.get(
            &format!(
                "{n}/{did}/preview?recipient={}",
                smith["id"].as_str().unwrap()
            ),
            Some(&h.token),
        )
        .await,
        200,
    )
    .await;
    assert!(pv["email_body"]
        .as_str()
        .unwrap()
        .starts_with("Dear B. Smith"));
    // Without the English texts an English reader gets the Dutch e-mail, whole; the FG sees so.
    let dutch_only = signed_off_draft(
        &app,
        &id,
        &h,
        &f,
        "communication",
        json!({
            "what_happened": "Een brief met uw gegevens is naar een verkeerd adres gestuurd.",
            "measures": "De ontvanger heeft de brief teruggegeven.",
            "advice": "Wees alert op post of telefoontjes die u niet verwacht.",
            "what_happened_en": "Only this one in English.",
        }),
    )
    .await;
    assert!(
        dutch_only["content"]
            .as_str()
            .unwrap()
            .contains("===== english_missing.nl ====="),
        "{dutch_only}"
    );
    assert!(!dutch_only["content"]
        .as_str()
        .unwrap()
        .contains("===== letter.en ====="));
    let pv = json_ok(
        app.get(
            &format!(
                "{n}/{}/preview?recipient={}",
                dutch_only["id"].as_str().unwrap(),
                smith["id"].as_str().unwrap()
            ),
            Some(&h.token),
        )
        .await,
        200,
    )
    .await;
    let body = pv["email_body"].as_str().unwrap();
    assert!(body.starts_with("Beste B. Smith"), "{body}");
    assert!(
        !body.contains("Only this one") && !body.contains("What happened"),
        "{body}"
    );

    let p = json_ok(
        app.post(&camp, Some(&h.token), json!({"draft_id": did}))
            .await,
        201,
    )
    .await;
    assert_eq!(p["emails"], 3);
    assert_eq!(p["letters"], 1);
    let cid = p["id"].as_str().unwrap().to_string();
    // The campaign's e-mails (not the FG's that the draft waited for sign-off).
    let theirs = |m: &meldpunt::outbox::transport::SentMail| m.to.ends_with("@example.nl");
    let mail: Vec<_> = app
        .wait_for_mail(|m| m.iter().filter(|m| theirs(m)).count() >= 3)
        .await
        .into_iter()
        .filter(|m| theirs(m))
        .collect();
    assert_eq!(mail.len(), 3);
    assert!(mail
        .iter()
        .any(|m| m.to == "b@example.nl" && m.subject.starts_with("Important")));
    assert!(mail
        .iter()
        .any(|m| m.to == "a@example.nl" && m.body_text.contains("Beste A. Bakker")));

    // A second campaign for the same recipients is refused; nothing more is sent.
    let body = assert_problem(
        app.post(&camp, Some(&h.token), json!({"draft_id": did}))
            .await,
        409,
        None,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("already"),
        "{body}"
    );

    // Statuses per recipient, progress, letters for the post room.
    let mut progress = Value::Null;
    for _ in 0..100 {
        progress = json_ok(app.get(&format!("{camp}/{cid}"), Some(&h.token)).await, 200).await;
        if progress["done"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(progress["sent"], 3, "{progress}");
    let msgs = json_ok(
        app.get(&format!("{camp}/{cid}/messages"), Some(&h.token))
            .await,
        200,
    )
    .await;
    let msgs = msgs.as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    for m in msgs {
        if m["channel"] == "email" {
            assert_eq!(m["status"], "sent");
            assert!(m["smtp_response"].as_str().unwrap().starts_with("250"));
            assert!(m["message_id"].as_str().unwrap().starts_with('<'));
        } else {
            assert_eq!(m["status"], "ready");
        }
    }
    // The same statuses as an Excel workbook: Dutch headings and words, the sending time a date.
    let x = crate::excel::first_sheet(
        &crate::excel::xlsx_ok(
            app.get(&format!("{camp}/{cid}/messages.xlsx"), Some(&h.token))
                .await,
        )
        .await,
    );
    assert_eq!(x.height(), 5, "the heading and four messages");
    let (st, at) = (
        crate::excel::col(&x, "Status"),
        crate::excel::col(&x, "Verstuurd op"),
    );
    for row in 1..5 {
        let status = x.get((row, st)).unwrap().to_string();
        match status.as_str() {
            "verstuurd" => assert!(
                calamine::DataType::is_datetime(x.get((row, at)).unwrap()),
                "{:?}",
                x.get((row, at))
            ),
            "klaar om af te drukken" => {}
            other => panic!("{other}"),
        }
    }
    assert_problem(
        app.get(&format!("{camp}/{cid}/messages.xlsx"), Some(&w.token))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get(&format!("{camp}/{cid}/messages.xlsx"), None).await,
        401,
        None,
    )
    .await;
    let idx = app
        .get(&format!("{camp}/{cid}/letters.csv"), Some(&h.token))
        .await;
    assert_eq!(idx.status(), 200);
    let idx = idx.text().await.unwrap();
    assert_eq!(
        idx.lines().filter(|l| l.starts_with("letter-")).count(),
        1,
        "{idx}"
    );
    assert!(idx.contains("D. Jansen"));
    let jansen = msgs.iter().find(|m| m["channel"] == "letter").unwrap();
    let r = app
        .get(
            &format!(
                "{camp}/{cid}/letters/{}",
                jansen["recipient_id"].as_str().unwrap()
            ),
            Some(&h.token),
        )
        .await;
    // The letter's own print style is allowed by its hash (opened alone, it prints as designed).
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = r.text().await.unwrap();
    assert_eq!(csp, meldpunt::notifications::letters::letter_csp(&html));
    assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
    assert!(
        html.contains("size: A4") && html.contains("Dorpsstraat 4"),
        "{html}"
    );
    json_ok(
        app.post(&format!("{camp}/{cid}/printed"), Some(&h.token), json!({}))
            .await,
        200,
    )
    .await;
    let progress = json_ok(app.get(&format!("{camp}/{cid}"), Some(&h.token)).await, 200).await;
    assert_eq!(progress["letters_printed"], 1);
    assert_problem(
        app.get(&format!("{camp}/{cid}"), Some(&w.token)).await,
        404,
        None,
    )
    .await;
}
both!(recipients_campaign_and_statuses);

/// An organisation's own template that uses a variable the context does not have is refused
/// (strict mode), and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_with_an_unknown_variable_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("oost")).unwrap();
    std::fs::write(
        dir.path().join("oost/email.nl.txt.hbs"),
        "Beste {{recipient.naam}},\n",
    )
    .unwrap();
    let d = dir.path().to_path_buf();
    let app = spawn_app_with(Db::Sqlite, move |s| {
        s.notifications.template_dir = d.display().to_string();
    })
    .await
    .unwrap();
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let n = format!("/api/v1/incidents/{id}/notifications");
    let body = assert_problem(
        app.post(&n, Some(&h.token), json!({"purpose": "communication"}))
            .await,
        422,
        Some("template"),
    )
    .await;
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("email.nl.txt.hbs"));
    let list = json_ok(app.get(&n, Some(&h.token)).await, 200).await;
    assert_eq!(list["drafts"], json!([]));
    // A changed template voids a sign-off: fix it, sign off, change it again.
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    std::fs::write(
        dir.path().join("oost/email.nl.txt.hbs"),
        "Beste {{recipient.name}},\n{{what_happened}}\n",
    )
    .unwrap();
    let did = signed_off_letters(&app, &id, &h, &f).await;
    std::fs::write(
        dir.path().join("oost/email.nl.txt.hbs"),
        "Geachte {{recipient.name}},\n{{what_happened}}\n",
    )
    .unwrap();
    let v = json_ok(app.get(&format!("{n}/{did}"), Some(&h.token)).await, 200).await;
    assert_eq!(v["approval"]["state"], "void");
}

// ---- Sending at scale against the real SMTP sink ----

const FROM: &str = "Meldpunt <meldpunt@meldpunt.test>";

fn smtp_worker(app: &TestApp, port: u16) -> Arc<Worker> {
    let mut m = Settings::load_from(None, false).unwrap().mail;
    m.transport = "smtp".into();
    m.from = FROM.into();
    m.smtp_host = "127.0.0.1".into();
    m.smtp_port = port;
    m.smtp_tls = "none".into();
    let mut o = Settings::load_from(None, false).unwrap().outbox;
    o.poll_interval_ms = 20;
    o.batch_size = 20;
    o.lease_seconds = 600;
    o.backoff_base_seconds = 1;
    o.max_attempts = 5;
    o.concurrency = 4;
    Arc::new(Worker::new(
        app.state.pool.clone(),
        Mailer::from_settings(&m).unwrap(),
        FROM.into(),
        o,
    ))
}

pub(crate) async fn campaign_app(kind: Db, n: usize) -> Option<(TestApp, String, User)> {
    let app = spawn_app_with(kind, |s| {
        s.outbox.enabled = false;
        s.clock.enabled = false;
    })
    .await?;
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let mut csv = String::from("name,email,postal_address,language\n");
    for i in 0..n {
        csv.push_str(&format!("Persoon {i},p{i}@example.test,,nl\n"));
    }
    json_ok(upload(&app, &id, Some(&h.token), csv.into()).await, 201).await;
    let did = signed_off_letters(&app, &id, &h, &f).await;
    // The FG's e-mail that the draft waited for sign-off (issue 16, `signals`) is not the
    // campaign's: the tests that use this count the campaign's messages at the SMTP server.
    {
        use diesel::prelude::*;
        use meldpunt::db::schema::outbox;
        let mut c = app.conn();
        let n = tokio::task::block_in_place(|| {
            diesel::delete(outbox::table.filter(outbox::kind.eq("signoff_request"))).execute(&mut c)
        })
        .unwrap();
        assert_eq!(n, 1, "the FG was told of the draft once");
    }
    let p = json_ok(
        app.post(
            &format!("/api/v1/incidents/{id}/campaigns"),
            Some(&h.token),
            json!({"draft_id": did}),
        )
        .await,
        201,
    )
    .await;
    let url = format!(
        "/api/v1/incidents/{id}/campaigns/{}",
        p["id"].as_str().unwrap()
    );
    Some((app, url, h))
}

pub(crate) async fn wait_done(
    app: &TestApp,
    url: &str,
    h: &User,
    sink: &SmtpSink,
    limit: Duration,
) -> Value {
    let start = Instant::now();
    loop {
        let p = json_ok(app.get(url, Some(&h.token)).await, 200).await;
        if p["done"] == true {
            return p;
        }
        assert!(
            start.elapsed() < limit,
            "campaign not done: {p}\n{}",
            sink.summary()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn accepted_once(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for m in sink.accepted() {
        *ids.entry(m.message_id.unwrap_or_default()).or_insert(0) += 1;
    }
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "accepted more than once: {twice:?}");
    ids
}

/// 300 recipients, three workers, a 451 for some, a 550 for one, a connection dropped mid-DATA:
/// every deliverable message arrives exactly once; the refused one is failed with the reason.
async fn a_campaign_is_delivered_exactly_once_by_three_workers_through_failures(kind: Db) {
    let sink = SmtpSink::start().await;
    sink.fail_next(5);
    sink.stall_on(40);
    sink.reject_recipient("p7@example.test");
    let Some((app, url, h)) = campaign_app(kind, 300).await else {
        return;
    };
    let (stop, rx) = watch::channel(false);
    let workers: Vec<_> = (0..3)
        .map(|_| tokio::spawn(smtp_worker(&app, sink.port()).run(rx.clone())))
        .collect();
    // Let the held message be dropped mid-DATA once the others moved on.
    let start = Instant::now();
    while sink.held() == 0 && start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sink.held(), 1, "{}", sink.summary());
    sink.release();
    let p = wait_done(&app, &url, &h, &sink, Duration::from_secs(120)).await;
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    assert_eq!(p["sent"], 299, "{p}");
    assert_eq!(p["failed"], 1, "{p}");
    let ids = accepted_once(&sink);
    assert_eq!(ids.len(), 299, "{}", sink.summary());
    let msgs = json_ok(
        app.get(&format!("{url}/messages?limit=1000"), Some(&h.token))
            .await,
        200,
    )
    .await;
    let msgs = msgs.as_array().unwrap();
    assert_eq!(msgs.len(), 300);
    for m in msgs {
        if m["name"] == "Persoon 7" {
            assert_eq!(m["status"], "failed");
            assert!(m["error"].as_str().unwrap().contains("550"), "{m}");
        } else {
            assert_eq!(m["status"], "sent", "{m}");
            assert_eq!(ids.get(m["message_id"].as_str().unwrap()), Some(&1), "{m}");
        }
    }
}
on_both!(a_campaign_is_delivered_exactly_once_by_three_workers_through_failures);

/// The server is down when the campaign starts: attempts fail and are retried; once it is up every
/// message arrives once. Pause stops claiming; a rate limit holds.
async fn server_down_then_up_pause_resume_and_rate(kind: Db) {
    // A free port with nothing listening yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let Some((app, url, h)) = campaign_app(kind, 60).await else {
        return;
    };
    let (stop, rx) = watch::channel(false);
    let workers: Vec<_> = (0..2)
        .map(|_| tokio::spawn(smtp_worker(&app, port).run(rx.clone())))
        .collect();
    // Attempts fail while nobody listens.
    let start = Instant::now();
    loop {
        let msgs = json_ok(
            app.get(&format!("{url}/messages?limit=5"), Some(&h.token))
                .await,
            200,
        )
        .await;
        if msgs
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["error"].is_string())
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no failed attempt recorded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Pause, then bring the server up: nothing is sent while paused.
    json_ok(
        app.post(&format!("{url}/pause"), Some(&h.token), json!({}))
            .await,
        200,
    )
    .await;
    let sink = SmtpSink::start_on(port).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let before = sink.accepted_count();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        sink.accepted_count(),
        before,
        "sent while paused: {}",
        sink.summary()
    );
    // Resume at 30 a minute: no more than 30 (plus those claimed before the pause) in the window.
    let p = json_ok(
        put(
            &app,
            &format!("{url}/rate"),
            Some(&h.token),
            json!({"per_minute": 30}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(p["per_minute"], 30);
    json_ok(
        app.post(&format!("{url}/resume"), Some(&h.token), json!({}))
            .await,
        200,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let in_window = sink.accepted_count() - before;
    assert!(
        in_window <= 30,
        "{in_window} sent in one minute window at 30/min"
    );
    assert!(
        in_window > 0,
        "nothing sent after resume: {}",
        sink.summary()
    );
    // Lift the limit; everything arrives once.
    put(
        &app,
        &format!("{url}/rate"),
        Some(&h.token),
        json!({"per_minute": null}),
    )
    .await;
    let p = wait_done(&app, &url, &h, &sink, Duration::from_secs(120)).await;
    let _ = stop.send(true);
    for w in workers {
        let _ = w.await;
    }
    assert_eq!(p["sent"], 60, "{p}");
    assert_eq!(accepted_once(&sink).len(), 60);
}
on_both!(server_down_then_up_pause_resume_and_rate);

/// Issue 18 point 2: the signatory and the neutral salutation come from the organisation's
/// settings; a recipient's own salutation (column `aanhef`) replaces it; the FG signs them.
async fn signatory_and_salutations_on_the_letter(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let a = app.create_user("admin@oost.nl", &[("oost", Role::Admin)]);
    let id = assessed_incident(&app, &h, 2).await;
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    let sp = format!(
        "/api/v1/organisations/{}/notice-settings",
        inc["organisation_id"].as_str().unwrap()
    );
    assert_problem(
        put(
            &app,
            &sp,
            Some(&a.token),
            json!({"salutation_nl": "Beste\nlezer,"}),
        )
        .await,
        422,
        Some("salutation_nl"),
    )
    .await;
    assert_problem(
        put(&app, &sp, Some(&h.token), json!({"signatory_name": "X"})).await,
        403,
        None,
    )
    .await;
    let s = json_ok(
        put(
            &app,
            &sp,
            Some(&a.token),
            json!({"signatory_name": "drs. M. de Jong", "signatory_function": "Teamleider Privacy",
                   "salutation_nl": "Goedendag,"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(s["signatory_function"], "Teamleider Privacy", "{s}");
    let csv = "name,email,postal_address,language,aanhef\n\
               Fatma Yılmaz-Doğan,,\"Dorpsstraat 4\n1000 AA Oost\",nl,\"Beste mevrouw Yılmaz-Doğan,\"\n\
               Stichting Oost t.a.v. mevrouw B,,\"Postbus 1\n1000 AA Oost\",nl,\n";
    json_ok(upload(&app, &id, Some(&h.token), csv.into()).await, 201).await;
    let did = signed_off_letters(&app, &id, &h, &f).await;
    let n = format!("/api/v1/incidents/{id}/notifications");
    let d = json_ok(app.get(&format!("{n}/{did}"), Some(&h.token)).await, 200).await;
    let content = d["content"].as_str().unwrap();
    for s in [
        "drs. M. de Jong",
        "Teamleider Privacy",
        "[aanhef]",
        "[datum van verzending]",
    ] {
        assert!(content.contains(s), "{s} not signed: {content}");
    }
    let recips = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/recipients"),
            Some(&h.token),
        )
        .await,
        200,
    )
    .await;
    for (name, salutation) in [
        ("Fatma Yılmaz-Doğan", "<p>Beste mevrouw Yılmaz-Doğan,</p>"),
        ("Stichting Oost t.a.v. mevrouw B", "<p>Goedendag,</p>"),
    ] {
        let r = recips["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap();
        let pv = json_ok(
            app.get(
                &format!("{n}/{did}/preview?recipient={}", r["id"].as_str().unwrap()),
                Some(&h.token),
            )
            .await,
            200,
        )
        .await;
        let letter = pv["letter_html"].as_str().unwrap();
        assert!(letter.contains(salutation), "{letter}");
        assert!(!letter.contains(&format!("<p>Beste {name}")), "{letter}");
        assert!(letter.contains("Teamleider Privacy<br>"), "{letter}");
    }
}
both!(signatory_and_salutations_on_the_letter);

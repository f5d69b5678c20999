//! Issue 14, point 6: the processor's clock and the phases of a notification — awareness after
//! the processor's notice needs a reason and the 72 hours run from the notice; a supplement or
//! withdrawal refers to a real filing; a withdrawal shows on the incident, in the register and in
//! the statistics; a provisional notification opens a follow-up with its own alert e-mails.
use chrono::{DateTime, Duration, Utc};
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, spawn_app_with, Db, TestApp, User};
use crate::notifications::{assessed_incident, json_ok, reporter};
use crate::staff_pages::{csrf_of, get_ok, hidden, post, sign_in};

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

fn fields(p: &Value) -> Vec<String> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

async fn audit(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    json_ok(
        app.get(&format!("/api/v1/incidents/{id}/audit"), Some(token))
            .await,
        200,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

async fn awareness_after_the_processors_notice(app: TestApp) {
    app.create_org("oost"); // processor_hours 24
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    // Whole seconds: the database keeps microseconds.
    let notice = DateTime::from_timestamp(Utc::now().timestamp() - 80 * 3600, 0).unwrap();
    let late = notice + Duration::days(3);
    let body = json!({
        "organisation": "oost", "title": "Lek bij de hostingpartij",
        "processor_name": "Hosting BV",
        "processor_aware_at": notice - Duration::hours(30),
        "processor_notice_at": notice,
        "became_aware_at": late,
    });
    // Three days after the notice, without a reason: refused, naming both fields.
    let p = assert_problem(
        app.post("/api/v1/incidents", Some(&h.token), body.clone())
            .await,
        422,
        None,
    )
    .await;
    assert_eq!(
        fields(&p),
        vec!["became_aware_at", "processor_notice_at"],
        "{p}"
    );
    // With a reason: accepted, and the 72 hours still run from the notice.
    let mut with_reason = body.clone();
    with_reason["late_awareness_reason"] =
        json!("De melding kwam binnen in een mailbox die in de vakantie niet werd gelezen");
    let v = json_ok(
        app.post("/api/v1/incidents", Some(&h.token), with_reason)
            .await,
        201,
    )
    .await;
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(at(&v["clock_started_at"]), notice);
    assert_eq!(at(&v["ap_deadline"]), notice + Duration::hours(72));
    assert_eq!(at(&v["became_aware_at"]), late);
    assert!(v["late_awareness_reason"]
        .as_str()
        .unwrap()
        .contains("vakantie"));
    assert_eq!(v["clock"]["overdue"], true, "{v}");
    // The organisation's contract hours (24) judge the processor: 30 hours is too late.
    assert_eq!(v["processor"]["contract_hours"], 24);
    assert_eq!(v["processor"]["on_time"], false);
    assert_eq!(
        at(&v["processor"]["notice_due_at"]),
        notice - Duration::hours(6)
    );
    let trail = audit(&app, &id, &h.token).await;
    let created = trail
        .iter()
        .find(|e| e["action"] == "incident.created")
        .unwrap();
    assert!(created["after"]["facts"]["late_awareness_reason"].is_string());

    // PATCH: clearing the reason while awareness is still later is refused the same way.
    let p = assert_problem(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            Some(&h.token),
            json!({"late_awareness_reason": null}),
        )
        .await,
        422,
        None,
    )
    .await;
    assert_eq!(fields(&p), vec!["became_aware_at", "processor_notice_at"]);
    // Another organisation's handler does not see it at all.
    assert_problem(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            Some(&w.token),
            json!({"late_awareness_reason": "x"}),
        )
        .await,
        404,
        None,
    )
    .await;

    // A processor's notice added later to an incident: earlier than awareness needs a reason too,
    // and the organisation's contract hours are filled in.
    let inc = app.open_incident(&h, "oost", 10).await;
    let id2 = inc["id"].as_str().unwrap().to_string();
    let earlier = DateTime::from_timestamp(Utc::now().timestamp() - 40 * 3600, 0).unwrap();
    let p = assert_problem(
        app.patch(
            &format!("/api/v1/incidents/{id2}"),
            Some(&h.token),
            json!({"processor_name": "Print BV", "processor_notice_at": earlier}),
        )
        .await,
        422,
        None,
    )
    .await;
    assert_eq!(fields(&p), vec!["became_aware_at", "processor_notice_at"]);
    let v = json_ok(
        app.patch(
            &format!("/api/v1/incidents/{id2}"),
            Some(&h.token),
            json!({"processor_name": "Print BV", "processor_notice_at": earlier,
                   "late_awareness_reason": "De verwerker mailde een oud adres"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        at(&v["ap_deadline"]),
        at(&v["processor"]["notice_at"]) + Duration::hours(72)
    );
    assert_eq!(v["processor"]["contract_hours"], 24);
    let trail = audit(&app, &id2, &h.token).await;
    let upd = trail
        .iter()
        .find(|e| e["action"] == "incident.updated")
        .expect("audited");
    assert_eq!(
        upd["after"]["late_awareness_reason"],
        "De verwerker mailde een oud adres"
    );

    // The register shows the reason and counts the 72 hours from the notice.
    let reg = json_ok(app.get("/api/v1/register", Some(&h.token)).await, 200).await;
    let e = reg
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["incident_id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(e["late_awareness_reason"]
        .as_str()
        .unwrap()
        .contains("vakantie"));
    assert_eq!(at(&e["ap_deadline"]), notice + Duration::hours(72));

    // The incident page shows it, and its form refuses a later awareness in Dutch at the field.
    sign_in(&app, "h@oost.nl").await;
    let path = format!("/staff/incidents/{id}");
    let html = get_ok(&app, &path).await;
    assert!(html.contains("Reden voor later op de hoogte"), "{html}");
    assert!(html.contains("vakantie"));
    assert!(html.contains("De 72 uur lopen vanaf de melding van de verwerker"));
    let page2 = format!("/staff/incidents/{id2}");
    let html = get_ok(&app, &page2).await;
    let csrf = csrf_of(&html);
    let version = hidden(&html, "version");
    let r = post(
        &app,
        &format!("{page2}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("late_awareness_reason", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("href=\"#f-became_aware_at\"")
            && html.contains("Dit moment ligt na de melding van de verwerker"),
        "{html}"
    );
    let reg = get_ok(&app, "/staff/register").await;
    assert!(reg.contains("De verwerker mailde een oud adres"), "{reg}");
}
both!(awareness_after_the_processors_notice);

/// Draft an AP notification of `kind`, have the FG sign it off and file it under `number`.
async fn file(
    app: &TestApp,
    id: &str,
    h: &User,
    fg: &User,
    kind: &str,
    input: Value,
    number: &str,
) -> Value {
    let did = sign(app, id, h, fg, kind, input).await;
    json_ok(
        app.post(
            &format!("/api/v1/incidents/{id}/notifications/{did}/filing"),
            Some(&h.token),
            json!({"ap_number": number, "filed_at": Utc::now()}),
        )
        .await,
        200,
    )
    .await
}

/// Draft and sign off; the draft's id.
async fn sign(app: &TestApp, id: &str, h: &User, fg: &User, kind: &str, input: Value) -> String {
    let n = format!("/api/v1/incidents/{id}/notifications");
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": kind, "input": input}),
        )
        .await,
        201,
    )
    .await;
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
    did
}

fn with(extra: Value) -> Value {
    let mut v = reporter();
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

async fn supplements_and_withdrawals_refer_to_a_real_filing(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let n = format!("/api/v1/incidents/{id}/notifications");

    // No initial filing on the incident: a supplement to "BOGUS-000" is refused, naming the field.
    for kind in ["supplement", "withdrawal"] {
        let p = assert_problem(
            app.post(
                &n,
                Some(&h.token),
                json!({"purpose": "ap", "kind": kind,
                       "input": with(json!({"earlier_ap_number": "BOGUS-000", "withdrawal_reasons": "geen datalek"}))}),
            )
            .await,
            422,
            Some("earlier_ap_number"),
        )
        .await;
        assert!(p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no notification with this AP number"));
    }
    // …and so is changing a draft to that number.
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "supplement", "input": reporter()}),
        )
        .await,
        201,
    )
    .await;
    let sid = d["id"].as_str().unwrap();
    assert_problem(
        app.patch(
            &format!("{n}/{sid}"),
            Some(&h.token),
            with(json!({"earlier_ap_number": "BOGUS-000"})),
        )
        .await,
        422,
        Some("earlier_ap_number"),
    )
    .await;
    // A number from before Meldpunt, stated as such, is accepted.
    json_ok(
        app.patch(
            &format!("{n}/{sid}"),
            Some(&h.token),
            with(json!({"earlier_ap_number": "AP-2019-77", "earlier_before_meldpunt": true})),
        )
        .await,
        200,
    )
    .await;

    // A provisional notification opens a follow-up due in the configured days (default 5).
    let before = Utc::now();
    file(
        &app,
        &id,
        &h,
        &fg,
        "initial_provisional",
        reporter(),
        "M-2026-1",
    )
    .await;
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    assert_eq!(inc["state"], "notified");
    assert_eq!(inc["follow_up"]["open"], true, "{inc}");
    let due = at(&inc["follow_up"]["due_at"]);
    assert!(due >= before + Duration::days(5) - Duration::minutes(1));
    assert!(due <= Utc::now() + Duration::days(5));
    let list = json_ok(
        app.get("/api/v1/incidents?open=true", Some(&h.token)).await,
        200,
    )
    .await;
    assert_eq!(list[0]["follow_up"]["open"], true);

    // A supplement and a withdrawal drafted now to the number filed here; the supplement closes it.
    let late_supplement = sign(
        &app,
        &id,
        &h,
        &fg,
        "supplement",
        with(json!({"earlier_ap_number": "M-2026-1"})),
    )
    .await;
    file(
        &app,
        &id,
        &h,
        &fg,
        "supplement",
        with(json!({"earlier_ap_number": "m-2026-1"})),
        "M-2026-1",
    )
    .await;
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    assert_eq!(inc["follow_up"]["open"], false, "{inc}");
    assert!(inc["follow_up"]["closed_at"].is_string());
    assert!(inc["notification_withdrawn_at"].is_null());

    // Before the withdrawal the statistics count it as notified.
    let st = json_ok(
        app.get("/api/v1/register/statistics", Some(&h.token)).await,
        200,
    )
    .await;
    assert_eq!(
        (st["notified"].as_i64(), st["withdrawn"].as_i64()),
        (Some(1), Some(0))
    );

    // A withdrawal changes the incident, the register and the statistics.
    file(
        &app,
        &id,
        &h,
        &fg,
        "withdrawal",
        with(json!({"earlier_ap_number": "M-2026-1", "withdrawal_reasons": "Achteraf bleek de brief nooit verstuurd"})),
        "M-2026-1",
    )
    .await;
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    assert!(inc["notification_withdrawn_at"].is_string(), "{inc}");
    let reg = json_ok(
        app.get("/api/v1/register?timeliness=withdrawn", Some(&h.token))
            .await,
        200,
    )
    .await;
    assert_eq!(reg.as_array().unwrap().len(), 1);
    assert!(reg[0]["notification_withdrawn_at"].is_string());
    let csv = app
        .get("/api/v1/register?format=csv", Some(&h.token))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .contains("notification_withdrawn_at"));
    let st = json_ok(
        app.get("/api/v1/register/statistics", Some(&h.token)).await,
        200,
    )
    .await;
    assert_eq!(
        (st["notified"].as_i64(), st["withdrawn"].as_i64()),
        (Some(0), Some(1))
    );

    // The supplement signed off before the withdrawal can no longer be filed: 422 naming the field.
    assert_problem(
        app.post(
            &format!("{n}/{late_supplement}/filing"),
            Some(&h.token),
            json!({"ap_number": "M-2026-1", "filed_at": Utc::now()}),
        )
        .await,
        422,
        Some("earlier_ap_number"),
    )
    .await;
    // Nor can a new one be drafted to the withdrawn number.
    assert_problem(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "supplement",
                   "input": with(json!({"earlier_ap_number": "M-2026-1"}))}),
        )
        .await,
        422,
        Some("earlier_ap_number"),
    )
    .await;

    let trail = audit(&app, &id, &h.token).await;
    for action in [
        "incident.follow_up_opened",
        "incident.follow_up_closed",
        "incident.notification_withdrawn",
    ] {
        assert!(
            trail.iter().any(|e| e["action"] == action),
            "{action} missing from the audit trail"
        );
    }

    // The pages show the withdrawal.
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, &format!("/staff/incidents/{id}")).await;
    assert!(html.contains("Melding bij de AP ingetrokken op"), "{html}");
    let html = get_ok(&app, "/staff/register").await;
    assert!(html.contains("Melding bij de AP ingetrokken op"), "{html}");
    let html = get_ok(&app, "/staff/statistics").await;
    assert!(html.contains("Melding aan de AP ingetrokken (niet meegeteld als gemeld)"));
}
both!(supplements_and_withdrawals_refer_to_a_real_filing);

/// With `clock.supplement_days = 1`, a provisional notification filed now has its supplement due
/// within 24 hours: the handlers and the FG get one e-mail, never repeated.
async fn a_provisional_notification_alerts_when_its_supplement_is_due(kind: Db) {
    let Some(app) = spawn_app_with(kind, |s| s.clock.supplement_days = 1).await else {
        return;
    };
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    file(&app, &id, &h, &fg, "initial_provisional", reporter(), "M-7").await;
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    let due = at(&inc["follow_up"]["due_at"]);
    assert!(due <= Utc::now() + Duration::days(1));
    // The supplement's alerts ("… de voorlopige melding van DL-…"), not the FG's e-mail that a
    // draft waits for sign-off.
    let is_follow_up = |s: &str| s.contains("voorlopige melding van");
    let mails = app
        .wait_for_mail(|m| m.iter().filter(|m| is_follow_up(&m.subject)).count() >= 3)
        .await;
    let mut to: Vec<String> = mails
        .iter()
        .filter(|m| is_follow_up(&m.subject))
        .map(|m| m.to.clone())
        .collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "fg@oost.example.nl".to_string(),
            "fg@oost.nl".into(),
            "h@oost.nl".into()
        ]
    );
    assert!(mails
        .iter()
        .filter(|m| is_follow_up(&m.subject))
        .all(|m| m.subject.contains(inc["reference"].as_str().unwrap())
            && m.subject.contains("Nog ")));
    // Several more clock runs: never repeated.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        app.sent_mail()
            .iter()
            .filter(|m| is_follow_up(&m.subject))
            .count(),
        3
    );
    let trail = audit(&app, &id, &h.token).await;
    assert!(trail
        .iter()
        .any(|e| e["action"] == "incident.follow_up_alert" && e["actor"] == "system:clock"));
    // A supplement closes the follow-up: the incident list no longer shows it open.
    file(
        &app,
        &id,
        &h,
        &fg,
        "supplement",
        with(json!({"earlier_ap_number": "M-7"})),
        "M-7",
    )
    .await;
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    assert_eq!(inc["follow_up"]["open"], false);
}

mod a_provisional_notification_alerts {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::a_provisional_notification_alerts_when_its_supplement_is_due(
            crate::helpers::Db::Sqlite,
        )
        .await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::a_provisional_notification_alerts_when_its_supplement_is_due(
            crate::helpers::Db::Postgres,
        )
        .await
    }
}

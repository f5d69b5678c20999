use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp};

async fn open_incident_with_deadline(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            json!({
                "organisation": "oost",
                "title": "Brief naar verkeerd adres",
                "description": "Een brief met BSN ging naar de buren.",
                "became_aware_at": "2026-10-24T10:00:00+02:00",
                "discovered_at": "2026-10-24T09:30:00+02:00",
                "breach_started_at": "2026-10-20T08:00:00Z",
                "breach_ended_at": "2026-10-21T08:00:00Z",
                "awareness_established_by": "Privacy officer",
                "awareness_how": "Melding van burger bevestigd"
            }),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let year = Utc::now().format("%Y").to_string();
    assert_eq!(v["reference"], format!("DL-{year}-0001"));
    assert_eq!(v["state"], "new");
    // 72 elapsed hours across the DST change: Tue 27 Oct 2026 09:00 Amsterdam (CET) = 08:00 UTC.
    assert_eq!(v["ap_deadline"], "2026-10-27T08:00:00Z");
    assert_eq!(
        v["clock"]["deadline_amsterdam"],
        "2026-10-27T09:00:00+01:00"
    );
    assert!(v["clock"]["deadline_local"]
        .as_str()
        .unwrap()
        .contains("09:00"));
    assert_eq!(v["clock"]["overdue"], true);
    assert!(v["clock"]["hours_left"].as_f64().unwrap() < 0.0);
    assert_eq!(v["allowed_transitions"], json!(["triage", "not_a_breach"]));

    // A second incident counts up per organisation.
    let v2 = app.open_incident(&h, "oost", 1).await;
    assert_eq!(v2["reference"], format!("DL-{year}-0002"));
    // Another organisation has its own counter.
    app.create_org("west");
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let v3 = app.open_incident(&w, "west", 1).await;
    assert_eq!(v3["reference"], format!("DL-{year}-0001"));
}
both!(open_incident_with_deadline);

async fn incident_bad_input(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let future = (Utc::now() + Duration::hours(2)).to_rfc3339();
    let cases = vec![
        (
            json!({"title": "x", "became_aware_at": "2026-11-01T10:00:00Z"}),
            "organisation",
        ),
        (
            json!({"organisation": "oost", "became_aware_at": "2026-11-01T10:00:00Z"}),
            "title",
        ),
        // No moment given: it defaults to now, and then how we became aware is required.
        (
            json!({"organisation": "oost", "title": "x"}),
            "awareness_how",
        ),
        (
            json!({"organisation": "oost", "title": "x", "became_aware_at": future}),
            "became_aware_at",
        ),
        (
            json!({"organisation": "oost", "title": "x", "became_aware_at": "gisteren"}),
            "became_aware_at",
        ),
        (
            json!({"organisation": "nergens", "title": "x", "became_aware_at": "2026-11-01T10:00:00Z"}),
            "organisation",
        ),
        // Another organisation's slug is as unknown as a made-up one.
        (
            json!({"organisation": "west", "title": "x", "became_aware_at": "2026-11-01T10:00:00Z"}),
            "organisation",
        ),
        (
            json!({"organisation": "oost", "title": "x", "became_aware_at": "2026-11-01T10:00:00Z",
                   "breach_started_at": "2026-10-10T00:00:00Z", "breach_ended_at": "2026-10-09T00:00:00Z"}),
            "breach_ended_at",
        ),
        (
            json!({"organisation": "oost", "title": "x", "became_aware_at": "2026-11-01T10:00:00Z", "description": "x".repeat(20_000)}),
            "description",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/api/v1/incidents", Some(&h.token), body).await;
        assert_problem(r, 422, Some(field)).await;
    }
    let list: Value = app
        .get("/api/v1/incidents", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(list.as_array().unwrap().is_empty(), "nothing stored");
    assert_problem(
        app.post("/api/v1/incidents", None, json!({})).await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.post("/api/v1/incidents", Some("mpt_wrong"), json!({}))
            .await,
        401,
        None,
    )
    .await;
}
both!(incident_bad_input);

async fn incident_from_scratch_defaults_awareness_to_now(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let before = Utc::now();
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            json!({"organisation": "oost", "title": "Laptop kwijt in de trein",
                   "awareness_how": "Medewerker belde de servicedesk"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let aware: DateTime<Utc> = v["became_aware_at"].as_str().unwrap().parse().unwrap();
    assert!(aware >= before - Duration::seconds(1) && aware <= Utc::now() + Duration::seconds(1));
    assert_eq!(v["awareness_how"], "Medewerker belde de servicedesk");
    let deadline: DateTime<Utc> = v["ap_deadline"].as_str().unwrap().parse().unwrap();
    assert_eq!(deadline - aware, Duration::hours(72));
}
both!(incident_from_scratch_defaults_awareness_to_now);

async fn incident_from_reports_defaults_awareness_to_the_earliest_arrival(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let first = app.submit_report("oost", "Brief bij de buren").await;
    let second = app
        .submit_report("oost", "Nog een brief bij de buren")
        .await;
    let mut c = app.conn();
    let old = Utc::now() - Duration::hours(30);
    diesel::update(
        meldpunt::db::schema::reports::table
            .filter(meldpunt::db::schema::reports::reference.eq(&first)),
    )
    .set(meldpunt::db::schema::reports::created_at.eq(meldpunt::db::to_db(old)))
    .execute(&mut c)
    .unwrap();
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            json!({"organisation": "oost", "title": "Brieven bij de buren", "reports": [second, first]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let aware: DateTime<Utc> = v["became_aware_at"].as_str().unwrap().parse().unwrap();
    assert!((aware - old).num_seconds().abs() < 1, "{aware} vs {old}");
}
both!(incident_from_reports_defaults_awareness_to_the_earliest_arrival);

async fn processor_breach_defaults_awareness_to_receipt(app: TestApp) {
    app.create_org("oost"); // processor_hours 24
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let notice = Utc::now() - Duration::hours(5);
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            json!({"organisation": "oost", "title": "Lek bij hostingpartij", "processor_name": "Hosting BV",
                   "processor_aware_at": notice - Duration::hours(30), "processor_notice_at": notice}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let aware: DateTime<Utc> = v["became_aware_at"].as_str().unwrap().parse().unwrap();
    assert!((aware - notice).num_seconds().abs() < 1);
    assert_eq!(v["processor"]["contract_hours"], 24);
    assert_eq!(v["processor"]["on_time"], false);
}
both!(processor_breach_defaults_awareness_to_receipt);

async fn life_cycle_transitions_and_denials(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Fg)]);
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let t = format!("/api/v1/incidents/{id}/transitions");

    // Skipping steps: 409 with the reason.
    let body = assert_problem(
        app.post(&t, Some(&h.token), json!({"to": "notified"}))
            .await,
        409,
        None,
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("allowed from new: triage, not_a_breach"),
        "{body}"
    );
    // Not a breach needs a reason.
    assert_problem(
        app.post(&t, Some(&h.token), json!({"to": "not_a_breach"}))
            .await,
        422,
        Some("reason"),
    )
    .await;
    assert_problem(
        app.post(&t, Some(&h.token), json!({"to": "vliegen"})).await,
        422,
        Some("to"),
    )
    .await;
    // Another organisation's staff: 404, and the incident is untouched.
    assert_problem(
        app.post(&t, Some(&w.token), json!({"to": "triage"})).await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&w.token))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/incidents/{id}/audit"), Some(&w.token))
            .await,
        404,
        None,
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/incidents/{id}"),
            Some(&w.token),
            json!({"title": "x"}),
        )
        .await,
        404,
        None,
    )
    .await;

    for to in [
        "triage",
        "assessed",
        "notification_pending",
        "notified",
        "remediation",
        "closed",
    ] {
        let body = if to == "closed" {
            json!({"to": to, "lessons_learned": "Adressen voortaan dubbel controleren"})
        } else {
            json!({"to": to})
        };
        let r = app.post(&t, Some(&h.token), body).await;
        assert_eq!(r.status(), 200, "to {to}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["state"], to);
    }
    // Closed: the clock no longer runs; reopening needs a reason.
    let v: Value = app
        .get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["clock"]["running"], false);
    assert_problem(
        app.post(&t, Some(&h.token), json!({"to": "remediation"}))
            .await,
        422,
        Some("reason"),
    )
    .await;
    let r = app
        .post(
            &t,
            Some(&h.token),
            json!({"to": "remediation", "reason": "maatregel werkte niet"}),
        )
        .await;
    assert_eq!(r.status(), 200);

    // The trail has every transition with before and after, chained.
    let trail: Value = app
        .get(&format!("/api/v1/incidents/{id}/audit"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let trail = trail.as_array().unwrap();
    let states: Vec<&str> = trail
        .iter()
        .filter(|e| e["action"] == "incident.state_changed")
        .map(|e| e["after"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        vec![
            "triage",
            "assessed",
            "notification_pending",
            "notified",
            "remediation",
            "closed",
            "remediation"
        ]
    );
    assert_eq!(trail[0]["action"], "incident.created");
    assert_eq!(trail[1]["before"]["state"], "new");
    assert!(trail.iter().all(|e| e["actor"] == format!("user:{}", h.id)));
}
both!(life_cycle_transitions_and_denials);

async fn not_a_breach_closes_with_reasons(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let c: Value = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "brief", "organisation": "oost"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/incidents/{id}/reports"),
        Some(&h.token),
        json!({"reports": [c["reference"]]}),
    )
    .await;
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/transitions"),
            Some(&h.token),
            json!({"to": "not_a_breach", "reason": "Geen persoonsgegevens: de brief was leeg"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["state"], "not_a_breach");
    assert_eq!(
        v["state_reason"],
        "Geen persoonsgegevens: de brief was leeg"
    );
    // The reporter sees their report as handled.
    let st: Value = app
        .get(
            &format!("/api/v1/reports/{}", c["reference"].as_str().unwrap()),
            Some(c["follow_up_token"].as_str().unwrap()),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["status"], "closed");
    // Closed incidents leave the default (open) list but can be asked for.
    let open: Value = app
        .get("/api/v1/incidents", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(open.as_array().unwrap().is_empty());
    let all: Value = app
        .get("/api/v1/incidents?open=false", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 1);
}
both!(not_a_breach_closes_with_reasons);

async fn field_changes_are_audited_and_recompute_the_deadline(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap();
    let path = format!("/api/v1/incidents/{id}");
    let r = app
        .patch(&path, Some(&h.token), json!({"title": "Mailing met verkeerde bijlage", "became_aware_at": "2026-10-24T08:00:00Z", "version": inc["version"]}))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["title"], "Mailing met verkeerde bijlage");
    assert_eq!(v["ap_deadline"], "2026-10-27T08:00:00Z");
    assert_eq!(v["version"], 2);
    // A stale version: 409, nothing changed.
    let r = app
        .patch(&path, Some(&h.token), json!({"title": "Oud", "version": 1}))
        .await;
    assert_problem(r, 409, None).await;
    // Clearing a field with null; invalid combinations refused.
    let r = app
        .patch(
            &path,
            Some(&h.token),
            json!({"breach_started_at": "2026-10-20T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_problem(
        app.patch(
            &path,
            Some(&h.token),
            json!({"breach_ended_at": "2026-10-19T00:00:00Z"}),
        )
        .await,
        422,
        Some("breach_ended_at"),
    )
    .await;
    assert_problem(
        app.patch(
            &path,
            Some(&h.token),
            json!({"became_aware_at": (Utc::now() + Duration::days(1))}),
        )
        .await,
        422,
        Some("became_aware_at"),
    )
    .await;
    assert_problem(
        app.patch(&path, Some(&h.token), json!({"state": "closed"}))
            .await,
        422,
        Some("state"),
    )
    .await;
    let r = app
        .patch(&path, Some(&h.token), json!({"breach_started_at": null}))
        .await;
    let v: Value = r.json().await.unwrap();
    assert!(v["breach_started_at"].is_null());

    let trail: Value = app
        .get(&format!("{path}/audit"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let updates: Vec<&Value> = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "incident.updated")
        .collect();
    assert_eq!(updates.len(), 3);
    assert_eq!(updates[0]["before"]["title"], "Brief naar verkeerd adres");
    assert_eq!(
        updates[0]["after"]["title"],
        "Mailing met verkeerde bijlage"
    );
    assert!(
        updates[0]["after"].get("description").is_none(),
        "only changed fields"
    );
    assert!(updates[2]["after"]["breach_started_at"].is_null());
    // Each record points at the one before it.
    let all = trail.as_array().unwrap();
    for w in all.windows(2) {
        assert!(w[1]["seq"].as_i64() > w[0]["seq"].as_i64());
    }
}
both!(field_changes_are_audited_and_recompute_the_deadline);

async fn many_reports_become_one_incident(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let mut refs = vec![];
    for i in 0..5 {
        let c: Value = app
            .post(
                "/api/v1/reports",
                None,
                json!({"description": format!("Brief {i}"), "organisation": "oost"}),
            )
            .await
            .json()
            .await
            .unwrap();
        refs.push(c["reference"].as_str().unwrap().to_string());
    }
    let west: Value = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "west", "organisation": "west"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let r = app
        .post(
            "/api/v1/incidents",
            Some(&h.token),
            json!({"organisation": "oost", "title": "Mailing naar verkeerde adressen", "became_aware_at": Utc::now() - Duration::hours(1), "reports": &refs[..3]}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 3);
    let id = v["id"].as_str().unwrap();
    // Link more later; linking twice is harmless.
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&h.token),
            json!({"reports": [&refs[3], &refs[4], &refs[0]]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["reports"].as_array().unwrap().len(), 5);
    // Another organisation's report cannot be linked; unknown ones neither.
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&h.token),
            json!({"reports": [west["reference"]]}),
        )
        .await;
    assert_problem(r, 422, Some("reports[0]")).await;
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/reports"),
            Some(&h.token),
            json!({"reports": ["M-2026-999999"]}),
        )
        .await;
    assert_problem(r, 422, Some("reports[0]")).await;
    // A report already in another incident stays there.
    let other = app.open_incident(&h, "oost", 1).await;
    let r = app
        .post(
            &format!(
                "/api/v1/incidents/{}/reports",
                other["id"].as_str().unwrap()
            ),
            Some(&h.token),
            json!({"reports": [&refs[0]]}),
        )
        .await;
    assert_problem(r, 422, Some("reports[0]")).await;
    // The reporter sees "linked".
    let rep: Value = app
        .get(&format!("/api/v1/reports/{}", refs[0]), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rep["status"], "linked");
    assert_eq!(rep["incident_id"], id);
}
both!(many_reports_become_one_incident);

async fn list_sorts_by_time_left_overdue_first(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user(
        "h@oost.nl",
        &[("oost", Role::Handler), ("west", Role::Handler)],
    );
    let fresh = app.open_incident(&h, "oost", 1).await; // 71 h left
    let overdue = app.open_incident(&h, "oost", 80).await; // 8 h late
    let urgent = app.open_incident(&h, "west", 70).await; // 2 h left
    let notified = app.open_incident(&h, "oost", 75).await;
    let nid = notified["id"].as_str().unwrap();
    for to in ["triage", "assessed", "notification_pending", "notified"] {
        app.post(
            &format!("/api/v1/incidents/{nid}/transitions"),
            Some(&h.token),
            json!({"to": to}),
        )
        .await;
    }
    let list: Value = app
        .get("/api/v1/incidents", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            overdue["id"].as_str().unwrap(),
            urgent["id"].as_str().unwrap(),
            fresh["id"].as_str().unwrap(),
            nid
        ]
    );
    assert_eq!(list[0]["clock"]["overdue"], true);
    assert!(list[0]["clock"]["label_nl"]
        .as_str()
        .unwrap()
        .contains("te laat"));
    assert_eq!(
        list[3]["clock"]["overdue"], false,
        "a notified incident is not overdue"
    );
    // Filter by organisation and state.
    let west: Value = app
        .get("/api/v1/incidents?organisation=west", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(west.as_array().unwrap().len(), 1);
    let n: Value = app
        .get("/api/v1/incidents?state=notified", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(n.as_array().unwrap().len(), 1);
    assert_problem(
        app.get("/api/v1/incidents?state=vaag", Some(&h.token))
            .await,
        422,
        Some("state"),
    )
    .await;
    // A handler of one organisation sees only that one.
    let o = app.create_user("o@oost.nl", &[("oost", Role::Handler)]);
    let l: Value = app
        .get("/api/v1/incidents", Some(&o.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l.as_array().unwrap().len(), 3);
    assert_problem(
        app.get("/api/v1/incidents?organisation=west", Some(&o.token))
            .await,
        404,
        None,
    )
    .await;
}
both!(list_sorts_by_time_left_overdue_first);

async fn clock_escalation_mails_handlers_and_fg_once(app: TestApp) {
    app.create_org("oost"); // fg_email fg@oost.example.nl
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg-user@oost.nl", &[("oost", Role::Fg)]);
    let quiet = app.open_incident(&h, "oost", 10).await; // 62 h left: nothing yet
    let inc = app.open_incident(&h, "oost", 60).await; // 12 h left: the 24-hour point
    let mails = app.wait_for_mail(|m| m.len() >= 3).await;
    let mut to: Vec<String> = mails.iter().map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(
        to,
        vec![
            "fg-user@oost.nl".to_string(),
            "fg@oost.example.nl".into(),
            h.email.clone()
        ]
    );
    assert!(
        mails
            .iter()
            .all(|m| m.subject.contains(inc["reference"].as_str().unwrap())),
        "{mails:?}"
    );
    assert!(
        mails[0].subject.contains("Nog 11 uur") || mails[0].subject.contains("Nog 12 uur"),
        "{}",
        mails[0].subject
    );
    assert!(mails
        .iter()
        .all(|m| !m.subject.contains(quiet["reference"].as_str().unwrap())));
    // Several more clock runs: never repeated.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(app.sent_mail().len(), 3);
    let _ = fg;
    let trail: Value = app
        .get(
            &format!("/api/v1/incidents/{}/audit", inc["id"].as_str().unwrap()),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(trail
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "incident.clock_alert" && e["actor"] == "system:clock"));
}
both!(clock_escalation_mails_handlers_and_fg_once);

async fn overdue_incident_gets_one_overdue_mail_not_three(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let inc = app.open_incident(&h, "oost", 90).await;
    let mails = app.wait_for_mail(|m| m.len() >= 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mails_after = app.sent_mail();
    assert_eq!(mails.len(), 2, "handler and FG address");
    assert_eq!(mails_after.len(), 2);
    assert!(mails
        .iter()
        .all(|m| m.subject.contains("TE LAAT")
            && m.subject.contains(inc["reference"].as_str().unwrap())));
}
both!(overdue_incident_gets_one_overdue_mail_not_three);

/// The clock's escalation reads its candidates page by page to the end: with more overdue open
/// incidents than a page holds, the one whose deadline comes last is still looked at (before, a
/// list cut at 1,000 left it out for good).
async fn clock_candidates_are_read_to_the_end(app: TestApp) {
    use meldpunt::incidents::model::Facts;
    use meldpunt::incidents::store;
    let org = app.create_org("oost");
    let mut c = app.conn();
    let now = Utc::now();
    let n = store::CANDIDATES_PAGE as usize * 2 + 1;
    let mut ids = vec![];
    for i in 0..n {
        // Overdue by 100 hours down to 100 - n minutes: distinct deadlines, and two on the same
        // deadline to page through ties by id.
        let aware = now - Duration::hours(172) + Duration::minutes((i / 2) as i64);
        let facts = Facts {
            title: format!("incident {i}"),
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
        let row = store::IncidentRow::new(
            meldpunt::db::new_id(),
            org.clone(),
            format!("DL-2026-{i:05}"),
            &facts,
            "test".into(),
            now,
        );
        ids.push(row.id.clone());
        store::insert(&mut c, &row).unwrap();
    }
    let mut seen: Vec<String> = vec![];
    let mut after = None;
    loop {
        let page = store::clock_candidates(&mut c, now, 24, after.take()).unwrap();
        assert!(page.len() as i64 <= store::CANDIDATES_PAGE);
        for w in page.windows(2) {
            assert!((&w[0].ap_deadline, &w[0].id) < (&w[1].ap_deadline, &w[1].id));
        }
        seen.extend(page.iter().map(|i| i.id.clone()));
        if (page.len() as i64) < store::CANDIDATES_PAGE {
            break;
        }
        after = page.last().map(|i| (i.ap_deadline, i.id.clone()));
    }
    let mut all = seen.clone();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), seen.len(), "none twice");
    ids.sort();
    assert_eq!(all, ids, "every one, the last deadline too");
}
both!(clock_candidates_are_read_to_the_end);

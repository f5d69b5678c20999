//! Issue 16, points 3 and 4, against the real SMTP sink (tests/api/smtp_sink.rs) on SQLite and
//! PostgreSQL: staff are told of new reports (one e-mail per report, or a daily digest that goes
//! once with several instances), with nothing personal in the e-mail; the menu counts new reports
//! and drafts to sign off; the FG's worklist; the drafter hears of a rejection with the remarks;
//! the reporter is answered (by e-mail, on the follow-up page, threaded with the mailbox) — and the
//! denials: another organisation's handler, a non-FG on the worklist and its sign actions.
use std::time::Duration;

use diesel::prelude::*;
use meldpunt::auth::Role;
use meldpunt::db::schema::{audit_log, outbox, signal_settings};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, spawn_app_with, Db, TestApp, User, PASSWORD};
use crate::smtp_sink::SmtpSink;
use crate::staff_pages::csrf_of;

macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Db::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Db::Postgres).await
            }
        }
    };
}

/// An app whose outbox delivers to a real SMTP server.
async fn sink_app(kind: Db) -> Option<(SmtpSink, TestApp)> {
    let sink = SmtpSink::start().await;
    let port = sink.port();
    let app = spawn_app_with(kind, move |s| {
        s.mail.transport = "smtp".into();
        s.mail.smtp_host = "127.0.0.1".into();
        s.mail.smtp_port = port;
        s.mail.smtp_tls = "none".into();
    })
    .await?;
    Some((sink, app))
}

/// A message as the SMTP server received it, decoded.
#[derive(Debug, Clone)]
struct Got {
    to: Vec<String>,
    subject: String,
    body: String,
    message_id: String,
    raw: String,
}

fn got(sink: &SmtpSink) -> Vec<Got> {
    sink.accepted()
        .into_iter()
        .map(|m| {
            let p = mail_parser::MessageParser::default()
                .parse(m.data.as_bytes())
                .expect("a message the sink received parses");
            Got {
                to: m.rcpt.clone(),
                subject: p.subject().unwrap_or_default().to_string(),
                body: p.body_text(0).map(|b| b.to_string()).unwrap_or_default(),
                message_id: m.message_id.clone().unwrap_or_default(),
                raw: m.data.clone(),
            }
        })
        .collect()
}

fn to(mails: &[Got], addr: &str) -> Vec<Got> {
    mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == addr))
        .cloned()
        .collect()
}

/// Wait (bounded) until `f` holds for what the sink received.
async fn wait_mail(sink: &SmtpSink, f: impl Fn(&[Got]) -> bool) -> Vec<Got> {
    for _ in 0..300 {
        let m = got(sink);
        if f(&m) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let m = got(sink);
    panic!(
        "mail not as expected: {}\n{:#?}",
        sink.summary(),
        m.iter().map(|g| (&g.to, &g.subject)).collect::<Vec<_>>()
    );
}

/// Let the outbox run a while, so that a mail that should not come would have come.
async fn settle(app: &TestApp) {
    for _ in 0..100 {
        let mut c = app.conn();
        let queued: i64 = tokio::task::block_in_place(|| {
            outbox::table
                .filter(outbox::status.ne("sent"))
                .count()
                .get_result(&mut c)
        })
        .unwrap();
        if queued == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// One person's browser, signed in through the login form.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> Browser<'a> {
    async fn new(app: &'a TestApp, email: &str) -> Browser<'a> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let b = Browser { app, client };
        let html = b.get_ok("/staff/login").await;
        let r = b
            .post(
                "/staff/login",
                &[
                    ("csrf", &csrf_of(&html)),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "sign in {email}");
        b
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.app.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn get_ok(&self, path: &str) -> String {
        let (s, html) = self.get(path).await;
        assert_eq!(s, 200, "{path}: {html}");
        html
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.app.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// POST a form: the status and the redirect's location, or the page.
    async fn submit(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self.post(path, form).await;
        let status = r.status().as_u16();
        if status == 303 {
            let loc = r
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, loc)
        } else {
            (status, r.text().await.unwrap())
        }
    }
}

/// What a reporter typed, none of which may reach a handler's e-mail.
const NAME: &str = "Pieter Pietersen";
const EMAIL: &str = "pieter.pietersen@example.nl";
const BSN: &str = "111222333";
const DESCRIPTION: &str = "Ik kreeg een brief over mijn buurvrouw Klaasje Klaassen, BSN 111222333.";

/// A citizen's report through the public API (no token: not staff); (reference, follow-up token).
async fn citizen_report(
    app: &TestApp,
    org: &str,
    email: Option<&str>,
    lang: &str,
) -> (String, String) {
    let mut body = json!({"description": DESCRIPTION, "organisation": org,
        "contact_name": NAME, "language": lang});
    if let Some(e) = email {
        body["contact_email"] = json!(e);
    }
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/reports"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "report");
    let v: Value = r.json().await.unwrap();
    (
        v["reference"].as_str().unwrap().to_string(),
        v["follow_up_token"].as_str().unwrap().to_string(),
    )
}

/// A report e-mailed to the meldpunt's mailbox of `org` (uploaded as the mailbox does).
async fn mailed_report(app: &TestApp, token: &str, org: &str) -> String {
    let raw = format!(
        "From: {NAME} <{EMAIL}>\r\nTo: meldpunt@meldpunt.test\r\nSubject: Verkeerde brief\r\n\
         Date: Mon, 23 Nov 2026 09:00:00 +0100\r\nMessage-ID: <m1-{org}@example.nl>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{DESCRIPTION}\r\n"
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/mail?organisation={org}")))
        .header("Content-Type", "message/rfc822")
        .bearer_auth(token)
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "report", "{v}");
    v["reference"].as_str().unwrap().to_string()
}

fn assert_nothing_personal(m: &Got) {
    for personal in [NAME, EMAIL, BSN, "Klaasje", "buurvrouw", "Verkeerde brief"] {
        assert!(
            !m.raw.contains(personal)
                && !m.body.contains(personal)
                && !m.subject.contains(personal),
            "{personal:?} in the e-mail to {:?}: {}\n{}",
            m.to,
            m.subject,
            m.body
        );
    }
}

async fn signals_of(app: &TestApp, u: &User) -> Value {
    let r = app.get("/api/v1/me/signals", Some(&u.token)).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

// --- new reports ------------------------------------------------------------------------------

async fn a_new_report_tells_its_handlers_once_with_nothing_personal(kind: Db) {
    let Some((sink, app)) = sink_app(kind).await else {
        return;
    };
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let daily = app.create_user("daily@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let hw = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    // One chooses the daily digest (API); a bad choice is refused naming the field.
    assert_problem(
        app.put(
            "/api/v1/me/signals",
            Some(&daily.token),
            json!({"new_reports": "weekly"}),
        )
        .await,
        422,
        Some("new_reports"),
    )
    .await;
    let v: Value = app
        .put(
            "/api/v1/me/signals",
            Some(&daily.token),
            json!({"new_reports": "daily"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["new_reports"], "daily");
    assert_eq!(
        signals_of(&app, &h).await["new_reports"],
        "each",
        "the default"
    );

    // Through the API, the mailbox and the form.
    let (api_ref, _) = citizen_report(&app, "oost", Some(EMAIL), "nl").await;
    let mail_ref = mailed_report(&app, &h.token, "oost").await;
    let form_ref = {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let html = c
            .get(app.url("/melden"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = c
            .post(app.url("/melden"))
            .multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", csrf_of(&html))
                    .text("description", DESCRIPTION)
                    .text("organisation", "oost")
                    .text("contact_name", NAME)
                    .text("contact_email", EMAIL),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        let i = page.find("M-20").expect("reference on the confirmation");
        page[i..i + 13].to_string()
    };
    let (west_ref, _) = citizen_report(&app, "west", None, "nl").await;

    wait_mail(&sink, |m| {
        to(m, &h.email).len() >= 3 && !to(m, &hw.email).is_empty()
    })
    .await;
    settle(&app).await;
    let mails = got(&sink)
        .into_iter()
        .filter(|m| m.subject.contains("[Meldpunt]"))
        .collect::<Vec<_>>();
    let mine = to(&mails, &h.email);
    assert_eq!(mine.len(), 3, "one e-mail per report: {mine:#?}");
    for (r, channel) in [
        (&api_ref, "koppeling (API)"),
        (&mail_ref, "e-mail"),
        (&form_ref, "meldformulier"),
    ] {
        let m = mine
            .iter()
            .find(|m| m.subject.contains(r.as_str()))
            .unwrap_or_else(|| panic!("no e-mail for {r}: {mine:#?}"));
        assert!(m.subject.contains(channel), "{}", m.subject);
        assert!(
            m.body
                .contains(&format!("http://meldpunt.test/staff/reports/{r}")),
            "{}",
            m.body
        );
        assert!(m.body.starts_with("Beste Test Gebruiker"), "{}", m.body);
        assert_nothing_personal(m);
    }
    // Nobody else of oost (the digest chooser, the FG), and west's handler only of west's report.
    assert!(
        to(&mails, &daily.email).is_empty(),
        "digest chooser told at once"
    );
    assert!(to(&mails, &fg.email).is_empty(), "the FG is not a handler");
    let west = to(&mails, &hw.email);
    assert_eq!(west.len(), 1);
    assert!(west[0].subject.contains(&west_ref));
    assert!(!mine.iter().any(|m| m.subject.contains(&west_ref)));

    // The menu's count: new reports of one's own organisations.
    assert_eq!(signals_of(&app, &h).await["counts"]["new_reports"], 3);
    assert_eq!(signals_of(&app, &hw).await["counts"]["new_reports"], 1);
    assert_eq!(signals_of(&app, &h).await["counts"]["to_sign"], Value::Null);
    let b = Browser::new(&app, &h.email).await;
    let inbox = b.get_ok("/staff/inbox").await;
    assert!(
        inbox.contains("Meldingen <span class=\"count\">3<span class=\"visually-hidden\"> nieuwe meldingen</span>"),
        "{inbox}"
    );
    assert!(
        !inbox.contains("/staff/te-tekenen"),
        "no worklist link for a handler"
    );
    // Looked at: no longer new.
    let r = app
        .patch(
            &format!("/api/v1/reports/{api_ref}"),
            Some(&h.token),
            json!({"status": "in_review"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(signals_of(&app, &h).await["counts"]["new_reports"], 2);

    // A report a handler enters: the others are told, not the one who entered it.
    let r = app
        .post(
            "/api/v1/reports",
            Some(&h.token),
            json!({"description": "Door een collega gevonden.", "organisation": "oost", "channel": "staff"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let staff_ref = r.json::<Value>().await.unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    settle(&app).await;
    assert!(!got(&sink).iter().any(|m| m.subject.contains(&staff_ref)));

    // A report for no organisation yet: the installation administrator (who alone sees it) hears
    // of it; once assigned, the organisation's handlers do — not the one who assigned it.
    let admin = app.create_user_full("beheer@meldpunt.nl", &[], true);
    let (loose_ref, _) = citizen_report(&app, "", None, "nl").await;
    let mails = wait_mail(&sink, |m| {
        to(m, &admin.email)
            .iter()
            .any(|g| g.subject.contains(&loose_ref))
    })
    .await;
    assert!(!to(&mails, &h.email)
        .iter()
        .any(|g| g.subject.contains(&loose_ref)));
    let r = app
        .patch(
            &format!("/api/v1/reports/{loose_ref}"),
            Some(&admin.token),
            json!({"organisation": "oost"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let mails = wait_mail(&sink, |m| {
        to(m, &h.email)
            .iter()
            .any(|g| g.subject.contains(&loose_ref))
    })
    .await;
    assert_eq!(
        to(&mails, &admin.email)
            .iter()
            .filter(|g| g.subject.contains(&loose_ref))
            .count(),
        1
    );
    assert!(!to(&mails, &hw.email)
        .iter()
        .any(|g| g.subject.contains(&loose_ref)));
}
on_both!(a_new_report_tells_its_handlers_once_with_nothing_personal);

async fn the_daily_digest_goes_once_with_two_instances(kind: Db) {
    let Some((sink, app)) = sink_app(kind).await else {
        return;
    };
    app.create_org("oost");
    let daily = app.create_user("daily@oost.nl", &[("oost", Role::Handler)]);
    let now_h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // The account page's form: the choice is saved and shown, audited.
    let b = Browser::new(&app, &daily.email).await;
    let html = b.get_ok("/staff/account").await;
    assert!(html.contains("value=\"each\" checked"), "{html}");
    let (s, loc) = b
        .submit(
            "/staff/account/signals",
            &[("csrf", &csrf_of(&html)), ("new_reports", "daily")],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, "/staff/account?ok=signals#h-signals")
    );
    let html = b.get_ok("/staff/account?ok=signals").await;
    assert!(html.contains("value=\"daily\" checked"), "{html}");
    assert!(html.contains("Uw keuze is opgeslagen."));
    let (s, html2) = b
        .submit(
            "/staff/account/signals",
            &[("csrf", &csrf_of(&html)), ("new_reports", "hourly")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html2.contains("Maak een keuze uit de lijst"), "{html2}");

    let (r1, _) = citizen_report(&app, "oost", Some(EMAIL), "nl").await;
    let (r2, _) = citizen_report(&app, "oost", None, "en").await;
    wait_mail(&sink, |m| to(m, &now_h.email).len() >= 2).await;
    settle(&app).await;
    assert!(
        to(&got(&sink), &daily.email).is_empty(),
        "nothing at once for the digest chooser"
    );

    // Tomorrow's digest, run by two instances at once (the app's own clock runs it too, for today).
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let links = meldpunt::signals::Links::from_settings(&app.state.settings);
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (url, links) = (app.db.url.clone(), links.clone());
            std::thread::spawn(move || {
                let mut c = meldpunt::db::connect(&url).unwrap();
                meldpunt::signals::digest::run(&mut c, &links, 8, tomorrow).unwrap()
            })
        })
        .collect();
    let queued: usize = runs.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(queued, 1, "one digest between the two instances");
    // Once more: nothing left.
    let mut c = app.conn();
    let again = tokio::task::block_in_place(|| {
        meldpunt::signals::digest::run(&mut c, &links, 8, tomorrow + chrono::Duration::hours(1))
    })
    .unwrap();
    assert_eq!(again, 0);
    let rows: i64 = tokio::task::block_in_place(|| {
        outbox::table
            .filter(outbox::kind.eq("report_digest"))
            .count()
            .get_result(&mut c)
    })
    .unwrap();
    assert_eq!(rows, 1);
    // Queued at the run's "now" (tomorrow): due for the outbox now, as it will be then.
    tokio::task::block_in_place(|| {
        diesel::update(outbox::table.filter(outbox::kind.eq("report_digest")))
            .set(outbox::next_attempt_at.eq(chrono::Utc::now().naive_utc()))
            .execute(&mut c)
    })
    .unwrap();

    let mails = wait_mail(&sink, |m| !to(m, &daily.email).is_empty()).await;
    let d = to(&mails, &daily.email);
    assert_eq!(d.len(), 1);
    assert!(
        d[0].subject.contains("2 nieuwe meldingen"),
        "{}",
        d[0].subject
    );
    assert!(
        d[0].body.contains(&r1) && d[0].body.contains(&r2),
        "{}",
        d[0].body
    );
    assert!(d[0].body.contains("via koppeling (API)"), "{}", d[0].body);
    assert_nothing_personal(&d[0]);
    // The claim moved on to the digest instant; the choice and the digest are in the audit trail.
    let until: chrono::NaiveDateTime = tokio::task::block_in_place(|| {
        signal_settings::table
            .find(&daily.id)
            .select(signal_settings::digest_until)
            .first(&mut c)
    })
    .unwrap();
    assert!(until > chrono::Utc::now().naive_utc());
    let actions: Vec<String> = tokio::task::block_in_place(|| {
        audit_log::table
            .filter(audit_log::entity_id.eq(&daily.id))
            .select(audit_log::action)
            .load(&mut c)
    })
    .unwrap();
    assert!(
        actions.contains(&"user.signals_changed".to_string()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"user.report_digest_sent".to_string()),
        "{actions:?}"
    );
}
on_both!(the_daily_digest_goes_once_with_two_instances);

// --- the FG's sign-off --------------------------------------------------------------------------

fn entered(v: Value) -> Value {
    json!({"provenance": "entered", "value": v})
}

/// An incident of oost with facts and a decision to tell the people.
async fn decided_incident(app: &TestApp, h: &User) -> (String, String) {
    let inc = app.open_incident(h, "oost", 2).await;
    let id = inc["id"].as_str().unwrap().to_string();
    for to in ["triage", "assessed"] {
        let r = app
            .post(
                &format!("/api/v1/incidents/{id}/transitions"),
                Some(&h.token),
                json!({"to": to}),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    let facts = json!({
        "nature": entered(json!(["confidentiality"])),
        "kind": entered(json!("letter_wrong_recipient")),
        "general_data": entered(json!(["name", "address", "bsn"])),
        "special_categories": entered(json!([])),
        "groups": entered(json!(["customers"])),
        "records": entered(json!(1)),
        "people": entered(json!({"type": "exact", "n": 2})),
        "recipients": entered(json!({"known": true, "trustworthy": false, "opened": true, "count": 1})),
        "protection": entered(json!({"method": "none"})),
        "malicious_intent": entered(json!(false)),
        "controller_nature": entered(json!("government")),
        "consequences_people": entered(json!(["identity_theft_or_fraud"])),
    });
    let r = app
        .put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&h.token),
            facts,
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "BSN bij een onbekende"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    (id, inc["reference"].as_str().unwrap().to_string())
}

async fn drafts_wait_on_the_fgs_worklist_and_a_rejection_reaches_the_drafter(kind: Db) {
    let Some((sink, app)) = sink_app(kind).await else {
        return;
    };
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg1 = app.create_user("fg1@oost.nl", &[("oost", Role::Fg)]);
    let fg2 = app.create_user("fg2@oost.nl", &[("oost", Role::Fg)]);
    let fgw = app.create_user("fg@west.nl", &[("west", Role::Fg)]);
    let (id, inc_ref) = decided_incident(&app, &h).await;

    // Drafted: both FGs of oost are told (not the drafter, not west's FG).
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/notifications"),
            Some(&h.token),
            json!({"purpose": "ap", "kind": "initial_complete", "input": {
                "reporter_name": "P. Jansen", "reporter_function": "privacy officer",
                "reporter_phone": "010-1234567", "reporter_email": "p.jansen@oost.example.nl",
                "measures": "de ontvanger is gevraagd de brief te vernietigen"}}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let draft: Value = r.json().await.unwrap();
    let nid = draft["id"].as_str().unwrap().to_string();
    let mails = wait_mail(&sink, |m| {
        to(m, &fg1.email).len() + to(m, &fg2.email).len() >= 2
    })
    .await;
    settle(&app).await;
    for fg in [&fg1, &fg2] {
        let m = to(&mails, &fg.email);
        assert_eq!(m.len(), 1, "{m:#?}");
        assert_eq!(
            m[0].subject,
            format!("[Meldpunt] Af te tekenen: melding aan de AP (volledig) bij datalek {inc_ref}")
        );
        assert!(
            m[0].body.contains(&format!(
                "http://meldpunt.test/staff/incidents/{id}/notifications/{nid}/signoff"
            )),
            "{}",
            m[0].body
        );
    }
    let all = got(&sink);
    assert!(to(&all, &h.email).is_empty() && to(&all, &fgw.email).is_empty());

    // The worklist: the FG sees it with its kind and waiting time; a handler is refused; another
    // organisation's FG sees nothing of it.
    let w: Value = app
        .get("/api/v1/signoffs", Some(&fg1.token))
        .await
        .json()
        .await
        .unwrap();
    let w = w.as_array().unwrap();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["incident_reference"], inc_ref);
    assert_eq!(w[0]["kind"], "initial_complete");
    assert_eq!(w[0]["status"], "pending");
    assert!(w[0]["waiting_minutes"].as_i64().unwrap() < 5);
    assert_problem(app.get("/api/v1/signoffs", Some(&h.token)).await, 403, None).await;
    let ww: Value = app
        .get("/api/v1/signoffs", Some(&fgw.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ww, json!([]));
    assert_eq!(signals_of(&app, &fg1).await["counts"]["to_sign"], 1);
    assert_eq!(signals_of(&app, &fgw).await["counts"]["to_sign"], 0);

    let fgb = Browser::new(&app, &fg1.email).await;
    let page = fgb.get_ok("/staff/te-tekenen").await;
    assert!(page.contains(&inc_ref), "{page}");
    assert!(page.contains("Melding aan de AP (volledig)"), "{page}");
    assert!(
        page.contains("minuut") || page.contains("minuten"),
        "{page}"
    );
    assert!(
        page.contains("Te tekenen <span class=\"count\">1<span class=\"visually-hidden\"> wachten op uw aftekening</span>"),
        "menu link with its count: {page}"
    );
    let hb = Browser::new(&app, &h.email).await;
    assert_eq!(hb.get("/staff/te-tekenen").await.0, 403);

    // Approve and reject look different: two forms, reject a red secondary button asking for remarks.
    let signoff = format!("/staff/incidents/{id}/notifications/{nid}/signoff");
    let sp = fgb.get_ok(&signoff).await;
    assert!(
        sp.contains("<button type=\"submit\" name=\"decision\" value=\"approve\">"),
        "{sp}"
    );
    assert!(
        sp.contains("<button type=\"submit\" name=\"decision\" value=\"reject\" class=\"danger\">"),
        "{sp}"
    );
    assert!(sp.contains("Waarom wijst u af? (verplicht)"), "{sp}");
    let hash = draft["content_sha256"].as_str().unwrap().to_string();

    // A handler cannot reject or approve (API and page); nothing is sent to anyone.
    let reject = format!("/api/v1/incidents/{id}/notifications/{nid}/reject");
    let approve = format!("/api/v1/incidents/{id}/notifications/{nid}/approve");
    for path in [&reject, &approve] {
        assert_problem(
            app.post(
                path,
                Some(&h.token),
                json!({"content_sha256": hash, "remarks": "Nee."}),
            )
            .await,
            403,
            None,
        )
        .await;
        // West's FG: the incident does not exist for them.
        assert_problem(
            app.post(
                path,
                Some(&fgw.token),
                json!({"content_sha256": hash, "remarks": "Nee."}),
            )
            .await,
            404,
            None,
        )
        .await;
    }
    let hp = hb.get_ok(&signoff).await;
    let (s, _) = hb
        .submit(
            &signoff,
            &[
                ("csrf", &csrf_of(&hp)),
                ("content_sha256", &hash),
                ("decision", "reject"),
                ("remarks", "Nee."),
            ],
        )
        .await;
    assert_eq!(s, 403);

    // The FG rejects with remarks: the drafter gets them by e-mail; the other FG nothing more.
    let remarks = "Noem ook wanneer de fout ontdekt werd.";
    let (s, loc) = fgb
        .submit(
            &signoff,
            &[
                ("csrf", &csrf_of(&sp)),
                ("content_sha256", &hash),
                ("decision", "reject"),
                ("remarks", remarks),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    let mails = wait_mail(&sink, |m| !to(m, &h.email).is_empty()).await;
    let rej = to(&mails, &h.email);
    assert_eq!(rej.len(), 1);
    assert_eq!(
        rej[0].subject,
        format!(
            "[Meldpunt] Afgewezen door de FG: melding aan de AP (volledig) bij datalek {inc_ref}"
        )
    );
    assert!(rej[0].body.contains(remarks), "{}", rej[0].body);
    assert!(
        rej[0]
            .body
            .contains(&format!("/staff/incidents/{id}/notifications/{nid}")),
        "{}",
        rej[0].body
    );
    let w: Value = app
        .get("/api/v1/signoffs", Some(&fg1.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        w,
        json!([]),
        "a rejected draft waits for the drafter, not the FG"
    );

    // The drafter changes it: offered again, both FGs told once more, back on the worklist.
    let r = app
        .patch(
            &format!("/api/v1/incidents/{id}/notifications/{nid}"),
            Some(&h.token),
            json!({"reporter_name": "P. Jansen", "reporter_function": "privacy officer",
                "reporter_phone": "010-1234567", "reporter_email": "p.jansen@oost.example.nl",
                "measures": "de ontvanger is gevraagd de brief te vernietigen",
                "people_description": "Twee inwoners van de gemeente."}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let mails = wait_mail(&sink, |m| {
        to(m, &fg1.email).len() >= 2 && to(m, &fg2.email).len() >= 2
    })
    .await;
    let again = to(&mails, &fg2.email);
    assert!(
        again[1].body.contains("had afgewezen, is aangepast"),
        "{}",
        again[1].body
    );
    let w: Value = app
        .get("/api/v1/signoffs", Some(&fg1.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(w.as_array().unwrap().len(), 1);
    assert_eq!(w[0]["status"], "pending");
}
on_both!(drafts_wait_on_the_fgs_worklist_and_a_rejection_reaches_the_drafter);

// --- answering the reporter ---------------------------------------------------------------------

async fn the_reporter_is_answered_by_email_and_on_the_follow_up_page(kind: Db) {
    let Some((sink, app)) = sink_app(kind).await else {
        return;
    };
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let hw = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let (nl_ref, nl_token) = citizen_report(&app, "oost", Some(EMAIL), "nl").await;
    let (en_ref, en_token) = citizen_report(&app, "oost", Some("jane@example.com"), "en").await;
    let (anon_ref, anon_token) = citizen_report(&app, "oost", None, "nl").await;
    wait_mail(&sink, |m| to(m, &h.email).len() >= 3).await;

    // From the report page: a standard answer and a text of one's own, in the report's language.
    let b = Browser::new(&app, &h.email).await;
    let page = b.get_ok(&format!("/staff/reports/{nl_ref}")).await;
    assert!(page.contains("De melder antwoorden"), "{page}");
    assert!(page.contains("<option value=\"nl\" selected>"), "{page}");
    let action = format!("/staff/reports/{nl_ref}/reply");
    let own_text = "Wij bellen u deze week nog.";
    // Nothing chosen, nothing written: the form comes back naming the field.
    let (s, html) = b
        .submit(
            &action,
            &[("csrf", &csrf_of(&page)), ("standard", ""), ("text", " ")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(html.contains("href=\"#f-text\""), "{html}");
    assert!(
        html.contains("Kies een standaardantwoord of schrijf zelf een tekst"),
        "{html}"
    );
    let (s, loc) = b
        .submit(
            &action,
            &[
                ("csrf", &csrf_of(&page)),
                ("standard", "destroy"),
                ("text", own_text),
                ("language", "nl"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            303,
            format!("/staff/reports/{nl_ref}?ok=replied#h-reply").as_str()
        )
    );
    let mails = wait_mail(&sink, |m| {
        to(m, EMAIL)
            .iter()
            .any(|g| g.subject.starts_with("Antwoord"))
    })
    .await;
    let answer = to(&mails, EMAIL)
        .into_iter()
        .find(|g| g.subject.starts_with("Antwoord"))
        .unwrap();
    assert_eq!(answer.subject, format!("Antwoord op uw melding {nl_ref}"));
    assert!(
        answer.body.contains("Wilt u vernietigen wat u ontving?"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains(own_text), "{}", answer.body);
    // On the follow-up page, always.
    let follow = reqwest::get(app.url(&format!("/volgen/{nl_ref}/{nl_token}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(follow.contains("Ons antwoord"), "{follow}");
    assert!(
        follow.contains("Wilt u vernietigen wat u ontving?"),
        "{follow}"
    );
    assert!(follow.contains(own_text), "{follow}");
    // On the staff page, in the messages.
    let page = b
        .get_ok(&format!("/staff/reports/{nl_ref}?ok=replied"))
        .await;
    assert!(page.contains("Antwoord aan de melder"), "{page}");

    // Audited: who, which standard answer, the language, by e-mail — never the text.
    let mut c = app.conn();
    let rid: String = tokio::task::block_in_place(|| {
        meldpunt::db::schema::reports::table
            .filter(meldpunt::db::schema::reports::reference.eq(&nl_ref))
            .select(meldpunt::db::schema::reports::id)
            .first(&mut c)
    })
    .unwrap();
    let (actor, after): (String, Option<String>) = tokio::task::block_in_place(|| {
        audit_log::table
            .filter(audit_log::action.eq("report.answered"))
            .filter(audit_log::entity_id.eq(&rid))
            .select((audit_log::actor, audit_log::after_json))
            .first(&mut c)
    })
    .unwrap();
    assert_eq!(actor, format!("user:{}", h.id));
    let after: Value = serde_json::from_str(&after.unwrap()).unwrap();
    assert_eq!(after["standard"], "destroy");
    assert_eq!(after["language"], "nl");
    assert_eq!(after["emailed"], true);
    let after_text = after.to_string();
    assert!(
        !after_text.contains("bellen") && !after_text.contains("vernietigen"),
        "{after_text}"
    );

    // The reporter answers our e-mail (its subject without the reference): it joins the report.
    let reply = format!(
        "From: {NAME} <{EMAIL}>\r\nTo: meldpunt@meldpunt.test\r\nSubject: Re: uw bericht\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <answer-back@example.nl>\r\n\
         In-Reply-To: {}\r\nReferences: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Ik heb de brief vernietigd.\r\n",
        answer.message_id, answer.message_id
    );
    let r = app
        .client
        .post(app.url("/api/v1/mail?organisation=oost"))
        .header("Content-Type", "message/rfc822")
        .bearer_auth(&h.token)
        .body(reply)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "joined_report", "{v}");
    assert_eq!(v["reference"], nl_ref, "{v}");

    // English by default for an English report; "forwarded" needs to whom (API: 422 naming it).
    let api = format!("/api/v1/reports/{en_ref}/replies");
    assert_problem(
        app.post(&api, Some(&h.token), json!({"standard": "forwarded"}))
            .await,
        422,
        Some("detail"),
    )
    .await;
    assert_problem(
        app.post(&api, Some(&h.token), json!({"standard": "burn"}))
            .await,
        422,
        Some("standard"),
    )
    .await;
    let r = app
        .post(
            &api,
            Some(&h.token),
            json!({"standard": "forwarded", "detail": "the municipality of Utrecht"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["language"], "en");
    assert_eq!(v["emailed"], true);
    let mails = wait_mail(&sink, |m| {
        to(m, "jane@example.com")
            .iter()
            .any(|g| g.subject.starts_with("Reply"))
    })
    .await;
    let en = to(&mails, "jane@example.com")
        .into_iter()
        .find(|g| g.subject.starts_with("Reply"))
        .unwrap();
    assert_eq!(en.subject, format!("Reply to your report {en_ref}"));
    assert!(
        en.body
            .contains("forwarded your report to the municipality of Utrecht"),
        "{}",
        en.body
    );
    let follow = reqwest::get(app.url(&format!("/volgen/{en_ref}/{en_token}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(follow.contains("the municipality of Utrecht"), "{follow}");

    // No address: no e-mail, the answer is on the follow-up page.
    let before = sink.accepted_count();
    let r = app
        .post(
            &format!("/api/v1/reports/{anon_ref}/replies"),
            Some(&h.token),
            json!({"text": "Bewaar de brief maar."}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.json::<Value>().await.unwrap()["emailed"], false);
    let follow = reqwest::get(app.url(&format!("/volgen/{anon_ref}/{anon_token}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(follow.contains("Bewaar de brief maar."), "{follow}");
    settle(&app).await;
    assert_eq!(
        sink.accepted_count(),
        before,
        "nothing sent without an address"
    );

    // Another organisation's handler: the report does not exist for them (API and page).
    assert_problem(
        app.post(&api, Some(&hw.token), json!({"text": "Hallo"}))
            .await,
        404,
        None,
    )
    .await;
    let wb = Browser::new(&app, &hw.email).await;
    let wp = wb.get_ok("/staff/inbox").await;
    let (s, _) = wb
        .submit(
            &format!("/staff/reports/{nl_ref}/reply"),
            &[("csrf", &csrf_of(&wp)), ("text", "Hallo")],
        )
        .await;
    assert_eq!(s, 404);
    let rows: i64 = tokio::task::block_in_place(|| {
        outbox::table
            .filter(outbox::kind.eq("report_reply"))
            .count()
            .get_result(&mut c)
    })
    .unwrap();
    assert_eq!(rows, 2, "two answers e-mailed: the Dutch and the English");
}
on_both!(the_reporter_is_answered_by_email_and_on_the_follow_up_page);

// --- threading the answer with the reporter's mail ------------------------------------------------

/// A header of a received message, unfolded; `None` when it is not there.
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or_default();
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let prefix = format!("{}:", name.to_ascii_lowercase());
    unfolded
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].trim().to_string())
}

/// The answer from the report page names the reporter's mail (In-Reply-To, References) and has a
/// Message-ID of its own that the outbox keeps; the reporter's reply naming only that id lands on the
/// same report; the next answer answers that reply and names the whole conversation.
async fn an_answer_threads_with_the_reporters_mail(kind: Db) {
    let Some((sink, app)) = sink_app(kind).await else {
        return;
    };
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    // Message-ID: <m1-oost@example.nl> (see `mailed_report`).
    let reference = mailed_report(&app, &h.token, "oost").await;
    let theirs = "<m1-oost@example.nl>";
    let mails = wait_mail(&sink, |m| !to(m, EMAIL).is_empty()).await;
    let ack = to(&mails, EMAIL).remove(0);
    assert!(ack.subject.contains(&reference), "{}", ack.subject);
    // The acknowledgement answers their mail: it shows under it in their mailbox.
    assert_eq!(
        header(&ack.raw, "In-Reply-To").as_deref(),
        Some(theirs),
        "{}",
        ack.raw
    );
    assert_eq!(
        header(&ack.raw, "References").as_deref(),
        Some(theirs),
        "{}",
        ack.raw
    );

    // The answer, from the report page.
    let b = Browser::new(&app, &h.email).await;
    let page = b.get_ok(&format!("/staff/reports/{reference}")).await;
    let (s, _) = b
        .submit(
            &format!("/staff/reports/{reference}/reply"),
            &[
                ("csrf", &csrf_of(&page)),
                ("standard", "keep"),
                ("text", "Wij kijken ernaar."),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let answered = |m: &[Got]| {
        to(m, EMAIL)
            .into_iter()
            .filter(|g| g.subject.starts_with("Antwoord"))
            .collect::<Vec<_>>()
    };
    let first = answered(&wait_mail(&sink, |m| answered(m).len() == 1).await).remove(0);
    assert_eq!(
        header(&first.raw, "In-Reply-To").as_deref(),
        Some(theirs),
        "{}",
        first.raw
    );
    assert_eq!(
        header(&first.raw, "References"),
        Some(format!("{theirs} {}", ack.message_id)),
        "their mail, then our acknowledgement:\n{}",
        first.raw
    );
    // Our own Message-ID: the outbox row's (so a retry carries the same), in our mail domain.
    let mut c = app.conn();
    let stored: Vec<(String, Option<String>, Option<String>)> = tokio::task::block_in_place(|| {
        outbox::table
            .filter(outbox::kind.eq("report_reply"))
            .select((
                outbox::message_id,
                outbox::in_reply_to,
                outbox::reference_ids,
            ))
            .load(&mut c)
    })
    .unwrap();
    assert_eq!(
        stored,
        vec![(
            first.message_id.clone(),
            Some(theirs.to_string()),
            Some(format!("{theirs} {}", ack.message_id))
        )]
    );
    assert!(
        first.message_id.ends_with("@meldpunt.test>"),
        "{}",
        first.message_id
    );

    // The reporter answers that e-mail: only our Message-ID (References, no In-Reply-To), no
    // reference in the subject. It lands on the same report.
    let reply = format!(
        "From: {NAME} <{EMAIL}>\r\nTo: meldpunt@meldpunt.test\r\nSubject: Re: uw antwoord\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <m2-oost@example.nl>\r\n\
         References: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Ik bewaar de brief.\r\n",
        first.message_id
    );
    let r = app
        .client
        .post(app.url("/api/v1/mail?organisation=oost"))
        .header("Content-Type", "message/rfc822")
        .bearer_auth(&h.token)
        .body(reply)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "joined_report", "{v}");
    assert_eq!(v["reference"], reference.as_str(), "{v}");

    // The next answer (through the API) answers that reply and names the whole conversation.
    let r = app
        .post(
            &format!("/api/v1/reports/{reference}/replies"),
            Some(&h.token),
            json!({"text": "Dank u."}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let second = answered(&wait_mail(&sink, |m| answered(m).len() == 2).await)
        .into_iter()
        .find(|g| g.message_id != first.message_id)
        .unwrap();
    assert_eq!(
        header(&second.raw, "In-Reply-To").as_deref(),
        Some("<m2-oost@example.nl>")
    );
    assert_eq!(
        header(&second.raw, "References"),
        Some(format!(
            "{theirs} {} {} <m2-oost@example.nl>",
            ack.message_id, first.message_id
        )),
        "{}",
        second.raw
    );

    // A report made through the API (no acknowledgement) answers no mail: the first answer has
    // neither header, the next one names the first in References, still answering no mail.
    let jane = "jane@example.com";
    let (api_ref, _) = citizen_report(&app, "oost", Some(jane), "en").await;
    let mut jane_ids = vec![];
    for n in 1..=2 {
        let r = app
            .post(
                &format!("/api/v1/reports/{api_ref}/replies"),
                Some(&h.token),
                json!({"standard": "keep"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let mails = wait_mail(&sink, |m| to(m, jane).len() == n).await;
        let answer = to(&mails, jane)
            .into_iter()
            .find(|g| !jane_ids.contains(&g.message_id))
            .unwrap();
        assert_eq!(header(&answer.raw, "In-Reply-To"), None, "{}", answer.raw);
        assert_eq!(
            header(&answer.raw, "References"),
            (n == 2).then(|| jane_ids.join(" ")),
            "{}",
            answer.raw
        );
        jane_ids.push(answer.message_id);
    }
}
on_both!(an_answer_threads_with_the_reporters_mail);

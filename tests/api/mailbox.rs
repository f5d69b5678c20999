//! The meldpunt mailbox over HTTP, the command line and a Maildir folder, against real databases.
use diesel::prelude::*;
use meldpunt::auth::Role;
use meldpunt::db::schema::{
    attachments, audit_log, mail_messages, outbox, report_messages, reports,
};
use meldpunt::mailbox::service::{self, Context, Ingested, Outcome};
use serde_json::Value;

use crate::both;
use crate::helpers::{assert_problem, spawn_app_with, Db, TestApp};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/mail/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn upload(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    raw: Vec<u8>,
) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url(&format!("/api/v1/mail{query}")))
        .header("Content-Type", "message/rfc822")
        .body(raw);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

async fn upload_ok(app: &TestApp, token: &str, raw: Vec<u8>) -> Value {
    let r = upload(app, Some(token), "?organisation=oost", raw).await;
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    assert!(status == 200 || status == 201, "{status} {v}");
    v
}

fn ctx(app: &TestApp, org: Option<String>) -> Context {
    Context::from_settings(&app.state.settings, org, "test")
}

/// The outbox Message-ID (without brackets) of the acknowledgement of a report.
fn ack_message_id(app: &TestApp, report_ref: &str) -> String {
    let mut c = app.conn();
    let rid: String = reports::table
        .filter(reports::reference.eq(report_ref))
        .select(reports::id)
        .first(&mut c)
        .unwrap();
    let mid: String = outbox::table
        .filter(outbox::dedupe_key.eq(format!("report_received:{rid}")))
        .select(outbox::message_id)
        .first(&mut c)
        .unwrap();
    mid.trim_matches(|c| c == '<' || c == '>').to_string()
}

async fn mail_becomes_report_with_attachments_and_one_acknowledgement(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = upload(
        &app,
        Some(&h.token),
        "?organisation=oost",
        fixture("plain_nl.eml"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "report", "{v}");
    assert_eq!(v["acknowledged"], true);
    let reference = v["reference"].as_str().unwrap().to_string();

    let rep: Value = app
        .get(&format!("/api/v1/reports/{reference}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rep["channel"], "mailbox");
    assert_eq!(rep["contact_email"], "jan.jansen@example.nl");
    assert_eq!(rep["contact_name"], "Jan Jansen");
    assert_eq!(rep["language"], "nl");
    let d = rep["description"].as_str().unwrap();
    assert!(
        d.contains("Onderwerp: Brief voor mijn buurman ontvangen"),
        "{d}"
    );
    assert!(d.contains("voor mijn buurman bedoeld"), "{d}");
    // The fake JPEG (an executable) is not taken over, but named.
    assert!(d.contains("foto.jpg"), "{d}");

    let mut c = app.conn();
    let rid: String = reports::table
        .filter(reports::reference.eq(&reference))
        .select(reports::id)
        .first(&mut c)
        .unwrap();
    let types: Vec<String> = attachments::table
        .filter(attachments::report_id.eq(&rid))
        .select(attachments::content_type)
        .load(&mut c)
        .unwrap();
    assert_eq!(types, vec!["application/pdf"]);
    let (outcome, raw): (String, Vec<u8>) = mail_messages::table
        .filter(mail_messages::report_id.eq(&rid))
        .select((mail_messages::outcome, mail_messages::raw))
        .first(&mut c)
        .unwrap();
    assert_eq!(outcome, "report");
    assert_eq!(
        raw,
        fixture("plain_nl.eml"),
        "the raw message is kept byte for byte"
    );

    let sent = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == "jan.jansen@example.nl"))
        .await;
    let ack: Vec<_> = sent
        .iter()
        .filter(|m| m.to == "jan.jansen@example.nl")
        .collect();
    assert_eq!(ack.len(), 1);
    assert!(ack[0].subject.contains(&reference), "{}", ack[0].subject);
    assert!(ack[0].body_text.contains("Dank u wel"), "Dutch by default");

    // The same message again: stored once, no second report, no second acknowledgement.
    let v = upload_ok(&app, &h.token, fixture("plain_nl.eml")).await;
    assert_eq!(v["outcome"], "duplicate");
    let n: i64 = reports::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.sent_mail()
            .iter()
            .filter(|m| m.to == "jan.jansen@example.nl")
            .count(),
        1
    );

    // The PDF is not stored a second time: its row points into the raw message, and staff
    // download exactly the bytes the message carries (read out again, checked against the hash).
    let (att_id, data, size, sha, mail_id): (String, Vec<u8>, i64, String, Option<String>) =
        attachments::table
            .filter(attachments::report_id.eq(&rid))
            .select((
                attachments::id,
                attachments::data,
                attachments::size_bytes,
                attachments::sha256,
                attachments::mail_id,
            ))
            .first(&mut c)
            .unwrap();
    assert!(data.is_empty(), "no second copy of the bytes");
    let mail_id = mail_id.expect("the row names its message");
    let raw = fixture("plain_nl.eml");
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let pdf = parsed
        .attachments()
        .find(|p| mail_parser::MimeHeaders::attachment_name(*p) == Some("scan brief.pdf"))
        .unwrap()
        .contents()
        .to_vec();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(size as usize, pdf.len());
    {
        use sha2::Digest;
        assert_eq!(sha, hex::encode(sha2::Sha256::digest(&pdf)));
    }
    crate::staff_pages::sign_in(&app, "h@oost.nl").await;
    let download = |id: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url(&format!("/staff/attachments/{id}")))
                .send()
                .await
                .unwrap()
        }
    };
    let r = download(att_id.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf.as_slice());

    // A stored message whose bytes no longer match the hash gives no file (and no error page of
    // the server's); neither does one purged by retention.
    let tampered: Vec<u8> = String::from_utf8(raw.clone())
        .unwrap()
        .replacen("JVBERi0", "JVBERi1", 1)
        .into_bytes();
    assert_ne!(tampered, raw);
    for stored in [tampered, vec![]] {
        diesel::update(mail_messages::table.find(&mail_id))
            .set(mail_messages::raw.eq(&stored))
            .execute(&mut c)
            .unwrap();
        let r = download(att_id.clone()).await;
        assert_eq!(r.status(), 404, "stored {} bytes", stored.len());
    }
}
both!(mail_becomes_report_with_attachments_and_one_acknowledgement);

async fn english_html_mail_is_acknowledged_in_english_and_forwarded_mail_is_evidence(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let v = upload_ok(&app, &h.token, fixture("html_only_en.eml")).await;
    assert_eq!(v["outcome"], "report");
    let sent = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == "mary.smith@example.org"))
        .await;
    let ack = sent
        .iter()
        .find(|m| m.to == "mary.smith@example.org")
        .unwrap();
    assert!(
        ack.body_text.contains("Thank you for your report"),
        "{}",
        ack.body_text
    );

    let v = upload_ok(&app, &h.token, fixture("forwarded.eml")).await;
    let reference = v["reference"].as_str().unwrap();
    let rep: Value = app
        .get(&format!("/api/v1/reports/{reference}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let d = rep["description"].as_str().unwrap();
    assert!(d.contains("Doorgestuurd bericht"), "{d}");
    assert!(d.contains("sociale.zaken@gemeente.example"), "{d}");
    assert!(d.contains("Klaas Klaassen <klaas@example.net>"), "{d}");
    assert_eq!(rep["received_via"], "email");
    let mut c = app.conn();
    let n: i64 = attachments::table
        .inner_join(reports::table.on(reports::id.eq(attachments::report_id)))
        .filter(reports::reference.eq(reference))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 2, "the inline image and the forwarded mail's PDF");
}
both!(english_html_mail_is_acknowledged_in_english_and_forwarded_mail_is_evidence);

async fn replies_join_reports_and_incidents_and_bounces_fail_the_outbox_row(app: TestApp) {
    let org = app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let v = upload_ok(&app, &h.token, fixture("plain_nl.eml")).await;
    let reference = v["reference"].as_str().unwrap().to_string();
    app.wait_for_mail(|m| m.iter().any(|m| m.to == "jan.jansen@example.nl"))
        .await;
    let mut c = app.conn();

    // By the reference in the subject.
    let raw = String::from_utf8(fixture("reply_subject.eml"))
        .unwrap()
        .replace("M-2026-000001", &reference);
    let v = upload_ok(&app, &h.token, raw.into_bytes()).await;
    assert_eq!(v["outcome"], "joined_report", "{v}");
    assert_eq!(v["reference"], reference.as_str());

    // By In-Reply-To: the Message-ID of our acknowledgement.
    let mid = ack_message_id(&app, &reference);
    let raw = String::from_utf8(fixture("reply_header.eml"))
        .unwrap()
        .replace("REPLACE-ME@meldpunt.test", &mid);
    let v = upload_ok(&app, &h.token, raw.into_bytes()).await;
    assert_eq!(v["outcome"], "joined_report", "{v}");
    let bodies: Vec<String> = report_messages::table
        .inner_join(reports::table.on(reports::id.eq(report_messages::report_id)))
        .filter(reports::reference.eq(&reference))
        .select(report_messages::body)
        .load(&mut c)
        .unwrap();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().any(|b| b.contains("vernietigd")));
    assert!(bodies.iter().any(|b| b.contains("aanvulling")));
    let n: i64 = reports::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1, "replies are not new reports");
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("report.mail_received"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(audited, 2);

    // An incident reference in the subject joins the incident, audited.
    let inc = app.open_incident(&h, "oost", 1).await;
    let iref = inc["reference"].as_str().unwrap();
    let raw = format!(
        "From: Jan <jan.jansen@example.nl>\r\nSubject: Vraag over {iref}\r\nMessage-ID: <inc-1@example.nl>\r\n\r\nHoe staat het ervoor?\r\n"
    );
    let v = upload_ok(&app, &h.token, raw.into_bytes()).await;
    assert_eq!(v["outcome"], "joined_incident", "{v}");
    assert_eq!(v["reference"], iref);
    let iid = inc["id"].as_str().unwrap();
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("incident.mail_received"))
        .filter(audit_log::entity_id.eq(iid))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 1);
    let linked: i64 = mail_messages::table
        .filter(mail_messages::incident_id.eq(iid))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(linked, 1);

    // A bounce of our acknowledgement marks its outbox row failed, with the reason.
    let raw = String::from_utf8(fixture("bounce.eml"))
        .unwrap()
        .replace("REPLACE-ME@meldpunt.test", &mid);
    let v = upload_ok(&app, &h.token, raw.into_bytes()).await;
    assert_eq!(v["outcome"], "bounce", "{v}");
    let (status, err): (String, Option<String>) = outbox::table
        .filter(outbox::message_id.eq(format!("<{mid}>")))
        .select((outbox::status, outbox::last_error))
        .first(&mut c)
        .unwrap();
    assert_eq!(status, "failed");
    assert!(err.unwrap().contains("User unknown"));
    assert!(v["outbox_id"].as_str().is_some(), "{v}");

    // Auto-replies and our own mail: stored, no report, no acknowledgement.
    let before = app.sent_mail().len();
    for (f, want) in [
        ("autoreply.eml", "auto_reply"),
        ("out_of_office.eml", "auto_reply"),
        ("bulk.eml", "auto_reply"),
        ("own.eml", "own"),
    ] {
        let v = upload_ok(&app, &h.token, fixture(f)).await;
        assert_eq!(v["outcome"], want, "{f}: {v}");
    }
    let n: i64 = reports::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.sent_mail().len(), before);
    let stored: i64 = mail_messages::table
        .filter(mail_messages::organisation_id.eq(&org))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(stored, 9);
}
both!(replies_join_reports_and_incidents_and_bounces_fail_the_outbox_row);

async fn a_forged_message_id_never_overwrites_the_other(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let first = upload_ok(&app, &h.token, fixture("plain_nl.eml")).await;
    let forged = String::from_utf8(fixture("html_only_en.eml"))
        .unwrap()
        .replace("<html-en-1@example.org>", "<plain-nl-1@example.nl>");
    let second = upload_ok(&app, &h.token, forged.clone().into_bytes()).await;
    assert_eq!(second["outcome"], "report");
    assert_eq!(second["id_collision"], true);
    assert_ne!(second["reference"], first["reference"]);
    // Each of the two, sent again, is a duplicate.
    assert_eq!(
        upload_ok(&app, &h.token, forged.into_bytes()).await["outcome"],
        "duplicate"
    );
    assert_eq!(
        upload_ok(&app, &h.token, fixture("plain_nl.eml")).await["outcome"],
        "duplicate"
    );
    let mut c = app.conn();
    let rows: Vec<(String, bool)> = mail_messages::table
        .filter(mail_messages::message_id.eq("plain-nl-1@example.nl"))
        .select((mail_messages::content_sha256, mail_messages::id_collision))
        .load(&mut c)
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].0, rows[1].0);
    assert_eq!(rows.iter().filter(|r| r.1).count(), 1);
}
both!(a_forged_message_id_never_overwrites_the_other);

async fn upload_is_refused_to_strangers_and_checked(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let r = upload(&app, None, "?organisation=oost", fixture("plain_nl.eml")).await;
    assert_problem(r, 401, None).await;
    let r = upload(
        &app,
        Some("nonsense"),
        "?organisation=oost",
        fixture("plain_nl.eml"),
    )
    .await;
    assert_problem(r, 401, None).await;
    let r = upload(
        &app,
        Some(&fg.token),
        "?organisation=oost",
        fixture("plain_nl.eml"),
    )
    .await;
    assert_problem(r, 403, None).await;
    let r = upload(
        &app,
        Some(&h.token),
        "?organisation=west",
        fixture("plain_nl.eml"),
    )
    .await;
    assert_problem(r, 422, Some("organisation")).await;
    let r = upload(&app, Some(&h.token), "", fixture("plain_nl.eml")).await;
    assert_problem(r, 422, Some("organisation")).await;
    let r = app
        .client
        .post(app.url("/api/v1/mail?organisation=oost"))
        .bearer_auth(&h.token)
        .header("Content-Type", "text/plain")
        .body("From: a@b.nl\r\n\r\nx")
        .send()
        .await
        .unwrap();
    assert_problem(r, 415, None).await;
    let mut c = app.conn();
    let n: i64 = mail_messages::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 0, "nothing stored from refused uploads");
}
both!(upload_is_refused_to_strangers_and_checked);

async fn quarantine_is_visible_to_staff_of_the_organisation_only(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("w@west.nl", &[("west", Role::Handler)]);
    let v = upload_ok(&app, &h.token, fixture("no_headers.eml")).await;
    assert_eq!(v["outcome"], "quarantined");
    assert!(v["reason"].as_str().unwrap().contains("no headers"));
    let mail_id = v["mail_id"].as_str().unwrap().to_string();

    let list: Value = app
        .get("/api/v1/mail/quarantine", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert!(items[0]["reason"].as_str().unwrap().contains("no headers"));
    let raw = app
        .get(&format!("/api/v1/mail/{mail_id}/raw"), Some(&h.token))
        .await;
    assert_eq!(raw.status(), 200);
    assert_eq!(
        raw.bytes().await.unwrap().to_vec(),
        fixture("no_headers.eml")
    );

    let other: Value = app
        .get("/api/v1/mail/quarantine", Some(&w.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other.as_array().unwrap().len(), 0);
    let r = app
        .get(&format!("/api/v1/mail/{mail_id}/raw"), Some(&w.token))
        .await;
    assert_problem(r, 404, None).await;
    let r = app
        .get("/api/v1/mail/quarantine?organisation=oost", Some(&w.token))
        .await;
    assert_problem(r, 404, None).await;
    let r = app.get("/api/v1/mail/quarantine", None).await;
    assert_problem(r, 401, None).await;

    // A message on which mail-parser itself panics (found by fuzzing): quarantined, not a 500.
    let v = upload_ok(&app, &h.token, fixture("fuzz_parser_panic.eml")).await;
    assert_eq!(v["outcome"], "quarantined", "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("MIME structure"),
        "{v}"
    );
    let v = upload_ok(&app, &h.token, fixture("plain_nl.eml")).await;
    assert_eq!(v["outcome"], "report", "the next message goes on: {v}");
}
both!(quarantine_is_visible_to_staff_of_the_organisation_only);

async fn hostile_mail_ends_in_quarantine_or_a_report_and_the_next_goes_on(app: TestApp) {
    let org = app.create_org("oost");
    let ctx = ctx(&app, Some(org));
    let pool = app.state.pool.clone();
    let outcomes = tokio::task::spawn_blocking(move || {
        let mut c = pool.get().unwrap();
        let mut out = vec![];
        // 50 MB: over the 25 MB limit, kept raw in the quarantine.
        let mut big = b"From: groot@example.nl\r\nSubject: groot\r\nMessage-ID: <big@example.nl>\r\n\r\n".to_vec();
        big.resize(50 * 1024 * 1024, b'a');
        out.push(service::ingest_or_quarantine(&mut c, &big, &ctx).unwrap().outcome);
        drop(big);
        // 10,000 parts.
        let mut many = String::from("From: veel@example.nl\r\nSubject: veel\r\nMessage-ID: <many@example.nl>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for i in 0..10_000 {
            many.push_str(&format!("--b\r\nContent-Type: text/plain\r\n\r\ndeel {i}\r\n"));
        }
        many.push_str("--b--\r\n");
        out.push(service::ingest_or_quarantine(&mut c, many.as_bytes(), &ctx).unwrap().outcome);
        // NUL bytes in headers and body (PostgreSQL refuses NUL in text: they must be cleaned).
        let nul = b"From: Ja\x00n <jan@example.nl>\r\nSubject: Brief\x00 ontvangen\r\nMessage-ID: <nul\x00@example.nl>\r\n\r\nIk kreeg\x00 een brief.\r\n";
        out.push(service::ingest_or_quarantine(&mut c, nul, &ctx).unwrap().outcome);
        // No Date, no From, no Message-ID.
        let bare = b"Subject: zonder afzender\r\n\r\nIk kreeg een brief die niet voor mij was.\r\n";
        out.push(service::ingest_or_quarantine(&mut c, bare, &ctx).unwrap().outcome);
        out.push(service::ingest_or_quarantine(&mut c, bare, &ctx).unwrap().outcome);
        // Malformed MIME, garbage, and then an ordinary message still goes through.
        out.push(service::ingest_or_quarantine(&mut c, &fixture("malformed.eml"), &ctx).unwrap().outcome);
        out.push(service::ingest_or_quarantine(&mut c, &fixture("no_headers.eml"), &ctx).unwrap().outcome);
        out.push(service::ingest_or_quarantine(&mut c, &fixture("plain_nl.eml"), &ctx).unwrap().outcome);
        out
    })
    .await
    .unwrap();
    let kinds: Vec<String> = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Quarantined { reason } => format!("quarantined: {reason}"),
            Outcome::Report { acknowledged, .. } => format!("report ack={acknowledged}"),
            o => format!("{o:?}"),
        })
        .collect();
    assert!(
        kinds[0].starts_with("quarantined") && kinds[0].contains("exceeds the limit"),
        "{kinds:?}"
    );
    assert!(
        kinds[1].starts_with("quarantined") && kinds[1].contains("MIME parts"),
        "{kinds:?}"
    );
    assert_eq!(kinds[2], "report ack=true", "{kinds:?}");
    assert_eq!(
        kinds[3], "report ack=false",
        "no sender, no acknowledgement: {kinds:?}"
    );
    assert_eq!(
        outcomes[4],
        Outcome::Duplicate,
        "same bytes without Message-ID: stored once"
    );
    assert_eq!(
        kinds[5], "report ack=true",
        "malformed but readable: {kinds:?}"
    );
    assert!(kinds[6].starts_with("quarantined"), "{kinds:?}");
    assert_eq!(kinds[7], "report ack=true", "{kinds:?}");
    let mut c = app.conn();
    let big: i64 = mail_messages::table
        .filter(mail_messages::message_id.like("sha256:%"))
        .filter(mail_messages::outcome.eq("quarantined"))
        .select(mail_messages::size_bytes)
        .order(mail_messages::size_bytes.desc())
        .first(&mut c)
        .unwrap();
    assert_eq!(big, 50 * 1024 * 1024, "the oversized message is kept raw");
}
both!(hostile_mail_ends_in_quarantine_or_a_report_and_the_next_goes_on);

async fn maildir_is_read_once_by_several_workers(app: TestApp) {
    let org = app.create_org("oost");
    let ctx = ctx(&app, Some(org));
    let dir = tempfile::tempdir().unwrap();
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    for i in 0..12 {
        let raw = format!(
            "From: melder{i}@example.nl\r\nSubject: Brief {i}\r\nMessage-ID: <md-{i}@example.nl>\r\n\r\nIk kreeg brief nummer {i} van een ander.\r\n"
        );
        std::fs::write(dir.path().join(format!("new/1700000000.{i}.host")), raw).unwrap();
    }
    let mut handles = vec![];
    for _ in 0..3 {
        let (pool, path, ctx) = (
            app.state.pool.clone(),
            dir.path().to_path_buf(),
            ctx.clone(),
        );
        handles.push(tokio::task::spawn_blocking(move || {
            let mut c = pool.get().unwrap();
            meldpunt::mailbox::maildir::poll_once(&mut c, &path, &ctx).unwrap()
        }));
    }
    let mut handled = 0;
    for h in handles {
        for (_, r) in h.await.unwrap() {
            let r = r.unwrap();
            assert!(
                matches!(r.outcome, Outcome::Report { .. }),
                "{:?}",
                r.outcome
            );
            handled += 1;
        }
    }
    assert_eq!(handled, 12, "each message taken by exactly one worker");
    assert_eq!(
        std::fs::read_dir(dir.path().join("new")).unwrap().count(),
        0
    );
    let cur: Vec<String> = std::fs::read_dir(dir.path().join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(cur.len(), 12);
    assert!(cur.iter().all(|n| n.ends_with(":2,S")), "{cur:?}");
    let mut c = app.conn();
    let n: i64 = reports::table
        .filter(reports::channel.eq("mailbox"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 12);
}
both!(maildir_is_read_once_by_several_workers);

async fn gateway_token(kind: Db) {
    let Some(app) = spawn_app_with(kind, |s| {
        s.mailbox.gateway_token = "gw-secret-token-0123456789".into();
        s.mailbox.organisation = "oost".into();
    })
    .await
    else {
        return;
    };
    app.create_org("oost");
    app.create_org("west");
    let r = upload(
        &app,
        Some("gw-secret-token-0123456789"),
        "",
        fixture("plain_nl.eml"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = upload(
        &app,
        Some("gw-secret-token-0123456789"),
        "?organisation=west",
        fixture("html_only_en.eml"),
    )
    .await;
    assert_problem(r, 422, Some("organisation")).await;
    let r = upload(
        &app,
        Some("gw-secret-token-wrong"),
        "",
        fixture("html_only_en.eml"),
    )
    .await;
    assert_problem(r, 401, None).await;
    let mut c = app.conn();
    let orgs: Vec<Option<String>> = mail_messages::table
        .select(mail_messages::organisation_id)
        .load(&mut c)
        .unwrap();
    assert_eq!(orgs.len(), 1);
    assert!(orgs[0].is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_token_sqlite() {
    gateway_token(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_token_postgres() {
    gateway_token(Db::Postgres).await
}

async fn cli_ingests_eml_mbox_and_stdin(kind: Db) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let Some(app) = spawn_app_with(kind, |_| {}).await else {
        return;
    };
    app.create_org("oost");
    let dir = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str], stdin: Option<&[u8]>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
            .args(args)
            .current_dir(tempfile::tempdir().unwrap().path())
            .env("MELDPUNT__DATABASE__URL", &app.db.url)
            // The service's key (as in `test_settings`): audit records are keyed with it.
            .env(
                "MELDPUNT__SECURITY__SECRET_KEY",
                "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
            )
            .env("MELDPUNT__MAIL__FROM", "Meldpunt <meldpunt@meldpunt.test>")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s).unwrap();
        }
        drop(child.stdin.take());
        let o = child.wait_with_output().unwrap();
        (
            o.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    let f = |n: &str| format!("{dir}/tests/fixtures/mail/{n}");
    let (code, out) = run(
        &[
            "mail",
            "ingest",
            "--org",
            "oost",
            &f("plain_nl.eml"),
            &f("mbox_two.mbox"),
            &f("autoreply.eml"),
            &f("own.eml"),
            &f("no_headers.eml"),
            &f("plain_nl.eml"),
            "-",
        ],
        Some(&fixture("html_only_en.eml")),
    );
    assert_eq!(code, Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8, "{out}");
    assert!(lines[0].contains("plain_nl.eml: new report M-"), "{out}");
    assert!(lines[1].contains("mbox_two.mbox#1: new report M-"), "{out}");
    assert!(lines[2].contains("mbox_two.mbox#2: new report M-"), "{out}");
    assert!(lines[3].contains("auto-reply ignored"), "{out}");
    assert!(lines[4].contains("own address"), "{out}");
    assert!(
        lines[5].contains("quarantined: not an e-mail message"),
        "{out}"
    );
    assert!(lines[6].contains("duplicate"), "{out}");
    assert!(lines[7].starts_with("stdin: new report M-"), "{out}");
    let (code, out) = run(
        &["mail", "ingest", "--org", "nergens", &f("plain_nl.eml")],
        None,
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("no organisation"), "{out}");
    let mut c = app.conn();
    let body: String = reports::table
        .filter(reports::description.like("%Eerste%"))
        .select(reports::description)
        .first(&mut c)
        .unwrap();
    assert!(
        body.contains("From here on it is quoted."),
        "mbox >From unquoted: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_ingest_sqlite() {
    cli_ingests_eml_mbox_and_stdin(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_ingest_postgres() {
    cli_ingests_eml_mbox_and_stdin(Db::Postgres).await
}

/// A Dovecot of the test's own: config, users and mail in a temp dir, on a free port of
/// 127.0.0.1, running as the current user, stopped on drop.
struct Dovecot {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<std::process::Child>,
    /// Owner of the mail folders.
    mail_uid: u32,
    /// Implicit TLS (imaps) port when started with TLS, else 0.
    tls_port: u16,
}

const DOVECOT: &str = "/usr/sbin/dovecot";

impl Dovecot {
    /// None (and a SKIPPED note) when Dovecot is not installed, unless MELDPUNT_REQUIRE_IMAP=1.
    fn start() -> Option<Dovecot> {
        Dovecot::start_with(false)
    }

    /// With TLS required: a certificate for 127.0.0.1 signed by a CA made for the test
    /// (`ca.pem` in its folder), STARTTLS on the IMAP port and implicit TLS on `tls_port`.
    fn start_tls() -> Option<Dovecot> {
        Dovecot::start_with(true)
    }

    fn start_with(tls: bool) -> Option<Dovecot> {
        if !std::path::Path::new(DOVECOT).exists() {
            if std::env::var("MELDPUNT_REQUIRE_IMAP").as_deref() == Ok("1") {
                panic!("MELDPUNT_REQUIRE_IMAP=1 but {DOVECOT} is missing (apt-get install dovecot-core dovecot-imapd)");
            }
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\nNOTE: IMAP tests SKIPPED: {DOVECOT} is not installed (apt-get install dovecot-core dovecot-imapd).\n"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tls_port = if tls {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        } else {
            0
        };
        let d = dir.path().display().to_string();
        let ssl = if tls {
            test_ca(dir.path(), "ca", Some("server"));
            format!("ssl = required\nssl_cert = <{d}/server.pem\nssl_key = <{d}/server.key\n")
        } else {
            "ssl = no\n".to_string()
        };
        let imaps = if tls {
            format!("address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes")
        } else {
            "port = 0".to_string()
        };
        let me = unsafe { libc::getuid() };
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        // Dovecot runs as the current user. As root it will not run its login process or touch
        // mail as root: then the login process runs as Debian's dovenull, internal services as
        // dovecot, and the mail user is nobody, owning the test's mail folders.
        let (login_user, internal_user, uid, gid) = if me == 0 {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            for sub in ["mail", "home"] {
                let p = std::ffi::CString::new(format!("{d}/{sub}")).unwrap();
                unsafe { libc::chown(p.as_ptr(), 65534, 65534) };
            }
            ("dovenull".to_string(), "dovecot".to_string(), 65534, 65534)
        } else {
            (user.clone(), user.clone(), me, unsafe { libc::getgid() })
        };
        std::fs::write(
            dir.path().join("passwd"),
            format!("meldpunt:{{PLAIN}}imap-test-password:{uid}:{gid}::{d}/home/meldpunt::\n"),
        )
        .unwrap();
        let conf = format!(
            r#"base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_user}
mail_location = maildir:{d}/mail/%u
passdb {{
  driver = passwd-file
  args = {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = {d}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    {imaps}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"#
        );
        std::fs::write(dir.path().join("dovecot.conf"), conf).unwrap();
        let mut dc = Dovecot {
            dir,
            port,
            child: None,
            mail_uid: uid,
            tls_port,
        };
        dc.spawn();
        Some(dc)
    }

    fn spawn(&mut self) {
        let child = std::process::Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(self.dir.path().join("dovecot.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start dovecot");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default();
        panic!("dovecot did not listen on {}: {log}", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Wait until the port is free again (child processes end with the master).
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Deliver a message into the user's INBOX (Maildir new/).
    fn deliver(&self, name: &str, raw: &[u8]) {
        let base = self.dir.path().join("mail/meldpunt");
        for sub in ["", "new", "cur", "tmp"] {
            let p = base.join(sub);
            if !p.exists() {
                std::fs::create_dir_all(&p).unwrap();
                let c = std::ffi::CString::new(p.display().to_string()).unwrap();
                unsafe { libc::chown(c.as_ptr(), self.mail_uid, self.mail_uid) };
            }
        }
        std::fs::write(base.join(format!("new/{name}.test")), raw).unwrap();
    }

    fn count(&self, folder: &str) -> usize {
        let base = self.dir.path().join("mail/meldpunt");
        let base = if folder == "INBOX" {
            base
        } else {
            base.join(format!(".{folder}"))
        };
        ["new", "cur"]
            .iter()
            .map(|s| {
                std::fs::read_dir(base.join(s))
                    .map(|r| r.count())
                    .unwrap_or(0)
            })
            .sum()
    }

    fn account(&self) -> meldpunt::config::ImapAccount {
        meldpunt::config::ImapAccount {
            name: "test".into(),
            host: "127.0.0.1".into(),
            port: self.port,
            tls: "none".into(),
            user: "meldpunt".into(),
            password: "imap-test-password".into(),
            password_env: String::new(),
            folder: "INBOX".into(),
            processed_folder: "Processed".into(),
            organisation: "oost".into(),
            ca_file: String::new(),
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A CA made with the openssl command line in `dir` (`{ca}.pem`, `{ca}.key`) and, if asked, a
/// server certificate it signs for 127.0.0.1 and localhost (`{server}.pem`, `{server}.key`).
fn test_ca(dir: &std::path::Path, ca: &str, server: Option<&str>) {
    let openssl = |args: &[&str]| {
        let o = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl (apt-get install openssl) makes the test certificates");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let (ca_key, ca_pem) = (format!("{ca}.key"), format!("{ca}.pem"));
    let subj = format!("/CN=Meldpunt test CA {ca}");
    let mut args = vec!["req", "-x509"];
    args.extend(ec);
    args.extend([
        "-keyout", &ca_key, "-out", &ca_pem, "-days", "2", "-subj", &subj,
    ]);
    args.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
    args.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl(&args);
    let Some(server) = server else {
        return;
    };
    let (key, csr, pem) = (
        format!("{server}.key"),
        format!("{server}.csr"),
        format!("{server}.pem"),
    );
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=127.0.0.1"]);
    openssl(&args);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca_pem,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        &pem,
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
}

fn numbered(i: usize) -> Vec<u8> {
    format!(
        "From: imap{i}@example.nl\r\nSubject: Brief {i}\r\nMessage-ID: <imap-{i}@example.nl>\r\n\r\nIk kreeg brief {i}, die was niet voor mij.\r\n"
    )
    .into_bytes()
}

async fn imap_messages_are_taken_once_and_the_worker_survives_a_restart(app: TestApp) {
    let Some(mut dc) = Dovecot::start() else {
        return;
    };
    let org = app.create_org("oost");
    let ctx = ctx(&app, Some(org));
    for i in 0..5 {
        dc.deliver(&format!("m{i}"), &numbered(i));
    }
    dc.deliver("junk", &fixture("no_headers.eml"));
    let account = dc.account();
    let max = app.state.settings.mailbox.max_message_bytes;
    // Two instances at once on the same mailbox.
    let (a, b) = tokio::join!(
        meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max),
        meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max)
    );
    let all: Vec<Outcome> = a
        .unwrap()
        .into_iter()
        .chain(b.unwrap())
        .map(|i| i.outcome)
        .collect();
    let reports = all
        .iter()
        .filter(|o| matches!(o, Outcome::Report { .. }))
        .count();
    assert_eq!(reports, 5, "{all:?}");
    assert_eq!(
        all.iter()
            .filter(|o| matches!(o, Outcome::Quarantined { .. }))
            .count(),
        1,
        "{all:?}"
    );
    assert!(all.iter().all(|o| matches!(
        o,
        Outcome::Report { .. } | Outcome::Quarantined { .. } | Outcome::Duplicate
    )));
    assert_eq!(dc.count("INBOX"), 0, "everything moved out of the inbox");
    // Both instances may move the same message in the same instant (Dovecot lets both): the
    // processed folder may then hold a copy twice; the database holds each message once.
    assert!(dc.count("Processed") >= 6);
    let again = meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max)
        .await
        .unwrap();
    assert!(again.is_empty(), "nothing is taken twice");

    // The worker: a server restart in the middle is survived.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut settings = (*app.state.settings).clone();
    settings.mailbox.organisation = "oost".into();
    let worker = tokio::spawn(meldpunt::mailbox::imap::run(
        app.state.pool.clone(),
        settings,
        account.clone(),
        std::time::Duration::from_millis(200),
        stop_rx,
    ));
    dc.deliver("m5", &numbered(5));
    let count_reports = || {
        let mut c = app.conn();
        reports::table
            .filter(reports::channel.eq("mailbox"))
            .count()
            .get_result::<i64>(&mut c)
            .unwrap()
    };
    let mut n = 0;
    for _ in 0..100 {
        n = count_reports();
        if n == 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(n, 6);
    dc.stop();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    dc.deliver("m6", &numbered(6));
    dc.spawn();
    for _ in 0..150 {
        n = count_reports();
        if n == 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(n, 7, "taken in after the server came back");
    stop_tx.send(true).unwrap();
    worker.await.unwrap();
    assert_eq!(dc.count("INBOX"), 0);
}
both!(imap_messages_are_taken_once_and_the_worker_survives_a_restart);

/// A BSN-like number that passes the eleven-test, made here (no real person's number in the repo).
fn generated_bsn(seed: u32) -> String {
    for n in seed * 100..seed * 100 + 100 {
        let s = format!("{:08}", 10_000_000 + n % 89_999_999);
        let d: Vec<i32> = s.bytes().map(|b| (b - b'0') as i32).collect();
        let sum: i32 = d.iter().enumerate().map(|(i, x)| x * (9 - i as i32)).sum();
        let check = sum % 11;
        if check <= 9 && sum != 0 {
            return format!("{s}{check}");
        }
    }
    unreachable!()
}

async fn personal_data_in_mail_is_detected_and_masked_in_lists(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let bsn = generated_bsn(4242);
    assert!(meldpunt::assessment::detect::is_valid_bsn(&bsn), "{bsn}");
    let raw = format!(
        "From: Jan <jan.jansen@example.nl>\r\nSubject: Brief met BSN\r\nMessage-ID: <bsn-1@example.nl>\r\n\r\nIn de brief staat het BSN {bsn} van mijn buurman.\r\n"
    );
    let v = upload_ok(&app, &h.token, raw.into_bytes()).await;
    let reference = v["reference"].as_str().unwrap();
    let rep: Value = app
        .get(&format!("/api/v1/reports/{reference}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rep["data_kinds"], serde_json::json!(["bsn"]));
    let list: Value = app
        .get("/api/v1/reports?channel=mailbox", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let excerpt = list[0]["excerpt"].as_str().unwrap();
    assert!(!excerpt.contains(&bsn), "{excerpt}");
    let mut c = app.conn();
    let details: String = mail_messages::table
        .select(mail_messages::details_json)
        .first(&mut c)
        .unwrap();
    let d: Value = serde_json::from_str(&details).unwrap();
    assert!(
        d["proposed_categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "bsn"),
        "{d}"
    );
}
both!(personal_data_in_mail_is_detected_and_masked_in_lists);

/// A message with PDF attachments (name, bytes).
fn mail_with_pdfs(head: &str, text: &str, pdfs: &[(&str, &[u8])]) -> Vec<u8> {
    use base64::Engine;
    let mut m = format!(
        "{head}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    );
    for (name, data) in pdfs {
        m.push_str(&format!(
            "--b0\r\nContent-Type: application/pdf; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64::engine::general_purpose::STANDARD.encode(data)
        ));
    }
    m.push_str("--b0--\r\n");
    m.into_bytes()
}

/// The `href`s on a page that start with `prefix`.
fn links(html: &str, prefix: &str) -> Vec<String> {
    html.match_indices(&format!("href=\"{prefix}"))
        .map(|(i, _)| {
            let rest = &html[i + 6..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

async fn mail_replies_show_on_the_incident_and_report_pages_for_their_organisation_only(
    app: TestApp,
) {
    use crate::staff_pages::{get, get_ok, post, sign_in};
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let v = upload_ok(&app, &h.token, fixture("plain_nl.eml")).await;
    let reference = v["reference"].as_str().unwrap().to_string();

    // A citizen's reply to our acknowledgement, with a scan.
    let mid = ack_message_id(&app, &reference);
    let scan: &[u8] = b"%PDF-1.4\nscan van de brief\n%%EOF\n";
    let raw = mail_with_pdfs(
        &format!("From: Jan Jansen <jan.jansen@example.nl>\r\nTo: meldpunt@meldpunt.test\r\nSubject: Re: uw melding\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <reply-scan@example.nl>\r\nIn-Reply-To: <{mid}>\r\n"),
        "Hierbij de scan van de brief.",
        &[("scan.pdf", scan)],
    );
    assert_eq!(
        upload_ok(&app, &h.token, raw).await["outcome"],
        "joined_report"
    );

    // Two follow-ups on an incident (its reference in the subject), the second with a file.
    let inc = app.open_incident(&h, "oost", 1).await;
    let (iid, iref) = (
        inc["id"].as_str().unwrap().to_string(),
        inc["reference"].as_str().unwrap().to_string(),
    );
    let raw = format!(
        "From: Verwerker <support@verwerker.example>\r\nSubject: Eerste vraag over {iref}\r\nDate: Mon, 23 Nov 2026 11:00:00 +0100\r\nMessage-ID: <inc-a@verwerker.example>\r\n\r\nWanneer hoort u meer?\r\n"
    );
    assert_eq!(
        upload_ok(&app, &h.token, raw.into_bytes()).await["outcome"],
        "joined_incident"
    );
    let logboek: &[u8] = b"%PDF-1.4\nlogboek van de verwerker\n%%EOF\n";
    let raw = mail_with_pdfs(
        &format!("From: Verwerker <support@verwerker.example>\r\nSubject: Tweede bericht over {iref}\r\nDate: Mon, 23 Nov 2026 12:00:00 +0100\r\nMessage-ID: <inc-b@verwerker.example>\r\n"),
        "Het logboek zit in de bijlage.",
        &[("logboek.pdf", logboek)],
    );
    assert_eq!(
        upload_ok(&app, &h.token, raw).await["outcome"],
        "joined_incident"
    );

    sign_in(&app, "h@oost.nl").await;
    let page = get_ok(&app, &format!("/staff/incidents/{iid}")).await;
    let (a, b) = (
        page.find("Tweede bericht over")
            .expect("newest reply shown"),
        page.find("Eerste vraag over").expect("older reply shown"),
    );
    assert!(a < b, "newest first");
    assert!(page.contains("Het logboek zit in de bijlage."));
    assert!(page.contains("Wanneer hoort u meer?"));
    // The sender masked, as elsewhere in lists on this page.
    assert!(page.contains("s***@verwerker.example"), "{page}");
    assert!(!page.contains("support@verwerker.example"));
    let inc_files = links(&page, "/staff/mail/");
    assert_eq!(inc_files.len(), 1, "{inc_files:?}");
    let r = app.client.get(app.url(&inc_files[0])).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), logboek);

    let page = get_ok(&app, &format!("/staff/reports/{reference}")).await;
    assert!(page.contains("Hierbij de scan van de brief."), "{page}");
    assert!(page.contains("jan.jansen@example.nl"));
    let rep_files = links(&page, "/staff/mail/");
    assert_eq!(rep_files.len(), 1, "{rep_files:?}");
    let r = app.client.get(app.url(&rep_files[0])).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), scan);

    // The JSON view of the incident's mail: newest first, with download URLs for API tokens.
    let list: Value = app
        .get(&format!("/api/v1/incidents/{iid}/mail"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(list[0]["subject"].as_str().unwrap().starts_with("Tweede"));
    assert_eq!(list[0]["attachments"][0]["filename"], "logboek.pdf");
    let url = list[0]["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get(&url, Some(&h.token)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), logboek);

    // Another organisation's staff: nothing of it exists.
    assert_problem(app.get(&url, Some(&w.token)).await, 404, None).await;
    assert_problem(
        app.get(&format!("/api/v1/incidents/{iid}/mail"), Some(&w.token))
            .await,
        404,
        None,
    )
    .await;
    // Without a token or session (a client without the signed-in cookie): 401.
    let bare = reqwest::Client::new();
    for path in [format!("/api/v1/incidents/{iid}/mail"), url.clone()] {
        let r = bare.get(app.url(&path)).send().await.unwrap();
        assert_problem(r, 401, None).await;
    }
    let html = get_ok(&app, "/staff/inbox").await;
    let csrf = crate::staff_pages::csrf_of(&html);
    assert_eq!(
        post(&app, "/staff/logout", &[("csrf", &csrf)])
            .await
            .status(),
        303
    );
    sign_in(&app, "h@west.nl").await;
    for path in [
        format!("/staff/incidents/{iid}"),
        format!("/staff/reports/{reference}"),
        inc_files[0].clone(),
        rep_files[0].clone(),
    ] {
        let (status, body) = get(&app, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("logboek") && !body.contains("scan van de brief"));
    }
}
both!(mail_replies_show_on_the_incident_and_report_pages_for_their_organisation_only);

/// A clamd of the test's own: a database folder holding only the test's signature (no virus
/// database is downloaded), a UNIX socket in a temp dir; stopped on drop.
struct Clamd {
    dir: tempfile::TempDir,
    child: std::process::Child,
}

const CLAMD: &str = "/usr/sbin/clamd";
/// A harmless marker the test signature matches.
const MARKER: &str = "MELDPUNT-CLAMAV-TESTMARKER-7f3a";

impl Clamd {
    /// None (and a SKIPPED note) when clamd is not installed, unless MELDPUNT_REQUIRE_CLAMAV=1.
    fn start() -> Option<Clamd> {
        Clamd::start_with("")
    }

    /// As [`Clamd::start`], with more lines for clamd.conf.
    fn start_with(extra_conf: &str) -> Option<Clamd> {
        if !std::path::Path::new(CLAMD).exists() {
            if std::env::var("MELDPUNT_REQUIRE_CLAMAV").as_deref() == Ok("1") {
                panic!("MELDPUNT_REQUIRE_CLAMAV=1 but {CLAMD} is missing (apt-get install clamav-daemon)");
            }
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\nNOTE: ClamAV test SKIPPED: {CLAMD} is not installed (apt-get install clamav-daemon).\n"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        std::fs::create_dir_all(dir.path().join("db")).unwrap();
        let hex: String = MARKER.bytes().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            dir.path().join("db/meldpunt-test.ndb"),
            format!("Meldpunt.Test.Marker:0:*:{hex}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("clamd.conf"),
            format!(
                "LocalSocket {d}/clamd.sock\nDatabaseDirectory {d}/db\nTemporaryDirectory {d}\nLogFile {d}/clamd.log\nForeground yes\n{extra_conf}"
            ),
        )
        .unwrap();
        let child = std::process::Command::new(CLAMD)
            .arg("-c")
            .arg(dir.path().join("clamd.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let c = Clamd { dir, child };
        for _ in 0..300 {
            if let Ok(mut s) = std::os::unix::net::UnixStream::connect(c.socket()) {
                use std::io::{Read, Write};
                let mut pong = [0u8; 5];
                if s.write_all(b"zPING\0").is_ok()
                    && s.read_exact(&mut pong).is_ok()
                    && &pong[..4] == b"PONG"
                {
                    return Some(c);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(c.dir.path().join("clamd.log")).unwrap_or_default();
        panic!("clamd did not start: {log}");
    }

    fn socket(&self) -> String {
        self.dir.path().join("clamd.sock").display().to_string()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn clamav_withholds_infected_attachments_and_keeps_mail_when_clamd_is_down(app: TestApp) {
    use crate::staff_pages::{get, get_ok, sign_in};
    use meldpunt::mailbox::clamav::Target;
    let Some(mut clamd) = Clamd::start() else {
        return;
    };
    let org = app.create_org("oost");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let mut ctx = ctx(&app, Some(org));
    ctx.clamd = Some(Target::Unix(clamd.socket()));
    let infected = format!("%PDF-1.4\n{MARKER}\n%%EOF\n").into_bytes();
    let clean: &[u8] = b"%PDF-1.4\nnormale brief\n%%EOF\n";

    // A new report: the infected file is withheld (not stored as an attachment), the clean one
    // kept; the report says which and why, with the signature's name.
    let raw = mail_with_pdfs(
        "From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Brief met bijlagen\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <clam-1@example.nl>\r\n",
        "Zie de bijlagen.",
        &[("besmet.pdf", &infected), ("schoon.pdf", clean)],
    );
    let mut c = app.conn();
    let res = service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    let Ok(i) = &res[0] else { panic!("{res:?}") };
    let Outcome::Report { reference, .. } = &i.outcome else {
        panic!("{:?}", i.outcome)
    };
    let (rid, desc): (String, String) = reports::table
        .filter(reports::reference.eq(reference))
        .select((reports::id, reports::description))
        .first(&mut c)
        .unwrap();
    let names: Vec<String> = attachments::table
        .filter(attachments::report_id.eq(&rid))
        .select(attachments::filename)
        .load(&mut c)
        .unwrap();
    assert_eq!(names, vec!["schoon.pdf"]);
    assert!(desc.contains("besmet.pdf"), "{desc}");
    assert!(desc.contains("Meldpunt.Test.Marker"), "{desc}");
    let details: String = mail_messages::table
        .filter(mail_messages::report_id.eq(&rid))
        .select(mail_messages::details_json)
        .first(&mut c)
        .unwrap();
    let details: Value = serde_json::from_str(&details).unwrap();
    assert_eq!(details["attachments"][0]["scan"], "infected");
    assert_eq!(
        details["attachments"][0]["signature"],
        "Meldpunt.Test.Marker.UNOFFICIAL"
    );
    assert_eq!(details["attachments"][1]["scan"], "clean");

    // A reply with an infected file: staff see the signature, the file is not served.
    let raw = mail_with_pdfs(
        &format!("From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Re: {reference}\r\nDate: Mon, 23 Nov 2026 11:00:00 +0100\r\nMessage-ID: <clam-2@example.nl>\r\n"),
        "Nog een bestand.",
        &[("nog-een.pdf", &infected)],
    );
    let res = service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    assert!(
        matches!(
            &res[0],
            Ok(Ingested {
                outcome: Outcome::JoinedReport { .. },
                ..
            })
        ),
        "{res:?}"
    );
    let n: i64 = attachments::table
        .filter(attachments::report_id.eq(&rid))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 1, "the infected reply attachment is not stored");
    sign_in(&app, "h@oost.nl").await;
    let page = get_ok(&app, &format!("/staff/reports/{reference}")).await;
    assert!(
        page.contains("in quarantaine: virus gevonden: Meldpunt.Test.Marker.UNOFFICIAL"),
        "{page}"
    );
    assert!(links(&page, "/staff/mail/").is_empty(), "no download link");
    let mail_id = res[0].as_ref().unwrap().mail_id.clone().unwrap();
    let (status, _) = get(&app, &format!("/staff/mail/{mail_id}/attachments/0")).await;
    assert_eq!(status, 404, "an infected attachment is never served");

    // clamd gone: the message is kept, its attachment too, marked "not scanned" for staff.
    clamd.stop();
    let raw = mail_with_pdfs(
        &format!("From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Re: {reference}\r\nDate: Mon, 23 Nov 2026 12:00:00 +0100\r\nMessage-ID: <clam-3@example.nl>\r\n"),
        "Nu zonder scanner.",
        &[("later.pdf", clean)],
    );
    let res = service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    let i = res[0].as_ref().expect("kept although clamd is down");
    assert!(matches!(i.outcome, Outcome::JoinedReport { .. }), "{i:?}");
    let reason: Option<String> = mail_messages::table
        .filter(mail_messages::id.eq(i.mail_id.clone().unwrap()))
        .select(mail_messages::reason)
        .first(&mut c)
        .unwrap();
    assert!(reason.unwrap().contains("not scanned"));
    let page = get_ok(&app, &format!("/staff/reports/{reference}")).await;
    assert!(page.contains("niet op virussen gescand"), "{page}");
    assert_eq!(links(&page, "/staff/mail/").len(), 1, "kept and served");
    // And a new report while clamd is down: kept with its attachment, the text says so.
    let raw = mail_with_pdfs(
        "From: Piet <piet@example.nl>\r\nSubject: Nieuwe melding\r\nMessage-ID: <clam-4@example.nl>\r\n",
        "Weer een brief.",
        &[("brief.pdf", clean)],
    );
    let res = service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    let Ok(Ingested {
        outcome: Outcome::Report { reference, .. },
        ..
    }) = &res[0]
    else {
        panic!("{res:?}")
    };
    let desc: String = reports::table
        .filter(reports::reference.eq(reference))
        .select(reports::description)
        .first(&mut c)
        .unwrap();
    assert!(desc.contains("niet op virussen gescand"), "{desc}");
}
both!(clamav_withholds_infected_attachments_and_keeps_mail_when_clamd_is_down);

async fn a_batch_keeps_the_good_messages_when_one_fails(app: TestApp) {
    use diesel::connection::SimpleConnection;
    let org = app.create_org("oost");
    let ctx = ctx(&app, Some(org));
    let mut c = app.conn();
    // A real database error for one message, half-way through storing it (after its report row
    // was written): a trigger refusing a report whose text holds a marker.
    match &mut c {
        meldpunt::db::DbConn::Sqlite(s) => s
            .batch_execute(
                "CREATE TRIGGER fail_me BEFORE INSERT ON attachments \
                 WHEN NEW.filename = 'fail-me.pdf' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END;",
            )
            .unwrap(),
        meldpunt::db::DbConn::Pg(p) => p
            .batch_execute(
                "CREATE FUNCTION fail_me() RETURNS trigger AS $$ BEGIN \
                 IF NEW.filename = 'fail-me.pdf' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER fail_me BEFORE INSERT ON attachments FOR EACH ROW EXECUTE FUNCTION fail_me();",
            )
            .unwrap(),
    }
    let good: Vec<Vec<u8>> = (0..3).map(|i| {
        format!("From: Melder {i} <melder{i}@example.nl>\r\nSubject: Brief {i}\r\nMessage-ID: <batch-{i}@example.nl>\r\n\r\nVerkeerde brief {i}.\r\n").into_bytes()
    }).collect();
    let bad = mail_with_pdfs(
        "From: Melder X <melderx@example.nl>\r\nSubject: Brief X\r\nMessage-ID: <batch-x@example.nl>\r\n",
        "Met bijlage.",
        &[("fail-me.pdf", b"%PDF-1.4\nx\n")],
    );
    let raws: Vec<&[u8]> = vec![&good[0], &bad, &good[1], &good[1], &good[2]];
    let res = service::ingest_batch(&mut c, &raws, &ctx).unwrap();
    let outcomes: Vec<String> = res
        .iter()
        .map(|r| match r {
            Ok(i) => format!("{:?}", i.outcome)
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_string(),
            Err(e) => e.clone(),
        })
        .collect();
    assert_eq!(
        outcomes,
        ["Report", "Quarantined", "Report", "Duplicate", "Report"]
    );
    let Ok(Ingested {
        outcome: Outcome::Quarantined { reason },
        ..
    }) = &res[1]
    else {
        unreachable!()
    };
    assert!(reason.contains("refused by test trigger"), "{reason}");
    // The failed message left nothing behind but its quarantined raw copy.
    let n: i64 = reports::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 3);
    let n: i64 = outbox::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 3, "no acknowledgement for the rolled-back report");
    let kept: Vec<(String, Vec<u8>)> = mail_messages::table
        .filter(mail_messages::outcome.eq("quarantined"))
        .select((mail_messages::outcome, mail_messages::raw))
        .load(&mut c)
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1, bad);
    let received: i64 = audit_log::table
        .filter(audit_log::action.eq("report.received"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(received, 3, "no audit record of the rolled-back report");
    let v = meldpunt::audit::store::verify(&mut c).unwrap();
    assert!(v.broken.is_none(), "the audit chain holds after a batch");
}
both!(a_batch_keeps_the_good_messages_when_one_fails);

async fn mailbox_routes_are_in_the_openapi_document(app: TestApp) {
    let doc: Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    for (p, method) in [
        ("/api/v1/mail", "post"),
        ("/api/v1/mail/quarantine", "get"),
        ("/api/v1/mail/{id}/raw", "get"),
        ("/api/v1/mail/{id}/attachments/{n}", "get"),
        ("/api/v1/incidents/{id}/mail", "get"),
    ] {
        assert!(
            doc["paths"][p].get(method).is_some(),
            "{method} {p} missing from OpenAPI"
        );
    }
}
both!(mailbox_routes_are_in_the_openapi_document);

/// Runs `meldpunt` with this app's database and the given clamd socket: (exit code, output).
fn run_cli(app: &TestApp, clamd: &str, args: &[&str]) -> (Option<i32>, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args(args)
        .current_dir(tempfile::tempdir().unwrap().path())
        .env("MELDPUNT__DATABASE__URL", &app.db.url)
        // The service's key (as in `test_settings`): audit records are keyed with it.
        .env(
            "MELDPUNT__SECURITY__SECRET_KEY",
            "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
        )
        .env("MELDPUNT__MAIL__FROM", "Meldpunt <meldpunt@meldpunt.test>")
        .env("MELDPUNT__MAILBOX__CLAMD_SOCKET", clamd)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// Organisation `oost` and a mailbox context whose clamd is "down" (a socket nobody listens on
/// any more): (the folder holding the socket, keep it alive; the socket's path; the context).
fn clamd_down(app: &TestApp) -> (tempfile::TempDir, String, Context) {
    let org = app.create_org("oost");
    let down = tempfile::tempdir().unwrap();
    let closed = down.path().join("clamd.sock");
    drop(std::os::unix::net::UnixListener::bind(&closed).unwrap());
    let closed = closed.display().to_string();
    let mut ctx = ctx(app, Some(org));
    ctx.clamd = Some(meldpunt::mailbox::clamav::Target::Unix(closed.clone()));
    (down, closed, ctx)
}

/// Ingest one message that must become a new report: (its reference, the mail's id).
fn new_report(c: &mut meldpunt::db::DbConn, raw: &[u8], ctx: &Context) -> (String, String) {
    let res = service::ingest_batch(c, &[raw], ctx).unwrap();
    match &res[0] {
        Ok(Ingested {
            outcome: Outcome::Report { reference, .. },
            mail_id: Some(id),
        }) => (reference.clone(), id.clone()),
        other => panic!("{other:?}"),
    }
}

async fn attachments_not_scanned_at_intake_are_rescanned_once_clamd_answers(app: TestApp) {
    use crate::staff_pages::{get, get_ok, sign_in};
    use meldpunt::db::schema::audit_log;
    use meldpunt::mailbox::clamav::Target;
    use meldpunt::mailbox::rescan;
    if !std::path::Path::new(CLAMD).exists() {
        // Clamd::start reports the skip (or fails under MELDPUNT_REQUIRE_CLAMAV=1).
        assert!(Clamd::start().is_none());
        return;
    }
    let (_down, closed, ctx) = clamd_down(&app);
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let infected = format!("%PDF-1.4\n{MARKER}\n%%EOF\n").into_bytes();
    let clean: &[u8] = b"%PDF-1.4\nnormale brief\n%%EOF\n";

    let raw = mail_with_pdfs(
        "From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Brief met bijlagen\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <rescan-1@example.nl>\r\n",
        "Zie de bijlagen.",
        &[("besmet.pdf", &infected), ("schoon.pdf", clean)],
    );
    let mut c = app.conn();
    let (reference, report_mail) = &new_report(&mut c, &raw, &ctx);
    let reference = reference.clone();
    let rid: String = reports::table
        .filter(reports::reference.eq(&reference))
        .select(reports::id)
        .first(&mut c)
        .unwrap();
    let files = |c: &mut meldpunt::db::DbConn| -> Vec<String> {
        attachments::table
            .filter(attachments::report_id.eq(&rid))
            .select(attachments::filename)
            .order(attachments::filename.asc())
            .load(c)
            .unwrap()
    };
    assert_eq!(
        files(&mut c),
        vec!["besmet.pdf", "schoon.pdf"],
        "kept, not scanned"
    );
    // A reply with an infected file while clamd is down: served, as nobody knows yet.
    let raw = mail_with_pdfs(
        &format!("From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Re: {reference}\r\nDate: Mon, 23 Nov 2026 11:00:00 +0100\r\nMessage-ID: <rescan-2@example.nl>\r\n"),
        "Nog een bestand.",
        &[("nog-een.pdf", &infected)],
    );
    let res = service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    let reply_mail = res[0].as_ref().unwrap().mail_id.clone().unwrap();
    let details = |c: &mut meldpunt::db::DbConn, id: &str| -> (Value, Option<String>) {
        let (d, reason): (String, Option<String>) = mail_messages::table
            .find(id)
            .select((mail_messages::details_json, mail_messages::reason))
            .first(c)
            .unwrap();
        (serde_json::from_str(&d).unwrap(), reason)
    };
    let (d, reason) = details(&mut c, report_mail);
    assert_eq!(d["attachments"][0]["scan"], "not_scanned");
    assert_eq!(d["attachments"][1]["scan"], "not_scanned");
    assert!(reason.unwrap().contains("not scanned"));
    sign_in(&app, "h@oost.nl").await;
    let page = get_ok(&app, &format!("/staff/reports/{reference}")).await;
    assert!(page.contains("niet op virussen gescand"), "{page}");
    assert_eq!(links(&page, "/staff/mail/").len(), 1);

    // Still down: the rescan stops at once and changes nothing.
    let limits = service::limits(&app.state.settings);
    let run = rescan::run(&mut c, &Target::Unix(closed.clone()), &limits, 100).unwrap();
    assert!(run.done.is_empty() && run.stopped.is_some(), "{run:?}");
    assert_eq!(rescan::waiting(&mut c).unwrap(), 2);
    let (code, out) = run_cli(&app, &closed, &["mail", "rescan"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("2 message(s) still waiting"), "{out}");

    // clamd is back: `meldpunt mail rescan`, one line per attachment.
    let Some(clamd) = Clamd::start() else {
        return;
    };
    let (code, out) = run_cli(&app, &clamd.socket(), &["mail", "rescan"]);
    assert_eq!(code, Some(0), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].contains("\"besmet.pdf\"")
            && lines[0].contains("INFECTED (Meldpunt.Test.Marker.UNOFFICIAL), quarantined"),
        "{out}"
    );
    assert!(lines[0].contains(&reference), "{out}");
    assert!(
        lines[1].contains("\"schoon.pdf\"") && lines[1].ends_with(": clean"),
        "{out}"
    );
    assert!(
        lines[2].contains("\"nog-een.pdf\"") && lines[2].contains("INFECTED"),
        "{out}"
    );

    // The infected file left the report, exactly as at intake; the clean one stays.
    assert_eq!(files(&mut c), vec!["schoon.pdf"]);
    let (d, reason) = details(&mut c, report_mail);
    assert_eq!(d["attachments"][0]["scan"], "infected", "{d}");
    assert_eq!(
        d["attachments"][0]["signature"],
        "Meldpunt.Test.Marker.UNOFFICIAL"
    );
    assert_eq!(d["attachments"][1]["scan"], "clean", "{d}");
    assert!(d["attachments"][1]["rescanned_at"].is_string(), "{d}");
    assert!(!reason.unwrap().contains("not scanned"));
    let (d, _) = details(&mut c, &reply_mail);
    assert_eq!(d["attachments"][0]["scan"], "infected", "{d}");
    // Every change audited, before and after.
    let trail: Vec<(String, Option<String>, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("mail.attachment_rescanned"))
        .select((
            audit_log::entity_id,
            audit_log::before_json,
            audit_log::after_json,
        ))
        .order(audit_log::seq.asc())
        .load(&mut c)
        .unwrap();
    assert_eq!(trail.len(), 3, "{trail:?}");
    assert!(trail.iter().all(|(e, _, _)| e == &rid));
    assert!(trail[0].1.as_deref().unwrap().contains("\"not_scanned\""));
    assert!(trail[0].2.as_deref().unwrap().contains("\"infected\""));
    assert!(trail[1].2.as_deref().unwrap().contains("\"clean\""));

    // Staff see it: the report's text (API and page) and the reply's attachment.
    let h = app.create_user("h2@oost.nl", &[("oost", Role::Handler)]);
    let rep: Value = app
        .get(&format!("/api/v1/reports/{reference}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    let desc = rep["description"].as_str().unwrap();
    assert!(desc.contains("Opnieuw op virussen gescand op"), "{desc}");
    assert!(desc.contains("schoon.pdf: geen virus gevonden"), "{desc}");
    assert!(
        desc.contains("besmet.pdf (application/pdf, 47 bytes): besmet met een virus volgens ClamAV (Meldpunt.Test.Marker.UNOFFICIAL); in quarantaine, niet te downloaden"),
        "{desc}"
    );
    // The reply's file is not noted in the report's own text; the reply shows it (below).
    assert!(!desc.contains("nog-een.pdf"), "{desc}");
    let page = get_ok(&app, &format!("/staff/reports/{reference}")).await;
    assert!(
        page.contains(
            "in quarantaine: virus gevonden: Meldpunt.Test.Marker.UNOFFICIAL (opnieuw gescand op"
        ),
        "{page}"
    );
    assert!(links(&page, "/staff/mail/").is_empty(), "no download link");
    let (status, _) = get(&app, &format!("/staff/mail/{reply_mail}/attachments/0")).await;
    assert_eq!(status, 404, "an infected attachment is never served");

    // A second rescan does nothing.
    let (code, out) = run_cli(&app, &clamd.socket(), &["mail", "rescan"]);
    assert_eq!((code, out.as_str()), (Some(0), ""));
    let run = rescan::run(&mut c, &Target::Unix(clamd.socket()), &limits, 100).unwrap();
    assert!(run.done.is_empty() && run.stopped.is_none(), "{run:?}");
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("mail.attachment_rescanned"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 3);

    // Two instances at once: each attachment is rescanned (and audited) once.
    for i in 0..4 {
        let raw = mail_with_pdfs(
            &format!("From: Piet <piet@example.nl>\r\nSubject: Melding {i}\r\nMessage-ID: <rescan-many-{i}@example.nl>\r\n"),
            "Een brief.",
            &[("brief.pdf", clean)],
        );
        service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    }
    assert_eq!(rescan::waiting(&mut c).unwrap(), 4);
    let instance = || {
        let (pool, target) = (app.state.pool.clone(), Target::Unix(clamd.socket()));
        tokio::task::spawn_blocking(move || {
            let mut c = pool.get().unwrap();
            rescan::run(&mut c, &target, &limits, 100).unwrap()
        })
    };
    let (a, b) = tokio::join!(instance(), instance());
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut ids: Vec<String> = a
        .done
        .iter()
        .chain(&b.done)
        .map(|d| d.mail_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(a.done.len() + b.done.len(), 4, "{a:?} {b:?}");
    assert_eq!(ids.len(), 4);
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq("mail.attachment_rescanned"))
        .count()
        .get_result(&mut c)
        .unwrap();
    assert_eq!(n, 7);

    // The background worker does the same by itself.
    let raw = mail_with_pdfs(
        "From: Piet <piet@example.nl>\r\nSubject: Nieuwe melding\r\nMessage-ID: <rescan-3@example.nl>\r\n",
        "Weer een brief.",
        &[("brief.pdf", clean)],
    );
    let res = service::ingest_batch(&mut c, &[&raw], &ctx).unwrap();
    let later = res[0].as_ref().unwrap().mail_id.clone().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(rescan::worker(
        app.state.pool.clone(),
        Target::Unix(clamd.socket()),
        limits,
        std::time::Duration::from_millis(100),
        stop_rx,
    ));
    let mut scan = Value::Null;
    for _ in 0..100 {
        scan = details(&mut c, &later).0["attachments"][0]["scan"].clone();
        if scan == "clean" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(scan, "clean");
    stop_tx.send(true).unwrap();
    worker.await.unwrap();
    assert_eq!(rescan::waiting(&mut c).unwrap(), 0);
}
both!(attachments_not_scanned_at_intake_are_rescanned_once_clamd_answers);

/// clamd answers but refuses one file (here: larger than its StreamMaxLength): that file is noted
/// as refused, the other is scanned, nothing stops, and the message leaves the rescan's queue
/// instead of being tried again at every run.
async fn a_file_clamd_refuses_at_rescan_is_noted_and_the_others_are_scanned(app: TestApp) {
    use meldpunt::mailbox::clamav::Target;
    use meldpunt::mailbox::rescan::{self, Rescan};
    if !std::path::Path::new(CLAMD).exists() {
        assert!(Clamd::start().is_none());
        return;
    }
    let (_down, _, ctx) = clamd_down(&app);
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(64 * 1024, b'x');
    let small: &[u8] = b"%PDF-1.4\nkort\n%%EOF\n";
    let raw = mail_with_pdfs(
        "From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Twee bestanden\r\nMessage-ID: <refused-1@example.nl>\r\n",
        "Zie bijlagen.",
        &[("groot.pdf", &big), ("klein.pdf", small)],
    );
    let mut c = app.conn();
    let (reference, mail_id) = &new_report(&mut c, &raw, &ctx);
    assert_eq!(rescan::waiting(&mut c).unwrap(), 1);

    let Some(clamd) = Clamd::start_with("StreamMaxLength 4K\n") else {
        return;
    };
    let limits = service::limits(&app.state.settings);
    let run = rescan::run(&mut c, &Target::Unix(clamd.socket()), &limits, 100).unwrap();
    assert!(run.stopped.is_none(), "{run:?}");
    assert_eq!(run.done.len(), 2, "{run:?}");
    let by_name = |n: &str| run.done.iter().find(|r| r.filename == n).unwrap();
    assert!(
        matches!(&by_name("groot.pdf").result, Rescan::Failed(e) if e.starts_with("clamd")),
        "{run:?}"
    );
    assert!(
        matches!(by_name("klein.pdf").result, Rescan::Clean),
        "{run:?}"
    );
    // Out of the queue: the next run has nothing to do.
    assert_eq!(rescan::waiting(&mut c).unwrap(), 0);
    let again = rescan::run(&mut c, &Target::Unix(clamd.socket()), &limits, 100).unwrap();
    assert!(
        again.done.is_empty() && again.stopped.is_none(),
        "{again:?}"
    );
    // The message and the report say what happened to each file.
    let (d, reason): (String, Option<String>) = mail_messages::table
        .find(mail_id)
        .select((mail_messages::details_json, mail_messages::reason))
        .first(&mut c)
        .unwrap();
    let d: Value = serde_json::from_str(&d).unwrap();
    assert_eq!(d["attachments"][0]["scan"], "not_scanned", "{d}");
    assert!(d["attachments"][0]["scan_error"].is_string(), "{d}");
    assert_eq!(d["attachments"][1]["scan"], "clean", "{d}");
    assert!(
        reason
            .as_deref()
            .unwrap_or("")
            .contains("could not be scanned"),
        "{reason:?}"
    );
    let desc: String = reports::table
        .filter(reports::reference.eq(reference))
        .select(reports::description)
        .first(&mut c)
        .unwrap();
    assert!(
        desc.contains("groot.pdf: opnieuw niet gescand, de virusscanner weigerde het bestand"),
        "{desc}"
    );
    assert!(desc.contains("klein.pdf: geen virus gevonden"), "{desc}");
}
both!(a_file_clamd_refuses_at_rescan_is_noted_and_the_others_are_scanned);

async fn imap_over_tls_and_starttls_trusts_the_configured_ca_only(app: TestApp) {
    let Some(dc) = Dovecot::start_tls() else {
        return;
    };
    let org = app.create_org("oost");
    let ctx = ctx(&app, Some(org));
    let max = app.state.settings.mailbox.max_message_bytes;
    let ca = dc.dir.path().join("ca.pem").display().to_string();
    let stored = || {
        let mut c = app.conn();
        mail_messages::table
            .count()
            .get_result::<i64>(&mut c)
            .unwrap()
    };
    dc.deliver("m0", &numbered(0));

    // Not trusted: refused with a TLS error, nothing taken, over implicit TLS and STARTTLS alike.
    // The system's roots do not know the test CA, and another CA does not either.
    let other = tempfile::tempdir().unwrap();
    test_ca(other.path(), "other", None);
    let other_ca = other.path().join("other.pem").display().to_string();
    for ca_file in [String::new(), other_ca] {
        for (tls, port) in [("tls", dc.tls_port), ("starttls", dc.port)] {
            let mut account = dc.account();
            account.tls = tls.into();
            account.port = port;
            account.ca_file = ca_file.clone();
            let e = meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max)
                .await
                .expect_err("an untrusted certificate is refused");
            let e = format!("{e:#}");
            assert!(e.contains("TLS"), "{tls} {ca_file:?}: {e}");
            assert!(e.contains("certificate verify failed"), "{tls}: {e}");
        }
    }
    assert_eq!(stored(), 0, "nothing taken");
    assert_eq!(dc.count("INBOX"), 1);
    // Trusted through ca_file: implicit TLS (imaps) ...
    let mut account = dc.account();
    account.tls = "tls".into();
    account.port = dc.tls_port;
    account.ca_file = ca.clone();
    let got = meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max)
        .await
        .unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(matches!(got[0].outcome, Outcome::Report { .. }), "{got:?}");
    assert_eq!(dc.count("INBOX"), 0);
    assert_eq!(dc.count("Processed"), 1);

    // ... and STARTTLS on the IMAP port.
    dc.deliver("m1", &numbered(1));
    let mut account = dc.account();
    account.tls = "starttls".into();
    account.port = dc.port;
    account.ca_file = ca;
    let got = meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max)
        .await
        .unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(matches!(got[0].outcome, Outcome::Report { .. }), "{got:?}");
    assert_eq!(dc.count("INBOX"), 0);
    assert_eq!(dc.count("Processed"), 2);
    assert_eq!(stored(), 2);

    // A ca_file that cannot be read is an error that names it, not a silent fallback.
    let mut account = dc.account();
    account.tls = "tls".into();
    account.port = dc.tls_port;
    account.ca_file = "/nonexistent/ca.pem".into();
    let e = meldpunt::mailbox::imap::poll_once(&app.state.pool, &account, &ctx, max)
        .await
        .unwrap_err();
    assert!(
        format!("{e}").contains("ca_file /nonexistent/ca.pem"),
        "{e}"
    );
}
both!(imap_over_tls_and_starttls_trusts_the_configured_ca_only);

/// A clamd that dies after `n` connections: a proxy on a socket of its own that passes the first
/// `n` connections to the real clamd and then goes away (its socket file too), as a killed clamd
/// does. The real clamd still does every scan; only the moment of the crash is chosen.
fn clamd_dying_after(real: String, n: usize) -> (tempfile::TempDir, String) {
    use std::os::unix::net::{UnixListener, UnixStream};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dying.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let socket = path.display().to_string();
    std::thread::spawn(move || {
        for _ in 0..n {
            let Ok((mut client, _)) = listener.accept() else {
                return;
            };
            let mut upstream = UnixStream::connect(&real).unwrap();
            let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let ask = std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut u2);
            });
            // clamd answers and closes; the answer goes back, then the client sees the end.
            let _ = std::io::copy(&mut upstream, &mut client);
            let _ = client.shutdown(std::net::Shutdown::Both);
            let _ = upstream.shutdown(std::net::Shutdown::Both);
            let _ = ask.join();
        }
        drop(listener);
        let _ = std::fs::remove_file(&path);
    });
    (dir, socket)
}

/// clamd dies in the middle of a rescan run: the message it finished is recorded, the message it
/// was scanning is left exactly as it was (no half-applied results) and stays in the queue, the
/// run says it stopped, and the next run with clamd back finishes the job.
async fn clamd_dying_in_the_middle_of_a_rescan_leaves_the_unfinished_message_untouched(
    app: TestApp,
) {
    use meldpunt::mailbox::clamav::Target;
    use meldpunt::mailbox::rescan::{self, Rescan};
    if !std::path::Path::new(CLAMD).exists() {
        assert!(Clamd::start().is_none());
        return;
    }
    let (_down, _, ctx) = clamd_down(&app);
    let one: &[u8] = b"%PDF-1.4\neen\n%%EOF\n";
    let two: &[u8] = b"%PDF-1.4\ntwee\n%%EOF\n";
    let three: &[u8] = b"%PDF-1.4\ndrie\n%%EOF\n";
    let mut c = app.conn();
    let first = mail_with_pdfs(
        "From: Jan Jansen <jan.jansen@example.nl>\r\nSubject: Eerste\r\nMessage-ID: <dying-1@example.nl>\r\n",
        "Een bestand.",
        &[("een.pdf", one)],
    );
    let (_, first_mail) = new_report(&mut c, &first, &ctx);
    // Oldest first: the second message is taken after the first.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let second = mail_with_pdfs(
        "From: Piet Pietersen <piet@example.nl>\r\nSubject: Tweede\r\nMessage-ID: <dying-2@example.nl>\r\n",
        "Twee bestanden.",
        &[("twee.pdf", two), ("drie.pdf", three)],
    );
    let (_, second_mail) = new_report(&mut c, &second, &ctx);
    assert_eq!(rescan::waiting(&mut c).unwrap(), 2);
    let stored = |c: &mut meldpunt::db::DbConn, id: &str| -> (String, Option<String>) {
        mail_messages::table
            .find(id)
            .select((mail_messages::details_json, mail_messages::reason))
            .first(c)
            .unwrap()
    };
    let second_before = stored(&mut c, &second_mail);

    let Some(clamd) = Clamd::start() else {
        return;
    };
    // Two connections: the first message's file, the second message's first file; then gone.
    let (_dying_dir, dying) = clamd_dying_after(clamd.socket(), 2);
    let limits = service::limits(&app.state.settings);
    let run = rescan::run(&mut c, &Target::Unix(dying), &limits, 100).unwrap();
    assert!(run.stopped.is_some(), "{run:?}");
    assert_eq!(run.done.len(), 1, "only the finished message: {run:?}");
    assert_eq!(run.done[0].mail_id, first_mail);
    assert!(matches!(run.done[0].result, Rescan::Clean), "{run:?}");
    assert_eq!(
        stored(&mut c, &second_mail),
        second_before,
        "the interrupted message is unchanged"
    );
    assert_eq!(rescan::waiting(&mut c).unwrap(), 1);

    // clamd back: the rest is done, once.
    let run = rescan::run(&mut c, &Target::Unix(clamd.socket()), &limits, 100).unwrap();
    assert!(run.stopped.is_none(), "{run:?}");
    assert_eq!(run.done.len(), 2, "{run:?}");
    assert!(run
        .done
        .iter()
        .all(|r| r.mail_id == second_mail && matches!(r.result, Rescan::Clean)));
    assert_eq!(rescan::waiting(&mut c).unwrap(), 0);
    let (d, _) = stored(&mut c, &second_mail);
    let d: Value = serde_json::from_str(&d).unwrap();
    assert_eq!(d["attachments"][0]["scan"], "clean", "{d}");
    assert_eq!(d["attachments"][1]["scan"], "clean", "{d}");
}
both!(clamd_dying_in_the_middle_of_a_rescan_leaves_the_unfinished_message_untouched);

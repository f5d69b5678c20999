//! The citizen's pages over HTTP: the form, its errors in the person's language, uploads checked by
//! content, CSRF, honeypot, rate limit, the confirmation e-mail and the follow-up page.
use reqwest::multipart::{Form, Part};

use crate::both;
use crate::helpers::{spawn_app_with, Db, TestApp};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRtest";

fn csrf_of(html: &str) -> String {
    let i =
        html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_string()
}

async fn get_html(app: &TestApp, path: &str) -> String {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn post_form(app: &TestApp, path: &str, form: Form) -> (u16, String) {
    let r = app
        .client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn base(csrf: &str) -> Form {
    Form::new().text("csrf", csrf.to_string())
}

async fn citizen_reports_with_photo_and_follows_up(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let start = get_html(&app, "/").await;
    assert!(start.contains("<html lang=\"nl\">") && start.contains("Datalek melden"));
    let form = get_html(&app, "/melden").await;
    assert!(form.contains("Gemeente oost") && form.contains("Weet ik niet"));
    let csrf = csrf_of(&form);
    let f = base(&csrf)
        .text(
            "description",
            "Ik kreeg een brief met het BSN van mijn buurman",
        )
        .text("received_via", "letter")
        .text("organisation", "oost")
        .text("received_on", "2026-11-20")
        .text("data_kinds", "bsn")
        .text("data_kinds", "name")
        .text("action_taken", "kept")
        .text("contact_email", "piet@example.nl")
        .text("may_contact", "yes")
        .part(
            "attachment",
            Part::bytes(PNG.to_vec()).file_name("brief.png"),
        );
    let (status, html) = post_form(&app, "/melden", f).await;
    assert_eq!(status, 200, "{html}");
    let reference = html
        .split("class=\"reference\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(reference.starts_with("M-"), "{reference}");
    let follow = html
        .split("href=\"")
        .find(|s| s.starts_with("http://meldpunt.test/volgen/"))
        .unwrap();
    let follow = follow
        .split('"')
        .next()
        .unwrap()
        .replace("http://meldpunt.test", "");

    // Stored with channel, organisation and the photo checked by content.
    let mut c = app.conn();
    let row = meldpunt::reports::store::by_reference(&mut c, &reference)
        .unwrap()
        .unwrap();
    assert_eq!(row.channel, "web_form");
    assert_eq!(row.language, "nl");
    assert!(row.organisation_id.is_some());
    let files =
        meldpunt::reports::attachments::for_reports(&mut c, std::slice::from_ref(&row.id)).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].content_type, "image/png");

    // A confirmation e-mail in Dutch with the reference and the follow-up link.
    let mails = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == "piet@example.nl"))
        .await;
    let m = mails
        .iter()
        .find(|m| m.to == "piet@example.nl")
        .expect("acknowledgement");
    assert!(
        m.subject.contains(&reference) && m.subject.contains("ontvangen"),
        "{}",
        m.subject
    );
    assert!(m.body_text.contains(&follow), "{}", m.body_text);

    // Sending the same form again (refresh, double click): refused, the typed text kept, nothing stored.
    let again = base(&csrf).text(
        "description",
        "Ik kreeg een brief met het BSN van mijn buurman",
    );
    let (status, html) = post_form(&app, "/melden", again).await;
    assert_eq!(status, 403);
    assert!(html.contains("Ik kreeg een brief met het BSN van mijn buurman"));
    assert!(html.contains("verlopen"));

    // The follow-up page: status in plain words, and adding information.
    let page = get_html(&app, &follow).await;
    assert!(page.contains(&reference) && page.contains("Wij hebben uw melding ontvangen"));
    let csrf2 = csrf_of(&page);
    let (status, html) = post_form(
        &app,
        &follow,
        base(&csrf2).text("text", "Er zat ook een rekening bij."),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Er zat ook een rekening bij.") && html.contains("Dank u wel"));
    let msgs =
        meldpunt::reports::attachments::messages(&mut c, std::slice::from_ref(&row.id)).unwrap();
    assert_eq!(msgs.len(), 1);
    // A wrong token shows nothing.
    let r = app
        .client
        .get(app.url(&format!("/volgen/{reference}/mpf_wrong")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The additions are in the audit trail.
    let trail = meldpunt::audit::store::for_entity(&mut c, "report", &row.id).unwrap();
    assert!(trail
        .iter()
        .any(|r| r.action == "report.reporter_added" && r.actor == "citizen"));
}
both!(citizen_reports_with_photo_and_follows_up);

async fn errors_come_back_in_english_with_what_was_typed(app: TestApp) {
    app.create_org("oost");
    let r = app
        .client
        .get(app.url("/lang/en?next=/melden"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let form = get_html(&app, "/melden").await;
    assert!(form.contains("<html lang=\"en\">") && form.contains("What happened?"));
    let csrf = csrf_of(&form);
    let f = base(&csrf)
        .text("description", "")
        .text("contact_name", "Jane")
        .text("contact_email", "jane-at-example")
        .text("received_on", "2999-01-01")
        .part(
            "attachment",
            Part::bytes(b"MZ\x90\x00not an image".to_vec()).file_name("photo.jpg"),
        );
    let (status, html) = post_form(&app, "/melden", f).await;
    assert_eq!(status, 422);
    assert!(html.contains("class=\"error-summary\""));
    for msg in [
        "Describe what happened.",
        "Enter a valid e-mail address",
        "The date cannot be in the future.",
        "We cannot accept this file",
    ] {
        assert!(html.contains(msg), "missing {msg}");
    }
    assert!(html.contains("href=\"#f-description\"") && html.contains("id=\"f-description\""));
    assert!(html.contains("value=\"Jane\"") && html.contains("value=\"jane-at-example\""));
    // Corrected and sent.
    let f = base(&csrf_of(&html))
        .text("description", "I got my neighbour's letter")
        .text("contact_email", "jane@example.com");
    let (status, html) = post_form(&app, "/melden", f).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your report has been sent"));
    let mails = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == "jane@example.com"))
        .await;
    assert!(mails
        .iter()
        .any(|m| m.to == "jane@example.com" && m.subject.contains("has been received")));
}
both!(errors_come_back_in_english_with_what_was_typed);

async fn forged_and_robot_posts_are_refused(app: TestApp) {
    // No CSRF token at all (a hand-crafted request): refused, nothing stored.
    let (status, _) = post_form(&app, "/melden", Form::new().text("description", "x")).await;
    assert_eq!(status, 403);
    let form = get_html(&app, "/melden").await;
    let csrf = csrf_of(&form);
    // The honeypot is filled in: refused.
    let (status, _) = post_form(
        &app,
        "/melden",
        base(&csrf)
            .text("description", "spam")
            .text("website", "http://spam"),
    )
    .await;
    assert_eq!(status, 400);
    // A hand-crafted urlencoded request meets the same validation.
    let r = app
        .client
        .post(app.url("/melden"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("description", ""),
            ("received_via", "duif"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Kies een van de mogelijkheden")
            && html.contains("Beschrijf wat er is gebeurd")
    );
    // An oversized file: a clear message; the rest of the form is kept.
    let big = vec![0xFFu8; 10 * 1024 * 1024 + 10];
    let (status, html) = post_form(
        &app,
        "/melden",
        base(&csrf)
            .text("description", "met groot bestand")
            .part("attachment", Part::bytes(big).file_name("groot.jpg")),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("groter dan 10 MB") && html.contains("met groot bestand"));
    let mut c = app.conn();
    let n = meldpunt::reports::store::list(
        &mut c,
        &meldpunt::reports::store::ListFilter {
            include_unassigned: true,
            limit: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(n.is_empty(), "nothing stored");
}
both!(forged_and_robot_posts_are_refused);

async fn rate_limit(kind: Db) {
    let Some(app) = spawn_app_with(kind, |s| s.limits.submissions_per_minute = 2).await else {
        return;
    };
    let csrf = csrf_of(&get_html(&app, "/melden").await);
    for _ in 0..2 {
        let (status, _) = post_form(&app, "/melden", base(&csrf).text("description", "")).await;
        assert_eq!(status, 422);
    }
    let r = app
        .client
        .post(app.url("/melden"))
        .multipart(base(&csrf).text("description", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.text().await.unwrap().contains("Even geduld"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_sqlite() {
    rate_limit(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_postgres() {
    rate_limit(Db::Postgres).await
}

async fn pages_carry_strict_security_headers(app: TestApp) {
    let r = app.client.get(app.url("/melden")).send().await.unwrap();
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    let cookie = h.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let css = app
        .client
        .get(app.url("/static/meldpunt.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        app.client
            .get(app.url("/bestaat-niet"))
            .send()
            .await
            .unwrap()
            .status()
            == 404
    );
}
both!(pages_carry_strict_security_headers);

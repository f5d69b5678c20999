//! Dutch in Dutch (issue 14, point 8): real Dutch output — the AP answer set, the letter and e-mail
//! to the people, the clock escalation e-mail, the incident page with its state reason — scanned
//! for English weekday and month names and for snake_case keys. Any hit fails.
use meldpunt::auth::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{TestApp, PASSWORD};
use crate::notifications::{assessed_incident, json_ok, reporter};
use crate::staff_pages::csrf_of;

const ENGLISH: [&str; 33] = [
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
];

/// The visible text of an HTML page: no scripts, styles, tags or attributes.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["script", "style"] {
        while let Some(a) = s.find(&format!("<{tag}")) {
            let end = s[a..]
                .find(&format!("</{tag}>"))
                .map(|e| a + e + tag.len() + 3)
                .unwrap_or(s.len());
            s.replace_range(a..end, " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// English weekday or month names, and snake_case keys (outside addresses and links).
fn offences(text: &str) -> Vec<String> {
    let mut out = vec![];
    for token in text.split_whitespace() {
        if token.contains('/') || token.contains('@') || token.contains("://") {
            continue;
        }
        for word in token.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if ENGLISH.contains(&word) {
                out.push(format!("English name {word:?} in {token:?}"));
            }
            let parts: Vec<&str> = word.split('_').collect();
            if parts.len() > 1
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
            {
                out.push(format!("key {word:?} in {token:?}"));
            }
        }
    }
    out
}

fn assert_dutch(what: &str, text: &str) {
    let bad = offences(text);
    assert!(bad.is_empty(), "{what}: {bad:?}\n---\n{text}");
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert_eq!(offences("Mon 07-12-2026 10:00").len(), 1);
    assert_eq!(
        offences("Nog onbekend: special_categories, recipients").len(),
        1
    );
    assert_eq!(offences(&visible_text("<b>Tuesday</b>")).len(), 1);
    assert!(offences("ma 07-12-2026 10:00 (CET), zie https://x.nl/a_b en fg@oost_x.nl").is_empty());
    assert_eq!(
        visible_text("<a href=\"/x_y\" class=\"a_b\">tekst</a><script>a_b</script>").trim(),
        "tekst"
    );
}

async fn dutch_texts_have_dutch_dates_and_no_keys(app: TestApp) {
    app.create_org("oost"); // the organisation's FG gets the clock e-mail in Dutch
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    // 60 hours ago: the 24-hour escalation e-mail goes out.
    let id = assessed_incident(&app, &h, 60).await;

    // The clock escalation e-mail to the organisation's FG (Dutch).
    let mails = app
        .wait_for_mail(|m| m.iter().any(|m| m.to == "fg@oost.example.nl"))
        .await;
    let mail = mails.iter().find(|m| m.to == "fg@oost.example.nl").unwrap();
    assert!(mail.body_text.contains("uiterlijk"), "{}", mail.body_text);
    assert_dutch("clock e-mail subject", &mail.subject);
    assert_dutch("clock e-mail", &mail.body_text);

    // The AP answer set (provisional), signed off and filed: its text, and the filing's words.
    let n = format!("/api/v1/incidents/{id}/notifications");
    let mut input = reporter();
    input["ap_contact_name"] = json!("J. de Vries");
    input["ap_contact_phone"] = json!("010-7654321");
    input["attachments"] = json!(false);
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
    let did = d["id"].as_str().unwrap();
    let content = d["content"].as_str().unwrap();
    assert!(content.contains("Toelichting op de ernst"), "{content}");
    assert!(content.contains("ENISA-score") && !content.contains("ENISA-score 0."));
    assert_dutch("AP answer set", content);
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
    let filed = json_ok(
        app.post(
            &format!("{n}/{did}/filing"),
            Some(&h.token),
            json!({"ap_number": "M-2026-000001", "filed_at": chrono::Utc::now()}),
        )
        .await,
        200,
    )
    .await;
    assert_dutch("filing", filed["filing"]["label_nl"].as_str().unwrap());

    // The letter and e-mail to the people, in Dutch (the draft's Dutch parts).
    let c = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "communication", "input": {
                "what_happened": "Een brief met uw gegevens is naar een verkeerd adres gestuurd.",
                "advice": "Let op verdachte post en e-mails."}}),
        )
        .await,
        201,
    )
    .await;
    let content = c["content"].as_str().unwrap();
    let mut dutch_parts = 0;
    for part in content.split("===== ").skip(1) {
        let (head, body) = part.split_once(" =====\n").unwrap();
        if head.ends_with(".nl") {
            dutch_parts += 1;
            let text = if body.contains('<') {
                visible_text(body)
            } else {
                body.to_string()
            };
            assert_dutch(head, &text);
        }
    }
    // Subject, body and letter, and the note that English readers get the Dutch ones (this
    // draft has no English texts).
    assert_eq!(dutch_parts, 4, "{content}");

    // The incident page in Dutch (with the state reason of the filing).
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = client
        .get(app.url("/staff/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = client
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", csrf_of(&login).as_str()),
            ("email", "fg@oost.nl"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for page in [
        format!("/staff/incidents/{id}"),
        format!("/staff/incidents/{id}/notifications/{did}/signoff"),
    ] {
        let r = client.get(app.url(&page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        let html = r.text().await.unwrap();
        assert!(html.contains("lang=\"nl\""), "{page}");
        assert_dutch(&page, &visible_text(&html));
    }
}
both!(dutch_texts_have_dutch_dates_and_no_keys);

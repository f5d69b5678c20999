//! The notification pages as a browser without JavaScript uses them: drafting, the FG's sign-off of
//! the exact content (with the hash the FG read), filing, recipients from CSV, campaigns and the
//! public notice — with the denials: a handler cannot sign off (403), another organisation sees
//! nothing (404), a notice is not public before sign-off, a withdrawn notice says so (410).
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{TestApp, User, PASSWORD};
use crate::staff_pages::{csrf_of, hidden};

/// One person's browser: its own cookies.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
}

impl<'a> Browser<'a> {
    async fn new(app: &'a TestApp, email: Option<&str>) -> Browser<'a> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let b = Browser { app, client };
        if let Some(email) = email {
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
        }
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

    /// POST a form; the status and the page (or the redirect's location).
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

    async fn csrf(&self) -> String {
        csrf_of(&self.get_ok("/staff/account").await)
    }

    async fn upload(&self, path: &str, csrf: &str, csv: &[u8]) -> (u16, String) {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.to_vec())
                    .file_name("ontvangers.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            );
        let r = self
            .client
            .post(self.app.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

fn e(v: Value) -> Value {
    json!({"provenance": "entered", "value": v})
}

/// An incident aware `hours_ago`, assessed, with facts and a decision to tell the people.
async fn assessed_incident(app: &TestApp, h: &User, hours_ago: i64) -> String {
    let inc = app.open_incident(h, "oost", hours_ago).await;
    let id = inc["id"].as_str().unwrap().to_string();
    let t = format!("/api/v1/incidents/{id}/transitions");
    for to in ["triage", "assessed"] {
        let r = app.post(&t, Some(&h.token), json!({"to": to})).await;
        assert_eq!(r.status(), 200);
    }
    let facts = json!({
        "nature": e(json!(["confidentiality"])),
        "kind": e(json!("letter_wrong_recipient")),
        "general_data": e(json!(["name", "address", "bsn"])),
        "special_categories": e(json!([])),
        "groups": e(json!(["customers"])),
        "records": e(json!(1)),
        "people": e(json!({"type": "exact", "n": 2})),
        "recipients": e(json!({"known": true, "trustworthy": false, "opened": true, "count": 1})),
        "protection": e(json!({"method": "none"})),
        "malicious_intent": e(json!(false)),
        "controller_nature": e(json!("government")),
        "consequences_people": e(json!(["identity_theft_or_fraud"])),
    });
    let r = app
        .client
        .put(app.url(&format!("/api/v1/incidents/{id}/facts")))
        .bearer_auth(&h.token)
        .json(&facts)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/decision"),
            Some(&h.token),
            json!({"outcome": "notify_ap_and_data_subjects", "reasons": "BSN bij een onbekende"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    id
}

/// The notification's id from the redirect after drafting.
fn nid_of(location: &str) -> String {
    location
        .split("/notifications/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string()
}

async fn audit_actions(app: &TestApp, id: &str, token: &str) -> Vec<String> {
    let v: Value = app
        .get(&format!("/api/v1/incidents/{id}/audit"), Some(token))
        .await
        .json()
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn ap_notification_through_the_pages(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    app.create_user("fg@west.nl", &[("west", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let handler = Browser::new(&app, Some("h@oost.nl")).await;
    let fg = Browser::new(&app, Some("fg@oost.nl")).await;
    let west = Browser::new(&app, Some("fg@west.nl")).await;
    let page = format!("/staff/incidents/{id}");

    let html = handler.get_ok(&page).await;
    assert!(html.contains("Meldingen en communicatie"), "section shown");
    assert!(html.contains(&format!("{page}/notifications/new")));
    let new = handler.get_ok(&format!("{page}/notifications/new")).await;
    assert!(new.contains("Wat stelt u op?"));
    let csrf = csrf_of(&new);

    // No kind: the form comes back with the message at the choice, linked from the summary.
    let (s, body) = handler
        .submit(
            &format!("{page}/notifications"),
            &[("csrf", &csrf), ("kind", "bulk")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        body.contains("Maak een keuze") && body.contains("href=\"#f-kind\""),
        "{body}"
    );
    // A reporter e-mail that is not one: shown in Dutch at its field, what was typed kept.
    let (s, body) = handler
        .submit(
            &format!("{page}/notifications"),
            &[
                ("csrf", &csrf),
                ("kind", "initial_complete"),
                ("reporter_name", "P. Jansen"),
                ("reporter_email", "geen-adres"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("geen e-mailadres") && body.contains("value=\"P. Jansen\""));
    // Another organisation's incident does not exist.
    let (s, _) = west
        .submit(
            &format!("{page}/notifications"),
            &[("csrf", &west.csrf().await), ("kind", "initial_complete")],
        )
        .await;
    assert_eq!(s, 404);

    let (s, loc) = handler
        .submit(
            &format!("{page}/notifications"),
            &[
                ("csrf", &csrf),
                ("kind", "initial_complete"),
                ("reporter_name", "P. Jansen"),
                ("reporter_function", "privacy officer"),
                ("reporter_phone", "010-1234567"),
                ("reporter_email", "p.jansen@oost.example.nl"),
                (
                    "measures",
                    "de ontvanger is gevraagd de brief te vernietigen",
                ),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    let nid = nid_of(&loc);
    let npage = format!("{page}/notifications/{nid}");
    let html = handler.get_ok(&loc).await;
    assert!(html.contains("Het concept is opgesteld"));
    assert!(html.contains("wacht op aftekenen door de FG"));
    // The incident page lists it with the short hash and who drafted it.
    let inc_html = handler.get_ok(&page).await;
    assert!(inc_html.contains(&npage));

    // The sign-off page: the chapters with marks and the hash; a handler gets no buttons…
    let so = handler.get_ok(&format!("{npage}/signoff")).await;
    assert!(so.contains("1. Inleiding") && so.contains("vastgelegd"));
    let hash = hidden_or_code(&so);
    assert_eq!(hash.len(), 64);
    assert!(
        !so.contains("value=\"approve\""),
        "a handler sees no approve button"
    );
    // … and a POST is refused with 403, nothing recorded.
    let (s, body) = handler
        .submit(
            &format!("{npage}/signoff"),
            &[
                ("csrf", &csrf),
                ("content_sha256", &hash),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(s, 403);
    assert!(body.contains("Alleen de FG van de organisatie kan aftekenen"));
    // Another organisation's FG: 404, on the page and on the POST.
    assert_eq!(west.get(&format!("{npage}/signoff")).await.0, 404);
    let (s, _) = west
        .submit(
            &format!("{npage}/signoff"),
            &[
                ("csrf", &west.csrf().await),
                ("content_sha256", &hash),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(s, 404);

    // The FG sees the buttons; a hash of other content is refused (409), the page says why.
    let so = fg.get_ok(&format!("{npage}/signoff")).await;
    assert!(so.contains("value=\"approve\""));
    let fcsrf = csrf_of(&so);
    let (s, body) = fg
        .submit(
            &format!("{npage}/signoff"),
            &[
                ("csrf", &fcsrf),
                ("content_sha256", &"0".repeat(64)),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(s, 409);
    assert!(body.contains("De inhoud is gewijzigd sinds u deze las"));
    // Rejecting needs remarks.
    let (s, body) = fg
        .submit(
            &format!("{npage}/signoff"),
            &[
                ("csrf", &fcsrf),
                ("content_sha256", &hash),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("href=\"#f-remarks\""), "{body}");
    let (s, loc) = fg
        .submit(
            &format!("{npage}/signoff"),
            &[
                ("csrf", &fcsrf),
                ("content_sha256", &hash),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    assert!(loc.contains("ok=approved"));

    // Filing: the number is required; the form comes back with what was typed (the time
    // included), the message at the field…
    let html = handler.get_ok(&npage).await;
    assert!(html.contains("afgetekend door de FG") && html.contains("f-ap_number"));
    let an_hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (s, body) = handler
        .submit(
            &format!("{npage}/filing"),
            &[
                ("csrf", &csrf),
                ("ap_number", ""),
                ("filed_at", &an_hour_ago),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("href=\"#f-ap_number\""));
    assert!(
        body.contains(&format!("name=\"filed_at\" value=\"{an_hour_ago}\"")),
        "the typed time is kept: {body}"
    );
    // … and a time that is not one keeps the number and the text typed.
    let (s, body) = handler
        .submit(
            &format!("{npage}/filing"),
            &[
                ("csrf", &csrf),
                ("ap_number", "AP-2026-777"),
                ("filed_at", "gisteren"),
            ],
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("href=\"#f-filed_at\""), "{body}");
    assert!(
        body.contains("name=\"ap_number\" value=\"AP-2026-777\"")
            && body.contains("name=\"filed_at\" value=\"gisteren\""),
        "the typed values are kept: {body}"
    );
    let now_local = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Amsterdam)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (s, loc) = handler
        .submit(
            &format!("{npage}/filing"),
            &[
                ("csrf", &csrf),
                ("ap_number", "AP-2026-123456"),
                ("filed_at", &now_local),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    let html = handler.get_ok(&npage).await;
    assert!(
        html.contains("AP-2026-123456") && html.contains("binnen de 72 uur"),
        "{html}"
    );
    let inc: Value = app
        .get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(inc["notified_within_72h"], true);
    let notified: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(inc["notified_at"].clone()).unwrap();
    assert!(
        (chrono::Utc::now() - notified).num_minutes().abs() <= 1,
        "stored as UTC"
    );
    let actions = audit_actions(&app, &id, &h.token).await;
    for a in ["notice.drafted", "notice.approved", "notice.filed"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}
both!(ap_notification_through_the_pages);

/// The hash on the sign-off page (the hidden field for the FG, the code shown to anyone).
fn hidden_or_code(html: &str) -> String {
    if html.contains("name=\"content_sha256\"") {
        return hidden(html, "content_sha256");
    }
    let at = "<code class=\"reference\">";
    let i = html.find(at).expect("hash shown") + at.len();
    html[i..].split('<').next().unwrap().to_string()
}

async fn letter_draft(b: &Browser<'_>, id: &str, csrf: &str, kind: &str) -> String {
    let (s, loc) = b
        .submit(
            &format!("/staff/incidents/{id}/notifications"),
            &[
                ("csrf", csrf),
                ("kind", kind),
                (
                    "what_happened",
                    "Een brief is naar een verkeerd adres gestuurd.",
                ),
                ("measures", "De brief is teruggehaald."),
                ("advice", "Let op verdachte post."),
                ("what_happened_en", "A letter was sent to a wrong address."),
                ("measures_en", "The letter was retrieved."),
                ("advice_en", "Watch out for suspicious post."),
                ("reporter_name", "P. Jansen"),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    nid_of(&loc)
}

async fn approve(b: &Browser<'_>, id: &str, nid: &str) {
    let so = b
        .get_ok(&format!(
            "/staff/incidents/{id}/notifications/{nid}/signoff"
        ))
        .await;
    let (s, loc) = b
        .submit(
            &format!("/staff/incidents/{id}/notifications/{nid}/signoff"),
            &[
                ("csrf", &csrf_of(&so)),
                ("content_sha256", &hidden(&so, "content_sha256")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
}

async fn letters_recipients_and_campaign_through_the_pages(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    app.create_user("fg@west.nl", &[("west", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let handler = Browser::new(&app, Some("h@oost.nl")).await;
    let fg = Browser::new(&app, Some("fg@oost.nl")).await;
    let west = Browser::new(&app, Some("fg@west.nl")).await;
    let csrf = handler.csrf().await;
    let nid = letter_draft(&handler, &id, &csrf, "letter_email").await;
    let npage = format!("/staff/incidents/{id}/notifications/{nid}");

    // The FG reads the letter and e-mail for a sample recipient, both languages.
    let so = fg.get_ok(&format!("{npage}/signoff")).await;
    for part in [
        "Brief (Nederlands",
        "Brief (Engels",
        "Tekst van de e-mail (Nederlands",
    ] {
        assert!(so.contains(part), "{part}");
    }
    assert!(so.contains("J. Voorbeeld"), "sample recipient");
    // The FG's own draft cannot be approved by them (no self sign-off allowed by default).
    let fcsrf = csrf_of(&so);
    let own = letter_draft(&fg, &id, &fcsrf, "letter_email").await;
    let own_so = fg
        .get_ok(&format!(
            "/staff/incidents/{id}/notifications/{own}/signoff"
        ))
        .await;
    assert!(!own_so.contains("value=\"approve\"") && own_so.contains("zelf opgesteld"));
    let (s, _) = fg
        .submit(
            &format!("/staff/incidents/{id}/notifications/{own}/signoff"),
            &[
                ("csrf", &fcsrf),
                ("content_sha256", &hidden(&own_so, "content_sha256")),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(s, 403);

    // Recipients: a bad file imports nothing and names the bad lines.
    let rpage = format!("/staff/incidents/{id}/recipients");
    let html = handler.get_ok(&rpage).await;
    assert!(html.contains("Er zijn nog geen ontvangers ingelezen"));
    let bad =
        b"name,email,postal_address,language\nAnna,anna@example.nl,,nl\nBert,geen-adres,,nl\n";
    let (s, body) = handler.upload(&rpage, &csrf, bad).await;
    assert_eq!(s, 422, "{body}");
    assert!(body.contains("Regel 3 (email): geen e-mailadres"), "{body}");
    assert!(body.contains("href=\"#f-file\""));
    // Problems the page used to show in the parser's English are in Dutch too: a recipient
    // without any address, a line with a field too many, a column twice.
    let (s, body) = handler
        .upload(
            &rpage,
            &csrf,
            b"name,email,postal_address,language\nCarla,,,nl\nDirk,d@example.nl,,nl,extra\n",
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert!(
        body.contains(
            "Regel 2 (email): een ontvanger heeft een e-mailadres of een postadres nodig"
        ) && body.contains("Regel 3 (hele regel): 5 velden, terwijl de kopregel er 4 heeft"),
        "{body}"
    );
    assert!(
        !body.contains("neither") && !body.contains("fields, the header"),
        "no English on the Dutch page: {body}"
    );
    let (s, body) = handler
        .upload(&rpage, &csrf, b"name,email,postal_address,language,email\n")
        .await;
    assert_eq!(s, 422, "{body}");
    assert!(
        body.contains("De kolom email komt twee keer voor."),
        "{body}"
    );
    let (s, body) = handler.upload(&rpage, &csrf, b"").await;
    assert_eq!(s, 422);
    assert!(body.contains("Kies een bestand"));
    let (s, _) = west.upload(&rpage, &west.csrf().await, bad).await;
    assert_eq!(s, 404);
    // Two e-mails at 1 a minute: the campaign cannot finish while the test pauses it (a finished
    // campaign has nothing left to pause, and the app's own outbox worker sends meanwhile).
    let good = b"name,email,postal_address,language\nAnna,anna@example.nl,,nl\nBert,,Dorpsstraat 1 1234 AB Oost,en\nCarla,carla@example.nl,,nl\n";
    let (s, body) = handler.upload(&rpage, &csrf, good).await;
    assert_eq!(s, 200, "{body}");
    assert!(body.contains("Ingelezen: 3"), "{body}");

    // Preview for a recipient: the letter for the one without e-mail.
    let recips: Value = app
        .get(
            &format!("/api/v1/incidents/{id}/recipients"),
            Some(&h.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let bert = recips["recipients"][1]["id"].as_str().unwrap().to_string();
    let pv = handler.get_ok(&format!("{rpage}/{bert}?draft={nid}")).await;
    assert!(pv.contains("Bert") && pv.contains("Dorpsstraat 1"), "{pv}");
    assert_eq!(
        west.get(&format!("{rpage}/{bert}?draft={nid}")).await.0,
        404
    );

    // A campaign without sign-off is refused with the reason.
    let (s, body) = handler
        .submit(
            &format!("/staff/incidents/{id}/campaigns"),
            &[("csrf", &csrf), ("draft_id", &nid)],
        )
        .await;
    assert_eq!(s, 409);
    assert!(body.contains("Nog niet afgetekend door de FG"), "{body}");
    approve(&fg, &id, &nid).await;
    let (s, body) = handler
        .submit(
            &format!("/staff/incidents/{id}/campaigns"),
            &[("csrf", &csrf), ("draft_id", &nid), ("per_minute", "veel")],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("href=\"#f-per_minute\""));
    let (s, loc) = handler
        .submit(
            &format!("/staff/incidents/{id}/campaigns"),
            &[("csrf", &csrf), ("draft_id", &nid), ("per_minute", "1")],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    let cpage = loc.split('?').next().unwrap().to_string();
    let html = handler.get_ok(&cpage).await;
    assert!(
        html.contains("Voortgang") && html.contains("1 per minuut"),
        "{html}"
    );
    assert!(html.contains("Bert"), "the letter is listed");
    // The same recipients again: refused, the page says why.
    let (s, body) = handler
        .submit(
            &format!("/staff/incidents/{id}/campaigns"),
            &[("csrf", &csrf), ("draft_id", &nid)],
        )
        .await;
    assert_eq!(s, 409);
    assert!(
        body.contains("3 van de 3 ontvangers zaten al in een eerdere verzending"),
        "{body}"
    );
    assert!(
        !body.contains("recipients were already"),
        "no English: {body}"
    );
    // Pause and resume, the rate; bad rate shown at its field.
    let (s, loc) = handler
        .submit(&cpage, &[("csrf", &csrf), ("action", "pause")])
        .await;
    assert_eq!(s, 303);
    assert!(loc.contains("ok=paused"));
    let html = handler.get_ok(&cpage).await;
    assert!(html.contains("value=\"resume\"") && !html.contains("data-refresh"));
    let (s, _) = handler
        .submit(
            &cpage,
            &[("csrf", &csrf), ("action", "rate"), ("per_minute", "0")],
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = handler
        .submit(&cpage, &[("csrf", &csrf), ("action", "resume")])
        .await;
    assert_eq!(s, 303);
    // The letter as print-ready HTML; another organisation: 404.
    let letter_url = format!("{cpage}/letters/{bert}");
    let (s, letter) = handler.get(&letter_url).await;
    assert_eq!(s, 200);
    assert!(letter.contains("Dorpsstraat 1"));
    assert_eq!(west.get(&cpage).await.0, 404);
    assert_eq!(west.get(&letter_url).await.0, 404);
    let (s, _) = west
        .submit(&cpage, &[("csrf", &west.csrf().await), ("action", "pause")])
        .await;
    assert_eq!(s, 404);

    // A change after sign-off voids it, visibly.
    let html = handler.get_ok(&npage).await;
    let (s, _) = handler
        .submit(
            &npage,
            &[
                ("csrf", &csrf_of(&html)),
                (
                    "what_happened",
                    "Een brief is naar een verkeerd adres gestuurd.",
                ),
                ("measures", "De brief is teruggehaald."),
                ("advice", "Bel ons bij twijfel."),
            ],
        )
        .await;
    assert_eq!(s, 303);
    let html = handler.get_ok(&npage).await;
    assert!(
        html.contains("aftekening vervallen") && html.contains("De aftekening is vervallen"),
        "{html}"
    );
}
both!(letters_recipients_and_campaign_through_the_pages);

/// What still blocks a letter draft's sign-off is named in the page's language: Dutch on a Dutch
/// page, never the service's English.
async fn letter_draft_blocking_problems_in_dutch(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let handler = Browser::new(&app, Some("h@oost.nl")).await;
    let csrf = handler.csrf().await;
    let (s, loc) = handler
        .submit(
            &format!("/staff/incidents/{id}/notifications"),
            &[
                ("csrf", &csrf),
                ("kind", "letter_email"),
                (
                    "what_happened",
                    "Een brief is naar een verkeerd adres gestuurd.",
                ),
                ("measures", "De brief is teruggehaald."),
            ],
        )
        .await;
    assert_eq!(s, 303, "{loc}");
    let nid = nid_of(&loc);
    let html = handler
        .get_ok(&format!("/staff/incidents/{id}/notifications/{nid}"))
        .await;
    assert!(
        html.contains("Beschrijf wat mensen zelf kunnen doen"),
        "{html}"
    );
    assert!(
        !html.contains("say what people can do themselves"),
        "{html}"
    );
}
both!(letter_draft_blocking_problems_in_dutch);

/// Record the decision to communicate publicly instead of telling each person (Art. 34(3)(c)):
/// the only decision under which a public notice may be published.
pub(crate) async fn decide_public_communication(app: &TestApp, h: &User, id: &str) {
    // Exception (c) needs the finding that the people cannot be reached one by one.
    let a = app
        .get(
            &format!("/api/v1/incidents/{id}/assessment"),
            Some(&h.token),
        )
        .await;
    let mut facts: Value = if a.status() == 200 {
        a.json::<Value>().await.unwrap()["facts"].clone()
    } else {
        json!({})
    };
    facts["people_reachable"] = json!({"provenance": "entered", "value": false});
    let r = app
        .put(
            &format!("/api/v1/incidents/{id}/facts"),
            Some(&h.token),
            facts,
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = app
        .post(
            &format!("/api/v1/incidents/{id}/decision"),
            Some(&h.token),
            json!({
                "outcome": "notify_ap_and_public_communication",
                "exception": "c",
                "reasons": "Geen adressen bekend van de betrokkenen",
                "reason_for_difference": "Individueel informeren vergt een onevenredige inspanning",
            }),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

async fn public_notice_only_after_sign_off_and_withdrawable(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let handler = Browser::new(&app, Some("h@oost.nl")).await;
    let fg = Browser::new(&app, Some("fg@oost.nl")).await;
    let west = Browser::new(&app, Some("h@west.nl")).await;
    let public = Browser::new(&app, None).await;
    let csrf = handler.csrf().await;
    let nid = letter_draft(&handler, &id, &csrf, "public_notice").await;
    let npage = format!("/staff/incidents/{id}/notifications/{nid}");

    // The incident's decision is to tell each person: the page says a public notice needs the
    // decision of Art. 34(3)(c), and publishing is refused with that reason, in Dutch…
    let html = handler.get_ok(&npage).await;
    assert!(
        html.contains("Publiceren kan pas als de huidige beslissing")
            && html.contains(&format!("/staff/incidents/{id}#decision")),
        "{html}"
    );
    let (s, body) = handler
        .submit(&format!("{npage}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, 409);
    assert!(
        body.contains("art. 34 lid 3 onder c") && body.contains("Leg die beslissing eerst vast"),
        "{body}"
    );
    // … and in English for an English browser.
    let r = handler
        .client
        .post(app.url(&format!("{npage}/publish")))
        .header("Accept-Language", "en")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("current decision is a public communication"),
        "{body}"
    );
    decide_public_communication(&app, &h, &id).await;
    let html = handler.get_ok(&npage).await;
    assert!(!html.contains("Publiceren kan pas als de huidige beslissing"));

    // Not public before sign-off: publishing is refused, the index is empty.
    let (s, body) = handler
        .submit(&format!("{npage}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, 409);
    assert!(body.contains("Nog niet afgetekend door de FG"));
    let idx = public.get_ok("/bekendmakingen").await;
    assert!(idx.contains("geen bekendmakingen"));
    // A campaign cannot send the notice's sign-off as letters.
    let (s, _) = handler
        .submit(
            &format!("/staff/incidents/{id}/campaigns"),
            &[("csrf", &csrf), ("draft_id", &nid)],
        )
        .await;
    assert!(s == 409 || s == 422, "{s}");

    // The FG signs off exactly the notice text (both languages).
    let so = fg.get_ok(&format!("{npage}/signoff")).await;
    assert!(so.contains("Openbare bekendmaking (Nederlands)") && so.contains("Data breach at"));
    approve(&fg, &id, &nid).await;
    let (s, _) = west
        .submit(&format!("{npage}/publish"), &[("csrf", &west.csrf().await)])
        .await;
    assert_eq!(s, 404);
    let (s, loc) = handler
        .submit(&format!("{npage}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, 303, "{loc}");
    let html = handler.get_ok(&npage).await;
    let at = "href=\"/bekendmaking/";
    let i = html.find(at).expect("public link") + "href=\"".len();
    let url = html[i..].split('"').next().unwrap().to_string();
    // Public, without login, with no reporter's data; English at /notices.
    let (s, page) = public.get(&url).await;
    assert_eq!(s, 200);
    assert!(page.contains("Datalek bij Gemeente oost") && page.contains("verkeerd adres"));
    assert!(!page.contains("P. Jansen"), "no reporter's data");
    let slug = url.rsplit('/').next().unwrap();
    let en = public.get_ok(&format!("/notices/{slug}")).await;
    assert!(en.contains("Data breach at Gemeente oost"));
    assert!(public.get_ok("/bekendmakingen").await.contains(&url));
    // A second one while it is in force: refused.
    let (s, _) = handler
        .submit(&format!("{npage}/publish"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, 409);

    // Withdraw: a reason is required; then the page says withdrawn with 410, the record stays.
    let i = html.find("/public-notices/").expect("withdraw form");
    let start = html[..i].rfind('"').unwrap() + 1;
    let withdraw = html[start..].split('"').next().unwrap().to_string();
    let (s, body) = handler
        .submit(&withdraw, &[("csrf", &csrf), ("reason", "")])
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("href=\"#f-reason\""));
    let (s, _) = west
        .submit(&withdraw, &[("csrf", &west.csrf().await), ("reason", "x")])
        .await;
    assert_eq!(s, 404);
    let (s, _) = handler
        .submit(
            &withdraw,
            &[("csrf", &csrf), ("reason", "Onjuiste datum genoemd")],
        )
        .await;
    assert_eq!(s, 303);
    let (s, page) = public.get(&url).await;
    assert_eq!(s, 410);
    assert!(page.contains("ingetrokken") && page.contains("Onjuiste datum genoemd"));
    assert!(
        !page.contains("verkeerd adres"),
        "the text is no longer shown"
    );
    assert!(!public.get_ok("/bekendmakingen").await.contains(&url));
    assert_eq!(public.get("/bekendmaking/bestaat-niet").await.0, 404);
    let actions = audit_actions(&app, &id, &h.token).await;
    for a in ["notice.public_published", "notice.public_withdrawn"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}
both!(public_notice_only_after_sign_off_and_withdrawable);

/// The links of a page, as the browser follows them (HTML entities undone).
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| {
            rest.split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&")
                .replace("&#x3D;", "=")
        })
        .collect()
}

/// The campaign page pages through more than 200 letters and failed e-mails: 200 a page, the
/// page count, previous / next links that keep the other list's page, out-of-range pages shown
/// as the nearest one.
async fn campaign_page_pages_letters_and_failed_e_mails(app: TestApp) {
    use diesel::connection::SimpleConnection;
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let fg = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let did = crate::notifications::signed_off_letters(&app, &id, &h, &fg).await;
    // 401 people by post (3 pages of letters), 201 by e-mail (2 pages once they all failed).
    let mut csv = String::from("name,email,postal_address,language\n");
    for i in 0..401 {
        csv.push_str(&format!(
            "Persoon {i:03},,Dorpsstraat {i} 1234 AB Oost,nl\n"
        ));
    }
    for i in 0..201 {
        csv.push_str(&format!("Mail {i:03},m{i}@example.nl,,nl\n"));
    }
    let r = crate::notifications::upload(&app, &id, Some(&h.token), csv.into_bytes()).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let camp = format!("/api/v1/incidents/{id}/campaigns");
    let r = app
        .post(&camp, Some(&h.token), json!({"draft_id": did}))
        .await;
    assert_eq!(r.status(), 201);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (p["emails"].as_i64(), p["letters"].as_i64()),
        (Some(201), Some(401))
    );
    let cid = p["id"].as_str().unwrap().to_string();
    // Every e-mail goes out, then is marked failed, as a bounce run would leave them.
    let mut done = false;
    for _ in 0..600 {
        let v: Value = app
            .get(&format!("{camp}/{cid}"), Some(&h.token))
            .await
            .json()
            .await
            .unwrap();
        if v["done"] == true {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(done, "the campaign's e-mails went out");
    app.conn()
        .batch_execute(&format!(
            "UPDATE outbox SET status = 'failed', last_error = '550 mailbox unavailable' \
             WHERE id IN (SELECT outbox_id FROM notice_messages WHERE campaign_id = '{cid}')"
        ))
        .unwrap();

    let handler = Browser::new(&app, Some("h@oost.nl")).await;
    let west = Browser::new(&app, Some("h@west.nl")).await;
    let cpage = format!("/staff/incidents/{id}/campaigns/{cid}");
    let html = handler.get_ok(&cpage).await;
    assert!(
        html.contains("Pagina 1 van 3") && html.contains("Pagina 1 van 2"),
        "page counts of letters and failed e-mails: {html}"
    );
    for (name, shown) in [
        ("Persoon 000", true),
        ("Persoon 199", true),
        ("Persoon 200", false),
        ("Mail 000", true),
        ("Mail 199", true),
        ("Mail 200", false),
    ] {
        assert_eq!(html.contains(name), shown, "{name} on the first page");
    }
    assert!(html.contains("550 mailbox unavailable"));
    let links = hrefs(&html);
    let next_letters = format!("{cpage}?page=2&failed_page=1#h-letters");
    let next_failed = format!("{cpage}?page=1&failed_page=2#h-failed");
    assert!(links.contains(&next_letters), "{links:?}");
    assert!(links.contains(&next_failed), "{links:?}");
    assert!(
        !links.iter().any(|l| l.contains("page=0")),
        "no previous page on the first: {links:?}"
    );

    // The second page of letters keeps the failed e-mails' page; both previous and next.
    let html = handler
        .get_ok(&format!("{cpage}?page=2&failed_page=2"))
        .await;
    assert!(html.contains("Pagina 2 van 3") && html.contains("Pagina 2 van 2"));
    for (name, shown) in [
        ("Persoon 199", false),
        ("Persoon 200", true),
        ("Persoon 399", true),
        ("Persoon 400", false),
        ("Mail 199", false),
        ("Mail 200", true),
    ] {
        assert_eq!(html.contains(name), shown, "{name} on page 2");
    }
    let links = hrefs(&html);
    for l in [
        format!("{cpage}?page=1&failed_page=2#h-letters"),
        format!("{cpage}?page=3&failed_page=2#h-letters"),
        format!("{cpage}?page=2&failed_page=1#h-failed"),
    ] {
        assert!(links.contains(&l), "{l} in {links:?}");
    }
    assert!(
        !links.iter().any(|l| l.contains("failed_page=3")),
        "no next page after the last: {links:?}"
    );

    // Out of range or not a number: the nearest page, never an error.
    let html = handler
        .get_ok(&format!("{cpage}?page=99&failed_page=x"))
        .await;
    assert!(html.contains("Pagina 3 van 3") && html.contains("Pagina 1 van 2"));
    assert!(html.contains("Persoon 400") && !html.contains("Persoon 399"));
    assert!(!hrefs(&html).iter().any(|l| l.contains("page=4")));
    // Another organisation: 404, whatever the page.
    assert_eq!(west.get(&format!("{cpage}?page=2")).await.0, 404);
}
both!(campaign_page_pages_letters_and_failed_e_mails);

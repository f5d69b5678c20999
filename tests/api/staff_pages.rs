//! The staff's pages over HTTP, as a browser without JavaScript uses them: forms with the CSRF
//! token from the page, redirects after each change, masked lists, 404 for another organisation's
//! data, Dutch and English.
use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use meldpunt::auth::{store as auth_store, totp, Role};
use meldpunt::reports::model::NewAttachment;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{TestApp, PASSWORD};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRtest";

pub(crate) fn csrf_of(html: &str) -> String {
    let at = "name=\"csrf\" value=\"";
    let i = html.find(at).expect("csrf field") + at.len();
    html[i..].split('"').next().unwrap().to_string()
}

/// The value of a hidden field, e.g. the incident's version.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let at = format!("name=\"{name}\" value=\"");
    let i = html.find(&at).unwrap_or_else(|| panic!("field {name}")) + at.len();
    html[i..].split('"').next().unwrap().to_string()
}

pub(crate) fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub(crate) async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) async fn get_ok(app: &TestApp, path: &str) -> String {
    let (status, html) = get(app, path).await;
    assert_eq!(status, 200, "{path}: {html}");
    html
}

pub(crate) async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Sign in through the login form, as a person does.
pub(crate) async fn sign_in(app: &TestApp, email: &str) {
    let html = get_ok(app, "/staff/login").await;
    let csrf = csrf_of(&html);
    let r = post(
        app,
        "/staff/login",
        &[("csrf", &csrf), ("email", email), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status(), 303, "sign in");
}

/// A report through the public API (before signing in: the client's cookies would make it staff's).
async fn report(app: &TestApp, org: &str, description: &str, email: &str) -> String {
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": description, "organisation": org, "contact_email": email}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    v["reference"].as_str().unwrap().to_string()
}

fn amsterdam_minutes_ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes))
        .with_timezone(&Amsterdam)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn login_with_wrong_and_right_password(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);

    // Not signed in: to the login page, which brings one back.
    let r = app
        .client
        .get(app.url("/staff/incidents"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/login?next=/staff/incidents");

    let html = get_ok(&app, "/staff/login?next=%2Fstaff%2Finbox").await;
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("Inloggen voor medewerkers"));
    assert!(html.contains("for=\"f-password\""));
    let csrf = csrf_of(&html);

    // Wrong password: the form again, the address kept, the message at the top and at the field.
    let r = post(
        &app,
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("next", "/staff/inbox"),
            ("email", "h@oost.nl"),
            ("password", "not the password at all"),
        ],
    )
    .await;
    assert_eq!(r.status(), 401);
    assert!(r
        .headers()
        .get("set-cookie")
        .is_none_or(|c| !c.to_str().unwrap().contains("meldpunt_session=mps_")));
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\""), "{html}");
    assert!(html.contains("href=\"#f-password\""));
    assert!(html.contains("klopt niet"));
    assert!(html.contains("value=\"h@oost.nl\""));

    // Right password: a session, on to where they were going.
    let r = post(
        &app,
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("next", "/staff/inbox"),
            ("email", "h@oost.nl"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/inbox");
    let html = get_ok(&app, "/staff/inbox").await;
    assert!(html.contains("Meldingen") && html.contains("Uitloggen"));
    // The failure was counted and reset by the success.
    let mut c = app.conn();
    let u = auth_store::user_by_id(&mut c, &h.id).unwrap().unwrap();
    assert_eq!(u.failed_logins, 0);

    // `/staff` is the incident list; a login page while signed in goes straight on.
    let r = app.client.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(location(&r), "/staff/incidents");
    let r = app
        .client
        .get(app.url("/staff/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // Logging out needs the page's token, ends the session.
    let csrf = csrf_of(&html);
    let r = post(&app, "/staff/logout", &[("csrf", "wrong")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&app, "/staff/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/login");
    let r = app
        .client
        .get(app.url("/staff/inbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // Two-factor login: the code is asked for, and then accepted.
    let secret = totp::new_secret();
    auth_store::set_totp(&mut c, &h.id, Some(&secret), true).unwrap();
    let csrf = csrf_of(&get_ok(&app, "/staff/login").await);
    let r = post(
        &app,
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("email", "h@oost.nl"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-totp_code\""), "{html}");
    let code = totp::code_at(&secret, Utc::now().timestamp() as u64).unwrap();
    let r = post(
        &app,
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("email", "h@oost.nl"),
            ("password", PASSWORD),
            ("totp_code", &code),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff");
}
both!(login_with_wrong_and_right_password);

async fn locked_account_gets_a_clear_page_with_retry_after(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let mut c = app.conn();
    let now = Utc::now();
    auth_store::record_failure(&mut c, &h.id, 10, now, Some(now + Duration::minutes(15))).unwrap();
    let csrf = csrf_of(&get_ok(&app, "/staff/login").await);
    let r = post(
        &app,
        "/staff/login",
        &[
            ("csrf", &csrf),
            ("email", "h@oost.nl"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&wait), "{wait}");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("geblokkeerd") && html.contains("15 minuten"),
        "{html}"
    );
}
both!(locked_account_gets_a_clear_page_with_retry_after);

async fn inbox_masks_and_makes_one_incident_of_two_reports(app: TestApp) {
    app.create_org("oost");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r1 = report(
        &app,
        "oost",
        "Brief met BSN 123456782 van mijn buurman",
        "jan.jansen@example.nl",
    )
    .await;
    let r2 = report(&app, "oost", "Zelfde brief, ook bij mij", "piet@example.nl").await;
    let r3 = report(&app, "oost", "Nog een brief", "kees@example.nl").await;
    sign_in(&app, "h@oost.nl").await;

    let html = get_ok(&app, "/staff/inbox").await;
    assert!(html.contains(&r1) && html.contains(&r2));
    assert!(html.contains("j***@example.nl"), "{html}");
    assert!(!html.contains("jan.jansen@example.nl"));
    assert!(!html.contains("123456782"));
    // Newest first.
    assert!(html.find(&r3).unwrap() < html.find(&r1).unwrap());
    // Text search.
    let found = get_ok(&app, "/staff/inbox?q=buurman").await;
    assert!(found.contains(&r1) && !found.contains(&r2));
    let csrf = csrf_of(&html);

    // Nothing chosen and no time: the form again, errors at the top linking to the fields.
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("action", "create"),
            ("organisation", "oost"),
            ("title", "Brief naar verkeerd adres"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-reports\""), "{html}");
    assert!(html.contains("href=\"#f-became_aware_at\""));
    assert!(html.contains("value=\"Brief naar verkeerd adres\""));

    // Two reports become one incident; the time is read as Amsterdam time.
    let aware = amsterdam_minutes_ago(120);
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("action", "create"),
            ("reports", &r1),
            ("reports", &r2),
            ("organisation", "oost"),
            ("title", "Brief naar verkeerd adres"),
            ("became_aware_at", &aware),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(
        to.starts_with("/staff/incidents/") && to.ends_with("?ok=created"),
        "{to}"
    );
    let id = to
        .trim_start_matches("/staff/incidents/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let mut c = app.conn();
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    let naive = chrono::NaiveDateTime::parse_from_str(&aware, "%Y-%m-%dT%H:%M").unwrap();
    let expected = Amsterdam
        .from_local_datetime(&naive)
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
        .naive_utc();
    assert_eq!(row.became_aware_at, expected);
    let linked = meldpunt::reports::store::for_incident(&mut c, &id).unwrap();
    let mut refs: Vec<String> = linked.iter().map(|r| r.reference.clone()).collect();
    refs.sort();
    let mut want = vec![r1.clone(), r2.clone()];
    want.sort();
    assert_eq!(refs, want);

    let html = get_ok(&app, &to).await;
    assert!(html.contains("Het incident is aangemaakt"));
    assert!(html.contains(&r1) && html.contains(&r2));
    assert!(
        html.contains("nog 69 uur") || html.contains("nog 70 uur"),
        "{html}"
    );

    // The third report is linked to the open incident; linked ones have no checkbox any more.
    let html = get_ok(&app, "/staff/inbox").await;
    assert!(!html.contains(&format!("value=\"{r1}\"")));
    assert!(html.contains(&format!("value=\"{r3}\"")));
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("action", "link"),
            ("reports", &r3),
            ("incident", &id),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        meldpunt::reports::store::for_incident(&mut c, &id)
            .unwrap()
            .len(),
        3
    );

    // The incident list shows it with the hours left as text.
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(html.contains("Brief naar verkeerd adres"));
    assert!(html.contains("class=\"tag ok\""));
}
both!(inbox_masks_and_makes_one_incident_of_two_reports);

async fn transition_note_and_fact_edit_through_the_forms(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let v = app.open_incident(&h, "oost", 80).await;
    let id = v["id"].as_str().unwrap().to_string();
    sign_in(&app, "h@oost.nl").await;
    let path = format!("/staff/incidents/{id}");
    let html = get_ok(&app, &path).await;
    assert!(html.contains("8 uur te laat"), "{html}");
    assert!(html.contains("name=\"to\" value=\"triage\""));
    let csrf = csrf_of(&html);

    // A transition by its button.
    let r = post(
        &app,
        &format!("{path}/state"),
        &[("csrf", &csrf), ("to", "triage"), ("reason", "")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let mut c = app.conn();
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!(row.state.as_str(), "triage");
    // "Not a breach" needs a reason: shown at the field, nothing changed.
    let r = post(
        &app,
        &format!("{path}/state"),
        &[("csrf", &csrf), ("to", "not_a_breach"), ("reason", " ")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-reason\"") && html.contains("Geef een reden"));
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!(row.state.as_str(), "triage");
    // A step not allowed now (an old page): 409 with a message, nothing changed.
    let r = post(
        &app,
        &format!("{path}/state"),
        &[("csrf", &csrf), ("to", "notified")],
    )
    .await;
    assert_eq!(r.status(), 409);

    // A note.
    let r = post(
        &app,
        &format!("{path}/notes"),
        &[
            ("csrf", &csrf),
            ("body", "Buren gebeld\nbrief is vernietigd"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("#notes"));
    let r = post(
        &app,
        &format!("{path}/notes"),
        &[("csrf", &csrf), ("body", "  ")],
    )
    .await;
    assert_eq!(r.status(), 422);

    // A fact, with the version the page showed.
    let html = get_ok(&app, &path).await;
    assert!(
        html.contains("Buren gebeld<br>brief is vernietigd"),
        "{html}"
    );
    let version = hidden(&html, "version");
    let aware_shown = hidden(&html, "became_aware_at");
    let aware_before = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap()
        .became_aware_at;
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("title", "Brief met BSN naar de buren"),
            // Unchanged (shown to the minute): not sent on as a change.
            ("became_aware_at", &aware_shown),
            ("processor_contract_hours", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!(row.title, "Brief met BSN naar de buren");
    assert_eq!(row.became_aware_at, aware_before);
    let trail = meldpunt::audit::store::for_entity(&mut c, "incident", &id).unwrap();
    let upd = trail
        .iter()
        .find(|e| e.action == "incident.updated")
        .unwrap();
    let after: Value = serde_json::from_str(upd.after_json.as_ref().unwrap()).unwrap();
    assert_eq!(
        after.as_object().unwrap().keys().collect::<Vec<_>>(),
        vec!["title"]
    );
    // The same version again: someone changed it meanwhile.
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("title", "Iets anders"),
        ],
    )
    .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("intussen gewijzigd"), "{html}");
    // A time in the future: the message at the field.
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &hidden(&html, "version")),
            ("discovered_at", &amsterdam_minutes_ago(-600)),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-discovered_at\"") && html.contains("in de toekomst"));

    // The audit trail reads as a timeline: who, what in words, before → after.
    let html = get_ok(&app, &path).await;
    assert!(html.contains("Gegevens van het incident gewijzigd"));
    assert!(html.contains("Stand van zaken gewijzigd"));
    assert!(html.contains("Notitie toegevoegd"));
    assert!(html.contains("Brief naar verkeerd adres <span aria-hidden=\"true\">→</span>"));
    assert!(html.contains("Test Gebruiker"));
}
both!(transition_note_and_fact_edit_through_the_forms);

async fn posts_without_the_right_csrf_token_are_refused(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let v = app.open_incident(&h, "oost", 1).await;
    let id = v["id"].as_str().unwrap().to_string();
    let version = v["version"].as_i64().unwrap();
    sign_in(&app, "h@oost.nl").await;
    let path = format!("/staff/incidents/{id}");
    get_ok(&app, &path).await;
    for (suffix, form) in [
        ("notes", vec![("body", "Nooit opgeslagen")]),
        ("state", vec![("to", "triage")]),
        ("facts", vec![("title", "Gekaapt"), ("version", "1")]),
    ] {
        for token in [None, Some("x".repeat(43))] {
            let mut f: Vec<(&str, &str)> = form.clone();
            if let Some(t) = &token {
                f.push(("csrf", t));
            }
            let r = post(&app, &format!("{path}/{suffix}"), &f).await;
            assert_eq!(r.status(), 403, "{suffix}");
            let html = r.text().await.unwrap();
            assert!(html.contains("verlopen"), "{html}");
            assert!(html.contains(&format!("href=\"{path}\"")), "{html}");
        }
    }
    let r = post(&app, "/staff/inbox", &[("action", "create")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&app, "/staff/admin/tokens", &[("token_name", "x")]).await;
    assert_eq!(r.status(), 403);
    // Nothing changed.
    let mut c = app.conn();
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!((row.state.as_str(), row.version), ("new", version));
    assert_eq!(row.title, "Brief naar verkeerd adres");
    assert!(meldpunt::incidents::notes::list(&mut c, &id)
        .unwrap()
        .is_empty());
    // In English for an English reader.
    let r = app
        .client
        .post(app.url(&format!("{path}/notes")))
        .header("accept-language", "en-GB,en;q=0.9")
        .form(&[("body", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("This page has expired"));
}
both!(posts_without_the_right_csrf_token_are_refused);

async fn another_organisations_data_is_not_found(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let mine_ref = report(&app, "oost", "Brief bij ons", "a@example.nl").await;
    let theirs_ref = report(&app, "west", "Brief bij hen", "b@example.nl").await;
    let mine_inc = app.open_incident(&h, "oost", 1).await;
    let theirs_inc = app.open_incident(&w, "west", 1).await;
    let mut c = app.conn();
    let mine = meldpunt::reports::store::by_reference(&mut c, &mine_ref)
        .unwrap()
        .unwrap();
    let theirs = meldpunt::reports::store::by_reference(&mut c, &theirs_ref)
        .unwrap()
        .unwrap();
    let mine_file = meldpunt::reports::attachments::insert(
        &mut c,
        &mine.id,
        &NewAttachment::new("brief ü.png".into(), "image/png".into(), PNG.to_vec()),
    )
    .unwrap();
    let theirs_file = meldpunt::reports::attachments::insert(
        &mut c,
        &theirs.id,
        &NewAttachment::new("brief.png".into(), "image/png".into(), PNG.to_vec()),
    )
    .unwrap();
    sign_in(&app, "h@oost.nl").await;

    // One's own: the report in full, the file as a download with its stored type.
    let html = get_ok(&app, &format!("/staff/reports/{mine_ref}")).await;
    assert!(
        html.contains("a@example.nl") && html.contains("brief ü.png"),
        "{html}"
    );
    assert!(html.contains(&format!("/staff/attachments/{mine_file}")));
    let r = app
        .client
        .get(app.url(&format!("/staff/attachments/{mine_file}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(cd.starts_with("attachment"), "{cd}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

    // Theirs: as if it did not exist.
    let theirs_id = theirs_inc["id"].as_str().unwrap();
    for path in [
        format!("/staff/incidents/{theirs_id}"),
        format!("/staff/reports/{theirs_ref}"),
        format!("/staff/attachments/{theirs_file}"),
        "/staff/incidents/no-such-incident".to_string(),
    ] {
        let (status, html) = get(&app, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Pagina niet gevonden"), "{html}");
    }
    // Nor can it be changed or linked to, with a valid token.
    let csrf = csrf_of(&get_ok(&app, "/staff/inbox").await);
    let r = post(
        &app,
        &format!("/staff/incidents/{theirs_id}/notes"),
        &[("csrf", &csrf), ("body", "Hallo")],
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("action", "link"),
            ("reports", &mine_ref),
            ("incident", theirs_id),
        ],
    )
    .await;
    assert_eq!(r.status(), 404);
    // Their report cannot be pulled into our incident either.
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("action", "link"),
            ("reports", &theirs_ref),
            ("incident", mine_inc["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(meldpunt::incidents::notes::list(&mut c, theirs_id)
        .unwrap()
        .is_empty());
    let theirs = meldpunt::reports::store::by_reference(&mut c, &theirs_ref)
        .unwrap()
        .unwrap();
    assert!(theirs.incident_id.is_none());
    // Their data is not in our lists.
    let html = get_ok(&app, "/staff/inbox").await;
    assert!(html.contains(&mine_ref) && !html.contains(&theirs_ref));
}
both!(another_organisations_data_is_not_found);

async fn pages_need_a_signed_in_staff_member(app: TestApp) {
    for path in [
        "/staff/inbox",
        "/staff/incidents",
        "/staff/incidents/x",
        "/staff/reports/M-2026-000001",
        "/staff/attachments/x",
        "/staff/admin",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(location(&r), format!("/staff/login?next={path}"), "{path}");
    }
    // A handler is not an administrator.
    app.create_org("oost");
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "h@oost.nl").await;
    let (status, _) = get(&app, "/staff/admin").await;
    assert_eq!(status, 403);
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(!html.contains("href=\"/staff/admin\""));
}
both!(pages_need_a_signed_in_staff_member);

async fn pages_in_dutch_and_english(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.open_incident(&h, "oost", 75).await;
    let r = app
        .client
        .get(app.url("/staff/login"))
        .header("accept-language", "en-US,en;q=0.8,nl;q=0.5")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Staff sign-in"));
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(
        html.contains("Incidenten") && html.contains("3 uur te laat"),
        "{html}"
    );
    // The language switch remembers English in a cookie.
    let r = app
        .client
        .get(app.url("/lang/en?next=/staff/incidents"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/staff/incidents");
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(html.contains("<html lang=\"en\">"));
    assert!(
        html.contains("3 hours overdue") && html.contains("Time to notify the AP"),
        "{html}"
    );
}
both!(pages_in_dutch_and_english);

async fn organisation_switcher_is_remembered(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user(
        "h@beide.nl",
        &[("oost", Role::Handler), ("west", Role::Handler)],
    );
    let a = app.open_incident(&h, "oost", 1).await;
    let b = app.open_incident(&h, "west", 2).await;
    let (ida, idb) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    sign_in(&app, "h@beide.nl").await;
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(html.contains("Al mijn organisaties"));
    assert!(html.contains(ida) && html.contains(idb));
    let html = get_ok(&app, "/staff/incidents?org=west").await;
    assert!(!html.contains(ida) && html.contains(idb));
    // Remembered, on the inbox too.
    let html = get_ok(&app, "/staff/incidents").await;
    assert!(!html.contains(ida) && html.contains(idb));
    let html = get_ok(&app, "/staff/inbox").await;
    assert!(html.contains("<option value=\"west\" selected>"), "{html}");
    // Back to all.
    let html = get_ok(&app, "/staff/incidents?org=").await;
    assert!(html.contains(ida) && html.contains(idb));
}
both!(organisation_switcher_is_remembered);

async fn admin_manages_organisations_users_and_tokens(app: TestApp) {
    app.create_user_full("admin@meldpunt.nl", &[], true);
    sign_in(&app, "admin@meldpunt.nl").await;
    let html = get_ok(&app, "/staff/admin").await;
    let csrf = csrf_of(&html);

    // A new organisation (a bad slug first).
    let r = post(
        &app,
        "/staff/admin/organisations",
        &[
            ("csrf", &csrf),
            ("org_name", "Gemeente Noord"),
            ("org_slug", "Noord!"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#f-org_slug\""));
    let r = post(
        &app,
        "/staff/admin/organisations",
        &[
            ("csrf", &csrf),
            ("org_name", "Gemeente Noord"),
            ("org_slug", "noord"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        "/staff/admin/organisations/noord?ok=org_created"
    );
    // The slug taken: said at the field, in the person's language.
    let again = [
        ("csrf", csrf.as_str()),
        ("org_name", "Nog een Noord"),
        ("org_slug", "noord"),
    ];
    let r = post(&app, "/staff/admin/organisations", &again).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Dit is al in gebruik"), "{html}");
    let r = app
        .client
        .post(app.url("/staff/admin/organisations"))
        .header("Accept-Language", "en")
        .form(&again)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("This is already in use") && !html.contains("Dit is al in gebruik"),
        "{html}"
    );

    // Its settings: FG details, processor hours, two-factor.
    let r = post(
        &app,
        "/staff/admin/organisations/noord",
        &[
            ("csrf", &csrf),
            ("name", "Gemeente Noord"),
            ("kvk_number", "1234"),
            ("fg_email", "fg@noord.nl"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("8 cijfers"));
    let r = post(
        &app,
        "/staff/admin/organisations/noord",
        &[
            ("csrf", &csrf),
            ("name", "Gemeente Noord"),
            ("kvk_number", "12345678"),
            ("fg_name", "F. Gerritsen"),
            ("fg_email", "fg@noord.nl"),
            ("processor_hours", "48"),
            ("require_2fa", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let mut c = app.conn();
    let org = meldpunt::orgs::store::by_slug(&mut c, "noord")
        .unwrap()
        .unwrap();
    assert_eq!(org.fg_email.as_deref(), Some("fg@noord.nl"));
    assert_eq!(org.processor_hours, Some(48));
    assert!(org.require_2fa);

    // A user with a role, then another role given and taken.
    let r = post(
        &app,
        "/staff/admin/users",
        &[
            ("csrf", &csrf),
            ("email", "nieuw@noord.nl"),
            ("display_name", "Nieuwe Collega"),
            ("password", PASSWORD),
            ("language", "nl"),
            ("user_org", "noord"),
            ("user_role", "handler"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &app,
        "/staff/admin/organisations/noord/roles",
        &[
            ("csrf", &csrf),
            ("member_email", "nieuw@noord.nl"),
            ("member_role", "fg"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let members = auth_store::members_of(&mut c, &org.id).unwrap();
    assert_eq!(members.len(), 2);
    let r = post(
        &app,
        "/staff/admin/organisations/noord/roles/remove",
        &[
            ("csrf", &csrf),
            ("member_email", "nieuw@noord.nl"),
            ("member_role", "fg"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let html = get_ok(&app, "/staff/admin/organisations/noord").await;
    assert!(html.contains("Nieuwe Collega") && html.contains("behandelaar"));
    assert!(!html.contains("functionaris gegevensbescherming</td>"));

    // An API token: shown once, works, and is revoked.
    let r = post(
        &app,
        "/staff/admin/tokens",
        &[("csrf", &csrf), ("token_name", "koppeling")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let token = html
        .split("<code class=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(token.starts_with("mpt_"));
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status(), 200);
    // The answer came with a new token: sending the form again is refused.
    let r = post(
        &app,
        "/staff/admin/tokens",
        &[("csrf", &csrf), ("token_name", "koppeling")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let html = get_ok(&app, "/staff/admin").await;
    assert!(!html.contains(&token));
    let csrf = csrf_of(&html);
    let revoke = html
        .split("action=\"/staff/admin/tokens/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = post(
        &app,
        &format!("/staff/admin/tokens/{revoke}"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status(), 401);
    let trail = meldpunt::audit::store::for_entity(&mut c, "organisation", &org.id).unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "organisation.created",
            "organisation.updated",
            "membership.added",
            "membership.added",
            "membership.removed"
        ]
    );
}
both!(admin_manages_organisations_users_and_tokens);

async fn inbox_assigns_unassigned_reports_and_closes_others(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    app.create_user_full("beheer@meldpunt.nl", &[], true);
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    app.create_user("h@west.nl", &[("west", Role::Handler)]);
    // A citizen who did not know the organisation; another for oost that is no breach.
    let r = app
        .post(
            "/api/v1/reports",
            None,
            json!({"description": "Brief van een gemeente, weet niet welke"}),
        )
        .await;
    let loose: Value = r.json().await.unwrap();
    let loose = loose["reference"].as_str().unwrap().to_string();
    let spam = report(&app, "oost", "Reclame, geen datalek", "x@example.nl").await;

    sign_in(&app, "beheer@meldpunt.nl").await;
    let html = get_ok(&app, "/staff/inbox").await;
    assert!(html.contains(&loose));
    let csrf = csrf_of(&html);
    // No organisation chosen: the form comes back saying so, nothing changes.
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("reports", &loose),
            ("action", "assign"),
            ("assign_to", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("reports", &loose),
            ("action", "assign"),
            ("assign_to", "oost"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/inbox?ok=assigned");
    let v: Value = app
        .get(&format!("/api/v1/reports/{loose}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(v["organisation_id"].is_string(), "{v}");

    // A handler of another organisation cannot touch oost's reports.
    let r = post(&app, "/staff/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    sign_in(&app, "h@west.nl").await;
    let html = get_ok(&app, "/staff/inbox").await;
    let csrf = csrf_of(&html);
    let r = post(
        &app,
        "/staff/inbox",
        &[("csrf", &csrf), ("reports", &spam), ("action", "close")],
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(
        &app,
        "/staff/inbox",
        &[
            ("csrf", &csrf),
            ("reports", &spam),
            ("action", "assign"),
            ("assign_to", "oost"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422, "west may not assign to oost");

    // Oost's handler closes the one that is no breach.
    let r = post(&app, "/staff/logout", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 303);
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/inbox").await;
    let csrf = csrf_of(&html);
    let r = post(
        &app,
        "/staff/inbox",
        &[("csrf", &csrf), ("reports", &spam), ("action", "close")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let v: Value = app
        .get(&format!("/api/v1/reports/{spam}"), Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "closed");
}
both!(inbox_assigns_unassigned_reports_and_closes_others);

/// The incident page has one facts form: the incident's own details and the assessment facts go
/// in one POST and are stored together (each with its audit record), or not at all.
async fn one_facts_form_saves_details_and_assessment_together(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let v = app.open_incident(&h, "oost", 5).await;
    let id = v["id"].as_str().unwrap().to_string();
    sign_in(&app, "h@oost.nl").await;
    let path = format!("/staff/incidents/{id}");
    let html = get_ok(&app, &path).await;
    assert_eq!(
        html.matches(&format!("action=\"{path}/facts\"")).count(),
        1,
        "one facts form"
    );
    assert!(
        !html.contains(&format!("action=\"{path}/assessment\"")),
        "no second facts form"
    );
    let csrf = csrf_of(&html);
    let mut c = app.conn();
    let versions = |c: &mut meldpunt::db::DbConn| {
        meldpunt::assessment::store::latest_facts(c, &id)
            .unwrap()
            .map(|r| r.version)
            .unwrap_or(0)
    };
    let before = versions(&mut c);

    // Details and facts in one POST: both stored.
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &hidden(&html, "version")),
            ("title", "Brief naar de buren"),
            ("fx.kind", "letter_wrong_recipient"),
            ("fx.people_exact", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!(row.title, "Brief naar de buren");
    assert_eq!(versions(&mut c), before + 1);
    let latest = meldpunt::assessment::store::latest_facts(&mut c, &id)
        .unwrap()
        .unwrap();
    assert!(latest.facts_json.contains("letter_wrong_recipient"));

    // The same facts again with only a new title: the assessment gets no new version.
    let html = get_ok(&app, &path).await;
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &hidden(&html, "version")),
            ("title", "Brief met BSN naar de buren"),
            ("fx.kind", "letter_wrong_recipient"),
            ("fx.people_exact", "1"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        versions(&mut c),
        before + 1,
        "unchanged facts: no new version"
    );

    // A bad number in the facts: the form comes back with what was typed, nothing is stored.
    let html = get_ok(&app, &path).await;
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &hidden(&html, "version")),
            ("title", "Een andere titel"),
            ("fx.kind", "letter_wrong_recipient"),
            ("fx.people_exact", "veel"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Een andere titel"), "the title as typed");
    assert!(
        page.contains("Vul een heel getal in (0 of meer).") && page.contains("href=\"#f-people\""),
        "the message at the people fields: {page}"
    );
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!(row.title, "Brief met BSN naar de buren", "nothing stored");
    assert_eq!(versions(&mut c), before + 1);
}
both!(one_facts_form_saves_details_and_assessment_together);

/// "Hoe ontdekt" is asked once on the incident page: the incident's own field, recorded as the
/// assessment's fact too, so the answer to the AP tells what the incident says.
async fn how_it_was_discovered_is_asked_once(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let v = app.open_incident(&h, "oost", 5).await;
    let id = v["id"].as_str().unwrap().to_string();
    sign_in(&app, "h@oost.nl").await;
    let path = format!("/staff/incidents/{id}");
    let html = get_ok(&app, &path).await;
    assert!(
        html.contains("name=\"awareness_how\""),
        "the incident's field"
    );
    assert!(
        !html.contains("name=\"fx.how_discovered\""),
        "no second question"
    );
    let csrf = csrf_of(&html);
    let r = post(
        &app,
        &format!("{path}/facts"),
        &[
            ("csrf", &csrf),
            ("version", &hidden(&html, "version")),
            ("awareness_how", "Een buurvrouw belde de balie"),
            ("fx.kind", "letter_wrong_recipient"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let mut c = app.conn();
    let row = meldpunt::incidents::store::by_id(&mut c, &id)
        .unwrap()
        .unwrap();
    assert_eq!(
        row.awareness_how.as_deref(),
        Some("Een buurvrouw belde de balie")
    );
    let facts = meldpunt::assessment::store::latest_facts(&mut c, &id)
        .unwrap()
        .unwrap();
    let f: serde_json::Value = serde_json::from_str(&facts.facts_json).unwrap();
    assert_eq!(f["how_discovered"]["provenance"], "entered");
    assert_eq!(f["how_discovered"]["value"], "Een buurvrouw belde de balie");
}
both!(how_it_was_discovered_is_asked_once);

//! Issue 16, point 8: managing accounts (list, deactivate, reactivate, a password reset link by
//! e-mail) through the API and the pages; the installation administrator manages every
//! organisation's settings; settings paths take the slug (and still the old id).
use meldpunt::auth::Role;
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, TestApp, PASSWORD};
use crate::staff_pages::{csrf_of, get, get_ok, location, post, sign_in};

/// The reset link's token from the mail sent to `to` (the last one).
async fn reset_token(app: &TestApp, to: &str) -> String {
    let mails = app
        .wait_for_mail(|m| {
            m.iter()
                .any(|m| m.to.contains(to) && m.body_text.contains("/staff/password-reset/"))
        })
        .await;
    let mail = mails
        .iter()
        .rev()
        .find(|m| m.to.contains(to) && m.body_text.contains("/staff/password-reset/"))
        .expect("reset mail sent");
    let at =
        mail.body_text.find("/staff/password-reset/").unwrap() + "/staff/password-reset/".len();
    mail.body_text[at..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

async fn deactivation_ends_sessions_and_tokens(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let admin = app.create_user_full("beheer@meldpunt.nl", &[], true);
    let oost_admin = app.create_user("admin@oost.nl", &[("oost", Role::Admin)]);
    let handler = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let west = app.create_user("h@west.nl", &[("west", Role::Handler)]);

    // The handler has a page session too (a second browser).
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = browser
        .get(app.url("/staff/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let r = browser
        .post(app.url("/staff/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "h@oost.nl"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = |b: &reqwest::Client| b.get(app.url("/staff/incidents")).send();
    assert_eq!(page(&browser).await.unwrap().status(), 200);

    // Who sees whom: the installation admin everyone; the organisation's admin its own people,
    // not the installation admin nor another organisation's; a handler nobody.
    let all: Vec<Value> = app
        .get("/api/v1/users", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    let r = app.get("/api/v1/users", Some(&oost_admin.token)).await;
    assert_eq!(r.status(), 200);
    let mine: Vec<Value> = r.json().await.unwrap();
    let emails: Vec<&str> = mine.iter().map(|u| u["email"].as_str().unwrap()).collect();
    assert_eq!(emails, vec!["admin@oost.nl", "h@oost.nl"]);
    assert_problem(
        app.get("/api/v1/users", Some(&handler.token)).await,
        403,
        None,
    )
    .await;
    // Outside what one administers: 404, and nothing changes.
    for (who, target) in [
        (&oost_admin, &west.id),
        (&oost_admin, &admin.id),
        (&handler, &oost_admin.id),
    ] {
        let r = app
            .post(
                &format!("/api/v1/users/{target}/deactivate"),
                Some(&who.token),
                json!({}),
            )
            .await;
        assert_eq!(r.status(), 404);
    }
    assert_eq!(app.get("/api/v1/me", Some(&west.token)).await.status(), 200);
    // Not oneself.
    let r = app
        .post(
            &format!("/api/v1/users/{}/deactivate", oost_admin.id),
            Some(&oost_admin.token),
            json!({}),
        )
        .await;
    let p = assert_problem(r, 409, None).await;
    assert_eq!(p["code"], "own_account");

    // Deactivated: the token and the page session stop at once, and sign-in is refused.
    let r = app
        .post(
            &format!("/api/v1/users/{}/deactivate", handler.id),
            Some(&oost_admin.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.get("/api/v1/me", Some(&handler.token)).await.status(),
        401
    );
    assert_eq!(
        page(&browser).await.unwrap().status(),
        303,
        "the page session ended"
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let again = app
        .post(
            &format!("/api/v1/users/{}/deactivate", handler.id),
            Some(&oost_admin.token),
            json!({}),
        )
        .await;
    assert_eq!(
        assert_problem(again, 409, None).await["code"],
        "deactivated_already"
    );
    // No reset link for a deactivated account.
    let r = app
        .post(
            &format!("/api/v1/users/{}/password-reset", handler.id),
            Some(&oost_admin.token),
            json!({}),
        )
        .await;
    assert_eq!(
        assert_problem(r, 409, None).await["code"],
        "account_deactivated"
    );
    let list: Vec<Value> = app
        .get("/api/v1/users", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    let h = list.iter().find(|u| u["email"] == "h@oost.nl").unwrap();
    assert_eq!(h["active"], false);

    // Reactivated: sign-in works again; the old API token stays revoked.
    let r = app
        .post(
            &format!("/api/v1/users/{}/reactivate", handler.id),
            Some(&oost_admin.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get("/api/v1/me", Some(&handler.token)).await.status(),
        401
    );

    // Audited, by whom.
    let mut c = app.conn();
    let actions = audit_actions(&mut c, &handler.id);
    assert!(
        actions.contains(&(
            "user.deactivated".to_string(),
            format!("user:{}", oost_admin.id)
        )),
        "{actions:?}"
    );
    assert!(
        actions.contains(&(
            "user.reactivated".to_string(),
            format!("user:{}", oost_admin.id)
        )),
        "{actions:?}"
    );
}
both!(deactivation_ends_sessions_and_tokens);

fn audit_actions(c: &mut meldpunt::db::DbConn, user_id: &str) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use meldpunt::db::schema::audit_log;
    audit_log::table
        .filter(audit_log::entity_id.eq(user_id))
        .select((audit_log::action, audit_log::actor))
        .load(c)
        .unwrap()
}

async fn reset_link_works_once_and_ends_sessions(app: TestApp) {
    app.create_org("oost");
    let admin = app.create_user_full("beheer@meldpunt.nl", &[], true);
    let handler = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post(
            &format!("/api/v1/users/{}/password-reset", handler.id),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["sent_to"], "h@oost.nl");
    assert!(
        v.get("token").is_none() && !v.to_string().contains("mpr_"),
        "the link is not shown: {v}"
    );
    let first = reset_token(&app, "h@oost.nl").await;
    // A second link replaces the first.
    let r = app
        .post(
            &format!("/api/v1/users/{}/password-reset", handler.id),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    app.wait_for_mail(|m| {
        m.iter()
            .filter(|m| m.body_text.contains("/staff/password-reset/"))
            .count()
            >= 2
    })
    .await;
    let token = reset_token(&app, "h@oost.nl").await;
    assert_ne!(first, token);
    let mail = app
        .sent_mail()
        .into_iter()
        .rev()
        .find(|m| m.to.contains("h@oost.nl"))
        .unwrap();
    assert!(
        mail.subject.contains("wachtwoord"),
        "Dutch subject: {}",
        mail.subject
    );
    assert!(mail.body_text.contains("één keer"), "{}", mail.body_text);

    // The page: the replaced link is refused; too short is said; the right one works once.
    let (status, html) = get(&app, &format!("/staff/password-reset/{first}")).await;
    assert_eq!(status, 410);
    assert!(html.contains("werkt niet meer"), "{html}");
    let html = get_ok(&app, &format!("/staff/password-reset/{token}")).await;
    let csrf = csrf_of(&html);
    let path = format!("/staff/password-reset/{token}");
    let r = post(
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("new_password", "kort"),
            ("new_password_again", "kort"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ten minste 12 tekens"));
    let r = post(
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("new_password", "een nieuw lang wachtwoord"),
            ("new_password_again", "een ander lang wachtwoord"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("new_password", "een nieuw lang wachtwoord"),
            ("new_password_again", "een nieuw lang wachtwoord"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/login?ok=password_reset");
    let r = post(
        &app,
        &path,
        &[
            ("csrf", &csrf),
            ("new_password", "nog een lang wachtwoord"),
            ("new_password_again", "nog een lang wachtwoord"),
        ],
    )
    .await;
    assert_eq!(r.status(), 410, "the link works once");
    // Through the API too: spent.
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"token": token, "new_password": "nog een lang wachtwoord"}),
        )
        .await;
    assert_eq!(
        assert_problem(r, 409, None).await["code"],
        "reset_link_invalid"
    );
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 401, "the old password no longer works");
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": "een nieuw lang wachtwoord"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let mut c = app.conn();
    let actions = audit_actions(&mut c, &handler.id);
    assert!(actions.contains(&(
        "user.password_reset_sent".to_string(),
        format!("user:{}", admin.id)
    )));
    assert!(actions.contains(&(
        "user.password_reset".to_string(),
        format!("user:{}", handler.id)
    )));
}
both!(reset_link_works_once_and_ends_sessions);

async fn reset_link_expires(app: TestApp) {
    app.create_org("oost");
    let admin = app.create_user_full("beheer@meldpunt.nl", &[], true);
    let handler = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post(
            &format!("/api/v1/users/{}/password-reset", handler.id),
            Some(&admin.token),
            json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let token = reset_token(&app, "h@oost.nl").await;
    {
        use diesel::prelude::*;
        use meldpunt::db::schema::password_resets;
        let mut c = app.conn();
        let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).naive_utc();
        diesel::update(password_resets::table)
            .set(password_resets::expires_at.eq(past))
            .execute(&mut c)
            .unwrap();
    }
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"token": token, "new_password": "een nieuw lang wachtwoord"}),
        )
        .await;
    assert_eq!(r.status(), 409, "expired");
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"token": "mpr_verzonnen", "new_password": "een nieuw lang wachtwoord"}),
        )
        .await;
    assert_eq!(r.status(), 409, "never issued");
}
both!(reset_link_expires);

async fn users_page_deactivates_and_sends_links(app: TestApp) {
    app.create_org("oost");
    app.create_user("admin@oost.nl", &[("oost", Role::Admin)]);
    let handler = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "admin@oost.nl").await;
    let html = get_ok(&app, "/staff/admin").await;
    assert!(html.contains("href=\"/staff/admin/users\""));
    let html = get_ok(&app, "/staff/admin/users").await;
    assert!(
        html.contains("h@oost.nl") && html.contains("behandelaar (oost)"),
        "{html}"
    );
    assert!(html.contains("Uitschakelen"));
    let csrf = csrf_of(&html);
    let base = format!("/staff/admin/users/{}", handler.id);
    let r = post(&app, &format!("{base}/password-reset"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/staff/admin/users?ok=reset_sent");
    reset_token(&app, "h@oost.nl").await;
    let r = post(&app, &format!("{base}/deactivate"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/staff/admin/users?ok=user_deactivated");
    let html = get_ok(&app, "/staff/admin/users?ok=user_deactivated").await;
    assert!(html.contains("uitgeschakeld sinds"), "{html}");
    assert!(html.contains("Weer inschakelen"));
    assert_eq!(
        app.get("/api/v1/me", Some(&handler.token)).await.status(),
        401
    );
    // Again: said on the page, 409.
    let r = post(&app, &format!("{base}/deactivate"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("al uitgeschakeld"));
    // Without the CSRF token nothing changes.
    let r = post(&app, &format!("{base}/reactivate"), &[("csrf", "fout")]).await;
    assert_eq!(r.status(), 403);
    let r = post(&app, &format!("{base}/reactivate"), &[("csrf", &csrf)]).await;
    assert_eq!(location(&r), "/staff/admin/users?ok=user_reactivated");
}
both!(users_page_deactivates_and_sends_links);

async fn handlers_cannot_manage_users(app: TestApp) {
    app.create_org("oost");
    let other = app.create_user("h2@oost.nl", &[("oost", Role::Handler)]);
    app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "h@oost.nl").await;
    assert_eq!(get(&app, "/staff/admin/users").await.0, 403);
    let html = get_ok(&app, "/staff/incidents").await;
    let csrf = csrf_of(&html);
    let r = post(
        &app,
        &format!("/staff/admin/users/{}/deactivate", other.id),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.get("/api/v1/me", Some(&other.token)).await.status(),
        200
    );
}
both!(handlers_cannot_manage_users);

async fn installation_admin_sets_retention_and_contact_on_the_page(app: TestApp) {
    let org_id = app.create_org("oost");
    let admin = app.create_user_full("beheer@meldpunt.nl", &[], true);
    // The API: no role in the organisation needed; the slug in every path, the old id still works.
    let r = app
        .get("/api/v1/organisations/oost/retention", Some(&admin.token))
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .put(
            "/api/v1/organisations/oost/retention",
            Some(&admin.token),
            json!({"register_years": 7, "evidence_grace_days": 30}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .put(
            "/api/v1/organisations/oost/notice-settings",
            Some(&admin.token),
            json!({"privacy_url": "https://oost.example.nl/privacy"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["organisation_slug"], "oost");
    let r = app
        .get(
            &format!("/api/v1/organisations/{org_id}/notice-settings"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(r.status(), 200, "the old id path keeps working");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["privacy_url"], "https://oost.example.nl/privacy");
    let r = app
        .put(
            "/api/v1/organisations/oost/notice-settings",
            Some(&admin.token),
            json!({"accessibility_url": "javascript:alert(1)"}),
        )
        .await;
    assert_problem(r, 422, Some("accessibility_url")).await;

    sign_in(&app, "beheer@meldpunt.nl").await;
    let html = get_ok(&app, "/staff/admin/organisations/oost").await;
    assert!(
        html.contains("Bewaartermijnen") && html.contains("value=\"7\""),
        "{html}"
    );
    assert!(html.contains("https://oost.example.nl/privacy"));
    let csrf = csrf_of(&html);
    let r = post(
        &app,
        "/staff/admin/organisations/oost/retention",
        &[
            ("csrf", &csrf),
            ("register_years", "0"),
            ("evidence_grace_days", "30"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("van 1 tot 100"), "{body}");
    let r = post(
        &app,
        "/staff/admin/organisations/oost/retention",
        &[
            ("csrf", &csrf),
            ("register_years", "10"),
            ("evidence_grace_days", "60"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let v: Value = app
        .get("/api/v1/organisations/oost/retention", Some(&admin.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["register_years"], 10);
    let form = [
        ("csrf", csrf.as_str()),
        ("contact_email", "privacy@oost.nl"),
        ("contact_phone", "14 010"),
        ("website", "https://oost.nl"),
        ("privacy_url", "niet goed"),
        ("contact_url", ""),
        ("accessibility_url", ""),
    ];
    let r = post(&app, "/staff/admin/organisations/oost/contact", &form).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("begint met https://"));
    let mut ok = form;
    ok[4] = ("privacy_url", "https://oost.nl/privacy");
    ok[6] = ("accessibility_url", "https://oost.nl/toegankelijkheid");
    let r = post(&app, "/staff/admin/organisations/oost/contact", &ok).await;
    assert_eq!(r.status(), 303);
    let v: Value = app
        .get(
            "/api/v1/organisations/oost/notice-settings",
            Some(&admin.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["contact_email"], "privacy@oost.nl");
    assert_eq!(v["accessibility_url"], "https://oost.nl/toegankelijkheid");

    // Who signs the letters and the neutral salutation, on the same form: shown again on the page,
    // kept as typed when refused, and what the letters use (the API's view of the same settings).
    let page = get_ok(&app, "/staff/admin/organisations/oost").await;
    assert!(
        page.contains("Naam van wie de brieven ondertekent"),
        "{page}"
    );
    let long = "x".repeat(121);
    let mut signed: Vec<(&str, &str)> = ok.to_vec();
    signed.extend([
        ("signatory_name", "M. de Vries"),
        ("signatory_function", long.as_str()),
        ("salutation_nl", "Beste inwoner,"),
        ("salutation_en", ""),
    ]);
    let r = post(&app, "/staff/admin/organisations/oost/contact", &signed).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("ten hoogste 120 tekens"), "{body}");
    assert!(body.contains("M. de Vries"), "typed text kept: {body}");
    signed[8] = ("signatory_function", "Teamleider Privacy");
    let r = post(&app, "/staff/admin/organisations/oost/contact", &signed).await;
    assert_eq!(r.status(), 303);
    let v: Value = app
        .get(
            "/api/v1/organisations/oost/notice-settings",
            Some(&admin.token),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["signatory_name"], "M. de Vries");
    assert_eq!(v["signatory_function"], "Teamleider Privacy");
    assert_eq!(v["salutation_nl"], "Beste inwoner,");
    assert!(v["salutation_en"].is_null(), "empty clears it: {v}");
    let page = get_ok(&app, "/staff/admin/organisations/oost").await;
    assert!(page.contains("Teamleider Privacy"), "{page}");
}
both!(installation_admin_sets_retention_and_contact_on_the_page);

//! One's own account: password change and two-factor login, through the page and the API.
use meldpunt::auth::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{assert_problem, TestApp, PASSWORD};
use crate::staff_pages::{csrf_of, get_ok, location, post, sign_in};

fn secret_of(html: &str) -> String {
    let at = "<code>";
    let i = html.find(at).expect("the key is shown") + at.len();
    html[i..].split('<').next().unwrap().replace(' ', "")
}

async fn password_and_two_factor_through_the_account_page(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    sign_in(&app, "h@oost.nl").await;
    let html = get_ok(&app, "/staff/account").await;
    assert!(html.contains("Tweestapsverificatie staat uit"));
    let csrf = csrf_of(&html);
    let new_pw = "een-nieuw-lang-wachtwoord-7";

    let r = post(
        &app,
        "/staff/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", "fout-fout-fout"),
            ("new_password", new_pw),
            ("repeat_password", new_pw),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("het huidige wachtwoord klopt niet"));
    let r = post(
        &app,
        "/staff/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", new_pw),
            ("repeat_password", "anders"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post(
        &app,
        "/staff/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", "kort"),
            ("repeat_password", "kort"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("ten minste 12 tekens"));
    let r = post(
        &app,
        "/staff/account/password",
        &[
            ("csrf", &csrf),
            ("current_password", PASSWORD),
            ("new_password", new_pw),
            ("repeat_password", new_pw),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/staff/account?ok=password");
    // Still signed in here (a fresh session); the old password no longer works.
    let html = get_ok(&app, "/staff/account?ok=password").await;
    assert!(html.contains("Uw wachtwoord is gewijzigd"));
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 401);

    // Two-factor login: begin, a wrong code, the right code → recovery codes once.
    let r = post(
        &app,
        "/staff/account/totp",
        &[("csrf", &csrf), ("step", "begin")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg"), "a QR code to scan");
    let secret = secret_of(&html);
    {
        use diesel::prelude::*;
        use meldpunt::db::schema::users;
        let stored: Option<String> = users::table
            .filter(users::email.eq("h@oost.nl"))
            .select(users::totp_secret)
            .first(&mut app.conn())
            .unwrap();
        let stored = stored.unwrap();
        assert!(stored.starts_with("v1:"), "sealed at rest");
        assert!(
            !stored.contains(&secret),
            "the secret is not in the database in the clear"
        );
    }
    let r = post(
        &app,
        "/staff/account/totp",
        &[("csrf", &csrf), ("step", "confirm"), ("code", "000000")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let code =
        meldpunt::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let r = post(
        &app,
        "/staff/account/totp",
        &[("csrf", &csrf), ("step", "confirm"), ("code", &code)],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Uw herstelcodes"));
    assert!(html.contains("Tweestapsverificatie staat aan"));
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["totp_enabled"], true);
    let html = get_ok(&app, "/staff/account").await;
    assert!(!html.contains("Uw herstelcodes"), "shown once");

    // Off again, with a code.
    let r = post(
        &app,
        "/staff/account/totp",
        &[("csrf", &csrf), ("step", "disable"), ("code", "123")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let code =
        meldpunt::auth::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let r = post(
        &app,
        "/staff/account/totp",
        &[("csrf", &csrf), ("step", "disable"), ("code", &code)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let me: serde_json::Value = app
        .get("/api/v1/me", Some(&h.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["totp_enabled"], false);

    // A stale form (no CSRF token) changes nothing.
    let r = post(
        &app,
        "/staff/account/password",
        &[
            ("current_password", new_pw),
            ("new_password", "nog-een-ander-wachtwoord"),
            ("repeat_password", "nog-een-ander-wachtwoord"),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
}
both!(password_and_two_factor_through_the_account_page);

async fn password_change_over_the_api(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let path = "/api/v1/me/password";
    assert_problem(
        app.post(
            path,
            None,
            json!({"current_password": PASSWORD, "new_password": "x".repeat(12)}),
        )
        .await,
        401,
        None,
    )
    .await;
    assert_problem(
        app.post(
            path,
            Some(&h.token),
            json!({"current_password": "nee", "new_password": "y".repeat(12)}),
        )
        .await,
        422,
        Some("current_password"),
    )
    .await;
    assert_problem(
        app.post(
            path,
            Some(&h.token),
            json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await,
        422,
        Some("new_password"),
    )
    .await;
    let r = app
        .post(
            path,
            Some(&h.token),
            json!({"current_password": PASSWORD, "new_password": "z".repeat(14)}),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "h@oost.nl", "password": "z".repeat(14)}),
        )
        .await;
    assert_eq!(r.status(), 200);
}
both!(password_change_over_the_api);

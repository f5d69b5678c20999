use meldpunt::auth::{store as auth_store, totp, Role};
use serde_json::{json, Value};

use crate::both;
use crate::helpers::{assert_problem, spawn_app_with, Db, TestApp, PASSWORD};

async fn first_run_setup_code_creates_the_first_admin(app: TestApp) {
    let code = auth_store::create_setup_code(&mut app.conn(), 24).unwrap();
    let body = json!({"setup_code": code, "email": "Beheer@Example.nl", "display_name": "Beheer", "password": PASSWORD});
    assert_problem(app.post("/api/v1/setup", None, json!({"setup_code": "fout", "email": "a@b.nl", "display_name": "x", "password": PASSWORD})).await, 403, None).await;
    assert_problem(
        app.post(
            "/api/v1/setup",
            None,
            json!({"setup_code": code, "email": "a@b.nl", "display_name": "x", "password": "kort"}),
        )
        .await,
        422,
        Some("password"),
    )
    .await;
    let r = app.post("/api/v1/setup", None, body.clone()).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["is_admin"], true);
    assert_eq!(v["email"], "beheer@example.nl");
    // The code works once.
    assert_problem(app.post("/api/v1/setup", None, body).await, 403, None).await;
    // The admin signs in with a cookie session.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "beheer@example.nl", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let me: Value = app.get("/api/v1/me", None).await.json().await.unwrap();
    assert_eq!(me["email"], "beheer@example.nl");
    // Logout ends the session.
    assert_eq!(
        app.post("/api/v1/auth/logout", None, json!({}))
            .await
            .status(),
        204
    );
    assert_problem(app.get("/api/v1/me", None).await, 401, None).await;
}
both!(first_run_setup_code_creates_the_first_admin);

async fn wrong_passwords_slow_down(app: TestApp) {
    app.create_org("oost");
    let u = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    for _ in 0..3 {
        let r = app
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": u.email, "password": "verkeerd wachtwoord"}),
            )
            .await;
        assert_problem(r, 401, None).await;
    }
    // The fourth try right away must wait, even with the right password.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": u.email, "password": PASSWORD}),
        )
        .await;
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, 429, None).await;
    // Unknown accounts get the same 401 as wrong passwords.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "niemand@oost.nl", "password": PASSWORD}),
        )
        .await;
    let body = assert_problem(r, 401, None).await;
    assert_eq!(body["detail"], "wrong e-mail address or password");
    assert_problem(
        app.post("/api/v1/auth/login", None, json!({"email": "x"}))
            .await,
        422,
        Some("password"),
    )
    .await;
}
both!(wrong_passwords_slow_down);

async fn lockout(kind: Db) {
    let Some(app) = spawn_app_with(kind, |s| {
        s.security.slow_down_after = 100;
        s.security.lock_after = 3;
    })
    .await
    else {
        return;
    };
    app.create_org("oost");
    let u = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    for _ in 0..3 {
        app.post(
            "/api/v1/auth/login",
            None,
            json!({"email": u.email, "password": "verkeerd wachtwoord"}),
        )
        .await;
    }
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": u.email, "password": PASSWORD}),
        )
        .await;
    let retry: i64 = r
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry > 800 && retry <= 900,
        "locked ~15 minutes, got {retry}"
    );
    let body = assert_problem(r, 429, None).await;
    assert!(body["detail"].as_str().unwrap().contains("locked"));
    // API tokens keep working for scripts; the lock is on password login.
    assert_eq!(app.get("/api/v1/me", Some(&u.token)).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_sqlite() {
    lockout(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockout_postgres() {
    lockout(Db::Postgres).await
}

async fn two_factor_login_with_totp_and_recovery_codes(app: TestApp) {
    app.create_org("oost");
    let u = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let setup: Value = app
        .post("/api/v1/me/totp", Some(&u.token), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap();
    assert!(setup["otpauth_url"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert_problem(
        app.post(
            "/api/v1/me/totp/confirm",
            Some(&u.token),
            json!({"code": "000000"}),
        )
        .await,
        422,
        Some("code"),
    )
    .await;
    let now = chrono::Utc::now().timestamp() as u64;
    let code = totp::code_at(secret, now).unwrap();
    let r = app
        .post(
            "/api/v1/me/totp/confirm",
            Some(&u.token),
            json!({"code": code}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let codes: Value = r.json().await.unwrap();
    let recovery = codes["recovery_codes"].as_array().unwrap();
    assert_eq!(recovery.len(), 10);

    // Password alone is not enough now.
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": u.email, "password": PASSWORD}),
        )
        .await;
    let body = assert_problem(r, 401, None).await;
    assert!(body["detail"].as_str().unwrap().contains("totp_code"));
    let r = app.post("/api/v1/auth/login", None, json!({"email": u.email, "password": PASSWORD, "totp_code": totp::code_at(secret, now).unwrap()})).await;
    assert_eq!(r.status(), 200);
    // A recovery code works once.
    let rc = recovery[0].as_str().unwrap();
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": u.email, "password": PASSWORD, "recovery_code": rc}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": u.email, "password": PASSWORD, "recovery_code": rc}),
        )
        .await;
    assert_problem(r, 401, None).await;
}
both!(two_factor_login_with_totp_and_recovery_codes);

async fn organisation_requiring_two_factor_withholds_its_data(app: TestApp) {
    app.create_org("oost");
    let u = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let admin = app.create_user_full("admin@meldpunt.nl", &[], true);
    app.open_incident(&u, "oost", 1).await;
    let r = app
        .patch(
            "/api/v1/organisations/oost",
            Some(&admin.token),
            json!({"require_2fa": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let me: Value = app
        .get("/api/v1/me", Some(&u.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["two_factor_required"], true);
    let list: Value = app
        .get("/api/v1/incidents", Some(&u.token))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list.as_array().unwrap().is_empty(),
        "withheld until 2FA is on"
    );
    // Turn it on: the data come back.
    let setup: Value = app
        .post("/api/v1/me/totp", Some(&u.token), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let code = totp::code_at(
        setup["secret"].as_str().unwrap(),
        chrono::Utc::now().timestamp() as u64,
    )
    .unwrap();
    assert_eq!(
        app.post(
            "/api/v1/me/totp/confirm",
            Some(&u.token),
            json!({"code": code})
        )
        .await
        .status(),
        200
    );
    let list: Value = app
        .get("/api/v1/incidents", Some(&u.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
both!(organisation_requiring_two_factor_withholds_its_data);

async fn api_tokens_can_be_created_listed_and_revoked(app: TestApp) {
    app.create_org("oost");
    let u = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .post(
            "/api/v1/me/tokens",
            Some(&u.token),
            json!({"name": "script"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    let new_token = t["token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(new_token)).await.status(), 200);
    let list: Value = app
        .get("/api/v1/me/tokens", Some(&u.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t.get("token").is_none() && t.get("token_hash").is_none()));
    let id = t["id"].as_str().unwrap();
    // Someone else cannot revoke it.
    let other = app.create_user("o@oost.nl", &[("oost", Role::Handler)]);
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_problem(r, 404, None).await;
    let r = app
        .client
        .delete(app.url(&format!("/api/v1/me/tokens/{id}")))
        .bearer_auth(&u.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_problem(app.get("/api/v1/me", Some(new_token)).await, 401, None).await;
    assert_problem(
        app.post("/api/v1/me/tokens", Some(&u.token), json!({"name": ""}))
            .await,
        422,
        Some("name"),
    )
    .await;
}
both!(api_tokens_can_be_created_listed_and_revoked);

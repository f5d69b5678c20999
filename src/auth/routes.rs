//! Sign-in, sessions, two-factor login, API tokens, first-run setup and user creation.
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::extract::SESSION_COOKIE;
use super::login::{self, session_cookie, LoginFailure};
use super::secrets::hash_password;
use super::store::{self, TokenInfo};
use super::throttle::Policy;
use super::Staff;
use crate::db::now;
use crate::error::{ApiError, ApiResult};
use crate::http::paging::{self, Bounds, Page, PageQuery};
use crate::http::ApiJson;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// The 6-digit code from the authenticator app, when two-factor login is on.
    pub totp_code: Option<String>,
    /// A one-time recovery code instead of the app's code.
    pub recovery_code: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = Staff), (status = 401), (status = 429)))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginInput>,
) -> ApiResult<HttpResponse> {
    use crate::http::ratelimit::{account_key, check, limit_api, too_many};
    // Per client address (password spraying across accounts), then per account (from anywhere).
    limit_api(&req, |l| &l.logins)?;
    let input = body.into_inner()?;
    check(&state.limits.account_logins, account_key(&input.email)).map_err(too_many)?;
    let sec = state.settings.security.clone();
    let policy = Policy {
        slow_down_after: sec.slow_down_after,
        lock_after: sec.lock_after,
        lock_minutes: sec.lock_minutes,
    };
    let (staff, token) = state
        .db(move |c| {
            // A recovery code goes where the app's code would; `authenticate` tells them apart.
            let code = input.totp_code.clone().or(input.recovery_code.clone());
            match login::authenticate(
                c,
                &policy,
                sec.session_hours,
                &input.email,
                &input.password,
                code.as_deref(),
            )? {
                Ok(ok) => Ok(ok),
                Err(LoginFailure::Wrong) => Err(ApiError::Unauthorized(
                    "wrong e-mail address or password".into(),
                )),
                Err(LoginFailure::CodeNeeded) => Err(ApiError::Unauthorized(
                    "two-factor login is on: send totp_code (or recovery_code)".into(),
                )),
                Err(LoginFailure::Throttled {
                    retry_after,
                    locked,
                }) => Err(ApiError::TooManyRequests {
                    detail: if locked {
                        "the account is locked for a while after too many failed attempts".into()
                    } else {
                        "too many failed attempts; wait before trying again".into()
                    },
                    retry_after,
                }),
            }
        })
        .await?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(&state, token))
        .json(staff))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let token = c.value().to_string();
        state
            .service(move |conn| login::sign_out(conn, &token))
            .await?;
    }
    let mut gone = session_cookie(&state, String::new());
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub staff: Staff,
    /// An organisation requires two-factor login and it is not on yet: its data stays hidden.
    pub two_factor_required: bool,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = MeView), (status = 401)))]
pub async fn me(staff: Staff) -> ApiResult<HttpResponse> {
    let req = staff.two_factor_missing();
    Ok(HttpResponse::Ok().json(MeView {
        staff,
        two_factor_required: req,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TotpSetup {
    pub secret: String,
    pub otpauth_url: String,
}

/// Start turning on two-factor login: a new secret for the authenticator app (not active until confirmed).
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "auth", responses((status = 200, body = TotpSetup)))]
pub async fn totp_begin(state: web::Data<AppState>, staff: Staff) -> ApiResult<HttpResponse> {
    let (secret, otpauth_url) = state
        .service(move |c| super::account::begin_totp(c, &staff))
        .await?;
    Ok(HttpResponse::Ok().json(TotpSetup {
        secret,
        otpauth_url,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    pub code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Shown once: each works once instead of an app code.
    pub recovery_codes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "auth", request_body = CodeInput,
    responses((status = 200, body = RecoveryCodes), (status = 422)))]
pub async fn totp_confirm(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<CodeInput>,
) -> ApiResult<HttpResponse> {
    let code = body.into_inner()?.code;
    let codes = state
        .service(move |c| super::account::confirm_totp(c, &staff, &code))
        .await?;
    Ok(HttpResponse::Ok().json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

#[utoipa::path(delete, path = "/api/v1/me/totp", tag = "auth", request_body = CodeInput,
    responses((status = 204), (status = 422)))]
pub async fn totp_disable(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<CodeInput>,
) -> ApiResult<HttpResponse> {
    let code = body.into_inner()?.code;
    state
        .service(move |c| super::account::disable_totp(c, &staff, &code))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordInput,
    responses((status = 204, description = "changed; every session of the user has ended"), (status = 401), (status = 422)))]
pub async fn password_change(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<PasswordInput>,
) -> ApiResult<HttpResponse> {
    let p = body.into_inner()?;
    state
        .service(move |c| {
            super::account::change_password(c, &staff, &p.current_password, &p.new_password)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub id: String,
    pub name: String,
    /// Shown once.
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth", request_body = TokenInput,
    responses((status = 201, body = TokenCreated)))]
pub async fn token_create(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<TokenInput>,
) -> ApiResult<HttpResponse> {
    let name = body.into_inner()?.name.trim().to_string();
    let n = name.clone();
    let (id, token) = state
        .service(move |c| super::account::create_token(c, &staff.id, staff.actor(), &n))
        .await?;
    Ok(HttpResponse::Created().json(TokenCreated { id, name, token }))
}

/// The tokens' and users' page size: 100 unless asked, at most 1,000.
pub const LIST_PAGE: Bounds = Bounds::new(100, 1000);

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "auth", params(PageQuery),
    responses((status = 200, body = Vec<TokenInfo>, description = "a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 422)))]
pub async fn token_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, LIST_PAGE)?;
    let list = state
        .db(move |c| Ok(store::tokens_of(c, &staff.id)?))
        .await?;
    Ok(paging::respond_slice(&req, page, list))
}

#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 404)))]
pub async fn token_revoke(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .service(move |c| super::account::revoke_token(c, &staff, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupInput {
    /// The one-time code printed on the first start.
    pub setup_code: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// First run: the one-time setup code creates the first installation administrator.
#[utoipa::path(post, path = "/api/v1/setup", tag = "auth", request_body = SetupInput,
    responses((status = 201, body = Staff), (status = 403), (status = 422)))]
pub async fn setup(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<SetupInput>,
) -> ApiResult<HttpResponse> {
    // The setup code is a secret tried from outside: limited per client address.
    crate::http::ratelimit::limit_api(&req, |l| &l.credentials)?;
    let input = body.into_inner()?;
    let errs =
        super::account::new_user_problems(&input.email, &input.display_name, Some(&input.password));
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let hash = hash_password(&input.password)?;
    let staff = state
        .service(move |c| {
            super::account::first_admin(
                c,
                &input.setup_code,
                &input.email,
                &input.display_name,
                hash,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(staff))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub email: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub is_admin: bool,
    /// nl (default) or en
    pub language: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "auth", request_body = UserInput,
    responses((status = 201, body = Staff), (status = 403), (status = 422)))]
pub async fn user_create(
    state: web::Data<AppState>,
    staff: Staff,
    body: ApiJson<UserInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let created = state
        .service(move |c| {
            super::admin::create_user(
                c,
                super::admin::Manager::Staff(&staff),
                super::admin::NewAccount {
                    email: input.email,
                    display_name: input.display_name,
                    password: Some(input.password),
                    is_admin: input.is_admin,
                    language: input.language,
                    role: None,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

// --- managing accounts (issue 16, point 8) ---------------------------------------------------

#[utoipa::path(get, path = "/api/v1/users", tag = "auth", params(PageQuery),
    responses((status = 200, body = Vec<super::admin::UserView>, description = "by e-mail address, a page; the total in `X-Total-Count`, the neighbouring pages in `Link`"), (status = 401), (status = 403), (status = 422)))]
pub async fn user_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = Page::of(&q, LIST_PAGE)?;
    let v = state
        .service(move |c| super::admin::list(c, super::admin::Manager::Staff(&staff)))
        .await?;
    Ok(paging::respond_slice(&req, page, v))
}

/// Deactivate an account: sign-in, sessions and API tokens end at once.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404), (status = 409, description = "deactivated already, or one's own account")))]
pub async fn user_deactivate(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .service(move |c| {
            super::admin::deactivate(c, super::admin::Manager::Staff(&staff), &id, now())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404), (status = 409, description = "active already")))]
pub async fn user_reactivate(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    state
        .service(move |c| {
            super::admin::reactivate(c, super::admin::Manager::Staff(&staff), &id, now())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// E-mail the account a one-time password reset link (through the outbox; the link is not shown).
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "auth", params(("id" = String, Path)),
    responses((status = 202, body = super::admin::ResetSent), (status = 401), (status = 404), (status = 409, description = "the account is deactivated")))]
pub async fn user_password_reset(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let settings = state.settings.clone();
    let v = state
        .service(move |c| {
            let domain = settings.mail_domain();
            super::admin::send_reset(
                c,
                super::admin::Manager::Staff(&staff),
                &id,
                &super::admin::ResetMail {
                    templates: crate::mail_templates::templates(),
                    public_url: &settings.server.public_url,
                    mail_domain: &domain,
                },
                now(),
            )
        })
        .await?;
    Ok(HttpResponse::Accepted().json(v))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetInput {
    /// The token from the link in the e-mail (the last part of its path).
    pub token: String,
    pub new_password: String,
}

/// Set a new password with the token of a reset link (no sign-in needed; the link works once).
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "auth", request_body = ResetInput,
    responses((status = 204), (status = 409, description = "the link was used, replaced or has expired"), (status = 422)))]
pub async fn password_reset(
    state: web::Data<AppState>,
    body: ApiJson<ResetInput>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner()?;
    let done = state
        .service(move |c| super::admin::complete_reset(c, &input.token, &input.new_password, now()))
        .await?;
    match done {
        Ok(_) => Ok(HttpResponse::NoContent().finish()),
        Err(_) => Err(ApiError::refused(
            "reset_link_invalid",
            "this reset link was used, replaced or has expired: ask an administrator for a new one",
        )),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/setup", web::post().to(setup))
        .route("/api/v1/auth/login", web::post().to(login))
        .route("/api/v1/auth/logout", web::post().to(logout))
        .route("/api/v1/me", web::get().to(me))
        .service(
            web::resource("/api/v1/me/totp")
                .route(web::post().to(totp_begin))
                .route(web::delete().to(totp_disable)),
        )
        .route("/api/v1/me/totp/confirm", web::post().to(totp_confirm))
        .route("/api/v1/me/password", web::post().to(password_change))
        .service(
            web::resource("/api/v1/me/tokens")
                .route(web::post().to(token_create))
                .route(web::get().to(token_list)),
        )
        .route("/api/v1/me/tokens/{id}", web::delete().to(token_revoke))
        .service(
            web::resource("/api/v1/users")
                .route(web::post().to(user_create))
                .route(web::get().to(user_list)),
        )
        .route(
            "/api/v1/users/{id}/deactivate",
            web::post().to(user_deactivate),
        )
        .route(
            "/api/v1/users/{id}/reactivate",
            web::post().to(user_reactivate),
        )
        .route(
            "/api/v1/users/{id}/password-reset",
            web::post().to(user_password_reset),
        )
        .route("/api/v1/password-reset", web::post().to(password_reset));
}

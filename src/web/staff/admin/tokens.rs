//! One's own API tokens: a new one (shown once) and revoking one.
use super::overview::admin_page;
use super::shared::{typed_of, Extra};
use crate::state::AppState;
use crate::web::kit::{redirect, PageError};
use crate::web::staff::page::{invalid, AdminForm, StaffForm};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// `POST /staff/admin/tokens`: a new API token, shown once on the page that answers. The answer
/// carries a new CSRF token, so sending the form again (a refresh) is refused, not a second token.
pub async fn token_create(
    state: web::Data<AppState>,
    req: HttpRequest,
    AdminForm(StaffForm {
        lang,
        form: f,
        staff,
    }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let name = f.get("token_name").trim().to_string();
    let (s, n) = (staff.clone(), name.clone());
    let made = state
        .service(move |c| crate::auth::account::create_token(c, &s.id, s.actor(), &n))
        .await;
    let token = match made {
        Ok((_, token)) => token,
        Err(e) => {
            let extra = Extra {
                errors: invalid(lang, e, &[("name", "token_name")])?,
                typed: typed_of(&f, &["token_name"]),
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                ..Default::default()
            };
            return admin_page(&state, &req, lang, &staff, extra).await;
        }
    };
    let (fresh, cookie) = crate::web::kit::fresh_csrf(&req);
    let extra = Extra {
        new_token: Some((name, token)),
        fresh_csrf: Some((fresh, cookie)),
        ..Default::default()
    };
    admin_page(&state, &req, lang, &staff, extra).await
}

/// `POST /staff/admin/tokens/{id}/revoke`: one's own tokens only.
pub async fn token_revoke(
    state: web::Data<AppState>,
    path: web::Path<String>,
    AdminForm(StaffForm { lang, staff, .. }): AdminForm,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    state
        .service(move |c| crate::auth::account::revoke_token(c, &staff, &id))
        .await
        .map_err(|e| PageError::from_domain(lang, e))?;
    Ok(redirect("/staff/admin?ok=token_revoked"))
}

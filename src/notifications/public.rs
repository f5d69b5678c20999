//! Public notices (Art. 34(3)(c) AVG): when telling every person individually would take a
//! disproportionate effort, the organisation informs them by a public communication instead.
//!
//! The text is a draft of kind [`PublicNotice`](super::lifecycle::DraftKind::PublicNotice) (a
//! communication, so the same FG sign-off bound to the SHA-256 of the exact rendered content
//! applies). Publishing requires a valid sign-off and keeps the signed-off text exactly as approved
//! (both languages) under a public slug; a later change of facts voids the draft's sign-off but
//! never changes what was published. A withdrawn notice stays on record (the public page says it
//! was withdrawn). Every step is audited.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::parts::{self, PartName};
use super::service::{self, org_part, Ctx};
use super::store;
use crate::assessment::decision::Choice;
use crate::audit::{self, Entry};
use crate::auth::Staff;
use crate::db::schema::public_notices;
use crate::db::{from_db, new_id, now, to_db, write_tx, Cached, DbConn};
use crate::error::{DomainError, DomainResult};
use crate::incidents::access::visible;

#[derive(Queryable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = public_notices, treat_none_as_null = true)]
pub struct PublicNoticeRow {
    pub id: String,
    pub slug: String,
    pub incident_id: String,
    pub organisation_id: String,
    pub draft_id: String,
    pub content_sha256: String,
    pub title_nl: String,
    pub title_en: String,
    pub html_nl: String,
    pub html_en: String,
    pub published_by: String,
    pub published_at: chrono::NaiveDateTime,
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<chrono::NaiveDateTime>,
    pub withdrawn_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicNoticeView {
    pub id: String,
    pub slug: String,
    /// The public address (Dutch); `/notices/{slug}` is the same page.
    pub url: String,
    pub draft_id: String,
    pub content_sha256: String,
    pub title_nl: String,
    pub title_en: String,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_reason: Option<String>,
}

/// `POST /api/v1/incidents/{id}/public-notices`: which signed-off public notice draft to publish.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    /// The public notice draft (kind `public_notice`), signed off by the FG.
    pub draft_id: String,
}

/// `POST /api/v1/incidents/{id}/public-notices/{nid}/withdraw`: why it is withdrawn.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    /// Required, at most 2000 characters; shown on the public page.
    #[serde(default)]
    pub reason: Option<String>,
}

impl PublicNoticeRow {
    pub fn view(&self) -> PublicNoticeView {
        PublicNoticeView {
            id: self.id.clone(),
            slug: self.slug.clone(),
            url: format!("/bekendmaking/{}", self.slug),
            draft_id: self.draft_id.clone(),
            content_sha256: self.content_sha256.clone(),
            title_nl: self.title_nl.clone(),
            title_en: self.title_en.clone(),
            published_at: from_db(self.published_at),
            withdrawn_at: self.withdrawn_at.map(from_db),
            withdrawn_reason: self.withdrawn_reason.clone(),
        }
    }
}

/// A slug from the organisation's slug and the incident's reference: lower-case letters, digits and
/// dashes only.
pub fn slug_for(org_slug: &str, reference: &str) -> String {
    let raw = format!("{org_slug}-{reference}").to_lowercase();
    let mut out = String::new();
    for ch in raw.chars() {
        let ch = if ch.is_ascii_alphanumeric() { ch } else { '-' };
        if ch == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(ch);
    }
    out.trim_end_matches('-').to_string()
}

/// Why the incident's current decision (its stored outcome and exception) does not allow
/// publishing a public notice, in the API's words; `None` when it does. Only the decision to
/// communicate publicly instead of telling each person — Art. 34(3)(c), outcome
/// `notify_ap_and_public_communication` with exception `c` — allows it.
pub fn decision_refusal(current: Option<(&str, Option<&str>)>) -> Option<String> {
    const NEEDED: &str = "a public notice is published only when the incident's current decision \
        is to communicate publicly under Art. 34(3)(c) (outcome notify_ap_and_public_communication \
        with exception c): record that decision first";
    match current {
        None => Some(format!("no decision recorded: {NEEDED}")),
        Some((outcome, exception)) => match Choice::from_stored(outcome, exception) {
            Some(c) if c.is_public_communication() => None,
            _ => Some(format!(
                "the incident's current decision is {outcome}{}: {NEEDED}",
                exception
                    .map(|e| format!(" with exception {e}"))
                    .unwrap_or_default()
            )),
        },
    }
}

pub fn for_incident(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<PublicNoticeRow>> {
    public_notices::table
        .filter(public_notices::incident_id.eq(incident_id))
        .order((public_notices::published_at.asc(), public_notices::id.asc()))
        .load_on(c)
}

pub fn by_slug(c: &mut DbConn, slug: &str) -> QueryResult<Option<PublicNoticeRow>> {
    public_notices::table
        .filter(public_notices::slug.eq(slug))
        .first_on(c)
        .optional()
}

/// The notices in force (not withdrawn), newest first.
pub fn current(c: &mut DbConn, limit: i64) -> QueryResult<Vec<PublicNoticeRow>> {
    public_notices::table
        .filter(public_notices::withdrawn_at.is_null())
        .order((
            public_notices::published_at.desc(),
            public_notices::id.desc(),
        ))
        .limit(limit)
        .load_on(c)
}

/// The incident's public notices (staff; another organisation's incident: 404).
pub fn list(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
) -> DomainResult<Vec<PublicNoticeView>> {
    let inc = visible(c, staff, incident_id, false)?;
    Ok(for_incident(c, &inc.id)?.iter().map(|r| r.view()).collect())
}

/// Publish the signed-off public notice draft `draft_id`: refused unless the incident's current
/// decision is the public communication of Art. 34(3)(c) ([`decision_refusal`]), without a valid
/// FG sign-off of exactly its content now, and while another notice of the incident is in force.
pub fn publish(
    c: &mut DbConn,
    ctx: &Ctx,
    staff: &Staff,
    incident_id: &str,
    draft_id: &str,
) -> DomainResult<PublicNoticeView> {
    service::settle(c, ctx, staff, incident_id, draft_id, None)?;
    write_tx(c, |c| -> DomainResult<PublicNoticeView> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut d = store::draft(c, &inc.id, draft_id)?.ok_or(DomainError::NotFound)?;
        if !d.kind.is_public() {
            return Err(DomainError::field(
                "draft_id",
                "only a public notice draft is published",
                "Alleen een concept voor een openbare bekendmaking wordt gepubliceerd",
            ));
        }
        let decision = crate::assessment::store::latest_decision(c, &inc.id)?;
        if let Some(why) = decision_refusal(
            decision
                .as_ref()
                .map(|d| (d.outcome.as_str(), d.exception.as_deref())),
        ) {
            return Err(DomainError::refused("public_decision", why));
        }
        let t = now();
        let r = service::require_valid_approval(c, ctx, staff.actor(), &inc, &mut d, t)?;
        let existing = for_incident(c, &inc.id)?;
        if existing.iter().any(|n| n.withdrawn_at.is_none()) {
            return Err(DomainError::refused(
                "notice_in_force",
                "a public notice of this incident is in force: withdraw it before publishing another",
            ));
        }
        let html = |lang: &str| {
            parts::find(&r.parts, PartName::PublicNotice, lang)
                .map(|p| p.text.trim_end().to_string())
                .ok_or_else(|| DomainError::Internal("public notice content".into()))
        };
        let (html_nl, html_en) = (html("nl")?, html("en")?);
        let (org_slug, org, _) = org_part(c, &inc.organisation_id)?;
        let base = slug_for(&org_slug, &inc.reference);
        let mut slug = base.clone();
        let mut n = 1;
        while by_slug(c, &slug)?.is_some() {
            n += 1;
            slug = format!("{base}-{n}");
        }
        let row = PublicNoticeRow {
            id: new_id(),
            slug,
            incident_id: inc.id.clone(),
            organisation_id: inc.organisation_id.clone(),
            draft_id: d.id.clone(),
            content_sha256: r.sha256.clone(),
            title_nl: format!("Datalek bij {} ({})", org.name, inc.reference),
            title_en: format!("Data breach at {} ({})", org.name, inc.reference),
            html_nl,
            html_en,
            published_by: staff.id.clone(),
            published_at: to_db(t),
            withdrawn_by: None,
            withdrawn_at: None,
            withdrawn_reason: None,
        };
        diesel::insert_into(public_notices::table)
            .values(&row)
            .execute_on(c)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::NoticePublicPublished,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "public_notice_id": row.id, "slug": row.slug, "draft_id": d.id,
                    "content_sha256": r.sha256,
                })),
            }],
            t,
        )?;
        Ok(row.view())
    })
}

/// Withdraw a published notice, with the reason: the public page then says it was withdrawn; the
/// record stays.
pub fn withdraw(
    c: &mut DbConn,
    staff: &Staff,
    incident_id: &str,
    notice_id: &str,
    reason: Option<String>,
) -> DomainResult<PublicNoticeView> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    let Some(reason) = reason else {
        return Err(DomainError::field(
            "reason",
            "required: say why it is withdrawn",
            "Vul dit in",
        ));
    };
    if reason.chars().count() > 2000 {
        return Err(DomainError::field(
            "reason",
            "at most 2000 characters",
            "Dit is te lang",
        ));
    }
    write_tx(c, |c| -> DomainResult<PublicNoticeView> {
        let inc = visible(c, staff, incident_id, true)?;
        let mut row: PublicNoticeRow = public_notices::table
            .filter(public_notices::id.eq(notice_id))
            .filter(public_notices::incident_id.eq(&inc.id))
            .first_on(c)
            .optional()?
            .ok_or(DomainError::NotFound)?;
        if row.withdrawn_at.is_some() {
            return Err(DomainError::refused("withdrawn", "already withdrawn"));
        }
        let t = now();
        row.withdrawn_by = Some(staff.id.clone());
        row.withdrawn_at = Some(to_db(t));
        row.withdrawn_reason = Some(reason.clone());
        diesel::update(public_notices::table.find(&row.id))
            .set(&row)
            .execute_on(c)?;
        audit::store::append(
            c,
            &[Entry {
                actor: staff.actor(),
                action: Action::NoticePublicWithdrawn,
                entity_type: "incident",
                entity_id: inc.id.clone(),
                organisation_id: Some(inc.organisation_id.clone()),
                before: Some(serde_json::json!({"public_notice_id": row.id, "withdrawn_at": null})),
                after: Some(serde_json::json!({
                    "public_notice_id": row.id, "slug": row.slug, "withdrawn_at": t,
                    "reason": reason,
                })),
            }],
            t,
        )?;
        Ok(row.view())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain() {
        assert_eq!(slug_for("oost", "MP-2026-0001"), "oost-mp-2026-0001");
        assert_eq!(slug_for("a b", "X/Y  Z"), "a-b-x-y-z");
    }

    #[test]
    fn only_the_public_communication_decision_allows_a_notice() {
        assert_eq!(
            decision_refusal(Some(("notify_ap_and_public_communication", Some("c")))),
            None
        );
        let none = decision_refusal(None).unwrap();
        assert!(none.starts_with("no decision recorded") && none.contains("34(3)(c)"));
        let other = decision_refusal(Some(("notify_ap_and_data_subjects", None))).unwrap();
        assert!(
            other.contains("current decision is notify_ap_and_data_subjects:")
                && other.contains("34(3)(c)"),
            "{other}"
        );
        let b = decision_refusal(Some(("notify_ap", Some("b")))).unwrap();
        assert!(b.contains("notify_ap with exception b"), "{b}");
        assert!(decision_refusal(Some(("notify_ap_and_public_communication", None))).is_some());
        assert!(decision_refusal(Some(("gibberish", Some("c")))).is_some());
    }
}

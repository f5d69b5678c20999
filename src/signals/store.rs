//! Queries of the signals: who is told, each user's choice, the counts in the menu, the FG's
//! worklist and the digest's claim.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::NewReports;
use crate::db::schema::{
    incidents, memberships, notice_drafts, organisations, reports, signal_settings, users,
};
use crate::db::Cached;
use crate::db::DbConn;

/// A staff member who is told something: id, e-mail, name and language (`nl` or `en`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub lang: String,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    bool,
    bool,
    Option<String>,
);

/// People with `role` in these organisations whose role counts (an organisation that requires
/// two-factor login withholds its data until it is on) and whose account is active, with their
/// choice of how to hear of new reports: (organisation id, recipient, choice).
fn with_role(
    c: &mut DbConn,
    org_ids: &[String],
    role: &str,
) -> QueryResult<Vec<(String, Recipient, NewReports)>> {
    if org_ids.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<Row> = memberships::table
        .inner_join(users::table)
        .inner_join(organisations::table)
        .left_join(signal_settings::table.on(signal_settings::user_id.eq(users::id)))
        .filter(memberships::organisation_id.eq_any(org_ids))
        .filter(memberships::role.eq(role))
        .filter(users::deactivated_at.is_null())
        .select((
            memberships::organisation_id,
            users::id,
            users::email,
            users::display_name,
            users::language,
            organisations::require_2fa,
            users::totp_enabled,
            signal_settings::new_reports.nullable(),
        ))
        .order((memberships::organisation_id.asc(), users::email.asc()))
        .load_on(c)?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, _, _, _, req, totp, _)| !req || *totp)
        .map(|(org, id, email, name, lang, _, _, pref)| {
            (
                org,
                Recipient {
                    user_id: id,
                    email,
                    name,
                    lang,
                },
                NewReports::stored(pref.as_deref()),
            )
        })
        .collect())
}

/// Who hears of each new report of these organisations at once: their handlers who did not choose
/// the daily digest, as (organisation id, recipient).
pub fn handlers_told_at_once(
    c: &mut DbConn,
    org_ids: &[String],
) -> QueryResult<Vec<(String, Recipient)>> {
    Ok(with_role(c, org_ids, "handler")?
        .into_iter()
        .filter(|(_, _, p)| *p == NewReports::Each)
        .map(|(o, r, _)| (o, r))
        .collect())
}

/// Installation administrators (active) who hear of each new report that belongs to no
/// organisation yet (only they see those) at once.
pub fn admins_told_at_once(c: &mut DbConn) -> QueryResult<Vec<Recipient>> {
    let rows: Vec<(String, String, String, String, Option<String>)> = users::table
        .left_join(signal_settings::table)
        .filter(users::is_admin.eq(true))
        .filter(users::deactivated_at.is_null())
        .select((
            users::id,
            users::email,
            users::display_name,
            users::language,
            signal_settings::new_reports.nullable(),
        ))
        .order(users::email.asc())
        .load_on(c)?;
    Ok(rows
        .into_iter()
        .filter(|r| NewReports::stored(r.4.as_deref()) == NewReports::Each)
        .map(|(user_id, email, name, lang, _)| Recipient {
            user_id,
            email,
            name,
            lang,
        })
        .collect())
}

/// The organisation's handlers (whose role counts, active), whatever they chose for new reports:
/// a breach whose 72 hours already run is not news for a daily digest.
pub fn handlers_of(c: &mut DbConn, org_id: &str) -> QueryResult<Vec<Recipient>> {
    Ok(with_role(c, &[org_id.to_string()], "handler")?
        .into_iter()
        .map(|(_, r, _)| r)
        .collect())
}

/// The organisation's FGs (users with the FG role whose role counts, active).
pub fn fgs_of(c: &mut DbConn, org_id: &str) -> QueryResult<Vec<Recipient>> {
    Ok(with_role(c, &[org_id.to_string()], "fg")?
        .into_iter()
        .map(|(_, r, _)| r)
        .collect())
}

/// One active user as a recipient.
pub fn user(c: &mut DbConn, id: &str) -> QueryResult<Option<Recipient>> {
    let row: Option<(String, String, String, String)> = users::table
        .filter(users::id.eq(id))
        .filter(users::deactivated_at.is_null())
        .select((
            users::id,
            users::email,
            users::display_name,
            users::language,
        ))
        .first_on(c)
        .optional()?;
    Ok(row.map(|(user_id, email, name, lang)| Recipient {
        user_id,
        email,
        name,
        lang,
    }))
}

/// A user's choice of how to hear of new reports.
pub fn preference(c: &mut DbConn, user_id: &str) -> QueryResult<NewReports> {
    let v: Option<String> = signal_settings::table
        .find(user_id)
        .select(signal_settings::new_reports)
        .first_on(c)
        .optional()?;
    Ok(NewReports::stored(v.as_deref()))
}

/// Store a user's choice. Choosing the digest starts it now: reports before were told one by one.
pub fn set_preference(
    c: &mut DbConn,
    user_id: &str,
    choice: NewReports,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let exists: i64 = signal_settings::table
        .find(user_id)
        .count()
        .get_result_on(c)?;
    if exists == 0 {
        diesel::insert_into(signal_settings::table)
            .values((
                signal_settings::user_id.eq(user_id),
                signal_settings::new_reports.eq(choice.as_str()),
                signal_settings::digest_until.eq(now),
                signal_settings::updated_at.eq(now),
            ))
            .execute_on(c)?;
    } else {
        diesel::update(signal_settings::table.find(user_id))
            .set((
                signal_settings::new_reports.eq(choice.as_str()),
                signal_settings::digest_until.eq(now),
                signal_settings::updated_at.eq(now),
            ))
            .execute_on(c)?;
    }
    Ok(())
}

/// New reports nobody has looked at yet (status `received`) of these organisations, and those of
/// no organisation when `unassigned`.
pub fn untriaged(c: &mut DbConn, org_ids: &[String], unassigned: bool) -> QueryResult<i64> {
    crate::db_run!(c, |c| {
        let mut q = reports::table
            .filter(reports::status.eq("received"))
            .into_boxed();
        q = if unassigned {
            q.filter(
                reports::organisation_id
                    .eq_any(org_ids.to_vec())
                    .or(reports::organisation_id.is_null()),
            )
        } else {
            q.filter(reports::organisation_id.eq_any(org_ids.to_vec()))
        };
        q.count().get_result(c)
    })
}

/// Draft statuses that wait for the FG: made (or offered again), or signed off but changed since.
pub const AWAITING: [&str; 2] = ["pending", "void"];

/// How many drafts of these organisations wait for sign-off.
pub fn awaiting_count(c: &mut DbConn, org_ids: &[String]) -> QueryResult<i64> {
    if org_ids.is_empty() {
        return Ok(0);
    }
    notice_drafts::table
        .filter(notice_drafts::organisation_id.eq_any(org_ids))
        .filter(notice_drafts::status.eq_any(AWAITING))
        .count()
        .get_result_on(c)
}

/// A draft on the FG's worklist.
#[derive(Debug, Clone, Queryable)]
pub struct Awaiting {
    pub draft_id: String,
    pub incident_id: String,
    pub organisation_id: String,
    pub incident_reference: String,
    pub incident_title: String,
    pub kind: String,
    pub status: String,
    pub created_by: String,
    pub awaiting_since: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl Awaiting {
    /// Since when it waits (drafts from before the column: their last change).
    pub fn since(&self) -> NaiveDateTime {
        self.awaiting_since.unwrap_or(self.updated_at)
    }
}

/// The drafts of these organisations that wait for sign-off, longest waiting first.
pub fn awaiting(c: &mut DbConn, org_ids: &[String]) -> QueryResult<Vec<Awaiting>> {
    if org_ids.is_empty() {
        return Ok(vec![]);
    }
    let mut v: Vec<Awaiting> = notice_drafts::table
        .inner_join(incidents::table)
        .filter(notice_drafts::organisation_id.eq_any(org_ids))
        .filter(notice_drafts::status.eq_any(AWAITING))
        .select((
            notice_drafts::id,
            notice_drafts::incident_id,
            notice_drafts::organisation_id,
            incidents::reference,
            incidents::title,
            notice_drafts::kind,
            notice_drafts::status,
            notice_drafts::created_by,
            notice_drafts::awaiting_since,
            notice_drafts::updated_at,
        ))
        .limit(1000)
        .load_on(c)?;
    v.sort_by(|a, b| a.since().cmp(&b.since()).then(a.draft_id.cmp(&b.draft_id)));
    Ok(v)
}

// --- the daily digest -------------------------------------------------------------------------

/// Users who chose the digest and whose last one ended before `due`.
pub fn digest_candidates(c: &mut DbConn, due: NaiveDateTime) -> QueryResult<Vec<String>> {
    signal_settings::table
        .filter(signal_settings::new_reports.eq("daily"))
        .filter(signal_settings::digest_until.lt(due))
        .select(signal_settings::user_id)
        .order(signal_settings::user_id.asc())
        .load_on(c)
}

/// Claim a user's digest up to `due`, inside the caller's write transaction: returns where the
/// previous one ended, or `None` when another instance has it or sent it. On PostgreSQL the row is
/// locked with SKIP LOCKED (another instance busy with it is passed by, not waited for); on both,
/// the conditional UPDATE is the claim (only one transaction moves `digest_until` from its old value).
pub fn claim_digest(
    c: &mut DbConn,
    user_id: &str,
    due: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    let q = signal_settings::table
        .filter(signal_settings::user_id.eq(user_id))
        .filter(signal_settings::new_reports.eq("daily"))
        .filter(signal_settings::digest_until.lt(due))
        .select(signal_settings::digest_until);
    let from: Option<NaiveDateTime> = crate::db_run!(
        c,
        sqlite: |c| q.first(c).optional()?,
        pg: |c| q.for_update().skip_locked().first(c).optional()?,
    );
    let Some(from) = from else { return Ok(None) };
    let n = diesel::update(
        signal_settings::table
            .filter(signal_settings::user_id.eq(user_id))
            .filter(signal_settings::digest_until.eq(from)),
    )
    .set(signal_settings::digest_until.eq(due))
    .execute_on(c)?;
    Ok((n == 1).then_some(from))
}

/// The organisations whose new reports a user's digest lists (those where they are a handler and
/// the role counts), and whether it lists reports of no organisation (an installation administrator).
pub fn digest_scope(c: &mut DbConn, user_id: &str) -> QueryResult<Option<(Vec<String>, bool)>> {
    let u: Option<(bool, bool)> = users::table
        .filter(users::id.eq(user_id))
        .filter(users::deactivated_at.is_null())
        .select((users::is_admin, users::totp_enabled))
        .first_on(c)
        .optional()?;
    let Some((is_admin, totp)) = u else {
        return Ok(None);
    };
    let orgs: Vec<(String, bool)> = memberships::table
        .inner_join(organisations::table)
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::role.eq("handler"))
        .select((memberships::organisation_id, organisations::require_2fa))
        .load_on(c)?;
    let orgs = orgs
        .into_iter()
        .filter(|(_, req)| !req || totp)
        .map(|(o, _)| o)
        .collect();
    Ok(Some((orgs, is_admin)))
}

/// A report as a digest lists it: reference, channel, received.
pub type Listed = (String, String, NaiveDateTime);

/// Reports received in (`from`, `to`] of these organisations (and of none when `unassigned`),
/// oldest first, at most `limit`; with how many there are in all.
pub fn received_between(
    c: &mut DbConn,
    org_ids: &[String],
    unassigned: bool,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> QueryResult<(Vec<Listed>, i64)> {
    if org_ids.is_empty() && !unassigned {
        return Ok((vec![], 0));
    }
    crate::db_run!(c, |c| {
        let q = || {
            let q = reports::table
                .filter(reports::created_at.gt(from))
                .filter(reports::created_at.le(to))
                .into_boxed();
            if unassigned {
                q.filter(
                    reports::organisation_id
                        .eq_any(org_ids.to_vec())
                        .or(reports::organisation_id.is_null()),
                )
            } else {
                q.filter(reports::organisation_id.eq_any(org_ids.to_vec()))
            }
        };
        let total: i64 = q().count().get_result(c)?;
        let rows: Vec<Listed> = q()
            .select((reports::reference, reports::channel, reports::created_at))
            .order((reports::created_at.asc(), reports::reference.asc()))
            .limit(limit)
            .load(c)?;
        Ok((rows, total))
    })
}

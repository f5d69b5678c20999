//! Storage of notice settings, drafts, recipients, campaigns and their messages.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::lifecycle::{DraftKind, DraftStatus, Purpose};
use crate::db::schema::{
    notice_campaigns, notice_drafts, notice_messages, notice_recipients, notice_settings, outbox,
};
use crate::db::{Cached, DbConn};

crate::stored_as_text!(DraftStatus, "draft status");
crate::stored_as_text!(DraftKind, "draft kind");
crate::stored_as_text!(Purpose, "draft purpose");

#[derive(Queryable, Insertable, AsChangeset, Debug, Clone, Default)]
#[diesel(table_name = notice_settings, treat_none_as_null = true)]
pub struct SettingsRow {
    pub organisation_id: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    pub allow_self_signoff: bool,
    pub updated_at: NaiveDateTime,
    pub privacy_url: Option<String>,
    pub contact_url: Option<String>,
    pub accessibility_url: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_function: Option<String>,
    pub salutation_nl: Option<String>,
    pub salutation_en: Option<String>,
}

#[derive(Queryable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = notice_drafts, treat_none_as_null = true)]
pub struct DraftRow {
    pub id: String,
    pub incident_id: String,
    pub organisation_id: String,
    /// Always `kind.purpose()` (the column is kept for queries and the CHECK constraint).
    pub purpose: Purpose,
    pub kind: DraftKind,
    pub input_json: String,
    pub status: DraftStatus,
    pub content_sha256: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub remarks: Option<String>,
    pub ap_number: Option<String>,
    pub filed_at: Option<NaiveDateTime>,
    pub filed_by: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Since when it waits for the FG's sign-off (made, offered again after a rejection, or its
    /// sign-off void); see `signals::store::awaiting`.
    pub awaiting_since: Option<NaiveDateTime>,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = notice_recipients)]
pub struct RecipientRow {
    pub id: String,
    pub incident_id: String,
    pub line_no: i64,
    pub name: String,
    pub email: Option<String>,
    pub postal_address: Option<String>,
    pub language: String,
    pub extra_json: String,
    pub dedupe_key: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = notice_campaigns)]
pub struct CampaignRow {
    pub id: String,
    pub incident_id: String,
    pub draft_id: String,
    pub content_sha256: String,
    pub per_minute: Option<i32>,
    pub emails: i64,
    pub letters: i64,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

// `treat_none_as_default_value = false`: every row is the same INSERT (NULLs bound), so the
// statement is cached by type; otherwise diesel builds the SQL text anew for every row to look it
// up (a quarter of the row's cost in `cargo bench --bench notifications letters_queue`).
#[derive(Queryable, Insertable, Debug, Clone)]
#[diesel(table_name = notice_messages)]
#[diesel(treat_none_as_default_value = false)]
pub struct MessageRow {
    pub campaign_id: String,
    pub recipient_id: String,
    pub incident_id: String,
    pub channel: String,
    pub outbox_id: Option<String>,
    pub status: String,
    pub printed_at: Option<NaiveDateTime>,
}

pub fn settings(c: &mut DbConn, org_id: &str) -> QueryResult<Option<SettingsRow>> {
    notice_settings::table.find(org_id).first_on(c).optional()
}

/// The settings of every organisation that has them (the public pages' "who we are").
pub fn all_settings(c: &mut DbConn) -> QueryResult<Vec<SettingsRow>> {
    notice_settings::table.load_on(c)
}

pub fn save_settings(c: &mut DbConn, row: &SettingsRow) -> QueryResult<()> {
    let n = diesel::update(notice_settings::table.find(&row.organisation_id))
        .set(row)
        .execute_on(c)?;
    if n == 0 {
        diesel::insert_into(notice_settings::table)
            .values(row)
            .execute_on(c)?;
    }
    Ok(())
}

pub fn insert_draft(c: &mut DbConn, row: &DraftRow) -> QueryResult<()> {
    diesel::insert_into(notice_drafts::table)
        .values(row)
        .execute_on(c)?;
    Ok(())
}

pub fn save_draft(c: &mut DbConn, row: &DraftRow) -> QueryResult<()> {
    diesel::update(notice_drafts::table.find(&row.id))
        .set(row)
        .execute_on(c)?;
    Ok(())
}

pub fn draft(c: &mut DbConn, incident_id: &str, id: &str) -> QueryResult<Option<DraftRow>> {
    notice_drafts::table
        .filter(notice_drafts::id.eq(id))
        .filter(notice_drafts::incident_id.eq(incident_id))
        .first_on(c)
        .optional()
}

pub fn drafts(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<DraftRow>> {
    notice_drafts::table
        .filter(notice_drafts::incident_id.eq(incident_id))
        .order((notice_drafts::created_at.asc(), notice_drafts::id.asc()))
        .load_on(c)
}

pub fn recipients(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<RecipientRow>> {
    notice_recipients::table
        .filter(notice_recipients::incident_id.eq(incident_id))
        .order((
            notice_recipients::created_at.asc(),
            notice_recipients::line_no.asc(),
        ))
        .load_on(c)
}

pub fn recipient(c: &mut DbConn, incident_id: &str, id: &str) -> QueryResult<Option<RecipientRow>> {
    notice_recipients::table
        .filter(notice_recipients::id.eq(id))
        .filter(notice_recipients::incident_id.eq(incident_id))
        .first_on(c)
        .optional()
}

pub fn first_recipient(c: &mut DbConn, incident_id: &str) -> QueryResult<Option<RecipientRow>> {
    notice_recipients::table
        .filter(notice_recipients::incident_id.eq(incident_id))
        .order((
            notice_recipients::created_at.asc(),
            notice_recipients::line_no.asc(),
        ))
        .first_on(c)
        .optional()
}

pub fn recipient_keys(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<String>> {
    notice_recipients::table
        .filter(notice_recipients::incident_id.eq(incident_id))
        .select(notice_recipients::dedupe_key)
        .load_on(c)
}

/// Rows per multi-row INSERT: SQLite allows 32,766 bound parameters (10 columns each).
const CHUNK: usize = 1000;

/// Insert many recipients with multi-row INSERTs on the concrete connection: diesel's
/// `MultiConnection` wrapper re-prepares statements, the concrete connection caches them.
pub fn insert_recipients(c: &mut DbConn, rows: &[RecipientRow]) -> QueryResult<()> {
    for chunk in rows.chunks(CHUNK) {
        match c {
            DbConn::Sqlite(s) => diesel::insert_into(notice_recipients::table)
                .values(chunk)
                .execute(s)?,
            DbConn::Pg(p) => diesel::insert_into(notice_recipients::table)
                .values(chunk)
                .execute(p)?,
        };
    }
    Ok(())
}

pub fn insert_messages(c: &mut DbConn, rows: &[MessageRow]) -> QueryResult<()> {
    match c {
        // One cached single-row statement per row on SQLite (see outbox::store::enqueue_batch).
        DbConn::Sqlite(s) => {
            for row in rows {
                diesel::insert_into(notice_messages::table)
                    .values(row)
                    .execute(s)?;
            }
        }
        DbConn::Pg(p) => {
            for chunk in rows.chunks(CHUNK) {
                diesel::insert_into(notice_messages::table)
                    .values(chunk)
                    .execute(p)?;
            }
        }
    }
    Ok(())
}

pub fn insert_campaign(c: &mut DbConn, row: &CampaignRow) -> QueryResult<()> {
    diesel::insert_into(notice_campaigns::table)
        .values(row)
        .execute_on(c)?;
    Ok(())
}

pub fn campaign(c: &mut DbConn, incident_id: &str, id: &str) -> QueryResult<Option<CampaignRow>> {
    notice_campaigns::table
        .filter(notice_campaigns::id.eq(id))
        .filter(notice_campaigns::incident_id.eq(incident_id))
        .first_on(c)
        .optional()
}

pub fn campaign_by_id(c: &mut DbConn, id: &str) -> QueryResult<Option<CampaignRow>> {
    notice_campaigns::table.find(id).first_on(c).optional()
}

pub fn campaigns(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<CampaignRow>> {
    notice_campaigns::table
        .filter(notice_campaigns::incident_id.eq(incident_id))
        .order(notice_campaigns::created_at.asc())
        .load_on(c)
}

/// Recipients of this incident already in a campaign on `channel`.
pub fn reached(c: &mut DbConn, incident_id: &str) -> QueryResult<Vec<(String, String)>> {
    let campaigns: Vec<String> = notice_campaigns::table
        .filter(notice_campaigns::incident_id.eq(incident_id))
        .select(notice_campaigns::id)
        .load_on(c)?;
    notice_messages::table
        .filter(notice_messages::campaign_id.eq_any(campaigns))
        .select((notice_messages::recipient_id, notice_messages::channel))
        .load_on(c)
}

/// Counts of a campaign's e-mails by outbox status.
pub fn email_counts(c: &mut DbConn, campaign_id: &str) -> QueryResult<Vec<(String, i64)>> {
    let kind = outbox_kind(campaign_id);
    outbox::table
        .filter(outbox::kind.eq(kind))
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load_on(c)
}

/// Counts of a campaign's letters by status.
pub fn letter_counts(c: &mut DbConn, campaign_id: &str) -> QueryResult<Vec<(String, i64)>> {
    notice_messages::table
        .filter(notice_messages::campaign_id.eq(campaign_id))
        .filter(notice_messages::channel.eq("letter"))
        .group_by(notice_messages::status)
        .select((notice_messages::status, diesel::dsl::count_star()))
        .load_on(c)
}

/// E-mails sent in the last `since` (for the rate).
pub fn sent_since(c: &mut DbConn, campaign_id: &str, since: NaiveDateTime) -> QueryResult<i64> {
    let kind = outbox_kind(campaign_id);
    outbox::table
        .filter(outbox::kind.eq(kind))
        .filter(outbox::status.eq(crate::outbox::OutboxStatus::Sent))
        .filter(outbox::sent_at.ge(since))
        .count()
        .get_result_on(c)
}

/// One page of a campaign's messages with their recipient and outbox row (status, answer).
#[allow(clippy::type_complexity)]
pub fn message_page(
    c: &mut DbConn,
    campaign_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<
    Vec<(
        MessageRow,
        RecipientRow,
        Option<(
            String,
            Option<String>,
            Option<String>,
            String,
            i32,
            Option<NaiveDateTime>,
        )>,
    )>,
> {
    notice_messages::table
        .inner_join(notice_recipients::table)
        .left_join(outbox::table.on(notice_messages::outbox_id.eq(outbox::id.nullable())))
        .filter(notice_messages::campaign_id.eq(campaign_id))
        .order((
            notice_recipients::line_no.asc(),
            notice_messages::channel.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .select((
            notice_messages::all_columns,
            notice_recipients::all_columns,
            (
                outbox::status,
                outbox::smtp_response,
                outbox::last_error,
                outbox::message_id,
                outbox::attempts,
                outbox::sent_at,
            )
                .nullable(),
        ))
        .load_on(c)
}

/// Letters of a campaign with their recipients, in list order.
pub fn letters(c: &mut DbConn, campaign_id: &str) -> QueryResult<Vec<(MessageRow, RecipientRow)>> {
    notice_messages::table
        .inner_join(notice_recipients::table)
        .filter(notice_messages::campaign_id.eq(campaign_id))
        .filter(notice_messages::channel.eq("letter"))
        .order(notice_recipients::line_no.asc())
        .select((notice_messages::all_columns, notice_recipients::all_columns))
        .load_on(c)
}

pub fn mark_letters_printed(
    c: &mut DbConn,
    campaign_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        notice_messages::table
            .filter(notice_messages::campaign_id.eq(campaign_id))
            .filter(notice_messages::channel.eq("letter"))
            .filter(notice_messages::status.eq("ready")),
    )
    .set((
        notice_messages::status.eq("printed"),
        notice_messages::printed_at.eq(Some(at)),
    ))
    .execute_on(c)
}

/// How many recipients an incident has (the staff pages show counts, not 100,000 rows).
pub fn recipient_count(c: &mut DbConn, incident_id: &str) -> QueryResult<i64> {
    notice_recipients::table
        .filter(notice_recipients::incident_id.eq(incident_id))
        .count()
        .get_result_on(c)
}

/// How many messages a campaign has (the total of its list of messages).
pub fn message_count(c: &mut DbConn, campaign_id: &str) -> QueryResult<i64> {
    notice_messages::table
        .filter(notice_messages::campaign_id.eq(campaign_id))
        .count()
        .get_result_on(c)
}

/// One page of the recipients in the order of [`recipients`] (the API's list).
pub fn recipients_page(
    c: &mut DbConn,
    incident_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RecipientRow>> {
    notice_recipients::table
        .filter(notice_recipients::incident_id.eq(incident_id))
        .order((
            notice_recipients::created_at.asc(),
            notice_recipients::line_no.asc(),
        ))
        .offset(offset)
        .limit(limit)
        .load_on(c)
}

/// One page of recipients in list order.
pub fn recipient_page(
    c: &mut DbConn,
    incident_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<RecipientRow>> {
    notice_recipients::table
        .filter(notice_recipients::incident_id.eq(incident_id))
        .order(notice_recipients::line_no.asc())
        .offset(offset)
        .limit(limit)
        .load_on(c)
}

/// One page of a campaign's letters in list order: recipient line, name and id, letter status.
pub fn letter_page(
    c: &mut DbConn,
    campaign_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String, String)>> {
    notice_messages::table
        .inner_join(notice_recipients::table)
        .filter(notice_messages::campaign_id.eq(campaign_id))
        .filter(notice_messages::channel.eq("letter"))
        .order(notice_recipients::line_no.asc())
        .offset(offset)
        .limit(limit)
        .select((
            notice_recipients::line_no,
            notice_recipients::name,
            notice_recipients::id,
            notice_messages::status,
        ))
        .load_on(c)
}

/// One page of a campaign's e-mails that failed after their retries: recipient line and name,
/// the reason.
#[allow(clippy::type_complexity)]
pub fn failed_messages(
    c: &mut DbConn,
    campaign_id: &str,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, Option<String>, Option<String>, i32)>> {
    notice_messages::table
        .inner_join(notice_recipients::table)
        .inner_join(outbox::table.on(notice_messages::outbox_id.eq(outbox::id.nullable())))
        .filter(notice_messages::campaign_id.eq(campaign_id))
        .filter(outbox::status.eq(crate::outbox::OutboxStatus::Failed))
        .order(notice_recipients::line_no.asc())
        .offset(offset)
        .limit(limit)
        .select((
            notice_recipients::line_no,
            notice_recipients::name,
            outbox::last_error,
            outbox::smtp_response,
            outbox::attempts,
        ))
        .load_on(c)
}

/// People informed through this incident's campaigns started up to `until`, per channel:
/// `(channel, messages not failed, e-mails failed)`. A campaign never takes a recipient an earlier
/// one reached (see `campaign::start`), so a message is a person.
pub fn informed_counts(
    c: &mut DbConn,
    incident_id: &str,
    until: NaiveDateTime,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let campaigns: Vec<String> = notice_campaigns::table
        .filter(notice_campaigns::incident_id.eq(incident_id))
        .filter(notice_campaigns::created_at.le(until))
        .select(notice_campaigns::id)
        .load_on(c)?;
    if campaigns.is_empty() {
        return Ok(vec![]);
    }
    let per_channel: Vec<(String, i64)> = notice_messages::table
        .filter(notice_messages::campaign_id.eq_any(&campaigns))
        .group_by(notice_messages::channel)
        .select((notice_messages::channel, diesel::dsl::count_star()))
        .load_on(c)?;
    let kinds: Vec<String> = campaigns.iter().map(|id| outbox_kind(id)).collect();
    let failed: i64 = outbox::table
        .filter(outbox::kind.eq_any(&kinds))
        .filter(outbox::status.eq(crate::outbox::OutboxStatus::Failed))
        .count()
        .get_result_on(c)?;
    Ok(per_channel
        .into_iter()
        .map(|(ch, n)| {
            let f = if ch == "email" { failed.min(n) } else { 0 };
            (ch, n - f, f)
        })
        .collect())
}

/// The outbox kind of a campaign's e-mails (and of its gate).
pub fn outbox_kind(campaign_id: &str) -> String {
    format!("campaign:{campaign_id}")
}

/// When each public notice of an incident was published and withdrawn (oldest first).
pub fn public_notice_windows(
    c: &mut DbConn,
    incident_id: &str,
) -> QueryResult<Vec<(NaiveDateTime, Option<NaiveDateTime>)>> {
    use crate::db::schema::public_notices;
    public_notices::table
        .filter(public_notices::incident_id.eq(incident_id))
        .order((public_notices::published_at.asc(), public_notices::id.asc()))
        .select((public_notices::published_at, public_notices::withdrawn_at))
        .load_on(c)
}

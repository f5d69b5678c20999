//! Clock escalation: at the configured points before the AP deadline the incident's handlers and
//! the organisation's FG each get one e-mail, never repeated — also with several instances, because
//! each (incident, point) is recorded once under a primary key in the same transaction as the mails.
use crate::audit::Action;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::clock;
use super::follow_up as phases;
use super::store::{self, IncidentRow};
use crate::db::schema::{clock_alerts, memberships, users};
use crate::db::Cached;
use crate::db::{from_db, to_db, write_tx, DbConn};
use crate::mail_templates::Templates;
use crate::outbox::{enqueue, NewMessage};

pub struct Escalator<'a> {
    pub hours: &'a [i64],
    pub templates: &'a Templates,
    pub public_url: &'a str,
    pub mail_domain: &'a str,
}

/// One recipient: e-mail, name, language.
type Recipient = (String, String, String);

fn recipients(conn: &mut DbConn, inc: &IncidentRow) -> QueryResult<Vec<Recipient>> {
    let handler_ids = store::handlers(conn, &inc.id)?;
    let mut out: Vec<Recipient> = users::table
        .filter(users::id.eq_any(&handler_ids))
        .select((users::email, users::display_name, users::language))
        .load_on(conn)?;
    let fgs: Vec<Recipient> = memberships::table
        .inner_join(users::table)
        .filter(memberships::organisation_id.eq(&inc.organisation_id))
        .filter(memberships::role.eq("fg"))
        .select((users::email, users::display_name, users::language))
        .load_on(conn)?;
    out.extend(fgs);
    if let Some(org) = crate::orgs::store::by_id(conn, &inc.organisation_id)? {
        if let Some(e) = org.fg_email {
            out.push((
                e.to_lowercase(),
                org.fg_name.unwrap_or_else(|| "FG".into()),
                "nl".into(),
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}

/// Where a page of candidates ended: its last one's date and id.
type PageKey = (chrono::NaiveDateTime, String);

/// Every candidate `load` gives, page by page (each page after the last one's `key`), handed to
/// `each`; stops at a short page.
fn each_candidate(
    conn: &mut DbConn,
    load: impl Fn(&mut DbConn, Option<PageKey>) -> diesel::QueryResult<Vec<IncidentRow>>,
    key: impl Fn(&IncidentRow) -> Option<PageKey>,
    mut each: impl FnMut(&mut DbConn, &IncidentRow),
) -> diesel::QueryResult<()> {
    let mut after = None;
    loop {
        let page = load(conn, after.take())?;
        for inc in &page {
            each(conn, inc);
        }
        after = page.last().and_then(&key);
        if (page.len() as i64) < store::CANDIDATES_PAGE || after.is_none() {
            return Ok(());
        }
    }
}

impl Escalator<'_> {
    /// Check every incident near or past its deadline, and every open follow-up of a provisional
    /// notification near or past its due date; returns how many e-mails were queued.
    pub fn run(&self, conn: &mut DbConn, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let horizon = self.hours.iter().copied().max().unwrap_or(0);
        let mut queued = 0;
        // Page by page to the end: however many are overdue, each one is looked at.
        each_candidate(
            conn,
            |c, after| store::clock_candidates(c, now, horizon, after),
            |i| Some((i.ap_deadline, i.id.clone())),
            |c, inc| match self.escalate(c, inc, now) {
                Ok(n) => queued += n,
                Err(e) => {
                    tracing::error!(incident = %inc.id, error = %e, "clock escalation failed")
                }
            },
        )?;
        each_candidate(
            conn,
            |c, after| store::follow_up_candidates(c, now, horizon, after),
            |i| i.supplement_due_at.map(|d| (d, i.id.clone())),
            |c, inc| match self.escalate_follow_up(c, inc, now) {
                Ok(n) => queued += n,
                Err(e) => {
                    tracing::error!(incident = %inc.id, error = %e, "follow-up escalation failed")
                }
            },
        )?;
        Ok(queued)
    }

    /// The supplement to a provisional notification is due soon or overdue: the same recipients,
    /// the same points, recorded once under the same primary key as the 72-hour alerts (its point
    /// named `supplement:<due>:<point>`).
    fn escalate_follow_up(
        &self,
        conn: &mut DbConn,
        inc: &IncidentRow,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let Some(due) = inc.supplement_due_at.map(from_db) else {
            return Ok(0);
        };
        let done: Vec<String> = clock_alerts::table
            .filter(clock_alerts::incident_id.eq(&inc.id))
            .select(clock_alerts::point)
            .load_on(conn)?;
        let (send, skip) = phases::due_alerts(due, now, self.hours, &done);
        let Some(point) = send else { return Ok(0) };
        let status = clock::status(due, now);
        let res = write_tx(conn, |c| -> Result<usize, diesel::result::Error> {
            for (p, skipped) in
                std::iter::once((point, false)).chain(skip.iter().map(|p| (*p, true)))
            {
                if !record_alert(c, &inc.id, &phases::alert_key(due, p), now, skipped)? {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            let mut n = 0;
            for (email, name, lang) in recipients(c, inc)? {
                // One rule with the pages (clock::remaining): the same figure everywhere.
                let r = crate::incidents::clock::remaining(status.deadline, now);
                let left = if lang == "en" {
                    r.words_en()
                } else {
                    r.words_nl()
                };
                let ctx = serde_json::json!({
                    "name": crate::locale::salutation(&name, &email, &lang),
                    "reference": inc.reference,
                    "title": inc.title,
                    "due_local": status.deadline_local,
                    "hours_left": status.hours_left.max(0.0).floor() as i64,
                    "left": left,
                    "overdue": point.hours == 0,
                    "link": format!("{}/staff/incidents/{}", self.public_url.trim_end_matches('/'), inc.id),
                });
                let (subject, body) = self
                    .templates
                    .render("supplement_alert", &lang, &ctx)
                    .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
                enqueue(
                    c,
                    &NewMessage {
                        kind: "clock_alert".into(),
                        dedupe_key: Some(format!(
                            "{}:{}:{}",
                            inc.id,
                            phases::alert_key(due, point),
                            email
                        )),
                        organisation_id: Some(inc.organisation_id.clone()),
                        incident_id: Some(inc.id.clone()),
                        to: email,
                        subject,
                        body_text: body,
                        body_html: None,
                        thread: Default::default(),
                    },
                    self.mail_domain,
                    now,
                )?;
                n += 1;
            }
            crate::audit::store::append(
                c,
                &[crate::audit::Entry {
                    actor: crate::audit::Actor::System("clock"),
                    action: Action::IncidentFollowUpAlert,
                    entity_type: "incident",
                    entity_id: inc.id.clone(),
                    organisation_id: Some(inc.organisation_id.clone()),
                    before: None,
                    after: Some(serde_json::json!({"point": point.key(), "due_at": due,
                        "recipients": n,
                        "skipped": skip.iter().map(|p| p.key()).collect::<Vec<_>>()})),
                }],
                now,
            )?;
            Ok(n)
        });
        match res {
            Ok(n) => Ok(n),
            // Another instance recorded this point first: it sends, we do not.
            Err(diesel::result::Error::RollbackTransaction) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    fn escalate(
        &self,
        conn: &mut DbConn,
        inc: &IncidentRow,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let done: Vec<String> = clock_alerts::table
            .filter(clock_alerts::incident_id.eq(&inc.id))
            .select(clock_alerts::point)
            .load_on(conn)?;
        let deadline = from_db(inc.ap_deadline);
        let (send, skip) = clock::due_escalations(deadline, now, self.hours, &done);
        let Some(point) = send else { return Ok(0) };
        let status = clock::status(deadline, now);
        let res = write_tx(conn, |c| -> Result<usize, diesel::result::Error> {
            for (p, skipped) in
                std::iter::once((point, false)).chain(skip.iter().map(|p| (*p, true)))
            {
                if !record_alert(c, &inc.id, &p.key(), now, skipped)? {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            let mut n = 0;
            for (email, name, lang) in recipients(c, inc)? {
                // One rule with the pages (clock::remaining): the same figure everywhere.
                let r = crate::incidents::clock::remaining(status.deadline, now);
                let left = if lang == "en" {
                    r.words_en()
                } else {
                    r.words_nl()
                };
                // Dutch texts get Dutch weekday names and the state in words, never its key.
                let dutch = lang != "en";
                let state = inc.state();
                let ctx = serde_json::json!({
                    "name": crate::locale::salutation(&name, &email, &lang),
                    "reference": inc.reference,
                    "title": inc.title,
                    "deadline_local": if dutch { &status.deadline_local } else { &status.deadline_local_en },
                    "hours_left": status.hours_left.max(0.0).floor() as i64,
                    "left": left,
                    "overdue": point.hours == 0,
                    "state": if dutch { state.label_nl().to_string() } else { state.as_str().replace('_', " ") },
                    "link": format!("{}/staff/incidents/{}", self.public_url.trim_end_matches('/'), inc.id),
                });
                let (subject, body) = self
                    .templates
                    .render("clock_alert", &lang, &ctx)
                    .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
                enqueue(
                    c,
                    &NewMessage {
                        kind: "clock_alert".into(),
                        dedupe_key: Some(format!("clock:{}:{}:{}", inc.id, point.key(), email)),
                        organisation_id: Some(inc.organisation_id.clone()),
                        incident_id: Some(inc.id.clone()),
                        to: email,
                        subject,
                        body_text: body,
                        body_html: None,
                        thread: Default::default(),
                    },
                    self.mail_domain,
                    now,
                )?;
                n += 1;
            }
            crate::audit::store::append(
                c,
                &[crate::audit::Entry {
                    actor: crate::audit::Actor::System("clock"),
                    action: Action::IncidentClockAlert,
                    entity_type: "incident",
                    entity_id: inc.id.clone(),
                    organisation_id: Some(inc.organisation_id.clone()),
                    before: None,
                    after: Some(serde_json::json!({"point": point.key(), "recipients": n,
                        "skipped": skip.iter().map(|p| p.key()).collect::<Vec<_>>()})),
                }],
                now,
            )?;
            Ok(n)
        });
        match res {
            Ok(n) => Ok(n),
            // Another instance recorded this point first: it sends, we do not.
            Err(diesel::result::Error::RollbackTransaction) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }
}

/// Record that an alert point of an incident is handled; false when another instance recorded it
/// first (the insert then does nothing: no error, none in PostgreSQL's log).
fn record_alert(
    c: &mut DbConn,
    incident_id: &str,
    point: &str,
    now: DateTime<Utc>,
    skipped: bool,
) -> Result<bool, diesel::result::Error> {
    let row = (
        clock_alerts::incident_id.eq(incident_id),
        clock_alerts::point.eq(point),
        clock_alerts::created_at.eq(to_db(now)),
        clock_alerts::skipped.eq(skipped),
    );
    let n = diesel::insert_into(clock_alerts::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute_on(c)?;
    Ok(n == 1)
}

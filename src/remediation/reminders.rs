//! One reminder e-mail per overdue measure to its owner, through the outbox, never repeated for the
//! same due date — also with several instances: the rows are locked (`SKIP LOCKED` on PostgreSQL,
//! the write lock on SQLite), marked in the same transaction as the e-mail, and the e-mail carries
//! a dedupe key per measure and due date.
use crate::audit::Action;
use chrono::{DateTime, Utc};

use super::rules::MeasureStatus;
use super::service::today_nl;
use super::store;
use crate::db::{to_db, write_tx, DbConn};
use crate::mail_templates::Templates;
use crate::outbox::{enqueue, NewMessage};

pub struct Reminder<'a> {
    pub templates: &'a Templates,
    pub public_url: &'a str,
    pub mail_domain: &'a str,
}

impl Reminder<'_> {
    /// Queue reminders for overdue measures; returns how many were queued.
    pub fn run(&self, conn: &mut DbConn, now: DateTime<Utc>) -> anyhow::Result<usize> {
        let today = today_nl(now);
        let mut total = 0;
        loop {
            let n = write_tx(conn, |c| -> anyhow::Result<usize> {
                let rows = store::overdue_unreminded(c, today, 100)?;
                let mut n = 0;
                for mut m in rows {
                    let Some(owner) = m.owner_id.clone() else {
                        continue;
                    };
                    let Some((email, name, lang)) = store::user_contact(c, &owner)? else {
                        continue;
                    };
                    let Some(inc) = crate::incidents::store::by_id(c, &m.incident_id)? else {
                        continue;
                    };
                    let status = MeasureStatus::parse(&m.status).unwrap_or(MeasureStatus::Open);
                    let ctx = serde_json::json!({
                        "name": name,
                        "reference": inc.reference,
                        "title": inc.title,
                        "description": m.description,
                        "due_on": m.due_on.format("%d-%m-%Y").to_string(),
                        "status": if lang == "en" { status.label_en() } else { status.label_nl() },
                        "link": format!("{}/staff/incidents/{}", self.public_url.trim_end_matches('/'), inc.id),
                    });
                    let (subject, body) = self.templates.render("measure_overdue", &lang, &ctx)?;
                    enqueue(
                        c,
                        &NewMessage {
                            kind: "measure_overdue".into(),
                            dedupe_key: Some(format!("measure:{}:{}", m.id, m.due_on)),
                            organisation_id: Some(m.organisation_id.clone()),
                            incident_id: Some(m.incident_id.clone()),
                            to: email,
                            subject,
                            body_text: body,
                            body_html: None,
                            thread: Default::default(),
                        },
                        self.mail_domain,
                        now,
                    )?;
                    m.reminder_sent_at = Some(to_db(now));
                    store::save(c, &m)?;
                    crate::audit::store::append(
                        c,
                        &[crate::audit::Entry {
                            actor: crate::audit::Actor::System("remediation"),
                            action: Action::MeasureReminderQueued,
                            entity_type: "incident",
                            entity_id: m.incident_id.clone(),
                            organisation_id: Some(m.organisation_id.clone()),
                            before: None,
                            after: Some(
                                serde_json::json!({"measure_id": m.id, "owner_id": owner, "due_on": m.due_on}),
                            ),
                        }],
                        now,
                    )?;
                    n += 1;
                }
                Ok(n)
            })?;
            total += n;
            if n < 100 {
                break;
            }
        }
        Ok(total)
    }
}

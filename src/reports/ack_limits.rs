//! No mail cannon. Anyone can make the service send an acknowledgement (the public form, a mail to
//! the meldpunt mailbox), from the official address, to an address they choose. So: the
//! acknowledgement carries nothing the reporter typed (see `templates/mail/report_received`), an
//! address gets at most one per `[limits] ack_recipient_minutes`, and all of them together at most
//! `[limits] acks_per_hour` per clock hour. What is held back is counted per hour (`ack_hours`) and
//! shown to staff (`GET /api/v1/acknowledgements`, a line on the inbox page).
//!
//! Both decisions are one upsert each, in the report's own transaction: concurrent instances wait on
//! the row instead of failing on a duplicate key (no ERROR in PostgreSQL's log).
use chrono::{DateTime, Duration, DurationRound, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::db::schema::{ack_hours, ack_recipients};
use crate::db::Cached;
use crate::db::{from_db, to_db, DbConn};

pub use super::model::AckLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckDecision {
    Send,
    /// The address got one less than `per_recipient_minutes` ago.
    HeldSameAddress,
    /// The hour's budget is spent.
    HeldOverBudget,
}

/// The clock hour `t` falls in.
pub fn hour_of(t: DateTime<Utc>) -> NaiveDateTime {
    to_db(t.duration_trunc(Duration::hours(1)).unwrap_or(t))
}

/// The key an address is remembered by: the SHA-256 of its trimmed lower-case form (the table
/// holds no address).
pub fn address_key(address: &str) -> String {
    crate::auth::secrets::sha256_hex(&address.trim().to_lowercase())
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Decide whether an acknowledgement to `address` may go now, and count the outcome. Runs inside
/// the caller's write transaction (the report's).
pub fn decide(
    conn: &mut DbConn,
    address: &str,
    limits: AckLimits,
    now: DateTime<Utc>,
) -> QueryResult<AckDecision> {
    let at = to_db(now);
    let hour = hour_of(now);
    if limits.per_recipient_minutes > 0 {
        let cutoff = to_db(now - Duration::minutes(limits.per_recipient_minutes));
        let key = address_key(address);
        // Claims the address unless it was claimed after the cutoff: no row back means "too soon".
        let claimed: Option<One> = match conn {
            DbConn::Pg(c) => diesel::sql_query(
                "INSERT INTO ack_recipients (address_hash, last_at) VALUES ($1, $2) \
                 ON CONFLICT (address_hash) DO UPDATE SET last_at = EXCLUDED.last_at \
                 WHERE ack_recipients.last_at <= $3 RETURNING 1::BIGINT AS n",
            )
            .bind::<Text, _>(&key)
            .bind::<Timestamp, _>(at)
            .bind::<Timestamp, _>(cutoff)
            .get_result(c)
            .optional()?,
            DbConn::Sqlite(c) => diesel::sql_query(
                "INSERT INTO ack_recipients (address_hash, last_at) VALUES (?, ?) \
                 ON CONFLICT (address_hash) DO UPDATE SET last_at = excluded.last_at \
                 WHERE ack_recipients.last_at <= ? RETURNING 1 AS n",
            )
            .bind::<Text, _>(&key)
            .bind::<Timestamp, _>(at)
            .bind::<Timestamp, _>(cutoff)
            .get_result(c)
            .optional()?,
        };
        if claimed.is_none() {
            count_held(conn, hour, "held_recipient")?;
            return Ok(AckDecision::HeldSameAddress);
        }
    }
    let cap = if limits.per_hour > 0 {
        limits.per_hour
    } else {
        i64::MAX
    };
    // Takes one from the hour's budget unless it is spent: no row back means "over budget".
    let sent: Option<One> = match conn {
        DbConn::Pg(c) => diesel::sql_query(
            "INSERT INTO ack_hours (hour, sent, held_recipient, held_budget) VALUES ($1, 1, 0, 0) \
             ON CONFLICT (hour) DO UPDATE SET sent = ack_hours.sent + 1 \
             WHERE ack_hours.sent < $2 RETURNING sent AS n",
        )
        .bind::<Timestamp, _>(hour)
        .bind::<BigInt, _>(cap)
        .get_result(c)
        .optional()?,
        DbConn::Sqlite(c) => diesel::sql_query(
            "INSERT INTO ack_hours (hour, sent, held_recipient, held_budget) VALUES (?, 1, 0, 0) \
             ON CONFLICT (hour) DO UPDATE SET sent = ack_hours.sent + 1 \
             WHERE ack_hours.sent < ? RETURNING sent AS n",
        )
        .bind::<Timestamp, _>(hour)
        .bind::<BigInt, _>(cap)
        .get_result(c)
        .optional()?,
    };
    match sent {
        None => {
            count_held(conn, hour, "held_budget")?;
            Ok(AckDecision::HeldOverBudget)
        }
        Some(One { n }) => {
            if n == 1 && limits.per_recipient_minutes > 0 {
                // The hour's first: forget addresses whose period has passed (kept no longer than needed).
                let cutoff = to_db(now - Duration::minutes(limits.per_recipient_minutes));
                diesel::delete(ack_recipients::table.filter(ack_recipients::last_at.lt(cutoff)))
                    .execute_on(conn)?;
            }
            Ok(AckDecision::Send)
        }
    }
}

fn count_held(conn: &mut DbConn, hour: NaiveDateTime, column: &'static str) -> QueryResult<()> {
    let (recipient, budget) = if column == "held_recipient" {
        (1i64, 0i64)
    } else {
        (0, 1)
    };
    let sql = |p: [&str; 3]| {
        format!(
            "INSERT INTO ack_hours (hour, sent, held_recipient, held_budget) VALUES ({}, 0, {}, {}) \
             ON CONFLICT (hour) DO UPDATE SET {column} = ack_hours.{column} + 1",
            p[0], p[1], p[2]
        )
    };
    match conn {
        DbConn::Pg(c) => diesel::sql_query(sql(["$1", "$2", "$3"]))
            .bind::<Timestamp, _>(hour)
            .bind::<BigInt, _>(recipient)
            .bind::<BigInt, _>(budget)
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::sql_query(sql(["?", "?", "?"]))
            .bind::<Timestamp, _>(hour)
            .bind::<BigInt, _>(recipient)
            .bind::<BigInt, _>(budget)
            .execute(c)?,
    };
    Ok(())
}

/// Acknowledgements sent and held back over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AckCounts {
    pub sent: i64,
    /// Held back: the address got one shortly before.
    pub held_same_address: i64,
    /// Held back: the hourly budget was spent.
    pub held_over_budget: i64,
}

impl AckCounts {
    pub fn held(&self) -> i64 {
        self.held_same_address + self.held_over_budget
    }
}

/// Counts of the last 24 hours and the last 30 days (by clock hour).
pub fn summary(conn: &mut DbConn, now: DateTime<Utc>) -> QueryResult<(AckCounts, AckCounts)> {
    let since = hour_of(now - Duration::days(30));
    let day = from_db(hour_of(now - Duration::hours(23)));
    let rows: Vec<(NaiveDateTime, i64, i64, i64)> = ack_hours::table
        .filter(ack_hours::hour.ge(since))
        .select((
            ack_hours::hour,
            ack_hours::sent,
            ack_hours::held_recipient,
            ack_hours::held_budget,
        ))
        .load_on(conn)?;
    let mut last_day = AckCounts::default();
    let mut month = AckCounts::default();
    for (hour, sent, rec, bud) in rows {
        let add = |c: &mut AckCounts| {
            c.sent += sent;
            c.held_same_address += rec;
            c.held_over_budget += bud;
        };
        add(&mut month);
        if from_db(hour) >= day {
            add(&mut last_day);
        }
    }
    Ok((last_day, month))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn hours_start_on_the_hour() {
        let t = Utc.with_ymd_and_hms(2026, 12, 11, 14, 59, 59).unwrap();
        assert_eq!(
            hour_of(t),
            Utc.with_ymd_and_hms(2026, 12, 11, 14, 0, 0)
                .unwrap()
                .naive_utc()
        );
    }

    #[test]
    fn an_address_is_the_same_whatever_its_case() {
        assert_eq!(
            address_key(" Ria@Example.NL"),
            address_key("ria@example.nl")
        );
        assert_ne!(address_key("ria@example.nl"), address_key("jan@example.nl"));
    }
}

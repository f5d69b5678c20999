//! The rules of telling staff, without a database: how a user hears of new reports, when the daily
//! digest is due, and the words the e-mails use for channels, kinds of notification and waiting time.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;

/// How a user hears of a new citizen's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewReports {
    /// One e-mail per report (the default: also when a user never chose).
    Each,
    /// One e-mail a day listing the reports received since the last one.
    Daily,
}

impl NewReports {
    pub fn as_str(&self) -> &'static str {
        match self {
            NewReports::Each => "each",
            NewReports::Daily => "daily",
        }
    }

    pub fn parse(s: &str) -> Option<NewReports> {
        match s {
            "each" => Some(NewReports::Each),
            "daily" => Some(NewReports::Daily),
            _ => None,
        }
    }

    /// As stored: no row (or an unknown value) is the default.
    pub fn stored(s: Option<&str>) -> NewReports {
        s.and_then(NewReports::parse).unwrap_or(NewReports::Each)
    }
}

/// Why a draft waits for the FG's sign-off (the FGs' e-mail says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Just drafted.
    New,
    /// Changed after an FG rejected it: offered again.
    AfterRejection,
    /// Changed after it was signed off: the sign-off is void.
    ChangedAfterSignoff,
}

/// The instant of the digest on a day: `hour`:00 in Amsterdam (in the spring hour that does not
/// exist, the hour after it).
fn digest_at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    let hour = hour.min(23);
    let naive = day.and_hms_opt(hour, 0, 0).expect("valid hour");
    match Amsterdam.from_local_datetime(&naive).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => Amsterdam
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&naive)),
    }
}

/// The latest digest instant at or before `now`: today's at `hour` (Amsterdam), or yesterday's
/// when today's has not come yet. A digest covers the reports received up to it.
pub fn digest_due(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let today = now.with_timezone(&Amsterdam).date_naive();
    let t = digest_at(today, hour);
    if t <= now {
        t
    } else {
        digest_at(today.pred_opt().unwrap_or(today), hour)
    }
}

/// An instant on the Amsterdam clock in the reader's language: `di 27-10-2026 09:00 (CET)`, as the
/// pages show it.
pub fn local_time(t: DateTime<Utc>, lang: &str) -> String {
    if lang == "en" {
        crate::locale::datetime_en(t)
    } else {
        crate::locale::datetime_nl(t)
    }
}

/// A channel of a report in the reader's language (the e-mails name it; nothing else of the report).
pub fn channel_words(channel: &str, lang: &str) -> String {
    let en = lang == "en";
    match channel {
        "web_form" if en => "report form",
        "web_form" => "meldformulier",
        "mailbox" if en => "e-mail",
        "mailbox" => "e-mail",
        "staff" if en => "entered by staff",
        "staff" => "ingevoerd door een medewerker",
        "processor" if en => "processor",
        "processor" => "verwerker",
        "api" if en => "API",
        "api" => "koppeling (API)",
        other => other,
    }
    .to_string()
}

/// A kind of notification draft in the reader's language, following the glossary ("melding aan
/// de AP", never a bare "melding"; "bericht aan betrokkenen").
pub fn kind_words(kind: &str, lang: &str) -> String {
    let en = lang == "en";
    match kind {
        "initial_complete" if en => "notification to the AP (complete)",
        "initial_complete" => "melding aan de AP (volledig)",
        "initial_provisional" if en => "notification to the AP (provisional)",
        "initial_provisional" => "voorlopige melding aan de AP",
        "supplement" if en => "supplement to a notification to the AP",
        "supplement" => "aanvulling op een melding aan de AP",
        "withdrawal" if en => "withdrawal of a notification to the AP",
        "withdrawal" => "intrekking van een melding aan de AP",
        "letter_email" if en => "letter and e-mail to the people affected",
        "letter_email" => "brief en e-mail aan de betrokkenen",
        "public_notice" if en => "public notice",
        "public_notice" => "openbare bekendmaking",
        other => other,
    }
    .to_string()
}

/// How long something has waited, in whole units rounded down: "12 minuten", "1 uur", "3 dagen"
/// ("minder dan een minuut" below one minute)
/// ("12 minutes", "1 hour", "3 days"). Under an hour in minutes, under two days in hours.
pub fn waited(since: DateTime<Utc>, now: DateTime<Utc>, lang: &str) -> String {
    let mins = (now - since).num_minutes().max(0);
    let en = lang == "en";
    if mins == 0 {
        // "0 minuten" reads as nothing happened; say what is true.
        return if en {
            "less than a minute"
        } else {
            "minder dan een minuut"
        }
        .to_string();
    }
    let (n, one, many) = if mins < 60 {
        (
            mins,
            if en { "minute" } else { "minuut" },
            if en { "minutes" } else { "minuten" },
        )
    } else if mins < 48 * 60 {
        (
            mins / 60,
            if en { "hour" } else { "uur" },
            if en { "hours" } else { "uur" },
        )
    } else {
        (
            mins / (24 * 60),
            if en { "day" } else { "dag" },
            if en { "days" } else { "dagen" },
        )
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_digest_is_due_at_the_hour_in_amsterdam() {
        // Winter (UTC+1): 08:00 in Amsterdam is 07:00 UTC.
        assert_eq!(
            digest_due(utc("2026-01-15T07:30:00Z"), 8),
            utc("2026-01-15T07:00:00Z")
        );
        // Before today's hour: yesterday's.
        assert_eq!(
            digest_due(utc("2026-01-15T06:59:59Z"), 8),
            utc("2026-01-14T07:00:00Z")
        );
        // Exactly at the hour: today's.
        assert_eq!(
            digest_due(utc("2026-01-15T07:00:00Z"), 8),
            utc("2026-01-15T07:00:00Z")
        );
        // Summer (UTC+2).
        assert_eq!(
            digest_due(utc("2026-07-01T12:00:00Z"), 8),
            utc("2026-07-01T06:00:00Z")
        );
        // The spring night's missing hour: 02:00 becomes 03:00 (CEST, 01:00 UTC).
        assert_eq!(
            digest_due(utc("2026-03-29T05:00:00Z"), 2),
            utc("2026-03-29T01:00:00Z")
        );
        // Late in the evening UTC is already tomorrow in Amsterdam.
        assert_eq!(
            digest_due(utc("2026-01-15T23:30:00Z"), 0),
            utc("2026-01-15T23:00:00Z")
        );
    }

    #[test]
    fn preferences_default_to_each() {
        assert_eq!(NewReports::stored(None), NewReports::Each);
        assert_eq!(NewReports::stored(Some("daily")), NewReports::Daily);
        assert_eq!(NewReports::stored(Some("weekly")), NewReports::Each);
        assert_eq!(NewReports::parse("each"), Some(NewReports::Each));
    }

    #[test]
    fn waiting_time_in_words_singular_and_plural() {
        let t = utc("2026-01-15T07:00:00Z");
        assert_eq!(waited(t, t + Duration::minutes(1), "nl"), "1 minuut");
        assert_eq!(waited(t, t + Duration::minutes(59), "nl"), "59 minuten");
        assert_eq!(waited(t, t + Duration::minutes(61), "nl"), "1 uur");
        assert_eq!(waited(t, t + Duration::hours(47), "en"), "47 hours");
        assert_eq!(waited(t, t + Duration::hours(48), "nl"), "2 dagen");
        assert_eq!(waited(t, t + Duration::hours(24 * 9), "en"), "9 days");
        assert_eq!(
            waited(t, t - Duration::hours(1), "en"),
            "less than a minute"
        );
        assert_eq!(
            waited(t, t + Duration::seconds(59), "nl"),
            "minder dan een minuut"
        );
    }

    #[test]
    fn notification_kinds_follow_the_glossary() {
        for k in [
            "initial_complete",
            "initial_provisional",
            "supplement",
            "withdrawal",
        ] {
            assert!(kind_words(k, "nl").contains("melding aan de AP"), "{k}");
        }
        assert_eq!(
            kind_words("letter_email", "en"),
            "letter and e-mail to the people affected"
        );
        assert_eq!(channel_words("web_form", "nl"), "meldformulier");
        assert_eq!(
            local_time(utc("2026-07-01T06:05:00Z"), "nl"),
            "wo 01-07-2026 08:05 (CEST)"
        );
    }
}

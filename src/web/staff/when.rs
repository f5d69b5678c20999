//! Time on the staff's pages: instants in Amsterdam time, `datetime-local` fields, the 72-hour clock.
use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serde_json::{json, Value};

use crate::web::kit::{web as pages, Lang};

/// An instant as people in the Netherlands read it: `di 27-10-2026 09:00 (CET)`.
pub(super) fn local_time(lang: Lang, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    let day = pages().t(
        lang,
        &format!("staff_wd_{}", l.weekday().num_days_from_monday()),
    );
    format!("{day} {}", l.format("%d-%m-%Y %H:%M (%Z)"))
}

pub(super) fn local_db(lang: Lang, t: NaiveDateTime) -> String {
    local_time(lang, crate::db::from_db(t))
}

/// The value of a `datetime-local` field: Amsterdam wall-clock time to the minute.
pub(super) fn input_value(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&Amsterdam)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// A `datetime-local` value read as Amsterdam time, as UTC. Empty: `None`. In the autumn hour
/// that happens twice, the first; a time skipped in spring is refused.
pub(super) fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or("staff_err_datetime")?;
    match Amsterdam.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(Some(t.with_timezone(&Utc))),
        chrono::LocalResult::Ambiguous(first, _) => Ok(Some(first.with_timezone(&Utc))),
        chrono::LocalResult::None => Err("staff_err_datetime_gap"),
    }
}

/// Time left on the 72-hour clock as text ("nog 31 uur" / "3 uur te laat") and a tag class for
/// colour (the text says it all without the colour).
pub(super) fn clock_text(
    lang: Lang,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
    running: bool,
) -> Value {
    let w = pages();
    if !running {
        return json!({"text": w.t(lang, "staff_clock_stopped"), "class": "", "overdue": false});
    }
    // The one rule of the clock module, so the page says what the e-mail says.
    let r = crate::incidents::clock::remaining(deadline, now);
    let text = match lang {
        Lang::Nl => r.label_nl(),
        Lang::En => r.label_en(),
    };
    if r.overdue {
        json!({"text": text, "class": "overdue", "overdue": true})
    } else {
        let class = if r.hours < 24 { "urgent" } else { "ok" };
        json!({"text": text, "class": class, "overdue": false})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_input_is_amsterdam_time() {
        // Summer: UTC+2.
        let t = parse_local("2026-07-01T10:30").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-01T08:30:00+00:00");
        assert_eq!(input_value(Some(t)), "2026-07-01T10:30");
        // Winter: UTC+1.
        let t = parse_local("2026-01-15T09:00").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-15T08:00:00+00:00");
        // The autumn hour that happens twice: the first (still summer time).
        let t = parse_local("2026-10-25T02:30").unwrap().unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        // The spring hour that does not exist.
        assert_eq!(
            parse_local("2026-03-29T02:30"),
            Err("staff_err_datetime_gap")
        );
        assert_eq!(parse_local("gisteren"), Err("staff_err_datetime"));
        assert_eq!(parse_local("  "), Ok(None));
    }

    #[test]
    fn hours_are_text_not_only_colour() {
        let d = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let left = clock_text(
            Lang::Nl,
            d,
            d - chrono::Duration::minutes(31 * 60 + 20),
            true,
        );
        assert_eq!(left["text"], "nog 31 uur");
        let late = clock_text(Lang::Nl, d, d + chrono::Duration::minutes(190), true);
        assert_eq!(late["text"], "3 uur en 10 minuten te laat");
        assert_eq!(late["class"], "overdue");
        let en = clock_text(Lang::En, d, d + chrono::Duration::minutes(190), true);
        assert_eq!(en["text"], "3 hours and 10 minutes overdue");
    }
}

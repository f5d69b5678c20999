//! Dates and numbers as people read them, in Dutch and in English: one place for weekday and month
//! names and the decimal separator, so no Dutch text shows "Mon" or "4.50".
//!
//! Pure: no web, database or template code. Times are shown on the Amsterdam wall clock.
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use chrono_tz::Europe::Amsterdam;

const WEEKDAYS_NL: [&str; 7] = ["ma", "di", "wo", "do", "vr", "za", "zo"];
const WEEKDAYS_NL_LONG: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "ma", "di", … "zo".
pub fn weekday_nl(d: Weekday) -> &'static str {
    WEEKDAYS_NL[d.num_days_from_monday() as usize]
}

/// "maandag", … "zondag".
pub fn weekday_nl_long(d: Weekday) -> &'static str {
    WEEKDAYS_NL_LONG[d.num_days_from_monday() as usize]
}

/// "Mon", … "Sun".
pub fn weekday_en(d: Weekday) -> &'static str {
    WEEKDAYS_EN[d.num_days_from_monday() as usize]
}

/// "januari" … "december" for months 1–12.
pub fn month_nl(month: u32) -> &'static str {
    MONTHS_NL[(month.clamp(1, 12) - 1) as usize]
}

/// "January" … "December" for months 1–12.
pub fn month_en(month: u32) -> &'static str {
    MONTHS_EN[(month.clamp(1, 12) - 1) as usize]
}

/// An instant in Dutch on the Amsterdam clock: `di 27-10-2026 09:00 (CET)`.
pub fn datetime_nl(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    format!(
        "{} {}",
        weekday_nl(l.weekday()),
        l.format("%d-%m-%Y %H:%M (%Z)")
    )
}

/// An instant in English on the Amsterdam clock: `Tue 27-10-2026 09:00 (CET)`.
pub fn datetime_en(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Amsterdam);
    format!(
        "{} {}",
        weekday_en(l.weekday()),
        l.format("%d-%m-%Y %H:%M (%Z)")
    )
}

/// A date in Dutch words: `dinsdag 27 oktober 2026`.
pub fn date_long_nl(d: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        weekday_nl_long(d.weekday()),
        d.day(),
        month_nl(d.month()),
        d.year()
    )
}

/// A date in English words: `Tuesday 27 October 2026`.
pub fn date_long_en(d: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        d.format("%A"),
        d.day(),
        month_en(d.month()),
        d.year()
    )
}

/// A number with `places` decimals and a decimal comma: `4,50`, `-0,5`.
pub fn decimal_nl(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

/// The name a staff mail greets with ("Beste {name},"). A display name that is empty or only the
/// e-mail's local part (the CLI makes users without a name that way: "fg", "j.jansen") is not a
/// name to greet someone by: then "collega" / "colleague".
pub fn salutation(display_name: &str, email: &str, lang: &str) -> String {
    let name = display_name.trim();
    let local = email.split('@').next().unwrap_or("").trim();
    if name.is_empty() || name.eq_ignore_ascii_case(local) || name.contains('@') {
        if lang == "en" { "colleague" } else { "collega" }.to_string()
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dutch_weekdays_months_and_comma() {
        // Tue 27 Oct 2026 08:00 UTC = 09:00 CET.
        let t = Utc.with_ymd_and_hms(2026, 10, 27, 8, 0, 0).unwrap();
        assert_eq!(datetime_nl(t), "di 27-10-2026 09:00 (CET)");
        assert_eq!(datetime_en(t), "Tue 27-10-2026 09:00 (CET)");
        // A Monday in winter time.
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
        assert_eq!(datetime_nl(t), "ma 07-12-2026 10:00 (CET)");
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(date_long_nl(d), "maandag 7 december 2026");
        assert_eq!(date_long_en(d), "Monday 7 December 2026");
        // Summer time, a Sunday.
        let t = Utc.with_ymd_and_hms(2026, 7, 5, 10, 30, 0).unwrap();
        assert_eq!(datetime_nl(t), "zo 05-07-2026 12:30 (CEST)");
        assert_eq!(decimal_nl(4.5, 2), "4,50");
        assert_eq!(decimal_nl(-0.26, 1), "-0,3");
        assert_eq!(decimal_nl(12.0, 0), "12");
        for m in 1..=12 {
            assert!(!month_nl(m).is_empty());
        }
        for (i, wd) in WEEKDAYS_NL.iter().enumerate() {
            assert_ne!(*wd, WEEKDAYS_EN[i].to_lowercase().as_str());
        }
    }

    #[test]
    fn a_mail_greets_by_name_never_by_address() {
        assert_eq!(
            salutation("F. Gerritsen", "fg@oost.example", "nl"),
            "F. Gerritsen"
        );
        assert_eq!(salutation("fg", "fg@oost.example", "nl"), "collega");
        assert_eq!(salutation("FG", "fg@oost.example", "en"), "colleague");
        assert_eq!(salutation("  ", "a@b.nl", "nl"), "collega");
        assert_eq!(salutation("a@b.nl", "a@b.nl", "nl"), "collega");
    }

    proptest::proptest! {
        #[test]
        fn the_greeting_is_the_name_or_a_word_for_colleague(
            name in "[A-Za-z. @]{0,20}",
            local in "[a-z.]{1,10}",
            en in proptest::bool::ANY,
        ) {
            let email = format!("{local}@example.nl");
            let lang = if en { "en" } else { "nl" };
            let g = salutation(&name, &email, lang);
            let word = if en { "colleague" } else { "collega" };
            let t = name.trim();
            if t.is_empty() || t.eq_ignore_ascii_case(&local) || t.contains('@') {
                proptest::prop_assert_eq!(g, word);
            } else {
                proptest::prop_assert_eq!(g, t);
            }
        }
    }
}

//! The JSON report intake on arbitrary bytes: what `POST /api/v1/reports` runs on its body
//! (`http::parse_json` — UTF-8, the input boundary's control-character and date checks, serde with
//! the failing field named) and then `ReportInput::validate`, for a citizen and for staff.
//!
//! What must hold: no panic; a refusal is a 422 naming a field and quoting no value; an accepted
//! report keeps the rules (trimmed description within the limit, known vocabulary, a valid e-mail
//! address, no control characters, dates in bounds); and the accepted report, written back as
//! JSON, is read and validated to the very same report (round trip).
#![no_main]
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use meldpunt::error::ApiError;
use meldpunt::http::parse_json;
use meldpunt::input::{date_ok, has_bad_chars};
use meldpunt::reports::model::{self, NewReport, ReportInput};

const MAX_DESCRIPTION: usize = 10_000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date")
}

fn refusal_is_named(e: ApiError) {
    match e {
        ApiError::Validation(errs) => {
            assert!(!errs.is_empty(), "a 422 without a field");
            for e in &errs {
                assert!(!e.field.is_empty(), "a 422 naming no field: {errs:?}");
                // serde quotes what was sent (`invalid type: string "…"`); the answer must not.
                assert!(!e.message.contains("string \""), "a value quoted: {e:?}");
            }
        }
        other => panic!("bad input answered other than 422: {other:?}"),
    }
}

fn holds(n: &NewReport, staff: bool) {
    assert_eq!(n.description, n.description.trim());
    assert!(!n.description.is_empty());
    assert!(n.description.chars().count() <= MAX_DESCRIPTION);
    for t in [
        Some(&n.description),
        n.organisation_hint.as_ref(),
        n.contact_name.as_ref(),
        n.contact_email.as_ref(),
        n.contact_phone.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!has_bad_chars(t), "a control character got through: {t:?}");
    }
    if let Some(d) = n.received_on {
        assert!(date_ok(d) && d <= today(), "{d}");
    }
    let mut kinds = n.data_kinds.clone();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, n.data_kinds);
    assert!(n
        .data_kinds
        .iter()
        .all(|k| model::DATA_KINDS.contains(&k.as_str())));
    assert!(model::LANGUAGES.contains(&n.language.as_str()));
    assert!(model::CHANNELS.contains(&n.channel.as_str()));
    if !staff {
        assert_eq!(n.channel, "api");
    }
    if let Some(e) = &n.contact_email {
        // What is stored is what acknowledgements are later sent to.
        assert!(
            model::valid_email(e),
            "stored address no longer valid: {e:?}"
        );
    }
}

/// The accepted report as the JSON a client would send for it.
fn as_json(n: &NewReport, staff: bool) -> Vec<u8> {
    let mut v = serde_json::json!({
        "description": n.description,
        "data_kinds": n.data_kinds,
        "may_contact": n.may_contact,
        "language": n.language,
    });
    let o = v.as_object_mut().expect("an object");
    let mut opt = |k: &str, s: &Option<String>| {
        if let Some(s) = s {
            o.insert(k.into(), s.clone().into());
        }
    };
    opt("received_via", &n.received_via);
    opt("organisation_hint", &n.organisation_hint);
    opt("action_taken", &n.action_taken);
    opt("contact_name", &n.contact_name);
    opt("contact_email", &n.contact_email);
    opt("contact_phone", &n.contact_phone);
    opt(
        "received_on",
        &n.received_on.map(|d| d.format("%Y-%m-%d").to_string()),
    );
    if staff {
        o.insert("channel".into(), n.channel.clone().into());
    }
    serde_json::to_vec(&v).expect("JSON")
}

fuzz_target!(|data: &[u8]| {
    let input = match parse_json::<ReportInput>(data) {
        Ok(i) => i,
        Err(e) => return refusal_is_named(e),
    };
    for staff in [false, true] {
        match input.validate(MAX_DESCRIPTION, today(), staff) {
            Ok(n) => {
                holds(&n, staff);
                let again = parse_json::<ReportInput>(&as_json(&n, staff))
                    .expect("an accepted report's JSON is read back");
                let m = again
                    .validate(MAX_DESCRIPTION, today(), staff)
                    .expect("an accepted report is accepted again");
                assert_eq!(format!("{n:?}"), format!("{m:?}"), "round trip");
            }
            Err(e) => refusal_is_named(e),
        }
    }
});

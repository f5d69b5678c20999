//! The processing register's import (`register::activities`: CSV with `,` or `;` or Excel through
//! `from_table`, and the JSON import `from_json`) on arbitrary bytes.
//!
//! What must hold: no panic; a refusal names its lines; accepted activities are normalised and
//! valid, their names unique, and hold no control characters (PostgreSQL refuses NUL); and they
//! round-trip: the CSV export (`to_csv`) reads back to the same activities, and so does the JSON
//! they serialise to.
#![no_main]
use libfuzzer_sys::fuzz_target;
use meldpunt::input::has_bad_chars;
use meldpunt::register::activities::{self, Activity, RowProblem};

fn holds(list: &[Activity]) {
    let mut names = std::collections::HashSet::new();
    for a in list {
        assert_eq!(a, &a.clone().normalised());
        assert!(a.validate().is_ok(), "{a:?}");
        assert!(names.insert(a.name.to_lowercase()), "a name twice");
        for t in [
            &a.name,
            &a.purposes,
            &a.recipients,
            &a.processors,
            &a.retention,
        ] {
            assert!(!has_bad_chars(t), "a control character got through: {t:?}");
        }
    }
}

fn refused(problems: &[RowProblem]) {
    assert!(!problems.is_empty());
    assert!(problems.iter().all(|p| !p.field.is_empty()));
}

fn csv_round_trip(list: &[Activity]) {
    let csv = activities::to_csv(list);
    match activities::from_csv(csv.as_bytes()) {
        Ok(again) => assert_eq!(again, list, "CSV round trip"),
        Err(p) => panic!("the export of accepted activities is refused: {p:?}\n{csv}"),
    }
}

fuzz_target!(|data: &[u8]| {
    // `tabular::xlsx_records` turns a panic inside calamine into an unreadable file, but
    // libFuzzer's panic hook would abort before that: panics in the readers' dependencies are
    // left to the code's own catch, every other panic still aborts (it escapes the target).
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            if !(file.contains("/calamine-")
                || file.contains("/zip-")
                || file.contains("/quick-xml-"))
            {
                fuzzer_hook(info);
            }
        }));
    });
    match activities::from_table(data) {
        Ok(list) => {
            holds(&list);
            csv_round_trip(&list);
        }
        Err(p) => refused(&p),
    }
    match activities::from_json(data) {
        Ok(list) => {
            holds(&list);
            let json = serde_json::to_vec(&list).expect("JSON");
            assert_eq!(
                activities::from_json(&json).expect("read back"),
                list,
                "JSON round trip"
            );
            csv_round_trip(&list);
        }
        Err(p) => refused(&p),
    }
});

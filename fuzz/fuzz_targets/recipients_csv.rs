//! The recipients import (`notifications::recipients::parse`: CSV with `,` or `;`, or an Excel
//! file) on arbitrary bytes.
//!
//! What must hold: no panic; a refusal names its lines (or the file); accepted rows keep the
//! rules (a trimmed name of at most 200 characters, a valid e-mail address or a postal address,
//! nl or en, one value per extra column, no two rows for one person, line numbers rising) and
//! hold no control characters (PostgreSQL refuses NUL: the same file must not be a 422 on one
//! database and a 500 on the other); and the accepted rows, written back as CSV, are read back
//! to the same rows (round trip).
#![no_main]
use libfuzzer_sys::fuzz_target;
use meldpunt::input::{has_bad_chars, EmailAddress};
use meldpunt::notifications::recipients::{parse, ImportError, Parsed, REQUIRED};

fn holds(p: &Parsed) {
    let mut keys = std::collections::HashSet::new();
    let mut last = 0;
    for r in &p.rows {
        assert!(r.line > last, "lines rise: {:?}", p.rows);
        last = r.line;
        assert!(!r.name.is_empty() && r.name == r.name.trim());
        assert!(r.name.chars().count() <= 200);
        if let Some(e) = &r.email {
            assert!(EmailAddress::parse(e).is_ok(), "{e:?}");
        }
        assert!(r.email.is_some() || r.postal_address.is_some());
        assert!(r.language == "nl" || r.language == "en");
        assert_eq!(r.extra.len(), p.extra_columns.len());
        assert!(keys.insert(r.key.clone()), "one person twice: {}", r.key);
        for t in [Some(&r.name), r.email.as_ref(), r.postal_address.as_ref()]
            .into_iter()
            .flatten()
            .chain(r.extra.iter())
        {
            assert!(
                !has_bad_chars(t),
                "line {}: a control character got through",
                r.line
            );
        }
    }
    for d in &p.duplicates {
        assert!(d.same_as_line < d.line);
    }
}

/// The accepted rows as a CSV file with the required columns and the extra ones.
fn as_csv(p: &Parsed) -> String {
    let mut w = meldpunt::tabular::csv_writer();
    let header: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .chain(p.extra_columns.iter().map(String::as_str))
        .collect();
    w.write_record(&header).expect("to memory");
    for r in &p.rows {
        let mut rec = vec![
            r.name.clone(),
            r.email.clone().unwrap_or_default(),
            r.postal_address.clone().unwrap_or_default(),
            r.language.clone(),
        ];
        rec.extend(r.extra.iter().cloned());
        w.write_record(&rec).expect("to memory");
    }
    meldpunt::tabular::csv_text(w)
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
    match parse(data) {
        Ok(p) => {
            holds(&p);
            let again = parse(as_csv(&p).as_bytes()).expect("accepted rows are accepted again");
            assert_eq!(again.extra_columns, p.extra_columns);
            assert!(again.duplicates.is_empty());
            let strip = |p: &Parsed| {
                p.rows
                    .iter()
                    .map(|r| {
                        (
                            r.name.clone(),
                            r.email.clone(),
                            r.postal_address.clone(),
                            r.language.clone(),
                            r.extra.clone(),
                            r.key.clone(),
                        )
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&again), strip(&p), "round trip");
        }
        Err(ImportError::Rows(bad)) => {
            assert!(!bad.is_empty());
            assert!(bad.iter().all(|b| b.line >= 1 && !b.field.is_empty()));
        }
        Err(ImportError::File(f)) => assert!(!f.en.is_empty() && !f.nl.is_empty()),
    }
});

//! The mailbox parser's entry point on arbitrary bytes: parse with limits, classify, build the
//! report text, find references and the language. Nothing may panic, hang or grow without bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use meldpunt::mailbox::{parse, service};

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys aborts on any panic through its hook, also on one `parse` catches (mail-parser
    // panics on some inputs; `parse` turns that into a refusal). Panics that escape still abort.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let limits = parse::Limits {
        max_bytes: 1 << 20,
        max_parts: 200,
        max_depth: 8,
        max_attachment_bytes: 1 << 20,
    };
    if let Ok(m) = parse::parse(data, &limits) {
        let _ = parse::classify(&m, &["meldpunt@meldpunt.test".to_string()]);
        let d = service::description(&m, 2_000);
        assert!(d.chars().count() <= 2_000);
        assert!(!d.contains('\0'));
        let _ = parse::references_in(&m.subject);
        let _ = parse::language(&m.text);
        for a in &m.attachments {
            assert_eq!(a.sha256.len(), 64);
        }
    }
});

//! The public report form's multipart parser (`web::public::read_multipart`, what `POST /melden`
//! reads a multipart body with) on arbitrary bytes, arriving in chunks as a network cuts them,
//! then the attachment check (`Posted::checked_file`, by content).
//!
//! Input layout: the first byte picks the chunk size (1–256 bytes); then the Content-Type header's
//! value up to the first line feed (the boundary is in it); the rest is the body.
//!
//! What must hold: no panic, no hang (a stream that ends is a finished or a refused form); at most
//! `MAX_FIELDS` fields; every text without control characters (the input boundary); a kept file
//! is non-empty and within the size limit; a checked file has a known type and its SHA-256; its
//! name, as stored, is clean.
#![no_main]
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use actix_web::web::Bytes;
use libfuzzer_sys::fuzz_target;
use meldpunt::attachments::{clean_filename, MAX_BYTES};
use meldpunt::input::has_bad_chars;
use meldpunt::web::public::{read_multipart, MAX_FIELDS};

fuzz_target!(|data: &[u8]| {
    // `read_multipart` turns a panic inside actix-multipart into a refused form, but libFuzzer's
    // panic hook would abort before that: panics there are left to the code's own catch, every
    // other panic still aborts.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            if !file.contains("/actix-multipart-") {
                fuzzer_hook(info);
            }
        }));
    });
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
        return;
    };
    let (ct, body) = (&rest[..nl], &rest[nl + 1..]);
    let Ok(value) = HeaderValue::from_bytes(ct) else {
        return;
    };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, value);
    let chunks: Vec<Result<Bytes, PayloadError>> = body
        .chunks(cut as usize + 1)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let stream = futures_util::stream::iter(chunks);
    // No timer: a parser that waits for bytes that cannot come hangs here, and libFuzzer reports
    // the timeout.
    let Ok(posted) = futures_executor::block_on(read_multipart(&headers, stream)) else {
        return;
    };
    let values: usize = posted.fields.values().map(Vec::len).sum();
    assert!(values <= MAX_FIELDS);
    for (name, texts) in &posted.fields {
        for t in texts {
            assert!(!has_bad_chars(t), "{name}: a control character got through");
        }
    }
    for name in &posted.stripped {
        assert!(posted.fields.contains_key(name));
    }
    if let Some((name, bytes)) = &posted.file {
        assert!(!bytes.is_empty() && bytes.len() <= MAX_BYTES);
        let clean = clean_filename(name);
        assert!(!clean.is_empty() && clean.chars().count() <= 120);
        assert!(!clean.chars().any(char::is_control));
        assert!(!clean.contains(['/', '\\']));
    }
    if let Ok(Some(a)) = posted.checked_file() {
        assert!(["image/jpeg", "image/png", "application/pdf"].contains(&a.content_type.as_str()));
        assert_eq!(a.sha256.len(), 64);
    }
});

//! `letters_pdf` (protocol: /work/shared/design/benchmarks.md): the merged letters PDF for the post
//! room — each letter rendered with the signed-off template (handlebars, strict), converted to PDF
//! blocks, laid out and written to one PDF file on tmpfs, as `GET …/letters.pdf` does — vs a bare
//! handlebars render of the same letter, in the same run, interleaved, median of the pair ratios.
//! No target in the issue: the figure says how long 10,000 (and so 100,000) letters take.
//!
//! Run: `cargo bench --bench letters_pdf` (env LETTERS=10000 ROUNDS=5; LETTERS_PDF_OUT=path keeps
//! the last PDF for a look).
use std::io::{BufWriter, Write};
use std::time::Instant;

use meldpunt::notifications::ap::{DraftInput, OrgPart};
use meldpunt::notifications::letters::{self, Common, LetterCtx, RecipientCtx};
use meldpunt::notifications::pdf::letter_layout;
use meldpunt::notifications::render::NoticeTemplates;
use meldpunt::pdf::{DocInfo, Footer, PdfWriter};

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn common() -> Common {
    let org = OrgPart {
        name: "Gemeente Oost".into(),
        address: Some("Markt 1, 1000 AA Oost".into()),
        fg_name: Some("F. Gerritsen".into()),
        fg_email: Some("fg@oost.example.nl".into()),
        contact_email: Some("privacy@oost.example.nl".into()),
        ..Default::default()
    };
    let input = DraftInput {
        what_happened: Some(
            "Op 12 november is een brief met uw gegevens per ongeluk naar een verkeerd adres gestuurd. De ontvanger heeft ons daarover geïnformeerd.".into(),
        ),
        measures: Some("De ontvanger heeft de brief teruggegeven; wij hebben onze werkwijze aangepast.".into()),
        advice: Some("Wees alert op post, e-mails en telefoontjes die u niet verwacht.".into()),
        ..Default::default()
    };
    letters::common("nl", &org, "OOST-2026-0001", None, &input)
}

fn recipient(i: usize) -> RecipientCtx {
    RecipientCtx {
        name: format!("Fatma Yılmaz-Doğan {i}"),
        email: String::new(),
        postal_address: format!(
            "Coördinatieweg {}\n{} AB Oost",
            i % 300 + 1,
            1000 + i % 9000
        ),
        salutation: String::new(),
        extra: Default::default(),
    }
}

/// The product path: render, convert, lay out and write every letter to one PDF.
fn product(n: usize, path: &std::path::Path) -> (f64, usize, u64) {
    let t = NoticeTemplates::embedded();
    let common = common();
    let start = Instant::now();
    let file = BufWriter::with_capacity(256 * 1024, std::fs::File::create(path).unwrap());
    let mut w = PdfWriter::new(
        file,
        DocInfo {
            title: "Brieven OOST-2026-0001".into(),
            author: "Gemeente Oost".into(),
            created: chrono::Utc::now(),
            lang: "nl-NL".into(),
        },
    )
    .unwrap();
    let footer = Footer {
        reference: "OOST-2026-0001".into(),
        lang: "nl".into(),
        number_single: false,
    };
    for i in 0..n {
        let r = recipient(i);
        let html = t
            .render(
                "letter.nl",
                &LetterCtx {
                    common: &common,
                    recipient: &r,
                },
            )
            .unwrap();
        w.add_document(&letter_layout(&html), &footer, "nl-NL")
            .unwrap();
    }
    let pages = w.page_count();
    let mut f = w.finish().unwrap();
    f.flush().unwrap();
    drop(f);
    let secs = start.elapsed().as_secs_f64();
    (secs, pages, std::fs::metadata(path).unwrap().len())
}

/// The baseline: the same letter straight through handlebars.
fn bare(n: usize) -> f64 {
    let mut hb = handlebars::Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_template_string(
        "letter",
        include_str!("../templates/notices/letter.nl.html.hbs"),
    )
    .unwrap();
    let common = common();
    let start = Instant::now();
    let mut bytes = 0usize;
    for i in 0..n {
        let r = recipient(i);
        bytes += hb
            .render(
                "letter",
                &LetterCtx {
                    common: &common,
                    recipient: &r,
                },
            )
            .unwrap()
            .len();
    }
    std::hint::black_box(bytes);
    start.elapsed().as_secs_f64()
}

fn main() {
    let n: usize = std::env::var("LETTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("meldpunt-letters-bench-{}.pdf", std::process::id()));
    let (mut ratios, mut ps, mut bs) = (vec![], vec![], vec![]);
    let mut last = (0, 0);
    for _ in 0..rounds {
        let (p, pages, size) = product(n, &path);
        let b = bare(n);
        last = (pages, size);
        ps.push(p);
        bs.push(b);
        // Throughput ratio: product letters/s over baseline letters/s.
        ratios.push(b / p);
    }
    if let Ok(keep) = std::env::var("LETTERS_PDF_OUT") {
        std::fs::copy(&path, keep).unwrap();
    }
    let _ = std::fs::remove_file(&path);
    let (p, b) = (median(&ps), median(&bs));
    let lo = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "{:<12} {:>26} {:>24} {:>8} {:>7}  spread of pair ratios",
        "name", "product", "baseline", "ratio", "target"
    );
    println!(
        "{:<12} {:>26} {:>24} {:>7.3}x {:>7}  {lo:.3}–{hi:.3} over {rounds} pairs",
        "letters_pdf",
        format!("{n} letters in {p:.2} s"),
        format!("{n} renders in {b:.3} s"),
        median(&ratios),
        "—",
    );
    println!(
        "  {:.0} letters/s; {} pages, {:.1} MB; 100,000 letters ≈ {:.0} s",
        n as f64 / p,
        last.0,
        last.1 as f64 / 1e6,
        p * 100_000.0 / n as f64
    );
}

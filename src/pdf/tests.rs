use std::process::Command;

use chrono::TimeZone;

use super::check::structure;
use super::layout::wrap;
use super::metrics::{encode, text_width};
use super::*;

fn info() -> DocInfo {
    DocInfo {
        title: "Melding datalek — één test".into(),
        author: "Gemeente Oost".into(),
        created: Utc.with_ymd_and_hms(2026, 11, 23, 14, 5, 0).unwrap(),
        lang: "nl-NL".into(),
    }
}

fn footer() -> Footer {
    Footer {
        reference: "OOST-2026-0001".into(),
        lang: "nl".into(),
    }
}

const DUTCH: &str = "Café ‘privé’ — “één” reünie, coördinatie, naïef, Zoë, 12 € – vóór één uur.";

/// Poppler's pdftotext and pdfinfo, when installed (Debian poppler-utils). With
/// MELDPUNT_REQUIRE_PDFTOOLS=1 (as in .ci/run) their absence fails the test.
fn poppler(pdf: &[u8]) -> Option<(String, String)> {
    let have = Command::new("pdftotext").arg("-v").output().is_ok();
    if !have {
        if std::env::var("MELDPUNT_REQUIRE_PDFTOOLS").as_deref() == Ok("1") {
            panic!("pdftotext/pdfinfo (poppler-utils) are required but not installed");
        }
        eprintln!("NOTE: poppler-utils not installed; the PDF is checked structurally only");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.pdf");
    std::fs::write(&p, pdf).unwrap();
    let text = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&p)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success(), "{text:?}");
    let info = Command::new("pdfinfo").arg(&p).output().unwrap();
    assert!(info.status.success(), "{info:?}");
    Some((
        String::from_utf8(text.stdout).unwrap(),
        String::from_utf8(info.stdout).unwrap(),
    ))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn win_ansi_encodes_dutch_text_and_replaces_the_rest_visibly() {
    assert_eq!(
        encode("é ë ï ö ü € ‘ ’ “ ” – —"),
        vec![
            0xe9, 32, 0xeb, 32, 0xef, 32, 0xf6, 32, 0xfc, 32, 0x80, 32, 0x91, 32, 0x92, 32, 0x93,
            32, 0x94, 32, 0x96, 32, 0x97
        ]
    );
    assert_eq!(encode("a\u{ad}b"), b"ab");
    assert_eq!(encode("Ω😀\u{1}\u{85}"), b"????");
    assert_eq!(encode("a\tb"), b"a b");
}

#[test]
fn widths_are_helveticas() {
    // From the AFM: "Hello" = 722 + 556 + 222 + 222 + 556 in Helvetica; 'W' 944 in Bold.
    assert_eq!(text_width(false, b"Hello", 10.0), 22.78);
    assert_eq!(text_width(true, b"W", 1000.0), 944.0);
    assert_eq!(text_width(false, &encode("€é"), 1000.0), 556.0 + 556.0);
}

#[test]
fn wrap_fills_lines_without_exceeding_the_width() {
    let text =
        "De brief met uw gegevens is naar een verkeerd adres gestuurd en daar geopend. ".repeat(8);
    let width = 200.0;
    let lines = wrap(&[Run::plain(text.clone())], width, 10.0);
    assert!(lines.len() > 5);
    let space = text_width(false, b" ", 10.0);
    for (i, l) in lines.iter().enumerate() {
        let w: f32 = l
            .iter()
            .map(|(f, t)| text_width(f.is_bold(), t, 10.0))
            .sum();
        assert!(w <= width + 0.01, "line {i} is {w} wide");
        // Greedy: the next line's first word did not fit.
        if let Some(next) = lines.get(i + 1) {
            let first: Vec<u8> = next[0].1.split(|b| *b == b' ').next().unwrap().to_vec();
            assert!(w + space + text_width(false, &first, 10.0) > width);
        }
    }
    let joined: Vec<String> = lines
        .iter()
        .map(|l| String::from_utf8(l.iter().flat_map(|s| s.1.clone()).collect()).unwrap())
        .collect();
    assert_eq!(squash(&joined.join(" ")), squash(&text));
    // A word wider than the line is cut, not lost; bold and regular runs stay glued.
    let long = "x".repeat(200);
    let lines = wrap(
        &[Run::plain(long.clone()), Run::bold("!"), Run::plain("\nna")],
        100.0,
        10.0,
    );
    let all: Vec<u8> = lines.iter().flatten().flat_map(|s| s.1.clone()).collect();
    assert_eq!(all, format!("{long}!na").into_bytes());
    assert_eq!(lines.last().unwrap()[0].1, b"na");
}

fn sample(paragraphs: usize) -> Vec<Block> {
    let mut b = vec![
        Block::Title("Melding datalek aan de Autoriteit Persoonsgegevens".into()),
        Block::KeyValue(
            "Incident".into(),
            vec![Run::plain("OOST-2026-0001 — (haakjes) \\")],
        ),
        Block::Heading("1. Contactgegevens".into()),
        Block::Paragraph(vec![
            Run::bold("1.1 Naam "),
            Run::oblique("[vastgelegd]"),
            Run::plain(" "),
            Run::plain(DUTCH),
        ]),
        Block::ListItem("•".into(), vec![Run::plain("Naam, adres en BSN")]),
        Block::Small(vec![Run::plain("Bron: de feiten van 23 november")]),
    ];
    for i in 0..paragraphs {
        b.push(Block::Paragraph(vec![Run::plain(format!(
            "Alinea {i}: {DUTCH} {DUTCH}"
        ))]));
    }
    b.push(Block::PageBreak);
    b.push(Block::Paragraph(vec![Run::plain("Laatste bladzijde.")]));
    b
}

#[test]
fn the_file_is_well_formed_and_poppler_reads_the_dutch_text_back() {
    let pdf = render(&info(), &sample(60), &footer());
    let s = structure(&pdf).unwrap();
    let pages = layout(&sample(60)).len();
    assert!(pages >= 3, "{pages}");
    assert_eq!(s.pages, pages);
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/Lang <FEFF006E006C002D004E004C>"));
    assert!(text.contains("/CreationDate (D:20261123140500Z)"));
    assert!(text.contains("/BaseFont /Helvetica-Oblique /Encoding /WinAnsiEncoding"));

    let Some((out, meta)) = poppler(&pdf) else {
        return;
    };
    assert!(out.contains(DUTCH), "{out}");
    assert!(out.contains("OOST-2026-0001 — (haakjes) \\"), "{out}");
    assert!(out.contains(&format!("pagina 1 van {pages}")));
    assert!(out.contains(&format!("pagina {pages} van {pages}")));
    assert!(out.contains("Laatste bladzijde."));
    assert!(
        meta.contains(&format!("Pages:           {pages}")),
        "{meta}"
    );
    assert!(
        meta.contains("Title:           Melding datalek — één test"),
        "{meta}"
    );
    assert!(meta.contains("Author:          Gemeente Oost"), "{meta}");
    assert!(
        meta.contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{meta}"
    );
    // The last page holds only the text after the page break.
    let last = out.split('\u{c}').nth(pages - 1).unwrap();
    assert!(last.contains("Laatste bladzijde.") && !last.contains("Alinea"));
}

#[test]
fn several_documents_share_a_file_each_numbered_on_its_own() {
    let mut out = Vec::new();
    let mut w = PdfWriter::new(&mut out, info()).unwrap();
    let a = w.add_document(&layout(&sample(60)), &footer()).unwrap();
    let en = Footer {
        reference: "OOST-2026-0001".into(),
        lang: "en".into(),
    };
    let b = w
        .add_document(
            &layout(&[Block::Paragraph(vec![Run::plain("Dear B.")])]),
            &en,
        )
        .unwrap();
    assert_eq!(a.0, 1);
    assert_eq!(b, (a.1 + 1, a.1 + 1));
    w.finish().unwrap();
    assert_eq!(structure(&out).unwrap().pages, b.1);
    if let Some((text, _)) = poppler(&out) {
        assert!(text.contains(&format!("pagina {} van {}", a.1, a.1)));
        assert!(text.contains("page 1 of 1"));
    }
}

#[test]
fn anything_goes_in_without_a_panic() {
    let nasty = "(\\)) \u{0} \r\n\n\n ".to_string() + &"🦀".repeat(500) + &" ".repeat(1000);
    let blocks = vec![
        Block::Title(nasty.clone()),
        Block::Paragraph(vec![Run::bold(nasty.clone())]),
        Block::KeyValue(nasty.clone(), vec![Run::plain(nasty.repeat(40))]),
        Block::ListItem(nasty.clone(), vec![]),
        Block::Address(vec![nasty.clone()]),
        Block::Sender(vec![nasty.clone()]),
        Block::Paragraph(vec![]),
        Block::PageBreak,
        Block::PageBreak,
    ];
    let pdf = render(&info(), &blocks, &footer());
    structure(&pdf).unwrap();
    assert_eq!(
        structure(&render(&info(), &[], &footer())).unwrap().pages,
        1
    );
    if let Some((text, _)) = poppler(&pdf) {
        assert!(text.contains("????"));
    }
}

#[test]
fn the_checker_finds_a_wrong_offset() {
    let pdf = render(&info(), &sample(1), &footer());
    let mut bad = pdf.clone();
    // Shift everything after the header by one byte: startxref no longer points at the table.
    bad.insert(20, b' ');
    assert!(structure(&bad).unwrap_err().contains("startxref"));
    // One entry off by one.
    let x = pdf.windows(7).rposition(|w| w == b"xref\n0 ").unwrap() + 7;
    let table = x + pdf[x..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let line = |i: usize| table + 20 * i;
    let mut bad = pdf.clone();
    let e5 = line(5);
    assert_eq!(&bad[e5 + 11..e5 + 20], b"00000 n \n");
    bad[e5 + 9] = if bad[e5 + 9] == b'9' {
        b'8'
    } else {
        bad[e5 + 9] + 1
    };
    assert!(
        structure(&bad)
            .unwrap_err()
            .contains("xref entry 5 points at"),
        "{:?}",
        structure(&bad)
    );
}

#[test]
fn letter_html_becomes_blocks_with_the_same_words() {
    let html = r#"<!DOCTYPE html><html lang="nl"><head><title>T</title><style>p { x: y; }</style></head>
<body>
<div class="sender">Gemeente Oost<br>Markt 1, Oost</div>
<div class="address">B. de Vries &amp; J. Smit
Dorpsstraat 4
1000 AA  Oost</div>
<p class="ref">Ons kenmerk: OOST-1</p>
<h1>Datalek waarbij uw persoonsgegevens betrokken zijn</h1>
<p>Beste B. de Vries,</p>
<h2>Om welke gegevens gaat het?</h2>
<ul><li>naam</li><li>BSN &#x27;x&#x27; &lt;b&gt;</li></ul>
<ol><li>een</li><li>twee</ol>
<p>Neem <strong>contact</strong> op met <em>ons</em>.
Onze FG is X.<unknown>verborgen?</unknown></p>
<p>Met vriendelijke groet,<br>Gemeente Oost</p>
</body></html>"#;
    let b = html::to_blocks(html);
    assert_eq!(
        b,
        vec![
            Block::Sender(vec!["Gemeente Oost".into(), "Markt 1, Oost".into()]),
            Block::Address(vec![
                "B. de Vries & J. Smit".into(),
                "Dorpsstraat 4".into(),
                "1000 AA Oost".into()
            ]),
            Block::Small(vec![Run::plain("Ons kenmerk: OOST-1")]),
            Block::Title("Datalek waarbij uw persoonsgegevens betrokken zijn".into()),
            Block::Paragraph(vec![Run::plain("Beste B. de Vries,")]),
            Block::Heading("Om welke gegevens gaat het?".into()),
            Block::ListItem("•".into(), vec![Run::plain("naam")]),
            Block::ListItem("•".into(), vec![Run::plain("BSN 'x' <b>")]),
            Block::ListItem("1.".into(), vec![Run::plain("een")]),
            Block::ListItem("2.".into(), vec![Run::plain("twee")]),
            Block::Paragraph(vec![
                Run::plain("Neem"),
                Run::bold(" contact"),
                Run::plain(" op met"),
                Run::oblique(" ons"),
                Run::plain(". Onze FG is X.verborgen?"),
            ]),
            Block::Paragraph(vec![Run::plain("Met vriendelijke groet,\nGemeente Oost")]),
        ]
    );
    // Broken markup does not panic and keeps its text.
    let b = html::to_blocks("<p>a < b &unknown; &#xZZ; <b>x");
    assert_eq!(
        b,
        vec![Block::Paragraph(vec![
            Run::plain("a < b &unknown; &#xZZ;"),
            Run::bold(" x")
        ])]
    );
}

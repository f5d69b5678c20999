use std::process::Command;

use chrono::TimeZone;

use super::fonts::text_width;
use super::layout::{address_fits, wrap, AddressProblem};
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
        number_single: true,
    }
}

const DUTCH: &str = "Café ‘privé’ — “één” reünie, coördinatie, naïef, Zoë, 12 € – vóór één uur.";

/// Names from the municipality's population: Turkish, Polish, Vietnamese, Czech, Latin Extended.
pub const NAMES: [&str; 6] = [
    "Fatma Yılmaz-Doğan",
    "Łukasz Wójcik-Żółć",
    "Nguyễn Thị Đặng Hương",
    "Jiří Dvořák-Šťastný",
    "Ørsted Ærø Ĳsselmeer",
    "Şükrü Çelik-Ğündüz",
];

/// Poppler's pdftotext, pdfinfo and pdffonts, when installed (Debian poppler-utils). With
/// MELDPUNT_REQUIRE_PDFTOOLS=1 (as in .ci/run) their absence fails the test.
pub struct Poppler {
    pub text: String,
    pub info: String,
    pub fonts: String,
}

fn poppler(pdf: &[u8]) -> Option<Poppler> {
    let have = Command::new("pdftotext").arg("-v").output().is_ok();
    if !have {
        if std::env::var("MELDPUNT_REQUIRE_PDFTOOLS").as_deref() == Ok("1") {
            panic!("pdftotext/pdfinfo (poppler-utils) are required but not installed");
        }
        eprintln!("NOTE: poppler-utils not installed; the PDF is not read back");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.pdf");
    std::fs::write(&p, pdf).unwrap();
    let run = |cmd: &str, args: &[&str]| {
        let o = Command::new(cmd)
            .args(args)
            .arg(&p)
            .args(if cmd == "pdftotext" {
                vec!["-"]
            } else {
                vec![]
            })
            .output()
            .unwrap();
        assert!(o.status.success(), "{cmd}: {o:?}");
        // A damaged file makes poppler say so on stderr, while still exiting 0.
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("Syntax Error") && !err.contains("rror"),
            "{cmd}: {err}"
        );
        String::from_utf8(o.stdout).unwrap()
    };
    Some(Poppler {
        text: run("pdftotext", &["-enc", "UTF-8"]),
        info: run("pdfinfo", &[]),
        fonts: run("pdffonts", &[]),
    })
}

/// Every font listed by pdffonts is embedded and a subset with a ToUnicode map.
pub fn all_fonts_embedded(fonts: &str) -> usize {
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!rows.is_empty(), "{fonts}");
    for r in &rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        // name type encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], &["yes", "yes", "yes"], "{r}");
        assert!(
            r.contains("DejaVuSans") && r.contains("CID TrueType"),
            "{r}"
        );
    }
    rows.len()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn widths_are_the_fonts_own() {
    // DejaVu Sans: 'H' 1548 units of 2048 → 752/1000 em; bold 'W' wider than regular.
    let h = text_width(Font::Regular, "H", 1000.0);
    assert!((h - 752.0).abs() < 1.0, "{h}");
    assert!(text_width(Font::Bold, "W", 10.0) > text_width(Font::Regular, "W", 10.0));
    // Every character of the names has a glyph, in all three faces.
    for n in NAMES {
        for f in [Font::Regular, Font::Bold, Font::Oblique] {
            assert!(n.chars().all(|c| fonts::face(f).covers(c)), "{n} in {f:?}");
        }
    }
    // Combining marks become the precomposed letter (NFC): "Đặng" typed decomposed.
    assert_eq!(fonts::prepare("D\u{335}a\u{323}\u{306}ng"), "D\u{335}ặng");
    assert_eq!(fonts::prepare("a\u{ad}b\tc"), "ab c");
}

#[test]
fn wrap_fills_lines_without_exceeding_the_width() {
    let text =
        "De brief met uw gegevens is naar een verkeerd adres gestuurd en daar geopend. ".repeat(8);
    let width = 200.0;
    let lines = wrap(&[Run::plain(text.clone())], width, 10.0);
    assert!(lines.len() > 5);
    let space = text_width(Font::Regular, " ", 10.0);
    for (i, l) in lines.iter().enumerate() {
        let w: f32 = l.iter().map(|(f, t)| text_width(*f, t, 10.0)).sum();
        assert!(w <= width + 0.01, "line {i} is {w} wide");
        // Greedy: the next line's first word did not fit.
        if let Some(next) = lines.get(i + 1) {
            let first = next[0].1.split(' ').next().unwrap();
            assert!(w + space + text_width(Font::Regular, first, 10.0) > width);
        }
    }
    let joined: Vec<String> = lines
        .iter()
        .map(|l| l.iter().map(|s| s.1.as_str()).collect::<String>())
        .collect();
    assert_eq!(squash(&joined.join(" ")), squash(&text));
    // A word wider than the line is cut, not lost; bold and regular runs stay glued.
    let long = "ş".repeat(200);
    let lines = wrap(
        &[Run::plain(long.clone()), Run::bold("!"), Run::plain("\nna")],
        100.0,
        10.0,
    );
    let all: String = lines.iter().flatten().map(|s| s.1.as_str()).collect();
    assert_eq!(all, format!("{long}!na"));
    assert_eq!(lines.last().unwrap()[0].1, "na");
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
fn the_file_is_tagged_pdf_a_with_the_font_embedded_and_poppler_reads_every_name() {
    let mut blocks = sample(60);
    for n in NAMES {
        blocks.insert(
            2,
            Block::Paragraph(vec![
                Run::plain(n),
                Run::bold(format!(" {n}")),
                Run::oblique(format!(" {n}")),
            ]),
        );
    }
    let pdf = render(&info(), &blocks, &footer());
    let pages = layout(&blocks).len();
    assert!(pages >= 3, "{pages}");
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.starts_with("%PDF-1.7"));
    // The XMP says PDF/A-2a; the catalog is marked, has a language, a structure tree and an
    // output intent; the trailer has a file ID.
    assert!(text.contains("<pdfaid:part>2</pdfaid:part>"), "no pdfaid");
    assert!(text.contains("<pdfaid:conformance>A</pdfaid:conformance>"));
    let compact: String = text.chars().filter(|c| *c != ' ' && *c != '\n').collect();
    assert!(compact.contains("/MarkInfo<</Markedtrue>>"));
    assert!(compact.contains("/StructTreeRoot"));
    assert!(compact.contains("/S/GTS_PDFA1"));
    assert!(compact.contains("/ID[<"));
    assert!(compact.contains("/Lang(nl-NL)"));

    let Some(p) = poppler(&pdf) else {
        return;
    };
    for n in NAMES {
        assert_eq!(p.text.matches(n).count(), 3, "{n} in {}", p.text);
    }
    assert!(p.text.contains(DUTCH), "{}", p.text);
    assert!(
        p.text.contains("OOST-2026-0001 — (haakjes) \\"),
        "{}",
        p.text
    );
    assert!(p.text.contains(&format!("pagina 1 van {pages}")));
    assert!(p.text.contains(&format!("pagina {pages} van {pages}")));
    assert!(p.info.contains("Tagged:          yes"), "{}", p.info);
    assert!(
        p.info.contains(&format!("Pages:           {pages}")),
        "{}",
        p.info
    );
    assert!(
        p.info
            .contains("Title:           Melding datalek — één test"),
        "{}",
        p.info
    );
    assert!(
        p.info.contains("Author:          Gemeente Oost"),
        "{}",
        p.info
    );
    assert!(
        p.info
            .contains("Page size:       595.276 x 841.89 pts (A4)"),
        "{}",
        p.info
    );
    assert!(p.info.contains("PDF version:     1.7"), "{}", p.info);
    assert!(p.info.contains("Metadata Stream: yes"), "{}", p.info);
    // Regular, bold and oblique, each embedded as a subset with a ToUnicode map.
    assert_eq!(all_fonts_embedded(&p.fonts), 3, "{}", p.fonts);
    // The last page holds only the text after the page break.
    let last = p.text.split('\u{c}').nth(pages - 1).unwrap();
    assert!(last.contains("Laatste bladzijde.") && !last.contains("Alinea"));
}

#[test]
fn the_structure_tree_has_the_documents_headings_paragraphs_and_lists() {
    let pdf = render(&info(), &sample(2), &footer());
    let have = Command::new("pdfinfo").arg("-v").output().is_ok();
    if !have {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let o = Command::new("pdfinfo")
        .arg("-struct-text")
        .arg(&path)
        .output()
        .unwrap();
    let tree = String::from_utf8(o.stdout).unwrap();
    // Reading order: the title, the table row, the heading, the paragraph, the list.
    let order = [
        "Document", "Part", "H1", "Table", "TR", "TH", "TD", "H2", "P", "L", "LI", "Lbl", "LBody",
    ];
    let mut at = 0;
    for role in order {
        let i = tree[at..]
            .find(role)
            .unwrap_or_else(|| panic!("{role} after {at} in {tree}"));
        at += i;
    }
    assert!(
        tree.contains("\"Melding datalek aan de Autoriteit Persoonsgegevens\""),
        "{tree}"
    );
    assert!(tree.contains("Naam, adres en BSN"), "{tree}");
    // The footer is an artifact: not in the structure.
    assert!(!tree.contains("pagina 1 van"), "{tree}");
}

#[test]
fn several_documents_share_a_file_each_numbered_and_in_its_own_language() {
    let mut w = PdfWriter::new(Vec::new(), info()).unwrap();
    let a = w
        .add_document(&layout(&sample(60)), &footer(), "nl-NL")
        .unwrap();
    let en = Footer {
        reference: "OOST-2026-0001".into(),
        lang: "en".into(),
        number_single: false,
    };
    let b = w
        .add_document(
            &layout(&[Block::Paragraph(vec![Run::plain(
                "Dear Fatma Yılmaz-Doğan",
            )])]),
            &en,
            "en-GB",
        )
        .unwrap();
    assert_eq!(a.0, 1);
    assert_eq!(b, (a.1 + 1, a.1 + 1));
    let out = w.finish().unwrap();
    assert!(String::from_utf8_lossy(&out).contains("/Lang(en-GB)"));
    if let Some(p) = poppler(&out) {
        assert!(p.text.contains(&format!("pagina {} van {}", a.1, a.1)));
        // A one-page letter has no page number.
        assert!(!p.text.contains("page 1 of 1"));
        assert!(p.text.contains("Dear Fatma Yılmaz-Doğan"));
        assert!(p.info.contains(&format!("Pages:           {}", b.1)));
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
        Block::ReturnAddress(nasty.clone()),
        Block::Meta(vec![(nasty.clone(), nasty.clone())]),
        Block::Sender(vec![nasty.clone()]),
        Block::Paragraph(vec![]),
        Block::PageBreak,
        Block::PageBreak,
    ];
    let pdf = render(&info(), &blocks, &footer());
    let empty = render(&info(), &[], &footer());
    if let Some(p) = poppler(&pdf) {
        assert!(p.info.contains("Tagged:          yes"));
        // A character the font lacks is never silently dropped: it prints as the replacement
        // character, which reads back as such.
        assert!(p.text.contains("\u{fffd}\u{fffd}"), "{}", p.text);
    }
    if let Some(p) = poppler(&empty) {
        assert!(p.info.contains("Pages:           1"), "{}", p.info);
    }
}

#[test]
fn an_address_fits_the_window_or_says_which_line_does_not() {
    assert_eq!(
        address_fits(&["Fatma Yılmaz-Doğan", "Dorpsstraat 4", "1000 AA  Oost"]),
        Ok(())
    );
    // Empty lines do not count; six lines fit, seven do not.
    let six = ["a", "b", "", "c", "d", "e", "f"];
    assert_eq!(address_fits(&six), Ok(()));
    let seven = ["a", "b", "c", "d", "e", "f", "g"];
    assert_eq!(address_fits(&seven), Err((6, AddressProblem::TooManyLines)));
    // A line of 133 mm runs past the window.
    let wide =
        "Stichting Maatschappelijke Dienstverlening en Schuldhulpverlening Regio Oost-Nederland";
    match address_fits(&["x", wide]) {
        Err((1, AddressProblem::TooWide(mm))) => assert!(mm > 80, "{mm}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(address_fits::<&str>(&[]), Err((0, AddressProblem::Empty)));
    assert_eq!(address_fits(&["  ", ""]), Err((0, AddressProblem::Empty)));
    assert_eq!(
        address_fits(&["a", "b\u{e000}"]),
        Err((1, AddressProblem::Unprintable('\u{e000}')))
    );
    let msg = AddressProblem::TooWide(133).message_nl();
    assert!(msg.contains("133 mm") && msg.contains("80 mm"), "{msg}");
}

#[test]
fn the_address_sits_in_the_window_and_the_text_starts_under_it() {
    let blocks = vec![
        Block::Sender(vec!["Gemeente Oost".into(), "Markt 1".into()]),
        Block::ReturnAddress("Gemeente Oost, Postbus 1, 1000 AA Oost".into()),
        Block::Address(vec![
            "A. Bakker".into(),
            "Dorpsstraat 4".into(),
            "1000 AA Oost".into(),
        ]),
        Block::Meta(vec![("Datum".into(), "11 december 2026".into())]),
        Block::Paragraph(vec![Run::plain("Geachte heer/mevrouw,")]),
    ];
    let laid = layout(&blocks);
    assert_eq!(laid.len(), 1);
    let from_top = |l: &layout::Line| (A4_HEIGHT - l.y) / mm(1.0);
    let window = layout::WINDOW_TOP..layout::WINDOW_TOP + layout::WINDOW_HEIGHT;
    for l in &laid.pages[0].lines {
        let t = l.text();
        let (top, left) = (from_top(l), l.x / mm(1.0));
        if t.starts_with("A. Bakker")
            || t == "1000 AA Oost"
            || t.starts_with("Gemeente Oost, Postbus")
        {
            assert!(window.contains(&top), "{t}: {top}");
            assert!(
                (layout::WINDOW_LEFT + 4.0..30.0).contains(&left),
                "{t}: {left}"
            );
        }
        if t.starts_with("Geachte") {
            assert!(top > window.end, "{top}");
        }
        if t == "11 december 2026" {
            assert!(left >= layout::WINDOW_LEFT + layout::WINDOW_WIDTH, "{left}");
        }
    }
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

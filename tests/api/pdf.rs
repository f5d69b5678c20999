//! The PDFs: the AP answer set for the dossier and the letters for the post room, read back with
//! poppler (pdftotext, pdfinfo) and checked structurally; the denials.
use std::process::Command;
use std::time::Duration;

use meldpunt::auth::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{assert_problem, TestApp};
use crate::notifications::{assessed_incident, json_ok, reporter, signed_off_letters, upload};

/// (text per page, pdfinfo) from poppler, when installed; MELDPUNT_REQUIRE_PDFTOOLS=1 (.ci/run)
/// makes its absence a failure.
fn poppler(pdf: &[u8]) -> Option<(Vec<String>, String)> {
    if Command::new("pdftotext").arg("-v").output().is_err() {
        if std::env::var("MELDPUNT_REQUIRE_PDFTOOLS").as_deref() == Ok("1") {
            panic!("pdftotext/pdfinfo (poppler-utils) are required but not installed");
        }
        eprintln!("NOTE: poppler-utils not installed; the PDFs are checked structurally only");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.pdf");
    std::fs::write(&p, pdf).unwrap();
    let t = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&p)
        .arg("-")
        .output()
        .unwrap();
    assert!(t.status.success(), "{t:?}");
    let i = Command::new("pdfinfo").arg(&p).output().unwrap();
    assert!(i.status.success(), "{i:?}");
    let text = String::from_utf8(t.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    // pdftotext ends the last page with a form feed too.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some((pages, String::from_utf8(i.stdout).unwrap()))
}

/// What every PDF must be, read back with poppler: tagged, PDF 1.7 with its XMP metadata, every
/// font embedded (a DejaVu subset with a ToUnicode map). Returns the page count. Without poppler
/// (allowed only outside CI) the header and end of file are checked and the page objects counted.
pub fn structure(pdf: &[u8]) -> usize {
    assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
    let Some((_, info)) = poppler(pdf) else {
        let t = String::from_utf8_lossy(pdf);
        return t.matches("/Type/Page").count() - t.matches("/Type/Pages").count();
    };
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("Metadata Stream: yes"), "{info}");
    assert!(info.contains("PDF version:     1.7"), "{info}");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.pdf");
    std::fs::write(&p, pdf).unwrap();
    let f = Command::new("pdffonts").arg(&p).output().unwrap();
    let fonts = String::from_utf8(f.stdout).unwrap();
    let rows: Vec<&str> = fonts
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!rows.is_empty(), "{fonts}");
    for r in rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "not embedded: {r}"
        );
    }
    pages_of(&info)
}

fn pages_of(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The text without the footers, white space squashed: a paragraph that runs over a page break
/// reads on.
fn body_text(pages: &[String], reference: &str) -> String {
    let mut out = vec![];
    for p in pages {
        for l in p.lines() {
            let t = l.trim();
            // The footer ("<reference>   pagina N van M", or the reference alone), not a line
            // of the letter that happens to begin with the reference.
            let rest = t.strip_prefix(reference).map(str::trim);
            let footer = matches!(rest, Some(r) if r.is_empty() || r.starts_with("pagina ") || r.starts_with("page "));
            if footer || t.starts_with("pagina ") || t.starts_with("page ") {
                continue;
            }
            out.push(t.to_string());
        }
    }
    squash(&out.join(" "))
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x60;", "`")
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

/// The text of every p, h1–h3 and li of the letter's body, as the browser shows it.
fn html_paragraphs(html: &str) -> Vec<String> {
    let body = &html[html.find("<body>").unwrap()..];
    let mut out = vec![];
    for tag in ["p", "h1", "h2", "h3", "li"] {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        let mut rest = body;
        while let Some(i) = rest.find(&open) {
            let after = &rest[i..];
            let start = after.find('>').unwrap() + 1;
            let end = after.find(&close).unwrap();
            let inner = after[start..end].replace("<br>", " ");
            let mut text = String::new();
            let mut in_tag = false;
            for c in inner.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => text.push(c),
                    _ => {}
                }
            }
            let t = squash(&decode(&text));
            if !t.is_empty() {
                out.push(t);
            }
            rest = &after[end..];
        }
    }
    out
}

async fn pdf_of(r: reqwest::Response, file_contains: &str) -> Vec<u8> {
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment; filename=\"") && cd.contains(file_contains),
        "{cd}"
    );
    let b = r.bytes().await.unwrap().to_vec();
    structure(&b);
    b
}

async fn ap_draft_as_pdf(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let w = app.create_user("fg@west.nl", &[("west", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    let n = format!("/api/v1/incidents/{id}/notifications");
    let d = json_ok(
        app.post(
            &n,
            Some(&h.token),
            json!({"purpose": "ap", "kind": "initial_complete", "input": reporter()}),
        )
        .await,
        201,
    )
    .await;
    let did = d["id"].as_str().unwrap().to_string();
    let reference = d["answers"]["reference"].as_str().unwrap().to_string();
    let api = format!("{n}/{did}/pdf");
    let staff = format!("/staff/incidents/{id}/notifications/{did}/pdf");

    // Denials: no token, another organisation, a session-less browser to the login page.
    assert_problem(app.get(&api, None).await, 401, None).await;
    assert_problem(app.get(&api, Some(&w.token)).await, 404, None).await;
    assert_problem(app.get(&staff, Some(&w.token)).await, 404, None).await;
    let r = app.get(&staff, None).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/staff/login"));
    assert_problem(
        app.get(
            &format!("{n}/00000000-0000-0000-0000-000000000000/pdf"),
            Some(&h.token),
        )
        .await,
        404,
        None,
    )
    .await;

    let pending = pdf_of(app.get(&api, Some(&h.token)).await, &reference).await;
    // Signed off by the FG: the PDF says so.
    json_ok(
        app.post(
            &format!("{n}/{did}/approve"),
            Some(&f.token),
            json!({"content_sha256": d["content_sha256"]}),
        )
        .await,
        200,
    )
    .await;
    let signed = pdf_of(app.get(&staff, Some(&h.token)).await, &reference).await;
    // The printable page links to it.
    let page = app
        .get(
            &format!("/staff/incidents/{id}/notifications/{did}/print"),
            Some(&h.token),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("<a href=\"pdf\""), "{page}");

    let Some((pages, info)) = poppler(&pending) else {
        return;
    };
    assert_eq!(pages_of(&info), pages.len());
    assert!(pages.len() >= 2, "{}", pages.len());
    assert!(info.contains(&format!("Title:           Melding datalek {reference}")));
    assert!(info.contains("Author:          "));
    let hash = d["content_sha256"].as_str().unwrap();
    let last = pages.len();
    assert!(pages[last - 1].contains(&format!("pagina {last} van {last}")));
    let text = body_text(&pages, &reference);
    assert!(
        text.contains(&format!("SHA-256 van de inhoud: {hash}")),
        "{text}"
    );
    assert!(text.contains("Aftekening FG") && text.contains("nog niet afgetekend"));
    // Every chapter in the form's order, every answer with its status and text.
    let mut at = 0;
    for ch in d["answers"]["chapters"].as_array().unwrap() {
        let title = format!("{}. {}", ch["number"], ch["title"].as_str().unwrap());
        let i = text[at..]
            .find(&title)
            .unwrap_or_else(|| panic!("{title} not after {at}: {text}"));
        at += i;
        for a in ch["answers"].as_array().unwrap() {
            let q = squash(&format!(
                "{} {} [{}]",
                a["number"].as_str().unwrap(),
                a["question"].as_str().unwrap(),
                a["status_label"].as_str().unwrap()
            ));
            let i = text[at..]
                .find(&q)
                .unwrap_or_else(|| panic!("{q} not after {at}: {text}"));
            at += i;
            let answer = squash(a["answer"].as_str().unwrap());
            if !answer.is_empty() {
                assert!(text[at..].contains(&answer), "{answer}");
            }
        }
    }
    let Some((pages, _)) = poppler(&signed) else {
        return;
    };
    let text = body_text(&pages, &reference);
    assert!(text.contains("afgetekend op") && !text.contains("nog niet afgetekend"));
}
both!(ap_draft_as_pdf);

async fn letters_as_pdf(app: TestApp) {
    app.create_org("oost");
    app.create_org("west");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let w = app.create_user("h@west.nl", &[("west", Role::Handler)]);
    let id = assessed_incident(&app, &h, 2).await;
    let csv = "name,email,postal_address,language\n\
               Zoë Müller-Öztürk,,\"Coördinatieweg 1\n1234 AB Één\",nl\n\
               José Smith,,\"1 Main Street\nLondon\",en\n\
               Jan “de” Vries,,\"Dorpsstraat 4\n1000 AA Oost\",nl\n";
    json_ok(upload(&app, &id, Some(&h.token), csv.into()).await, 201).await;
    let did = signed_off_letters(&app, &id, &h, &f).await;
    let camp = format!("/api/v1/incidents/{id}/campaigns");
    let p = json_ok(
        app.post(&camp, Some(&h.token), json!({"draft_id": did}))
            .await,
        201,
    )
    .await;
    assert_eq!(p["letters"], 3, "{p}");
    let cid = p["id"].as_str().unwrap().to_string();
    let c = format!("{camp}/{cid}");
    let inc = json_ok(
        app.get(&format!("/api/v1/incidents/{id}"), Some(&h.token))
            .await,
        200,
    )
    .await;
    let reference = inc["reference"].as_str().unwrap().to_string();

    // Denials first.
    for path in [format!("{c}/letters.pdf"), format!("{c}/letters/x.pdf")] {
        assert_problem(app.get(&path, None).await, 401, None).await;
        assert_problem(app.get(&path, Some(&w.token)).await, 404, None).await;
    }
    assert_problem(
        app.get(&format!("{c}/letters/x.pdf"), Some(&h.token)).await,
        404,
        None,
    )
    .await;

    // The index gives each letter's pages in the merged PDF.
    let idx = app.get(&format!("{c}/letters.csv"), Some(&h.token)).await;
    assert_eq!(idx.status(), 200);
    let idx = idx.text().await.unwrap();
    let mut rows = csv::ReaderBuilder::new().from_reader(idx.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "file",
            "line",
            "name",
            "postal_address",
            "language",
            "status",
            "pdf_pages"
        ]
    );
    let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let ranges: Vec<(usize, usize)> = rows
        .iter()
        .map(|r| {
            let (a, b) = r[6].split_once('-').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        })
        .collect();
    assert_eq!(ranges[0].0, 1);
    for w in ranges.windows(2) {
        assert_eq!(w[1].0, w[0].1 + 1, "{idx}");
    }

    let merged = pdf_of(
        app.get(&format!("{c}/letters.pdf"), Some(&h.token)).await,
        &reference,
    )
    .await;
    assert_eq!(structure(&merged), ranges[2].1);

    let msgs = json_ok(app.get(&format!("{c}/messages"), Some(&h.token)).await, 200).await;
    let recipients = json_ok(
        app.get(
            &format!("/api/v1/incidents/{id}/recipients"),
            Some(&h.token),
        )
        .await,
        200,
    )
    .await;
    let rid_of = |name: &str| -> String {
        recipients["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {recipients}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(msgs.as_array().unwrap().len(), 3);
    let merged_text = poppler(&merged);
    for (row, range) in rows.iter().zip(&ranges) {
        let name = &row[2];
        let rid = rid_of(name);
        let html = app
            .get(&format!("{c}/letters/{rid}"), Some(&h.token))
            .await
            .text()
            .await
            .unwrap();
        let one = pdf_of(
            app.get(&format!("{c}/letters/{rid}.pdf"), Some(&h.token))
                .await,
            &reference,
        )
        .await;
        let n = range.1 - range.0 + 1;
        assert_eq!(structure(&one), n);
        let Some((merged_pages, merged_info)) = &merged_text else {
            continue;
        };
        assert_eq!(pages_of(merged_info), ranges[2].1);
        let (pages, info) = poppler(&one).unwrap();
        assert_eq!(pages_of(&info), n);
        // The letter's own pages in the merged file say the same as its own PDF…
        let mine = &merged_pages[range.0 - 1..range.1];
        assert_eq!(mine, &pages[..], "{name}");
        let label = if &row[4] == "en" { "page" } else { "pagina" };
        let of = if &row[4] == "en" { "of" } else { "van" };
        // Page numbers only when a letter takes more than one sheet.
        assert_eq!(
            pages[0].contains(&format!("{label} 1 {of} {n}")),
            n > 1,
            "{}",
            pages[0]
        );
        // …and every paragraph of the signed-off HTML letter, word for word.
        let text = body_text(&pages, &reference);
        let paragraphs = html_paragraphs(&html);
        assert!(paragraphs.len() >= 10, "{paragraphs:?}");
        for p in paragraphs {
            assert!(text.contains(&p), "{name}: «{p}» not in «{text}»");
        }
        assert!(text.contains(name), "{text}");
        // The address in the envelope window, as in the HTML.
        let address = row[3].lines().next().unwrap();
        assert!(text.contains(address), "{address}");
    }
    // The campaign page links to the merged PDF; the OpenAPI document lists the routes.
    let page = app
        .get(
            &format!("/staff/incidents/{id}/campaigns/{cid}"),
            Some(&h.token),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("{c}/letters.pdf")), "{page}");
    let spec = json_ok(app.get("/api/v1/openapi.json", None).await, 200).await;
    for p in [
        "/api/v1/incidents/{id}/campaigns/{cid}/letters.pdf",
        "/api/v1/incidents/{id}/campaigns/{cid}/letters/{rid}.pdf",
        "/api/v1/incidents/{id}/notifications/{nid}/pdf",
    ] {
        assert!(spec["paths"][p]["get"].is_object(), "{p}");
    }
    // The CLI writes the same merged PDF and index beside the HTML letters.
    let out = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_meldpunt"))
        .args([
            "campaign",
            "letters",
            &id,
            &cid,
            "--as",
            "h@oost.nl",
            "--out",
        ])
        .arg(out.path())
        .env("MELDPUNT__DATABASE__URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        std::fs::read_to_string(out.path().join("index.csv")).unwrap(),
        idx
    );
    let cli_pdf = std::fs::read(out.path().join("letters.pdf")).unwrap();
    assert_eq!(structure(&cli_pdf), ranges[2].1);
    if let (Some((a, _)), Some((b, _))) = (&merged_text, poppler(&cli_pdf)) {
        assert_eq!(a, &b);
    }
    // Letters are fetched, not printed: the status stays until the post room says so.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let progress = json_ok(app.get(&c, Some(&h.token)).await, 200).await;
    assert_eq!(progress["letters_printed"], 0);
}
both!(letters_as_pdf);

/// The letters for a campaign whose sign-off went stale are refused, as PDF as well as HTML.
async fn no_pdf_without_a_valid_sign_off(app: TestApp) {
    app.create_org("oost");
    let h = app.create_user("h@oost.nl", &[("oost", Role::Handler)]);
    let f = app.create_user("fg@oost.nl", &[("oost", Role::Fg)]);
    let id = assessed_incident(&app, &h, 2).await;
    json_ok(
        upload(
            &app,
            &id,
            Some(&h.token),
            "name,email,postal_address,language\nA,,\"Straat 1\n1000 AA Oost\",nl\n".into(),
        )
        .await,
        201,
    )
    .await;
    let did = signed_off_letters(&app, &id, &h, &f).await;
    let camp = format!("/api/v1/incidents/{id}/campaigns");
    let p = json_ok(
        app.post(&camp, Some(&h.token), json!({"draft_id": did}))
            .await,
        201,
    )
    .await;
    let cid = p["id"].as_str().unwrap();
    // The draft changes after the sign-off: the approval is void.
    json_ok(
        app.client
            .patch(app.url(&format!("/api/v1/incidents/{id}/notifications/{did}")))
            .bearer_auth(&h.token)
            .json(&json!({"what_happened": "Iets anders.", "measures": "x", "advice": "y"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let r = app
        .get(&format!("{camp}/{cid}/letters.pdf"), Some(&h.token))
        .await;
    assert_eq!(r.status(), 409, "{:?}", r.text().await);
}
both!(no_pdf_without_a_valid_sign_off);

//! The PDFs of notifications, for the dossier and the post room (`crate::pdf` writes them):
//! - the AP answer set, built from the same answer set ([`super::ap::ApDraft`]) as the printable
//!   page and the signed-off text, with every answer's status, the content's SHA-256 and the state of
//!   the FG's sign-off and the filing;
//! - the letters to affected people, from the very HTML the signed-off template renders (converted
//!   by `crate::pdf::html`, so the PDF says the same words), one per recipient or merged (each
//!   letter on a new page, numbered on its own, the address in the envelope window). The merged file
//!   streams: letters are rendered and written one at a time on a blocking thread.
use std::io::{self, Write};

use actix_web::{web, HttpRequest, HttpResponse};
use tokio::sync::mpsc;

use super::ap::{ApDraft, Status};
use super::campaign::{self, Letters};
use super::lifecycle::DraftStatus;
use super::routes::ctx;
use super::service::{self, ApprovalView, DraftView};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::pdf::{self, Block, DocInfo, Footer, PdfWriter, Run};
use crate::state::AppState;

/// The FG's sign-off in words, as on the printable page.
pub fn approval_nl(a: &ApprovalView) -> String {
    match (a.state, a.valid) {
        (DraftStatus::Filed, _) => "afgetekend en gemeld".to_string(),
        (DraftStatus::Approved, true) => format!(
            "afgetekend op {}",
            a.decided_at
                .map(crate::incidents::clock::local_display)
                .unwrap_or_default()
        ),
        (DraftStatus::Void, _) => "VERVALLEN: de inhoud is na het aftekenen gewijzigd".to_string(),
        (DraftStatus::Rejected, _) => {
            format!("afgewezen: {}", a.remarks.clone().unwrap_or_default())
        }
        (DraftStatus::Pending | DraftStatus::Approved, _) => "nog niet afgetekend".to_string(),
    }
}

/// The AP answer set as blocks: the same fields, order and numbering as the printable page.
pub fn ap_blocks(d: &ApDraft, sha256: &str, approval: &str, filing: Option<&str>) -> Vec<Block> {
    let mut b = vec![
        Block::Small(vec![Run::plain(d.organisation.clone())]),
        Block::Title("Melding datalek aan de Autoriteit Persoonsgegevens".into()),
        Block::Paragraph(vec![Run::plain(
            "Antwoorden voor het meldformulier, in de volgorde en nummering van het formulier.",
        )]),
        Block::Space(4.0),
        Block::KeyValue(
            "Incident".into(),
            vec![Run::plain(format!("{} — {}", d.reference, d.title))],
        ),
        Block::KeyValue(
            "Soort melding".into(),
            vec![Run::plain(d.kind_label.clone())],
        ),
    ];
    let mut deadline = vec![Run::plain(d.deadline_local.clone())];
    if d.late {
        deadline.push(Run::bold(" (verstreken)"));
    }
    b.push(Block::KeyValue("Uiterste meldtermijn".into(), deadline));
    b.push(Block::KeyValue(
        "Stand".into(),
        vec![Run::plain(format!(
            "{} vastgelegd, {} afgeleid (nog bevestigen), {} ontbrekend",
            d.recorded, d.derived, d.missing
        ))],
    ));
    for p in &d.required_missing {
        b.push(Block::KeyValue(
            "Verplicht, ontbreekt".into(),
            vec![Run::plain(p.message_nl.clone())],
        ));
    }
    b.push(Block::KeyValue(
        "Aftekening FG".into(),
        vec![Run::plain(approval)],
    ));
    if let Some(f) = filing {
        b.push(Block::KeyValue("Gemeld".into(), vec![Run::plain(f)]));
    }
    // Full width: the hash stays on one line.
    b.push(Block::Paragraph(vec![
        Run::bold("SHA-256 van de inhoud: "),
        Run::plain(sha256),
    ]));
    for ch in &d.chapters {
        b.push(Block::Heading(format!("{}. {}", ch.number, ch.title)));
        for a in &ch.answers {
            let label = format!("[{}]", a.status_label);
            b.push(Block::Paragraph(vec![
                Run::bold(format!("{} {} ", a.number, a.question)),
                if a.status == Status::Missing {
                    Run::bold(label)
                } else {
                    Run::oblique(label)
                },
            ]));
            b.push(Block::Indented(vec![Run::plain(if a.answer.is_empty() {
                "—".to_string()
            } else {
                a.answer.clone()
            })]));
            if !a.source.is_empty() {
                b.push(Block::Indented(vec![Run::oblique(a.source.clone())]));
            }
        }
    }
    b
}

/// The AP answer set's PDF for a loaded draft (None for a draft that is not for the AP).
pub fn ap_pdf(v: &DraftView, created: chrono::DateTime<chrono::Utc>) -> Option<Vec<u8>> {
    let d = v.answers.as_ref()?;
    let blocks = ap_blocks(
        d,
        &v.content_sha256,
        &approval_nl(&v.approval),
        v.filing.as_ref().map(|f| f.label_nl.as_str()),
    );
    Some(pdf::render(
        &DocInfo {
            title: format!("Melding datalek {} — {}", d.reference, d.organisation),
            author: d.organisation.clone(),
            created,
            lang: "nl-NL".into(),
        },
        &blocks,
        &Footer {
            reference: format!("{} · SHA-256 {}", d.reference, &v.content_sha256),
            lang: "nl".into(),
            number_single: true,
        },
    ))
}

pub use super::letters::{letter_layout, letter_pages};

/// The BCP 47 tag of a recipient's language.
pub fn lang_tag(language: &str) -> &'static str {
    if language == "en" {
        "en-GB"
    } else {
        "nl-NL"
    }
}

fn letter_footer(reference: &str, language: &str) -> Footer {
    Footer {
        reference: reference.to_string(),
        lang: language.to_string(),
        number_single: false,
    }
}

/// A file name from a reference: letters, digits, '-' and '_' only.
pub fn file_name(prefix: &str, reference: &str) -> String {
    let r: String = reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{r}.pdf")
}

fn pdf_response(body: Vec<u8>, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Content-Type", "application/pdf"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body)
}

/// The signed-in staff member, or (for a browser without a session) the way to the login page.
pub async fn staff_or_login(req: &HttpRequest) -> Result<Staff, ApiResult<HttpResponse>> {
    use actix_web::FromRequest;
    match Staff::from_request(req, &mut actix_web::dev::Payload::None).await {
        Ok(s) => Ok(s),
        Err(ApiError::Unauthorized(_)) => {
            let next: String = req
                .path()
                .chars()
                .map(|c| {
                    if c == '/' {
                        "%2F".to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect();
            Err(Ok(HttpResponse::SeeOther()
                .insert_header(("Location", format!("/staff/login?next={next}")))
                .finish()))
        }
        Err(e) => Err(Err(e)),
    }
}

async fn ap_draft_pdf(
    state: &AppState,
    staff: Staff,
    id: String,
    nid: String,
) -> ApiResult<HttpResponse> {
    let ctx = ctx(state);
    let v = state
        .service(move |c| service::load_draft(c, &ctx, &staff, &id, &nid))
        .await?;
    let bytes = ap_pdf(&v, chrono::Utc::now()).ok_or(ApiError::NotFound)?;
    let reference = v.answers.as_ref().map(|a| a.reference.clone());
    Ok(pdf_response(
        bytes,
        &file_name("melding-ap", &reference.unwrap_or_default()),
    ))
}

/// `GET /api/v1/incidents/{id}/notifications/{nid}/pdf`: the AP answer set as PDF.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications/{nid}/pdf", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("nid" = String, Path, description = "the notification draft")), responses((status = 200, description = "the AP answer set as A4 PDF for the dossier", content_type = "application/pdf"), (status = 401), (status = 404)))]
pub async fn api_ap_pdf(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, nid) = path.into_inner();
    ap_draft_pdf(&state, staff, id, nid).await
}

/// `GET /staff/incidents/{id}/notifications/{nid}/pdf`: the same for a signed-in browser.
async fn staff_ap_pdf(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let staff = match staff_or_login(&req).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (id, nid) = path.into_inner();
    ap_draft_pdf(&state, staff, id, nid).await
}

/// Write every letter of `l` into one PDF, one at a time; `each` hears of each letter's page
/// range (index, file name, (first, last)).
pub fn write_letters<W: Write>(
    l: &Letters,
    out: W,
    created: chrono::DateTime<chrono::Utc>,
    mut each: impl FnMut(usize, &str, (usize, usize)),
) -> io::Result<W> {
    let mut w = PdfWriter::new(
        out,
        DocInfo {
            title: format!("Brieven {} — {}", l.reference, l.organisation),
            author: l.organisation.clone(),
            created,
            lang: "nl-NL".into(),
        },
    )?;
    for i in 0..l.len() {
        let f = l
            .render(i)
            .map_err(|e| io::Error::other(format!("letter {}: {e}", i + 1)))?;
        let lang = l.language(i);
        let range = w.add_document(
            &letter_layout(&f.html),
            &letter_footer(&l.reference, lang),
            lang_tag(lang),
        )?;
        each(i, &f.file_name, range);
    }
    w.finish()
}

/// Bytes to the HTTP response as they are written, 64 KiB at a time.
struct ChannelWriter {
    tx: mpsc::Sender<Result<web::Bytes, io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    const CHUNK: usize = 64 * 1024;
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let b = web::Bytes::from(std::mem::replace(
            &mut self.buf,
            Vec::with_capacity(Self::CHUNK),
        ));
        self.tx
            .blocking_send(Ok(b))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= Self::CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// `GET /api/v1/incidents/{id}/campaigns/{cid}/letters.pdf`: every letter of the campaign in one
/// PDF, streamed. The sign-off is checked before the first byte; the CSV index (letters.csv) gives
/// each letter's pages.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}/letters.pdf", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign")), responses((status = 200, description = "every letter of the campaign in one PDF, streamed; pages per letter in letters.csv", content_type = "application/pdf"), (status = 401), (status = 404), (status = 409)))]
pub async fn merged_letters(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid) = path.into_inner();
    let ctx = ctx(&state);
    let letters = state
        .service(move |c| campaign::prepare_letters(c, &ctx, &staff, &id, &cid))
        .await?;
    let name = file_name("brieven", &letters.reference);
    let (tx, rx) = mpsc::channel::<Result<web::Bytes, io::Error>>(8);
    let err_tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let out = ChannelWriter {
            tx,
            buf: Vec::with_capacity(ChannelWriter::CHUNK),
        };
        let r = write_letters(&letters, out, chrono::Utc::now(), |_, _, _| {})
            .and_then(|mut w| w.flush());
        if let Err(e) = r {
            if e.kind() != io::ErrorKind::BrokenPipe {
                tracing::error!(error = %e, "writing the merged letters PDF failed");
                // The client sees a broken download, never a PDF that silently lacks letters.
                let _ = err_tx.blocking_send(Err(e));
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "application/pdf"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(stream))
}

/// `GET /api/v1/incidents/{id}/campaigns/{cid}/letters/{rid}.pdf`: one recipient's letter.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/campaigns/{cid}/letters/{rid}.pdf", tag = "notifications", params(("id" = String, Path, description = "the incident"), ("cid" = String, Path, description = "the campaign"), ("rid" = String, Path, description = "the recipient")), responses((status = 200, description = "one letter as A4 PDF", content_type = "application/pdf"), (status = 401), (status = 404), (status = 409)))]
pub async fn one_letter(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, cid, rid) = path.into_inner();
    let ctx = ctx(&state);
    let (bytes, name) = state
        .db(move |c| {
            let l = campaign::prepare_letters(c, &ctx, &staff, &id, &cid)?;
            let i = l.position(&rid).ok_or(ApiError::NotFound)?;
            let f = l.render(i)?;
            let rec = l.recipient(i);
            let language = l.language(i);
            let lang = lang_tag(language);
            let bytes = pdf::render(
                &DocInfo {
                    title: format!("{} — {}", l.reference, rec.name),
                    author: l.organisation.clone(),
                    created: chrono::Utc::now(),
                    lang: lang.into(),
                },
                &pdf::html::to_blocks(&f.html),
                &letter_footer(&l.reference, language),
            );
            let name = file_name("brief", &format!("{}-regel{}", l.reference, rec.line_no));
            Ok((bytes, name))
        })
        .await?;
    Ok(pdf_response(bytes, &name))
}

/// The PDF routes; registered before the HTML ones (`letters/{rid}` would match `x.pdf` too).
pub fn configure(cfg: &mut web::ServiceConfig) {
    const C: &str = "/api/v1/incidents/{id}/campaigns/{cid}";
    cfg.route(
        "/api/v1/incidents/{id}/notifications/{nid}/pdf",
        web::get().to(api_ap_pdf),
    )
    .route(
        "/staff/incidents/{id}/notifications/{nid}/pdf",
        web::get().to(staff_ap_pdf),
    )
    .route(&format!("{C}/letters.pdf"), web::get().to(merged_letters))
    .route(
        &format!("{C}/letters/{{rid}}.pdf"),
        web::get().to(one_letter),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            file_name("brief", "OOST-2026/1 \"x\""),
            "brief-OOST-2026_1__x_.pdf"
        );
    }
}

#[cfg(test)]
mod letter_tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::notifications::ap::{DraftInput, OrgPart};
    use crate::notifications::letters::{self, LetterCtx, RecipientCtx};
    use crate::notifications::render::NoticeTemplates;
    use crate::pdf::layout;

    fn org() -> OrgPart {
        OrgPart {
            name: "Gemeente Oost".into(),
            address: Some("Postbus 100, 1000 AC Oost".into()),
            fg_name: Some("F. Gerritsen".into()),
            fg_email: Some("fg@oost.example.nl".into()),
            contact_email: Some("privacy@oost.example.nl".into()),
            contact_phone: Some("14 0123".into()),
            website: Some("www.oost.example.nl".into()),
            signatory_name: Some("drs. M. de Jong".into()),
            signatory_function: Some("Teamleider Informatiebeveiliging en Privacy".into()),
            ..Default::default()
        }
    }

    /// The default texts at their longest usual length.
    fn input() -> DraftInput {
        DraftInput {
            what_happened: Some("Op 12 november is een brief met uw gegevens per ongeluk naar een verkeerd adres gestuurd. De ontvanger heeft ons daarover geïnformeerd en de brief teruggestuurd.".into()),
            measures: Some("De ontvanger heeft de brief teruggegeven. Wij hebben onze werkwijze aangepast: adressen worden nu door twee medewerkers gecontroleerd.".into()),
            advice: Some("Wees alert op post, e-mails en telefoontjes die u niet verwacht. Geef nooit zomaar uw gegevens door.".into()),
            what_happened_en: Some("On 12 November a letter with your details was sent to a wrong address by mistake.".into()),
            measures_en: Some("The letter was returned to us; we changed how we check addresses.".into()),
            advice_en: Some("Be alert to post, e-mails and calls you do not expect.".into()),
            ..Default::default()
        }
    }

    fn letter(lang: &str, name: &str, address: &str, salutation: &str) -> String {
        let facts = crate::assessment::facts::Facts {
            general_data: crate::assessment::facts::Fact::entered(vec![
                crate::assessment::facts::GeneralData::Name,
                crate::assessment::facts::GeneralData::Bsn,
            ]),
            ..Default::default()
        };
        let c = letters::common(lang, &org(), "OOST-2026-0007", Some(&facts), &input())
            .dated(lang, chrono::NaiveDate::from_ymd_opt(2026, 12, 11).unwrap());
        let r = RecipientCtx {
            name: name.into(),
            email: String::new(),
            postal_address: address.into(),
            salutation: if salutation.is_empty() {
                c.salutation.clone()
            } else {
                salutation.into()
            },
            extra: BTreeMap::new(),
        };
        NoticeTemplates::embedded()
            .render(
                &format!("letter.{lang}"),
                &LetterCtx {
                    common: &c,
                    recipient: &r,
                },
            )
            .unwrap()
    }

    #[test]
    fn a_default_letter_fits_one_sheet_with_what_the_post_room_needs() {
        let name = "Fatma Yılmaz-Doğan";
        let addr = "t.a.v. de heer Ł. Wójcik\nNguyễn Huệstraat 12 bis\n1234 AB Đồng Oost";
        let html = letter("nl", name, addr, "");
        let laid = letter_layout(&html);
        assert_eq!(laid.len(), 1, "the default letter takes one sheet");
        let lines = &laid.pages[0].lines;
        let at = |t: &str| {
            lines
                .iter()
                .find(|l| l.text().starts_with(t))
                .unwrap_or_else(|| panic!("{t} not on the page: {lines:#?}"))
        };
        let from_top = |l: &layout::Line| (pdf::A4_HEIGHT - l.y) / pdf::mm(1.0);
        let window = layout::WINDOW_TOP..layout::WINDOW_TOP + layout::WINDOW_HEIGHT;
        for t in [
            name,
            "t.a.v. de heer Ł. Wójcik",
            "1234 AB Đồng Oost",
            "Gemeente Oost, Postbus",
        ] {
            let l = at(t);
            assert!(window.contains(&from_top(l)), "{t} at {}", from_top(l));
            let left = l.x / pdf::mm(1.0);
            assert!((layout::WINDOW_LEFT..layout::WINDOW_LEFT + 10.0).contains(&left));
        }
        // Date, reference and contact to the right of the window; the text under it.
        for t in [
            "11 december 2026",
            "OOST-2026-0007",
            "14 0123",
            "privacy@oost.example.nl",
        ] {
            assert!(at(t).x / pdf::mm(1.0) >= layout::META_LEFT - 0.1, "{t}");
        }
        assert!(from_top(at("Geachte heer/mevrouw,")) > window.end);
        assert!(from_top(at("Datalek waarbij")) > window.end);
        at("drs. M. de Jong");
        at("Teamleider Informatiebeveiliging en Privacy");
        // The recipient's own salutation, when the list has one.
        let own = letter_layout(&letter("nl", name, addr, "Beste Fatma,"));
        assert!(own.pages[0]
            .lines
            .iter()
            .any(|l| l.text() == "Beste Fatma,"));
        assert!(!own.pages[0]
            .lines
            .iter()
            .any(|l| l.text().contains("Geachte")));

        let pdf = pdf::render(
            &DocInfo {
                title: "OOST-2026-0007".into(),
                author: "Gemeente Oost".into(),
                created: chrono::Utc::now(),
                lang: "nl-NL".into(),
            },
            &pdf::html::to_blocks(&html),
            &letter_footer("OOST-2026-0007", "nl"),
        );
        if let Ok(out) = std::env::var("MELDPUNT_LETTER_OUT") {
            std::fs::write(out, &pdf).unwrap();
        }
        // English: the same layout, English words, one page.
        let en = letter_layout(&letter("en", name, addr, ""));
        assert_eq!(en.len(), 1);
        assert!(en.pages[0]
            .lines
            .iter()
            .any(|l| l.text() == "Our reference"));
        assert!(en.pages[0]
            .lines
            .iter()
            .any(|l| l.text() == "Dear Sir or Madam,"));
        assert!(en.pages[0]
            .lines
            .iter()
            .any(|l| l.text() == "11 December 2026"));
    }

    #[test]
    fn a_long_letter_gets_page_numbers() {
        let long = "Een lange alinea over wat er is gebeurd. ".repeat(120);
        let html = letter("nl", "A. Bakker", "Dorpsstraat 4\n1000 AA Oost", "")
            .replace("<h2>Wat kunnen", &format!("<p>{long}</p><h2>Wat kunnen"));
        let laid = letter_layout(&html);
        assert!(laid.len() >= 2, "{}", laid.len());
        let f = letter_footer("OOST-2026-0007", "nl");
        assert_eq!(f.label(1, 2), "pagina 1 van 2");
        assert_eq!(f.label(1, 1), "");
    }
}

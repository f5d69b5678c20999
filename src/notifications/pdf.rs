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
use super::routes::ctx;
use super::service::{self, ApprovalView, DraftView};
use crate::auth::Staff;
use crate::error::{ApiError, ApiResult};
use crate::pdf::{self, Block, DocInfo, Footer, PdfWriter, Run};
use crate::state::AppState;

/// The FG's sign-off in words, as on the printable page.
pub fn approval_nl(a: &ApprovalView) -> String {
    match (a.state.as_str(), a.valid) {
        ("filed", _) => "afgetekend en gemeld".to_string(),
        ("approved", true) => format!(
            "afgetekend op {}",
            a.decided_at
                .map(crate::incidents::clock::local_display)
                .unwrap_or_default()
        ),
        ("void", _) => "VERVALLEN: de inhoud is na het aftekenen gewijzigd".to_string(),
        ("rejected", _) => format!("afgewezen: {}", a.remarks.clone().unwrap_or_default()),
        _ => "nog niet afgetekend".to_string(),
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

/// A letter's pages, laid out as in the PDF.
pub fn letter_layout(html: &str) -> pdf::Laid {
    pdf::layout(&pdf::html::to_blocks(html))
}

/// How many pages a letter takes.
pub fn letter_pages(html: &str) -> usize {
    letter_layout(html).len()
}

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
        .db(move |c| service::load_draft(c, &ctx, &staff, &id, &nid))
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
        let lang = l.recipient(i).language.clone();
        let range = w.add_document(
            &letter_layout(&f.html),
            &letter_footer(&l.reference, &lang),
            lang_tag(&lang),
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
        .db(move |c| campaign::prepare_letters(c, &ctx, &staff, &id, &cid))
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
            let lang = lang_tag(&rec.language);
            let bytes = pdf::render(
                &DocInfo {
                    title: format!("{} — {}", l.reference, rec.name),
                    author: l.organisation.clone(),
                    created: chrono::Utc::now(),
                    lang: lang.into(),
                },
                &pdf::html::to_blocks(&f.html),
                &letter_footer(&l.reference, &rec.language),
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

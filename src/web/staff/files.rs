//! Stored files on the staff's pages: sizes as people read them, the attachment list, and the
//! download answer (never shown inline).
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::HttpResponse;
use serde_json::{json, Value};

use crate::reports::attachments;

pub(super) fn kb(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        // A decimal comma (Dutch first); the English pages show it too: this helper has no language.
        format!(
            "{} MB",
            crate::locale::decimal_nl(bytes as f64 / (1024.0 * 1024.0), 1)
        )
    } else {
        format!("{} kB", (bytes + 1023) / 1024)
    }
}

/// Attachments as the pages list them: name, type, size, link.
pub(super) fn files_ctx(files: &[attachments::AttachmentInfo]) -> Vec<Value> {
    files
        .iter()
        .map(|a| {
            json!({
                "url": format!("/staff/attachments/{}", a.id),
                "filename": a.filename,
                "content_type": a.content_type,
                "size": kb(a.size_bytes),
                "report_id": a.report_id,
            })
        })
        .collect()
}

/// A stored file as a download (never shown inline), its name safe in the header.
pub(super) fn download(filename: &str, content_type: &str, data: Vec<u8>) -> HttpResponse {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_control() {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: filename.to_string().into_bytes(),
            }),
        ],
    };
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(disposition)
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(data)
}

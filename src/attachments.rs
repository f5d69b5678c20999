//! Photos and scans that come with a report: checked by content (not by name), at most 10 MB,
//! stored in the database with their SHA-256, shown only to staff.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{attachments, report_messages};
use crate::db::Cached;
use crate::db::{new_id, now, to_db, DbConn};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Bytes,
    /// SHA-256 (hex) of the bytes, computed once where they come in.
    pub sha256: String,
}

/// Where an attachment's bytes are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bytes {
    /// In the attachment's own row (files from the form or the API).
    Stored(Vec<u8>),
    /// In the stored raw e-mail they came with; the row keeps none.
    InMail(InMail),
}

/// Where the bytes of an e-mailed attachment are: the stored message (`mail_messages.id`) and the
/// file's place among the files `mailbox::parse` finds in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InMail {
    pub mail_id: String,
    pub part: i32,
    pub size: i64,
}

impl NewAttachment {
    pub fn new(filename: String, content_type: String, data: Vec<u8>) -> NewAttachment {
        use sha2::{Digest, Sha256};
        let sha256 = hex::encode(Sha256::digest(&data));
        NewAttachment {
            filename,
            content_type,
            bytes: Bytes::Stored(data),
            sha256,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    WrongType,
}

/// The content type, judged by the first bytes: JPEG, PNG or PDF; anything else is refused.
pub fn sniff(data: &[u8]) -> Result<&'static str, Refused> {
    if data.is_empty() {
        return Err(Refused::Empty);
    }
    if data.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else if data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Ok("image/png")
    } else if data.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else {
        Err(Refused::WrongType)
    }
}

/// A file name safe to show and to offer for download.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "bijlage".into()
    } else {
        cleaned.trim().to_string()
    }
}

#[derive(Queryable, Debug, Clone, serde::Serialize)]
pub struct AttachmentInfo {
    pub id: String,
    pub report_id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(with = "crate::serde_utc")]
    pub created_at: NaiveDateTime,
}

/// Store a checked attachment inside the caller's transaction; returns its id.
pub fn insert(conn: &mut DbConn, report_id: &str, a: &NewAttachment) -> QueryResult<String> {
    let id = new_id();
    // An e-mailed file is not copied: its bytes stay in the stored raw message.
    let (data, size, mail_id, mail_part): (&[u8], i64, Option<&str>, Option<i32>) = match &a.bytes {
        Bytes::InMail(m) => (&[], m.size, Some(&m.mail_id), Some(m.part)),
        Bytes::Stored(d) => (d, d.len() as i64, None, None),
    };
    let row = (
        attachments::id.eq(&id),
        attachments::report_id.eq(report_id),
        attachments::filename.eq(clean_filename(&a.filename)),
        attachments::content_type.eq(&a.content_type),
        attachments::size_bytes.eq(size),
        attachments::sha256.eq(&a.sha256),
        attachments::data.eq(data),
        attachments::created_at.eq(to_db(now())),
        attachments::mail_id.eq(mail_id),
        attachments::mail_part.eq(mail_part),
    );
    diesel::insert_into(attachments::table)
        .values(row)
        .execute_on(conn)?;
    Ok(id)
}

pub fn for_reports(conn: &mut DbConn, report_ids: &[String]) -> QueryResult<Vec<AttachmentInfo>> {
    attachments::table
        .filter(attachments::report_id.eq_any(report_ids))
        .select((
            attachments::id,
            attachments::report_id,
            attachments::filename,
            attachments::content_type,
            attachments::size_bytes,
            attachments::sha256,
            attachments::created_at,
        ))
        .order(attachments::created_at.asc())
        .load_on(conn)
}

/// (info, bytes) of one attachment. An e-mailed file's bytes are read out of the stored raw
/// message and checked against the SHA-256 taken at intake; `None` when the attachment does not
/// exist or its message has been purged by retention. `from_mail` reads a file out of a stored
/// message (`mailbox::store::attachment_bytes`: the mailbox knows how mail is parsed).
pub fn get(
    conn: &mut DbConn,
    id: &str,
    from_mail: impl FnOnce(&mut DbConn, &str, i32, &str) -> QueryResult<Option<Vec<u8>>>,
) -> QueryResult<Option<(AttachmentInfo, Vec<u8>)>> {
    type Row = (AttachmentInfo, Vec<u8>, Option<String>, Option<i32>);
    let row: Option<Row> = attachments::table
        .filter(attachments::id.eq(id))
        .select((
            (
                attachments::id,
                attachments::report_id,
                attachments::filename,
                attachments::content_type,
                attachments::size_bytes,
                attachments::sha256,
                attachments::created_at,
            ),
            attachments::data,
            attachments::mail_id,
            attachments::mail_part,
        ))
        .first_on(conn)
        .optional()?;
    let Some((info, data, mail_id, part)) = row else {
        return Ok(None);
    };
    let (Some(mail_id), Some(part)) = (mail_id, part) else {
        return Ok(Some((info, data)));
    };
    let bytes = from_mail(conn, &mail_id, part, &info.sha256)?;
    Ok(bytes.map(|b| (info, b)))
}

#[derive(Queryable, Debug, Clone, serde::Serialize)]
pub struct ReportMessage {
    pub id: String,
    pub report_id: String,
    pub author: String,
    pub body: String,
    #[serde(with = "crate::serde_utc")]
    pub created_at: NaiveDateTime,
}

/// A later message on a report: from the reporter (follow-up page) or from staff.
pub fn add_message(
    conn: &mut DbConn,
    report_id: &str,
    author: &str,
    body: &str,
) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(report_messages::table)
        .values((
            report_messages::id.eq(&id),
            report_messages::report_id.eq(report_id),
            report_messages::author.eq(author),
            report_messages::body.eq(body),
            report_messages::created_at.eq(to_db(now())),
        ))
        .execute_on(conn)?;
    Ok(id)
}

pub fn messages(conn: &mut DbConn, report_ids: &[String]) -> QueryResult<Vec<ReportMessage>> {
    report_messages::table
        .filter(report_messages::report_id.eq_any(report_ids))
        .order(report_messages::created_at.asc())
        .load_on(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_judged_by_content_not_name() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]), Ok("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Ok("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Ok("application/pdf"));
        assert_eq!(
            sniff(b"MZ\x90\x00 an exe named photo.jpg"),
            Err(Refused::WrongType)
        );
        assert_eq!(sniff(b"<svg onload=alert(1)>"), Err(Refused::WrongType));
        assert_eq!(sniff(b""), Err(Refused::Empty));
        assert_eq!(sniff(&vec![0xFF; MAX_BYTES + 1]), Err(Refused::TooLarge));
    }

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(clean_filename("C:\\Users\\x\\brief.pdf"), "brief.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("\"<>"), "bijlage");
    }
}

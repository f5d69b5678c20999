//! What a raw e-mail message contains, read with `mail-parser`: no web or database code here.
//!
//! Mail is hostile input. Every limit (size, parts, nesting, attachment size) is checked before or
//! right after parsing, and a message over a limit or without headers is refused with a reason
//! (the caller keeps it raw in the quarantine). Strings are cleaned of NUL and other control
//! characters so they can be stored in any database.
use chrono::{DateTime, Utc};
use mail_parser::{
    Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};
use sha2::{Digest, Sha256};

/// Configurable limits on one message.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_parts: usize,
    pub max_depth: usize,
    pub max_attachment_bytes: usize,
}

impl Limits {
    /// No limit but what memory allows: for reading again a message already taken in.
    pub fn unbounded() -> Limits {
        Limits {
            max_bytes: usize::MAX,
            max_parts: usize::MAX,
            max_depth: usize::MAX,
            max_attachment_bytes: usize::MAX,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 25 * 1024 * 1024,
            max_parts: 500,
            max_depth: 8,
            max_attachment_bytes: crate::attachments::MAX_BYTES,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl Person {
    pub fn display(&self) -> String {
        match (&self.name, &self.address) {
            (Some(n), Some(a)) => format!("{n} <{a}>"),
            (None, Some(a)) => a.clone(),
            (Some(n), None) => n.clone(),
            (None, None) => String::new(),
        }
    }
}

/// One file in the message. `content_type` is what its bytes are (judged by content); `refused`
/// says why it is not stored as an attachment of the report (the raw message keeps it).
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub declared_type: String,
    pub content_type: Option<&'static str>,
    pub size: usize,
    pub sha256: String,
    pub inline: bool,
    /// Found inside a forwarded message.
    pub forwarded: bool,
    pub refused: Option<String>,
    pub data: Vec<u8>,
}

/// A forwarded message (`message/rfc822`): evidence, with its own sender, date and recipients.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Forwarded {
    pub from: Option<Person>,
    pub to: Vec<Person>,
    pub cc: Vec<Person>,
    pub date: Option<DateTime<Utc>>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    /// Not in the stored details (`mail_messages.details_json`): the report's text carries it
    /// and the raw message keeps it; the details keep who sent it to whom and when.
    #[serde(skip_serializing)]
    pub text: String,
}

/// What a delivery status notification says about one of our messages.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Dsn {
    pub original_message_id: Option<String>,
    pub recipient: Option<String>,
    pub action: Option<String>,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
}

impl Dsn {
    /// A short reason for the outbox row.
    pub fn reason(&self) -> String {
        let mut parts = vec![format!(
            "bounced: {}",
            self.action.as_deref().unwrap_or("failed")
        )];
        if let Some(s) = &self.status {
            parts.push(format!("status {s}"));
        }
        if let Some(d) = &self.diagnostic {
            parts.push(d.chars().take(300).collect());
        }
        parts.join("; ")
    }
}

#[derive(Debug, Clone)]
pub struct ParsedMail {
    /// Without angle brackets; `None` when the message has none.
    pub message_id: Option<String>,
    pub from: Option<Person>,
    pub reply_to: Option<Person>,
    pub to: Vec<Person>,
    pub subject: String,
    pub date: Option<DateTime<Utc>>,
    /// Plain text preferred; HTML turned into readable text.
    pub text: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub forwarded: Vec<Forwarded>,
    /// Why this is an automatic message (out-of-office and the like), if it is one.
    pub auto_reply: Option<String>,
    pub dsn: Option<Dsn>,
    pub parts: usize,
    pub depth: usize,
}

/// Why a message cannot be taken in: it goes to the quarantine with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `s` may hold a control character other than newline and tab: a C0 control or DEL
/// (single bytes), or the lead byte 0xC2 of U+0080–U+00BF (the C1 controls among them). Checked
/// in blocks without an early exit, so the compiler can use vector instructions.
fn may_hold_controls(s: &str) -> bool {
    let suspect = |x: u8| (x < 0x20 && x != b'\n' && x != b'\t') | (x == 0x7f) | (x == 0xc2);
    s.as_bytes()
        .chunks(64)
        .any(|c| c.iter().fold(false, |acc, &x| acc | suspect(x)))
}

/// Remove NUL and control characters (keeping newlines and tabs), trim.
pub fn clean(s: &str) -> String {
    if !may_hold_controls(s) {
        return s.trim().to_string();
    }
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

fn clean_line(s: &str) -> String {
    clean(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn parser() -> MessageParser {
    MessageParser::default()
}

fn to_utc(d: &mail_parser::DateTime) -> Option<DateTime<Utc>> {
    if !d.is_valid() {
        return None;
    }
    DateTime::from_timestamp(d.to_timestamp(), 0)
}

fn people(a: Option<&Address>) -> Vec<Person> {
    let Some(a) = a else { return vec![] };
    a.iter()
        .take(200)
        .map(|x| Person {
            name: x.name().map(clean_line).filter(|s| !s.is_empty()),
            address: x
                .address()
                .map(|s| clean_line(s).to_lowercase())
                .filter(|s| !s.is_empty()),
        })
        .collect()
}

fn ids(v: &HeaderValue) -> Vec<String> {
    let raw: Vec<String> = match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => vec![],
    };
    raw.into_iter()
        .map(|s| normalise_id(&s))
        .filter(|s| !s.is_empty())
        .take(100)
        .collect()
}

/// A Message-ID as we compare it: no angle brackets or spaces, at most 500 characters.
pub fn normalise_id(s: &str) -> String {
    clean_line(s)
        .trim_matches(|c| c == '<' || c == '>' || c == ' ')
        .chars()
        .take(500)
        .collect()
}

/// The message's parts counted and its deepest nesting, walked without recursion.
fn shape(m: &Message) -> (usize, usize) {
    let mut parts = 0usize;
    let mut depth = 0usize;
    let mut stack: Vec<(&Message, usize)> = vec![(m, 1)];
    while let Some((msg, d)) = stack.pop() {
        depth = depth.max(d);
        parts += msg.parts.len();
        if parts > 100_000 {
            break;
        }
        for p in &msg.parts {
            if let PartType::Message(inner) = &p.body {
                stack.push((inner, d + 1));
            }
        }
    }
    (parts, depth)
}

/// Multipart nesting inside one message level (multipart within multipart).
fn multipart_depth(m: &Message) -> usize {
    // Parts list sub-part ids; walk from the root with an explicit stack.
    let mut max = 0;
    let mut stack = vec![(0u32, 1usize)];
    let mut seen = 0usize;
    while let Some((id, d)) = stack.pop() {
        seen += 1;
        if seen > m.parts.len() + 1 {
            break;
        }
        max = max.max(d);
        if let Some(PartType::Multipart(children)) = m.parts.get(id as usize).map(|p| &p.body) {
            for c in children {
                if *c > id {
                    stack.push((*c, d + 1));
                }
            }
        }
    }
    max
}

fn header_text(m: &Message, name: &'static str) -> Option<String> {
    m.header_raw(name).map(clean_line)
}

/// Why `m` is an automatic message, if it is (RFC 3834 `Auto-Submitted`, `X-Autoreply`,
/// `X-Autorespond`, `Precedence: bulk/junk/list`, `X-Auto-Response-Suppress`, typical subjects).
pub fn auto_reply_reason(m: &Message, subject: &str) -> Option<String> {
    if let Some(v) = header_text(m, "Auto-Submitted") {
        if !v.to_lowercase().starts_with("no") {
            return Some(format!("Auto-Submitted: {v}"));
        }
    }
    for h in ["X-Autoreply", "X-Autorespond", "X-Autoresponder"] {
        if let Some(v) = header_text(m, h) {
            if !v.eq_ignore_ascii_case("no") {
                return Some(format!("{h}: {v}"));
            }
        }
    }
    if let Some(v) = header_text(m, "Precedence") {
        let l = v.to_lowercase();
        if ["bulk", "junk", "list", "auto_reply"].contains(&l.as_str()) {
            return Some(format!("Precedence: {l}"));
        }
    }
    if let Some(v) = header_text(m, "X-Auto-Response-Suppress") {
        let l = v.to_lowercase();
        if l.contains("all") || l.contains("oof") || l.contains("autoreply") {
            return Some(format!("X-Auto-Response-Suppress: {v}"));
        }
    }
    let s = subject.to_lowercase();
    const SUBJECTS: [&str; 10] = [
        "out of office",
        "out of the office",
        "automatic reply",
        "auto-reply",
        "autoreply",
        "automatisch antwoord",
        "afwezigheidsmelding",
        "afwezig:",
        "niet aanwezig",
        "autosvar",
    ];
    SUBJECTS
        .iter()
        .find(|p| s.contains(**p))
        .map(|p| format!("subject: {p}"))
}

fn is_dsn(m: &Message) -> bool {
    m.content_type()
        .map(|ct| {
            ct.ctype().eq_ignore_ascii_case("multipart")
                && ct
                    .subtype()
                    .map(|s| s.eq_ignore_ascii_case("report"))
                    .unwrap_or(false)
                && ct
                    .attribute("report-type")
                    .map(|r| r.eq_ignore_ascii_case("delivery-status"))
                    .unwrap_or(false)
        })
        .unwrap_or(false)
}

fn part_type(p: &MessagePart) -> (String, String) {
    p.content_type()
        .map(|ct| {
            (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or("").to_ascii_lowercase(),
            )
        })
        .unwrap_or_else(|| ("text".into(), "plain".into()))
}

/// `Name: value` fields of a delivery-status body (several blocks separated by blank lines).
fn dsn_fields(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vec![];
    for line in body.lines().take(500) {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_ascii_lowercase(), clean_line(v)));
        }
    }
    out
}

fn strip_type(v: &str) -> String {
    // `rfc822; someone@example.nl` → `someone@example.nl`
    match v.split_once(';') {
        Some((_, rest)) => rest.trim().to_string(),
        None => v.trim().to_string(),
    }
}

fn read_dsn(m: &Message) -> Dsn {
    let mut dsn = Dsn {
        original_message_id: None,
        recipient: None,
        action: None,
        status: None,
        diagnostic: None,
    };
    for p in m.parts.iter() {
        let (t, s) = part_type(p);
        match (t.as_str(), s.as_str()) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                let body = String::from_utf8_lossy(p.contents());
                for (k, v) in dsn_fields(&body) {
                    match k.as_str() {
                        "final-recipient" | "original-recipient" if dsn.recipient.is_none() => {
                            dsn.recipient = Some(strip_type(&v).to_lowercase())
                        }
                        "action" if dsn.action.is_none() => dsn.action = Some(v.to_lowercase()),
                        "status" if dsn.status.is_none() => dsn.status = Some(v),
                        "diagnostic-code" if dsn.diagnostic.is_none() => {
                            dsn.diagnostic = Some(strip_type(&v))
                        }
                        _ => {}
                    }
                }
            }
            ("message", "rfc822") | ("message", "global") if dsn.original_message_id.is_none() => {
                if let Some(inner) = p.message() {
                    dsn.original_message_id = inner.message_id().map(normalise_id);
                }
            }
            ("text", "rfc822-headers") | ("message", "rfc822-headers")
                if dsn.original_message_id.is_none() =>
            {
                // The headers alone, often without the blank line that ends a header block.
                let mut raw = p.contents().to_vec();
                raw.extend_from_slice(b"\r\n\r\n");
                dsn.original_message_id = parser()
                    .parse_headers(&raw)
                    .and_then(|h| h.message_id().map(normalise_id))
                    .filter(|s| !s.is_empty());
            }
            _ => {}
        }
    }
    dsn
}

/// The text of a message: plain text preferred, HTML turned into readable text.
fn body_text(m: &Message) -> String {
    let mut out = String::new();
    let mut plain = false;
    for p in m.text_bodies() {
        if let PartType::Text(t) = &p.body {
            plain = true;
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            out.push_str(t);
        }
    }
    if !plain {
        for p in m.html_bodies() {
            if let PartType::Html(h) = &p.body {
                if !out.is_empty() {
                    out.push_str("\n\n");
                }
                out.push_str(&mail_parser::decoders::html::html_to_text(h));
            }
        }
    }
    if memchr::memchr(b'\r', out.as_bytes()).is_some() {
        out = out.replace("\r\n", "\n");
    }
    clean(&out)
}

fn sniff(data: &[u8], max: usize) -> Result<&'static str, String> {
    if data.len() > max {
        return Err(format!("larger than {max} bytes"));
    }
    match crate::attachments::sniff(data) {
        Ok(t) => Ok(t),
        Err(crate::attachments::Refused::Empty) => Err("empty".into()),
        Err(crate::attachments::Refused::TooLarge) => Err("too large".into()),
        Err(crate::attachments::Refused::WrongType) => {
            Err("type not accepted (only JPEG, PNG, PDF by content)".into())
        }
    }
}

fn collect_attachments(m: &Message, forwarded: bool, limits: &Limits, out: &mut Vec<Attachment>) {
    for &id in &m.attachments {
        let Some(p) = m.parts.get(id as usize) else {
            continue;
        };
        let data: &[u8] = match &p.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b,
            // Text and HTML parts that are attachments, and forwarded messages, are in the text.
            _ => continue,
        };
        let (t, s) = part_type(p);
        let inline = matches!(p.body, PartType::InlineBinary(_))
            || p.content_disposition()
                .map(|d| d.ctype().eq_ignore_ascii_case("inline"))
                .unwrap_or(false);
        let filename = p
            .attachment_name()
            .map(clean_line)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                if inline {
                    "inline-afbeelding".into()
                } else {
                    "bijlage".into()
                }
            });
        let (content_type, refused) = match sniff(data, limits.max_attachment_bytes) {
            Ok(ct) => (Some(ct), None),
            Err(e) => (None, Some(e)),
        };
        out.push(Attachment {
            filename: crate::attachments::clean_filename(&filename),
            declared_type: clean_line(&format!("{t}/{s}")).chars().take(100).collect(),
            content_type,
            size: data.len(),
            sha256: sha256_hex(data),
            inline,
            forwarded,
            refused,
            data: if content_type.is_some() {
                data.to_vec()
            } else {
                vec![]
            },
        });
    }
}

fn forwarded_of(m: &Message) -> Forwarded {
    Forwarded {
        from: people(m.from()).into_iter().next(),
        to: people(m.to()),
        cc: people(m.cc()),
        date: m.date().and_then(to_utc),
        subject: m.subject().map(clean_line),
        message_id: m.message_id().map(normalise_id),
        text: body_text(m),
    }
}

/// File `index` of a stored message, as [`parse`] lists them (`None` when the message no longer
/// parses or has no such file). Its `data` is empty unless its type was accepted.
pub fn nth_attachment(raw: &[u8], index: usize, limits: &Limits) -> Option<Attachment> {
    parse(raw, limits).ok()?.attachments.into_iter().nth(index)
}

/// Parse `raw`; a refusal carries the reason for the quarantine.
pub fn parse(raw: &[u8], limits: &Limits) -> Result<ParsedMail, Refusal> {
    if raw.is_empty() {
        return Err(Refusal("empty message".into()));
    }
    if raw.len() > limits.max_bytes {
        return Err(Refusal(format!(
            "message of {} bytes exceeds the limit of {} bytes",
            raw.len(),
            limits.max_bytes
        )));
    }
    // A cheap bound before parsing: each MIME part needs a boundary line.
    let boundary_lines =
        usize::from(raw.starts_with(b"--")) + memchr::memmem::find_iter(raw, b"\n--").count();
    if boundary_lines > limits.max_parts.saturating_mul(2).saturating_add(10) {
        return Err(Refusal(format!(
            "more than {} MIME parts (about {} boundary lines)",
            limits.max_parts, boundary_lines
        )));
    }
    // mail-parser 0.11.9 can panic on some malformed multiparts (found by cargo fuzz: "Invalid
    // part ID, could not find multipart"): such a message goes to the quarantine instead.
    let parsed = std::panic::catch_unwind(|| parse_checked(raw, limits));
    match parsed {
        Ok(r) => r,
        Err(_) => Err(Refusal(
            "the MIME structure could not be read (the parser failed on it)".into(),
        )),
    }
}

fn parse_checked(raw: &[u8], limits: &Limits) -> Result<ParsedMail, Refusal> {
    let m = parser()
        .parse(raw)
        .ok_or_else(|| Refusal("not an e-mail message: no headers found".into()))?;
    if m.headers().is_empty() {
        return Err(Refusal("not an e-mail message: no headers found".into()));
    }
    let (parts, depth) = shape(&m);
    if parts > limits.max_parts {
        return Err(Refusal(format!(
            "{parts} MIME parts exceed the limit of {}",
            limits.max_parts
        )));
    }
    let depth = depth.max(multipart_depth(&m));
    if depth > limits.max_depth {
        return Err(Refusal(format!(
            "nesting depth {depth} exceeds the limit of {}",
            limits.max_depth
        )));
    }
    let subject = m.subject().map(clean_line).unwrap_or_default();
    let dsn = if is_dsn(&m) { Some(read_dsn(&m)) } else { None };
    let mut attachments = vec![];
    collect_attachments(&m, false, limits, &mut attachments);
    // Forwarded messages, also forwarded inside forwarded ones (bounded by max_depth above).
    let mut forwarded = vec![];
    let mut stack: Vec<&Message> = vec![&m];
    while let Some(msg) = stack.pop() {
        for &id in &msg.attachments {
            if let Some(PartType::Message(inner)) = msg.parts.get(id as usize).map(|p| &p.body) {
                if dsn.is_none() {
                    forwarded.push(forwarded_of(inner));
                    collect_attachments(inner, true, limits, &mut attachments);
                }
                stack.push(inner);
            }
        }
    }
    Ok(ParsedMail {
        message_id: m.message_id().map(normalise_id).filter(|s| !s.is_empty()),
        from: people(m.from()).into_iter().next(),
        reply_to: people(m.reply_to()).into_iter().next(),
        to: people(m.to()),
        auto_reply: auto_reply_reason(&m, &subject),
        subject,
        date: m.date().and_then(to_utc),
        text: body_text(&m),
        in_reply_to: ids(m.in_reply_to()),
        references: ids(m.references()),
        attachments,
        forwarded,
        dsn,
        parts,
        depth,
    })
}

/// What a message is, as far as the message itself tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// From one of our own addresses (a loop, or a copy of what we sent).
    Own,
    /// A delivery status notification about a message we sent.
    Bounce(Dsn),
    /// An out-of-office or other automatic message.
    AutoReply(String),
    /// A person's message: a report, or a reply when `thread` finds what it belongs to.
    Person,
}

/// Addresses that never get an acknowledgement.
pub fn is_no_reply(address: &str) -> bool {
    let a = address.to_lowercase();
    let local = a.split('@').next().unwrap_or("");
    let l = local.replace(['-', '_', '.'], "");
    l.starts_with("noreply")
        || l.starts_with("donotreply")
        || l.starts_with("geenantwoord")
        || l.starts_with("nietbeantwoorden")
        || l == "mailerdaemon"
        || l == "postmaster"
        || l.starts_with("bounce")
}

pub fn classify(m: &ParsedMail, own_addresses: &[String]) -> Kind {
    let from = m
        .from
        .as_ref()
        .and_then(|p| p.address.clone())
        .unwrap_or_default();
    if let Some(d) = &m.dsn {
        return Kind::Bounce(d.clone());
    }
    // Classic bounces without a multipart/report: from the mailer daemon.
    let local = from.split('@').next().unwrap_or("");
    if local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster") {
        return Kind::Bounce(Dsn {
            original_message_id: m.in_reply_to.first().cloned(),
            recipient: None,
            action: Some("failed".into()),
            status: None,
            diagnostic: Some(m.subject.chars().take(200).collect()),
        });
    }
    if !from.is_empty() && own_addresses.iter().any(|o| o.eq_ignore_ascii_case(&from)) {
        return Kind::Own;
    }
    if let Some(r) = &m.auto_reply {
        return Kind::AutoReply(r.clone());
    }
    Kind::Person
}

/// Our references named in `s`: report references `M-2026-000123` and incident references
/// `DL-2026-0042`, as whole words.
pub fn references_in(s: &str) -> (Vec<String>, Vec<String>) {
    let b = s.as_bytes();
    let mut reports = vec![];
    let mut incidents = vec![];
    let word = |i: usize| i == 0 || !b[i - 1].is_ascii_alphanumeric();
    let digits = |from: usize, n: usize| {
        from + n <= b.len() && b[from..from + n].iter().all(|c| c.is_ascii_digit())
    };
    let end_ok = |i: usize| i >= b.len() || !b[i].is_ascii_alphanumeric();
    let mut i = 0;
    while i < b.len() {
        if word(i)
            && b[i..].starts_with(b"M-")
            && digits(i + 2, 4)
            && b.get(i + 6) == Some(&b'-')
            && digits(i + 7, 6)
            && end_ok(i + 13)
        {
            reports.push(s[i..i + 13].to_string());
            i += 13;
            continue;
        }
        if word(i)
            && b[i..].starts_with(b"DL-")
            && digits(i + 3, 4)
            && b.get(i + 7) == Some(&b'-')
            && digits(i + 8, 4)
            && end_ok(i + 12)
        {
            incidents.push(s[i..i + 12].to_string());
            i += 12;
            continue;
        }
        i += 1;
    }
    reports.dedup();
    incidents.dedup();
    (reports, incidents)
}

/// `en` when the text reads as English, else `nl` (the default).
pub fn language(text: &str) -> &'static str {
    let (mut en, mut nl) = (0, 0);
    for w in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(2000)
    {
        // The marker words are ASCII and at most 9 letters: lower-case into a buffer on the
        // stack and match the bytes (no copy of every word on the heap, no list walked).
        let b = w.as_bytes();
        if b.len() > 9 || !b.is_ascii() {
            continue;
        }
        let mut buf = [0u8; 9];
        buf[..b.len()].copy_from_slice(b);
        buf.make_ascii_lowercase();
        let (is_en, is_nl) = match &buf[..b.len()] {
            b"is" => (true, true),
            b"the" | b"and" | b"you" | b"i" | b"this" | b"that" | b"with" | b"have" | b"was"
            | b"for" | b"my" | b"not" | b"received" | b"please" | b"your" => (true, false),
            b"de" | b"het" | b"een" | b"en" | b"ik" | b"van" | b"dat" | b"niet" | b"met"
            | b"voor" | b"mijn" | b"heb" | b"ontvangen" | b"u" | b"uw" => (false, true),
            _ => (false, false),
        };
        en += usize::from(is_en);
        nl += usize::from(is_nl);
    }
    if en > nl && en >= 3 {
        "en"
    } else {
        "nl"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let p = format!("{}/tests/fixtures/mail/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn parse_fixture(name: &str) -> ParsedMail {
        parse(&fixture(name), &Limits::default()).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn own() -> Vec<String> {
        vec!["meldpunt@meldpunt.test".into()]
    }

    #[test]
    fn plain_report_with_checked_attachments() {
        let m = parse_fixture("plain_nl.eml");
        assert_eq!(m.message_id.as_deref(), Some("plain-nl-1@example.nl"));
        let from = m.from.clone().unwrap();
        assert_eq!(from.name.as_deref(), Some("Jan Jansen"));
        assert_eq!(from.address.as_deref(), Some("jan.jansen@example.nl"));
        assert_eq!(m.subject, "Brief voor mijn buurman ontvangen");
        assert!(m.text.contains("voor mijn buurman bedoeld"), "{}", m.text);
        assert_eq!(
            m.date.unwrap().to_rfc3339(),
            "2026-11-20T09:15:00+00:00",
            "Date is converted to UTC"
        );
        assert_eq!(m.attachments.len(), 2);
        let pdf = &m.attachments[0];
        assert_eq!(pdf.filename, "scan brief.pdf");
        assert_eq!(pdf.content_type, Some("application/pdf"));
        assert_eq!(pdf.sha256, sha256_hex(&pdf.data));
        assert_eq!(pdf.size, pdf.data.len());
        // Named foto.jpg and declared image/jpeg, but an executable by content: refused.
        let fake = &m.attachments[1];
        assert_eq!(fake.declared_type, "image/jpeg");
        assert_eq!(fake.content_type, None);
        assert!(fake.refused.as_deref().unwrap().contains("type"));
        assert!(fake.data.is_empty());
        assert_eq!(classify(&m, &own()), Kind::Person);
        assert_eq!(language(&m.text), "nl");
    }

    #[test]
    fn html_only_mail_becomes_readable_text_and_english() {
        let m = parse_fixture("html_only_en.eml");
        assert!(m.text.contains("tax department"), "{}", m.text);
        assert!(!m.text.contains("<p>"), "{}", m.text);
        assert!(!m.text.contains("color: red"), "{}", m.text);
        assert_eq!(m.from.unwrap().name.as_deref(), Some("Mary Smith"));
        assert_eq!(language(&m.text), "en");
    }

    #[test]
    fn rfc2047_rfc2231_and_windows_1252() {
        let m = parse_fixture("encoded_cp1252.eml");
        assert_eq!(m.subject, "Melding over een brief met café en €");
        assert_eq!(m.from.unwrap().name.as_deref(), Some("Renée de Vries"));
        assert!(m.text.contains("het café. Bedrag: € 12,50"), "{}", m.text);
        assert_eq!(m.attachments[0].filename, "brief geïnd.pdf");
        assert_eq!(m.attachments[0].content_type, Some("application/pdf"));
    }

    #[test]
    fn iso_8859_1_body() {
        let m = parse_fixture("latin1.eml");
        assert!(m.text.contains("geïnd in één keer"), "{}", m.text);
    }

    #[test]
    fn forwarded_message_is_evidence_with_its_own_sender_date_and_recipients() {
        let m = parse_fixture("forwarded.eml");
        assert_eq!(m.forwarded.len(), 1);
        let f = &m.forwarded[0];
        assert_eq!(
            f.from.as_ref().unwrap().address.as_deref(),
            Some("sociale.zaken@gemeente.example")
        );
        assert_eq!(f.to[0].address.as_deref(), Some("klaas@example.net"));
        assert_eq!(f.cc[0].address.as_deref(), Some("dossier@gemeente.example"));
        assert_eq!(f.date.unwrap().to_rfc3339(), "2026-11-16T15:45:00+00:00");
        assert_eq!(f.subject.as_deref(), Some("Uw aanvraag bijstand"));
        assert!(f.text.contains("uw aanvraag is in behandeling"));
        // The outer HTML text, the inline image, and the forwarded mail's PDF.
        assert!(m.text.contains("niet voor mij"), "{}", m.text);
        let inline = m
            .attachments
            .iter()
            .find(|a| a.inline)
            .expect("inline image");
        assert_eq!(inline.content_type, Some("image/png"));
        let pdf = m
            .attachments
            .iter()
            .find(|a| a.forwarded)
            .expect("forwarded pdf");
        assert_eq!(pdf.filename, "beschikking.pdf");
        assert_eq!(m.depth, 3, "mixed → related → image");
    }

    #[test]
    fn references_in_subjects() {
        let (r, i) = references_in("Re: Uw melding M-2026-000123 is ontvangen (DL-2026-0042)");
        assert_eq!(r, vec!["M-2026-000123"]);
        assert_eq!(i, vec!["DL-2026-0042"]);
        let (r, i) = references_in("XM-2026-000123 M-2026-0001234 DL-2026-00421 ADL-2026-0042");
        assert!(r.is_empty() && i.is_empty(), "{r:?} {i:?}");
        let m = parse_fixture("reply_subject.eml");
        assert_eq!(references_in(&m.subject).0, vec!["M-2026-000001"]);
        assert_eq!(classify(&m, &own()), Kind::Person);
    }

    #[test]
    fn in_reply_to_and_references_are_read() {
        let m = parse_fixture("reply_header.eml");
        assert_eq!(m.in_reply_to, vec!["REPLACE-ME@meldpunt.test"]);
        assert_eq!(
            m.references,
            vec!["unrelated@example.nl", "REPLACE-ME@meldpunt.test"]
        );
    }

    #[test]
    fn automatic_replies_are_recognised() {
        for (f, want) in [
            ("autoreply.eml", "Auto-Submitted"),
            ("out_of_office.eml", "out of office"),
            ("bulk.eml", "Precedence: bulk"),
        ] {
            match classify(&parse_fixture(f), &own()) {
                Kind::AutoReply(r) => assert!(r.contains(want), "{f}: {r}"),
                o => panic!("{f}: {o:?}"),
            }
        }
        let raw = b"From: a@example.nl\r\nAuto-Submitted: no\r\nSubject: gewoon\r\n\r\nhoi\r\n";
        let m = parse(raw, &Limits::default()).unwrap();
        assert_eq!(classify(&m, &own()), Kind::Person);
    }

    #[test]
    fn bounces_name_the_original_message() {
        let m = parse_fixture("bounce.eml");
        match classify(&m, &own()) {
            Kind::Bounce(d) => {
                assert_eq!(
                    d.original_message_id.as_deref(),
                    Some("REPLACE-ME@meldpunt.test")
                );
                assert_eq!(d.recipient.as_deref(), Some("onbekend@example.net"));
                assert_eq!(d.status.as_deref(), Some("5.1.1"));
                assert_eq!(d.action.as_deref(), Some("failed"));
                assert!(d.reason().contains("User unknown"), "{}", d.reason());
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn own_mail_is_recognised() {
        assert_eq!(classify(&parse_fixture("own.eml"), &own()), Kind::Own);
        assert_eq!(
            classify(
                &parse_fixture("own.eml"),
                &["MELDPUNT@meldpunt.test".to_string()]
            ),
            Kind::Own
        );
    }

    #[test]
    fn no_reply_addresses() {
        for a in [
            "noreply@x.nl",
            "no-reply@x.nl",
            "do_not_reply@x.nl",
            "geen-antwoord@x.nl",
            "MAILER-DAEMON@x.nl",
        ] {
            assert!(is_no_reply(a), "{a}");
        }
        assert!(!is_no_reply("jan@x.nl"));
        assert!(!is_no_reply("noreen@x.nl"));
    }

    #[test]
    fn malformed_mime_is_read_as_far_as_possible() {
        let m = parse_fixture("malformed.eml");
        assert_eq!(m.subject, "kapotte mime");
        assert!(m.date.is_none());
    }

    #[test]
    fn refusals_with_reasons() {
        let e = parse(&fixture("no_headers.eml"), &Limits::default()).unwrap_err();
        assert!(e.0.contains("no headers"), "{e}");
        assert!(parse(b"", &Limits::default())
            .unwrap_err()
            .0
            .contains("empty"));
        let small = Limits {
            max_bytes: 100,
            ..Limits::default()
        };
        let e = parse(&fixture("plain_nl.eml"), &small).unwrap_err();
        assert!(e.0.contains("exceeds the limit of 100 bytes"), "{e}");
        let few = Limits {
            max_parts: 2,
            ..Limits::default()
        };
        let e = parse(&fixture("plain_nl.eml"), &few).unwrap_err();
        assert!(e.0.contains("parts"), "{e}");
        let shallow = Limits {
            max_depth: 1,
            ..Limits::default()
        };
        let e = parse(&fixture("forwarded.eml"), &shallow).unwrap_err();
        assert!(e.0.contains("nesting depth"), "{e}");
    }

    #[test]
    fn many_parts_and_deep_nesting_are_refused_without_trouble() {
        let mut raw = String::from("From: a@example.nl\r\nSubject: veel\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
        for i in 0..10_000 {
            raw.push_str(&format!(
                "--b\r\nContent-Type: text/plain\r\n\r\ndeel {i}\r\n"
            ));
        }
        raw.push_str("--b--\r\n");
        let e = parse(raw.as_bytes(), &Limits::default()).unwrap_err();
        assert!(e.0.contains("MIME parts"), "{e}");
        // 200 forwarded messages inside each other.
        let mut deep = String::from("From: a@example.nl\r\nSubject: diep\r\n\r\nkern\r\n");
        for _ in 0..200 {
            deep = format!(
                "From: a@example.nl\r\nSubject: laag\r\nContent-Type: message/rfc822\r\n\r\n{deep}"
            );
        }
        let e = parse(deep.as_bytes(), &Limits::default()).unwrap_err();
        assert!(e.0.contains("nesting depth"), "{e}");
        // 400 multiparts inside each other.
        let mut nested = String::from("From: a@example.nl\r\nSubject: genest\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
        for i in 1..400 {
            nested.push_str(&format!(
                "--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n",
                i - 1
            ));
        }
        nested.push_str("--b399\r\nContent-Type: text/plain\r\n\r\nkern\r\n");
        let e = parse(nested.as_bytes(), &Limits::default()).unwrap_err();
        assert!(e.0.contains("nesting depth"), "{e}");
    }

    #[test]
    fn archives_are_never_unpacked() {
        // A zip (a "zip bomb" or not) is refused as an attachment by its content and kept only in
        // the raw message; nothing is decompressed.
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00compressed...";
        let raw = format!(
            "From: a@example.nl\r\nSubject: zip\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nzie bijlage\r\n--z\r\nContent-Type: application/zip; name=\"brief.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--z--\r\n",
            {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD.encode(zip)
            }
        );
        let m = parse(raw.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].content_type, None);
        assert_eq!(m.attachments[0].size, zip.len());
        assert!(m.attachments[0].data.is_empty());
    }

    #[test]
    fn clean_removes_every_control_character_and_keeps_the_rest() {
        // C0 (NUL, BEL, ESC), DEL and C1 (U+0085, U+009F) go; newline and tab stay inside;
        // U+00A0 and U+00BF share the C1 controls' first byte in UTF-8 and stay.
        let dirty = " a\u{0}b\u{7}c\u{1b}d\u{7f}e\u{85}f\u{9f}g\u{a0}h\u{bf}i\tj\nk\r ";
        assert_eq!(clean(dirty), "abcdefg\u{a0}h\u{bf}i\tj\nk");
        // Nothing to remove: the text as it is, trimmed (the fast path).
        assert_eq!(
            clean("  gewone tekst, één regel\n"),
            "gewone tekst, één regel"
        );
        assert!(!may_hold_controls("gewone tekst\tmet tab\nen regels, één"));
        assert!(may_hold_controls("x\u{85}"));
    }

    #[test]
    fn nul_bytes_and_missing_headers_are_cleaned() {
        let raw =
            b"From: Ja\x00n <jan@exa\x00mple.nl>\r\nSubject: Brief\x00 ontvangen\r\n\r\nTekst\x00 hier\r\n";
        let m = parse(raw, &Limits::default()).unwrap();
        assert!(!m.subject.contains('\0'));
        assert!(!m.text.contains('\0'));
        assert!(m.from.iter().all(|p| !p.display().contains('\0')));
        assert!(m.message_id.is_none());
        assert!(m.date.is_none());
        let raw = b"Subject: zonder afzender\r\n\r\nIk kreeg een brief.\r\n";
        let m = parse(raw, &Limits::default()).unwrap();
        assert!(m.from.is_none());
        assert_eq!(classify(&m, &own()), Kind::Person);
    }

    #[test]
    fn languages() {
        assert_eq!(language("Ik heb een brief ontvangen van de gemeente"), "nl");
        assert_eq!(
            language("I have received a letter that is not for me, please advise"),
            "en"
        );
        assert_eq!(language(""), "nl");
    }
}

#[cfg(test)]
mod fuzz_findings {
    use super::*;

    /// Found by `cargo fuzz` (fuzz/): NUL bytes reached the report text.
    #[test]
    fn nul_bytes_never_reach_the_report_text() {
        let raw = std::fs::read(format!(
            "{}/tests/fixtures/mail/fuzz_nul_in_text.eml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let m = parse(&raw, &Limits::default()).unwrap();
        let d = crate::mailbox::service::description(&m, 2_000);
        assert!(!d.contains('\0'), "{d:?}\n{m:?}");
    }

    /// Found by `cargo fuzz`: mail-parser itself panics on this message; it is refused instead.
    #[test]
    fn a_panic_in_mail_parser_becomes_a_refusal() {
        let raw = std::fs::read(format!(
            "{}/tests/fixtures/mail/fuzz_parser_panic.eml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let e = parse(&raw, &Limits::default()).unwrap_err();
        assert!(e.0.contains("MIME structure"), "{e}");
    }
}

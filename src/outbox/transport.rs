//! Where mail goes: SMTP (production), `.eml` files (embedded default), or memory (tests).
use std::sync::{Arc, Mutex};

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::store::OutboxRow;
use crate::config::MailSettings;

#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub message_id: String,
}

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(Arc<Mutex<Vec<SentMail>>>),
}

#[derive(Debug)]
pub struct SendError {
    /// A bad address or a 5xx answer: retrying will not help.
    pub permanent: bool,
    pub message: String,
}

impl Mailer {
    pub fn from_settings(m: &MailSettings) -> anyhow::Result<Mailer> {
        Ok(match m.transport.as_str() {
            "smtp" => {
                let b = match m.smtp_tls.as_str() {
                    "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&m.smtp_host),
                    "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&m.smtp_host)?,
                    _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&m.smtp_host)?,
                };
                let mut b = b
                    .port(m.smtp_port)
                    .pool_config(PoolConfig::new().max_size(m.smtp_pool_size.max(1)));
                if !m.smtp_user.is_empty() {
                    b = b.credentials(Credentials::new(
                        m.smtp_user.clone(),
                        m.smtp_password.clone(),
                    ));
                }
                Mailer::Smtp(b.build())
            }
            "memory" => Mailer::Memory(Arc::new(Mutex::new(vec![]))),
            "file" => {
                std::fs::create_dir_all(&m.file_dir)?;
                Mailer::File(AsyncFileTransport::<Tokio1Executor>::new(&m.file_dir))
            }
            other => {
                anyhow::bail!("mail.transport: unknown transport {other:?} (smtp, file or memory)")
            }
        })
    }

    pub fn memory(&self) -> Option<Arc<Mutex<Vec<SentMail>>>> {
        match self {
            Mailer::Memory(m) => Some(m.clone()),
            _ => None,
        }
    }

    /// Send one outbox row; returns the server's answer.
    pub async fn send(&self, from: &str, row: &OutboxRow) -> Result<String, SendError> {
        let msg = build(from, row).map_err(|e| SendError {
            permanent: true,
            message: e,
        })?;
        match self {
            Mailer::Smtp(t) => t
                .send(msg)
                .await
                .map(|r| format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")))
                .map_err(|e| SendError {
                    permanent: e.is_permanent(),
                    message: e.to_string(),
                }),
            Mailer::File(t) => t
                .send(msg)
                .await
                .map(|id| format!("written {id}.eml"))
                .map_err(|e| SendError {
                    permanent: false,
                    message: e.to_string(),
                }),
            Mailer::Memory(store) => {
                let mut v = store.lock().map_err(|_| SendError {
                    permanent: false,
                    message: "poisoned".into(),
                })?;
                v.push(SentMail {
                    to: row.to_addr.clone(),
                    subject: row.subject.clone(),
                    body_text: row.body_text.clone(),
                    message_id: row.message_id.clone(),
                });
                Ok("250 kept in memory".into())
            }
        }
    }
}

fn build(from: &str, row: &OutboxRow) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("mail.from: {e}"))?;
    let to: Mailbox = row
        .to_addr
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let b = Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()));
    let res = match &row.body_html {
        Some(html) => b.multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            html.clone(),
        )),
        None => b.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(row.body_text.clone()),
        ),
    };
    res.map_err(|e| format!("building message: {e}"))
}

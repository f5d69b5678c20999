//! Where mail goes: SMTP (production), `.eml` files (embedded default), or memory (tests).
//!
//! SMTP without TLS or with STARTTLS goes through [`DirectSmtp`]: lettre's connection over a TCP
//! stream of our own with TCP_NODELAY set. lettre 0.11 writes a message's body and its final
//! `<CRLF>.<CRLF>` in separate writes and does not set TCP_NODELAY, so Nagle's algorithm holds the
//! terminator until the server ACKs the body — which a server with delayed ACKs does after ~40 ms:
//! one connection then manages ~23 messages a second. Implicit TLS (`smtp_tls = "tls"`) still uses
//! lettre's pooled transport.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

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
    Direct(Arc<DirectSmtp>),
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
            "smtp" if m.smtp_tls != "tls" => Mailer::Direct(Arc::new(DirectSmtp {
                host: m.smtp_host.clone(),
                port: m.smtp_port,
                starttls: m.smtp_tls != "none",
                credentials: (!m.smtp_user.is_empty())
                    .then(|| Credentials::new(m.smtp_user.clone(), m.smtp_password.clone())),
                idle: tokio::sync::Mutex::new(vec![]),
                max_idle: m.smtp_pool_size.max(1) as usize,
                hello: ClientId::default(),
            })),
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
            Mailer::Direct(d) => d.send(msg).await,
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

/// SMTP over TCP streams with TCP_NODELAY (see the module's note), with a small pool of idle
/// connections. A connection that saw any error is dropped, never reused.
pub struct DirectSmtp {
    host: String,
    port: u16,
    starttls: bool,
    credentials: Option<Credentials>,
    idle: tokio::sync::Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
    max_idle: usize,
    hello: ClientId,
}

fn smtp_err(e: lettre::transport::smtp::Error) -> SendError {
    SendError {
        permanent: e.is_permanent(),
        message: e.to_string(),
    }
}

fn transient(what: &str, e: impl std::fmt::Display) -> SendError {
    SendError {
        permanent: false,
        message: format!("{what}: {e}"),
    }
}

impl DirectSmtp {
    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let tcp = tokio::time::timeout(
            Duration::from_secs(30),
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|e| transient("connecting to the SMTP server", e))?
        .map_err(|e| transient("connecting to the SMTP server", e))?;
        tcp.set_nodelay(true)
            .map_err(|e| transient("setting TCP_NODELAY", e))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
            .await
            .map_err(smtp_err)?;
        if self.starttls {
            let params = TlsParameters::new(self.host.clone()).map_err(smtp_err)?;
            conn.starttls(params, &self.hello).await.map_err(smtp_err)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(smtp_err)?;
        }
        Ok(conn)
    }

    /// An idle connection that still answers, or a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let next = self.idle.lock().await.pop();
            match next {
                Some((mut c, at)) => {
                    if at.elapsed() > Duration::from_secs(60) {
                        c.abort().await;
                        continue;
                    }
                    // A connection idle for a while may have been closed by the server.
                    if at.elapsed() > Duration::from_secs(5) && !c.test_connected().await {
                        c.abort().await;
                        continue;
                    }
                    return Ok(c);
                }
                None => return self.connect().await,
            }
        }
    }

    async fn send(&self, msg: Message) -> Result<String, SendError> {
        let envelope = msg.envelope().clone();
        let bytes = msg.formatted();
        let mut conn = self.checkout().await?;
        let res = conn.send(&envelope, &bytes).await;
        match res {
            Ok(r) => {
                if !conn.has_broken() {
                    let mut idle = self.idle.lock().await;
                    if idle.len() < self.max_idle {
                        idle.push((conn, Instant::now()));
                    }
                }
                Ok(format!(
                    "{} {}",
                    r.code(),
                    r.message().collect::<Vec<_>>().join(" ")
                ))
            }
            Err(e) => Err(smtp_err(e)),
        }
    }
}

fn build(from: &str, row: &OutboxRow) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("mail.from: {e}"))?;
    let to: Mailbox = row
        .to_addr
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let mut b = Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()));
    // Threading (stored checked: outbox::store::Thread): an answer shows under the mail it answers.
    if let Some(id) = &row.in_reply_to {
        b = b.in_reply_to(id.clone());
    }
    if let Some(ids) = &row.reference_ids {
        b = b.references(ids.clone());
    }
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

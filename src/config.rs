//! One typed Settings struct, layered: embedded `config/default.toml` → the file named by
//! `MELDPUNT_CONFIG` → environment variables `MELDPUNT__SECTION__KEY`.
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub mail: MailSettings,
    pub outbox: OutboxSettings,
    pub clock: ClockSettings,
    pub security: SecuritySettings,
    pub limits: LimitSettings,
    pub notifications: NotificationSettings,
    #[serde(default)]
    pub mailbox: MailboxSettings,
    #[serde(default)]
    pub audit: AuditSettings,
    #[serde(default)]
    pub metrics: MetricsSettings,
}

/// Prometheus metrics at `/metrics` (see `crate::monitoring`). Both empty: no metrics served.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// A separate address serving only `/metrics`, e.g. `127.0.0.1:9464`; empty: none.
    pub bind: String,
    /// A bearer token that opens `/metrics` on the main address; empty: not there.
    pub token: String,
}

/// Checkpoints of the audit chain outside the database (see `audit::checkpoint`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuditSettings {
    /// The file signed checkpoints are appended to; best on storage a database writer cannot
    /// reach (another volume, a log host).
    pub checkpoint_file: String,
    /// Seconds between checkpoints (one is written only when the chain grew); 0: none.
    pub checkpoint_seconds: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            checkpoint_file: "data/audit-checkpoints.jsonl".into(),
            checkpoint_seconds: 300,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub workers: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or networks such as
    /// `10.0.0.0/8`); empty: the connection's address is the client's.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub synchronous_full: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub transport: String,
    pub from: String,
    pub file_dir: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: String,
    pub smtp_user: String,
    pub smtp_password: String,
    pub smtp_pool_size: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OutboxSettings {
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub batch_size: i64,
    pub lease_seconds: i64,
    pub max_attempts: i32,
    pub backoff_base_seconds: i64,
    pub concurrency: usize,
    /// How often a running worker records that it is alive (`outbox_workers.seen_at`).
    #[serde(default = "default_heartbeat_seconds")]
    pub heartbeat_seconds: u64,
    /// A worker silent this long is dead: other workers take up its claims at once, without
    /// waiting for their lease. Keep it several heartbeats long.
    #[serde(default = "default_takeover_seconds")]
    pub takeover_seconds: i64,
}

fn default_heartbeat_seconds() -> u64 {
    2
}

fn default_takeover_seconds() -> i64 {
    10
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClockSettings {
    pub enabled: bool,
    pub interval_seconds: u64,
    pub escalation_hours: Vec<i64>,
    /// Days within which a provisional AP notification is to be supplemented (the follow-up's due date).
    #[serde(default = "default_supplement_days")]
    pub supplement_days: i64,
    /// The hour (0–23, Amsterdam time) of the daily digest of new reports, for the staff who chose it.
    #[serde(default = "default_digest_hour")]
    pub digest_hour: u32,
}

fn default_digest_hour() -> u32 {
    8
}

/// Days a supplement is due after a provisional notification, when not configured. The AP sets
/// no deadline ("without undue further delay", Art. 33(4)): five days keep it in the same week.
pub const DEFAULT_SUPPLEMENT_DAYS: i64 = 5;

fn default_supplement_days() -> i64 {
    DEFAULT_SUPPLEMENT_DAYS
}

#[derive(Debug, Clone, Deserialize)]
pub struct SecuritySettings {
    pub session_hours: i64,
    pub cookie_secure: String,
    pub slow_down_after: i32,
    pub lock_after: i32,
    pub lock_minutes: i64,
    pub setup_code_hours: i64,
    /// Base64 of 32 random bytes: encrypts the two-factor secrets. The same on every instance.
    #[serde(default)]
    pub secret_key: String,
    /// Used (and created) when `secret_key` is empty.
    #[serde(default = "default_key_file")]
    pub key_file: String,
}

fn default_key_file() -> String {
    "data/meldpunt.key".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct LimitSettings {
    pub json_body_bytes: usize,
    pub description_chars: usize,
    /// Public form submissions per client address per minute.
    pub submissions_per_minute: u32,
    /// Login attempts per client address per minute (besides the per-account throttle).
    pub logins_per_minute: u32,
    /// Login attempts per account per minute, from any address.
    #[serde(default = "default_account_logins")]
    pub logins_per_account_per_minute: u32,
    /// Follow-up links and tokens and setup codes tried per client address per minute.
    #[serde(default = "default_credentials")]
    pub credentials_per_minute: u32,
    /// At most one acknowledgement per e-mail address within this many minutes (0: no limit).
    #[serde(default = "default_ack_recipient_minutes")]
    pub ack_recipient_minutes: i64,
    /// At most this many acknowledgements per clock hour in all (0: no limit).
    #[serde(default = "default_acks_per_hour")]
    pub acks_per_hour: i64,
}

fn default_ack_recipient_minutes() -> i64 {
    60
}

fn default_acks_per_hour() -> i64 {
    200
}

/// Limits on acknowledgements, mail anyone can make the service send (`[limits]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckLimits {
    /// At most one acknowledgement per address within this many minutes; 0: no limit.
    pub per_recipient_minutes: i64,
    /// At most this many acknowledgements per clock hour, all addresses together; 0: no limit.
    pub per_hour: i64,
}

impl LimitSettings {
    pub fn ack_limits(&self) -> AckLimits {
        AckLimits {
            per_recipient_minutes: self.ack_recipient_minutes.max(0),
            per_hour: self.acks_per_hour.max(0),
        }
    }
}

fn default_account_logins() -> u32 {
    10
}

fn default_credentials() -> u32 {
    30
}

#[derive(Debug, Clone, Deserialize)]
pub struct NotificationSettings {
    /// Per-organisation overrides of `templates/notices/*`: `<template_dir>/<slug>/<file>`.
    /// Empty: the embedded templates only.
    pub template_dir: String,
    /// Largest recipients CSV accepted, in bytes.
    pub max_csv_bytes: usize,
}

impl NotificationSettings {
    pub fn template_dir(&self) -> Option<std::path::PathBuf> {
        let d = self.template_dir.trim();
        (!d.is_empty()).then(|| std::path::PathBuf::from(d))
    }
}

/// The meldpunt mailbox (`src/mailbox`): where mail comes from, its limits and who may upload it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MailboxSettings {
    /// Slug of the organisation the mailbox belongs to (CLI, Maildir, IMAP, gateway uploads).
    pub organisation: String,
    /// Our own addresses, comma-separated (the `mail.from` address counts always).
    pub own_addresses: String,
    /// Bearer token of a mail gateway (an MTA piping mail to `POST /api/v1/mail`); empty: none.
    pub gateway_token: String,
    /// Send the sender an acknowledgement with the reference.
    pub acknowledge: bool,
    pub max_message_bytes: usize,
    pub max_parts: usize,
    pub max_depth: usize,
    pub max_attachment_bytes: usize,
    /// A Maildir folder to poll (new/ → cur/); empty: none.
    pub maildir: String,
    pub poll_seconds: u64,
    /// IMAP mailboxes to poll (only from a config file: `[[mailbox.imap]]`).
    pub imap: Vec<ImapAccount>,
    /// clamd to scan attachments with: a UNIX socket path or `host:port`; empty: no scanning.
    pub clamd_socket: String,
}

impl Default for MailboxSettings {
    fn default() -> Self {
        MailboxSettings {
            organisation: String::new(),
            own_addresses: String::new(),
            gateway_token: String::new(),
            acknowledge: true,
            max_message_bytes: 25 * 1024 * 1024,
            max_parts: 500,
            max_depth: 8,
            max_attachment_bytes: 10 * 1024 * 1024,
            maildir: String::new(),
            poll_seconds: 30,
            imap: vec![],
            clamd_socket: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImapAccount {
    pub name: String,
    pub host: String,
    pub port: u16,
    /// tls, starttls or none (none: only for 127.0.0.1 in tests)
    pub tls: String,
    pub user: String,
    /// The password, or empty to read it from the environment variable named in `password_env`.
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password_env: String,
    #[serde(default = "inbox")]
    pub folder: String,
    #[serde(default = "processed")]
    pub processed_folder: String,
    /// Organisation slug for this mailbox; empty: `mailbox.organisation`.
    #[serde(default)]
    pub organisation: String,
    /// A PEM file of certificates (e.g. an internal CA, or the server's own self-signed one) to
    /// trust for this server's TLS besides the system's roots; empty: the system's roots only.
    /// The host name is always checked.
    #[serde(default)]
    pub ca_file: String,
}

fn inbox() -> String {
    "INBOX".into()
}

fn processed() -> String {
    "Processed".into()
}

impl Settings {
    /// The domain of the sender address (`mail.from`), for Message-IDs and reply addresses.
    pub fn mail_domain(&self) -> String {
        self.mail
            .from
            .rsplit('@')
            .next()
            .map(|d| d.trim_end_matches('>').trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "meldpunt.invalid".into())
    }
}

impl Settings {
    /// Load the layered configuration from the process environment.
    pub fn load() -> anyhow::Result<Settings> {
        let file = std::env::var("MELDPUNT_CONFIG").ok();
        Self::load_from(file.as_deref(), true)
    }

    /// Defaults plus an optional file; `with_env` adds `MELDPUNT__*` variables on top.
    pub fn load_from(file: Option<&str>, with_env: bool) -> anyhow::Result<Settings> {
        let mut b = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(f) = file {
            b = b.add_source(config::File::with_name(f).required(true));
        }
        if with_env {
            b = b.add_source(
                config::Environment::with_prefix("MELDPUNT")
                    .prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("clock.escalation_hours")
                    .with_list_parse_key("server.trusted_proxies")
                    .try_parsing(true),
            );
        }
        Ok(b.build()?.try_deserialize()?)
    }

    /// The address people use, for links in e-mails: `server.public_url`, or else the bound address.
    pub fn public_url_or(&self, bound: &str) -> String {
        let u = self.server.public_url.trim();
        if u.is_empty() {
            format!("http://{bound}")
        } else {
            u.trim_end_matches('/').to_string()
        }
    }

    pub fn cookie_secure(&self) -> bool {
        match self.security.cookie_secure.as_str() {
            "true" | "yes" => true,
            "false" | "no" => false,
            _ => self.server.public_url.starts_with("https://"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse() {
        let s = Settings::load_from(None, false).unwrap();
        assert!(s.database.url.starts_with("sqlite://"));
        assert_eq!(s.clock.escalation_hours, vec![24, 6, 0]);
        assert!(!s.cookie_secure());
    }
}

//! IMAP polling (see `run`).
pub async fn run(
    _pool: crate::db::DbPool,
    _settings: crate::config::Settings,
    _account: crate::config::ImapAccount,
    _every: std::time::Duration,
    _stop: tokio::sync::watch::Receiver<bool>,
) {
}

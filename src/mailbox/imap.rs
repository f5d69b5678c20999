//! IMAP polling: every message in the configured folder is fetched (without setting \Seen),
//! stored — a batch of messages in one transaction, a savepoint each — and only after that commit
//! moved to the processed folder (`UID MOVE`; servers without MOVE: copy, flag
//! \Deleted and expunge). Only a message that is stored is moved, so a crash in between means it
//! is fetched again — harmless, as the same Message-ID and content are a duplicate. Several
//! instances may poll the same mailbox: both may fetch a message, one stores it, the other finds a
//! duplicate, and the second move finds nothing left to move.
//!
//! A lost connection or a restarted server ends the poll with an error; the worker reconnects
//! with exponential backoff (1 s doubling to 5 min) and goes on.
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::service::{self, Context, Ingested};
use crate::config::{ImapAccount, Settings};
use crate::db::DbPool;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Messages taken per poll; the rest wait for the next. They are stored in batches of
/// [`super::cli::BATCH_MESSAGES`] in one transaction each.
const BATCH: usize = 200;

fn password(a: &ImapAccount) -> anyhow::Result<String> {
    if !a.password.is_empty() {
        return Ok(a.password.clone());
    }
    if !a.password_env.is_empty() {
        return std::env::var(&a.password_env)
            .map_err(|_| anyhow::anyhow!("imap {}: {} is not set", a.name, a.password_env));
    }
    anyhow::bail!(
        "imap {}: no password (set password or password_env)",
        a.name
    )
}

async fn timed<T, F: std::future::Future<Output = T>>(what: &str, f: F) -> anyhow::Result<T> {
    tokio::time::timeout(COMMAND_TIMEOUT, f)
        .await
        .map_err(|_| anyhow::anyhow!("imap: {what} timed out"))
}

/// TLS to the server, checked against the system's roots and the account's `ca_file`.
async fn tls(
    account: &ImapAccount,
    tcp: TcpStream,
) -> anyhow::Result<tokio_native_tls::TlsStream<TcpStream>> {
    use tokio_native_tls::native_tls;
    let mut b = native_tls::TlsConnector::builder();
    let ca = account.ca_file.trim();
    if !ca.is_empty() {
        let pem = std::fs::read(ca)
            .map_err(|e| anyhow::anyhow!("imap {}: ca_file {ca}: {e}", account.name))?;
        let certs = native_tls::Certificate::stack_from_pem(&pem)
            .map_err(|e| anyhow::anyhow!("imap {}: ca_file {ca}: {e}", account.name))?;
        if certs.is_empty() {
            anyhow::bail!("imap {}: ca_file {ca}: no certificate in it", account.name);
        }
        for c in certs {
            b.add_root_certificate(c);
        }
    }
    let c = b.build()?;
    tokio_native_tls::TlsConnector::from(c)
        .connect(&account.host, tcp)
        .await
        .map_err(|e| anyhow::anyhow!("imap {}: TLS: {e}", account.name))
}

/// Connect, log in and poll once; returns what became of each message taken.
pub async fn poll_once(
    pool: &DbPool,
    account: &ImapAccount,
    ctx: &Context,
    max_bytes: usize,
) -> anyhow::Result<Vec<Ingested>> {
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((account.host.as_str(), account.port)),
    )
    .await
    .map_err(|_| anyhow::anyhow!("imap {}: connect timed out", account.name))??;
    let pw = password(account)?;
    match account.tls.as_str() {
        "none" => {
            let mut c = Client::new(tcp);
            greeting(&mut c).await?;
            session(c, account, &pw, pool, ctx, max_bytes).await
        }
        "starttls" => {
            let mut c = Client::new(tcp);
            greeting(&mut c).await?;
            timed("STARTTLS", c.run_command_and_check_ok("STARTTLS", None)).await??;
            let s = tls(account, c.into_inner()).await?;
            session(Client::new(s), account, &pw, pool, ctx, max_bytes).await
        }
        _ => {
            let s = tls(account, tcp).await?;
            let mut c = Client::new(s);
            greeting(&mut c).await?;
            session(c, account, &pw, pool, ctx, max_bytes).await
        }
    }
}

async fn greeting<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    c: &mut Client<T>,
) -> anyhow::Result<()> {
    timed("greeting", c.read_response())
        .await??
        .ok_or_else(|| anyhow::anyhow!("imap: connection closed before the greeting"))?;
    Ok(())
}

async fn session<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    c: Client<T>,
    account: &ImapAccount,
    pw: &str,
    pool: &DbPool,
    ctx: &Context,
    max_bytes: usize,
) -> anyhow::Result<Vec<Ingested>> {
    let mut s = timed("login", c.login(&account.user, pw))
        .await?
        .map_err(|(e, _)| anyhow::anyhow!("imap {}: login failed: {e}", account.name))?;
    let res = take_messages(&mut s, account, pool, ctx, max_bytes).await;
    let _ = timed("logout", s.logout()).await;
    res
}

async fn take_messages<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    s: &mut Session<T>,
    account: &ImapAccount,
    pool: &DbPool,
    ctx: &Context,
    max_bytes: usize,
) -> anyhow::Result<Vec<Ingested>> {
    // Exists already (or cannot be made: then the move below says so).
    let _ = timed("CREATE", s.create(&account.processed_folder)).await;
    timed("SELECT", s.select(&account.folder)).await??;
    let mut uids: Vec<u32> = timed("SEARCH", s.uid_search("NOT DELETED"))
        .await??
        .into_iter()
        .collect();
    uids.sort_unstable();
    uids.truncate(BATCH);
    let has_move = timed("CAPABILITY", s.capabilities())
        .await??
        .has_str("MOVE");
    let mut out = vec![];
    // Fetched messages: (uid, raw, size when only the header was taken).
    let mut pending: Vec<(String, Vec<u8>, Option<usize>)> = vec![];
    let mut pending_bytes = 0usize;
    for (i, uid) in uids.iter().enumerate() {
        let set = uid.to_string();
        // The size first: a message far over the limit is not downloaded whole.
        let sizes: Vec<_> = timed("FETCH size", async {
            s.uid_fetch(&set, "(UID RFC822.SIZE)")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await??;
        let size = sizes.iter().find_map(|f| f.size).unwrap_or(0) as usize;
        let too_big = size > max_bytes.saturating_mul(2);
        let query = if too_big {
            "(UID BODY.PEEK[HEADER])"
        } else {
            "(UID BODY.PEEK[])"
        };
        let fetched: Vec<_> = timed("FETCH body", async {
            s.uid_fetch(&set, query)
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await??;
        // None: gone meanwhile (another instance moved it).
        if let Some(raw) = fetched
            .iter()
            .find_map(|f| f.body().or_else(|| f.header()).map(|b| b.to_vec()))
        {
            pending_bytes += raw.len();
            pending.push((set, raw, too_big.then_some(size)));
        }
        let last = i + 1 == uids.len();
        if !pending.is_empty()
            && (last
                || pending.len() >= super::cli::BATCH_MESSAGES
                || pending_bytes >= super::cli::BATCH_BYTES)
        {
            store_and_move(
                s,
                account,
                pool,
                ctx,
                std::mem::take(&mut pending),
                has_move,
                &mut out,
            )
            .await?;
            pending_bytes = 0;
        }
    }
    Ok(out)
}

/// What became of each message of a batch (`Err`: not stored at all).
type Stored = Vec<Result<Ingested, String>>;

/// Store fetched messages in one transaction, and only after its commit move each stored one to
/// the processed folder. A message that could not be stored at all stays in the inbox.
async fn store_and_move<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    s: &mut Session<T>,
    account: &ImapAccount,
    pool: &DbPool,
    ctx: &Context,
    batch: Vec<(String, Vec<u8>, Option<usize>)>,
    has_move: bool,
    out: &mut Vec<Ingested>,
) -> anyhow::Result<()> {
    let (pool2, ctx2) = (pool.clone(), ctx.clone());
    let (sets, results) = tokio::task::spawn_blocking(
        move || -> anyhow::Result<(Vec<String>, Stored)> {
            let mut c = pool2.get()?;
            let mut sets = vec![];
            let mut results = vec![];
            let mut whole = vec![];
            for (set, raw, header_only) in &batch {
                match header_only {
                    Some(size) => {
                        let r = service::quarantine_after_error(
                            &mut c,
                            raw,
                            &ctx2,
                            &format!(
                                "message of {size} bytes on the IMAP server: only its header was fetched"
                            ),
                        )?;
                        sets.push(set.clone());
                        results.push(Ok(r));
                    }
                    None => whole.push((set.clone(), raw.as_slice())),
                }
            }
            let raws: Vec<&[u8]> = whole.iter().map(|(_, r)| *r).collect();
            if !raws.is_empty() {
                // Committed when this returns Ok; Err: nothing stored, nothing moved.
                let stored = service::ingest_batch(&mut c, &raws, &ctx2)?;
                sets.extend(whole.iter().map(|(set, _)| set.clone()));
                results.extend(stored);
            }
            Ok((sets, results))
        },
    )
    .await??;
    for (set, r) in sets.iter().zip(results) {
        match r {
            Ok(i) => {
                move_processed(s, set, &account.processed_folder, has_move).await?;
                out.push(i);
            }
            Err(e) => {
                tracing::warn!(account = %account.name, error = %e, "imap: message not stored; left in the inbox")
            }
        }
    }
    Ok(())
}

async fn move_processed<T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send>(
    s: &mut Session<T>,
    set: &str,
    folder: &str,
    has_move: bool,
) -> anyhow::Result<()> {
    // Another instance may have moved it meanwhile: look again (this narrows, not closes, the
    // window in which two instances both move it; a second copy in the processed folder is the
    // only effect, as the database stores the message once).
    timed("NOOP", s.noop()).await??;
    let still = timed("SEARCH", s.uid_search(format!("UID {set}"))).await??;
    if still.is_empty() {
        return Ok(());
    }
    if has_move {
        // An error here means another instance moved it first: nothing left to do.
        if let Err(e) = timed("MOVE", s.uid_mv(set, folder)).await? {
            tracing::debug!(error = %e, "imap: MOVE found nothing to move");
        }
        return Ok(());
    }
    timed("COPY", s.uid_copy(set, folder)).await??;
    timed("STORE", async {
        s.uid_store(set, "+FLAGS.SILENT (\\Seen \\Deleted)")
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await??;
    timed("EXPUNGE", async {
        s.expunge().await?.try_collect::<Vec<_>>().await
    })
    .await??;
    Ok(())
}

/// Poll one account every `every` until `stop`; reconnect with backoff after errors.
pub async fn run(
    pool: DbPool,
    settings: Settings,
    account: ImapAccount,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let slug = if account.organisation.is_empty() {
        settings.mailbox.organisation.clone()
    } else {
        account.organisation.clone()
    };
    let p = pool.clone();
    let org =
        match tokio::task::spawn_blocking(move || super::store::organisation_id(&p, &slug)).await {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => {
                tracing::error!(account = %account.name, error = %e, "imap worker not started");
                return;
            }
            Err(_) => return,
        };
    let ctx = Context::from_settings(&settings, org, &format!("imap:{}", account.name));
    let max = settings.mailbox.max_message_bytes;
    let mut backoff = Duration::from_secs(1);
    loop {
        let wait = match poll_once(&pool, &account, &ctx, max).await {
            Ok(done) => {
                backoff = Duration::from_secs(1);
                crate::monitoring::mailbox_polled(&account.name);
                for i in &done {
                    tracing::info!(account = %account.name, outcome = %crate::assessment::detect::mask(&i.outcome.to_string()), "imap: message taken in");
                }
                every
            }
            Err(e) => {
                tracing::warn!(account = %account.name, error = %e, retry_in = ?backoff, "imap: poll failed; reconnecting later");
                let w = backoff;
                backoff = (backoff * 2).min(Duration::from_secs(300));
                w
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

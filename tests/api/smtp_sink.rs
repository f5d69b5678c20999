//! A small, real SMTP server for tests: plain TCP on 127.0.0.1 (no TLS), enough SMTP for lettre's
//! client, and a few controls to make delivery stall or fail.
//!
//! Messages are counted when their DATA terminator (`<CRLF>.<CRLF>`) arrives, over all connections,
//! starting at 1. For each such message the sink decides, in this order:
//! 1. it is the message named by [`SmtpSink::stall_on`]: no answer; the connection is held open until
//!    [`SmtpSink::release`], then closed. The message is not accepted and not recorded as accepted.
//! 2. [`SmtpSink::fail_next`] still has failures left: `451 4.3.0 try again later` (recorded in
//!    [`SmtpSink::refused`]).
//! 3. otherwise: `250 2.0.0 Ok: queued as <n>`, recorded in [`SmtpSink::accepted`].
//!
//! With [`SmtpSink::delay_replies`] every answer to a DATA terminator (2. and 3.) comes late.
//!
//! Recipients named with [`SmtpSink::reject_recipient`] are refused at `RCPT TO` with
//! `550 5.1.1 no such user` (also recorded in [`SmtpSink::refused`]); such a message never reaches DATA.
//!
//! Dropping the sink stops it: the accept loop is aborted, and with it every connection task.
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

pub const TEMP_FAILURE: &str = "451 4.3.0 try again later";
pub const NO_SUCH_USER: &str = "550 5.1.1 no such user";

/// A message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The Message-ID header as sent, with its angle brackets (`<…@…>`).
    pub message_id: Option<String>,
    pub mail_from: String,
    pub rcpt: Vec<String>,
    /// The message as received (dot-stuffing undone).
    pub data: String,
}

/// A message (or a recipient of one) the sink refused.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Known when refused after DATA; `None` when refused at `RCPT TO`.
    pub message_id: Option<String>,
    pub rcpt: Vec<String>,
    pub reply: String,
}

#[derive(Default)]
struct State {
    accepted: Vec<Received>,
    refused: Vec<Refused>,
    /// DATA terminators seen so far (all outcomes).
    messages_seen: u64,
    stall_on: Option<u64>,
    /// Connections currently held unanswered.
    held: usize,
    fail_next: u32,
    /// Wait this long before answering a message's DATA terminator.
    reply_delay: std::time::Duration,
    reject: HashSet<String>,
    connections: u64,
}

struct Inner {
    state: Mutex<State>,
    /// Bumped by `release`; held connections wait for a change.
    release: watch::Sender<u64>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection task must not take the whole sink down with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct SmtpSink {
    port: u16,
    inner: Arc<Inner>,
    accept_loop: JoinHandle<()>,
}

impl SmtpSink {
    /// Listen on 127.0.0.1 on a free port and serve until dropped.
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// Listen on a given port of 127.0.0.1 (0: any free one): a server that comes up where clients
    /// already try to connect.
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("smtp sink: bind 127.0.0.1");
        let port = listener.local_addr().expect("smtp sink: local addr").port();
        let (release, _) = watch::channel(0u64);
        let inner = Arc::new(Inner {
            state: Mutex::new(State::default()),
            release,
        });
        let shared = inner.clone();
        let accept_loop = tokio::spawn(async move {
            // Owned here, so aborting this task (on drop) aborts every connection task too.
            let mut conns = JoinSet::new();
            loop {
                tokio::select! {
                    res = listener.accept() => match res {
                        Ok((stream, _)) => {
                            shared.lock().connections += 1;
                            conns.spawn(serve(shared.clone(), stream));
                        }
                        Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
                    },
                    Some(_) = conns.join_next(), if !conns.is_empty() => {}
                }
            }
        });
        SmtpSink {
            port,
            inner,
            accept_loop,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Hold the `n`-th message (counted over the sink's whole life, from 1) unanswered.
    pub fn stall_on(&self, n: u64) {
        self.inner.lock().stall_on = Some(n);
    }

    /// End stall mode: a pending `stall_on` is dropped, held connections are closed unanswered
    /// (their messages stay unaccepted), and later messages are treated normally.
    pub fn release(&self) {
        let mut st = self.inner.lock();
        st.stall_on = None;
        self.inner.release.send_modify(|g| *g += 1);
    }

    /// The next `k` messages get a temporary failure (451) after DATA.
    pub fn fail_next(&self, k: u32) {
        self.inner.lock().fail_next = k;
    }

    /// Answer every message (after DATA) only after `d`: a slow server.
    pub fn delay_replies(&self, d: std::time::Duration) {
        self.inner.lock().reply_delay = d;
    }

    /// Refuse this recipient at `RCPT TO` with a permanent failure (550).
    pub fn reject_recipient(&self, addr: &str) {
        self.inner.lock().reject.insert(addr.to_ascii_lowercase());
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.inner.lock().accepted.clone()
    }

    pub fn accepted_count(&self) -> usize {
        self.inner.lock().accepted.len()
    }

    pub fn refused(&self) -> Vec<Refused> {
        self.inner.lock().refused.clone()
    }

    /// Connections currently held by a stall.
    pub fn held(&self) -> usize {
        self.inner.lock().held
    }

    /// One line for failure messages.
    pub fn summary(&self) -> String {
        let st = self.inner.lock();
        format!(
            "smtp sink: {} accepted, {} refused, {} messages seen, {} held, {} connections",
            st.accepted.len(),
            st.refused.len(),
            st.messages_seen,
            st.held,
            st.connections
        )
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// The address inside `<…>` of a MAIL FROM / RCPT TO argument, without parameters.
fn path_arg(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => arg[a + 1..b].trim().to_string(),
        _ => arg.split_whitespace().next().unwrap_or("").to_string(),
    }
}

/// The Message-ID header of a message (headers unfolded), if any.
fn message_id(data: &str) -> Option<String> {
    let mut headers: Vec<String> = vec![];
    for line in data.split("\r\n") {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.push_str(line);
            }
        } else {
            headers.push(line.to_string());
        }
    }
    headers.iter().find_map(|h| {
        let (name, value) = h.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("message-id")
            .then(|| value.trim().to_string())
    })
}

async fn serve(inner: Arc<Inner>, stream: TcpStream) {
    // Any I/O error just ends the connection; a client that went away is no test failure.
    let _ = session(inner, stream).await;
}

async fn session(inner: Arc<Inner>, stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP meldpunt test sink\r\n")
        .await?;
    let mut mail_from = String::new();
    let mut rcpt: Vec<String> = vec![];
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf).into_owned();
        let line = line.trim_end_matches(['\r', '\n']);
        let verb = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let upper = line.to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" => "250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8".into(),
            "HELO" => "250 sink.test".into(),
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                // A new transaction; lenient about a previous one left open.
                mail_from = path_arg(&line["MAIL FROM:".len()..]);
                rcpt.clear();
                "250 2.1.0 Ok".into()
            }
            "RCPT" if upper.starts_with("RCPT TO:") => {
                let to = path_arg(&line["RCPT TO:".len()..]);
                let mut st = inner.lock();
                if st.reject.contains(&to.to_ascii_lowercase()) {
                    st.refused.push(Refused {
                        message_id: None,
                        rcpt: vec![to],
                        reply: NO_SUCH_USER.into(),
                    });
                    NO_SUCH_USER.into()
                } else {
                    rcpt.push(to);
                    "250 2.1.5 Ok".into()
                }
            }
            "DATA" if rcpt.is_empty() => "503 5.5.1 no valid recipients".into(),
            "DATA" => {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    buf.clear();
                    if r.read_until(b'\n', &mut buf).await? == 0 {
                        return Ok(()); // client gone mid-message: nothing accepted
                    }
                    if buf == b".\r\n" || buf == b".\n" {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf);
                    data.push_str(text.strip_prefix('.').unwrap_or(&text));
                }
                let mid = message_id(&data);
                let rcpts = std::mem::take(&mut rcpt);
                let from = std::mem::take(&mut mail_from);
                let outcome = {
                    let mut st = inner.lock();
                    st.messages_seen += 1;
                    if st.stall_on == Some(st.messages_seen) {
                        st.stall_on = None;
                        st.held += 1;
                        Err(inner.release.subscribe())
                    } else if st.fail_next > 0 {
                        st.fail_next -= 1;
                        st.refused.push(Refused {
                            message_id: mid,
                            rcpt: rcpts,
                            reply: TEMP_FAILURE.into(),
                        });
                        Ok(TEMP_FAILURE.to_string())
                    } else {
                        let queue_id = st.accepted.len() as u64 + 1;
                        st.accepted.push(Received {
                            message_id: mid,
                            mail_from: from,
                            rcpt: rcpts,
                            data,
                        });
                        Ok(format!("250 2.0.0 Ok: queued as {queue_id}"))
                    }
                };
                match outcome {
                    Ok(reply) => {
                        let delay = inner.lock().reply_delay;
                        tokio::time::sleep(delay).await;
                        reply
                    }
                    Err(mut released) => {
                        // Hold the connection, unanswered, until released (or the sink is dropped);
                        // then close it. The message stays unaccepted.
                        let _ = released.changed().await;
                        inner.lock().held -= 1;
                        return Ok(());
                    }
                }
            }
            "RSET" => {
                mail_from.clear();
                rcpt.clear();
                "250 2.0.0 Ok".into()
            }
            "NOOP" => "250 2.0.0 Ok".into(),
            "QUIT" => {
                w.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 5.5.2 command not recognised".into(),
        };
        // One write per reply: a reply split over two small segments waits on delayed ACKs.
        w.write_all(format!("{reply}\r\n").as_bytes()).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::message_id;

    #[test]
    fn finds_a_folded_message_id() {
        let data =
            "From: a@b\r\nMessage-ID:\r\n <x@y>\r\nSubject: s\r\n\r\nMessage-ID: <not@this>\r\n";
        assert_eq!(message_id(data).as_deref(), Some("<x@y>"));
    }
}

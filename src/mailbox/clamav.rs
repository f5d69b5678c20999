//! A small clamd client (ClamAV's daemon, Debian's `clamav-daemon`) for scanning attachments,
//! over its UNIX socket or TCP, with the INSTREAM command:
//!
//! `zINSTREAM\0`, then the data in chunks each preceded by its length (4 bytes, big-endian), then a
//! zero length; clamd answers `stream: OK\0`, `stream: <signature> FOUND\0` or `… ERROR\0`.
//!
//! No actix or diesel here; plain blocking I/O with timeouts (called from the mailbox's blocking
//! workers, before the database transaction).
use std::io::{Read, Write};
use std::time::Duration;

/// Where clamd listens: `/path/to/clamd.ctl` (UNIX socket), `unix:/path`, or `host:port`
/// (`tcp:host:port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Unix(String),
    Tcp(String),
}

impl Target {
    /// From the configuration value; empty: no scanning.
    pub fn parse(s: &str) -> Option<Target> {
        let s = s.trim();
        if s.is_empty() {
            None
        } else if let Some(p) = s.strip_prefix("unix:") {
            Some(Target::Unix(p.to_string()))
        } else if let Some(a) = s.strip_prefix("tcp:") {
            Some(Target::Tcp(a.to_string()))
        } else if s.starts_with('/') || s.starts_with('.') {
            Some(Target::Unix(s.to_string()))
        } else {
            Some(Target::Tcp(s.to_string()))
        }
    }
}

/// What clamd said of one attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature's name.
    Infected(String),
}

const CHUNK: usize = 64 * 1024;
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to clamd, over its UNIX socket or TCP.
enum Conn {
    Unix(std::os::unix::net::UnixStream),
    Tcp(std::net::TcpStream),
}

impl Read for Conn {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Unix(s) => s.read(b),
            Conn::Tcp(s) => s.read(b),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Unix(s) => s.write(b),
            Conn::Tcp(s) => s.write(b),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Unix(s) => s.flush(),
            Conn::Tcp(s) => s.flush(),
        }
    }
}

fn connect(target: &Target, timeout: Duration) -> Result<Conn, String> {
    match target {
        Target::Unix(path) => {
            let s = std::os::unix::net::UnixStream::connect(path)
                .map_err(|e| format!("clamd at {path}: {e}"))?;
            s.set_read_timeout(Some(timeout))
                .map_err(|e| e.to_string())?;
            s.set_write_timeout(Some(timeout))
                .map_err(|e| e.to_string())?;
            Ok(Conn::Unix(s))
        }
        Target::Tcp(addr) => {
            use std::net::ToSocketAddrs;
            let sa = addr
                .to_socket_addrs()
                .map_err(|e| format!("clamd at {addr}: {e}"))?
                .next()
                .ok_or_else(|| format!("clamd at {addr}: no address"))?;
            let s = std::net::TcpStream::connect_timeout(&sa, timeout)
                .map_err(|e| format!("clamd at {addr}: {e}"))?;
            s.set_read_timeout(Some(timeout))
                .map_err(|e| e.to_string())?;
            s.set_write_timeout(Some(timeout))
                .map_err(|e| e.to_string())?;
            Ok(Conn::Tcp(s))
        }
    }
}

/// Scan `data`; `Err` when clamd could not be asked or answered with an error (the caller keeps
/// the message and marks the attachment "not scanned").
pub fn scan(target: &Target, data: &[u8], timeout: Duration) -> Result<Verdict, String> {
    instream(connect(target, timeout)?, data)
}

/// Is clamd there and answering (`zPING` → `PONG`)? Tells "clamd is down" apart from "clamd
/// refused this file" after a failed [`scan`].
pub fn ping(target: &Target, timeout: Duration) -> Result<(), String> {
    let mut s = connect(target, timeout)?;
    let io = |e: std::io::Error| format!("clamd: {e}");
    s.write_all(b"zPING\0").map_err(io)?;
    s.flush().map_err(io)?;
    let mut pong = [0u8; 5];
    s.read_exact(&mut pong).map_err(io)?;
    if &pong[..4] == b"PONG" {
        Ok(())
    } else {
        Err(format!(
            "clamd: unexpected answer to PING: {}",
            String::from_utf8_lossy(&pong)
        ))
    }
}

fn instream<S: Read + Write>(mut s: S, data: &[u8]) -> Result<Verdict, String> {
    let io = |e: std::io::Error| format!("clamd: {e}");
    s.write_all(b"zINSTREAM\0").map_err(io)?;
    for chunk in data.chunks(CHUNK) {
        s.write_all(&(chunk.len() as u32).to_be_bytes())
            .map_err(io)?;
        s.write_all(chunk).map_err(io)?;
    }
    s.write_all(&0u32.to_be_bytes()).map_err(io)?;
    s.flush().map_err(io)?;
    let mut reply = Vec::with_capacity(64);
    let mut buf = [0u8; 256];
    loop {
        let n = s.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
        if reply.contains(&0) || reply.len() > 4096 {
            break;
        }
    }
    verdict(&reply)
}

/// Read clamd's answer (`stream: OK`, `stream: Name FOUND`, `… ERROR`), NUL- or newline-ended.
pub fn verdict(reply: &[u8]) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(reply);
    let text = text.trim_end_matches(['\0', '\n', '\r']).trim();
    let body = text.strip_prefix("stream:").unwrap_or(text).trim();
    if body == "OK" {
        Ok(Verdict::Clean)
    } else if let Some(name) = body.strip_suffix(" FOUND") {
        let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
        Ok(Verdict::Infected(name.trim().to_string()))
    } else if text.is_empty() {
        Err("clamd: no answer".into())
    } else {
        Err(format!(
            "clamd: {}",
            text.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("/run/clamav/clamd.ctl"),
            Some(Target::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            Target::parse("unix:x.sock"),
            Some(Target::Unix("x.sock".into()))
        );
        assert_eq!(
            Target::parse("127.0.0.1:3310"),
            Some(Target::Tcp("127.0.0.1:3310".into()))
        );
        assert_eq!(Target::parse("  "), None);
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(b"stream: OK\0"), Ok(Verdict::Clean));
        assert_eq!(
            verdict(b"stream: Meldpunt.Test.Marker.UNOFFICIAL FOUND\0"),
            Ok(Verdict::Infected("Meldpunt.Test.Marker.UNOFFICIAL".into()))
        );
        assert!(verdict(b"INSTREAM size limit exceeded. ERROR\0").is_err());
        assert!(verdict(b"").is_err());
    }

    /// The wire format, against an in-memory stream.
    #[test]
    fn instream_frames_the_data() {
        struct Fake {
            written: Vec<u8>,
            answer: std::io::Cursor<Vec<u8>>,
        }
        impl Read for Fake {
            fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                self.answer.read(b)
            }
        }
        impl Write for Fake {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.written.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut f = Fake {
            written: vec![],
            answer: std::io::Cursor::new(b"stream: OK\0".to_vec()),
        };
        let data = vec![7u8; CHUNK + 10];
        assert_eq!(instream(&mut f, &data), Ok(Verdict::Clean));
        let w = &f.written;
        assert!(w.starts_with(b"zINSTREAM\0"));
        let first = u32::from_be_bytes(w[10..14].try_into().unwrap()) as usize;
        assert_eq!(first, CHUNK);
        let second_at = 14 + CHUNK;
        let second = u32::from_be_bytes(w[second_at..second_at + 4].try_into().unwrap());
        assert_eq!(second, 10);
        assert!(w.ends_with(&[0, 0, 0, 0]));
        assert_eq!(w.len(), 10 + 4 + CHUNK + 4 + 10 + 4);
    }
}

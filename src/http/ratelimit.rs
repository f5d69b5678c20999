//! Rate limits for every anonymous or credential endpoint, per client address and per account
//! (a clear page or a problem+json 429 with `Retry-After` when exceeded). One set of limiters per
//! running instance.
//!
//! The client's address is the connection's peer, unless that peer is one of the configured
//! trusted proxies (`server.trusted_proxies`): then the nearest address in `X-Forwarded-For` that
//! is not itself a trusted proxy. `X-Forwarded-For` from anyone else is ignored, so a client cannot
//! choose its own address.
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitSettings;
use crate::error::ApiError;

pub struct Limiters {
    /// Reports and follow-up additions, from the form and the API.
    pub submissions: DefaultKeyedRateLimiter<IpAddr>,
    /// Login tries from one address (API and page), across accounts (password spraying).
    pub logins: DefaultKeyedRateLimiter<IpAddr>,
    /// Login tries for one account (by its address, hashed), from any client address.
    pub account_logins: DefaultKeyedRateLimiter<u64>,
    /// Other secrets tried from one address: follow-up links and tokens, the setup code.
    pub credentials: DefaultKeyedRateLimiter<IpAddr>,
    trusted: Vec<Cidr>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

/// Keyed limiters keep a state per key: beyond this many keys the ones back at full quota go.
const MAX_KEYS: usize = 100_000;

impl Limiters {
    pub fn new(l: &LimitSettings, trusted_proxies: &[String]) -> anyhow::Result<Limiters> {
        let trusted = trusted_proxies
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| {
                Cidr::parse(s).ok_or_else(|| {
                    anyhow::anyhow!("server.trusted_proxies: not an address or network: {s}")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Limiters {
            submissions: RateLimiter::keyed(quota(l.submissions_per_minute)),
            logins: RateLimiter::keyed(quota(l.logins_per_minute)),
            account_logins: RateLimiter::keyed(quota(l.logins_per_account_per_minute)),
            credentials: RateLimiter::keyed(quota(l.credentials_per_minute)),
            trusted,
        })
    }

    /// The client's address (see the module's documentation).
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|h| h.split(','))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        let mut client = peer;
        // From the nearest hop outwards: each trusted proxy vouches for the next one.
        for hop in hops.iter().rev() {
            match parse_hop(hop) {
                Some(ip) => {
                    client = ip;
                    if !self.is_trusted(ip) {
                        break;
                    }
                }
                // Garbage: nothing further out can be believed.
                None => break,
            }
        }
        client
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|c| c.contains(ip))
    }
}

impl Default for Limiters {
    fn default() -> Self {
        Limiters::new(
            &LimitSettings {
                json_body_bytes: 262_144,
                description_chars: 10_000,
                submissions_per_minute: 10,
                logins_per_minute: 20,
                logins_per_account_per_minute: 10,
                credentials_per_minute: 30,
                ack_recipient_minutes: 60,
                acks_per_hour: 200,
            },
            &[],
        )
        .expect("no proxies")
    }
}

/// `Ok` when allowed, else the seconds to wait.
pub fn check<K: Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: K,
) -> Result<(), u64> {
    if limiter.len() > MAX_KEYS {
        limiter.retain_recent();
    }
    limiter.check_key(&key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        wait.as_secs().max(1)
    })
}

/// The key of an account in [`Limiters::account_logins`]: its address as the login form would
/// normalise it, hashed (the limiter keeps no addresses).
pub fn account_key(email: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    email.trim().to_lowercase().hash(&mut h);
    h.finish()
}

/// The API's 429 for a limit: a problem+json with `Retry-After`.
pub fn too_many(wait: u64) -> ApiError {
    ApiError::TooManyRequests {
        detail: "too many requests from here; wait before trying again".into(),
        retry_after: wait as i64,
    }
}

pub use super::{client_ip, limit_api};

/// One entry of `X-Forwarded-For`: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sa) = s.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|r| r.parse().ok())
}

/// An address or a network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy)]
struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = bits.unwrap_or(max);
        (bits <= max).then_some(Cidr { net, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - self.bits as u32).unwrap_or(0);
                (u32::from(n) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - self.bits as u32).unwrap_or(0);
                (u128::from(n) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(n: u32) -> LimitSettings {
        LimitSettings {
            json_body_bytes: 1,
            description_chars: 1,
            submissions_per_minute: n,
            logins_per_minute: n,
            logins_per_account_per_minute: n,
            credentials_per_minute: n,
            ack_recipient_minutes: 60,
            acks_per_hour: 200,
        }
    }

    #[test]
    fn a_burst_beyond_the_quota_must_wait() {
        let l = Limiters::new(&limits(3), &[]).unwrap();
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            assert!(check(&l.submissions, ip).is_ok());
        }
        let wait = check(&l.submissions, ip).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Another address is not affected.
        assert!(check(&l.submissions, IpAddr::from([10, 0, 0, 2])).is_ok());
        // Accounts are counted apart from addresses.
        for _ in 0..3 {
            assert!(check(&l.account_logins, account_key("Fg@Oost.nl")).is_ok());
        }
        assert!(check(&l.account_logins, account_key(" fg@oost.nl")).is_err());
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let l = Limiters::new(&limits(3), &["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        // Not from a trusted proxy: the header is ignored.
        assert_eq!(l.client_ip(stranger, &["198.51.100.1"]), stranger);
        // From a trusted proxy: the nearest untrusted hop, not what the client put first.
        assert_eq!(
            l.client_ip(proxy, &["1.1.1.1, 198.51.100.7, 10.9.9.9"]),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            l.client_ip(proxy, &["1.1.1.1", "198.51.100.8"]),
            "198.51.100.8".parse::<IpAddr>().unwrap()
        );
        // Garbage nearest: no further hop is believed, the proxy stands for the client.
        assert_eq!(l.client_ip(proxy, &["1.1.1.1, garbage"]), proxy);
        assert_eq!(l.client_ip(proxy, &[]), proxy);
        assert_eq!(
            l.client_ip("::1".parse().unwrap(), &["[2001:db8::1]:443"]),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        assert!(Limiters::new(&limits(1), &["not-an-address".into()]).is_err());
    }
}

//! Rate limits per client address for public submissions and logins (a clear page with
//! `Retry-After` when exceeded). One limiter per running instance.
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct Limiters {
    pub submissions: DefaultKeyedRateLimiter<IpAddr>,
    pub logins: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl Limiters {
    pub fn new(submissions_per_minute: u32, logins_per_minute: u32) -> Limiters {
        Limiters {
            submissions: RateLimiter::keyed(quota(submissions_per_minute)),
            logins: RateLimiter::keyed(quota(logins_per_minute)),
        }
    }
}

impl Default for Limiters {
    fn default() -> Self {
        Limiters::new(10, 20)
    }
}

/// `Ok` when allowed, else the seconds to wait.
pub fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: IpAddr) -> Result<(), u64> {
    limiter.check_key(&ip).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        wait.as_secs().max(1)
    })
}

/// The client's address as seen by this server (a proxy in front must be trusted explicitly; we
/// do not read X-Forwarded-For).
pub fn client_ip(req: &actix_web::HttpRequest) -> IpAddr {
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_beyond_the_quota_must_wait() {
        let l = Limiters::new(3, 3);
        let ip = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..3 {
            assert!(check(&l.submissions, ip).is_ok());
        }
        let wait = check(&l.submissions, ip).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Another address is not affected.
        assert!(check(&l.submissions, IpAddr::from([10, 0, 0, 2])).is_ok());
    }
}

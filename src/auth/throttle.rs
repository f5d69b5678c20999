//! Failed-login throttling: after a few failures each next try must wait (doubling), and after
//! many the account is locked for a while. Pure: the caller passes the counters and `now`.
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub slow_down_after: i32,
    pub lock_after: i32,
    pub lock_minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    Open,
    /// Try again in this many seconds.
    Wait(i64),
    /// Locked until then.
    Locked(DateTime<Utc>),
}

/// May a login be tried now?
pub fn gate(
    p: &Policy,
    failed: i32,
    last_failed_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Gate {
    if let Some(until) = locked_until {
        if until > now {
            return Gate::Locked(until);
        }
    }
    if failed >= p.slow_down_after && failed < p.lock_after {
        if let Some(last) = last_failed_at {
            let wait = delay_after(p, failed);
            let ready = last + wait;
            if ready > now {
                return Gate::Wait(((ready - now).num_milliseconds() + 999) / 1000);
            }
        }
    }
    Gate::Open
}

/// The wait imposed after `failed` failures in a row: 1 s, 2 s, 4 s … capped at 60 s.
pub fn delay_after(p: &Policy, failed: i32) -> Duration {
    if failed < p.slow_down_after {
        return Duration::zero();
    }
    let exp = (failed - p.slow_down_after).min(6) as u32;
    Duration::seconds(2_i64.pow(exp).min(60))
}

/// The counters as they stand now: a lock (set, or implied by a count that reached the threshold
/// while its last try is still being checked) that has passed counts as no failures.
pub fn effective(
    p: &Policy,
    failed: i32,
    last_failed_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (i32, Option<DateTime<Utc>>) {
    let lock = locked_until.or_else(|| {
        (failed >= p.lock_after)
            .then(|| last_failed_at.map(|l| l + Duration::minutes(p.lock_minutes)))
            .flatten()
    });
    match lock {
        Some(until) if until <= now => (0, None),
        other => (failed, other),
    }
}

/// After the `failed`-th failure in a row: the lock's end, when that reached the threshold.
pub fn lock_after_failures(p: &Policy, failed: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (failed >= p.lock_after).then(|| now + Duration::minutes(p.lock_minutes))
}

/// After a failure: the new count and, if it reached the lock threshold, the lock's end.
/// A lock resets the counter when it ends (the counter is reset by the caller on the next success
/// or when the lock has passed).
pub fn after_failure(
    p: &Policy,
    failed_before: i32,
    now: DateTime<Utc>,
) -> (i32, Option<DateTime<Utc>>) {
    let failed = failed_before + 1;
    if failed >= p.lock_after {
        (failed, Some(now + Duration::minutes(p.lock_minutes)))
    } else {
        (failed, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const P: Policy = Policy {
        slow_down_after: 3,
        lock_after: 10,
        lock_minutes: 15,
    };

    #[test]
    fn first_failures_do_not_slow_down() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(gate(&P, 2, Some(now), None, now), Gate::Open);
    }

    #[test]
    fn later_failures_wait_doubling() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(gate(&P, 3, Some(now), None, now), Gate::Wait(1));
        assert_eq!(gate(&P, 5, Some(now), None, now), Gate::Wait(4));
        assert_eq!(
            gate(&P, 5, Some(now), None, now + Duration::seconds(4)),
            Gate::Open
        );
        assert_eq!(delay_after(&P, 9), Duration::seconds(60));
    }

    #[test]
    fn many_failures_lock_the_account_for_a_while() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let (n, lock) = after_failure(&P, 9, now);
        assert_eq!(n, 10);
        let until = lock.unwrap();
        assert_eq!(until, now + Duration::minutes(15));
        assert_eq!(
            gate(&P, n, Some(now), lock, now + Duration::minutes(5)),
            Gate::Locked(until)
        );
        assert_eq!(
            gate(&P, n, Some(now), lock, now + Duration::minutes(16)),
            Gate::Open
        );
        assert_eq!(after_failure(&P, 3, now), (4, None));
    }

    #[test]
    fn a_count_at_the_threshold_locks_even_before_the_lock_is_written() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let (failed, lock) = effective(&P, 10, Some(now), None, now + Duration::minutes(1));
        assert_eq!(failed, 10);
        assert_eq!(lock, Some(now + Duration::minutes(15)));
        assert_eq!(
            gate(&P, failed, Some(now), lock, now + Duration::minutes(1)),
            Gate::Locked(now + Duration::minutes(15))
        );
        // Once the lock has passed, the count starts again.
        assert_eq!(
            effective(&P, 10, Some(now), lock, now + Duration::minutes(16)),
            (0, None)
        );
        assert_eq!(lock_after_failures(&P, 9, now), None);
        assert_eq!(
            lock_after_failures(&P, 10, now),
            Some(now + Duration::minutes(15))
        );
    }
}

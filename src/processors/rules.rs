//! The processor's clock (Art. 33(2)): the processing agreement gives the processor a number of
//! hours from its awareness to tell the controller. Pure functions of their inputs.
//!
//! The rule itself is the incidents' clock rule ([`crate::incidents::clock::processor_on_time`]),
//! so an incident made of a notice and the notice in the inbox say the same.
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::incidents::clock;

/// A notice judged against the contract's hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timeliness {
    /// The latest moment the notice was due: awareness + the contract's hours.
    pub due_at: DateTime<Utc>,
    /// The notice came after `due_at`: notice − awareness > the contract's hours.
    pub late: bool,
}

/// Judge a notice that reached the controller at `notice_at`, the processor having become aware at
/// `aware_at`, under a contract of `contract_hours` hours. The due moment itself still counts as
/// in time.
pub fn judge(aware_at: DateTime<Utc>, notice_at: DateTime<Utc>, contract_hours: i32) -> Timeliness {
    let on_time = clock::processor_on_time(Some(aware_at), Some(notice_at), Some(contract_hours))
        .unwrap_or(true);
    Timeliness {
        due_at: clock::processor_notice_due(Some(aware_at), Some(contract_hours))
            .unwrap_or(aware_at + Duration::hours(contract_hours as i64)),
        late: !on_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_due_moment_itself_is_in_time() {
        let aware = t("2026-10-24T10:00:00+02:00");
        let due = judge(aware, aware + Duration::hours(24), 24);
        assert!(!due.late);
        assert_eq!(
            due.due_at,
            t("2026-10-25T09:00:00+01:00"),
            "24 elapsed hours across DST"
        );
        assert!(
            judge(
                aware,
                aware + Duration::hours(24) + Duration::microseconds(1),
                24
            )
            .late
        );
        assert!(!judge(aware, aware + Duration::hours(23), 24).late);
    }

    /// Instants as the database stores them: whole microseconds, 2000–2100.
    fn instant() -> impl Strategy<Value = DateTime<Utc>> {
        (946_684_800i64..4_102_444_800i64, 0i64..1_000_000)
            .prop_map(|(s, us)| Utc.timestamp_opt(s, 0).unwrap() + Duration::microseconds(us))
    }

    proptest! {
        /// Flagged late if and only if notice − awareness > the contract's hours.
        #[test]
        fn late_iff_more_than_the_hours(
            aware in instant(),
            // From a notice before awareness (a clock set wrongly) to a month after.
            delta_us in -3_600_000_000i64..2_592_000_000_000i64,
            hours in 1i32..=720,
        ) {
            let notice = aware + Duration::microseconds(delta_us);
            let j = judge(aware, notice, hours);
            prop_assert_eq!(j.late, notice - aware > Duration::hours(hours as i64));
            prop_assert_eq!(j.due_at, aware + Duration::hours(hours as i64));
            prop_assert_eq!(j.late, notice > j.due_at);
        }

        /// At every boundary: exactly the hours is in time; one microsecond (the stored precision)
        /// more is late; one less is in time.
        #[test]
        fn the_boundary(aware in instant(), hours in 1i32..=720) {
            let due = aware + Duration::hours(hours as i64);
            prop_assert!(!judge(aware, due, hours).late);
            prop_assert!(judge(aware, due + Duration::microseconds(1), hours).late);
            prop_assert!(!judge(aware, due - Duration::microseconds(1), hours).late);
        }

        /// A later notice is never less late; more hours in the contract never make a notice late.
        #[test]
        fn monotone(
            aware in instant(),
            a in 0i64..2_592_000_000_000i64,
            b in 0i64..2_592_000_000_000i64,
            h1 in 1i32..=720,
            h2 in 1i32..=720,
        ) {
            let (early, later) = (a.min(b), a.max(b));
            let (few, many) = (h1.min(h2), h1.max(h2));
            let n = |us: i64| aware + Duration::microseconds(us);
            prop_assert!(judge(aware, n(early), few).late <= judge(aware, n(later), few).late);
            prop_assert!(judge(aware, n(later), many).late <= judge(aware, n(later), few).late);
        }
    }
}

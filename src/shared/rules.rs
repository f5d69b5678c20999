//! The rules of a shared incident (pure: no web or database code).
//!
//! - [`choose`]: which controllers a shared incident may be split to — the controllers the
//!   shared organisation is linked to as processor, each once, none it was split to before;
//! - [`controller_clock`]: each controller's own 72 hours, from the shared organisation's notice
//!   to it (Art. 33(2): the controller's clock starts when its processor has informed it);
//! - [`inherit`] and [`take_change`]: a controller's facts taken over from the shared incident,
//!   marked "from the shared incident" until the controller's staff confirm or change them, and a
//!   later change of the shared facts taken over field by field.
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

use crate::assessment::facts::Facts;
use crate::error::FieldProblem;
use crate::incidents::clock;
use crate::incidents::model::FUTURE_SKEW_MINUTES;

/// The most controllers one split names.
pub const MAX_CONTROLLERS: usize = 100;

/// An organisation the shared organisation could name: its id and slug, and whether the shared
/// organisation is linked to it as processor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub org_id: String,
    pub slug: String,
    pub linked: bool,
}

/// Why a split is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Bad input (422), each naming its field (`controllers`, `controllers[i]`).
    Invalid(Vec<FieldProblem>),
    /// The shared incident was split to this controller before (409): the field and the slug.
    AlreadySplit { field: String, slug: String },
}

/// The controllers (organisation ids, in the order named) a split names by slug, or why not.
/// `known`: every organisation the slugs could name; `already`: the controllers (ids) the shared
/// incident was split to before.
pub fn choose(
    requested: &[String],
    known: &[Candidate],
    already: &[String],
) -> Result<Vec<String>, Refused> {
    let mut problems = vec![];
    if requested.is_empty() {
        problems.push(FieldProblem::new(
            "controllers",
            "name at least one controller",
            "Kies ten minste één opdrachtgever.",
        ));
    } else if requested.len() > MAX_CONTROLLERS {
        problems.push(FieldProblem::new(
            "controllers",
            format!("at most {MAX_CONTROLLERS} controllers"),
            format!("Kies hoogstens {MAX_CONTROLLERS} opdrachtgevers."),
        ));
        return Err(Refused::Invalid(problems));
    }
    let mut chosen: Vec<String> = vec![];
    let mut twice = None;
    for (i, slug) in requested.iter().enumerate() {
        let field = format!("controllers[{i}]");
        let slug = slug.trim();
        match known.iter().find(|k| k.slug == slug) {
            None => problems.push(FieldProblem::new(
                &field,
                "unknown organisation",
                "Deze organisatie bestaat niet.",
            )),
            Some(k) if !k.linked => problems.push(FieldProblem::new(
                &field,
                "the shared organisation is not linked to this organisation as its processor",
                "Uw organisatie is geen verwerker voor deze organisatie.",
            )),
            Some(k) if chosen.contains(&k.org_id) => problems.push(FieldProblem::new(
                &field,
                "named twice",
                "Deze organisatie is twee keer gekozen.",
            )),
            Some(k) => {
                if twice.is_none() && already.contains(&k.org_id) {
                    twice = Some((field, k.slug.clone()));
                }
                chosen.push(k.org_id.clone());
            }
        }
    }
    if !problems.is_empty() {
        return Err(Refused::Invalid(problems));
    }
    if let Some((field, slug)) = twice {
        return Err(Refused::AlreadySplit { field, slug });
    }
    Ok(chosen)
}

/// A controller's own clock on its part of a shared incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControllerClock {
    /// The shared organisation's notice to the controller: its 72 hours start here.
    pub notified_at: DateTime<Utc>,
    /// `notified_at` + 72 hours.
    pub deadline: DateTime<Utc>,
    /// When the shared organisation should have told it: its awareness + the contract's hours.
    pub notice_due: DateTime<Utc>,
    /// Whether the shared organisation told it within the contract's hours.
    pub notice_on_time: bool,
}

/// The clock of a controller told at `notified_at` (default: `now`, the moment of the split) of a
/// breach the shared organisation became aware of at `shared_aware_at`, under a contract of
/// `contract_hours`. Refused (naming `notified_at`) before the shared organisation knew, or in the
/// future.
pub fn controller_clock(
    shared_aware_at: DateTime<Utc>,
    contract_hours: i32,
    notified_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<ControllerClock, FieldProblem> {
    let notified_at = notified_at.unwrap_or(now);
    if notified_at > now + Duration::minutes(FUTURE_SKEW_MINUTES) {
        return Err(FieldProblem::new(
            "notified_at",
            "lies in the future",
            "Dit moment ligt in de toekomst.",
        ));
    }
    if notified_at < shared_aware_at {
        return Err(FieldProblem::new(
            "notified_at",
            "lies before the shared organisation became aware of the breach",
            "Dit moment ligt vóór het moment waarop de gedeelde organisatie van het datalek wist.",
        ));
    }
    let notice_due = shared_aware_at + Duration::hours(i64::from(contract_hours.max(0)));
    Ok(ControllerClock {
        notified_at,
        deadline: clock::ap_deadline(notified_at),
        notice_due,
        notice_on_time: notified_at <= notice_due,
    })
}

/// The longest reason for declining a change of the shared incident.
pub const MAX_DECLINE_REASON: usize = 2_000;

/// The reason a controller gives for not taking a change over: required (the shared team reads it
/// in the trail) and at most [`MAX_DECLINE_REASON`] characters; trimmed.
pub fn decline_reason(reason: Option<&str>) -> Result<&str, FieldProblem> {
    let reason = reason.map(str::trim).unwrap_or("");
    if reason.is_empty() {
        return Err(FieldProblem::new(
            "reason",
            "say why the change does not hold for your organisation",
            "Schrijf op waarom de wijziging voor uw organisatie niet klopt.",
        ));
    }
    if reason.chars().count() > MAX_DECLINE_REASON {
        return Err(FieldProblem::new(
            "reason",
            format!("at most {MAX_DECLINE_REASON} characters"),
            format!("Gebruik hoogstens {MAX_DECLINE_REASON} tekens."),
        ));
    }
    Ok(reason)
}

/// The source a fact taken over names (Dutch, as the other sources are named).
pub fn source(shared_reference: &str) -> String {
    format!("het gedeelde incident {shared_reference}")
}

fn as_object(f: &Facts) -> serde_json::Map<String, Value> {
    match serde_json::to_value(f) {
        Ok(Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

fn from_object(m: serde_json::Map<String, Value>, fallback: &Facts) -> Facts {
    serde_json::from_value(Value::Object(m)).unwrap_or_else(|_| fallback.clone())
}

/// One fact of the shared incident as the controller takes it over: a known fact becomes derived
/// "from the shared incident"; a missing one stays missing; a plain value (no provenance) as is.
fn taken(v: &Value, from: &str) -> Value {
    match v.get("provenance").and_then(Value::as_str) {
        Some("entered") | Some("derived") => serde_json::json!({
            "provenance": "derived",
            "value": v.get("value").cloned().unwrap_or(Value::Null),
            "from": from,
        }),
        _ => v.clone(),
    }
}

/// Facts that are each controller's own and never taken over from the shared incident: how the
/// controller learned of the breach is that its processor told it (Art. 33(2) AVG), which the
/// split writes as the incident's own "how discovered"; how the shared team found it is the
/// shared incident's story, not the controller's answer to the AP.
pub const OWN_TO_EACH: &[&str] = &["how_discovered"];

/// The facts a controller's incident starts with: the shared incident's, every known one marked
/// as derived from `from` (see [`source`]) until a person confirms or changes it.
pub fn inherit(shared: &Facts, from: &str) -> Facts {
    let m = as_object(shared)
        .into_iter()
        .map(|(k, v)| {
            let t = if OWN_TO_EACH.contains(&k.as_str()) {
                serde_json::json!({"provenance": "missing"})
            } else {
                taken(&v, from)
            };
            (k, t)
        })
        .collect();
    from_object(m, shared)
}

/// The fields (JSON names) whose value or presence differs between two versions of the shared
/// facts (a change of provenance alone, such as a confirmation, is no change to offer).
pub fn changed_fields(old: &Facts, new: &Facts) -> Vec<String> {
    let (a, b) = (as_object(old), as_object(new));
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, _)| !OWN_TO_EACH.contains(&k.as_str()))
        .filter(|(k, v)| {
            let before = a.get(*k).unwrap_or(&Value::Null);
            before.get("value") != v.get("value")
                || before.get("provenance").is_some() != v.get("provenance").is_some()
                || (before.get("provenance").is_none() && before != *v)
        })
        .map(|(k, _)| k.clone())
        .collect();
    out.sort();
    out
}

/// A controller takes over a change of the shared facts (from `old` to `new`): each field that
/// changed becomes the new shared value, derived from `from`; every other field keeps the
/// controller's own (whatever it entered or confirmed itself).
pub fn take_change(controller: &Facts, old: &Facts, new: &Facts, from: &str) -> Facts {
    let changed = changed_fields(old, new);
    let newer = as_object(new);
    let mut mine = as_object(controller);
    for k in changed {
        if let Some(v) = newer.get(&k) {
            mine.insert(k, taken(v, from));
        }
    }
    from_object(mine, controller)
}

/// The shared incident's own details a controller's incident takes over besides the facts: what
/// happened and when (its awareness is its own: the notice to it).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Details {
    pub title: String,
    pub description: String,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub breach_ended_at: Option<DateTime<Utc>>,
    pub discovered_at: Option<DateTime<Utc>>,
}

impl Details {
    /// The names of the details, as the incident's fields are named.
    pub const FIELDS: [&'static str; 5] = [
        "title",
        "description",
        "breach_started_at",
        "breach_ended_at",
        "discovered_at",
    ];

    /// Read back as stored (`{}`, or anything unreadable, is no details: every field changed).
    pub fn parse(json: &str) -> Details {
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    fn value(&self, field: &str) -> Value {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get(field).cloned())
            .unwrap_or(Value::Null)
    }

    /// The fields that differ from `new`, in [`Details::FIELDS`] order.
    pub fn changed(&self, new: &Details) -> Vec<&'static str> {
        Details::FIELDS
            .into_iter()
            .filter(|f| self.value(f) != new.value(f))
            .collect()
    }

    /// A field's value as JSON (for showing the change).
    pub fn get(&self, field: &str) -> Value {
        self.value(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::facts::{Fact, GeneralData, IncidentKind, Nature, PersonGroup};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn cand(i: usize, linked: bool) -> Candidate {
        Candidate {
            org_id: format!("id{i}"),
            slug: format!("org{i}"),
            linked,
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap()
    }

    fn fact_bool() -> impl Strategy<Value = Fact<bool>> {
        prop_oneof![
            Just(Fact::Missing),
            any::<bool>().prop_map(Fact::entered),
            any::<bool>().prop_map(|b| Fact::derived(b, "detectie in de melding")),
        ]
    }

    fn facts() -> impl Strategy<Value = Facts> {
        (
            fact_bool(),
            fact_bool(),
            fact_bool(),
            prop_oneof![
                Just(Fact::Missing),
                Just(Fact::entered(vec![Nature::Confidentiality])),
                Just(Fact::entered(vec![Nature::Availability, Nature::Integrity])),
            ],
            prop_oneof![
                Just(Fact::Missing),
                Just(Fact::entered(IncidentKind::LetterWrongRecipient)),
                Just(Fact::derived(IncidentKind::EmailWrongRecipient, "melding")),
            ],
            prop_oneof![
                Just(Fact::Missing),
                Just(Fact::entered(vec![GeneralData::Name, GeneralData::Bsn])),
                Just(Fact::entered(vec![])),
            ],
            prop_oneof![
                Just(Fact::Missing),
                Just(Fact::entered(vec![PersonGroup::Minors])),
            ],
            proptest::option::of(0i64..10_000),
        )
            .prop_map(|(m, e, b, n, k, g, p, r)| Facts {
                malicious_intent: m,
                exfiltrated: e,
                backup_available: b,
                nature: n,
                kind: k,
                general_data: g,
                groups: p,
                records: r.map(Fact::entered).unwrap_or_default(),
                ..Facts::default()
            })
    }

    proptest! {
        /// What `choose` gives is exactly the named organisations, in order, each linked, none
        /// twice, none split to before; and any other input is refused naming a field.
        #[test]
        fn chosen_are_linked_new_and_named(
            links in proptest::collection::vec(any::<bool>(), 1..8),
            picks in proptest::collection::vec(0usize..10, 0..8),
            already in proptest::collection::vec(0usize..8, 0..3),
        ) {
            let known: Vec<Candidate> = links.iter().enumerate().map(|(i, l)| cand(i, *l)).collect();
            let requested: Vec<String> = picks.iter().map(|i| format!("org{i}")).collect();
            let already: Vec<String> = already.iter().map(|i| format!("id{i}")).collect();
            match choose(&requested, &known, &already) {
                Ok(ids) => {
                    prop_assert_eq!(ids.len(), requested.len());
                    prop_assert!(!ids.is_empty());
                    for (id, slug) in ids.iter().zip(&requested) {
                        let k = known.iter().find(|k| &k.org_id == id).unwrap();
                        prop_assert_eq!(&k.slug, slug);
                        prop_assert!(k.linked);
                        prop_assert!(!already.contains(id));
                    }
                    let mut d = ids.clone();
                    d.sort();
                    d.dedup();
                    prop_assert_eq!(d.len(), ids.len());
                }
                Err(Refused::Invalid(ps)) => {
                    prop_assert!(!ps.is_empty());
                    for p in &ps {
                        prop_assert!(p.field.starts_with("controllers"));
                        prop_assert!(!p.message_nl.is_empty());
                    }
                    let bad = requested.is_empty() || requested.iter().enumerate().any(|(i, s)| {
                        match known.iter().find(|k| &k.slug == s) {
                            None => true,
                            Some(k) => !k.linked || requested[..i].contains(s),
                        }
                    });
                    prop_assert!(bad);
                }
                Err(Refused::AlreadySplit { field, slug }) => {
                    let i: usize = field.trim_start_matches("controllers[").trim_end_matches(']').parse().unwrap();
                    prop_assert_eq!(&requested[i], &slug);
                    let k = known.iter().find(|k| k.slug == slug).unwrap();
                    prop_assert!(already.contains(&k.org_id));
                }
            }
        }

        /// Each controller's clock runs 72 hours from its own notice, never from another's, and
        /// never starts before the shared organisation knew or after now.
        #[test]
        fn each_clock_runs_72_hours_from_its_own_notice(
            aware_min in 0i64..10_000,
            offsets in proptest::collection::vec(-600i64..20_000, 1..5),
            hours in 1i32..=720,
        ) {
            let aware = t0() + Duration::minutes(aware_min);
            let now = aware + Duration::minutes(15_000);
            for off in offsets {
                let notified = aware + Duration::minutes(off);
                match controller_clock(aware, hours, Some(notified), now) {
                    Ok(c) => {
                        prop_assert_eq!(c.notified_at, notified);
                        prop_assert_eq!(c.deadline - c.notified_at, Duration::hours(72));
                        prop_assert_eq!(c.notice_due, aware + Duration::hours(hours.into()));
                        prop_assert_eq!(c.notice_on_time, notified <= c.notice_due);
                        prop_assert!(notified >= aware);
                        prop_assert!(notified <= now + Duration::minutes(FUTURE_SKEW_MINUTES));
                    }
                    Err(p) => {
                        prop_assert_eq!(p.field.as_str(), "notified_at");
                        prop_assert!(notified < aware || notified > now + Duration::minutes(FUTURE_SKEW_MINUTES));
                    }
                }
            }
        }

        /// Taken over, every known fact keeps its value and says it came from the shared incident;
        /// nothing missing appears.
        #[test]
        fn inherited_facts_keep_values_and_name_their_source(f in facts()) {
            let from = source("GD-2026-0001");
            let g = inherit(&f, &from);
            let (a, b) = (as_object(&f), as_object(&g));
            for (k, v) in &a {
                let w = &b[k];
                if OWN_TO_EACH.contains(&k.as_str()) {
                    prop_assert_eq!(w["provenance"].as_str(), Some("missing"));
                    continue;
                }
                match v.get("provenance").and_then(Value::as_str) {
                    Some("entered") | Some("derived") => {
                        prop_assert_eq!(w.get("value"), v.get("value"));
                        prop_assert_eq!(w["provenance"].as_str(), Some("derived"));
                        prop_assert_eq!(w["from"].as_str(), Some(from.as_str()));
                    }
                    _ => prop_assert_eq!(w, v),
                }
            }
            prop_assert!(changed_fields(&f, &g).is_empty());
        }

        /// How the shared team found the breach is never taken over nor offered, whatever it
        /// says: each controller's own answer (or none) stays.
        #[test]
        fn how_it_was_discovered_stays_each_controllers_own(
            mine in facts(), old in facts(), new in facts(),
            a in proptest::option::of("[a-z ]{1,20}"), b in proptest::option::of("[a-z ]{1,20}"),
            c in proptest::option::of("[a-z ]{1,20}"),
        ) {
            let with = |f: &Facts, t: &Option<String>| Facts {
                how_discovered: t.clone().map(Fact::entered).unwrap_or_default(),
                ..f.clone()
            };
            let (mine, old, new) = (with(&mine, &a), with(&old, &b), with(&new, &c));
            let from = source("GD-2026-0001");
            prop_assert!(!changed_fields(&old, &new).iter().any(|k| k == "how_discovered"));
            prop_assert_eq!(&take_change(&mine, &old, &new, &from).how_discovered, &mine.how_discovered);
            prop_assert!(matches!(inherit(&new, &from).how_discovered, Fact::Missing));
        }

        /// A reason is taken exactly when, trimmed, it has 1 to 2,000 characters; it is stored
        /// trimmed, and a refusal names the field in both languages.
        #[test]
        fn a_decline_reason_is_required_and_bounded(r in proptest::option::of("[ a-zé\\n]{0,40}"), n in 0usize..2_100) {
            for reason in [r.clone(), Some("x".repeat(n)), Some(format!("  {}  ", "é".repeat(n)))] {
                let trimmed = reason.as_deref().map(str::trim).unwrap_or("");
                let ok = !trimmed.is_empty() && trimmed.chars().count() <= MAX_DECLINE_REASON;
                match decline_reason(reason.as_deref()) {
                    Ok(t) => { prop_assert!(ok); prop_assert_eq!(t, trimmed); }
                    Err(p) => {
                        prop_assert!(!ok);
                        prop_assert_eq!(p.field.as_str(), "reason");
                        prop_assert!(!p.message_nl.is_empty());
                    }
                }
            }
        }

        /// Taking a change over replaces exactly the fields the shared incident changed and keeps
        /// the controller's own answer everywhere else; taking no change changes nothing.
        #[test]
        fn a_change_replaces_only_what_changed(mine in facts(), old in facts(), new in facts()) {
            let from = source("GD-2026-0001");
            let got = take_change(&mine, &old, &new, &from);
            let changed = changed_fields(&old, &new);
            let (m, n, g) = (as_object(&mine), as_object(&new), as_object(&got));
            for (k, v) in &g {
                if changed.contains(k) {
                    prop_assert_eq!(v.get("value"), n[k].get("value"));
                } else {
                    prop_assert_eq!(v, &m[k]);
                }
            }
            prop_assert_eq!(take_change(&mine, &old, &old, &from), mine.clone());
        }
    }

    proptest! {
        /// The details changed are exactly the fields that differ, and a round trip through the
        /// stored JSON changes nothing.
        #[test]
        fn details_changed_are_those_that_differ(
            a in proptest::option::of(0i64..5), b in proptest::option::of(0i64..5),
            ta in 0usize..3, tb in 0usize..3,
        ) {
            let at = |m: Option<i64>| m.map(|m| t0() + Duration::hours(m));
            let old = Details { title: format!("t{ta}"), breach_started_at: at(a), ..Details::default() };
            let new = Details { title: format!("t{tb}"), breach_started_at: at(b), ..Details::default() };
            let got = old.changed(&new);
            let mut want = vec![];
            if ta != tb { want.push("title"); }
            if a != b { want.push("breach_started_at"); }
            prop_assert_eq!(got, want);
            prop_assert_eq!(Details::parse(&old.to_json()), old.clone());
            prop_assert!(old.changed(&old).is_empty());
        }
    }

    #[test]
    fn nothing_stored_is_every_detail_changed() {
        let d = Details {
            title: "Brief".into(),
            description: "x".into(),
            breach_started_at: Some(t0()),
            breach_ended_at: Some(t0()),
            discovered_at: Some(t0()),
        };
        assert_eq!(Details::parse("{}").changed(&d), Details::FIELDS.to_vec());
    }

    #[test]
    fn examples_of_refusals() {
        let known = vec![cand(0, true), cand(1, false), cand(2, true)];
        let r = choose(&["org9".into()], &known, &[]);
        assert!(
            matches!(r, Err(Refused::Invalid(ref p)) if p[0].field == "controllers[0]" && p[0].message == "unknown organisation")
        );
        let r = choose(&["org0".into(), "org1".into()], &known, &[]);
        assert!(matches!(r, Err(Refused::Invalid(ref p)) if p[0].field == "controllers[1]"));
        let r = choose(&["org0".into(), "org2".into()], &known, &["id2".into()]);
        assert_eq!(
            r,
            Err(Refused::AlreadySplit {
                field: "controllers[1]".into(),
                slug: "org2".into()
            })
        );
        assert_eq!(
            choose(&["org2".into(), "org0".into()], &known, &[]),
            Ok(vec!["id2".into(), "id0".into()])
        );
    }

    #[test]
    fn the_clock_over_the_dst_change() {
        // Told Sat 24 Oct 2026 10:00 CEST: the deadline is Tue 27 Oct 2026 09:00 CET.
        let aware = t0() - Duration::hours(2);
        let c = controller_clock(aware, 24, Some(t0()), t0() + Duration::hours(1)).unwrap();
        assert!(clock::local_display(c.deadline).contains("27-10-2026 09:00"));
        assert!(c.notice_on_time);
        let late = controller_clock(aware, 1, None, t0()).unwrap();
        assert_eq!(late.notified_at, t0());
        assert!(!late.notice_on_time);
    }

    #[test]
    fn an_overridden_fact_stays_when_another_changes() {
        let from = source("GD-2026-0001");
        let old = Facts {
            malicious_intent: Fact::entered(false),
            records: Fact::entered(10),
            ..Facts::default()
        };
        let mine = Facts {
            malicious_intent: Fact::entered(true),
            ..inherit(&old, &from)
        };
        let new = Facts {
            records: Fact::entered(40),
            ..old.clone()
        };
        let got = take_change(&mine, &old, &new, &from);
        assert_eq!(got.malicious_intent, Fact::entered(true));
        assert_eq!(got.records, Fact::derived(40, from.clone()));
        assert_eq!(changed_fields(&old, &new), vec!["records".to_string()]);
    }
}

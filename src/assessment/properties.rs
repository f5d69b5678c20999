//! Properties of the decision (`regulation.md` §9), proven over generated facts with `proptest`:
//!
//! 1. adding a risk-raising fact (more people, a special category, criminal data, a BSN, an ID
//!    copy, financial data, minors or vulnerable people, malicious intent, exfiltration, unknown
//!    recipients, no protection) never lowers the outcome or the risk;
//! 2. an exception is only proposed when all its conditions hold, and every proposal passes the
//!    checks a person's decision must pass;
//! 3. facts that contradict each other never reach a proposal, and the refusal names both fields;
//! 4. every proposal has reasons, in both languages, ending with the conclusion; a high risk names
//!    the risks it stands for; the Dutch texts hold no field keys;
//! 5. a missing fact never gives less than its favourable answer (in doubt, notify).
//!
//! On a failure proptest prints the smallest facts it found and stores the seed under
//! `proptest-regressions/`, so that the case is tried first on the next run.
use proptest::prelude::*;
use proptest::sample::subsequence;

use super::decision::{
    check_choice, propose_checked, propose_core, Choice, Exception, Outcome, RiskLevel,
};
use super::facts::*;
use super::severity::assess;

/// Cases per property: five properties, some trying a dozen variants of each case.
const CASES: u32 = 3_000;

fn fact<T: Clone + std::fmt::Debug + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Fact<T>> {
    prop_oneof![1 => Just(Fact::Missing), 4 => s.prop_map(Fact::entered)].boxed()
}

fn tri() -> BoxedStrategy<Option<bool>> {
    prop_oneof![Just(None), Just(Some(true)), Just(Some(false))].boxed()
}

fn tri_fact() -> BoxedStrategy<Fact<bool>> {
    fact(any::<bool>())
}

fn some_of<T: Clone + std::fmt::Debug + 'static>(
    all: &'static [T],
    max: usize,
) -> BoxedStrategy<Vec<T>> {
    subsequence(all.to_vec(), 0..=max.min(all.len())).boxed()
}

fn one_of<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> BoxedStrategy<T> {
    proptest::sample::select(all.to_vec()).boxed()
}

fn people() -> BoxedStrategy<PeopleCount> {
    prop_oneof![
        (0i64..300_000).prop_map(|n| PeopleCount::Exact { n }),
        (0i64..300_000, proptest::option::of(0i64..300_000))
            .prop_map(|(min, max)| PeopleCount::Range { min, max }),
    ]
    .boxed()
}

fn protection() -> BoxedStrategy<Protection> {
    (
        one_of(ProtectionMethod::ALL),
        proptest::option::of(Just("AES-256".to_string())),
        tri(),
        tri(),
        tri(),
        any::<bool>(),
    )
        .prop_map(
            |(method, technique, data_intact, recent_backup, key, claimed)| Protection {
                method,
                technique,
                data_intact,
                recent_backup,
                key_not_compromised: key,
                exception_a_claimed: claimed,
            },
        )
        .boxed()
}

fn recipients() -> BoxedStrategy<Recipients> {
    (
        tri(),
        tri(),
        tri(),
        tri(),
        proptest::option::of(0i64..100_000),
    )
        .prop_map(|(known, trustworthy, returned, opened, count)| Recipients {
            known,
            trustworthy,
            trust_basis: trustworthy.filter(|t| *t).map(|_| "beroepsgeheim".into()),
            returned_or_deleted: returned,
            opened,
            count,
        })
        .boxed()
}

fn measures() -> BoxedStrategy<RiskMeasures> {
    proptest::collection::vec(
        (some_of(HighRisk::ALL, 4), any::<bool>()).prop_map(|(removes, completed)| RiskMeasure {
            description: "maatregel".into(),
            removes,
            completed,
        }),
        0..3,
    )
    .prop_map(RiskMeasures)
    .boxed()
}

/// Facts of every shape, made consistent by [`repair`].
fn facts() -> impl Strategy<Value = Facts> {
    let what = (
        fact(some_of(Nature::ALL, 3)),
        fact(one_of(AvailabilityLoss::ALL)),
        fact(one_of(IncidentKind::ALL)),
        fact(some_of(GeneralData::ALL, 6)),
        fact(some_of(SpecialCategory::ALL, 2)),
        fact(one_of(DataLevel::ALL)),
        fact(some_of(PersonGroup::ALL, 3)),
        fact(people()),
    );
    let how = (
        fact(protection()),
        fact(recipients()),
        fact(some_of(PeopleConsequence::ALL, 2)),
        fact(some_of(OrgConsequence::ALL, 2)),
        tri_fact(),
        tri_fact(),
        tri_fact(),
        tri_fact(),
        tri_fact(),
    );
    let context = (
        fact(one_of(ControllerNature::ALL)),
        fact(one_of(Identifiability::ALL)),
        tri_fact(),
        tri_fact(),
        tri_fact(),
        tri_fact(),
        tri_fact(),
        fact(measures()),
    );
    (what, how, context).prop_map(|(what, how, context)| {
        let f = Facts {
            nature: what.0,
            availability_loss: what.1,
            kind: what.2,
            kind_other: None,
            general_data: what.3,
            special_categories: what.4,
            credentials_open: what.5,
            groups: what.6,
            people: what.7,
            records: Fact::Missing,
            protection: how.0,
            recipients: how.1,
            consequences_people: how.2,
            consequences_org: how.3,
            malicious_intent: how.4,
            exfiltrated: how.5,
            backup_available: how.6,
            restored_without_difficulty: how.7,
            integrity_recoverable: how.8,
            controller_nature: context.0,
            identifiability: context.1,
            large_volume_per_person: context.2,
            sensitive_limited_insight: context.3,
            data_known_invalid: context.4,
            data_already_public: context.5,
            people_reachable: context.6,
            risk_removing_measures: context.7,
            how_discovered: Fact::Missing,
        };
        repair(f)
    })
}

fn edit<T: Clone>(fact: &mut Fact<T>, change: impl FnOnce(&mut T)) {
    if let Some(mut v) = fact.value().cloned() {
        change(&mut v);
        *fact = Fact::entered(v);
    }
}

/// Makes generated facts consistent, fact by fact, the way [`Facts::validate`] demands.
fn repair(mut f: Facts) -> Facts {
    if f.nature.value().map(|n| n.is_empty()).unwrap_or(false) {
        f.nature = Fact::Missing;
    }
    if f.exfiltrated.is_true() && !f.has_nature(Nature::Confidentiality) {
        let mut n = f.nature.value().cloned().unwrap_or_default();
        n.push(Nature::Confidentiality);
        f.nature = Fact::entered(n);
    }
    if !f.has_nature(Nature::Availability) {
        f.availability_loss = Fact::Missing;
    }
    if f.availability_loss.value() == Some(&AvailabilityLoss::Permanent)
        && f.restored_without_difficulty.is_true()
    {
        f.restored_without_difficulty = Fact::Missing;
    }
    if f.kind.value() == Some(&IncidentKind::Other) {
        f.kind_other = Some("anders".into());
    }
    edit(&mut f.people, |p| {
        if let PeopleCount::Range {
            min,
            max: Some(max),
        } = p
        {
            if *min > *max {
                std::mem::swap(min, max);
            }
        }
    });
    let no_backup = f.backup_available.known() == Some(false);
    edit(&mut f.protection, |p| {
        if p.exception_a_claimed
            && (!p.method.protects()
                || p.key_not_compromised == Some(false)
                || p.data_intact == Some(false))
        {
            p.exception_a_claimed = false;
        }
        if p.exception_a_claimed && p.technique.is_none() {
            p.technique = Some("AES-256".into());
        }
        if no_backup && p.recent_backup == Some(true) {
            p.recent_backup = None;
        }
    });
    if f.sensitive_limited_insight.is_true() && !f.has_sensitive() {
        f.sensitive_limited_insight = Fact::Missing;
    }
    if !f.has_data(GeneralData::AccessData) {
        f.credentials_open = Fact::Missing;
    }
    let exfiltrated = f.exfiltrated.is_true();
    edit(&mut f.recipients, |r| {
        if exfiltrated && r.opened == Some(false) {
            r.opened = None;
        }
        if r.trustworthy == Some(true) && (r.known == Some(false) || exfiltrated) {
            r.trustworthy = None;
            r.trust_basis = None;
        }
    });
    f
}

fn rank(f: &Facts) -> (u8, RiskLevel) {
    let p = propose_core(f, &assess(f));
    (p.outcome.rank(), p.risk)
}

/// Adds an item to a known list. A missing list stays missing: answering a missing fact is not
/// adding a risk (that is the last property's business).
fn add<T: PartialEq + Copy>(fact: &mut Fact<Vec<T>>, item: T) {
    if let Some(mut v) = fact.value().cloned() {
        if !v.contains(&item) {
            v.push(item);
        }
        *fact = Fact::entered(v);
    }
}

fn with_confidentiality(f: &mut Facts) {
    let mut n = f.nature.value().cloned().unwrap_or_default();
    if !n.contains(&Nature::Confidentiality) {
        n.push(Nature::Confidentiality);
    }
    f.nature = Fact::entered(n);
}

type Raise = (&'static str, fn(&mut Facts));

/// Risk-raising facts (§9), each applied on its own.
const RAISES: &[Raise] = &[
    ("more people", |f| {
        // A known number grows; a missing one stays missing (answering it is not adding risk).
        if let Some(p) = f.people.value() {
            let n = p.upper().unwrap_or(p.lower());
            f.people = Fact::entered(PeopleCount::Exact { n: n * 10 + 100 });
        }
    }),
    ("health data", |f| {
        add(&mut f.special_categories, SpecialCategory::Health)
    }),
    ("ethnic origin", |f| {
        add(
            &mut f.special_categories,
            SpecialCategory::RacialOrEthnicOrigin,
        )
    }),
    ("criminal data", |f| {
        add(&mut f.general_data, GeneralData::Criminal)
    }),
    ("a BSN", |f| add(&mut f.general_data, GeneralData::Bsn)),
    ("an ID copy", |f| {
        add(&mut f.general_data, GeneralData::IdDocuments)
    }),
    ("an IBAN", |f| add(&mut f.general_data, GeneralData::Iban)),
    ("debts", |f| add(&mut f.general_data, GeneralData::Debts)),
    ("minors", |f| add(&mut f.groups, PersonGroup::Minors)),
    ("vulnerable people", |f| {
        add(&mut f.groups, PersonGroup::OtherVulnerable)
    }),
    ("malicious intent", |f| {
        f.malicious_intent = Fact::entered(true)
    }),
    ("exfiltration", |f| {
        f.exfiltrated = Fact::entered(true);
        // A known nature gains confidentiality; a missing one stays missing (answering it is not
        // a risk-raising fact, and the facts are then refused as incomplete).
        if f.nature.value().is_some() {
            add(&mut f.nature, Nature::Confidentiality);
        }
        let mut r = f.recipients();
        if r.opened == Some(false) {
            r.opened = None;
        }
        if r.trustworthy == Some(true) {
            r.trustworthy = None;
            r.trust_basis = None;
        }
        if f.recipients.value().is_some() {
            f.recipients = Fact::entered(r);
        }
    }),
    ("unknown recipients", |f| {
        let mut r = f.recipients();
        r.known = Some(false);
        if r.trustworthy == Some(true) {
            r.trustworthy = None;
            r.trust_basis = None;
        }
        f.recipients = Fact::entered(r);
    }),
    ("no protection", |f| {
        f.protection = Fact::entered(Protection::none())
    }),
];

/// The favourable answer of a fact that may be missing.
type Favour = (&'static str, fn(&mut Facts), fn(&mut Facts));

const FAVOURS: &[Favour] = &[
    (
        "malicious_intent",
        |f| f.malicious_intent = Fact::Missing,
        |f| f.malicious_intent = Fact::entered(false),
    ),
    (
        "backup_available",
        |f| f.backup_available = Fact::Missing,
        |f| f.backup_available = Fact::entered(true),
    ),
    (
        "restored_without_difficulty",
        |f| f.restored_without_difficulty = Fact::Missing,
        |f| f.restored_without_difficulty = Fact::entered(true),
    ),
    (
        "integrity_recoverable",
        |f| f.integrity_recoverable = Fact::Missing,
        |f| f.integrity_recoverable = Fact::entered(true),
    ),
    (
        "special_categories",
        |f| f.special_categories = Fact::Missing,
        |f| f.special_categories = Fact::entered(vec![]),
    ),
    (
        "people",
        |f| f.people = Fact::Missing,
        |f| f.people = Fact::entered(PeopleCount::Exact { n: 1 }),
    ),
];

/// Whether a Dutch text holds a field key such as `special_categories`.
fn has_key(text: &str) -> Option<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| w.contains('_') && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn generated_facts_are_consistent(f in facts()) {
        prop_assert!(f.validate().is_ok(), "{:?}", f.validate());
    }

    #[test]
    fn more_risk_never_lowers_the_outcome(f in facts()) {
        let base = rank(&f);
        for (name, raise) in RAISES {
            let mut g = f.clone();
            raise(&mut g);
            if g.validate().is_err() {
                continue;
            }
            let raised = rank(&g);
            prop_assert!(
                raised.0 >= base.0 && raised.1 >= base.1,
                "adding {name} lowered the proposal from {base:?} to {raised:?}"
            );
        }
    }

    #[test]
    fn an_exception_only_with_all_its_conditions(f in facts()) {
        let p = propose_core(&f, &assess(&f));
        match p.exception {
            Some(Exception::A) => {
                let pr = f.protection.value().expect("(a) needs protection");
                prop_assert!(pr.method.protects());
                prop_assert_eq!(pr.key_not_compromised, Some(true));
                prop_assert!(p.risk < RiskLevel::High);
                prop_assert!(!p.outcome.tells_people());
            }
            Some(Exception::B) => {
                prop_assert_eq!(p.risk, RiskLevel::High);
                prop_assert_eq!(p.outcome, Outcome::NotifyAp);
                prop_assert!(!p.threats.is_empty());
                let m = f.risk_removing_measures.value().expect("(b) needs measures");
                for t in &p.threats {
                    prop_assert!(
                        m.0.iter().any(|x| x.completed && x.removes.contains(t)),
                        "risk {t:?} not removed by a completed measure"
                    );
                }
            }
            Some(Exception::C) => {
                prop_assert_eq!(p.risk, RiskLevel::High);
                prop_assert_eq!(f.people_reachable.known(), Some(false));
                prop_assert_eq!(p.outcome, Outcome::NotifyApAndPublicCommunication);
            }
            None => {
                prop_assert!(p.outcome != Outcome::NotifyApAndPublicCommunication);
                if p.risk == RiskLevel::High {
                    prop_assert_eq!(p.outcome, Outcome::NotifyApAndDataSubjects);
                }
            }
        }
        // The proposal itself passes what a person's decision must pass.
        let chosen = Choice { outcome: p.outcome, exception: p.exception };
        prop_assert!(check_choice(&f, &p, &chosen, None).is_ok(), "{:?}", check_choice(&f, &p, &chosen, None));
    }

    #[test]
    fn contradictions_never_reach_a_proposal(f in facts(), which in 0usize..4) {
        let mut g = f.clone();
        let fields: (&str, &str) = match which {
            0 => {
                g.exfiltrated = Fact::entered(true);
                with_confidentiality(&mut g);
                let mut r = g.recipients();
                r.opened = Some(false);
                r.trustworthy = None;
                g.recipients = Fact::entered(r);
                ("recipients.opened", "exfiltrated")
            }
            1 => {
                let mut r = g.recipients();
                r.known = Some(false);
                r.trustworthy = Some(true);
                g.recipients = Fact::entered(r);
                ("recipients.trustworthy", "recipients.known")
            }
            2 => {
                g.exfiltrated = Fact::entered(true);
                with_confidentiality(&mut g);
                let mut r = g.recipients();
                r.trustworthy = Some(true);
                r.opened = None;
                g.recipients = Fact::entered(r);
                ("recipients.trustworthy", "exfiltrated")
            }
            _ => {
                g.protection = Fact::entered(Protection {
                    method: ProtectionMethod::Encrypted,
                    technique: Some("AES-256".into()),
                    data_intact: None,
                    recent_backup: None,
                    key_not_compromised: Some(false),
                    exception_a_claimed: true,
                });
                ("protection.key_not_compromised", "protection.key_not_compromised")
            }
        };
        let refused = propose_checked(&g);
        prop_assert!(refused.is_err(), "contradiction {which} reached a proposal");
        let named: Vec<String> = refused.unwrap_err().into_iter().map(|p| p.field).collect();
        prop_assert!(named.iter().any(|n| n == fields.0), "{named:?}");
        prop_assert!(named.iter().any(|n| n == fields.1), "{named:?}");
    }

    #[test]
    fn every_proposal_explains_itself(f in facts()) {
        let p = propose_checked(&f).expect("consistent facts");
        prop_assert!(!p.reasons.is_empty());
        prop_assert_eq!(p.reasons.last().map(|r| r.rule.as_str()), Some("conclusion"));
        for r in &p.reasons {
            prop_assert!(!r.nl.trim().is_empty() && !r.en.trim().is_empty(), "{r:?}");
            prop_assert!(has_key(&r.nl).is_none(), "key {:?} in a Dutch reason: {}", has_key(&r.nl), r.nl);
        }
        if p.risk == RiskLevel::High {
            prop_assert!(!p.threats.is_empty());
        }
        for w in &p.what_if {
            prop_assert!(w.outcome != p.outcome || w.exception != p.exception, "{w:?}");
            prop_assert!(has_key(&w.nl).is_none(), "{}", w.nl);
            if w.missing {
                prop_assert!(w.outcome.rank() > p.outcome.rank(), "{w:?}");
            }
        }
    }

    #[test]
    fn a_missing_fact_never_gives_less_than_its_favourable_answer(f in facts()) {
        for (name, unset, favour) in FAVOURS {
            let (mut missing, mut favourable) = (f.clone(), f.clone());
            unset(&mut missing);
            favour(&mut favourable);
            if missing.validate().is_err() || favourable.validate().is_err() {
                continue;
            }
            let (m, fav) = (rank(&missing), rank(&favourable));
            prop_assert!(m >= fav, "{name} missing gives {m:?}, answered favourably {fav:?}");
        }
    }
}

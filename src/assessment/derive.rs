//! Facts proposed from sources — the processing activities an incident is linked to, and the
//! personal data the detector finds in its reports — marked derived (with the sources named) until
//! a person confirms them. A fact a person entered is never overwritten.
use super::facts::{ControllerNature, Fact, Facts, GeneralData, PersonGroup, SpecialCategory};

/// What one source says about the data and the people involved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// Shown as "derived from …", e.g. `verwerkingsregister: Uitkeringen` or `melding M-2026-000012`.
    pub label: String,
    pub general_data: Vec<GeneralData>,
    pub special_categories: Vec<SpecialCategory>,
    pub groups: Vec<PersonGroup>,
    /// The kind of work the data come from, when it says more than the data (`regulation.md` §9).
    pub controller_nature: Option<ControllerNature>,
}

/// What a processing activity's name and purposes say about the people in it, beyond its listed
/// categories (`regulation.md` §9: being in the files of debt counselling, youth care, addiction
/// care, a hospital or a benefits department reveals more than the data themselves). A house
/// table of Dutch and English words, matched case-insensitively; what it proposes stays derived,
/// with the activity named, until a person confirms it.
type Context = (
    &'static [&'static str],
    ControllerNature,
    &'static [GeneralData],
    &'static [SpecialCategory],
    &'static [PersonGroup],
);

const CONTEXTS: &[Context] = &[
    (
        &[
            "schuldhulp",
            "schuldsanering",
            "schuldbemiddeling",
            "schuldregeling",
            "budgetbeheer",
            "beschermingsbewind",
            "debt counselling",
        ],
        ControllerNature::SocialServices,
        &[GeneralData::Debts],
        &[],
        &[PersonGroup::OtherVulnerable],
    ),
    (
        &["jeugdzorg", "jeugdhulp", "jeugdbescherming", "youth care"],
        ControllerNature::SocialServices,
        &[],
        &[],
        &[PersonGroup::Minors, PersonGroup::OtherVulnerable],
    ),
    (
        &["verslaving", "addiction"],
        ControllerNature::HealthCare,
        &[],
        &[SpecialCategory::Health],
        &[PersonGroup::Patients, PersonGroup::OtherVulnerable],
    ),
    (
        &["ggz", "geestelijke gezondheid", "mental health"],
        ControllerNature::HealthCare,
        &[],
        &[SpecialCategory::Health],
        &[PersonGroup::Patients, PersonGroup::OtherVulnerable],
    ),
    (
        &[
            "bijstand",
            "uitkering",
            "participatiewet",
            "minimaregeling",
            "benefits",
        ],
        ControllerNature::SocialServices,
        &[GeneralData::Benefits],
        &[],
        &[],
    ),
    (
        &[
            "wmo",
            "maatschappelijke ondersteuning",
            "beschermd wonen",
            "maatschappelijke opvang",
        ],
        ControllerNature::SocialServices,
        &[],
        &[SpecialCategory::Health],
        &[PersonGroup::OtherVulnerable],
    ),
];

impl Source {
    /// A processing activity as a source: its listed categories, plus what its name and purposes
    /// say about the people in it ([`CONTEXTS`]).
    pub fn from_activity(
        label: String,
        text: &str,
        data: &[GeneralData],
        special: &[SpecialCategory],
        groups: &[PersonGroup],
    ) -> Source {
        let mut s = Source {
            label,
            general_data: data.to_vec(),
            special_categories: special.to_vec(),
            groups: groups.to_vec(),
            controller_nature: None,
        };
        let text = text.to_lowercase();
        for (words, nature, d, sc, g) in CONTEXTS {
            if words.iter().any(|w| text.contains(w)) {
                s.controller_nature.get_or_insert(*nature);
                s.general_data.extend_from_slice(d);
                s.special_categories.extend_from_slice(sc);
                s.groups.extend_from_slice(g);
            }
        }
        s.general_data.sort();
        s.general_data.dedup();
        s.special_categories.sort();
        s.special_categories.dedup();
        s.groups.sort();
        s.groups.dedup();
        s
    }
}

fn merge<T: Copy + Ord>(
    fact: &Fact<Vec<T>>,
    sources: &[Source],
    pick: impl Fn(&Source) -> &[T],
) -> Fact<Vec<T>> {
    if matches!(fact, Fact::Entered { .. }) {
        return fact.clone();
    }
    let mut values: Vec<T> = vec![];
    let mut labels: Vec<&str> = vec![];
    for s in sources {
        let items = pick(s);
        if items.is_empty() {
            continue;
        }
        values.extend_from_slice(items);
        if !labels.contains(&s.label.as_str()) {
            labels.push(&s.label);
        }
    }
    values.sort();
    values.dedup();
    if values.is_empty() {
        // Nothing proposes it (any more): a stale proposal goes, a missing fact stays missing.
        Fact::Missing
    } else {
        Fact::derived(values, labels.join("; "))
    }
}

/// What a citizen ticked in their report ("welke gegevens zag u?", `reports::model::DATA_KINDS`) as
/// a source of derived facts: each kind the data category of the AP form it names. "unknown" says
/// nothing and proposes nothing; "school_or_education" has no category of its own on the AP form
/// and is "other"; "health" is a special category (Art. 9). A kind this table does not know
/// proposes nothing (old reports may hold words no longer offered).
pub fn from_citizen_kinds(label: String, kinds: &[String]) -> Source {
    let mut general_data = vec![];
    let mut special_categories = vec![];
    for k in kinds {
        let g = match k.as_str() {
            "name" => Some(GeneralData::Name),
            "address" => Some(GeneralData::Address),
            "contact_details" => Some(GeneralData::ContactDetails),
            "bsn" => Some(GeneralData::Bsn),
            "date_of_birth" => Some(GeneralData::DateOfBirth),
            "financial" => Some(GeneralData::Financial),
            "id_copy" => Some(GeneralData::IdDocuments),
            "criminal" => Some(GeneralData::Criminal),
            "school_or_education" | "other" => Some(GeneralData::Other),
            _ => None,
        };
        if let Some(g) = g.filter(|g| !general_data.contains(g)) {
            general_data.push(g);
        }
        if k == "health" && !special_categories.contains(&SpecialCategory::Health) {
            special_categories.push(SpecialCategory::Health);
        }
    }
    Source {
        label,
        general_data,
        special_categories,
        groups: vec![],
        controller_nature: None,
    }
}

/// The facts with the derived proposals of `sources` in every field a person has not entered.
pub fn propose(current: &Facts, sources: &[Source]) -> Facts {
    let mut f = current.clone();
    f.general_data = merge(&current.general_data, sources, |s| &s.general_data);
    f.special_categories = merge(&current.special_categories, sources, |s| {
        &s.special_categories
    });
    f.groups = merge(&current.groups, sources, |s| &s.groups);
    if !matches!(current.controller_nature, Fact::Entered { .. }) {
        // The most revealing nature any source gives; a stale proposal goes.
        let found = sources
            .iter()
            .filter_map(|s| s.controller_nature.map(|n| (n, s.label.as_str())))
            .max_by_key(|(n, _)| (n.stigmatising(), n.reveals_more()));
        f.controller_nature = match found {
            Some((n, label)) => Fact::derived(n, label),
            None if current.controller_nature.is_derived() => Fact::Missing,
            None => current.controller_nature.clone(),
        };
    }
    f
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `reports::model::DATA_KINDS` (a test in `register::service` keeps the two equal).
    pub(crate) const KINDS: [&str; 12] = [
        "name",
        "address",
        "contact_details",
        "bsn",
        "date_of_birth",
        "health",
        "financial",
        "id_copy",
        "school_or_education",
        "criminal",
        "unknown",
        "other",
    ];

    fn kinds_strategy() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(prop::sample::select(KINDS.to_vec()), 0..8)
            .prop_map(|v| v.into_iter().map(String::from).collect())
    }

    proptest! {
        /// Every kind ticked (except "unknown") proposes something; "unknown" alone proposes nothing.
        #[test]
        fn each_ticked_kind_proposes_a_category(kinds in kinds_strategy()) {
            let s = from_citizen_kinds("melding".into(), &kinds);
            for k in &kinds {
                let one = from_citizen_kinds("x".into(), std::slice::from_ref(k));
                let proposes = !one.general_data.is_empty() || !one.special_categories.is_empty();
                prop_assert_eq!(proposes, k != "unknown", "{}", k);
                for g in &one.general_data {
                    prop_assert!(s.general_data.contains(g));
                }
                for c in &one.special_categories {
                    prop_assert!(s.special_categories.contains(c));
                }
            }
            prop_assert!(s.groups.is_empty() && s.controller_nature.is_none());
        }

        /// Ticking more never proposes less, and the order of ticking does not matter.
        #[test]
        fn more_ticked_never_proposes_less(a in kinds_strategy(), b in kinds_strategy()) {
            let sa = from_citizen_kinds("a".into(), &a);
            let both: Vec<String> = a.iter().chain(b.iter()).cloned().collect();
            let sb = from_citizen_kinds("b".into(), &both);
            prop_assert!(sa.general_data.iter().all(|g| sb.general_data.contains(g)));
            prop_assert!(sa.special_categories.iter().all(|c| sb.special_categories.contains(c)));
            let mut rev = both.clone();
            rev.reverse();
            let sr = from_citizen_kinds("r".into(), &rev);
            let sorted = |mut v: Vec<GeneralData>| { v.sort(); v };
            prop_assert_eq!(sorted(sr.general_data), sorted(sb.general_data.clone()));
        }

        /// What the citizen ticked ends up in the proposal unless a person entered the field.
        #[test]
        fn ticked_kinds_reach_the_proposal(kinds in kinds_strategy()) {
            let s = from_citizen_kinds("melding M-2026-000001".into(), &kinds);
            let f = propose(&Facts::default(), std::slice::from_ref(&s));
            match &f.general_data {
                Fact::Derived { value, .. } => prop_assert!(s.general_data.iter().all(|g| value.contains(g))),
                Fact::Missing => prop_assert!(s.general_data.is_empty()),
                other => prop_assert!(false, "{:?}", other),
            }
            let derived = matches!(f.special_categories, Fact::Derived { .. });
            prop_assert_eq!(derived, !s.special_categories.is_empty());
        }
    }

    fn src(label: &str, g: &[GeneralData], p: &[PersonGroup]) -> Source {
        Source {
            label: label.into(),
            general_data: g.to_vec(),
            special_categories: vec![],
            groups: p.to_vec(),
            controller_nature: None,
        }
    }

    #[test]
    fn a_debt_counselling_activity_says_more_than_its_categories() {
        let s = Source::from_activity(
            "verwerkingsregister: Schuldhulpverlening".into(),
            "Schuldhulpverlening Hulp bij problematische schulden",
            &[GeneralData::Name, GeneralData::Email],
            &[],
            &[PersonGroup::Customers],
        );
        assert!(s.general_data.contains(&GeneralData::Debts));
        assert!(s.groups.contains(&PersonGroup::OtherVulnerable));
        assert_eq!(s.controller_nature, Some(ControllerNature::SocialServices));
        let f = propose(&Facts::default(), &[s]);
        assert_eq!(
            f.controller_nature,
            Fact::derived(
                ControllerNature::SocialServices,
                "verwerkingsregister: Schuldhulpverlening"
            )
        );
        assert!(f.general_data.has(&GeneralData::Debts));
        // An entered nature is never overwritten.
        let entered = Facts {
            controller_nature: Fact::entered(ControllerNature::Government),
            ..Facts::default()
        };
        let g = propose(&entered, &[]);
        assert_eq!(
            g.controller_nature,
            Fact::entered(ControllerNature::Government)
        );
        // A youth-care activity: minors.
        let y = Source::from_activity("x".into(), "Jeugdhulp en jeugdbescherming", &[], &[], &[]);
        assert!(y.groups.contains(&PersonGroup::Minors));
        // An ordinary activity adds nothing.
        let o = Source::from_activity(
            "x".into(),
            "Parkeervergunningen",
            &[GeneralData::Name],
            &[],
            &[],
        );
        assert_eq!(o.controller_nature, None);
        assert_eq!(o.general_data, vec![GeneralData::Name]);
    }

    #[test]
    fn missing_facts_are_proposed_as_derived_with_their_sources() {
        let f = propose(
            &Facts::default(),
            &[
                src(
                    "verwerkingsregister: Uitkeringen",
                    &[GeneralData::Name, GeneralData::Bsn],
                    &[PersonGroup::Customers],
                ),
                src(
                    "melding M-2026-000001",
                    &[GeneralData::Iban, GeneralData::Bsn],
                    &[],
                ),
            ],
        );
        match &f.general_data {
            Fact::Derived { value, from } => {
                assert_eq!(
                    value,
                    &vec![GeneralData::Name, GeneralData::Bsn, GeneralData::Iban]
                );
                assert_eq!(
                    from,
                    "verwerkingsregister: Uitkeringen; melding M-2026-000001"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(f.groups.is_derived());
        assert!(f.special_categories.is_missing());
        assert!(f.validate().is_ok());
    }

    #[test]
    fn entered_facts_are_never_overwritten() {
        let current = Facts {
            general_data: Fact::entered(vec![GeneralData::Name]),
            ..Facts::default()
        };
        let f = propose(
            &current,
            &[src("x", &[GeneralData::Bsn], &[PersonGroup::Minors])],
        );
        assert_eq!(f.general_data, Fact::entered(vec![GeneralData::Name]));
        assert!(f.groups.is_derived());
    }

    #[test]
    fn a_stale_proposal_goes_when_its_source_no_longer_says_it() {
        let current = Facts {
            groups: Fact::derived(vec![PersonGroup::Minors], "verwerkingsregister: Leerlingen"),
            ..Facts::default()
        };
        let f = propose(&current, &[]);
        assert!(f.groups.is_missing());
    }
}

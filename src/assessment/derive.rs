//! Facts proposed from sources — the processing activities an incident is linked to, and the
//! personal data the detector finds in its reports — marked derived (with the sources named) until
//! a person confirms them. A fact a person entered is never overwritten.
use super::facts::{Fact, Facts, GeneralData, PersonGroup, SpecialCategory};

/// What one source says about the data and the people involved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// Shown as "derived from …", e.g. `verwerkingsregister: Uitkeringen` or `melding M-2026-000012`.
    pub label: String,
    pub general_data: Vec<GeneralData>,
    pub special_categories: Vec<SpecialCategory>,
    pub groups: Vec<PersonGroup>,
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

/// The facts with the derived proposals of `sources` in every field a person has not entered.
pub fn propose(current: &Facts, sources: &[Source]) -> Facts {
    let mut f = current.clone();
    f.general_data = merge(&current.general_data, sources, |s| &s.general_data);
    f.special_categories = merge(&current.special_categories, sources, |s| {
        &s.special_categories
    });
    f.groups = merge(&current.groups, sources, |s| &s.groups);
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(label: &str, g: &[GeneralData], p: &[PersonGroup]) -> Source {
        Source {
            label: label.into(),
            general_data: g.to_vec(),
            special_categories: vec![],
            groups: p.to_vec(),
        }
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

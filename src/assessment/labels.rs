//! The facts' field names in words, for every text a person reads (reasons, the AP draft, pages,
//! e-mails): a Dutch text never shows a key such as `special_categories`.
//!
//! Keys are the JSON paths of [`super::facts::Facts`] (and of the refused-input problems, e.g.
//! `protection.key_not_compromised`). An unknown key is returned as it is, so a missing label shows
//! up in the Dutch-output test rather than as an empty text.

/// (key, Dutch, English), in the order of the facts.
const LABELS: &[(&str, &str, &str)] = &[
    ("nature", "aard van het datalek", "nature of the breach"),
    (
        "availability_loss",
        "tijdelijk of blijvend verlies",
        "temporary or permanent loss",
    ),
    ("kind", "soort incident", "kind of incident"),
    (
        "kind_other",
        "omschrijving van het andere soort incident",
        "description of the other kind of incident",
    ),
    (
        "general_data",
        "soorten persoonsgegevens",
        "kinds of personal data",
    ),
    (
        "special_categories",
        "bijzondere persoonsgegevens",
        "special categories of personal data",
    ),
    (
        "credentials_open",
        "waartoe de inloggegevens toegang geven",
        "what the credentials give access to",
    ),
    ("groups", "groepen betrokkenen", "groups of people affected"),
    ("people", "aantal betrokkenen", "number of people affected"),
    (
        "people.n",
        "aantal betrokkenen",
        "number of people affected",
    ),
    (
        "people.min",
        "minimum aantal betrokkenen",
        "minimum number of people affected",
    ),
    (
        "people.max",
        "maximum aantal betrokkenen",
        "maximum number of people affected",
    ),
    ("records", "aantal records", "number of records"),
    ("protection", "beveiliging vooraf", "protection beforehand"),
    (
        "protection.method",
        "beveiligingsmethode",
        "protection method",
    ),
    (
        "protection.technique",
        "gebruikte techniek",
        "technique used",
    ),
    (
        "protection.data_intact",
        "gegevens nog intact",
        "data still intact",
    ),
    (
        "protection.recent_backup",
        "recente back-up",
        "recent backup",
    ),
    (
        "protection.key_not_compromised",
        "sleutel niet gecompromitteerd",
        "key not compromised",
    ),
    (
        "protection.exception_a_claimed",
        "beroep op uitzondering (a)",
        "exception (a) claimed",
    ),
    ("recipients", "ontvangers", "recipients"),
    ("recipients.known", "ontvanger bekend", "recipient known"),
    (
        "recipients.trustworthy",
        "ontvanger betrouwbaar",
        "recipient trustworthy",
    ),
    (
        "recipients.trust_basis",
        "waarom de ontvanger betrouwbaar is",
        "why the recipient is trustworthy",
    ),
    (
        "recipients.returned_or_deleted",
        "teruggestuurd of vernietigd",
        "returned or destroyed",
    ),
    ("recipients.opened", "geopend of ingezien", "opened or seen"),
    (
        "recipients.count",
        "aantal ontvangers",
        "number of recipients",
    ),
    (
        "consequences_people",
        "gevolgen voor de betrokkenen",
        "consequences for the people",
    ),
    (
        "consequences_org",
        "gevolgen voor de organisatie",
        "consequences for the organisation",
    ),
    ("malicious_intent", "kwade opzet", "malicious intent"),
    ("exfiltrated", "gegevens weggesluisd", "data exfiltrated"),
    (
        "backup_available",
        "back-up beschikbaar",
        "backup available",
    ),
    (
        "restored_without_difficulty",
        "zonder moeite hersteld",
        "restored without difficulty",
    ),
    (
        "integrity_recoverable",
        "wijziging te herstellen",
        "alteration recoverable",
    ),
    (
        "controller_nature",
        "soort organisatie",
        "kind of organisation",
    ),
    (
        "identifiability",
        "identificeerbaarheid",
        "ease of identification",
    ),
    (
        "large_volume_per_person",
        "veel gegevens per persoon",
        "much data per person",
    ),
    (
        "sensitive_limited_insight",
        "gevoelige gegevens geven weinig inzicht",
        "sensitive data give little insight",
    ),
    (
        "data_known_invalid",
        "gegevens bekend onjuist",
        "data known to be invalid",
    ),
    (
        "data_already_public",
        "gegevens al openbaar",
        "data already public",
    ),
    (
        "people_reachable",
        "betrokkenen individueel te bereiken",
        "people reachable individually",
    ),
    (
        "risk_removing_measures",
        "maatregelen die het hoge risico wegnemen",
        "measures that remove the high risk",
    ),
    (
        "how_discovered",
        "hoe het datalek is ontdekt",
        "how the breach was discovered",
    ),
];

/// The Dutch words for a fact's key; the key itself when unknown.
pub fn fact_label_nl(key: &str) -> &str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, nl, _)| *nl)
        .unwrap_or(key)
}

/// The English words for a fact's key; the key itself when unknown.
pub fn fact_label_en(key: &str) -> &str {
    LABELS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, _, en)| *en)
        .unwrap_or(key)
}

/// Several keys in words, joined with commas.
pub fn list_nl(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| fact_label_nl(k))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Several keys in words, joined with commas.
pub fn list_en(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| fact_label_en(k))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_top_level_fact_has_words() {
        // The keys as serialised: a new field without a label fails here.
        let v = serde_json::to_value(super::super::facts::Facts::default()).unwrap();
        for key in v.as_object().unwrap().keys() {
            assert!(
                LABELS.iter().any(|(k, _, _)| k == key),
                "no label for {key}"
            );
            assert!(!fact_label_nl(key).contains('_'), "{key}");
        }
        assert_eq!(
            list_nl(&["special_categories", "recipients"]),
            "bijzondere persoonsgegevens, ontvangers"
        );
    }
}

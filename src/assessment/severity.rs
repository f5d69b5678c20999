//! ENISA severity (2013), `regulation.md` §6: **SE = DPC × EI + CB**.
//!
//! - DPC (data processing context, 1–4): the basic score of the highest data category (simple 1,
//!   behavioural 2, financial 3, sensitive 4; credentials score as the data they open), then
//!   whole-point adjustments for the context, each with its reason, clamped to 1–4.
//! - EI (ease of identification): a multiplier 0.25 / 0.5 / 0.75 / 1.
//! - CB (circumstances): confidentiality 0 / 0.25 / 0.5, integrity 0 / 0.25 / 0.5, availability
//!   0 / 0.25 / 0.5, malicious intent 0.5.
//! - Band: < 2 low, 2–< 3 medium, 3–< 4 high, ≥ 4 very high.
//!
//! The number of people and unintelligibility (encryption) are weighed beside the score, in the
//! decision, not in it. Where a fact is missing the method takes the less favourable reading and
//! says so. The score supports the decision; it does not make it.
use serde::{Deserialize, Serialize};

use super::facts::{
    AvailabilityLoss, DataLevel, Facts, GeneralData, Identifiability, Nature, SpecialCategory,
};
use super::Reason;

/// Up to this many known recipients count as "known, limited recipients" (CB +0.25); more, or
/// an unknown number, as +0.5. A house choice, stated here so that it can be checked.
pub const LIMITED_RECIPIENTS: i64 = 100;

vocabulary! {
    /// The ENISA severity band.
    pub enum Band {
        Low => ("low", "laag", "low"),
        Medium => ("medium", "gemiddeld", "medium"),
        High => ("high", "hoog", "high"),
        VeryHigh => ("very_high", "zeer hoog", "very high"),
    }
}

impl Band {
    pub fn of(score: f64) -> Band {
        if score >= 4.0 {
            Band::VeryHigh
        } else if score >= 3.0 {
            Band::High
        } else if score >= 2.0 {
            Band::Medium
        } else {
            Band::Low
        }
    }

    /// A proposal for the AP form's severity field (chapter 9): verwaarloosbaar / beperkt /
    /// aanzienlijk / zeer groot. The person filling in the form decides.
    pub fn form_label_nl(&self) -> &'static str {
        match self {
            Band::Low => "verwaarloosbaar",
            Band::Medium => "beperkt",
            Band::High => "aanzienlijk",
            Band::VeryHigh => "zeer groot",
        }
    }
}

/// A whole-point adjustment of the DPC, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    pub points: i32,
    pub reason: Reason,
}

/// The data processing context: basic score, adjustments, result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dpc {
    pub basic: i32,
    pub basic_level: DataLevel,
    pub adjustments: Vec<Adjustment>,
    /// Basic plus adjustments, clamped to 1–4.
    pub value: i32,
}

/// Ease of identification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ei {
    pub level: Identifiability,
    pub value: f64,
    /// Derived from the data categories because the fact was missing.
    pub derived: bool,
}

/// Circumstances of the breach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cb {
    pub confidentiality: f64,
    pub integrity: f64,
    pub availability: f64,
    pub malicious_intent: f64,
    pub total: f64,
}

/// The score, its band, its inputs and the reasons for every part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    pub score: f64,
    pub band: Band,
    pub dpc: Dpc,
    pub ei: Ei,
    pub cb: Cb,
    pub reasons: Vec<Reason>,
}

/// A number as Dutch readers write it: `0,25`.
fn nl_num(x: f64) -> String {
    format!("{x}").replace('.', ",")
}

/// The ENISA level of one general data category; `None` for "unknown".
fn level_of(d: GeneralData, f: &Facts) -> Option<DataLevel> {
    use GeneralData::*;
    Some(match d {
        Name | Sex | DateOfBirth | ContactDetails | Address | Email | Phone | Bsn | IdDocuments
        | Other => DataLevel::Simple,
        Location | Behavioural => DataLevel::Behavioural,
        Financial | Iban | CreditCard | Debts | Benefits | OtherFinancial => DataLevel::Financial,
        Criminal => sensitive_level(f),
        AccessData => f
            .credentials_open
            .value()
            .copied()
            .unwrap_or(DataLevel::Simple),
        Unknown => return None,
    })
}

/// Sensitive data score 4, or 1 when they give no significant insight (ENISA: −3).
fn sensitive_level(f: &Facts) -> DataLevel {
    if f.sensitive_limited_insight.is_true() {
        DataLevel::Simple
    } else {
        DataLevel::Sensitive
    }
}

fn label_special(c: SpecialCategory) -> (String, String) {
    (c.label_nl().to_string(), c.label_en().to_string())
}

fn dpc(f: &Facts, reasons: &mut Vec<Reason>) -> Dpc {
    // The highest category counts.
    let mut best: Option<(DataLevel, String, String)> = None;
    let mut consider = |level: DataLevel, nl: String, en: String| {
        if best.as_ref().map(|(l, _, _)| level > *l).unwrap_or(true) {
            best = Some((level, nl, en));
        }
    };
    for d in f.general_data.items() {
        if let Some(level) = level_of(*d, f) {
            consider(level, d.label_nl().to_string(), d.label_en().to_string());
        }
    }
    for c in f.special_categories.items() {
        let (nl, en) = label_special(*c);
        consider(sensitive_level(f), nl, en);
    }
    if f.has_data(GeneralData::AccessData) {
        match f.credentials_open.value() {
            Some(l) => reasons.push(Reason::new(
                "dpc_credentials",
                format!(
                    "Inloggegevens tellen als de gegevens waartoe ze toegang geven: {}.",
                    l.label_nl()
                ),
                format!(
                    "Credentials score as the data they open: {}.",
                    l.label_en()
                ),
            )),
            None => reasons.push(Reason::new(
                "dpc_credentials_unknown",
                "Niet vastgelegd waartoe de inloggegevens toegang geven; geteld als eenvoudig. Leg het vast.",
                "What the credentials open is not recorded; scored as simple. Record it.",
            )),
        }
    }
    if f.has_sensitive() && f.sensitive_limited_insight.is_true() {
        reasons.push(Reason::new(
            "dpc_sensitive_limited_insight",
            "De gevoelige gegevens geven geen wezenlijk inzicht (bijv. een voedselvoorkeur): basisscore 4 − 3 = 1 (ENISA).",
            "The sensitive data give no significant insight (e.g. a food preference): basic score 4 − 3 = 1 (ENISA).",
        ));
    }
    if f.has_data(GeneralData::Unknown) {
        reasons.push(Reason::new(
            "dpc_categories_unknown",
            "Een deel van de gegevenscategorieën is onbekend; de score rust op de bekende.",
            "Some data categories are unknown; the score rests on the known ones.",
        ));
    }
    let (basic_level, top_nl, top_en) = best.unwrap_or_else(|| {
        reasons.push(Reason::new(
            "dpc_no_categories",
            "Geen gegevenscategorieën vastgelegd; uitgegaan van eenvoudige gegevens.",
            "No data categories recorded; simple data assumed.",
        ));
        (DataLevel::Simple, "—".into(), "—".into())
    });
    let basic = basic_level.score();
    reasons.push(Reason::new(
        "dpc_basic",
        format!(
            "DPC-basisscore {basic}: hoogste categorie {top_nl} ({}).",
            basic_level.label_nl()
        ),
        format!(
            "DPC basic score {basic}: highest category {top_en} ({}).",
            basic_level.label_en()
        ),
    ));

    let mut adjustments = vec![];
    let mut adjust = |points: i32, rule: &str, nl: String, en: String| {
        adjustments.push(Adjustment {
            points,
            reason: Reason::new(rule, nl, en),
        });
    };
    if f.large_volume_per_person.is_true() {
        adjust(
            1,
            "dpc_volume_per_person",
            "+1: veel gegevens per persoon maken een profiel mogelijk.".into(),
            "+1: much data per person allows a profile.".into(),
        );
    }
    if let Some(c) = f.controller_nature.value() {
        if c.reveals_more() && basic_level < DataLevel::Sensitive {
            adjust(
                1,
                "dpc_controller_nature",
                format!(
                    "+1: de verwerkingsverantwoordelijke is een {}; ook eenvoudige gegevens verraden daardoor meer (bijv. dat iemand cliënt is).",
                    c.label_nl()
                ),
                format!(
                    "+1: the controller is a {}; even simple data reveal more (e.g. that someone is a client).",
                    c.label_en()
                ),
            );
        }
    }
    if f.has_vulnerable_people() {
        adjust(
            1,
            "dpc_vulnerable_people",
            "+1: het gaat om minderjarigen of andere kwetsbare personen.".into(),
            "+1: minors or other vulnerable people are concerned.".into(),
        );
    }
    // Identity fraud needs the data to be seen: only where confidentiality is (or may be) breached.
    let seen =
        f.nature.is_missing() || f.has_nature(Nature::Confidentiality) || f.exfiltrated.is_true();
    if seen && (f.has_bsn() || f.has_data(GeneralData::IdDocuments)) {
        adjust(
            1,
            "dpc_identity_fraud",
            "+1: een BSN of identiteitsbewijs maakt identiteitsfraude mogelijk.".into(),
            "+1: a BSN or ID document makes identity fraud possible.".into(),
        );
    }
    if f.data_known_invalid.is_true() {
        adjust(
            -1,
            "dpc_known_invalid",
            "−1: de gegevens zijn bekend onjuist of ongeldig.".into(),
            "−1: the data are known to be wrong or invalid.".into(),
        );
    }
    if f.data_already_public.is_true() {
        adjust(
            -1,
            "dpc_already_public",
            "−1: de gegevens waren al openbaar.".into(),
            "−1: the data were already public.".into(),
        );
    }
    let raw = basic + adjustments.iter().map(|a| a.points).sum::<i32>();
    let value = raw.clamp(1, 4);
    if value != raw {
        reasons.push(Reason::new(
            "dpc_clamped",
            format!("DPC {raw} begrensd tot {value} (schaal 1–4)."),
            format!("DPC {raw} clamped to {value} (scale 1–4)."),
        ));
    }
    Dpc {
        basic,
        basic_level,
        adjustments,
        value,
    }
}

fn ei(f: &Facts, reasons: &mut Vec<Reason>) -> Ei {
    if let Some(level) = f.identifiability.value() {
        reasons.push(Reason::new(
            "ei",
            format!(
                "Identificeerbaarheid {} (×{}).",
                level.label_nl(),
                nl_num(level.multiplier())
            ),
            format!(
                "Ease of identification {} (×{}).",
                level.label_en(),
                level.multiplier()
            ),
        ));
        return Ei {
            level: *level,
            value: level.multiplier(),
            derived: false,
        };
    }
    // Not recorded: the less favourable reading (maximum), never a guess from which data are
    // listed — a guess that would make adding data lower the score.
    let (level, nl, en) = (
        Identifiability::Maximum,
        "Identificeerbaarheid niet vastgelegd: uitgegaan van maximaal (×1), de minst gunstige lezing. Leg haar vast als de gegevens niet direct tot personen te herleiden zijn.",
        "Ease of identification not recorded: maximum assumed (×1), the less favourable reading. Record it when the data do not point at people directly.",
    );
    reasons.push(Reason::new("ei_derived", nl, en));
    Ei {
        level,
        value: level.multiplier(),
        derived: true,
    }
}

fn cb(f: &Facts, reasons: &mut Vec<Reason>) -> Cb {
    let mut push = |rule: &str, nl: String, en: String| reasons.push(Reason::new(rule, nl, en));
    let r = f.recipients();
    let confidentiality = if !(f.has_nature(Nature::Confidentiality) || f.exfiltrated.is_true()) {
        0.0
    } else if r.opened == Some(false) {
        push(
            "cb_confidentiality",
            "Vertrouwelijkheid +0: ongeopend retour, geen aanwijzing dat iemand de gegevens zag."
                .into(),
            "Confidentiality +0: returned unopened, no sign that anyone saw the data.".into(),
        );
        0.0
    } else if r.known == Some(true) && r.count.unwrap_or(1) <= LIMITED_RECIPIENTS {
        push(
            "cb_confidentiality",
            "Vertrouwelijkheid +0,25: bekende, beperkte ontvanger(s).".into(),
            "Confidentiality +0.25: known, limited recipient(s).".into(),
        );
        0.25
    } else {
        let why_nl = match r.known {
            Some(true) => "veel ontvangers",
            Some(false) => "onbekende ontvangers",
            None => "ontvangers niet vastgelegd, uitgegaan van een onbekend aantal",
        };
        let why_en = match r.known {
            Some(true) => "many recipients",
            Some(false) => "unknown recipients",
            None => "recipients not recorded, an unknown number assumed",
        };
        push(
            "cb_confidentiality",
            format!("Vertrouwelijkheid +0,5: {why_nl}."),
            format!("Confidentiality +0.5: {why_en}."),
        );
        0.5
    };
    let integrity = if !f.has_nature(Nature::Integrity) {
        0.0
    } else if f.integrity_recoverable.is_true() {
        push(
            "cb_integrity",
            "Integriteit +0,25: gewijzigd, maar te herstellen.".into(),
            "Integrity +0.25: altered, but recoverable.".into(),
        );
        0.25
    } else {
        let unknown = f.integrity_recoverable.is_missing();
        push(
            "cb_integrity",
            if unknown {
                "Integriteit +0,5: niet bekend of de wijziging te herstellen is; uitgegaan van niet.".into()
            } else {
                "Integriteit +0,5: de wijziging is niet te herstellen.".into()
            },
            if unknown {
                "Integrity +0.5: not known whether the alteration can be put right; assumed not."
                    .into()
            } else {
                "Integrity +0.5: the alteration cannot be put right.".into()
            },
        );
        0.5
    };
    let availability = if !f.has_nature(Nature::Availability) {
        0.0
    } else {
        match (
            f.availability_loss.value(),
            f.restored_without_difficulty.known(),
        ) {
            (Some(AvailabilityLoss::Temporary), Some(true)) => {
                push(
                    "cb_availability",
                    "Beschikbaarheid +0: zonder moeite hersteld.".into(),
                    "Availability +0: recovered without difficulty.".into(),
                );
                0.0
            }
            (Some(AvailabilityLoss::Temporary), _) => {
                push(
                    "cb_availability",
                    "Beschikbaarheid +0,25: tijdelijk niet beschikbaar.".into(),
                    "Availability +0.25: temporarily unavailable.".into(),
                );
                0.25
            }
            (Some(AvailabilityLoss::Permanent), _) => {
                push(
                    "cb_availability",
                    "Beschikbaarheid +0,5: blijvend verloren.".into(),
                    "Availability +0.5: permanently lost.".into(),
                );
                0.5
            }
            (None, _) => {
                push(
                    "cb_availability",
                    "Beschikbaarheid +0,5: niet vastgelegd of het verlies tijdelijk is; uitgegaan van blijvend.".into(),
                    "Availability +0.5: not recorded whether the loss is temporary; permanent assumed.".into(),
                );
                0.5
            }
        }
    };
    let malicious_intent = if f.malicious_intent.is_true() {
        push(
            "cb_malicious",
            "Kwade opzet +0,5.".into(),
            "Malicious intent +0.5.".into(),
        );
        0.5
    } else {
        0.0
    };
    Cb {
        confidentiality,
        integrity,
        availability,
        malicious_intent,
        total: confidentiality + integrity + availability + malicious_intent,
    }
}

/// The ENISA severity of the facts.
pub fn assess(f: &Facts) -> Severity {
    let mut reasons = vec![];
    let dpc = dpc(f, &mut reasons);
    for a in &dpc.adjustments {
        reasons.push(a.reason.clone());
    }
    let ei = ei(f, &mut reasons);
    let cb = cb(f, &mut reasons);
    let score = f64::from(dpc.value) * ei.value + cb.total;
    let band = Band::of(score);
    reasons.push(Reason::new(
        "se",
        format!(
            "Ernst = DPC {} × EI {} + CB {} = {}: {}.",
            dpc.value,
            nl_num(ei.value),
            nl_num(cb.total),
            nl_num(score),
            band.label_nl()
        ),
        format!(
            "Severity = DPC {} × EI {} + CB {} = {}: {}.",
            dpc.value,
            ei.value,
            cb.total,
            score,
            band.label_en()
        ),
    ));
    Severity {
        score,
        band,
        dpc,
        ei,
        cb,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::facts::{
        ControllerNature, Fact, PersonGroup, Recipients, SpecialCategory,
    };

    fn rules(s: &Severity) -> Vec<&str> {
        s.reasons.iter().map(|r| r.rule.as_str()).collect()
    }

    #[test]
    fn bands_at_their_boundaries() {
        assert_eq!(Band::of(1.99), Band::Low);
        assert_eq!(Band::of(2.0), Band::Medium);
        assert_eq!(Band::of(2.99), Band::Medium);
        assert_eq!(Band::of(3.0), Band::High);
        assert_eq!(Band::of(4.0), Band::VeryHigh);
        assert_eq!(Band::of(5.5), Band::VeryHigh);
        assert_eq!(Band::High.form_label_nl(), "aanzienlijk");
    }

    /// A letter with name, address and BSN to one wrong, known addressee:
    /// DPC 1 (simple) + 1 (BSN) = 2; EI 1 (name); CB 0.25 (one known recipient) → 2.25 medium.
    #[test]
    fn worked_example_misdirected_letter_with_bsn() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            general_data: Fact::entered(vec![
                GeneralData::Name,
                GeneralData::Address,
                GeneralData::Bsn,
            ]),
            recipients: Fact::entered(Recipients {
                known: Some(true),
                count: Some(1),
                ..Default::default()
            }),
            malicious_intent: Fact::entered(false),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!(s.dpc.basic, 1);
        assert_eq!(s.dpc.adjustments.len(), 1);
        assert_eq!(s.dpc.adjustments[0].reason.rule, "dpc_identity_fraud");
        assert_eq!(s.dpc.value, 2);
        assert!(s.ei.derived);
        assert_eq!(s.ei.level, Identifiability::Maximum);
        assert_eq!(s.cb.confidentiality, 0.25);
        assert_eq!(s.score, 2.25);
        assert_eq!(s.band, Band::Medium);
        let last = s.reasons.last().unwrap();
        assert_eq!(last.nl, "Ernst = DPC 2 × EI 1 + CB 0,25 = 2,25: gemiddeld.");
    }

    /// Ransomware at a hospital, restored from backup in two days (EDPB case 3):
    /// DPC 4 (health; the hospital adds nothing above 4); EI 1; CB 0.25 (temporary) + 0.5
    /// (malicious) → 4.75 very high.
    #[test]
    fn worked_example_hospital_ransomware() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Availability]),
            availability_loss: Fact::entered(AvailabilityLoss::Temporary),
            restored_without_difficulty: Fact::entered(false),
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::Address]),
            special_categories: Fact::entered(vec![SpecialCategory::Health]),
            controller_nature: Fact::entered(ControllerNature::HealthCare),
            malicious_intent: Fact::entered(true),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!((s.dpc.basic, s.dpc.value), (4, 4));
        assert!(s.dpc.adjustments.is_empty());
        assert_eq!(s.cb.availability, 0.25);
        assert_eq!(s.cb.malicious_intent, 0.5);
        assert_eq!(s.cb.confidentiality, 0.0);
        assert_eq!(s.score, 4.75);
        assert_eq!(s.band, Band::VeryHigh);
    }

    /// Pseudonymous accounts of a recipe site (EDPB case 6): credentials opening simple data,
    /// EI limited, stolen by an attacker: 1 × 0.5 + 0.5 + 0.5 = 1.5 low.
    #[test]
    fn worked_example_credentials_score_as_what_they_open() {
        let mut f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            general_data: Fact::entered(vec![GeneralData::AccessData]),
            credentials_open: Fact::entered(DataLevel::Simple),
            identifiability: Fact::entered(Identifiability::Limited),
            recipients: Fact::entered(Recipients {
                known: Some(false),
                ..Default::default()
            }),
            malicious_intent: Fact::entered(true),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!(s.score, 1.5);
        assert_eq!(s.band, Band::Low);
        assert!(rules(&s).contains(&"dpc_credentials"));
        // The same credentials opening bank accounts at a bank: 3 + 1 (bank) = 4.
        f.credentials_open = Fact::entered(DataLevel::Financial);
        f.controller_nature = Fact::entered(ControllerNature::BankOrFinancial);
        f.identifiability = Fact::entered(Identifiability::Maximum);
        let s = assess(&f);
        assert_eq!((s.dpc.basic, s.dpc.value), (3, 4));
        assert_eq!(s.score, 5.0);
        // Unknown what they open: scored simple, and said so.
        f.credentials_open = Fact::Missing;
        let s = assess(&f);
        assert_eq!(s.dpc.basic, 1);
        assert!(rules(&s).contains(&"dpc_credentials_unknown"));
    }

    /// A food preference revealing lactose intolerance (EDPB case 15): health, but no
    /// significant insight: 4 − 3 = 1; one known group of 15 recipients → 1.25 low.
    #[test]
    fn worked_example_sensitive_data_with_limited_insight() {
        let mut f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::Email]),
            special_categories: Fact::entered(vec![SpecialCategory::Health]),
            sensitive_limited_insight: Fact::entered(true),
            recipients: Fact::entered(Recipients {
                known: Some(true),
                count: Some(15),
                ..Default::default()
            }),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!(s.dpc.basic, 1);
        assert_eq!(s.score, 1.25);
        assert!(rules(&s).contains(&"dpc_sensitive_limited_insight"));
        // Without that finding it is health data: 4 + 0.25.
        f.sensitive_limited_insight = Fact::entered(false);
        assert_eq!(assess(&f).score, 4.25);
    }

    #[test]
    fn adjustments_are_whole_points_with_reasons_and_clamped() {
        let f = Facts {
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::Bsn]),
            special_categories: Fact::entered(vec![SpecialCategory::Health]),
            groups: Fact::entered(vec![PersonGroup::Minors]),
            large_volume_per_person: Fact::entered(true),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!(s.dpc.basic, 4);
        let points: Vec<i32> = s.dpc.adjustments.iter().map(|a| a.points).collect();
        assert_eq!(points, vec![1, 1, 1]);
        assert_eq!(s.dpc.value, 4);
        assert!(rules(&s).contains(&"dpc_clamped"));

        // Down: already public and known invalid; never below 1.
        let f = Facts {
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::Email]),
            data_already_public: Fact::entered(true),
            data_known_invalid: Fact::entered(true),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!(s.dpc.value, 1);
        assert_eq!(s.dpc.adjustments.iter().map(|a| a.points).sum::<i32>(), -2);

        // The controller's nature lifts simple data: an insurer's letter (EDPB case 16).
        let f = Facts {
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::DateOfBirth]),
            controller_nature: Fact::entered(ControllerNature::BankOrFinancial),
            ..Default::default()
        };
        let s = assess(&f);
        assert_eq!(s.dpc.value, 2);
        assert_eq!(s.dpc.adjustments[0].reason.rule, "dpc_controller_nature");
    }

    #[test]
    fn circumstances_add_up_and_missing_facts_count_against() {
        let mut f = Facts {
            general_data: Fact::entered(vec![GeneralData::Iban, GeneralData::Name]),
            nature: Fact::entered(vec![
                Nature::Confidentiality,
                Nature::Integrity,
                Nature::Availability,
            ]),
            malicious_intent: Fact::entered(true),
            ..Default::default()
        };
        // Recipients, recoverability and duration unknown: 0.5 each, said so.
        let s = assess(&f);
        assert_eq!(s.cb.total, 2.0);
        assert_eq!(s.score, 5.0);
        assert!(s
            .reasons
            .iter()
            .any(|r| r.en.contains("unknown number assumed")));
        // Known: many recipients (0.5), recoverable (0.25), restored without difficulty (0).
        f.recipients = Fact::entered(Recipients {
            known: Some(true),
            count: Some(300),
            ..Default::default()
        });
        f.integrity_recoverable = Fact::entered(true);
        f.availability_loss = Fact::entered(AvailabilityLoss::Temporary);
        f.restored_without_difficulty = Fact::entered(true);
        let s = assess(&f);
        assert_eq!(
            (s.cb.confidentiality, s.cb.integrity, s.cb.availability),
            (0.5, 0.25, 0.0)
        );
        // Returned unopened: no confidentiality circumstance.
        f.recipients = Fact::entered(Recipients {
            known: Some(true),
            opened: Some(false),
            ..Default::default()
        });
        assert_eq!(assess(&f).cb.confidentiality, 0.0);
    }

    #[test]
    fn ease_of_identification_is_derived_when_missing() {
        let mut f = Facts {
            general_data: Fact::entered(vec![GeneralData::Location]),
            ..Default::default()
        };
        // Not recorded: the less favourable reading, whatever data are listed (a guess from the
        // list would let added data lower the score).
        let s = assess(&f);
        assert_eq!(s.ei.level, Identifiability::Maximum);
        assert!(s.ei.derived);
        assert_eq!(s.score, 2.0);
        f.identifiability = Fact::entered(Identifiability::Negligible);
        let s = assess(&f);
        assert!(!s.ei.derived);
        assert_eq!(s.score, 0.5);
    }

    #[test]
    fn severity_serialises_with_its_inputs() {
        let f = Facts {
            general_data: Fact::entered(vec![GeneralData::Name]),
            ..Default::default()
        };
        let s = assess(&f);
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["band"], "low");
        assert_eq!(v["dpc"]["basic_level"], "simple");
        assert_eq!(v["ei"]["level"], "maximum");
        let back: Severity = serde_json::from_value(v).unwrap();
        assert_eq!(back, s);
    }
}

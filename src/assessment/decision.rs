//! The proposed decision: register only, notify the AP, also tell the people, or tell them by
//! public communication (Art. 34(3)(c)) — with the Art. 34(3) exception that applies and the
//! reasons in words a person can check.
//!
//! The proposal encodes the AP's guidance (`regulation.md` §1, §4) and is tested against the 18
//! cases of EDPB Guidelines 01/2021 (§5). It is a proposal: the decision is a person's, recorded
//! with reasons; a decision that differs from the proposal needs a reason for the difference
//! ([`differs_needs_reason`], [`check_choice`]).
//!
//! How it works, in order:
//! 1. **Containment.** Each nature of the breach is either contained or exposed. Confidentiality
//!    is contained when the data were unintelligible (encrypted, hashed or otherwise, the key not
//!    compromised, the data intact, and a recent backup where availability was also hit — the
//!    three conditions of the encryption exception), when a known, trustworthy recipient confirmed
//!    return or destruction (AP), or when the mail came back unopened. Availability is contained
//!    when a temporary loss was restored from a backup without difficulty. Integrity is
//!    contained when an accidental alteration was put right.
//! 2. **High risk** (tell the people) where exposed: a BSN together with other data; special
//!    categories or criminal data (unless they give no significant insight); ID documents;
//!    problematic debts; financial data, or name + date of birth + address/contact, or
//!    credentials to financial or sensitive data, or vulnerable people's data in unknown or
//!    hostile hands; care disrupted by lost health data; a serious consequence for the people
//!    recorded as likely (the AP's examples); an ENISA band high or very high.
//! 3. **Risk** (notify the AP) where exposed: access with malicious intent; unknown recipients;
//!    many people (≥ [`LARGE_SCALE_PEOPLE`]) with data not returned; a date of birth or a BSN not
//!    returned; vulnerable people; no backup, permanent loss or difficult restoration; data
//!    altered and not recoverable or altered on purpose; an ENISA band medium.
//! 4. **In doubt, notify**: a fact that could change the outcome is missing → at least risk.
//! 5. **Exceptions.** High risk with measures afterwards that make it no longer likely → (b),
//!    notify the AP only; high risk and the people not reachable individually → (c), public
//!    communication. Where encryption is what keeps a would-be high risk away → (a) is recorded.
use serde::{Deserialize, Serialize};

use super::facts::{
    AvailabilityLoss, ControllerNature, DataLevel, Facts, GeneralData, Nature, OrgConsequence,
    SpecialCategory,
};
use super::severity::{Band, Severity};
use super::{FieldProblem, Reason};

/// From this many people on, a disclosure that was not undone counts as a risk by its scale.
/// A house choice (the AP sets no number), stated so that it can be checked and changed.
pub const LARGE_SCALE_PEOPLE: i64 = 100;

vocabulary! {
    /// What the proposal (or the person) decides.
    pub enum Outcome {
        RegisterOnly => ("register_only", "alleen registreren in het register van datalekken", "register only (internal breach register)"),
        NotifyAp => ("notify_ap", "melden bij de Autoriteit Persoonsgegevens", "notify the Dutch DPA (AP)"),
        NotifyApAndDataSubjects => ("notify_ap_and_data_subjects", "melden bij de AP en de betrokkenen informeren", "notify the AP and tell the people concerned"),
        NotifyApAndPublicCommunication => ("notify_ap_and_public_communication", "melden bij de AP en openbaar bekendmaken (art. 34 lid 3 onder c)", "notify the AP and communicate publicly (Art. 34(3)(c))"),
    }
}

impl Outcome {
    pub fn notifies_ap(&self) -> bool {
        !matches!(self, Outcome::RegisterOnly)
    }

    pub fn tells_people(&self) -> bool {
        matches!(
            self,
            Outcome::NotifyApAndDataSubjects | Outcome::NotifyApAndPublicCommunication
        )
    }
}

vocabulary! {
    /// The exceptions of Art. 34(3) to telling the people individually.
    pub enum Exception {
        A => ("a", "art. 34 lid 3 onder a: de gegevens zijn voor onbevoegden onbegrijpelijk (bijv. versleuteld)", "Art. 34(3)(a): the data are unintelligible to unauthorised persons (e.g. encrypted)"),
        B => ("b", "art. 34 lid 3 onder b: achteraf genomen maatregelen maken het hoge risico niet meer waarschijnlijk", "Art. 34(3)(b): subsequent measures make the high risk no longer likely"),
        C => ("c", "art. 34 lid 3 onder c: individueel informeren vergt onevenredige inspanning; openbare mededeling", "Art. 34(3)(c): telling each person would take disproportionate effort; public communication instead"),
    }
}

vocabulary! {
    /// The risk to people's rights and freedoms.
    pub enum RiskLevel {
        Unlikely => ("unlikely", "geen risico waarschijnlijk", "unlikely to result in a risk"),
        Risk => ("risk", "risico", "risk"),
        High => ("high", "hoog risico", "high risk"),
    }
}

/// The proposal with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub outcome: Outcome,
    pub exception: Option<Exception>,
    pub risk: RiskLevel,
    pub severity_score: f64,
    pub severity_band: Band,
    /// Every rule that applied, in order, ending with the conclusion.
    pub reasons: Vec<Reason>,
    /// Facts still missing that could change the outcome.
    pub missing: Vec<String>,
}

impl Proposal {
    pub fn rules(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.rule.as_str()).collect()
    }
}

/// What a person decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub outcome: Outcome,
    #[serde(default)]
    pub exception: Option<Exception>,
}

impl Choice {
    /// The decision to inform the people by a public communication instead of one by one
    /// (Art. 34(3)(c)): the outcome and the exception both say so. Only this decision allows a
    /// public notice to be published.
    pub fn is_public_communication(&self) -> bool {
        self.outcome == Outcome::NotifyApAndPublicCommunication
            && self.exception == Some(Exception::C)
    }

    /// A stored decision (outcome and exception keys); `None` when a key is not known.
    pub fn from_stored(outcome: &str, exception: Option<&str>) -> Option<Choice> {
        let exception = match exception {
            Some(e) => Some(Exception::parse(e)?),
            None => None,
        };
        Some(Choice {
            outcome: Outcome::parse(outcome)?,
            exception,
        })
    }
}

#[derive(Default)]
struct Eval {
    level: Option<RiskLevel>,
    reasons: Vec<Reason>,
    missing: Vec<&'static str>,
}

impl Eval {
    fn level(&self) -> RiskLevel {
        self.level.unwrap_or(RiskLevel::Unlikely)
    }

    fn raise(&mut self, to: RiskLevel, rule: &str, nl: String, en: String) {
        if to > self.level() {
            self.level = Some(to);
        }
        self.reasons.push(Reason::new(rule, nl, en));
    }

    fn note(&mut self, rule: &str, nl: String, en: String) {
        self.reasons.push(Reason::new(rule, nl, en));
    }
}

fn list_nl<T>(items: &[T], label: fn(&T) -> &'static str) -> String {
    items.iter().map(label).collect::<Vec<_>>().join(", ")
}

/// Whether the data were unintelligible to others under the three conditions; and if the
/// protection claimed falls short, why.
fn unintelligible(f: &Facts) -> (bool, Option<Reason>) {
    let Some(p) = f.protection.value() else {
        return (false, None);
    };
    if !p.method.protects() {
        return (false, None);
    }
    let backup_needed = f.has_nature(Nature::Availability);
    let mut unmet_nl = vec![];
    let mut unmet_en = vec![];
    if p.key_not_compromised != Some(true) {
        unmet_nl.push("sleutel niet gecompromitteerd");
        unmet_en.push("key not compromised");
    }
    if p.data_intact != Some(true) {
        unmet_nl.push("gegevens intact");
        unmet_en.push("data intact");
    }
    if backup_needed && p.recent_backup != Some(true) {
        unmet_nl.push("recente back-up");
        unmet_en.push("recent backup");
    }
    if unmet_nl.is_empty() {
        return (true, None);
    }
    (
        false,
        Some(Reason::new(
            "protection_conditions_not_met",
            format!(
                "De gegevens waren {}, maar niet bevestigd is: {}. De bescherming telt daarom niet mee.",
                p.method.label_nl(),
                unmet_nl.join(", ")
            ),
            format!(
                "The data were {}, but not confirmed: {}. The protection therefore does not count.",
                p.method.label_en(),
                unmet_en.join(", ")
            ),
        )),
    )
}

fn people_scale(f: &Facts) -> Option<i64> {
    f.people.value().map(|p| p.upper().unwrap_or(p.lower()))
}

/// The risk level with its reasons. `honour_protection = false` asks what the risk would have
/// been without the encryption (to see whether exception (a) is what keeps it away).
fn evaluate(f: &Facts, s: &Severity, honour_protection: bool) -> Eval {
    use GeneralData::*;
    use RiskLevel::{High, Risk};
    let mut e = Eval::default();
    let r = f.recipients();
    let conf = f.has_nature(Nature::Confidentiality) || f.exfiltrated.is_true();
    let avail = f.has_nature(Nature::Availability);
    let integ = f.has_nature(Nature::Integrity);
    let malicious = f.malicious_intent.is_true() || f.exfiltrated.is_true();

    // 1. Containment.
    let (unint, unint_short) = unintelligible(f);
    let conf_contained = if !conf {
        false
    } else if honour_protection && unint {
        let p = f
            .protection
            .value()
            .expect("unintelligible implies protection");
        let technique = p.technique.clone().unwrap_or_default();
        e.note(
            "unintelligible",
            format!(
                "De gegevens waren {} ({technique}); de sleutel is niet gecompromitteerd en de gegevens zijn intact{}: voor onbevoegden onbegrijpelijk.",
                p.method.label_nl(),
                if avail { ", met een recente back-up" } else { "" }
            ),
            format!(
                "The data were {} ({technique}); the key is not compromised and the data are intact{}: unintelligible to unauthorised persons.",
                p.method.label_en(),
                if avail { ", with a recent backup" } else { "" }
            ),
        );
        true
    } else if r.known == Some(true)
        && r.trustworthy == Some(true)
        && r.returned_or_deleted == Some(true)
    {
        let basis = r.trust_basis.clone().unwrap_or_default();
        e.note(
            "trusted_recipient_returned",
            format!(
                "De ontvanger is bekend en betrouwbaar ({basis}) en heeft bevestigd de gegevens te hebben teruggestuurd of vernietigd: volgens de AP geen risico; wel registreren."
            ),
            format!(
                "The recipient is known and trustworthy ({basis}) and confirmed returning or destroying the data: no risk according to the AP; register it."
            ),
        );
        true
    } else if r.opened == Some(false) {
        e.note(
            "returned_unopened",
            "De post is ongeopend teruggekomen: niemand buiten de organisatie heeft de gegevens gezien.".into(),
            "The mail came back unopened: nobody outside the organisation saw the data.".into(),
        );
        true
    } else {
        false
    };
    if conf && !conf_contained {
        if let Some(why) = unint_short {
            e.reasons.push(why);
        }
    }
    let conf_exposed = conf && !conf_contained;

    let avail_contained = avail
        && f.backup_available.is_true()
        && f.restored_without_difficulty.is_true()
        && f.availability_loss.value() == Some(&AvailabilityLoss::Temporary);
    if avail_contained {
        e.note(
            "restored_from_backup",
            "De gegevens waren tijdelijk niet beschikbaar en zijn zonder moeite uit een back-up hersteld.".into(),
            "The data were temporarily unavailable and were restored from a backup without difficulty.".into(),
        );
    }
    let avail_exposed = avail && !avail_contained;

    let integ_contained = integ && f.integrity_recoverable.is_true() && !malicious;
    if integ_contained {
        e.note(
            "integrity_restored",
            "De gegevens zijn per ongeluk gewijzigd en weer hersteld.".into(),
            "The data were altered by accident and put right.".into(),
        );
    }
    let integ_exposed = integ && !integ_contained;
    let exposed = conf_exposed || avail_exposed || integ_exposed;

    // What could change the outcome but is not known.
    if f.nature.is_missing() {
        e.missing.push("nature");
    }
    if exposed {
        if f.general_data.is_missing() {
            e.missing.push("general_data");
        }
        if f.special_categories.is_missing() {
            e.missing.push("special_categories");
        }
        if f.malicious_intent.is_missing() && !f.exfiltrated.is_true() {
            e.missing.push("malicious_intent");
        }
    }
    if conf_exposed {
        if f.recipients.is_missing() {
            e.missing.push("recipients");
        }
        if f.people.is_missing() {
            e.missing.push("people");
        }
    }
    if avail_exposed {
        if f.availability_loss.is_missing() {
            e.missing.push("availability_loss");
        }
        if f.backup_available.is_missing() {
            e.missing.push("backup_available");
        }
    }
    if integ_exposed && f.integrity_recoverable.is_missing() {
        e.missing.push("integrity_recoverable");
    }

    // 2–3. Confidentiality.
    if conf_exposed {
        let has = |d: GeneralData| f.has_data(d);
        let hostile = r.known == Some(false) || malicious;
        let returned = r.returned_or_deleted == Some(true);
        let (who_nl, who_en) = if malicious {
            ("iemand met kwade opzet", "someone with malicious intent")
        } else {
            ("onbekenden", "unknown persons")
        };
        let others = f
            .general_data
            .items()
            .iter()
            .any(|d| !matches!(d, Bsn | Unknown))
            || !f.special_categories.items().is_empty();
        if has(Bsn) && others {
            e.raise(
                High,
                "bsn_with_other_data",
                "Een BSN samen met andere persoonsgegevens: kans op identiteitsfraude (AP: hoog risico).".into(),
                "A BSN together with other personal data: risk of identity fraud (AP: high risk).".into(),
            );
        } else if has(Bsn) {
            e.raise(
                Risk,
                "bsn",
                "Een BSN is gelekt (zonder andere gegevens).".into(),
                "A BSN leaked (without other data).".into(),
            );
        }
        if f.has_sensitive() {
            let mut names_nl: Vec<&str> = f
                .special_categories
                .items()
                .iter()
                .map(SpecialCategory::label_nl)
                .collect();
            let mut names_en: Vec<&str> = f
                .special_categories
                .items()
                .iter()
                .map(SpecialCategory::label_en)
                .collect();
            if has(Criminal) {
                names_nl.push(Criminal.label_nl());
                names_en.push(Criminal.label_en());
            }
            if f.sensitive_limited_insight.is_true() {
                e.note(
                    "special_categories_limited_insight",
                    format!(
                        "Bijzondere gegevens ({}), maar vastgelegd is dat ze geen wezenlijk inzicht geven; daarom niet vanzelf hoog risico.",
                        names_nl.join(", ")
                    ),
                    format!(
                        "Special-category data ({}), but recorded as giving no significant insight; therefore not high risk by themselves.",
                        names_en.join(", ")
                    ),
                );
            } else {
                e.raise(
                    High,
                    "special_categories",
                    format!(
                        "Bijzondere of strafrechtelijke persoonsgegevens ({}): hoog risico (AP: discriminatie, beroepsgeheim).",
                        names_nl.join(", ")
                    ),
                    format!(
                        "Special-category or criminal data ({}): high risk (AP: discrimination, professional secrecy).",
                        names_en.join(", ")
                    ),
                );
            }
        }
        if has(IdDocuments) {
            e.raise(
                High,
                "id_documents",
                "(Kopieën van) identiteitsbewijzen of hun nummers: kans op identiteitsfraude (AP: hoog risico).".into(),
                "(Copies of) ID documents or their numbers: risk of identity fraud (AP: high risk).".into(),
            );
        }
        if has(Debts) {
            e.raise(
                High,
                "debts",
                "Gegevens over (problematische) schulden: kans op reputatieschade (AP: hoog risico).".into(),
                "Data on (problematic) debts: risk of reputational damage (AP: high risk).".into(),
            );
        }
        let financial: Vec<GeneralData> = f
            .general_data
            .items()
            .iter()
            .copied()
            .filter(|d| d.is_financial() && *d != Debts)
            .collect();
        if hostile && !financial.is_empty() {
            e.raise(
                High,
                "financial_to_hostile",
                format!(
                    "Financiële gegevens ({}) bij {who_nl}: kans op fraude en financiële schade.",
                    list_nl(&financial, GeneralData::label_nl)
                ),
                format!(
                    "Financial data ({}) with {who_en}: risk of fraud and financial loss.",
                    list_nl(&financial, GeneralData::label_en)
                ),
            );
        }
        if hostile
            && has(Name)
            && has(DateOfBirth)
            && (has(Address) || has(ContactDetails) || has(Email) || has(Phone))
        {
            e.raise(
                High,
                "identity_set_to_hostile",
                format!("Naam, geboortedatum en adres of contactgegevens bij {who_nl}: kans op identiteitsfraude en phishing."),
                format!("Name, date of birth and address or contact details with {who_en}: risk of identity fraud and phishing."),
            );
        }
        if hostile
            && has(AccessData)
            && f.credentials_open
                .value()
                .map(|l| *l >= DataLevel::Financial)
                == Some(true)
        {
            e.raise(
                High,
                "credentials_to_hostile",
                format!("Inloggegevens die toegang geven tot financiële of gevoelige gegevens, bij {who_nl}."),
                format!("Credentials that open financial or sensitive data, with {who_en}."),
            );
        }
        if hostile && f.has_vulnerable_people() {
            e.raise(
                High,
                "vulnerable_to_hostile",
                format!("Gegevens van minderjarigen of andere kwetsbare personen bij {who_nl}."),
                format!("Data of minors or other vulnerable people with {who_en}."),
            );
        }
        if malicious {
            e.raise(
                Risk,
                "malicious_access",
                "De gegevens zijn met opzet verkregen of weggesluisd: misbruik is niet uit te sluiten.".into(),
                "The data were obtained or exfiltrated on purpose: misuse cannot be ruled out.".into(),
            );
        }
        if r.known == Some(false) {
            e.raise(
                Risk,
                "unknown_recipients",
                "Onbekend wie de gegevens heeft: het risico is niet te beperken.".into(),
                "Unknown who has the data: the risk cannot be contained.".into(),
            );
        }
        if !returned {
            if let Some(n) = people_scale(f).filter(|n| *n >= LARGE_SCALE_PEOPLE) {
                e.raise(
                    Risk,
                    "many_people",
                    format!("Gegevens van {n} personen zijn bij anderen terechtgekomen en niet aantoonbaar teruggehaald of vernietigd."),
                    format!("Data of {n} people reached others and were not shown to be returned or destroyed."),
                );
            }
            if has(DateOfBirth) {
                e.raise(
                    Risk,
                    "date_of_birth_not_returned",
                    "Een geboortedatum samen met andere gegevens is bij een ander terechtgekomen en niet aantoonbaar teruggehaald: een risico is niet uit te sluiten.".into(),
                    "A date of birth with other data reached someone else and was not shown to be returned: a risk cannot be ruled out.".into(),
                );
            }
            if f.has_vulnerable_people() {
                e.raise(
                    Risk,
                    "vulnerable_people",
                    "Het gaat om minderjarigen of andere kwetsbare personen.".into(),
                    "Minors or other vulnerable people are concerned.".into(),
                );
            }
        }
        if has(Unknown) {
            e.raise(
                Risk,
                "categories_unknown",
                "Niet bekend welke gegevens allemaal zijn getroffen; bij twijfel melden.".into(),
                "Not known which data were all affected; in doubt, notify.".into(),
            );
        }
    }

    // 2–3. Availability.
    if avail_exposed {
        let loss = f.availability_loss.value();
        if loss == Some(&AvailabilityLoss::Permanent) {
            e.raise(
                Risk,
                "permanent_loss",
                "De gegevens zijn blijvend verloren.".into(),
                "The data are permanently lost.".into(),
            );
        } else if f.backup_available.known() == Some(false) {
            e.raise(
                Risk,
                "no_backup",
                "Er was geen (bruikbare) back-up: herstel kost tijd of lukt niet (bijv. ransomware zonder back-up).".into(),
                "There was no (usable) backup: restoring takes time or fails (e.g. ransomware without backup).".into(),
            );
        } else if f.restored_without_difficulty.known() == Some(false) {
            e.raise(
                Risk,
                "slow_restore",
                "Het herstel ging niet zonder moeite; de gegevens waren een tijd niet beschikbaar."
                    .into(),
                "Restoring was not without difficulty; the data were unavailable for a time."
                    .into(),
            );
        }
        let service_down = f.consequences_org.items().iter().any(|c| {
            matches!(
                c,
                OrgConsequence::EssentialServiceTemporarilyUnavailable
                    | OrgConsequence::EssentialServicePermanentlyUnavailable
            )
        });
        let care = f.special_categories.has(&SpecialCategory::Health)
            || f.controller_nature.value() == Some(&ControllerNature::HealthCare);
        if service_down && care {
            e.raise(
                High,
                "care_disrupted",
                "Gezondheidsgegevens waren niet beschikbaar en een essentiële dienst lag stil: zorg voor patiënten kan vertraging oplopen.".into(),
                "Health data were unavailable and an essential service was down: patients' care may be delayed.".into(),
            );
        }
    }

    // 2–3. Integrity.
    if integ_exposed {
        let (nl, en) = match (f.integrity_recoverable.known(), malicious) {
            (_, true) => (
                "De gegevens zijn met opzet gewijzigd.",
                "The data were altered on purpose.",
            ),
            (Some(false), false) => (
                "De gewijzigde gegevens zijn niet te herstellen.",
                "The altered data cannot be put right.",
            ),
            _ => (
                "Niet bekend of de gewijzigde gegevens te herstellen zijn.",
                "Not known whether the altered data can be put right.",
            ),
        };
        e.raise(Risk, "integrity", nl.into(), en.into());
    }

    // Consequences and severity, for what is exposed.
    if exposed {
        let serious: Vec<_> = f
            .consequences_people
            .items()
            .iter()
            .copied()
            .filter(|c| c.is_serious())
            .collect();
        if !serious.is_empty() {
            e.raise(
                High,
                "serious_consequence",
                format!(
                    "Als gevolg voor de betrokkenen is vastgelegd: {} (voorbeelden van hoog risico volgens de AP).",
                    list_nl(&serious, |c| c.label_nl())
                ),
                format!(
                    "Recorded as a consequence for the people: {} (the AP's examples of high risk).",
                    list_nl(&serious, |c| c.label_en())
                ),
            );
        }
        let score = format!("{}", s.score);
        match s.band {
            Band::High | Band::VeryHigh => e.raise(
                High,
                "severity_high",
                format!(
                    "ENISA-ernst {} ({}): ernstige gevolgen voor de betrokkenen zijn waarschijnlijk.",
                    score.replace('.', ","),
                    s.band.label_nl()
                ),
                format!(
                    "ENISA severity {score} ({}): significant consequences for the people are likely.",
                    s.band.label_en()
                ),
            ),
            Band::Medium => e.raise(
                Risk,
                "severity_medium",
                format!(
                    "ENISA-ernst {} (gemiddeld): merkbare ongemakken voor de betrokkenen.",
                    score.replace('.', ",")
                ),
                format!("ENISA severity {score} (medium): significant inconveniences for the people."),
            ),
            Band::Low => e.note(
                "severity_low",
                format!(
                    "ENISA-ernst {} (laag).",
                    score.replace('.', ",")
                ),
                format!("ENISA severity {score} (low)."),
            ),
        }
    } else if !f.nature.is_missing() {
        e.note(
            "contained",
            "Alle gevolgen zijn beheerst: geen risico voor de betrokkenen waarschijnlijk.".into(),
            "Every effect is contained: no risk to the people is likely.".into(),
        );
    }

    // 4. In doubt, notify.
    if !e.missing.is_empty() {
        let list = e.missing.join(", ");
        e.raise(
            Risk,
            "in_doubt",
            format!("Nog onbekend: {list}. Bij twijfel melden (AP)."),
            format!("Still unknown: {list}. In doubt, notify (AP)."),
        );
    }
    e
}

/// The proposed decision for the facts, given their severity (from [`super::severity::assess`]).
pub fn propose(f: &Facts, s: &Severity) -> Proposal {
    let fin = evaluate(f, s, true);
    let risk = fin.level();
    let mut reasons = fin.reasons;
    let mut exception = None;

    if risk < RiskLevel::High
        && unintelligible(f).0
        && evaluate(f, s, false).level() == RiskLevel::High
    {
        exception = Some(Exception::A);
        reasons.push(Reason::new(
            "exception_a",
            "Zonder de versleuteling zou dit een hoog risico zijn; de gegevens waren onbegrijpelijk, dus de betrokkenen hoeven niet te worden geïnformeerd (art. 34 lid 3 onder a).",
            "Without the encryption this would be a high risk; the data were unintelligible, so the people need not be told (Art. 34(3)(a)).",
        ));
    }

    let outcome = match risk {
        RiskLevel::Unlikely => Outcome::RegisterOnly,
        RiskLevel::Risk => Outcome::NotifyAp,
        RiskLevel::High => {
            if let Some(m) = f
                .risk_removing_measures
                .value()
                .filter(|m| !m.trim().is_empty())
            {
                exception = Some(Exception::B);
                reasons.push(Reason::new(
                    "exception_b",
                    format!("Achteraf genomen maatregelen ({m}) maken het hoge risico niet meer waarschijnlijk (art. 34 lid 3 onder b): wel melden bij de AP, de betrokkenen niet."),
                    format!("Measures taken afterwards ({m}) make the high risk no longer likely (Art. 34(3)(b)): notify the AP, not the people."),
                ));
                Outcome::NotifyAp
            } else if f.people_reachable.known() == Some(false) {
                exception = Some(Exception::C);
                reasons.push(Reason::new(
                    "exception_c",
                    "De betrokkenen zijn niet zonder onevenredige inspanning individueel te bereiken (art. 34 lid 3 onder c): openbare mededeling.",
                    "The people cannot be reached individually without disproportionate effort (Art. 34(3)(c)): public communication.",
                ));
                Outcome::NotifyApAndPublicCommunication
            } else {
                Outcome::NotifyApAndDataSubjects
            }
        }
    };
    reasons.push(Reason::new(
        "conclusion",
        format!(
            "Voorstel: {} ({}). Elk datalek komt in het register (art. 33 lid 5); de beslissing is aan de behandelaar, met redenen.",
            outcome.label_nl(),
            risk.label_nl()
        ),
        format!(
            "Proposal: {} ({}). Every breach goes in the register (Art. 33(5)); the decision is the handler's, with reasons.",
            outcome.label_en(),
            risk.label_en()
        ),
    ));
    Proposal {
        outcome,
        exception,
        risk,
        severity_score: s.score,
        severity_band: s.band,
        reasons,
        missing: fin.missing.iter().map(|m| m.to_string()).collect(),
    }
}

/// A person's decision that differs from the proposal (outcome or exception) needs a reason.
pub fn differs_needs_reason(proposal: &Proposal, chosen: &Choice) -> bool {
    proposal.outcome != chosen.outcome || proposal.exception != chosen.exception
}

/// Checks a person's decision against the facts and the proposal: the exception fits the
/// outcome and the facts, and a difference from the proposal has a reason.
pub fn check_choice(
    f: &Facts,
    proposal: &Proposal,
    chosen: &Choice,
    difference_reason: Option<&str>,
) -> Result<(), Vec<FieldProblem>> {
    let mut out = vec![];
    let public = chosen.outcome == Outcome::NotifyApAndPublicCommunication;
    match chosen.exception {
        Some(Exception::C) if !public => out.push(FieldProblem::new(
            "exception",
            "exception (c) means a public communication: choose that outcome",
            "uitzondering (c) betekent een openbare mededeling: kies die uitkomst",
        )),
        None if public => out.push(FieldProblem::new(
            "exception",
            "a public communication instead of telling each person is exception (c): record it",
            "een openbare mededeling in plaats van ieder persoonlijk informeren is uitzondering (c): leg die vast",
        )),
        Some(Exception::A | Exception::B) if chosen.outcome == Outcome::NotifyApAndDataSubjects => {
            out.push(FieldProblem::new(
                "exception",
                "an exception means the people are not told individually, but the outcome tells them",
                "een uitzondering betekent dat de betrokkenen niet persoonlijk worden geïnformeerd, maar de uitkomst doet dat wel",
            ))
        }
        _ => {}
    }
    if chosen.exception == Some(Exception::A)
        && !f
            .protection
            .value()
            .map(|p| p.method.protects())
            .unwrap_or(false)
    {
        out.push(FieldProblem::new(
            "exception",
            "exception (a) needs data made unintelligible (encrypted, hashed or otherwise); no such protection is recorded",
            "uitzondering (a) vereist onbegrijpelijk gemaakte gegevens (versleuteld, gehasht of anders); zo'n beveiliging is niet vastgelegd",
        ));
    }
    if chosen.exception == Some(Exception::B) && f.risk_removing_measures.value().is_none() {
        out.push(FieldProblem::new(
            "exception",
            "exception (b) needs the measures that remove the high risk: record them in `risk_removing_measures`",
            "uitzondering (b) vereist de maatregelen die het hoge risico wegnemen: leg ze vast in `risk_removing_measures`",
        ));
    }
    let has_reason = difference_reason
        .map(|r| !r.trim().is_empty())
        .unwrap_or(false);
    if differs_needs_reason(proposal, chosen) && !has_reason {
        out.push(FieldProblem::new(
            "difference_reason",
            format!(
                "the decision differs from the proposal ({}); give the reason for the difference",
                proposal.outcome.label_en()
            ),
            format!(
                "de beslissing wijkt af van het voorstel ({}); geef de reden voor het verschil",
                proposal.outcome.label_nl()
            ),
        ));
    }
    if out.is_empty() {
        Ok(())
    } else {
        Err(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::facts::{
        Fact, IncidentKind, PeopleConsequence, PeopleCount, PersonGroup, Protection,
        ProtectionMethod, Recipients,
    };
    use crate::assessment::severity::assess;
    use GeneralData::*;

    fn e<T>(v: T) -> Fact<T> {
        Fact::entered(v)
    }

    fn run(f: &Facts) -> Proposal {
        f.validate().expect("the case's facts are consistent");
        propose(f, &assess(f))
    }

    fn unknown_recipients() -> Fact<Recipients> {
        e(Recipients {
            known: Some(false),
            ..Default::default()
        })
    }

    fn one_known_recipient(returned: Option<bool>) -> Fact<Recipients> {
        e(Recipients {
            known: Some(true),
            trustworthy: Some(false),
            returned_or_deleted: returned,
            opened: Some(true),
            count: Some(1),
            ..Default::default()
        })
    }

    fn no_protection() -> Fact<Protection> {
        e(Protection::none())
    }

    // ---- EDPB Guidelines 01/2021, the 18 cases (regulation.md §5), as facts. ----

    /// EDPB case 1: Ransomware with proper backup, no exfiltration: a small manufacturer's systems
    /// encrypted by ransomware; its data were encrypted at rest with a key the attacker did not
    /// get; restored from backup within hours; no sign of exfiltration.
    fn case_01() -> Facts {
        Facts {
            nature: e(vec![Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Temporary),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Address, Email, Phone]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Employees, PersonGroup::Customers]),
            people: e(PeopleCount::Range {
                min: 20,
                max: Some(60),
            }),
            protection: e(Protection {
                method: ProtectionMethod::Encrypted,
                technique: Some("versleuteling at rest, sleutel apart bewaard".into()),
                data_intact: Some(true),
                recent_backup: Some(true),
                key_not_compromised: Some(true),
                exception_a_claimed: false,
            }),
            malicious_intent: e(true),
            exfiltrated: e(false),
            backup_available: e(true),
            restored_without_difficulty: e(true),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 2: Ransomware without proper backup: an agricultural business's data encrypted; the
    /// backup was encrypted too; data re-entered from paper over five days; no exfiltration.
    fn case_02() -> Facts {
        Facts {
            nature: e(vec![Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Temporary),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Address, Email, Phone]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Employees, PersonGroup::Customers]),
            people: e(PeopleCount::Range {
                min: 20,
                max: Some(60),
            }),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(false),
            backup_available: e(false),
            restored_without_difficulty: e(false),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 3: Ransomware with backup, no exfiltration, in a hospital: patient records encrypted,
    /// restored from backup in two days; treatment delayed, operations postponed.
    fn case_03() -> Facts {
        Facts {
            nature: e(vec![Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Temporary),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Address, DateOfBirth]),
            special_categories: e(vec![SpecialCategory::Health]),
            groups: e(vec![PersonGroup::Patients]),
            people: e(PeopleCount::Range {
                min: 1_000,
                max: None,
            }),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(false),
            backup_available: e(true),
            restored_without_difficulty: e(false),
            consequences_org: e(vec![OrgConsequence::EssentialServiceTemporarilyUnavailable]),
            controller_nature: e(ControllerNature::HealthCare),
            ..Default::default()
        }
    }

    /// EDPB case 4: Ransomware without backup and with exfiltration: a public-transport company's
    /// server; customers' identity data, ID-card numbers and credit-card data copied out.
    fn case_04() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality, Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Permanent),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Address, IdDocuments, CreditCard]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Range {
                min: 1_000,
                max: None,
            }),
            recipients: unknown_recipients(),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(true),
            backup_available: e(false),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 5: Exfiltration of job-application data: malicious code on an employment agency's
    /// website captured 213 application forms (identity, contact, CV); no special categories.
    fn case_05() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Sex, DateOfBirth, Address, Email, Phone, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Other]),
            people: e(PeopleCount::Exact { n: 213 }),
            recipients: unknown_recipients(),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(true),
            large_volume_per_person: e(true),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 6: Exfiltration of hashed passwords: SQL injection at a recipe website; pseudonymous
    /// user names and passwords hashed with a strong algorithm and salt; the salt is safe.
    fn case_06() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![AccessData]),
            special_categories: e(vec![]),
            credentials_open: e(DataLevel::Simple),
            identifiability: e(crate::assessment::facts::Identifiability::Limited),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 1_200 }),
            recipients: unknown_recipients(),
            protection: e(Protection {
                method: ProtectionMethod::Hashed,
                technique: Some("sterk hash-algoritme met salt; salt niet gelekt".into()),
                data_intact: Some(true),
                recent_backup: None,
                key_not_compromised: Some(true),
                exception_a_claimed: true,
            }),
            malicious_intent: e(true),
            exfiltrated: e(true),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 7: Credential stuffing at a bank: identity data (incl. the national tax code, recorded
    /// as BSN) of ~100,000 customers leaked; ~2,000 accounts with a trivial password entered.
    fn case_07() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Sex, DateOfBirth, Bsn, AccessData, Financial]),
            special_categories: e(vec![]),
            credentials_open: e(DataLevel::Financial),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Range {
                min: 2_000,
                max: Some(100_000),
            }),
            recipients: unknown_recipients(),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(true),
            controller_nature: e(ControllerNature::BankOrFinancial),
            ..Default::default()
        }
    }

    /// EDPB case 8: Business data exfiltrated by an employee: during his notice period an employee
    /// copied customers' basic contact data and later used it to approach them for his new
    /// business. The case gives no number of customers.
    fn case_08() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::Other),
            kind_other: Some("vertrekkende medewerker kopieerde klantgegevens".into()),
            general_data: e(vec![Name, Address, Email, Phone]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            recipients: one_known_recipient(Some(false)),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(true),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 9: Accidental transmission to a trusted third party: an insurance agent, bound by
    /// professional secrecy and by contract, received data of two dozen customers of another
    /// agent through a badly set spreadsheet; he reported it and confirmed deletion in writing.
    fn case_09() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::EmailWrongRecipient),
            general_data: e(vec![Name, Address, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 24 }),
            recipients: e(Recipients {
                known: Some(true),
                trustworthy: Some(true),
                trust_basis: Some("verzekeringsagent met beroepsgeheim en contract".into()),
                returned_or_deleted: Some(true),
                opened: Some(true),
                count: Some(1),
            }),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::BankOrFinancial),
            ..Default::default()
        }
    }

    /// EDPB case 10: Stolen device with encrypted data: two tablets of a day-care centre stolen; the app
    /// held children's names, dates of birth and education data; devices encrypted and
    /// password-protected, wiped remotely; backup readily available. The number of children is
    /// not in the case.
    fn case_10() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality, Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Temporary),
            kind: e(IncidentKind::DeviceLostOrStolen),
            general_data: e(vec![Name, DateOfBirth, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Minors]),
            recipients: unknown_recipients(),
            protection: e(Protection {
                method: ProtectionMethod::Encrypted,
                technique: Some(
                    "volledige apparaatversleuteling, sterk wachtwoord, op afstand gewist".into(),
                ),
                data_intact: Some(true),
                recent_backup: Some(true),
                key_not_compromised: Some(true),
                exception_a_claimed: true,
            }),
            malicious_intent: e(true),
            backup_available: e(true),
            restored_without_difficulty: e(true),
            controller_nature: e(ControllerNature::Other),
            ..Default::default()
        }
    }

    /// EDPB case 11: Stolen device with unencrypted data: a service provider's notebook, no password,
    /// with names, sex, addresses and dates of birth of more than 100,000 customers; whether
    /// other categories were on it is unknown; daily backups exist.
    fn case_11() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality, Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Temporary),
            kind: e(IncidentKind::DeviceLostOrStolen),
            general_data: e(vec![Name, Sex, Address, DateOfBirth, Unknown]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Range {
                min: 100_000,
                max: None,
            }),
            recipients: unknown_recipients(),
            protection: no_protection(),
            malicious_intent: e(true),
            backup_available: e(true),
            restored_without_difficulty: e(true),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 12: Stolen paper files with sensitive data: a drug-rehabilitation centre's logbook
    /// with patients' identity and health data; no copy; number of patients not given.
    fn case_12() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality, Nature::Availability]),
            availability_loss: e(AvailabilityLoss::Permanent),
            kind: e(IncidentKind::DeviceLostOrStolen),
            general_data: e(vec![Name, DateOfBirth]),
            special_categories: e(vec![SpecialCategory::Health]),
            groups: e(vec![PersonGroup::Patients, PersonGroup::OtherVulnerable]),
            recipients: unknown_recipients(),
            protection: no_protection(),
            malicious_intent: e(true),
            backup_available: e(false),
            controller_nature: e(ControllerNature::HealthCare),
            ..Default::default()
        }
    }

    /// EDPB case 13: Postal mail mistake, low-risk content: two shoe orders' packing slips (name,
    /// address, the item and its price) swapped; the retailer recalled both parcels.
    /// Interpretation: one pair of shoes and its price is recorded as "other", not as
    /// financial data (ENISA's financial category is income, transactions, account data).
    fn case_13() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::LetterWrongRecipient),
            general_data: e(vec![Name, Address, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 2 }),
            recipients: one_known_recipient(Some(true)),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    /// EDPB case 14: Highly confidential data sent by mail by mistake: a public employment office
    /// mailed all 60,000+ registered job seekers a file with everyone's name, e-mail, postal
    /// address and social security number (recorded as BSN); it asked them to delete it.
    fn case_14() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::EmailWrongRecipient),
            general_data: e(vec![Name, Email, Address, Bsn]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Range {
                min: 60_000,
                max: None,
            }),
            recipients: e(Recipients {
                known: Some(true),
                trustworthy: Some(false),
                returned_or_deleted: Some(false),
                opened: Some(true),
                count: Some(60_000),
                ..Default::default()
            }),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::Government),
            ..Default::default()
        }
    }

    /// EDPB case 15: Personal data sent by mail by mistake, limited and quickly recalled: a course's
    /// participant list (names, e-mail, food preferences; two lactose intolerant) sent to 15
    /// former participants instead of the hotel; recalled at once, recipients asked to delete.
    /// Interpretation: lactose intolerance is health data (Art. 9), recorded as such, with
    /// the finding that it gives no significant insight (ENISA −3), as the EDPB weighed it.
    fn case_15() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::EmailWrongRecipient),
            general_data: e(vec![Name, Email]),
            special_categories: e(vec![SpecialCategory::Health]),
            sensitive_limited_insight: e(true),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 15 }),
            recipients: e(Recipients {
                known: Some(true),
                trustworthy: Some(false),
                returned_or_deleted: None,
                opened: Some(true),
                count: Some(15),
                ..Default::default()
            }),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::Education),
            ..Default::default()
        }
    }

    /// EDPB case 16: Postal mail mistake, insurance letter: a machine put two policyholders' letters in
    /// one envelope; name, address, date of birth, registration plate, premiums and mileage
    /// reached another policyholder.
    fn case_16() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::LetterWrongRecipient),
            general_data: e(vec![Name, Address, DateOfBirth, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 1 }),
            recipients: one_known_recipient(None),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::BankOrFinancial),
            ..Default::default()
        }
    }

    /// EDPB case 17: Identity theft: a caller posing as a customer of a telecom provider had the
    /// billing e-mail changed and received the customer's bills (identity, call records).
    fn case_17() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::Other),
            kind_other: Some("social engineering: beller deed zich voor als de klant".into()),
            general_data: e(vec![Name, Address, Phone, Behavioural]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 1 }),
            recipients: e(Recipients {
                known: Some(false),
                count: Some(1),
                ..Default::default()
            }),
            consequences_people: e(vec![PeopleConsequence::IdentityTheftOrFraud]),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(true),
            controller_nature: e(ControllerNature::Telecom),
            ..Default::default()
        }
    }

    /// EDPB case 18: E-mail exfiltration: at a hypermarket chain, mailbox rules forwarded mails about
    /// invoices, payments and bank details to an outside address for months; a supplier's
    /// bank account was changed to the attacker's and fake invoices were sent.
    fn case_18() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality, Nature::Integrity]),
            kind: e(IncidentKind::HackingMalwarePhishing),
            general_data: e(vec![Name, Email, Iban, Financial]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Employees, PersonGroup::Other]),
            people: e(PeopleCount::Range { min: 10, max: None }),
            recipients: unknown_recipients(),
            consequences_people: e(vec![PeopleConsequence::FinancialLoss]),
            protection: no_protection(),
            malicious_intent: e(true),
            exfiltrated: e(true),
            integrity_recoverable: e(true),
            controller_nature: e(ControllerNature::Commercial),
            ..Default::default()
        }
    }

    #[test]
    fn all_18_edpb_cases_come_out_as_the_edpb_decided() {
        // (case, facts, notify the SA, tell the data subjects) — regulation.md §5.
        let cases: Vec<(u8, Facts, bool, bool)> = vec![
            (1, case_01(), false, false),
            (2, case_02(), true, false),
            (3, case_03(), true, true),
            (4, case_04(), true, true),
            (5, case_05(), true, true),
            (6, case_06(), false, false),
            (7, case_07(), true, true),
            (8, case_08(), true, false),
            (9, case_09(), false, false),
            (10, case_10(), false, false),
            (11, case_11(), true, true),
            (12, case_12(), true, true),
            (13, case_13(), false, false),
            (14, case_14(), true, true),
            (15, case_15(), false, false),
            (16, case_16(), true, false),
            (17, case_17(), true, true),
            (18, case_18(), true, true),
        ];
        let mut wrong = vec![];
        for (n, f, sa, ds) in &cases {
            let p = run(f);
            if p.outcome.notifies_ap() != *sa || p.outcome.tells_people() != *ds {
                wrong.push(format!(
                    "case {n}: expected SA {sa} DS {ds}, got {:?} because {:?}",
                    p.outcome,
                    p.rules()
                ));
            }
            // Every proposal explains itself in both languages and ends with its conclusion.
            assert!(p
                .reasons
                .iter()
                .all(|r| !r.nl.is_empty() && !r.en.is_empty()));
            assert_eq!(p.reasons.last().unwrap().rule, "conclusion");
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn edpb_cases_for_the_right_reasons() {
        let p = run(&case_01());
        assert_eq!(p.outcome, Outcome::RegisterOnly);
        assert!(p.rules().contains(&"restored_from_backup"));
        assert_eq!(p.exception, None);

        let p = run(&case_02());
        assert!(p.rules().contains(&"no_backup"));
        assert_eq!(p.risk, RiskLevel::Risk);

        let p = run(&case_03());
        assert!(p.rules().contains(&"care_disrupted"));
        assert!(p.rules().contains(&"severity_high"));

        let p = run(&case_06());
        assert!(p.rules().contains(&"unintelligible"));
        assert_eq!(p.exception, None, "without the hashing still no high risk");

        let p = run(&case_07());
        assert!(p.rules().contains(&"bsn_with_other_data"));
        assert!(p.rules().contains(&"credentials_to_hostile"));

        let p = run(&case_08());
        assert!(p.rules().contains(&"malicious_access"));
        assert_eq!(p.missing, vec!["people"]);

        let p = run(&case_09());
        assert!(p.rules().contains(&"trusted_recipient_returned"));

        // The children's data would be high risk in a thief's hands; the encryption is what
        // keeps it away: exception (a) is recorded.
        let p = run(&case_10());
        assert_eq!(p.outcome, Outcome::RegisterOnly);
        assert_eq!(p.exception, Some(Exception::A));
        assert!(p.rules().contains(&"exception_a"));

        let p = run(&case_11());
        assert!(p.rules().contains(&"identity_set_to_hostile"));

        let p = run(&case_14());
        assert!(p.rules().contains(&"bsn_with_other_data"));

        let p = run(&case_15());
        assert!(p.rules().contains(&"special_categories_limited_insight"));
        assert!(!p.rules().contains(&"special_categories"));
        // Without the finding on insight, health data are high risk.
        let mut f = case_15();
        f.sensitive_limited_insight = e(false);
        assert_eq!(run(&f).outcome, Outcome::NotifyApAndDataSubjects);

        let p = run(&case_16());
        assert!(p.rules().contains(&"date_of_birth_not_returned"));
        assert_eq!(p.risk, RiskLevel::Risk);

        let p = run(&case_17());
        assert!(p.rules().contains(&"serious_consequence"));

        let p = run(&case_18());
        assert!(p.rules().contains(&"financial_to_hostile"));
        assert!(p.rules().contains(&"integrity"));
    }

    // ---- Misdirected mail: the variants that matter most to our users. ----

    /// One letter (a decision about the addressee: name, address, BSN) to a stranger.
    fn letter_with_bsn_to_stranger() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::LetterWrongRecipient),
            general_data: e(vec![Name, Address, Bsn, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 1 }),
            recipients: one_known_recipient(None),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::Government),
            ..Default::default()
        }
    }

    #[test]
    fn one_letter_with_a_bsn_to_a_stranger_notify_ap_and_the_person() {
        let p = run(&letter_with_bsn_to_stranger());
        assert_eq!(p.outcome, Outcome::NotifyApAndDataSubjects);
        assert_eq!(p.risk, RiskLevel::High);
        assert!(p.rules().contains(&"bsn_with_other_data"));
        assert!(p
            .reasons
            .iter()
            .any(|r| r.nl.contains("BSN samen met andere")));
    }

    /// A mailing of 5,000 letters with the wrong enclosure. Assumption (stated): each envelope
    /// held another resident's letter — as our users' letters do, with name, address, BSN and
    /// an amount of benefit — so 5,000 people's data each reached one stranger.
    fn mailing_5000_wrong_enclosure() -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::LetterWrongRecipient),
            general_data: e(vec![Name, Address, Bsn, Benefits]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 5_000 }),
            recipients: e(Recipients {
                known: Some(true),
                trustworthy: Some(false),
                returned_or_deleted: Some(false),
                opened: Some(true),
                count: Some(5_000),
                ..Default::default()
            }),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::Government),
            ..Default::default()
        }
    }

    #[test]
    fn mailing_of_5000_letters_with_the_wrong_enclosure() {
        let p = run(&mailing_5000_wrong_enclosure());
        assert_eq!(p.outcome, Outcome::NotifyApAndDataSubjects);
        assert!(p.rules().contains(&"bsn_with_other_data"));
        assert!(p.rules().contains(&"many_people"));
        // Had the enclosure held only someone's name and address (an invitation), the scale
        // alone makes it a notification to the AP, not to the people.
        let mut f = mailing_5000_wrong_enclosure();
        f.general_data = e(vec![Name, Address]);
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::NotifyAp);
        assert!(p.rules().contains(&"many_people"));
    }

    /// An e-mail to 300 people with every address in cc.
    fn cc_300(general: Vec<GeneralData>) -> Facts {
        Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::EmailCcNotBcc),
            general_data: e(general),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Customers]),
            people: e(PeopleCount::Exact { n: 300 }),
            recipients: e(Recipients {
                known: Some(true),
                trustworthy: Some(false),
                opened: Some(true),
                count: Some(300),
                ..Default::default()
            }),
            protection: no_protection(),
            malicious_intent: e(false),
            controller_nature: e(ControllerNature::Government),
            ..Default::default()
        }
    }

    #[test]
    fn email_with_300_addresses_in_cc_notify_ap_and_people_depending_on_data() {
        // Plain addresses (often with names in them): the AP, not the people.
        let p = run(&cc_300(vec![Name, Email]));
        assert_eq!(p.outcome, Outcome::NotifyAp);
        assert!(p.rules().contains(&"many_people"));
        // The mailing list itself tells something: clients of debt counselling.
        let p = run(&cc_300(vec![Name, Email, Debts]));
        assert_eq!(p.outcome, Outcome::NotifyApAndDataSubjects);
        assert!(p.rules().contains(&"debts"));
        // Or patients of an addiction clinic.
        let mut f = cc_300(vec![Name, Email]);
        f.special_categories = e(vec![SpecialCategory::Health]);
        assert_eq!(run(&f).outcome, Outcome::NotifyApAndDataSubjects);
    }

    #[test]
    fn letter_returned_unopened_register_only() {
        let mut f = letter_with_bsn_to_stranger();
        f.recipients = e(Recipients {
            known: Some(true),
            trustworthy: Some(false),
            opened: Some(false),
            count: Some(1),
            ..Default::default()
        });
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::RegisterOnly);
        assert!(p.rules().contains(&"returned_unopened"));
    }

    // ---- AP guidance and the exceptions. ----

    #[test]
    fn trustworthy_recipient_who_returned_is_register_only_even_with_a_bsn() {
        let mut f = letter_with_bsn_to_stranger();
        f.recipients = e(Recipients {
            known: Some(true),
            trustworthy: Some(true),
            trust_basis: Some("huisarts, beroepsgeheim".into()),
            returned_or_deleted: Some(true),
            opened: Some(true),
            count: Some(1),
        });
        assert_eq!(run(&f).outcome, Outcome::RegisterOnly);
        // Trustworthy but not (yet) confirmed: still high risk.
        let mut f2 = f.clone();
        if let Fact::Entered { value } = &mut f2.recipients {
            value.returned_or_deleted = None;
        }
        assert_eq!(run(&f2).outcome, Outcome::NotifyApAndDataSubjects);
    }

    #[test]
    fn encryption_counts_only_with_all_three_conditions() {
        let mut f = case_10();
        f.protection = e(Protection {
            method: ProtectionMethod::Encrypted,
            technique: Some("AES".into()),
            data_intact: Some(true),
            recent_backup: None,
            key_not_compromised: Some(true),
            exception_a_claimed: false,
        });
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::NotifyApAndDataSubjects);
        assert!(p.rules().contains(&"protection_conditions_not_met"));
        assert!(p.reasons.iter().any(|r| r.en.contains("recent backup")));
    }

    #[test]
    fn exception_b_when_measures_remove_the_high_risk() {
        let mut f = letter_with_bsn_to_stranger();
        f.risk_removing_measures =
            e("brief dezelfde dag door de gemeente bij de ontvanger opgehaald".into());
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::NotifyAp);
        assert_eq!(p.exception, Some(Exception::B));
        assert!(p.reasons.iter().any(|r| r.nl.contains("opgehaald")));
    }

    #[test]
    fn exception_c_public_communication_when_people_cannot_be_reached() {
        let f = Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::PublishedByAccident),
            general_data: e(vec![Name, Bsn]),
            special_categories: e(vec![]),
            people: e(PeopleCount::Range {
                min: 500,
                max: Some(2_000),
            }),
            recipients: unknown_recipients(),
            protection: no_protection(),
            malicious_intent: e(false),
            people_reachable: e(false),
            ..Default::default()
        };
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::NotifyApAndPublicCommunication);
        assert_eq!(p.exception, Some(Exception::C));
    }

    #[test]
    fn ransomware_without_backup_notifies_the_ap() {
        let p = run(&case_02());
        assert_eq!(p.outcome, Outcome::NotifyAp);
        let mut f = case_02();
        f.backup_available = e(true);
        f.restored_without_difficulty = e(true);
        assert_eq!(run(&f).outcome, Outcome::RegisterOnly);
    }

    #[test]
    fn in_doubt_notify() {
        let p = run(&Facts::default());
        assert_eq!(p.outcome, Outcome::NotifyAp);
        assert!(p.rules().contains(&"in_doubt"));
        assert_eq!(p.missing, vec!["nature"]);

        let f = Facts {
            nature: e(vec![Nature::Confidentiality]),
            ..Default::default()
        };
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::NotifyAp);
        assert_eq!(
            p.missing,
            vec![
                "general_data",
                "special_categories",
                "malicious_intent",
                "recipients",
                "people"
            ]
        );
        assert!(p
            .reasons
            .iter()
            .any(|r| r.nl.contains("Bij twijfel melden")));
    }

    #[test]
    fn vulnerable_people_raise_the_risk() {
        // A letter about a pupil (name, school data) to a stranger: the AP, because a minor.
        let f = Facts {
            nature: e(vec![Nature::Confidentiality]),
            kind: e(IncidentKind::LetterWrongRecipient),
            general_data: e(vec![Name, Other]),
            special_categories: e(vec![]),
            groups: e(vec![PersonGroup::Minors, PersonGroup::PupilsOrStudents]),
            people: e(PeopleCount::Exact { n: 1 }),
            recipients: one_known_recipient(None),
            protection: no_protection(),
            malicious_intent: e(false),
            ..Default::default()
        };
        let p = run(&f);
        assert_eq!(p.outcome, Outcome::NotifyAp);
        assert!(p.rules().contains(&"vulnerable_people"));
        // The same data lost to unknown persons: high risk.
        let mut f2 = f.clone();
        f2.recipients = unknown_recipients();
        assert_eq!(run(&f2).outcome, Outcome::NotifyApAndDataSubjects);
    }

    // ---- The person's decision. ----

    #[test]
    fn a_different_decision_needs_a_reason() {
        let f = case_16();
        let p = run(&f);
        let same = Choice {
            outcome: Outcome::NotifyAp,
            exception: None,
        };
        assert!(!differs_needs_reason(&p, &same));
        assert_eq!(check_choice(&f, &p, &same, None), Ok(()));

        let other = Choice {
            outcome: Outcome::RegisterOnly,
            exception: None,
        };
        assert!(differs_needs_reason(&p, &other));
        let errs = check_choice(&f, &p, &other, Some("  ")).unwrap_err();
        assert_eq!(errs[0].field, "difference_reason");
        assert!(check_choice(&f, &p, &other, Some("ontvanger bekend, brief opgehaald")).is_ok());

        // The same outcome with another exception also differs.
        let p10 = run(&case_10());
        let no_exc = Choice {
            outcome: Outcome::RegisterOnly,
            exception: None,
        };
        assert!(differs_needs_reason(&p10, &no_exc));
    }

    #[test]
    fn a_chosen_exception_must_fit_the_outcome_and_the_facts() {
        let f = letter_with_bsn_to_stranger();
        let p = run(&f);
        let reason = Some("afweging FG");
        // (a) without any encryption.
        let a = Choice {
            outcome: Outcome::NotifyAp,
            exception: Some(Exception::A),
        };
        let errs = check_choice(&f, &p, &a, reason).unwrap_err();
        assert!(errs[0].message.contains("unintelligible"));
        // (b) without measures recorded.
        let b = Choice {
            outcome: Outcome::NotifyAp,
            exception: Some(Exception::B),
        };
        assert!(check_choice(&f, &p, &b, reason).is_err());
        // Public communication without (c), and (c) with another outcome.
        let pc = Choice {
            outcome: Outcome::NotifyApAndPublicCommunication,
            exception: None,
        };
        assert!(check_choice(&f, &p, &pc, reason).is_err());
        let c = Choice {
            outcome: Outcome::NotifyApAndDataSubjects,
            exception: Some(Exception::C),
        };
        assert!(check_choice(&f, &p, &c, reason).is_err());
        // An exception while telling people anyway.
        let ab = Choice {
            outcome: Outcome::NotifyApAndDataSubjects,
            exception: Some(Exception::B),
        };
        let errs = check_choice(&f, &p, &ab, reason).unwrap_err();
        assert!(errs
            .iter()
            .any(|e| e.message.contains("not told individually")));
    }

    #[test]
    fn only_the_art_34_3_c_decision_is_a_public_communication() {
        let public = Choice::from_stored("notify_ap_and_public_communication", Some("c")).unwrap();
        assert!(public.is_public_communication());
        for (outcome, exception) in [
            ("notify_ap_and_data_subjects", None),
            ("notify_ap", Some("b")),
            ("register_only", Some("a")),
            ("notify_ap", None),
            // Not a decision check_choice lets through, but stored data are not trusted blindly.
            ("notify_ap_and_public_communication", None),
            ("notify_ap_and_data_subjects", Some("c")),
        ] {
            let c = Choice::from_stored(outcome, exception).unwrap();
            assert!(!c.is_public_communication(), "{outcome} {exception:?}");
        }
        assert_eq!(Choice::from_stored("publish", None), None);
        assert_eq!(Choice::from_stored("notify_ap", Some("d")), None);
    }

    #[test]
    fn proposal_serialises_for_storage_and_pages() {
        let p = run(&case_10());
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(v["outcome"], "register_only");
        assert_eq!(v["exception"], "a");
        assert_eq!(v["risk"], "unlikely");
        let back: Proposal = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            serde_json::to_string(&Choice {
                outcome: Outcome::NotifyApAndPublicCommunication,
                exception: Some(Exception::C)
            })
            .unwrap(),
            r#"{"outcome":"notify_ap_and_public_communication","exception":"c"}"#
        );
    }
}

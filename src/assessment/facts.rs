//! The incident's facts in the vocabulary of the AP's notification form (`regulation.md` §3–4),
//! so that the draft for the regulator can fill itself, plus the few circumstances the ENISA
//! method and the decision need (§5–6).
//!
//! Every fact knows where it came from ([`Fact`]): entered by staff, derived (from a report, the
//! text detector or the processing register) until a person confirms it, or still missing.
//! [`Facts::validate`] refuses impossible combinations, naming the field and the reason.
use serde::{Deserialize, Serialize};

use super::FieldProblem;

/// One fact with its provenance. Serialised as
/// `{"provenance":"entered","value":…}`, `{"provenance":"derived","value":…,"from":"…"}` or
/// `{"provenance":"missing"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "provenance", rename_all = "snake_case")]
pub enum Fact<T> {
    /// Entered (or confirmed) by staff.
    Entered { value: T },
    /// Proposed from a source — a report, the detector, the processing register — not yet
    /// confirmed by a person. `from` names the source.
    Derived { value: T, from: String },
    /// Not known yet.
    #[default]
    Missing,
}

impl<T> Fact<T> {
    pub fn entered(value: T) -> Self {
        Fact::Entered { value }
    }

    pub fn derived(value: T, from: impl Into<String>) -> Self {
        Fact::Derived {
            value,
            from: from.into(),
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Entered { value } | Fact::Derived { value, .. } => Some(value),
            Fact::Missing => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Fact::Missing)
    }

    pub fn is_derived(&self) -> bool {
        matches!(self, Fact::Derived { .. })
    }

    /// A person confirms a derived fact: it becomes entered.
    pub fn confirm(self) -> Self {
        match self {
            Fact::Derived { value, .. } => Fact::Entered { value },
            other => other,
        }
    }

    pub fn provenance_key(&self) -> &'static str {
        match self {
            Fact::Entered { .. } => "entered",
            Fact::Derived { .. } => "derived",
            Fact::Missing => "missing",
        }
    }

    pub fn provenance_label_nl(&self) -> String {
        match self {
            Fact::Entered { .. } => "ingevoerd".into(),
            Fact::Derived { from, .. } => format!("afgeleid uit {from} (nog bevestigen)"),
            Fact::Missing => "ontbreekt".into(),
        }
    }

    pub fn provenance_label_en(&self) -> String {
        match self {
            Fact::Entered { .. } => "entered".into(),
            Fact::Derived { from, .. } => format!("derived from {from} (to be confirmed)"),
            Fact::Missing => "missing".into(),
        }
    }
}

impl Fact<bool> {
    /// `Some(true)` / `Some(false)` when known, `None` when missing.
    pub fn known(&self) -> Option<bool> {
        self.value().copied()
    }

    pub fn is_true(&self) -> bool {
        self.known() == Some(true)
    }
}

impl<T: PartialEq> Fact<Vec<T>> {
    /// Whether the list is known and contains `item`.
    pub fn has(&self, item: &T) -> bool {
        self.value().map(|v| v.contains(item)).unwrap_or(false)
    }

    /// The known items, or none.
    pub fn items(&self) -> &[T] {
        self.value().map(|v| v.as_slice()).unwrap_or(&[])
    }
}

vocabulary! {
    /// The nature of the breach (EDPB: one incident can be several at once).
    pub enum Nature {
        Confidentiality => ("confidentiality", "vertrouwelijkheid: mogelijk ingezien door onbevoegden", "confidentiality: possibly read by unauthorised persons"),
        Integrity => ("integrity", "integriteit: gegevens gewijzigd", "integrity: data altered"),
        Availability => ("availability", "beschikbaarheid: gegevens (tijdelijk) niet beschikbaar", "availability: data (temporarily) unavailable"),
    }
}

vocabulary! {
    /// For an availability breach: temporary or permanent (lost, deleted).
    pub enum AvailabilityLoss {
        Temporary => ("temporary", "tijdelijk niet beschikbaar", "temporarily unavailable"),
        Permanent => ("permanent", "blijvend niet beschikbaar (verloren, vernietigd)", "permanently unavailable (lost, deleted)"),
    }
}

vocabulary! {
    /// The four natures as the AP form lists them (chapter 5, several at once).
    pub enum FormNature {
        PossiblyRead => ("possibly_read", "mogelijk ingezien door onbevoegden", "possibly read by unauthorised persons"),
        Altered => ("altered", "gewijzigd", "altered"),
        PermanentlyUnavailable => ("permanently_unavailable", "blijvend niet beschikbaar (verloren, verwijderd)", "permanently unavailable (lost, deleted)"),
        TemporarilyUnavailable => ("temporarily_unavailable", "tijdelijk niet beschikbaar", "temporarily unavailable"),
    }
}

vocabulary! {
    /// Kind of incident (aard van het incident), the AP form's list.
    pub enum IncidentKind {
        EmailWrongRecipient => ("email_wrong_recipient", "e-mail naar verkeerde ontvanger(s)", "e-mail to wrong recipient(s)"),
        EmailCcNotBcc => ("email_cc_not_bcc", "e-mail met ontvangers in aan/cc in plaats van bcc", "e-mail with recipients in to/cc instead of bcc"),
        LetterWrongRecipient => ("letter_wrong_recipient", "brief of pakket verstuurd of afgegeven aan verkeerde ontvanger", "letter or parcel sent or handed to the wrong recipient"),
        LetterReturnedOpened => ("letter_returned_opened", "brief of pakket geopend retour gekomen", "letter or parcel returned opened"),
        LetterLost => ("letter_lost", "brief of pakket kwijtgeraakt", "letter or parcel lost"),
        AccessRightsWrong => ("access_rights_wrong", "toegangsrechten medewerkers verkeerd ingesteld", "staff access rights set wrongly"),
        NetworkFolderTooOpen => ("network_folder_too_open", "netwerkmappen te ruim toegankelijk", "network folders too widely accessible"),
        DeviceLostOrStolen => ("device_lost_or_stolen", "apparaat, gegevensdrager (usb) of papier verloren of gestolen", "device, data carrier (USB) or paper lost or stolen"),
        PublishedByAccident => ("published_by_accident", "persoonsgegevens per ongeluk gepubliceerd", "personal data published by accident"),
        HackingMalwarePhishing => ("hacking_malware_phishing", "hacking, malware (bijv. ransomware) en/of phishing", "hacking, malware (e.g. ransomware) and/or phishing"),
        WrongFile => ("wrong_file", "persoonsgegevens toegevoegd aan verkeerd dossier", "personal data added to the wrong file"),
        Other => ("other", "anders", "other"),
    }
}

vocabulary! {
    /// The AP form's general categories of personal data. `Behavioural` is not on the form (it
    /// goes there as "other"); ENISA scores it apart (location is on the form).
    pub enum GeneralData {
        Name => ("name", "naam", "name"),
        Sex => ("sex", "geslacht", "sex"),
        DateOfBirth => ("date_of_birth", "geboortedatum / leeftijd", "date of birth / age"),
        Bsn => ("bsn", "burgerservicenummer (BSN)", "citizen service number (BSN)"),
        ContactDetails => ("contact_details", "contactgegevens", "contact details"),
        Address => ("address", "adres", "address"),
        Email => ("email", "e-mailadres", "e-mail address"),
        Phone => ("phone", "telefoonnummer", "phone number"),
        AccessData => ("access_data", "toegangs- of identificatiegegevens (bijv. inlognaam, wachtwoord)", "access or identification data (e.g. user name, password)"),
        Financial => ("financial", "financiële gegevens", "financial data"),
        Iban => ("iban", "bankrekeningnummer (IBAN)", "bank account number (IBAN)"),
        CreditCard => ("credit_card", "creditcardgegevens", "credit card data"),
        Debts => ("debts", "(problematische) schulden", "(problematic) debts"),
        Benefits => ("benefits", "uitkeringen", "benefits"),
        OtherFinancial => ("other_financial", "overige financiële gegevens", "other financial data"),
        IdDocuments => ("id_documents", "(kopieën van) paspoorten of identiteitsbewijzen", "(copies of) passports or ID documents"),
        Location => ("location", "locatiegegevens", "location data"),
        Criminal => ("criminal", "strafrechtelijke gegevens (art. 10 AVG)", "criminal-law data (Art. 10 GDPR)"),
        Behavioural => ("behavioural", "gedrags- of gebruiksgegevens (bijv. belgegevens, aankopen)", "behavioural or usage data (e.g. call records, purchases)"),
        Unknown => ("unknown", "onbekend", "unknown"),
        Other => ("other", "anders", "other"),
    }
}

impl GeneralData {
    /// The option to tick on the AP form (`Behavioural` is not on it: "other").
    pub fn form_option(&self) -> GeneralData {
        match self {
            GeneralData::Behavioural => GeneralData::Other,
            other => *other,
        }
    }

    /// Whether the datum points at a person directly (ENISA: ease of identification), or may:
    /// "unknown" counts, as the less favourable reading.
    pub fn identifies(&self) -> bool {
        matches!(
            self,
            GeneralData::Name
                | GeneralData::Bsn
                | GeneralData::IdDocuments
                | GeneralData::Email
                | GeneralData::Address
                | GeneralData::Phone
                | GeneralData::ContactDetails
                | GeneralData::Unknown
        )
    }

    pub fn is_financial(&self) -> bool {
        matches!(
            self,
            GeneralData::Financial
                | GeneralData::Iban
                | GeneralData::CreditCard
                | GeneralData::Debts
                | GeneralData::Benefits
                | GeneralData::OtherFinancial
        )
    }
}

vocabulary! {
    /// Special categories of personal data (Art. 9 GDPR).
    pub enum SpecialCategory {
        RacialOrEthnicOrigin => ("racial_or_ethnic_origin", "ras of etnische afkomst", "racial or ethnic origin"),
        PoliticalOpinions => ("political_opinions", "politieke opvattingen", "political opinions"),
        ReligiousOrPhilosophicalBeliefs => ("religious_or_philosophical_beliefs", "religieuze of levensbeschouwelijke overtuigingen", "religious or philosophical beliefs"),
        TradeUnionMembership => ("trade_union_membership", "lidmaatschap van een vakbond", "trade-union membership"),
        SexLifeOrOrientation => ("sex_life_or_orientation", "seksueel gedrag of seksuele gerichtheid", "sex life or sexual orientation"),
        Health => ("health", "gezondheid", "health"),
        Genetic => ("genetic", "genetische gegevens", "genetic data"),
        Biometric => ("biometric", "biometrische gegevens", "biometric data"),
    }
}

vocabulary! {
    /// Groups of people affected (AP form chapter 7).
    pub enum PersonGroup {
        Employees => ("employees", "werknemers", "employees"),
        Customers => ("customers", "klanten, burgers of cliënten", "customers, citizens or clients"),
        PupilsOrStudents => ("pupils_or_students", "leerlingen of studenten", "pupils or students"),
        Patients => ("patients", "patiënten", "patients"),
        Minors => ("minors", "minderjarigen", "minors"),
        OtherVulnerable => ("other_vulnerable", "andere kwetsbare groepen", "other vulnerable groups"),
        Other => ("other", "anders", "other"),
    }
}

impl PersonGroup {
    pub fn is_vulnerable(&self) -> bool {
        matches!(self, PersonGroup::Minors | PersonGroup::OtherVulnerable)
    }
}

vocabulary! {
    /// Protection of the data before the breach (AP form chapter 8).
    pub enum ProtectionMethod {
        Encrypted => ("encrypted", "versleuteld", "encrypted"),
        Hashed => ("hashed", "gehasht", "hashed"),
        OtherwiseUnintelligible => ("otherwise_unintelligible", "op andere wijze onbegrijpelijk of ontoegankelijk gemaakt", "otherwise made unintelligible or inaccessible"),
        None => ("none", "nee, niet beschermd", "no, not protected"),
    }
}

impl ProtectionMethod {
    pub fn protects(&self) -> bool {
        !matches!(self, ProtectionMethod::None)
    }
}

vocabulary! {
    /// Consequences for the people (AP form chapter 9).
    pub enum PeopleConsequence {
        Discrimination => ("discrimination", "stigmatisering of uitsluiting", "discrimination or exclusion"),
        IdentityTheftOrFraud => ("identity_theft_or_fraud", "identiteitsfraude of -diefstal", "identity theft or fraud"),
        FinancialLoss => ("financial_loss", "financiële schade", "financial loss"),
        ReputationalDamage => ("reputational_damage", "reputatieschade", "reputational damage"),
        ProfessionalSecrecyBreached => ("professional_secrecy_breached", "verlies van vertrouwelijkheid van gegevens onder beroepsgeheim", "loss of confidentiality of data under professional secrecy"),
        PseudonymisationReversed => ("pseudonymisation_reversed", "ongeoorloofde ongedaanmaking van pseudonimisering", "unauthorised reversal of pseudonymisation"),
        CannotExerciseRights => ("cannot_exercise_rights", "betrokkenen kunnen hun gegevens niet inzien of laten wissen", "people cannot access or erase their data"),
        LoseTrack => ("lose_track", "betrokkenen verliezen zicht op wie hun gegevens verwerkt", "people lose track of who processes their data"),
        Other => ("other", "anders", "other"),
    }
}

impl PeopleConsequence {
    /// The consequences the AP gives as examples of high risk (§4).
    pub fn is_serious(&self) -> bool {
        matches!(
            self,
            PeopleConsequence::Discrimination
                | PeopleConsequence::IdentityTheftOrFraud
                | PeopleConsequence::FinancialLoss
                | PeopleConsequence::ReputationalDamage
                | PeopleConsequence::ProfessionalSecrecyBreached
                | PeopleConsequence::PseudonymisationReversed
        )
    }
}

vocabulary! {
    /// Consequences for the organisation (AP form chapter 9).
    pub enum OrgConsequence {
        SeenByUnauthorised => ("seen_by_unauthorised", "onbevoegden hebben de gegevens mogelijk ingezien", "unauthorised persons may have seen the data"),
        MisusePossible => ("misuse_possible", "de gegevens kunnen worden misbruikt", "the data may be misused"),
        IncorrectDataUsed => ("incorrect_data_used", "onjuiste, onvolledige of verouderde gegevens worden intern gebruikt", "incorrect, incomplete or outdated data may be used internally"),
        ReusedOrPassedOn => ("reused_or_passed_on", "gegevens voor andere doelen gebruikt of doorgegeven", "data reused for other purposes or passed on"),
        EssentialServiceTemporarilyUnavailable => ("essential_service_temporarily_unavailable", "een essentiële dienst is tijdelijk niet beschikbaar", "an essential service is temporarily unavailable"),
        EssentialServicePermanentlyUnavailable => ("essential_service_permanently_unavailable", "een essentiële dienst is blijvend niet beschikbaar", "an essential service is permanently unavailable"),
        Other => ("other", "anders", "other"),
    }
}

vocabulary! {
    /// The controller's nature, as far as it changes what data reveal (ENISA: a hospital's
    /// address list tells who is a patient).
    pub enum ControllerNature {
        HealthCare => ("health_care", "ziekenhuis of zorgaanbieder", "hospital or care provider"),
        BankOrFinancial => ("bank_or_financial", "bank, verzekeraar of andere financiële instelling", "bank, insurer or other financial institution"),
        SocialServices => ("social_services", "sociaal domein (jeugdzorg, schuldhulp, uitkeringen)", "social services (youth care, debt counselling, benefits)"),
        Education => ("education", "onderwijs", "education"),
        Government => ("government", "overheid", "public administration"),
        Telecom => ("telecom", "telecomaanbieder", "telecom provider"),
        Commercial => ("commercial", "commercieel bedrijf", "commercial business"),
        Other => ("other", "anders", "other"),
    }
}

impl ControllerNature {
    /// Whether being in this controller's files reveals more than the data say (ENISA: DPC up).
    pub fn reveals_more(&self) -> bool {
        matches!(
            self,
            ControllerNature::HealthCare
                | ControllerNature::BankOrFinancial
                | ControllerNature::SocialServices
        )
    }

    /// Whether being a client of this controller is itself sensitive (`regulation.md` §9: debt
    /// counselling, youth care, addiction care, a hospital, a benefits department): being in its
    /// files reveals health, financial hardship or vulnerability.
    pub fn stigmatising(&self) -> bool {
        matches!(
            self,
            ControllerNature::HealthCare | ControllerNature::SocialServices
        )
    }
}

vocabulary! {
    /// ENISA ease of identification (EI).
    pub enum Identifiability {
        Negligible => ("negligible", "verwaarloosbaar", "negligible"),
        Limited => ("limited", "beperkt", "limited"),
        Significant => ("significant", "aanzienlijk", "significant"),
        Maximum => ("maximum", "maximaal", "maximum"),
    }
}

impl Identifiability {
    /// The ENISA multiplier.
    pub fn multiplier(&self) -> f64 {
        match self {
            Identifiability::Negligible => 0.25,
            Identifiability::Limited => 0.5,
            Identifiability::Significant => 0.75,
            Identifiability::Maximum => 1.0,
        }
    }
}

vocabulary! {
    /// ENISA data-processing-context levels: the basic score of a data category.
    pub enum DataLevel {
        Simple => ("simple", "eenvoudig (naam, contact, opleiding, gezin)", "simple (name, contact, education, family)"),
        Behavioural => ("behavioural", "gedrag (locatie, verkeersgegevens, gewoonten)", "behavioural (location, traffic, habits)"),
        Financial => ("financial", "financieel (inkomen, transacties, uitkeringen, kaarten)", "financial (income, transactions, benefits, cards)"),
        Sensitive => ("sensitive", "gevoelig (gezondheid, bijzondere categorieën)", "sensitive (health, special categories)"),
    }
}

impl DataLevel {
    pub fn score(&self) -> i32 {
        match self {
            DataLevel::Simple => 1,
            DataLevel::Behavioural => 2,
            DataLevel::Financial => 3,
            DataLevel::Sensitive => 4,
        }
    }
}

/// Number of people: exact, or a minimum and (when known) a maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PeopleCount {
    Exact { n: i64 },
    Range { min: i64, max: Option<i64> },
}

impl PeopleCount {
    pub fn lower(&self) -> i64 {
        match self {
            PeopleCount::Exact { n } => *n,
            PeopleCount::Range { min, .. } => *min,
        }
    }

    /// The highest number the facts allow; `None` when open-ended.
    pub fn upper(&self) -> Option<i64> {
        match self {
            PeopleCount::Exact { n } => Some(*n),
            PeopleCount::Range { max, .. } => *max,
        }
    }
}

/// Protection beforehand, with the three conditions of the encryption exception (§3 ch. 8).
/// Ransomware's encryption is not protection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protection {
    pub method: ProtectionMethod,
    /// The technique, e.g. "AES-256 volledige schijfversleuteling" or "bcrypt met salt".
    #[serde(default)]
    pub technique: Option<String>,
    /// The data are still intact (not altered or destroyed).
    #[serde(default)]
    pub data_intact: Option<bool>,
    /// A recent backup exists.
    #[serde(default)]
    pub recent_backup: Option<bool>,
    /// The key (or salt, or password) is not compromised.
    #[serde(default)]
    pub key_not_compromised: Option<bool>,
    /// Staff claim exception (a) of Art. 34(3): the data were unintelligible to others.
    #[serde(default)]
    pub exception_a_claimed: bool,
}

impl Protection {
    pub fn none() -> Protection {
        Protection {
            method: ProtectionMethod::None,
            technique: None,
            data_intact: None,
            recent_backup: None,
            key_not_compromised: None,
            exception_a_claimed: false,
        }
    }
}

/// Who received or could see the data (for misdirected mail above all).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipients {
    /// Known who they are (a named addressee) or not (a thief, an attacker, the internet).
    #[serde(default)]
    pub known: Option<bool>,
    /// Trustworthy: a regular supplier, a GP or another party bound by secrecy or contract.
    #[serde(default)]
    pub trustworthy: Option<bool>,
    /// Why they are trustworthy (professional secrecy, processing agreement…).
    #[serde(default)]
    pub trust_basis: Option<String>,
    /// Confirmed that they returned or destroyed the data.
    #[serde(default)]
    pub returned_or_deleted: Option<bool>,
    /// Whether the mail was opened or the data seen (`Some(false)`: returned unopened).
    #[serde(default)]
    pub opened: Option<bool>,
    /// Number of recipients.
    #[serde(default)]
    pub count: Option<i64>,
}

vocabulary! {
    /// The high risks to people the AP names (`regulation.md` §4), plus severe consequences by the
    /// ENISA score. A high-risk finding names the risks it stands for; a measure under Art. 34(3)(b)
    /// names the risks it removes.
    pub enum HighRisk {
        IdentityFraud => ("identity_fraud", "identiteitsfraude", "identity fraud"),
        FinancialLoss => ("financial_loss", "financiële schade of fraude", "financial loss or fraud"),
        Discrimination => ("discrimination", "stigmatisering of discriminatie", "stigma or discrimination"),
        ReputationalDamage => ("reputational_damage", "reputatieschade", "reputational damage"),
        ProfessionalSecrecy => ("professional_secrecy", "schending van het beroepsgeheim", "breach of professional secrecy"),
        HarmToVulnerable => ("harm_to_vulnerable", "schade voor minderjarigen of andere kwetsbare personen", "harm to minors or other vulnerable people"),
        CareDelayed => ("care_delayed", "uitgestelde of verstoorde zorg", "care delayed or disrupted"),
        SevereConsequences => ("severe_consequences", "ernstige gevolgen volgens de ENISA-ernst", "severe consequences by the ENISA severity"),
    }
}

/// One measure taken after the breach, for exception (b) of Art. 34(3): what was done, which high
/// risks it removes, and whether it is completed. Only completed measures that name the risks
/// they remove can carry the exception; a text alone never does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskMeasure {
    pub description: String,
    /// The high risks this measure removes.
    #[serde(default)]
    pub removes: Vec<HighRisk>,
    /// Done, not only planned.
    #[serde(default)]
    pub completed: bool,
}

/// The measures of Art. 34(3)(b), serialised as a list. A free text stored before measures were
/// structured reads as one measure that names no risk and is not marked completed: it is kept and
/// shown, and never carries the exception.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "MeasuresRepr", into = "Vec<RiskMeasure>")]
pub struct RiskMeasures(pub Vec<RiskMeasure>);

#[derive(Deserialize)]
#[serde(untagged)]
enum MeasuresRepr {
    List(Vec<RiskMeasure>),
    Text(String),
}

impl From<MeasuresRepr> for RiskMeasures {
    fn from(r: MeasuresRepr) -> Self {
        match r {
            MeasuresRepr::List(v) => RiskMeasures(v),
            MeasuresRepr::Text(t) => RiskMeasures(vec![RiskMeasure {
                description: t,
                removes: vec![],
                completed: false,
            }]),
        }
    }
}

impl From<RiskMeasures> for Vec<RiskMeasure> {
    fn from(m: RiskMeasures) -> Self {
        m.0
    }
}

impl RiskMeasures {
    /// Whether completed measures together remove every one of `risks` (and `risks` is not empty).
    pub fn cover(&self, risks: &[HighRisk]) -> bool {
        !risks.is_empty()
            && risks.iter().all(|r| {
                self.0.iter().any(|m| {
                    m.completed && m.removes.contains(r) && !m.description.trim().is_empty()
                })
            })
    }

    /// The risks that completed measures remove.
    pub fn removed(&self) -> Vec<HighRisk> {
        let mut out: Vec<HighRisk> = self
            .0
            .iter()
            .filter(|m| m.completed && !m.description.trim().is_empty())
            .flat_map(|m| m.removes.iter().copied())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The measures as one Dutch text (for the AP form's "measures taken").
    pub fn text_nl(&self) -> String {
        self.0
            .iter()
            .map(|m| {
                let mut s = m.description.trim().to_string();
                if !m.removes.is_empty() {
                    s.push_str(&format!(
                        " (neemt weg: {})",
                        m.removes
                            .iter()
                            .map(|r| r.label_nl())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if !m.completed {
                    s.push_str(" (nog niet voltooid)");
                }
                s
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The incident's facts. Missing JSON fields are missing facts; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Facts {
    pub nature: Fact<Vec<Nature>>,
    /// For an availability breach: temporary or permanent.
    pub availability_loss: Fact<AvailabilityLoss>,
    pub kind: Fact<IncidentKind>,
    /// What "other" means when the kind is [`IncidentKind::Other`].
    pub kind_other: Option<String>,
    pub general_data: Fact<Vec<GeneralData>>,
    pub special_categories: Fact<Vec<SpecialCategory>>,
    /// What leaked credentials give access to (ENISA: credentials score as the data they open).
    pub credentials_open: Fact<DataLevel>,
    pub groups: Fact<Vec<PersonGroup>>,
    pub people: Fact<PeopleCount>,
    pub records: Fact<i64>,
    pub protection: Fact<Protection>,
    pub recipients: Fact<Recipients>,
    pub consequences_people: Fact<Vec<PeopleConsequence>>,
    pub consequences_org: Fact<Vec<OrgConsequence>>,
    pub malicious_intent: Fact<bool>,
    /// Data were copied out by someone (exfiltration); a confidentiality breach.
    pub exfiltrated: Fact<bool>,
    pub backup_available: Fact<bool>,
    /// The data were restored without difficulty (quickly, from backup, no effect on people).
    pub restored_without_difficulty: Fact<bool>,
    /// For an integrity breach: the altered data can be put right.
    pub integrity_recoverable: Fact<bool>,
    pub controller_nature: Fact<ControllerNature>,
    /// ENISA ease of identification; derived from the data when missing.
    pub identifiability: Fact<Identifiability>,
    /// ENISA up: much data per person (a whole file, a CV) allows a profile.
    pub large_volume_per_person: Fact<bool>,
    /// ENISA down: the sensitive data give no significant insight (e.g. a food preference).
    pub sensitive_limited_insight: Fact<bool>,
    /// ENISA down: the data are known to be wrong or invalid.
    pub data_known_invalid: Fact<bool>,
    /// ENISA down: the data were already public.
    pub data_already_public: Fact<bool>,
    /// The people can be reached individually without disproportionate effort (Art. 34(3)(c)).
    pub people_reachable: Fact<bool>,
    /// Measures taken afterwards that make a high risk no longer likely (Art. 34(3)(b)), each
    /// naming the risks it removes.
    pub risk_removing_measures: Fact<RiskMeasures>,
    /// How the breach was discovered.
    pub how_discovered: Fact<String>,
}

/// A fact as a person sent it back on a form, in its JSON shape (`{"provenance": …, "value": …}`):
/// unchanged and not confirmed keeps its provenance (a derived fact stays derived); changed or
/// confirmed becomes entered; nothing given becomes missing — except an empty list, which a person
/// who changed or confirmed it means as "none".
pub fn settle(
    current: &serde_json::Value,
    new: serde_json::Value,
    confirmed: bool,
) -> serde_json::Value {
    use serde_json::{json, Value};
    let empty = match &new {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    };
    let same = current["value"] == new || (empty && current.get("value").is_none());
    if same && !confirmed {
        return current.clone();
    }
    if empty && !new.is_array() {
        return json!({"provenance": "missing"});
    }
    json!({"provenance": "entered", "value": new})
}

fn problem(field: &str, en: &str, nl: &str) -> FieldProblem {
    FieldProblem::new(field, en, nl)
}

fn derived_source<T>(field: &str, fact: &Fact<T>, out: &mut Vec<FieldProblem>) {
    if let Fact::Derived { from, .. } = fact {
        if from.trim().is_empty() {
            out.push(problem(
                field,
                "a derived fact must say where it was derived from",
                "een afgeleid gegeven moet vermelden waaruit het is afgeleid",
            ));
        }
    }
}

/// One contradiction, reported on both fields so that either can be corrected.
fn both(out: &mut Vec<FieldProblem>, fields: (&str, &str), en: &str, nl: &str) {
    out.push(problem(
        fields.0,
        &format!("{en} (see `{}`)", fields.1),
        &format!(
            "{nl} (zie {})",
            crate::assessment::labels::fact_label_nl(fields.1)
        ),
    ));
    out.push(problem(
        fields.1,
        &format!("{en} (see `{}`)", fields.0),
        &format!(
            "{nl} (zie {})",
            crate::assessment::labels::fact_label_nl(fields.0)
        ),
    ));
}

fn not_negative(field: &str, n: Option<i64>, out: &mut Vec<FieldProblem>) {
    if n.map(|n| n < 0).unwrap_or(false) {
        out.push(problem(
            field,
            "a count cannot be negative",
            "een aantal kan niet negatief zijn",
        ));
    }
}

impl Facts {
    pub fn has_nature(&self, n: Nature) -> bool {
        self.nature.has(&n)
    }

    pub fn has_data(&self, d: GeneralData) -> bool {
        self.general_data.has(&d)
    }

    pub fn has_bsn(&self) -> bool {
        self.has_data(GeneralData::Bsn)
    }

    /// Art. 9 or Art. 10 data present.
    pub fn has_sensitive(&self) -> bool {
        !self.special_categories.items().is_empty() || self.has_data(GeneralData::Criminal)
    }

    pub fn has_vulnerable_people(&self) -> bool {
        self.groups.items().iter().any(|g| g.is_vulnerable())
    }

    pub fn recipients(&self) -> Recipients {
        self.recipients.value().cloned().unwrap_or_default()
    }

    /// The breach's nature as the AP form asks it (four options, several at once).
    pub fn form_nature(&self) -> Vec<FormNature> {
        let mut out = vec![];
        if self.has_nature(Nature::Confidentiality) {
            out.push(FormNature::PossiblyRead);
        }
        if self.has_nature(Nature::Integrity) {
            out.push(FormNature::Altered);
        }
        if self.has_nature(Nature::Availability) {
            match self.availability_loss.value() {
                Some(AvailabilityLoss::Permanent) => out.push(FormNature::PermanentlyUnavailable),
                Some(AvailabilityLoss::Temporary) => out.push(FormNature::TemporarilyUnavailable),
                None => {}
            }
        }
        out
    }

    /// The fields still missing that matter for the AP form and the decision.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = vec![];
        let checks: [(&'static str, bool); 6] = [
            ("nature", self.nature.is_missing()),
            ("kind", self.kind.is_missing()),
            ("general_data", self.general_data.is_missing()),
            ("special_categories", self.special_categories.is_missing()),
            ("people", self.people.is_missing()),
            ("protection", self.protection.is_missing()),
        ];
        for (name, missing) in checks {
            if missing {
                out.push(name);
            }
        }
        if self.has_nature(Nature::Confidentiality) && self.recipients.is_missing() {
            out.push("recipients");
        }
        if self.has_nature(Nature::Availability) {
            if self.availability_loss.is_missing() {
                out.push("availability_loss");
            }
            if self.backup_available.is_missing() {
                out.push("backup_available");
            }
        }
        if self.has_nature(Nature::Integrity) && self.integrity_recoverable.is_missing() {
            out.push("integrity_recoverable");
        }
        if self.malicious_intent.is_missing() {
            out.push("malicious_intent");
        }
        out
    }

    /// Refuses impossible combinations. Every problem names its field and says why.
    pub fn validate(&self) -> Result<(), Vec<FieldProblem>> {
        let mut out = vec![];

        // Provenance: a derived fact names its source.
        derived_source("nature", &self.nature, &mut out);
        derived_source("availability_loss", &self.availability_loss, &mut out);
        derived_source("kind", &self.kind, &mut out);
        derived_source("general_data", &self.general_data, &mut out);
        derived_source("special_categories", &self.special_categories, &mut out);
        derived_source("credentials_open", &self.credentials_open, &mut out);
        derived_source("groups", &self.groups, &mut out);
        derived_source("people", &self.people, &mut out);
        derived_source("records", &self.records, &mut out);
        derived_source("protection", &self.protection, &mut out);
        derived_source("recipients", &self.recipients, &mut out);
        derived_source("consequences_people", &self.consequences_people, &mut out);
        derived_source("consequences_org", &self.consequences_org, &mut out);
        derived_source("malicious_intent", &self.malicious_intent, &mut out);
        derived_source("exfiltrated", &self.exfiltrated, &mut out);
        derived_source("backup_available", &self.backup_available, &mut out);
        derived_source(
            "restored_without_difficulty",
            &self.restored_without_difficulty,
            &mut out,
        );
        derived_source(
            "integrity_recoverable",
            &self.integrity_recoverable,
            &mut out,
        );
        derived_source("controller_nature", &self.controller_nature, &mut out);
        derived_source("identifiability", &self.identifiability, &mut out);
        derived_source(
            "large_volume_per_person",
            &self.large_volume_per_person,
            &mut out,
        );
        derived_source(
            "sensitive_limited_insight",
            &self.sensitive_limited_insight,
            &mut out,
        );
        derived_source("data_known_invalid", &self.data_known_invalid, &mut out);
        derived_source("data_already_public", &self.data_already_public, &mut out);
        derived_source("people_reachable", &self.people_reachable, &mut out);
        derived_source(
            "risk_removing_measures",
            &self.risk_removing_measures,
            &mut out,
        );
        derived_source("how_discovered", &self.how_discovered, &mut out);

        // Nature.
        if let Some(loss) = self.availability_loss.value() {
            if !self.has_nature(Nature::Availability) {
                out.push(problem(
                    "availability_loss",
                    &format!(
                        "a {} availability loss needs the availability nature in `nature`",
                        loss.as_str()
                    ),
                    &format!(
                        "een {} verlies van beschikbaarheid vereist de aard 'beschikbaarheid' in `nature`",
                        if *loss == AvailabilityLoss::Permanent { "blijvend" } else { "tijdelijk" }
                    ),
                ));
            }
            if *loss == AvailabilityLoss::Permanent && self.restored_without_difficulty.is_true() {
                out.push(problem(
                    "restored_without_difficulty",
                    "data permanently lost cannot have been restored without difficulty",
                    "blijvend verloren gegevens kunnen niet zonder moeite zijn hersteld",
                ));
            }
        }
        if let Some(n) = self.nature.value() {
            if n.is_empty() {
                out.push(problem(
                    "nature",
                    "a breach has at least one nature (confidentiality, integrity, availability); leave it missing if unknown",
                    "een datalek heeft minstens één aard (vertrouwelijkheid, integriteit, beschikbaarheid); laat het leeg als het onbekend is",
                ));
            }
        }
        if self.exfiltrated.is_true() && !self.has_nature(Nature::Confidentiality) {
            out.push(problem(
                "exfiltrated",
                "exfiltrated data are a confidentiality breach: add confidentiality to `nature`",
                "weggesluisde gegevens zijn een inbreuk op de vertrouwelijkheid: voeg 'vertrouwelijkheid' toe aan `nature`",
            ));
        }

        // Kind.
        if self.kind.value() == Some(&IncidentKind::Other)
            && self
                .kind_other
                .as_deref()
                .map(str::trim)
                .unwrap_or("")
                .is_empty()
        {
            out.push(problem(
                "kind_other",
                "say what the other kind of incident is",
                "omschrijf welk ander soort incident het is",
            ));
        }

        // Counts.
        match self.people.value() {
            Some(PeopleCount::Exact { n }) => not_negative("people.n", Some(*n), &mut out),
            Some(PeopleCount::Range { min, max }) => {
                not_negative("people.min", Some(*min), &mut out);
                not_negative("people.max", *max, &mut out);
                if let Some(max) = max {
                    if min > max {
                        out.push(problem(
                            "people.max",
                            &format!("the minimum ({min}) is above the maximum ({max})"),
                            &format!("het minimum ({min}) is hoger dan het maximum ({max})"),
                        ));
                    }
                }
            }
            None => {}
        }
        not_negative("records", self.records.value().copied(), &mut out);
        if let Some(r) = self.recipients.value() {
            not_negative("recipients.count", r.count, &mut out);
        }

        // Protection and the encryption exception.
        if let Some(p) = self.protection.value() {
            if p.exception_a_claimed {
                if !p.method.protects() {
                    out.push(problem(
                        "protection.exception_a_claimed",
                        "exception (a) needs data made unintelligible (encrypted, hashed or otherwise); the protection is 'none'",
                        "uitzondering (a) vereist dat de gegevens onbegrijpelijk waren (versleuteld, gehasht of anders); de beveiliging is 'geen'",
                    ));
                } else if p
                    .technique
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or("")
                    .is_empty()
                {
                    out.push(problem(
                        "protection.technique",
                        "exception (a) is claimed: name the technique that made the data unintelligible",
                        "uitzondering (a) wordt ingeroepen: noem de techniek die de gegevens onbegrijpelijk maakte",
                    ));
                }
                if p.key_not_compromised == Some(false) {
                    out.push(problem(
                        "protection.key_not_compromised",
                        "exception (a) cannot be claimed when the key is compromised",
                        "uitzondering (a) kan niet worden ingeroepen als de sleutel is gecompromitteerd",
                    ));
                }
                if p.data_intact == Some(false) {
                    out.push(problem(
                        "protection.data_intact",
                        "exception (a) cannot be claimed when the data are not intact",
                        "uitzondering (a) kan niet worden ingeroepen als de gegevens niet intact zijn",
                    ));
                }
            }
            if p.recent_backup == Some(true) && self.backup_available.known() == Some(false) {
                out.push(problem(
                    "protection.recent_backup",
                    "a recent backup is claimed while `backup_available` says there is none",
                    "er wordt een recente back-up opgegeven terwijl `backup_available` zegt dat die er niet is",
                ));
            }
        }

        // Adjustments that need something to adjust.
        if self.sensitive_limited_insight.is_true() && !self.has_sensitive() {
            out.push(problem(
                "sensitive_limited_insight",
                "there are no special-category or criminal data to give limited insight",
                "er zijn geen bijzondere of strafrechtelijke gegevens waarvoor beperkt inzicht kan gelden",
            ));
        }
        if self.credentials_open.value().is_some() && !self.has_data(GeneralData::AccessData) {
            out.push(problem(
                "credentials_open",
                "says what credentials open, but `general_data` has no access data",
                "zegt waar inloggegevens toegang toe geven, maar `general_data` bevat geen toegangsgegevens",
            ));
        }
        if let Some(m) = self.risk_removing_measures.value() {
            for (i, m) in m.0.iter().enumerate() {
                if m.description.trim().is_empty() {
                    out.push(problem(
                        &format!("risk_removing_measures.{i}.description"),
                        "describe the measure",
                        "beschrijf de maatregel",
                    ));
                }
            }
        }

        // Facts that contradict each other: refused, naming both fields.
        if let Some(r) = self.recipients.value() {
            if r.opened == Some(false) && self.exfiltrated.is_true() {
                both(
                    &mut out,
                    ("recipients.opened", "exfiltrated"),
                    "the data cannot both have come back unopened and have been exfiltrated: correct one of the two",
                    "de gegevens kunnen niet ongeopend zijn teruggekomen én zijn weggesluisd: verbeter een van beide",
                );
            }
            if r.trustworthy == Some(true) && r.known == Some(false) {
                both(
                    &mut out,
                    ("recipients.trustworthy", "recipients.known"),
                    "a recipient nobody knows cannot be judged trustworthy",
                    "een ontvanger die niemand kent, kan niet als betrouwbaar gelden",
                );
            }
            if r.trustworthy == Some(true) && self.exfiltrated.is_true() {
                both(
                    &mut out,
                    ("recipients.trustworthy", "exfiltrated"),
                    "whoever exfiltrated the data is not a trustworthy recipient",
                    "wie de gegevens heeft weggesluisd, is geen betrouwbare ontvanger",
                );
            }
        }

        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_settles_provenance() {
        use serde_json::json;
        let derived = json!({"provenance": "derived", "value": ["bsn"], "from": "melding M-1"});
        // Unchanged, not confirmed: still derived.
        assert_eq!(settle(&derived, json!(["bsn"]), false), derived);
        // Confirmed or changed: entered.
        assert_eq!(
            settle(&derived, json!(["bsn"]), true),
            json!({"provenance": "entered", "value": ["bsn"]})
        );
        assert_eq!(
            settle(&derived, json!(["bsn", "name"]), false)["provenance"],
            "entered"
        );
        // An emptied list says "none"; an emptied value is missing.
        assert_eq!(
            settle(&derived, json!([]), false),
            json!({"provenance": "entered", "value": []})
        );
        let kind = json!({"provenance": "entered", "value": "other"});
        assert_eq!(
            settle(&kind, serde_json::Value::Null, false),
            json!({"provenance": "missing"})
        );
        // Missing and left empty: still missing, unless an empty list is confirmed.
        let missing = json!({"provenance": "missing"});
        assert_eq!(settle(&missing, json!([]), false), missing);
        assert_eq!(
            settle(&missing, json!([]), true),
            json!({"provenance": "entered", "value": []})
        );
    }

    fn fields(r: Result<(), Vec<FieldProblem>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn every_option_round_trips_through_serde_and_parse() {
        fn check<T>(all: &[T], key: fn(&T) -> &'static str, parse: fn(&str) -> Option<T>)
        where
            T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug + Copy,
        {
            for v in all {
                let json = serde_json::to_string(v).unwrap();
                assert_eq!(json, format!("\"{}\"", key(v)));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
                assert_eq!(parse(key(v)), Some(*v));
            }
        }
        check(Nature::ALL, Nature::as_str, Nature::parse);
        check(IncidentKind::ALL, IncidentKind::as_str, IncidentKind::parse);
        check(GeneralData::ALL, GeneralData::as_str, GeneralData::parse);
        check(
            SpecialCategory::ALL,
            SpecialCategory::as_str,
            SpecialCategory::parse,
        );
        check(PersonGroup::ALL, PersonGroup::as_str, PersonGroup::parse);
        check(
            PeopleConsequence::ALL,
            PeopleConsequence::as_str,
            PeopleConsequence::parse,
        );
        check(
            OrgConsequence::ALL,
            OrgConsequence::as_str,
            OrgConsequence::parse,
        );
        check(
            ControllerNature::ALL,
            ControllerNature::as_str,
            ControllerNature::parse,
        );
        assert_eq!(IncidentKind::ALL.len(), 12);
        assert_eq!(SpecialCategory::ALL.len(), 8);
        assert_eq!(
            IncidentKind::EmailCcNotBcc.label_nl(),
            "e-mail met ontvangers in aan/cc in plaats van bcc"
        );
        assert!(IncidentKind::parse("bogus").is_none());
    }

    #[test]
    fn facts_serialise_with_provenance_and_default_to_missing() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            general_data: Fact::derived(vec![GeneralData::Bsn], "detectie in de melding"),
            ..Default::default()
        };
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(
            json["nature"],
            serde_json::json!({"provenance": "entered", "value": ["confidentiality"]})
        );
        assert_eq!(
            json["general_data"],
            serde_json::json!({"provenance": "derived", "value": ["bsn"], "from": "detectie in de melding"})
        );
        assert_eq!(json["people"], serde_json::json!({"provenance": "missing"}));
        let back: Facts = serde_json::from_value(json).unwrap();
        assert_eq!(back, f);
        // Partial input: everything else is missing.
        let partial: Facts = serde_json::from_str(
            r#"{"people": {"provenance": "entered", "value": {"type": "range", "min": 10, "max": 20}}}"#,
        )
        .unwrap();
        assert_eq!(
            partial.people.value(),
            Some(&PeopleCount::Range {
                min: 10,
                max: Some(20)
            })
        );
        assert!(partial.nature.is_missing());
        // Unknown fields are refused rather than silently dropped.
        assert!(serde_json::from_str::<Facts>(r#"{"natrue": {"provenance": "missing"}}"#).is_err());
    }

    #[test]
    fn confirming_a_derived_fact_makes_it_entered() {
        let f = Fact::derived(
            vec![GeneralData::Email],
            "verwerkingsregister: Leerlingadministratie",
        );
        assert!(f.is_derived());
        assert!(f
            .provenance_label_nl()
            .contains("afgeleid uit verwerkingsregister"));
        let c = f.confirm();
        assert_eq!(c, Fact::entered(vec![GeneralData::Email]));
        assert_eq!(c.provenance_key(), "entered");
    }

    #[test]
    fn form_nature_combines_availability_and_its_duration() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality, Nature::Availability]),
            availability_loss: Fact::entered(AvailabilityLoss::Permanent),
            ..Default::default()
        };
        assert_eq!(
            f.form_nature(),
            vec![FormNature::PossiblyRead, FormNature::PermanentlyUnavailable]
        );
        assert!(f.validate().is_ok());
    }

    #[test]
    fn permanent_availability_loss_without_availability_nature_is_refused() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            availability_loss: Fact::entered(AvailabilityLoss::Permanent),
            ..Default::default()
        };
        let errs = f.validate().unwrap_err();
        assert_eq!(errs[0].field, "availability_loss");
        assert!(errs[0].message.contains("permanent availability loss"));
        assert!(errs[0].message_nl.contains("blijvend"));
    }

    #[test]
    fn minimum_above_maximum_and_negative_counts_are_refused() {
        let f = Facts {
            people: Fact::entered(PeopleCount::Range {
                min: 500,
                max: Some(20),
            }),
            ..Default::default()
        };
        let errs = f.validate().unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "people.max");
        assert!(errs[0]
            .to_string()
            .contains("minimum (500) is above the maximum (20)"));

        let f = Facts {
            people: Fact::entered(PeopleCount::Exact { n: -1 }),
            records: Fact::entered(-5),
            recipients: Fact::entered(Recipients {
                count: Some(-2),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            fields(f.validate()),
            vec!["people.n", "records", "recipients.count"]
        );
        // An open-ended range is fine.
        let f = Facts {
            people: Fact::entered(PeopleCount::Range {
                min: 100_000,
                max: None,
            }),
            ..Default::default()
        };
        assert!(f.validate().is_ok());
    }

    #[test]
    fn exception_a_without_encryption_or_hashing_is_refused() {
        let mut f = Facts {
            protection: Fact::entered(Protection {
                exception_a_claimed: true,
                ..Protection::none()
            }),
            ..Default::default()
        };
        let errs = f.validate().unwrap_err();
        assert_eq!(errs[0].field, "protection.exception_a_claimed");
        assert!(errs[0].message.contains("'none'"));

        // Encrypted, but the technique unnamed and the key compromised.
        f.protection = Fact::entered(Protection {
            method: ProtectionMethod::Encrypted,
            key_not_compromised: Some(false),
            exception_a_claimed: true,
            ..Protection::none()
        });
        assert_eq!(
            fields(f.validate()),
            vec!["protection.technique", "protection.key_not_compromised"]
        );

        // Properly claimed.
        f.protection = Fact::entered(Protection {
            method: ProtectionMethod::Hashed,
            technique: Some("bcrypt, kosten 12, met salt".into()),
            data_intact: Some(true),
            recent_backup: None,
            key_not_compromised: Some(true),
            exception_a_claimed: true,
        });
        assert!(f.validate().is_ok());
    }

    #[test]
    fn other_contradictions_are_refused() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Availability]),
            availability_loss: Fact::entered(AvailabilityLoss::Permanent),
            restored_without_difficulty: Fact::entered(true),
            exfiltrated: Fact::entered(true),
            kind: Fact::entered(IncidentKind::Other),
            sensitive_limited_insight: Fact::entered(true),
            backup_available: Fact::entered(false),
            protection: Fact::entered(Protection {
                recent_backup: Some(true),
                ..Protection::none()
            }),
            groups: Fact::derived(vec![PersonGroup::Minors], " "),
            ..Default::default()
        };
        assert_eq!(
            fields(f.validate()),
            vec![
                "groups",
                "restored_without_difficulty",
                "exfiltrated",
                "kind_other",
                "protection.recent_backup",
                "sensitive_limited_insight",
            ]
        );
        let f = Facts {
            nature: Fact::entered(vec![]),
            ..Default::default()
        };
        assert_eq!(fields(f.validate()), vec!["nature"]);
    }

    #[test]
    fn missing_lists_what_the_decision_still_needs() {
        let f = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality, Nature::Availability]),
            ..Default::default()
        };
        let m = f.missing();
        assert!(m.contains(&"recipients"));
        assert!(m.contains(&"backup_available"));
        assert!(m.contains(&"availability_loss"));
        assert!(!m.contains(&"nature"));
        assert!(!m.contains(&"integrity_recoverable"));
    }
}

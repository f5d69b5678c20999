//! The answer set for the AP's notification form (`regulation.md` §3), built from what Meldpunt
//! knows about the incident: its row (timeline, description, processor), the latest assessment
//! facts (in the form's vocabulary, each with its provenance), the decision, the organisation and
//! what the person drafting adds (reporter, kind of notification, reason for delay).
//!
//! Ten chapters in the form's order and numbering; every answer is **recorded** (entered by a
//! person), **derived** (proposed from a source, not yet confirmed) or **missing**. Pure: no web,
//! database or template code here.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::assessment::decision::{Exception, Outcome};
use crate::assessment::facts::{Fact, Facts, PeopleCount};
use crate::assessment::severity::Severity;
use crate::error::FieldProblem;
use crate::incidents::clock;

/// The kinds of notification the AP accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A first notification with all answers.
    InitialComplete,
    /// A first notification in phases (Art. 33(4)): answers may still be missing.
    InitialProvisional,
    /// A supplement (aanvulling) to an earlier notification, by its AP number.
    Supplement,
    /// Withdrawal (intrekking) of an earlier notification, with reasons.
    Withdrawal,
}

impl NoticeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            NoticeKind::InitialComplete => "initial_complete",
            NoticeKind::InitialProvisional => "initial_provisional",
            NoticeKind::Supplement => "supplement",
            NoticeKind::Withdrawal => "withdrawal",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        [
            NoticeKind::InitialComplete,
            NoticeKind::InitialProvisional,
            NoticeKind::Supplement,
            NoticeKind::Withdrawal,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn label_nl(&self) -> &'static str {
        match self {
            NoticeKind::InitialComplete => "nieuwe melding (volledig)",
            NoticeKind::InitialProvisional => "nieuwe melding (voorlopig, wordt aangevuld)",
            NoticeKind::Supplement => "aanvulling op een eerdere melding",
            NoticeKind::Withdrawal => "intrekking van een eerdere melding",
        }
    }

    pub fn is_initial(&self) -> bool {
        matches!(
            self,
            NoticeKind::InitialComplete | NoticeKind::InitialProvisional
        )
    }

    /// Supplements and withdrawals refer to the earlier notification's AP number.
    pub fn refers_to_earlier(&self) -> bool {
        !self.is_initial()
    }
}

/// What the person drafting adds to the facts. Stored with the draft as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DraftInput {
    pub reporter_name: Option<String>,
    pub reporter_function: Option<String>,
    pub reporter_phone: Option<String>,
    pub reporter_email: Option<String>,
    /// The AP number (meldingsnummer) of the notification this one supplements or withdraws.
    pub earlier_ap_number: Option<String>,
    /// The earlier notification was filed at the AP before Meldpunt was used (so it is not
    /// recorded on the incident); `earlier_ap_number` is then its number.
    pub earlier_before_meldpunt: Option<bool>,
    /// Why the notification is withdrawn (withdrawal only).
    pub withdrawal_reasons: Option<String>,
    /// Why the notification comes after the 72 hours.
    pub delay_reason: Option<String>,
    /// Reported to other supervisors (AFM, DNB, IGJ, …), in words.
    pub other_supervisors: Option<String>,
    /// People in other countries affected.
    pub people_abroad: Option<bool>,
    /// Reported to privacy supervisors in other countries.
    pub foreign_supervisors: Option<String>,
    /// A description of the people affected (chapter 7).
    pub people_description: Option<String>,
    /// Measures taken or proposed (chapter 10), when not in the facts.
    pub measures: Option<String>,
    /// Letters and e-mails: what happened, in plain words for the people affected.
    pub what_happened: Option<String>,
    /// Letters and e-mails: what people can do themselves.
    pub advice: Option<String>,
    /// Letters and e-mails: the likely consequences, in plain words (else derived from the facts).
    pub consequences: Option<String>,
    /// The same four texts in English, for recipients whose language is English. Until all are
    /// given, English recipients get the Dutch letter (one language per letter).
    pub what_happened_en: Option<String>,
    pub measures_en: Option<String>,
    pub advice_en: Option<String>,
    pub consequences_en: Option<String>,
    /// Chapter 3: the AP's contact person, when not the reporter (name, function, phone, e-mail).
    pub ap_contact_name: Option<String>,
    pub ap_contact_function: Option<String>,
    pub ap_contact_phone: Option<String>,
    pub ap_contact_email: Option<String>,
    /// Chapter 5: are there attachments to add to the form.
    pub attachments: Option<bool>,
    /// Chapter 5: which attachments (e.g. "kopie van de verkeerd verstuurde brief").
    pub attachments_description: Option<String>,
    /// Chapter 10: people informed in other ways than Meldpunt's letters, e-mails and public
    /// notices (phone, social media, newspaper), in words with their numbers.
    pub informed_other: Option<String>,
}

impl DraftInput {
    pub fn clean(mut self) -> DraftInput {
        fn c(s: &mut Option<String>) {
            *s = s
                .take()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
        }
        c(&mut self.reporter_name);
        c(&mut self.reporter_function);
        c(&mut self.reporter_phone);
        c(&mut self.reporter_email);
        c(&mut self.earlier_ap_number);
        c(&mut self.withdrawal_reasons);
        c(&mut self.delay_reason);
        c(&mut self.other_supervisors);
        c(&mut self.foreign_supervisors);
        c(&mut self.people_description);
        c(&mut self.measures);
        c(&mut self.what_happened);
        c(&mut self.what_happened_en);
        c(&mut self.measures_en);
        c(&mut self.advice_en);
        c(&mut self.consequences_en);
        c(&mut self.advice);
        c(&mut self.consequences);
        c(&mut self.ap_contact_name);
        c(&mut self.ap_contact_function);
        c(&mut self.ap_contact_phone);
        c(&mut self.ap_contact_email);
        c(&mut self.attachments_description);
        c(&mut self.informed_other);
        self
    }

    /// Field lengths (each at most 10,000 characters).
    pub fn validate(&self) -> Vec<FieldProblem> {
        let mut out = vec![];
        for (name, v) in [
            ("reporter_name", &self.reporter_name),
            ("reporter_function", &self.reporter_function),
            ("reporter_phone", &self.reporter_phone),
            ("reporter_email", &self.reporter_email),
            ("earlier_ap_number", &self.earlier_ap_number),
            ("withdrawal_reasons", &self.withdrawal_reasons),
            ("delay_reason", &self.delay_reason),
            ("other_supervisors", &self.other_supervisors),
            ("foreign_supervisors", &self.foreign_supervisors),
            ("people_description", &self.people_description),
            ("measures", &self.measures),
            ("what_happened", &self.what_happened),
            ("advice", &self.advice),
            ("consequences", &self.consequences),
            ("what_happened_en", &self.what_happened_en),
            ("measures_en", &self.measures_en),
            ("advice_en", &self.advice_en),
            ("consequences_en", &self.consequences_en),
            ("ap_contact_name", &self.ap_contact_name),
            ("ap_contact_function", &self.ap_contact_function),
            ("ap_contact_phone", &self.ap_contact_phone),
            ("ap_contact_email", &self.ap_contact_email),
            ("attachments_description", &self.attachments_description),
            ("informed_other", &self.informed_other),
        ] {
            if v.as_ref()
                .map(|s| s.chars().count() > 10_000)
                .unwrap_or(false)
            {
                out.push(FieldProblem::new(
                    name,
                    "at most 10000 characters",
                    "hoogstens 10000 tekens",
                ));
            }
        }
        for (name, v) in [
            ("reporter_email", &self.reporter_email),
            ("ap_contact_email", &self.ap_contact_email),
        ] {
            if let Some(e) = v {
                if crate::input::EmailAddress::parse(e).is_err() {
                    out.push(FieldProblem::new(
                        name,
                        "not an e-mail address",
                        "geen e-mailadres",
                    ));
                }
            }
        }
        out
    }
}

/// The incident as the form needs it (from the incident's row).
#[derive(Debug, Clone, Serialize)]
pub struct IncidentPart {
    pub reference: String,
    pub title: String,
    pub description: String,
    pub breach_started_at: Option<DateTime<Utc>>,
    pub breach_ended_at: Option<DateTime<Utc>>,
    pub discovered_at: Option<DateTime<Utc>>,
    pub became_aware_at: DateTime<Utc>,
    pub awareness_how: Option<String>,
    pub processor_name: Option<String>,
}

/// The organisation as the form needs it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrgPart {
    pub name: String,
    pub address: Option<String>,
    pub kvk_number: Option<String>,
    pub fg_name: Option<String>,
    pub fg_email: Option<String>,
    pub fg_phone: Option<String>,
    pub fg_registration_number: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub website: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_function: Option<String>,
    pub salutation_nl: Option<String>,
    pub salutation_en: Option<String>,
}

/// The decision as the form needs it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionPart {
    pub outcome: Outcome,
    pub exception: Option<Exception>,
    pub reasons: String,
}

/// Who were told, as Meldpunt recorded it (chapter 10): recipients of the incident's letter and
/// e-mail campaigns started up to the draft's moment, and its published public notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InformedPart {
    /// People sent (or queued) an e-mail, not counting e-mails that could not be delivered.
    pub by_email: i64,
    /// E-mails that could not be delivered.
    pub email_failed: i64,
    /// People sent (or ready to be sent) a letter.
    pub by_letter: i64,
    /// When a public notice (Art. 34(3)(c)) was published on the website, if it still stands.
    pub public_notice_at: Option<DateTime<Utc>>,
}

pub struct ApSource<'a> {
    pub kind: NoticeKind,
    pub input: &'a DraftInput,
    pub incident: &'a IncidentPart,
    pub facts: Option<&'a Facts>,
    pub severity: Option<&'a Severity>,
    pub decision: Option<&'a DecisionPart>,
    pub org: &'a OrgPart,
    /// The letters, e-mails and public notice of this incident (chapter 10).
    pub informed: &'a InformedPart,
    /// When the answer set is (or was) filed; `now` for a draft. Decides "after the 72 hours".
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Recorded,
    Derived,
    Missing,
}

impl Status {
    pub fn label_nl(&self) -> &'static str {
        match self {
            Status::Recorded => "vastgelegd",
            Status::Derived => "afgeleid, nog bevestigen",
            Status::Missing => "ontbreekt",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// "4.6": chapter and question.
    pub number: String,
    pub question: String,
    /// The text to copy into the form; empty when missing.
    pub answer: String,
    pub status: Status,
    pub status_label: String,
    /// Where a derived answer came from (or why it is missing); empty otherwise.
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chapter {
    pub number: u8,
    pub title: String,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApDraft {
    pub kind: NoticeKind,
    pub kind_label: String,
    pub organisation: String,
    pub reference: String,
    pub title: String,
    pub deadline_local: String,
    /// After the 72 hours (at the draft's moment).
    pub late: bool,
    pub chapters: Vec<Chapter>,
    pub recorded: usize,
    pub derived: usize,
    pub missing: usize,
    /// What must be put right before the FG can sign off (field, message).
    pub blocking: Vec<FieldProblem>,
    /// The answers Art. 33(3) AVG requires that are still missing. They block a complete
    /// notification (and are in `blocking` then); a provisional one lists them to be supplemented.
    pub required_missing: Vec<FieldProblem>,
}

fn local(t: DateTime<Utc>) -> String {
    clock::local_display(t)
}

/// An answer Art. 33(3) AVG requires: its number, question, the field that supplies it and the
/// article's point.
struct Required {
    number: String,
    question: String,
    field: &'static str,
    point: char,
}

struct Builder {
    chapter: u8,
    q: u8,
    chapters: Vec<Chapter>,
    required: Vec<Required>,
}

impl Builder {
    fn chapter(&mut self, number: u8, title: &str) {
        self.chapter = number;
        self.q = 0;
        self.chapters.push(Chapter {
            number,
            title: title.into(),
            answers: vec![],
        });
    }

    fn push(&mut self, question: &str, answer: String, status: Status, source: String) {
        self.q += 1;
        let number = format!("{}.{}", self.chapter, self.q);
        let answer = if status == Status::Missing {
            String::new()
        } else {
            answer
        };
        if let Some(c) = self.chapters.last_mut() {
            c.answers.push(Answer {
                number,
                question: question.into(),
                answer,
                status,
                status_label: status.label_nl().into(),
                source,
            });
        }
    }

    /// The answer just added is required by Art. 33(3) under `point`; `field` supplies it.
    fn require(&mut self, field: &'static str, point: char) {
        if let Some(a) = self.chapters.last().and_then(|c| c.answers.last()) {
            self.required.push(Required {
                number: a.number.clone(),
                question: a.question.clone(),
                field,
                point,
            });
        }
    }

    fn last_missing(&self) -> bool {
        self.chapters
            .last()
            .and_then(|c| c.answers.last())
            .map(|a| a.status == Status::Missing)
            .unwrap_or(false)
    }

    /// An answer from a fact's part: `show` gives `None` when that part is not known.
    fn fact_part<T>(
        &mut self,
        question: &str,
        f: Option<&Fact<T>>,
        show: impl Fn(&T) -> Option<String>,
    ) {
        match f {
            Some(Fact::Entered { value }) => match show(value) {
                Some(a) => self.recorded(question, a),
                None => self.missing(question, "niet vastgelegd in de feiten"),
            },
            Some(Fact::Derived { value, from }) => match show(value) {
                Some(a) => self.derived(question, a, from.clone()),
                None => self.missing(question, "niet vastgelegd in de feiten"),
            },
            Some(Fact::Missing) => self.missing(question, "niet vastgelegd in de feiten"),
            None => self.missing(question, "nog geen feiten vastgelegd"),
        }
    }

    fn recorded(&mut self, question: &str, answer: impl Into<String>) {
        self.push(question, answer.into(), Status::Recorded, String::new());
    }

    fn derived(&mut self, question: &str, answer: impl Into<String>, from: impl Into<String>) {
        self.push(question, answer.into(), Status::Derived, from.into());
    }

    fn missing(&mut self, question: &str, why: impl Into<String>) {
        self.push(question, String::new(), Status::Missing, why.into());
    }

    fn opt(&mut self, question: &str, v: &Option<String>, why: &str) {
        match v {
            Some(s) if !s.trim().is_empty() => self.recorded(question, s.trim()),
            _ => self.missing(question, why),
        }
    }

    /// An answer from an assessment fact, with its provenance.
    fn fact<T>(&mut self, question: &str, f: Option<&Fact<T>>, show: impl Fn(&T) -> String) {
        match f {
            Some(Fact::Entered { value }) => self.recorded(question, show(value)),
            Some(Fact::Derived { value, from }) => {
                self.derived(question, show(value), from.clone())
            }
            Some(Fact::Missing) => self.missing(question, "niet vastgelegd in de feiten"),
            None => self.missing(question, "nog geen feiten vastgelegd"),
        }
    }
}

fn list<T>(items: &[T], label: impl Fn(&T) -> &'static str) -> String {
    if items.is_empty() {
        "geen".into()
    } else {
        items.iter().map(label).collect::<Vec<_>>().join("; ")
    }
}

fn yes_no(b: bool) -> String {
    if b { "ja" } else { "nee" }.into()
}

/// Build the answer set. Pure: the same source gives the same answers.
pub fn build(s: &ApSource) -> ApDraft {
    let mut b = Builder {
        chapter: 0,
        q: 0,
        chapters: vec![],
        required: vec![],
    };
    let f = s.facts;
    let inp = s.input;
    let deadline = clock::ap_deadline(s.incident.became_aware_at);
    let late = s.kind.is_initial() && s.at > deadline;
    let mut blocking = vec![];

    // 1. Introduction.
    b.chapter(1, "Inleiding");
    b.recorded("Soort melding", s.kind.label_nl());
    if s.kind.refers_to_earlier() {
        b.opt(
            "Meldingsnummer van de eerdere melding",
            &inp.earlier_ap_number,
            "vereist bij een aanvulling of intrekking",
        );
        if inp.earlier_ap_number.is_none() {
            blocking.push(FieldProblem::new(
                "earlier_ap_number",
                "a supplement or withdrawal refers to the earlier notification's AP number",
                "een aanvulling of intrekking verwijst naar het meldingsnummer van de eerdere melding",
            ));
        }
    }
    if s.kind == NoticeKind::Withdrawal {
        b.opt(
            "Reden van intrekking",
            &inp.withdrawal_reasons,
            "vereist bij een intrekking",
        );
        if inp.withdrawal_reasons.is_none() {
            blocking.push(FieldProblem::new(
                "withdrawal_reasons",
                "a withdrawal needs its reasons",
                "een intrekking heeft een reden nodig",
            ));
        }
    }
    b.derived(
        "Wettelijke grondslag",
        "AVG (Algemene verordening gegevensbescherming)",
        "uitgangspunt van Meldpunt; Wpg of Telecommunicatiewet alleen als die van toepassing zijn",
    );
    b.opt(
        "Gemeld bij andere toezichthouders",
        &inp.other_supervisors,
        "niet opgegeven",
    );

    // 2. International.
    b.chapter(2, "Internationaal");
    match inp.people_abroad {
        Some(v) => b.recorded("Betrokkenen in andere landen", yes_no(v)),
        None => b.missing("Betrokkenen in andere landen", "niet opgegeven"),
    }
    b.opt(
        "Gemeld bij privacytoezichthouders in andere landen",
        &inp.foreign_supervisors,
        "niet opgegeven",
    );

    // 3. Controller.
    b.chapter(3, "Verwerkingsverantwoordelijke");
    b.recorded("Naam organisatie", s.org.name.clone());
    b.opt("Adres", &s.org.address, "niet ingesteld bij de organisatie");
    b.opt(
        "KvK-nummer",
        &s.org.kvk_number,
        "niet ingesteld bij de organisatie",
    );
    b.opt(
        "Registratienummer FG",
        &s.org.fg_registration_number,
        "niet ingesteld bij de organisatie",
    );
    b.fact(
        "Sector",
        f.map(|f| &f.controller_nature),
        |v: &crate::assessment::facts::ControllerNature| v.label_nl().into(),
    );
    let reporter = [
        inp.reporter_name.as_deref(),
        inp.reporter_function.as_deref(),
        inp.reporter_phone.as_deref(),
    ];
    if reporter.iter().all(|x| x.is_some()) {
        let mut r = reporter
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if let Some(e) = &inp.reporter_email {
            r.push_str(&format!(", {e}"));
        }
        b.recorded("Melder (naam, functie, telefoon, e-mail)", r);
    } else {
        b.missing(
            "Melder (naam, functie, telefoon, e-mail)",
            "naam, functie en telefoonnummer van de melder zijn verplicht",
        );
    }
    let reporter_missing = b.last_missing();
    let contact = [
        inp.ap_contact_name.as_deref(),
        inp.ap_contact_function.as_deref(),
        inp.ap_contact_phone.as_deref(),
        inp.ap_contact_email.as_deref(),
    ];
    let contact_q = "Contactpersoon voor de AP, als dat een ander is dan de melder (naam, functie, telefoon, e-mail)";
    let has_contact = contact[0].is_some() && (contact[2].is_some() || contact[3].is_some());
    if contact.iter().all(|x| x.is_none()) {
        b.recorded(contact_q, "dezelfde persoon als de melder");
    } else if has_contact {
        b.recorded(
            contact_q,
            contact
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        );
    } else {
        b.missing(
            contact_q,
            "geef naam en telefoonnummer of e-mailadres van de contactpersoon, of laat alle velden leeg",
        );
    }
    let fg: Vec<&str> = [&s.org.fg_name, &s.org.fg_email, &s.org.fg_phone]
        .into_iter()
        .flatten()
        .map(|x| x.as_str())
        .collect();
    if s.org.fg_name.is_some() && (s.org.fg_email.is_some() || s.org.fg_phone.is_some()) {
        b.recorded("Functionaris gegevensbescherming (contact)", fg.join(", "));
    } else if has_contact {
        b.recorded(
            "Functionaris gegevensbescherming (contact)",
            "geen FG ingesteld; aanspreekpunt is de contactpersoon hierboven",
        );
    } else {
        b.missing(
            "Functionaris gegevensbescherming (contact)",
            "geen FG met e-mailadres of telefoonnummer ingesteld bij de organisatie, en geen andere contactpersoon opgegeven",
        );
    }
    // Art. 33(3)(b): the FG or another contact point.
    b.require("fg_name", 'b');
    match &s.incident.processor_name {
        Some(p) => b.recorded(
            "Andere betrokken organisaties (verwerker, ontvanger)",
            p.clone(),
        ),
        None => b.missing(
            "Andere betrokken organisaties (verwerker, ontvanger)",
            "geen verwerker vastgelegd",
        ),
    }

    // 4. Timeline.
    b.chapter(4, "Tijdlijn");
    let t = |b: &mut Builder, q: &str, v: Option<DateTime<Utc>>| match v {
        Some(v) => b.recorded(q, local(v)),
        None => b.missing(q, "niet vastgelegd bij het incident"),
    };
    t(
        &mut b,
        "Mogelijk begin van het lek",
        s.incident.breach_started_at,
    );
    t(
        &mut b,
        "Mogelijk einde van het lek",
        s.incident.breach_ended_at,
    );
    t(&mut b, "Ontdekt op", s.incident.discovered_at);
    b.recorded(
        "Kennisname (start van de 72 uur)",
        local(s.incident.became_aware_at),
    );
    match f.map(|f| &f.how_discovered) {
        Some(Fact::Entered { value }) => b.recorded("Hoe ontdekt", value.clone()),
        Some(Fact::Derived { value, from }) => {
            b.derived("Hoe ontdekt", value.clone(), from.clone())
        }
        _ => match &s.incident.awareness_how {
            Some(h) => b.recorded("Hoe ontdekt", h.clone()),
            None => b.missing("Hoe ontdekt", "niet vastgelegd"),
        },
    }
    if late {
        match &inp.delay_reason {
            Some(r) => b.recorded("Reden voor melding na 72 uur", r.clone()),
            None => {
                b.missing(
                    "Reden voor melding na 72 uur",
                    format!(
                        "de 72 uur zijn verstreken op {}: reden verplicht",
                        local(deadline)
                    ),
                );
                blocking.push(FieldProblem::new(
                    "delay_reason",
                    "the 72 hours have passed: give the reason for the delay before sign-off",
                    "de 72 uur zijn verstreken: geef de reden voor de vertraging vóór het aftekenen",
                ));
            }
        }
    } else {
        b.recorded(
            "Reden voor melding na 72 uur",
            format!(
                "niet van toepassing (binnen 72 uur, uiterlijk {})",
                local(deadline)
            ),
        );
    }

    // 5. The breach.
    b.chapter(5, "Het datalek");
    match f.map(|f| (&f.nature, f.form_nature())) {
        Some((Fact::Missing, _)) | None => b.missing("Aard van het lek", "niet vastgelegd"),
        Some((fact, natures)) => {
            let text = list(&natures, |n| n.label_nl());
            if fact.is_derived() {
                let from = match fact {
                    Fact::Derived { from, .. } => from.clone(),
                    _ => String::new(),
                };
                b.derived("Aard van het lek", text, from)
            } else {
                b.recorded("Aard van het lek", text)
            }
        }
    }
    b.require("facts.nature", 'a');
    let kind_other = f.and_then(|f| f.kind_other.clone());
    b.fact("Soort incident", f.map(|f| &f.kind), |k| {
        if *k == crate::assessment::facts::IncidentKind::Other {
            format!("anders: {}", kind_other.clone().unwrap_or_default())
        } else {
            k.label_nl().into()
        }
    });
    if s.incident.description.trim().is_empty() {
        b.missing("Omschrijving", "geen omschrijving bij het incident");
    } else {
        b.recorded(
            "Omschrijving",
            format!("{}\n{}", s.incident.title, s.incident.description.trim()),
        );
    }
    b.require("description", 'a');
    match inp.attachments {
        Some(true) => {
            b.recorded("Zijn er bijlagen om toe te voegen", "ja");
            b.opt(
                "Welke bijlagen",
                &inp.attachments_description,
                "geef aan welke bijlagen u toevoegt",
            );
        }
        Some(false) => {
            b.recorded("Zijn er bijlagen om toe te voegen", "nee");
            b.recorded("Welke bijlagen", "niet van toepassing");
        }
        None => {
            b.missing("Zijn er bijlagen om toe te voegen", "niet opgegeven");
            b.missing("Welke bijlagen", "niet opgegeven");
        }
    }

    // 6. Personal data.
    b.chapter(6, "Persoonsgegevens");
    b.fact(
        "Soorten persoonsgegevens",
        f.map(|f| &f.general_data),
        |v| {
            let mut opts: Vec<_> = v.iter().map(|g| g.form_option()).collect();
            opts.dedup();
            list(&opts, |g| g.label_nl())
        },
    );
    b.require("facts.general_data", 'a');
    b.fact(
        "Bijzondere persoonsgegevens (art. 9 AVG)",
        f.map(|f| &f.special_categories),
        |v| list(v, |c| c.label_nl()),
    );
    b.require("facts.special_categories", 'a');
    b.fact("Aantal records", f.map(|f| &f.records), |n| n.to_string());
    b.require("facts.records", 'a');

    // 7. People affected.
    b.chapter(7, "Betrokkenen");
    b.fact("Groepen betrokkenen", f.map(|f| &f.groups), |v| {
        list(v, |g| g.label_nl())
    });
    b.require("facts.groups", 'a');
    b.opt(
        "Omschrijving betrokkenen",
        &inp.people_description,
        "niet opgegeven",
    );
    b.fact("Aantal betrokkenen", f.map(|f| &f.people), |p| match p {
        PeopleCount::Exact { n } => format!("precies {n}"),
        PeopleCount::Range {
            min,
            max: Some(max),
        } => format!("minimaal {min}, maximaal {max}"),
        PeopleCount::Range { min, max: None } => format!("minimaal {min}, maximum onbekend"),
    });
    b.require("facts.people", 'a');

    // 8. Protection beforehand.
    b.chapter(8, "Beveiliging vooraf");
    let protection = f.map(|f| &f.protection);
    b.fact("Waren de gegevens beveiligd (methode)", protection, |p| {
        p.method.label_nl().into()
    });
    b.fact_part("Gebruikte techniek", protection, |p| {
        if !p.method.protects() {
            return Some("niet van toepassing: niet beveiligd".into());
        }
        p.technique
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
    });
    // The encryption exception holds only if all three hold (regulation.md §3, ch. 8).
    let condition = |v: Option<bool>, p: &crate::assessment::facts::Protection| {
        if !p.method.protects() {
            return Some("niet van toepassing: niet beveiligd".to_string());
        }
        v.map(yes_no)
    };
    b.fact_part("Zijn de gegevens nog intact", protection, |p| {
        condition(p.data_intact, p)
    });
    b.fact_part("Is er een recente back-up", protection, |p| {
        condition(p.recent_backup, p)
    });
    b.fact_part(
        "Is de sleutel (of het wachtwoord of de salt) niet gecompromitteerd",
        protection,
        |p| condition(p.key_not_compromised, p),
    );

    // 9. Consequences.
    b.chapter(9, "Gevolgen");
    b.fact(
        "Gevolgen voor betrokkenen",
        f.map(|f| &f.consequences_people),
        |v| list(v, |c| c.label_nl()),
    );
    b.require("facts.consequences_people", 'c');
    b.fact(
        "Gevolgen voor de organisatie",
        f.map(|f| &f.consequences_org),
        |v| list(v, |c| c.label_nl()),
    );
    match s.severity {
        Some(sev) => {
            b.derived(
                "Ernst van de gevolgen",
                sev.band.form_label_nl(),
                "ENISA-methode op de vastgelegde feiten; de FG beslist",
            );
            let reasons: Vec<&str> = sev.reasons.iter().map(|r| r.nl.trim()).collect();
            b.derived(
                "Toelichting op de ernst",
                format!(
                    "ENISA-score {} (ernst {}).{}",
                    crate::locale::decimal_nl(sev.score, 2),
                    sev.band.label_nl(),
                    if reasons.is_empty() {
                        String::new()
                    } else {
                        format!("\n{}", reasons.join("\n"))
                    }
                ),
                "redenen van de ENISA-beoordeling; de FG beslist",
            );
        }
        None => {
            b.missing("Ernst van de gevolgen", "nog geen beoordeling");
            b.missing("Toelichting op de ernst", "nog geen beoordeling");
        }
    }

    // 10. Follow-up.
    b.chapter(10, "Vervolg");
    let inf = s.informed;
    let individually = inf.by_email + inf.by_letter;
    let told = individually > 0 || inf.public_notice_at.is_some() || inp.informed_other.is_some();
    let informed_q = "Zijn de betrokkenen geïnformeerd";
    match (told, s.decision) {
        (true, d) => {
            let public_only = individually == 0 && inp.informed_other.is_none();
            let why_public = matches!(
                d.map(|d| d.outcome),
                Some(Outcome::NotifyApAndPublicCommunication)
            );
            b.recorded(
                informed_q,
                if public_only && why_public {
                    "ja, met een openbare mededeling: individueel informeren vergt onevenredige inspanning (art. 34 lid 3 onder c AVG)"
                } else {
                    "ja"
                },
            )
        }
        (false, Some(d)) => {
            let text = match (d.outcome, d.exception) {
                (Outcome::NotifyApAndDataSubjects, _) => {
                    "nog niet: het besluit is de betrokkenen te informeren, dat is nog niet gebeurd".to_string()
                }
                (Outcome::NotifyApAndPublicCommunication, _) => {
                    "nog niet: individueel informeren vergt onevenredige inspanning; de openbare mededeling (art. 34 lid 3 onder c AVG) is nog niet gepubliceerd".to_string()
                }
                (_, Some(e)) => format!("nee: {}", e.label_nl()),
                _ => format!("nee: geen hoog risico voor de betrokkenen ({})", d.reasons),
            };
            b.recorded(informed_q, text)
        }
        (false, None) => b.missing(informed_q, "nog geen besluit vastgelegd"),
    }
    let how_many_q = "Hoeveel betrokkenen zijn geïnformeerd";
    let mut how_many = if individually > 0 {
        format!("{individually} per brief of e-mail")
    } else {
        "nog niemand individueel geïnformeerd".to_string()
    };
    if inf.public_notice_at.is_some() {
        how_many.push_str("; daarnaast een openbare mededeling voor iedereen");
    }
    if inp.informed_other.is_some() {
        how_many.push_str("; anders geïnformeerd: zie hieronder");
    }
    b.recorded(how_many_q, how_many);
    let mut ways = vec![];
    if inf.by_letter > 0 {
        ways.push(format!("per brief: {}", inf.by_letter));
    }
    if inf.by_email > 0 || inf.email_failed > 0 {
        let mut w = format!("per e-mail: {}", inf.by_email);
        if inf.email_failed > 0 {
            w.push_str(&format!(
                " ({} e-mail{} kon{} niet worden bezorgd)",
                inf.email_failed,
                if inf.email_failed == 1 { "" } else { "s" },
                if inf.email_failed == 1 { "" } else { "den" },
            ));
        }
        ways.push(w);
    }
    if let Some(at) = inf.public_notice_at {
        ways.push(format!(
            "website: openbare mededeling gepubliceerd op {}",
            local(at)
        ));
    }
    if let Some(o) = &inp.informed_other {
        ways.push(format!("anders: {o}"));
    }
    b.recorded(
        "Hoe zijn de betrokkenen geïnformeerd",
        if ways.is_empty() {
            "nog niet".to_string()
        } else {
            ways.join("; ")
        },
    );
    match (&inp.measures, f.map(|f| &f.risk_removing_measures)) {
        (Some(m), _) => b.recorded("Genomen maatregelen", m.clone()),
        (None, Some(Fact::Entered { value })) => b.recorded("Genomen maatregelen", value.text_nl()),
        (None, Some(Fact::Derived { value, from })) => {
            b.derived("Genomen maatregelen", value.text_nl(), from.clone())
        }
        _ => b.missing("Genomen maatregelen", "niet opgegeven"),
    }
    b.require("measures", 'd');

    let all: Vec<&Answer> = b.chapters.iter().flat_map(|c| c.answers.iter()).collect();
    let count = |st: Status| all.iter().filter(|a| a.status == st).count();
    let (recorded, derived, missing) = (
        count(Status::Recorded),
        count(Status::Derived),
        count(Status::Missing),
    );
    if s.kind == NoticeKind::InitialComplete && f.is_none() {
        blocking.push(FieldProblem::new(
            "kind",
            "no facts recorded yet: record the facts or file a provisional notification",
            "nog geen feiten vastgelegd: leg de feiten vast of doe een voorlopige melding",
        ));
    }
    let required_missing: Vec<FieldProblem> = if s.kind == NoticeKind::Withdrawal {
        vec![]
    } else {
        b.required
            .iter()
            .filter(|r| {
                all.iter()
                    .any(|a| a.number == r.number && a.status == Status::Missing)
            })
            .map(|r| {
                FieldProblem::new(
                    r.field,
                    format!(
                        "answer {} ({}) is missing; Art. 33(3)({}) GDPR requires it",
                        r.number, r.question, r.point
                    ),
                    format!(
                        "antwoord {} ({}) ontbreekt; artikel 33 lid 3 onder {} AVG vraagt het verplicht",
                        r.number, r.question, r.point
                    ),
                )
            })
            .collect()
    };
    if s.kind == NoticeKind::InitialComplete {
        blocking.extend(required_missing.iter().cloned());
    }
    if reporter_missing && s.kind != NoticeKind::Withdrawal {
        blocking.push(FieldProblem::new(
            "reporter_name",
            "the AP requires the reporter's name, function and phone number",
            "de AP vraagt verplicht naam, functie en telefoonnummer van de melder",
        ));
    }
    ApDraft {
        kind: s.kind,
        kind_label: s.kind.label_nl().into(),
        organisation: s.org.name.clone(),
        reference: s.incident.reference.clone(),
        title: s.incident.title.clone(),
        deadline_local: local(deadline),
        late,
        chapters: b.chapters,
        recorded,
        derived,
        missing,
        blocking,
        required_missing,
    }
}

/// "within" or "after" the 72 hours for a filing at `filed_at`.
pub fn within_72_hours(became_aware_at: DateTime<Utc>, filed_at: DateTime<Utc>) -> bool {
    clock::notified_in_time(became_aware_at, filed_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::facts::{GeneralData, IncidentKind, Nature};
    use chrono::{Duration, TimeZone};

    fn incident(aware: DateTime<Utc>) -> IncidentPart {
        IncidentPart {
            reference: "INC-2026-0001".into(),
            title: "Brief naar verkeerd adres".into(),
            description: "Een brief met BSN ging naar de buren.".into(),
            breach_started_at: None,
            breach_ended_at: None,
            discovered_at: Some(aware - Duration::hours(1)),
            became_aware_at: aware,
            awareness_how: Some("melding van een burger".into()),
            processor_name: None,
        }
    }

    fn org() -> OrgPart {
        OrgPart {
            name: "Gemeente Oost".into(),
            fg_name: Some("F. Gerritsen".into()),
            fg_email: Some("fg@oost.example.nl".into()),
            ..Default::default()
        }
    }

    fn reporter() -> DraftInput {
        DraftInput {
            reporter_name: Some("P. Jansen".into()),
            reporter_function: Some("privacy officer".into()),
            reporter_phone: Some("010-1234567".into()),
            ..Default::default()
        }
    }

    fn answer<'a>(d: &'a ApDraft, n: &str) -> &'a Answer {
        d.chapters
            .iter()
            .flat_map(|c| c.answers.iter())
            .find(|a| a.number == n)
            .unwrap_or_else(|| panic!("no answer {n}"))
    }

    #[test]
    fn ten_chapters_in_the_forms_order_with_provenance() {
        let aware = Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap();
        let facts = Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            kind: Fact::entered(IncidentKind::LetterWrongRecipient),
            general_data: Fact::derived(vec![GeneralData::Name, GeneralData::Bsn], "detector"),
            ..Default::default()
        };
        let input = reporter();
        let inc = incident(aware);
        let o = org();
        let d = build(&ApSource {
            kind: NoticeKind::InitialProvisional,
            input: &input,
            incident: &inc,
            facts: Some(&facts),
            severity: None,
            decision: None,
            org: &o,
            informed: &InformedPart::default(),
            at: aware + Duration::hours(2),
        });
        let numbers: Vec<u8> = d.chapters.iter().map(|c| c.number).collect();
        assert_eq!(numbers, (1..=10).collect::<Vec<u8>>());
        assert_eq!(d.chapters[3].title, "Tijdlijn");
        assert_eq!(answer(&d, "5.1").status, Status::Recorded);
        assert_eq!(
            answer(&d, "5.1").answer,
            "mogelijk ingezien door onbevoegden"
        );
        let data = answer(&d, "6.1");
        assert_eq!(data.status, Status::Derived);
        assert_eq!(data.source, "detector");
        assert!(
            data.answer.contains("burgerservicenummer"),
            "{}",
            data.answer
        );
        assert_eq!(answer(&d, "7.3").status, Status::Missing);
        assert_eq!(answer(&d, "7.3").answer, "");
        assert_eq!(answer(&d, "3.1").answer, "Gemeente Oost");
        assert!(!d.late);
        assert!(answer(&d, "4.6").answer.starts_with("niet van toepassing"));
        assert!(d.blocking.is_empty(), "{:?}", d.blocking);
        assert_eq!(
            d.recorded + d.derived + d.missing,
            d.chapters.iter().map(|c| c.answers.len()).sum::<usize>()
        );
    }

    #[test]
    fn after_72_hours_a_delay_reason_is_required() {
        let aware = Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap();
        let mut input = reporter();
        let inc = incident(aware);
        let o = org();
        let src = |input: &DraftInput, at| {
            build(&ApSource {
                kind: NoticeKind::InitialProvisional,
                input,
                incident: &inc,
                facts: None,
                severity: None,
                decision: None,
                org: &o,
                informed: &InformedPart::default(),
                at,
            })
        };
        let d = src(&input, aware + Duration::hours(73));
        assert!(d.late);
        assert_eq!(answer(&d, "4.6").status, Status::Missing);
        assert!(d.blocking.iter().any(|p| p.field == "delay_reason"));
        input.delay_reason = Some("de verwerker meldde het pas na vier dagen".into());
        let d = src(&input, aware + Duration::hours(73));
        assert_eq!(answer(&d, "4.6").status, Status::Recorded);
        assert!(d.blocking.is_empty(), "{:?}", d.blocking);
        // Exactly at the deadline is still within.
        assert!(within_72_hours(aware, aware + Duration::hours(72)));
        assert!(!within_72_hours(
            aware,
            aware + Duration::hours(72) + Duration::seconds(1)
        ));
    }

    #[test]
    fn supplements_and_withdrawals_refer_to_the_earlier_number() {
        let aware = Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap();
        let inc = incident(aware);
        let o = org();
        let mut input = reporter();
        let mk = |kind, input: &DraftInput| {
            build(&ApSource {
                kind,
                input,
                incident: &inc,
                facts: None,
                severity: None,
                decision: None,
                org: &o,
                informed: &InformedPart::default(),
                // Late, but a supplement needs no delay reason.
                at: aware + Duration::hours(100),
            })
        };
        let d = mk(NoticeKind::Supplement, &input);
        let fields: Vec<&str> = d.blocking.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["earlier_ap_number"]);
        let d = mk(NoticeKind::Withdrawal, &input);
        let fields: Vec<&str> = d.blocking.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, vec!["earlier_ap_number", "withdrawal_reasons"]);
        input.earlier_ap_number = Some("M-2026-123456".into());
        input.withdrawal_reasons = Some("achteraf geen persoonsgegevens".into());
        let d = mk(NoticeKind::Withdrawal, &input);
        assert!(d.blocking.is_empty());
        assert_eq!(answer(&d, "1.2").answer, "M-2026-123456");
        assert_eq!(answer(&d, "1.3").answer, "achteraf geen persoonsgegevens");
        // A complete initial notification without facts cannot be signed off.
        let d = mk(NoticeKind::InitialComplete, &input);
        assert!(d.blocking.iter().any(|p| p.field == "kind"));
    }

    use crate::assessment::facts::{PeopleConsequence, PersonGroup, Protection, ProtectionMethod};

    /// Facts that answer every question Art. 33(3) requires.
    fn full_facts() -> Facts {
        Facts {
            nature: Fact::entered(vec![Nature::Confidentiality]),
            kind: Fact::entered(IncidentKind::LetterWrongRecipient),
            general_data: Fact::entered(vec![GeneralData::Name, GeneralData::Bsn]),
            special_categories: Fact::entered(vec![]),
            records: Fact::entered(1),
            groups: Fact::entered(vec![PersonGroup::Customers]),
            people: Fact::entered(PeopleCount::Exact { n: 1 }),
            consequences_people: Fact::entered(vec![PeopleConsequence::IdentityTheftOrFraud]),
            ..Default::default()
        }
    }

    fn complete_input() -> DraftInput {
        DraftInput {
            measures: Some("de ontvanger heeft de brief vernietigd".into()),
            ..reporter()
        }
    }

    struct Case {
        facts: Option<Facts>,
        input: DraftInput,
        inc: IncidentPart,
        org: OrgPart,
        informed: InformedPart,
        severity: Option<Severity>,
        kind: NoticeKind,
    }

    impl Case {
        fn new() -> Case {
            let aware = Utc.with_ymd_and_hms(2026, 10, 24, 8, 0, 0).unwrap();
            Case {
                facts: Some(full_facts()),
                input: complete_input(),
                inc: incident(aware),
                org: org(),
                informed: InformedPart::default(),
                severity: None,
                kind: NoticeKind::InitialComplete,
            }
        }

        fn build(&self) -> ApDraft {
            build(&ApSource {
                kind: self.kind,
                input: &self.input,
                incident: &self.inc,
                facts: self.facts.as_ref(),
                severity: self.severity.as_ref(),
                decision: None,
                org: &self.org,
                informed: &self.informed,
                at: self.inc.became_aware_at + Duration::hours(2),
            })
        }
    }

    fn find<'a>(d: &'a ApDraft, question_start: &str) -> &'a Answer {
        d.chapters
            .iter()
            .flat_map(|c| c.answers.iter())
            .find(|a| a.question.starts_with(question_start))
            .unwrap_or_else(|| panic!("no question {question_start}"))
    }

    fn fields(ps: &[FieldProblem]) -> Vec<&str> {
        ps.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn every_question_of_the_form_in_order() {
        let d = Case::new().build();
        let qs: Vec<(&str, &str)> = d
            .chapters
            .iter()
            .flat_map(|c| c.answers.iter())
            .map(|a| (a.number.as_str(), a.question.as_str()))
            .collect();
        let expect = [
            ("1.1", "Soort melding"),
            ("1.2", "Wettelijke grondslag"),
            ("1.3", "Gemeld bij andere toezichthouders"),
            ("2.1", "Betrokkenen in andere landen"),
            ("2.2", "Gemeld bij privacytoezichthouders in andere landen"),
            ("3.1", "Naam organisatie"),
            ("3.2", "Adres"),
            ("3.3", "KvK-nummer"),
            ("3.4", "Registratienummer FG"),
            ("3.5", "Sector"),
            ("3.6", "Melder (naam, functie, telefoon, e-mail)"),
            ("3.7", "Contactpersoon voor de AP, als dat een ander is dan de melder (naam, functie, telefoon, e-mail)"),
            ("3.8", "Functionaris gegevensbescherming (contact)"),
            ("3.9", "Andere betrokken organisaties (verwerker, ontvanger)"),
            ("4.1", "Mogelijk begin van het lek"),
            ("4.2", "Mogelijk einde van het lek"),
            ("4.3", "Ontdekt op"),
            ("4.4", "Kennisname (start van de 72 uur)"),
            ("4.5", "Hoe ontdekt"),
            ("4.6", "Reden voor melding na 72 uur"),
            ("5.1", "Aard van het lek"),
            ("5.2", "Soort incident"),
            ("5.3", "Omschrijving"),
            ("5.4", "Zijn er bijlagen om toe te voegen"),
            ("5.5", "Welke bijlagen"),
            ("6.1", "Soorten persoonsgegevens"),
            ("6.2", "Bijzondere persoonsgegevens (art. 9 AVG)"),
            ("6.3", "Aantal records"),
            ("7.1", "Groepen betrokkenen"),
            ("7.2", "Omschrijving betrokkenen"),
            ("7.3", "Aantal betrokkenen"),
            ("8.1", "Waren de gegevens beveiligd (methode)"),
            ("8.2", "Gebruikte techniek"),
            ("8.3", "Zijn de gegevens nog intact"),
            ("8.4", "Is er een recente back-up"),
            ("8.5", "Is de sleutel (of het wachtwoord of de salt) niet gecompromitteerd"),
            ("9.1", "Gevolgen voor betrokkenen"),
            ("9.2", "Gevolgen voor de organisatie"),
            ("9.3", "Ernst van de gevolgen"),
            ("9.4", "Toelichting op de ernst"),
            ("10.1", "Zijn de betrokkenen geïnformeerd"),
            ("10.2", "Hoeveel betrokkenen zijn geïnformeerd"),
            ("10.3", "Hoe zijn de betrokkenen geïnformeerd"),
            ("10.4", "Genomen maatregelen"),
        ];
        assert_eq!(qs, expect);
        assert!(d.blocking.is_empty(), "{:?}", d.blocking);
        assert!(d.required_missing.is_empty());
    }

    /// One rule per point of Art. 33(3): taking one required answer away blocks a complete
    /// notification naming it, and a provisional one lists it without blocking.
    #[test]
    fn each_required_answer_blocks_a_complete_notification() {
        type Take = fn(&mut Case);
        let rules: [(&str, Take); 10] = [
            ("facts.nature", |c| {
                c.facts.as_mut().unwrap().nature = Fact::Missing
            }),
            ("description", |c| c.inc.description = "  ".into()),
            ("facts.general_data", |c| {
                c.facts.as_mut().unwrap().general_data = Fact::Missing
            }),
            ("facts.special_categories", |c| {
                c.facts.as_mut().unwrap().special_categories = Fact::Missing
            }),
            ("facts.records", |c| {
                c.facts.as_mut().unwrap().records = Fact::Missing
            }),
            ("facts.groups", |c| {
                c.facts.as_mut().unwrap().groups = Fact::Missing
            }),
            ("facts.people", |c| {
                c.facts.as_mut().unwrap().people = Fact::Missing
            }),
            ("fg_name", |c| c.org.fg_name = None),
            ("facts.consequences_people", |c| {
                c.facts.as_mut().unwrap().consequences_people = Fact::Missing
            }),
            ("measures", |c| c.input.measures = None),
        ];
        for (field, take) in rules {
            let mut c = Case::new();
            take(&mut c);
            let d = c.build();
            assert_eq!(fields(&d.blocking), vec![field], "{field}");
            assert_eq!(fields(&d.required_missing), vec![field], "{field}");
            assert!(
                d.blocking[0].message_nl.contains("artikel 33 lid 3 onder"),
                "{}",
                d.blocking[0].message_nl
            );
            c.kind = NoticeKind::InitialProvisional;
            let d = c.build();
            assert!(d.blocking.is_empty(), "{field}: {:?}", d.blocking);
            assert_eq!(fields(&d.required_missing), vec![field], "{field}");
        }
        // Point (b): another contact point stands in for a missing FG.
        let mut c = Case::new();
        c.org.fg_name = None;
        c.input.ap_contact_name = Some("J. de Vries".into());
        c.input.ap_contact_phone = Some("010-7654321".into());
        let d = c.build();
        assert!(d.blocking.is_empty(), "{:?}", d.blocking);
        assert_eq!(
            find(&d, "Contactpersoon").answer,
            "J. de Vries, 010-7654321"
        );
        // An FG with a name but no way to reach them is no contact point.
        let mut c = Case::new();
        c.org.fg_email = None;
        assert_eq!(fields(&c.build().blocking), vec!["fg_name"]);
        // A withdrawal asks nothing of Art. 33(3).
        let mut c = Case::new();
        c.facts = None;
        c.kind = NoticeKind::Withdrawal;
        c.input.earlier_ap_number = Some("M-1".into());
        c.input.withdrawal_reasons = Some("geen persoonsgegevens".into());
        let d = c.build();
        assert!(d.required_missing.is_empty() && d.blocking.is_empty());
    }

    #[test]
    fn chapter_3_contact_and_chapter_5_attachments() {
        let mut c = Case::new();
        let d = c.build();
        assert_eq!(
            find(&d, "Contactpersoon").answer,
            "dezelfde persoon als de melder"
        );
        assert_eq!(find(&d, "Zijn er bijlagen").status, Status::Missing);
        c.input.ap_contact_function = Some("jurist".into());
        let d = c.build();
        assert_eq!(find(&d, "Contactpersoon").status, Status::Missing);
        c.input.ap_contact_name = Some("J. de Vries".into());
        c.input.ap_contact_email = Some("jdv@oost.example.nl".into());
        c.input.attachments = Some(true);
        let d = c.build();
        assert_eq!(
            find(&d, "Contactpersoon").answer,
            "J. de Vries, jurist, jdv@oost.example.nl"
        );
        assert_eq!(find(&d, "Zijn er bijlagen").answer, "ja");
        assert_eq!(find(&d, "Welke bijlagen").status, Status::Missing);
        c.input.attachments_description = Some("kopie van de brief".into());
        assert_eq!(
            find(&c.build(), "Welke bijlagen").answer,
            "kopie van de brief"
        );
        c.input.attachments = Some(false);
        let d = c.build();
        assert_eq!(find(&d, "Zijn er bijlagen").answer, "nee");
        assert_eq!(find(&d, "Welke bijlagen").answer, "niet van toepassing");
    }

    #[test]
    fn chapter_8_method_technique_and_the_three_conditions() {
        let mut c = Case::new();
        c.facts.as_mut().unwrap().protection = Fact::derived(
            Protection {
                method: ProtectionMethod::Encrypted,
                technique: Some("AES-256 volledige schijfversleuteling".into()),
                data_intact: Some(true),
                recent_backup: None,
                key_not_compromised: Some(false),
                exception_a_claimed: false,
            },
            "melding van de medewerker",
        );
        let d = c.build();
        assert_eq!(
            find(&d, "Waren de gegevens beveiligd").answer,
            "versleuteld"
        );
        let t = find(&d, "Gebruikte techniek");
        assert_eq!(t.answer, "AES-256 volledige schijfversleuteling");
        assert_eq!(t.status, Status::Derived);
        assert_eq!(t.source, "melding van de medewerker");
        assert_eq!(find(&d, "Zijn de gegevens nog intact").answer, "ja");
        assert_eq!(
            find(&d, "Is er een recente back-up").status,
            Status::Missing
        );
        assert_eq!(find(&d, "Is de sleutel").answer, "nee");
        // Not protected: the technique and the conditions do not apply.
        c.facts.as_mut().unwrap().protection = Fact::entered(Protection::none());
        let d = c.build();
        assert_eq!(
            find(&d, "Waren de gegevens beveiligd").answer,
            "nee, niet beschermd"
        );
        for q in [
            "Gebruikte techniek",
            "Zijn de gegevens nog intact",
            "Is er een recente",
            "Is de sleutel",
        ] {
            assert_eq!(
                find(&d, q).answer,
                "niet van toepassing: niet beveiligd",
                "{q}"
            );
            assert_eq!(find(&d, q).status, Status::Recorded, "{q}");
        }
        // Not recorded at all.
        c.facts.as_mut().unwrap().protection = Fact::Missing;
        assert_eq!(find(&c.build(), "Is de sleutel").status, Status::Missing);
    }

    #[test]
    fn chapter_9_severity_in_words_with_a_decimal_comma() {
        let mut c = Case::new();
        let sev = crate::assessment::severity::assess(c.facts.as_ref().unwrap());
        assert!(!sev.reasons.is_empty());
        c.severity = Some(sev.clone());
        let d = c.build();
        assert_eq!(
            find(&d, "Ernst van de gevolgen").answer,
            sev.band.form_label_nl()
        );
        let why = &find(&d, "Toelichting op de ernst").answer;
        let score = crate::locale::decimal_nl(sev.score, 2);
        assert!(score.contains(','), "{score}");
        assert!(why.contains(&format!("ENISA-score {score}")), "{why}");
        assert!(!why.contains(&format!("{:.2}", sev.score)), "{why}");
        for r in &sev.reasons {
            assert!(why.contains(r.nl.trim()), "{why}");
        }
    }

    #[test]
    fn chapter_10_counts_people_and_channels_from_the_campaigns() {
        let mut c = Case::new();
        let d = c.build();
        assert_eq!(
            find(&d, "Hoeveel betrokkenen").answer,
            "nog niemand individueel geïnformeerd"
        );
        assert_eq!(find(&d, "Hoe zijn").answer, "nog niet");
        c.informed = InformedPart {
            by_email: 98,
            email_failed: 2,
            by_letter: 20,
            public_notice_at: None,
        };
        c.input.informed_other = Some("telefonisch: 3 mensen".into());
        let d = c.build();
        assert_eq!(find(&d, "Zijn de betrokkenen").answer, "ja");
        assert!(find(&d, "Hoeveel betrokkenen")
            .answer
            .starts_with("118 per brief of e-mail"));
        assert_eq!(
            find(&d, "Hoe zijn").answer,
            "per brief: 20; per e-mail: 98 (2 e-mails konden niet worden bezorgd); anders: telefonisch: 3 mensen"
        );
        c.input.informed_other = None;
        c.informed = InformedPart {
            public_notice_at: Some(Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()),
            ..Default::default()
        };
        let d = c.build();
        assert_eq!(
            find(&d, "Hoe zijn").answer,
            "website: openbare mededeling gepubliceerd op ma 07-12-2026 10:00 (CET)"
        );
    }
}

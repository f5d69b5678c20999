//! What a report is and what makes one valid. No web or database code here.
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError};

pub const CHANNELS: [&str; 5] = ["web_form", "mailbox", "staff", "processor", "api"];
pub const RECEIVED_VIA: [&str; 3] = ["letter", "email", "other"];
pub const ACTIONS: [&str; 4] = ["kept", "destroyed", "returned", "forwarded"];
pub const LANGUAGES: [&str; 2] = ["nl", "en"];
/// Kinds of data a citizen may have seen, in the regulator's vocabulary (plain-language hints in
/// the pages).
pub const DATA_KINDS: [&str; 12] = [
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
pub const STATUSES: [&str; 4] = ["received", "in_review", "linked", "closed"];

/// Where a report stands. Stored as TEXT (the strings of [`STATUSES`], the column's CHECK
/// constraint); the row holds the enum (`reports::store`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// New, nobody has looked at it yet.
    Received,
    /// A handler is looking into it.
    InReview,
    /// Part of an incident: its status follows the incident.
    Linked,
    /// Handled.
    Closed,
}

pub const ALL_STATUSES: [ReportStatus; 4] = [
    ReportStatus::Received,
    ReportStatus::InReview,
    ReportStatus::Linked,
    ReportStatus::Closed,
];

impl ReportStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportStatus::Received => "received",
            ReportStatus::InReview => "in_review",
            ReportStatus::Linked => "linked",
            ReportStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<ReportStatus> {
        ALL_STATUSES.into_iter().find(|st| st.as_str() == s)
    }
}

impl std::fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A report as submitted (citizens: `POST /api/v1/reports`). Only `description` is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// What happened, in the reporter's words.
    pub description: String,
    /// letter, email or other
    pub received_via: Option<String>,
    /// The organisation's slug; absent or null when the reporter does not know.
    pub organisation: Option<String>,
    /// The department or sender named on what they received.
    pub organisation_hint: Option<String>,
    /// The date they received it (YYYY-MM-DD).
    #[schema(value_type = Option<String>, format = Date)]
    pub received_on: Option<NaiveDate>,
    #[serde(default)]
    pub data_kinds: Vec<String>,
    /// kept, destroyed, returned or forwarded
    pub action_taken: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    /// Whether staff may contact the reporter.
    pub may_contact: Option<bool>,
    /// nl (default) or en
    pub language: Option<String>,
    /// Staff only: staff, processor or api (default staff for staff tokens).
    pub channel: Option<String>,
}

/// A validated report, ready to store.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub channel: String,
    pub organisation_id: Option<String>,
    pub organisation_hint: Option<String>,
    pub description: String,
    pub received_via: Option<String>,
    pub received_on: Option<NaiveDate>,
    pub data_kinds: Vec<String>,
    pub action_taken: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub may_contact: bool,
    pub language: String,
    pub created_by: Option<String>,
    /// Checked files (see `attachments::sniff`), stored in the report's transaction.
    pub attachments: Vec<NewAttachment>,
    /// Send the reporter an acknowledgement with the reference and follow-up link.
    pub acknowledge: Option<Acknowledge>,
}

/// Files live in their own module; kept here by name for callers.
pub use crate::attachments::{Bytes, InMail, NewAttachment};

#[derive(Debug, Clone)]
pub struct Acknowledge {
    /// e.g. `https://meldpunt.example.nl`; the follow-up link is built on it.
    pub public_url: String,
    pub mail_domain: String,
    /// How many acknowledgements may go (see `reports::ack_limits`).
    pub limits: AckLimits,
    /// The conversation the acknowledgement answers (a mailed report: its Message-ID), so that it
    /// shows under the reporter's own mail; empty for the form and the API.
    pub thread: crate::outbox::Thread,
}

/// Limits on acknowledgements; defined with the settings they come from.
pub use crate::config::AckLimits;

/// Whether `e` parses as an [`EmailAddress`](crate::input::EmailAddress).
pub fn valid_email(e: &str) -> bool {
    crate::input::EmailAddress::parse(e).is_ok()
}

fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(|c| c.is_ascii_digit()).count();
    (6..=15).contains(&digits) && p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

fn clean(o: &Option<String>) -> Option<String> {
    o.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl ReportInput {
    /// Validate everything that needs no database; `organisation_id` is resolved by the caller.
    pub fn validate(
        &self,
        max_description: usize,
        today: NaiveDate,
        staff: bool,
    ) -> Result<NewReport, ApiError> {
        let mut errs = vec![];
        let description = self.description.trim().to_string();
        if description.is_empty() {
            errs.push(FieldError::new("description", "describe what happened"));
        } else if description.chars().count() > max_description {
            errs.push(FieldError::new(
                "description",
                format!("at most {max_description} characters"),
            ));
        }
        let check =
            |errs: &mut Vec<FieldError>, name: &str, v: &Option<String>, allowed: &[&str]| {
                if let Some(v) = v {
                    if !allowed.contains(&v.as_str()) {
                        errs.push(FieldError::new(
                            name,
                            format!("one of: {}", allowed.join(", ")),
                        ));
                    }
                }
            };
        check(&mut errs, "received_via", &self.received_via, &RECEIVED_VIA);
        check(&mut errs, "action_taken", &self.action_taken, &ACTIONS);
        check(&mut errs, "language", &self.language, &LANGUAGES);
        for (i, k) in self.data_kinds.iter().enumerate() {
            if !DATA_KINDS.contains(&k.as_str()) {
                errs.push(FieldError::new(
                    format!("data_kinds[{i}]"),
                    format!("one of: {}", DATA_KINDS.join(", ")),
                ));
            }
        }
        if let Some(d) = self.received_on {
            if d > today {
                errs.push(FieldError::new("received_on", "lies in the future"));
            }
        }
        let email = clean(&self.contact_email);
        if let Some(e) = &email {
            if !valid_email(e) {
                errs.push(FieldError::new("contact_email", "not an e-mail address"));
            }
        }
        let phone = clean(&self.contact_phone);
        if let Some(p) = &phone {
            if !valid_phone(p) {
                errs.push(FieldError::new("contact_phone", "not a phone number"));
            }
        }
        for (name, v, max) in [
            ("contact_name", &self.contact_name, 200),
            ("organisation_hint", &self.organisation_hint, 300),
        ] {
            if v.as_ref().map(|s| s.chars().count() > max).unwrap_or(false) {
                errs.push(FieldError::new(name, format!("at most {max} characters")));
            }
        }
        let channel = match (&self.channel, staff) {
            (None, false) => "api".to_string(),
            (None, true) => "staff".to_string(),
            (Some(c), true) if ["staff", "processor", "api"].contains(&c.as_str()) => c.clone(),
            (Some(_), true) => {
                errs.push(FieldError::new("channel", "one of: staff, processor, api"));
                String::new()
            }
            (Some(_), false) => {
                errs.push(FieldError::new("channel", "only staff may set the channel"));
                String::new()
            }
        };
        if !errs.is_empty() {
            return Err(ApiError::Validation(errs));
        }
        let mut kinds = self.data_kinds.clone();
        kinds.sort();
        kinds.dedup();
        let may_contact = self
            .may_contact
            .unwrap_or(email.is_some() || phone.is_some());
        Ok(NewReport {
            channel,
            organisation_id: None,
            organisation_hint: clean(&self.organisation_hint),
            description,
            received_via: self.received_via.clone(),
            received_on: self.received_on,
            data_kinds: kinds,
            action_taken: self.action_taken.clone(),
            contact_name: clean(&self.contact_name),
            contact_email: email.map(|e| e.to_lowercase()),
            contact_phone: phone,
            may_contact,
            language: self.language.clone().unwrap_or_else(|| "nl".into()),
            created_by: None,
            attachments: vec![],
            acknowledge: None,
        })
    }
}

/// The reference a citizen quotes: `M-2026-000123`.
pub fn reference(year: i32, n: i64) -> String {
    format!("M-{year}-{n:06}")
}

/// What a reporter may see of their own report: its status, in plain words.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReporterView {
    pub reference: String,
    pub status: String,
    pub status_text: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn status_text(status: &str, language: &str) -> &'static str {
    match (status, language) {
        ("received", "en") => "We have received your report and will look at it soon.",
        ("received", _) => "Wij hebben uw melding ontvangen en bekijken die zo snel mogelijk.",
        ("in_review", "en") => "We are looking into your report.",
        ("in_review", _) => "Wij onderzoeken uw melding.",
        ("linked", "en") => "Your report is being handled as part of an investigation.",
        ("linked", _) => "Uw melding wordt behandeld als onderdeel van een onderzoek.",
        ("closed", "en") => "We have finished handling your report. Thank you.",
        ("closed", _) => "Wij hebben uw melding afgehandeld. Dank u wel.",
        (_, "en") => "Your report is registered.",
        _ => "Uw melding is geregistreerd.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn fields(e: ApiError) -> Vec<String> {
        match e {
            ApiError::Validation(v) => v.into_iter().map(|f| f.field).collect(),
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn minimal_report_is_valid() {
        let r = ReportInput {
            description: "Ik kreeg een brief voor mijn buurman".into(),
            ..Default::default()
        };
        let n = r.validate(10_000, today(), false).unwrap();
        assert_eq!(n.channel, "api");
        assert_eq!(n.language, "nl");
        assert!(!n.may_contact);
    }

    #[test]
    fn bad_fields_are_each_named() {
        let r = ReportInput {
            description: " ".into(),
            received_via: Some("pigeon".into()),
            received_on: NaiveDate::from_ymd_opt(2027, 1, 1),
            contact_email: Some("not-an-address".into()),
            data_kinds: vec!["bsn".into(), "shoe size".into()],
            channel: Some("staff".into()),
            ..Default::default()
        };
        let f = fields(r.validate(10_000, today(), false).unwrap_err());
        for name in [
            "description",
            "received_via",
            "received_on",
            "contact_email",
            "data_kinds[1]",
            "channel",
        ] {
            assert!(f.contains(&name.to_string()), "{name} missing from {f:?}");
        }
    }

    #[test]
    fn long_description_is_refused() {
        let r = ReportInput {
            description: "x".repeat(10_001),
            ..Default::default()
        };
        assert_eq!(
            fields(r.validate(10_000, today(), false).unwrap_err()),
            vec!["description"]
        );
    }

    #[test]
    fn emails() {
        assert_eq!(reference(2026, 123), "M-2026-000123");
    }
}

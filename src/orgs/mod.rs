//! Organisations: the controllers one installation serves.
pub mod routes;
pub mod service;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldProblem};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub kvk_number: Option<String>,
    pub address: Option<String>,
    pub fg_name: Option<String>,
    pub fg_email: Option<String>,
    pub fg_phone: Option<String>,
    pub fg_registration_number: Option<String>,
    pub processor_hours: Option<i32>,
    pub require_2fa: bool,
}

/// Fields an admin may set; absent fields are left as they are.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub kvk_number: Option<String>,
    pub address: Option<String>,
    pub fg_name: Option<String>,
    pub fg_email: Option<String>,
    pub fg_phone: Option<String>,
    pub fg_registration_number: Option<String>,
    pub processor_hours: Option<i32>,
    pub require_2fa: Option<bool>,
}

pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl OrganisationInput {
    /// What is wrong with it, field by field, in English and Dutch; `creating`: slug and name
    /// are required.
    pub fn problems(&self, creating: bool) -> Vec<FieldProblem> {
        let mut errs = vec![];
        match &self.slug {
            Some(s) if !valid_slug(s) => errs.push(FieldProblem::new(
                "slug",
                "use 1-63 lowercase letters, digits and hyphens",
                "Gebruik 1 tot 63 kleine letters, cijfers en streepjes",
            )),
            None if creating => errs.push(FieldProblem::new("slug", "required", "Vul dit in")),
            _ => {}
        }
        match &self.name {
            Some(n) if n.trim().is_empty() || n.len() > 200 => errs.push(FieldProblem::new(
                "name",
                "must be 1-200 characters",
                "Vul een naam in van hoogstens 200 tekens",
            )),
            None if creating => errs.push(FieldProblem::new("name", "required", "Vul dit in")),
            _ => {}
        }
        if let Some(k) = &self.kvk_number {
            if !(k.len() == 8 && k.chars().all(|c| c.is_ascii_digit())) {
                errs.push(FieldProblem::new(
                    "kvk_number",
                    "a KvK number has 8 digits",
                    "Een KvK-nummer heeft 8 cijfers",
                ));
            }
        }
        if let Some(e) = &self.fg_email {
            if crate::input::EmailAddress::parse(e).is_err() {
                errs.push(FieldProblem::new(
                    "fg_email",
                    "not an e-mail address",
                    "Vul een geldig e-mailadres in",
                ));
            }
        }
        if let Some(h) = self.processor_hours {
            if !(1..=720).contains(&h) {
                errs.push(FieldProblem::new(
                    "processor_hours",
                    "must be between 1 and 720",
                    "Vul een aantal uren in tussen 1 en 720",
                ));
            }
        }
        for (name, v) in [
            ("address", &self.address),
            ("fg_name", &self.fg_name),
            ("fg_phone", &self.fg_phone),
            ("fg_registration_number", &self.fg_registration_number),
        ] {
            if v.as_ref().map(|s| s.len() > 500).unwrap_or(false) {
                errs.push(FieldProblem::new(
                    name,
                    "at most 500 characters",
                    "Dit is te lang",
                ));
            }
        }
        errs
    }

    pub fn validate(&self, creating: bool) -> Result<(), DomainError> {
        let errs = self.problems(creating);
        if errs.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errs))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(valid_slug("gemeente-oost"));
        assert!(!valid_slug("Gemeente"));
        assert!(!valid_slug("-x"));
        assert!(!valid_slug(""));
    }
}

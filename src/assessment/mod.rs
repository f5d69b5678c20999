//! Assessment: the incident's facts in the AP form's vocabulary, personal data found in what
//! comes in, the ENISA severity and the proposed notification decision.
//!
//! Pure functions of their inputs: no web, database or file code here. The proposal supports a
//! person's decision; it never replaces it (see [`decision::differs_needs_reason`]).
//!
//! Sources: `regulation.md` §1 (obligations), §3–4 (the AP form and its option lists), §5 (EDPB
//! Guidelines 01/2021 cases, the tests of [`decision`]), §6 (ENISA 2013), §7 (BSN eleven-test).

/// A closed list of options with a stable key (the serde name), a Dutch and an English label.
///
/// One place says each option's key, so `as_str`, `parse` and serde can never disagree.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => ($key:literal, $nl:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $key)] $variant ),+
        }

        impl $name {
            /// Every option, in the order the form shows them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key, as stored and as serialised.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            pub fn label_nl(&self) -> &'static str {
                match self { $($name::$variant => $nl),+ }
            }

            pub fn label_en(&self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }
        }
    };
}

pub mod decision;
pub mod derive;
pub mod detect;
pub mod facts;
pub mod labels;
#[cfg(test)]
mod properties;
pub mod routes;
pub mod service;
pub mod severity;
pub mod store;

/// A sentence a person can check, in Dutch (shown to staff) and English.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reason {
    /// A stable key for the rule that produced the sentence, e.g. `bsn_with_other_data`.
    pub rule: String,
    pub nl: String,
    pub en: String,
}

impl Reason {
    pub fn new(rule: &str, nl: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            rule: rule.to_string(),
            nl: nl.into(),
            en: en.into(),
        }
    }
}

pub use crate::error::FieldProblem;

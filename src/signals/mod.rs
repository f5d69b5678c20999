//! Telling staff (issue 16, point 3): a new citizen's report e-mails the organisation's handlers —
//! one e-mail per report, or a daily digest as each user chooses — and is counted in the staff's
//! menu; a draft that waits for sign-off e-mails the organisation's FGs and stands on their "Te
//! tekenen" worklist; a rejected draft e-mails its drafter with the FG's remarks. Every e-mail goes
//! through the outbox in the transaction of the change that causes it (the digest: in the
//! transaction that claims it), in the recipient's language, and names a reference, never what a
//! reporter typed.
//!
//! Layering: below `reports` and `notifications` (which call it when they store a report or change
//! a draft), above `auth`, `audit` and `outbox`.
pub mod digest;
pub mod mail;
pub mod routes;
pub mod rules;
pub mod service;
pub mod store;

pub use mail::Links;

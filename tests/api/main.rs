//! Integration tests over HTTP: one binary, every test on SQLite and (when configured) PostgreSQL.
mod helpers;

mod account;
mod assessment;
mod auth;
mod cli;
mod day_pages;
mod dutch_output;
mod hardening;
mod incidents;
mod legal;
mod mailbox;
mod notification_pages;
mod notifications;
mod ops;
mod orgs;
mod outbox;
mod pdf;
mod phases;
mod public_pages;
mod register;
mod register_pages;
mod reports;
mod sending;
mod smtp_sink;
mod staff_pages;

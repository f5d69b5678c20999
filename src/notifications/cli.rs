//! `meldpunt campaign …`: import recipients, start a campaign, follow its progress and write the
//! letters for the post room — as a named staff member (`--as <e-mail>`), with the same checks and
//! audit entries as the API.
use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::campaign::{self, NewCampaign};
use super::service::Ctx;
use crate::auth::{store as auth_store, Staff};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::ApiError;

#[derive(Subcommand)]
pub enum CampaignCmd {
    /// Import recipients from a CSV file (name, email, postal_address, language, extra columns).
    Import {
        /// The incident's id.
        incident: String,
        file: PathBuf,
        /// The staff member (e-mail) on whose behalf.
        #[arg(long = "as")]
        user: String,
    },
    /// Start a campaign with a signed-off communication draft.
    Start {
        incident: String,
        #[arg(long)]
        draft: String,
        #[arg(long = "as")]
        user: String,
        /// Messages per minute.
        #[arg(long)]
        per_minute: Option<i32>,
        /// Only recipients not reached by an earlier campaign.
        #[arg(long)]
        only_new: bool,
    },
    /// Show a campaign's progress; with --watch until it is done.
    Status {
        incident: String,
        campaign: String,
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        watch: bool,
    },
    /// Write the campaign's letters (one HTML file per recipient, A4), letters.pdf (all of them,
    /// merged) and index.csv to a folder.
    Letters {
        incident: String,
        campaign: String,
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        out: PathBuf,
    },
}

fn staff(c: &mut DbConn, email: &str) -> anyhow::Result<Staff> {
    let u = auth_store::user_by_email(c, email)?
        .ok_or_else(|| anyhow::anyhow!("no staff member {email}"))?;
    Ok(auth_store::staff(c, &u)?)
}

/// A one-line progress bar on stderr.
pub fn bar(what: &str, done: usize, total: usize) {
    let width = 30;
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width);
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    eprint!(
        "\r{what} [{}{}] {pct:>3}% {done}/{total}",
        "#".repeat(filled),
        ".".repeat(width - filled)
    );
    if done >= total {
        eprintln!();
    }
    let _ = std::io::stderr().flush();
}

fn api(e: impl Into<ApiError>) -> anyhow::Error {
    match e.into() {
        ApiError::Validation(errs) => {
            let lines: Vec<String> = errs
                .iter()
                .map(|e| format!("  {}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("refused:\n{}", lines.join("\n"))
        }
        other => anyhow::anyhow!("{other}: {}", detail(&other)),
    }
}

fn detail(e: &ApiError) -> String {
    match e {
        ApiError::Conflict(d) | ApiError::Forbidden(d) | ApiError::BadRequest(d) => d.clone(),
        ApiError::Refused(r) | ApiError::Denied(r) => r.detail.clone(),
        ApiError::Internal(d) => d.clone(),
        _ => String::new(),
    }
}

pub fn run(cmd: CampaignCmd, settings: &Settings) -> anyhow::Result<i32> {
    let mut c = db::connect(&settings.database.url)?;
    db::run_migrations(&mut c)?;
    let ctx = Ctx {
        template_dir: settings.notifications.template_dir(),
        supplement_days: settings.clock.supplement_days,
        links: Some(crate::signals::Links::from_settings(settings)),
    };
    match cmd {
        CampaignCmd::Import {
            incident,
            file,
            user,
        } => {
            let s = staff(&mut c, &user)?;
            let bytes = std::fs::read(&file)?;
            let rep =
                campaign::import(&mut c, &s, &incident, &bytes, |d, t| bar("importing", d, t))
                    .map_err(api)?;
            println!(
                "imported {} recipients ({} duplicates in the file, {} already present); {} in total",
                rep.imported,
                rep.duplicates.len(),
                rep.already_present.len(),
                rep.total_recipients
            );
        }
        CampaignCmd::Start {
            incident,
            draft,
            user,
            per_minute,
            only_new,
        } => {
            let s = staff(&mut c, &user)?;
            let domain = settings.mail_domain();
            let st = campaign::start(
                &mut c,
                &ctx,
                &s,
                &incident,
                NewCampaign {
                    draft_id: draft,
                    per_minute,
                    only_new,
                },
                &domain,
                |d, t| bar("queueing", d, t),
            )
            .map_err(api)?;
            println!(
                "campaign {}: {} e-mails queued, {} letters ready",
                st.campaign_id, st.emails, st.letters
            );
        }
        CampaignCmd::Status {
            incident,
            campaign: id,
            user,
            watch,
        } => {
            let s = staff(&mut c, &user)?;
            loop {
                let p = campaign::progress(&mut c, &s, &incident, &id).map_err(api)?;
                let done = (p.sent + p.failed) as usize;
                bar("sending", done, p.emails as usize);
                if !watch || p.done {
                    println!(
                        "{} sent, {} failed, {} queued, {} being sent; letters {} ready, {} printed; {:.0}/min{}{}",
                        p.sent,
                        p.failed,
                        p.queued,
                        p.sending,
                        p.letters_ready,
                        p.letters_printed,
                        p.rate_per_minute,
                        p.eta_seconds
                            .map(|s| format!(", about {s:.0} s left"))
                            .unwrap_or_default(),
                        if p.paused { " (paused)" } else { "" }
                    );
                    break;
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        CampaignCmd::Letters {
            incident,
            campaign: id,
            user,
            out,
        } => {
            let s = staff(&mut c, &user)?;
            let (files, index) =
                campaign::letters_output(&mut c, &ctx, &s, &incident, &id).map_err(api)?;
            std::fs::create_dir_all(&out)?;
            let total = files.len();
            for (i, f) in files.iter().enumerate() {
                std::fs::write(out.join(&f.file_name), &f.html)?;
                bar("writing letters", i + 1, total);
            }
            std::fs::write(out.join("index.csv"), index)?;
            // The same letters merged into one PDF (the index's pdf_pages point into it).
            let l = campaign::prepare_letters(&mut c, &ctx, &s, &incident, &id).map_err(api)?;
            let file = std::io::BufWriter::new(std::fs::File::create(out.join("letters.pdf"))?);
            let mut file = super::pdf::write_letters(&l, file, chrono::Utc::now(), |i, _, _| {
                bar("writing letters.pdf", i + 1, total)
            })?;
            std::io::Write::flush(&mut file)?;
            println!(
                "{total} letters, letters.pdf and index.csv written to {}",
                out.display()
            );
        }
    }
    Ok(0)
}

//! The `meldpunt` command line: serve, migrate and administration.
use std::io::Read;

use clap::{Parser, Subcommand};

use crate::audit::{self, Actor};
use crate::auth::admin::Manager;
use crate::auth::{secrets, store as auth_store, Role};
use crate::config::Settings;
use crate::db::{self, now, DbConn};
use crate::error::DomainError;
use crate::orgs::{store as org_store, OrganisationInput};

#[derive(Parser)]
#[command(
    name = "meldpunt",
    version,
    about = "Meldpunt: personal-data breaches from first signal to closed case"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the service (migrates the database first).
    Serve,
    /// Apply pending database migrations and say which.
    Migrate,
    /// Organisations.
    Org {
        #[command(subcommand)]
        cmd: OrgCmd,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Print a new one-time setup code (only while no user exists).
    SetupCode,
    /// Letters and e-mails to affected people: import recipients, start, follow, print.
    Campaign {
        #[command(subcommand)]
        cmd: crate::notifications::cli::CampaignCmd,
    },
    /// The e-mail outbox: `outbox work` runs delivery workers without the web service.
    Outbox {
        #[command(subcommand)]
        cmd: OutboxCmd,
    },
    /// Retention of the breach register and its evidence.
    Retention {
        #[command(subcommand)]
        cmd: RetentionCmd,
    },
    /// The breach register: `register import` takes over an existing register (CSV or .xlsx).
    Register {
        #[command(subcommand)]
        cmd: RegisterCmd,
    },
    /// The meldpunt mailbox.
    Mail {
        #[command(subcommand)]
        cmd: MailCmd,
    },
}

#[derive(Subcommand)]
pub enum RegisterCmd {
    /// Import an existing breach register (CSV or .xlsx, told apart by the first bytes): all rows or none; `--dry-run` shows every row as
    /// it would be stored.
    Import {
        /// The organisation's slug.
        #[arg(long)]
        org: String,
        /// The staff member (e-mail, a handler or administrator of the organisation) on whose behalf.
        #[arg(long = "as")]
        user: String,
        /// JSON file with the column mapping: {"became_aware_at": "Datum bewustwording", …}.
        #[arg(long)]
        mapping: Option<std::path::PathBuf>,
        /// Check and show, store nothing.
        #[arg(long)]
        dry_run: bool,
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum RetentionCmd {
    /// Apply the retention policies now (the service does this daily by itself).
    Run {
        /// Apply them as at this instant (RFC 3339), e.g. to see what a date would remove.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Subcommand)]
pub enum MailCmd {
    /// Take in .eml and mbox files (`-` reads stdin); prints what became of each message.
    Ingest {
        /// Organisation slug (default: mailbox.organisation).
        #[arg(long)]
        org: Option<String>,
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Scan again the attachments clamd could not scan at intake (mailbox.clamd_socket must be
    /// set); prints one line per attachment.
    Rescan {
        /// Messages to take at most in this run.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
}

// Parsed once per process: the size difference between variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum OrgCmd {
    /// Create an organisation (a controller).
    Create {
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        kvk: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        fg_name: Option<String>,
        #[arg(long)]
        fg_email: Option<String>,
        #[arg(long)]
        fg_phone: Option<String>,
        #[arg(long)]
        fg_registration: Option<String>,
        #[arg(long)]
        processor_hours: Option<i32>,
        #[arg(long)]
        require_2fa: bool,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create a user (password read from stdin) or give an existing user a role.
    Create {
        #[arg(long)]
        email: String,
        /// handler, fg or admin (in --org); with --installation-admin no org is needed.
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Installation administrator: creates organisations and users.
        #[arg(long)]
        installation_admin: bool,
    },
    /// List every user: e-mail address, active or deactivated, roles.
    List,
    /// Deactivate a user: no sign-in; sessions and API tokens end at once.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Reactivate a deactivated user (old API tokens stay revoked).
    Reactivate {
        #[arg(long)]
        email: String,
    },
    /// E-mail the user a one-time link to set a new password (through the outbox).
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Create an API token for a user; the token is the last line of the output.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum OutboxCmd {
    /// Deliver queued e-mail until SIGTERM / Ctrl-C (no web service; any number may run).
    Work {
        /// Workers in this process.
        #[arg(long, default_value_t = 1)]
        workers: usize,
    },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Recompute the whole chain; exit 0 when intact, 1 naming the first broken record.
    Verify,
}

fn open(settings: &Settings) -> anyhow::Result<DbConn> {
    let mut c = db::connect(&settings.database.url)?;
    db::run_migrations(&mut c)?;
    Ok(c)
}

/// Run a non-serve command; returns the process exit code.
pub fn run_admin(cmd: Command, settings: &Settings) -> anyhow::Result<i32> {
    // Audit records written (and checked) by a command are keyed like the service's.
    let secret = crate::auth::sealing::key_from_settings(settings)?;
    crate::auth::sealing::install(secret);
    audit::chain::install_key(&secret);
    match cmd {
        Command::Serve => unreachable!("serve is handled by main"),
        Command::Campaign { cmd } => crate::notifications::cli::run(cmd, settings),
        Command::Outbox {
            cmd: OutboxCmd::Work { workers },
        } => crate::outbox::cli::work(settings, workers),
        Command::Migrate => {
            let mut c = db::connect(&settings.database.url)?;
            let applied = db::run_migrations(&mut c)?;
            if applied.is_empty() {
                println!("database is up to date; no migrations applied");
            } else {
                for m in &applied {
                    println!("applied {m}");
                }
                println!("{} migration(s) applied", applied.len());
            }
            Ok(0)
        }
        Command::Org { cmd: OrgCmd::List } => {
            let mut c = open(settings)?;
            for o in org_store::all(&mut c)? {
                println!("{}\t{}", o.slug, o.name);
            }
            Ok(0)
        }
        Command::Org {
            cmd:
                OrgCmd::Create {
                    slug,
                    name,
                    kvk,
                    address,
                    fg_name,
                    fg_email,
                    fg_phone,
                    fg_registration,
                    processor_hours,
                    require_2fa,
                },
        } => {
            let input = OrganisationInput {
                slug: Some(slug),
                name: Some(name),
                kvk_number: kvk,
                address,
                fg_name,
                fg_email,
                fg_phone,
                fg_registration_number: fg_registration,
                processor_hours,
                require_2fa: Some(require_2fa),
            };
            let mut c = open(settings)?;
            match crate::orgs::service::create(&mut c, Manager::Cli, &input) {
                Ok(row) => {
                    println!("created organisation {} ({})", row.slug, row.name);
                    Ok(0)
                }
                Err(DomainError::Invalid(errs)) => {
                    for e in errs {
                        if e.field == "slug" && e.message == "already in use" {
                            eprintln!(
                                "error: slug: an organisation {:?} exists already",
                                input.slug.as_deref().unwrap_or_default()
                            );
                        } else {
                            eprintln!("error: {}: {}", e.field, e.message);
                        }
                    }
                    Ok(2)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::User { cmd: UserCmd::List } => {
            let mut c = open(settings)?;
            let users = crate::auth::admin::list(&mut c, crate::auth::admin::Manager::Cli)?;
            for u in users {
                let roles: Vec<String> = u
                    .roles
                    .iter()
                    .map(|r| format!("{}:{}", r.organisation, r.role.as_str()))
                    .collect();
                println!(
                    "{}\t{}\t{}{}",
                    u.email,
                    if u.active { "active" } else { "deactivated" },
                    if u.is_admin {
                        "installation-admin "
                    } else {
                        ""
                    },
                    roles.join(" ")
                );
            }
            Ok(0)
        }
        Command::User {
            cmd:
                cmd @ (UserCmd::Deactivate { .. }
                | UserCmd::Reactivate { .. }
                | UserCmd::ResetPassword { .. }),
        } => {
            use crate::auth::admin::{self as accounts, Manager};
            let mut c = open(settings)?;
            let email = match &cmd {
                UserCmd::Deactivate { email }
                | UserCmd::Reactivate { email }
                | UserCmd::ResetPassword { email } => email.clone(),
                _ => unreachable!("matched above"),
            };
            let user = match accounts::by_email(&mut c, Manager::Cli, &email) {
                Ok(u) => u,
                Err(crate::error::DomainError::NotFound) => {
                    eprintln!("error: email: no user {email:?}");
                    return Ok(2);
                }
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            };
            let done = match cmd {
                UserCmd::Deactivate { .. } => {
                    accounts::deactivate(&mut c, Manager::Cli, &user.id, now()).map(|_| {
                        format!("deactivated {}: sessions and API tokens ended", user.email)
                    })
                }
                UserCmd::Reactivate { .. } => {
                    accounts::reactivate(&mut c, Manager::Cli, &user.id, now())
                        .map(|_| format!("reactivated {}", user.email))
                }
                _ => {
                    let domain = settings.mail_domain();
                    accounts::send_reset(
                        &mut c,
                        Manager::Cli,
                        &user.id,
                        &accounts::ResetMail {
                            templates: crate::mail_templates::templates(),
                            public_url: &settings.server.public_url,
                            mail_domain: &domain,
                        },
                        now(),
                    )
                    .map(|r| {
                        format!(
                            "reset link queued for {} (valid until {} UTC)",
                            r.sent_to,
                            r.expires_at.format("%Y-%m-%d %H:%M")
                        )
                    })
                }
            };
            match done {
                Ok(msg) => {
                    println!("{msg}");
                    Ok(0)
                }
                Err(crate::error::DomainError::Refused(r)) => {
                    eprintln!("error: {}", r.detail);
                    Ok(2)
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        Command::User {
            cmd:
                UserCmd::Create {
                    email,
                    role,
                    org,
                    name,
                    installation_admin,
                },
        } => {
            if crate::input::EmailAddress::parse(&email).is_err() {
                eprintln!("error: email: not an e-mail address");
                return Ok(2);
            }
            let role = match role.as_deref() {
                None => None,
                Some(r) => match Role::parse(r) {
                    Some(r) => Some(r),
                    None => {
                        eprintln!("error: role: one of handler, fg, admin");
                        return Ok(2);
                    }
                },
            };
            if role.is_some() != org.is_some() {
                eprintln!("error: give --role and --org together");
                return Ok(2);
            }
            if role.is_none() && !installation_admin {
                eprintln!("error: give --role R --org SLUG, or --installation-admin");
                return Ok(2);
            }
            let mut c = open(settings)?;
            let org_row = match &org {
                Some(slug) => match org_store::by_slug(&mut c, slug)? {
                    Some(o) => Some(o),
                    None => {
                        eprintln!("error: org: no organisation {slug:?}");
                        return Ok(2);
                    }
                },
                None => None,
            };
            let existing = auth_store::user_by_email(&mut c, &email)?;
            let first_role = role.zip(org_row.as_ref()).map(|(r, o)| (o.id.clone(), r));
            let (email, role_given) = match existing {
                Some(u) => (u.email, false),
                None => {
                    let mut pw = String::new();
                    std::io::stdin().read_to_string(&mut pw)?;
                    let pw = pw.trim_end_matches(['\n', '\r']).to_string();
                    if let Some(p) = secrets::password_problem(&pw) {
                        eprintln!("error: password (stdin): {p}");
                        return Ok(2);
                    }
                    let display = name
                        .clone()
                        .unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
                    let account = crate::auth::admin::NewAccount {
                        email,
                        display_name: display,
                        password: Some(pw),
                        is_admin: installation_admin,
                        language: None,
                        role: first_role,
                    };
                    match crate::auth::admin::create_user(&mut c, Manager::Cli, account) {
                        Ok(u) => {
                            println!("created user {}", u.email);
                            (u.email, true)
                        }
                        Err(DomainError::Invalid(errs)) => {
                            for e in errs {
                                eprintln!("error: {}: {}", e.field, e.message);
                            }
                            return Ok(2);
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            };
            if let (Some(role), Some(o)) = (role, &org_row) {
                if !role_given {
                    crate::orgs::service::add_role(&mut c, Actor::Cli, &o.id, &email, role)?;
                }
                println!("{} is {} in {}", email, role.as_str(), o.slug);
            }
            Ok(0)
        }
        Command::Token {
            cmd: TokenCmd::Create { email, name },
        } => {
            let mut c = open(settings)?;
            let Some(user) = auth_store::user_by_email(&mut c, &email)? else {
                eprintln!("error: email: no such user");
                return Ok(2);
            };
            let (id, token) =
                match crate::auth::account::create_token(&mut c, &user.id, Actor::Cli, &name) {
                    Ok(made) => made,
                    Err(DomainError::Invalid(errs)) => {
                        for e in errs {
                            eprintln!("error: {}: {}", e.field, e.message);
                        }
                        return Ok(2);
                    }
                    Err(e) => return Err(e.into()),
                };
            println!(
                "created API token {id} for {}; it is shown once:",
                user.email
            );
            println!("{token}");
            Ok(0)
        }
        Command::Audit {
            cmd: AuditCmd::Verify,
        } => {
            let mut c = open(settings)?;
            let out = audit::store::verify(&mut c)?;
            let mut code = 0;
            match &out.broken {
                None => println!(
                    "audit chain intact: {} record(s) verified (head at record {})",
                    out.checked, out.head_seq
                ),
                Some(b) => {
                    println!(
                        "audit chain BROKEN after {} intact record(s): {b}",
                        out.checked
                    );
                    code = 1;
                }
            }
            let path = std::path::Path::new(&settings.audit.checkpoint_file);
            let key = audit::chain::installed_key().expect("installed above");
            let latest = audit::checkpoint::latest(path, key)?;
            if latest.bad_lines > 0 {
                println!(
                    "checkpoints: {} line(s) in {} without a valid signature (not written with this key)",
                    latest.bad_lines,
                    path.display()
                );
                code = 1;
            }
            match latest.checkpoint {
                None => println!(
                    "no checkpoint in {}: records removed at the end or a replaced trail cannot be found",
                    path.display()
                ),
                Some(cp) => match audit::checkpoint::check(&mut c, &cp)? {
                    None => println!(
                        "matches the checkpoint of {} ({} record(s))",
                        cp.at.format("%Y-%m-%d %H:%M:%S UTC"),
                        cp.seq
                    ),
                    Some(f) => {
                        println!(
                            "{f} (checkpoint of {})",
                            cp.at.format("%Y-%m-%d %H:%M:%S UTC")
                        );
                        code = 1;
                    }
                },
            }
            Ok(code)
        }
        Command::Retention {
            cmd: RetentionCmd::Run { at },
        } => {
            let mut c = open(settings)?;
            let s = crate::register::retention::run(&mut c, at.unwrap_or_else(db::now))?;
            println!(
                "evidence purged for {} incident(s) and {} unlinked closed report(s): {} report(s) pseudonymised, {} attachment(s) deleted; {} register entr(y/ies) past retention deleted",
                s.incidents_purged, s.unlinked_reports_purged, s.reports_pseudonymised, s.attachments_deleted, s.register_entries_deleted
            );
            Ok(0)
        }
        Command::Register {
            cmd:
                RegisterCmd::Import {
                    org,
                    user,
                    mapping,
                    dry_run,
                    file,
                },
        } => {
            let mut c = open(settings)?;
            crate::register::import_service::cli_import(
                &mut c,
                &org,
                &user,
                mapping.as_deref(),
                &file,
                dry_run,
                &mut std::io::stdout(),
            )
        }
        Command::Mail {
            cmd: MailCmd::Ingest { org, files },
        } => {
            let mut c = open(settings)?;
            let org = match crate::mailbox::cli::organisation(&mut c, settings, org.as_deref())? {
                Ok(o) => o,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(2);
                }
            };
            crate::mailbox::cli::ingest_files(&mut c, settings, org, &files, &mut std::io::stdout())
        }
        Command::Mail {
            cmd: MailCmd::Rescan { limit },
        } => {
            let mut c = open(settings)?;
            crate::mailbox::cli::rescan(&mut c, settings, limit, &mut std::io::stdout())
        }
        Command::SetupCode => {
            let mut c = open(settings)?;
            if auth_store::user_count(&mut c)? > 0 {
                eprintln!("users exist already; sign in as an administrator instead");
                return Ok(2);
            }
            let code = auth_store::create_setup_code(&mut c, settings.security.setup_code_hours)?;
            print_setup(settings, &code);
            Ok(0)
        }
    }
}

pub fn print_setup(settings: &Settings, code: &str) {
    println!("No users yet. Open this one-time link in a browser to create the first administrator (valid {} hours):", settings.security.setup_code_hours);
    println!(
        "  {}/setup?code={code}",
        settings
            .public_url_or(&settings.server.bind)
            .trim_end_matches('/')
    );
    println!("Or, without a browser:");
    println!(
        "  curl -X POST {}/api/v1/setup -H 'Content-Type: application/json' \\",
        settings.public_url_or(&settings.server.bind)
    );
    println!("       -d '{{\"setup_code\":\"{code}\",\"email\":\"you@example.nl\",\"display_name\":\"Your Name\",\"password\":\"…at least 12 characters…\"}}'");
    println!("setup code: {code}");
}

/// On `serve` with no users: print a fresh setup code.
pub fn setup_code_if_needed(settings: &Settings) -> anyhow::Result<()> {
    let mut c = db::connect(&settings.database.url)?;
    if auth_store::user_count(&mut c)? == 0 {
        let code = auth_store::create_setup_code(&mut c, settings.security.setup_code_hours)?;
        print_setup(settings, &code);
    }
    Ok(())
}

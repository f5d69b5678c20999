use clap::Parser;
use meldpunt::cli::{self, Cli, Command};
use meldpunt::config::Settings;
use meldpunt::startup::Application;

fn main() -> anyhow::Result<()> {
    meldpunt::telemetry::init();
    let args = Cli::parse();
    let settings = Settings::load()?;
    match args.command {
        Command::Serve => serve(settings),
        other => {
            let code = cli::run_admin(other, &settings)?;
            std::process::exit(code);
        }
    }
}

#[actix_web::main]
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings.clone()).await?;
    let s = (*app.state.settings).clone();
    tokio::task::spawn_blocking(move || cli::setup_code_if_needed(&s)).await??;
    println!(
        "Meldpunt listening on http://{}:{} (database: {})",
        settings
            .server
            .bind
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or("127.0.0.1"),
        app.port(),
        redact_url(&settings.database.url)
    );
    app.run_until_stopped().await?;
    Ok(())
}

/// Do not print a database password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

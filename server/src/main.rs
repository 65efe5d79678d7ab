//! `cairn-server`: parse settings, set up logging, then serve or migrate.
#![forbid(unsafe_code)]

use anyhow::Context;
use cairn_server::settings::{LogCommand, LogFormat, ServerArgs, ServerCommand, TokenCommand};
use cairn_server::{Application, Settings};
use clap::Parser;

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A failed log write must never take the server down: the default reports it with
        // eprintln!, which panics when stderr is a closed pipe.
        .log_internal_errors(false);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    let args = ServerArgs::parse();
    let settings: Settings = args.resolve().context("invalid configuration")?;
    init_logging(settings.log_format);
    tracing::info!(
        listen = %settings.listen,
        data_dir = %settings.data_dir.display(),
        database = %settings.database,
        migrate_on_start = settings.migrate_on_start,
        attestation_body_bytes = settings.limits.attestation_body_bytes,
        tls = settings.tls.is_some(),
        metrics_public = settings.auth.metrics_public,
        audit_log = ?settings.audit_log,
        "starting cairn-server {}",
        env!("CARGO_PKG_VERSION")
    );
    match args.command.unwrap_or(ServerCommand::Serve) {
        ServerCommand::Migrate => {
            std::fs::create_dir_all(&settings.data_dir)
                .with_context(|| format!("creating {}", settings.data_dir.display()))?;
            let store = cairn_store::Store::connect(&settings.database, &Default::default())
                .await
                .context("connecting to the database")?;
            let applied = store.migrate().await.context("migrating")?;
            tracing::info!(?applied, "migrations complete");
            store.close().await;
            Ok(std::process::ExitCode::SUCCESS)
        }
        ServerCommand::Token(TokenCommand::Create {
            role,
            name,
            expires,
            scopes,
        }) => {
            let store = if settings.migrate_on_start {
                cairn_store::Store::open(&settings.database, &Default::default()).await
            } else {
                cairn_store::Store::connect(&settings.database, &Default::default()).await
            }
            .context("connecting to the database")?;
            let created = create_token(&store, &role, &name, expires.as_deref(), &scopes).await;
            store.close().await;
            let secret = created?;
            // The token goes to stdout only (never to the log).
            println!("{secret}");
            Ok(std::process::ExitCode::SUCCESS)
        }
        ServerCommand::Log(LogCommand::Verify) => {
            let store = cairn_store::Store::connect(&settings.database, &Default::default())
                .await
                .context("connecting to the database")?;
            let audit = store.audit_log().await;
            store.close().await;
            let audit = audit.context("reading the log")?;
            println!(
                "{} entries, root {}",
                audit.size,
                cairn_core::tlog::hash_to_hex(&audit.root)
            );
            for p in &audit.problems {
                println!("PROBLEM: {p}");
            }
            if audit.problems.is_empty() {
                println!("log consistent with itself and with the stored data");
                Ok(std::process::ExitCode::SUCCESS)
            } else {
                Ok(std::process::ExitCode::from(1))
            }
        }
        ServerCommand::Serve => {
            let app = Application::build(settings)
                .await
                .context("starting the server")?;
            app.run_until_stopped().await.context("serving")?;
            tracing::info!("stopped");
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

/// `cairn-server token create`: validate, store, and return the secret to print once.
async fn create_token(
    store: &cairn_store::Store,
    role: &str,
    name: &str,
    expires: Option<&str>,
    scopes: &[String],
) -> anyhow::Result<String> {
    use cairn_core::time::{Span, Timestamp};
    let now = Timestamp::from_system_time(std::time::SystemTime::now());
    let role = role.parse()?;
    let scopes = scopes
        .iter()
        .map(|s| s.parse())
        .collect::<Result<Vec<_>, _>>()?;
    let expires_at = match expires {
        None => None,
        Some(e) => Some(match e.parse::<Span>() {
            Ok(span) => now.plus(span),
            Err(_) => Timestamp::parse_rfc3339(e).with_context(|| {
                format!("--expires {e:?}: not a duration (90d) or RFC 3339 time")
            })?,
        }),
    };
    let (token, secret) =
        cairn_server::routes::tokens::new_token(name, role, scopes, expires_at, "cli", now)?;
    let record = store.create_token(&token, now).await?;
    tracing::info!(token_id = %record.id, name = %record.name, role = %record.role, "token created");
    Ok(secret.reveal())
}

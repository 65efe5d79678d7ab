//! Typed, layered configuration: defaults < TOML file (`--config`) < `CAIRN_*` env < flags.
//! Built once in `main`, validated there, passed down; nothing below reads the environment.

use cairn_store::DatabaseUrl;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum body of `POST /v1/attestations`.
    pub attestation_body_bytes: usize,
    /// Maximum body of small JSON requests (keys).
    pub json_body_bytes: usize,
    /// Maximum body of `POST /v1/sboms`.
    pub sbom_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            attestation_body_bytes: cairn_core::limits::DEFAULT_ATTESTATION_BODY_BYTES,
            json_body_bytes: 64 * 1024,
            sbom_body_bytes: cairn_core::limits::MAX_SBOM_BYTES,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub limits: Limits,
    pub log_format: LogFormat,
    /// Apply pending migrations at start (otherwise run `cairn-server migrate`).
    pub migrate_on_start: bool,
    /// HTTP worker threads (0 = one per CPU).
    pub workers: usize,
    pub max_db_connections: u32,
    pub auth: crate::auth::AuthSettings,
    /// The transparency log's Ed25519 key file (created on first start).
    pub log_key_file: PathBuf,
    /// The VSA signing key file (ECDSA P-256, created on first start).
    pub vsa_key_file: PathBuf,
    /// The log's origin: the first line of every checkpoint and the key name.
    pub log_origin: String,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<crate::tls::TlsSettings>,
    /// Also append every audit event as a JSON line to this file (mode 0600).
    pub audit_log: Option<PathBuf>,
}

impl Settings {
    pub const DEFAULT_LOG_ORIGIN: &'static str = "cairn.local/log";
    pub const DEFAULT_LISTEN: &'static str = "127.0.0.1:8080";
    pub const DEFAULT_DATA_DIR: &'static str = "cairn-data";

    /// Settings for tests: any free port, everything under `dir`.
    pub fn for_tests(dir: &Path, database: DatabaseUrl) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: dir.to_path_buf(),
            database,
            limits: Limits::default(),
            log_format: LogFormat::Text,
            migrate_on_start: true,
            workers: 2,
            max_db_connections: 8,
            auth: crate::auth::AuthSettings::default(),
            log_key_file: dir.join("log.key"),
            vsa_key_file: dir.join("vsa.key"),
            log_origin: Self::DEFAULT_LOG_ORIGIN.to_owned(),
            tls: None,
            audit_log: None,
        }
    }
}

/// The TOML configuration file. Unknown keys are errors, not silently ignored typos.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileSettings {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub migrate_on_start: Option<bool>,
    pub workers: Option<usize>,
    pub max_db_connections: Option<u32>,
    pub allow_anonymous_reads: Option<bool>,
    pub log_key_file: Option<PathBuf>,
    pub vsa_key_file: Option<PathBuf>,
    pub log_origin: Option<String>,
    pub metrics_public: Option<bool>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub audit_log: Option<PathBuf>,
    #[serde(default)]
    pub limits: FileLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FileLimits {
    pub attestation_body_bytes: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("invalid database URL: {0}")]
    DatabaseUrl(#[from] cairn_store::DatabaseUrlError),
    #[error("{0}")]
    Invalid(String),
}

impl FileSettings {
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| SettingsError::Parse {
            path: path.to_path_buf(),
            source: Box::new(source),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_file() {
        let f: FileSettings = toml::from_str(
            r#"
            listen = "0.0.0.0:9000"
            data-dir = "/var/lib/cairn"
            database-url = "postgres://cairn@db/cairn"
            log-format = "json"
            migrate-on-start = false
            workers = 4
            max-db-connections = 32
            [limits]
            attestation-body-bytes = 1048576
            "#,
        )
        .unwrap();
        assert_eq!(f.listen, Some("0.0.0.0:9000".parse().unwrap()));
        assert_eq!(f.log_format, Some(LogFormat::Json));
        assert_eq!(f.limits.attestation_body_bytes, Some(1_048_576));
    }

    #[test]
    fn rejects_unknown_keys() {
        assert!(toml::from_str::<FileSettings>("lisen = \"x\"").is_err());
        assert!(toml::from_str::<FileSettings>("[limits]\nfoo = 1").is_err());
    }
}

/// `cairn-server` command line. Every setting is a flag and a `CAIRN_*` variable (the flag wins);
/// the TOML file named by `--config` fills what both leave unset; then the defaults apply.
#[derive(Debug, clap::Parser)]
#[command(
    name = "cairn-server",
    version,
    about = "Cairn supply-chain trust service"
)]
pub struct ServerArgs {
    /// TOML configuration file (keys: listen, data-dir, database-url, log-format,
    /// migrate-on-start, workers, max-db-connections, allow-anonymous-reads, log-key-file,
    /// log-origin, metrics-public, tls-cert, tls-key, audit-log,
    /// [limits] attestation-body-bytes).
    #[arg(long, env = "CAIRN_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port (the bound address is logged).
    /// [default: 127.0.0.1:8080]
    #[arg(long, env = "CAIRN_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Directory for the embedded database and server state. [default: ./cairn-data]
    #[arg(long, env = "CAIRN_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST:PORT/DB. [default: sqlite://<data-dir>/cairn.db]
    #[arg(
        long,
        env = "CAIRN_DATABASE_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,
    /// Log format. [default: text]
    #[arg(long, env = "CAIRN_LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,
    /// Apply pending database migrations at start. [default: true]
    #[arg(long, env = "CAIRN_MIGRATE_ON_START", global = true)]
    pub migrate_on_start: Option<bool>,
    /// HTTP worker threads; 0 = one per CPU. [default: 0]
    #[arg(long, env = "CAIRN_WORKERS", global = true)]
    pub workers: Option<usize>,
    /// Maximum database connections. [default: 16]
    #[arg(long, env = "CAIRN_MAX_DB_CONNECTIONS", global = true)]
    pub max_db_connections: Option<u32>,
    /// Serve read-only routes without a token (local development only; writes and admin
    /// routes always need one). [default: false]
    #[arg(long, env = "CAIRN_ALLOW_ANONYMOUS_READS", global = true)]
    pub allow_anonymous_reads: Option<bool>,
    /// Transparency log key file (Ed25519; created with mode 0600 on first start; every replica
    /// of one database needs the same file). [default: <data-dir>/log.key]
    #[arg(long, env = "CAIRN_LOG_KEY_FILE", global = true)]
    pub log_key_file: Option<PathBuf>,
    /// Key that signs Verification Summary Attestations (ECDSA P-256 PKCS#8 PEM; created with mode
    /// 0600 on first start; every replica needs the same file). [default: <data-dir>/vsa.key]
    #[arg(long, env = "CAIRN_VSA_KEY_FILE", global = true)]
    pub vsa_key_file: Option<PathBuf>,
    /// Origin line of the log's checkpoints (and the key name), e.g. cairn.example.com/log;
    /// fixed on first start. [default: cairn.local/log]
    #[arg(long, env = "CAIRN_LOG_ORIGIN", global = true)]
    pub log_origin: Option<String>,
    /// Serve GET /metrics without a token (otherwise it needs a reader token, like any
    /// read). Expose it only where scrapers alone can reach it. [default: false]
    #[arg(long, env = "CAIRN_METRICS_PUBLIC", global = true)]
    pub metrics_public: Option<bool>,
    /// PEM certificate chain (leaf first): serve HTTPS instead of HTTP. Needs --tls-key.
    #[arg(long, env = "CAIRN_TLS_CERT", global = true)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert. Needs --tls-cert.
    #[arg(long, env = "CAIRN_TLS_KEY", global = true)]
    pub tls_key: Option<PathBuf>,
    /// Also append one JSON line per accepted write (the cairn::audit events) to this file,
    /// created with mode 0600. [default: none; the events are always in the log]
    #[arg(long, env = "CAIRN_AUDIT_LOG", global = true)]
    pub audit_log: Option<PathBuf>,
    /// Maximum body of POST /v1/attestations in bytes. [default: 4194304]
    #[arg(long, env = "CAIRN_MAX_ATTESTATION_BYTES", global = true)]
    pub max_attestation_bytes: Option<usize>,
    #[command(subcommand)]
    pub command: Option<ServerCommand>,
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum ServerCommand {
    /// Run the service (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage API tokens directly in the database (e.g. when the admin token is lost).
    #[command(subcommand)]
    Token(TokenCommand),
    /// Transparency-log maintenance.
    #[command(subcommand)]
    Log(LogCommand),
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum LogCommand {
    /// Self-check: recompute every leaf and subtree hash from the stored data and compare the
    /// log with the attestations and keys it covers. Exit 1 on any inconsistency.
    Verify,
}

#[derive(Debug, Clone, PartialEq, Eq, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once on stdout.
    Create {
        /// reader, auditor, writer or admin.
        #[arg(long)]
        role: String,
        /// Unique name, recorded as the actor of every write made with the token.
        #[arg(long)]
        name: String,
        /// Expiry: RFC 3339 time or a duration such as 90d, 12h, 30m.
        #[arg(long)]
        expires: Option<String>,
        /// Writers only: an image-name prefix the token may push for (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
}

impl ServerArgs {
    /// Layer flags/env over the file over the defaults, and validate.
    pub fn resolve(&self) -> Result<Settings, SettingsError> {
        let file = match &self.config {
            Some(path) => FileSettings::load(path)?,
            None => FileSettings::default(),
        };
        let data_dir = self
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(Settings::DEFAULT_DATA_DIR));
        let database = match self.database_url.clone().or(file.database_url) {
            Some(url) => url.parse()?,
            None => DatabaseUrl::sqlite_in(&data_dir),
        };
        let listen = match self.listen.or(file.listen) {
            Some(addr) => addr,
            None => Settings::DEFAULT_LISTEN
                .parse()
                .map_err(|_| SettingsError::Invalid("default listen address".into()))?,
        };
        let defaults = Limits::default();
        let attestation_body_bytes = self
            .max_attestation_bytes
            .or(file.limits.attestation_body_bytes)
            .unwrap_or(defaults.attestation_body_bytes);
        if attestation_body_bytes < 1024 {
            return Err(SettingsError::Invalid(
                "max-attestation-bytes must be at least 1024".into(),
            ));
        }
        let max_db_connections = self
            .max_db_connections
            .or(file.max_db_connections)
            .unwrap_or(16);
        if max_db_connections == 0 {
            return Err(SettingsError::Invalid(
                "max-db-connections must be at least 1".into(),
            ));
        }
        let tls = match (
            self.tls_cert.clone().or(file.tls_cert),
            self.tls_key.clone().or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(crate::tls::TlsSettings { cert, key }),
            (None, None) => None,
            _ => {
                return Err(SettingsError::Invalid(
                    "tls-cert and tls-key go together: give both or neither".into(),
                ));
            }
        };
        let log_key_file = self
            .log_key_file
            .clone()
            .or(file.log_key_file)
            .unwrap_or_else(|| data_dir.join("log.key"));
        let vsa_key_file = self
            .vsa_key_file
            .clone()
            .or(file.vsa_key_file)
            .unwrap_or_else(|| data_dir.join("vsa.key"));
        Ok(Settings {
            listen,
            vsa_key_file,
            data_dir,
            database,
            limits: Limits {
                attestation_body_bytes,
                ..defaults
            },
            log_format: self.log_format.or(file.log_format).unwrap_or_default(),
            migrate_on_start: self
                .migrate_on_start
                .or(file.migrate_on_start)
                .unwrap_or(true),
            workers: self.workers.or(file.workers).unwrap_or(0),
            max_db_connections,
            log_key_file,
            log_origin: self
                .log_origin
                .clone()
                .or(file.log_origin)
                .unwrap_or_else(|| Settings::DEFAULT_LOG_ORIGIN.to_owned()),
            tls,
            audit_log: self.audit_log.clone().or(file.audit_log),
            auth: crate::auth::AuthSettings {
                allow_anonymous_reads: self
                    .allow_anonymous_reads
                    .or(file.allow_anonymous_reads)
                    .unwrap_or(false),
                metrics_public: self.metrics_public.or(file.metrics_public).unwrap_or(false),
            },
        })
    }
}

#[cfg(test)]
mod layering_tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn defaults_give_a_zero_config_start() {
        let s = ServerArgs::parse_from(["cairn-server"]).resolve().unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database, DatabaseUrl::sqlite_in(Path::new("cairn-data")));
        assert!(s.migrate_on_start);
    }

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cairn.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndata-dir = \"/srv/cairn\"\n",
        )
        .unwrap();
        let file_only =
            ServerArgs::parse_from(["cairn-server", "--config", path.to_str().unwrap()])
                .resolve()
                .unwrap();
        assert_eq!(file_only.listen.port(), 9000);
        assert_eq!(
            file_only.database,
            DatabaseUrl::sqlite_in(Path::new("/srv/cairn"))
        );
        let flag = ServerArgs::parse_from([
            "cairn-server",
            "--config",
            path.to_str().unwrap(),
            "--listen",
            "127.0.0.1:9001",
        ])
        .resolve()
        .unwrap();
        assert_eq!(flag.listen.port(), 9001);
    }

    #[test]
    fn tls_needs_both_files_and_ops_settings_layer() {
        assert!(
            ServerArgs::parse_from(["cairn-server", "--tls-cert", "c.pem"])
                .resolve()
                .is_err()
        );
        assert!(
            ServerArgs::parse_from(["cairn-server", "--tls-key", "k.pem"])
                .resolve()
                .is_err()
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cairn.toml");
        std::fs::write(
            &path,
            "tls-cert = \"c.pem\"\ntls-key = \"k.pem\"\nmetrics-public = true\naudit-log = \"a.jsonl\"\n",
        )
        .unwrap();
        let s = ServerArgs::parse_from(["cairn-server", "--config", path.to_str().unwrap()])
            .resolve()
            .unwrap();
        assert_eq!(
            s.tls,
            Some(crate::tls::TlsSettings {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
        assert!(s.auth.metrics_public);
        assert_eq!(s.audit_log, Some(PathBuf::from("a.jsonl")));
        let flag = ServerArgs::parse_from([
            "cairn-server",
            "--config",
            path.to_str().unwrap(),
            "--metrics-public",
            "false",
        ])
        .resolve()
        .unwrap();
        assert!(!flag.auth.metrics_public);
        let defaults = ServerArgs::parse_from(["cairn-server"]).resolve().unwrap();
        assert_eq!(defaults.tls, None);
        assert_eq!(defaults.audit_log, None);
        assert!(!defaults.auth.metrics_public);
    }

    #[test]
    fn rejects_bad_database_urls_and_limits() {
        assert!(
            ServerArgs::parse_from(["cairn-server", "--database-url", "mysql://x/y"])
                .resolve()
                .is_err()
        );
        assert!(
            ServerArgs::parse_from(["cairn-server", "--max-attestation-bytes", "10"])
                .resolve()
                .is_err()
        );
    }
}

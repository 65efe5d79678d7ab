//! Cairn's persistence. Every SQL statement of the project lives in this crate, written once for
//! SQLite and PostgreSQL through sqlx's `Any` driver (`$n` placeholders, BIGINT unix-millisecond
//! times, INTEGER booleans, TEXT JSON), one module per aggregate. Functions take and return
//! `cairn-core` types, never rows.
//!
//! Durability: on SQLite the database runs in WAL mode with `synchronous=NORMAL`, so a committed
//! transaction survives a crash of the process (`kill -9`); writes go through a single-connection
//! pool so concurrent writers queue fairly instead of spinning on `SQLITE_BUSY`, and attestation
//! uploads are group-committed by one writer task (see `writer`).
#![forbid(unsafe_code)]

mod artifacts;
mod attestations;
mod database_url;
mod keys;
mod log;
mod migrate;
mod page;
mod policies;
pub mod provision;
mod sboms;
mod tokens;
mod trust_roots;
mod writer;

pub use artifacts::ArtifactSummary;
pub use attestations::{
    AttestationFilter, AttestationRecord, AttestationSummary, StoredAttestation,
};
pub use database_url::{Backend, DatabaseUrl, DatabaseUrlError};
pub use keys::{KeyStatus, NewKey, RegisteredKey, Revocation, RevocationReason};
pub use log::{Actor, EntryKind, LogAudit, LogEntry, LogIdentity, LogPosition, NewEntry};
pub use page::{Cursor, Page, PageRequest};
pub use policies::{AttestationEvidenceRow, PolicyRecord};
pub use sboms::{ComponentFilter, ComponentHit, ComponentRecord, NewSbom, SbomRecord, StoredSbom};
pub use tokens::{NewToken, TokenRecord};
pub use trust_roots::{TrustRoot, TrustRootKind};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        version: i64,
        name: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("the database writer has stopped")]
    WriterStopped,
    #[error("key {keyid} is already revoked as {existing}; a compromised key is never relaxed")]
    RevocationConflict { keyid: String, existing: String },
    #[error("keyid {keyid} is already registered under the name {existing:?}")]
    KeyNameConflict { keyid: String, existing: String },
    #[error("a token named {name:?} already exists (names are never reused)")]
    TokenNameConflict { name: String },
    #[error("a different trust root is already registered under the name {name:?}")]
    TrustRootNameConflict { name: String },
    #[error("{detail}")]
    LogRange { detail: String },
    #[error(
        "this database's transparency log is signed by {stored:?}, but the configured log key is \
         {configured:?}: start every replica with the same log key file (see docs/operations.md)"
    )]
    LogIdentityMismatch { stored: String, configured: String },
}

impl StoreError {
    pub fn code(&self) -> cairn_core::Code {
        match self {
            StoreError::Database(e) if is_unavailable(e) => cairn_core::Code::Unavailable,
            StoreError::WriterStopped => cairn_core::Code::Unavailable,
            StoreError::Database(_)
            | StoreError::Migration { .. }
            | StoreError::Corrupt(_)
            | StoreError::LogIdentityMismatch { .. } => cairn_core::Code::Internal,
            StoreError::LogRange { .. } => cairn_core::Code::InvalidRequest,
            StoreError::KeyNameConflict { .. }
            | StoreError::RevocationConflict { .. }
            | StoreError::TokenNameConflict { .. }
            | StoreError::TrustRootNameConflict { .. } => cairn_core::Code::Conflict,
        }
    }
}

fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}

/// Connection settings with sensible defaults.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// A snapshot of one connection pool ([`Store::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// `read`, `write` (SQLite) or `shared` (PostgreSQL).
    pub name: &'static str,
    /// Open connections waiting in the pool.
    pub idle: u32,
    /// Open connections checked out by a query or transaction.
    pub active: u32,
    /// The pool's configured maximum.
    pub max: u32,
}

/// A handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    /// Readers (and, on PostgreSQL, writers too).
    read: AnyPool,
    /// Writers. On SQLite a single connection; on PostgreSQL the same pool as `read`.
    write: AnyPool,
    /// Group-commit writer for attestations (uses `write`).
    writer: writer::Writer,
    backend: Backend,
}

impl Store {
    /// Connect (creating a SQLite file if needed) without migrating.
    pub async fn connect(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let connect = AnyConnectOptions::from_str(&url.connection_string())?;
        let backend = url.backend();
        let pool = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .acquire_timeout(options.acquire_timeout)
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                            )
                            .await?;
                        }
                        Ok(())
                    })
                })
        };
        let (read, write) = match backend {
            Backend::Sqlite => {
                let write = pool(1).connect_with(connect.clone()).await?;
                let read = pool(options.max_connections.max(2))
                    .connect_with(connect)
                    .await?;
                (read, write)
            }
            Backend::Postgres => {
                let p = pool(options.max_connections).connect_with(connect).await?;
                (p.clone(), p)
            }
        };
        Ok(Self {
            writer: writer::Writer::spawn(write.clone(), backend),
            read,
            write,
            backend,
        })
    }

    /// Connect and apply pending migrations.
    pub async fn open(url: &DatabaseUrl, options: &StoreOptions) -> Result<Self, StoreError> {
        let store = Self::connect(url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<Vec<i64>, StoreError> {
        migrate::run(&self.write, self.backend).await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for readiness probes.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Connection counts of each pool, for metrics: on SQLite the `read` pool and the
    /// one-connection `write` pool; on PostgreSQL the one `shared` pool that serves both.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |name: &'static str, pool: &AnyPool| {
            let size = pool.size();
            let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX).min(size);
            PoolStats {
                name,
                idle,
                active: size - idle,
                max: pool.options().get_max_connections(),
            }
        };
        match self.backend {
            Backend::Sqlite => vec![stats("read", &self.read), stats("write", &self.write)],
            Backend::Postgres => vec![stats("shared", &self.read)],
        }
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

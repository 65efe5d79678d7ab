//! Audit events: one structured record per accepted write, for log shippers.
//!
//! Every write already lands in the transparency log; this adds, per write that created a log
//! entry, one `tracing` event with target `cairn::audit` (with `--log-format json`, one JSON line
//! on stderr) and, with `--audit-log FILE`, one JSON line appended to that file (created with
//! mode 0600). Both carry `event`, `actor`, `role`, `request_id`, `log_index`, `content_id` and
//! `subjects`. Handlers report writes through [`AppState::record_write`], which also counts them
//! in `cairn_ingest_total`.

use crate::app::AppState;
use crate::metrics::IngestOutcome;
use cairn_core::attestation::VerifiedAttestation;
use cairn_store::{Actor, EntryKind, LogPosition, RegisteredKey, StoredAttestation, StoredSbom};
use serde::Serialize;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The `tracing` target of audit events (`RUST_LOG=cairn::audit=info` keeps only them).
pub const AUDIT_TARGET: &str = "cairn::audit";

/// One write, as a handler reports it.
#[derive(Debug, Clone)]
pub struct Write {
    pub kind: EntryKind,
    pub actor: Actor,
    /// The new log entry; `None` when nothing new was stored (an idempotent repeat).
    pub log: Option<LogPosition>,
    /// `sha256:…` of the stored bytes, or the keyid for keys.
    pub content_id: String,
    /// Artifact digests the write is about.
    pub subjects: Vec<String>,
}

impl Write {
    /// One stored attestation of an upload.
    pub fn attestation(actor: Actor, stored: &StoredAttestation, v: &VerifiedAttestation) -> Self {
        Self {
            kind: EntryKind::Attestation,
            actor,
            log: stored.created.then(|| stored.log.clone()),
            content_id: stored.id.to_string(),
            subjects: v
                .statement
                .subjects
                .iter()
                .flat_map(|s| s.digests.iter().map(ToString::to_string))
                .collect(),
        }
    }

    /// A raw SBOM upload linked to `subject`.
    pub fn sbom(actor: Actor, stored: &StoredSbom, subject: &cairn_core::Digest) -> Self {
        Self {
            kind: EntryKind::Sbom,
            actor,
            log: stored.created.then(|| stored.log.clone()),
            content_id: stored.id.to_string(),
            subjects: vec![subject.to_string()],
        }
    }

    /// A trust-root registration.
    pub fn trust_root(
        actor: Actor,
        root: &cairn_store::TrustRoot,
        log: Option<&LogPosition>,
    ) -> Self {
        Self {
            kind: EntryKind::TrustRoot,
            actor,
            log: log.cloned(),
            content_id: root.id.to_string(),
            subjects: Vec::new(),
        }
    }

    /// A key registration (`kind` key) or revocation (`kind` key-revocation).
    pub fn key(
        kind: EntryKind,
        actor: Actor,
        key: &RegisteredKey,
        log: Option<&LogPosition>,
    ) -> Self {
        Self {
            kind,
            actor,
            log: log.cloned(),
            content_id: key.keyid.to_string(),
            subjects: Vec::new(),
        }
    }
}

/// The JSON line written to the audit file.
#[derive(Debug, Serialize)]
pub struct AuditRecord<'a> {
    /// RFC 3339, UTC, milliseconds: when the write was logged (the log entry's integrated time).
    pub timestamp: String,
    pub event: &'a str,
    pub actor: &'a str,
    pub role: &'a str,
    pub request_id: Option<&'a str>,
    pub log_index: u64,
    pub content_id: &'a str,
    pub subjects: &'a [String],
}

#[derive(Debug, thiserror::Error)]
#[error("cannot open the audit log {path}: {source}")]
pub struct AuditLogError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Where audit events go besides `tracing`: an optional append-only JSON-lines file.
#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    file: Option<Arc<Mutex<std::fs::File>>>,
}

impl AuditLog {
    /// Open (or create with mode 0600) `path` for appending; `None` writes no file.
    pub fn open(path: Option<&Path>) -> Result<Self, AuditLogError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let mut options = std::fs::OpenOptions::new();
        options.append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|source| AuditLogError {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            file: Some(Arc::new(Mutex::new(file))),
        })
    }

    /// Emit the audit event of a write that created log entry `log`.
    pub fn record(&self, w: &Write, log: &LogPosition) {
        let subjects = w.subjects.join(",");
        tracing::info!(
            target: AUDIT_TARGET,
            event = w.kind.as_str(),
            actor = %w.actor.name,
            role = %w.actor.role,
            request_id = w.actor.request_id.as_deref().unwrap_or(""),
            log_index = log.index,
            content_id = %w.content_id,
            subjects = %subjects,
            "write accepted"
        );
        let Some(file) = &self.file else {
            return;
        };
        let record = AuditRecord {
            timestamp: log.integrated_time.to_rfc3339(),
            event: w.kind.as_str(),
            actor: &w.actor.name,
            role: &w.actor.role,
            request_id: w.actor.request_id.as_deref(),
            log_index: log.index,
            content_id: &w.content_id,
            subjects: &w.subjects,
        };
        let mut line = match serde_json::to_vec(&record) {
            Ok(line) => line,
            Err(e) => {
                tracing::error!(error = %e, "audit log: cannot serialise a record");
                return;
            }
        };
        line.push(b'\n');
        // One write call per line on an O_APPEND file: lines from concurrent workers never
        // interleave. The write is already committed: a failure here is reported, not returned.
        let result = match file.lock() {
            Ok(mut f) => f.write_all(&line),
            Err(poisoned) => poisoned.into_inner().write_all(&line),
        };
        if let Err(e) = result {
            tracing::error!(error = %e, log_index = log.index, "audit log: write failed");
        }
    }
}

impl AppState {
    /// Report a write: counts it in `cairn_ingest_total` (created or duplicate) and, when it
    /// created a log entry, emits its audit event.
    pub fn record_write(&self, w: Write) {
        self.metrics
            .ingest(w.kind, IngestOutcome::of_write(w.log.is_some()));
        if let Some(log) = &w.log {
            self.audit.record(&w, log);
        }
    }
}

//! Policies (versioned documents), the evidence a verdict is computed from, issued VSAs, and
//! the verdict history.

use crate::log::{self, EntryKind, NewEntry};
use crate::{Actor, LogPosition, Store, StoreError};
use cairn_core::Digest;
use cairn_core::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

/// One stored version of a policy.
#[derive(Debug, Clone)]
pub struct PolicyRecord {
    pub name: String,
    pub version: i64,
    pub id: Digest,
    pub document: Vec<u8>,
    pub media_type: String,
    pub created_at: Timestamp,
    pub actor: String,
}

/// An attestation as a verdict needs it: exact bytes (to re-read the Statement), who verified
/// it, and the log's integrated time (what revocation and `maxAge` compare against).
#[derive(Debug, Clone)]
pub struct AttestationEvidenceRow {
    pub id: Digest,
    pub bytes: Vec<u8>,
    pub payload_type: String,
    pub predicate_type: String,
    pub signers: Vec<String>,
    pub integrated_time: Timestamp,
}

fn policy_from_row(row: &AnyRow) -> Result<PolicyRecord, StoreError> {
    let id: String = row.try_get("id")?;
    Ok(PolicyRecord {
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        id: id
            .parse()
            .map_err(|_| StoreError::Corrupt("policies.id".into()))?,
        document: row.try_get("document")?,
        media_type: row.try_get("media_type")?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
        actor: row.try_get("actor")?,
    })
}

const POLICY_COLUMNS: &str = "name, version, id, document, media_type, created_at, actor";

impl Store {
    /// Store a new version of a policy (1 for a new name). Logged in the same transaction.
    pub async fn put_policy(
        &self,
        name: &str,
        document: &[u8],
        media_type: &str,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<(PolicyRecord, LogPosition), StoreError> {
        let id = Digest::sha256_of(document);
        let mut tx = self.write.begin().await?;
        // The log_state lock (taken by the append below, first here) serialises policy writes
        // across replicas, so MAX(version) + 1 cannot race.
        let entry_detail = |version: i64| {
            let mut detail = serde_json::Map::new();
            detail.insert("name".into(), serde_json::json!(name));
            detail.insert("version".into(), serde_json::json!(version));
            detail
        };
        log::lock_state(&mut tx, self.backend).await?;
        let version: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS next FROM policies WHERE name = $1",
        )
        .bind(name)
        .fetch_one(&mut *tx)
        .await?
        .try_get("next")?;
        sqlx::query(
            "INSERT INTO policies (name, version, id, document, media_type, created_at, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(name)
        .bind(version)
        .bind(id.to_string())
        .bind(document)
        .bind(media_type)
        .bind(now.unix_millis())
        .bind(&actor.name)
        .execute(&mut *tx)
        .await?;
        let entry = NewEntry {
            kind: EntryKind::Policy,
            content_id: id.to_string(),
            subjects: Vec::new(),
            detail: entry_detail(version),
        };
        let position = log::append(&mut tx, self.backend, &[(entry, actor)], now)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("policy log append".into()))?;
        tx.commit().await?;
        let record = self
            .policy(name, Some(version))
            .await?
            .ok_or_else(|| StoreError::Corrupt("policy vanished after insert".into()))?;
        Ok((record, position))
    }

    /// A policy version (`None`: the newest).
    pub async fn policy(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<PolicyRecord>, StoreError> {
        let row = match version {
            Some(v) => {
                let sql = format!(
                    "SELECT {POLICY_COLUMNS} FROM policies WHERE name = $1 AND version = $2"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(name)
                    .bind(v)
                    .fetch_optional(&self.read)
                    .await?
            }
            None => {
                let sql = format!(
                    "SELECT {POLICY_COLUMNS} FROM policies WHERE name = $1 ORDER BY version DESC LIMIT 1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(name)
                    .fetch_optional(&self.read)
                    .await?
            }
        };
        row.as_ref().map(policy_from_row).transpose()
    }

    /// The newest version of every policy, by name.
    pub async fn policies(&self) -> Result<Vec<PolicyRecord>, StoreError> {
        let sql = format!(
            "SELECT {POLICY_COLUMNS} FROM policies p WHERE version = \
             (SELECT MAX(version) FROM policies q WHERE q.name = p.name) ORDER BY name"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(policy_from_row)
            .collect()
    }

    /// Every version of one policy, oldest first.
    pub async fn policy_versions(&self, name: &str) -> Result<Vec<PolicyRecord>, StoreError> {
        let sql = format!("SELECT {POLICY_COLUMNS} FROM policies WHERE name = $1 ORDER BY version");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(policy_from_row)
            .collect()
    }

    /// Every attestation about `digest` with its integrated time, newest first (at most `max`).
    pub async fn attestation_evidence(
        &self,
        digest: &Digest,
        max: u32,
    ) -> Result<Vec<AttestationEvidenceRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT a.id, a.envelope, a.payload_type, a.predicate_type, a.signers, \
             (SELECT MIN(l.integrated_time) FROM log_leaves l \
                WHERE l.content_id = a.id AND l.kind = 'attestation') AS integrated_time \
             FROM attestation_subjects s JOIN attestations a ON a.seq = s.attestation_seq \
             WHERE s.digest = $1 ORDER BY a.seq DESC LIMIT $2",
        )
        .bind(digest.to_string())
        .bind(i64::from(max))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|row| {
                let corrupt = |w: &str| StoreError::Corrupt(format!("attestations.{w}"));
                let id: String = row.try_get("id")?;
                let signers: String = row.try_get("signers")?;
                let time: Option<i64> = row.try_get("integrated_time")?;
                Ok(AttestationEvidenceRow {
                    id: id.parse().map_err(|_| corrupt("id"))?,
                    bytes: row.try_get("envelope")?,
                    payload_type: row.try_get("payload_type")?,
                    predicate_type: row.try_get("predicate_type")?,
                    signers: serde_json::from_str(&signers).map_err(|_| corrupt("signers"))?,
                    integrated_time: Timestamp::from_unix_millis(
                        time.ok_or_else(|| corrupt("log entry missing"))?,
                    ),
                })
            })
            .collect()
    }

    /// Whether anything that could change a verdict about `digests` was written after log size
    /// `since`: a leaf about one of them, or a key, revocation, trust-root or policy change.
    pub async fn changed_since(&self, since: u64, digests: &[String]) -> Result<bool, StoreError> {
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let global = sqlx::query(
            "SELECT 1 FROM log_leaves WHERE idx >= $1 AND kind IN \
             ('key', 'key-revocation', 'trust-root', 'policy') LIMIT 1",
        )
        .bind(since)
        .fetch_optional(&self.read)
        .await?;
        if global.is_some() {
            return Ok(true);
        }
        for chunk in digests.chunks(100) {
            let placeholders = (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            // VSAs issued and verdict changes recorded are results, not inputs: they never
            // invalidate a verdict.
            let sql = format!(
                "SELECT 1 FROM log_subjects s JOIN log_leaves l ON l.idx = s.idx \
                 WHERE s.idx >= $1 AND s.digest IN ({placeholders}) \
                 AND l.kind NOT IN ('vsa', 'verdict') LIMIT 1"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since);
            for d in chunk {
                q = q.bind(d.as_str());
            }
            if q.fetch_optional(&self.read).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The artifacts a policy has been applied to (its verdicts), or every artifact when it has
    /// none yet; at most `max`, newest first.
    pub async fn artifacts_for_policy_test(
        &self,
        policy: &str,
        max: u32,
    ) -> Result<Vec<Digest>, StoreError> {
        let mut rows = sqlx::query(
            "SELECT digest FROM verdicts WHERE policy = $1 ORDER BY evaluated_at DESC LIMIT $2",
        )
        .bind(policy)
        .bind(i64::from(max))
        .fetch_all(&self.read)
        .await?;
        if rows.is_empty() {
            rows = sqlx::query("SELECT digest FROM artifacts ORDER BY last_seen DESC LIMIT $1")
                .bind(i64::from(max))
                .fetch_all(&self.read)
                .await?;
        }
        rows.iter()
            .map(|r| {
                let d: String = r.try_get("digest")?;
                d.parse()
                    .map_err(|_| StoreError::Corrupt("artifact digest".into()))
            })
            .collect()
    }

    /// Record an issued VSA (and its log entry, in one transaction).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_vsa(
        &self,
        digest: &Digest,
        policy: &str,
        policy_version: i64,
        verdict: &str,
        envelope: &[u8],
        now: Timestamp,
        actor: &Actor,
    ) -> Result<LogPosition, StoreError> {
        let id = Digest::sha256_of(envelope);
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO vsas (id, digest, policy, policy_version, verdict, envelope, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(digest.to_string())
        .bind(policy)
        .bind(policy_version)
        .bind(verdict)
        .bind(envelope)
        .bind(now.unix_millis())
        .execute(&mut *tx)
        .await?;
        let mut detail = serde_json::Map::new();
        detail.insert("policy".into(), serde_json::json!(policy));
        detail.insert("policyVersion".into(), serde_json::json!(policy_version));
        detail.insert("verdict".into(), serde_json::json!(verdict));
        let entry = NewEntry {
            kind: EntryKind::Vsa,
            content_id: id.to_string(),
            subjects: vec![digest.to_string()],
            detail,
        };
        let position = log::append(&mut tx, self.backend, &[(entry, actor)], now)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("vsa log append".into()))?;
        tx.commit().await?;
        Ok(position)
    }

    /// Remember the verdict of (digest, policy); when it differs from the last one recorded, the
    /// change is appended to the log (and so to the digest's history). Returns whether it changed.
    pub async fn record_verdict(
        &self,
        digest: &Digest,
        policy: &str,
        policy_version: i64,
        verdict: &str,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let key = digest.to_string();
        let previous = sqlx::query(
            "SELECT policy_version, verdict FROM verdicts WHERE digest = $1 AND policy = $2",
        )
        .bind(&key)
        .bind(policy)
        .fetch_optional(&self.read)
        .await?;
        let unchanged = match &previous {
            Some(row) => {
                row.try_get::<String, _>("verdict")? == verdict
                    && row.try_get::<i64, _>("policy_version")? == policy_version
            }
            None => false,
        };
        if unchanged {
            return Ok(false);
        }
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO verdicts (digest, policy, policy_version, verdict, evaluated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (digest, policy) DO UPDATE SET \
             policy_version = excluded.policy_version, verdict = excluded.verdict, \
             evaluated_at = excluded.evaluated_at",
        )
        .bind(&key)
        .bind(policy)
        .bind(policy_version)
        .bind(verdict)
        .bind(now.unix_millis())
        .execute(&mut *tx)
        .await?;
        let mut detail = serde_json::Map::new();
        detail.insert("policy".into(), serde_json::json!(policy));
        detail.insert("policyVersion".into(), serde_json::json!(policy_version));
        detail.insert("verdict".into(), serde_json::json!(verdict));
        if let Some(row) = &previous {
            detail.insert(
                "previousVerdict".into(),
                serde_json::json!(row.try_get::<String, _>("verdict")?),
            );
        }
        let entry = NewEntry {
            kind: EntryKind::Verdict,
            content_id: format!("{policy}@{policy_version}"),
            subjects: vec![key],
            detail,
        };
        log::append(&mut tx, self.backend, &[(entry, actor)], now).await?;
        tx.commit().await?;
        Ok(true)
    }
}

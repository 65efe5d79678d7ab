//! Attestations: exact envelope bytes under their content id, indexed by every subject digest.

use crate::page::{Cursor, Page, PageRequest};
use crate::{Store, StoreError};
use cairn_core::Digest;
use cairn_core::attestation::VerifiedAttestation;
use cairn_core::keys::KeyId;
use cairn_core::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Result of storing one attestation.
#[derive(Debug, Clone)]
pub struct StoredAttestation {
    pub id: Digest,
    /// False when identical bytes were already stored (idempotent re-post).
    pub created: bool,
    pub received_at: Timestamp,
    /// Where the write is in the transparency log (for a re-post: the original entry).
    pub log: crate::LogPosition,
}

/// What listings show about an attestation.
#[derive(Debug, Clone)]
pub struct AttestationSummary {
    pub id: Digest,
    pub payload_type: String,
    pub statement_type: String,
    pub predicate_type: String,
    /// keyids of registered keys, and certificate identities (`keyless <issuer> <san>`,
    /// `x509 <subject>`), that verified it.
    pub signers: Vec<String>,
    pub received_at: Timestamp,
    pub size: i64,
}

/// An attestation with its exact bytes and subjects.
#[derive(Debug, Clone)]
pub struct AttestationRecord {
    pub summary: AttestationSummary,
    pub envelope: Vec<u8>,
    /// (name, digest) of every indexed subject.
    pub subjects: Vec<(String, Digest)>,
}

#[derive(Debug, Clone, Default)]
pub struct AttestationFilter {
    pub predicate_type: Option<String>,
    pub signer: Option<KeyId>,
}

const SUMMARY_COLUMNS: &str = "a.seq, a.id, a.payload_type, a.statement_type, a.predicate_type, a.signers, a.received_at, a.size";

fn summary_from_row(row: &AnyRow) -> Result<AttestationSummary, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("attestations.{what}"));
    let id: String = row.try_get("id")?;
    let signers: String = row.try_get("signers")?;
    Ok(AttestationSummary {
        id: id.parse().map_err(|_| corrupt("id"))?,
        payload_type: row.try_get("payload_type")?,
        statement_type: row.try_get("statement_type")?,
        predicate_type: row.try_get("predicate_type")?,
        signers: serde_json::from_str(&signers).map_err(|_| corrupt("signers"))?,
        received_at: Timestamp::from_unix_millis(row.try_get("received_at")?),
        size: row.try_get("size")?,
    })
}

impl Store {
    /// Store verified attestations in one transaction: all or nothing. Identical bytes already
    /// stored are not stored again (same id, `created == false`).
    ///
    /// Writes go through the store's group-commit writer (see [`crate::writer`]): concurrent
    /// uploads are committed together, each keeping its own all-or-nothing outcome.
    pub async fn insert_attestations(
        &self,
        attestations: &[VerifiedAttestation],
        now: Timestamp,
        actor: &crate::Actor,
    ) -> Result<Vec<StoredAttestation>, StoreError> {
        self.writer
            .submit(attestations.to_vec(), now, actor.clone())
            .await
    }

    /// One attestation with its exact bytes.
    pub async fn attestation(&self, id: &Digest) -> Result<Option<AttestationRecord>, StoreError> {
        let sql =
            format!("SELECT {SUMMARY_COLUMNS}, a.envelope FROM attestations a WHERE a.id = $1");
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await?
        else {
            return Ok(None);
        };
        let summary = summary_from_row(&row)?;
        let seq: i64 = row.try_get("seq")?;
        let envelope: Vec<u8> = row.try_get("envelope")?;
        let subjects = sqlx::query(
            "SELECT name, digest FROM attestation_subjects WHERE attestation_seq = $1 ORDER BY digest",
        )
        .bind(seq)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| {
            let digest: String = r.try_get("digest")?;
            let digest = digest
                .parse()
                .map_err(|_| StoreError::Corrupt("attestation_subjects.digest".into()))?;
            Ok((r.try_get("name")?, digest))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(AttestationRecord {
            summary,
            envelope,
            subjects,
        }))
    }

    /// Attestations about `digest`, newest first.
    pub async fn attestations_for(
        &self,
        digest: &Digest,
        filter: &AttestationFilter,
        page: PageRequest,
    ) -> Result<Page<AttestationSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM attestation_subjects s \
             JOIN attestations a ON a.seq = s.attestation_seq \
             WHERE s.digest = $1 \
               AND ($2 IS NULL OR s.predicate_type = $2) \
               AND ($3 IS NULL OR EXISTS (SELECT 1 FROM attestation_signers g \
                                         WHERE g.attestation_seq = s.attestation_seq AND g.keyid = $3)) \
               AND s.attestation_seq < $4 \
             ORDER BY s.attestation_seq DESC LIMIT $5"
        );
        let limit = i64::from(page.limit);
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(digest.to_string())
            .bind(filter.predicate_type.as_deref())
            .bind(filter.signer.as_ref().map(KeyId::as_str))
            .bind(page.after.map_or(i64::MAX, |c| c.0))
            .bind(limit + 1)
            .fetch_all(&self.read)
            .await?;
        let has_more = rows.len() > page.limit as usize;
        let mut items = Vec::with_capacity(rows.len().min(page.limit as usize));
        let mut last_seq = None;
        for row in rows.iter().take(page.limit as usize) {
            items.push(summary_from_row(row)?);
            last_seq = Some(row.try_get::<i64, _>("seq")?);
        }
        Ok(Page {
            items,
            next: if has_more { last_seq.map(Cursor) } else { None },
        })
    }
}

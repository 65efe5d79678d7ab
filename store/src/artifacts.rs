//! Artifacts: every digest some stored attestation is about.

use crate::{Store, StoreError};
use cairn_core::Digest;
use cairn_core::time::Timestamp;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct ArtifactSummary {
    pub digest: Digest,
    pub names: Vec<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// (predicate type, count), sorted by predicate type.
    pub attestations_by_type: Vec<(String, i64)>,
}

impl Store {
    /// Whether any stored attestation is about `digest` (one indexed lookup).
    pub async fn artifact_exists(&self, digest: &Digest) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT 1 FROM artifacts WHERE digest = $1")
            .bind(digest.to_string())
            .fetch_optional(&self.read)
            .await?
            .is_some())
    }

    pub async fn artifact(&self, digest: &Digest) -> Result<Option<ArtifactSummary>, StoreError> {
        let key = digest.to_string();
        let Some(row) =
            sqlx::query("SELECT first_seen, last_seen FROM artifacts WHERE digest = $1")
                .bind(&key)
                .fetch_optional(&self.read)
                .await?
        else {
            return Ok(None);
        };
        let names = sqlx::query("SELECT name FROM artifact_names WHERE digest = $1 ORDER BY name")
            .bind(&key)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?;
        let attestations_by_type = sqlx::query(
            "SELECT predicate_type, COUNT(*) AS n FROM attestation_subjects WHERE digest = $1 \
             GROUP BY predicate_type ORDER BY predicate_type",
        )
        .bind(&key)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok(Some(ArtifactSummary {
            digest: digest.clone(),
            names,
            first_seen: Timestamp::from_unix_millis(row.try_get("first_seen")?),
            last_seen: Timestamp::from_unix_millis(row.try_get("last_seen")?),
            attestations_by_type,
        }))
    }
}

//! Trust roots: Sigstore trusted roots and X.509 CA bundles, exact bytes, logged on change.

use crate::log::{self, EntryKind, NewEntry};
use crate::{Actor, LogPosition, Store, StoreError};
use cairn_core::Digest;
use cairn_core::time::Timestamp;
use sqlx::Row;

/// What a trust root holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustRootKind {
    /// A Sigstore `trusted_root.json` (Fulcio CAs, Rekor and CT log keys, TSAs).
    Sigstore,
    /// A PEM bundle of X.509 CA certificates (enterprise PKI).
    X509,
}

impl TrustRootKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            TrustRootKind::Sigstore => "sigstore",
            TrustRootKind::X509 => "x509",
        }
    }
}

impl std::str::FromStr for TrustRootKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "sigstore" => Ok(TrustRootKind::Sigstore),
            "x509" => Ok(TrustRootKind::X509),
            other => Err(format!(
                "trust root kind must be sigstore or x509, not {:?}",
                cairn_core::code::excerpt(other, 40)
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TrustRoot {
    pub id: Digest,
    pub name: String,
    pub kind: TrustRootKind,
    pub document: Vec<u8>,
    pub created_at: Timestamp,
}

impl Store {
    /// Register a trust root under a unique name. The same document under the same name again
    /// is a no-op (no log entry); another document under a taken name is a conflict.
    pub async fn insert_trust_root(
        &self,
        name: &str,
        kind: TrustRootKind,
        document: &[u8],
        now: Timestamp,
        actor: &Actor,
    ) -> Result<(TrustRoot, Option<LogPosition>), StoreError> {
        let id = Digest::sha256_of(document);
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO trust_roots (id, name, kind, document, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id.to_string())
        .bind(name)
        .bind(kind.as_str())
        .bind(document)
        .bind(now.unix_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let position = if inserted {
            let mut detail = serde_json::Map::new();
            detail.insert("name".into(), serde_json::json!(name));
            detail.insert("trustRootKind".into(), serde_json::json!(kind.as_str()));
            let entry = NewEntry {
                kind: EntryKind::TrustRoot,
                content_id: id.to_string(),
                subjects: Vec::new(),
                detail,
            };
            log::append(&mut tx, self.backend, &[(entry, actor)], now)
                .await?
                .pop()
        } else {
            None
        };
        tx.commit().await?;
        let stored = self
            .trust_roots()
            .await?
            .into_iter()
            .find(|r| r.name == name)
            .ok_or_else(|| StoreError::Corrupt("trust root vanished after insert".into()))?;
        if stored.id != id {
            return Err(StoreError::TrustRootNameConflict {
                name: name.to_owned(),
            });
        }
        Ok((stored, position))
    }

    /// Every trust root, oldest first.
    pub async fn trust_roots(&self) -> Result<Vec<TrustRoot>, StoreError> {
        sqlx::query(
            "SELECT id, name, kind, document, created_at FROM trust_roots ORDER BY created_at, name",
        )
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|row| {
            let corrupt = |w: &str| StoreError::Corrupt(format!("trust_roots.{w}"));
            let id: String = row.try_get("id")?;
            let kind: String = row.try_get("kind")?;
            Ok(TrustRoot {
                id: id.parse().map_err(|_| corrupt("id"))?,
                name: row.try_get("name")?,
                kind: kind.parse().map_err(|_| corrupt("kind"))?,
                document: row.try_get("document")?,
                created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
            })
        })
        .collect()
    }
}

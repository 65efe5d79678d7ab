//! Signer keys: registration, listing, and the active set used to verify signatures.

use crate::{Actor, EntryKind, LogPosition, NewEntry, Store, StoreError};
use cairn_core::keys::{KeyAlgorithm, KeyId, PublicKey};
use cairn_core::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct NewKey {
    pub name: String,
    pub public_key: PublicKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    Revoked,
}

impl KeyStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Revoked => "revoked",
        }
    }
}

/// Why a key was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationReason {
    /// Rotated out: what it signed before the revocation stays trusted.
    Superseded,
    /// Compromised: nothing it signed from `compromised_since` on (or ever, without it) is trusted.
    Compromised,
}

impl RevocationReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Superseded => "superseded",
            RevocationReason::Compromised => "compromised",
        }
    }
}

impl std::str::FromStr for RevocationReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "superseded" => Ok(RevocationReason::Superseded),
            "compromised" => Ok(RevocationReason::Compromised),
            other => Err(format!(
                "revocation reason must be superseded or compromised, not {:?}",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub revoked_at: Timestamp,
    pub reason: RevocationReason,
    pub compromised_since: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct RegisteredKey {
    pub keyid: KeyId,
    pub name: String,
    pub algorithm: KeyAlgorithm,
    pub public_key: PublicKey,
    pub created_at: Timestamp,
    pub revocation: Option<Revocation>,
}

impl RegisteredKey {
    pub fn status(&self) -> KeyStatus {
        if self.revocation.is_some() {
            KeyStatus::Revoked
        } else {
            KeyStatus::Active
        }
    }
}

const KEY_COLUMNS: &str = "keyid, name, algorithm, public_key_pem, created_at, revoked_at, \
                           revocation_reason, compromised_since";

fn key_from_row(row: &AnyRow) -> Result<RegisteredKey, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("keys.{what}"));
    let keyid: String = row.try_get("keyid")?;
    let pem: String = row.try_get("public_key_pem")?;
    let algorithm: String = row.try_get("algorithm")?;
    let public_key = PublicKey::from_pem(pem.as_bytes()).map_err(|_| corrupt("public_key_pem"))?;
    let keyid: KeyId = keyid.parse().map_err(|_| corrupt("keyid"))?;
    if &keyid != public_key.keyid() {
        return Err(corrupt("keyid does not match the public key"));
    }
    Ok(RegisteredKey {
        keyid,
        name: row.try_get("name")?,
        algorithm: algorithm.parse().map_err(|_| corrupt("algorithm"))?,
        public_key,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
        revocation: match row.try_get::<Option<i64>, _>("revoked_at")? {
            None => None,
            Some(at) => {
                let reason: Option<String> = row.try_get("revocation_reason")?;
                Some(Revocation {
                    revoked_at: Timestamp::from_unix_millis(at),
                    reason: reason
                        .as_deref()
                        .unwrap_or("")
                        .parse()
                        .map_err(|_| corrupt("revocation_reason"))?,
                    compromised_since: row
                        .try_get::<Option<i64>, _>("compromised_since")?
                        .map(Timestamp::from_unix_millis),
                })
            }
        },
    })
}

impl Store {
    /// Register a key. Registering the same key under the same name again is a no-op
    /// (`created == false`); under another name it is a conflict.
    pub async fn register_key(
        &self,
        key: &NewKey,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<(RegisteredKey, Option<LogPosition>), StoreError> {
        let keyid = key.public_key.keyid();
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO keys (keyid, name, algorithm, public_key_pem, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (keyid) DO NOTHING",
        )
        .bind(keyid.as_str())
        .bind(key.name.as_str())
        .bind(key.public_key.algorithm().as_str())
        .bind(key.public_key.to_pem())
        .bind(now.unix_millis())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let position = if inserted {
            let mut detail = serde_json::Map::new();
            detail.insert("name".into(), serde_json::json!(key.name));
            detail.insert(
                "algorithm".into(),
                serde_json::json!(key.public_key.algorithm().as_str()),
            );
            let entry = NewEntry {
                kind: EntryKind::Key,
                content_id: keyid.to_string(),
                subjects: Vec::new(),
                detail,
            };
            crate::log::append(&mut tx, self.backend, &[(entry, actor)], now)
                .await?
                .pop()
        } else {
            None
        };
        tx.commit().await?;
        let stored = self
            .key(keyid)
            .await?
            .ok_or_else(|| StoreError::Corrupt("key vanished after insert".into()))?;
        if !inserted && stored.name != key.name {
            return Err(StoreError::KeyNameConflict {
                keyid: keyid.to_string(),
                existing: stored.name,
            });
        }
        Ok((stored, position))
    }

    pub async fn key(&self, keyid: &KeyId) -> Result<Option<RegisteredKey>, StoreError> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM keys WHERE keyid = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(keyid.as_str())
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(key_from_row)
            .transpose()
    }

    /// Revoke a key. Revoking again with the same details is a no-op; a superseded key may
    /// later be declared compromised (stricter), but a compromised key is never relaxed.
    /// Returns `None` when the key is unknown.
    pub async fn revoke_key(
        &self,
        keyid: &KeyId,
        reason: RevocationReason,
        compromised_since: Option<Timestamp>,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<Option<(RegisteredKey, Option<LogPosition>)>, StoreError> {
        let Some(key) = self.key(keyid).await? else {
            return Ok(None);
        };
        let wanted = Revocation {
            revoked_at: now,
            reason,
            compromised_since,
        };
        match &key.revocation {
            Some(r) if r.reason == reason && r.compromised_since == compromised_since => {
                return Ok(Some((key, None)));
            }
            Some(r) if r.reason == RevocationReason::Compromised => {
                return Err(StoreError::RevocationConflict {
                    keyid: keyid.to_string(),
                    existing: format!(
                        "compromised{}",
                        r.compromised_since
                            .map(|t| format!(" since {t}"))
                            .unwrap_or_default()
                    ),
                });
            }
            _ => {}
        }
        // A superseded key keeps its original revocation time when it is later found compromised.
        let revoked_at = key
            .revocation
            .as_ref()
            .map_or(wanted.revoked_at, |r| r.revoked_at);
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE keys SET revoked_at = $1, revocation_reason = $2, compromised_since = $3 \
             WHERE keyid = $4",
        )
        .bind(revoked_at.unix_millis())
        .bind(reason.as_str())
        .bind(compromised_since.map(Timestamp::unix_millis))
        .bind(keyid.as_str())
        .execute(&mut *tx)
        .await?;
        let mut detail = serde_json::Map::new();
        detail.insert("reason".into(), serde_json::json!(reason.as_str()));
        if let Some(since) = compromised_since {
            detail.insert(
                "compromisedSince".into(),
                serde_json::json!(since.unix_millis()),
            );
        }
        let entry = NewEntry {
            kind: EntryKind::KeyRevocation,
            content_id: keyid.to_string(),
            subjects: Vec::new(),
            detail,
        };
        let position = crate::log::append(&mut tx, self.backend, &[(entry, actor)], now)
            .await?
            .pop();
        tx.commit().await?;
        Ok(self.key(keyid).await?.map(|k| (k, position)))
    }

    /// Every key, oldest first.
    pub async fn keys(&self) -> Result<Vec<RegisteredKey>, StoreError> {
        self.keys_where("TRUE").await
    }

    /// Keys that may verify new attestations.
    pub async fn active_keys(&self) -> Result<Vec<RegisteredKey>, StoreError> {
        self.keys_where("revoked_at IS NULL").await
    }

    /// `condition` is a constant SQL predicate, never input.
    async fn keys_where(&self, condition: &'static str) -> Result<Vec<RegisteredKey>, StoreError> {
        let sql =
            format!("SELECT {KEY_COLUMNS} FROM keys WHERE {condition} ORDER BY created_at, keyid");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(key_from_row)
            .collect()
    }
}

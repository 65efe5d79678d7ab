//! Signer keys: registration, listing, and the active set used to verify signatures.

use crate::{Store, StoreError};
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

#[derive(Debug, Clone)]
pub struct RegisteredKey {
    pub keyid: KeyId,
    pub name: String,
    pub algorithm: KeyAlgorithm,
    pub public_key: PublicKey,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl RegisteredKey {
    pub fn status(&self) -> KeyStatus {
        if self.revoked_at.is_some() {
            KeyStatus::Revoked
        } else {
            KeyStatus::Active
        }
    }
}

const KEY_COLUMNS: &str = "keyid, name, algorithm, public_key_pem, created_at, revoked_at";

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
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(Timestamp::from_unix_millis),
    })
}

impl Store {
    /// Register a key. Registering the same key under the same name again is a no-op
    /// (`created == false`); under another name it is a conflict.
    pub async fn register_key(
        &self,
        key: &NewKey,
        now: Timestamp,
    ) -> Result<(RegisteredKey, bool), StoreError> {
        let keyid = key.public_key.keyid();
        let inserted = sqlx::query(
            "INSERT INTO keys (keyid, name, algorithm, public_key_pem, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (keyid) DO NOTHING",
        )
        .bind(keyid.as_str())
        .bind(key.name.as_str())
        .bind(key.public_key.algorithm().as_str())
        .bind(key.public_key.to_pem())
        .bind(now.unix_millis())
        .execute(&self.write)
        .await?
        .rows_affected()
            == 1;
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
        Ok((stored, inserted))
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

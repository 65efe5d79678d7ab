//! API tokens: only the verifier (SHA-256 of the secret) is stored; the id is public.

use crate::{Store, StoreError};
use cairn_core::access::{Role, Scope};
use cairn_core::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A token to store. The caller generated the secret and keeps it only long enough to show it.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub verifier: [u8; 32],
    pub scopes: Vec<Scope>,
    pub created_by: String,
    pub expires_at: Option<Timestamp>,
}

/// A stored token (never the secret).
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub verifier: Vec<u8>,
    pub scopes: Vec<Scope>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl TokenRecord {
    /// Usable at `now`: neither revoked nor expired.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

const COLUMNS: &str =
    "id, name, role, verifier, scopes, created_at, created_by, expires_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<TokenRecord, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("tokens.{what}"));
    let role: String = row.try_get("role")?;
    let scopes: String = row.try_get("scopes")?;
    let scopes: Vec<String> = serde_json::from_str(&scopes).map_err(|_| corrupt("scopes"))?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role.parse().map_err(|_| corrupt("role"))?,
        verifier: row.try_get("verifier")?,
        scopes: scopes
            .iter()
            .map(|s| s.parse().map_err(|_| corrupt("scopes")))
            .collect::<Result<_, _>>()?,
        created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
        created_by: row.try_get("created_by")?,
        expires_at: row
            .try_get::<Option<i64>, _>("expires_at")?
            .map(Timestamp::from_unix_millis),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(Timestamp::from_unix_millis),
    })
}

impl Store {
    /// Store a new token. A name already used (even by a revoked token) is a conflict.
    pub async fn create_token(
        &self,
        token: &NewToken,
        now: Timestamp,
    ) -> Result<TokenRecord, StoreError> {
        let inserted = self.insert_token(token, now, false).await?;
        if !inserted {
            return Err(StoreError::TokenNameConflict {
                name: token.name.clone(),
            });
        }
        self.token(&token.id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("token vanished after insert".into()))
    }

    /// Store `token` only if no token exists at all (first start). Returns whether it was
    /// stored; replicas starting together race safely (the name is unique).
    pub async fn create_first_token(
        &self,
        token: &NewToken,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.insert_token(token, now, true).await
    }

    async fn insert_token(
        &self,
        token: &NewToken,
        now: Timestamp,
        only_if_empty: bool,
    ) -> Result<bool, StoreError> {
        let scopes =
            serde_json::to_string(&token.scopes.iter().map(Scope::as_str).collect::<Vec<_>>())
                .map_err(|e| StoreError::Corrupt(format!("scopes: {e}")))?;
        let guard = if only_if_empty {
            "WHERE NOT EXISTS (SELECT 1 FROM tokens)"
        } else {
            // SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT.
            "WHERE TRUE"
        };
        let sql = format!(
            "INSERT INTO tokens ({COLUMNS}) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, NULL {guard} \
             ON CONFLICT DO NOTHING"
        );
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token.id.as_str())
            .bind(token.name.as_str())
            .bind(token.role.as_str())
            .bind(token.verifier.to_vec())
            .bind(scopes)
            .bind(now.unix_millis())
            .bind(token.created_by.as_str())
            .bind(token.expires_at.map(Timestamp::unix_millis))
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM tokens WHERE id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    /// Every token (revoked and expired ones too), oldest first.
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM tokens ORDER BY created_at, id");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    /// Revoke a token (idempotent: the first revocation time is kept). `None` if unknown.
    pub async fn revoke_token(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<TokenRecord>, StoreError> {
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now.unix_millis())
            .bind(id)
            .execute(&self.write)
            .await?;
        self.token(id).await
    }
}

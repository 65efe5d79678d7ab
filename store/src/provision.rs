//! Creating and dropping PostgreSQL databases (used by operators' tooling and by tests that
//! need a fresh database each).

use crate::{DatabaseUrl, StoreError};
use sqlx::AnyConnection;
use sqlx::Connection;

/// A database name is created from code only if it is a plain identifier.
fn is_plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
}

/// Create database `name` on the server of `server` (a PostgreSQL URL); returns its URL.
pub async fn create_postgres_database(
    server: &DatabaseUrl,
    name: &str,
) -> Result<DatabaseUrl, StoreError> {
    if !is_plain_identifier(name) {
        return Err(StoreError::Corrupt(format!(
            "refusing database name {name:?}"
        )));
    }
    let target = server
        .with_database(name)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(&server.connection_string()).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(target)
}

/// Drop database `name` (if it exists) on the server of `server`.
pub async fn drop_postgres_database(server: &DatabaseUrl, name: &str) -> Result<(), StoreError> {
    if !is_plain_identifier(name) {
        return Err(StoreError::Corrupt(format!(
            "refusing database name {name:?}"
        )));
    }
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(&server.connection_string()).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

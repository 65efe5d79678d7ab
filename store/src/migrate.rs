//! Schema migrations: one numbered file per change in `migrations/sqlite` and
//! `migrations/postgres`, embedded at build time and applied in order, each in its own
//! transaction. On PostgreSQL an advisory lock serialises replicas that start together.

use crate::{Backend, StoreError};
use sqlx::AnyPool;
use sqlx::Row;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "key_revocation",
        sqlite: include_str!("../../migrations/sqlite/0002_key_revocation.sql"),
        postgres: include_str!("../../migrations/postgres/0002_key_revocation.sql"),
    },
    Migration {
        version: 3,
        name: "tokens",
        sqlite: include_str!("../../migrations/sqlite/0003_tokens.sql"),
        postgres: include_str!("../../migrations/postgres/0003_tokens.sql"),
    },
    Migration {
        version: 4,
        name: "transparency_log",
        sqlite: include_str!("../../migrations/sqlite/0004_transparency_log.sql"),
        postgres: include_str!("../../migrations/postgres/0004_transparency_log.sql"),
    },
    Migration {
        version: 5,
        name: "sboms",
        sqlite: include_str!("../../migrations/sqlite/0005_sboms.sql"),
        postgres: include_str!("../../migrations/postgres/0005_sboms.sql"),
    },
    Migration {
        version: 6,
        name: "trust_roots",
        sqlite: include_str!("../../migrations/sqlite/0006_trust_roots.sql"),
        postgres: include_str!("../../migrations/postgres/0006_trust_roots.sql"),
    },
    Migration {
        version: 7,
        name: "policies",
        sqlite: include_str!("../../migrations/sqlite/0007_policies.sql"),
        postgres: include_str!("../../migrations/postgres/0007_policies.sql"),
    },
];

/// Arbitrary constant identifying Cairn's migration lock.
const ADVISORY_LOCK_KEY: i64 = 0x6361_6972_6e00_0001;

/// Apply pending migrations; returns the versions applied now.
pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<Vec<i64>, StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS cairn_schema_migrations (
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let mut applied_now = Vec::new();
    for m in MIGRATIONS {
        let mut tx = pool.begin().await?;
        if backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(ADVISORY_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("SELECT version FROM cairn_schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?
            .is_some();
        if done {
            tx.rollback().await?;
            continue;
        }
        let sql = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(|source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            })?;
        let now = cairn_core::time::Timestamp::from_system_time(std::time::SystemTime::now())
            .unix_millis();
        sqlx::query(
            "INSERT INTO cairn_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        applied_now.push(m.version);
    }
    Ok(applied_now)
}

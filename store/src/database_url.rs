//! Where the database is: `sqlite://PATH` (embedded, the default) or `postgres://…`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub const fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A validated database location. `Debug` and `Display` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("database URL must start with sqlite:// or postgres:// (got {0:?})")]
    UnsupportedScheme(String),
    #[error("sqlite URL has no path")]
    EmptyPath,
    #[error("postgres URL has no database name")]
    NoDatabaseName,
}

impl DatabaseUrl {
    /// The default embedded database inside a data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        DatabaseUrl::Sqlite(data_dir.join("cairn.db"))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The string handed to sqlx (contains the password, if any: never log it).
    pub fn connection_string(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    /// The same server with another database name (PostgreSQL only).
    pub fn with_database(&self, name: &str) -> Result<Self, DatabaseUrlError> {
        match self {
            DatabaseUrl::Sqlite(_) => Err(DatabaseUrlError::UnsupportedScheme("sqlite".into())),
            DatabaseUrl::Postgres(url) => {
                let (base, query) = match url.split_once('?') {
                    Some((b, q)) => (b, Some(q)),
                    None => (url.as_str(), None),
                };
                let scheme_end = base.find("://").map_or(0, |i| i + 3);
                let slash = base[scheme_end..]
                    .find('/')
                    .map(|i| scheme_end + i)
                    .ok_or(DatabaseUrlError::NoDatabaseName)?;
                let mut out = format!("{}/{}", &base[..slash], name);
                if let Some(q) = query {
                    out.push('?');
                    out.push_str(q);
                }
                Ok(DatabaseUrl::Postgres(out))
            }
        }
    }

    /// The database name (PostgreSQL) or file name (SQLite).
    pub fn database_name(&self) -> Option<String> {
        match self {
            DatabaseUrl::Sqlite(p) => p.file_name().map(|f| f.to_string_lossy().into_owned()),
            DatabaseUrl::Postgres(url) => {
                let base = url.split('?').next().unwrap_or(url);
                let after_scheme = base.split_once("://").map_or(base, |(_, r)| r);
                after_scheme
                    .split_once('/')
                    .map(|(_, db)| db.to_owned())
                    .filter(|db| !db.is_empty())
            }
        }
    }

    fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(url) => {
                // postgres://user:secret@host/db -> postgres://user:***@host/db
                match (url.find("://"), url.find('@')) {
                    (Some(s), Some(at)) if at > s => {
                        let creds = &url[s + 3..at];
                        match creds.split_once(':') {
                            Some((user, _)) => {
                                format!("{}{}:***{}", &url[..s + 3], user, &url[at..])
                            }
                            None => url.clone(),
                        }
                    }
                    _ => url.clone(),
                }
            }
        }
    }
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;
    fn from_str(s: &str) -> Result<Self, DatabaseUrlError> {
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() {
                return Err(DatabaseUrlError::EmptyPath);
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let url = DatabaseUrl::Postgres(s.to_owned());
            if url.database_name().is_none() {
                return Err(DatabaseUrlError::NoDatabaseName);
            }
            return Ok(url);
        }
        Err(DatabaseUrlError::UnsupportedScheme(
            s.split("://")
                .next()
                .unwrap_or("")
                .chars()
                .take(20)
                .collect(),
        ))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_and_postgres() {
        assert_eq!(
            "sqlite://./cairn-data/cairn.db"
                .parse::<DatabaseUrl>()
                .unwrap(),
            DatabaseUrl::Sqlite(PathBuf::from("./cairn-data/cairn.db"))
        );
        let pg: DatabaseUrl = "postgres://postgres@127.0.0.1:5432/test".parse().unwrap();
        assert_eq!(pg.database_name().as_deref(), Some("test"));
        assert_eq!(
            pg.with_database("other").unwrap().connection_string(),
            "postgres://postgres@127.0.0.1:5432/other"
        );
    }

    #[test]
    fn rejects_other_schemes_and_missing_parts() {
        assert!("mysql://x/y".parse::<DatabaseUrl>().is_err());
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
        assert!("postgres://host".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn never_shows_the_password() {
        let pg: DatabaseUrl = "postgres://u:s3cret@db/cairn?sslmode=disable"
            .parse()
            .unwrap();
        assert!(!format!("{pg:?} {pg}").contains("s3cret"));
        assert!(pg.to_string().contains("u:***@db/cairn"));
    }
}

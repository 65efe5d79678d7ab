//! Timestamps as unix milliseconds (UTC), shown as RFC 3339.
//!
//! The store keeps times as BIGINT milliseconds (one representation for SQLite and PostgreSQL);
//! the API and CLI show RFC 3339. The clock is read by callers, never in core.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timestamp(i64);

#[derive(Debug, thiserror::Error)]
#[error("not an RFC 3339 timestamp: {0:?}")]
pub struct TimestampError(String);

impl TimestampError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

impl Timestamp {
    pub const fn from_unix_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Convert a clock reading taken by the caller (core never reads the clock itself).
    pub fn from_system_time(t: std::time::SystemTime) -> Self {
        let ms = match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        };
        Self(ms)
    }

    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    pub fn parse_rfc3339(s: &str) -> Result<Self, TimestampError> {
        let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| TimestampError(s.to_owned()))?;
        let ms = t.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(ms)
            .map(Self)
            .map_err(|_| TimestampError(s.to_owned()))
    }

    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
        {
            Some(s) => s,
            None => format!("@{}ms", self.0),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_rfc3339()
    }
}

impl TryFrom<String> for Timestamp {
    type Error = TimestampError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse_rfc3339(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let t = Timestamp::from_unix_millis(1_763_800_000_123);
        let s = t.to_rfc3339();
        assert_eq!(s, "2025-11-22T08:26:40.123Z");
        assert_eq!(Timestamp::parse_rfc3339(&s).unwrap(), t);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
    }
}

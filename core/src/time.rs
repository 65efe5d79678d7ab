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

/// A span of time written as a number and a unit: `90d`, `12h`, `30m`, `45s`, `2w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(i64);

#[derive(Debug, thiserror::Error)]
#[error("not a duration: {0:?} (expected a whole number and a unit s, m, h, d or w, e.g. 90d)")]
pub struct SpanError(String);

impl SpanError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

impl Span {
    pub const fn millis(self) -> i64 {
        self.0
    }
}

impl std::str::FromStr for Span {
    type Err = SpanError;
    fn from_str(s: &str) -> Result<Self, SpanError> {
        let err = || SpanError(crate::code::excerpt(s, 40));
        let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (number, unit) = s.split_at(split);
        let n: i64 = number.parse().map_err(|_| err())?;
        let unit_ms: i64 = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(err()),
        };
        n.checked_mul(unit_ms)
            .filter(|ms| *ms > 0)
            .map(Span)
            .ok_or_else(err)
    }
}

impl Timestamp {
    /// `self + span`, saturating.
    pub fn plus(self, span: Span) -> Self {
        Self(self.0.saturating_add(span.0))
    }

    /// `self - span`, saturating.
    pub fn minus(self, span: Span) -> Self {
        Self(self.0.saturating_sub(span.0))
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
    fn spans_parse_whole_units_only() {
        assert_eq!("90d".parse::<Span>().unwrap().millis(), 90 * 86_400_000);
        assert_eq!("30m".parse::<Span>().unwrap().millis(), 1_800_000);
        assert_eq!("2w".parse::<Span>().unwrap().millis(), 14 * 86_400_000);
        for bad in [
            "",
            "d",
            "10",
            "0d",
            "1.5h",
            "-1d",
            "10y",
            "99999999999999999999d",
        ] {
            assert!(bad.parse::<Span>().is_err(), "{bad}");
        }
    }

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

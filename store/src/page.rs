//! Cursor pagination: a page of items and an opaque cursor for the next one.

use cairn_core::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use std::str::FromStr;

/// An opaque position in a listing (newest first). Clients pass back what they were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub(crate) i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor (pass back the nextCursor of a previous page)")]
pub struct CursorError;

impl Cursor {
    /// The position this cursor stands for (positive), for listings paged outside SQL.
    pub fn position(self) -> i64 {
        self.0
    }

    /// A cursor at `position` (clamped to at least 1).
    pub fn at(position: i64) -> Self {
        Self(position.max(1))
    }
}

impl FromStr for Cursor {
    type Err = CursorError;
    fn from_str(s: &str) -> Result<Self, CursorError> {
        let n = s.strip_prefix('c').ok_or(CursorError)?;
        n.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Cursor)
            .ok_or(CursorError)
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "c{}", self.0)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<Cursor>,
}

impl PageRequest {
    /// Clamp the limit to `1..=MAX_PAGE_SIZE` (default `DEFAULT_PAGE_SIZE`).
    pub fn new(limit: Option<u32>, after: Option<Cursor>) -> Self {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        Self { limit, after }
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor(42);
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        for bad in ["42", "c", "c-1", "c0", "cx", ""] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad}");
        }
    }

    #[test]
    fn clamps_limits() {
        assert_eq!(PageRequest::new(Some(0), None).limit, 1);
        assert_eq!(PageRequest::new(Some(100_000), None).limit, MAX_PAGE_SIZE);
        assert_eq!(PageRequest::new(None, None).limit, DEFAULT_PAGE_SIZE);
    }
}

//! Matching a certificate identity, issuer or claim: exactly, or by an anchored regular
//! expression. One rule for `cairn verify-bundle` and for policies.

use std::fmt;

/// A pattern that does not compile (or is too large once compiled).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

impl PatternError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

/// An exact value or an anchored regular expression. A pattern without a leading `^` must match
/// the whole value (`^(?:…)$`), so `https://github.com/acme/.*` never matches
/// `https://evil.example/?https://github.com/acme/x`. A pattern that starts with `^` is anchored
/// by its author and used as written: `^https://github.com/acme/` (DESIGN §2b) matches every
/// value that starts with that prefix, and only those.
#[derive(Debug, Clone)]
pub enum Matcher {
    Exact(String),
    Regex {
        /// As written in the policy.
        pattern: String,
        regex: regex::Regex,
    },
}

impl Matcher {
    /// Compile `pattern` (anchored at both ends unless it starts with `^`), with a bounded
    /// compiled size.
    pub fn regex(pattern: &str) -> Result<Self, PatternError> {
        let anchored = if pattern.starts_with('^') {
            pattern.to_owned()
        } else {
            format!("^(?:{pattern})$")
        };
        regex::RegexBuilder::new(&anchored)
            .size_limit(crate::limits::MAX_POLICY_REGEX_BYTES)
            .build()
            .map(|regex| Matcher::Regex {
                pattern: pattern.to_owned(),
                regex,
            })
            .map_err(|e| PatternError(format!("invalid regular expression: {e}")))
    }

    pub fn is_match(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == value,
            Matcher::Regex { regex, .. } => regex.is_match(value),
        }
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Matcher::Exact(a), Matcher::Exact(b)) => a == b,
            (Matcher::Regex { pattern: a, .. }, Matcher::Regex { pattern: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Exact(s) => write!(f, "{s:?}"),
            Matcher::Regex { pattern, .. } => write!(f, "/{pattern}/"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_anchored_by_cairn_or_by_their_author() {
        let whole = Matcher::regex("https://github.com/acme/.*").unwrap();
        assert!(whole.is_match("https://github.com/acme/web"));
        assert!(!whole.is_match("https://evil.example/?https://github.com/acme/x"));
        let prefix = Matcher::regex("^https://github.com/acme/").unwrap();
        assert!(prefix.is_match("https://github.com/acme/web"));
        assert!(!prefix.is_match("https://evil.example/https://github.com/acme/"));
        assert!(Matcher::regex("(unclosed").is_err());
        assert_eq!(Matcher::Exact("a".into()).to_string(), "\"a\"");
    }
}

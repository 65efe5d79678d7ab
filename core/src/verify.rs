//! Verification results as data (DESIGN §3): every step is a [`Check`] that passed, failed or was
//! skipped with a reason. One function ([`verdict_of`]) derives the verdict from the checks, so
//! the report and the decision cannot drift apart.

use serde::Serialize;

/// Names of the checks Cairn's verifiers emit. Stable: they appear in reports.
pub mod names {
    pub const DSSE_ENVELOPE: &str = "dsse.envelope";
    pub const DSSE_SIGNATURE: &str = "dsse.signature";
    pub const STATEMENT_PAYLOAD_TYPE: &str = "statement.payloadType";
    pub const STATEMENT_PARSE: &str = "statement.parse";
    pub const STATEMENT_SUBJECT: &str = "statement.subject";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub result: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub detail: String,
    /// A skipped required check fails its rule; a skipped optional one does not.
    #[serde(skip)]
    pub required: bool,
}

impl Check {
    pub fn pass(check: &'static str, detail: impl Into<String>) -> Self {
        Self::new(check, Outcome::Pass, detail)
    }
    pub fn fail(check: &'static str, detail: impl Into<String>) -> Self {
        Self::new(check, Outcome::Fail, detail)
    }
    /// A check that could not run. Required unless the caller waives it with [`Check::optional`].
    pub fn skipped(check: &'static str, reason: impl Into<String>) -> Self {
        Self::new(check, Outcome::Skipped, reason)
    }
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
    pub fn about(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }
    fn new(check: &'static str, result: Outcome, detail: impl Into<String>) -> Self {
        Self {
            check,
            result,
            subject: None,
            detail: detail.into(),
            required: true,
        }
    }
    fn is_ok(&self) -> bool {
        match self.result {
            Outcome::Pass => true,
            Outcome::Skipped => !self.required,
            Outcome::Fail => false,
        }
    }
}

/// No checks means no evidence, and no evidence is never "pass".
pub fn verdict_of(checks: &[Check]) -> Verdict {
    if !checks.is_empty() && checks.iter().all(Check::is_ok) {
        Verdict::Pass
    } else {
        Verdict::Fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_fail() {
        assert_eq!(verdict_of(&[]), Verdict::Fail);
    }

    #[test]
    fn all_pass_is_pass_and_any_fail_is_fail() {
        let ok = Check::pass(names::DSSE_SIGNATURE, "ok");
        assert_eq!(verdict_of(std::slice::from_ref(&ok)), Verdict::Pass);
        assert_eq!(
            verdict_of(&[ok, Check::fail(names::STATEMENT_PARSE, "bad")]),
            Verdict::Fail
        );
    }

    #[test]
    fn skipped_fails_unless_waived() {
        let skipped = Check::skipped(names::STATEMENT_SUBJECT, "no digest given");
        assert_eq!(
            verdict_of(&[Check::pass("a", ""), skipped.clone()]),
            Verdict::Fail
        );
        assert_eq!(
            verdict_of(&[Check::pass("a", ""), skipped.optional()]),
            Verdict::Pass
        );
    }
}

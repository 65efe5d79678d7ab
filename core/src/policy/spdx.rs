//! SPDX license ids inside license strings, for denied-license rules.
//!
//! An SBOM component's license is an SPDX id (`MIT`), an SPDX expression
//! (`MIT OR (GPL-2.0-only WITH Classpath-exception-2.0)`) or free text. Cairn does not judge
//! which branch of an `OR` a consumer will pick: a denied id anywhere in the expression denies the
//! component (fail closed). Tokenising: split on whitespace and parentheses, drop the operators
//! `AND`, `OR` and `WITH` (any case); every other token is an id (license, exception or
//! `LicenseRef-…`). Ids compare ASCII case-insensitively, as the SPDX specification asks
//! (SPDX 2.3 Annex D: "License identifiers … should be matched in a case-insensitive manner"),
//! and exactly otherwise: `GPL-2.0-only` does not match `GPL-2.0-or-later`.

/// The ids in a license string (an id, an expression or free text), in order.
pub fn license_ids(license: &str) -> Vec<&str> {
    license
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .filter(|t| {
            !["AND", "OR", "WITH"]
                .iter()
                .any(|op| t.eq_ignore_ascii_case(op))
        })
        .collect()
}

/// The first of `denied` that `license` contains as an id (or equals as a whole, for a free-text
/// name such as `AGPL-3.0-only`).
pub fn denied_id<'d>(license: &str, denied: &'d [String]) -> Option<&'d str> {
    let whole = license.trim();
    let ids = license_ids(license);
    denied
        .iter()
        .find(|d| whole.eq_ignore_ascii_case(d) || ids.iter().any(|id| id.eq_ignore_ascii_case(d)))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenises_expressions() {
        assert_eq!(
            license_ids("A OR B AND (C WITH D)"),
            vec!["A", "B", "C", "D"]
        );
        assert_eq!(license_ids("  MIT  "), vec!["MIT"]);
        assert_eq!(
            license_ids("(MIT or Apache-2.0)"),
            vec!["MIT", "Apache-2.0"]
        );
        assert!(license_ids("").is_empty());
    }

    #[test]
    fn matches_ids_anywhere_case_insensitively_and_exactly() {
        let denied = vec![
            "AGPL-3.0-only".to_owned(),
            "Classpath-exception-2.0".to_owned(),
        ];
        let hits = [
            ("AGPL-3.0-only", "AGPL-3.0-only"),
            ("agpl-3.0-ONLY", "AGPL-3.0-only"),
            ("MIT OR AGPL-3.0-only", "AGPL-3.0-only"),
            ("(MIT AND (AGPL-3.0-only))", "AGPL-3.0-only"),
            (
                "GPL-2.0-only WITH Classpath-exception-2.0",
                "Classpath-exception-2.0",
            ),
        ];
        for (license, want) in hits {
            assert_eq!(denied_id(license, &denied), Some(want), "{license}");
        }
        let misses = [
            "AGPL-3.0-or-later",
            "AGPL-3.0",
            "MIT OR Apache-2.0",
            "LicenseRef-AGPL-3.0-only",
            "",
        ];
        for license in misses {
            assert_eq!(denied_id(license, &denied), None, "{license}");
        }
    }
}

//! in-toto Statements (v0.1 and v1): parse, validate, build.
//!
//! Validation: `_type` is one of the two Statement URIs; at least one subject; every subject has
//! at least one digest and every digest is well-formed: sha256/sha384/sha512 exactly as
//! [`Digest`] requires, other algorithm names of in-toto's open digest set (`sha1`, `gitCommit`,
//! …) as non-empty lowercase hex; `predicateType` is a URI. Duplicate JSON keys are rejected so
//! that two parsers can never disagree about what was signed.
//!
//! Only sha256/sha384/sha512 digests identify artifacts in Cairn's store ([`Subject::digests`]);
//! the others are kept ([`Subject::other_digests`]) but not indexed.

use crate::digest::{Digest, DigestAlgorithm, DigestError};
use crate::limits;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StatementType {
    #[serde(rename = "https://in-toto.io/Statement/v0.1")]
    V01,
    #[serde(rename = "https://in-toto.io/Statement/v1")]
    V1,
}

impl StatementType {
    pub const fn as_str(self) -> &'static str {
        match self {
            StatementType::V01 => STATEMENT_V01,
            StatementType::V1 => STATEMENT_V1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub statement_type: StatementType,
    pub subjects: Vec<Subject>,
    pub predicate_type: String,
    pub predicate: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    /// The digests Cairn indexes artifacts by (sha256/sha384/sha512), in the order given.
    pub digests: Vec<Digest>,
    /// Digests under other algorithm names (e.g. `gitCommit`), validated as lowercase hex.
    pub other_digests: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("payload is not a JSON in-toto Statement: {0}")]
    Json(String),
    #[error("payloadType is {0:?}, expected application/vnd.in-toto+json")]
    PayloadType(String),
    #[error("_type {0:?} is not an in-toto Statement (v0.1 or v1)")]
    UnknownType(String),
    #[error("statement has no subjects")]
    NoSubjects,
    #[error("statement has {count} subjects; at most {max} are accepted")]
    TooManySubjects { count: usize, max: usize },
    #[error("subject {index} has no digest")]
    NoDigest { index: usize },
    #[error("subject {index}: {algorithm} digest must be non-empty lowercase hex")]
    BadOtherDigest { index: usize, algorithm: String },
    #[error("no subject has a sha256, sha384 or sha512 digest that Cairn can index")]
    NoIndexableDigest,
    #[error("subject {index}: {source}")]
    BadDigest {
        index: usize,
        #[source]
        source: DigestError,
    },
    #[error("subject {index} has {count} digests; at most {max} are accepted")]
    TooManyDigests {
        index: usize,
        count: usize,
        max: usize,
    },
    #[error("predicateType is missing or not a URI")]
    BadPredicateType,
    #[error("{field} exceeds {max} characters")]
    FieldTooLong { field: &'static str, max: usize },
}

impl StatementError {
    pub fn code(&self) -> crate::Code {
        match self {
            StatementError::BadDigest { .. } | StatementError::BadOtherDigest { .. } => {
                crate::Code::InvalidDigest
            }
            StatementError::Json(_)
            | StatementError::PayloadType(_)
            | StatementError::UnknownType(_)
            | StatementError::NoSubjects
            | StatementError::TooManySubjects { .. }
            | StatementError::NoDigest { .. }
            | StatementError::NoIndexableDigest
            | StatementError::TooManyDigests { .. }
            | StatementError::BadPredicateType
            | StatementError::FieldTooLong { .. } => crate::Code::InvalidStatement,
        }
    }
}

#[derive(Deserialize)]
struct WireStatement {
    #[serde(rename = "_type")]
    statement_type: String,
    #[serde(default)]
    subject: Vec<WireSubject>,
    #[serde(rename = "predicateType", default)]
    predicate_type: String,
    #[serde(default)]
    predicate: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct WireSubject {
    #[serde(default)]
    name: String,
    #[serde(default)]
    digest: DigestSet,
}

/// The in-toto DigestSet, keeping order and rejecting duplicate algorithm names.
#[derive(Default)]
struct DigestSet(Vec<(String, String)>);

impl<'de> Deserialize<'de> for DigestSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DigestSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of algorithm name to hex digest")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DigestSet, A::Error> {
                let mut entries: Vec<(String, String)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    if entries.iter().any(|(seen, _)| *seen == k) {
                        return Err(serde::de::Error::custom(format!(
                            "duplicate digest algorithm {k:?}"
                        )));
                    }
                    if entries.len() >= limits::MAX_DIGESTS_PER_SUBJECT {
                        return Err(serde::de::Error::custom("too many digests on one subject"));
                    }
                    entries.push((k, v));
                }
                Ok(DigestSet(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl Statement {
    /// Parse and validate a Statement from the exact (already signature-checked) payload bytes.
    pub fn parse(payload: &[u8]) -> Result<Self, StatementError> {
        let wire: WireStatement =
            serde_json::from_slice(payload).map_err(|e| StatementError::Json(e.to_string()))?;
        let statement_type = match wire.statement_type.as_str() {
            STATEMENT_V01 => StatementType::V01,
            STATEMENT_V1 => StatementType::V1,
            other => {
                return Err(StatementError::UnknownType(
                    other.chars().take(80).collect(),
                ));
            }
        };
        if wire.subject.is_empty() {
            return Err(StatementError::NoSubjects);
        }
        if wire.subject.len() > limits::MAX_SUBJECTS {
            return Err(StatementError::TooManySubjects {
                count: wire.subject.len(),
                max: limits::MAX_SUBJECTS,
            });
        }
        if wire.predicate_type.len() > limits::MAX_NAME_CHARS {
            return Err(StatementError::FieldTooLong {
                field: "predicateType",
                max: limits::MAX_NAME_CHARS,
            });
        }
        if !crate::predicate::is_uri(&wire.predicate_type) {
            return Err(StatementError::BadPredicateType);
        }
        let subjects = wire
            .subject
            .into_iter()
            .enumerate()
            .map(|(index, s)| {
                if s.name.len() > limits::MAX_NAME_CHARS {
                    return Err(StatementError::FieldTooLong {
                        field: "subject name",
                        max: limits::MAX_NAME_CHARS,
                    });
                }
                if s.digest.0.is_empty() {
                    return Err(StatementError::NoDigest { index });
                }
                let mut digests = Vec::new();
                let mut other_digests = Vec::new();
                for (algorithm, value) in s.digest.0 {
                    if algorithm.parse::<DigestAlgorithm>().is_ok() {
                        let d = Digest::from_parts(&algorithm, &value)
                            .map_err(|source| StatementError::BadDigest { index, source })?;
                        digests.push(d);
                    } else if is_lower_hex(&value) && algorithm.len() <= 64 {
                        other_digests.push((algorithm, value));
                    } else {
                        return Err(StatementError::BadOtherDigest {
                            index,
                            algorithm: algorithm.chars().take(64).collect(),
                        });
                    }
                }
                Ok(Subject {
                    name: s.name,
                    digests,
                    other_digests,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            statement_type,
            subjects,
            predicate_type: wire.predicate_type,
            predicate: wire.predicate,
        })
    }

    /// Fail unless some subject carries a digest Cairn can index an artifact by.
    pub fn require_indexable_subject(&self) -> Result<(), StatementError> {
        if self.subjects.iter().any(|s| !s.digests.is_empty()) {
            Ok(())
        } else {
            Err(StatementError::NoIndexableDigest)
        }
    }

    /// Build a v1 Statement.
    pub fn new_v1(
        subjects: Vec<Subject>,
        predicate_type: impl Into<String>,
        predicate: serde_json::Value,
    ) -> Self {
        Self {
            statement_type: StatementType::V1,
            subjects,
            predicate_type: predicate_type.into(),
            predicate: Some(predicate),
        }
    }

    /// Serialise as compact JSON (the DSSE payload).
    pub fn to_json(&self) -> Vec<u8> {
        let subjects: Vec<serde_json::Value> = self
            .subjects
            .iter()
            .map(|s| {
                let digest: serde_json::Map<String, serde_json::Value> = s
                    .digests
                    .iter()
                    .map(|d| (d.algorithm().as_str().to_owned(), d.hex().into()))
                    .chain(
                        s.other_digests
                            .iter()
                            .map(|(a, v)| (a.clone(), v.clone().into())),
                    )
                    .collect();
                serde_json::json!({"name": s.name, "digest": digest})
            })
            .collect();
        let mut doc = serde_json::json!({
            "_type": self.statement_type.as_str(),
            "subject": subjects,
            "predicateType": self.predicate_type,
        });
        if let (Some(p), Some(obj)) = (&self.predicate, doc.as_object_mut()) {
            obj.insert("predicate".into(), p.clone());
        }
        serde_json::to_vec(&doc).unwrap_or_default()
    }

    /// Every distinct subject digest, in order.
    pub fn subject_digests(&self) -> Vec<&Digest> {
        let mut out: Vec<&Digest> = Vec::new();
        for d in self.subjects.iter().flat_map(|s| &s.digests) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }

    pub fn has_subject_digest(&self, digest: &Digest) -> bool {
        self.subjects.iter().any(|s| s.digests.contains(digest))
    }
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty() && s.len() <= 256 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEX: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    fn doc(t: &str, subjects: &str, pt: &str) -> String {
        format!(r#"{{"_type":"{t}","subject":{subjects},"predicateType":"{pt}","predicate":{{}}}}"#)
    }

    #[test]
    fn accepts_v1_and_v01() {
        for t in [STATEMENT_V1, STATEMENT_V01] {
            let s = Statement::parse(
                doc(
                    t,
                    &format!(r#"[{{"name":"a","digest":{{"sha256":"{HEX}","sha1":"ab"}}}}]"#),
                    "https://slsa.dev/provenance/v1",
                )
                .as_bytes(),
            )
            .unwrap();
            assert_eq!(s.subjects.len(), 1);
            assert_eq!(s.subjects[0].digests.len(), 1);
            assert_eq!(
                s.subjects[0].other_digests,
                vec![("sha1".to_owned(), "ab".to_owned())]
            );
            assert_eq!(s.predicate_type, "https://slsa.dev/provenance/v1");
        }
    }

    #[test]
    fn rejects_each_invalid_statement() {
        let good_subject = format!(r#"[{{"name":"a","digest":{{"sha256":"{HEX}"}}}}]"#);
        let cases = [
            (
                doc("https://example.com/Statement", &good_subject, "https://p"),
                "UnknownType",
            ),
            (doc(STATEMENT_V1, "[]", "https://p"), "NoSubjects"),
            (
                doc(STATEMENT_V1, r#"[{"name":"a","digest":{}}]"#, "https://p"),
                "NoDigest",
            ),
            (
                doc(
                    STATEMENT_V1,
                    r#"[{"name":"a","digest":{"sha1":"XY"}}]"#,
                    "https://p",
                ),
                "BadOtherDigest",
            ),
            (
                doc(
                    STATEMENT_V1,
                    r#"[{"name":"a","digest":{"sha256":"ABC"}}]"#,
                    "https://p",
                ),
                "BadDigest",
            ),
            (doc(STATEMENT_V1, &good_subject, ""), "BadPredicateType"),
            (
                doc(
                    STATEMENT_V1,
                    &format!(r#"[{{"name":"a","digest":{{"sha256":"{HEX}","sha256":"{HEX}"}}}}]"#),
                    "https://p",
                ),
                "Json",
            ),
            ("[1,2]".to_owned(), "Json"),
        ];
        for (input, expected) in cases {
            let err = Statement::parse(input.as_bytes()).unwrap_err();
            assert!(
                format!("{err:?}").starts_with(expected),
                "{input}: got {err:?}"
            );
        }
    }

    #[test]
    fn duplicate_top_level_fields_are_rejected() {
        let s = format!(
            r#"{{"_type":"{STATEMENT_V1}","_type":"{STATEMENT_V01}","subject":[{{"name":"a","digest":{{"sha256":"{HEX}"}}}}],"predicateType":"https://p"}}"#
        );
        assert!(matches!(
            Statement::parse(s.as_bytes()),
            Err(StatementError::Json(_))
        ));
    }

    #[test]
    fn builds_and_reparses() {
        let d: Digest = format!("sha256:{HEX}").parse().unwrap();
        let s = Statement::new_v1(
            vec![Subject {
                name: "registry.example/acme/web".into(),
                digests: vec![d.clone()],
                other_digests: vec![("gitCommit".into(), "d20ace79".into())],
            }],
            "https://slsa.dev/provenance/v1",
            serde_json::json!({"buildDefinition": {}}),
        );
        let again = Statement::parse(&s.to_json()).unwrap();
        assert_eq!(again, s);
        assert!(again.has_subject_digest(&d));
        assert_eq!(again.subject_digests(), vec![&d]);
        assert!(again.require_indexable_subject().is_ok());
    }

    #[test]
    fn a_git_commit_subject_is_valid_but_not_indexable() {
        let s = Statement::parse(
            doc(
                STATEMENT_V1,
                r#"[{"digest":{"gitCommit":"d20ace7968ba43c0219f62d71334c1095bab1602"}}]"#,
                "https://p",
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            s.require_indexable_subject(),
            Err(StatementError::NoIndexableDigest)
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Statement::parse(&bytes);
        }
    }
}

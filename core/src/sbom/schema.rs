//! Validation of CycloneDX JSON against the official JSON schemas (draft-07), embedded from
//! `core/schemas/cyclonedx/` (see its SOURCES.md). The schemas' `$ref`s to `spdx.schema.json`,
//! `jsf-0.82.schema.json` and `cryptography-defs.schema.json` resolve to embedded copies; no
//! reference is ever fetched (the validator runs offline and the crate is built without its
//! HTTP and file resolvers).
//!
//! Rules as upstream's own test suite applies them (ajv, draft-07): `format` is asserted, not just
//! annotated (a `date-time` without a time is invalid); unknown formats — 1.2's non-standard
//! `"string"` — are valid. Each version's validator is compiled once per process.

use super::{SbomError, SbomFormat, SpecVersion, sniff};
use crate::code::excerpt;
use jsonschema::{Draft, Registry, Validator};
use std::sync::OnceLock;

/// At most this many violations are listed in a [`SchemaReport`]; validity is decided on all.
pub const MAX_VIOLATIONS: usize = 100;

/// The result of validating one document against the schema of its own spec version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaReport {
    pub spec_version: SpecVersion,
    pub format: SbomFormat,
    /// Empty if and only if the document is valid. At most [`MAX_VIOLATIONS`] are listed.
    pub violations: Vec<Violation>,
    /// True when more violations were found than are listed.
    pub truncated: bool,
}

impl SchemaReport {
    /// Valid: no violation at all (not merely none listed).
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One way the document breaks its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where: a JSON pointer (`/components/3/version`; empty for the root) or, for XML, a path
    /// like `/bom/components/component[3]/version`.
    pub path: String,
    /// The schema keyword that failed: `required`, `format`, `pattern`, `enum`, `type`, …
    pub rule: String,
    /// A human-readable explanation (shortened if long).
    pub message: String,
}

const SPDX: &str = include_str!("../../schemas/cyclonedx/spdx.schema.json");
const JSF: &str = include_str!("../../schemas/cyclonedx/jsf-0.82.schema.json");
const CRYPTOGRAPHY_DEFS: &str =
    include_str!("../../schemas/cyclonedx/cryptography-defs.schema.json");

/// The URIs the bom schemas' relative `$ref`s resolve to (their `$id`s sit in this directory).
const SCHEMA_BASE: &str = "http://cyclonedx.org/schema/";

fn bom_schema(version: SpecVersion) -> &'static str {
    match version {
        SpecVersion::V1_2 => include_str!("../../schemas/cyclonedx/bom-1.2.schema.json"),
        SpecVersion::V1_3 => include_str!("../../schemas/cyclonedx/bom-1.3.schema.json"),
        SpecVersion::V1_4 => include_str!("../../schemas/cyclonedx/bom-1.4.schema.json"),
        SpecVersion::V1_5 => include_str!("../../schemas/cyclonedx/bom-1.5.schema.json"),
        SpecVersion::V1_6 => include_str!("../../schemas/cyclonedx/bom-1.6.schema.json"),
        SpecVersion::V1_7 => include_str!("../../schemas/cyclonedx/bom-1.7.schema.json"),
    }
}

fn index(version: SpecVersion) -> usize {
    match version {
        SpecVersion::V1_2 => 0,
        SpecVersion::V1_3 => 1,
        SpecVersion::V1_4 => 2,
        SpecVersion::V1_5 => 3,
        SpecVersion::V1_6 => 4,
        SpecVersion::V1_7 => 5,
    }
}

type Compiled = Result<Validator, String>;

static REGISTRY: OnceLock<Result<Registry<'static>, String>> = OnceLock::new();
static VALIDATORS: [OnceLock<Compiled>; 6] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// The shared schemas every bom schema may `$ref`, under the URIs those refs resolve to.
fn registry() -> Result<&'static Registry<'static>, String> {
    REGISTRY
        .get_or_init(|| {
            let mut resources = Vec::new();
            for (file, text) in [
                ("spdx.schema.json", SPDX),
                ("jsf-0.82.schema.json", JSF),
                ("cryptography-defs.schema.json", CRYPTOGRAPHY_DEFS),
            ] {
                let value: serde_json::Value =
                    serde_json::from_str(text).map_err(|e| format!("{file}: {e}"))?;
                resources.push((format!("{SCHEMA_BASE}{file}"), value));
            }
            Registry::new()
                .draft(Draft::Draft7)
                .extend(resources)
                .and_then(|builder| builder.prepare())
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn validator(version: SpecVersion) -> Result<&'static Validator, SbomError> {
    let slot = VALIDATORS
        .get(index(version))
        .ok_or_else(|| SbomError::Schema(version, "no validator slot".into()))?;
    slot.get_or_init(|| {
        let registry = registry()?;
        let schema: serde_json::Value =
            serde_json::from_str(bom_schema(version)).map_err(|e| e.to_string())?;
        jsonschema::draft7::options()
            .offline()
            .with_registry(registry)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&schema)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| SbomError::Schema(version, e.clone()))
}

/// Validate a CycloneDX JSON document against the official schema of its `specVersion`.
///
/// `Err` when the document cannot be checked at all: too large or too deep, not JSON, not
/// CycloneDX (`bomFormat`), or a spec version other than 1.2–1.7. Otherwise `Ok` with every
/// violation (up to [`MAX_VIOLATIONS`] listed); an empty list means valid.
pub fn validate_json(bytes: &[u8]) -> Result<SchemaReport, SbomError> {
    let (format, body) = sniff(bytes)?;
    if format != SbomFormat::Json {
        return Err(SbomError::NotCycloneDx(
            "expected a JSON document, found XML".into(),
        ));
    }
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| SbomError::malformed(format, e))?;
    // The schema is chosen by `specVersion` alone; `bomFormat` is a rule of every schema, so a
    // wrong one is reported as a violation ("AnotherFormat" is invalid, not unreadable).
    let spec_version = match doc.get("specVersion") {
        Some(serde_json::Value::String(s)) => s.parse()?,
        Some(other) => {
            return Err(SbomError::UnsupportedSpecVersion(excerpt(
                &other.to_string(),
                32,
            )));
        }
        None => return Err(SbomError::NotCycloneDx("no specVersion".into())),
    };
    let validator = validator(spec_version)?;
    let mut report = SchemaReport {
        spec_version,
        format,
        violations: Vec::new(),
        truncated: false,
    };
    // The fast path answers the common case; errors are collected only for invalid documents.
    if validator.is_valid(&doc) {
        return Ok(report);
    }
    let mut errors = validator.iter_errors(&doc);
    for error in errors.by_ref().take(MAX_VIOLATIONS) {
        report.violations.push(Violation {
            path: error.instance_path().to_string(),
            rule: error.kind().keyword().to_owned(),
            message: excerpt(&error.to_string(), 300),
        });
    }
    report.truncated = errors.next().is_some();
    if report.violations.is_empty() {
        // is_valid and iter_errors disagree: never call that valid.
        report.violations.push(Violation {
            path: String::new(),
            rule: "schema".into(),
            message: "the document does not validate against its schema".into(),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    fn doc(version: &str, components: &str) -> Vec<u8> {
        format!(r#"{{"bomFormat": "CycloneDX", "specVersion": "{version}", "version": 1, "components": {components}}}"#)
            .into_bytes()
    }

    #[test]
    fn every_embedded_schema_compiles() {
        for v in SpecVersion::ALL {
            validator(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
    }

    #[test]
    fn valid_minimal_documents_pass_for_every_version() {
        for v in SpecVersion::ALL {
            let report = validate_json(&doc(
                v.as_str(),
                r#"[{"type": "library", "name": "x", "version": "1"}]"#,
            ))
            .unwrap();
            assert!(report.is_valid(), "{v}: {:?}", report.violations);
            assert_eq!(report.spec_version, v);
        }
    }

    #[test]
    fn violations_name_the_pointer_and_the_keyword() {
        let report = validate_json(&doc(
            "1.6",
            r#"[{"type": "library", "name": "ok"}, {"type": "no-such-type", "name": "x"}, {"type": "library"}]"#,
        ))
        .unwrap();
        assert!(!report.is_valid());
        let found: Vec<_> = report
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.rule.as_str()))
            .collect();
        assert!(found.contains(&("/components/1/type", "enum")), "{found:?}");
        assert!(found.contains(&("/components/2", "required")), "{found:?}");
    }

    #[test]
    fn formats_are_asserted_and_unknown_formats_pass() {
        let bad_time = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": {"timestamp": "2020-04-07"}}"#;
        let report = validate_json(bad_time).unwrap();
        assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
        assert_eq!(report.violations[0].rule, "format");
        assert_eq!(report.violations[0].path, "/metadata/timestamp");
        let good_time = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": {"timestamp": "2020-04-07T07:01:00Z"}}"#;
        assert!(validate_json(good_time).unwrap().is_valid());
    }

    #[test]
    fn the_violation_list_is_capped_but_validity_is_not() {
        let many: Vec<String> = (0..150)
            .map(|_| r#"{"type": "bogus", "name": "x"}"#.to_owned())
            .collect();
        let report = validate_json(&doc("1.4", &format!("[{}]", many.join(",")))).unwrap();
        assert_eq!(report.violations.len(), MAX_VIOLATIONS);
        assert!(report.truncated);
        assert!(!report.is_valid());
    }

    #[test]
    fn the_deepest_accepted_document_validates_on_a_2_mib_stack() {
        // Components nested as deep as the depth limit allows (31 levels = 64 JSON levels),
        // validated on the stack size of a tokio/actix blocking thread, in a debug build.
        let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"#);
        for _ in 0..31 {
            doc.push_str(r#"[{"type":"library","name":"x","components":"#);
        }
        doc.push_str("[]");
        for _ in 0..31 {
            doc.push_str("}]");
        }
        doc.push('}');
        let report = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let sbom = super::super::parse(doc.as_bytes()).unwrap();
                assert_eq!(sbom.components.len(), 31);
                validate_json(doc.as_bytes()).unwrap()
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(report.is_valid(), "{:?}", report.violations);
    }

    #[test]
    fn documents_that_cannot_be_checked_are_errors() {
        let cases: [(&[u8], Code); 5] = [
            (b"{not json", Code::InvalidSbom),
            (br#"{"bomFormat": "CycloneDX"}"#, Code::InvalidSbom),
            (
                br#"{"bomFormat": "CycloneDX", "specVersion": "1.1"}"#,
                Code::UnsupportedSpecVersion,
            ),
            (
                br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>"#,
                Code::InvalidSbom,
            ),
            (br#"[]"#, Code::InvalidSbom),
        ];
        for (bytes, code) in cases {
            let err = validate_json(bytes).unwrap_err();
            assert_eq!(err.code(), code, "{}", String::from_utf8_lossy(bytes));
        }
        // A wrong bomFormat with a known version is a violation, not an error.
        let other = br#"{"bomFormat": "AnotherFormat", "specVersion": "1.4", "version": 1}"#;
        let report = validate_json(other).unwrap();
        assert_eq!(report.violations[0].path, "/bomFormat");
    }
}

//! CycloneDX SBOMs (spec 1.2–1.7, JSON and XML): a normalised model, schema validation, diffs.
//!
//! [`parse`] turns a document into an [`Sbom`]: the few fields Cairn indexes (components with
//! their bom-ref, type, group, name, version, purl, licenses and hashes; dependencies; metadata),
//! nested components flattened with a link to their parent. Everything else is ignored here:
//! whether a document conforms to its schema is a separate question, answered by
//! [`validate_json`] against the official schemas (and, for XML, by the XSD validator).
//!
//! Guarantees: the document is at most [`limits::MAX_SBOM_BYTES`] long, nests at most
//! [`limits::MAX_SBOM_NESTING_DEPTH`] levels deep and holds at most
//! [`limits::MAX_SBOM_COMPONENTS`] components, or it is rejected with an error (never a panic, never
//! a stack overflow: depth is checked by a flat scan before any recursive walk). The spec version
//! is one of 1.2–1.7, read from `specVersion` (JSON) or the XML namespace
//! `http://cyclonedx.org/schema/bom/<version>`; anything else is `unsupported_spec_version`.

mod diff;
mod json;
mod schema;
mod xml;

pub use diff::{ComponentRef, SbomDiff, VersionChange, diff};
pub use schema::{MAX_VIOLATIONS, SchemaReport, Violation, validate_json};

use crate::code::{Code, excerpt};
use crate::limits;
use std::fmt;
use std::str::FromStr;

/// A CycloneDX specification version Cairn accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecVersion {
    V1_2,
    V1_3,
    V1_4,
    V1_5,
    V1_6,
    V1_7,
}

impl SpecVersion {
    /// Every accepted version, oldest first.
    pub const ALL: [SpecVersion; 6] = [
        SpecVersion::V1_2,
        SpecVersion::V1_3,
        SpecVersion::V1_4,
        SpecVersion::V1_5,
        SpecVersion::V1_6,
        SpecVersion::V1_7,
    ];

    /// `"1.2"` … `"1.7"`, as written in `specVersion`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_2 => "1.2",
            SpecVersion::V1_3 => "1.3",
            SpecVersion::V1_4 => "1.4",
            SpecVersion::V1_5 => "1.5",
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_7 => "1.7",
        }
    }

    /// The XML namespace of this version's documents.
    pub fn xml_namespace(self) -> String {
        format!("{XML_NAMESPACE_PREFIX}{}", self.as_str())
    }
}

/// Every CycloneDX XML namespace is this prefix followed by the spec version.
pub const XML_NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpecVersion {
    type Err = SbomError;

    /// Exactly `"1.2"` … `"1.7"`; anything else is [`SbomError::UnsupportedSpecVersion`].
    fn from_str(s: &str) -> Result<Self, SbomError> {
        SpecVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| SbomError::UnsupportedSpecVersion(excerpt(s, 32)))
    }
}

/// How the document was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    Json,
    Xml,
}

impl SbomFormat {
    pub const fn as_str(self) -> &'static str {
        match self {
            SbomFormat::Json => "json",
            SbomFormat::Xml => "xml",
        }
    }
}

impl fmt::Display for SbomFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CycloneDX document, normalised to what Cairn indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    pub spec_version: SpecVersion,
    pub format: SbomFormat,
    /// `serialNumber` (`urn:uuid:…`), as written.
    pub serial_number: Option<String>,
    /// The BOM's own `version` (revision counter).
    pub version: Option<u64>,
    pub metadata: Metadata,
    /// Every component of the document in pre-order (a parent before its children): the
    /// top-level `components` tree first, then the children of `metadata.component` (see
    /// [`Component::parent`]).
    pub components: Vec<Component>,
    pub dependencies: Vec<Dependency>,
}

/// `metadata`: when the BOM was made, what it describes, and which tools made it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub timestamp: Option<String>,
    /// The component the BOM describes (its nested components are listed in
    /// [`Sbom::components`]).
    pub component: Option<Component>,
    /// Tools, from the legacy array form (`[{vendor, name, version}]`) or the 1.5+ object form
    /// (`{components, services}`, where `group` stands for the vendor).
    pub tools: Vec<Tool>,
}

/// A tool that produced the BOM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tool {
    pub vendor: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
}

/// One component, with nested components flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub bom_ref: Option<String>,
    /// The CycloneDX `type` (`library`, `application`, `container`, …), as written.
    pub kind: String,
    pub group: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// The package URL as written (not normalised; see [`crate::purl::Purl`]).
    pub purl: Option<String>,
    pub licenses: Vec<License>,
    pub hashes: Vec<Hash>,
    /// Index in [`Sbom::components`] of the enclosing component; `None` at the top level and for
    /// the direct children of `metadata.component` (which is not in that list).
    pub parent: Option<usize>,
    /// 0 at the top level of `components`; one more per level of nesting. The direct children of
    /// `metadata.component` have depth 1.
    pub depth: u32,
}

impl Component {
    /// The key that identifies this component's package whatever its version: the canonical
    /// purl without version/qualifiers/subpath ([`crate::purl::Purl::package_key`]) when the
    /// purl parses, else `group/name` (or `name`).
    pub fn package_key(&self) -> String {
        diff::package_key(self)
    }

    /// The version the component is indexed under: `version`, else the purl's version.
    pub fn effective_version(&self) -> Option<String> {
        diff::version_of(self)
    }
}

/// One entry of a component's `licenses`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum License {
    /// An SPDX license id (`license.id`).
    Id(String),
    /// A free-text license name (`license.name`).
    Name(String),
    /// An SPDX license expression (`expression`).
    Expression(String),
}

/// A component hash: algorithm name as written (`SHA-256`, …) and hex content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hash {
    pub alg: String,
    pub content: String,
}

/// One entry of `dependencies`: `bom_ref` depends on each of `depends_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub bom_ref: String,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    #[error("the {what} ({actual}) exceeds the limit of {limit}")]
    TooLarge {
        what: &'static str,
        actual: usize,
        limit: usize,
    },
    #[error("the document nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("not a CycloneDX document: {0}")]
    NotCycloneDx(String),
    #[error("malformed CycloneDX {format} document: {detail}")]
    Malformed { format: SbomFormat, detail: String },
    #[error("CycloneDX spec version {0:?} is not supported (supported: 1.2–1.7)")]
    UnsupportedSpecVersion(String),
    /// An embedded schema failed to compile: a bug in Cairn, never the document's fault.
    #[error("the embedded CycloneDX {0} schema does not compile: {1}")]
    Schema(SpecVersion, String),
}

impl SbomError {
    pub fn code(&self) -> Code {
        match self {
            SbomError::TooLarge { .. } => Code::PayloadTooLarge,
            SbomError::TooDeep { .. }
            | SbomError::NotCycloneDx(_)
            | SbomError::Malformed { .. } => Code::InvalidSbom,
            SbomError::UnsupportedSpecVersion(_) => Code::UnsupportedSpecVersion,
            SbomError::Schema(..) => Code::Internal,
        }
    }

    pub(crate) fn malformed(format: SbomFormat, detail: impl fmt::Display) -> Self {
        SbomError::Malformed {
            format,
            detail: excerpt(&detail.to_string(), 300),
        }
    }
}

/// Parse a CycloneDX document (JSON or XML, told apart by its first non-whitespace byte).
///
/// JSON: `bomFormat` must be `"CycloneDX"` and `specVersion` one of 1.2–1.7. XML: the root is
/// `bom` in the namespace `http://cyclonedx.org/schema/bom/<version>`; DTDs (and with them
/// external entities) are refused. This does not validate the document against its schema
/// ([`validate_json`] does); it fails only when the fields Cairn reads are unusable.
pub fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
    let (format, body) = sniff(bytes)?;
    let sbom = match format {
        SbomFormat::Json => json::parse(body)?,
        SbomFormat::Xml => xml::parse(body)?,
    };
    let count = sbom.components.len() + usize::from(sbom.metadata.component.is_some());
    check_component_count(count)?;
    Ok(sbom)
}

/// Validate a CycloneDX document (JSON or XML) against the official schema of its own spec
/// version: JSON Schema for JSON ([`validate_json`]), XML Schema for XML ([`crate::xsd`]).
pub fn validate(bytes: &[u8]) -> Result<SchemaReport, SbomError> {
    let (format, body) = sniff(bytes)?;
    match format {
        SbomFormat::Json => validate_json(bytes),
        SbomFormat::Xml => {
            let doc = xml::document(body)?;
            let spec_version = xml::spec_version_of(&doc)?;
            drop(doc);
            let text =
                std::str::from_utf8(body).map_err(|e| SbomError::malformed(SbomFormat::Xml, e))?;
            let schema = crate::xsd::cyclonedx_schema(spec_version.as_str())
                .map_err(|e| SbomError::Schema(spec_version, e.to_string()))?;
            let mut found = schema
                .validate(text, MAX_VIOLATIONS + 1)
                .map_err(|e| SbomError::malformed(SbomFormat::Xml, e))?;
            let truncated = found.len() > MAX_VIOLATIONS;
            found.truncate(MAX_VIOLATIONS);
            Ok(SchemaReport {
                spec_version,
                format: SbomFormat::Xml,
                violations: found
                    .into_iter()
                    .map(|v| Violation {
                        path: v.path,
                        rule: v.rule,
                        message: v.message,
                    })
                    .collect(),
                truncated,
            })
        }
    }
}

/// The format and spec version of a document, without building the normalised model: what a
/// caller needs to pick the schema (JSON) or XSD (XML) to validate against. Applies the same
/// limits as [`parse`]; XML is parsed into a tree to read the root namespace.
pub fn detect(bytes: &[u8]) -> Result<(SbomFormat, SpecVersion), SbomError> {
    let (format, body) = sniff(bytes)?;
    let version = match format {
        SbomFormat::Json => json::spec_version_of(body)?,
        SbomFormat::Xml => xml::spec_version_of(&xml::document(body)?)?,
    };
    Ok((format, version))
}

/// Tell JSON from XML and apply the checks every entry point shares: the size limit, a leading
/// UTF-8 byte-order mark (dropped), and for JSON the nesting depth.
pub fn sniff(bytes: &[u8]) -> Result<(SbomFormat, &[u8]), SbomError> {
    if bytes.len() > limits::MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge {
            what: "document size in bytes",
            actual: bytes.len(),
            limit: limits::MAX_SBOM_BYTES,
        });
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {
            check_json_depth(body)?;
            Ok((SbomFormat::Json, body))
        }
        Some(b'<') => Ok((SbomFormat::Xml, body)),
        Some(_) => Err(SbomError::NotCycloneDx(
            "the document starts with neither '{' (JSON) nor '<' (XML)".into(),
        )),
        None => Err(SbomError::NotCycloneDx("the document is empty".into())),
    }
}

pub(crate) fn check_component_count(count: usize) -> Result<(), SbomError> {
    if count > limits::MAX_SBOM_COMPONENTS {
        return Err(SbomError::TooLarge {
            what: "number of components",
            actual: count,
            limit: limits::MAX_SBOM_COMPONENTS,
        });
    }
    Ok(())
}

/// Reject JSON that nests arrays/objects deeper than the limit, in one flat pass (strings are
/// skipped, so brackets inside them do not count). Run before any parser recurses.
fn check_json_depth(body: &[u8]) -> Result<(), SbomError> {
    let limit = limits::MAX_SBOM_NESTING_DEPTH;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return Err(SbomError::TooDeep { limit });
                }
            }
            // Unbalanced input is the parser's to report; never underflow here.
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_versions_round_trip_and_others_are_unsupported() {
        for v in SpecVersion::ALL {
            assert_eq!(v.as_str().parse::<SpecVersion>().unwrap(), v);
        }
        for bad in ["1.1", "1.8", "2.0", "1.2 ", "", "1.20"] {
            let err = bad.parse::<SpecVersion>().unwrap_err();
            assert_eq!(err.code(), Code::UnsupportedSpecVersion, "{bad}");
        }
    }

    #[test]
    fn sniff_tells_json_from_xml_and_tolerates_a_bom() {
        assert_eq!(sniff(b"  {}").unwrap().0, SbomFormat::Json);
        assert_eq!(sniff(b"\xEF\xBB\xBF\n<bom/>").unwrap().0, SbomFormat::Xml);
        assert_eq!(sniff(b"\xEF\xBB\xBF{}").unwrap().1, b"{}");
        for bad in [&b""[..], b"   ", b"[]", b"\xEF\xBB\xBF", b"bom"] {
            assert_eq!(sniff(bad).unwrap_err().code(), Code::InvalidSbom);
        }
    }

    #[test]
    fn json_depth_counts_brackets_outside_strings_only() {
        let limit = limits::MAX_SBOM_NESTING_DEPTH;
        let at_limit = format!("{}{}", "[".repeat(limit), "]".repeat(limit));
        assert!(check_json_depth(at_limit.as_bytes()).is_ok());
        let over = format!("{}{}", "[".repeat(limit + 1), "]".repeat(limit + 1));
        assert_eq!(
            check_json_depth(over.as_bytes()),
            Err(SbomError::TooDeep { limit })
        );
        // Brackets in strings, also after escaped quotes, are text.
        let in_string = format!("{{\"a\":\"\\\"{}\"}}", "[".repeat(limit * 2));
        assert!(check_json_depth(in_string.as_bytes()).is_ok());
    }

    #[test]
    fn detect_reads_format_and_version_only() {
        let json = br#"{"bomFormat": "CycloneDX", "specVersion": "1.7", "components": "not read"}"#;
        assert_eq!(detect(json).unwrap(), (SbomFormat::Json, SpecVersion::V1_7));
        let xml = br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.3"><anything/></bom>"#;
        assert_eq!(detect(xml).unwrap(), (SbomFormat::Xml, SpecVersion::V1_3));
        let old = br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.1"/>"#;
        assert_eq!(
            detect(old).unwrap_err().code(),
            Code::UnsupportedSpecVersion
        );
        let spdx = br#"{"spdxVersion": "SPDX-2.3"}"#;
        assert_eq!(detect(spdx).unwrap_err().code(), Code::InvalidSbom);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
            let _ = detect(&bytes);
            let _ = validate_json(&bytes);
        }

        #[test]
        fn arbitrary_json_and_xml_shapes_never_panic(
            body in "[\\[\\]{}\":,a-z0-9 ]{0,200}",
            tag in "[a-z<>/ =\"]{0,120}",
        ) {
            let json = format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{body}"#);
            let _ = parse(json.as_bytes());
            let _ = validate_json(json.as_bytes());
            let xml = format!(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>{tag}"#);
            let _ = parse(xml.as_bytes());
        }
    }

    #[test]
    fn oversized_documents_are_payload_too_large() {
        let big = vec![b' '; limits::MAX_SBOM_BYTES + 1];
        let err = parse(&big).unwrap_err();
        assert_eq!(err.code(), Code::PayloadTooLarge);
        assert!(matches!(err, SbomError::TooLarge { .. }));
        assert_eq!(check_component_count(limits::MAX_SBOM_COMPONENTS), Ok(()));
        assert_eq!(
            check_component_count(limits::MAX_SBOM_COMPONENTS + 1)
                .unwrap_err()
                .code(),
            Code::PayloadTooLarge
        );
    }
}

//! A validator for a faithful subset of XML Schema 1.0: enough to validate CycloneDX 1.2–1.7 XML
//! documents exactly as the official XSDs say (see `docs/xsd-subset.md` for what is supported).
//!
//! Guarantees:
//! - **Fail closed on schemas**: a schema construct this module does not implement is a compile
//!   error ([`XsdError::Schema`]), never silently ignored; every global component is compiled.
//! - **Validity is decided fully**: [`Schema::validate`] returns an empty list exactly when the
//!   document is valid; the violations listed are capped, the decision is not.
//! - **Bounded work on untrusted documents**: no DTDs (so no entity expansion), nesting limited to
//!   [`crate::limits::MAX_XML_DEPTH`], deterministic content-model automata (XSD's Unique Particle
//!   Attribution is checked when compiling), linear-time regular expressions.
//!
//! ```
//! let schema = cairn_core::xsd::cyclonedx_schema("1.6").unwrap();
//! let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components/></bom>"#;
//! assert!(schema.validate(xml, 10).unwrap().is_empty());
//! ```

mod compile;
mod content;
mod lexical;
mod model;
mod pattern;
mod simple;
mod validate;

use std::sync::OnceLock;

use serde::Serialize;

use crate::Code;

/// A compiled XML schema, ready to validate documents. Compile once, validate many times
/// (it is `Send + Sync`).
#[derive(Debug)]
pub struct Schema {
    compiled: model::Compiled,
}

impl Schema {
    /// Compile an XSD. `main` is the XSD text; `imports` maps a `schemaLocation` or a namespace
    /// to the XSD text for `xs:import` / `xs:include` (looked up by `schemaLocation` first, then
    /// by namespace). Nothing is ever fetched.
    pub fn compile(main: &str, imports: &[(&str, &str)]) -> Result<Schema, XsdError> {
        Ok(Schema {
            compiled: compile::compile(main, imports)?,
        })
    }

    /// Validate a document; an empty vec means valid. At most `max` violations are listed (at
    /// least one when the document is invalid, even for `max == 0`); validity is still decided
    /// over the whole document.
    ///
    /// Errors: [`XsdError::Xml`] when the document is not well-formed XML (or has a DTD), and
    /// [`XsdError::TooDeep`] / [`XsdError::TooManyAttributes`] beyond
    /// [`crate::limits::MAX_XML_DEPTH`] / [`crate::limits::MAX_XML_ATTRIBUTES_PER_ELEMENT`].
    pub fn validate(&self, xml: &str, max: usize) -> Result<Vec<Violation>, XsdError> {
        validate::validate(&self.compiled, xml, max)
    }
}

/// One reason a document is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where: an XML path like `/bom/components/component[3]/version` or `…/@bom-ref`
    /// (local names; `[n]` counts same-named siblings, given where there are several).
    pub path: String,
    /// Which rule: `unexpected-element`, `missing-element`, `unexpected-attribute`,
    /// `missing-attribute`, `text-not-allowed`, `undeclared-element`, `pattern`, `enumeration`,
    /// `minLength`/`maxLength`/`length`, `minInclusive`/…, `union`, `type:<builtin>` (e.g.
    /// `type:dateTime`), `fixed`, `nil`, `xsi-type`, `unique`, `key`, `keyref`, `identity`.
    pub rule: String,
    /// A human-readable explanation (untrusted values are quoted and shortened).
    pub message: String,
}

/// Why a schema could not be compiled or a document could not be validated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XsdError {
    /// The document is not well-formed XML, or has a DTD.
    #[error("the document is not well-formed XML: {0}")]
    Xml(String),
    /// The document nests elements deeper than the limit.
    #[error("the document nests elements deeper than {limit} levels")]
    TooDeep { limit: usize },
    /// An element of the document has more attributes than the limit.
    #[error("an element has more than {limit} attributes")]
    TooManyAttributes { limit: usize },
    /// The schema is invalid or uses a construct this validator does not support.
    #[error("invalid or unsupported XML schema: {0}")]
    Schema(String),
    /// There is no embedded schema for this CycloneDX version.
    #[error("unsupported CycloneDX specification version {0:?} (supported: 1.2 to 1.7)")]
    UnsupportedVersion(String),
}

impl XsdError {
    pub fn code(&self) -> Code {
        match self {
            XsdError::Xml(_) => Code::InvalidSbom,
            XsdError::TooDeep { .. } | XsdError::TooManyAttributes { .. } => Code::PayloadTooLarge,
            // Cairn only compiles the schemas it embeds: a failure there is a bug.
            XsdError::Schema(_) => Code::Internal,
            XsdError::UnsupportedVersion(_) => Code::UnsupportedSpecVersion,
        }
    }
}

/// The CycloneDX versions with an embedded XML schema.
pub const CYCLONEDX_VERSIONS: &[&str] = &["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

const SPDX_NAMESPACE: &str = "http://cyclonedx.org/schema/spdx";
const SPDX_XSD: &str = include_str!("../../schemas/cyclonedx/spdx.xsd");
const CYCLONEDX_XSDS: [&str; 6] = [
    include_str!("../../schemas/cyclonedx/bom-1.2.xsd"),
    include_str!("../../schemas/cyclonedx/bom-1.3.xsd"),
    include_str!("../../schemas/cyclonedx/bom-1.4.xsd"),
    include_str!("../../schemas/cyclonedx/bom-1.5.xsd"),
    include_str!("../../schemas/cyclonedx/bom-1.6.xsd"),
    include_str!("../../schemas/cyclonedx/bom-1.7.xsd"),
];

/// The CycloneDX XSD for spec `"1.2"`..`"1.7"`, compiled once (on first use) from the copies
/// embedded in this crate (`core/schemas/cyclonedx/`).
pub fn cyclonedx_schema(version: &str) -> Result<&'static Schema, XsdError> {
    static SCHEMAS: [OnceLock<Result<Schema, XsdError>>; 6] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let i = CYCLONEDX_VERSIONS
        .iter()
        .position(|v| *v == version)
        .ok_or_else(|| XsdError::UnsupportedVersion(crate::code::excerpt(version, 32)))?;
    let (Some(cell), Some(text)) = (SCHEMAS.get(i), CYCLONEDX_XSDS.get(i)) else {
        return Err(XsdError::UnsupportedVersion(version.to_owned()));
    };
    cell.get_or_init(|| Schema::compile(text, &[(SPDX_NAMESPACE, SPDX_XSD)]))
        .as_ref()
        .map_err(Clone::clone)
}

/// The CycloneDX version whose XML namespace is `namespace`
/// (`http://cyclonedx.org/schema/bom/1.6` → `"1.6"`), if Cairn has its schema.
pub fn cyclonedx_version_for_namespace(namespace: &str) -> Option<&'static str> {
    let version = namespace.strip_prefix("http://cyclonedx.org/schema/bom/")?;
    CYCLONEDX_VERSIONS.iter().copied().find(|v| *v == version)
}

#[cfg(test)]
mod tests;

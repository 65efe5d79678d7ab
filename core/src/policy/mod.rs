//! Policies: named documents of rules over an artifact's attestations (DESIGN §2b), parsed from
//! YAML or JSON into one typed model, and evaluated by [`eval::evaluate`] into a report (§3).
//!
//! Guarantee: a [`Policy`] value always satisfies the language's rules — at least one rule,
//! unique rule names, every `anyOf`/`allOf` non-empty (an empty combinator would be vacuous),
//! anchored regular expressions, well-formed purls, version ranges and durations, and no field
//! Cairn does not know (a typo is an error, never an ignored constraint). Parse errors name the
//! offending field by path (`rules[2].attestation.maxAge`).
//!
//! The language reference for users is `docs/policy.md`.

pub mod eval;
mod parse;
pub mod spdx;
pub mod vsa;

use crate::purl::Purl;
use crate::time::Span;
use crate::vers::VersionRange;
use std::fmt;

pub use crate::matcher::Matcher;
pub use parse::parse_policy;

/// The two syntaxes a policy document may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyFormat {
    Yaml,
    Json,
}

impl PolicyFormat {
    /// The format a `Content-Type` names: `application/json` (and `+json` types) or
    /// `application/yaml` (also `application/x-yaml`, `text/yaml`, `text/x-yaml`). Parameters
    /// such as `; charset=utf-8` are ignored.
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => Some(PolicyFormat::Json),
            e if e.starts_with("application/") && e.ends_with("+json") => Some(PolicyFormat::Json),
            "application/yaml" | "application/x-yaml" | "text/yaml" | "text/x-yaml" => {
                Some(PolicyFormat::Yaml)
            }
            _ => None,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyFormat::Yaml => "YAML",
            PolicyFormat::Json => "JSON",
        }
    }
}

impl fmt::Display for PolicyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy document is {size} bytes; at most {max} are accepted")]
    TooLarge { size: usize, max: usize },
    #[error("the policy is not valid {format}: {detail}")]
    Syntax {
        format: PolicyFormat,
        detail: String,
    },
    /// A field breaks a rule of the language; `path` is like `rules[2].attestation.maxAge`
    /// (empty for the document itself).
    #[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Invalid { path: String, message: String },
}

impl PolicyError {
    pub fn code(&self) -> crate::Code {
        match self {
            PolicyError::TooLarge { .. } => crate::Code::PayloadTooLarge,
            PolicyError::Syntax { .. } | PolicyError::Invalid { .. } => crate::Code::InvalidPolicy,
        }
    }

    /// The path of the offending field, when the error is about one.
    pub fn path(&self) -> Option<&str> {
        match self {
            PolicyError::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// A parsed, validated policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The policy's name; the server requires it to equal the name in the URL.
    pub name: String,
    pub description: Option<String>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique within the policy; shown in the report.
    pub name: String,
    pub kind: RuleKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    Signature(SignatureRule),
    Attestation(AttestationRule),
    Chain(ChainRule),
    Sbom(SbomRule),
}

impl RuleKind {
    /// The document key of this kind (`signature`, `attestation`, `chain`, `sbom`).
    pub const fn as_str(&self) -> &'static str {
        match self {
            RuleKind::Signature(_) => "signature",
            RuleKind::Attestation(_) => "attestation",
            RuleKind::Chain(_) => "chain",
            RuleKind::Sbom(_) => "sbom",
        }
    }
}

/// Who may vouch: exactly one of the two lists is non-empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Signers {
    pub any_of: Vec<SignerSpec>,
    pub all_of: Vec<SignerSpec>,
}

impl Signers {
    /// The specs of whichever list is in use.
    pub fn specs(&self) -> &[SignerSpec] {
        if self.all_of.is_empty() {
            &self.any_of
        } else {
            &self.all_of
        }
    }

    /// `allOf` (every spec must match) rather than `anyOf`.
    pub fn is_all_of(&self) -> bool {
        !self.all_of.is_empty()
    }
}

/// One acceptable signer.
#[derive(Debug, Clone, PartialEq)]
pub enum SignerSpec {
    /// A registered key, by name (any key registered under that name) or by keyid (hex).
    Key(String),
    /// A Sigstore keyless identity: the certificate's OIDC issuer and SAN, and optionally Fulcio
    /// claims (exact values, e.g. `githubWorkflowRef: refs/heads/main`).
    Keyless {
        issuer: Matcher,
        subject: Matcher,
        claims: Vec<(String, String)>,
    },
    /// A certificate under a registered X.509 CA bundle: subject DN and/or SAN, and optionally
    /// the name of the CA bundle it must chain to.
    X509 {
        subject: Option<Matcher>,
        san: Option<Matcher>,
        ca: Option<String>,
    },
}

impl fmt::Display for SignerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignerSpec::Key(k) => write!(f, "key {k}"),
            SignerSpec::Keyless {
                issuer,
                subject,
                claims,
            } => {
                write!(f, "keyless issuer {issuer} subject {subject}")?;
                for (k, v) in claims {
                    write!(f, " {k}={v:?}")?;
                }
                Ok(())
            }
            SignerSpec::X509 { subject, san, ca } => {
                f.write_str("x509")?;
                if let Some(s) = subject {
                    write!(f, " subject {s}")?;
                }
                if let Some(s) = san {
                    write!(f, " san {s}")?;
                }
                if let Some(ca) = ca {
                    write!(f, " ca {ca}")?;
                }
                Ok(())
            }
        }
    }
}

/// An image signature: an attestation with Cairn's signature predicate
/// ([`crate::predicate::CAIRN_SIGNATURE_V1`]; a Sigstore message-signature bundle over the digest
/// is indexed as one) from the signers.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureRule {
    pub signers: Signers,
}

/// An attestation of a predicate type from the signers, optionally fresh and with SLSA facts.
#[derive(Debug, Clone, PartialEq)]
pub struct AttestationRule {
    pub predicate_type: String,
    pub signers: Signers,
    /// The newest acceptable age, measured from the transparency-log time to `now`.
    pub max_age: Option<Span>,
    pub select: Select,
    pub slsa: Option<SlsaConstraints>,
}

/// Which candidates an attestation rule evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Select {
    /// The newest candidate (by transparency-log time) must pass.
    #[default]
    Newest,
    /// Some candidate must pass.
    Any,
    /// Every candidate must pass.
    All,
}

impl Select {
    pub const fn as_str(self) -> &'static str {
        match self {
            Select::Newest => "newest",
            Select::Any => "any",
            Select::All => "all",
        }
    }
}

/// Facts a SLSA provenance (v0.2 or v1, see [`crate::slsa`]) must state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlsaConstraints {
    pub builder_id: Option<String>,
    pub builder_id_prefix: Option<String>,
    pub build_type: Option<String>,
    /// Compared after normalisation ([`crate::slsa::same_repository`]).
    pub source_repo: Option<String>,
    pub source_ref: Option<String>,
}

/// Follow the provenance chain (dependencies with digests) and judge every node.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainRule {
    /// How many levels below the artifact are followed; a chain that goes deeper fails.
    pub max_depth: u32,
    /// A node with no attestation from a trusted signer fails the rule.
    pub require_attested: bool,
    /// The sub-policy every node must pass.
    pub policy: Option<String>,
    /// Whose provenance is followed (and counts as "attested"); any trusted signer when absent.
    pub signers: Option<Signers>,
}

/// Requirements on the artifact's SBOM.
#[derive(Debug, Clone, PartialEq)]
pub struct SbomRule {
    pub required: bool,
    pub require_signed: bool,
    pub denied_components: Vec<DeniedComponent>,
    /// SPDX license ids; matched case-insensitively, also inside license expressions.
    pub denied_licenses: Vec<String>,
}

/// A denied package: the purl's type, namespace and name, and optionally its version (in the
/// purl) or a `vers` range.
#[derive(Debug, Clone, PartialEq)]
pub struct DeniedComponent {
    pub purl: Purl,
    pub versions: Option<VersionRange>,
}

impl fmt::Display for DeniedComponent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.purl)?;
        if let Some(v) = &self.versions {
            write!(f, " {v}")?;
        }
        Ok(())
    }
}

impl Policy {
    /// The sub-policies named by chain rules, each once, in order.
    pub fn referenced_policies(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for rule in &self.rules {
            if let RuleKind::Chain(ChainRule {
                policy: Some(name), ..
            }) = &rule.kind
                && !out.contains(&name.as_str())
            {
                out.push(name);
            }
        }
        out
    }

    /// The deepest `maxDepth` of this policy's chain rules (0 without any).
    pub fn max_chain_depth(&self) -> u32 {
        self.rules
            .iter()
            .filter_map(|r| match &r.kind {
                RuleKind::Chain(c) => Some(c.max_depth),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// Whether `name` is a valid policy name: 1–128 ASCII letters, digits, `.`, `_` or `-`,
    /// starting with a letter or digit.
    pub fn is_valid_name(name: &str) -> bool {
        let mut bytes = name.bytes();
        name.len() <= 128
            && bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
            && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }
}

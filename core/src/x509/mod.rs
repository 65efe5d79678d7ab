//! X.509 for enterprise PKI: CA bundles registered as trust anchors, certification-path
//! validation for code signing (the subset of RFC 5280 §6 Cairn needs), and the identity a
//! verified leaf certificate vouches for (RFC 4514 subject, SANs, Fulcio claims).
//!
//! Guarantee: [`verify_chain`] passes only when one path from the leaf to a registered anchor
//! passes every step below; each step is one named [`Check`], and a step that cannot be checked
//! fails (unknown algorithm, unknown critical extension, malformed extension). Time is the
//! caller's trusted time, never the wall clock.
//!
//! 1. `chain.build` — a path exists: each certificate's issuer name equals the next one's
//!    subject (byte-exact DER), ending at a registered anchor, at most
//!    [`limits::MAX_CHAIN_CERTS`] certificates, leaf and anchor included.
//! 2. `chain.signature` — every link verifies with the issuer's key (see `signature`).
//! 3. `chain.validity` — every certificate, the anchor included, is valid at `at`.
//! 4. `chain.basicConstraints` — every issuer is a CA and its pathLenConstraint holds; the leaf
//!    is not a CA.
//! 5. `chain.keyUsage` — every issuer has keyUsage with keyCertSign; a leaf keyUsage, if
//!    present, includes digitalSignature.
//! 6. `chain.extendedKeyUsage` — the leaf has codeSigning; an issuer's EKU, if present, allows
//!    codeSigning or anyExtendedKeyUsage.
//! 7. `chain.criticalExtensions` — no certificate has a critical extension Cairn does not
//!    process, a duplicated extension, a malformed subjectAltName, or name constraints (which
//!    Cairn does not enforce, so it refuses them rather than ignore them).
//!
//! When several paths exist (re-issued CAs, cross-certificates), each is tried and the first
//! that passes every check wins; otherwise the report shows the path with the fewest failures.

mod fulcio;
mod name;
mod path;
mod signature;

pub use fulcio::{FulcioClaim, FulcioClaims, UnknownClaim};

use crate::attestation::{TrustedKey, check_envelope, verify_signatures};
use crate::digest::Digest;
use crate::dsse::Envelope;
use crate::keys::{PemError, PublicKey, decode_pem_blocks};
use crate::limits;
use crate::statement::Statement;
use crate::verify::{Check, Outcome, Verdict, verdict_of};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

/// Check names emitted by [`verify_chain`] and [`verify_envelope_with_chain`].
pub mod names {
    pub const CHAIN_BUILD: &str = "chain.build";
    pub const CHAIN_SIGNATURE: &str = "chain.signature";
    pub const CHAIN_VALIDITY: &str = "chain.validity";
    pub const CHAIN_BASIC_CONSTRAINTS: &str = "chain.basicConstraints";
    pub const CHAIN_KEY_USAGE: &str = "chain.keyUsage";
    pub const CHAIN_EXTENDED_KEY_USAGE: &str = "chain.extendedKeyUsage";
    pub const CHAIN_CRITICAL_EXTENSIONS: &str = "chain.criticalExtensions";
    pub use crate::verify::names::{
        DSSE_ENVELOPE, DSSE_SIGNATURE, STATEMENT_PARSE, STATEMENT_PAYLOAD_TYPE,
    };
}

/// The steps after `chain.build`, in report order.
const PATH_CHECKS: [&str; 6] = [
    names::CHAIN_SIGNATURE,
    names::CHAIN_VALIDITY,
    names::CHAIN_BASIC_CONSTRAINTS,
    names::CHAIN_KEY_USAGE,
    names::CHAIN_EXTENDED_KEY_USAGE,
    names::CHAIN_CRITICAL_EXTENSIONS,
];

/// Why a CA bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    #[error("CA bundle exceeds {max} bytes")]
    TooLarge { max: usize },
    #[error("CA bundle has more than {max} certificates")]
    TooManyCertificates { max: usize },
    #[error("CA bundle has no PEM CERTIFICATE block")]
    Empty,
    #[error("CA bundle is not PEM: {0}")]
    Pem(#[from] PemError),
    #[error("PEM block {index} is labelled {label:?}, expected CERTIFICATE")]
    WrongPemLabel { index: usize, label: String },
    #[error("certificate {index} of the CA bundle: {reason}")]
    Malformed { index: usize, reason: String },
    #[error(
        "certificate {index} of the CA bundle ({subject}) is not a CA (basicConstraints CA=true)"
    )]
    NotCa { index: usize, subject: String },
    #[error("every certificate of the CA bundle is issued by another one: no trust anchor")]
    NoAnchor,
}

impl PkiError {
    pub fn code(&self) -> crate::Code {
        match self {
            PkiError::TooLarge { .. } | PkiError::TooManyCertificates { .. } => {
                crate::Code::PayloadTooLarge
            }
            PkiError::Empty
            | PkiError::Pem(_)
            | PkiError::WrongPemLabel { .. }
            | PkiError::Malformed { .. }
            | PkiError::NotCa { .. }
            | PkiError::NoAnchor => crate::Code::CertificateInvalid,
        }
    }
}

/// Registered X.509 trust anchors, parsed from a PEM bundle.
///
/// Every certificate of the bundle must be a CA. Those issued (by name and signature) by
/// another certificate of the same bundle are kept as intermediates: they help build paths but
/// are not trusted by themselves. The others — the root of each chain, or the topmost issuing
/// CA when the bundle carries no root — are the anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaBundle {
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
}

impl CaBundle {
    /// Parse a PEM bundle of CA certificates (at most [`limits::MAX_CA_BUNDLE_CERTS`] and
    /// [`limits::MAX_CA_BUNDLE_BYTES`]). Identical certificates are kept once.
    pub fn from_pem(pem: &[u8]) -> Result<CaBundle, PkiError> {
        if pem.len() > limits::MAX_CA_BUNDLE_BYTES {
            return Err(PkiError::TooLarge {
                max: limits::MAX_CA_BUNDLE_BYTES,
            });
        }
        let blocks = decode_pem_blocks(pem, limits::MAX_CA_BUNDLE_CERTS)?;
        if blocks.len() > limits::MAX_CA_BUNDLE_CERTS {
            return Err(PkiError::TooManyCertificates {
                max: limits::MAX_CA_BUNDLE_CERTS,
            });
        }
        if blocks.is_empty() {
            return Err(PkiError::Empty);
        }
        let mut ders: Vec<Vec<u8>> = Vec::with_capacity(blocks.len());
        for (i, (label, der)) in blocks.into_iter().enumerate() {
            let index = i + 1;
            if label != "CERTIFICATE" {
                return Err(PkiError::WrongPemLabel {
                    index,
                    label: crate::code::excerpt(&label, 40),
                });
            }
            let cert =
                parse_certificate(&der).map_err(|reason| PkiError::Malformed { index, reason })?;
            match path::basic_constraints(&cert) {
                Ok(Some((true, _))) => {}
                Ok(_) => {
                    return Err(PkiError::NotCa {
                        index,
                        subject: crate::code::excerpt(&name::rfc4514(cert.subject()), 200),
                    });
                }
                Err(reason) => return Err(PkiError::Malformed { index, reason }),
            }
            if !ders.contains(&der) {
                ders.push(der);
            }
        }
        let mut parsed = Vec::with_capacity(ders.len());
        for (i, der) in ders.iter().enumerate() {
            let cert = parse_certificate(der).map_err(|reason| PkiError::Malformed {
                index: i + 1,
                reason,
            })?;
            parsed.push((der, cert));
        }
        let (mut anchors, mut intermediates) = (Vec::new(), Vec::new());
        for (der, cert) in &parsed {
            let issued_inside = parsed.iter().any(|(other_der, other)| {
                other_der != der
                    && other.subject().as_raw() == cert.issuer().as_raw()
                    && signature::verify_issued_by(cert, other).is_ok()
            });
            if issued_inside {
                intermediates.push((*der).clone());
            } else {
                anchors.push((*der).clone());
            }
        }
        if anchors.is_empty() {
            return Err(PkiError::NoAnchor);
        }
        Ok(CaBundle {
            anchors,
            intermediates,
        })
    }

    /// Lowercase hex SHA-256 of each anchor's DER, for listings.
    pub fn fingerprints(&self) -> Vec<String> {
        self.anchors
            .iter()
            .map(|der| Digest::sha256_of(der).hex())
            .collect()
    }

    /// Each anchor's subject as an RFC 4514 string.
    pub fn subjects(&self) -> Vec<String> {
        self.anchors
            .iter()
            .filter_map(|der| parse_certificate(der).ok())
            .map(|cert| name::rfc4514(cert.subject()))
            .collect()
    }

    /// The anchors' DER encodings.
    pub fn anchors_der(&self) -> &[Vec<u8>] {
        &self.anchors
    }

    /// The bundle's intermediates' DER encodings (issued by another certificate of the bundle).
    pub fn intermediates_der(&self) -> &[Vec<u8>] {
        &self.intermediates
    }
}

/// Who a verified leaf certificate names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertIdentity {
    /// The subject DN as an RFC 4514 string (empty for Fulcio certificates).
    pub subject: String,
    /// subjectAltName rfc822Name entries.
    pub emails: Vec<String>,
    /// subjectAltName URI entries.
    pub uris: Vec<String>,
    /// subjectAltName dNSName entries.
    pub dns: Vec<String>,
    /// Fulcio's claim extensions (all empty for certificates Fulcio did not issue).
    pub fulcio: FulcioClaims,
}

impl CertIdentity {
    /// Read the identity fields of a certificate. Says nothing about whether it is trusted.
    pub fn of_certificate(cert: &X509Certificate<'_>) -> Self {
        let mut identity = CertIdentity {
            subject: name::rfc4514(cert.subject()),
            fulcio: FulcioClaims::from_certificate(cert),
            ..CertIdentity::default()
        };
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for general_name in &san.value.general_names {
                match general_name {
                    GeneralName::RFC822Name(v) => identity.emails.push((*v).to_owned()),
                    GeneralName::URI(v) => identity.uris.push((*v).to_owned()),
                    GeneralName::DNSName(v) => identity.dns.push((*v).to_owned()),
                    _ => {}
                }
            }
        }
        identity
    }

    /// Parse a DER certificate and read its identity (untrusted until its chain verified).
    pub fn from_der(der: &[u8]) -> Result<Self, String> {
        parse_certificate(der).map(|cert| Self::of_certificate(&cert))
    }
}

/// The outcome of [`verify_chain`].
#[derive(Debug, Clone)]
pub struct ChainReport {
    pub checks: Vec<Check>,
    /// The leaf's identity, only when every check passed.
    pub identity: Option<CertIdentity>,
}

impl ChainReport {
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.checks)
    }

    /// The stable code for a failed chain (`untrusted_certificate` when no path to an anchor
    /// exists, else `certificate_invalid`); `None` when it passed.
    pub fn failure_code(&self) -> Option<crate::Code> {
        failure_code(&self.checks)
    }
}

/// Verify `leaf` (DER) with the untrusted `intermediates` up to an anchor of `anchors`, valid
/// at `at` (unix ms: trusted time supplied by the caller), for code signing. See the module
/// documentation for the steps.
pub fn verify_chain(
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    anchors: &CaBundle,
    at: i64,
) -> ChainReport {
    let unbuilt = |why: String| ChainReport {
        checks: build_failed(why),
        identity: None,
    };
    let leaf_cert = match parse_certificate(leaf) {
        Ok(c) => c,
        Err(e) => return unbuilt(format!("leaf certificate: {e}")),
    };
    if intermediates.len() > limits::MAX_SUPPLIED_INTERMEDIATES {
        return unbuilt(format!(
            "{} intermediates supplied; at most {} are accepted",
            intermediates.len(),
            limits::MAX_SUPPLIED_INTERMEDIATES
        ));
    }
    // The candidate issuers: anchors first (shortest paths are found first), then the bundle's
    // intermediates, then the supplied ones. A certificate is in the pool once, and the leaf
    // never is: it cannot vouch for itself.
    let mut pool: Vec<Node<'_>> = Vec::new();
    fn add<'a>(pool: &mut Vec<Node<'a>>, leaf: &[u8], der: &'a [u8], anchor: bool) {
        if der == leaf || pool.iter().any(|n| n.der == der) {
            return;
        }
        if let Ok(cert) = parse_certificate(der) {
            pool.push(Node { der, cert, anchor });
        }
    }
    // The bundle's certificates all parsed when it was registered.
    for der in &anchors.anchors {
        add(&mut pool, leaf, der, true);
    }
    for der in &anchors.intermediates {
        add(&mut pool, leaf, der, false);
    }
    for (i, der) in intermediates.iter().enumerate() {
        if let Err(e) = parse_certificate(der) {
            return unbuilt(format!("supplied intermediate {}: {e}", i + 1));
        }
        add(&mut pool, leaf, der, false);
    }
    let mut paths = Vec::new();
    let mut budget = limits::MAX_CANDIDATE_PATHS * limits::MAX_CHAIN_CERTS * 4;
    candidate_paths(&leaf_cert, &pool, &mut Vec::new(), &mut paths, &mut budget);
    if paths.is_empty() {
        return unbuilt(format!(
            "no path from the leaf (issuer {}) to a registered trust anchor within {} certificates",
            shown(&name::rfc4514(leaf_cert.issuer())),
            limits::MAX_CHAIN_CERTS
        ));
    }
    let mut best: Option<(usize, Vec<Check>)> = None;
    for path in &paths {
        let certs: Vec<&X509Certificate<'_>> = std::iter::once(&leaf_cert)
            .chain(path.iter().filter_map(|&j| pool.get(j).map(|n| &n.cert)))
            .collect();
        let checks = path::evaluate_path(&certs, at);
        let failures = checks.iter().filter(|c| c.result != Outcome::Pass).count();
        if failures == 0 {
            return ChainReport {
                checks,
                identity: Some(CertIdentity::of_certificate(&leaf_cert)),
            };
        }
        if best.as_ref().is_none_or(|(least, _)| failures < *least) {
            best = Some((failures, checks));
        }
    }
    ChainReport {
        checks: best.map_or_else(|| build_failed("no path".into()), |(_, checks)| checks),
        identity: None,
    }
}

/// The outcome of [`verify_envelope_with_chain`].
#[derive(Debug, Clone)]
pub struct ChainEnvelopeReport {
    /// The `chain.*` checks, then `dsse.envelope`, `dsse.signature` and the Statement steps.
    pub checks: Vec<Check>,
    /// The leaf's identity, when the chain verified.
    pub identity: Option<CertIdentity>,
    /// The Statement, read only after the chain and a signature by the leaf's key verified.
    pub statement: Option<Statement>,
}

impl ChainEnvelopeReport {
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.checks)
    }

    /// The stable code of the first failing step (`untrusted_certificate`,
    /// `certificate_invalid`, `signature_invalid` or `invalid_statement`); `None` on a pass.
    pub fn failure_code(&self) -> Option<crate::Code> {
        failure_code(&self.checks)
    }
}

/// Verify a DSSE envelope signed by the key of `leaf`, whose chain must verify to an anchor of
/// `anchors` at `at` (see [`verify_chain`]). The signature is checked with Cairn's key machinery
/// over PAE of the exact payload; the payload is read only when the chain and a signature
/// verified. Signatures by other keys do not reject the envelope (as in
/// [`crate::attestation::check_envelope`]): they are recorded as skipped, optional checks.
pub fn verify_envelope_with_chain(
    envelope: &Envelope,
    leaf: &[u8],
    intermediates: &[Vec<u8>],
    anchors: &CaBundle,
    at: i64,
) -> ChainEnvelopeReport {
    let chain = verify_chain(leaf, intermediates, anchors, at);
    let chain_ok = chain.verdict() == Verdict::Pass;
    let mut checks = chain.checks;
    let not_read = |why: &str| {
        [names::STATEMENT_PAYLOAD_TYPE, names::STATEMENT_PARSE]
            .map(|step| Check::skipped(step, format!("{why}; the payload is not read")))
    };
    let key = parse_certificate(leaf)
        .map_err(|e| format!("leaf certificate: {e}"))
        .and_then(|cert| {
            let key = PublicKey::from_spki_der(cert.public_key().raw)
                .map_err(|e| format!("the leaf certificate's key is not usable: {e}"))?;
            Ok(TrustedKey {
                name: certificate_label(&cert),
                public_key: key,
            })
        });
    let key = match key {
        Ok(k) => k,
        Err(why) => {
            checks.push(Check::fail(names::DSSE_SIGNATURE, why));
            checks.extend(not_read("no usable signing key"));
            return ChainEnvelopeReport {
                checks,
                identity: None,
                statement: None,
            };
        }
    };
    let keys = [key];
    if !chain_ok {
        checks.push(Check::pass(
            names::DSSE_ENVELOPE,
            format!(
                "{} signature(s), payloadType {}",
                envelope.signatures.len(),
                envelope.payload_type
            ),
        ));
        checks.extend(verify_signatures(envelope, &keys).checks);
        checks.extend(not_read("the signing certificate is not trusted"));
        return ChainEnvelopeReport {
            checks,
            identity: None,
            statement: None,
        };
    }
    let report = check_envelope(envelope, &keys);
    let verified = report.error.is_none() || !report.signers.is_empty();
    checks.extend(report.checks.into_iter().map(|c| {
        if verified && c.check == names::DSSE_SIGNATURE && c.result == Outcome::Fail {
            let mut other = Check::skipped(
                names::DSSE_SIGNATURE,
                format!(
                    "not by the certificate's key (another signer, not relied on): {}",
                    c.detail
                ),
            )
            .optional();
            other.subject = c.subject;
            other
        } else {
            c
        }
    }));
    ChainEnvelopeReport {
        checks,
        identity: chain.identity,
        statement: report.statement,
    }
}

/// One candidate issuer.
struct Node<'a> {
    der: &'a [u8],
    cert: X509Certificate<'a>,
    anchor: bool,
}

/// Depth-first search for name-chained paths from `current` to an anchor (indices into `pool`,
/// leaf excluded). Bounded: depth by [`limits::MAX_CHAIN_CERTS`], results by
/// [`limits::MAX_CANDIDATE_PATHS`], work by `budget`.
fn candidate_paths(
    current: &X509Certificate<'_>,
    pool: &[Node<'_>],
    path: &mut Vec<usize>,
    out: &mut Vec<Vec<usize>>,
    budget: &mut usize,
) {
    for (j, node) in pool.iter().enumerate() {
        if out.len() >= limits::MAX_CANDIDATE_PATHS || *budget == 0 {
            return;
        }
        if path.contains(&j) || node.cert.subject().as_raw() != current.issuer().as_raw() {
            continue;
        }
        *budget -= 1;
        // Certificates on the path with this node: the leaf, `path`, and the node.
        let len = path.len() + 2;
        if len > limits::MAX_CHAIN_CERTS {
            continue;
        }
        path.push(j);
        if node.anchor {
            out.push(path.clone());
        } else if len < limits::MAX_CHAIN_CERTS {
            candidate_paths(&node.cert, pool, path, out, budget);
        }
        path.pop();
    }
}

/// A failed `chain.build`; nothing else can run without a path.
fn build_failed(why: String) -> Vec<Check> {
    let mut checks = vec![Check::fail(names::CHAIN_BUILD, why)];
    checks.extend(
        PATH_CHECKS
            .iter()
            .map(|step| Check::skipped(step, "no certification path to a trust anchor")),
    );
    checks
}

fn failure_code(checks: &[Check]) -> Option<crate::Code> {
    if verdict_of(checks) == Verdict::Pass {
        return None;
    }
    let failing = checks.iter().find(|c| match c.result {
        Outcome::Pass => false,
        Outcome::Fail => true,
        Outcome::Skipped => c.required,
    });
    Some(match failing.map(|c| c.check) {
        Some(names::CHAIN_BUILD) => crate::Code::UntrustedCertificate,
        Some(names::DSSE_SIGNATURE) => crate::Code::SignatureInvalid,
        Some(names::STATEMENT_PAYLOAD_TYPE | names::STATEMENT_PARSE) => {
            crate::Code::InvalidStatement
        }
        _ => crate::Code::CertificateInvalid,
    })
}

/// Parse one whole DER certificate within the size limit.
fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    if der.len() > limits::MAX_CERTIFICATE_BYTES {
        return Err(format!(
            "certificate exceeds {} bytes",
            limits::MAX_CERTIFICATE_BYTES
        ));
    }
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err("trailing bytes after the certificate".into()),
        Err(e) => Err(format!("malformed certificate: {e}")),
    }
}

/// A short human label: the subject DN, or the first SAN when the subject is empty.
fn certificate_label(cert: &X509Certificate<'_>) -> String {
    let subject = name::rfc4514(cert.subject());
    if !subject.is_empty() {
        return shown(&subject);
    }
    let identity = CertIdentity::of_certificate(cert);
    match identity
        .uris
        .first()
        .or(identity.emails.first())
        .or(identity.dns.first())
    {
        Some(san) => format!("(SAN {})", shown(san)),
        None => "(no subject)".to_owned(),
    }
}

fn shown(s: &str) -> String {
    format!("\"{}\"", crate::code::excerpt(s, 120))
}

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
mod signature;

pub use fulcio::{FulcioClaim, FulcioClaims, UnknownClaim};

use crate::attestation::{TrustedKey, check_envelope, verify_signatures};
use crate::digest::Digest;
use crate::dsse::Envelope;
use crate::keys::{PemError, PublicKey, decode_pem_blocks};
use crate::limits;
use crate::statement::Statement;
use crate::time::Timestamp;
use crate::verify::{Check, Outcome, Verdict, verdict_of};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
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

const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";
const OID_AUTHORITY_KEY_ID: &str = "2.5.29.35";
const OID_NAME_CONSTRAINTS: &str = "2.5.29.30";

/// Extensions Cairn processes (or that only help path building), so they may be critical.
const UNDERSTOOD: &[&str] = &[
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    OID_EXTENDED_KEY_USAGE,
    OID_SUBJECT_ALT_NAME,
    OID_SUBJECT_KEY_ID,
    OID_AUTHORITY_KEY_ID,
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
            match basic_constraints(&cert) {
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
    fn add<'a>(pool: &mut Vec<Node<'a>>, leaf: &[u8], der: &'a [u8], anchor: bool) -> bool {
        match parse_certificate(der) {
            Ok(cert) => {
                if der != leaf && !pool.iter().any(|n| n.der == der) {
                    pool.push(Node { der, cert, anchor });
                }
                true
            }
            Err(_) => false,
        }
    }
    // The bundle's certificates parsed when it was registered.
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
        let checks = evaluate_path(&certs, at);
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

/// Steps 1-7 for one path: `certs[0]` is the leaf, the last one the anchor.
fn evaluate_path(certs: &[&X509Certificate<'_>], at: i64) -> Vec<Check> {
    let n = certs.len();
    let label = |i: usize, cert: &X509Certificate<'_>| {
        let role = if i == 0 {
            "leaf".to_owned()
        } else if i + 1 == n {
            "anchor".to_owned()
        } else {
            format!("intermediate {i}")
        };
        format!("{role} {}", certificate_label(cert))
    };
    let labelled: Vec<(usize, &X509Certificate<'_>, String)> = certs
        .iter()
        .enumerate()
        .map(|(i, c)| (i, *c, label(i, c)))
        .collect();
    let issuers = labelled.iter().skip(1);
    let mut checks = vec![Check::pass(
        names::CHAIN_BUILD,
        format!(
            "{} ({n} certificates)",
            labelled
                .iter()
                .map(|(_, _, l)| l.as_str())
                .collect::<Vec<_>>()
                .join(" <- ")
        ),
    )];

    // 2. Signatures, link by link.
    let mut problems = Vec::new();
    let mut algorithms = Vec::new();
    for pair in labelled.windows(2) {
        if let [(_, cert, l), (_, issuer, _)] = pair {
            match signature::verify_issued_by(cert, issuer) {
                Ok(alg) => algorithms.push(alg),
                Err(e) => problems.push(format!("{l}: {e}")),
            }
        }
    }
    checks.push(outcome(
        names::CHAIN_SIGNATURE,
        problems,
        format!("{} link(s) verified ({})", n - 1, algorithms.join(", ")),
    ));

    // 3. Validity at the trusted time (RFC 5280 §4.1.2.5: both bounds inclusive, to the second).
    let mut problems = Vec::new();
    for (_, cert, l) in &labelled {
        let validity = cert.validity();
        let not_before = validity.not_before.timestamp().saturating_mul(1000);
        let not_after = validity
            .not_after
            .timestamp()
            .saturating_mul(1000)
            .saturating_add(999);
        if at < not_before {
            problems.push(format!(
                "{l} is not valid before {}",
                Timestamp::from_unix_millis(not_before)
            ));
        } else if at > not_after {
            problems.push(format!(
                "{l} expired at {}",
                Timestamp::from_unix_millis(not_after.saturating_sub(999))
            ));
        }
    }
    checks.push(outcome(
        names::CHAIN_VALIDITY,
        problems,
        format!(
            "every certificate is valid at {}",
            Timestamp::from_unix_millis(at)
        ),
    ));

    // 4. basicConstraints.
    let mut problems = Vec::new();
    if let Some((_, leaf, l)) = labelled.first() {
        match basic_constraints(leaf) {
            Ok(Some((true, _))) => problems.push(format!("{l} is a CA certificate")),
            Ok(_) => {}
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    for (i, cert, l) in issuers.clone() {
        match basic_constraints(cert) {
            Ok(Some((true, path_len))) => {
                // Non-self-issued intermediates between the leaf and this CA (RFC 5280 §6.1.4).
                let below = labelled
                    .get(1..*i)
                    .unwrap_or_default()
                    .iter()
                    .filter(|(_, c, _)| c.subject().as_raw() != c.issuer().as_raw())
                    .count();
                if let Some(max) = path_len
                    && usize::try_from(max).is_ok_and(|max| below > max)
                {
                    problems.push(format!(
                        "{l} allows {max} intermediate(s) below it (pathLenConstraint), the path has {below}"
                    ));
                }
            }
            Ok(_) => problems.push(format!("{l} is not a CA (no basicConstraints CA=true)")),
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    checks.push(outcome(
        names::CHAIN_BASIC_CONSTRAINTS,
        problems,
        "every issuer is a CA within its path length; the leaf is not a CA".to_owned(),
    ));

    // 5. keyUsage.
    let mut problems = Vec::new();
    if let Some((_, leaf, l)) = labelled.first() {
        match key_usage(leaf) {
            Ok(Some(ku)) if !ku.digital_signature() => {
                problems.push(format!("{l} keyUsage lacks digitalSignature"));
            }
            Ok(_) => {}
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    for (_, cert, l) in issuers.clone() {
        match key_usage(cert) {
            Ok(Some(ku)) if ku.key_cert_sign() => {}
            Ok(Some(_)) => problems.push(format!("{l} keyUsage lacks keyCertSign")),
            Ok(None) => problems.push(format!(
                "{l} has no keyUsage extension (an issuer must assert keyCertSign)"
            )),
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    checks.push(outcome(
        names::CHAIN_KEY_USAGE,
        problems,
        "issuers assert keyCertSign; the leaf may sign".to_owned(),
    ));

    // 6. extendedKeyUsage: code signing.
    let mut problems = Vec::new();
    if let Some((_, leaf, l)) = labelled.first() {
        match extended_key_usage(leaf) {
            Ok(Some(eku)) if eku.code_signing => {}
            Ok(Some(eku)) => problems.push(format!(
                "{l} extendedKeyUsage lacks codeSigning (has {})",
                eku_names(eku)
            )),
            Ok(None) => problems.push(format!(
                "{l} has no extendedKeyUsage (codeSigning is required)"
            )),
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    for (_, cert, l) in issuers {
        match extended_key_usage(cert) {
            Ok(Some(eku)) if !(eku.code_signing || eku.any) => problems.push(format!(
                "{l} restricts extendedKeyUsage to {} (codeSigning not allowed)",
                eku_names(eku)
            )),
            Ok(_) => {}
            Err(e) => problems.push(format!("{l}: {e}")),
        }
    }
    checks.push(outcome(
        names::CHAIN_EXTENDED_KEY_USAGE,
        problems,
        "the leaf is for codeSigning and every issuer allows it".to_owned(),
    ));

    // 7. Extensions Cairn does not understand.
    let mut problems = Vec::new();
    for (i, cert, l) in &labelled {
        let mut seen: Vec<String> = Vec::new();
        for ext in cert.extensions() {
            let oid = ext.oid.to_id_string();
            if seen.contains(&oid) {
                problems.push(format!("{l} has extension {oid} twice"));
                continue;
            }
            if oid == OID_NAME_CONSTRAINTS {
                problems.push(format!(
                    "{l} has name constraints, which Cairn does not enforce"
                ));
            } else if ext.critical && !UNDERSTOOD.contains(&oid.as_str()) {
                problems.push(format!("{l} has unknown critical extension {oid}"));
            } else if ext.critical && ext.parsed_extension().error().is_some() {
                problems.push(format!("{l} has malformed critical extension {oid}"));
            }
            seen.push(oid);
        }
        if *i == 0 && cert.subject_alternative_name().is_err() {
            problems.push(format!("{l} has a malformed subjectAltName"));
        }
    }
    checks.push(outcome(
        names::CHAIN_CRITICAL_EXTENSIONS,
        problems,
        "no unknown critical extension".to_owned(),
    ));
    checks
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

fn outcome(check: &'static str, problems: Vec<String>, ok: String) -> Check {
    if problems.is_empty() {
        Check::pass(check, ok)
    } else {
        Check::fail(check, problems.join("; "))
    }
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

/// The single extension `oid` of `cert`: an error when it appears twice or does not parse.
fn unique_extension<'a, 'b>(
    cert: &'b X509Certificate<'a>,
    oid: &str,
    what: &str,
) -> Result<Option<&'b X509Extension<'a>>, String> {
    let mut found = cert
        .extensions()
        .iter()
        .filter(|e| e.oid.to_id_string() == oid);
    let first = found.next();
    if found.next().is_some() {
        return Err(format!("{what} appears twice"));
    }
    match first {
        Some(ext) if ext.parsed_extension().error().is_some() => Err(format!("malformed {what}")),
        other => Ok(other),
    }
}

/// (CA, pathLenConstraint) from basicConstraints, `None` when absent.
fn basic_constraints(cert: &X509Certificate<'_>) -> Result<Option<(bool, Option<u32>)>, String> {
    match unique_extension(cert, OID_BASIC_CONSTRAINTS, "basicConstraints")?
        .map(X509Extension::parsed_extension)
    {
        None => Ok(None),
        Some(ParsedExtension::BasicConstraints(bc)) => Ok(Some((bc.ca, bc.path_len_constraint))),
        Some(_) => Err("malformed basicConstraints".into()),
    }
}

fn key_usage<'b>(
    cert: &'b X509Certificate<'_>,
) -> Result<Option<&'b x509_parser::extensions::KeyUsage>, String> {
    match unique_extension(cert, OID_KEY_USAGE, "keyUsage")?.map(X509Extension::parsed_extension) {
        None => Ok(None),
        Some(ParsedExtension::KeyUsage(ku)) => Ok(Some(ku)),
        Some(_) => Err("malformed keyUsage".into()),
    }
}

fn extended_key_usage<'a, 'b>(
    cert: &'b X509Certificate<'a>,
) -> Result<Option<&'b x509_parser::extensions::ExtendedKeyUsage<'a>>, String> {
    match unique_extension(cert, OID_EXTENDED_KEY_USAGE, "extendedKeyUsage")?
        .map(X509Extension::parsed_extension)
    {
        None => Ok(None),
        Some(ParsedExtension::ExtendedKeyUsage(eku)) => Ok(Some(eku)),
        Some(_) => Err("malformed extendedKeyUsage".into()),
    }
}

fn eku_names(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> String {
    let mut out: Vec<String> = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ]
    .iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| (*name).to_owned())
    .collect();
    out.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    if out.is_empty() {
        "nothing".to_owned()
    } else {
        out.join(", ")
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

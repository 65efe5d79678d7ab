//! Sigstore bundles (v0.1, v0.2, v0.3): offline verification against a trusted root.
//!
//! The cryptographic verification — certificate chain to a Fulcio CA valid at the signing time,
//! SCTs, Rekor v1 inclusion proofs, signed checkpoints and SETs, Rekor v2 entries, RFC 3161
//! timestamps, the signature over the artifact (or its pre-computed digest), and the consistency of
//! the log entry with the bundle — is done by `sigstore-verify`, which passes the whole upstream
//! conformance suite. Cairn records what it verified as checks and adds its own:
//!
//! 1. `bundle.parse` — the bundle parses and has a known media type.
//! 2. `sigstore.verify` — everything `sigstore-verify` checks (see above); on success the
//!    individual properties are recorded as `certificate.chain`, `certificate.sct`,
//!    `tlog.inclusion` and `signing.time`. Cairn adds `certificate.noRoot` (the bundle must not
//!    ship a self-signed certificate: roots come only from the trusted root) and
//!    `certificate.identity` (any of several [`IdentityPolicy`]s: SAN and OIDC issuer, exact or
//!    anchored regex, plus Fulcio claims such as the GitHub workflow ref; the check says which
//!    policy matched, or why each did not).
//! 3. `tlog.checkpoint` — for every log entry with an inclusion proof: the proof's `rootHash` and
//!    `treeSize` equal the root hash and size in its signed checkpoint, and the checkpoint carries a
//!    signature line named after its origin (C2SP signed note; Rekor v1 origins are
//!    `<name> - <tree id>`). The unsigned copies must agree with what was verified.
//! 4. `statement.parse` — DSSE bundles only: the payload is an in-toto Statement by Cairn's rules
//!    (known `_type`, subjects with well-formed digests, a predicate type URI).
//! 5. `statement.subject` — DSSE bundles only: the artifact's digest is a subject.
//!
//! Waived checks (`--insecure-ignore-tlog`) are recorded as skipped, never silently dropped.
//!
//! A key-signed bundle with neither a log entry nor a timestamp is checked by Cairn itself, and
//! only under the waiver: DSSE over PAE of the payload; a message signature over the artifact
//! bytes, or — given only `sha256:<hex>` — over that digest (ECDSA keys: the signature is over
//! SHA-256 of the message, so the digest is all a prehash verifier needs; Ed25519 signs the
//! message itself and RSA keys are not prehash-verified, so those fail closed).

use crate::digest::{Digest, DigestAlgorithm};
use crate::statement::Statement;
use crate::verify::{Check, Verdict, verdict_of};
use crate::x509::{FulcioClaim, FulcioClaims};
pub use sigstore_verify::Verifier;
use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::types::{Bundle, SignatureContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy};

pub use sigstore_verify::trust_root::{
    SIGSTORE_PRODUCTION_TRUSTED_ROOT, SIGSTORE_STAGING_TRUSTED_ROOT,
};

/// Check names emitted by [`verify_bundle`].
pub mod names {
    pub const BUNDLE_PARSE: &str = "bundle.parse";
    pub const SIGSTORE_VERIFY: &str = "sigstore.verify";
    pub const CERTIFICATE_CHAIN: &str = "certificate.chain";
    pub const CERTIFICATE_SCT: &str = "certificate.sct";
    pub const CERTIFICATE_ROOT: &str = "certificate.noRoot";
    pub const CERTIFICATE_IDENTITY: &str = "certificate.identity";
    pub const TLOG_INCLUSION: &str = "tlog.inclusion";
    pub const TLOG_CHECKPOINT: &str = "tlog.checkpoint";
    pub const SIGNING_TIME: &str = "signing.time";
    pub const SIGNATURE: &str = "bundle.signature";
    pub use crate::verify::names::{STATEMENT_PARSE, STATEMENT_SUBJECT};
}

/// What was signed: the artifact bytes, or only its SHA-256 digest.
#[derive(Debug, Clone, Copy)]
pub enum BundleArtifact<'a> {
    Bytes(&'a [u8]),
    Sha256(&'a Digest),
}

pub use crate::matcher::Matcher;

impl From<crate::matcher::PatternError> for BundleError {
    fn from(e: crate::matcher::PatternError) -> Self {
        BundleError::Pattern(e.to_string())
    }
}

/// One acceptable keyless signer: the certificate's SAN (`subject`), its OIDC issuer, and
/// optionally Fulcio claims (all must match).
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub subject: Matcher,
    pub issuer: Matcher,
    pub claims: Vec<(FulcioClaim, Matcher)>,
}

impl IdentityPolicy {
    /// A policy on the SAN and issuer only.
    pub fn new(subject: Matcher, issuer: Matcher) -> Self {
        Self {
            subject,
            issuer,
            claims: Vec::new(),
        }
    }

    /// Also require `claim` to match (e.g. the GitHub workflow ref).
    pub fn with_claim(mut self, claim: FulcioClaim, matcher: Matcher) -> Self {
        self.claims.push((claim, matcher));
        self
    }

    /// `Ok(what matched)` or `Err(the first mismatch)`, against a verified certificate's values.
    fn evaluate(
        &self,
        san: Option<&str>,
        issuer: Option<&str>,
        claims: &FulcioClaims,
    ) -> Result<String, String> {
        let shown = |v: Option<&str>| v.map_or_else(|| "(none)".to_owned(), |v| format!("{v:?}"));
        if !san.is_some_and(|v| self.subject.is_match(v)) {
            return Err(format!(
                "SAN {} does not match {}",
                shown(san),
                self.subject
            ));
        }
        if !issuer.is_some_and(|v| self.issuer.is_match(v)) {
            return Err(format!(
                "issuer {} does not match {}",
                shown(issuer),
                self.issuer
            ));
        }
        let mut matched = Vec::new();
        for (claim, matcher) in &self.claims {
            let value = claims.get(*claim);
            if !value.as_deref().is_some_and(|v| matcher.is_match(v)) {
                return Err(format!(
                    "claim {claim} {} does not match {}",
                    shown(value.as_deref()),
                    matcher
                ));
            }
            matched.push(format!("{claim} {}", matcher));
        }
        Ok(if matched.is_empty() {
            String::new()
        } else {
            format!(", {}", matched.join(", "))
        })
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Signer {
    /// A keyless (Fulcio) certificate whose SAN and OIDC issuer match.
    Identity { identity: Matcher, issuer: Matcher },
    /// A keyless certificate matching any one of these policies (an empty list is refused).
    Identities(Vec<IdentityPolicy>),
    /// A managed key, PEM SubjectPublicKeyInfo.
    Key { spki_der: Vec<u8> },
}

impl Signer {
    /// The identity policies of a keyless signer, `None` for a key. Errors on an empty or
    /// oversized list: an empty any-of would accept nothing, and must be said, not implied.
    fn policies(&self) -> Result<Option<Vec<IdentityPolicy>>, BundleError> {
        match self {
            Signer::Identity { identity, issuer } => Ok(Some(vec![IdentityPolicy::new(
                identity.clone(),
                issuer.clone(),
            )])),
            Signer::Identities(list) if list.is_empty() => Err(BundleError::NoIdentityPolicy),
            Signer::Identities(list) if list.len() > crate::limits::MAX_IDENTITY_POLICIES => {
                Err(BundleError::TooManyIdentityPolicies {
                    max: crate::limits::MAX_IDENTITY_POLICIES,
                })
            }
            Signer::Identities(list) => Ok(Some(list.clone())),
            Signer::Key { .. } => Ok(None),
        }
    }
}

/// Transparency-log requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tlog {
    #[default]
    Required,
    /// cosign's `--insecure-ignore-tlog`: recorded as a skipped (waived) check.
    InsecureIgnore,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("invalid trusted root: {0}")]
    TrustedRoot(String),
    #[error("the digest must be sha256 (got {0})")]
    DigestAlgorithm(DigestAlgorithm),
    #[error("invalid identity pattern: {0}")]
    Pattern(String),
    #[error("no identity policy given: a keyless signer needs at least one")]
    NoIdentityPolicy,
    #[error("more than {max} identity policies")]
    TooManyIdentityPolicies { max: usize },
}

impl BundleError {
    pub fn code(&self) -> crate::Code {
        match self {
            BundleError::TooManyIdentityPolicies { .. } => crate::Code::PayloadTooLarge,
            BundleError::TrustedRoot(_)
            | BundleError::DigestAlgorithm(_)
            | BundleError::Pattern(_)
            | BundleError::NoIdentityPolicy => crate::Code::InvalidRequest,
        }
    }
}

/// The outcome of verifying one bundle.
#[derive(Debug, Clone)]
pub struct BundleReport {
    pub checks: Vec<Check>,
    /// The verified certificate identity (SAN) and OIDC issuer, for keyless bundles.
    pub identity: Option<(String, String)>,
    /// The signing time proven by the log or a timestamp authority (unix ms).
    pub signing_time_ms: Option<i64>,
    /// Which identity policy matched (index into the signer's list), for keyless bundles.
    pub matched_policy: Option<usize>,
}

impl BundleReport {
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.checks)
    }
}

/// Parse a trusted root (`trusted_root.json`) and prepare a verifier from it.
pub fn load_trusted_root(json: &str) -> Result<Verifier, BundleError> {
    let root = TrustedRoot::from_json(json).map_err(|e| BundleError::TrustedRoot(e.to_string()))?;
    Verifier::new(&root).map_err(|e| BundleError::TrustedRoot(e.to_string()))
}

/// Verify a bundle (JSON bytes) for `artifact`, signed by `signer`, against `verifier`.
pub fn verify_bundle(
    verifier: &Verifier,
    bundle_json: &[u8],
    artifact: BundleArtifact<'_>,
    signer: &Signer,
    tlog: Tlog,
) -> Result<BundleReport, BundleError> {
    let policies = signer.policies()?;
    let mut checks = Vec::new();
    let report = |checks: Vec<Check>| BundleReport {
        checks,
        identity: None,
        signing_time_ms: None,
        matched_policy: None,
    };

    // 1. Parse.
    let bundle = match std::str::from_utf8(bundle_json)
        .map_err(|e| e.to_string())
        .and_then(|s| Bundle::from_json(s).map_err(|e| e.to_string()))
    {
        Ok(b) => b,
        Err(e) => {
            checks.push(Check::fail(
                names::BUNDLE_PARSE,
                crate::code::excerpt(&e, 300),
            ));
            checks.push(Check::skipped(
                names::SIGSTORE_VERIFY,
                "bundle did not parse",
            ));
            return Ok(report(checks));
        }
    };
    checks.push(Check::pass(names::BUNDLE_PARSE, bundle.media_type.as_str()));

    // A key-signed bundle without any log entry or timestamp: only under the explicit waiver.
    if let (Signer::Key { spki_der }, Tlog::InsecureIgnore) = (signer, tlog) {
        let raw: serde_json::Value = serde_json::from_slice(bundle_json).unwrap_or_default();
        let material = &raw["verificationMaterial"];
        let no_entries = material["tlogEntries"].as_array().is_none_or(Vec::is_empty);
        let no_timestamps = material["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .is_none_or(Vec::is_empty);
        if no_entries && no_timestamps {
            return Ok(verify_key_only(&bundle, &raw, artifact, spki_der, checks));
        }
    }

    // 2. sigstore-verify.
    let sha256;
    let target: sigstore_verify::types::Artifact<'_> = match artifact {
        BundleArtifact::Bytes(b) => b.into(),
        BundleArtifact::Sha256(d) => {
            if d.algorithm() != DigestAlgorithm::Sha256 {
                return Err(BundleError::DigestAlgorithm(d.algorithm()));
            }
            let mut bytes = [0u8; 32];
            bytes.copy_from_slice(d.as_bytes());
            sha256 = sigstore_verify::types::Sha256Hash::new(bytes);
            (&sha256).into()
        }
    };
    let outcome = match (signer, &policies) {
        (_, Some(policies)) => {
            // A single exact pair is enforced by sigstore-verify itself, as is an exact issuer
            // shared by every policy; everything else is checked below (certificate.identity)
            // against the verified certificate.
            let shared_issuer = match policies.first().map(|p| &p.issuer) {
                Some(Matcher::Exact(iss))
                    if policies
                        .iter()
                        .all(|p| matches!(&p.issuer, Matcher::Exact(i) if i == iss)) =>
                {
                    Some(iss.as_str())
                }
                _ => None,
            };
            let mut policy = match (policies.as_slice(), shared_issuer) {
                (
                    [
                        IdentityPolicy {
                            subject: Matcher::Exact(id),
                            ..
                        },
                    ],
                    Some(iss),
                ) => VerificationPolicy::new(id.as_str(), iss),
                (_, Some(iss)) => VerificationPolicy::any_identity().require_issuer(iss),
                (_, None) => VerificationPolicy::any_identity(),
            };
            if tlog == Tlog::InsecureIgnore {
                policy = policy.skip_tlog_unsafe();
            }
            verifier.verify(target, &bundle, &policy)
        }
        (Signer::Key { spki_der }, None) => {
            let mut policy = PublicKeyVerificationPolicy::new(
                sigstore_verify::types::DerPublicKey::new(spki_der.clone()),
            );
            if tlog == Tlog::InsecureIgnore {
                policy = policy.skip_tlog_unsafe();
            }
            verifier.verify(target, &bundle, &policy)
        }
        // `policies` is `Some` for every keyless signer.
        (Signer::Identity { .. } | Signer::Identities(_), None) => {
            checks.push(Check::fail(names::SIGSTORE_VERIFY, "no identity policy"));
            return Ok(report(checks));
        }
    };
    let result = match outcome {
        Ok(r) => r,
        Err(e) => {
            checks.push(Check::fail(
                names::SIGSTORE_VERIFY,
                crate::code::excerpt(&e.to_string(), 500),
            ));
            return Ok(report(checks));
        }
    };
    checks.push(Check::pass(
        names::SIGSTORE_VERIFY,
        "signature, artifact binding and log entry consistency verified",
    ));
    let mut identity = None;
    let mut matched_policy = None;
    if let Some(policies) = &policies {
        checks.push(flag(
            names::CERTIFICATE_CHAIN,
            result.certificate_verified(),
            "chains to a Fulcio CA of the trusted root, valid at the signing time",
        ));
        if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(bundle_json) {
            checks.push(check_no_root_in_chain(&raw));
        }
        checks.push(flag(
            names::CERTIFICATE_SCT,
            result.sct_verified(),
            "SCT verified against a CT log key",
        ));
        let (san, iss) = (
            result.identity().map(|s| s.as_str().to_owned()),
            result.issuer().map(str::to_owned),
        );
        // The claims of the certificate sigstore-verify just verified (the bundle's leaf).
        let claims = bundle
            .signing_certificate()
            .and_then(|der| crate::x509::CertIdentity::from_der(der.as_bytes()).ok())
            .map(|id| id.fulcio)
            .unwrap_or_default();
        let (check, matched) = match_policies(
            policies,
            result.certificate_verified(),
            san.as_deref(),
            iss.as_deref(),
            &claims,
        );
        checks.push(check);
        matched_policy = matched;
        if let (Some(s), Some(i)) = (san, iss) {
            identity = Some((s, i));
        }
    }
    match tlog {
        Tlog::Required => checks.push(flag(
            names::TLOG_INCLUSION,
            result.tlog_verified(),
            "inclusion proof, checkpoint and/or SET verified",
        )),
        Tlog::InsecureIgnore => checks.push(
            Check::skipped(names::TLOG_INCLUSION, "waived by --insecure-ignore-tlog").optional(),
        ),
    }
    let signing_time_ms = result
        .integrated_time()
        .or_else(|| result.verified_timestamps().first().copied())
        .map(|t| t.as_millisecond());
    match signing_time_ms {
        Some(ms) => checks.push(Check::pass(
            names::SIGNING_TIME,
            crate::time::Timestamp::from_unix_millis(ms).to_rfc3339(),
        )),
        None if tlog == Tlog::InsecureIgnore => checks.push(
            Check::skipped(
                names::SIGNING_TIME,
                "no log entry or timestamp; waived by --insecure-ignore-tlog",
            )
            .optional(),
        ),
        None => checks.push(Check::fail(names::SIGNING_TIME, "no verified signing time")),
    }

    // 3. The unsigned copies in each inclusion proof agree with its signed checkpoint.
    if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(bundle_json) {
        checks.extend(check_checkpoints(&raw));
    }

    // 4-5. Cairn's Statement rules for DSSE bundles.
    checks.extend(statement_checks(&bundle, artifact));
    Ok(BundleReport {
        checks,
        identity,
        signing_time_ms,
        matched_policy,
    })
}

/// `certificate.identity`: the first policy the verified certificate satisfies, or why each
/// failed. One policy without claims keeps the historical detail wording.
fn match_policies(
    policies: &[IdentityPolicy],
    certificate_verified: bool,
    san: Option<&str>,
    issuer: Option<&str>,
    claims: &FulcioClaims,
) -> (Check, Option<usize>) {
    let seen = format!("{} issued by {}", san.unwrap_or("?"), issuer.unwrap_or("?"));
    if !certificate_verified {
        return (
            Check::fail(
                names::CERTIFICATE_IDENTITY,
                format!("not verified: {seen} (the certificate did not verify)"),
            ),
            None,
        );
    }
    let mut reasons = Vec::with_capacity(policies.len());
    for (i, policy) in policies.iter().enumerate() {
        match policy.evaluate(san, issuer, claims) {
            Ok(extra) => {
                let expected = format!("expected {} from {}{extra}", policy.subject, policy.issuer);
                let detail = if policies.len() == 1 {
                    format!("{seen} ({expected})")
                } else {
                    format!(
                        "{seen}: policy {} of {} matched ({expected})",
                        i + 1,
                        policies.len()
                    )
                };
                return (Check::pass(names::CERTIFICATE_IDENTITY, detail), Some(i));
            }
            Err(why) => reasons.push(if policies.len() == 1 {
                why
            } else {
                format!("policy {}: {why}", i + 1)
            }),
        }
    }
    (
        Check::fail(
            names::CERTIFICATE_IDENTITY,
            format!(
                "not verified: {seen}; no identity policy matched: {}",
                reasons.join("; ")
            ),
        ),
        None,
    )
}

/// Steps 4-5: Cairn's Statement rules, for DSSE bundles.
fn statement_checks(bundle: &Bundle, artifact: BundleArtifact<'_>) -> Vec<Check> {
    let mut checks = Vec::new();
    if let SignatureContent::DsseEnvelope(env) = &bundle.content {
        match Statement::parse(env.payload.as_bytes()) {
            Ok(statement) => {
                checks.push(Check::pass(
                    names::STATEMENT_PARSE,
                    format!("predicate {}", statement.predicate_type),
                ));
                let digest = match artifact {
                    BundleArtifact::Bytes(b) => Digest::sha256_of(b),
                    BundleArtifact::Sha256(d) => d.clone(),
                };
                checks.push(if statement.has_subject_digest(&digest) {
                    Check::pass(names::STATEMENT_SUBJECT, format!("{digest} is a subject"))
                } else {
                    Check::fail(
                        names::STATEMENT_SUBJECT,
                        format!("{digest} is not a subject"),
                    )
                });
            }
            Err(e) => checks.push(Check::fail(names::STATEMENT_PARSE, e.to_string())),
        }
    }
    checks
}

/// A key-signed bundle with neither a log entry nor a timestamp, verified only because the
/// caller waived the log (`--insecure-ignore-tlog`): `sigstore-verify` refuses such bundles, so
/// Cairn checks the signature itself with the managed key. There is no trusted signing time.
fn verify_key_only(
    bundle: &Bundle,
    raw: &serde_json::Value,
    artifact: BundleArtifact<'_>,
    spki_der: &[u8],
    mut checks: Vec<Check>,
) -> BundleReport {
    checks.push(
        Check::skipped(
            names::SIGSTORE_VERIFY,
            "bundle has no log entry or timestamp; waived by --insecure-ignore-tlog",
        )
        .optional(),
    );
    let key = match crate::keys::PublicKey::from_spki_der(spki_der) {
        Ok(k) => k,
        Err(e) => {
            checks.push(Check::fail(names::SIGNATURE, format!("unusable key: {e}")));
            return BundleReport {
                checks,
                identity: None,
                signing_time_ms: None,
                matched_policy: None,
            };
        }
    };
    let signature = match &bundle.content {
        SignatureContent::DsseEnvelope(_) => {
            let env = &raw["dsseEnvelope"];
            let payload = env["payload"]
                .as_str()
                .and_then(|p| crate::encoding::decode_base64(p).ok());
            let sigs: Vec<Vec<u8>> = env["signatures"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| {
                    s["sig"]
                        .as_str()
                        .and_then(|b| crate::encoding::decode_base64(b).ok())
                })
                .collect();
            match (payload, env["payloadType"].as_str()) {
                (Some(payload), Some(pt)) => {
                    let pae = crate::dsse::pae(pt, &payload);
                    if sigs.iter().any(|sig| key.verify(&pae, sig).is_ok()) {
                        Check::pass(
                            names::SIGNATURE,
                            format!("DSSE signature verifies with key {}", key.keyid().short()),
                        )
                    } else {
                        Check::fail(names::SIGNATURE, "no DSSE signature verifies with the key")
                    }
                }
                _ => Check::fail(names::SIGNATURE, "malformed DSSE envelope"),
            }
        }
        SignatureContent::MessageSignature(_) => {
            let sig = raw["messageSignature"]["signature"]
                .as_str()
                .and_then(|b| crate::encoding::decode_base64(b).ok());
            match (artifact, sig) {
                (_, None) => Check::fail(names::SIGNATURE, "malformed message signature"),
                (BundleArtifact::Bytes(bytes), Some(sig)) => {
                    if key.verify(bytes, &sig).is_ok() {
                        Check::pass(
                            names::SIGNATURE,
                            format!(
                                "message signature verifies with key {}",
                                key.keyid().short()
                            ),
                        )
                    } else {
                        Check::fail(
                            names::SIGNATURE,
                            "message signature does not verify with the key",
                        )
                    }
                }
                (BundleArtifact::Sha256(digest), Some(sig)) => verify_prehashed(&key, digest, &sig),
            }
        }
        // A content kind this version does not know: never accepted.
        _ => Check::fail(names::SIGNATURE, "unsupported bundle content"),
    };
    checks.push(signature);
    checks
        .push(Check::skipped(names::TLOG_INCLUSION, "waived by --insecure-ignore-tlog").optional());
    checks.push(
        Check::skipped(
            names::SIGNING_TIME,
            "no log entry or timestamp; waived by --insecure-ignore-tlog",
        )
        .optional(),
    );
    checks.extend(statement_checks(bundle, artifact));
    BundleReport {
        checks,
        identity: None,
        signing_time_ms: None,
        matched_policy: None,
    }
}

/// A message signature checked against the artifact's digest alone (no artifact bytes).
///
/// ECDSA signs H(message): with H(message) in hand, a prehash verifier checks the same equation
/// as a message verifier. The digest's algorithm names H — `sha256:` for P-256 keys as cosign
/// signs, `sha384:` for P-384 keys signing with SHA-384 — and a signature made with another
/// hash simply does not verify. The prehash verifier is `sigstore-verify`'s own (aws-lc-rs),
/// the one it uses for digest-only bundles with a log entry. Ed25519 signs the message itself
/// (its hash is internal), so it cannot be checked from a digest; RSA keys are not supported
/// here. Both fail, never pass unchecked.
fn verify_prehashed(key: &crate::keys::PublicKey, digest: &Digest, sig: &[u8]) -> Check {
    use crate::keys::KeyAlgorithm;
    use sigstore_verify::crypto::{SigningScheme, verify_signature_prehashed};
    use sigstore_verify::types::{DerPublicKey, SignatureBytes};
    let scheme = match (key.algorithm(), digest.algorithm()) {
        (KeyAlgorithm::EcdsaP256, DigestAlgorithm::Sha256) => SigningScheme::EcdsaP256Sha256,
        (KeyAlgorithm::EcdsaP256, DigestAlgorithm::Sha384) => SigningScheme::EcdsaP256Sha384,
        (KeyAlgorithm::EcdsaP384, DigestAlgorithm::Sha256) => SigningScheme::EcdsaP384Sha256,
        (KeyAlgorithm::EcdsaP384, DigestAlgorithm::Sha384) => SigningScheme::EcdsaP384Sha384,
        (KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384, other) => {
            return Check::fail(
                names::SIGNATURE,
                format!(
                    "ECDSA signatures are verified from a sha256 or sha384 digest, not {other}"
                ),
            );
        }
        (KeyAlgorithm::Ed25519, _) => {
            return Check::fail(
                names::SIGNATURE,
                "an Ed25519 signature covers the message itself and cannot be verified from its digest: give the artifact file",
            );
        }
        (KeyAlgorithm::Rsa, _) => {
            return Check::fail(
                names::SIGNATURE,
                "RSA message signatures are not verified from a digest: give the artifact file",
            );
        }
    };
    match verify_signature_prehashed(
        &DerPublicKey::new(key.spki_der().to_vec()),
        digest.as_bytes(),
        &SignatureBytes::new(sig.to_vec()),
        scheme,
    ) {
        Ok(()) => Check::pass(
            names::SIGNATURE,
            format!(
                "message signature over {digest} verifies with key {} (prehashed)",
                key.keyid().short()
            ),
        ),
        Err(_) => Check::fail(
            names::SIGNATURE,
            format!("message signature does not verify over {digest} with the key"),
        ),
    }
}

/// Roots come only from the trusted root: a bundle that ships a self-signed certificate in its
/// chain is rejected, so no verifier can be tricked into treating it as an anchor.
fn check_no_root_in_chain(bundle: &serde_json::Value) -> Check {
    use x509_parser::prelude::FromDer;
    let material = &bundle["verificationMaterial"];
    let certs: Vec<&str> = material["x509CertificateChain"]["certificates"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(std::iter::once(&material["certificate"]))
        .filter_map(|c| c["rawBytes"].as_str())
        .collect();
    for (i, b64) in certs.iter().enumerate() {
        let Ok(der) = crate::encoding::decode_base64(b64) else {
            return Check::fail(
                names::CERTIFICATE_ROOT,
                format!("certificate {} is not base64", i + 1),
            );
        };
        match x509_parser::certificate::X509Certificate::from_der(&der) {
            Ok((_, cert)) if cert.subject() == cert.issuer() => {
                return Check::fail(
                    names::CERTIFICATE_ROOT,
                    format!(
                        "certificate {} of the bundle is self-signed ({}): roots come only from the trusted root",
                        i + 1,
                        cert.subject()
                    ),
                );
            }
            Ok(_) => {}
            Err(_) => {
                return Check::fail(
                    names::CERTIFICATE_ROOT,
                    format!("certificate {} does not parse", i + 1),
                );
            }
        }
    }
    Check::pass(
        names::CERTIFICATE_ROOT,
        format!("{} certificate(s), none self-signed", certs.len()),
    )
}

/// Step 3 for every tlog entry that has an inclusion proof with a checkpoint.
fn check_checkpoints(bundle: &serde_json::Value) -> Vec<Check> {
    let entries = bundle["verificationMaterial"]["tlogEntries"].as_array();
    entries
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, entry)| {
            let proof = entry.get("inclusionProof")?;
            let note = proof["checkpoint"]["envelope"].as_str()?;
            let label = format!("tlog entry {}", i + 1);
            Some(match checkpoint_consistency(proof, note) {
                Ok(detail) => Check::pass(names::TLOG_CHECKPOINT, detail).about(label),
                Err(why) => Check::fail(names::TLOG_CHECKPOINT, why).about(label),
            })
        })
        .collect()
}

fn checkpoint_consistency(proof: &serde_json::Value, note: &str) -> Result<String, String> {
    let (body, signatures) = note
        .split_once("\n\n")
        .ok_or("checkpoint has no blank line before its signatures")?;
    let mut lines = body.lines();
    let (origin, size, root) = match (lines.next(), lines.next(), lines.next()) {
        (Some(o), Some(s), Some(r)) => (o, s, r),
        _ => return Err("checkpoint body lacks origin, size or root hash".into()),
    };
    let root =
        crate::encoding::decode_base64(root).map_err(|_| "checkpoint root hash is not base64")?;
    let proof_root = proof["rootHash"]
        .as_str()
        .and_then(|r| crate::encoding::decode_base64(r).ok())
        .ok_or("inclusion proof has no rootHash")?;
    if proof_root != root {
        return Err("inclusion proof rootHash differs from the signed checkpoint's root".into());
    }
    let proof_size = match &proof["treeSize"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return Err("inclusion proof has no treeSize".into()),
    };
    if proof_size != size {
        return Err(format!(
            "inclusion proof treeSize {proof_size} differs from the checkpoint's {size}"
        ));
    }
    // Rekor v1 origins are "<key name> - <tree id>"; C2SP logs sign with their origin as name.
    let key_name = origin.split_once(" - ").map_or(origin, |(name, _)| name);
    let named = signatures.lines().any(|line| {
        line.strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split_once(' '))
            .is_some_and(|(name, _)| name == key_name || name == origin)
    });
    if !named {
        return Err(format!(
            "checkpoint has no signature line from its origin {key_name:?}"
        ));
    }
    Ok(format!(
        "{origin}: size {size}, root matches the inclusion proof"
    ))
}

fn flag(name: &'static str, ok: bool, detail: &str) -> Check {
    if ok {
        Check::pass(name, detail)
    } else {
        Check::fail(name, format!("not verified: {detail}"))
    }
}

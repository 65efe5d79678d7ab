//! Accepting a Sigstore bundle as an attestation upload (`POST /v1/attestations`).
//!
//! The server does not know yet which identities a policy will want, so a keyless bundle is
//! verified completely (chain to a trusted Fulcio CA, SCTs, transparency log, signature, content)
//! against the Sigstore public-good root and every registered Sigstore root, with any identity
//! accepted — and the identity it proves is recorded as the signer (`keyless <issuer> <san>`).
//! A DSSE bundle whose certificate is not from a Sigstore CA may chain to a registered X.509 CA
//! bundle instead (enterprise PKI; signer `x509 <subject>`), checked at the server's own time.
//! A key-signed bundle must verify with a registered, active key; without a log entry it is
//! accepted only because the key is registered, with the server's log time as signing time.
//!
//! What gets indexed: a DSSE bundle's in-toto Statement (subjects and predicate type), or for a
//! message-signature bundle a Statement synthesised over the signed digest with Cairn's signature
//! predicate (a Sigstore message signature over a digest is a signature of that digest).

use crate::attestation::{AttestationError, TrustedKey, VerifiedAttestation};
use crate::bundle::{self, BundleArtifact, IdentityPolicy, Matcher, Signer, Tlog, Verifier};
use crate::digest::{Digest, DigestAlgorithm};
use crate::dsse::Envelope;
use crate::predicate::CAIRN_SIGNATURE_V1;
use crate::statement::{Statement, Subject};
use crate::verify::{Check, Verdict};
use crate::x509::CaBundle;
use serde_json::Value;

/// Media type prefix of every Sigstore bundle version.
const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";

/// What a bundle upload is checked against.
pub struct BundleTrust<'a> {
    /// (name, verifier): the public-good root and the registered Sigstore roots.
    pub sigstore: &'a [(String, Verifier)],
    /// (name, bundle): registered X.509 CA bundles.
    pub x509: &'a [(String, CaBundle)],
    pub keys: &'a [TrustedKey],
    pub revoked: &'a [TrustedKey],
    /// The server's time (unix ms): the signing time for certificate chains without a log.
    pub now_ms: i64,
}

/// Whether an upload is a Sigstore bundle (a JSON object whose `mediaType` says so).
pub fn is_bundle(bytes: &[u8]) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return false;
    };
    map.get("mediaType")
        .and_then(Value::as_str)
        .is_some_and(|m| m.starts_with(BUNDLE_MEDIA_TYPE_PREFIX))
}

fn invalid(detail: impl Into<String>) -> AttestationError {
    AttestationError::SignatureInvalid(detail.into())
}

/// What the bundle signs.
enum Content {
    Dsse {
        envelope: Envelope,
        statement: Statement,
    },
    MessageSignature {
        digest: Digest,
    },
}

fn content_of(bundle: &Value) -> Result<Content, AttestationError> {
    if let Some(dsse) = bundle.get("dsseEnvelope") {
        let text = serde_json::to_vec(dsse).map_err(|e| invalid(format!("dsseEnvelope: {e}")))?;
        let envelope = Envelope::parse(&text)?;
        let statement = Statement::parse(&envelope.payload)?;
        return Ok(Content::Dsse {
            envelope,
            statement,
        });
    }
    let md = bundle
        .get("messageSignature")
        .and_then(|m| m.get("messageDigest"))
        .ok_or_else(|| {
            invalid("the bundle has neither dsseEnvelope nor messageSignature.messageDigest")
        })?;
    let algorithm = match md.get("algorithm").and_then(Value::as_str) {
        Some("SHA2_256") => "sha256",
        Some("SHA2_384") => "sha384",
        Some("SHA2_512") => "sha512",
        other => {
            return Err(invalid(format!(
                "unsupported message digest algorithm {other:?}"
            )));
        }
    };
    let raw = md
        .get("digest")
        .and_then(Value::as_str)
        .and_then(|d| crate::encoding::decode_base64(d).ok())
        .ok_or_else(|| invalid("messageDigest.digest is not base64"))?;
    let digest: Digest = format!("{algorithm}:{}", hex::encode(raw))
        .parse()
        .map_err(|e: crate::digest::DigestError| invalid(e.to_string()))?;
    Ok(Content::MessageSignature { digest })
}

/// The certificate (leaf, then chain) of a keyless bundle, DER.
fn certificates_of(bundle: &Value) -> Vec<Vec<u8>> {
    let material = bundle.get("verificationMaterial");
    let decode = |v: &Value| {
        v.get("rawBytes")
            .and_then(Value::as_str)
            .and_then(|b| crate::encoding::decode_base64(b).ok())
    };
    if let Some(cert) = material.and_then(|m| m.get("certificate")).and_then(decode) {
        return vec![cert];
    }
    material
        .and_then(|m| m.get("x509CertificateChain"))
        .and_then(|c| c.get("certificates"))
        .and_then(Value::as_array)
        .map(|certs| certs.iter().filter_map(decode).collect())
        .unwrap_or_default()
}

fn has_tlog_entries(bundle: &Value) -> bool {
    bundle
        .get("verificationMaterial")
        .and_then(|m| m.get("tlogEntries"))
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

fn sha256_artifact(content: &Content) -> Result<Digest, AttestationError> {
    let digest = match content {
        Content::Dsse { statement, .. } => statement
            .subjects
            .iter()
            .flat_map(|s| s.digests.iter())
            .find(|d| d.algorithm() == DigestAlgorithm::Sha256)
            .cloned()
            .ok_or_else(|| invalid("the Statement names no sha256 subject digest"))?,
        Content::MessageSignature { digest } => digest.clone(),
    };
    if digest.algorithm() != DigestAlgorithm::Sha256 {
        return Err(invalid("only sha256 message digests are supported"));
    }
    Ok(digest)
}

/// The Statement a stored (already verified) bundle was indexed with: its DSSE Statement, or the
/// signature Statement synthesised over a message signature's digest.
pub fn statement_of_stored(bytes: &[u8]) -> Result<Statement, AttestationError> {
    let bundle: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(format!("bundle JSON: {e}")))?;
    Ok(match content_of(&bundle)? {
        Content::Dsse { statement, .. } => statement,
        Content::MessageSignature { digest } => signature_statement(digest),
    })
}

/// The certificate facts of a stored bundle, for policies: Fulcio claims by their policy names
/// (`githubWorkflowRef`, …) and each SAN (`san`). Empty for key-signed bundles.
pub fn claims_of_stored(bytes: &[u8]) -> Vec<(String, String)> {
    let Ok(bundle) = serde_json::from_slice::<Value>(bytes) else {
        return Vec::new();
    };
    let Some(leaf) = certificates_of(&bundle).into_iter().next() else {
        return Vec::new();
    };
    let Ok(identity) = crate::x509::CertIdentity::from_der(&leaf) else {
        return Vec::new();
    };
    let mut claims: Vec<(String, String)> = crate::x509::FulcioClaim::ALL
        .iter()
        .filter_map(|c| identity.fulcio.get(*c).map(|v| (c.as_str().to_owned(), v)))
        .collect();
    for san in identity
        .emails
        .iter()
        .chain(&identity.uris)
        .chain(&identity.dns)
    {
        claims.push(("san".to_owned(), san.clone()));
    }
    claims
}

fn signature_statement(digest: Digest) -> Statement {
    Statement::new_v1(
        vec![Subject {
            name: String::new(),
            digests: vec![digest],
            other_digests: Vec::new(),
        }],
        CAIRN_SIGNATURE_V1,
        serde_json::json!({"sigstoreMessageSignature": true}),
    )
}

/// Verify a bundle upload; on success, what to store and index.
pub fn verify_bundle_upload(
    bytes: &[u8],
    trust: &BundleTrust<'_>,
) -> Result<VerifiedAttestation, AttestationError> {
    let bundle: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(format!("bundle JSON: {e}")))?;
    let media_type = bundle
        .get("mediaType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let content = content_of(&bundle)?;
    let artifact_digest = sha256_artifact(&content)?;
    let artifact = BundleArtifact::Sha256(&artifact_digest);
    let certificates = certificates_of(&bundle);
    let mut failures: Vec<String> = Vec::new();
    let (checks, signer_ids, identities) = if certificates.is_empty() {
        verify_with_keys(bytes, &bundle, artifact, trust, &mut failures)?
    } else {
        verify_keyless(
            bytes,
            &content,
            &certificates,
            artifact,
            trust,
            &mut failures,
        )?
    };
    let statement = match content {
        Content::Dsse { statement, .. } => statement,
        Content::MessageSignature { digest } => signature_statement(digest),
    };
    statement.require_indexable_subject()?;
    Ok(VerifiedAttestation {
        bytes: bytes.to_vec(),
        content_id: Digest::sha256_of(bytes),
        payload_type: media_type,
        statement,
        signers: signer_ids,
        identities,
        checks,
    })
}

type Verified = (Vec<Check>, Vec<crate::keys::KeyId>, Vec<String>);

fn verify_keyless(
    bytes: &[u8],
    content: &Content,
    certificates: &[Vec<u8>],
    artifact: BundleArtifact<'_>,
    trust: &BundleTrust<'_>,
    failures: &mut Vec<String>,
) -> Result<Verified, AttestationError> {
    let any = Signer::Identities(vec![IdentityPolicy::new(
        Matcher::regex(".*").map_err(|e| invalid(e.to_string()))?,
        Matcher::regex(".*").map_err(|e| invalid(e.to_string()))?,
    )]);
    for (name, verifier) in trust.sigstore {
        match bundle::verify_bundle(verifier, bytes, artifact, &any, Tlog::Required) {
            Ok(report) if report.verdict() == Verdict::Pass => {
                let Some((san, issuer)) = report.identity.clone() else {
                    failures.push(format!("{name}: no identity in a verified certificate"));
                    continue;
                };
                return Ok((
                    report.checks,
                    Vec::new(),
                    vec![format!("keyless {issuer} {san}")],
                ));
            }
            Ok(report) => failures.push(format!("{name}: {}", first_failure(&report.checks))),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    // Enterprise PKI: a DSSE bundle signed by a certificate under a registered CA bundle.
    if let Content::Dsse { envelope, .. } = content
        && let Some((leaf, intermediates)) = certificates.split_first()
    {
        for (name, anchors) in trust.x509 {
            let report = crate::x509::verify_envelope_with_chain(
                envelope,
                leaf,
                intermediates,
                anchors,
                trust.now_ms,
            );
            if report.verdict() == Verdict::Pass
                && let Some(identity) = &report.identity
            {
                return Ok((
                    report.checks,
                    Vec::new(),
                    vec![
                        format!("x509 {}", identity.subject),
                        format!("x509-ca {name}"),
                    ],
                ));
            }
            failures.push(format!(
                "x509 root {name}: {}",
                first_failure(&report.checks)
            ));
        }
    }
    Err(AttestationError::UntrustedSigner(format!(
        "no trusted root verifies this bundle ({})",
        failures.join("; ")
    )))
}

fn verify_with_keys(
    bytes: &[u8],
    bundle: &Value,
    artifact: BundleArtifact<'_>,
    trust: &BundleTrust<'_>,
    failures: &mut Vec<String>,
) -> Result<Verified, AttestationError> {
    let tlog = if has_tlog_entries(bundle) {
        Tlog::Required
    } else {
        // A registered key vouches for the signer; the server's log gives the time.
        Tlog::InsecureIgnore
    };
    let Some((_, verifier)) = trust.sigstore.first() else {
        return Err(invalid("no Sigstore root is configured"));
    };
    let hint = bundle
        .get("verificationMaterial")
        .and_then(|m| m.get("publicKey"))
        .and_then(|k| k.get("hint"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut ordered: Vec<&TrustedKey> = trust.keys.iter().collect();
    ordered.sort_by_key(|k| k.public_key.keyid().as_str() != hint);
    let budget = crate::limits::MAX_SIGNATURE_CHECKS_PER_UPLOAD.min(256);
    if ordered.len() + trust.revoked.len() > budget {
        return Err(AttestationError::TooManySignatureChecks { max: budget });
    }
    let try_key = |k: &TrustedKey| {
        let signer = Signer::Key {
            spki_der: k.public_key.spki_der().to_vec(),
        };
        bundle::verify_bundle(verifier, bytes, artifact, &signer, tlog)
    };
    for k in ordered {
        match try_key(k) {
            Ok(report) if report.verdict() == Verdict::Pass => {
                return Ok((
                    report.checks,
                    vec![k.public_key.keyid().clone()],
                    Vec::new(),
                ));
            }
            Ok(report) => failures.push(format!(
                "key {} ({}): {}",
                k.public_key.keyid().short(),
                k.name,
                first_failure(&report.checks)
            )),
            Err(e) => failures.push(format!("key {}: {e}", k.public_key.keyid().short())),
        }
    }
    for k in trust.revoked {
        if try_key(k).is_ok_and(|r| r.verdict() == Verdict::Pass) {
            return Err(AttestationError::KeyRevoked(format!(
                "key {} ({})",
                k.public_key.keyid().short(),
                k.name
            )));
        }
    }
    Err(AttestationError::UnknownSigner(format!(
        "no registered key verifies this key-signed bundle{}",
        if failures.is_empty() {
            String::new()
        } else {
            format!(" ({})", failures.join("; "))
        }
    )))
}

fn first_failure(checks: &[Check]) -> String {
    checks
        .iter()
        .find(|c| c.result == crate::verify::Outcome::Fail)
        .map(|c| format!("{}: {}", c.check, c.detail))
        .unwrap_or_else(|| "not verified".into())
}

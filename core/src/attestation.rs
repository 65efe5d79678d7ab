//! Attestation ingest: split an upload into envelopes, verify signatures against trusted keys,
//! then (and only then) parse the payload as an in-toto Statement.
//!
//! Steps, each recorded as a [`Check`]:
//! 1. `dsse.envelope` — the bytes are a DSSE envelope (see [`crate::dsse`]).
//! 2. `dsse.signature` — per signature: the key named by the keyid hint is tried first, then
//!    every other trusted key (the hint is unauthenticated; it orders the search, never decides).
//!    The envelope is trusted when at least one signature verifies over PAE of the exact payload.
//! 3. `statement.payloadType` — the payload type is in-toto's.
//! 4. `statement.parse` — the payload is a valid Statement.

use crate::digest::Digest;
use crate::dsse::{DsseError, Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{KeyId, PublicKey};
use crate::limits;
use crate::statement::{Statement, StatementError};
use crate::verify::{Check, names};

/// A key the caller trusts (e.g. a registered, active key), with a display name.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub name: String,
    pub public_key: PublicKey,
}

/// One envelope as received: the exact bytes, their content id and the parsed envelope.
#[derive(Debug, Clone)]
pub struct ReceivedEnvelope {
    pub bytes: Vec<u8>,
    /// sha256 of `bytes`.
    pub content_id: Digest,
    pub envelope: Envelope,
}

/// An envelope whose signature verified and whose payload is a valid Statement.
#[derive(Debug, Clone)]
pub struct VerifiedAttestation {
    pub bytes: Vec<u8>,
    pub content_id: Digest,
    pub payload_type: String,
    pub statement: Statement,
    /// The trusted keys that verified a signature.
    pub signers: Vec<KeyId>,
    /// Certificate identities that verified (Sigstore bundles): `keyless <issuer> <san>` or
    /// `x509 <subject>`.
    pub identities: Vec<String>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestationError {
    #[error("upload is empty")]
    Empty,
    #[error("upload has more than {max} envelopes")]
    TooManyEnvelopes { max: usize },
    /// Envelope `index` (1-based, blank lines not counted) of a JSON-lines upload.
    #[error("envelope {index} of the upload: {source}")]
    Entry {
        index: usize,
        #[source]
        source: Box<AttestationError>,
    },
    #[error(transparent)]
    Envelope(#[from] DsseError),
    #[error("no trusted key verifies any signature: {0}")]
    UnknownSigner(String),
    #[error("signature does not verify: {0}")]
    SignatureInvalid(String),
    #[error("signed by a revoked key: {0}")]
    KeyRevoked(String),
    #[error("{0}")]
    UntrustedSigner(String),
    #[error(
        "the upload needs more than {max} signature checks (signatures whose keyid names no registered key are tried against every key); upload fewer envelopes at once"
    )]
    TooManySignatureChecks { max: usize },
    #[error(transparent)]
    Statement(#[from] StatementError),
}

impl AttestationError {
    pub fn code(&self) -> crate::Code {
        match self {
            AttestationError::Empty => crate::Code::InvalidEnvelope,
            AttestationError::TooManyEnvelopes { .. } => crate::Code::PayloadTooLarge,
            AttestationError::Entry { source, .. } => source.code(),
            AttestationError::Envelope(e) => e.code(),
            AttestationError::UnknownSigner(_) => crate::Code::UnknownSigner,
            AttestationError::SignatureInvalid(_) => crate::Code::SignatureInvalid,
            AttestationError::KeyRevoked(_) => crate::Code::KeyRevoked,
            AttestationError::UntrustedSigner(_) => crate::Code::UntrustedCertificate,
            AttestationError::TooManySignatureChecks { .. } => crate::Code::PayloadTooLarge,
            AttestationError::Statement(e) => e.code(),
        }
    }
}

impl ReceivedEnvelope {
    pub fn parse(bytes: &[u8]) -> Result<Self, DsseError> {
        let envelope = Envelope::parse(bytes)?;
        Ok(Self {
            bytes: bytes.to_vec(),
            content_id: Digest::sha256_of(bytes),
            envelope,
        })
    }
}

/// Split an upload into envelopes: one JSON document (kept byte-exact, whitespace included), or
/// JSON lines of envelopes as `cosign attest --output-file` writes them (each line kept exactly,
/// without its line terminator).
pub fn split_upload(body: &[u8]) -> Result<Vec<ReceivedEnvelope>, AttestationError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(AttestationError::Empty);
    }
    let whole = ReceivedEnvelope::parse(body);
    let whole_err = match whole {
        Ok(one) => return Ok(vec![one]),
        Err(e) => e,
    };
    let lines: Vec<&[u8]> = body
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .collect();
    // A single document that failed to parse is reported as such, not as "line 1".
    if lines.len() < 2 {
        return Err(whole_err.into());
    }
    if lines.len() > limits::MAX_ENVELOPES_PER_UPLOAD {
        return Err(AttestationError::TooManyEnvelopes {
            max: limits::MAX_ENVELOPES_PER_UPLOAD,
        });
    }
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match ReceivedEnvelope::parse(line) {
            Ok(env) => out.push(env),
            // Not JSON lines after all (e.g. a pretty-printed document with a syntax error).
            Err(DsseError::Json(_)) if i == 0 => return Err(whole_err.into()),
            Err(e) => {
                return Err(AttestationError::Entry {
                    index: i + 1,
                    source: Box::new(e.into()),
                });
            }
        }
    }
    Ok(out)
}

/// Result of checking an envelope's signatures: one check per signature.
#[derive(Debug, Clone)]
pub struct SignatureOutcome {
    pub checks: Vec<Check>,
    pub signers: Vec<KeyId>,
    /// Some signature's keyid hint named a trusted key whose verification failed.
    pub hinted_key_failed: bool,
}

/// A bound on the signature checks one upload may cause (against amplification: a small upload
/// whose signatures name no key would otherwise be tried against every registered key).
struct Budget {
    remaining: std::cell::Cell<usize>,
    exhausted: std::cell::Cell<bool>,
}

impl Budget {
    fn new(checks: usize) -> Self {
        Self {
            remaining: std::cell::Cell::new(checks),
            exhausted: std::cell::Cell::new(false),
        }
    }

    /// Take one check; false (and remembered) once the budget is spent.
    fn take(&self) -> bool {
        match self.remaining.get().checked_sub(1) {
            Some(left) => {
                self.remaining.set(left);
                true
            }
            None => {
                self.exhausted.set(true);
                false
            }
        }
    }
}

/// Verify every signature of `envelope` against `keys` (step 2).
pub fn verify_signatures(envelope: &Envelope, keys: &[TrustedKey]) -> SignatureOutcome {
    verify_signatures_within(envelope, keys, &Budget::new(usize::MAX))
}

fn verify_signatures_within(
    envelope: &Envelope,
    keys: &[TrustedKey],
    budget: &Budget,
) -> SignatureOutcome {
    let message = envelope.pae();
    let mut checks = Vec::with_capacity(envelope.signatures.len());
    let mut signers: Vec<KeyId> = Vec::new();
    let mut hinted_key_failed = false;
    for (i, sig) in envelope.signatures.iter().enumerate() {
        let hint = sig.keyid.as_deref();
        let hinted = |k: &&TrustedKey| Some(k.public_key.keyid().as_str()) == hint;
        let ordered = keys
            .iter()
            .filter(hinted)
            .chain(keys.iter().filter(|k| !hinted(k)));
        let mut verified = None;
        for key in ordered {
            if !budget.take() {
                break;
            }
            if let Ok(scheme) = key.public_key.verify(&message, &sig.sig) {
                verified = Some((key, scheme));
                break;
            }
        }
        let label = format!("signature {}", i + 1);
        match verified {
            Some((key, scheme)) => {
                let keyid = key.public_key.keyid().clone();
                checks.push(
                    Check::pass(
                        names::DSSE_SIGNATURE,
                        format!("{} key {} ({})", scheme.as_str(), keyid.short(), key.name),
                    )
                    .about(label),
                );
                if !signers.contains(&keyid) {
                    signers.push(keyid);
                }
            }
            None => {
                let named = keys.iter().find(|k| hinted(k));
                let detail = match (named, hint) {
                    (Some(k), _) => {
                        hinted_key_failed = true;
                        format!(
                            "does not verify with key {} ({}) named by its keyid, nor any other trusted key",
                            k.public_key.keyid().short(),
                            k.name
                        )
                    }
                    (None, Some(h)) => format!(
                        "keyid hint {:?} is not a trusted key, and no trusted key verifies it",
                        h.chars().take(64).collect::<String>()
                    ),
                    (None, None) => "no keyid hint, and no trusted key verifies it".to_owned(),
                };
                checks.push(Check::fail(names::DSSE_SIGNATURE, detail).about(label));
            }
        }
    }
    SignatureOutcome {
        checks,
        signers,
        hinted_key_failed,
    }
}

/// The most signature checks [`verify_upload`] can run on `received` with `keys` keys (every
/// signature tried against every key), for deciding where to run it.
pub fn worst_case_signature_checks(received: &[ReceivedEnvelope], keys: usize) -> usize {
    received
        .iter()
        .map(|r| r.envelope.signatures.len().saturating_mul(keys.max(1)))
        .fold(0, usize::saturating_add)
}

/// Verify every envelope of an upload (all must pass: an upload is stored all or nothing), and
/// require each Statement to name an artifact Cairn can index.
///
/// `revoked` keys are never trusted: they are consulted only to explain a rejection, so that an
/// envelope whose sole valid signature comes from a revoked key fails with `key_revoked` rather
/// than `unknown_signer`.
pub fn verify_upload(
    received: Vec<ReceivedEnvelope>,
    keys: &[TrustedKey],
    revoked: &[TrustedKey],
) -> Result<Vec<VerifiedAttestation>, AttestationError> {
    let many = received.len() > 1;
    let budget = Budget::new(limits::MAX_SIGNATURE_CHECKS_PER_UPLOAD);
    let too_much = || AttestationError::TooManySignatureChecks {
        max: limits::MAX_SIGNATURE_CHECKS_PER_UPLOAD,
    };
    received
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            // Kept only to explain a rejection; revoked keys are tried only after a failure.
            let for_revoked = (!revoked.is_empty()).then(|| r.envelope.clone());
            verify_attestation_within(r, keys, &budget)
                .map_err(|e| match (e, for_revoked) {
                    _ if budget.exhausted.get() => too_much(),
                    (
                        AttestationError::UnknownSigner(_) | AttestationError::SignatureInvalid(_),
                        Some(envelope),
                    ) if !verify_signatures_within(&envelope, revoked, &budget)
                        .signers
                        .is_empty() =>
                    {
                        let by = verify_signatures(&envelope, revoked).signers;
                        let ids: Vec<String> = by.iter().map(ToString::to_string).collect();
                        AttestationError::KeyRevoked(format!("key {} is revoked", ids.join(", ")))
                    }
                    (other, _) => other,
                })
                .and_then(|v| {
                    v.statement.require_indexable_subject()?;
                    Ok(v)
                })
                .map_err(|e| {
                    if many {
                        AttestationError::Entry {
                            index: i + 1,
                            source: Box::new(e),
                        }
                    } else {
                        e
                    }
                })
        })
        .collect()
}

/// Every step of checking one envelope, recorded whether it passed or not.
#[derive(Debug, Clone)]
pub struct EnvelopeReport {
    pub checks: Vec<Check>,
    /// The trusted keys that verified a signature.
    pub signers: Vec<KeyId>,
    /// The Statement, when the signature verified and the payload parsed.
    pub statement: Option<Statement>,
    /// Why the envelope is not a trusted attestation, if it is not.
    pub error: Option<AttestationError>,
}

/// Run steps 1-4 on a parsed envelope. Nothing is decoded before a signature verified; steps
/// that could not run are recorded as skipped.
///
/// Signatures other than the verifying one may fail (another party's key); they stay in the
/// report as failed checks but do not reject the envelope.
pub fn check_envelope(envelope: &Envelope, keys: &[TrustedKey]) -> EnvelopeReport {
    check_envelope_within(envelope, keys, &Budget::new(usize::MAX))
}

fn check_envelope_within(
    envelope: &Envelope,
    keys: &[TrustedKey],
    budget: &Budget,
) -> EnvelopeReport {
    let mut checks = vec![Check::pass(
        names::DSSE_ENVELOPE,
        format!(
            "{} signature(s), payloadType {}",
            envelope.signatures.len(),
            envelope.payload_type
        ),
    )];
    let sigs = verify_signatures_within(envelope, keys, budget);
    checks.extend(sigs.checks);
    if sigs.signers.is_empty() {
        let detail = checks
            .iter()
            .filter(|c| c.check == names::DSSE_SIGNATURE)
            .map(|c| {
                format!(
                    "{}: {}",
                    c.subject.as_deref().unwrap_or("signature"),
                    c.detail
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        for step in [names::STATEMENT_PAYLOAD_TYPE, names::STATEMENT_PARSE] {
            checks.push(Check::skipped(
                step,
                "no signature verified; the payload is not read",
            ));
        }
        let error = if sigs.hinted_key_failed {
            AttestationError::SignatureInvalid(detail)
        } else {
            AttestationError::UnknownSigner(detail)
        };
        return EnvelopeReport {
            checks,
            signers: sigs.signers,
            statement: None,
            error: Some(error),
        };
    }
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        let err = StatementError::PayloadType(envelope.payload_type.chars().take(80).collect());
        checks.push(Check::fail(names::STATEMENT_PAYLOAD_TYPE, err.to_string()));
        checks.push(Check::skipped(
            names::STATEMENT_PARSE,
            "payload is not an in-toto Statement",
        ));
        return EnvelopeReport {
            checks,
            signers: sigs.signers,
            statement: None,
            error: Some(err.into()),
        };
    }
    checks.push(Check::pass(
        names::STATEMENT_PAYLOAD_TYPE,
        IN_TOTO_PAYLOAD_TYPE,
    ));
    match Statement::parse(&envelope.payload) {
        Ok(statement) => {
            checks.push(Check::pass(
                names::STATEMENT_PARSE,
                format!(
                    "{} with {} subject(s), predicate {}",
                    statement.statement_type.as_str(),
                    statement.subjects.len(),
                    statement.predicate_type
                ),
            ));
            EnvelopeReport {
                checks,
                signers: sigs.signers,
                statement: Some(statement),
                error: None,
            }
        }
        Err(e) => {
            checks.push(Check::fail(names::STATEMENT_PARSE, e.to_string()));
            EnvelopeReport {
                checks,
                signers: sigs.signers,
                statement: None,
                error: Some(e.into()),
            }
        }
    }
}

/// Verify one received envelope against trusted keys and parse its Statement (steps 1-4).
pub fn verify_attestation(
    received: ReceivedEnvelope,
    keys: &[TrustedKey],
) -> Result<VerifiedAttestation, AttestationError> {
    verify_attestation_within(received, keys, &Budget::new(usize::MAX))
}

fn verify_attestation_within(
    received: ReceivedEnvelope,
    keys: &[TrustedKey],
    budget: &Budget,
) -> Result<VerifiedAttestation, AttestationError> {
    let ReceivedEnvelope {
        bytes,
        content_id,
        envelope,
    } = received;
    let report = check_envelope_within(&envelope, keys, budget);
    match (report.error, report.statement) {
        (None, Some(statement)) => Ok(VerifiedAttestation {
            bytes,
            content_id,
            payload_type: envelope.payload_type,
            statement,
            signers: report.signers,
            identities: Vec::new(),
            checks: report.checks,
        }),
        (Some(e), _) => Err(e),
        (None, None) => Err(AttestationError::Statement(StatementError::Json(
            "statement missing after verification".into(),
        ))),
    }
}

/// Build and sign a DSSE envelope around `statement` (what `cairn sign` and `cairn attest` do).
pub fn sign_statement(
    statement: &Statement,
    key: &crate::keys::SigningKey,
    rng: &dyn ring::rand::SecureRandom,
) -> Result<Envelope, crate::keys::KeyError> {
    let payload = statement.to_json();
    let message = crate::dsse::pae(IN_TOTO_PAYLOAD_TYPE, &payload);
    let sig = key.sign(&message, rng)?;
    Ok(Envelope {
        payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
        payload,
        signatures: vec![crate::dsse::Signature {
            keyid: Some(key.public_key().keyid().to_string()),
            sig,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use crate::keys::{GenerateAlgorithm, SigningKey};
    use crate::statement::Subject;
    use ring::rand::SystemRandom;

    fn statement() -> Statement {
        Statement::new_v1(
            vec![Subject {
                name: "registry.example/acme/web".into(),
                digests: vec![Digest::sha256_of(b"image")],
                other_digests: vec![],
            }],
            crate::predicate::SLSA_PROVENANCE_V1,
            serde_json::json!({}),
        )
    }

    fn trusted(key: &SigningKey, name: &str) -> TrustedKey {
        TrustedKey {
            name: name.into(),
            public_key: key.public_key().clone(),
        }
    }

    fn signed(key: &SigningKey) -> Vec<u8> {
        let rng = SystemRandom::new();
        sign_statement(&statement(), key, &rng)
            .unwrap()
            .to_json()
            .into_bytes()
    }

    #[test]
    fn verifies_with_the_registered_key() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let other = SigningKey::generate(GenerateAlgorithm::Ed25519, &rng).unwrap();
        let bytes = signed(&key);
        let env = split_upload(&bytes).unwrap().remove(0);
        assert_eq!(env.content_id, Digest::sha256_of(&bytes));
        let v = verify_attestation(env, &[trusted(&other, "other"), trusted(&key, "ci")]).unwrap();
        assert_eq!(v.signers, vec![key.public_key().keyid().clone()]);
        assert_eq!(
            crate::verify::verdict_of(&v.checks),
            crate::verify::Verdict::Pass
        );
    }

    #[test]
    fn keyid_hint_does_not_decide_trust() {
        // An envelope whose hint names a trusted key but which is signed by another key.
        let rng = SystemRandom::new();
        let trusted_key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let attacker = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let mut env = sign_statement(&statement(), &attacker, &rng).unwrap();
        env.signatures[0].keyid = Some(trusted_key.public_key().keyid().to_string());
        let received = ReceivedEnvelope::parse(env.to_json().as_bytes()).unwrap();
        let err = verify_attestation(received, &[trusted(&trusted_key, "ci")]).unwrap_err();
        assert_eq!(err.code(), Code::SignatureInvalid);
    }

    #[test]
    fn a_wrong_hint_still_finds_the_right_key() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let mut env = sign_statement(&statement(), &key, &rng).unwrap();
        env.signatures[0].keyid = Some("not-a-keyid".into());
        let received = ReceivedEnvelope::parse(env.to_json().as_bytes()).unwrap();
        assert!(verify_attestation(received, &[trusted(&key, "ci")]).is_ok());
    }

    #[test]
    fn rejects_unknown_signer_tampering_and_non_in_toto() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let stranger = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let keys = [trusted(&key, "ci")];

        let by_stranger = ReceivedEnvelope::parse(&signed(&stranger)).unwrap();
        assert_eq!(
            verify_attestation(by_stranger, &keys).unwrap_err().code(),
            Code::UnknownSigner
        );

        let mut env = sign_statement(&statement(), &key, &rng).unwrap();
        env.payload[10] ^= 1;
        let tampered = ReceivedEnvelope::parse(env.to_json().as_bytes()).unwrap();
        assert_eq!(
            verify_attestation(tampered, &keys).unwrap_err().code(),
            Code::SignatureInvalid
        );

        let payload = b"{\"hello\":1}".to_vec();
        let sig = key
            .sign(&crate::dsse::pae("text/plain", &payload), &rng)
            .unwrap();
        let env = Envelope {
            payload_type: "text/plain".into(),
            payload,
            signatures: vec![crate::dsse::Signature { keyid: None, sig }],
        };
        let plain = ReceivedEnvelope::parse(env.to_json().as_bytes()).unwrap();
        assert_eq!(
            verify_attestation(plain, &keys).unwrap_err().code(),
            Code::InvalidStatement
        );
    }

    #[test]
    fn a_signature_by_a_revoked_key_is_key_revoked_never_accepted() {
        let rng = SystemRandom::new();
        let old = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let new = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let upload = || split_upload(&signed(&old)).unwrap();
        let err =
            verify_upload(upload(), &[trusted(&new, "new")], &[trusted(&old, "old")]).unwrap_err();
        assert_eq!(err.code(), Code::KeyRevoked);
        // Without revoked keys on record it is simply unknown.
        let err = verify_upload(upload(), &[trusted(&new, "new")], &[]).unwrap_err();
        assert_eq!(err.code(), Code::UnknownSigner);
        // A key both active and revoked cannot happen, but an active signature always wins.
        assert!(verify_upload(upload(), &[trusted(&old, "old")], &[trusted(&new, "new")]).is_ok());
    }

    #[test]
    fn an_upload_may_not_cause_unbounded_signature_checks() {
        // A holder of a registered key can make each envelope cost (signatures x keys) checks:
        // 15 hint-less junk signatures, then a valid one from the last of 20 keys.
        let rng = SystemRandom::new();
        let signing: Vec<SigningKey> = (0..20)
            .map(|_| SigningKey::generate(GenerateAlgorithm::Ed25519, &rng).unwrap())
            .collect();
        let keys: Vec<TrustedKey> = signing.iter().map(|k| trusted(k, "k")).collect();
        let last = signing.last().unwrap();
        let mut env = sign_statement(&statement(), last, &rng).unwrap();
        let valid = crate::dsse::Signature {
            keyid: None,
            sig: env.signatures[0].sig.clone(),
        };
        env.signatures = (0..15u8)
            .map(|i| crate::dsse::Signature {
                keyid: None,
                sig: vec![i; 10],
            })
            .chain(std::iter::once(valid))
            .collect();
        let line = env.to_json();
        let upload = |n: usize| split_upload(vec![line.as_str(); n].join("\n").as_bytes()).unwrap();
        let per_envelope = 16 * 20;
        let within = crate::limits::MAX_SIGNATURE_CHECKS_PER_UPLOAD / per_envelope;
        assert_eq!(
            verify_upload(upload(within), &keys, &[]).unwrap().len(),
            within
        );
        let err = verify_upload(upload(within + 1), &keys, &[]).unwrap_err();
        assert_eq!(err.code(), Code::PayloadTooLarge, "{err}");
    }

    #[test]
    fn worst_case_counts_every_signature_against_every_key() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let mut env = sign_statement(&statement(), &key, &rng).unwrap();
        env.signatures.push(env.signatures[0].clone());
        let body = [env.to_json().as_bytes(), b"\n", signed(&key).as_slice()].concat();
        let received = split_upload(&body).unwrap();
        assert_eq!(worst_case_signature_checks(&received, 5), 2 * 5 + 5);
        assert_eq!(worst_case_signature_checks(&received, 0), 3);
    }

    #[test]
    fn splits_json_lines_and_keeps_each_line_exact() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let a = signed(&key);
        let b = signed(&key);
        let body = [a.as_slice(), b"\r\n", b.as_slice(), b"\n\n"].concat();
        let envs = split_upload(&body).unwrap();
        assert_eq!(envs.len(), 2);
        assert_eq!(envs[0].bytes, a);
        assert_eq!(envs[1].bytes, b);
    }

    #[test]
    fn keeps_a_single_document_byte_exact_including_whitespace() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let mut body = signed(&key);
        body.push(b'\n');
        let envs = split_upload(&body).unwrap();
        assert_eq!(envs.len(), 1);
        assert_eq!(envs[0].bytes, body);
    }

    #[test]
    fn reports_bad_lines_and_garbage() {
        assert_eq!(
            split_upload(b"   ").unwrap_err().code(),
            Code::InvalidEnvelope
        );
        assert_eq!(
            split_upload(b"{nope").unwrap_err().code(),
            Code::InvalidJson
        );
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let body = [signed(&key).as_slice(), b"\n{\"a\":1}\n"].concat();
        let err = split_upload(&body).unwrap_err();
        assert!(
            matches!(err, AttestationError::Entry { index: 2, .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), Code::InvalidEnvelope);
    }
}

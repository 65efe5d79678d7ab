//! Tampering with any verified field of a passing Sigstore bundle makes it fail: signatures,
//! certificates, inclusion-proof hashes, checkpoints and SETs (every case of the shared
//! conformance data that must pass, both artifact modes).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_core::Digest;
use cairn_core::bundle::{
    BundleArtifact, BundleReport, IdentityPolicy, Matcher, Signer, Tlog, load_trusted_root,
    verify_bundle,
};
use cairn_core::encoding::{decode_base64, encode_base64};
use cairn_core::keys::{GenerateAlgorithm, PublicKey, SigningKey};
use cairn_core::verify::Verdict;
use cairn_core::x509::FulcioClaim;
use serde_json::Value;
use std::path::PathBuf;

#[path = "../../tests/support/testdata.rs"]
mod shared;

fn conformance_dir() -> PathBuf {
    shared::testdata_dir().join("sigstore-conformance/bundle-verify")
}

/// Keys whose values are verified material.
const TAMPERABLE: &[&str] = &[
    "signature",
    "rawBytes",
    "hashes",
    "envelope",
    "signedEntryTimestamp",
    "sig",
    "rootHash",
];

/// Every JSON pointer to a string under a tamperable key.
fn targets(v: &Value, path: String, under: bool, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                targets(
                    child,
                    format!("{path}/{key}"),
                    TAMPERABLE.contains(&k.as_str()),
                    out,
                );
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                targets(child, format!("{path}/{i}"), under, out);
            }
        }
        Value::String(_) if under => out.push(path),
        _ => {}
    }
}

/// Flip one bit in the middle of the decoded value (or of the text, if not base64).
fn tamper(s: &str) -> String {
    match decode_base64(s) {
        Ok(mut bytes) if !bytes.is_empty() => {
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x01;
            encode_base64(&bytes)
        }
        _ => {
            let mut chars: Vec<char> = s.chars().collect();
            let mid = chars.len() / 2;
            chars[mid] = if chars[mid] == 'a' { 'b' } else { 'a' };
            chars.into_iter().collect()
        }
    }
}

/// A signed note (C2SP): tamper with its signed body (size, root hash), and with every signature
/// line of the log itself at once. Cosignatures from keys the trusted root does not know are
/// ignored by design (upstream case `rekor2-checkpoint-origin-not-first`), so tampering with them
/// alone must not matter and is not tried.
fn tamper_checkpoint(note: &str) -> Vec<(String, String)> {
    let (body, sigs) = note.split_once("\n\n").unwrap();
    let lines: Vec<&str> = body.lines().collect();
    let origin = lines[0];
    let key_name = origin.split_once(" - ").map_or(origin, |(n, _)| n);
    let mut out = Vec::new();
    for (i, what) in [(1, "size"), (2, "root hash")] {
        let mut l: Vec<String> = lines.iter().map(|x| (*x).to_owned()).collect();
        l[i] = if i == 1 {
            format!("{}", l[1].parse::<u64>().unwrap() + 1)
        } else {
            tamper(&l[2])
        };
        out.push((
            format!("checkpoint {what}"),
            format!("{}\n\n{sigs}", l.join("\n")),
        ));
    }
    let resigned: Vec<String> = sigs
        .lines()
        .map(|line| {
            match line
                .strip_prefix("\u{2014} ")
                .and_then(|r| r.split_once(' '))
            {
                Some((name, sig)) if name == key_name || name == origin => {
                    format!("\u{2014} {name} {}", tamper(sig))
                }
                _ => line.to_owned(),
            }
        })
        .collect();
    out.push((
        "checkpoint log signature".to_owned(),
        format!("{body}\n\n{}\n", resigned.join("\n")),
    ));
    out
}

#[test]
fn flipping_a_byte_of_any_verified_field_fails_every_passing_case() {
    let dir = conformance_dir();
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let mut tried = 0;
    let mut failures = Vec::new();
    for case in index["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["expected"] == "pass")
    {
        let name = case["name"].as_str().unwrap();
        let root =
            std::fs::read_to_string(dir.join(case["trusted_root"].as_str().unwrap())).unwrap();
        let verifier = load_trusted_root(&root).unwrap();
        let artifact = std::fs::read(dir.join(case["artifact"].as_str().unwrap())).unwrap();
        let digest: Digest = case["artifact_sha256"].as_str().unwrap().parse().unwrap();
        let signer = match case["key"].as_str() {
            Some(key) => Signer::Key {
                spki_der: PublicKey::from_pem(&std::fs::read(dir.join(key)).unwrap())
                    .unwrap()
                    .spki_der()
                    .to_vec(),
            },
            None => Signer::Identity {
                identity: Matcher::Exact(case["identity"].as_str().unwrap().to_owned()),
                issuer: Matcher::Exact(case["issuer"].as_str().unwrap().to_owned()),
            },
        };
        let original: Value = serde_json::from_slice(
            &std::fs::read(dir.join(case["bundle"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        let verdict = |bundle: &[u8], artifact: BundleArtifact<'_>| {
            verify_bundle(&verifier, bundle, artifact, &signer, Tlog::Required)
                .unwrap()
                .verdict()
        };
        let bytes = serde_json::to_vec(&original).unwrap();
        assert_eq!(
            verdict(&bytes, BundleArtifact::Bytes(&artifact)),
            Verdict::Pass,
            "{name} must pass untouched"
        );
        let mut pointers = Vec::new();
        targets(&original, String::new(), false, &mut pointers);
        assert!(!pointers.is_empty(), "{name}: nothing to tamper with");
        for pointer in pointers {
            let value = original.pointer(&pointer).unwrap().as_str().unwrap();
            let variants = if pointer.ends_with("/checkpoint/envelope") {
                tamper_checkpoint(value)
            } else {
                vec![(pointer.clone(), tamper(value))]
            };
            for (what, variant) in variants {
                let mut mutated = original.clone();
                *mutated.pointer_mut(&pointer).unwrap() = Value::String(variant);
                let bytes = serde_json::to_vec(&mutated).unwrap();
                for (mode, art) in [
                    ("artifact", BundleArtifact::Bytes(&artifact)),
                    ("digest", BundleArtifact::Sha256(&digest)),
                ] {
                    tried += 1;
                    if verdict(&bytes, art) == Verdict::Pass {
                        failures.push(format!("{name} ({mode}): tampered {what} still verifies"));
                    }
                }
            }
        }
    }
    assert!(tried > 100, "only {tried} mutations tried");
    assert!(
        failures.is_empty(),
        "{} of {tried} mutations accepted:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_waived_tlog_is_recorded_as_skipped_not_dropped() {
    let dir = conformance_dir();
    let root =
        std::fs::read_to_string(dir.join("../default-trust/production.trusted_root.json")).unwrap();
    let verifier = load_trusted_root(&root).unwrap();
    let case = dir.join("managed-key-happy-path");
    let key = PublicKey::from_pem(&std::fs::read(case.join("key.pub")).unwrap()).unwrap();
    let bundle = std::fs::read(case.join("bundle.sigstore.json")).unwrap();
    let artifact = std::fs::read(dir.join("a.txt")).unwrap();
    let signer = Signer::Key {
        spki_der: key.spki_der().to_vec(),
    };
    let report = verify_bundle(
        &verifier,
        &bundle,
        BundleArtifact::Bytes(&artifact),
        &signer,
        Tlog::InsecureIgnore,
    )
    .unwrap();
    let tlog = report
        .checks
        .iter()
        .find(|c| c.check == "tlog.inclusion")
        .unwrap();
    assert_eq!(serde_json::to_value(tlog.result).unwrap(), "skipped");
    assert!(tlog.detail.contains("--insecure-ignore-tlog"));
}

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";

fn run(case: &str, bundle: &Value, signer: &Signer, tlog: Tlog) -> BundleReport {
    let dir = conformance_dir();
    let root =
        std::fs::read_to_string(dir.join("../default-trust/production.trusted_root.json")).unwrap();
    let verifier = load_trusted_root(&root).unwrap();
    let artifact = std::fs::read(dir.join("a.txt")).unwrap();
    let bytes = serde_json::to_vec(bundle).unwrap();
    verify_bundle(
        &verifier,
        &bytes,
        BundleArtifact::Bytes(&artifact),
        signer,
        tlog,
    )
    .unwrap_or_else(|e| panic!("{case}: {e}"))
}

fn load(case: &str) -> Value {
    let path = conformance_dir().join(case).join("bundle.sigstore.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn result_of(report: &BundleReport, check: &str) -> String {
    report
        .checks
        .iter()
        .find(|c| c.check == check)
        .map(|c| {
            serde_json::to_value(c.result)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .unwrap_or_else(|| format!("no {check} check"))
}

#[test]
fn identity_patterns_are_anchored_regular_expressions() {
    let bundle = load("happy-path-v0.3");
    let signer = |id: Matcher, iss: Matcher| Signer::Identity {
        identity: id,
        issuer: iss,
    };
    let exact = || Matcher::Exact(ACTIONS.to_owned());
    let ok = run(
        "regex",
        &bundle,
        &signer(
            Matcher::regex(r"https://github\.com/sigstore-conformance/.+").unwrap(),
            exact(),
        ),
        Tlog::Required,
    );
    assert_eq!(ok.verdict(), Verdict::Pass, "{:?}", ok.checks);
    let both = run(
        "regex",
        &bundle,
        &signer(
            Matcher::regex(".*oidc-beacon.*").unwrap(),
            Matcher::regex(r"https://token\.actions\.githubusercontent\.com").unwrap(),
        ),
        Tlog::Required,
    );
    assert_eq!(both.verdict(), Verdict::Pass, "{:?}", both.checks);
    // A prefix alone does not match: patterns are anchored at both ends.
    let prefix = run(
        "regex",
        &bundle,
        &signer(
            Matcher::regex(r"https://github\.com/sigstore-conformance/").unwrap(),
            exact(),
        ),
        Tlog::Required,
    );
    assert_eq!(prefix.verdict(), Verdict::Fail);
    assert_eq!(result_of(&prefix, "certificate.identity"), "fail");
    let wrong_issuer = run(
        "regex",
        &bundle,
        &signer(
            Matcher::Exact(BEACON.to_owned()),
            Matcher::regex("https://accounts\\.google\\.com").unwrap(),
        ),
        Tlog::Required,
    );
    assert_eq!(wrong_issuer.verdict(), Verdict::Fail);
    assert!(Matcher::regex("(unclosed").is_err());
}

#[test]
fn a_root_certificate_shipped_in_the_bundle_is_rejected() {
    let dir = conformance_dir();
    let root: Value = serde_json::from_slice(
        &std::fs::read(dir.join("../default-trust/production.trusted_root.json")).unwrap(),
    )
    .unwrap();
    let signer = Signer::Identity {
        identity: Matcher::Exact(BEACON.to_owned()),
        issuer: Matcher::Exact(ACTIONS.to_owned()),
    };
    let mut bundle = load("happy-path-v0.1");
    let clean = run("happy-path-v0.1", &bundle, &signer, Tlog::Required);
    assert_eq!(clean.verdict(), Verdict::Pass, "{:?}", clean.checks);
    assert_eq!(result_of(&clean, "certificate.noRoot"), "pass");
    // Append every Fulcio root and intermediate of the trusted root to the bundle's chain.
    let chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array_mut()
        .unwrap();
    for ca in root["certificateAuthorities"].as_array().unwrap() {
        for cert in ca["certChain"]["certificates"].as_array().unwrap() {
            chain.push(serde_json::json!({"rawBytes": cert["rawBytes"]}));
        }
    }
    let report = run("root in chain", &bundle, &signer, Tlog::Required);
    assert_eq!(report.verdict(), Verdict::Fail, "{:?}", report.checks);
    if result_of(&report, "sigstore.verify") == "pass" {
        assert_eq!(
            result_of(&report, "certificate.noRoot"),
            "fail",
            "{:?}",
            report.checks
        );
    }
}

#[test]
fn a_key_signed_bundle_without_log_entry_needs_the_explicit_waiver() {
    let dir = conformance_dir();
    let key =
        PublicKey::from_pem(&std::fs::read(dir.join("managed-key-happy-path/key.pub")).unwrap())
            .unwrap();
    let signer = Signer::Key {
        spki_der: key.spki_der().to_vec(),
    };
    let mut bundle = load("managed-key-happy-path");
    bundle["verificationMaterial"]["tlogEntries"] = Value::Array(Vec::new());
    if let Some(m) = bundle["verificationMaterial"].as_object_mut() {
        m.remove("timestampVerificationData");
    }
    let strict = run("no tlog", &bundle, &signer, Tlog::Required);
    assert_eq!(strict.verdict(), Verdict::Fail, "{:?}", strict.checks);
    let waived = run("no tlog, waived", &bundle, &signer, Tlog::InsecureIgnore);
    assert_eq!(waived.verdict(), Verdict::Pass, "{:?}", waived.checks);
    assert_eq!(result_of(&waived, "tlog.inclusion"), "skipped");
    assert_eq!(result_of(&waived, "signing.time"), "skipped");
    // The waiver never waives the signature itself.
    let content = if bundle.get("dsseEnvelope").is_some() {
        "/dsseEnvelope/signatures/0/sig"
    } else {
        "/messageSignature/signature"
    };
    let sig = bundle
        .pointer(content)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    *bundle.pointer_mut(content).unwrap() = Value::String(tamper(&sig));
    let forged = run(
        "no tlog, waived, bad signature",
        &bundle,
        &signer,
        Tlog::InsecureIgnore,
    );
    assert_eq!(forged.verdict(), Verdict::Fail, "{:?}", forged.checks);
}

/// The managed-key bundle, stripped of its log entry and timestamps, re-signed over `a.txt` by
/// `key` (a message signature).
fn key_only_bundle(key: &SigningKey) -> Value {
    let rng = ring::rand::SystemRandom::new();
    let artifact = std::fs::read(conformance_dir().join("a.txt")).unwrap();
    let mut bundle = load("managed-key-happy-path");
    bundle["verificationMaterial"]["tlogEntries"] = Value::Array(Vec::new());
    bundle["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("timestampVerificationData");
    bundle["messageSignature"]["signature"] =
        Value::String(encode_base64(&key.sign(&artifact, &rng).unwrap()));
    bundle
}

fn run_digest(bundle: &Value, key: &SigningKey, digest: &Digest) -> BundleReport {
    let dir = conformance_dir();
    let root =
        std::fs::read_to_string(dir.join("../default-trust/production.trusted_root.json")).unwrap();
    let verifier = load_trusted_root(&root).unwrap();
    let signer = Signer::Key {
        spki_der: key.public_key().spki_der().to_vec(),
    };
    verify_bundle(
        &verifier,
        &serde_json::to_vec(bundle).unwrap(),
        BundleArtifact::Sha256(digest),
        &signer,
        Tlog::InsecureIgnore,
    )
    .unwrap()
}

fn detail_of(report: &BundleReport, check: &str) -> String {
    report
        .checks
        .iter()
        .find(|c| c.check == check)
        .map(|c| c.detail.clone())
        .unwrap_or_default()
}

#[test]
fn a_key_only_message_signature_verifies_from_the_digest_alone() {
    let rng = ring::rand::SystemRandom::new();
    let artifact = std::fs::read(conformance_dir().join("a.txt")).unwrap();
    let sha256 = Digest::sha256_of(&artifact);
    let sha384: Digest = format!(
        "sha384:{}",
        hex::encode(ring::digest::digest(&ring::digest::SHA384, &artifact))
    )
    .parse()
    .unwrap();
    let wrong = Digest::sha256_of(b"another artifact");

    // P-256 (ring signs the message with SHA-256): the SHA-256 prehash verifies.
    let p256 = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
    let bundle = key_only_bundle(&p256);
    let ok = run_digest(&bundle, &p256, &sha256);
    assert_eq!(ok.verdict(), Verdict::Pass, "{:?}", ok.checks);
    assert_eq!(result_of(&ok, "bundle.signature"), "pass");
    assert!(detail_of(&ok, "bundle.signature").contains("prehashed"));
    assert_eq!(run_digest(&bundle, &p256, &wrong).verdict(), Verdict::Fail);
    assert_eq!(
        result_of(&run_digest(&bundle, &p256, &wrong), "bundle.signature"),
        "fail"
    );
    // Another key's signature does not verify either.
    let other = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
    assert_eq!(
        run_digest(&bundle, &other, &sha256).verdict(),
        Verdict::Fail
    );

    // P-384 (ring signs with SHA-384): the SHA-384 prehash verifies, a SHA-256 one does not.
    let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P384_SHA384_ASN1_SIGNING,
        &rng,
    )
    .unwrap();
    let p384 = SigningKey::from_pkcs8(pkcs8.as_ref(), &rng).unwrap();
    let bundle = key_only_bundle(&p384);
    let ok = run_digest(&bundle, &p384, &sha384);
    assert_eq!(ok.verdict(), Verdict::Pass, "{:?}", ok.checks);
    assert_eq!(run_digest(&bundle, &p384, &sha256).verdict(), Verdict::Fail);
    let wrong384: Digest = format!("sha384:{}", "00".repeat(48)).parse().unwrap();
    assert_eq!(
        run_digest(&bundle, &p384, &wrong384).verdict(),
        Verdict::Fail
    );

    // Ed25519 cannot be checked from a digest: it fails, saying why.
    let ed = SigningKey::generate(GenerateAlgorithm::Ed25519, &rng).unwrap();
    let report = run_digest(&key_only_bundle(&ed), &ed, &sha256);
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(result_of(&report, "bundle.signature"), "fail");
    assert!(detail_of(&report, "bundle.signature").contains("Ed25519"));
}

const BEACON_REPO: &str = "sigstore-conformance/extremely-dangerous-public-oidc-beacon";

#[test]
fn any_of_several_identity_policies_may_match_and_the_report_says_which() {
    let bundle = load("happy-path-v0.3");
    let exact = |s: &str| Matcher::Exact(s.to_owned());
    let wrong = IdentityPolicy::new(exact("https://github.com/acme/other"), exact(ACTIONS));
    let right = IdentityPolicy::new(exact(BEACON), exact(ACTIONS));
    let report = run(
        "policies",
        &bundle,
        &Signer::Identities(vec![wrong.clone(), right]),
        Tlog::Required,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:?}", report.checks);
    assert_eq!(report.matched_policy, Some(1));
    assert!(detail_of(&report, "certificate.identity").contains("policy 2 of 2 matched"));

    // None matches: every reason is given.
    let google = IdentityPolicy::new(exact(BEACON), exact("https://accounts.google.com"));
    let report = run(
        "policies",
        &bundle,
        &Signer::Identities(vec![wrong, google]),
        Tlog::Required,
    );
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(result_of(&report, "certificate.identity"), "fail");
    let detail = detail_of(&report, "certificate.identity");
    assert!(detail.contains("policy 1: SAN"), "{detail}");
    assert!(detail.contains("policy 2: issuer"), "{detail}");
    assert_eq!(report.matched_policy, None);
}

#[test]
fn workflow_claims_constrain_a_keyless_signer() {
    let bundle = load("happy-path-v0.3");
    let exact = |s: &str| Matcher::Exact(s.to_owned());
    let base = || {
        IdentityPolicy::new(
            Matcher::regex("https://github\\.com/.+").unwrap(),
            exact(ACTIONS),
        )
    };
    let all = base()
        .with_claim(
            FulcioClaim::GithubWorkflowTrigger,
            exact("workflow_dispatch"),
        )
        .with_claim(
            FulcioClaim::GithubWorkflowSha,
            exact("c7b3dfb335f051e1c86bda4c716fac97df62ad81"),
        )
        .with_claim(
            FulcioClaim::GithubWorkflowName,
            exact("Extremely dangerous OIDC beacon"),
        )
        .with_claim(FulcioClaim::GithubWorkflowRepository, exact(BEACON_REPO))
        .with_claim(FulcioClaim::GithubWorkflowRef, exact("refs/heads/main"))
        .with_claim(
            FulcioClaim::RunnerEnvironment,
            Matcher::regex("github-hosted|self-hosted").unwrap(),
        );
    let report = run(
        "claims",
        &bundle,
        &Signer::Identities(vec![all]),
        Tlog::Required,
    );
    assert_eq!(report.verdict(), Verdict::Pass, "{:?}", report.checks);
    assert!(detail_of(&report, "certificate.identity").contains("githubWorkflowRef"));

    for (claim, value) in [
        (FulcioClaim::GithubWorkflowRef, "refs/heads/dev"),
        (FulcioClaim::GithubWorkflowTrigger, "push"),
        (
            FulcioClaim::GithubWorkflowRepository,
            "sigstore-conformance/other",
        ),
        (
            FulcioClaim::GithubWorkflowSha,
            "0000000000000000000000000000000000000000",
        ),
        (FulcioClaim::GithubWorkflowName, "release"),
        (FulcioClaim::DeploymentEnvironment, "production"),
    ] {
        let policy = base().with_claim(claim, exact(value));
        let report = run(
            "claims",
            &bundle,
            &Signer::Identities(vec![policy]),
            Tlog::Required,
        );
        assert_eq!(report.verdict(), Verdict::Fail, "{claim} = {value}");
        let detail = detail_of(&report, "certificate.identity");
        assert!(detail.contains(&format!("claim {claim}")), "{detail}");
    }
}

#[test]
fn an_empty_policy_list_is_an_error_not_a_pass() {
    let dir = conformance_dir();
    let root =
        std::fs::read_to_string(dir.join("../default-trust/production.trusted_root.json")).unwrap();
    let verifier = load_trusted_root(&root).unwrap();
    let bytes = std::fs::read(dir.join("happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let artifact = std::fs::read(dir.join("a.txt")).unwrap();
    let err = verify_bundle(
        &verifier,
        &bytes,
        BundleArtifact::Bytes(&artifact),
        &Signer::Identities(Vec::new()),
        Tlog::Required,
    )
    .unwrap_err();
    assert_eq!(err.code(), cairn_core::Code::InvalidRequest);
}

/// The server's path for a key-signed bundle without a log entry: accepted only from a
/// registered, active key, with the waived log check recorded as skipped (never silent); a
/// revoked key is `key_revoked`, an unknown one `unknown_signer`.
#[test]
fn key_signed_uploads_without_a_log_entry_need_a_registered_key_and_say_so() {
    use cairn_core::attestation::{AttestationError, TrustedKey};
    use cairn_core::bundle_upload::{BundleTrust, verify_bundle_upload};
    let rng = ring::rand::SystemRandom::new();
    let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
    let other = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
    let bytes = serde_json::to_vec(&key_only_bundle(&key)).unwrap();
    let root = std::fs::read_to_string(
        conformance_dir().join("../default-trust/production.trusted_root.json"),
    )
    .unwrap();
    let sigstore = vec![("public-good".to_owned(), load_trusted_root(&root).unwrap())];
    let trusted = |k: &SigningKey| TrustedKey {
        name: "ci".into(),
        public_key: k.public_key().clone(),
    };
    let trust = |keys: &[TrustedKey], revoked: &[TrustedKey]| {
        verify_bundle_upload(
            &bytes,
            &BundleTrust {
                sigstore: &sigstore,
                x509: &[],
                keys,
                revoked,
                now_ms: 0,
            },
        )
    };
    let ok = trust(&[trusted(&other), trusted(&key)], &[]).unwrap();
    assert_eq!(ok.signers, vec![key.public_key().keyid().clone()]);
    assert!(
        ok.checks.iter().any(
            |c| c.check == "tlog.inclusion" && c.result == cairn_core::verify::Outcome::Skipped
        ),
        "{:?}",
        ok.checks
    );
    assert!(matches!(
        trust(&[trusted(&other)], &[]),
        Err(AttestationError::UnknownSigner(_))
    ));
    assert!(matches!(
        trust(&[], &[trusted(&key)]),
        Err(AttestationError::KeyRevoked(_))
    ));
}

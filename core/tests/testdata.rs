//! Table tests over the public conformance data in `../shared/testdata/dsse`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_core::attestation::{ReceivedEnvelope, TrustedKey, verify_signatures};
use cairn_core::dsse::{Envelope, pae};
use cairn_core::keys::{PublicKey, SigningKey, decode_pem};
use cairn_core::statement::Statement;
use ring::rand::SystemRandom;

#[path = "../../tests/support/testdata.rs"]
mod shared;

use shared::testdata_dir as testdata;

fn read(rel: &str) -> Vec<u8> {
    let path = testdata().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn spec_key() -> TrustedKey {
    TrustedKey {
        name: "dsse-spec".into(),
        public_key: PublicKey::from_pem(&read("dsse/dsse-spec-vector/key.pub.pem")).unwrap(),
    }
}

#[test]
fn spec_vector_pae_matches_byte_for_byte() {
    let expected = read("dsse/dsse-spec-vector/pae.txt");
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        expected
    );
    let env = Envelope::parse(&read("dsse/dsse-spec-vector/envelope.der-signature.json")).unwrap();
    assert_eq!(env.pae(), expected);
}

#[test]
fn spec_vector_verifies_in_raw_and_der_form_and_tampering_fails() {
    let key = spec_key();
    let mut failures = Vec::new();
    for file in [
        "envelope.raw-rs-signature.json",
        "envelope.der-signature.json",
    ] {
        let env = Envelope::parse(&read(&format!("dsse/dsse-spec-vector/{file}"))).unwrap();
        let outcome = verify_signatures(&env, std::slice::from_ref(&key));
        if outcome.signers.len() != 1 {
            failures.push(format!("{file}: did not verify: {:?}", outcome.checks));
        }
        let mut tampered = Vec::new();
        let mut e = env.clone();
        e.payload[0] ^= 1;
        tampered.push(("payload", e));
        let mut e = env.clone();
        e.payload_type.push('x');
        tampered.push(("payloadType", e));
        let mut e = env.clone();
        let last = e.signatures[0].sig.len() - 1;
        e.signatures[0].sig[last] ^= 1;
        tampered.push(("signature", e));
        for (what, e) in tampered {
            if !verify_signatures(&e, std::slice::from_ref(&key))
                .signers
                .is_empty()
            {
                failures.push(format!("{file}: tampered {what} still verifies"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn spec_private_key_round_trips() {
    let rng = SystemRandom::new();
    let (label, der) = decode_pem(&read("dsse/dsse-spec-vector/key.pem")).unwrap();
    assert_eq!(label, "PRIVATE KEY");
    let signing = SigningKey::from_pkcs8(&der, &rng).unwrap();
    assert_eq!(signing.public_key(), &spec_key().public_key);
    let message = pae("http://example.com/HelloWorld", b"hello world");
    let sig = signing.sign(&message, &rng).unwrap();
    assert!(spec_key().public_key.verify(&message, &sig).is_ok());
}

#[test]
fn spec_vector_payload_is_not_an_attestation() {
    let received =
        ReceivedEnvelope::parse(&read("dsse/dsse-spec-vector/envelope.der-signature.json"))
            .unwrap();
    let err = cairn_core::attestation::verify_attestation(received, &[spec_key()]).unwrap_err();
    assert_eq!(err.code(), cairn_core::Code::InvalidStatement);
}

#[test]
fn in_toto_spec_statements_parse_or_are_rejected_as_documented() {
    let dir = testdata().join("dsse/in-toto-attestation-spec");
    let valid = [
        "spec_predicates_reference.block1.json",
        "spec_predicates_reference.block2.json",
        "spec_predicates_test-result.block1.json",
    ];
    let placeholders = [
        "spec_predicates_release.block1.json",
        "spec_predicates_release.block3.json",
        "spec_predicates_release.block4.json",
        "spec_predicates_svr.block1.json",
        "spec_predicates_svr.block2.json",
        "spec_predicates_svr.block3.json",
    ];
    let mut seen = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        seen += 1;
        if valid.contains(&name.as_str()) {
            if let Err(e) = Statement::parse(&bytes) {
                failures.push(format!("{name}: expected valid, got {e}"));
            }
        } else if placeholders.contains(&name.as_str()) {
            match Statement::parse(&bytes) {
                Ok(_) => failures.push(format!("{name}: placeholder digests accepted")),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        } else if name == "spec_v0.1.0_README.block0.json" {
            if Envelope::parse(&bytes).is_ok() {
                failures.push(format!("{name}: envelope template accepted"));
            }
        } else {
            failures.push(format!("{name}: not classified by this test"));
        }
    }
    assert_eq!(seen, valid.len() + placeholders.len() + 1, "case count");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn test_result_statement_without_name_keeps_open_digest_set() {
    let s = Statement::parse(&read(
        "dsse/in-toto-attestation-spec/spec_predicates_test-result.block1.json",
    ));
    // The digest set is open: gitCommit alone is a valid subject, kept but not indexable.
    let s = s.unwrap();
    assert_eq!(s.subjects[0].name, "");
    assert_eq!(s.subjects[0].other_digests[0].0, "gitCommit");
    assert!(s.require_indexable_subject().is_err());
}

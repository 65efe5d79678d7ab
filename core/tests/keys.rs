//! Key and signature fixtures made by tools independent of Cairn (see tests/data/generate.sh).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_core::keys::{
    EncryptedKeyError, KeyAlgorithm, KeyError, PublicKey, SignatureScheme, SigningKey,
    decrypt_private_key,
};
use std::path::PathBuf;

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn openssl_signatures_verify_and_tampering_fails() {
    let message = data("message.txt");
    let cases = [
        (
            "rsa2048.pub.pem",
            "rsa2048-pkcs1-sha256.sig",
            KeyAlgorithm::Rsa,
            SignatureScheme::RsaPkcs1Sha256,
        ),
        (
            "rsa2048.pub.pem",
            "rsa2048-pss-sha384.sig",
            KeyAlgorithm::Rsa,
            SignatureScheme::RsaPssSha384,
        ),
        (
            "p384.pub.pem",
            "p384-sha384-der.sig",
            KeyAlgorithm::EcdsaP384,
            SignatureScheme::EcdsaP384Sha384Der,
        ),
        (
            "ed25519.pub.pem",
            "ed25519.sig",
            KeyAlgorithm::Ed25519,
            SignatureScheme::Ed25519,
        ),
    ];
    let mut failures = Vec::new();
    for (key_file, sig_file, algorithm, scheme) in cases {
        let key = PublicKey::from_pem(&data(key_file)).unwrap();
        assert_eq!(key.algorithm(), algorithm, "{key_file}");
        let sig = data(sig_file);
        match key.verify(&message, &sig) {
            Ok(s) if s == scheme => {}
            other => failures.push(format!("{sig_file}: {other:?}, expected {scheme:?}")),
        }
        let mut flipped = sig.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x01;
        if key.verify(&message, &flipped).is_ok() {
            failures.push(format!("{sig_file}: flipped signature verifies"));
        }
        if key.verify(b"another message", &sig).is_ok() {
            failures.push(format!("{sig_file}: verifies another message"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn rejects_rsa_keys_under_2048_bits() {
    assert_eq!(
        PublicKey::from_pem(&data("rsa1024.pub.pem")).unwrap_err(),
        KeyError::RsaTooSmall { bits: 1024 }
    );
}

#[test]
fn reads_a_cosign_format_key_written_by_another_implementation() {
    let pem = data("cosign-format.key");
    let der = decrypt_private_key(&pem, b"cairn-test").unwrap();
    let key = SigningKey::from_pkcs8(&der, &ring::rand::SystemRandom::new()).unwrap();
    let expected = PublicKey::from_pem(&data("cosign-format.pub.pem")).unwrap();
    assert_eq!(key.public_key().keyid(), expected.keyid());
    assert_eq!(
        decrypt_private_key(&pem, b"wrong"),
        Err(EncryptedKeyError::Decrypt)
    );
}

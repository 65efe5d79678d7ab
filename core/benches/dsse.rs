//! DSSE verification and Statement parsing, measured against a same-run SHA-256 baseline.
//!
//! Run: `cargo bench -p cairn-core --bench dsse`. Results and ratios go in `docs/benchmarks.md`.
//!
//! Every benchmark works on one realistic payload: an in-toto v1 Statement whose predicate is the
//! SLSA v1 provenance example from `../shared/testdata/dsse/sigstore-python/` (or
//! `$CAIRN_TESTDATA/dsse/sigstore-python/`). The baseline is SHA-256 over the same payload bytes,
//! so the ratios say how much more than "hash the upload once" each step costs.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark setup may panic

use cairn_core::Digest;
use cairn_core::attestation::{
    ReceivedEnvelope, TrustedKey, sign_statement, verify_attestation, verify_signatures,
};
use cairn_core::keys::{GenerateAlgorithm, SigningKey};
use cairn_core::predicate::SLSA_PROVENANCE_V1;
use cairn_core::statement::{Statement, Subject};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ring::rand::SystemRandom;
use std::hint::black_box;

#[path = "../../tests/support/testdata.rs"]
mod shared;

const PREDICATE_REL: &str = "dsse/sigstore-python/slsa_predicate_v1_0.json";

/// The SLSA v1 predicate from the shared test data; panics with the path when it is missing.
fn slsa_predicate() -> serde_json::Value {
    let dir = shared::testdata_dir();
    let path = dir.join(PREDICATE_REL);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "benchmark input {} not found ({e}) — clone the project with ../shared beside it, \
             or set CAIRN_TESTDATA to the testdata directory",
            path.display()
        )
    });
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn statement() -> Statement {
    Statement::new_v1(
        vec![Subject {
            name: "registry.example/acme/web".into(),
            digests: vec![Digest::sha256_of(b"registry.example/acme/web image")],
            other_digests: vec![],
        }],
        SLSA_PROVENANCE_V1,
        slsa_predicate(),
    )
}

fn signed(algorithm: GenerateAlgorithm, statement: &Statement) -> (ReceivedEnvelope, TrustedKey) {
    let rng = SystemRandom::new();
    let key = SigningKey::generate(algorithm, &rng).expect("generate key");
    let envelope = sign_statement(statement, &key, &rng).expect("sign");
    let received = ReceivedEnvelope::parse(envelope.to_json().as_bytes()).expect("parse envelope");
    let trusted = TrustedKey {
        name: "bench".into(),
        public_key: key.public_key().clone(),
    };
    (received, trusted)
}

fn benches(c: &mut Criterion) {
    let statement = statement();
    let payload = statement.to_json();
    let (p256, p256_key) = signed(GenerateAlgorithm::EcdsaP256, &statement);
    let (ed25519, ed25519_key) = signed(GenerateAlgorithm::Ed25519, &statement);

    // Check once, outside the timed loops, that every benchmark measures the success path.
    assert!(Statement::parse(&payload).is_ok(), "payload parses");
    for (received, key) in [(&p256, &p256_key), (&ed25519, &ed25519_key)] {
        let outcome = verify_signatures(&received.envelope, std::slice::from_ref(key));
        assert_eq!(outcome.signers.len(), 1, "signature verifies");
    }
    eprintln!(
        "payload: {} bytes; ECDSA P-256 envelope: {} bytes; Ed25519 envelope: {} bytes",
        payload.len(),
        p256.bytes.len(),
        ed25519.bytes.len()
    );
    let p256_keys = [p256_key.clone()];
    assert!(verify_attestation(p256.clone(), &p256_keys).is_ok());

    let mut group = c.benchmark_group("dsse");
    group.throughput(Throughput::Bytes(payload.len() as u64));

    group.bench_function("sha256_payload_baseline", |b| {
        b.iter(|| Digest::sha256_of(black_box(&payload)));
    });
    group.bench_function("statement_parse_slsa_v1", |b| {
        b.iter(|| Statement::parse(black_box(&payload)));
    });
    group.bench_function("verify_signatures_ecdsa_p256", |b| {
        b.iter(|| verify_signatures(black_box(&p256.envelope), black_box(&p256_keys)));
    });
    let ed25519_keys = [ed25519_key];
    group.bench_function("verify_signatures_ed25519", |b| {
        b.iter(|| verify_signatures(black_box(&ed25519.envelope), black_box(&ed25519_keys)));
    });
    // verify_attestation consumes its envelope: the clone is made in setup, outside the timing.
    group.bench_function("verify_attestation_ecdsa_p256", |b| {
        b.iter_batched(
            || p256.clone(),
            |received| verify_attestation(received, black_box(&p256_keys)),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(dsse, benches);
criterion_main!(dsse);

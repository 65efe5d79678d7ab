//! Sigstore bundle verification throughput (in process), against a same-run SHA-256 baseline.
//!
//! Run: `cargo bench -p cairn-core --bench bundle`. Input: the upstream conformance bundles
//! `happy-path-v0.3` (keyless, Rekor v1, message signature) and `happy-path-intoto-in-dsse-v3`
//! (keyless, DSSE) from `../shared/testdata/sigstore-conformance` (or `$CAIRN_TESTDATA`).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark setup may panic

use cairn_core::Digest;
use cairn_core::bundle::{BundleArtifact, Matcher, Signer, Tlog, load_trusted_root, verify_bundle};
use cairn_core::verify::Verdict;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "../../tests/support/testdata.rs"]
mod shared;

fn conformance(rel: &str) -> Vec<u8> {
    let dir = shared::testdata_dir();
    let path = dir.join("sigstore-conformance").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "benchmark input {} not found ({e}); set CAIRN_TESTDATA",
            path.display()
        )
    })
}

fn bench(c: &mut Criterion) {
    let root =
        String::from_utf8(conformance("default-trust/production.trusted_root.json")).unwrap();
    let verifier = load_trusted_root(&root).unwrap();
    let artifact = conformance("bundle-verify/a.txt");
    let signer = Signer::Identity {
        identity: Matcher::Exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main".into()),
        issuer: Matcher::Exact("https://token.actions.githubusercontent.com".into()),
    };
    let mut group = c.benchmark_group("bundle");
    for case in ["happy-path-v0.3", "happy-path-intoto-in-dsse-v3"] {
        let bundle = conformance(&format!("bundle-verify/{case}/bundle.sigstore.json"));
        let check = verify_bundle(
            &verifier,
            &bundle,
            BundleArtifact::Bytes(&artifact),
            &signer,
            Tlog::Required,
        )
        .unwrap();
        assert_eq!(check.verdict(), Verdict::Pass, "{case}: {:?}", check.checks);
        group.bench_function(format!("verify/{case}"), |b| {
            b.iter(|| {
                verify_bundle(
                    &verifier,
                    black_box(&bundle),
                    BundleArtifact::Bytes(&artifact),
                    &signer,
                    Tlog::Required,
                )
                .unwrap()
            })
        });
        group.bench_function(format!("sha256_baseline/{case}"), |b| {
            b.iter(|| Digest::sha256_of(black_box(&bundle)))
        });
    }
    group.bench_function("load_trusted_root", |b| {
        b.iter(|| load_trusted_root(black_box(&root)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

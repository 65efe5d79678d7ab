//! CycloneDX parsing and schema validation of a large SBOM, against a same-run baseline.
//!
//! Run: `cargo bench -p cairn-core --bench sbom`. Results and ratios go in `docs/benchmarks.md`.
//!
//! The input is generated in memory: a CycloneDX 1.6 JSON document of 50,000 components (~37 MB)
//! shaped like a container-image SBOM (purl, licenses, hashes, external references, properties,
//! one nesting level, and a dependency graph). DESIGN.md §1: "A 37 MB, 50k-component SBOM
//! parses with serde in ~0.3 s; validation must not make that 10x slower." The baseline is
//! `serde_json::from_slice` into an untyped `Value`, the cost of merely reading the JSON.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark setup may panic

use cairn_core::sbom;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::fmt::Write;
use std::hint::black_box;

const COMPONENTS: usize = 50_000;

fn component(i: usize) -> String {
    let group = format!("org.example.group{}", i % 97);
    let name = format!("artifact-{i}");
    let version = format!("{}.{}.{}", i % 7, i % 13, i % 31);
    let sha256 = format!("{:064x}", i * 7919);
    let license = ["Apache-2.0", "MIT", "BSD-3-Clause", "EPL-2.0"][i % 4];
    format!(
        r#"{{"type":"library","bom-ref":"{group}:{name}:{version}","group":"{group}","name":"{name}","version":"{version}",
"scope":"required","hashes":[{{"alg":"SHA-256","content":"{sha256}"}}],
"licenses":[{{"license":{{"id":"{license}"}}}}],"purl":"pkg:maven/{group}/{name}@{version}?type=jar",
"externalReferences":[{{"type":"website","url":"https://example.org/{group}/{name}"}},{{"type":"vcs","url":"https://github.com/example/{name}.git"}}],
"properties":[{{"name":"cdx:maven:package:test","value":"false"}},{{"name":"syft:location:0:path","value":"/app/lib/{name}-{version}.jar"}}]"#
    )
}

/// A CycloneDX 1.6 document: every tenth component nests the next one, and each component
/// depends on its successor.
fn document() -> Vec<u8> {
    let mut s = String::with_capacity(COMPONENTS * 800);
    s.push_str(
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,
"metadata":{"timestamp":"2025-01-01T00:00:00Z","tools":{"components":[{"type":"application","group":"anchore","name":"syft","version":"1.0.0"}]},
"component":{"type":"container","bom-ref":"image","name":"registry.example/acme/web","version":"sha256:0000"}},
"components":["#,
    );
    let mut i = 0;
    while i < COMPONENTS {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&component(i));
        if i % 10 == 0 && i + 1 < COMPONENTS {
            write!(s, r#","components":[{}}}]}}"#, component(i + 1)).unwrap();
            i += 2;
        } else {
            s.push('}');
            i += 1;
        }
    }
    s.push_str(r#"],"dependencies":["#);
    for i in 0..COMPONENTS {
        if i > 0 {
            s.push(',');
        }
        let next = (i + 1) % COMPONENTS;
        write!(
            s,
            r#"{{"ref":"org.example.group{}:artifact-{i}:{}.{}.{}","dependsOn":["org.example.group{}:artifact-{next}:{}.{}.{}"]}}"#,
            i % 97,
            i % 7,
            i % 13,
            i % 31,
            next % 97,
            next % 7,
            next % 13,
            next % 31
        )
        .unwrap();
    }
    s.push_str("]}");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let doc = document();
    // The document must be what it claims, or the numbers mean nothing.
    let parsed = sbom::parse(&doc).expect("parse");
    assert_eq!(parsed.components.len(), COMPONENTS);
    let report = sbom::validate_json(&doc).expect("validate");
    assert!(report.is_valid(), "{:?}", report.violations);
    eprintln!(
        "sbom bench: {} components, {:.1} MB",
        COMPONENTS,
        doc.len() as f64 / 1e6
    );

    let mut g = c.benchmark_group("sbom");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("baseline_serde_value", |b| {
        b.iter(|| black_box(serde_json::from_slice::<serde_json::Value>(black_box(&doc)).unwrap()))
    });
    g.bench_function("parse", |b| {
        b.iter(|| black_box(sbom::parse(black_box(&doc)).unwrap()))
    });
    g.bench_function("validate_json", |b| {
        b.iter(|| black_box(sbom::validate_json(black_box(&doc)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

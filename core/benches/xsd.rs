//! CycloneDX XML schema validation of a large SBOM, against a same-run XML-parse baseline.
//!
//! Run: `cargo bench -p cairn-core --bench xsd`. Results and ratios go in `docs/benchmarks.md`.
//!
//! The input is a synthetic spec-1.6 BOM of 50,000 components (each with a bom-ref, group, name,
//! version, description, two hashes, an SPDX license id, a purl, an external reference and a
//! property) plus a dependency graph: about 37 MB. The baseline parses the same text with
//! `roxmltree` (which validation does first), so the ratio says what the schema checks add.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark setup may panic

use std::fmt::Write as _;
use std::hint::black_box;

use cairn_core::xsd::{Schema, cyclonedx_schema};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const COMPONENTS: usize = 50_000;

fn hex_of(i: usize, len: usize) -> String {
    let seed = format!("{i:016x}");
    seed.repeat(len / 16 + 1)[..len].to_owned()
}

/// A valid CycloneDX 1.6 BOM with `n` components and a chain of dependencies.
fn synthetic_bom(n: usize) -> String {
    let mut s = String::with_capacity(n * 800);
    s.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="1">
  <metadata>
    <timestamp>2025-01-01T00:00:00Z</timestamp>
    <component type="application" bom-ref="app"><name>bench-app</name><version>1.0.0</version></component>
  </metadata>
  <components>
"#,
    );
    for i in 0..n {
        let v = format!("1.{}.{}", i % 100, i % 7);
        let _ = write!(
            s,
            r#"    <component type="library" bom-ref="pkg:npm/acme/lib-{i}@{v}">
      <group>acme</group>
      <name>lib-{i}</name>
      <version>{v}</version>
      <description>Synthetic component number {i} of the schema validation benchmark</description>
      <hashes>
        <hash alg="SHA-256">{sha256}</hash>
        <hash alg="SHA-1">{sha1}</hash>
      </hashes>
      <licenses><license><id>Apache-2.0</id></license></licenses>
      <purl>pkg:npm/acme/lib-{i}@{v}</purl>
      <externalReferences><reference type="vcs"><url>https://git.example/acme/lib-{i}</url></reference></externalReferences>
      <properties><property name="bench:index">{i}</property></properties>
    </component>
"#,
            sha256 = hex_of(i, 64),
            sha1 = hex_of(i + 1, 40),
        );
    }
    s.push_str("  </components>\n  <dependencies>\n");
    s.push_str(
        r#"    <dependency ref="app"><dependency ref="pkg:npm/acme/lib-0@1.0.0"/></dependency>"#,
    );
    s.push('\n');
    for i in 0..n.saturating_sub(1) {
        let j = i + 1;
        let _ = writeln!(
            s,
            r#"    <dependency ref="pkg:npm/acme/lib-{i}@1.{}.{}"><dependency ref="pkg:npm/acme/lib-{j}@1.{}.{}"/></dependency>"#,
            i % 100,
            i % 7,
            j % 100,
            j % 7
        );
    }
    s.push_str("  </dependencies>\n</bom>\n");
    s
}

fn bench(c: &mut Criterion) {
    let bom = synthetic_bom(COMPONENTS);
    let schema = cyclonedx_schema("1.6").unwrap();
    // The bench measures the accepting path: the synthetic BOM must be valid.
    let violations = schema.validate(&bom, 10).unwrap();
    assert!(
        violations.is_empty(),
        "synthetic BOM is invalid: {violations:#?}"
    );
    // … and a single duplicated bom-ref anywhere makes it invalid.
    let broken = bom.replacen(
        r#"bom-ref="pkg:npm/acme/lib-49999@"#,
        r#"bom-ref="app" version-was=""#,
        1,
    );
    assert!(!schema.validate(&broken, 10).unwrap().is_empty());

    let mut g = c.benchmark_group("xsd");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bom.len() as u64));
    g.bench_function("baseline_parse_xml_50k_components", |b| {
        b.iter(|| {
            roxmltree::Document::parse(black_box(&bom))
                .unwrap()
                .descendants()
                .count()
        });
    });
    g.bench_function("validate_cyclonedx_1_6_50k_components", |b| {
        b.iter(|| schema.validate(black_box(&bom), 10).unwrap());
    });
    g.finish();

    let text = include_str!("../schemas/cyclonedx/bom-1.6.xsd");
    let spdx = include_str!("../schemas/cyclonedx/spdx.xsd");
    let mut g = c.benchmark_group("xsd_compile");
    g.sample_size(10);
    g.bench_function("compile_cyclonedx_1_6_schema", |b| {
        b.iter(|| {
            Schema::compile(
                black_box(text),
                &[("http://cyclonedx.org/schema/spdx", spdx)],
            )
            .unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Every CycloneDX test document of the specification (`../shared/testdata/cyclonedx`) against
//! Cairn's validator and parser.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_core::purl::Purl;
use cairn_core::sbom::{self, SbomFormat, SpecVersion};
use std::collections::BTreeMap;

#[path = "../../tests/support/testdata.rs"]
mod shared;

#[derive(serde::Deserialize)]
struct Manifest {
    summary: BTreeMap<String, usize>,
    count: usize,
    files: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    spec_version: String,
    file: String,
    format: String,
    expected: String,
}

impl Entry {
    fn valid(&self) -> bool {
        // "a longer string that starts with invalid is still invalid" (README).
        !self.expected.starts_with("invalid")
    }
}

fn manifest() -> (std::path::PathBuf, Manifest) {
    let dir = shared::testdata_dir().join("cyclonedx");
    let text = std::fs::read(dir.join("manifest.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join("manifest.json").display()));
    let manifest: Manifest = serde_json::from_slice(&text).unwrap();
    assert_eq!(manifest.files.len(), manifest.count, "manifest count");
    (dir, manifest)
}

#[test]
fn every_json_document_is_classified_as_the_manifest_expects() {
    let (dir, manifest) = manifest();
    let mut failures = Vec::new();
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    for entry in manifest.files.iter().filter(|e| e.format == "json") {
        let bytes =
            std::fs::read(dir.join(&entry.file)).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        let verdict = match sbom::validate_json(&bytes) {
            Ok(report) => {
                assert_eq!(
                    report.spec_version.as_str(),
                    entry.spec_version,
                    "{}",
                    entry.file
                );
                assert_eq!(report.format, SbomFormat::Json);
                if report.is_valid() {
                    "valid"
                } else {
                    "invalid"
                }
            }
            // A document that cannot even be checked is not valid.
            Err(_) => "invalid",
        };
        let expected = if entry.valid() { "valid" } else { "invalid" };
        if verdict != expected {
            let detail = match sbom::validate_json(&bytes) {
                Ok(r) => format!("{:?}", r.violations.iter().take(3).collect::<Vec<_>>()),
                Err(e) => e.to_string(),
            };
            failures.push(format!(
                "{}: expected {expected}, got {verdict}: {detail}",
                entry.file
            ));
        }
        *counted
            .entry(format!("{}/json/{verdict}", entry.spec_version))
            .or_default() += 1;
    }
    assert!(
        failures.is_empty(),
        "{} misclassified:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The per-version counts of the manifest summary, so no document was silently skipped.
    let expected: BTreeMap<String, usize> = manifest
        .summary
        .iter()
        .filter(|(k, _)| k.contains("/json/"))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(counted, expected);
    assert_eq!(expected.len(), 12, "six versions, valid and invalid");
    assert_eq!(
        counted.values().sum::<usize>(),
        17 + 17 + 21 + 18 + 23 + 18 + 29 + 18 + 36 + 20 + 49 + 23
    );
}

#[test]
fn every_valid_document_parses_json_and_xml() {
    let (dir, manifest) = manifest();
    let mut failures = Vec::new();
    let mut parsed: BTreeMap<(String, String), usize> = BTreeMap::new();
    for entry in manifest.files.iter().filter(|e| e.valid()) {
        let bytes =
            std::fs::read(dir.join(&entry.file)).unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        match sbom::parse(&bytes) {
            Ok(doc) => {
                let version: SpecVersion = entry.spec_version.parse().unwrap();
                let format = if entry.format == "json" {
                    SbomFormat::Json
                } else {
                    SbomFormat::Xml
                };
                if doc.spec_version != version || doc.format != format {
                    failures.push(format!(
                        "{}: read as {} {}",
                        entry.file, doc.spec_version, doc.format
                    ));
                }
                for (i, c) in doc.components.iter().enumerate() {
                    // Parents come before their children, and depth follows the links.
                    if let Some(p) = c.parent {
                        let parent = &doc.components[p];
                        assert!(
                            p < i && c.depth == parent.depth + 1,
                            "{}: component {i}",
                            entry.file
                        );
                    }
                }
                *parsed
                    .entry((entry.spec_version.clone(), entry.format.clone()))
                    .or_default() += 1;
            }
            Err(e) => failures.push(format!("{}: {e}", entry.file)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for ((version, format), n) in &parsed {
        let key = format!("{version}/{format}/valid");
        assert_eq!(Some(n), manifest.summary.get(&key), "{key}");
    }
    assert_eq!(parsed.len(), 12);
}

#[test]
fn every_purl_in_the_valid_documents_parses() {
    let (dir, manifest) = manifest();
    let mut purls = 0;
    let mut failures = Vec::new();
    for entry in manifest.files.iter().filter(|e| e.valid()) {
        let doc = sbom::parse(&std::fs::read(dir.join(&entry.file)).unwrap()).unwrap();
        let all = doc.components.iter().chain(doc.metadata.component.as_ref());
        for purl in all.filter_map(|c| c.purl.as_deref()) {
            purls += 1;
            if let Err(e) = purl.parse::<Purl>() {
                failures.push(format!("{}: {purl}: {e}", entry.file));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(purls > 100, "only {purls} purls seen");
}

#[test]
fn a_known_document_reads_as_expected() {
    let dir = shared::testdata_dir().join("cyclonedx");
    let doc =
        sbom::parse(&std::fs::read(dir.join("1.6/valid-metadata-tool-1.6.json")).unwrap()).unwrap();
    assert_eq!(doc.spec_version, SpecVersion::V1_6);
    assert_eq!(
        doc.serial_number.as_deref(),
        Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79")
    );
    let tools: Vec<_> = doc
        .metadata
        .tools
        .iter()
        .map(|t| (t.vendor.as_deref(), t.name.as_deref(), t.version.as_deref()))
        .collect();
    assert_eq!(
        tools,
        [
            (Some("Awesome Vendor"), Some("Awesome Tool"), Some("9.1.2")),
            (Some("com.example"), Some("Acme Signing Server"), None),
        ]
    );
    let xml = sbom::parse(
        &std::fs::read(dir.join("1.6/valid-metadata-tool-deprecated-1.6.xml")).unwrap(),
    )
    .unwrap();
    assert_eq!(xml.metadata.tools.len(), 1);
    assert_eq!(
        xml.metadata.tools[0].vendor.as_deref(),
        Some("Awesome Vendor")
    );
}

//! The upstream CycloneDX test corpus (`../shared/testdata/cyclonedx`) against Cairn's XSD
//! validator: every `valid-*.xml` must validate, every `invalid-*.xml` must not, per the schema of
//! the document's own spec version. Plus adversarial documents: clean errors, no panics, and
//! work linear in the input (a quadratic or exponential path would make these tests run for
//! minutes instead of seconds; they assert outcomes, not timings).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::collections::BTreeMap;

use cairn_core::xsd::{Schema, XsdError, cyclonedx_schema, cyclonedx_version_for_namespace};

#[path = "../../tests/support/testdata.rs"]
mod shared;

fn manifest() -> serde_json::Value {
    let path = shared::testdata_dir().join("cyclonedx/manifest.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_xml_document_of_the_corpus_is_classified_as_upstream_says() {
    let manifest = manifest();
    let dir = shared::testdata_dir().join("cyclonedx");
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for f in manifest["files"].as_array().unwrap() {
        if f["format"] != "xml" {
            continue;
        }
        let version = f["spec_version"].as_str().unwrap();
        let file = f["file"].as_str().unwrap();
        let expected = f["expected"].as_str().unwrap();
        let expect_valid = expected == "valid";
        assert!(
            expect_valid || expected.starts_with("invalid"),
            "{file}: {expected}"
        );
        let verdict = if expect_valid { "valid" } else { "invalid" };
        *counts
            .entry(format!("{version}/xml/{verdict}"))
            .or_default() += 1;

        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let schema = cyclonedx_schema(version).unwrap();
        match schema.validate(&text, 20) {
            Ok(violations) => {
                if expect_valid && !violations.is_empty() {
                    failures.push(format!("{file}: expected valid, got {violations:#?}"));
                } else if !expect_valid && violations.is_empty() {
                    failures.push(format!("{file}: expected invalid, but it validates"));
                }
            }
            Err(e) => failures.push(format!("{file}: error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} misclassified:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every per-version count of the manifest summary was seen, and nothing else.
    let summary = manifest["summary"].as_object().unwrap();
    let mut expected_counts: BTreeMap<String, usize> = BTreeMap::new();
    for (k, v) in summary {
        if k.contains("/xml/") {
            expected_counts.insert(k.clone(), usize::try_from(v.as_u64().unwrap()).unwrap());
        }
    }
    assert_eq!(expected_counts.len(), 12, "six versions × valid/invalid");
    assert_eq!(counts, expected_counts);
    assert_eq!(counts.values().sum::<usize>(), 304);
}

#[test]
fn the_document_namespace_picks_the_schema() {
    let dir = shared::testdata_dir().join("cyclonedx");
    let mut seen = 0;
    for version in cairn_core::xsd::CYCLONEDX_VERSIONS {
        let text = std::fs::read_to_string(dir.join(format!("{version}/valid-bom-{version}.xml")))
            .unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let ns = doc.root_element().tag_name().namespace().unwrap();
        assert_eq!(cyclonedx_version_for_namespace(ns), Some(*version));
        seen += 1;
    }
    assert_eq!(seen, 6);
    assert_eq!(
        cyclonedx_version_for_namespace("http://cyclonedx.org/schema/bom/1.1"),
        None
    );
    assert_eq!(cyclonedx_version_for_namespace("urn:other"), None);
}

#[test]
fn unsupported_versions_are_refused_with_a_code() {
    for v in ["1.0", "1.1", "1.8", "", "../1.6"] {
        let e = cyclonedx_schema(v).unwrap_err();
        assert_eq!(e.code(), cairn_core::Code::UnsupportedSpecVersion, "{v}");
    }
    for v in cairn_core::xsd::CYCLONEDX_VERSIONS {
        assert!(cyclonedx_schema(v).is_ok(), "{v}");
    }
}

fn bom16(body: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">{body}</bom>"#
    )
}

#[test]
fn deeply_nested_documents_are_refused_cleanly() {
    let schema = cyclonedx_schema("1.6").unwrap();
    // Nested components: <components><component>… twice per level.
    let level = r#"<components><component type="library"><name>x</name>"#;
    let close = "</component></components>";
    let ok_depth = 100; // 1 + 2*100 + 1 elements deep
    let doc = bom16(&format!(
        "{}{}",
        level.repeat(ok_depth),
        close.repeat(ok_depth)
    ));
    assert_eq!(schema.validate(&doc, 10).unwrap(), vec![]);
    let too_deep = 200;
    let doc = bom16(&format!(
        "{}{}",
        level.repeat(too_deep),
        close.repeat(too_deep)
    ));
    let e = schema.validate(&doc, 10).unwrap_err();
    assert!(matches!(e, XsdError::TooDeep { limit: 256 }), "{e:?}");
    assert_eq!(e.code(), cairn_core::Code::PayloadTooLarge);
    // A million levels of anything: refused, no stack overflow.
    let n = 1_000_000;
    let doc = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    let r = schema.validate(&doc, 10);
    assert!(r.is_err() || !r.unwrap().is_empty());
    let doc = bom16(&format!(
        "<metadata>{}{}</metadata>",
        "<x:a xmlns:x=\"urn:x\">".repeat(n),
        "</x:a>".repeat(n)
    ));
    let r = schema.validate(&doc, 10);
    assert!(r.is_err(), "nesting below a wildcard is bounded too");
}

#[test]
fn huge_attribute_counts_are_refused_quickly() {
    let schema = cyclonedx_schema("1.6").unwrap();
    let n = 100_000;
    let attrs: String = (0..n).map(|i| format!(" a{i}=\"v\"")).collect();
    let doc = bom16(&format!(
        "<components><component type=\"library\"{attrs}><name>x</name></component></components>"
    ));
    let e = schema.validate(&doc, 5).unwrap_err();
    assert!(
        matches!(e, XsdError::TooManyAttributes { limit: 128 }),
        "{e:?}"
    );
    assert_eq!(e.code(), cairn_core::Code::PayloadTooLarge);
    // Up to the limit: attributes on a simple-typed element are violations; on a component
    // (an `##any` lax attribute wildcard) they pass.
    let attrs: String = (0..100).map(|i| format!(" a{i}=\"v\"")).collect();
    let doc = bom16(&format!(
        "<components><component type=\"library\"><name{attrs}>x</name></component></components>"
    ));
    let violations = schema.validate(&doc, 5).unwrap();
    assert_eq!(violations.len(), 5, "capped, still invalid");
    assert!(
        violations.iter().all(|v| v.rule == "unexpected-attribute"),
        "{violations:?}"
    );
    let doc = bom16(&format!(
        "<components><component type=\"library\"{attrs}><name>x</name></component></components>"
    ));
    assert_eq!(schema.validate(&doc, 5).unwrap(), vec![]);
}

#[test]
fn dtds_and_entity_bombs_are_refused() {
    let schema = cyclonedx_schema("1.6").unwrap();
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE bom [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><metadata><component type="library"><name>&lol9;</name></component></metadata></bom>"#;
    let e = schema.validate(laughs, 10).unwrap_err();
    assert!(matches!(e, XsdError::Xml(_)), "{e:?}");
    assert_eq!(e.code(), cairn_core::Code::InvalidSbom);
    let external = r#"<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]><bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">&x;</bom>"#;
    assert!(matches!(
        schema.validate(external, 10),
        Err(XsdError::Xml(_))
    ));
    for bad in ["", "<bom", "<a></b>", "not xml", "<a/><b/>"] {
        assert!(
            matches!(schema.validate(bad, 10), Err(XsdError::Xml(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn many_violations_are_capped_but_still_invalid() {
    let schema = cyclonedx_schema("1.6").unwrap();
    let comps: String = (0..10_000)
        .map(|_| r#"<component type="nonsense"><name>x</name></component>"#)
        .collect();
    let doc = bom16(&format!("<components>{comps}</components>"));
    let v = schema.validate(&doc, 3).unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v[0].rule, "enumeration");
    assert_eq!(v[0].path, "/bom/components/component[1]/@type");
    let v = schema.validate(&doc, 0).unwrap();
    assert_eq!(
        v.len(),
        1,
        "max 0 still reports that the document is invalid"
    );
}

#[test]
fn compiling_a_schema_needs_its_imports() {
    let text = std::fs::read_to_string(shared::testdata_dir().join("cyclonedx/schema/bom-1.6.xsd"))
        .unwrap();
    let e = Schema::compile(&text, &[]).unwrap_err();
    assert!(
        e.to_string().contains("http://cyclonedx.org/schema/spdx"),
        "{e}"
    );
    let spdx =
        std::fs::read_to_string(shared::testdata_dir().join("cyclonedx/schema/spdx.xsd")).unwrap();
    // Found by schemaLocation as well as by namespace.
    assert!(Schema::compile(&text, &[("http://cyclonedx.org/schema/spdx", &spdx)]).is_ok());
}

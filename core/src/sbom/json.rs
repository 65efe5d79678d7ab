//! CycloneDX JSON -> [`Sbom`], through serde structs that name only the fields Cairn reads
//! (serde ignores the others). Depth was bounded by [`super::sniff`] before serde recursed.

use super::{
    Component, Dependency, Hash, License, Metadata, Sbom, SbomError, SbomFormat, SpecVersion, Tool,
    check_component_count,
};
use crate::code::excerpt;
use crate::limits;
use serde::Deserialize;

const FORMAT: SbomFormat = SbomFormat::Json;

/// The two fields that decide whether Cairn reads a document at all.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHeader {
    bom_format: Option<serde_json::Value>,
    spec_version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBom {
    bom_format: Option<String>,
    spec_version: Option<String>,
    serial_number: Option<String>,
    version: Option<u64>,
    metadata: Option<RawMetadata>,
    components: Option<Vec<RawComponent>>,
    dependencies: Option<Vec<RawDependency>>,
}

#[derive(Deserialize)]
struct RawMetadata {
    timestamp: Option<String>,
    component: Option<RawComponent>,
    tools: Option<RawTools>,
}

/// `metadata.tools`: an array of tools before 1.5, an object of components and services since.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawTools {
    Legacy(Vec<RawTool>),
    Modern {
        components: Option<Vec<RawComponent>>,
        services: Option<Vec<RawService>>,
    },
}

#[derive(Deserialize)]
struct RawTool {
    vendor: Option<String>,
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawService {
    group: Option<String>,
    name: Option<String>,
    version: Option<String>,
    provider: Option<RawOrganization>,
}

#[derive(Deserialize)]
struct RawOrganization {
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    group: Option<String>,
    name: String,
    version: Option<String>,
    publisher: Option<String>,
    purl: Option<String>,
    licenses: Option<Vec<RawLicenseChoice>>,
    hashes: Option<Vec<RawHash>>,
    components: Option<Vec<RawComponent>>,
}

#[derive(Deserialize)]
struct RawLicenseChoice {
    license: Option<RawLicense>,
    expression: Option<String>,
}

#[derive(Deserialize)]
struct RawLicense {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawHash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDependency {
    #[serde(rename = "ref")]
    bom_ref: String,
    depends_on: Option<Vec<String>>,
}

/// Check `bomFormat` and `specVersion` of any JSON value or header.
fn check_header(
    bom_format: Option<&serde_json::Value>,
    spec_version: Option<&serde_json::Value>,
) -> Result<SpecVersion, SbomError> {
    match bom_format {
        Some(serde_json::Value::String(s)) if s == "CycloneDX" => {}
        Some(other) => {
            return Err(SbomError::NotCycloneDx(format!(
                "bomFormat is {}, expected \"CycloneDX\"",
                excerpt(&other.to_string(), 64)
            )));
        }
        None => return Err(SbomError::NotCycloneDx("no bomFormat".into())),
    }
    match spec_version {
        Some(serde_json::Value::String(s)) => s.parse(),
        Some(other) => Err(SbomError::UnsupportedSpecVersion(excerpt(
            &other.to_string(),
            32,
        ))),
        None => Err(SbomError::NotCycloneDx("no specVersion".into())),
    }
}

/// Read `bomFormat` and `specVersion` only (serde skips the other fields without building them).
pub(super) fn spec_version_of(body: &[u8]) -> Result<SpecVersion, SbomError> {
    let header: RawHeader =
        serde_json::from_slice(body).map_err(|e| SbomError::malformed(FORMAT, e))?;
    check_header(header.bom_format.as_ref(), header.spec_version.as_ref())
}

pub(super) fn parse(body: &[u8]) -> Result<Sbom, SbomError> {
    let raw: RawBom = match serde_json::from_slice(body) {
        Ok(raw) => raw,
        // A document of another format or version may well not fit these structs: say which
        // rule it broke first, and only then that it is malformed.
        Err(e) => {
            spec_version_of(body)?;
            return Err(SbomError::malformed(FORMAT, e));
        }
    };
    let spec_version = check_header(
        raw.bom_format.map(serde_json::Value::String).as_ref(),
        raw.spec_version.map(serde_json::Value::String).as_ref(),
    )?;
    let mut components = Vec::new();
    for c in raw.components.unwrap_or_default() {
        flatten(c, None, 0, &mut components)?;
    }
    let metadata = match raw.metadata {
        None => Metadata::default(),
        Some(m) => {
            let component = match m.component {
                None => None,
                Some(mut c) => {
                    for child in c.components.take().unwrap_or_default() {
                        flatten(child, None, 1, &mut components)?;
                    }
                    Some(convert(c, None, 0))
                }
            };
            Metadata {
                timestamp: m.timestamp,
                component,
                tools: m.tools.map(tools).unwrap_or_default(),
            }
        }
    };
    let dependencies = raw
        .dependencies
        .unwrap_or_default()
        .into_iter()
        .map(|d| Dependency {
            bom_ref: d.bom_ref,
            depends_on: d.depends_on.unwrap_or_default(),
        })
        .collect();
    Ok(Sbom {
        spec_version,
        format: FORMAT,
        serial_number: raw.serial_number,
        version: raw.version,
        metadata,
        components,
        dependencies,
    })
}

/// Append `raw` and, after it, its nested components (pre-order).
fn flatten(
    mut raw: RawComponent,
    parent: Option<usize>,
    depth: u32,
    out: &mut Vec<Component>,
) -> Result<(), SbomError> {
    // The document's depth is already bounded; this keeps the recursion bounded on its own.
    if usize::try_from(depth).map_or(true, |d| d > limits::MAX_SBOM_NESTING_DEPTH) {
        return Err(SbomError::TooDeep {
            limit: limits::MAX_SBOM_NESTING_DEPTH,
        });
    }
    check_component_count(out.len() + 1)?;
    let children = raw.components.take().unwrap_or_default();
    let index = out.len();
    out.push(convert(raw, parent, depth));
    for child in children {
        flatten(child, Some(index), depth + 1, out)?;
    }
    Ok(())
}

fn convert(raw: RawComponent, parent: Option<usize>, depth: u32) -> Component {
    Component {
        bom_ref: raw.bom_ref,
        kind: raw.kind,
        group: raw.group,
        name: raw.name,
        version: raw.version,
        purl: raw.purl,
        licenses: raw
            .licenses
            .unwrap_or_default()
            .into_iter()
            .filter_map(|choice| match (choice.expression, choice.license) {
                (Some(expression), _) => Some(License::Expression(expression)),
                (None, Some(RawLicense { id: Some(id), .. })) => Some(License::Id(id)),
                (
                    None,
                    Some(RawLicense {
                        name: Some(name), ..
                    }),
                ) => Some(License::Name(name)),
                (None, _) => None,
            })
            .collect(),
        hashes: raw
            .hashes
            .unwrap_or_default()
            .into_iter()
            .map(|h| Hash {
                alg: h.alg,
                content: h.content,
            })
            .collect(),
        parent,
        depth,
    }
}

fn tools(raw: RawTools) -> Vec<Tool> {
    match raw {
        RawTools::Legacy(list) => list
            .into_iter()
            .map(|t| Tool {
                vendor: t.vendor,
                name: t.name,
                version: t.version,
            })
            .collect(),
        RawTools::Modern {
            components,
            services,
        } => {
            let components = components.unwrap_or_default().into_iter().map(|c| Tool {
                vendor: c.group.or(c.publisher),
                name: Some(c.name),
                version: c.version,
            });
            let services = services.unwrap_or_default().into_iter().map(|s| Tool {
                vendor: s.group.or(s.provider.and_then(|p| p.name)),
                name: s.name,
                version: s.version,
            });
            components.chain(services).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::Code;

    #[test]
    fn reads_components_nested_and_metadata() {
        let doc = br#"{
          "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 3,
          "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
          "metadata": {
            "timestamp": "2024-01-01T00:00:00Z",
            "tools": {"components": [{"type": "application", "group": "acme", "name": "gen", "version": "1"}],
                      "services": [{"provider": {"name": "Acme Org"}, "name": "signer"}]},
            "component": {"type": "container", "name": "web", "components": [
              {"type": "library", "name": "inner"}]}
          },
          "components": [
            {"type": "library", "bom-ref": "a", "group": "org.x", "name": "a", "version": "1.0",
             "purl": "pkg:maven/org.x/a@1.0",
             "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Custom"}}, {"expression": "MIT OR Apache-2.0"}],
             "hashes": [{"alg": "SHA-256", "content": "abcd"}],
             "components": [{"type": "library", "name": "a-sub", "components": [{"type": "file", "name": "leaf"}]}],
             "unknownField": {"ignored": [1, 2, 3]}},
            {"type": "library", "name": "b"}
          ],
          "dependencies": [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b"}]
        }"#;
        let sbom = parse(doc).unwrap();
        assert_eq!(sbom.spec_version, SpecVersion::V1_6);
        assert_eq!(sbom.format, SbomFormat::Json);
        assert_eq!(sbom.version, Some(3));
        assert_eq!(
            sbom.metadata.timestamp.as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert_eq!(
            sbom.metadata.tools,
            vec![
                Tool {
                    vendor: Some("acme".into()),
                    name: Some("gen".into()),
                    version: Some("1".into())
                },
                Tool {
                    vendor: Some("Acme Org".into()),
                    name: Some("signer".into()),
                    version: None
                },
            ]
        );
        assert_eq!(sbom.metadata.component.as_ref().unwrap().name, "web");
        let names: Vec<_> = sbom.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "a-sub", "leaf", "b", "inner"]);
        let links: Vec<_> = sbom
            .components
            .iter()
            .map(|c| (c.parent, c.depth))
            .collect();
        assert_eq!(
            links,
            [(None, 0), (Some(0), 1), (Some(1), 2), (None, 0), (None, 1)]
        );
        let a = &sbom.components[0];
        assert_eq!(
            a.licenses,
            [
                License::Id("MIT".into()),
                License::Name("Custom".into()),
                License::Expression("MIT OR Apache-2.0".into())
            ]
        );
        assert_eq!(a.hashes[0].alg, "SHA-256");
        assert_eq!(a.purl.as_deref(), Some("pkg:maven/org.x/a@1.0"));
        assert_eq!(sbom.dependencies[0].depends_on, ["b"]);
        assert!(sbom.dependencies[1].depends_on.is_empty());
    }

    #[test]
    fn reads_legacy_tools() {
        let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.2",
          "metadata": {"tools": [{"vendor": "v", "name": "n", "version": "1"}]}}"#;
        let sbom = parse(doc).unwrap();
        assert_eq!(sbom.metadata.tools[0].vendor.as_deref(), Some("v"));
        assert!(sbom.components.is_empty());
    }

    #[test]
    fn rejects_other_formats_and_versions_with_their_codes() {
        let cases: [(&[u8], Code); 7] = [
            (br#"{"bomFormat": "SPDX", "specVersion": "1.4"}"#, Code::InvalidSbom),
            (br#"{"specVersion": "1.4"}"#, Code::InvalidSbom),
            (br#"{"bomFormat": "CycloneDX"}"#, Code::InvalidSbom),
            (
                br#"{"bomFormat": "CycloneDX", "specVersion": "1.1"}"#,
                Code::UnsupportedSpecVersion,
            ),
            (
                br#"{"bomFormat": "CycloneDX", "specVersion": 1.4}"#,
                Code::UnsupportedSpecVersion,
            ),
            // Unsupported wins over a shape this parser does not know.
            (
                br#"{"bomFormat": "CycloneDX", "specVersion": "2.0", "components": {"x": 1}}"#,
                Code::UnsupportedSpecVersion,
            ),
            (
                br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library"}]}"#,
                Code::InvalidSbom,
            ),
        ];
        for (doc, code) in cases {
            let err = parse(doc).unwrap_err();
            assert_eq!(err.code(), code, "{}: {err}", String::from_utf8_lossy(doc));
        }
        let ok = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"type": "library", "name": "x"}]}"#;
        assert_eq!(parse(ok).unwrap().components.len(), 1);
    }

    #[test]
    fn deep_nesting_is_rejected_cleanly_on_a_small_stack() {
        // Components nested 200 deep (400 JSON levels): far over the limit, and deeper than
        // serde_json's own recursion limit. Run on a 256 KiB stack to prove nothing recursed.
        let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"#);
        for _ in 0..200 {
            doc.push_str(r#"[{"type":"library","name":"x","components":"#);
        }
        doc.push_str("[]");
        for _ in 0..200 {
            doc.push_str("}]");
        }
        doc.push('}');
        let err = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(doc.as_bytes()).unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(
            err,
            SbomError::TooDeep {
                limit: limits::MAX_SBOM_NESTING_DEPTH
            }
        );
        assert_eq!(err.code(), Code::InvalidSbom);
    }

    #[test]
    fn nesting_within_the_limit_is_accepted() {
        // 30 levels of components = 62 JSON levels under the root object's array: within 64.
        let mut doc = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":"#);
        for _ in 0..30 {
            doc.push_str(r#"[{"type":"library","name":"x","components":"#);
        }
        doc.push_str("[]");
        for _ in 0..30 {
            doc.push_str("}]");
        }
        doc.push('}');
        let sbom = parse(doc.as_bytes()).unwrap();
        assert_eq!(sbom.components.len(), 30);
        assert_eq!(sbom.components[29].depth, 29);
        assert_eq!(sbom.components[29].parent, Some(28));
    }
}

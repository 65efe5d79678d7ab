//! CycloneDX XML -> [`Sbom`], with `roxmltree`: it refuses DTDs (so no external entities and no
//! entity expansion bombs) and builds its tree without recursion; the element depth is checked
//! in one flat pass before this module walks the tree. Only elements in the document's own
//! CycloneDX namespace are read; extension elements of other namespaces are ignored.

use super::{
    Component, Dependency, Hash, License, Metadata, Sbom, SbomError, SbomFormat, SpecVersion, Tool,
    XML_NAMESPACE_PREFIX, check_component_count,
};
use crate::code::excerpt;
use crate::limits;
use roxmltree::{Document, Node};

const FORMAT: SbomFormat = SbomFormat::Xml;

/// Parse the bytes into a tree, check the depth, and read the version from the namespace.
pub(super) fn document(body: &[u8]) -> Result<Document<'_>, SbomError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| SbomError::malformed(FORMAT, format!("not UTF-8: {e}")))?;
    let doc = Document::parse(text).map_err(|e| SbomError::malformed(FORMAT, e))?;
    check_depth(doc.root_element())?;
    Ok(doc)
}

/// The spec version named by the root element's namespace.
pub(super) fn spec_version_of(doc: &Document<'_>) -> Result<SpecVersion, SbomError> {
    let root = doc.root_element();
    let ns = root.tag_name().namespace().unwrap_or("");
    let Some(version) = ns.strip_prefix(XML_NAMESPACE_PREFIX) else {
        return Err(SbomError::NotCycloneDx(format!(
            "the root element is in namespace {:?}, expected {XML_NAMESPACE_PREFIX}<version>",
            excerpt(ns, 100)
        )));
    };
    if root.tag_name().name() != "bom" {
        return Err(SbomError::NotCycloneDx(format!(
            "the root element is <{}>, expected <bom>",
            excerpt(root.tag_name().name(), 64)
        )));
    }
    version.parse()
}

/// Reject trees deeper than the limit, with an explicit stack instead of recursion.
fn check_depth(root: Node<'_, '_>) -> Result<(), SbomError> {
    let limit = limits::MAX_SBOM_NESTING_DEPTH;
    let mut stack = vec![(root, 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > limit {
            return Err(SbomError::TooDeep { limit });
        }
        stack.extend(
            node.children()
                .filter(Node::is_element)
                .map(|c| (c, depth + 1)),
        );
    }
    Ok(())
}

pub(super) fn parse(body: &[u8]) -> Result<Sbom, SbomError> {
    let doc = document(body)?;
    let spec_version = spec_version_of(&doc)?;
    let root = doc.root_element();
    let r = Reader {
        ns: root.tag_name().namespace().unwrap_or(""),
    };
    let version = match root.attribute("version") {
        None => None,
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
            SbomError::malformed(
                FORMAT,
                format!("bom version {:?} is not a number", excerpt(v, 32)),
            )
        })?),
    };
    let mut components = Vec::new();
    if let Some(list) = r.child(root, "components") {
        for c in r.children(list, "component") {
            r.flatten(c, None, 0, &mut components)?;
        }
    }
    let metadata = match r.child(root, "metadata") {
        None => Metadata::default(),
        Some(m) => {
            let component = match r.child(m, "component") {
                None => None,
                Some(c) => {
                    if let Some(list) = r.child(c, "components") {
                        for child in r.children(list, "component") {
                            r.flatten(child, None, 1, &mut components)?;
                        }
                    }
                    Some(r.component(c, None, 0)?)
                }
            };
            Metadata {
                timestamp: r.text_of(m, "timestamp"),
                component,
                tools: r.child(m, "tools").map(|t| r.tools(t)).unwrap_or_default(),
            }
        }
    };
    let mut dependencies = Vec::new();
    if let Some(list) = r.child(root, "dependencies") {
        for d in r.children(list, "dependency") {
            dependencies.push(Dependency {
                bom_ref: r.attribute(d, "ref")?,
                depends_on: r
                    .children(d, "dependency")
                    .map(|inner| r.attribute(inner, "ref"))
                    .collect::<Result<_, _>>()?,
            });
        }
    }
    Ok(Sbom {
        spec_version,
        format: FORMAT,
        serial_number: root.attribute("serialNumber").map(str::to_owned),
        version,
        metadata,
        components,
        dependencies,
    })
}

/// Element access restricted to the document's CycloneDX namespace.
struct Reader<'n> {
    ns: &'n str,
}

impl Reader<'_> {
    fn is(&self, node: &Node<'_, '_>, name: &str) -> bool {
        node.is_element()
            && node.tag_name().name() == name
            && node.tag_name().namespace().unwrap_or("") == self.ns
    }

    fn child<'a, 'i>(&self, node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
        node.children().find(|c| self.is(c, name))
    }

    fn children<'a, 'i: 'a>(
        &'a self,
        node: Node<'a, 'i>,
        name: &'a str,
    ) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        node.children().filter(move |c| self.is(c, name))
    }

    /// The text of a child element, trimmed (simple types collapse surrounding whitespace).
    fn text_of(&self, node: Node<'_, '_>, name: &str) -> Option<String> {
        self.child(node, name).map(|c| text(c))
    }

    fn attribute(&self, node: Node<'_, '_>, name: &str) -> Result<String, SbomError> {
        node.attribute(name).map(str::to_owned).ok_or_else(|| {
            SbomError::malformed(
                FORMAT,
                format!("<{}> has no {name} attribute", node.tag_name().name()),
            )
        })
    }

    fn flatten(
        &self,
        node: Node<'_, '_>,
        parent: Option<usize>,
        depth: u32,
        out: &mut Vec<Component>,
    ) -> Result<(), SbomError> {
        // The tree's depth is already bounded; this keeps the recursion bounded on its own.
        if usize::try_from(depth).map_or(true, |d| d > limits::MAX_SBOM_NESTING_DEPTH) {
            return Err(SbomError::TooDeep {
                limit: limits::MAX_SBOM_NESTING_DEPTH,
            });
        }
        check_component_count(out.len() + 1)?;
        let index = out.len();
        out.push(self.component(node, parent, depth)?);
        if let Some(list) = self.child(node, "components") {
            for child in self.children(list, "component") {
                self.flatten(child, Some(index), depth + 1, out)?;
            }
        }
        Ok(())
    }

    fn component(
        &self,
        node: Node<'_, '_>,
        parent: Option<usize>,
        depth: u32,
    ) -> Result<Component, SbomError> {
        let name = self
            .text_of(node, "name")
            .ok_or_else(|| SbomError::malformed(FORMAT, "a <component> has no <name>"))?;
        let mut licenses = Vec::new();
        if let Some(list) = self.child(node, "licenses") {
            for choice in list.children().filter(Node::is_element) {
                if self.is(&choice, "expression") {
                    licenses.push(License::Expression(text(choice)));
                } else if self.is(&choice, "license") {
                    if let Some(id) = self.text_of(choice, "id") {
                        licenses.push(License::Id(id));
                    } else if let Some(name) = self.text_of(choice, "name") {
                        licenses.push(License::Name(name));
                    }
                }
            }
        }
        let mut hashes = Vec::new();
        if let Some(list) = self.child(node, "hashes") {
            for h in self.children(list, "hash") {
                hashes.push(Hash {
                    alg: self.attribute(h, "alg")?,
                    content: text(h),
                });
            }
        }
        Ok(Component {
            bom_ref: node.attribute("bom-ref").map(str::to_owned),
            kind: self.attribute(node, "type")?,
            group: self.text_of(node, "group"),
            name,
            version: self.text_of(node, "version"),
            purl: self.text_of(node, "purl"),
            licenses,
            hashes,
            parent,
            depth,
        })
    }

    /// `<tools>`: `<tool>` elements before 1.5, `<components>`/`<services>` since.
    fn tools(&self, node: Node<'_, '_>) -> Vec<Tool> {
        let mut tools: Vec<Tool> = self
            .children(node, "tool")
            .map(|t| Tool {
                vendor: self.text_of(t, "vendor"),
                name: self.text_of(t, "name"),
                version: self.text_of(t, "version"),
            })
            .collect();
        if let Some(list) = self.child(node, "components") {
            tools.extend(self.children(list, "component").map(|c| {
                Tool {
                    vendor: self
                        .text_of(c, "group")
                        .or_else(|| self.text_of(c, "publisher")),
                    name: self.text_of(c, "name"),
                    version: self.text_of(c, "version"),
                }
            }));
        }
        if let Some(list) = self.child(node, "services") {
            tools.extend(self.children(list, "service").map(|s| Tool {
                vendor: self.text_of(s, "group").or_else(|| {
                    self.child(s, "provider")
                        .and_then(|p| self.text_of(p, "name"))
                }),
                name: self.text_of(s, "name"),
                version: self.text_of(s, "version"),
            }));
        }
        tools
    }
}

/// All text directly inside an element, trimmed.
fn text(node: Node<'_, '_>) -> String {
    let mut s = String::new();
    for t in node.children().filter(Node::is_text) {
        s.push_str(t.text().unwrap_or(""));
    }
    s.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::Code;

    const DOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bom xmlns="http://cyclonedx.org/schema/bom/1.5" xmlns:x="urn:ext" serialNumber="urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79" version="2">
  <metadata>
    <timestamp>2024-01-01T00:00:00Z</timestamp>
    <tools>
      <components><component type="application"><group>acme</group><name>gen</name><version>1</version></component></components>
      <services><service><provider><name>Acme Org</name></provider><name>signer</name></service></services>
    </tools>
    <component type="container"><name>web</name>
      <components><component type="library"><name>inner</name></component></components>
    </component>
  </metadata>
  <components>
    <component type="library" bom-ref="a">
      <group>org.x</group>
      <name> a </name>
      <version>1.0</version>
      <hashes><hash alg="SHA-256">abcd</hash></hashes>
      <licenses><license><id>MIT</id></license><license><name>Custom</name></license></licenses>
      <purl>pkg:maven/org.x/a@1.0</purl>
      <x:name>ignored extension</x:name>
      <components>
        <component type="library"><name>a-sub</name>
          <components><component type="file"><name>leaf</name></component></components>
        </component>
      </components>
    </component>
    <component type="library"><name>b</name>
      <licenses><expression>MIT OR Apache-2.0</expression></licenses>
    </component>
  </components>
  <dependencies>
    <dependency ref="a"><dependency ref="b"/></dependency>
    <dependency ref="b"/>
  </dependencies>
</bom>"#;

    #[test]
    fn reads_components_nested_and_metadata() {
        let sbom = parse(DOC.as_bytes()).unwrap();
        assert_eq!(sbom.spec_version, SpecVersion::V1_5);
        assert_eq!(sbom.format, SbomFormat::Xml);
        assert_eq!(sbom.version, Some(2));
        assert_eq!(
            sbom.serial_number.as_deref(),
            Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79")
        );
        assert_eq!(
            sbom.metadata.timestamp.as_deref(),
            Some("2024-01-01T00:00:00Z")
        );
        assert_eq!(sbom.metadata.tools.len(), 2);
        assert_eq!(sbom.metadata.tools[0].vendor.as_deref(), Some("acme"));
        assert_eq!(sbom.metadata.tools[1].vendor.as_deref(), Some("Acme Org"));
        assert_eq!(sbom.metadata.component.as_ref().unwrap().kind, "container");
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
        assert_eq!(a.bom_ref.as_deref(), Some("a"));
        assert_eq!(a.group.as_deref(), Some("org.x"));
        assert_eq!(a.purl.as_deref(), Some("pkg:maven/org.x/a@1.0"));
        assert_eq!(
            a.licenses,
            [License::Id("MIT".into()), License::Name("Custom".into())]
        );
        assert_eq!(
            a.hashes,
            [Hash {
                alg: "SHA-256".into(),
                content: "abcd".into()
            }]
        );
        assert_eq!(
            sbom.components[3].licenses,
            [License::Expression("MIT OR Apache-2.0".into())]
        );
        assert_eq!(sbom.dependencies.len(), 2);
        assert_eq!(sbom.dependencies[0].depends_on, ["b"]);
    }

    #[test]
    fn reads_legacy_tools() {
        let doc = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.2"><metadata><tools>
            <tool><vendor>v</vendor><name>n</name><version>1</version></tool></tools></metadata></bom>"#;
        let sbom = parse(doc.as_bytes()).unwrap();
        assert_eq!(sbom.spec_version, SpecVersion::V1_2);
        assert_eq!(
            sbom.metadata.tools,
            [Tool {
                vendor: Some("v".into()),
                name: Some("n".into()),
                version: Some("1".into())
            }]
        );
    }

    #[test]
    fn rejects_other_namespaces_versions_and_dtds() {
        let cases = [
            (
                r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.1"/>"#,
                Code::UnsupportedSpecVersion,
            ),
            (
                r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.8"/>"#,
                Code::UnsupportedSpecVersion,
            ),
            (r#"<bom/>"#, Code::InvalidSbom),
            (r#"<bom xmlns="urn:other"/>"#, Code::InvalidSbom),
            (
                r#"<sbom xmlns="http://cyclonedx.org/schema/bom/1.4"/>"#,
                Code::InvalidSbom,
            ),
            (
                r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4">"#,
                Code::InvalidSbom,
            ),
            (
                r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="x"/>"#,
                Code::InvalidSbom,
            ),
            (
                r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component><name>x</name></component></components></bom>"#,
                Code::InvalidSbom,
            ),
            // External entities (XXE) and entity expansion need a DTD, which is refused.
            (
                r#"<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY x SYSTEM "file:///etc/passwd">]><bom xmlns="http://cyclonedx.org/schema/bom/1.4"><metadata><timestamp>&x;</timestamp></metadata></bom>"#,
                Code::InvalidSbom,
            ),
        ];
        for (doc, code) in cases {
            let err = parse(doc.as_bytes()).unwrap_err();
            assert_eq!(err.code(), code, "{doc}: {err}");
        }
        let ok = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components><component type="library"><name>x</name></component></components></bom>"#;
        assert_eq!(parse(ok.as_bytes()).unwrap().components.len(), 1);
    }

    #[test]
    fn deep_nesting_is_rejected_cleanly_on_a_small_stack() {
        let mut doc = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6">"#);
        for _ in 0..5_000 {
            doc.push_str(r#"<components><component type="library"><name>x</name>"#);
        }
        for _ in 0..5_000 {
            doc.push_str("</component></components>");
        }
        doc.push_str("</bom>");
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
    }

    #[test]
    fn nesting_within_the_limit_is_accepted() {
        let mut doc = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6">"#);
        for _ in 0..31 {
            doc.push_str(r#"<components><component type="library"><name>x</name>"#);
        }
        for _ in 0..31 {
            doc.push_str("</component></components>");
        }
        doc.push_str("</bom>");
        let sbom = parse(doc.as_bytes()).unwrap();
        assert_eq!(sbom.components.len(), 31);
        assert_eq!(sbom.components[30].parent, Some(29));
    }
}

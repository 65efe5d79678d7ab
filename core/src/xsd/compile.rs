//! Compiling XSD documents (the main schema plus imported/included ones, given as text) into
//! the [`Compiled`] model.
//!
//! Fail closed: every construct, attribute and child this compiler does not implement is an
//! error naming it, never skipped (annotations and attributes in foreign namespaces excepted).
//! Every global component is compiled, used or not, so an unsupported construct anywhere in a
//! schema is found when the schema is compiled, not when a document happens to reach it.

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId};

use super::XsdError;
use super::content::{self, Model, Particle, ParticleKind, Term};
use super::model::{
    AttrDecl, AttrUse, Compiled, ComplexId, ComplexType, ContentType, Derivation, ElemId,
    ElementDecl, ExpName, IcId, IcKind, IdentityConstraint, NameTest, NsConstraint, Process,
    SimpleId, TypeRef, ValueConstraint, Wildcard, XPath, XS_NS, XSI_NS,
};
use super::pattern::Pattern;
use super::simple::{Builtin, Facet, SimpleType, Simples, Value, Variety, WhiteSpace};

const VC_NS: &str = "http://www.w3.org/2007/XMLSchema-versioning";
/// Deepest element nesting accepted in a schema document (CycloneDX 1.7 needs 19).
const MAX_SCHEMA_DEPTH: usize = 64;
/// Deepest chain of derivations, group references, nested particles and anonymous types that
/// the (recursive) compiler follows; keeps it well inside a 2 MiB thread stack even unoptimised.
const MAX_RECURSION: usize = 64;
/// Most schema documents one compilation may load (imports and includes).
const MAX_SCHEMA_DOCS: usize = 64;

type R<T> = Result<T, XsdError>;

fn err(msg: impl Into<String>) -> XsdError {
    XsdError::Schema(msg.into())
}

/// Compile `main` with the texts it imports or includes.
pub(crate) fn compile(main: &str, imports: &[(&str, &str)]) -> R<Compiled> {
    let mut loader = Loader {
        imports,
        loaded: Vec::new(),
        docs: Vec::new(),
    };
    loader.load(main, None)?;
    let docs = loader.docs;
    let mut c = Compiler::new(&docs);
    c.index()?;
    c.compile_all()?;
    c.finish()
}

struct Doc<'a> {
    doc: Document<'a>,
    tns: Option<String>,
    elements_qualified: bool,
    attributes_qualified: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct At {
    doc: usize,
    id: NodeId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Pending(At),
    InProgress,
    Done,
}

/// The attributes a complex type or attribute group contributes.
#[derive(Debug, Clone, Default)]
struct AttrSet {
    uses: Vec<AttrUse>,
    prohibited: Vec<ExpName>,
    wildcard: Option<Wildcard>,
}

/// Loads the main schema document and everything it imports or includes.
struct Loader<'a> {
    imports: &'a [(&'a str, &'a str)],
    /// Which `imports` entries (or `usize::MAX` for the main text) are loaded, by doc index.
    loaded: Vec<usize>,
    docs: Vec<Doc<'a>>,
}

struct Compiler<'d, 'a> {
    docs: &'d [Doc<'a>],

    type_defs: HashMap<ExpName, At>,
    element_defs: HashMap<ExpName, At>,
    attribute_defs: HashMap<ExpName, At>,
    group_defs: HashMap<ExpName, At>,
    attr_group_defs: HashMap<ExpName, At>,

    elements: Vec<ElementDecl>,
    element_state: Vec<State>,
    simple: Vec<SimpleType>,
    complex: Vec<ComplexType>,
    complex_state: Vec<State>,
    models: Vec<Model>,
    /// The effective content particle of each complex type (for extension by other types).
    particles: Vec<Option<Particle>>,
    constraints: Vec<IdentityConstraint>,
    constraint_names: HashMap<ExpName, (IcId, ElemId)>,
    keyrefs: Vec<(IcId, ExpName, ElemId)>,

    named_types: HashMap<ExpName, TypeRef>,
    simple_in_progress: Vec<ExpName>,
    global_elements: HashMap<ExpName, ElemId>,
    global_attributes: HashMap<ExpName, AttrDecl>,
    attributes_in_progress: Vec<ExpName>,
    groups: HashMap<ExpName, Option<Particle>>,
    attr_groups: HashMap<ExpName, Option<AttrSet>>,
    builtins: HashMap<Builtin, SimpleId>,
    any_type: ComplexId,
    depth: usize,
}

impl<'a> Loader<'a> {
    // ---------------------------------------------------------------- loading documents

    /// Load a schema document and, recursively, what it imports and includes. `source` is the
    /// index into `imports` (`None` for the main text).
    fn load(&mut self, text: &'a str, source: Option<usize>) -> R<usize> {
        let key = source.unwrap_or(usize::MAX);
        if let Some(i) = self.loaded.iter().position(|k| *k == key) {
            return Ok(i);
        }
        if self.docs.len() >= MAX_SCHEMA_DOCS {
            return Err(err("too many schema documents (imports/includes)"));
        }
        let doc = Document::parse(text)
            .map_err(|e| err(format!("schema is not well-formed XML: {e}")))?;
        if super::validate::deeper_than(&doc, MAX_SCHEMA_DEPTH) {
            return Err(err(format!(
                "schema document nests deeper than {MAX_SCHEMA_DEPTH} elements"
            )));
        }
        let root = doc.root_element();
        if !is_xs(root, "schema") {
            return Err(err("the document element is not xs:schema"));
        }
        check_attrs(
            root,
            &[
                "targetNamespace",
                "elementFormDefault",
                "attributeFormDefault",
                "version",
                "id",
                "finalDefault",
                "blockDefault",
            ],
        )?;
        if root
            .attribute("blockDefault")
            .is_some_and(|b| !b.trim().is_empty())
        {
            return Err(unsupported(root, "blockDefault"));
        }
        let form = |name: &str| -> R<bool> {
            match root.attribute(name) {
                None | Some("unqualified") => Ok(false),
                Some("qualified") => Ok(true),
                Some(other) => Err(err(format!(
                    "{name}={other:?} is not qualified/unqualified"
                ))),
            }
        };
        let tns = root.attribute("targetNamespace").map(str::to_owned);
        if tns.as_deref() == Some("") {
            return Err(err("targetNamespace must not be empty"));
        }
        let index = self.docs.len();
        self.loaded.push(key);
        self.docs.push(Doc {
            tns: tns.clone(),
            elements_qualified: form("elementFormDefault")?,
            attributes_qualified: form("attributeFormDefault")?,
            doc,
        });
        // Imports and includes come first in a schema; collect them before recursing (the
        // document is borrowed from `self.docs`).
        let mut wanted = Vec::new();
        {
            let root = self.docs[index].doc.root_element();
            for child in schema_children(root)? {
                match child.tag_name().name() {
                    "import" => {
                        check_attrs(child, &["namespace", "schemaLocation", "id"])?;
                        let ns = child.attribute("namespace").map(str::to_owned);
                        if ns == tns {
                            return Err(err("a schema cannot import its own target namespace"));
                        }
                        let location = child.attribute("schemaLocation").map(str::to_owned);
                        wanted.push((true, ns, location));
                    }
                    "include" => {
                        check_attrs(child, &["schemaLocation", "id"])?;
                        let location = child
                            .attribute("schemaLocation")
                            .ok_or_else(|| err("xs:include without schemaLocation"))?;
                        wanted.push((false, tns.clone(), Some(location.to_owned())));
                    }
                    "redefine" | "override" => return Err(unsupported(child, "")),
                    _ => {}
                }
            }
        }
        for (is_import, ns, location) in wanted {
            let found = location
                .as_deref()
                .and_then(|l| self.imports.iter().position(|(k, _)| *k == l))
                .or_else(|| {
                    ns.as_deref()
                        .and_then(|n| self.imports.iter().position(|(k, _)| *k == n))
                });
            let Some(found) = found else {
                return Err(err(format!(
                    "{} of namespace {:?} (schemaLocation {:?}) was not provided",
                    if is_import { "xs:import" } else { "xs:include" },
                    ns.as_deref().unwrap_or(""),
                    location.as_deref().unwrap_or("")
                )));
            };
            let text = self.imports[found].1;
            let loaded = self.load(text, Some(found))?;
            if self.docs[loaded].tns != ns {
                return Err(err(format!(
                    "{} expected target namespace {:?}, the provided schema has {:?}",
                    if is_import { "xs:import" } else { "xs:include" },
                    ns.as_deref().unwrap_or(""),
                    self.docs[loaded].tns.as_deref().unwrap_or("")
                )));
            }
        }
        Ok(index)
    }
}

impl<'d, 'a> Compiler<'d, 'a> {
    fn new(docs: &'d [Doc<'a>]) -> Self {
        Self {
            docs,
            type_defs: HashMap::new(),
            element_defs: HashMap::new(),
            attribute_defs: HashMap::new(),
            group_defs: HashMap::new(),
            attr_group_defs: HashMap::new(),
            elements: Vec::new(),
            element_state: Vec::new(),
            simple: Vec::new(),
            complex: Vec::new(),
            complex_state: Vec::new(),
            models: Vec::new(),
            particles: Vec::new(),
            constraints: Vec::new(),
            constraint_names: HashMap::new(),
            keyrefs: Vec::new(),
            named_types: HashMap::new(),
            simple_in_progress: Vec::new(),
            global_elements: HashMap::new(),
            global_attributes: HashMap::new(),
            attributes_in_progress: Vec::new(),
            groups: HashMap::new(),
            attr_groups: HashMap::new(),
            builtins: HashMap::new(),
            any_type: 0,
            depth: 0,
        }
    }

    fn node(&self, at: At) -> R<Node<'d, 'a>> {
        self.docs
            .get(at.doc)
            .and_then(|d| d.doc.get_node(at.id))
            .ok_or_else(|| err("internal: dangling schema node"))
    }

    fn doc(&self, at: At) -> &'d Doc<'a> {
        &self.docs[at.doc]
    }

    /// Collect every top-level definition by expanded name; duplicates are errors.
    fn index(&mut self) -> R<()> {
        for (d, doc) in self.docs.iter().enumerate() {
            for child in schema_children(doc.doc.root_element())? {
                let kind = child.tag_name().name();
                let table = match kind {
                    "simpleType" | "complexType" => &mut self.type_defs,
                    "element" => &mut self.element_defs,
                    "attribute" => &mut self.attribute_defs,
                    "group" => &mut self.group_defs,
                    "attributeGroup" => &mut self.attr_group_defs,
                    "import" | "include" => continue,
                    _ => return Err(unsupported(child, "at the top level of a schema")),
                };
                let name = child
                    .attribute("name")
                    .ok_or_else(|| err(format!("top-level xs:{kind} without a name")))?;
                check_ncname(name)?;
                let key = ExpName::new(doc.tns.as_deref(), name);
                let at = At {
                    doc: d,
                    id: child.id(),
                };
                if table.insert(key.clone(), at).is_some() {
                    return Err(err(format!("duplicate top-level xs:{kind} {key}")));
                }
            }
        }
        Ok(())
    }

    fn compile_all(&mut self) -> R<()> {
        // xs:anyType: mixed content of anything (lax), any attributes (lax).
        self.any_type = self.complex.len();
        let anything = Particle {
            kind: ParticleKind::Term(Term::Any(Wildcard {
                ns: NsConstraint::Any,
                process: Process::Lax,
            })),
            min: 0,
            max: None,
        };
        let content = self.content_of(Some(&anything))?;
        self.complex.push(ComplexType {
            name: Some(ExpName::new(Some(XS_NS), "anyType")),
            content,
            mixed: true,
            attributes: Vec::new(),
            wildcard: Some(Wildcard {
                ns: NsConstraint::Any,
                process: Process::Lax,
            }),
            base: None,
        });
        self.complex_state.push(State::Done);
        self.particles.push(Some(anything));
        self.named_types.insert(
            ExpName::new(Some(XS_NS), "anyType"),
            TypeRef::Complex(self.any_type),
        );
        // Every built-in, so xsi:type can name any of them.
        for b in Builtin::ALL {
            self.builtin(*b);
        }
        self.nmtokens();

        let mut names: Vec<ExpName> = self.type_defs.keys().cloned().collect();
        names.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
        for name in names {
            self.named_type(&name)?;
        }
        let mut names: Vec<ExpName> = self.element_defs.keys().cloned().collect();
        names.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
        for name in names {
            self.global_element(&name)?;
        }
        let mut names: Vec<ExpName> = self.attribute_defs.keys().cloned().collect();
        names.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
        for name in names {
            self.global_attribute(&name)?;
        }
        let mut names: Vec<ExpName> = self.group_defs.keys().cloned().collect();
        names.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
        for name in names {
            self.group(&name)?;
        }
        let mut names: Vec<ExpName> = self.attr_group_defs.keys().cloned().collect();
        names.sort_by(|a, b| (&a.ns, &a.local).cmp(&(&b.ns, &b.local)));
        for name in names {
            self.attribute_group(&name)?;
        }
        // Drain the work lists: element declarations and complex types referenced by name.
        loop {
            if let Some(id) = self
                .element_state
                .iter()
                .position(|s| matches!(s, State::Pending(_)))
            {
                self.finish_global_element(id)?;
                continue;
            }
            if let Some(id) = self
                .complex_state
                .iter()
                .position(|s| matches!(s, State::Pending(_)))
            {
                self.ensure_complex(id)?;
                continue;
            }
            break;
        }
        Ok(())
    }

    fn finish(mut self) -> R<Compiled> {
        for (ic, refer, owner) in std::mem::take(&mut self.keyrefs) {
            let Some((target, target_owner)) = self.constraint_names.get(&refer).copied() else {
                return Err(err(format!("xs:keyref refers to unknown key {refer}")));
            };
            let (Some(target_ic), Some(this)) =
                (self.constraints.get(target), self.constraints.get(ic))
            else {
                return Err(err("internal: dangling identity constraint"));
            };
            if matches!(target_ic.kind, IcKind::KeyRef(_)) {
                return Err(err(format!("xs:keyref {refer} refers to another keyref")));
            }
            if target_ic.fields.len() != this.fields.len() {
                return Err(err(format!(
                    "xs:keyref {} has {} fields, its key {refer} has {}",
                    this.name,
                    this.fields.len(),
                    target_ic.fields.len()
                )));
            }
            if target_owner != owner {
                return Err(err(format!(
                    "xs:keyref {} refers to a key declared on another element: not supported",
                    this.name
                )));
            }
            if let Some(c) = self.constraints.get_mut(ic) {
                c.kind = IcKind::KeyRef(target);
            }
        }
        let mut global_elements = HashMap::new();
        for (name, id) in &self.global_elements {
            global_elements.insert(name.clone(), *id);
        }
        Ok(Compiled {
            elements: self.elements,
            simple: self.simple,
            complex: self.complex,
            models: self.models,
            constraints: self.constraints,
            global_elements,
            global_attributes: self.global_attributes,
            global_types: self.named_types,
            any_type: self.any_type,
        })
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_RECURSION {
            return Err(err(
                "schema definitions nest too deeply (derivations, groups, anonymous types)",
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---------------------------------------------------------------- names

    /// Resolve a QName written in the schema at `node` (XSD: unprefixed names use the default
    /// namespace).
    fn qname(node: Node<'_, '_>, qname: &str) -> R<ExpName> {
        let qname = qname.trim();
        let (prefix, local) = match qname.split_once(':') {
            Some((p, l)) => (Some(p), l),
            None => (None, qname),
        };
        check_ncname(local)?;
        let ns =
            match prefix {
                Some(p) => Some(node.lookup_namespace_uri(Some(p)).ok_or_else(|| {
                    err(format!("undeclared namespace prefix {p:?} in {qname:?}"))
                })?),
                None => node.lookup_namespace_uri(None),
            };
        Ok(ExpName::new(ns.filter(|n| !n.is_empty()), local))
    }

    // ---------------------------------------------------------------- types

    fn builtin(&mut self, b: Builtin) -> SimpleId {
        if let Some(id) = self.builtins.get(&b) {
            return *id;
        }
        let base = b.base().map(|base| self.builtin(base));
        let id = self.simple.len();
        self.simple.push(SimpleType {
            display: b.name().to_owned(),
            variety: Variety::Atomic(b),
            whitespace: b.whitespace(),
            facets: Vec::new(),
            base,
        });
        self.builtins.insert(b, id);
        self.named_types
            .insert(ExpName::new(Some(XS_NS), b.name()), TypeRef::Simple(id));
        id
    }

    fn type_ref(&mut self, name: &ExpName) -> R<TypeRef> {
        if name.ns.as_deref() == Some(XS_NS) {
            if name.local == "anyType" {
                return Ok(TypeRef::Complex(self.any_type));
            }
            if let Some(b) = Builtin::by_name(&name.local) {
                return Ok(TypeRef::Simple(self.builtin(b)));
            }
            if name.local == "NMTOKENS" {
                return Ok(TypeRef::Simple(self.nmtokens()));
            }
            return Err(err(format!(
                "built-in type xs:{} is not supported",
                name.local
            )));
        }
        self.named_type(name)
    }

    fn nmtokens(&mut self) -> SimpleId {
        let key = ExpName::new(Some(XS_NS), "NMTOKENS");
        if let Some(TypeRef::Simple(id)) = self.named_types.get(&key) {
            return *id;
        }
        let item = self.builtin(Builtin::NmToken);
        let base = self.builtin(Builtin::AnySimpleType);
        let id = self.simple.len();
        self.simple.push(SimpleType {
            display: "NMTOKENS".into(),
            variety: Variety::List(item),
            whitespace: WhiteSpace::Collapse,
            facets: vec![Facet::MinLength(1)],
            base: Some(base),
        });
        self.named_types.insert(key, TypeRef::Simple(id));
        id
    }

    fn simple_ref(&mut self, name: &ExpName) -> R<SimpleId> {
        match self.type_ref(name)? {
            TypeRef::Simple(id) => Ok(id),
            TypeRef::Complex(_) => Err(err(format!(
                "{name} is a complex type where a simple type is required"
            ))),
        }
    }

    /// The type named `name` (a top-level definition): simple types are compiled at once,
    /// complex types get an id now and are compiled from the work list.
    fn named_type(&mut self, name: &ExpName) -> R<TypeRef> {
        if let Some(t) = self.named_types.get(name) {
            return Ok(*t);
        }
        let at = *self
            .type_defs
            .get(name)
            .ok_or_else(|| err(format!("unknown type {name}")))?;
        let node = self.node(at)?;
        if node.tag_name().name() == "complexType" {
            let id = self.complex.len();
            self.complex.push(placeholder_complex());
            self.complex_state.push(State::Pending(at));
            self.particles.push(None);
            self.named_types.insert(name.clone(), TypeRef::Complex(id));
            return Ok(TypeRef::Complex(id));
        }
        if self.simple_in_progress.contains(name) {
            return Err(err(format!(
                "simple type {name} is defined in terms of itself"
            )));
        }
        self.simple_in_progress.push(name.clone());
        self.enter()?;
        let result = self.simple_type(at, Some(name.clone()));
        self.leave();
        self.simple_in_progress.retain(|n| n != name);
        let id = result?;
        self.named_types.insert(name.clone(), TypeRef::Simple(id));
        Ok(TypeRef::Simple(id))
    }

    fn display(&self, name: &ExpName) -> String {
        match name.ns.as_deref() {
            Some(XS_NS) => format!("xs:{}", name.local),
            _ => name.local.clone(),
        }
    }

    /// Compile an `xs:simpleType` element.
    fn simple_type(&mut self, at: At, name: Option<ExpName>) -> R<SimpleId> {
        let node = self.node(at)?;
        check_attrs(node, &["name", "id", "final"])?;
        let items = children(node)?;
        let [body] = items.as_slice() else {
            return Err(err(
                "xs:simpleType needs exactly one of restriction, list, union",
            ));
        };
        let body = *body;
        let display = name
            .as_ref()
            .map_or_else(|| "anonymous simple type".to_owned(), |n| self.display(n));
        let any_simple = self.builtin(Builtin::AnySimpleType);
        match body.tag_name().name() {
            "restriction" => {
                check_attrs(body, &["base", "id"])?;
                let items = children(body)?;
                self.simple_restriction(at.doc, body, &items, display, None)
            }
            "list" => {
                check_attrs(body, &["itemType", "id"])?;
                let inner = children(body)?;
                let item = match (body.attribute("itemType"), inner.as_slice()) {
                    (Some(q), []) => {
                        let n = Self::qname(body, q)?;
                        self.simple_ref(&n)?
                    }
                    (None, [st]) if is_xs(*st, "simpleType") => {
                        self.anonymous_simple(at.doc, *st)?
                    }
                    _ => return Err(err("xs:list needs an itemType or one simpleType")),
                };
                if matches!(
                    self.simple.get(item).map(|s| &s.variety),
                    Some(Variety::List(_))
                ) {
                    return Err(err("a list of lists is not allowed"));
                }
                let id = self.simple.len();
                self.simple.push(SimpleType {
                    display,
                    variety: Variety::List(item),
                    whitespace: WhiteSpace::Collapse,
                    facets: Vec::new(),
                    base: Some(any_simple),
                });
                Ok(id)
            }
            "union" => {
                check_attrs(body, &["memberTypes", "id"])?;
                let mut members = Vec::new();
                if let Some(list) = body.attribute("memberTypes") {
                    for q in list.split_ascii_whitespace() {
                        let n = Self::qname(body, q)?;
                        members.push(self.simple_ref(&n)?);
                    }
                }
                for st in children(body)? {
                    if !is_xs(st, "simpleType") {
                        return Err(unsupported(st, "in xs:union"));
                    }
                    members.push(self.anonymous_simple(at.doc, st)?);
                }
                if members.is_empty() {
                    return Err(err("xs:union without member types"));
                }
                let id = self.simple.len();
                self.simple.push(SimpleType {
                    display,
                    variety: Variety::Union(members),
                    whitespace: WhiteSpace::Collapse,
                    facets: Vec::new(),
                    base: Some(any_simple),
                });
                Ok(id)
            }
            _ => Err(unsupported(body, "in xs:simpleType")),
        }
    }

    fn anonymous_simple(&mut self, doc: usize, node: Node<'_, '_>) -> R<SimpleId> {
        self.enter()?;
        let r = self.simple_type(At { doc, id: node.id() }, None);
        self.leave();
        r
    }

    /// `xs:restriction` of a simple type: `items` are its children (an optional anonymous base
    /// type, then facets). For a simpleContent restriction `base_override` is the base's content
    /// type and `items` the children before the attribute declarations.
    fn simple_restriction(
        &mut self,
        doc: usize,
        node: Node<'_, '_>,
        items: &[Node<'_, '_>],
        display: String,
        base_override: Option<SimpleId>,
    ) -> R<SimpleId> {
        let mut rest = items;
        let base = match (base_override, node.attribute("base"), rest.first()) {
            (_, _, Some(st)) if is_xs(*st, "simpleType") => {
                rest = &rest[1..];
                self.anonymous_simple(doc, *st)?
            }
            (Some(b), _, _) => b,
            (None, Some(q), _) => {
                let n = Self::qname(node, q)?;
                self.simple_ref(&n)?
            }
            (None, None, _) => return Err(err("xs:restriction needs a base or a simpleType")),
        };
        let base_type = self
            .simple
            .get(base)
            .cloned()
            .ok_or_else(|| err("internal: dangling base type"))?;
        if matches!(base_type.variety, Variety::Atomic(Builtin::AnySimpleType)) && !rest.is_empty()
        {
            return Err(err("xs:anySimpleType cannot be restricted by facets"));
        }
        let mut facets = base_type.facets.clone();
        let mut whitespace = base_type.whitespace;
        let mut patterns = Vec::new();
        let mut enumeration = Vec::new();
        let mut has_enumeration = false;
        for facet in rest {
            let kind = facet.tag_name().name();
            check_attrs(*facet, &["value", "fixed", "id"])?;
            let value = facet
                .attribute("value")
                .ok_or_else(|| err(format!("xs:{kind} without a value")))?;
            if !facet_applies(&base_type.variety, kind, &self.simple) {
                return Err(err(format!(
                    "facet xs:{kind} is not supported on {}",
                    base_type.display
                )));
            }
            let simples = Simples(&self.simple);
            let parse_value = |v: &str| -> R<Value> {
                simples
                    .validate(base, v, true)
                    .map_err(|e| {
                        err(format!(
                            "xs:{kind} value {v:?} is invalid for {}: {}",
                            base_type.display, e.message
                        ))
                    })?
                    .ok_or_else(|| err("internal: no value"))
            };
            let count = |v: &str| -> R<usize> {
                v.trim().parse::<usize>().map_err(|_| {
                    err(format!(
                        "xs:{kind} value {v:?} is not a non-negative integer"
                    ))
                })
            };
            match kind {
                "length" => facets.push(Facet::Length(count(value)?)),
                "minLength" => facets.push(Facet::MinLength(count(value)?)),
                "maxLength" => facets.push(Facet::MaxLength(count(value)?)),
                "totalDigits" => facets.push(Facet::TotalDigits(count(value)?)),
                "fractionDigits" => facets.push(Facet::FractionDigits(count(value)?)),
                "minInclusive" => facets.push(Facet::MinInclusive(parse_value(value)?)),
                "maxInclusive" => facets.push(Facet::MaxInclusive(parse_value(value)?)),
                "minExclusive" => facets.push(Facet::MinExclusive(parse_value(value)?)),
                "maxExclusive" => facets.push(Facet::MaxExclusive(parse_value(value)?)),
                "enumeration" => {
                    has_enumeration = true;
                    enumeration.push(parse_value(value)?);
                }
                "pattern" => patterns.push(Pattern::new(value).map_err(err)?),
                "whiteSpace" => {
                    let ws = WhiteSpace::parse(value)
                        .ok_or_else(|| err(format!("xs:whiteSpace value {value:?}")))?;
                    if ws < whitespace {
                        return Err(err("xs:whiteSpace cannot be weakened by a restriction"));
                    }
                    if !matches!(base_type.variety, Variety::Atomic(_))
                        && ws != WhiteSpace::Collapse
                    {
                        return Err(err("xs:whiteSpace of a list or union is always collapse"));
                    }
                    whitespace = ws;
                }
                _ => return Err(unsupported(*facet, "as a facet")),
            }
        }
        if !patterns.is_empty() {
            facets.push(Facet::Patterns(patterns));
        }
        if has_enumeration {
            facets.push(Facet::Enumeration(enumeration));
        }
        let id = self.simple.len();
        self.simple.push(SimpleType {
            display,
            variety: base_type.variety.clone(),
            whitespace,
            facets,
            base: Some(base),
        });
        Ok(id)
    }

    /// Compile the complex type `id` if it is still pending (bases first).
    fn ensure_complex(&mut self, id: ComplexId) -> R<()> {
        match self.complex_state.get(id).copied() {
            Some(State::Done) => Ok(()),
            Some(State::InProgress) => Err(err(format!(
                "complex type {} is derived from itself",
                self.complex
                    .get(id)
                    .and_then(|c| c.name.as_ref())
                    .map_or_else(|| "?".to_owned(), ToString::to_string)
            ))),
            Some(State::Pending(at)) => {
                self.complex_state[id] = State::InProgress;
                self.enter()?;
                let r = self.complex_body(at, id);
                self.leave();
                r?;
                self.complex_state[id] = State::Done;
                Ok(())
            }
            None => Err(err("internal: dangling complex type")),
        }
    }

    fn anonymous_complex(&mut self, doc: usize, node: Node<'_, '_>) -> R<ComplexId> {
        let id = self.complex.len();
        self.complex.push(placeholder_complex());
        self.complex_state
            .push(State::Pending(At { doc, id: node.id() }));
        self.particles.push(None);
        self.ensure_complex(id)?;
        Ok(id)
    }

    /// Compile an `xs:complexType` element into slot `id`.
    fn complex_body(&mut self, at: At, id: ComplexId) -> R<()> {
        let node = self.node(at)?;
        check_attrs(node, &["name", "mixed", "abstract", "final", "block", "id"])?;
        if node.attribute("block").is_some() {
            return Err(unsupported(node, "with block="));
        }
        if parse_bool(node, "abstract")? {
            return Err(unsupported(node, "with abstract=\"true\""));
        }
        let name = node
            .attribute("name")
            .map(|n| ExpName::new(self.doc(at).tns.as_deref(), n));
        let mixed_attr = parse_bool(node, "mixed")?;
        let items = children(node)?;
        let (ty, particle) = match items.first() {
            Some(first) if is_xs(*first, "simpleContent") => {
                if items.len() != 1 {
                    return Err(err(
                        "xs:simpleContent must be the only child of xs:complexType",
                    ));
                }
                self.simple_content(at.doc, *first, name)?
            }
            Some(first) if is_xs(*first, "complexContent") => {
                if items.len() != 1 {
                    return Err(err(
                        "xs:complexContent must be the only child of xs:complexType",
                    ));
                }
                check_attrs(*first, &["mixed", "id"])?;
                let mixed = if first.attribute("mixed").is_some() {
                    parse_bool(*first, "mixed")?
                } else {
                    mixed_attr
                };
                self.complex_content(at.doc, *first, name, mixed)?
            }
            _ => {
                // Shorthand for a restriction of xs:anyType.
                let (particle, attrs) = self.particle_and_attributes(at.doc, &items)?;
                let particle = particle.filter(|p| !p.is_empty());
                let content = self.content_of(particle.as_ref())?;
                (
                    ComplexType {
                        name,
                        content,
                        mixed: mixed_attr,
                        attributes: attrs.uses,
                        wildcard: attrs.wildcard,
                        base: Some((TypeRef::Complex(self.any_type), Derivation::Restriction)),
                    },
                    particle,
                )
            }
        };
        if let Some(slot) = self.complex.get_mut(id) {
            *slot = ty;
        }
        if let Some(slot) = self.particles.get_mut(id) {
            *slot = particle;
        }
        Ok(())
    }

    fn content_of(&mut self, particle: Option<&Particle>) -> R<ContentType> {
        Ok(match particle {
            None => ContentType::Empty,
            Some(p) => {
                let model = content::compile_model(p, &self.elements).map_err(err)?;
                self.models.push(model);
                ContentType::Elements(self.models.len() - 1)
            }
        })
    }

    /// The particle (if any) and attribute declarations among the children of a complex type,
    /// extension or restriction.
    fn particle_and_attributes(
        &mut self,
        doc: usize,
        items: &[Node<'_, '_>],
    ) -> R<(Option<Particle>, AttrSet)> {
        let mut rest = items;
        let mut particle = None;
        if let Some(first) = rest.first()
            && matches!(
                first.tag_name().name(),
                "sequence" | "choice" | "all" | "group"
            )
        {
            particle = Some(self.particle(doc, *first)?);
            rest = &rest[1..];
        }
        let attrs = self.attributes(doc, rest)?;
        Ok((particle, attrs))
    }

    fn simple_content(
        &mut self,
        doc: usize,
        node: Node<'_, '_>,
        name: Option<ExpName>,
    ) -> R<(ComplexType, Option<Particle>)> {
        check_attrs(node, &["id"])?;
        let items = children(node)?;
        let [body] = items.as_slice() else {
            return Err(err("xs:simpleContent needs one restriction or extension"));
        };
        let body = *body;
        check_attrs(body, &["base", "id"])?;
        let base_name = Self::qname(
            body,
            body.attribute("base")
                .ok_or_else(|| err("xs:simpleContent derivation without base"))?,
        )?;
        let base = self.type_ref(&base_name)?;
        let inner = children(body)?;
        match (body.tag_name().name(), base) {
            ("extension", TypeRef::Simple(st)) => {
                let attrs = self.attributes(doc, &inner)?;
                Ok((
                    ComplexType {
                        name,
                        content: ContentType::Simple(st),
                        mixed: false,
                        attributes: attrs.uses,
                        wildcard: attrs.wildcard,
                        base: Some((base, Derivation::Extension)),
                    },
                    None,
                ))
            }
            ("extension", TypeRef::Complex(cid)) => {
                self.ensure_complex(cid)?;
                let b = self.complex_def(cid)?;
                let ContentType::Simple(st) = b.content else {
                    return Err(err(format!(
                        "simpleContent extension of {base_name}, which has no simple content"
                    )));
                };
                let own = self.attributes(doc, &inner)?;
                let attributes = merge_uses(b.attributes.clone(), own.uses)?;
                let wildcard = union_wildcards(b.wildcard.clone(), own.wildcard)?;
                Ok((
                    ComplexType {
                        name,
                        content: ContentType::Simple(st),
                        mixed: false,
                        attributes,
                        wildcard,
                        base: Some((base, Derivation::Extension)),
                    },
                    None,
                ))
            }
            ("restriction", TypeRef::Complex(cid)) => {
                self.ensure_complex(cid)?;
                let b = self.complex_def(cid)?;
                let ContentType::Simple(st) = b.content else {
                    return Err(err(format!(
                        "simpleContent restriction of {base_name}, which has no simple content: not supported"
                    )));
                };
                // Facets (optionally after a nested simpleType) come before the attributes.
                let split = inner
                    .iter()
                    .position(|n| {
                        matches!(
                            n.tag_name().name(),
                            "attribute" | "attributeGroup" | "anyAttribute"
                        )
                    })
                    .unwrap_or(inner.len());
                let content = if split == 0 {
                    st
                } else {
                    let display = format!("restricted content of {}", self.display(&base_name));
                    self.simple_restriction(doc, body, &inner[..split], display, Some(st))?
                };
                let own = self.attributes(doc, &inner[split..])?;
                let attributes = restrict_uses(&b.attributes, own.uses, &own.prohibited);
                Ok((
                    ComplexType {
                        name,
                        content: ContentType::Simple(content),
                        mixed: false,
                        attributes,
                        wildcard: own.wildcard,
                        base: Some((base, Derivation::Restriction)),
                    },
                    None,
                ))
            }
            ("restriction", TypeRef::Simple(_)) => Err(err(
                "simpleContent restriction must have a complex base type",
            )),
            _ => Err(unsupported(body, "in xs:simpleContent")),
        }
    }

    fn complex_def(&self, id: ComplexId) -> R<ComplexType> {
        self.complex
            .get(id)
            .cloned()
            .ok_or_else(|| err("internal: dangling complex type"))
    }

    fn complex_content(
        &mut self,
        doc: usize,
        node: Node<'_, '_>,
        name: Option<ExpName>,
        mixed: bool,
    ) -> R<(ComplexType, Option<Particle>)> {
        let items = children(node)?;
        let [body] = items.as_slice() else {
            return Err(err("xs:complexContent needs one restriction or extension"));
        };
        let body = *body;
        check_attrs(body, &["base", "id"])?;
        let base_name = Self::qname(
            body,
            body.attribute("base")
                .ok_or_else(|| err("xs:complexContent derivation without base"))?,
        )?;
        let TypeRef::Complex(base_id) = self.type_ref(&base_name)? else {
            return Err(err(format!(
                "complexContent derivation from the simple type {base_name}"
            )));
        };
        self.ensure_complex(base_id)?;
        let b = self.complex_def(base_id)?;
        let base_particle = self.particles.get(base_id).cloned().flatten();
        let inner = children(body)?;
        let (own_particle, own) = self.particle_and_attributes(doc, &inner)?;
        let own_particle = own_particle.filter(|p| !p.is_empty());
        match body.tag_name().name() {
            "extension" => {
                if matches!(b.content, ContentType::Simple(_)) {
                    return Err(err(format!(
                        "complexContent extension of {base_name}, which has simple content"
                    )));
                }
                let particle = match (base_particle, own_particle) {
                    (None, p) | (p, None) => p,
                    (Some(bp), Some(op)) => {
                        if matches!(bp.kind, ParticleKind::All(_))
                            || matches!(op.kind, ParticleKind::All(_))
                        {
                            return Err(err(
                                "extending an xs:all content model is not allowed in XSD 1.0",
                            ));
                        }
                        Some(Particle {
                            kind: ParticleKind::Sequence(vec![bp, op]),
                            min: 1,
                            max: Some(1),
                        })
                    }
                };
                let content = self.content_of(particle.as_ref())?;
                let attributes = merge_uses(b.attributes.clone(), own.uses)?;
                let wildcard = union_wildcards(b.wildcard.clone(), own.wildcard)?;
                Ok((
                    ComplexType {
                        name,
                        content,
                        mixed,
                        attributes,
                        wildcard,
                        base: Some((TypeRef::Complex(base_id), Derivation::Extension)),
                    },
                    particle,
                ))
            }
            "restriction" => {
                let content = self.content_of(own_particle.as_ref())?;
                let attributes = restrict_uses(&b.attributes, own.uses, &own.prohibited);
                Ok((
                    ComplexType {
                        name,
                        content,
                        mixed,
                        attributes,
                        wildcard: own.wildcard,
                        base: Some((TypeRef::Complex(base_id), Derivation::Restriction)),
                    },
                    own_particle,
                ))
            }
            _ => Err(unsupported(body, "in xs:complexContent")),
        }
    }
}

impl Compiler<'_, '_> {
    // ---------------------------------------------------------------- particles

    fn occurs(node: Node<'_, '_>) -> R<(u32, Option<u32>)> {
        let parse = |v: &str| -> R<u32> {
            v.trim().parse::<u32>().map_err(|_| {
                err(format!(
                    "occurrence bound {v:?} is not a non-negative integer"
                ))
            })
        };
        let min = node.attribute("minOccurs").map_or(Ok(1), parse)?;
        let max = match node.attribute("maxOccurs").map(str::trim) {
            None => Some(1),
            Some("unbounded") => None,
            Some(v) => Some(parse(v)?),
        };
        if let Some(max) = max
            && max < min
        {
            return Err(err(format!("maxOccurs {max} < minOccurs {min}")));
        }
        Ok((min, max))
    }

    /// A particle: xs:element, xs:any, xs:sequence, xs:choice, xs:all or xs:group ref.
    fn particle(&mut self, doc: usize, node: Node<'_, '_>) -> R<Particle> {
        self.enter()?;
        let r = self.particle_inner(doc, node);
        self.leave();
        r
    }

    fn particle_inner(&mut self, doc: usize, node: Node<'_, '_>) -> R<Particle> {
        let kind = node.tag_name().name();
        match kind {
            "element" => {
                let (min, max) = Self::occurs(node)?;
                let id = self.local_element(doc, node)?;
                Ok(Particle {
                    kind: ParticleKind::Term(Term::Element(id)),
                    min,
                    max,
                })
            }
            "any" => {
                check_attrs(
                    node,
                    &[
                        "namespace",
                        "processContents",
                        "minOccurs",
                        "maxOccurs",
                        "id",
                    ],
                )?;
                no_children(node)?;
                let (min, max) = Self::occurs(node)?;
                let w = self.wildcard(doc, node)?;
                Ok(Particle {
                    kind: ParticleKind::Term(Term::Any(w)),
                    min,
                    max,
                })
            }
            "sequence" | "choice" | "all" => {
                check_attrs(node, &["minOccurs", "maxOccurs", "id"])?;
                let (min, max) = Self::occurs(node)?;
                let mut items = Vec::new();
                for child in children(node)? {
                    let allowed = match kind {
                        "all" => is_xs(child, "element"),
                        _ => matches!(
                            child.tag_name().name(),
                            "element" | "any" | "sequence" | "choice" | "group"
                        ),
                    };
                    if !allowed {
                        return Err(unsupported(child, &format!("in xs:{kind}")));
                    }
                    items.push(self.particle(doc, child)?);
                }
                let kind = match kind {
                    "sequence" => ParticleKind::Sequence(items),
                    "choice" => ParticleKind::Choice(items),
                    _ => ParticleKind::All(items),
                };
                Ok(Particle { kind, min, max })
            }
            "group" => {
                check_attrs(node, &["ref", "minOccurs", "maxOccurs", "id"])?;
                no_children(node)?;
                let (min, max) = Self::occurs(node)?;
                let name = Self::qname(
                    node,
                    node.attribute("ref")
                        .ok_or_else(|| err("a local xs:group needs ref="))?,
                )?;
                let group = self.group(&name)?;
                Ok(Particle {
                    kind: group.kind,
                    min,
                    max,
                })
            }
            _ => Err(unsupported(node, "as a particle")),
        }
    }

    /// A named model group (its compositor, occurrence 1..1).
    fn group(&mut self, name: &ExpName) -> R<Particle> {
        match self.groups.get(name) {
            Some(Some(p)) => return Ok(p.clone()),
            Some(None) => return Err(err(format!("model group {name} refers to itself"))),
            None => {}
        }
        let at = *self
            .group_defs
            .get(name)
            .ok_or_else(|| err(format!("unknown model group {name}")))?;
        self.groups.insert(name.clone(), None);
        let node = self.node(at)?;
        check_attrs(node, &["name", "id"])?;
        let items = children(node)?;
        let [body] = items.as_slice() else {
            return Err(err(format!(
                "model group {name} needs exactly one compositor"
            )));
        };
        let body = *body;
        if !matches!(body.tag_name().name(), "sequence" | "choice" | "all") {
            return Err(unsupported(body, "in a model group"));
        }
        if body.has_attribute("minOccurs") || body.has_attribute("maxOccurs") {
            return Err(err(
                "the compositor of a model group cannot have occurrence bounds",
            ));
        }
        let particle = self.particle(at.doc, body)?;
        self.groups.insert(name.clone(), Some(particle.clone()));
        Ok(particle)
    }

    fn wildcard(&self, doc: usize, node: Node<'_, '_>) -> R<Wildcard> {
        let tns = self.docs[doc].tns.clone();
        let spec = node.attribute("namespace").unwrap_or("##any").trim();
        let ns = match spec {
            "##any" => NsConstraint::Any,
            "##other" => NsConstraint::Not(tns),
            list => {
                let mut set = Vec::new();
                for token in list.split_ascii_whitespace() {
                    let item = match token {
                        "##targetNamespace" => tns.clone(),
                        "##local" => None,
                        t if t.starts_with("##") => {
                            return Err(err(format!("wildcard namespace {t:?} is not valid here")));
                        }
                        t => Some(t.to_owned()),
                    };
                    if !set.contains(&item) {
                        set.push(item);
                    }
                }
                NsConstraint::Set(set)
            }
        };
        let process = match node.attribute("processContents").map(str::trim) {
            None | Some("strict") => Process::Strict,
            Some("lax") => Process::Lax,
            Some("skip") => Process::Skip,
            Some(other) => return Err(err(format!("processContents={other:?}"))),
        };
        Ok(Wildcard { ns, process })
    }

    // ---------------------------------------------------------------- elements

    fn global_element(&mut self, name: &ExpName) -> R<ElemId> {
        if let Some(id) = self.global_elements.get(name) {
            return Ok(*id);
        }
        let at = *self
            .element_defs
            .get(name)
            .ok_or_else(|| err(format!("unknown element {name}")))?;
        let id = self.elements.len();
        self.elements.push(ElementDecl {
            name: name.clone(),
            ty: TypeRef::Complex(self.any_type),
            nillable: false,
            value_constraint: None,
            constraints: Vec::new(),
        });
        self.element_state.push(State::Pending(at));
        self.global_elements.insert(name.clone(), id);
        Ok(id)
    }

    fn finish_global_element(&mut self, id: ElemId) -> R<()> {
        let Some(State::Pending(at)) = self.element_state.get(id).copied() else {
            return Ok(());
        };
        self.element_state[id] = State::InProgress;
        let node = self.node(at)?;
        check_attrs(
            node,
            &[
                "name",
                "type",
                "id",
                "nillable",
                "default",
                "fixed",
                "final",
                "block",
                "abstract",
                "substitutionGroup",
            ],
        )?;
        self.element_body(at.doc, node, id)?;
        self.element_state[id] = State::Done;
        Ok(())
    }

    fn local_element(&mut self, doc: usize, node: Node<'_, '_>) -> R<ElemId> {
        check_attrs(
            node,
            &[
                "name",
                "ref",
                "type",
                "minOccurs",
                "maxOccurs",
                "form",
                "id",
                "nillable",
                "default",
                "fixed",
                "block",
            ],
        )?;
        if let Some(r) = node.attribute("ref") {
            for a in [
                "name", "type", "form", "nillable", "default", "fixed", "block",
            ] {
                if node.has_attribute(a) {
                    return Err(err(format!("xs:element ref= cannot also have {a}=")));
                }
            }
            if !children(node)?.is_empty() {
                return Err(err("xs:element ref= cannot have content"));
            }
            let name = Self::qname(node, r)?;
            return self.global_element(&name);
        }
        let local = node
            .attribute("name")
            .ok_or_else(|| err("a local xs:element needs name= or ref="))?;
        check_ncname(local)?;
        let qualified = match node.attribute("form") {
            None => self.docs[doc].elements_qualified,
            Some("qualified") => true,
            Some("unqualified") => false,
            Some(other) => return Err(err(format!("form={other:?}"))),
        };
        let ns = if qualified {
            self.docs[doc].tns.clone()
        } else {
            None
        };
        let id = self.elements.len();
        self.elements.push(ElementDecl {
            name: ExpName {
                ns,
                local: local.to_owned(),
            },
            ty: TypeRef::Complex(self.any_type),
            nillable: false,
            value_constraint: None,
            constraints: Vec::new(),
        });
        self.element_state.push(State::Done);
        self.element_body(doc, node, id)?;
        Ok(id)
    }

    /// Type, value constraint, nillable and identity constraints of an element declaration.
    fn element_body(&mut self, doc: usize, node: Node<'_, '_>, id: ElemId) -> R<()> {
        if node.attribute("block").is_some() {
            return Err(unsupported(node, "with block="));
        }
        if node.attribute("substitutionGroup").is_some() {
            return Err(unsupported(node, "with substitutionGroup="));
        }
        if parse_bool(node, "abstract")? {
            return Err(unsupported(node, "with abstract=\"true\""));
        }
        let nillable = parse_bool(node, "nillable")?;
        let items = children(node)?;
        let mut rest = items.as_slice();
        let anonymous = match rest.first() {
            Some(n) if is_xs(*n, "simpleType") || is_xs(*n, "complexType") => {
                rest = &rest[1..];
                Some(*n)
            }
            _ => None,
        };
        let ty = match (node.attribute("type"), anonymous) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "xs:element cannot have both type= and an anonymous type",
                ));
            }
            (Some(q), None) => {
                let name = Self::qname(node, q)?;
                self.type_ref(&name)?
            }
            (None, Some(n)) if is_xs(n, "simpleType") => {
                TypeRef::Simple(self.anonymous_simple(doc, n)?)
            }
            (None, Some(n)) => {
                self.enter()?;
                let r = self.anonymous_complex(doc, n);
                self.leave();
                TypeRef::Complex(r?)
            }
            (None, None) => TypeRef::Complex(self.any_type),
        };
        let value_constraint = match (node.attribute("default"), node.attribute("fixed")) {
            (Some(_), Some(_)) => {
                return Err(err("xs:element cannot have both default= and fixed="));
            }
            (Some(v), None) => Some((false, v)),
            (None, Some(v)) => Some((true, v)),
            (None, None) => None,
        };
        let value_constraint = match value_constraint {
            None => None,
            Some((fixed, lexical)) => Some(self.element_value_constraint(ty, fixed, lexical)?),
        };
        let mut constraints = Vec::new();
        for ic in rest {
            match ic.tag_name().name() {
                "unique" | "key" | "keyref" => {
                    constraints.push(self.identity_constraint(doc, *ic, id)?);
                }
                _ => return Err(unsupported(*ic, "in xs:element")),
            }
        }
        if let Some(decl) = self.elements.get_mut(id) {
            decl.ty = ty;
            decl.nillable = nillable;
            decl.value_constraint = value_constraint;
            decl.constraints = constraints;
        }
        Ok(())
    }

    fn element_value_constraint(
        &mut self,
        ty: TypeRef,
        fixed: bool,
        lexical: &str,
    ) -> R<ValueConstraint> {
        let simple = match ty {
            TypeRef::Simple(st) => Some(st),
            TypeRef::Complex(cid) => {
                self.ensure_complex(cid)?;
                let c = self.complex_def(cid)?;
                match c.content {
                    ContentType::Simple(st) => Some(st),
                    _ if c.mixed => None,
                    _ => {
                        return Err(err(
                            "a default or fixed value needs simple or mixed content",
                        ));
                    }
                }
            }
        };
        let value = match simple {
            Some(st) => Some(
                Simples(&self.simple)
                    .validate(st, lexical, true)
                    .map_err(|e| {
                        err(format!(
                            "default/fixed value {lexical:?} is invalid: {}",
                            e.message
                        ))
                    })?
                    .ok_or_else(|| err("internal: no value"))?,
            ),
            None => None,
        };
        Ok(ValueConstraint {
            fixed,
            lexical: lexical.to_owned(),
            value,
        })
    }

    // ---------------------------------------------------------------- attributes

    /// Attribute declarations, attribute group references and an attribute wildcard.
    fn attributes(&mut self, doc: usize, items: &[Node<'_, '_>]) -> R<AttrSet> {
        let mut set = AttrSet::default();
        let mut own_wildcard = None;
        let mut group_wildcards = Vec::new();
        for (i, node) in items.iter().enumerate() {
            match node.tag_name().name() {
                "attribute" => {
                    if let Some(u) = self.local_attribute(doc, *node)? {
                        push_use(&mut set.uses, u)?;
                    } else {
                        let name = self.attribute_name(doc, *node)?;
                        set.prohibited.push(name);
                    }
                }
                "attributeGroup" => {
                    check_attrs(*node, &["ref", "id"])?;
                    no_children(*node)?;
                    let name = Self::qname(
                        *node,
                        node.attribute("ref")
                            .ok_or_else(|| err("a local xs:attributeGroup needs ref="))?,
                    )?;
                    let group = self.attribute_group(&name)?;
                    for u in group.uses {
                        push_use(&mut set.uses, u)?;
                    }
                    set.prohibited.extend(group.prohibited);
                    if let Some(w) = group.wildcard {
                        group_wildcards.push(w);
                    }
                }
                "anyAttribute" if i + 1 == items.len() => {
                    check_attrs(*node, &["namespace", "processContents", "id"])?;
                    no_children(*node)?;
                    own_wildcard = Some(self.wildcard(doc, *node)?);
                }
                _ => return Err(unsupported(*node, "among attribute declarations")),
            }
        }
        // The complete wildcard: the local one intersected with those of the groups (§3.4.2).
        let mut wildcard = own_wildcard;
        for w in group_wildcards {
            wildcard = Some(match wildcard {
                None => w,
                Some(own) => intersect_wildcards(own, &w)?,
            });
        }
        set.wildcard = wildcard;
        Ok(set)
    }

    fn attribute_group(&mut self, name: &ExpName) -> R<AttrSet> {
        match self.attr_groups.get(name) {
            Some(Some(g)) => return Ok(g.clone()),
            Some(None) => return Err(err(format!("attribute group {name} refers to itself"))),
            None => {}
        }
        let at = *self
            .attr_group_defs
            .get(name)
            .ok_or_else(|| err(format!("unknown attribute group {name}")))?;
        self.attr_groups.insert(name.clone(), None);
        let node = self.node(at)?;
        check_attrs(node, &["name", "id"])?;
        let items = children(node)?;
        self.enter()?;
        let set = self.attributes(at.doc, &items);
        self.leave();
        let set = set?;
        self.attr_groups.insert(name.clone(), Some(set.clone()));
        Ok(set)
    }

    fn attribute_name(&self, doc: usize, node: Node<'_, '_>) -> R<ExpName> {
        if let Some(r) = node.attribute("ref") {
            return Self::qname(node, r);
        }
        let local = node
            .attribute("name")
            .ok_or_else(|| err("xs:attribute needs name= or ref="))?;
        check_ncname(local)?;
        if local == "xmlns" {
            return Err(err("an attribute cannot be named xmlns"));
        }
        let qualified = match node.attribute("form") {
            None => self.docs[doc].attributes_qualified,
            Some("qualified") => true,
            Some("unqualified") => false,
            Some(other) => return Err(err(format!("form={other:?}"))),
        };
        Ok(ExpName {
            ns: if qualified {
                self.docs[doc].tns.clone()
            } else {
                None
            },
            local: local.to_owned(),
        })
    }

    /// A local attribute declaration or reference; `None` for `use="prohibited"`.
    fn local_attribute(&mut self, doc: usize, node: Node<'_, '_>) -> R<Option<AttrUse>> {
        check_attrs(
            node,
            &[
                "name", "ref", "type", "use", "default", "fixed", "form", "id",
            ],
        )?;
        let required = match node.attribute("use").map(str::trim) {
            None | Some("optional") => false,
            Some("required") => true,
            Some("prohibited") => return Ok(None),
            Some(other) => return Err(err(format!("use={other:?}"))),
        };
        let name = self.attribute_name(doc, node)?;
        if name.ns.as_deref() == Some(XSI_NS) {
            return Err(err("attributes in the xsi namespace cannot be declared"));
        }
        let (ty, inherited) = if node.has_attribute("ref") {
            for a in ["name", "type", "form"] {
                if node.has_attribute(a) {
                    return Err(err(format!("xs:attribute ref= cannot also have {a}=")));
                }
            }
            if !children(node)?.is_empty() {
                return Err(err("xs:attribute ref= cannot have content"));
            }
            let decl = self.global_attribute(&name)?;
            (decl.ty, decl.value_constraint)
        } else {
            (self.attribute_type(doc, node)?, None)
        };
        let own = self.attribute_value_constraint(node, ty)?;
        if own.as_ref().is_some_and(|v| !v.fixed) && required {
            return Err(err("an attribute with a default must be optional"));
        }
        Ok(Some(AttrUse {
            name,
            ty,
            required,
            value_constraint: own.or(inherited),
        }))
    }

    fn attribute_type(&mut self, doc: usize, node: Node<'_, '_>) -> R<SimpleId> {
        let items = children(node)?;
        match (node.attribute("type"), items.as_slice()) {
            (Some(q), []) => {
                let name = Self::qname(node, q)?;
                self.simple_ref(&name)
            }
            (None, [st]) if is_xs(*st, "simpleType") => self.anonymous_simple(doc, *st),
            (None, []) => Ok(self.builtin(Builtin::AnySimpleType)),
            _ => Err(err("xs:attribute needs a type= or one simpleType")),
        }
    }

    fn attribute_value_constraint(
        &self,
        node: Node<'_, '_>,
        ty: SimpleId,
    ) -> R<Option<ValueConstraint>> {
        let (fixed, lexical) = match (node.attribute("default"), node.attribute("fixed")) {
            (Some(_), Some(_)) => {
                return Err(err("xs:attribute cannot have both default= and fixed="));
            }
            (Some(v), None) => (false, v),
            (None, Some(v)) => (true, v),
            (None, None) => return Ok(None),
        };
        let value = Simples(&self.simple)
            .validate(ty, lexical, true)
            .map_err(|e| {
                err(format!(
                    "default/fixed value {lexical:?} is invalid: {}",
                    e.message
                ))
            })?;
        Ok(Some(ValueConstraint {
            fixed,
            lexical: lexical.to_owned(),
            value,
        }))
    }

    fn global_attribute(&mut self, name: &ExpName) -> R<AttrDecl> {
        if let Some(d) = self.global_attributes.get(name) {
            return Ok(d.clone());
        }
        if self.attributes_in_progress.contains(name) {
            return Err(err(format!(
                "attribute {name} is defined in terms of itself"
            )));
        }
        let at = *self
            .attribute_defs
            .get(name)
            .ok_or_else(|| err(format!("unknown attribute {name}")))?;
        let node = self.node(at)?;
        check_attrs(node, &["name", "type", "default", "fixed", "id"])?;
        self.attributes_in_progress.push(name.clone());
        self.enter()?;
        let ty = self.attribute_type(at.doc, node);
        self.leave();
        self.attributes_in_progress.retain(|n| n != name);
        let ty = ty?;
        let value_constraint = self.attribute_value_constraint(node, ty)?;
        let decl = AttrDecl {
            ty,
            value_constraint,
        };
        self.global_attributes.insert(name.clone(), decl.clone());
        Ok(decl)
    }

    // ---------------------------------------------------------------- identity constraints

    fn identity_constraint(&mut self, doc: usize, node: Node<'_, '_>, owner: ElemId) -> R<IcId> {
        let kind = node.tag_name().name();
        check_attrs(node, &["name", "refer", "id"])?;
        let local = node
            .attribute("name")
            .ok_or_else(|| err(format!("xs:{kind} without a name")))?;
        check_ncname(local)?;
        let name = ExpName::new(self.docs[doc].tns.as_deref(), local);
        let items = children(node)?;
        let Some((selector, fields)) = items.split_first() else {
            return Err(err(format!(
                "xs:{kind} {local} needs a selector and fields"
            )));
        };
        if !is_xs(*selector, "selector") || fields.is_empty() {
            return Err(err(format!(
                "xs:{kind} {local} needs a selector and fields"
            )));
        }
        let parse = |n: Node<'_, '_>, field: bool| -> R<Vec<XPath>> {
            check_attrs(n, &["xpath", "id"])?;
            no_children(n)?;
            let xpath = n
                .attribute("xpath")
                .ok_or_else(|| err("xs:selector/xs:field without xpath"))?;
            parse_xpath(n, xpath, field)
        };
        let selector = parse(*selector, false)?;
        let mut field_paths = Vec::new();
        for f in fields {
            if !is_xs(*f, "field") {
                return Err(unsupported(*f, &format!("in xs:{kind}")));
            }
            field_paths.push(parse(*f, true)?);
        }
        let ic_kind = match kind {
            "unique" => IcKind::Unique,
            "key" => IcKind::Key,
            _ => IcKind::KeyRef(usize::MAX),
        };
        let id = self.constraints.len();
        if kind == "keyref" {
            let refer = Self::qname(
                node,
                node.attribute("refer")
                    .ok_or_else(|| err("xs:keyref without refer="))?,
            )?;
            self.keyrefs.push((id, refer, owner));
        } else if node.has_attribute("refer") {
            return Err(err(format!("xs:{kind} cannot have refer=")));
        }
        if self
            .constraint_names
            .insert(name.clone(), (id, owner))
            .is_some()
        {
            return Err(err(format!("duplicate identity constraint {name}")));
        }
        self.constraints.push(IdentityConstraint {
            name,
            kind: ic_kind,
            selector,
            fields: field_paths,
        });
        Ok(id)
    }
}

/// Parse the XPath subset of XSD 1.0 §3.11.6 (selector, or field when `field`). Names resolve
/// with the prefixes in scope at `node`; unprefixed names are unqualified (no default namespace).
fn parse_xpath(node: Node<'_, '_>, xpath: &str, field: bool) -> R<Vec<XPath>> {
    let compact: String = xpath.chars().filter(|c| !c.is_whitespace()).collect();
    let mut paths = Vec::new();
    for alternative in compact.split('|') {
        let bad = || err(format!("unsupported identity-constraint XPath {xpath:?}"));
        let (descendant, body) = match alternative.strip_prefix(".//") {
            Some(rest) => (true, rest),
            None => (false, alternative),
        };
        if body.is_empty() {
            return Err(bad());
        }
        let raw_steps: Vec<&str> = body.split('/').collect();
        let mut steps = Vec::new();
        let mut attribute = None;
        for (i, step) in raw_steps.iter().enumerate() {
            let last = i + 1 == raw_steps.len();
            if *step == "." {
                continue;
            }
            let (is_attr, test) = if let Some(t) = step.strip_prefix('@') {
                (true, t)
            } else if let Some(t) = step.strip_prefix("attribute::") {
                (true, t)
            } else if let Some(t) = step.strip_prefix("child::") {
                (false, t)
            } else {
                (false, *step)
            };
            if test.is_empty() {
                return Err(bad());
            }
            let name_test = name_test(node, test, is_attr).map_err(|e| {
                err(format!(
                    "unsupported identity-constraint XPath {xpath:?}: {e}"
                ))
            })?;
            if is_attr {
                if !field || !last {
                    return Err(bad());
                }
                attribute = Some(name_test);
            } else {
                steps.push(name_test);
            }
        }
        if descendant && steps.is_empty() && attribute.is_none() {
            return Err(bad());
        }
        paths.push(XPath {
            descendant,
            steps,
            attribute,
        });
    }
    Ok(paths)
}

fn name_test(node: Node<'_, '_>, test: &str, attribute: bool) -> R<NameTest> {
    if test == "*" {
        return Ok(NameTest::Any);
    }
    let (prefix, local) = match test.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, test),
    };
    let ns = match prefix {
        Some(p) => Some(
            node.lookup_namespace_uri(Some(p))
                .ok_or_else(|| err(format!("undeclared prefix {p:?} in XPath")))?
                .to_owned(),
        ),
        None => None,
    };
    let _ = attribute;
    if local == "*" {
        return Ok(NameTest::AnyIn(ns));
    }
    check_ncname(local)?;
    Ok(NameTest::Name(ExpName {
        ns,
        local: local.to_owned(),
    }))
}

// -------------------------------------------------------------------- helpers

fn is_xs(node: Node<'_, '_>, local: &str) -> bool {
    node.tag_name().namespace() == Some(XS_NS) && node.tag_name().name() == local
}

fn unsupported(node: Node<'_, '_>, context: &str) -> XsdError {
    let pos = node.document().text_pos_at(node.range().start);
    let name = node
        .attribute("name")
        .map(|n| format!(" {n:?}"))
        .unwrap_or_default();
    let context = if context.is_empty() {
        String::new()
    } else {
        format!(" {context}")
    };
    err(format!(
        "unsupported schema construct xs:{}{name}{context} (line {})",
        node.tag_name().name(),
        pos.row
    ))
}

fn parse_bool(node: Node<'_, '_>, attr: &str) -> R<bool> {
    match node.attribute(attr).map(str::trim) {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(err(format!("{attr}={other:?} is not a boolean"))),
    }
}

fn check_ncname(s: &str) -> R<()> {
    if super::lexical::is_name(s, true) {
        Ok(())
    } else {
        Err(err(format!("{s:?} is not a valid NCName")))
    }
}

/// Only the listed unqualified attributes may appear on a schema element; attributes in other
/// namespaces are annotations, except the versioning namespace, whose conditional inclusion is
/// handled by [`children`] (and anything else from it is unsupported).
fn check_attrs(node: Node<'_, '_>, allowed: &[&str]) -> R<()> {
    for a in node.attributes() {
        match a.namespace() {
            None => {
                if !allowed.contains(&a.name()) {
                    return Err(err(format!(
                        "unsupported attribute {}= on xs:{} (line {})",
                        a.name(),
                        node.tag_name().name(),
                        node.document().text_pos_at(node.range().start).row
                    )));
                }
            }
            Some(VC_NS) => {
                if !matches!(a.name(), "minVersion" | "maxVersion") {
                    return Err(err(format!("unsupported attribute vc:{}", a.name())));
                }
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// XSD 1.1 conditional inclusion (`vc:minVersion` inclusive, `vc:maxVersion` exclusive), read as
/// the XSD 1.0 processor this is: elements meant only for 1.1 and later are left out.
fn included(node: Node<'_, '_>) -> R<bool> {
    let version = |v: &str| -> R<super::lexical::DecimalValue> {
        super::lexical::parse_decimal(v.trim())
            .ok_or_else(|| err(format!("vc version {v:?} is not a decimal")))
    };
    let this = version("1.0")?;
    if let Some(min) = node.attribute((VC_NS, "minVersion"))
        && version(min)? > this
    {
        return Ok(false);
    }
    if let Some(max) = node.attribute((VC_NS, "maxVersion"))
        && version(max)? <= this
    {
        return Ok(false);
    }
    Ok(true)
}

/// The XSD children of a schema element, without annotations and without what conditional
/// inclusion leaves out. Text, and elements from other namespaces, are errors.
fn children<'n, 'i>(node: Node<'n, 'i>) -> R<Vec<Node<'n, 'i>>> {
    let mut out = Vec::new();
    for child in node.children() {
        if child.is_text() {
            if child.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(err(format!(
                    "text inside xs:{} (line {})",
                    node.tag_name().name(),
                    node.document().text_pos_at(child.range().start).row
                )));
            }
            continue;
        }
        if !child.is_element() {
            continue;
        }
        if child.tag_name().namespace() != Some(XS_NS) {
            return Err(err(format!(
                "element {:?} from another namespace inside xs:{} (line {})",
                child.tag_name().name(),
                node.tag_name().name(),
                node.document().text_pos_at(child.range().start).row
            )));
        }
        if !included(child)? {
            continue;
        }
        if child.tag_name().name() == "annotation" {
            continue;
        }
        out.push(child);
    }
    Ok(out)
}

fn schema_children<'n, 'i>(root: Node<'n, 'i>) -> R<Vec<Node<'n, 'i>>> {
    children(root)
}

fn no_children(node: Node<'_, '_>) -> R<()> {
    if children(node)?.is_empty() {
        Ok(())
    } else {
        Err(err(format!(
            "xs:{} cannot have content here",
            node.tag_name().name()
        )))
    }
}

/// Which facets Cairn supports on which kind of simple type (a subset of XSD 1.0 §4.1.5 where
/// ordering is implemented: no range facets on durations or the g* types).
fn facet_applies(variety: &Variety, facet: &str, simple: &[SimpleType]) -> bool {
    let _ = simple;
    match variety {
        Variety::Union(_) => matches!(facet, "pattern" | "enumeration"),
        Variety::List(_) => matches!(
            facet,
            "length" | "minLength" | "maxLength" | "pattern" | "enumeration" | "whiteSpace"
        ),
        Variety::Atomic(b) => {
            use super::simple::Primitive as P;
            let common = matches!(facet, "pattern" | "enumeration" | "whiteSpace");
            let lengths = matches!(facet, "length" | "minLength" | "maxLength");
            let ranges = matches!(
                facet,
                "minInclusive" | "maxInclusive" | "minExclusive" | "maxExclusive"
            );
            let digits = matches!(facet, "totalDigits" | "fractionDigits");
            match b.primitive() {
                P::AnySimple => false,
                P::String | P::AnyUri | P::HexBinary | P::Base64Binary => common || lengths,
                P::Boolean => matches!(facet, "pattern" | "whiteSpace"),
                P::Decimal => common || ranges || digits,
                P::Float | P::Double | P::DateTime | P::Date | P::Time => common || ranges,
                P::GYear | P::GYearMonth | P::GMonth | P::GDay | P::GMonthDay | P::Duration => {
                    common
                }
            }
        }
    }
}

fn push_use(uses: &mut Vec<AttrUse>, u: AttrUse) -> R<()> {
    if uses.iter().any(|x| x.name == u.name) {
        return Err(err(format!("attribute {} is declared twice", u.name)));
    }
    uses.push(u);
    Ok(())
}

/// Extension: the base's attribute uses plus the new ones (no redeclaration allowed).
fn merge_uses(mut base: Vec<AttrUse>, own: Vec<AttrUse>) -> R<Vec<AttrUse>> {
    for u in own {
        push_use(&mut base, u)?;
    }
    Ok(base)
}

/// Restriction: the base's uses that are neither prohibited nor redeclared, plus the new ones.
fn restrict_uses(base: &[AttrUse], own: Vec<AttrUse>, prohibited: &[ExpName]) -> Vec<AttrUse> {
    let mut out: Vec<AttrUse> = base
        .iter()
        .filter(|b| !prohibited.contains(&b.name) && !own.iter().any(|o| o.name == b.name))
        .cloned()
        .collect();
    out.extend(own);
    out
}

/// Attribute wildcard intersection (XSD 1.0 §3.10.6); `own` gives processContents.
fn intersect_wildcards(own: Wildcard, other: &Wildcard) -> R<Wildcard> {
    use NsConstraint::{Any, Not, Set};
    let ns = match (&own.ns, &other.ns) {
        (a, b) if a == b => a.clone(),
        (Any, x) | (x, Any) => x.clone(),
        (Not(n), Set(s)) | (Set(s), Not(n)) => Set(s
            .iter()
            .filter(|x| x.is_some() && *x != n)
            .cloned()
            .collect()),
        (Set(a), Set(b)) => Set(a.iter().filter(|x| b.contains(x)).cloned().collect()),
        (Not(_), Not(_)) => {
            return Err(err("attribute wildcard intersection is not expressible"));
        }
    };
    Ok(Wildcard {
        ns,
        process: own.process,
    })
}

/// Attribute wildcard union (XSD 1.0 §3.10.6) for extensions; the derived wildcard's
/// processContents wins.
fn union_wildcards(base: Option<Wildcard>, own: Option<Wildcard>) -> R<Option<Wildcard>> {
    use NsConstraint::{Any, Not, Set};
    let (base, own) = match (base, own) {
        (None, x) | (x, None) => return Ok(x),
        (Some(b), Some(o)) => (b, o),
    };
    let ns = match (&base.ns, &own.ns) {
        (a, b) if a == b => a.clone(),
        (Any, _) | (_, Any) => Any,
        (Set(a), Set(b)) => {
            let mut s = a.clone();
            for x in b {
                if !s.contains(x) {
                    s.push(x.clone());
                }
            }
            Set(s)
        }
        (Not(_), Not(_)) => Not(None),
        (Not(n), Set(s)) | (Set(s), Not(n)) => {
            let has_negated = s.contains(n);
            let has_absent = s.contains(&None);
            match (n, has_negated, has_absent) {
                (None, _, true) => Any,
                (None, _, false) => Not(None),
                (Some(_), true, true) => Any,
                (Some(_), true, false) => Not(None),
                (Some(_), false, true) => {
                    return Err(err("attribute wildcard union is not expressible"));
                }
                (Some(_), false, false) => Not(n.clone()),
            }
        }
    };
    Ok(Some(Wildcard {
        ns,
        process: own.process,
    }))
}

fn placeholder_complex() -> ComplexType {
    ComplexType {
        name: None,
        content: ContentType::Empty,
        mixed: false,
        attributes: Vec::new(),
        wildcard: None,
        base: None,
    }
}

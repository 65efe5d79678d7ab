//! Validating an instance document against a compiled schema (XSD 1.0 Part 1 §3.3.4, §3.4.4,
//! §3.11.4): element and attribute declarations, content models, simple values, wildcards,
//! `xsi:type`/`xsi:nil`, value constraints and identity constraints.
//!
//! Bounded work: the parser refuses DTDs (so no entity expansion at all), recursion stops at
//! [`crate::limits::MAX_XML_DEPTH`] elements, content models are deterministic automata (one
//! state per element), and violations beyond the caller's cap are counted, not formatted.

use std::borrow::Cow;
use std::collections::HashSet;

use roxmltree::{Document, Node, ParsingOptions};

use super::content::{Matched, Matcher};
use super::model::{
    Compiled, ContentType, ElemId, IcKind, NameTest, Process, TypeRef, Wildcard, XPath, XSI_NS,
};
use super::simple::{Simples, Value, quote};
use super::{Violation, XsdError};
use crate::limits::MAX_XML_DEPTH;

/// Is any element of `doc` nested deeper than `limit` (the document element is depth 1)?
pub(crate) fn deeper_than(doc: &Document<'_>, limit: usize) -> bool {
    let mut stack = vec![(doc.root_element(), 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        stack.extend(
            node.children()
                .filter(Node::is_element)
                .map(|c| (c, depth + 1)),
        );
    }
    false
}

/// Refuse elements with more than `limit` attributes before parsing: the parser checks
/// duplicates pairwise, so one element with 100,000 attributes would cost minutes. A single pass
/// over the raw text that counts `=` outside quotes in each start tag (comments, CDATA sections,
/// processing instructions and declarations skipped); malformed input is left to the parser.
pub(crate) fn check_attribute_counts(xml: &str, limit: usize) -> Result<(), XsdError> {
    let b = xml.as_bytes();
    let mut i = 0;
    let skip_to = |from: usize, end: &[u8]| -> usize {
        b.get(from..)
            .and_then(|rest| rest.windows(end.len()).position(|w| w == end))
            .map_or(b.len(), |p| from + p + end.len())
    };
    while i < b.len() {
        let Some(p) = b
            .get(i..)
            .and_then(|rest| rest.iter().position(|c| *c == b'<'))
        else {
            break;
        };
        i += p + 1;
        let rest = b.get(i..).unwrap_or(&[]);
        if rest.starts_with(b"!--") {
            i = skip_to(i + 3, b"-->");
        } else if rest.starts_with(b"![CDATA[") {
            i = skip_to(i + 8, b"]]>");
        } else if rest.starts_with(b"?") {
            i = skip_to(i + 1, b"?>");
        } else if rest.starts_with(b"!") || rest.starts_with(b"/") {
            i = skip_to(i, b">");
        } else {
            // A start tag: count '=' outside quoted attribute values.
            let mut count = 0usize;
            let mut quote: Option<u8> = None;
            while let Some(&c) = b.get(i) {
                i += 1;
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => quote = Some(c),
                    (None, b'=') => {
                        count += 1;
                        if count > limit {
                            return Err(XsdError::TooManyAttributes { limit });
                        }
                    }
                    (None, b'>') => break,
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn parse(xml: &str) -> Result<Document<'_>, XsdError> {
    check_attribute_counts(xml, crate::limits::MAX_XML_ATTRIBUTES_PER_ELEMENT)?;
    let options = ParsingOptions {
        allow_dtd: false,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(xml, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => {
            XsdError::Xml("documents with a DTD (<!DOCTYPE>) are not accepted".into())
        }
        other => XsdError::Xml(other.to_string()),
    })
}

pub(crate) fn validate(c: &Compiled, xml: &str, max: usize) -> Result<Vec<Violation>, XsdError> {
    let doc = parse(xml)?;
    let mut v = Validator {
        c,
        simples: Simples(&c.simple),
        out: Vec::new(),
        // An invalid document must never come back as an empty list.
        max: max.max(1),
        path: Vec::new(),
        scopes: Vec::new(),
        collectors: Vec::new(),
        pending: Vec::new(),
    };
    let root = doc.root_element();
    let name = root.tag_name();
    match c.global_element(element_ns(name), name.name()) {
        Some(decl) => v.visit_decl(root, decl, 1)?,
        None => {
            v.report(root, None, "undeclared-element", || {
                format!(
                    "the document element {} is not declared by the schema",
                    expanded(root)
                )
            });
        }
    }
    Ok(v.out)
}

fn expanded(node: Node<'_, '_>) -> String {
    let name = node.tag_name();
    match element_ns(name) {
        Some(ns) => format!("{{{ns}}}{}", name.name()),
        None => name.name().to_owned(),
    }
}

/// An active identity-constraint scope: the element that declares the constraint.
struct Scope {
    ic: usize,
    depth: usize,
    /// unique/key: the tuples seen so far.
    table: HashSet<Vec<Value>>,
    /// keyref: tuples to resolve when the scope closes.
    references: Vec<(Vec<Value>, roxmltree::NodeId)>,
}

/// A node selected by a scope's selector, collecting its field values.
struct Collector {
    scope: usize,
    depth: usize,
    node: roxmltree::NodeId,
    values: Vec<Option<Value>>,
    broken: bool,
}

/// A field that selected an element: its value is known when the element ends.
struct Pending {
    collector: usize,
    field: usize,
    depth: usize,
}

struct Validator<'c, 'd, 'i> {
    c: &'c Compiled,
    simples: Simples<'c>,
    out: Vec<Violation>,
    max: usize,
    /// The current element and its ancestors (index = depth - 1).
    path: Vec<Node<'d, 'i>>,
    scopes: Vec<Scope>,
    collectors: Vec<Collector>,
    pending: Vec<Pending>,
}

/// How an element is to be assessed.
#[derive(Clone, Copy)]
enum Target {
    Typed { decl: Option<ElemId>, ty: TypeRef },
    Lax,
}

impl<'c, 'd, 'i> Validator<'c, 'd, 'i> {
    // ---------------------------------------------------------------- reporting

    fn report(
        &mut self,
        node: Node<'_, '_>,
        attribute: Option<&str>,
        rule: &str,
        message: impl FnOnce() -> String,
    ) {
        if self.out.len() >= self.max {
            return;
        }
        let mut path = node_path(node);
        if let Some(a) = attribute {
            path.push_str("/@");
            path.push_str(a);
        }
        self.out.push(Violation {
            path,
            rule: rule.to_owned(),
            message: message(),
        });
    }

    // ---------------------------------------------------------------- elements

    fn visit_decl(
        &mut self,
        node: Node<'d, 'i>,
        decl: ElemId,
        depth: usize,
    ) -> Result<(), XsdError> {
        let ty = match self.c.elements.get(decl) {
            Some(d) => d.ty,
            None => return Err(XsdError::Schema("dangling element declaration".into())),
        };
        self.visit(
            node,
            depth,
            Target::Typed {
                decl: Some(decl),
                ty,
            },
        )
    }

    fn visit_wildcard(
        &mut self,
        node: Node<'d, 'i>,
        w: &Wildcard,
        depth: usize,
    ) -> Result<(), XsdError> {
        match w.process {
            // Skipped content is not assessed at all (XSD 1.0 §3.10.1).
            Process::Skip => Ok(()),
            Process::Strict | Process::Lax => {
                let name = node.tag_name();
                if let Some(decl) = self.c.global_element(element_ns(name), name.name()) {
                    return self.visit_decl(node, decl, depth);
                }
                if w.process == Process::Strict && !node.has_attribute((XSI_NS, "type")) {
                    self.report(node, None, "undeclared-element", || {
                        format!(
                            "{} is not declared, and the wildcard here requires a declaration",
                            expanded(node)
                        )
                    });
                }
                self.visit(node, depth, Target::Lax)
            }
        }
    }

    /// Lax assessment (XSD 1.0 §3.3.4): validate against a global declaration if there is one,
    /// else look at the attributes and children the same way.
    fn visit_lax(&mut self, node: Node<'d, 'i>, depth: usize) -> Result<(), XsdError> {
        let name = node.tag_name();
        match self.c.global_element(element_ns(name), name.name()) {
            Some(decl) => self.visit_decl(node, decl, depth),
            None => self.visit(node, depth, Target::Lax),
        }
    }

    fn visit(&mut self, node: Node<'d, 'i>, depth: usize, target: Target) -> Result<(), XsdError> {
        if depth > MAX_XML_DEPTH {
            return Err(XsdError::TooDeep {
                limit: MAX_XML_DEPTH,
            });
        }
        self.path.push(node);
        let r = self.visit_inner(node, depth, target);
        self.path.pop();
        r
    }

    fn visit_inner(
        &mut self,
        node: Node<'d, 'i>,
        depth: usize,
        target: Target,
    ) -> Result<(), XsdError> {
        let (decl, mut ty) = match target {
            Target::Typed { decl, ty } => (decl, Some(ty)),
            Target::Lax => (None, None),
        };
        let decl_ref = decl.and_then(|d| self.c.elements.get(d));

        // xsi:type may substitute a type derived from the declared one (cvc-elt.4).
        if let Some(xt) = node.attribute((XSI_NS, "type")) {
            match resolve_qname(node, xt).and_then(|n| self.c.global_types.get(&n).copied()) {
                Some(t) => match ty {
                    Some(declared) if !self.c.derives_from(t, declared) => {
                        self.report(node, Some("xsi:type"), "xsi-type", || {
                            format!(
                                "xsi:type {} is not derived from the declared type",
                                quote(xt)
                            )
                        });
                    }
                    _ => ty = Some(t),
                },
                None => self.report(node, Some("xsi:type"), "xsi-type", || {
                    format!("xsi:type {} does not name a type of the schema", quote(xt))
                }),
            }
        }

        // xsi:nil is only allowed on nillable elements (cvc-elt.3).
        let mut nilled = false;
        if let Some(nil) = node.attribute((XSI_NS, "nil")) {
            let nillable = decl_ref.is_some_and(|d| d.nillable);
            if !nillable {
                self.report(node, Some("xsi:nil"), "nil", || {
                    "xsi:nil is not allowed: the element is not nillable".to_owned()
                });
            } else {
                match nil.trim() {
                    "true" | "1" => nilled = true,
                    "false" | "0" => {}
                    _ => self.report(node, Some("xsi:nil"), "type:boolean", || {
                        format!("xsi:nil {} is not a boolean", quote(nil))
                    }),
                }
            }
            if nilled
                && decl_ref
                    .and_then(|d| d.value_constraint.as_ref())
                    .is_some_and(|v| v.fixed)
            {
                self.report(node, Some("xsi:nil"), "nil", || {
                    "an element with a fixed value cannot be nil".to_owned()
                });
            }
        }

        // Identity constraints declared here open a scope for this element's subtree.
        if let Some(d) = decl_ref {
            for ic in &d.constraints {
                self.scopes.push(Scope {
                    ic: *ic,
                    depth,
                    table: HashSet::new(),
                    references: Vec::new(),
                });
            }
        }

        match ty {
            Some(t) => self.attributes(node, t),
            None => self.lax_attributes(node),
        }
        if !self.scopes.is_empty() {
            self.select(node, depth, ty);
        }
        let wants_value = self.pending.iter().any(|p| p.depth == depth);

        let value = if nilled {
            if node.children().any(|c| c.is_element() || c.is_text()) {
                self.report(node, None, "nil", || {
                    "a nilled element must have no content".to_owned()
                });
            }
            None
        } else {
            match ty {
                Some(t) => self.content(node, depth, t, decl, wants_value)?,
                None => {
                    for child in node.children().filter(Node::is_element) {
                        self.visit_lax(child, depth + 1)?;
                    }
                    None
                }
            }
        };

        if !self.scopes.is_empty() || !self.collectors.is_empty() {
            self.leave_identity(node, depth, value);
        }
        Ok(())
    }

    // ---------------------------------------------------------------- attributes

    fn attributes(&mut self, node: Node<'d, 'i>, ty: TypeRef) {
        let c = self.c;
        let TypeRef::Complex(cid) = ty else {
            // A simple type allows no attributes but the xsi ones.
            for a in node.attributes() {
                if !is_xsi_control(a.namespace(), a.name()) {
                    self.report(node, Some(a.name()), "unexpected-attribute", || {
                        format!(
                            "attribute {} is not allowed on an element of simple type",
                            a.name()
                        )
                    });
                }
            }
            return;
        };
        let Some(ct) = c.complex.get(cid) else {
            return;
        };
        // Which attribute uses occurred: a bit mask, or a vector for types with many attributes
        // (no allocation per element in the common case).
        let many = ct.attributes.len() > 64;
        let mut seen_mask = 0u64;
        let mut seen = if many {
            vec![false; ct.attributes.len()]
        } else {
            Vec::new()
        };
        for a in node.attributes() {
            let (ns, name) = (a.namespace(), a.name());
            if is_xsi_control(ns, name) {
                continue;
            }
            if let Some(i) = ct.attributes.iter().position(|u| u.name.is(ns, name)) {
                if many {
                    if let Some(s) = seen.get_mut(i) {
                        *s = true;
                    }
                } else {
                    seen_mask |= 1 << i;
                }
                if let Some(u) = ct.attributes.get(i) {
                    self.attribute_value(
                        node,
                        a.name(),
                        a.value(),
                        u.ty,
                        u.value_constraint.as_ref(),
                    );
                }
                continue;
            }
            match &ct.wildcard {
                Some(w) if w.ns.allows(ns) => match w.process {
                    Process::Skip => {}
                    Process::Lax | Process::Strict => {
                        let key = super::model::ExpName::new(ns, name);
                        if let Some(decl) = c.global_attributes.get(&key) {
                            self.attribute_value(
                                node,
                                name,
                                a.value(),
                                decl.ty,
                                decl.value_constraint.as_ref(),
                            );
                        } else if w.process == Process::Strict {
                            self.report(node, Some(name), "undeclared-attribute", || {
                                format!("attribute {name} is not declared, and the wildcard here requires a declaration")
                            });
                        }
                    }
                },
                _ => self.report(node, Some(name), "unexpected-attribute", || {
                    format!("attribute {name} is not allowed here")
                }),
            }
        }
        for (i, u) in ct.attributes.iter().enumerate() {
            let was_seen = if many {
                seen.get(i).copied().unwrap_or(false)
            } else {
                seen_mask & (1 << i) != 0
            };
            if u.required && !was_seen {
                self.report(node, None, "missing-attribute", || {
                    format!("required attribute {} is missing", u.name.local)
                });
            }
        }
    }

    /// Attributes of a laxly assessed element: validated where a global declaration exists.
    fn lax_attributes(&mut self, node: Node<'d, 'i>) {
        for a in node.attributes() {
            if is_xsi_control(a.namespace(), a.name()) {
                continue;
            }
            let key = super::model::ExpName::new(a.namespace(), a.name());
            if let Some(decl) = self.c.global_attributes.get(&key) {
                self.attribute_value(
                    node,
                    a.name(),
                    a.value(),
                    decl.ty,
                    decl.value_constraint.as_ref(),
                );
            }
        }
    }

    fn attribute_value(
        &mut self,
        node: Node<'_, '_>,
        name: &str,
        raw: &str,
        ty: usize,
        vc: Option<&super::model::ValueConstraint>,
    ) {
        let fixed = vc.filter(|v| v.fixed);
        match self.simples.validate(ty, raw, fixed.is_some()) {
            Ok(value) => {
                if let Some(f) = fixed
                    && value != f.value
                {
                    self.report(node, Some(name), "fixed", || {
                        format!(
                            "{} must be the fixed value {}",
                            quote(raw),
                            quote(&f.lexical)
                        )
                    });
                }
            }
            Err(e) => self.report(node, Some(name), &e.rule, || e.message),
        }
    }

    // ---------------------------------------------------------------- content

    /// Check the content of `node` against `ty`; return its simple value when `want_value`.
    fn content(
        &mut self,
        node: Node<'d, 'i>,
        depth: usize,
        ty: TypeRef,
        decl: Option<ElemId>,
        want_value: bool,
    ) -> Result<Option<Value>, XsdError> {
        let c = self.c;
        let vc = decl
            .and_then(|d| c.elements.get(d))
            .and_then(|d| d.value_constraint.as_ref());
        let (simple, ct) = match ty {
            TypeRef::Simple(st) => (Some(st), None),
            TypeRef::Complex(cid) => {
                let Some(ct) = c.complex.get(cid) else {
                    return Ok(None);
                };
                match ct.content {
                    ContentType::Simple(st) => (Some(st), Some(ct)),
                    _ => (None, Some(ct)),
                }
            }
        };
        if let Some(st) = simple {
            for child in node.children().filter(Node::is_element) {
                self.report(child, None, "unexpected-element", || {
                    format!(
                        "{} is not allowed: the content is a simple value",
                        expanded(child)
                    )
                });
                self.visit_lax(child, depth + 1)?;
            }
            let text = text_of(node);
            // An empty element takes the declared default or fixed value (cvc-elt.5.1).
            if text.is_empty()
                && let Some(v) = vc
            {
                return Ok(v.value.clone());
            }
            let fixed = vc.filter(|v| v.fixed);
            return match self
                .simples
                .validate(st, &text, want_value || fixed.is_some())
            {
                Ok(value) => {
                    if let Some(f) = fixed
                        && value != f.value
                    {
                        self.report(node, None, "fixed", || {
                            format!(
                                "{} must be the fixed value {}",
                                quote(&text),
                                quote(&f.lexical)
                            )
                        });
                    }
                    Ok(value)
                }
                Err(e) => {
                    self.report(node, None, &e.rule, || e.message);
                    Ok(None)
                }
            };
        }
        let Some(ct) = ct else {
            return Ok(None);
        };
        if want_value {
            self.report(node, None, "identity", || {
                "an identity-constraint field selects an element without simple content".to_owned()
            });
        }
        let mut bad_text = false;
        match &ct.content {
            ContentType::Elements(model_id) => {
                let Some(model) = c.models.get(*model_id) else {
                    return Ok(None);
                };
                let mut matcher = Matcher::new(model);
                for child in node.children() {
                    if child.is_text() {
                        bad_text |= !ct.mixed && !is_whitespace(child.text().unwrap_or(""));
                        continue;
                    }
                    if !child.is_element() {
                        continue;
                    }
                    let name = child.tag_name();
                    match matcher.step(&c.elements, element_ns(name), name.name()) {
                        Some(Matched::Element(e)) => self.visit_decl(child, e, depth + 1)?,
                        Some(Matched::Any(w)) => self.visit_wildcard(child, w, depth + 1)?,
                        None => {
                            self.report(child, None, "unexpected-element", || {
                                let expected = matcher.expected(&c.elements, 12);
                                if expected.is_empty() {
                                    format!(
                                        "{} is not allowed here; no more elements are expected",
                                        name.name()
                                    )
                                } else {
                                    format!(
                                        "{} is not allowed here; expected one of: {}",
                                        name.name(),
                                        expected.join(", ")
                                    )
                                }
                            });
                            self.visit_lax(child, depth + 1)?;
                        }
                    }
                }
                if !matcher.is_final() {
                    self.report(node, None, "missing-element", || {
                        let expected = matcher.expected(&c.elements, 12);
                        format!(
                            "content of {} is incomplete; expected one of: {}",
                            node.tag_name().name(),
                            expected.join(", ")
                        )
                    });
                }
            }
            ContentType::Empty | ContentType::Simple(_) => {
                for child in node.children() {
                    if child.is_text() {
                        bad_text |= !ct.mixed && !is_whitespace(child.text().unwrap_or(""));
                    } else if child.is_element() {
                        self.report(child, None, "unexpected-element", || {
                            format!(
                                "{} is not allowed: the content must be empty",
                                expanded(child)
                            )
                        });
                        self.visit_lax(child, depth + 1)?;
                    }
                }
            }
        }
        if bad_text {
            self.report(node, None, "text-not-allowed", || {
                "character data is not allowed in element-only content".to_owned()
            });
        }
        // A fixed value on mixed content compares the text (no element children allowed then).
        if let Some(f) = vc.filter(|v| v.fixed) {
            let text = text_of(node);
            let has_elements = node.children().any(|c| c.is_element());
            if has_elements || (!text.is_empty() && text != f.lexical) {
                self.report(node, None, "fixed", || {
                    format!("the content must be the fixed value {}", quote(&f.lexical))
                });
            }
        }
        Ok(None)
    }

    // ---------------------------------------------------------------- identity constraints

    /// Entering `node`: which scopes select it, and which collectors' fields it satisfies.
    fn select(&mut self, node: Node<'d, 'i>, depth: usize, ty: Option<TypeRef>) {
        let c = self.c;
        for si in 0..self.scopes.len() {
            let Some(scope) = self.scopes.get(si) else {
                continue;
            };
            let Some(ic) = c.constraints.get(scope.ic) else {
                continue;
            };
            let rel = self.path.get(scope.depth..depth).unwrap_or(&[]);
            if !ic.selector.iter().any(|p| path_matches(p, rel)) {
                continue;
            }
            let immediate = ic.fields.iter().all(|f| f.iter().all(is_own_attribute));
            // The common case (CycloneDX: every element against `@bom-ref`): a unique tuple
            // of attributes the node does not have is skipped without allocating.
            if immediate
                && ic.kind == IcKind::Unique
                && !ic.fields.iter().flatten().any(|p| {
                    p.attribute
                        .as_ref()
                        .is_some_and(|t| self.attribute_field(node, t, ty).is_some())
                })
            {
                continue;
            }
            let mut col = Collector {
                scope: si,
                depth,
                node: node.id(),
                values: vec![None; ic.fields.len()],
                broken: false,
            };
            // Fields that are attributes of the selected node itself (`@bom-ref`) are known
            // now: finish the tuple at once, so duplicates are reported in document order.
            if immediate {
                for (fi, field) in ic.fields.iter().enumerate() {
                    for test in field.iter().filter_map(|p| p.attribute.as_ref()) {
                        if let Some(v) = self.attribute_field(node, test, ty) {
                            match col.values.get_mut(fi) {
                                Some(slot @ None) => *slot = Some(v),
                                Some(Some(_)) => col.broken = true,
                                None => {}
                            }
                        }
                    }
                }
                if col.broken {
                    self.report(node, None, "identity", || {
                        "an identity-constraint field selects more than one node".to_owned()
                    });
                } else {
                    self.finish_collector(col, node);
                }
                continue;
            }
            self.collectors.push(col);
        }
        // Fields of every open collector (including the ones just opened) against this node.
        let mut found: Vec<(usize, usize, Option<Value>)> = Vec::new();
        for (ci, col) in self.collectors.iter().enumerate() {
            let Some(ic) = self
                .scopes
                .get(col.scope)
                .and_then(|s| c.constraints.get(s.ic))
            else {
                continue;
            };
            let rel = self.path.get(col.depth..depth).unwrap_or(&[]);
            for (fi, field) in ic.fields.iter().enumerate() {
                for p in field.iter().filter(|p| path_matches(p, rel)) {
                    match &p.attribute {
                        Some(test) => {
                            if let Some(v) = self.attribute_field(node, test, ty) {
                                found.push((ci, fi, Some(v)));
                            }
                        }
                        None => found.push((ci, fi, None)),
                    }
                }
            }
        }
        for (ci, fi, value) in found {
            match value {
                Some(v) => self.set_field(ci, fi, v, node),
                None => self.pending.push(Pending {
                    collector: ci,
                    field: fi,
                    depth,
                }),
            }
        }
    }

    /// The typed value of the attribute a field selects (or of its declared default).
    fn attribute_field(
        &self,
        node: Node<'_, '_>,
        test: &NameTest,
        ty: Option<TypeRef>,
    ) -> Option<Value> {
        let ct = match ty {
            Some(TypeRef::Complex(cid)) => self.c.complex.get(cid),
            _ => None,
        };
        let found = node.attributes().find(|a| {
            !is_xsi_control(a.namespace(), a.name()) && test.matches(a.namespace(), a.name())
        });
        match found {
            Some(a) => {
                let declared = ct
                    .and_then(|ct| {
                        ct.attributes
                            .iter()
                            .find(|u| u.name.is(a.namespace(), a.name()))
                    })
                    .map(|u| u.ty)
                    .or_else(|| {
                        self.c
                            .global_attributes
                            .get(&super::model::ExpName::new(a.namespace(), a.name()))
                            .map(|d| d.ty)
                    });
                // An attribute without a declaration (let through by a lax wildcard) has no
                // simple type, so it yields no key value, as in libxml2.
                declared.and_then(|t| self.simples.validate(t, a.value(), true).ok().flatten())
            }
            None => ct.and_then(|ct| {
                ct.attributes
                    .iter()
                    .find(|u| test.matches(u.name.ns.as_deref(), &u.name.local))
                    .and_then(|u| u.value_constraint.as_ref())
                    .and_then(|v| v.value.clone())
            }),
        }
    }

    fn set_field(&mut self, ci: usize, fi: usize, value: Value, node: Node<'_, '_>) {
        let Some(col) = self.collectors.get_mut(ci) else {
            return;
        };
        let Some(slot) = col.values.get_mut(fi) else {
            return;
        };
        if slot.is_some() {
            col.broken = true;
            self.report(node, None, "identity", || {
                "an identity-constraint field selects more than one node".to_owned()
            });
        } else {
            *slot = Some(value);
        }
    }

    /// Leaving `node`: element-valued fields get its value; collectors and scopes that started
    /// here are finished.
    fn leave_identity(&mut self, node: Node<'d, 'i>, depth: usize, value: Option<Value>) {
        let done: Vec<Pending> = if self.pending.is_empty() {
            Vec::new()
        } else {
            let (here, rest): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
                .into_iter()
                .partition(|p| p.depth == depth);
            self.pending = rest;
            here
        };
        for p in done {
            if let Some(v) = value.clone() {
                self.set_field(p.collector, p.field, v, node);
            }
        }
        while self.collectors.last().is_some_and(|c| c.depth == depth) {
            let Some(col) = self.collectors.pop() else {
                break;
            };
            // A collector ends with the node it selected, which is `node`.
            self.finish_collector(col, node);
        }
        while self.scopes.last().is_some_and(|s| s.depth == depth) {
            let Some(scope) = self.scopes.pop() else {
                break;
            };
            self.finish_scope(scope, node);
        }
    }

    fn finish_collector(&mut self, col: Collector, node: Node<'_, '_>) {
        let c = self.c;
        if col.broken {
            return;
        }
        let Some(scope) = self.scopes.get_mut(col.scope) else {
            return;
        };
        let Some(ic) = c.constraints.get(scope.ic) else {
            return;
        };
        let complete = col.values.iter().all(Option::is_some);
        let tuple: Vec<Value> = col.values.into_iter().flatten().collect();
        let rule = match ic.kind {
            IcKind::Key => "key",
            IcKind::Unique => "unique",
            IcKind::KeyRef(_) => {
                if complete {
                    scope.references.push((tuple, col.node));
                }
                return;
            }
        };
        if !complete {
            if ic.kind == IcKind::Key {
                self.report(node, None, "key", || {
                    format!("key {} requires a value for every field", ic.name.local)
                });
            }
            return;
        }
        if let Some(dup) = scope.table.replace(tuple) {
            let shown = show_tuple(&dup);
            // Point at the attribute when the key is one attribute of the selected node.
            let attribute = match ic.fields.as_slice() {
                [field] => match field.as_slice() {
                    [p] if is_own_attribute(p) => match &p.attribute {
                        Some(NameTest::Name(n)) => Some(n.local.as_str()),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            self.report(node, attribute, rule, || {
                format!(
                    "duplicate value {shown} for {rule} constraint {}",
                    ic.name.local
                )
            });
        }
    }

    fn finish_scope(&mut self, scope: Scope, node: Node<'d, 'i>) {
        let c = self.c;
        let Some(IcKind::KeyRef(target)) = c.constraints.get(scope.ic).map(|ic| ic.kind) else {
            return;
        };
        let keys = self
            .scopes
            .iter()
            .rev()
            .find(|s| s.ic == target && s.depth == scope.depth)
            .map(|s| &s.table);
        let name = c
            .constraints
            .get(scope.ic)
            .map_or_else(String::new, |ic| ic.name.local.clone());
        let mut missing = Vec::new();
        for (tuple, at) in &scope.references {
            if !keys.is_some_and(|k| k.contains(tuple)) {
                missing.push((show_tuple(tuple), *at));
            }
        }
        for (shown, at) in missing {
            let target_node = node.document().get_node(at).unwrap_or(node);
            self.report(target_node, None, "keyref", || {
                format!("keyref {name}: no key with value {shown}")
            });
        }
    }
}

fn show_tuple(tuple: &[Value]) -> String {
    let parts: Vec<String> = tuple
        .iter()
        .map(|v| match v {
            Value::Text(_, s) => quote(s),
            other => quote(&format!("{other:?}")),
        })
        .collect();
    parts.join(", ")
}

/// Is this field path an attribute of the selected node itself?
fn is_own_attribute(p: &XPath) -> bool {
    !p.descendant && p.steps.is_empty() && p.attribute.is_some()
}

/// Does a selector/field path (its element steps) match the path from the context node?
fn path_matches(p: &XPath, rel: &[Node<'_, '_>]) -> bool {
    let n = p.steps.len();
    if p.descendant {
        if rel.len() < n || rel.is_empty() {
            return false;
        }
    } else if rel.len() != n {
        return false;
    }
    let tail = &rel[rel.len() - n..];
    p.steps.iter().zip(tail).all(|(test, node)| {
        let name = node.tag_name();
        test.matches(element_ns(name), name.name())
    })
}

/// The namespace of an element; `xmlns=""` undeclares the default namespace, which the parser
/// reports as an empty URI: that is no namespace.
fn element_ns<'a>(name: roxmltree::ExpandedName<'a, '_>) -> Option<&'a str> {
    name.namespace().filter(|n| !n.is_empty())
}

fn is_xsi_control(ns: Option<&str>, name: &str) -> bool {
    ns == Some(XSI_NS)
        && matches!(
            name,
            "type" | "nil" | "schemaLocation" | "noNamespaceSchemaLocation"
        )
}

fn is_whitespace(s: &str) -> bool {
    s.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// The character content of an element (text and CDATA, comments and PIs skipped).
fn text_of<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let mut texts = node
        .children()
        .filter(Node::is_text)
        .filter_map(|c| c.text());
    match (texts.next(), texts.next()) {
        (None, _) => Cow::Borrowed(""),
        (Some(one), None) => Cow::Borrowed(one),
        (Some(a), Some(b)) => {
            let mut s = String::from(a);
            s.push_str(b);
            for t in texts {
                s.push_str(t);
            }
            Cow::Owned(s)
        }
    }
}

/// An `xsi:type` QName resolved with the namespaces in scope at the element.
fn resolve_qname(node: Node<'_, '_>, qname: &str) -> Option<super::model::ExpName> {
    let qname = qname.trim();
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, qname),
    };
    let ns = node.lookup_namespace_uri(prefix);
    if prefix.is_some() && ns.is_none() {
        return None;
    }
    Some(super::model::ExpName::new(
        ns.filter(|n| !n.is_empty()),
        local,
    ))
}

/// `/bom/components/component[3]/version`: local names, with a position among same-named
/// siblings where there are several.
pub(crate) fn node_path(node: Node<'_, '_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for n in node.ancestors().filter(Node::is_element) {
        let name = n.tag_name();
        let same = |s: &Node<'_, '_>| s.is_element() && s.tag_name() == name;
        let before = n.prev_siblings().skip(1).filter(same).count();
        let after = n.next_siblings().skip(1).any(|s| same(&s));
        if before > 0 || after {
            parts.push(format!("{}[{}]", name.name(), before + 1));
        } else {
            parts.push(name.name().to_owned());
        }
    }
    parts.reverse();
    let mut out = String::new();
    for p in parts {
        out.push('/');
        out.push_str(&p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_counting_skips_quotes_comments_and_cdata() {
        let ok = r#"<a x="1=2=3" y='=>'><!-- <b c=1 d=2 e=3> --><![CDATA[<f g=1 h=2 i=3>]]><?pi j=1 k=2 l=3?><m n="1"/></a>"#;
        assert!(check_attribute_counts(ok, 2).is_ok());
        assert!(check_attribute_counts(r#"<a x="1" y="2" z="3"/>"#, 2).is_err());
        assert!(check_attribute_counts(r#"<a x="1" y="2"/><b z="3"/>"#, 2).is_ok());
        // Unterminated constructs do not loop or panic; the parser reports them.
        for bad in ["<", "<!--", "<![CDATA[", "<?", "<a x=\"", "<a x='1'", "</"] {
            assert!(check_attribute_counts(bad, 2).is_ok(), "{bad}");
        }
    }

    #[test]
    fn paths_count_same_named_siblings() {
        let doc = Document::parse("<r><a/><b><c/></b><a><d/><d/></a></r>").unwrap();
        let paths: Vec<String> = doc
            .descendants()
            .filter(Node::is_element)
            .map(node_path)
            .collect();
        assert_eq!(
            paths,
            [
                "/r",
                "/r/a[1]",
                "/r/b",
                "/r/b/c",
                "/r/a[2]",
                "/r/a[2]/d[1]",
                "/r/a[2]/d[2]"
            ]
        );
    }
}

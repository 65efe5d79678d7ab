//! The compiled form of a schema: arenas of element declarations, simple and complex types,
//! content-model automata and identity constraints, addressed by index. Built once by
//! [`super::compile`], read-only afterwards.

use std::collections::HashMap;

use super::content::Model;
use super::simple::{SimpleType, Value};

/// The namespace URI of XML Schema itself (built-in types live here).
pub(crate) const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
/// The schema-instance namespace (`xsi:type`, `xsi:nil`, …).
pub(crate) const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

pub(crate) type ElemId = usize;
pub(crate) type SimpleId = usize;
pub(crate) type ComplexId = usize;
pub(crate) type ModelId = usize;
pub(crate) type IcId = usize;

/// An expanded name: namespace URI (absent for unqualified names) and local name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ExpName {
    pub ns: Option<String>,
    pub local: String,
}

impl ExpName {
    pub fn new(ns: Option<&str>, local: &str) -> Self {
        Self {
            ns: ns.map(str::to_owned),
            local: local.to_owned(),
        }
    }

    /// Does this name equal the name of an instance node?
    pub fn is(&self, ns: Option<&str>, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == ns
    }
}

impl std::fmt::Display for ExpName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.ns {
            Some(ns) => write!(f, "{{{ns}}}{}", self.local),
            None => f.write_str(&self.local),
        }
    }
}

/// A type an element can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Simple(SimpleId),
    Complex(ComplexId),
}

#[derive(Debug, Clone)]
pub(crate) struct ElementDecl {
    pub name: ExpName,
    pub ty: TypeRef,
    pub nillable: bool,
    /// Value constraint: `default` or `fixed` (the lexical form as written in the schema).
    pub value_constraint: Option<ValueConstraint>,
    pub constraints: Vec<IcId>,
}

#[derive(Debug, Clone)]
pub(crate) struct ValueConstraint {
    pub fixed: bool,
    pub lexical: String,
    /// The value in the type's value space (`None` for mixed content, compared as text).
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derivation {
    Extension,
    Restriction,
}

#[derive(Debug, Clone)]
pub(crate) enum ContentType {
    Empty,
    Simple(SimpleId),
    Elements(ModelId),
}

#[derive(Debug, Clone)]
pub(crate) struct ComplexType {
    pub name: Option<ExpName>,
    pub content: ContentType,
    pub mixed: bool,
    pub attributes: Vec<AttrUse>,
    pub wildcard: Option<Wildcard>,
    /// The base type definition and how this type was derived from it (`None` for `xs:anyType`).
    pub base: Option<(TypeRef, Derivation)>,
}

#[derive(Debug, Clone)]
pub(crate) struct AttrUse {
    pub name: ExpName,
    pub ty: SimpleId,
    pub required: bool,
    pub value_constraint: Option<ValueConstraint>,
}

/// A global attribute declaration (used by `ref=` and by lax/strict attribute wildcards).
#[derive(Debug, Clone)]
pub(crate) struct AttrDecl {
    pub ty: SimpleId,
    pub value_constraint: Option<ValueConstraint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Process {
    Strict,
    Lax,
    Skip,
}

/// A namespace constraint of a wildcard (XSD 1.0 §3.10.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NsConstraint {
    /// `##any`
    Any,
    /// `##other`: any namespace name except this one, and never an unqualified name.
    Not(Option<String>),
    /// A list of namespace names; `None` stands for unqualified (`##local`).
    Set(Vec<Option<String>>),
}

impl NsConstraint {
    pub fn allows(&self, ns: Option<&str>) -> bool {
        match self {
            NsConstraint::Any => true,
            NsConstraint::Not(not) => ns.is_some() && ns != not.as_deref(),
            NsConstraint::Set(set) => set.iter().any(|s| s.as_deref() == ns),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wildcard {
    pub ns: NsConstraint,
    pub process: Process,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcKind {
    Unique,
    Key,
    KeyRef(IcId),
}

#[derive(Debug, Clone)]
pub(crate) struct IdentityConstraint {
    pub name: ExpName,
    pub kind: IcKind,
    pub selector: Vec<XPath>,
    /// One entry per `xs:field`; each field is a union of paths.
    pub fields: Vec<Vec<XPath>>,
}

/// One path of the restricted XPath of identity constraints (XSD 1.0 §3.11.6).
#[derive(Debug, Clone)]
pub(crate) struct XPath {
    /// Starts with `.//`.
    pub descendant: bool,
    pub steps: Vec<NameTest>,
    /// Ends with `@NameTest` (fields only).
    pub attribute: Option<NameTest>,
}

#[derive(Debug, Clone)]
pub(crate) enum NameTest {
    Any,
    AnyIn(Option<String>),
    Name(ExpName),
}

impl NameTest {
    pub fn matches(&self, ns: Option<&str>, local: &str) -> bool {
        match self {
            NameTest::Any => true,
            NameTest::AnyIn(n) => n.as_deref() == ns,
            NameTest::Name(name) => name.is(ns, local),
        }
    }
}

/// A compiled schema (the crate-internal part of [`super::Schema`]).
#[derive(Debug)]
pub(crate) struct Compiled {
    pub elements: Vec<ElementDecl>,
    pub simple: Vec<SimpleType>,
    pub complex: Vec<ComplexType>,
    pub models: Vec<Model>,
    pub constraints: Vec<IdentityConstraint>,
    pub global_elements: HashMap<ExpName, ElemId>,
    pub global_attributes: HashMap<ExpName, AttrDecl>,
    pub global_types: HashMap<ExpName, TypeRef>,
    /// `xs:anyType`.
    pub any_type: ComplexId,
}

impl Compiled {
    pub fn global_element(&self, ns: Option<&str>, local: &str) -> Option<ElemId> {
        // A borrowed lookup would need a custom key type; names are short, so allocate.
        self.global_elements.get(&ExpName::new(ns, local)).copied()
    }

    /// Is `derived` the same as `base` or derived from it through any chain of derivations?
    pub fn derives_from(&self, derived: TypeRef, base: TypeRef) -> bool {
        let mut current = derived;
        // Derivation chains are acyclic (checked at compile time) and shorter than the arena.
        for _ in 0..=(self.simple.len() + self.complex.len()) {
            if current == base {
                return true;
            }
            if let TypeRef::Complex(id) = base
                && id == self.any_type
            {
                return true;
            }
            current = match current {
                TypeRef::Complex(id) => match self.complex.get(id).and_then(|c| c.base) {
                    Some((b, _)) => b,
                    None => return false,
                },
                TypeRef::Simple(id) => match self.simple.get(id).and_then(|s| s.base) {
                    Some(b) => TypeRef::Simple(b),
                    None => return false,
                },
            };
        }
        false
    }
}

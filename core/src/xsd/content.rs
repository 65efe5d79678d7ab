//! Content models: particles (sequence, choice, all, element, wildcard with occurrence bounds)
//! compiled into a Glushkov automaton, and the matcher that walks an element's children through it.
//!
//! Occurrence bounds are expanded (`x{2,3}` → `x x (x)?`, `x{1,}` → `x+`), so the automaton has
//! one position per particle copy. The compiler then checks XSD's Unique Particle Attribution
//! constraint (no state has two outgoing positions that can match the same element): every schema
//! a conforming processor accepts passes, and matching becomes deterministic — one state, one
//! comparison per candidate, linear in the number of children whatever the input.

use super::model::{ElemId, ElementDecl, NsConstraint, Wildcard};

/// Expanding counted repetitions costs positions; these bound the automaton of one type.
const MAX_POSITIONS: usize = 10_000;
/// The largest finite `maxOccurs` above 1 (expanded into nested optional copies).
pub(crate) const MAX_FINITE_OCCURS: u32 = 100;
const MAX_NESTING: usize = 256;

#[derive(Debug, Clone)]
pub(crate) enum Term {
    Element(ElemId),
    Any(Wildcard),
}

/// A particle with its occurrence bounds (`max == None` is `unbounded`).
#[derive(Debug, Clone)]
pub(crate) struct Particle {
    pub kind: ParticleKind,
    pub min: u32,
    pub max: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) enum ParticleKind {
    Term(Term),
    Sequence(Vec<Particle>),
    Choice(Vec<Particle>),
    All(Vec<Particle>),
}

impl Particle {
    /// Is this particle certain to match nothing but the empty sequence?
    pub fn is_empty(&self) -> bool {
        self.max == Some(0)
            || match &self.kind {
                ParticleKind::Term(_) => false,
                ParticleKind::Sequence(items) | ParticleKind::All(items) => {
                    items.iter().all(Particle::is_empty)
                }
                ParticleKind::Choice(items) => {
                    !items.is_empty() && items.iter().all(Particle::is_empty)
                }
            }
    }
}

/// A compiled content model.
#[derive(Debug, Clone)]
pub(crate) enum Model {
    Automaton(Automaton),
    All(AllModel),
}

#[derive(Debug, Clone)]
pub(crate) struct Automaton {
    terms: Vec<Term>,
    start: Vec<u32>,
    follow: Vec<Vec<u32>>,
    accepting: Vec<bool>,
    nullable: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct AllModel {
    members: Vec<(ElemId, bool)>,
    /// The whole group has `minOccurs="0"`.
    optional: bool,
}

/// Compile a particle into a model. `elements` gives the names for the determinism check.
pub(crate) fn compile_model(
    particle: &Particle,
    elements: &[ElementDecl],
) -> Result<Model, String> {
    if let ParticleKind::All(items) = &particle.kind {
        if particle.max != Some(1) || particle.min > 1 {
            return Err("xs:all must have minOccurs 0 or 1 and maxOccurs 1".into());
        }
        let mut members = Vec::new();
        for item in items {
            match (&item.kind, item.min, item.max) {
                (ParticleKind::Term(Term::Element(e)), 0 | 1, Some(1)) => {
                    members.push((*e, item.min == 1));
                }
                (ParticleKind::Term(Term::Element(_)), _, Some(0)) => {}
                _ => {
                    return Err(
                        "xs:all may only contain elements with maxOccurs 1 (XSD 1.0)".into(),
                    );
                }
            }
        }
        for (i, (a, _)) in members.iter().enumerate() {
            for (b, _) in &members[i + 1..] {
                if name_of(elements, *a) == name_of(elements, *b) {
                    return Err("xs:all declares the same element twice".into());
                }
            }
        }
        return Ok(Model::All(AllModel {
            members,
            optional: particle.min == 0,
        }));
    }
    let mut budget = MAX_POSITIONS;
    let re = expand(particle, 0, &mut budget)?;
    let mut builder = Builder {
        terms: Vec::new(),
        follow: Vec::new(),
    };
    let info = builder.build(&re, 0)?;
    let mut accepting = vec![false; builder.terms.len()];
    for p in &info.last {
        if let Some(a) = accepting.get_mut(*p as usize) {
            *a = true;
        }
    }
    let mut follow = builder.follow;
    for f in &mut follow {
        f.sort_unstable();
        f.dedup();
    }
    let mut start = info.first;
    start.sort_unstable();
    start.dedup();
    let automaton = Automaton {
        terms: builder.terms,
        start,
        follow,
        accepting,
        nullable: info.nullable,
    };
    automaton.check_deterministic(elements)?;
    Ok(Model::Automaton(automaton))
}

fn name_of(elements: &[ElementDecl], id: ElemId) -> Option<(&Option<String>, &str)> {
    elements
        .get(id)
        .map(|e| (&e.name.ns, e.name.local.as_str()))
}

/// Regular expressions over terms, with positions still to assign.
enum Re {
    Sym(Term),
    Seq(Vec<Re>),
    Alt(Vec<Re>),
    Opt(Box<Re>),
    Star(Box<Re>),
    Plus(Box<Re>),
}

/// `budget` counts the positions still allowed, so expansion stops before it allocates a huge tree.
fn expand(p: &Particle, depth: usize, budget: &mut usize) -> Result<Re, String> {
    if depth > MAX_NESTING {
        return Err("content model nests too deeply".into());
    }
    let mut body = || -> Result<Re, String> {
        Ok(match &p.kind {
            ParticleKind::Term(t) => {
                *budget = budget.checked_sub(1).ok_or_else(|| {
                    format!("content model expands to more than {MAX_POSITIONS} positions")
                })?;
                Re::Sym(t.clone())
            }
            ParticleKind::Sequence(items) => Re::Seq(
                items
                    .iter()
                    .map(|i| expand(i, depth + 1, budget))
                    .collect::<Result<_, _>>()?,
            ),
            ParticleKind::Choice(items) => Re::Alt(
                items
                    .iter()
                    .map(|i| expand(i, depth + 1, budget))
                    .collect::<Result<_, _>>()?,
            ),
            ParticleKind::All(_) => {
                return Err("xs:all may only be the whole content model (XSD 1.0)".into());
            }
        })
    };
    if let Some(max) = p.max {
        if max < p.min {
            return Err(format!(
                "maxOccurs {max} is smaller than minOccurs {}",
                p.min
            ));
        }
        if max > MAX_FINITE_OCCURS {
            return Err(format!(
                "maxOccurs {max} is not supported (at most {MAX_FINITE_OCCURS}, or unbounded)"
            ));
        }
    } else if p.min > MAX_FINITE_OCCURS {
        return Err(format!("minOccurs {} is not supported", p.min));
    }
    Ok(match (p.min, p.max) {
        (_, Some(0)) => Re::Seq(Vec::new()),
        (1, Some(1)) => body()?,
        (0, Some(1)) => Re::Opt(Box::new(body()?)),
        (0, None) => Re::Star(Box::new(body()?)),
        (1, None) => Re::Plus(Box::new(body()?)),
        (min, None) => {
            let mut seq = Vec::new();
            for _ in 1..min {
                seq.push(body()?);
            }
            seq.push(Re::Plus(Box::new(body()?)));
            Re::Seq(seq)
        }
        (min, Some(max)) => {
            let mut seq = Vec::new();
            for _ in 0..min {
                seq.push(body()?);
            }
            // (x (x (x)?)?)? for the optional copies, which keeps the automaton deterministic.
            let mut tail: Option<Re> = None;
            for _ in min..max {
                let copy = body()?;
                tail = Some(Re::Opt(Box::new(match tail {
                    Some(t) => Re::Seq(vec![copy, t]),
                    None => copy,
                })));
            }
            if let Some(t) = tail {
                seq.push(t);
            }
            Re::Seq(seq)
        }
    })
}

struct Info {
    nullable: bool,
    first: Vec<u32>,
    last: Vec<u32>,
}

struct Builder {
    terms: Vec<Term>,
    follow: Vec<Vec<u32>>,
}

impl Builder {
    fn link(&mut self, from: &[u32], to: &[u32]) {
        for f in from {
            if let Some(list) = self.follow.get_mut(*f as usize) {
                list.extend_from_slice(to);
            }
        }
    }

    fn build(&mut self, re: &Re, depth: usize) -> Result<Info, String> {
        if depth > MAX_NESTING + MAX_FINITE_OCCURS as usize * 2 {
            return Err("content model nests too deeply".into());
        }
        Ok(match re {
            Re::Sym(t) => {
                if self.terms.len() >= MAX_POSITIONS {
                    return Err(format!(
                        "content model expands to more than {MAX_POSITIONS} positions"
                    ));
                }
                let pos = self.terms.len() as u32;
                self.terms.push(t.clone());
                self.follow.push(Vec::new());
                Info {
                    nullable: false,
                    first: vec![pos],
                    last: vec![pos],
                }
            }
            Re::Seq(items) => {
                let mut acc = Info {
                    nullable: true,
                    first: Vec::new(),
                    last: Vec::new(),
                };
                for item in items {
                    let info = self.build(item, depth + 1)?;
                    self.link(&acc.last, &info.first);
                    if acc.nullable {
                        acc.first.extend_from_slice(&info.first);
                    }
                    if info.nullable {
                        acc.last.extend_from_slice(&info.last);
                    } else {
                        acc.last = info.last;
                    }
                    acc.nullable &= info.nullable;
                }
                acc
            }
            Re::Alt(items) => {
                // An empty choice matches nothing at all (not even the empty sequence).
                let mut acc = Info {
                    nullable: false,
                    first: Vec::new(),
                    last: Vec::new(),
                };
                for item in items {
                    let info = self.build(item, depth + 1)?;
                    acc.nullable |= info.nullable;
                    acc.first.extend_from_slice(&info.first);
                    acc.last.extend_from_slice(&info.last);
                }
                acc
            }
            Re::Opt(inner) => {
                let mut info = self.build(inner, depth + 1)?;
                info.nullable = true;
                info
            }
            Re::Star(inner) | Re::Plus(inner) => {
                let mut info = self.build(inner, depth + 1)?;
                let (last, first) = (info.last.clone(), info.first.clone());
                self.link(&last, &first);
                if matches!(re, Re::Star(_)) {
                    info.nullable = true;
                }
                info
            }
        })
    }
}

fn wildcards_overlap(a: &NsConstraint, b: &NsConstraint) -> bool {
    match (a, b) {
        (NsConstraint::Any, _) | (_, NsConstraint::Any) => true,
        (NsConstraint::Not(_), NsConstraint::Not(_)) => true,
        (not @ NsConstraint::Not(_), NsConstraint::Set(s))
        | (NsConstraint::Set(s), not @ NsConstraint::Not(_)) => {
            s.iter().any(|ns| not.allows(ns.as_deref()))
        }
        (NsConstraint::Set(x), NsConstraint::Set(y)) => x.iter().any(|n| y.contains(n)),
    }
}

fn terms_overlap(elements: &[ElementDecl], a: &Term, b: &Term) -> bool {
    match (a, b) {
        (Term::Element(x), Term::Element(y)) => name_of(elements, *x) == name_of(elements, *y),
        (Term::Element(e), Term::Any(w)) | (Term::Any(w), Term::Element(e)) => elements
            .get(*e)
            .is_some_and(|d| w.ns.allows(d.name.ns.as_deref())),
        (Term::Any(v), Term::Any(w)) => wildcards_overlap(&v.ns, &w.ns),
    }
}

/// Which of a set of positions can match an element: the first element declaration with its
/// name, else the first wildcard that allows its namespace.
fn find<'a>(
    terms: &'a [Term],
    candidates: &[u32],
    elements: &[ElementDecl],
    ns: Option<&str>,
    local: &str,
) -> Option<(u32, &'a Term)> {
    candidates.iter().find_map(|p| {
        let t = terms.get(*p as usize)?;
        let hit = match t {
            Term::Element(e) => elements.get(*e).is_some_and(|d| d.name.is(ns, local)),
            Term::Any(w) => w.ns.allows(ns),
        };
        hit.then_some((*p, t))
    })
}

impl Automaton {
    fn check_deterministic(&self, elements: &[ElementDecl]) -> Result<(), String> {
        for set in std::iter::once(&self.start).chain(self.follow.iter()) {
            for (i, a) in set.iter().enumerate() {
                for b in &set[i + 1..] {
                    let (Some(ta), Some(tb)) =
                        (self.terms.get(*a as usize), self.terms.get(*b as usize))
                    else {
                        continue;
                    };
                    if terms_overlap(elements, ta, tb) {
                        return Err(format!(
                            "content model is not deterministic (Unique Particle Attribution): {} and {} compete",
                            describe(elements, ta),
                            describe(elements, tb)
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn describe(elements: &[ElementDecl], t: &Term) -> String {
    match t {
        Term::Element(e) => elements
            .get(*e)
            .map_or_else(|| "?".into(), |d| format!("element {}", d.name.local)),
        Term::Any(w) => match &w.ns {
            NsConstraint::Any => "a wildcard (##any)".into(),
            NsConstraint::Not(_) => "a wildcard (##other)".into(),
            NsConstraint::Set(_) => "a wildcard".into(),
        },
    }
}

/// What matched a child element.
#[derive(Debug)]
pub(crate) enum Matched<'m> {
    Element(ElemId),
    Any(&'m Wildcard),
}

/// Walks an element's children through its content model.
pub(crate) struct Matcher<'m> {
    model: &'m Model,
    /// Automaton: the last matched position (`None` before the first child).
    current: Option<u32>,
    /// All-group: which members were seen.
    seen: Vec<bool>,
}

impl<'m> Matcher<'m> {
    pub fn new(model: &'m Model) -> Self {
        let seen = match model {
            Model::All(all) => vec![false; all.members.len()],
            Model::Automaton(_) => Vec::new(),
        };
        Self {
            model,
            current: None,
            seen,
        }
    }

    /// Feed the next child. On `None` the state is unchanged, so later siblings are still
    /// checked against the last good state.
    pub fn step(
        &mut self,
        elements: &[ElementDecl],
        ns: Option<&str>,
        local: &str,
    ) -> Option<Matched<'m>> {
        match self.model {
            Model::Automaton(a) => {
                let candidates = match self.current {
                    None => &a.start,
                    Some(p) => a.follow.get(p as usize)?,
                };
                let (pos, term) = find(&a.terms, candidates, elements, ns, local)?;
                self.current = Some(pos);
                Some(match term {
                    Term::Element(e) => Matched::Element(*e),
                    Term::Any(w) => Matched::Any(w),
                })
            }
            Model::All(all) => {
                let i = all
                    .members
                    .iter()
                    .position(|(e, _)| elements.get(*e).is_some_and(|d| d.name.is(ns, local)))?;
                let seen = self.seen.get_mut(i)?;
                if *seen {
                    return None;
                }
                *seen = true;
                all.members.get(i).map(|(e, _)| Matched::Element(*e))
            }
        }
    }

    /// May the content end here?
    pub fn is_final(&self) -> bool {
        match self.model {
            Model::Automaton(a) => match self.current {
                None => a.nullable,
                Some(p) => a.accepting.get(p as usize).copied().unwrap_or(false),
            },
            Model::All(all) => {
                let none_seen = !self.seen.iter().any(|s| *s);
                (none_seen && all.optional)
                    || all
                        .members
                        .iter()
                        .zip(&self.seen)
                        .all(|((_, required), seen)| *seen || !*required)
            }
        }
    }

    /// Names the model would accept next (for messages), at most `limit`.
    pub fn expected(&self, elements: &[ElementDecl], limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut push = |s: String| {
            if !out.contains(&s) {
                out.push(s);
            }
        };
        match self.model {
            Model::Automaton(a) => {
                let candidates = match self.current {
                    None => &a.start,
                    Some(p) => match a.follow.get(p as usize) {
                        Some(f) => f,
                        None => return out,
                    },
                };
                for p in candidates {
                    if let Some(t) = a.terms.get(*p as usize) {
                        push(match t {
                            Term::Element(e) => elements
                                .get(*e)
                                .map_or_else(String::new, |d| d.name.local.clone()),
                            Term::Any(_) => "(an element of another namespace)".into(),
                        });
                    }
                }
            }
            Model::All(all) => {
                for ((e, _), seen) in all.members.iter().zip(&self.seen) {
                    if !seen && let Some(d) = elements.get(*e) {
                        push(d.name.local.clone());
                    }
                }
            }
        }
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xsd::model::{ExpName, Process, TypeRef};

    fn decls(names: &[&str]) -> Vec<ElementDecl> {
        names
            .iter()
            .map(|n| ElementDecl {
                name: ExpName::new(Some("urn:t"), n),
                ty: TypeRef::Simple(0),
                nillable: false,
                value_constraint: None,
                constraints: Vec::new(),
            })
            .collect()
    }

    fn el(id: ElemId, min: u32, max: Option<u32>) -> Particle {
        Particle {
            kind: ParticleKind::Term(Term::Element(id)),
            min,
            max,
        }
    }

    fn seq(items: Vec<Particle>, min: u32, max: Option<u32>) -> Particle {
        Particle {
            kind: ParticleKind::Sequence(items),
            min,
            max,
        }
    }

    fn choice(items: Vec<Particle>, min: u32, max: Option<u32>) -> Particle {
        Particle {
            kind: ParticleKind::Choice(items),
            min,
            max,
        }
    }

    fn any_other(min: u32, max: Option<u32>) -> Particle {
        Particle {
            kind: ParticleKind::Term(Term::Any(Wildcard {
                ns: NsConstraint::Not(Some("urn:t".into())),
                process: Process::Lax,
            })),
            min,
            max,
        }
    }

    /// Does the sequence of (namespace, name) children match the model?
    fn accepts(model: &Model, elements: &[ElementDecl], children: &[(&str, &str)]) -> bool {
        let mut m = Matcher::new(model);
        for (ns, local) in children {
            if m.step(elements, Some(ns), local).is_none() {
                return false;
            }
        }
        m.is_final()
    }

    fn names(s: &str) -> Vec<(&'static str, &str)> {
        s.split_whitespace().map(|n| ("urn:t", n)).collect()
    }

    #[test]
    fn sequence_with_bounds() {
        let d = decls(&["a", "b", "c"]);
        // a, b{2,3}, c?
        let p = seq(
            vec![el(0, 1, Some(1)), el(1, 2, Some(3)), el(2, 0, Some(1))],
            1,
            Some(1),
        );
        let m = compile_model(&p, &d).unwrap();
        for ok in ["a b b", "a b b b", "a b b c", "a b b b c"] {
            assert!(accepts(&m, &d, &names(ok)), "{ok}");
        }
        for bad in ["", "a", "a b", "a b b b b", "b b", "a b b c c", "a c"] {
            assert!(!accepts(&m, &d, &names(bad)), "{bad}");
        }
    }

    #[test]
    fn choices_repeat() {
        let d = decls(&["a", "b"]);
        // (a | b)+
        let p = choice(vec![el(0, 1, Some(1)), el(1, 1, Some(1))], 1, None);
        let m = compile_model(&p, &d).unwrap();
        assert!(accepts(&m, &d, &names("a b b a")));
        assert!(!accepts(&m, &d, &names("")));
        // An empty choice matches nothing; an optional one matches only nothing.
        let empty = choice(vec![], 1, Some(1));
        let m = compile_model(&empty, &d).unwrap();
        assert!(!accepts(&m, &d, &names("")));
        let m = compile_model(&choice(vec![], 0, Some(1)), &d).unwrap();
        assert!(accepts(&m, &d, &names("")));
    }

    #[test]
    fn repeated_optional_sequence_like_cyclonedx() {
        let d = decls(&["a", "b"]);
        // (a?, b?, ##other*)* — CycloneDX's extensible sequences.
        let p = seq(
            vec![el(0, 0, Some(1)), el(1, 0, Some(1)), any_other(0, None)],
            0,
            None,
        );
        let m = compile_model(&p, &d).unwrap();
        let mut children = names("a b a");
        children.insert(1, ("urn:x", "ext"));
        assert!(accepts(&m, &d, &children));
        assert!(!accepts(&m, &d, &[("urn:t", "zzz")]));
        assert!(
            !accepts(&m, &d, &[("urn:t", "ext")]),
            "##other excludes the target namespace"
        );
    }

    #[test]
    fn wildcard_other_rejects_unqualified() {
        let d = decls(&["a"]);
        let p = seq(vec![el(0, 1, Some(1)), any_other(0, None)], 1, Some(1));
        let m = compile_model(&p, &d).unwrap();
        let mut mm = Matcher::new(&m);
        assert!(mm.step(&d, Some("urn:t"), "a").is_some());
        assert!(mm.step(&d, None, "local").is_none());
        assert!(mm.step(&d, Some("urn:x"), "local").is_some());
    }

    #[test]
    fn non_deterministic_models_are_refused() {
        let d = decls(&["a", "b"]);
        // (a?, a) is ambiguous; (a | a) too; (a{0,2})? b fine.
        let p = seq(vec![el(0, 0, Some(1)), el(0, 1, Some(1))], 1, Some(1));
        assert!(compile_model(&p, &d).is_err());
        let p = choice(vec![el(0, 1, Some(1)), el(0, 1, Some(1))], 1, Some(1));
        assert!(compile_model(&p, &d).is_err());
        let p = seq(vec![el(0, 0, Some(2)), el(1, 1, Some(1))], 1, Some(1));
        assert!(compile_model(&p, &d).is_ok());
        let other = Particle {
            kind: ParticleKind::Term(Term::Any(Wildcard {
                ns: NsConstraint::Any,
                process: Process::Lax,
            })),
            min: 0,
            max: Some(1),
        };
        let p = seq(vec![other, el(0, 1, Some(1))], 1, Some(1));
        assert!(compile_model(&p, &d).is_err(), "##any competes with a");
    }

    #[test]
    fn all_groups() {
        let d = decls(&["a", "b"]);
        let p = Particle {
            kind: ParticleKind::All(vec![el(0, 1, Some(1)), el(1, 0, Some(1))]),
            min: 1,
            max: Some(1),
        };
        let m = compile_model(&p, &d).unwrap();
        assert!(accepts(&m, &d, &names("b a")));
        assert!(accepts(&m, &d, &names("a")));
        assert!(!accepts(&m, &d, &names("b")));
        assert!(!accepts(&m, &d, &names("a a")));
        let nested = seq(vec![p], 1, Some(1));
        assert!(compile_model(&nested, &d).is_err());
    }

    #[test]
    fn huge_bounds_are_refused() {
        let d = decls(&["a"]);
        assert!(compile_model(&el(0, 0, Some(5000)), &d).is_err());
        let nested = seq(
            vec![seq(vec![el(0, 0, Some(100))], 0, Some(100))],
            0,
            Some(100),
        );
        assert!(compile_model(&nested, &d).is_err(), "position budget");
    }

    #[test]
    fn matching_is_linear_in_children() {
        let d = decls(&["a", "b"]);
        let p = choice(vec![el(0, 1, Some(1)), el(1, 1, Some(1))], 0, None);
        let m = compile_model(&p, &d).unwrap();
        let mut mm = Matcher::new(&m);
        for i in 0..200_000 {
            let n = if i % 2 == 0 { "a" } else { "b" };
            assert!(mm.step(&d, Some("urn:t"), n).is_some());
        }
        assert!(mm.is_final());
    }
}

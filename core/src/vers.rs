//! Version ranges in the purl `vers` syntax (package-url/vers-spec): `vers:<scheme>/<constraints>`,
//! e.g. `vers:maven/>=2.0.0|<2.17.1`.
//!
//! Parsing follows the spec's "how to parse and validate": no whitespace; lowercase `vers`
//! scheme and version scheme; `*` alone or `|`-separated constraints (no empty ones, no leading
//! `=`), each a comparator (`<`, `<=`, `>`, `>=`, `!=`, or none for equality) and a
//! percent-decoded version. The constraints are then sorted by version (with the scheme's own
//! ordering) and validated: no version twice, and no redundant neighbours (`>=1|>2`, `<1|<=2`,
//! `1|<2`, …: the spec's invalid pairs). Invalid input is rejected, never silently repaired.
//! Stricter than the spec in one place: a range made only of `!=` constraints contains nothing
//! under the spec's containment rule, so it is rejected rather than quietly matching nothing.
//!
//! Version orderings (unknown schemes are an error that lists these, so nothing is compared with
//! the wrong rules):
//! - `semver`, `npm`, `cargo`, `golang` (leading `v` allowed), `nuget` (four numbers,
//!   case-insensitive pre-release): SemVer 2.0 — numeric release (1 to 4 numbers, missing ones
//!   are 0), a pre-release sorts before its release and compares identifier by identifier
//!   (numbers numerically, below text), build metadata (`+…`) is ignored.
//! - `gem`: RubyGems — segments of digits or letters, a letter segment marks a pre-release.
//! - `maven`: Maven's `ComparableVersion` — `alpha` < `beta` < `milestone` < `rc` = `cr` <
//!   `snapshot` < `""` = `ga` = `final` = `release` < `sp` < other qualifiers; `1.0` = `1`.
//! - `pypi`: PEP 440 — epoch, release, `a`/`b`/`rc` pre-releases, post- and dev-releases,
//!   local versions.
//! - `deb`: dpkg — epoch, upstream version and revision, `~` before everything.
//! - `generic`: runs of digits compared numerically, runs of letters lexically, other
//!   characters separate; numbers sort above letters, and a prefix sorts first.

use crate::code::{Code, excerpt};
use crate::limits;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A version scheme Cairn can compare versions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Semver,
    Npm,
    Cargo,
    Golang,
    Nuget,
    Gem,
    Maven,
    Pypi,
    Deb,
    Generic,
}

impl Scheme {
    pub const ALL: [Scheme; 10] = [
        Scheme::Semver,
        Scheme::Npm,
        Scheme::Cargo,
        Scheme::Golang,
        Scheme::Nuget,
        Scheme::Gem,
        Scheme::Maven,
        Scheme::Pypi,
        Scheme::Deb,
        Scheme::Generic,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Npm => "npm",
            Scheme::Cargo => "cargo",
            Scheme::Golang => "golang",
            Scheme::Nuget => "nuget",
            Scheme::Gem => "gem",
            Scheme::Maven => "maven",
            Scheme::Pypi => "pypi",
            Scheme::Deb => "deb",
            Scheme::Generic => "generic",
        }
    }

    /// The scheme whose versions a purl type uses, when Cairn knows it (the purl type and the
    /// vers scheme share a name).
    pub fn for_purl_type(ty: &str) -> Option<Scheme> {
        Scheme::ALL
            .into_iter()
            .find(|s| s.as_str() == ty && *s != Scheme::Semver)
    }

    fn supported() -> String {
        Scheme::ALL.map(Scheme::as_str).join(", ")
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = VersError;
    fn from_str(s: &str) -> Result<Self, VersError> {
        Scheme::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| VersError::UnsupportedScheme {
                scheme: excerpt(s, 32),
                supported: Scheme::supported(),
            })
    }
}

/// How a constraint relates a version to its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// No comparator in the syntax: exactly this version.
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparator {
    pub const fn as_str(self) -> &'static str {
        match self {
            Comparator::Eq => "",
            Comparator::Ne => "!=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// One constraint: a comparator and a version (decoded).
#[derive(Debug, Clone)]
pub struct Constraint {
    pub comparator: Comparator,
    pub version: String,
    key: Key,
}

impl PartialEq for Constraint {
    fn eq(&self, other: &Self) -> bool {
        self.comparator == other.comparator && self.version == other.version
    }
}
impl Eq for Constraint {}

/// A parsed, sorted and validated `vers` range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VersionRange {
    scheme: Scheme,
    /// Empty means `*` (every version).
    constraints: Vec<Constraint>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersError {
    #[error("version range is {len} characters long; at most {max} are accepted")]
    TooLong { len: usize, max: usize },
    #[error("version range {0:?} does not start with \"vers:<scheme>/\"")]
    Syntax(String),
    #[error("version scheme {scheme:?} is not supported (supported: {supported})")]
    UnsupportedScheme { scheme: String, supported: String },
    #[error("version range {range:?}: {reason}")]
    InvalidConstraints { range: String, reason: String },
    #[error("{scheme} version {version:?} is invalid: {reason}")]
    InvalidVersion {
        scheme: Scheme,
        version: String,
        reason: &'static str,
    },
}

impl VersError {
    /// A range arrives as a request parameter or a policy field.
    pub fn code(&self) -> Code {
        Code::InvalidRequest
    }
}

impl VersionRange {
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The constraints, sorted by version; empty for `*`.
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// Is `version` in this range? Follows the vers spec's containment procedure. An invalid
    /// version (for this range's scheme) is an error, never "not contained".
    pub fn contains(&self, version: &str) -> Result<bool, VersError> {
        let v = Key::parse(self.scheme, version)?;
        if self.constraints.is_empty() {
            return Ok(true);
        }
        for c in &self.constraints {
            if v.cmp(&c.key) == Ordering::Equal {
                match c.comparator {
                    Comparator::Eq | Comparator::Le | Comparator::Ge => return Ok(true),
                    Comparator::Ne => return Ok(false),
                    Comparator::Lt | Comparator::Gt => {}
                }
            }
        }
        let ranges: Vec<&Constraint> = self
            .constraints
            .iter()
            .filter(|c| !matches!(c.comparator, Comparator::Eq | Comparator::Ne))
            .collect();
        let (Some(first), Some(last)) = (ranges.first(), ranges.last()) else {
            return Ok(false);
        };
        let is_upper = |c: &Constraint| matches!(c.comparator, Comparator::Lt | Comparator::Le);
        let is_lower = |c: &Constraint| matches!(c.comparator, Comparator::Gt | Comparator::Ge);
        if is_upper(first) && v < first.key {
            return Ok(true);
        }
        if is_lower(last) && v > last.key {
            return Ok(true);
        }
        for pair in ranges.windows(2) {
            if let [lo, hi] = pair
                && is_lower(lo)
                && is_upper(hi)
                && v > lo.key
                && v < hi.key
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The canonical string: `vers:<scheme>/` and the sorted constraints joined with `|`.
    pub fn to_canonical(&self) -> String {
        let mut s = format!("vers:{}/", self.scheme);
        if self.constraints.is_empty() {
            s.push('*');
        }
        for (i, c) in self.constraints.iter().enumerate() {
            if i > 0 {
                s.push('|');
            }
            s.push_str(c.comparator.as_str());
            encode_version(&mut s, &c.version);
        }
        s
    }
}

/// Compare two versions under a scheme's rules.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersError> {
    Ok(Key::parse(scheme, a)?.cmp(&Key::parse(scheme, b)?))
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical())
    }
}

impl From<VersionRange> for String {
    fn from(r: VersionRange) -> String {
        r.to_canonical()
    }
}

impl TryFrom<String> for VersionRange {
    type Error = VersError;
    fn try_from(s: String) -> Result<Self, VersError> {
        s.parse()
    }
}

impl FromStr for VersionRange {
    type Err = VersError;

    fn from_str(input: &str) -> Result<Self, VersError> {
        if input.len() > limits::MAX_PURL_CHARS {
            return Err(VersError::TooLong {
                len: input.len(),
                max: limits::MAX_PURL_CHARS,
            });
        }
        let invalid = |reason: &str| VersError::InvalidConstraints {
            range: excerpt(input, 120),
            reason: reason.to_owned(),
        };
        if input.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(invalid("whitespace must be percent-encoded"));
        }
        let spec = input
            .strip_prefix("vers:")
            .ok_or_else(|| VersError::Syntax(excerpt(input, 120)))?;
        let (scheme, constraints) = spec
            .split_once('/')
            .ok_or_else(|| VersError::Syntax(excerpt(input, 120)))?;
        let scheme: Scheme = scheme.parse()?;
        if constraints.is_empty() {
            return Err(invalid("no constraints"));
        }
        if constraints == "*" {
            return Ok(VersionRange {
                scheme,
                constraints: Vec::new(),
            });
        }
        if constraints.starts_with('|') || constraints.ends_with('|') {
            return Err(invalid("leading or trailing '|'"));
        }
        let mut parsed = Vec::new();
        for raw in constraints.split('|') {
            if raw.is_empty() {
                return Err(invalid("empty constraint between '|'"));
            }
            if raw.contains('*') {
                return Err(invalid("'*' must stand alone"));
            }
            let (comparator, version) = [
                (">=", Comparator::Ge),
                ("<=", Comparator::Le),
                ("!=", Comparator::Ne),
                ("<", Comparator::Lt),
                (">", Comparator::Gt),
            ]
            .into_iter()
            .find_map(|(prefix, c)| raw.strip_prefix(prefix).map(|rest| (c, rest)))
            .unwrap_or((Comparator::Eq, raw));
            if version.starts_with('=') || (comparator == Comparator::Eq && raw.starts_with('=')) {
                return Err(invalid("'=' is implicit: write the bare version"));
            }
            if version.is_empty() {
                return Err(invalid("a constraint has no version"));
            }
            let version = crate::purl::decode(version)
                .map_err(|_| invalid("invalid percent-encoding in a version"))?;
            let key = Key::parse(scheme, &version)?;
            parsed.push(Constraint {
                comparator,
                version,
                key,
            });
        }
        parsed.sort_by(|a, b| a.key.cmp(&b.key));
        for pair in parsed.windows(2) {
            if let [a, b] = pair
                && a.key == b.key
            {
                return Err(invalid(&format!(
                    "{:?} and {:?} are the same version",
                    excerpt(&a.version, 64),
                    excerpt(&b.version, 64)
                )));
            }
        }
        let ranges: Vec<&Constraint> = parsed
            .iter()
            .filter(|c| c.comparator != Comparator::Ne)
            .collect();
        if ranges.is_empty() {
            return Err(invalid(
                "only '!=' constraints: such a range contains no version",
            ));
        }
        for pair in ranges.windows(2) {
            if let [a, b] = pair {
                use Comparator::{Eq, Ge, Gt, Le, Lt};
                let redundant = matches!(
                    (a.comparator, b.comparator),
                    (Eq | Lt | Le, Lt | Le) | (Gt | Ge, Eq | Gt | Ge)
                );
                if redundant {
                    return Err(invalid(&format!(
                        "'{}{}' followed by '{}{}' is redundant",
                        a.comparator.as_str(),
                        excerpt(&a.version, 64),
                        b.comparator.as_str(),
                        excerpt(&b.version, 64)
                    )));
                }
            }
        }
        Ok(VersionRange {
            scheme,
            constraints: parsed,
        })
    }
}

/// Percent-encode what would break the syntax: `%`, `|`, whitespace, controls, non-ASCII.
fn encode_version(out: &mut String, v: &str) {
    for b in v.bytes() {
        if b.is_ascii_graphic() && b != b'%' && b != b'|' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Version keys: a version parsed under one scheme, ordered by that scheme's rules.

#[derive(Debug, Clone)]
enum Key {
    Semver(SemverKey),
    Gem(Vec<GemSegment>),
    Maven(Vec<MavenItem>),
    Pypi(PypiKey),
    Deb(DebKey),
    Generic(Vec<GenericToken>),
}

impl Key {
    fn parse(scheme: Scheme, v: &str) -> Result<Key, VersError> {
        let fail = |reason: &'static str| VersError::InvalidVersion {
            scheme,
            version: excerpt(v, 64),
            reason,
        };
        if v.is_empty() {
            return Err(fail("empty"));
        }
        if v.len() > limits::MAX_VERSION_CHARS {
            return Err(fail("too long"));
        }
        let key = match scheme {
            Scheme::Semver | Scheme::Npm | Scheme::Cargo | Scheme::Golang | Scheme::Nuget => {
                Key::Semver(semver(scheme, v).map_err(fail)?)
            }
            Scheme::Gem => Key::Gem(gem(v).map_err(fail)?),
            Scheme::Maven => Key::Maven(maven(v)),
            Scheme::Pypi => Key::Pypi(pypi(v).map_err(fail)?),
            Scheme::Deb => Key::Deb(deb(v).map_err(fail)?),
            Scheme::Generic => Key::Generic(generic(v)),
        };
        Ok(key)
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Semver(_) => 0,
            Key::Gem(_) => 1,
            Key::Maven(_) => 2,
            Key::Pypi(_) => 3,
            Key::Deb(_) => 4,
            Key::Generic(_) => 5,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Semver(a), Key::Semver(b)) => a.cmp(b),
            (Key::Gem(a), Key::Gem(b)) => gem_cmp(a, b),
            (Key::Maven(a), Key::Maven(b)) => maven_list_cmp(a, b),
            (Key::Pypi(a), Key::Pypi(b)) => a.cmp(b),
            (Key::Deb(a), Key::Deb(b)) => deb_cmp(a, b),
            (Key::Generic(a), Key::Generic(b)) => a.cmp(b),
            // Keys of one range share a scheme; different schemes never meet.
            _ => self.rank().cmp(&other.rank()),
        }
    }
}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}

/// An unsigned number of any length, compared by value (no overflow on long digit runs).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Num(String);

impl Num {
    /// From ASCII digits (at least one).
    fn new(digits: &str) -> Num {
        let trimmed = digits.trim_start_matches('0');
        Num(trimmed.to_owned())
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.cmp(&other.0))
    }
}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

// --- SemVer family ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    // Declaration order is the ordering: numeric identifiers sort below alphanumeric ones.
    Num(Num),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SemverKey {
    /// Exactly four numbers (missing ones are 0).
    release: [Num; 4],
    pre: Vec<Ident>,
}

impl Ord for SemverKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.release.cmp(&other.release).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release sorts before its release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}
impl PartialOrd for SemverKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn semver(scheme: Scheme, v: &str) -> Result<SemverKey, &'static str> {
    let v = match scheme {
        Scheme::Npm | Scheme::Golang | Scheme::Semver => v.strip_prefix('v').unwrap_or(v),
        _ => v,
    };
    let (v, build) = match v.split_once('+') {
        Some((v, b)) => (v, Some(b)),
        None => (v, None),
    };
    if let Some(b) = build {
        let ok = b
            .split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
        if !ok {
            return Err("invalid build metadata");
        }
    }
    let (release, pre) = match v.split_once('-') {
        Some((r, p)) => (r, Some(p)),
        None => (v, None),
    };
    let numbers: Vec<&str> = release.split('.').collect();
    if numbers.len() > 4 || !numbers.iter().all(|n| all_digits(n)) {
        return Err("the release must be 1 to 4 dot-separated numbers");
    }
    let mut key = SemverKey {
        release: [Num::new("0"), Num::new("0"), Num::new("0"), Num::new("0")],
        pre: Vec::new(),
    };
    for (slot, n) in key.release.iter_mut().zip(&numbers) {
        *slot = Num::new(n);
    }
    if let Some(pre) = pre {
        for id in pre.split('.') {
            if id.is_empty() || !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
                return Err("invalid pre-release identifier");
            }
            key.pre.push(if all_digits(id) {
                Ident::Num(Num::new(id))
            } else if scheme == Scheme::Nuget {
                Ident::Text(id.to_ascii_lowercase())
            } else {
                Ident::Text(id.to_owned())
            });
        }
    }
    Ok(key)
}

// --- RubyGems --------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum GemSegment {
    Num(Num),
    Text(String),
}

fn gem(v: &str) -> Result<Vec<GemSegment>, &'static str> {
    if !v
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err("only letters, digits, '.' and '-' are allowed");
    }
    // RubyGems reads "1.0-beta" as "1.0.pre.beta".
    let v = v.replace('-', ".pre.");
    let mut segments = Vec::new();
    for part in v.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        while let Some(first) = rest.chars().next() {
            let digit = first.is_ascii_digit();
            let end = rest
                .find(|c: char| c.is_ascii_digit() != digit)
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            segments.push(if digit {
                GemSegment::Num(Num::new(run))
            } else {
                GemSegment::Text(run.to_owned())
            });
            rest = tail;
        }
    }
    if segments.is_empty() {
        return Err("no version segments");
    }
    Ok(segments)
}

fn gem_cmp(a: &[GemSegment], b: &[GemSegment]) -> Ordering {
    let zero = GemSegment::Num(Num::new("0"));
    for i in 0..a.len().max(b.len()) {
        let l = a.get(i).unwrap_or(&zero);
        let r = b.get(i).unwrap_or(&zero);
        let ord = match (l, r) {
            (GemSegment::Num(x), GemSegment::Num(y)) => x.cmp(y),
            (GemSegment::Text(x), GemSegment::Text(y)) => x.cmp(y),
            // A letter segment (pre-release) sorts below any number.
            (GemSegment::Text(_), GemSegment::Num(_)) => Ordering::Less,
            (GemSegment::Num(_), GemSegment::Text(_)) => Ordering::Greater,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

// --- Maven ComparableVersion -----------------------------------------------------------------

#[derive(Debug, Clone)]
enum MavenItem {
    Int(Num),
    Str(String),
    List(Vec<MavenItem>),
}

/// Maven's qualifier order; `""` is the release itself (after aliasing ga/final/release).
const MAVEN_QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn maven_qualifier_rank(q: &str) -> (usize, &str) {
    match MAVEN_QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        // Unknown qualifiers sort after all known ones, lexically among themselves.
        None => (MAVEN_QUALIFIERS.len(), q),
    }
}

fn maven_string(s: &str, followed_by_digit: bool) -> MavenItem {
    let s = match (s, followed_by_digit) {
        ("a", true) => "alpha",
        ("b", true) => "beta",
        ("m", true) => "milestone",
        _ => s,
    };
    let s = match s {
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    MavenItem::Str(s.to_owned())
}

fn maven_item(digits: bool, s: &str) -> MavenItem {
    if digits {
        MavenItem::Int(Num::new(s))
    } else {
        maven_string(s, false)
    }
}

impl MavenItem {
    fn is_null(&self) -> bool {
        match self {
            MavenItem::Int(n) => n.is_zero(),
            MavenItem::Str(s) => s.is_empty(),
            MavenItem::List(l) => l.is_empty(),
        }
    }
}

/// Parse as Maven's `ComparableVersion` does: `.` separates items, `-` and a switch between
/// digits and letters open a nested list; trailing "null" items (0, "", empty lists) are
/// dropped from each list, innermost first. Nesting is bounded by the version length.
fn maven(v: &str) -> Vec<MavenItem> {
    let v = v.to_lowercase();
    // Each entry is one list of the chain main -> sublist -> sub-sublist …; a new sublist is
    // always the last item of the list before it, and items are only ever added to the newest.
    let mut chain: Vec<Vec<MavenItem>> = vec![Vec::new()];
    let mut start = 0usize;
    let mut digits = false;
    fn push(chain: &mut [Vec<MavenItem>], item: MavenItem) {
        if let Some(list) = chain.last_mut() {
            list.push(item);
        }
    }
    for (i, c) in v.char_indices() {
        let token = v.get(start..i).unwrap_or("");
        if c == '.' {
            push(
                &mut chain,
                if token.is_empty() {
                    MavenItem::Int(Num::new("0"))
                } else {
                    maven_item(digits, token)
                },
            );
            start = i + 1;
        } else if c == '-' {
            push(
                &mut chain,
                if token.is_empty() {
                    MavenItem::Int(Num::new("0"))
                } else {
                    maven_item(digits, token)
                },
            );
            start = i + 1;
            chain.push(Vec::new());
        } else if c.is_ascii_digit() {
            if !digits && !token.is_empty() {
                push(&mut chain, maven_string(token, true));
                start = i;
                chain.push(Vec::new());
            }
            digits = true;
        } else {
            if digits && !token.is_empty() {
                push(&mut chain, maven_item(true, token));
                start = i;
                chain.push(Vec::new());
            }
            digits = false;
        }
    }
    if let Some(token) = v.get(start..).filter(|t| !t.is_empty()) {
        push(&mut chain, maven_item(digits, token));
    }
    // Fold the chain from the innermost list outwards, normalising each.
    let mut inner: Option<Vec<MavenItem>> = None;
    while let Some(mut list) = chain.pop() {
        if let Some(child) = inner.take() {
            list.push(MavenItem::List(child));
        }
        maven_normalize(&mut list);
        inner = Some(list);
    }
    inner.unwrap_or_default()
}

fn maven_normalize(list: &mut Vec<MavenItem>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        match list.get(i) {
            Some(item) if item.is_null() => {
                list.remove(i);
            }
            Some(MavenItem::List(_)) => {}
            _ => break,
        }
    }
}

/// Compare an item with a missing one (`None` pads the shorter list).
fn maven_cmp_opt(l: Option<&MavenItem>, r: Option<&MavenItem>) -> Ordering {
    match (l, r) {
        (None, None) => Ordering::Equal,
        (Some(l), None) => maven_cmp_null(l),
        (None, Some(r)) => maven_cmp_null(r).reverse(),
        (Some(l), Some(r)) => maven_cmp(l, r),
    }
}

fn maven_cmp_null(item: &MavenItem) -> Ordering {
    match item {
        MavenItem::Int(n) => {
            if n.is_zero() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        MavenItem::Str(s) => maven_qualifier_rank(s).cmp(&maven_qualifier_rank("")),
        MavenItem::List(l) => l.first().map_or(Ordering::Equal, maven_cmp_null),
    }
}

fn maven_cmp(l: &MavenItem, r: &MavenItem) -> Ordering {
    use MavenItem::{Int, List, Str};
    match (l, r) {
        (Int(a), Int(b)) => a.cmp(b),
        (Int(_), Str(_) | List(_)) => Ordering::Greater,
        (Str(_), Int(_)) => Ordering::Less,
        (Str(a), Str(b)) => maven_qualifier_rank(a).cmp(&maven_qualifier_rank(b)),
        (Str(_), List(_)) => Ordering::Less,
        (List(_), Int(_)) => Ordering::Less,
        (List(_), Str(_)) => Ordering::Greater,
        (List(a), List(b)) => maven_list_cmp(a, b),
    }
}

fn maven_list_cmp(a: &[MavenItem], b: &[MavenItem]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let ord = maven_cmp_opt(a.get(i), b.get(i));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

// --- PEP 440 ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum PreKey {
    /// A dev release of a final version (`1.0.dev1`) sorts before its pre-releases.
    BeforeAll,
    Pre(u8, Num),
    /// No pre-release: after every pre-release.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum LocalPart {
    // Declaration order: alphanumeric parts sort below numeric ones.
    Text(String),
    Num(Num),
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PypiKey {
    epoch: Num,
    /// Trailing zeros removed: `1.0` == `1`.
    release: Vec<Num>,
    pre: PreKey,
    /// `None` (no post-release) sorts first.
    post: Option<Num>,
    /// `(true, _)` = no dev release, which sorts after every dev release.
    dev: (bool, Num),
    /// `None` (no local part) sorts first.
    local: Option<Vec<LocalPart>>,
}

/// A tiny cursor over an ASCII, lowercase version string.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }
    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }
    fn eat_sep(&mut self) -> bool {
        self.eat(".") || self.eat("-") || self.eat("_")
    }
    fn digits(&mut self) -> Option<Num> {
        let rest = self.rest();
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        let run = rest.get(..n).filter(|r| !r.is_empty())?;
        self.pos += n;
        Some(Num::new(run))
    }
    /// Try `f`; on `None`, rewind.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let saved = self.pos;
        let out = f(self);
        if out.is_none() {
            self.pos = saved;
        }
        out
    }
}

fn pypi(v: &str) -> Result<PypiKey, &'static str> {
    let lower = v.to_ascii_lowercase();
    let mut c = Cursor { s: &lower, pos: 0 };
    c.eat("v");
    let epoch = c
        .attempt(|c| {
            let n = c.digits()?;
            c.eat("!").then_some(n)
        })
        .unwrap_or_else(|| Num::new("0"));
    let mut release = vec![c.digits().ok_or("no release number")?];
    while let Some(n) = c.attempt(|c| {
        c.eat(".").then_some(())?;
        c.digits()
    }) {
        release.push(n);
    }
    while release.last().is_some_and(Num::is_zero) && release.len() > 1 {
        release.pop();
    }
    let pre = c.attempt(|c| {
        c.eat_sep();
        let kind = [
            ("alpha", 0u8),
            ("a", 0),
            ("beta", 1),
            ("b", 1),
            ("preview", 2),
            ("pre", 2),
            ("rc", 2),
            ("c", 2),
        ]
        .into_iter()
        .find_map(|(word, k)| c.eat(word).then_some(k))?;
        c.eat_sep();
        Some((kind, c.digits().unwrap_or_else(|| Num::new("0"))))
    });
    let post = c
        .attempt(|c| {
            c.eat("-").then_some(())?;
            c.digits()
        })
        .or_else(|| {
            c.attempt(|c| {
                c.eat_sep();
                if !(c.eat("post") || c.eat("rev") || c.eat("r")) {
                    return None;
                }
                c.eat_sep();
                Some(c.digits().unwrap_or_else(|| Num::new("0")))
            })
        });
    let dev = c.attempt(|c| {
        c.eat_sep();
        if !c.eat("dev") {
            return None;
        }
        c.eat_sep();
        Some(c.digits().unwrap_or_else(|| Num::new("0")))
    });
    let local = if c.eat("+") {
        let rest = c.rest();
        let mut parts = Vec::new();
        for part in rest.split(['.', '-', '_']) {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("invalid local version label");
            }
            parts.push(if all_digits(part) {
                LocalPart::Num(Num::new(part))
            } else {
                LocalPart::Text(part.to_owned())
            });
        }
        c.pos = lower.len();
        Some(parts)
    } else {
        None
    };
    if !c.rest().is_empty() {
        return Err("not a PEP 440 version");
    }
    let pre_key = match (&pre, &post, &dev) {
        (None, None, Some(_)) => PreKey::BeforeAll,
        (None, _, _) => PreKey::None,
        (Some((kind, n)), _, _) => PreKey::Pre(*kind, n.clone()),
    };
    Ok(PypiKey {
        epoch,
        release,
        pre: pre_key,
        post,
        dev: match dev {
            Some(n) => (false, n),
            None => (true, Num::new("0")),
        },
        local,
    })
}

// --- Debian (dpkg) ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct DebKey {
    epoch: Num,
    upstream: String,
    revision: String,
}

fn deb(v: &str) -> Result<DebKey, &'static str> {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if all_digits(e) => (Num::new(e), rest),
        Some(_) => return Err("the epoch must be a number"),
        None => (Num::new("0"), v),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    let allowed = |s: &str, extra: &[u8]| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.~".contains(&b) || extra.contains(&b))
    };
    if upstream.is_empty() || !allowed(upstream, b"-:") || !allowed(revision, b"") {
        return Err(
            "only letters, digits and '.+~-:' are allowed, with a non-empty upstream version",
        );
    }
    Ok(DebKey {
        epoch,
        upstream: upstream.to_owned(),
        revision: revision.to_owned(),
    })
}

fn deb_cmp(a: &DebKey, b: &DebKey) -> Ordering {
    a.epoch
        .cmp(&b.epoch)
        .then_with(|| dpkg_verrevcmp(&a.upstream, &b.upstream))
        .then_with(|| dpkg_verrevcmp(&a.revision, &b.revision))
}

/// dpkg's character order in non-digit runs: `~` first, then the end of the string, then
/// letters, then everything else.
fn dpkg_order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn dpkg_verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit(a, i)) || (j < b.len() && !digit(b, j)) {
            let (ac, bc) = (dpkg_order(a.get(i).copied()), dpkg_order(b.get(j).copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        let start_i = i;
        while digit(a, i) {
            i += 1;
        }
        let start_j = j;
        while digit(b, j) {
            j += 1;
        }
        let na = Num::new(std::str::from_utf8(a.get(start_i..i).unwrap_or(b"")).unwrap_or(""));
        let nb = Num::new(std::str::from_utf8(b.get(start_j..j).unwrap_or(b"")).unwrap_or(""));
        match na.cmp(&nb) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

// --- generic ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum GenericToken {
    // Declaration order: letter runs sort below numbers.
    Text(String),
    Num(Num),
}

fn generic(v: &str) -> Vec<GenericToken> {
    let mut tokens = Vec::new();
    let mut rest = v;
    while let Some(first) = rest.chars().next() {
        if first.is_ascii_digit() {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            tokens.push(GenericToken::Num(Num::new(run)));
            rest = tail;
        } else if first.is_alphabetic() {
            let end = rest
                .find(|c: char| !c.is_alphabetic())
                .unwrap_or(rest.len());
            let (run, tail) = rest.split_at(end);
            tokens.push(GenericToken::Text(run.to_owned()));
            rest = tail;
        } else {
            rest = rest.get(first.len_utf8()..).unwrap_or("");
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> VersionRange {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    /// Assert that each version is strictly greater than the one before it, and equal to itself.
    fn assert_ascending(scheme: Scheme, versions: &[&str]) {
        for pair in versions.windows(2) {
            let ord = compare(scheme, pair[0], pair[1]).unwrap();
            assert_eq!(ord, Ordering::Less, "{scheme}: {} < {}", pair[0], pair[1]);
            let back = compare(scheme, pair[1], pair[0]).unwrap();
            assert_eq!(
                back,
                Ordering::Greater,
                "{scheme}: {} > {}",
                pair[1],
                pair[0]
            );
        }
        for v in versions {
            assert_eq!(compare(scheme, v, v).unwrap(), Ordering::Equal, "{v}");
        }
    }

    fn assert_equal(scheme: Scheme, pairs: &[(&str, &str)]) {
        for (a, b) in pairs {
            assert_eq!(
                compare(scheme, a, b).unwrap(),
                Ordering::Equal,
                "{scheme}: {a} == {b}"
            );
        }
    }

    #[test]
    fn log4shell_range() {
        let r = range("vers:maven/>=2.0.0|<2.17.1");
        assert!(r.contains("2.14.1").unwrap());
        assert!(r.contains("2.0.0").unwrap());
        assert!(r.contains("2.0").unwrap());
        assert!(r.contains("2.17.0").unwrap());
        assert!(r.contains("2.17.1-rc1").unwrap());
        assert!(!r.contains("2.17.1").unwrap());
        assert!(!r.contains("2.17.2").unwrap());
        assert!(!r.contains("1.2.17").unwrap());
        assert!(!r.contains("2.0.0-beta9").unwrap());
        assert_eq!(r.to_canonical(), "vers:maven/>=2.0.0|<2.17.1");
    }

    #[test]
    fn npm_prerelease_ordering() {
        // SemVer 2.0 §11 example, in order.
        assert_ascending(
            Scheme::Npm,
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
                "1.0.1",
                "1.1.0",
                "2.0.0",
                "10.0.0",
            ],
        );
        assert_equal(
            Scheme::Npm,
            &[("1.0.0+build.1", "1.0.0+build.2"), ("v1.2.3", "1.2.3")],
        );
        let r = range("vers:npm/>=1.0.0-beta|<1.0.0");
        assert!(r.contains("1.0.0-beta.2").unwrap());
        assert!(r.contains("1.0.0-rc.1").unwrap());
        assert!(!r.contains("1.0.0-alpha").unwrap());
        assert!(!r.contains("1.0.0").unwrap());
        let exact = range("vers:npm/3.3.6");
        assert!(exact.contains("3.3.6").unwrap());
        assert!(!exact.contains("3.3.6-0").unwrap());
    }

    #[test]
    fn semver_family_rejects_what_is_not_a_version() {
        for v in [
            "1.x",
            "",
            "1..2",
            "a.b.c",
            "1.2.3.4.5",
            "1.0.0-",
            "1.0.0-a..b",
            "1.0+",
        ] {
            assert!(compare(Scheme::Cargo, v, "1.0.0").is_err(), "{v}");
        }
        assert!(
            compare(Scheme::Cargo, "v1.0.0", "1.0.0").is_err(),
            "cargo has no v prefix"
        );
        assert_eq!(
            compare(Scheme::Golang, "v1.2.3", "1.2.3").unwrap(),
            Ordering::Equal
        );
        assert_eq!(
            compare(
                Scheme::Golang,
                "v0.0.0-20210101000000-abcdef123456",
                "v0.0.1"
            )
            .unwrap(),
            Ordering::Less
        );
        // NuGet: four numbers, case-insensitive labels.
        assert_ascending(
            Scheme::Nuget,
            &["1.0.0.0-beta", "1.0.0", "1.0.0.1", "1.0.1"],
        );
        assert_equal(
            Scheme::Nuget,
            &[("1.0.0-BETA", "1.0.0-beta"), ("1.0", "1.0.0.0")],
        );
        // Huge numbers compare by value without overflowing.
        assert_ascending(
            Scheme::Semver,
            &[
                "99999999999999999999999.0.0",
                "100000000000000000000000.0.0",
            ],
        );
    }

    #[test]
    fn maven_qualifier_ordering() {
        assert_ascending(
            Scheme::Maven,
            &[
                "1.0-alpha-1",
                "1.0-alpha-2",
                "1.0-beta",
                "1.0-milestone-1",
                "1.0-rc1",
                "1.0-snapshot",
                "1.0",
                "1.0-sp",
                "1.0-whatever",
                "1.0.1",
                "1.1",
                "2.0",
                "10",
            ],
        );
        assert_equal(
            Scheme::Maven,
            &[
                ("1.0", "1"),
                ("1.0.0", "1"),
                ("1.0-ga", "1"),
                ("1.0-final", "1.0"),
                ("1.0-RELEASE", "1"),
                ("1.0-cr1", "1.0-rc1"),
                ("1.0a1", "1.0-alpha-1"),
                ("1.0-b2", "1.0-beta-2"),
                ("1.0.0-SNAPSHOT", "1-snapshot"),
            ],
        );
        assert_ascending(
            Scheme::Maven,
            &["2.0.0-beta9", "2.0.0", "2.14.1", "2.17.0", "2.17.1"],
        );
    }

    #[test]
    fn pypi_pep440_ordering() {
        assert_ascending(
            Scheme::Pypi,
            &[
                "1.0.dev0",
                "1.0a1.dev1",
                "1.0a1",
                "1.0b2",
                "1.0rc1",
                "1.0",
                "1.0+local.1",
                "1.0.post1.dev1",
                "1.0.post1",
                "1.1.dev1",
                "1.1",
                "2.0",
                "1!0.5",
            ],
        );
        assert_equal(
            Scheme::Pypi,
            &[
                ("1.0", "1"),
                ("1.0.0", "v1"),
                ("1.0-1", "1.0.post1"),
                ("1.0alpha1", "1.0a1"),
                ("1.0-c1", "1.0rc1"),
                ("1.0.dev", "1.0.dev0"),
                ("1.0RC1", "1.0rc1"),
            ],
        );
        for bad in ["", "1.0.x", "one", "1.0+", "1.0+a..b", "1.0 "] {
            assert!(compare(Scheme::Pypi, bad, "1.0").is_err(), "{bad:?}");
        }
        let r = range("vers:pypi/>=2.0|<2.3.1");
        assert!(r.contains("2.3.1rc1").unwrap());
        assert!(!r.contains("2.3.1").unwrap());
        assert!(!r.contains("2.0rc1").unwrap());
    }

    #[test]
    fn deb_ordering_follows_dpkg() {
        assert_ascending(
            Scheme::Deb,
            &[
                "1.0~rc1",
                "1.0",
                "1.0-1",
                "1.0-1ubuntu1",
                "1.0a",
                "1.0+dfsg-1",
                "1.1",
                "1:0.9",
            ],
        );
        assert_equal(
            Scheme::Deb,
            &[("1.0", "0:1.0"), ("1.0-0", "1.0"), ("1.01", "1.1")],
        );
        assert!(compare(Scheme::Deb, "x:1.0", "1.0").is_err());
    }

    #[test]
    fn gem_and_generic_ordering() {
        assert_ascending(
            Scheme::Gem,
            &[
                "1.0.0.a",
                "1.0.0.beta1",
                "1.0.0.pre",
                "1.0.0.rc1",
                "1.0.0",
                "1.0.1",
                "1.10",
            ],
        );
        assert_equal(Scheme::Gem, &[("1.0", "1"), ("1.0-beta", "1.0.pre.beta")]);
        assert_ascending(
            Scheme::Generic,
            &["1.0", "1.0a", "1.0.1", "1.2", "1.10", "2"],
        );
    }

    #[test]
    fn parses_normalises_and_prints_canonically() {
        let r = range("vers:npm/<2.0.0|>=1.0.0|!=1.5.0");
        assert_eq!(r.to_canonical(), "vers:npm/>=1.0.0|!=1.5.0|<2.0.0");
        assert_eq!(r.constraints().len(), 3);
        assert!(r.contains("1.2.0").unwrap());
        assert!(!r.contains("1.5.0").unwrap());
        assert!(!r.contains("2.0.0").unwrap());
        assert_eq!(range(&r.to_canonical()), r);
        let any = range("vers:generic/*");
        assert!(any.constraints().is_empty());
        assert!(any.contains("anything-1").unwrap());
        assert_eq!(any.to_canonical(), "vers:generic/*");
        let spaced = range("vers:maven/1.0.0%20Final");
        assert!(spaced.contains("1.0.0 Final").unwrap());
        assert_eq!(spaced.to_canonical(), "vers:maven/1.0.0%20Final");
        // Several exact versions and several disjoint intervals.
        let list = range("vers:pypi/1.0|2.0|3.0");
        assert!(list.contains("2.0").unwrap() && !list.contains("2.5").unwrap());
        let holes = range("vers:npm/<1.0.0|>=2.0.0|<3.0.0|>4.0.0");
        for (v, inside) in [
            ("0.1.0", true),
            ("1.0.0", false),
            ("2.5.0", true),
            ("3.5.0", false),
            ("4.0.0", false),
            ("5.0.0", true),
        ] {
            assert_eq!(holes.contains(v).unwrap(), inside, "{v}");
        }
        let serde: VersionRange = serde_json::from_str("\"vers:npm/<2|>=1\"").unwrap();
        assert_eq!(
            serde_json::to_string(&serde).unwrap(),
            "\"vers:npm/>=1|<2\""
        );
    }

    #[test]
    fn rejects_invalid_ranges() {
        let cases = [
            "npm/1.0.0",
            "VERS:npm/1.0.0",
            "vers:npm",
            "vers:npm/",
            "vers:npm/ 1.0.0",
            "vers:npm/|1.0.0",
            "vers:npm/1.0.0|",
            "vers:npm/1.0.0||2.0.0",
            "vers:npm/=1.0.0",
            "vers:npm/>=",
            "vers:npm/*|1.0.0",
            "vers:npm/1.0.0|1.0.0",
            "vers:npm/1.0.0|1.0.0+build",
            "vers:npm/>=1.0.0|>2.0.0",
            "vers:npm/<1.0.0|<=2.0.0",
            "vers:npm/1.0.0|<2.0.0",
            "vers:npm/>=1.0.0|2.0.0",
            "vers:npm/!=1.0.0",
            "vers:npm/not-a-version",
            "vers:npm/1.0.0%zz",
            "vers:maven/>=2.0.0|<2.17.1|2.0",
        ];
        let accepted: Vec<_> = cases
            .iter()
            .filter_map(|c| {
                c.parse::<VersionRange>()
                    .ok()
                    .map(|r| format!("{c} -> {r}"))
            })
            .collect();
        assert!(accepted.is_empty(), "{accepted:?}");
        let err = "vers:npm/=1.0.0".parse::<VersionRange>().unwrap_err();
        assert_eq!(err.code(), Code::InvalidRequest);
    }

    #[test]
    fn unknown_schemes_fail_closed_and_list_the_supported_ones() {
        let err = "vers:alpine/>=1.0".parse::<VersionRange>().unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, VersError::UnsupportedScheme { .. }));
        for s in Scheme::ALL {
            assert!(msg.contains(s.as_str()), "{msg}");
        }
        assert_eq!(Scheme::for_purl_type("maven"), Some(Scheme::Maven));
        assert_eq!(Scheme::for_purl_type("npm"), Some(Scheme::Npm));
        assert_eq!(Scheme::for_purl_type("apk"), None);
    }

    #[test]
    fn invalid_tested_versions_are_errors_not_misses() {
        let r = range("vers:maven/>=2.0.0|<2.17.1");
        assert!(
            r.contains(&"9".repeat(limits::MAX_VERSION_CHARS + 1))
                .is_err()
        );
        let npm = range("vers:npm/>=1.0.0");
        assert!(npm.contains("latest").is_err());
        assert!(npm.contains("1.2.3").unwrap());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,80}", v in "\\PC{0,40}") {
            if let Ok(r) = format!("vers:{s}").parse::<VersionRange>() {
                let _ = r.contains(&v);
            }
            for scheme in Scheme::ALL {
                let _ = compare(scheme, &v, &s);
            }
        }

        /// `>=lo|<hi` contains exactly the versions in [lo, hi), in every scheme that reads
        /// plain dotted numbers.
        #[test]
        fn half_open_interval_contains_what_it_should(
            a in (0u32..20, 0u32..20, 0u32..20),
            b in (0u32..20, 0u32..20, 0u32..20),
            v in (0u32..20, 0u32..20, 0u32..20),
        ) {
            let ver = |(x, y, z): (u32, u32, u32)| format!("{x}.{y}.{z}");
            proptest::prop_assume!(a < b);
            for scheme in [Scheme::Npm, Scheme::Cargo, Scheme::Maven, Scheme::Pypi, Scheme::Deb, Scheme::Gem, Scheme::Generic] {
                let r = range(&format!("vers:{scheme}/>={}|<{}", ver(a), ver(b)));
                let inside = a <= v && v < b;
                proptest::prop_assert_eq!(r.contains(&ver(v)).unwrap(), inside, "{} in {}", ver(v), r);
                proptest::prop_assert_eq!(range(&r.to_canonical()), r.clone());
            }
        }
    }

    #[test]
    fn long_maven_versions_stay_shallow() {
        // Every '-' opens a nested list: the length limit bounds the nesting.
        let v = "1-".repeat(limits::MAX_VERSION_CHARS / 2 - 1) + "1";
        assert!(v.len() <= limits::MAX_VERSION_CHARS);
        assert_eq!(compare(Scheme::Maven, &v, &v).unwrap(), Ordering::Equal);
        assert_eq!(compare(Scheme::Maven, &v, "2").unwrap(), Ordering::Less);
    }
}

//! Package URLs (purl, ECMA-427 / package-url/purl-spec): parse, normalise, print canonically,
//! and match.
//!
//! Parsing follows the spec's "how to parse" steps (right to left: subpath, qualifiers, scheme,
//! type, version, name, namespace), with the leniency the spec asks of parsers (`pkg://` slashes,
//! mixed-case scheme and type) and one of its own: a scope written with a bare `@`
//! (`pkg:npm/@angular/core@1.0`, common in SBOMs) is read as the namespace, because a version
//! `@` is only looked for after the last `/`.
//!
//! Normalisation: type lowercase; namespace segments, name, version, qualifier values and
//! subpath segments percent-decoded (invalid `%` triplets and non-UTF-8 are errors); qualifier
//! keys lowercase, validated and sorted, empty values dropped, duplicates rejected; subpath
//! without empty, `.` and `..` segments; and the type-specific rules of the common types:
//! namespace and name lowercase for `alpm`, `apk`, `bitbucket`, `composer`, `deb`, `github`,
//! `golang`, `hex`, `npm`; name lowercase for `bitnami`, `pub`; `pypi` names lowercase with `_`
//! replaced by `-`. Everything else (e.g. `maven`, `nuget`, `cargo`) keeps its case.
//! Type-specific *requirements* (a mandatory namespace or version for some types) are not
//! enforced: Cairn uses purls to find components, and a slightly off-spec purl in an SBOM must
//! still be found.
//!
//! Guarantee: two purls that normalise to the same components print the same
//! [`Purl::to_canonical`] string, and [`Purl::package_key`] is that string without version,
//! qualifiers and subpath — the key the component index matches on.

use crate::code::{Code, excerpt};
use crate::limits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A parsed, normalised package URL. Fields are private: the only way in is [`Purl::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    #[error("purl is {len} characters long; at most {max} are accepted")]
    TooLong { len: usize, max: usize },
    #[error("purl {0:?} does not start with the scheme \"pkg:\"")]
    Scheme(String),
    #[error("purl {0:?} has no type")]
    MissingType(String),
    #[error("purl type {0:?} must be ASCII letters, digits, '.' or '-', starting with a letter")]
    InvalidType(String),
    #[error("purl {0:?} has no name")]
    MissingName(String),
    #[error("purl {0:?} has an '@' but an empty version")]
    EmptyVersion(String),
    #[error("purl qualifier {0:?} is not key=value")]
    InvalidQualifier(String),
    #[error(
        "purl qualifier key {0:?} must be ASCII letters, digits, '.', '-' or '_', starting with a letter"
    )]
    InvalidQualifierKey(String),
    #[error("purl qualifier key {0:?} appears twice")]
    DuplicateQualifier(String),
    #[error("invalid percent-encoding in purl component {0:?}")]
    PercentEncoding(String),
    #[error("purl {what} segment {segment:?} contains a '/' once decoded")]
    SlashInSegment { what: &'static str, segment: String },
}

impl PurlError {
    /// A purl arrives as a request parameter or a policy field.
    pub fn code(&self) -> Code {
        Code::InvalidRequest
    }
}

impl Purl {
    /// The package type, lowercase (`npm`, `maven`, …).
    pub fn ty(&self) -> &str {
        &self.ty
    }
    /// Namespace segments joined with `/`, decoded.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }
    /// Qualifiers, keys lowercase and sorted, values decoded and never empty.
    pub fn qualifiers(&self) -> &BTreeMap<String, String> {
        &self.qualifiers
    }
    pub fn subpath(&self) -> Option<&str> {
        self.subpath.as_deref()
    }

    /// The same package without a version (and without qualifiers and subpath).
    pub fn without_version(&self) -> Purl {
        Purl {
            ty: self.ty.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            version: None,
            qualifiers: BTreeMap::new(),
            subpath: None,
        }
    }

    /// The canonical string: `pkg:type/namespace/name@version?qualifiers#subpath`, each
    /// component percent-encoded as the spec requires (only ASCII letters, digits, `.-_~` and
    /// `:` stay as they are; `/` too between segments and inside qualifier values).
    pub fn to_canonical(&self) -> String {
        let mut s = self.package_key();
        if let Some(v) = &self.version {
            s.push('@');
            encode_into(&mut s, v, false);
        }
        if !self.qualifiers.is_empty() {
            s.push('?');
            for (i, (k, v)) in self.qualifiers.iter().enumerate() {
                if i > 0 {
                    s.push('&');
                }
                s.push_str(k);
                s.push('=');
                encode_into(&mut s, v, true);
            }
        }
        if let Some(sub) = &self.subpath {
            s.push('#');
            for (i, seg) in sub.split('/').enumerate() {
                if i > 0 {
                    s.push('/');
                }
                encode_into(&mut s, seg, false);
            }
        }
        s
    }

    /// `pkg:type/namespace/name`, canonical: what identifies the package whatever its version.
    pub fn package_key(&self) -> String {
        let mut s = format!("pkg:{}/", self.ty);
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/') {
                encode_into(&mut s, seg, false);
                s.push('/');
            }
        }
        encode_into(&mut s, &self.name, false);
        s
    }

    /// Does `candidate` fall under this purl used as a pattern? Type, namespace and name must
    /// be equal (after normalisation); the version too when the pattern has one. Qualifiers
    /// and subpath are not compared.
    pub fn matches(&self, candidate: &Purl) -> bool {
        self.ty == candidate.ty
            && self.namespace == candidate.namespace
            && self.name == candidate.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| candidate.version.as_ref() == Some(v))
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical())
    }
}

impl From<Purl> for String {
    fn from(p: Purl) -> String {
        p.to_canonical()
    }
}

impl TryFrom<String> for Purl {
    type Error = PurlError;
    fn try_from(s: String) -> Result<Self, PurlError> {
        s.parse()
    }
}

impl FromStr for Purl {
    type Err = PurlError;

    fn from_str(input: &str) -> Result<Self, PurlError> {
        if input.len() > limits::MAX_PURL_CHARS {
            return Err(PurlError::TooLong {
                len: input.len(),
                max: limits::MAX_PURL_CHARS,
            });
        }
        let quoted = || excerpt(input, 120);

        // 1. subpath: after the last '#'.
        let (rest, subpath) = match input.rsplit_once('#') {
            Some((rest, sub)) => (rest, parse_subpath(sub)?),
            None => (input, None),
        };
        // 2. qualifiers: after the last '?'.
        let (rest, qualifiers) = match rest.rsplit_once('?') {
            Some((rest, q)) => (rest, parse_qualifiers(q)?),
            None => (rest, BTreeMap::new()),
        };
        // 3. scheme: before the first ':', "pkg" in any case.
        let (scheme, rest) = rest
            .split_once(':')
            .ok_or_else(|| PurlError::Scheme(quoted()))?;
        if !scheme.eq_ignore_ascii_case("pkg") {
            return Err(PurlError::Scheme(quoted()));
        }
        // 4. type: after any number of '/', up to the next '/'.
        let rest = rest.trim_start_matches('/');
        let (ty, rest) = rest
            .split_once('/')
            .ok_or_else(|| PurlError::MissingType(quoted()))?;
        let ty = ty.to_ascii_lowercase();
        let mut chars = ty.chars();
        let valid_type = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if !valid_type {
            return Err(PurlError::InvalidType(excerpt(&ty, 64)));
        }
        // 5. version: after an '@' that follows the last '/'.
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (rest, version) = match rest.get(last_slash..).and_then(|tail| tail.rfind('@')) {
            Some(at) => {
                let at = last_slash + at;
                let raw = rest.get(at + 1..).unwrap_or("");
                if raw.is_empty() {
                    return Err(PurlError::EmptyVersion(quoted()));
                }
                (rest.get(..at).unwrap_or(""), Some(decode(raw)?))
            }
            None => (rest, None),
        };
        // 6. name: the last segment, trailing slashes ignored.
        let rest = rest.trim_end_matches('/');
        let (rest, raw_name) = rest.rsplit_once('/').unwrap_or(("", rest));
        let mut name = decode(raw_name)?;
        if name.is_empty() {
            return Err(PurlError::MissingName(quoted()));
        }
        // 7. namespace: the segments before it, empty ones dropped.
        let mut segments = Vec::new();
        for raw in rest.split('/').filter(|s| !s.is_empty()) {
            let seg = decode(raw)?;
            if seg.contains('/') {
                return Err(PurlError::SlashInSegment {
                    what: "namespace",
                    segment: excerpt(raw, 64),
                });
            }
            segments.push(seg);
        }
        let mut namespace = (!segments.is_empty()).then(|| segments.join("/"));

        normalise_for_type(&ty, &mut namespace, &mut name);
        Ok(Purl {
            ty,
            namespace,
            name,
            version,
            qualifiers,
            subpath,
        })
    }
}

/// The type-specific case rules of the spec's type definitions, for the common types.
fn normalise_for_type(ty: &str, namespace: &mut Option<String>, name: &mut String) {
    let lower = |s: &mut String| *s = s.to_lowercase();
    match ty {
        "alpm" | "apk" | "bitbucket" | "composer" | "deb" | "github" | "golang" | "hex" | "npm" => {
            if let Some(ns) = namespace.as_mut() {
                lower(ns);
            }
            lower(name);
        }
        "bitnami" | "pub" => lower(name),
        "pypi" => *name = name.to_lowercase().replace('_', "-"),
        _ => {}
    }
}

fn parse_qualifiers(raw: &str) -> Result<BTreeMap<String, String>, PurlError> {
    let mut map = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| PurlError::InvalidQualifier(excerpt(pair, 64)))?;
        let key = key.to_ascii_lowercase();
        let mut chars = key.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !valid {
            return Err(PurlError::InvalidQualifierKey(excerpt(&key, 64)));
        }
        let value = decode(value)?;
        // An empty value means "no such qualifier", but a key still may appear only once.
        if map.insert(key.clone(), value).is_some() {
            return Err(PurlError::DuplicateQualifier(key));
        }
    }
    map.retain(|_, v| !v.is_empty());
    Ok(map)
}

fn parse_subpath(raw: &str) -> Result<Option<String>, PurlError> {
    let mut segments = Vec::new();
    for part in raw.split('/') {
        let seg = decode(part)?;
        if seg.is_empty() || seg == "." || seg == ".." {
            continue;
        }
        if seg.contains('/') {
            return Err(PurlError::SlashInSegment {
                what: "subpath",
                segment: excerpt(part, 64),
            });
        }
        segments.push(seg);
    }
    Ok((!segments.is_empty()).then(|| segments.join("/")))
}

/// Percent-decode once; every `%` must start a valid triplet and the result must be UTF-8.
pub(crate) fn decode(raw: &str) -> Result<String, PurlError> {
    if !raw.contains('%') {
        return Ok(raw.to_owned());
    }
    let bad = || PurlError::PercentEncoding(excerpt(raw, 64));
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16));
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(bad());
            };
            out.push(u8::try_from(hi * 16 + lo).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// Percent-encode `s` onto `out`: ASCII letters, digits, `.-_~` and `:` stay; `/` too when
/// `keep_slash` (qualifier values); every other byte of the UTF-8 becomes `%XX` (uppercase hex).
fn encode_into(out: &mut String, s: &str, keep_slash: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'-' | b'_' | b'~' | b':')
            || (keep_slash && b == b'/');
        if keep {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0F)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (input, canonical, type, namespace, name, version, qualifiers, subpath) — cases written
    /// from the purl-spec test suite (test-suite-data.json and tests/types/*.json).
    #[allow(clippy::type_complexity)]
    const VALID: &[(
        &str,
        &str,
        &str,
        Option<&str>,
        &str,
        Option<&str>,
        &[(&str, &str)],
        Option<&str>,
    )] = &[
        (
            "pkg:maven/org.apache.commons/io@1.3.4",
            "pkg:maven/org.apache.commons/io@1.3.4",
            "maven",
            Some("org.apache.commons"),
            "io",
            Some("1.3.4"),
            &[],
            None,
        ),
        (
            "pkg:maven/org.apache.commons/io",
            "pkg:maven/org.apache.commons/io",
            "maven",
            Some("org.apache.commons"),
            "io",
            None,
            &[],
            None,
        ),
        (
            "pkg:GOLANG/google.golang.org/genproto#/googleapis/api/annotations/",
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
            "golang",
            Some("google.golang.org"),
            "genproto",
            None,
            &[],
            Some("googleapis/api/annotations"),
        ),
        (
            "pkg:GOLANG/google.golang.org/genproto@abcdedf#/googleapis/api/annotations/",
            "pkg:golang/google.golang.org/genproto@abcdedf#googleapis/api/annotations",
            "golang",
            Some("google.golang.org"),
            "genproto",
            Some("abcdedf"),
            &[],
            Some("googleapis/api/annotations"),
        ),
        (
            "pkg:bitbucket/birKenfeld/pyGments-main@244fd47e07d1014f0aed9c",
            "pkg:bitbucket/birkenfeld/pygments-main@244fd47e07d1014f0aed9c",
            "bitbucket",
            Some("birkenfeld"),
            "pygments-main",
            Some("244fd47e07d1014f0aed9c"),
            &[],
            None,
        ),
        (
            "pkg:github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
            "pkg:github/package-url/purl-spec@244fd47e07d1004f0aed9c",
            "github",
            Some("package-url"),
            "purl-spec",
            Some("244fd47e07d1004f0aed9c"),
            &[],
            None,
        ),
        (
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
            "deb",
            Some("debian"),
            "curl",
            Some("7.50.3-1"),
            &[("arch", "i386"), ("distro", "jessie")],
            None,
        ),
        (
            "pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
            "pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
            "docker",
            Some("customer"),
            "dockerimage",
            Some("sha256:244fd47e07d1004f0aed9c"),
            &[("repository_url", "gcr.io")],
            None,
        ),
        (
            "pkg:gem/jruby-launcher@1.1.2?Platform=java",
            "pkg:gem/jruby-launcher@1.1.2?platform=java",
            "gem",
            None,
            "jruby-launcher",
            Some("1.1.2"),
            &[("platform", "java")],
            None,
        ),
        (
            "pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?repositorY_url=repo.spring.io/release&classifier=sources",
            "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repository_url=repo.spring.io/release",
            "maven",
            Some("org.apache.xmlgraphics"),
            "batik-anim",
            Some("1.9.1"),
            &[
                ("classifier", "sources"),
                ("repository_url", "repo.spring.io/release"),
            ],
            None,
        ),
        (
            "pkg:npm/%40angular/animation@12.3.1",
            "pkg:npm/%40angular/animation@12.3.1",
            "npm",
            Some("@angular"),
            "animation",
            Some("12.3.1"),
            &[],
            None,
        ),
        // A bare '@' scope, as many SBOM generators write it.
        (
            "pkg:npm/@angular/animation@12.3.1",
            "pkg:npm/%40angular/animation@12.3.1",
            "npm",
            Some("@angular"),
            "animation",
            Some("12.3.1"),
            &[],
            None,
        ),
        (
            "pkg:npm/@babel/core#/googleapis/api/annotations/",
            "pkg:npm/%40babel/core#googleapis/api/annotations",
            "npm",
            Some("@babel"),
            "core",
            None,
            &[],
            Some("googleapis/api/annotations"),
        ),
        (
            "pkg:npm/%40MyScope/MyPackage@1.0.0",
            "pkg:npm/%40myscope/mypackage@1.0.0",
            "npm",
            Some("@myscope"),
            "mypackage",
            Some("1.0.0"),
            &[],
            None,
        ),
        (
            "pkg:Nuget/EnterpriseLibrary.Common@6.0.1304",
            "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
            "nuget",
            None,
            "EnterpriseLibrary.Common",
            Some("6.0.1304"),
            &[],
            None,
        ),
        (
            "pkg:PYPI/Django_package@1.11.1.dev1",
            "pkg:pypi/django-package@1.11.1.dev1",
            "pypi",
            None,
            "django-package",
            Some("1.11.1.dev1"),
            &[],
            None,
        ),
        (
            "pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25",
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
            "rpm",
            Some("fedora"),
            "curl",
            Some("7.50.3-1.fc25"),
            &[("arch", "i386"), ("distro", "fedora-25")],
            None,
        ),
        (
            "pkg:/maven/org.apache.commons/io",
            "pkg:maven/org.apache.commons/io",
            "maven",
            Some("org.apache.commons"),
            "io",
            None,
            &[],
            None,
        ),
        (
            "pkg://maven/org.apache.commons/io",
            "pkg:maven/org.apache.commons/io",
            "maven",
            Some("org.apache.commons"),
            "io",
            None,
            &[],
            None,
        ),
        (
            "pkg:///maven/org.apache.commons/io",
            "pkg:maven/org.apache.commons/io",
            "maven",
            Some("org.apache.commons"),
            "io",
            None,
            &[],
            None,
        ),
        (
            "pkg:maven/HTTPClient/HTTPClient@0.3-3",
            "pkg:maven/HTTPClient/HTTPClient@0.3-3",
            "maven",
            Some("HTTPClient"),
            "HTTPClient",
            Some("0.3-3"),
            &[],
            None,
        ),
        (
            "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value",
            "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value",
            "maven",
            Some("mygroup"),
            "myartifact",
            Some("1.0.0 Final"),
            &[("mykey", "my value")],
            None,
        ),
        (
            "pkg:conan/bincrafters/cctz@2.3?channel=stable",
            "pkg:conan/bincrafters/cctz@2.3?channel=stable",
            "conan",
            Some("bincrafters"),
            "cctz",
            Some("2.3"),
            &[("channel", "stable")],
            None,
        ),
        (
            "pkg:swift/github.com/Alamofire/Alamofire@5.4.3",
            "pkg:swift/github.com/Alamofire/Alamofire@5.4.3",
            "swift",
            Some("github.com/Alamofire"),
            "Alamofire",
            Some("5.4.3"),
            &[],
            None,
        ),
        (
            "pkg:npm/packageurl-js@0.0.7?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fpackage-url%2Fpackageurl-js.git",
            "pkg:npm/packageurl-js@0.0.7?vcs_url=git%2Bhttps://github.com/package-url/packageurl-js.git",
            "npm",
            None,
            "packageurl-js",
            Some("0.0.7"),
            &[(
                "vcs_url",
                "git+https://github.com/package-url/packageurl-js.git",
            )],
            None,
        ),
        (
            "pkg:npm/mypackage@12.4.5?vcs_url=git://host.com/path/to/repo.git%404345abcd34343",
            "pkg:npm/mypackage@12.4.5?vcs_url=git://host.com/path/to/repo.git%404345abcd34343",
            "npm",
            None,
            "mypackage",
            Some("12.4.5"),
            &[("vcs_url", "git://host.com/path/to/repo.git@4345abcd34343")],
            None,
        ),
        (
            "pkg:generic/openssl@1.1.10g?checksum=sha1:ad9503c3e994a4f,sha256:41bf9088b3a1e6c1ef1d",
            "pkg:generic/openssl@1.1.10g?checksum=sha1:ad9503c3e994a4f%2Csha256:41bf9088b3a1e6c1ef1d",
            "generic",
            None,
            "openssl",
            Some("1.1.10g"),
            &[(
                "checksum",
                "sha1:ad9503c3e994a4f,sha256:41bf9088b3a1e6c1ef1d",
            )],
            None,
        ),
        (
            "pkg:npm/foo@1.0.0#src/%F0%9F%98%83/file.js",
            "pkg:npm/foo@1.0.0#src/%F0%9F%98%83/file.js",
            "npm",
            None,
            "foo",
            Some("1.0.0"),
            &[],
            Some("src/😃/file.js"),
        ),
        // Empty qualifier values are dropped; a qualifier-only '?' vanishes.
        (
            "pkg:cargo/rand@0.7.2?arch=&os=linux",
            "pkg:cargo/rand@0.7.2?os=linux",
            "cargo",
            None,
            "rand",
            Some("0.7.2"),
            &[("os", "linux")],
            None,
        ),
        (
            "pkg:cargo/rand@0.7.2?",
            "pkg:cargo/rand@0.7.2",
            "cargo",
            None,
            "rand",
            Some("0.7.2"),
            &[],
            None,
        ),
        // A version '+' is encoded; '.'/'..' subpath segments are dropped.
        (
            "pkg:golang/github.com/x/y@v1.2.3+incompatible#a/./b/../c",
            "pkg:golang/github.com/x/y@v1.2.3%2Bincompatible#a/b/c",
            "golang",
            Some("github.com/x"),
            "y",
            Some("v1.2.3+incompatible"),
            &[],
            Some("a/b/c"),
        ),
    ];

    const INVALID: &[(&str, &str)] = &[
        (
            "EnterpriseLibrary.Common@6.0.1304",
            "a scheme is always required",
        ),
        (
            "pkg:EnterpriseLibrary.Common@6.0.1304",
            "a type is always required",
        ),
        ("pkg:n&g?inx/nginx@0.8.9", "invalid character in type"),
        ("pkg:3nginx/nginx@0.8.9", "type that starts with a number"),
        ("pkg:nginx:a/nginx@0.8.9", "colon in type"),
        (
            "pkg:npm/myartifact@1.0.0?in%20production=true",
            "invalid qualifier key",
        ),
        ("pkg:maven/@1.3.4", "a name is required"),
        ("pkg:cran/@0.9.1", "a name is required"),
        ("pkg:npm/", "a name is required"),
        ("pkg:hackage", "name and version are always required"),
        (
            "pkg%3Amaven/org.apache.commons/io",
            "encoded colon between scheme and type",
        ),
        ("http://maven/org.apache.commons/io", "wrong scheme"),
        ("pkg:npm/foobar@", "empty version"),
        ("pkg:npm/foo%2", "truncated percent triplet"),
        ("pkg:npm/foo%zz", "invalid percent triplet"),
        (
            "pkg:npm/foo%C3%28",
            "percent-encoded bytes that are not UTF-8",
        ),
        ("pkg:maven/org%2Fapache/io", "slash in a namespace segment"),
        ("pkg:npm/foo#a%2Fb", "slash in a subpath segment"),
        ("pkg:npm/foo?a=1&A=2", "duplicate qualifier key"),
        ("pkg:npm/foo?novalue", "qualifier without '='"),
        ("pkg:npm/foo?1a=b", "qualifier key starting with a digit"),
    ];

    #[test]
    fn parses_and_canonicalises_the_spec_cases() {
        let mut failures = Vec::new();
        for (input, canonical, ty, ns, name, version, quals, sub) in VALID {
            let p = match input.parse::<Purl>() {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{input}: {e}"));
                    continue;
                }
            };
            let expected_quals: BTreeMap<String, String> = quals
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let got = (
                p.ty(),
                p.namespace(),
                p.name(),
                p.version(),
                p.qualifiers(),
                p.subpath(),
            );
            if got != (*ty, *ns, *name, *version, &expected_quals, *sub) {
                failures.push(format!("{input}: parsed as {got:?}"));
            }
            if p.to_canonical() != *canonical {
                failures.push(format!(
                    "{input}: canonical {} != {canonical}",
                    p.to_canonical()
                ));
            }
            // The canonical form is a fixed point.
            match canonical.parse::<Purl>() {
                Ok(again) if again == p && again.to_canonical() == *canonical => {}
                other => failures.push(format!("{canonical}: does not round-trip: {other:?}")),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn rejects_the_spec_invalid_cases() {
        let accepted: Vec<_> = INVALID
            .iter()
            .filter_map(|(input, why)| {
                input
                    .parse::<Purl>()
                    .ok()
                    .map(|p| format!("{input} ({why}) parsed as {p}"))
            })
            .collect();
        assert!(accepted.is_empty(), "{}", accepted.join("\n"));
        let err = "pkg:npm/".parse::<Purl>().unwrap_err();
        assert_eq!(err.code(), Code::InvalidRequest);
    }

    #[test]
    fn rejects_overlong_input() {
        let long = format!("pkg:npm/{}", "a".repeat(limits::MAX_PURL_CHARS));
        assert!(matches!(
            long.parse::<Purl>(),
            Err(PurlError::TooLong { .. })
        ));
        let ok = format!("pkg:npm/{}", "a".repeat(limits::MAX_PURL_CHARS - 8));
        assert!(ok.parse::<Purl>().is_ok());
    }

    #[test]
    fn package_key_drops_version_qualifiers_and_subpath() {
        let p: Purl = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar#x"
            .parse()
            .unwrap();
        assert_eq!(
            p.package_key(),
            "pkg:maven/org.apache.logging.log4j/log4j-core"
        );
        assert_eq!(p.without_version().to_canonical(), p.package_key());
        let scoped: Purl = "pkg:npm/@Types/Node@20".parse().unwrap();
        assert_eq!(scoped.package_key(), "pkg:npm/%40types/node");
    }

    #[test]
    fn matching_compares_package_and_the_pattern_version_only() {
        let p = |s: &str| s.parse::<Purl>().unwrap();
        let any_version = p("pkg:npm/event-stream");
        let exact = p("pkg:npm/event-stream@3.3.6");
        let component = p("pkg:npm/Event-Stream@3.3.6?foo=bar");
        assert!(any_version.matches(&component));
        assert!(exact.matches(&component));
        assert!(!exact.matches(&p("pkg:npm/event-stream@3.3.5")));
        assert!(!exact.matches(&p("pkg:npm/event-stream")));
        assert!(!any_version.matches(&p("pkg:npm/event-streams@3.3.6")));
        assert!(!any_version.matches(&p("pkg:pypi/event-stream@3.3.6")));
        assert!(!any_version.matches(&p("pkg:npm/x/event-stream@3.3.6")));
        // Maven keeps case: a different case is a different package.
        assert!(!p("pkg:maven/org.x/Lib").matches(&p("pkg:maven/org.x/lib@1")));
        // pypi normalises the name on both sides.
        assert!(p("pkg:pypi/Django_Package").matches(&p("pkg:pypi/django-package@1.0")));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,80}") {
            let _ = s.parse::<Purl>();
        }

        /// Whatever parses prints a canonical form that parses back to the same purl.
        #[test]
        fn canonical_form_is_a_fixed_point(
            ty in "[a-zA-Z][a-zA-Z0-9.-]{0,6}",
            rest in "[a-zA-Z0-9%@/._~:?=&#+ \u{e9}-]{1,40}",
        ) {
            if let Ok(p) = format!("pkg:{ty}/{rest}").parse::<Purl>() {
                let canonical = p.to_canonical();
                let again: Purl = canonical.parse().unwrap_or_else(|e| panic!("{canonical}: {e}"));
                proptest::prop_assert_eq!(&again, &p);
                proptest::prop_assert_eq!(again.to_canonical(), canonical);
            }
        }
    }

    #[test]
    fn serde_goes_through_the_parser() {
        let p: Purl = serde_json::from_str("\"pkg:NPM/%40a/B@1\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"pkg:npm/%40a/b@1\"");
        assert!(serde_json::from_str::<Purl>("\"npm/a\"").is_err());
    }
}

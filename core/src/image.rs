//! Image references pinned by digest: `name[:tag]@digest`.
//!
//! Cairn only deals with digests (a tag is mutable and proves nothing), so a reference without a
//! digest is rejected. The name is kept as written (lowercased registries and repositories are
//! required by the OCI distribution spec, so uppercase is rejected, not folded).

use crate::digest::{Digest, DigestError, truncate};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    name: String,
    tag: Option<String>,
    digest: Digest,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("image reference {0:?} has no @digest (expected name[:tag]@sha256:<hex>)")]
    MissingDigest(String),
    #[error("invalid repository name {0:?}")]
    InvalidName(String),
    #[error("invalid tag {0:?}")]
    InvalidTag(String),
    #[error(transparent)]
    Digest(#[from] DigestError),
}

impl ImageRefError {
    pub fn code(&self) -> crate::Code {
        match self {
            ImageRefError::Digest(e) => e.code(),
            ImageRefError::MissingDigest(_)
            | ImageRefError::InvalidName(_)
            | ImageRefError::InvalidTag(_) => crate::Code::InvalidImageRef,
        }
    }
}

impl ImageRef {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
    pub fn digest(&self) -> &Digest {
        &self.digest
    }
}

/// A path component per the OCI distribution spec: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, allowing a
/// registry host (with optional `:port`) as the first component.
fn is_valid_name(name: &str) -> bool {
    if name.is_empty() || name.len() > crate::limits::MAX_NAME_CHARS {
        return false;
    }
    let mut components = name.split('/').enumerate().peekable();
    while let Some((i, comp)) = components.next() {
        let has_more = components.peek().is_some();
        let ok = if i == 0 && has_more && looks_like_host(comp) {
            is_valid_host(comp)
        } else {
            is_valid_path_component(comp)
        };
        if !ok {
            return false;
        }
    }
    true
}

fn looks_like_host(comp: &str) -> bool {
    comp.contains('.') || comp.contains(':') || comp == "localhost"
}

fn is_valid_host(comp: &str) -> bool {
    let (host, port) = match comp.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (comp, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

fn is_valid_path_component(comp: &str) -> bool {
    let bytes = comp.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(&f), Some(&l)) if alnum(f) && alnum(l) => {}
        _ => return false,
    }
    // Separators: '.', '_', '__' or runs of '-', each between alphanumerics.
    let mut prev_sep: Option<u8> = None;
    let mut sep_len = 0usize;
    for &b in bytes {
        if alnum(b) {
            prev_sep = None;
            sep_len = 0;
            continue;
        }
        match (b, prev_sep) {
            (b'-', None | Some(b'-')) => {}
            (b'_', None) => {}
            (b'_', Some(b'_')) if sep_len == 1 => {}
            (b'.', None) => {}
            _ => return false,
        }
        prev_sep = Some(b);
        sep_len += 1;
    }
    true
}

fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl FromStr for ImageRef {
    type Err = ImageRefError;
    fn from_str(s: &str) -> Result<Self, ImageRefError> {
        let (name_and_tag, digest) = s
            .split_once('@')
            .ok_or_else(|| ImageRefError::MissingDigest(truncate(s)))?;
        let digest: Digest = digest.parse()?;
        // A ':' after the last '/' separates the tag; one before it is a registry port.
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].find(':') {
            Some(i) => {
                let split = last_slash + i;
                (&name_and_tag[..split], Some(&name_and_tag[split + 1..]))
            }
            None => (name_and_tag, None),
        };
        if !is_valid_name(name) {
            return Err(ImageRefError::InvalidName(truncate(name)));
        }
        if let Some(t) = tag
            && !is_valid_tag(t)
        {
            return Err(ImageRefError::InvalidTag(truncate(t)));
        }
        Ok(Self {
            name: name.to_owned(),
            tag: tag.map(str::to_owned),
            digest,
        })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        write!(f, "@{}", self.digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    #[test]
    fn accepts_name_tag_and_digest() {
        let r: ImageRef = format!("registry.example:5000/acme/web:1.2.3@{D}")
            .parse()
            .unwrap();
        assert_eq!(r.name(), "registry.example:5000/acme/web");
        assert_eq!(r.tag(), Some("1.2.3"));
        assert_eq!(r.digest().to_string(), D);
        assert_eq!(
            r.to_string(),
            format!("registry.example:5000/acme/web:1.2.3@{D}")
        );
    }

    #[test]
    fn accepts_name_without_tag() {
        let r: ImageRef = format!("registry.example/acme/web@{D}").parse().unwrap();
        assert_eq!(r.name(), "registry.example/acme/web");
        assert_eq!(r.tag(), None);
        let r: ImageRef = format!("alpine@{D}").parse().unwrap();
        assert_eq!(r.name(), "alpine");
    }

    #[test]
    fn rejects_missing_digest() {
        let e = "registry.example/acme/web:latest"
            .parse::<ImageRef>()
            .unwrap_err();
        assert!(matches!(e, ImageRefError::MissingDigest(_)));
        assert_eq!(e.code(), crate::Code::InvalidImageRef);
    }

    #[test]
    fn rejects_bad_names_tags_and_digests() {
        for bad in [
            format!("Registry.example/Acme/web@{D}"),
            format!("acme//web@{D}"),
            format!("@{D}"),
            format!("acme/web-@{D}"),
            format!("acme/web:@{D}"),
            format!("acme/web:-x@{D}"),
        ] {
            assert!(bad.parse::<ImageRef>().is_err(), "{bad}");
        }
        let e = "acme/web@sha256:ABC".parse::<ImageRef>().unwrap_err();
        assert_eq!(e.code(), crate::Code::InvalidDigest);
    }

    #[test]
    fn accepts_separators_in_path_components() {
        for good in ["a/b.c", "a/b_c", "a/b__c", "a/b---c", "localhost/x"] {
            assert!(format!("{good}@{D}").parse::<ImageRef>().is_ok(), "{good}");
        }
        assert!(format!("a/b___c@{D}").parse::<ImageRef>().is_err());
    }
}

//! What changed between two SBOMs of (typically) successive builds.
//!
//! Components are keyed by package: the purl's [`Purl::package_key`] when the component has a
//! purl that parses, else `group/name` (or `name`). For each key, the versions present in the
//! old and the new document are compared as sets:
//! - a key only in the new document: its components are `added`; only in the old: `removed`;
//! - in both, with exactly one version gone and one version new: a `version_changed` entry;
//! - in both, with any other difference (several versions of one package): the versions that
//!   disappeared are `removed` and those that appeared are `added`, so nothing is hidden.
//!
//! `metadata.component` (the thing the SBOM describes, e.g. the image itself) is not compared.
//! Every list is sorted by key, then version: the same inputs always give the same output.

use super::{Component, Sbom};
use crate::purl::Purl;
use std::collections::{BTreeMap, BTreeSet};

/// A component, as the diff reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ComponentRef {
    /// The package key the diff matched on.
    pub key: String,
    pub group: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// The purl as written in the SBOM.
    pub purl: Option<String>,
}

/// One package whose single version was replaced by another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionChange {
    pub key: String,
    pub old_version: Option<String>,
    pub new_version: Option<String>,
}

/// The difference between two SBOMs; empty lists mean no change of that kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SbomDiff {
    pub added: Vec<ComponentRef>,
    pub removed: Vec<ComponentRef>,
    pub version_changed: Vec<VersionChange>,
}

impl SbomDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.version_changed.is_empty()
    }
}

/// The package key of a component (see the module docs).
pub(super) fn package_key(c: &Component) -> String {
    if let Some(purl) = c.purl.as_deref().and_then(|p| p.parse::<Purl>().ok()) {
        return purl.package_key();
    }
    match &c.group {
        Some(g) if !g.is_empty() => format!("{g}/{}", c.name),
        _ => c.name.clone(),
    }
}

/// The version a component is indexed under: its `version`, else its purl's.
pub(super) fn version_of(c: &Component) -> Option<String> {
    c.version.clone().or_else(|| {
        c.purl
            .as_deref()
            .and_then(|p| p.parse::<Purl>().ok())
            .and_then(|p| p.version().map(str::to_owned))
    })
}

/// key -> version -> the first component with that key and version.
type Index = BTreeMap<String, BTreeMap<Option<String>, ComponentRef>>;

fn index(sbom: &Sbom) -> Index {
    let mut index = Index::new();
    for c in &sbom.components {
        let key = c.package_key();
        let version = c.effective_version();
        index
            .entry(key.clone())
            .or_default()
            .entry(version.clone())
            .or_insert_with(|| ComponentRef {
                key,
                group: c.group.clone(),
                name: c.name.clone(),
                version,
                purl: c.purl.clone(),
            });
    }
    index
}

/// Compare two SBOMs (see the module docs for the rules).
pub fn diff(old: &Sbom, new: &Sbom) -> SbomDiff {
    let old_index = index(old);
    let new_index = index(new);
    let mut out = SbomDiff::default();
    let keys: BTreeSet<&String> = old_index.keys().chain(new_index.keys()).collect();
    for key in keys {
        let empty = BTreeMap::new();
        let before = old_index.get(key).unwrap_or(&empty);
        let after = new_index.get(key).unwrap_or(&empty);
        let gone: Vec<&ComponentRef> = before
            .iter()
            .filter(|(v, _)| !after.contains_key(*v))
            .map(|(_, c)| c)
            .collect();
        let came: Vec<&ComponentRef> = after
            .iter()
            .filter(|(v, _)| !before.contains_key(*v))
            .map(|(_, c)| c)
            .collect();
        match (gone.as_slice(), came.as_slice()) {
            ([old_c], [new_c]) if !before.is_empty() && !after.is_empty() => {
                out.version_changed.push(VersionChange {
                    key: key.clone(),
                    old_version: old_c.version.clone(),
                    new_version: new_c.version.clone(),
                });
            }
            _ => {
                out.removed.extend(gone.into_iter().cloned());
                out.added.extend(came.into_iter().cloned());
            }
        }
    }
    // Keys are visited in order and versions are sorted within a key: already deterministic;
    // sort anyway so the guarantee does not hang on iteration order.
    out.added.sort();
    out.removed.sort();
    out.version_changed.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Metadata, SbomFormat, SpecVersion};
    use super::*;

    fn component(
        group: Option<&str>,
        name: &str,
        version: Option<&str>,
        purl: Option<&str>,
    ) -> Component {
        Component {
            bom_ref: None,
            kind: "library".into(),
            group: group.map(Into::into),
            name: name.into(),
            version: version.map(Into::into),
            purl: purl.map(Into::into),
            licenses: vec![],
            hashes: vec![],
            parent: None,
            depth: 0,
        }
    }

    fn sbom(components: Vec<Component>) -> Sbom {
        Sbom {
            spec_version: SpecVersion::V1_6,
            format: SbomFormat::Json,
            serial_number: None,
            version: None,
            metadata: Metadata::default(),
            components,
            dependencies: vec![],
        }
    }

    #[test]
    fn reports_added_removed_and_changed_versions() {
        let old = sbom(vec![
            component(
                None,
                "lodash",
                Some("4.17.20"),
                Some("pkg:npm/lodash@4.17.20"),
            ),
            component(
                None,
                "left-pad",
                Some("1.0.0"),
                Some("pkg:npm/left-pad@1.0.0"),
            ),
            component(Some("org.x"), "core", Some("1"), None),
            component(None, "same", Some("1"), Some("pkg:npm/same@1")),
        ]);
        let new = sbom(vec![
            // The purl differs in case only: npm names are case-insensitive, same package.
            component(
                None,
                "lodash",
                Some("4.17.21"),
                Some("pkg:npm/LoDash@4.17.21"),
            ),
            component(Some("org.x"), "core", Some("2"), None),
            component(None, "same", Some("1"), Some("pkg:npm/same@1")),
            component(None, "zlib", Some("1.3"), Some("pkg:deb/debian/zlib@1.3")),
        ]);
        let d = diff(&old, &new);
        assert_eq!(
            d.version_changed,
            [
                VersionChange {
                    key: "org.x/core".into(),
                    old_version: Some("1".into()),
                    new_version: Some("2".into())
                },
                VersionChange {
                    key: "pkg:npm/lodash".into(),
                    old_version: Some("4.17.20".into()),
                    new_version: Some("4.17.21".into())
                },
            ]
        );
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.removed[0].key, "pkg:npm/left-pad");
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].key, "pkg:deb/debian/zlib");
        assert_eq!(d.added[0].purl.as_deref(), Some("pkg:deb/debian/zlib@1.3"));
        assert!(!d.is_empty());
    }

    #[test]
    fn identical_and_reordered_sboms_have_no_diff() {
        let a = sbom(vec![
            component(None, "a", Some("1"), Some("pkg:npm/a@1")),
            component(None, "b", Some("2"), Some("pkg:npm/b@2")),
        ]);
        let mut b = a.clone();
        b.components.reverse();
        assert!(diff(&a, &b).is_empty());
        assert!(diff(&a, &a).is_empty());
        // Not vacuous: against an empty SBOM everything is added.
        let d = diff(&sbom(vec![]), &a);
        assert_eq!(d.added.len(), 2);
        assert_eq!(d.added[0].key, "pkg:npm/a");
    }

    #[test]
    fn several_versions_of_one_package_are_listed_not_paired() {
        let old = sbom(vec![
            component(None, "a", Some("1"), Some("pkg:npm/a@1")),
            component(None, "a", Some("2"), Some("pkg:npm/a@2")),
        ]);
        let new = sbom(vec![
            component(None, "a", Some("3"), Some("pkg:npm/a@3")),
            component(None, "a", Some("4"), Some("pkg:npm/a@4")),
            component(None, "a", Some("2"), Some("pkg:npm/a@2")),
        ]);
        let d = diff(&old, &new);
        assert!(d.version_changed.is_empty());
        let removed: Vec<_> = d.removed.iter().map(|c| c.version.as_deref()).collect();
        let added: Vec<_> = d.added.iter().map(|c| c.version.as_deref()).collect();
        assert_eq!(removed, [Some("1")]);
        assert_eq!(added, [Some("3"), Some("4")]);
    }

    #[test]
    fn a_version_appearing_or_vanishing_is_a_change() {
        let old = sbom(vec![component(None, "a", None, None)]);
        let new = sbom(vec![component(None, "a", Some("1"), None)]);
        assert_eq!(
            diff(&old, &new).version_changed,
            [VersionChange {
                key: "a".into(),
                old_version: None,
                new_version: Some("1".into())
            }]
        );
    }

    #[test]
    fn the_purl_version_stands_in_for_a_missing_version() {
        let c = component(None, "a", None, Some("pkg:npm/a@1.2"));
        assert_eq!(version_of(&c).as_deref(), Some("1.2"));
        let unparseable = component(Some("g"), "a", None, Some("not a purl"));
        assert_eq!(package_key(&unparseable), "g/a");
        assert_eq!(version_of(&unparseable), None);
    }
}

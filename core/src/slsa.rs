//! SLSA provenance (v0.2 and v1), mapped once into one [`Provenance`] shape.
//!
//! Policies ask the same questions of both versions (who built it, from which source, out of
//! which inputs), so the version differences live here and nowhere else:
//!
//! | fact | v1 (`https://slsa.dev/provenance/v1`) | v0.2 (`https://slsa.dev/provenance/v0.2`) |
//! |---|---|---|
//! | builder | `runDetails.builder.id` | `builder.id` |
//! | build type | `buildDefinition.buildType` | `buildType` |
//! | source | `externalParameters` (`workflow.{repository,ref}`, `source.{uri,ref}` or a `source` URI, `buildConfigSource.{repository,ref}`), else the resolved dependency carrying a `gitCommit` digest | `invocation.configSource.{uri,digest}` |
//! | dependencies | `buildDefinition.resolvedDependencies[]` | `materials[]` |
//!
//! Guarantee: a dependency digest under `sha256`, `sha384` or `sha512` is a well-formed
//! [`Digest`] or the whole provenance is rejected. The provenance chain follows those digests, and
//! a malformed one silently dropped would hide a base image from policy.

use crate::digest::{Digest, DigestAlgorithm};
use crate::predicate::{SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02};
use serde_json::Value;

/// Most dependencies read from one provenance (SLSA generators list a handful; a build with a
/// lockfile a few thousand).
pub const MAX_DEPENDENCIES: usize = 10_000;

/// The SLSA provenance version a predicate was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlsaVersion {
    V0_2,
    V1,
}

impl SlsaVersion {
    pub const fn as_str(self) -> &'static str {
        match self {
            SlsaVersion::V0_2 => "v0.2",
            SlsaVersion::V1 => "v1",
        }
    }

    /// The version a predicate type names, if it is SLSA provenance.
    pub fn of_predicate_type(predicate_type: &str) -> Option<Self> {
        match predicate_type {
            SLSA_PROVENANCE_V1 => Some(SlsaVersion::V1),
            SLSA_PROVENANCE_V02 => Some(SlsaVersion::V0_2),
            _ => None,
        }
    }
}

/// The facts of a SLSA provenance that policies look at, whatever its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub version: SlsaVersion,
    pub builder_id: Option<String>,
    pub build_type: Option<String>,
    /// The source repository as written, without a trailing `@ref` (compare with
    /// [`same_repository`]).
    pub source_repo: Option<String>,
    /// The source ref (`refs/heads/main`, `refs/tags/v1.2.0`), when the provenance names one.
    pub source_ref: Option<String>,
    /// The source revision as (algorithm, hex), e.g. `("gitCommit", "1ac9…")` or `("sha1", …)`.
    pub source_digest: Option<(String, String)>,
    pub dependencies: Vec<Dependency>,
}

/// One input of the build: a v1 resolved dependency or a v0.2 material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub uri: Option<String>,
    pub name: Option<String>,
    /// sha256/sha384/sha512 digests: what the provenance chain follows.
    pub digests: Vec<Digest>,
    /// Digests under other names (`gitCommit`, `sha1`, …), as written.
    pub other_digests: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlsaError {
    #[error("predicate type {0:?} is not SLSA provenance v0.2 or v1")]
    UnsupportedType(String),
    #[error("SLSA provenance {version}: {field} {problem}")]
    Malformed {
        version: &'static str,
        field: String,
        problem: String,
    },
    #[error("SLSA provenance lists {count} dependencies; at most {max} are read")]
    TooManyDependencies { count: usize, max: usize },
}

impl SlsaError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidStatement
    }
}

/// Map a SLSA provenance predicate (v0.2 or v1, told by `predicate_type`) to [`Provenance`].
pub fn parse_provenance(predicate_type: &str, predicate: &Value) -> Result<Provenance, SlsaError> {
    let version = SlsaVersion::of_predicate_type(predicate_type)
        .ok_or_else(|| SlsaError::UnsupportedType(crate::code::excerpt(predicate_type, 120)))?;
    let reader = Reader { version };
    if !predicate.is_object() {
        return Err(reader.malformed("predicate", "is not an object"));
    }
    match version {
        SlsaVersion::V1 => reader.v1(predicate),
        SlsaVersion::V0_2 => reader.v0_2(predicate),
    }
}

/// A DigestSet split into Cairn digests and the other algorithms.
type DigestSplit = (Vec<Digest>, Vec<(String, String)>);

struct Reader {
    version: SlsaVersion,
}

impl Reader {
    fn malformed(&self, field: &str, problem: impl Into<String>) -> SlsaError {
        SlsaError::Malformed {
            version: self.version.as_str(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    /// An optional string field: absent or `null` is `None`, anything but a string is an error.
    fn opt_str(&self, v: &Value, path: &[&str]) -> Result<Option<String>, SlsaError> {
        let mut cur = v;
        for (i, key) in path.iter().enumerate() {
            match cur {
                Value::Object(map) => match map.get(*key) {
                    Some(next) => cur = next,
                    None => return Ok(None),
                },
                Value::Null => return Ok(None),
                _ => {
                    return Err(self.malformed(&path[..i].join("."), "is not an object"));
                }
            }
        }
        match cur {
            Value::Null => Ok(None),
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            _ => Err(self.malformed(&path.join("."), "is not a string")),
        }
    }

    fn v1(&self, p: &Value) -> Result<Provenance, SlsaError> {
        let builder_id = self.opt_str(p, &["runDetails", "builder", "id"])?;
        let build_type = self.opt_str(p, &["buildDefinition", "buildType"])?;
        let deps_value = p
            .get("buildDefinition")
            .and_then(|b| b.get("resolvedDependencies"));
        let dependencies = self.dependencies(deps_value, "buildDefinition.resolvedDependencies")?;

        // The source named by the external parameters, in the forms builders use.
        let ext = p
            .get("buildDefinition")
            .and_then(|b| b.get("externalParameters"))
            .unwrap_or(&Value::Null);
        let mut repo: Option<String> = None;
        let mut git_ref: Option<String> = None;
        let candidates: [(&[&str], &[&str]); 3] = [
            (&["workflow", "repository"], &["workflow", "ref"]),
            (&["source", "uri"], &["source", "ref"]),
            (
                &["buildConfigSource", "repository"],
                &["buildConfigSource", "ref"],
            ),
        ];
        for (repo_path, ref_path) in candidates {
            if let Some(r) = self.opt_str_lenient(ext, repo_path) {
                repo = Some(r);
                git_ref = self.opt_str_lenient(ext, ref_path);
                break;
            }
        }
        if repo.is_none()
            && let Some(Value::String(uri)) = ext.get("source")
            && !uri.is_empty()
        {
            repo = Some(uri.clone());
        }
        // A `@ref` written into the repository URI itself.
        if let Some(r) = repo.take() {
            let (base, suffix) = split_ref(&r);
            if git_ref.is_none() {
                git_ref = suffix.map(str::to_owned);
            }
            repo = Some(base.to_owned());
        }

        // The resolved dependency that pins the source revision: the one for the same repository,
        // or (when the parameters name none) the first one with a gitCommit digest.
        let mut source_digest = None;
        for dep in &dependencies {
            let Some(commit) = git_digest(dep) else {
                continue;
            };
            let dep_uri = dep.uri.as_deref().unwrap_or("");
            let (dep_repo, dep_ref) = split_ref(dep_uri);
            match &repo {
                Some(r) if !dep_uri.is_empty() && same_repository(r, dep_repo) => {
                    source_digest = Some(commit);
                    if git_ref.is_none() {
                        git_ref = dep_ref.map(str::to_owned);
                    }
                    break;
                }
                Some(_) => {}
                None => {
                    source_digest = Some(commit);
                    if !dep_repo.is_empty() {
                        repo = Some(dep_repo.to_owned());
                    }
                    git_ref = dep_ref.map(str::to_owned);
                    break;
                }
            }
        }
        Ok(Provenance {
            version: self.version,
            builder_id,
            build_type,
            source_repo: repo,
            source_ref: git_ref,
            source_digest,
            dependencies,
        })
    }

    fn v0_2(&self, p: &Value) -> Result<Provenance, SlsaError> {
        let builder_id = self.opt_str(p, &["builder", "id"])?;
        let build_type = self.opt_str(p, &["buildType"])?;
        let uri = self.opt_str(p, &["invocation", "configSource", "uri"])?;
        let (source_repo, source_ref) = match &uri {
            Some(u) => {
                let (base, r) = split_ref(u);
                (Some(base.to_owned()), r.map(str::to_owned))
            }
            None => (None, None),
        };
        let source_digest = match p
            .get("invocation")
            .and_then(|i| i.get("configSource"))
            .and_then(|c| c.get("digest"))
        {
            Some(d) => {
                let (digests, others) = self.digest_set(d, "invocation.configSource.digest")?;
                preferred_source_digest(&digests, &others)
            }
            None => None,
        };
        let dependencies = self.dependencies(p.get("materials"), "materials")?;
        Ok(Provenance {
            version: self.version,
            builder_id,
            build_type,
            source_repo,
            source_ref,
            source_digest,
            dependencies,
        })
    }

    /// Like [`Self::opt_str`] but a non-string is simply absent (external parameters are free-form
    /// per build type; only the forms Cairn recognises are read).
    fn opt_str_lenient(&self, v: &Value, path: &[&str]) -> Option<String> {
        self.opt_str(v, path).ok().flatten()
    }

    fn dependencies(&self, v: Option<&Value>, field: &str) -> Result<Vec<Dependency>, SlsaError> {
        let items = match v {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(self.malformed(field, "is not an array")),
        };
        if items.len() > MAX_DEPENDENCIES {
            return Err(SlsaError::TooManyDependencies {
                count: items.len(),
                max: MAX_DEPENDENCIES,
            });
        }
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let here = format!("{field}[{i}]");
                if !item.is_object() {
                    return Err(self.malformed(&here, "is not an object"));
                }
                let uri = self.opt_str(item, &["uri"])?;
                let name = self.opt_str(item, &["name"])?;
                let (digests, other_digests) = match item.get("digest") {
                    None | Some(Value::Null) => (Vec::new(), Vec::new()),
                    Some(d) => self.digest_set(d, &format!("{here}.digest"))?,
                };
                Ok(Dependency {
                    uri,
                    name,
                    digests,
                    other_digests,
                })
            })
            .collect()
    }

    /// An in-toto DigestSet: sha256/sha384/sha512 strictly parsed, other names kept as written.
    fn digest_set(&self, v: &Value, field: &str) -> Result<DigestSplit, SlsaError> {
        let Value::Object(map) = v else {
            return Err(self.malformed(field, "is not a digest set object"));
        };
        if map.len() > crate::limits::MAX_DIGESTS_PER_SUBJECT {
            return Err(self.malformed(field, "has too many digests"));
        }
        let mut digests = Vec::new();
        let mut others = Vec::new();
        for (alg, value) in map {
            let Value::String(hex) = value else {
                return Err(self.malformed(&format!("{field}.{alg}"), "is not a string"));
            };
            if alg.parse::<DigestAlgorithm>().is_ok() {
                let d = Digest::from_parts(alg, hex)
                    .map_err(|e| self.malformed(&format!("{field}.{alg}"), e.to_string()))?;
                digests.push(d);
            } else {
                others.push((
                    crate::code::excerpt(alg, 64),
                    crate::code::excerpt(hex, 256),
                ));
            }
        }
        Ok((digests, others))
    }
}

fn git_digest(dep: &Dependency) -> Option<(String, String)> {
    dep.other_digests
        .iter()
        .find(|(alg, _)| alg == "gitCommit")
        .or_else(|| {
            // v0.2 style: a git+ URI pinned by sha1.
            dep.uri
                .as_deref()
                .filter(|u| u.starts_with("git+"))
                .and_then(|_| dep.other_digests.iter().find(|(alg, _)| alg == "sha1"))
        })
        .cloned()
}

fn preferred_source_digest(
    digests: &[Digest],
    others: &[(String, String)],
) -> Option<(String, String)> {
    for want in ["gitCommit", "sha1"] {
        if let Some(found) = others.iter().find(|(alg, _)| alg == want) {
            return Some(found.clone());
        }
    }
    if let Some(d) = digests.first() {
        return Some((d.algorithm().as_str().to_owned(), d.hex()));
    }
    others.first().cloned()
}

/// Split `git+https://host/owner/repo@refs/heads/main` into the repository and the ref. The `@`
/// is looked for only in the path (after the authority), so `ssh://git@host/x` keeps its user.
pub fn split_ref(uri: &str) -> (&str, Option<&str>) {
    let path_start = match uri.find("://") {
        Some(i) => {
            let after = i + 3;
            uri.get(after..)
                .and_then(|rest| rest.find('/'))
                .map_or(uri.len(), |j| after + j)
        }
        None => uri.find('/').unwrap_or(uri.len()),
    };
    match uri
        .get(path_start..)
        .and_then(|path| path.find('@'))
        .map(|j| path_start + j)
    {
        Some(at) => {
            let r = uri.get(at + 1..).unwrap_or("");
            (
                uri.get(..at).unwrap_or(uri),
                if r.is_empty() { None } else { Some(r) },
            )
        }
        None => (uri, None),
    }
}

/// A repository URI in the form used for comparison: without `git+`, without a `@ref` suffix,
/// without a trailing `/` or `.git`, scheme and host lowercase (RFC 3986 §6.2.2.1). The path
/// keeps its case: only some hosts treat it case-insensitively.
pub fn normalize_repository(uri: &str) -> String {
    let uri = uri.trim();
    let uri = uri.strip_prefix("git+").unwrap_or(uri);
    let (base, _) = split_ref(uri);
    let mut base = base.trim_end_matches('/');
    if let Some(stripped) = base.strip_suffix(".git") {
        base = stripped.trim_end_matches('/');
    }
    match base.find("://") {
        Some(i) => {
            let after = i + 3;
            let host_end = base
                .get(after..)
                .and_then(|rest| rest.find('/'))
                .map_or(base.len(), |j| after + j);
            let (head, path) = base.split_at(host_end);
            format!("{}{}", head.to_ascii_lowercase(), path)
        }
        None => base.to_owned(),
    }
}

/// Whether two repository URIs name the same repository ([`normalize_repository`] of both).
pub fn same_repository(a: &str, b: &str) -> bool {
    let (a, b) = (normalize_repository(a), normalize_repository(b));
    !a.is_empty() && a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHA: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";
    const COMMIT: &str = "1ac93ce21ee526b36fd154b9058d97dfaa424c50";

    fn v1(ext: Value, deps: Value) -> Value {
        json!({
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": ext,
                "resolvedDependencies": deps,
            },
            "runDetails": {"builder": {"id": "https://github.com/acme/ci/.github/workflows/build.yml@refs/heads/main"}},
        })
    }

    fn v0_2(config_uri: &str, materials: Value) -> Value {
        json!({
            "builder": {"id": "https://github.com/acme/ci/.github/workflows/build.yml@refs/heads/main"},
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "invocation": {"configSource": {"uri": config_uri, "digest": {"sha1": COMMIT}, "entryPoint": "build.yml"}},
            "materials": materials,
        })
    }

    /// Both versions, written as builders write them, map to the same facts.
    #[test]
    fn both_versions_map_the_same_facts() {
        let base_image = json!({"uri": "pkg:docker/alpine@3.19", "digest": {"sha256": SHA}});
        let cases = [
            (
                "v1 workflow parameters",
                SLSA_PROVENANCE_V1,
                v1(
                    json!({"workflow": {"repository": "https://github.com/acme/web", "ref": "refs/heads/main", "path": "build.yml"}}),
                    json!([{"uri": "git+https://github.com/acme/web@refs/heads/main", "digest": {"gitCommit": COMMIT}}, base_image]),
                ),
            ),
            (
                "v1 source object",
                SLSA_PROVENANCE_V1,
                v1(
                    json!({"source": {"uri": "git+https://github.com/acme/web.git", "ref": "refs/heads/main"}}),
                    json!([{"uri": "git+https://github.com/acme/web@refs/heads/main", "digest": {"gitCommit": COMMIT}}, base_image]),
                ),
            ),
            (
                "v1 source URI with ref",
                SLSA_PROVENANCE_V1,
                v1(
                    json!({"source": "git+https://github.com/acme/web@refs/heads/main"}),
                    json!([{"uri": "git+https://github.com/acme/web@refs/heads/main", "digest": {"gitCommit": COMMIT}}, base_image]),
                ),
            ),
            (
                "v1 source only from the resolved dependency",
                SLSA_PROVENANCE_V1,
                v1(
                    json!({"inputs": {}}),
                    json!([{"uri": "git+https://github.com/acme/web@refs/heads/main", "digest": {"gitCommit": COMMIT}}, base_image]),
                ),
            ),
            (
                "v0.2 configSource and materials",
                SLSA_PROVENANCE_V02,
                v0_2(
                    "git+https://github.com/acme/web@refs/heads/main",
                    json!([{"uri": "git+https://github.com/acme/web@refs/heads/main", "digest": {"sha1": COMMIT}}, base_image]),
                ),
            ),
        ];
        let mut failures = Vec::new();
        for (name, pt, predicate) in cases {
            let p = match parse_provenance(pt, &predicate) {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{name}: {e}"));
                    continue;
                }
            };
            let checks = [
                (
                    "builder",
                    p.builder_id.as_deref()
                        == Some(
                            "https://github.com/acme/ci/.github/workflows/build.yml@refs/heads/main",
                        ),
                ),
                (
                    "buildType",
                    p.build_type.as_deref()
                        == Some("https://actions.github.io/buildtypes/workflow/v1"),
                ),
                (
                    "repo",
                    p.source_repo
                        .as_deref()
                        .is_some_and(|r| same_repository(r, "https://github.com/acme/web")),
                ),
                ("ref", p.source_ref.as_deref() == Some("refs/heads/main")),
                (
                    "commit",
                    p.source_digest.as_ref().map(|(_, h)| h.as_str()) == Some(COMMIT),
                ),
                (
                    "deps",
                    p.dependencies.len() == 2
                        && p.dependencies[1].digests
                            == vec![Digest::from_parts("sha256", SHA).unwrap()],
                ),
            ];
            for (what, ok) in checks {
                if !ok {
                    failures.push(format!("{name}: {what} wrong in {p:?}"));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn rejects_malformed_dependency_digests_and_shapes() {
        let cases = [
            (
                "uppercase sha256",
                v1(
                    json!({}),
                    json!([{"digest": {"sha256": SHA.to_uppercase()}}]),
                ),
            ),
            (
                "short sha256",
                v1(json!({}), json!([{"digest": {"sha256": "abc"}}])),
            ),
            ("deps not array", v1(json!({}), json!({"a": 1}))),
            ("dep not object", v1(json!({}), json!(["x"]))),
            (
                "digest not string",
                v1(json!({}), json!([{"digest": {"sha256": 1}}])),
            ),
            (
                "builder id not string",
                json!({"runDetails": {"builder": {"id": 7}}}),
            ),
        ];
        for (name, p) in cases {
            assert!(
                parse_provenance(SLSA_PROVENANCE_V1, &p).is_err(),
                "{name} accepted"
            );
        }
        // …and the accepting twin: the same shapes, well formed.
        assert!(
            parse_provenance(
                SLSA_PROVENANCE_V1,
                &v1(json!({}), json!([{"digest": {"sha256": SHA}}]))
            )
            .is_ok()
        );
        assert!(matches!(
            parse_provenance("https://example.com/other", &json!({})),
            Err(SlsaError::UnsupportedType(_))
        ));
        assert!(parse_provenance(SLSA_PROVENANCE_V1, &json!([])).is_err());
        assert!(parse_provenance(SLSA_PROVENANCE_V1, &json!({})).is_ok());
    }

    #[test]
    fn normalises_repositories_for_comparison() {
        let same = [
            (
                "git+https://github.com/acme/web",
                "https://github.com/acme/web",
            ),
            (
                "git+https://github.com/acme/web@refs/heads/main",
                "https://github.com/acme/web",
            ),
            (
                "https://github.com/acme/web.git",
                "https://github.com/acme/web/",
            ),
            ("HTTPS://GitHub.com/acme/web", "https://github.com/acme/web"),
            (
                "git+ssh://git@github.com/acme/web.git@refs/tags/v1",
                "ssh://git@github.com/acme/web",
            ),
        ];
        for (a, b) in same {
            assert!(same_repository(a, b), "{a} vs {b}");
        }
        let different = [
            (
                "https://github.com/acme/web",
                "https://github.com/acme/webapp",
            ),
            ("https://github.com/acme/web", "https://github.com/Acme/web"),
            ("https://github.com/acme/web", "https://gitlab.com/acme/web"),
            ("", ""),
        ];
        for (a, b) in different {
            assert!(!same_repository(a, b), "{a} vs {b}");
        }
        assert_eq!(
            split_ref("git+https://github.com/acme/web@refs/heads/main"),
            ("git+https://github.com/acme/web", Some("refs/heads/main"))
        );
        assert_eq!(split_ref("ssh://git@host/x"), ("ssh://git@host/x", None));
    }

    #[test]
    fn too_many_dependencies_are_refused() {
        let deps: Vec<Value> = (0..=MAX_DEPENDENCIES).map(|_| json!({})).collect();
        assert!(matches!(
            parse_provenance(SLSA_PROVENANCE_V1, &v1(json!({}), Value::Array(deps))),
            Err(SlsaError::TooManyDependencies { .. })
        ));
    }
}

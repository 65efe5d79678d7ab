//! SLSA provenance from real generators (`../shared/testdata/dsse/sigstore-python`) through
//! `slsa::parse_provenance` and a policy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_core::Digest;
use cairn_core::policy::eval::{
    ArtifactEvidence, AttestationEvidence, Evidence, KeyEvidence, evaluate,
};
use cairn_core::policy::{PolicyFormat, parse_policy};
use cairn_core::predicate::{SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02};
use cairn_core::slsa::{SlsaVersion, parse_provenance, same_repository};
use cairn_core::statement::{Statement, Subject};
use cairn_core::time::Timestamp;
use cairn_core::verify::Verdict;
use std::collections::BTreeMap;

#[path = "../../tests/support/testdata.rs"]
mod shared;

struct Case {
    file: &'static str,
    predicate_type: &'static str,
    version: SlsaVersion,
    builder: &'static str,
    build_type: &'static str,
    repo: &'static str,
    git_ref: &'static str,
    commit: (&'static str, &'static str),
    dependencies: usize,
}

const CASES: [Case; 2] = [
    Case {
        file: "slsa_predicate_v0_2.json",
        predicate_type: SLSA_PROVENANCE_V02,
        version: SlsaVersion::V0_2,
        builder: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0",
        build_type: "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
        repo: "https://github.com/sigstore/sigstore-python",
        git_ref: "refs/tags/v3.2.0",
        commit: ("sha1", "fc29ec190575ae345cea23f0953b64ca6f2ab8ba"),
        dependencies: 1,
    },
    Case {
        file: "slsa_predicate_v1_0.json",
        predicate_type: SLSA_PROVENANCE_V1,
        version: SlsaVersion::V1,
        builder: "https://github.com/octo-org/octo-repo/.github/workflows/docker.yaml@refs/heads/development",
        build_type: "https://actions.github.io/buildtypes/workflow/v1",
        repo: "https://github.com/octo-org/octo-repo",
        git_ref: "refs/tags/1.21.0",
        commit: ("gitCommit", "1ac93ce21ee526b36fd154b9058d97dfaa424c50"),
        dependencies: 1,
    },
];

fn predicate(file: &str) -> serde_json::Value {
    let path = shared::testdata_dir()
        .join("dsse/sigstore-python")
        .join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn generator_predicates_map_to_the_same_facts() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &CASES {
        let p = parse_provenance(case.predicate_type, &predicate(case.file)).unwrap();
        let facts = [
            ("version", p.version == case.version),
            ("builder", p.builder_id.as_deref() == Some(case.builder)),
            (
                "buildType",
                p.build_type.as_deref() == Some(case.build_type),
            ),
            (
                "repo",
                p.source_repo
                    .as_deref()
                    .is_some_and(|r| same_repository(r, case.repo)),
            ),
            ("ref", p.source_ref.as_deref() == Some(case.git_ref)),
            (
                "commit",
                p.source_digest == Some((case.commit.0.to_owned(), case.commit.1.to_owned())),
            ),
            ("dependencies", p.dependencies.len() == case.dependencies),
            // The only dependency is the source checkout: nothing with a sha256 to follow.
            (
                "nothing to follow",
                p.dependencies.iter().all(|d| d.digests.is_empty()),
            ),
        ];
        for (what, ok) in facts {
            if !ok {
                failures.push(format!("{}: {what} wrong: {p:?}", case.file));
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 2);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// One policy per generator, written with `git+` and `.git` spellings, passes on the real
/// predicate and fails when the repository differs.
#[test]
fn generator_predicates_satisfy_slsa_constraints() {
    let subject = Digest::sha256_of(b"artifact");
    let keyid = "ab".repeat(32);
    let mut checked = 0;
    for case in &CASES {
        let statement = Statement::new_v1(
            vec![Subject {
                name: "artifact".into(),
                digests: vec![subject.clone()],
                other_digests: Vec::new(),
            }],
            case.predicate_type,
            predicate(case.file),
        );
        let evidence = Evidence {
            artifacts: BTreeMap::from([(
                subject.clone(),
                ArtifactEvidence {
                    digest: subject.clone(),
                    names: Vec::new(),
                    attestations: vec![AttestationEvidence {
                        id: Digest::sha256_of(case.file.as_bytes()),
                        predicate_type: case.predicate_type.to_owned(),
                        statement,
                        signers: vec![keyid.clone()],
                        integrated_time: Timestamp::from_unix_millis(1_724_000_000_000),
                        claims: Vec::new(),
                    }],
                    sbom: None,
                },
            )]),
            keys: vec![KeyEvidence {
                keyid: keyid.clone(),
                name: "ci".into(),
                revoked_at: None,
                compromised: false,
                compromised_since: None,
            }],
            now: Timestamp::from_unix_millis(1_724_100_000_000),
        };
        for (repo, want) in [
            (format!("git+{}.git", case.repo), Verdict::Pass),
            (format!("{}-fork", case.repo), Verdict::Fail),
        ] {
            let doc = format!(
                "name: p\nrules:\n  - name: built\n    attestation:\n      predicateType: {}\n      signers: {{anyOf: [{{key: ci}}]}}\n      maxAge: 7d\n      slsa: {{builderId: '{}', sourceRepo: '{repo}', sourceRef: '{}'}}\n",
                case.predicate_type, case.builder, case.git_ref
            );
            let policy = parse_policy(doc.as_bytes(), PolicyFormat::Yaml).unwrap();
            let report = evaluate(&policy, &BTreeMap::new(), &subject, &evidence);
            assert_eq!(
                report.verdict, want,
                "{} {repo}: {:#?}",
                case.file, report.rules
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// Every YAML example of docs/policy.md parses: the full documents as they are, the rule
/// fragments inside a minimal policy.
#[test]
fn the_documented_examples_parse() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/policy.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 5, "docs/policy.md YAML examples");
    for block in blocks {
        let text = if block.starts_with("- ") {
            let indented: String = block.lines().map(|l| format!("  {l}\n")).collect();
            format!("name: docs\nrules:\n{indented}")
        } else {
            block.to_owned()
        };
        if let Err(e) = parse_policy(text.as_bytes(), PolicyFormat::Yaml) {
            panic!("{e}\n{text}");
        }
    }
}

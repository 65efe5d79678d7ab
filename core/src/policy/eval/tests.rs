//! Table tests of the evaluator, one section per rule kind, plus a proptest that arbitrary
//! evidence never panics it.

use super::*;
use crate::policy::{PolicyFormat, parse_policy};
use crate::predicate::{SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02};
use crate::statement::Subject;
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_760_000_000_000;
const GH: &str = "https://token.actions.githubusercontent.com";

fn d(n: u8) -> Digest {
    Digest::sha256_of(&[n])
}

fn at(day: i64) -> Timestamp {
    Timestamp::from_unix_millis(T0 + day * DAY)
}

fn keyid(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn key(n: u8, name: &str) -> KeyEvidence {
    KeyEvidence {
        keyid: keyid(n),
        name: name.to_owned(),
        revoked_at: None,
        compromised: false,
        compromised_since: None,
    }
}

fn statement(subject: &Digest, pt: &str, predicate: Value) -> Statement {
    Statement::new_v1(
        vec![Subject {
            name: "registry.example/acme/web".into(),
            digests: vec![subject.clone()],
            other_digests: Vec::new(),
        }],
        pt,
        predicate,
    )
}

/// An attestation numbered `id` (its content id), logged on `day`.
fn att(
    id: u8,
    subject: &Digest,
    pt: &str,
    predicate: Value,
    signers: &[&str],
    day: i64,
) -> AttestationEvidence {
    AttestationEvidence {
        id: Digest::sha256_of(&[200, id]),
        predicate_type: pt.to_owned(),
        statement: statement(subject, pt, predicate),
        signers: signers.iter().map(|s| (*s).to_owned()).collect(),
        integrated_time: at(day),
        claims: Vec::new(),
    }
}

fn sig(id: u8, subject: &Digest, signer: &str, day: i64) -> AttestationEvidence {
    att(id, subject, CAIRN_SIGNATURE_V1, json!({}), &[signer], day)
}

fn prov_v1(builder: &str, repo: &str, deps: &[&Digest]) -> Value {
    let deps: Vec<Value> = deps
        .iter()
        .map(|d| json!({"uri": format!("pkg:docker/base-{}", &d.hex()[..6]), "digest": {"sha256": d.hex()}}))
        .collect();
    json!({
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {"workflow": {"repository": repo, "ref": "refs/heads/main", "path": "build.yml"}},
            "resolvedDependencies": deps,
        },
        "runDetails": {"builder": {"id": builder}},
    })
}

fn prov_v0_2(builder: &str, repo: &str, deps: &[&Digest]) -> Value {
    let materials: Vec<Value> = deps
        .iter()
        .map(|d| json!({"uri": "pkg:docker/base", "digest": {"sha256": d.hex()}}))
        .collect();
    json!({
        "builder": {"id": builder},
        "buildType": "https://actions.github.io/buildtypes/workflow/v1",
        "invocation": {"configSource": {"uri": format!("git+{repo}@refs/heads/main"), "digest": {"sha1": "ab12"}, "entryPoint": "build.yml"}},
        "materials": materials,
    })
}

#[derive(Default)]
struct World {
    artifacts: BTreeMap<Digest, ArtifactEvidence>,
    keys: Vec<KeyEvidence>,
}

impl World {
    fn new() -> Self {
        World {
            artifacts: BTreeMap::new(),
            keys: vec![key(1, "release"), key(2, "ci"), key(3, "qa")],
        }
    }
    fn entry(&mut self, subject: &Digest) -> &mut ArtifactEvidence {
        self.artifacts
            .entry(subject.clone())
            .or_insert_with(|| ArtifactEvidence {
                digest: subject.clone(),
                names: vec!["registry.example/acme/web".into()],
                attestations: Vec::new(),
                sbom: None,
            })
    }
    fn with(mut self, a: AttestationEvidence) -> Self {
        let subject = a.statement.subjects[0].digests[0].clone();
        self.entry(&subject).attestations.push(a);
        self
    }
    fn with_sbom(mut self, subject: &Digest, sbom: SbomEvidence) -> Self {
        self.entry(subject).sbom = Some(sbom);
        self
    }
    fn evidence(&self, now_day: i64) -> Evidence {
        Evidence {
            artifacts: self.artifacts.clone(),
            keys: self.keys.clone(),
            now: at(now_day),
        }
    }
}

fn policy(yaml: &str) -> Policy {
    parse_policy(yaml.as_bytes(), PolicyFormat::Yaml).unwrap()
}

fn run(p: &Policy, world: &World) -> Report {
    evaluate(p, &BTreeMap::new(), &d(0), &world.evidence(100))
}

fn outcome(r: &Report) -> (Verdict, EvidenceState) {
    (r.verdict, r.rules[0].evidence)
}

const PASS: (Verdict, EvidenceState) = (Verdict::Pass, EvidenceState::Present);
const FAIL_PRESENT: (Verdict, EvidenceState) = (Verdict::Fail, EvidenceState::Present);
const FAIL_MISSING: (Verdict, EvidenceState) = (Verdict::Fail, EvidenceState::Missing);

/// Run a table of (case, world, expected) and report every mismatch by name.
fn table(p: &Policy, cases: Vec<(&str, World, (Verdict, EvidenceState))>) {
    let mut failures = Vec::new();
    for (name, world, want) in cases {
        let report = run(p, &world);
        if outcome(&report) != want {
            failures.push(format!(
                "{name}: expected {want:?}, got {:?}: {:#?}",
                outcome(&report),
                report.rules
            ));
        }
        if report.rules.iter().any(|r| r.checks.is_empty()) {
            failures.push(format!("{name}: a rule without checks"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

const SIGNED_BY_RELEASE: &str =
    "name: p\nrules:\n  - name: signed\n    signature: {signers: {anyOf: [{key: release}]}}\n";

#[test]
fn signature_rule_by_key_name_and_keyid() {
    let p = policy(SIGNED_BY_RELEASE);
    let by_id = policy(&format!(
        "name: p\nrules:\n  - name: signed\n    signature: {{signers: {{anyOf: [{{key: '{}'}}]}}}}\n",
        keyid(1)
    ));
    let k1 = keyid(1);
    let k2 = keyid(2);
    let k9 = keyid(9);
    table(
        &p,
        vec![
            (
                "signed by release",
                World::new().with(sig(1, &d(0), &k1, 1)),
                PASS,
            ),
            ("no signature", World::new(), FAIL_MISSING),
            (
                "signed by ci only",
                World::new().with(sig(1, &d(0), &k2, 1)),
                FAIL_MISSING,
            ),
            (
                "signed by an unregistered key",
                World::new().with(sig(1, &d(0), &k9, 1)),
                FAIL_MISSING,
            ),
            (
                "a provenance by release is no signature",
                World::new().with(att(1, &d(0), SLSA_PROVENANCE_V1, json!({}), &[&k1], 1)),
                FAIL_MISSING,
            ),
            (
                "a signature of another digest does not count",
                World::new().with(sig(1, &d(7), &k1, 1)),
                FAIL_MISSING,
            ),
            (
                "one good signature among bad ones",
                World::new()
                    .with(sig(1, &d(0), &k2, 3))
                    .with(sig(2, &d(0), &k1, 1)),
                PASS,
            ),
        ],
    );
    table(
        &by_id,
        vec![("by keyid", World::new().with(sig(1, &d(0), &k1, 1)), PASS)],
    );
    table(
        &by_id,
        vec![(
            "by keyid, other key",
            World::new().with(sig(1, &d(0), &k2, 1)),
            FAIL_MISSING,
        )],
    );
}

#[test]
fn revocation_is_judged_at_log_time() {
    let p = policy(SIGNED_BY_RELEASE);
    let k1 = keyid(1);
    let revoked = |revoked_day: Option<i64>, compromised: bool, since: Option<i64>| {
        let mut w = World::new().with(sig(1, &d(0), &k1, 10));
        w.keys[0].revoked_at = revoked_day.map(at);
        w.keys[0].compromised = compromised;
        w.keys[0].compromised_since = since.map(at);
        w
    };
    table(
        &p,
        vec![
            (
                "superseded after the signature",
                revoked(Some(20), false, None),
                PASS,
            ),
            (
                "superseded before the signature",
                revoked(Some(5), false, None),
                FAIL_MISSING,
            ),
            (
                "superseded at the very same time",
                revoked(Some(10), false, None),
                FAIL_MISSING,
            ),
            (
                "compromised since after the signature",
                revoked(Some(30), true, Some(20)),
                PASS,
            ),
            (
                "compromised since before the signature",
                revoked(Some(30), true, Some(5)),
                FAIL_MISSING,
            ),
            (
                "compromised without a time",
                revoked(Some(30), true, None),
                FAIL_MISSING,
            ),
        ],
    );
    let report = run(&p, &revoked(Some(30), true, Some(5)));
    assert!(
        report.rules[0].checks[0]
            .detail
            .contains("compromised since"),
        "{:?}",
        report.rules[0].checks
    );
}

#[test]
fn keyless_and_x509_signers() {
    let p = policy(&format!(
        r#"
name: p
rules:
  - name: signed
    signature:
      signers:
        anyOf:
          - keyless: {{issuer: "{GH}", subjectRegex: "https://github.com/acme/.*", claims: {{githubWorkflowRef: refs/heads/main}}}}
          - x509: {{subjectRegex: "CN=.*,O=Acme", sanRegex: ".*@acme\\.example", ca: corp}}
"#
    ));
    let keyless = |san: &str, issuer: &str, claims: &[(&str, &str)]| {
        let mut a = sig(1, &d(0), &format!("keyless {issuer} {san}"), 1);
        a.claims = claims
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        World::new().with(a)
    };
    let x509 = |dn: &str, claims: &[(&str, &str)]| {
        let mut a = sig(1, &d(0), &format!("x509 {dn}"), 1);
        a.claims = claims
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        World::new().with(a)
    };
    let wf = "https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main";
    table(
        &p,
        vec![
            (
                "keyless, right identity and claim",
                keyless(wf, GH, &[("githubWorkflowRef", "refs/heads/main")]),
                PASS,
            ),
            (
                "keyless, claim not recorded",
                keyless(wf, GH, &[]),
                FAIL_MISSING,
            ),
            (
                "keyless, claim differs",
                keyless(wf, GH, &[("githubWorkflowRef", "refs/heads/dev")]),
                FAIL_MISSING,
            ),
            (
                "keyless, other org (anchored)",
                keyless(
                    "https://github.com/evil/x?https://github.com/acme/",
                    GH,
                    &[("githubWorkflowRef", "refs/heads/main")],
                ),
                FAIL_MISSING,
            ),
            (
                "keyless, other issuer",
                keyless(
                    wf,
                    "https://accounts.google.com",
                    &[("githubWorkflowRef", "refs/heads/main")],
                ),
                FAIL_MISSING,
            ),
            (
                "x509, all facts",
                x509(
                    "CN=release,O=Acme",
                    &[("san", "release@acme.example"), ("ca", "corp")],
                ),
                PASS,
            ),
            (
                "x509, other CA",
                x509(
                    "CN=release,O=Acme",
                    &[("san", "release@acme.example"), ("ca", "other")],
                ),
                FAIL_MISSING,
            ),
            (
                "x509, CA unknown",
                x509("CN=release,O=Acme", &[("san", "release@acme.example")]),
                FAIL_MISSING,
            ),
            (
                "x509, SAN differs",
                x509(
                    "CN=release,O=Acme",
                    &[("san", "x@evil.example"), ("ca", "corp")],
                ),
                FAIL_MISSING,
            ),
            (
                "x509, subject differs",
                x509(
                    "CN=release,O=Evil",
                    &[("san", "release@acme.example"), ("ca", "corp")],
                ),
                FAIL_MISSING,
            ),
        ],
    );
}

#[test]
fn all_of_signatures_may_be_separate() {
    let p = policy(
        "name: p\nrules:\n  - name: signed\n    signature: {signers: {allOf: [{key: release}, {key: qa}]}}\n",
    );
    let (k1, k3) = (keyid(1), keyid(3));
    table(
        &p,
        vec![
            (
                "both signed",
                World::new()
                    .with(sig(1, &d(0), &k1, 1))
                    .with(sig(2, &d(0), &k3, 2)),
                PASS,
            ),
            (
                "qa missing",
                World::new().with(sig(1, &d(0), &k1, 1)),
                FAIL_PRESENT,
            ),
            (
                "nobody allowed",
                World::new().with(sig(1, &d(0), &keyid(2), 1)),
                FAIL_MISSING,
            ),
        ],
    );
    let report = run(&p, &World::new().with(sig(1, &d(0), &k1, 1)));
    assert_eq!(report.rules[0].checks.len(), 2);
}

fn provenance_policy(select: &str, extra: &str) -> Policy {
    policy(&format!(
        "name: p\nrules:\n  - name: built\n    attestation:\n      predicateType: {SLSA_PROVENANCE_V1}\n      signers: {{anyOf: [{{key: ci}}]}}\n      select: {select}\n{extra}"
    ))
}

const ACME_BUILDER: &str = "https://github.com/acme/ci/.github/workflows/build.yml@refs/heads/main";

#[test]
fn attestation_select_newest_any_all() {
    let k2 = keyid(2);
    let slsa = "      slsa: {builderIdPrefix: 'https://github.com/acme/', sourceRepo: 'git+https://github.com/acme/web'}\n";
    let good = |id, day| {
        att(
            id,
            &d(0),
            SLSA_PROVENANCE_V1,
            prov_v1(ACME_BUILDER, "https://github.com/acme/web", &[]),
            &[&k2],
            day,
        )
    };
    let bad = |id, day| {
        att(
            id,
            &d(0),
            SLSA_PROVENANCE_V1,
            prov_v1(
                "https://evil.example/builder",
                "https://github.com/acme/web",
                &[],
            ),
            &[&k2],
            day,
        )
    };
    let newest_good = || World::new().with(bad(1, 1)).with(good(2, 2));
    let newest_bad = || World::new().with(good(1, 1)).with(bad(2, 2));
    let both_good = || World::new().with(good(1, 1)).with(good(2, 2));
    for (select, cases) in [
        (
            "newest",
            vec![
                ("newest good", newest_good(), PASS),
                ("newest bad", newest_bad(), FAIL_PRESENT),
                ("both good", both_good(), PASS),
            ],
        ),
        (
            "any",
            vec![
                ("newest good", newest_good(), PASS),
                ("newest bad", newest_bad(), PASS),
                (
                    "both bad",
                    World::new().with(bad(1, 1)).with(bad(2, 2)),
                    FAIL_PRESENT,
                ),
            ],
        ),
        (
            "all",
            vec![
                ("newest good", newest_good(), FAIL_PRESENT),
                ("newest bad", newest_bad(), FAIL_PRESENT),
                ("both good", both_good(), PASS),
            ],
        ),
    ] {
        table(&provenance_policy(select, slsa), cases);
    }
}

#[test]
fn attestation_candidates_need_allowed_trusted_signers() {
    let p = provenance_policy("newest", "");
    let (k1, k2) = (keyid(1), keyid(2));
    let prov = |id, signer: &str, day| {
        att(
            id,
            &d(0),
            SLSA_PROVENANCE_V1,
            prov_v1(ACME_BUILDER, "https://github.com/acme/web", &[]),
            &[signer],
            day,
        )
    };
    let mut revoked = World::new().with(prov(1, &k2, 10));
    revoked.keys[1].revoked_at = Some(at(5));
    table(
        &p,
        vec![
            ("by ci", World::new().with(prov(1, &k2, 1)), PASS),
            ("none at all", World::new(), FAIL_MISSING),
            (
                "only by release",
                World::new().with(prov(1, &k1, 1)),
                FAIL_MISSING,
            ),
            ("by a revoked ci key", revoked, FAIL_MISSING),
            (
                "a newer one by a stranger does not shadow ci's",
                World::new().with(prov(1, &k2, 1)).with(prov(2, &k1, 9)),
                PASS,
            ),
        ],
    );
    // allOf on an attestation rule: the same Statement must carry both signatures.
    let both = policy(&format!(
        "name: p\nrules:\n  - name: built\n    attestation: {{predicateType: {SLSA_PROVENANCE_V1}, signers: {{allOf: [{{key: ci}}, {{key: qa}}]}}}}\n"
    ));
    let k3 = keyid(3);
    table(
        &both,
        vec![
            (
                "one statement, two signatures",
                World::new().with(att(1, &d(0), SLSA_PROVENANCE_V1, json!({}), &[&k2, &k3], 1)),
                PASS,
            ),
            (
                "two statements, one signature each",
                World::new()
                    .with(att(1, &d(0), SLSA_PROVENANCE_V1, json!({}), &[&k2], 1))
                    .with(att(2, &d(0), SLSA_PROVENANCE_V1, json!({}), &[&k3], 1)),
                FAIL_MISSING,
            ),
        ],
    );
}

#[test]
fn predicate_types_match_exactly_except_cyclonedx_versions() {
    let p = policy(
        "name: p\nrules:\n  - {name: bom, attestation: {predicateType: cyclonedx, signers: {anyOf: [{key: ci}]}}}\n",
    );
    let k2 = keyid(2);
    let bom = |pt: &str| World::new().with(att(1, &d(0), pt, json!({}), &[&k2], 1));
    table(
        &p,
        vec![
            ("unversioned", bom("https://cyclonedx.org/bom"), PASS),
            ("versioned", bom("https://cyclonedx.org/bom/v1.5"), PASS),
            (
                "not cyclonedx",
                bom("https://cyclonedx.org/bomb"),
                FAIL_MISSING,
            ),
        ],
    );
    let p = provenance_policy("newest", "");
    table(
        &p,
        vec![("v0.2 is not v1", bom(SLSA_PROVENANCE_V02), FAIL_MISSING)],
    );
}

#[test]
fn max_age_is_measured_from_log_time_to_now() {
    let p = provenance_policy("newest", "      maxAge: 30d\n");
    let k2 = keyid(2);
    let prov = |day| World::new().with(att(1, &d(0), SLSA_PROVENANCE_V1, json!({}), &[&k2], day));
    // now is day 100
    table(
        &p,
        vec![
            ("10 days old", prov(90), PASS),
            ("exactly 30 days old", prov(70), PASS),
            ("31 days old", prov(69), FAIL_PRESENT),
        ],
    );
    let report = run(&p, &prov(69));
    let check = report.rules[0]
        .checks
        .iter()
        .find(|c| c.check == names::ATTESTATION_MAX_AGE)
        .unwrap();
    assert_eq!(check.result, Outcome::Fail);
    assert!(check.detail.contains("31d"), "{}", check.detail);
}

/// The same constraints hold for v1 and v0.2 provenance.
#[test]
fn slsa_constraints_for_both_versions() {
    let k2 = keyid(2);
    let constraints = [
        ("builderId", format!("builderId: '{ACME_BUILDER}'")),
        (
            "builderIdPrefix",
            "builderIdPrefix: 'https://github.com/acme/'".to_owned(),
        ),
        (
            "buildType",
            "buildType: 'https://actions.github.io/buildtypes/workflow/v1'".to_owned(),
        ),
        (
            "sourceRepo",
            "sourceRepo: 'git+https://github.com/acme/web.git'".to_owned(),
        ),
        ("sourceRef", "sourceRef: refs/heads/main".to_owned()),
    ];
    let mut failures = Vec::new();
    for (pt, make) in [
        (
            SLSA_PROVENANCE_V1,
            prov_v1 as fn(&str, &str, &[&Digest]) -> Value,
        ),
        (SLSA_PROVENANCE_V02, prov_v0_2),
    ] {
        for (name, c) in &constraints {
            let p = policy(&format!(
                "name: p\nrules:\n  - name: built\n    attestation: {{predicateType: '{pt}', signers: {{anyOf: [{{key: ci}}]}}, slsa: {{{c}}}}}\n"
            ));
            let good = World::new().with(att(
                1,
                &d(0),
                pt,
                make(ACME_BUILDER, "https://github.com/acme/web", &[]),
                &[&k2],
                1,
            ));
            let bad = World::new().with(att(
                1,
                &d(0),
                pt,
                make("https://evil.example/b", "https://github.com/evil/web", &[]),
                &[&k2],
                1,
            ));
            let bad = if *name == "buildType" || *name == "sourceRef" {
                // Builders agree on these: break them directly.
                let mut pred = make(ACME_BUILDER, "https://github.com/acme/web", &[]);
                if pt == SLSA_PROVENANCE_V1 {
                    pred["buildDefinition"]["buildType"] = json!("https://other/type");
                    pred["buildDefinition"]["externalParameters"]["workflow"]["ref"] =
                        json!("refs/heads/dev");
                } else {
                    pred["buildType"] = json!("https://other/type");
                    pred["invocation"]["configSource"]["uri"] =
                        json!("git+https://github.com/acme/web@refs/heads/dev");
                }
                World::new().with(att(1, &d(0), pt, pred, &[&k2], 1))
            } else {
                bad
            };
            let unreadable = World::new().with(att(1, &d(0), pt, json!({"materials": 7, "resolvedDependencies": 7, "buildDefinition": {"resolvedDependencies": 7}}), &[&k2], 1));
            for (case, world, want) in [
                ("good", good, PASS),
                ("bad", bad, FAIL_PRESENT),
                ("unreadable", unreadable, FAIL_PRESENT),
            ] {
                let got = outcome(&run(&p, &world));
                if got != want {
                    failures.push(format!("{pt} {name} {case}: {got:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn chain_world(edges: &[(u8, &[u8])], signer: &str) -> World {
    let mut w = World::new();
    for (node, deps) in edges {
        let deps: Vec<Digest> = deps.iter().map(|n| d(*n)).collect();
        let refs: Vec<&Digest> = deps.iter().collect();
        w = w.with(att(
            *node,
            &d(*node),
            SLSA_PROVENANCE_V1,
            prov_v1(ACME_BUILDER, "https://github.com/acme/web", &refs),
            &[signer],
            1,
        ));
    }
    w
}

fn chain_policy(body: &str) -> Policy {
    policy(&format!(
        "name: p\nrules:\n  - name: base\n    chain: {body}\n"
    ))
}

#[test]
fn chain_depth_cycles_and_attestation() {
    let k2 = keyid(2);
    // 0 -> 1 -> 2 -> 3
    let line = chain_world(&[(0, &[1]), (1, &[2]), (2, &[3]), (3, &[])], &k2);
    let r = run(&chain_policy("{maxDepth: 3}"), &line);
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.rules);
    assert_eq!(
        r.chain
            .iter()
            .map(|c| (c.digest.clone(), c.depth))
            .collect::<Vec<_>>(),
        vec![(d(1), 1), (d(2), 2), (d(3), 3)]
    );
    let r = run(&chain_policy("{maxDepth: 2}"), &line);
    assert_eq!(outcome(&r), FAIL_PRESENT);
    assert!(
        r.rules[0]
            .checks
            .iter()
            .any(|c| c.check == names::CHAIN_DEPTH && c.result == Outcome::Fail)
    );
    assert_eq!(r.chain.len(), 2);

    // 0 -> 1 -> 2 -> 1 (cycle) and 0 -> 2 (diamond): every node once, and the walk ends.
    let cyclic = chain_world(&[(0, &[1, 2]), (1, &[2]), (2, &[1, 0])], &k2);
    let r = run(&chain_policy("{maxDepth: 32}"), &cyclic);
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.rules);
    assert_eq!(r.chain.len(), 2, "{:#?}", r.chain);

    // A node without attestation fails when requireAttested (the default), not otherwise.
    let unattested = chain_world(&[(0, &[1])], &k2);
    assert_eq!(
        outcome(&run(&chain_policy("{}"), &unattested)),
        FAIL_PRESENT
    );
    assert_eq!(
        outcome(&run(&chain_policy("{requireAttested: false}"), &unattested)),
        PASS
    );
    // A node attested only by an untrusted key is not attested.
    let mut revoked = chain_world(&[(0, &[1])], &k2).with(sig(1, &d(1), &keyid(1), 1));
    revoked.keys[0].compromised = true;
    assert_eq!(outcome(&run(&chain_policy("{}"), &revoked)), FAIL_PRESENT);
    // No provenance on the artifact: nothing to follow, evidence missing.
    assert_eq!(
        outcome(&run(&chain_policy("{}"), &World::new())),
        FAIL_MISSING
    );
    // Provenance from someone the rule does not trust is not followed.
    assert_eq!(
        outcome(&run(
            &chain_policy("{signers: {anyOf: [{key: release}]}}"),
            &line
        )),
        FAIL_MISSING
    );
}

#[test]
fn chain_nodes_must_pass_the_sub_policy() {
    let (k1, k2) = (keyid(1), keyid(2));
    let p = chain_policy("{policy: base-images}");
    let base_images = policy(
        SIGNED_BY_RELEASE
            .replace("name: p", "name: base-images")
            .as_str(),
    );
    let policies = BTreeMap::from([("base-images".to_owned(), base_images)]);
    let world = chain_world(&[(0, &[1, 2]), (1, &[]), (2, &[])], &k2)
        .with(sig(11, &d(1), &k1, 1))
        .with(sig(12, &d(2), &k1, 1));
    let r = evaluate(&p, &policies, &d(0), &world.evidence(100));
    assert_eq!(r.verdict, Verdict::Pass, "{:#?}", r.rules);
    assert!(
        r.chain
            .iter()
            .all(|c| c.verdict == Verdict::Pass && c.rule == "base")
    );

    let unsigned_base =
        chain_world(&[(0, &[1, 2]), (1, &[]), (2, &[])], &k2).with(sig(11, &d(1), &k1, 1));
    let r = evaluate(&p, &policies, &d(0), &unsigned_base.evidence(100));
    assert_eq!(outcome(&r), FAIL_PRESENT);
    let verdicts: Vec<(Digest, Verdict)> = r
        .chain
        .iter()
        .map(|c| (c.digest.clone(), c.verdict))
        .collect();
    assert_eq!(verdicts, vec![(d(1), Verdict::Pass), (d(2), Verdict::Fail)]);
    let failing = r.rules[0]
        .checks
        .iter()
        .find(|c| c.result == Outcome::Fail)
        .unwrap();
    assert!(
        failing.detail.contains("fails policy base-images"),
        "{}",
        failing.detail
    );

    // A missing sub-policy fails the rule with a clear check.
    let r = evaluate(&p, &BTreeMap::new(), &d(0), &world.evidence(100));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.rules[0]
            .checks
            .iter()
            .any(|c| c.check == names::CHAIN_POLICY && c.result == Outcome::Fail)
    );

    // A sub-policy naming itself through its own chain rule terminates.
    let recursive = chain_policy("{policy: p}");
    let policies = BTreeMap::from([("p".to_owned(), recursive.clone())]);
    let loop_world = chain_world(&[(0, &[1]), (1, &[0])], &k2);
    let r = evaluate(&recursive, &policies, &d(0), &loop_world.evidence(100));
    assert_eq!(r.verdict, Verdict::Fail, "{:#?}", r.rules);
}

#[test]
fn evidence_needed_drives_iterative_loading() {
    let k2 = keyid(2);
    let full = chain_world(&[(0, &[1]), (1, &[2]), (2, &[])], &k2);
    let p = chain_policy("{}");
    let mut loaded = World::new();
    loaded.artifacts.insert(d(0), full.artifacts[&d(0)].clone());
    let mut rounds = 0;
    loop {
        let needed = evidence_needed(&p, &BTreeMap::new(), &d(0), &loaded.evidence(100));
        if needed.is_empty() {
            break;
        }
        rounds += 1;
        assert!(rounds < 10, "does not converge");
        for n in needed {
            loaded
                .artifacts
                .insert(n.clone(), full.artifacts[&n].clone());
        }
    }
    assert_eq!(rounds, 2);
    assert_eq!(run(&p, &loaded).verdict, Verdict::Pass);
    let deps = chain_dependencies(&full.artifacts[&d(0)].attestations[0]);
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0].0, d(1));
    assert!(deps[0].1.starts_with("pkg:docker/base-"));
}

fn component(purl: Option<&str>, version: Option<&str>, licenses: &[&str]) -> ComponentEvidence {
    ComponentEvidence {
        name: "c".into(),
        version: version.map(str::to_owned),
        purl: purl.map(str::to_owned),
        licenses: licenses.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn sbom_world(signed: bool, components: Vec<ComponentEvidence>) -> World {
    World::new().with_sbom(
        &d(0),
        SbomEvidence {
            id: Digest::sha256_of(b"sbom"),
            signed,
            components,
        },
    )
}

#[test]
fn sbom_presence_and_signing() {
    let required = policy("name: p\nrules:\n  - {name: sbom, sbom: {requireSigned: true}}\n");
    let optional = policy("name: p\nrules:\n  - {name: sbom, sbom: {required: false}}\n");
    table(
        &required,
        vec![
            ("none", World::new(), FAIL_MISSING),
            ("unsigned", sbom_world(false, vec![]), FAIL_PRESENT),
            ("signed", sbom_world(true, vec![]), PASS),
        ],
    );
    let r = run(&optional, &World::new());
    assert_eq!(outcome(&r), (Verdict::Pass, EvidenceState::Missing));
    assert_eq!(r.rules[0].checks[0].result, Outcome::Skipped);
}

#[test]
fn denied_components_versions_and_ranges() {
    let p = policy(
        r#"
name: p
rules:
  - name: sbom
    sbom:
      deniedComponents:
        - purl: pkg:npm/event-stream@3.3.6
        - purl: pkg:maven/org.apache.logging.log4j/log4j-core
          versions: "vers:maven/>=2.0.0|<2.17.1"
        - purl: pkg:npm/left-pad
"#,
    );
    let one = |purl: Option<&str>, version: Option<&str>| {
        sbom_world(false, vec![component(purl, version, &[])])
    };
    table(
        &p,
        vec![
            (
                "exact version",
                one(Some("pkg:npm/event-stream@3.3.6"), None),
                FAIL_PRESENT,
            ),
            (
                "other version",
                one(Some("pkg:npm/event-stream@3.3.5"), None),
                PASS,
            ),
            (
                "version from the component field",
                one(Some("pkg:npm/event-stream"), Some("3.3.6")),
                FAIL_PRESENT,
            ),
            (
                "no version at all fails closed",
                one(Some("pkg:npm/event-stream"), None),
                FAIL_PRESENT,
            ),
            (
                "in range",
                one(
                    Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
                    None,
                ),
                FAIL_PRESENT,
            ),
            (
                "range edge excluded",
                one(
                    Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"),
                    None,
                ),
                PASS,
            ),
            (
                "below range",
                one(
                    Some("pkg:maven/org.apache.logging.log4j/log4j-core@1.2.17"),
                    None,
                ),
                PASS,
            ),
            (
                "other group",
                one(Some("pkg:maven/org.example/log4j-core@2.14.1"), None),
                PASS,
            ),
            (
                "incomparable version fails closed",
                one(
                    Some("pkg:maven/org.apache.logging.log4j/log4j-core"),
                    Some(""),
                ),
                FAIL_PRESENT,
            ),
            (
                "any version denied",
                one(Some("pkg:npm/left-pad@0.0.1"), None),
                FAIL_PRESENT,
            ),
            (
                "normalised purl case (npm)",
                one(Some("pkg:NPM/Left-Pad@1.0.0"), None),
                FAIL_PRESENT,
            ),
            (
                "unreadable purl fails closed",
                one(Some("npm/left-pad"), None),
                FAIL_PRESENT,
            ),
            ("no purl", one(None, Some("1.0")), PASS),
            ("no components", sbom_world(false, vec![]), PASS),
        ],
    );
}

#[test]
fn denied_licenses_inside_expressions() {
    let p = policy("name: p\nrules:\n  - {name: sbom, sbom: {deniedLicenses: [AGPL-3.0-only]}}\n");
    let lic = |l: &str| {
        sbom_world(
            false,
            vec![component(Some("pkg:npm/x@1"), None, &["MIT", l])],
        )
    };
    table(
        &p,
        vec![
            ("id", lic("AGPL-3.0-only"), FAIL_PRESENT),
            ("in an OR", lic("MIT OR AGPL-3.0-only"), FAIL_PRESENT),
            (
                "nested",
                lic("(Apache-2.0 AND (AGPL-3.0-only WITH Classpath-exception-2.0))"),
                FAIL_PRESENT,
            ),
            ("other AGPL", lic("AGPL-3.0-or-later"), PASS),
            ("clean", lic("Apache-2.0"), PASS),
        ],
    );
}

#[test]
fn every_rule_must_pass_and_the_report_has_the_contract_shape() {
    let k1 = keyid(1);
    let p = policy(&format!(
        "{SIGNED_BY_RELEASE}  - {{name: sbom, sbom: {{}}}}\n"
    ));
    let world = World::new().with(sig(1, &d(0), &k1, 1));
    let r = run(&p, &world);
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.rules[0].verdict, Verdict::Pass);
    assert_eq!(r.rules[1].verdict, Verdict::Fail);
    let json = serde_json::to_value(r.with_policy_version(3)).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "chain",
            "digest",
            "evaluatedAt",
            "policy",
            "rules",
            "verdict"
        ]
    );
    assert_eq!(json["policy"], json!({"name": "p", "version": 3}));
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["digest"], d(0).to_string());
    assert_eq!(json["evaluatedAt"], at(100).to_rfc3339());
    assert_eq!(json["rules"][1]["evidence"], "missing");
    let check = &json["rules"][0]["checks"][0];
    assert_eq!(check["check"], "signature.signer");
    assert_eq!(check["result"], "pass");
    assert!(
        check["subject"]
            .as_str()
            .unwrap()
            .starts_with("attestation sha256:")
    );
    assert!(check["detail"].as_str().unwrap().contains("release"));

    let chain = run(
        &chain_policy("{requireAttested: false}"),
        &chain_world(&[(0, &[1])], &keyid(2)),
    );
    let json = serde_json::to_value(&chain).unwrap();
    assert_eq!(
        json["chain"][0],
        json!({"digest": d(1).to_string(), "relation": format!("pkg:docker/base-{}", &d(1).hex()[..6]), "depth": 1, "verdict": "pass", "rule": "base"})
    );
}

#[test]
fn vsa_summarises_the_report() {
    let k1 = keyid(1);
    let p = policy(SIGNED_BY_RELEASE);
    let world = World::new().with(sig(1, &d(0), &k1, 1));
    let report = run(&p, &world);
    let policy_digest = Digest::sha256_of(SIGNED_BY_RELEASE.as_bytes());
    let levels = vec!["SLSA_BUILD_LEVEL_2".to_owned()];
    let options = super::super::vsa::VsaOptions {
        resource_uri: "registry.example/acme/web",
        policy_digest: Some(&policy_digest),
        attestation_uri_prefix: "https://cairn.example/v1/attestations/",
        verified_levels: &levels,
    };
    let s = super::super::vsa::vsa_statement(
        &report,
        "https://cairn.example",
        "https://cairn.example/v1/policies/p",
        &options,
    );
    assert_eq!(s.predicate_type, super::super::vsa::VSA_V1);
    assert!(s.has_subject_digest(&d(0)));
    let pred = s.predicate.clone().unwrap();
    assert_eq!(pred["verifier"]["id"], "https://cairn.example");
    assert_eq!(pred["verificationResult"], "PASSED");
    assert_eq!(pred["verifiedLevels"], json!(["SLSA_BUILD_LEVEL_2"]));
    assert_eq!(pred["slsaVersion"], "1.0");
    assert_eq!(pred["resourceUri"], "registry.example/acme/web");
    assert_eq!(pred["policy"]["digest"]["sha256"], policy_digest.hex());
    let id = Digest::sha256_of(&[200, 1]);
    assert_eq!(
        pred["inputAttestations"],
        json!([{"uri": format!("https://cairn.example/v1/attestations/{id}"), "digest": {"sha256": id.hex()}}])
    );
    // The statement round-trips through the parser.
    assert_eq!(Statement::parse(&s.to_json()).unwrap(), s);

    let failed = run(&p, &World::new());
    let s = super::super::vsa::vsa_statement(&failed, "v", "p", &options);
    let pred = s.predicate.unwrap();
    assert_eq!(pred["verificationResult"], "FAILED");
    assert_eq!(pred["verifiedLevels"], json!(["FAILED"]));
    assert_eq!(pred["inputAttestations"], json!([]));
}

mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    const POLICY: &str = r#"
name: everything
rules:
  - name: s
    signature: {signers: {anyOf: [{key: release}, {keyless: {issuer: "https://i", subjectRegex: ".*"}}, {x509: {subjectRegex: ".*", ca: corp}}]}}
  - name: a
    attestation: {predicateType: "https://slsa.dev/provenance/v1", signers: {allOf: [{key: ci}]}, maxAge: 1d, select: all, slsa: {builderIdPrefix: "https://", sourceRepo: "https://github.com/acme/web", sourceRef: refs/heads/main}}
  - name: a2
    attestation: {predicateType: "https://slsa.dev/provenance/v0.2", signers: {anyOf: [{key: ci}]}, select: any, slsa: {buildType: t}}
  - name: c
    chain: {maxDepth: 32, policy: everything}
  - name: b
    sbom: {requireSigned: true, deniedComponents: [{purl: "pkg:npm/x", versions: "vers:npm/<2"}, {purl: "pkg:maven/g/a@1"}], deniedLicenses: [MIT]}
"#;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[a-z:/@.0-9]{0,12}".prop_map(Value::from),
            (0u8..8).prop_map(|n| Value::from(d(n).hex())),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(
                    prop_oneof![
                        Just("sha256".to_owned()),
                        Just("uri".to_owned()),
                        Just("digest".to_owned()),
                        Just("buildDefinition".to_owned()),
                        Just("resolvedDependencies".to_owned()),
                        Just("materials".to_owned()),
                        Just("runDetails".to_owned()),
                        Just("builder".to_owned()),
                        Just("id".to_owned()),
                        "[a-z]{1,6}"
                    ],
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn attestation() -> impl Strategy<Value = AttestationEvidence> {
        (
            any::<u8>(),
            0u8..8,
            prop_oneof![
                Just(SLSA_PROVENANCE_V1.to_owned()),
                Just(SLSA_PROVENANCE_V02.to_owned()),
                Just(CAIRN_SIGNATURE_V1.to_owned()),
                Just("https://x.dev/p".to_owned())
            ],
            prop_oneof![
                value(),
                // Real provenance over a random graph of the eight digests: cycles, diamonds,
                // self-loops and long chains.
                proptest::collection::vec(0u8..8, 0..4).prop_map(|deps| {
                    let deps: Vec<Digest> = deps.into_iter().map(d).collect();
                    let refs: Vec<&Digest> = deps.iter().collect();
                    prov_v1("https://b", "https://github.com/acme/web", &refs)
                }),
            ],
            proptest::collection::vec(
                prop_oneof![
                    (0u8..4).prop_map(keyid),
                    Just("keyless https://i https://s".to_owned()),
                    Just("x509 CN=x".to_owned()),
                    "[ -~]{0,20}"
                ],
                0..3,
            ),
            -400i64..400,
            proptest::collection::vec(("[a-z]{1,4}", "[a-z]{0,4}"), 0..3),
        )
            .prop_map(|(id, subject, pt, predicate, signers, day, claims)| {
                let mut a = att(id, &d(subject), &pt, predicate, &[], day);
                a.signers = signers;
                a.claims = claims;
                a
            })
    }

    fn sbom() -> impl Strategy<Value = Option<SbomEvidence>> {
        proptest::option::of(
            (
                any::<bool>(),
                proptest::collection::vec(
                    (
                        proptest::option::of(prop_oneof![
                            Just("pkg:npm/x@1.0.0".to_owned()),
                            Just("pkg:npm/x".to_owned()),
                            Just("pkg:maven/g/a@1.0".to_owned()),
                            "[ -~]{0,16}"
                        ]),
                        proptest::option::of("[ -~]{0,8}"),
                        proptest::collection::vec("[ -~()]{0,16}", 0..3),
                    ),
                    0..4,
                ),
            )
                .prop_map(|(signed, comps)| SbomEvidence {
                    id: Digest::sha256_of(b"s"),
                    signed,
                    components: comps
                        .into_iter()
                        .map(|(purl, version, licenses)| ComponentEvidence {
                            name: "c".into(),
                            version,
                            purl,
                            licenses,
                        })
                        .collect(),
                }),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn evaluate_never_panics(
            atts in proptest::collection::vec(attestation(), 0..24),
            sboms in proptest::collection::vec(sbom(), 8),
            revoked in proptest::collection::vec((proptest::option::of(-400i64..400), any::<bool>(), proptest::option::of(-400i64..400)), 4),
            root in 0u8..8,
        ) {
            let mut world = World::new();
            world.keys = (0u8..4).zip(revoked).map(|(n, (r, c, s))| KeyEvidence {
                keyid: keyid(n),
                name: ["release", "ci", "qa", "release"][usize::from(n)].to_owned(),
                revoked_at: r.map(at),
                compromised: c,
                compromised_since: s.map(at),
            }).collect();
            for a in atts {
                world = world.with(a);
            }
            for (n, s) in sboms.into_iter().enumerate() {
                if let Some(s) = s {
                    world = world.with_sbom(&d(u8::try_from(n).unwrap()), s);
                }
            }
            let p = policy(POLICY);
            let policies = BTreeMap::from([("everything".to_owned(), p.clone())]);
            let report = evaluate(&p, &policies, &d(root), &world.evidence(0));
            prop_assert_eq!(report.rules.len(), 5);
            prop_assert!(report.rules.iter().all(|r| !r.checks.is_empty()));
            let _ = evidence_needed(&p, &policies, &d(root), &world.evidence(0));
            let _ = serde_json::to_string(&report).unwrap();
        }
    }
}

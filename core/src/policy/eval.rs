//! The verdict evaluator: a [`Policy`] over the evidence the server gathered, into a [`Report`]
//! (DESIGN §3). Pure: no I/O and no clock (`Evidence::now` is the time of evaluation).
//!
//! Semantics (the user-facing version is `docs/policy.md`):
//! - A signer spec matches an attestation through one of its `signers` entries, and only while
//!   that signer is trusted at the attestation's transparency-log time: a key revoked as
//!   superseded counts before `revoked_at`; a compromised key counts only before
//!   `compromised_since`, and never when that time is unknown.
//! - `anyOf`: some spec matches; `allOf`: every spec matches — on the same attestation for
//!   attestation rules (the Statement itself must be vouched for by all), on any signatures for
//!   signature rules (cosign-style separate signatures).
//! - Candidates of a rule are the attestations of its type naming the digest, from allowed,
//!   trusted signers. None at all: the rule fails with `evidence: missing`; candidates that break
//!   the rule: `evidence: present`. No checks is never a pass ([`verdict_of`]).
//! - The chain follows the `dependencies` digests of each node's newest trusted SLSA provenance,
//!   breadth-first, cycle-safe, up to `maxDepth` (going deeper fails), within one budget of
//!   [`limits::MAX_CHAIN_NODES`] nodes per evaluation, and judges every node.

use super::{
    AttestationRule, ChainRule, DeniedComponent, Policy, RuleKind, SbomRule, Select, SignatureRule,
    SignerSpec, Signers, SlsaConstraints, spdx,
};
use crate::digest::Digest;
use crate::limits;
use crate::predicate::CAIRN_SIGNATURE_V1;
use crate::purl::Purl;
use crate::slsa::{self, Provenance, SlsaVersion};
use crate::statement::Statement;
use crate::time::{Span, Timestamp};
use crate::verify::{Check, Outcome, Verdict, verdict_of};
use crate::vers::{self, Scheme};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Names of the checks the evaluator emits. Stable: they appear in reports.
pub mod names {
    pub const SIGNATURE_PRESENT: &str = "signature.present";
    pub const SIGNATURE_SIGNER: &str = "signature.signer";
    pub const ATTESTATION_PRESENT: &str = "attestation.present";
    pub const ATTESTATION_SIGNER: &str = "attestation.signer";
    pub const ATTESTATION_MAX_AGE: &str = "attestation.maxAge";
    pub const ATTESTATION_CANDIDATES: &str = "attestation.candidates";
    pub const SLSA_PROVENANCE: &str = "slsa.provenance";
    pub const SLSA_BUILDER_ID: &str = "slsa.builderId";
    pub const SLSA_BUILDER_ID_PREFIX: &str = "slsa.builderIdPrefix";
    pub const SLSA_BUILD_TYPE: &str = "slsa.buildType";
    pub const SLSA_SOURCE_REPO: &str = "slsa.sourceRepo";
    pub const SLSA_SOURCE_REF: &str = "slsa.sourceRef";
    pub const CHAIN_PROVENANCE: &str = "chain.provenance";
    pub const CHAIN_NODE: &str = "chain.node";
    pub const CHAIN_DEPTH: &str = "chain.depth";
    pub const CHAIN_POLICY: &str = "chain.policy";
    pub const CHAIN_BUDGET: &str = "chain.budget";
    pub const SBOM_PRESENT: &str = "sbom.present";
    pub const SBOM_SIGNED: &str = "sbom.signed";
    pub const SBOM_DENIED_COMPONENT: &str = "sbom.deniedComponent";
    pub const SBOM_DENIED_LICENSE: &str = "sbom.deniedLicense";
}

/// Most per-item checks (candidates, denied hits) one rule reports; the rest are summarised.
const MAX_REPORTED: usize = 20;

/// Everything the evaluator may look at, gathered by the caller.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The artifact and the chain nodes the caller loaded. A digest that is absent counts as an
    /// artifact without any attestation; [`evidence_needed`] says which to load.
    pub artifacts: BTreeMap<Digest, ArtifactEvidence>,
    /// Registered keys, revoked ones included (revocation is judged per attestation time).
    pub keys: Vec<KeyEvidence>,
    /// The time of evaluation: what `maxAge` is measured against.
    pub now: Timestamp,
}

#[derive(Debug, Clone)]
pub struct ArtifactEvidence {
    pub digest: Digest,
    pub names: Vec<String>,
    pub attestations: Vec<AttestationEvidence>,
    pub sbom: Option<SbomEvidence>,
}

/// One stored attestation, already signature-checked at upload.
#[derive(Debug, Clone)]
pub struct AttestationEvidence {
    /// Content id: sha256 of the exact envelope/bundle bytes.
    pub id: Digest,
    /// As indexed; the evaluator reads the signed `statement.predicate_type`.
    pub predicate_type: String,
    pub statement: Statement,
    /// Who signed: keyids (lowercase hex), `keyless <issuer> <san>` or `x509 <subject DN>`.
    pub signers: Vec<String>,
    /// Transparency-log time: what revocation and `maxAge` compare.
    pub integrated_time: Timestamp,
    /// Certificate facts, if known: Fulcio claims by their policy names (`githubWorkflowRef`,
    /// …); for X.509 signers also `san` (once per SAN) and `ca` (the CA bundle's name).
    pub claims: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct KeyEvidence {
    pub keyid: String,
    pub name: String,
    pub revoked_at: Option<Timestamp>,
    pub compromised: bool,
    pub compromised_since: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct SbomEvidence {
    pub id: Digest,
    /// Whether the SBOM arrived as the predicate of a signed attestation.
    pub signed: bool,
    pub components: Vec<ComponentEvidence>,
}

#[derive(Debug, Clone)]
pub struct ComponentEvidence {
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    /// SPDX ids, SPDX expressions or free-text names, as in the SBOM.
    pub licenses: Vec<String>,
}

/// The verification report (DESIGN §3).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub digest: Digest,
    pub policy: PolicyRef,
    pub verdict: Verdict,
    pub evaluated_at: Timestamp,
    pub rules: Vec<RuleReport>,
    pub chain: Vec<ChainEntry>,
    /// Ids of the attestations (and SBOM) the passing checks rest on, for a VSA's
    /// `inputAttestations`. Not part of the report's JSON.
    #[serde(skip)]
    pub inputs: Vec<Digest>,
}

impl Report {
    /// Record the stored version of the policy (the evaluator knows only the document).
    pub fn with_policy_version(mut self, version: u64) -> Self {
        self.policy.version = Some(version);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    pub name: String,
    /// The stored version; absent when a policy document was evaluated without being stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

/// Whether a rule found anything to judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceState {
    Present,
    Missing,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    pub name: String,
    pub verdict: Verdict,
    pub evidence: EvidenceState,
    pub checks: Vec<Check>,
}

/// One node of the provenance chain below the artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    pub digest: Digest,
    /// How the parent refers to it: the dependency's `uri`, else its `name`, else `dependency`.
    pub relation: String,
    /// 1 for the artifact's direct dependencies.
    pub depth: u32,
    pub verdict: Verdict,
    /// The chain rule that visited the node.
    pub rule: String,
}

/// Evaluate `policy` for `digest`. `policies` holds the sub-policies chain rules may name.
pub fn evaluate(
    policy: &Policy,
    policies: &BTreeMap<String, Policy>,
    digest: &Digest,
    evidence: &Evidence,
) -> Report {
    let mut ctx = Ctx::new(policies, evidence);
    let mut chain = Vec::new();
    let rules = ctx.policy_rules(policy, digest, 0, Some(&mut chain));
    let verdict = if !rules.is_empty() && rules.iter().all(|r| r.verdict == Verdict::Pass) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Report {
        digest: digest.clone(),
        policy: PolicyRef {
            name: policy.name.clone(),
            version: None,
        },
        verdict,
        evaluated_at: evidence.now,
        rules,
        chain,
        inputs: ctx.inputs.into_iter().collect(),
    }
}

/// The digests an evaluation of `policy` for `digest` would look at but that `evidence` lacks.
///
/// The server loads the artifact, then calls this and loads what it names (inserting an empty
/// [`ArtifactEvidence`] for a digest its store does not know) until it returns nothing: the
/// traversal is the evaluator's own, so the evidence is exactly what the verdict needs. Each
/// round reaches at least one level deeper; the chain depth and node budget bound the rounds.
pub fn evidence_needed(
    policy: &Policy,
    policies: &BTreeMap<String, Policy>,
    digest: &Digest,
    evidence: &Evidence,
) -> Vec<Digest> {
    let mut ctx = Ctx::new(policies, evidence);
    let mut chain = Vec::new();
    ctx.policy_rules(policy, digest, 0, Some(&mut chain));
    ctx.missing.into_iter().collect()
}

/// The dependencies a SLSA provenance attestation points to (sha256/384/512 digests), each once,
/// with the relation shown in reports. Empty for anything that is not readable SLSA provenance.
pub fn chain_dependencies(att: &AttestationEvidence) -> Vec<(Digest, String)> {
    match provenance_of(att) {
        Ok(p) => dependencies_of(&p),
        Err(_) => Vec::new(),
    }
}

fn dependencies_of(p: &Provenance) -> Vec<(Digest, String)> {
    let mut out: Vec<(Digest, String)> = Vec::new();
    for dep in &p.dependencies {
        let relation = dep
            .uri
            .clone()
            .or_else(|| dep.name.clone())
            .unwrap_or_else(|| "dependency".to_owned());
        for d in &dep.digests {
            if !out.iter().any(|(seen, _)| seen == d) {
                out.push((d.clone(), crate::code::excerpt(&relation, 256)));
            }
        }
    }
    out
}

fn provenance_of(att: &AttestationEvidence) -> Result<Provenance, String> {
    let predicate = att
        .statement
        .predicate
        .as_ref()
        .ok_or_else(|| "the statement has no predicate".to_owned())?;
    slsa::parse_provenance(&att.statement.predicate_type, predicate).map_err(|e| e.to_string())
}

/// The rule's predicate type, exactly; the unversioned CycloneDX type also stands for its
/// versioned forms (`https://cyclonedx.org/bom/v1.5`).
fn type_matches(wanted: &str, actual: &str) -> bool {
    wanted == actual
        || (wanted == crate::predicate::CYCLONEDX_BOM && crate::predicate::is_cyclonedx(actual))
}

fn is_provenance(att: &AttestationEvidence) -> bool {
    SlsaVersion::of_predicate_type(&att.statement.predicate_type).is_some()
}

/// Newest first (transparency-log time), ties by id so the order is deterministic.
fn newest_first(a: &&AttestationEvidence, b: &&AttestationEvidence) -> Ordering {
    b.integrated_time
        .cmp(&a.integrated_time)
        .then_with(|| a.id.cmp(&b.id))
}

/// `1 component`, `2 components`, `3 dependencies`.
fn plural(n: usize, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("1 {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {word}s"),
    }
}

fn short(keyid: &str) -> &str {
    keyid.get(..12).unwrap_or(keyid)
}

fn about_attestation(att: &AttestationEvidence) -> String {
    format!("attestation {}", att.id)
}

fn about_artifact(d: &Digest) -> String {
    format!("artifact {d}")
}

fn human_span(ms: i64) -> String {
    let ms = ms.max(0);
    let (d, h, m) = (ms / 86_400_000, (ms / 3_600_000) % 24, (ms / 60_000) % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m {}s", (ms / 1000) % 60)
    }
}

/// A signer entry of an attestation, read.
enum Signer<'a> {
    Key(&'a str),
    Keyless { issuer: &'a str, san: &'a str },
    X509 { subject: &'a str },
    Unknown,
}

fn signer_of(s: &str) -> Signer<'_> {
    if let Some(rest) = s.strip_prefix("keyless ") {
        return match rest.split_once(' ') {
            Some((issuer, san)) if !issuer.is_empty() && !san.is_empty() => {
                Signer::Keyless { issuer, san }
            }
            _ => Signer::Unknown,
        };
    }
    if let Some(subject) = s.strip_prefix("x509 ") {
        return Signer::X509 { subject };
    }
    if !s.is_empty() && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Signer::Key(s);
    }
    Signer::Unknown
}

/// Whether a key vouches for what the log recorded at `at`.
fn key_trusted_at(k: &KeyEvidence, at: Timestamp) -> Result<(), String> {
    let who = format!("key {} ({})", k.name, short(&k.keyid));
    if k.compromised {
        return match k.compromised_since {
            Some(since) if at < since => Ok(()),
            Some(since) => Err(format!(
                "{who} is compromised since {since}; the attestation was logged at {at}"
            )),
            None => Err(format!(
                "{who} is compromised (no time given): nothing it signed is trusted"
            )),
        };
    }
    match k.revoked_at {
        Some(r) if at >= r => Err(format!(
            "{who} was revoked at {r}; the attestation was logged at {at}"
        )),
        _ => Ok(()),
    }
}

fn claim<'e>(att: &'e AttestationEvidence, name: &str) -> impl Iterator<Item = &'e str> {
    att.claims
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Does `spec` match a signer of `att` that is trusted at its log time? `Ok(who)` or the reasons
/// it does not (empty when no signer of that kind is there at all).
fn match_spec(
    spec: &SignerSpec,
    att: &AttestationEvidence,
    keys: &[KeyEvidence],
) -> Result<String, Vec<String>> {
    let mut reasons = Vec::new();
    for s in &att.signers {
        match (spec, signer_of(s)) {
            (SignerSpec::Key(want), Signer::Key(keyid)) => {
                let Some(k) = keys.iter().find(|k| k.keyid == keyid) else {
                    if want == keyid {
                        reasons.push(format!("key {} is not registered", short(keyid)));
                    }
                    continue;
                };
                if k.keyid != *want && k.name != *want {
                    continue;
                }
                match key_trusted_at(k, att.integrated_time) {
                    Ok(()) => return Ok(format!("key {} ({})", k.name, short(&k.keyid))),
                    Err(r) => reasons.push(r),
                }
            }
            (
                SignerSpec::Keyless {
                    issuer,
                    subject,
                    claims,
                },
                Signer::Keyless { issuer: iss, san },
            ) => {
                if !issuer.is_match(iss) || !subject.is_match(san) {
                    reasons.push(format!(
                        "keyless identity {san:?} from {iss:?} is not issuer {issuer} subject {subject}"
                    ));
                    continue;
                }
                let wrong: Vec<String> = claims
                    .iter()
                    .filter(|(k, v)| !claim(att, k).any(|have| have == v))
                    .map(|(k, v)| {
                        let have: Vec<&str> = claim(att, k).collect();
                        if have.is_empty() {
                            format!("claim {k} is not recorded (expected {v:?})")
                        } else {
                            format!("claim {k} is {:?}, expected {v:?}", have.join(", "))
                        }
                    })
                    .collect();
                if wrong.is_empty() {
                    return Ok(format!("keyless {san} ({iss})"));
                }
                reasons.push(format!("keyless {san}: {}", wrong.join("; ")));
            }
            (SignerSpec::X509 { subject, san, ca }, Signer::X509 { subject: dn }) => {
                let mut wrong = Vec::new();
                if let Some(m) = subject
                    && !m.is_match(dn)
                {
                    wrong.push(format!("subject {dn:?} does not match {m}"));
                }
                if let Some(m) = san
                    && !claim(att, "san").any(|v| m.is_match(v))
                {
                    wrong.push(format!("no recorded SAN matches {m}"));
                }
                if let Some(ca) = ca
                    && !claim(att, "ca").any(|v| v == ca)
                {
                    wrong.push(format!("not recorded as chaining to CA bundle {ca:?}"));
                }
                if wrong.is_empty() {
                    return Ok(format!("x509 {dn}"));
                }
                reasons.push(format!("x509 {dn}: {}", wrong.join("; ")));
            }
            _ => {}
        }
    }
    Err(reasons)
}

fn why_not(spec: &SignerSpec, reasons: &[String]) -> String {
    if reasons.is_empty() {
        format!("not signed by {spec}")
    } else {
        format!("{spec}: {}", reasons.join("; "))
    }
}

/// Is `att` from the signers? anyOf: one spec matches; allOf: every spec matches this attestation.
fn allowed(
    signers: &Signers,
    att: &AttestationEvidence,
    keys: &[KeyEvidence],
) -> Result<String, String> {
    if signers.is_all_of() {
        let mut who = Vec::new();
        for spec in signers.specs() {
            match match_spec(spec, att, keys) {
                Ok(w) => who.push(w),
                Err(r) => return Err(why_not(spec, &r)),
            }
        }
        Ok(who.join(" and "))
    } else {
        let mut all_reasons = Vec::new();
        for spec in signers.specs() {
            match match_spec(spec, att, keys) {
                Ok(w) => return Ok(w),
                Err(r) => all_reasons.push(why_not(spec, &r)),
            }
        }
        Err(format!("no allowed signer: {}", all_reasons.join(" | ")))
    }
}

/// Any signer of `att` that is trusted at its log time: a registered key not revoked (or revoked
/// later), or a certificate identity (verified against a trusted root at upload).
fn trusted_signer(att: &AttestationEvidence, keys: &[KeyEvidence]) -> Result<String, String> {
    let mut reasons = Vec::new();
    for s in &att.signers {
        match signer_of(s) {
            Signer::Key(keyid) => match keys.iter().find(|k| k.keyid == keyid) {
                Some(k) => match key_trusted_at(k, att.integrated_time) {
                    Ok(()) => return Ok(format!("key {} ({})", k.name, short(&k.keyid))),
                    Err(r) => reasons.push(r),
                },
                None => reasons.push(format!("key {} is not registered", short(keyid))),
            },
            Signer::Keyless { issuer, san } => return Ok(format!("keyless {san} ({issuer})")),
            Signer::X509 { subject } => return Ok(format!("x509 {subject}")),
            Signer::Unknown => reasons.push(format!(
                "unrecognised signer {:?}",
                crate::code::excerpt(s, 80)
            )),
        }
    }
    if reasons.is_empty() {
        reasons.push("no signer recorded".to_owned());
    }
    Err(reasons.join("; "))
}

enum Lookup<'a> {
    Found(&'a AttestationEvidence, Provenance),
    Missing(String),
    Invalid(&'a AttestationEvidence, String),
}

struct Ctx<'a> {
    policies: &'a BTreeMap<String, Policy>,
    evidence: &'a Evidence,
    /// Sub-policy verdicts by (policy, digest): `Ok` pass, `Err` why not.
    memo: BTreeMap<(String, Digest), Result<(), String>>,
    in_progress: Vec<(String, Digest)>,
    nodes_left: usize,
    inputs: BTreeSet<Digest>,
    missing: BTreeSet<Digest>,
}

impl<'a> Ctx<'a> {
    fn new(policies: &'a BTreeMap<String, Policy>, evidence: &'a Evidence) -> Self {
        Ctx {
            policies,
            evidence,
            memo: BTreeMap::new(),
            in_progress: Vec::new(),
            nodes_left: limits::MAX_CHAIN_NODES,
            inputs: BTreeSet::new(),
            missing: BTreeSet::new(),
        }
    }

    fn keys(&self) -> &'a [KeyEvidence] {
        &self.evidence.keys
    }

    fn artifact(&mut self, d: &Digest) -> Option<&'a ArtifactEvidence> {
        let evidence: &'a Evidence = self.evidence;
        let found = evidence.artifacts.get(d);
        if found.is_none() {
            self.missing.insert(d.clone());
        }
        found
    }

    /// The attestations that name `d` as a subject.
    fn attestations(&mut self, d: &Digest) -> Vec<&'a AttestationEvidence> {
        match self.artifact(d) {
            Some(a) => a
                .attestations
                .iter()
                .filter(|att| att.statement.has_subject_digest(d))
                .collect(),
            None => Vec::new(),
        }
    }

    fn policy_rules(
        &mut self,
        policy: &Policy,
        digest: &Digest,
        nesting: usize,
        mut chain_out: Option<&mut Vec<ChainEntry>>,
    ) -> Vec<RuleReport> {
        let mut reports = Vec::with_capacity(policy.rules.len());
        for rule in &policy.rules {
            let (evidence, checks) = match &rule.kind {
                RuleKind::Signature(r) => self.signature(r, digest),
                RuleKind::Attestation(r) => self.attestation(r, digest),
                RuleKind::Chain(r) => {
                    self.chain(r, &rule.name, digest, nesting, chain_out.as_deref_mut())
                }
                RuleKind::Sbom(r) => self.sbom(r, digest),
            };
            reports.push(RuleReport {
                name: rule.name.clone(),
                verdict: verdict_of(&checks),
                evidence,
                checks,
            });
        }
        reports
    }

    fn signature(&mut self, rule: &SignatureRule, digest: &Digest) -> (EvidenceState, Vec<Check>) {
        let mut sigs: Vec<&AttestationEvidence> = self
            .attestations(digest)
            .into_iter()
            .filter(|a| a.statement.predicate_type == CAIRN_SIGNATURE_V1)
            .collect();
        if sigs.is_empty() {
            return (
                EvidenceState::Missing,
                vec![
                    Check::fail(
                        names::SIGNATURE_PRESENT,
                        format!("no signature ({CAIRN_SIGNATURE_V1}) names this digest"),
                    )
                    .about(about_artifact(digest)),
                ],
            );
        }
        sigs.sort_by(newest_first);
        let keys = self.keys();
        if !rule.signers.is_all_of() {
            let mut rejected = Vec::new();
            for att in &sigs {
                match allowed(&rule.signers, att, keys) {
                    Ok(who) => {
                        self.inputs.insert(att.id.clone());
                        return (
                            EvidenceState::Present,
                            vec![
                                Check::pass(
                                    names::SIGNATURE_SIGNER,
                                    format!("signed by {who}, logged at {}", att.integrated_time),
                                )
                                .about(about_attestation(att)),
                            ],
                        );
                    }
                    Err(why) => rejected.push(
                        Check::fail(names::SIGNATURE_SIGNER, why).about(about_attestation(att)),
                    ),
                }
            }
            return (EvidenceState::Missing, capped(rejected, "signatures"));
        }
        // allOf: every spec must have signed (separate signatures count).
        let mut checks = Vec::new();
        let mut any_match = false;
        for spec in rule.signers.specs() {
            let mut reasons = Vec::new();
            let mut found = None;
            for att in &sigs {
                match match_spec(spec, att, keys) {
                    Ok(who) => {
                        found = Some((*att, who));
                        break;
                    }
                    Err(r) => reasons.extend(r),
                }
            }
            match found {
                Some((att, who)) => {
                    any_match = true;
                    self.inputs.insert(att.id.clone());
                    checks.push(
                        Check::pass(
                            names::SIGNATURE_SIGNER,
                            format!("{spec}: signed by {who}, logged at {}", att.integrated_time),
                        )
                        .about(about_attestation(att)),
                    );
                }
                None => {
                    reasons.truncate(5);
                    checks.push(
                        Check::fail(
                            names::SIGNATURE_SIGNER,
                            format!("no trusted signature from {}", why_not(spec, &reasons)),
                        )
                        .about(about_artifact(digest)),
                    );
                }
            }
        }
        let state = if any_match {
            EvidenceState::Present
        } else {
            EvidenceState::Missing
        };
        (state, checks)
    }

    fn attestation(
        &mut self,
        rule: &AttestationRule,
        digest: &Digest,
    ) -> (EvidenceState, Vec<Check>) {
        let mut typed: Vec<&AttestationEvidence> = self
            .attestations(digest)
            .into_iter()
            .filter(|a| type_matches(&rule.predicate_type, &a.statement.predicate_type))
            .collect();
        if typed.is_empty() {
            return (
                EvidenceState::Missing,
                vec![
                    Check::fail(
                        names::ATTESTATION_PRESENT,
                        format!("no {} attestation names this digest", rule.predicate_type),
                    )
                    .about(about_artifact(digest)),
                ],
            );
        }
        typed.sort_by(newest_first);
        let keys = self.keys();
        let mut candidates = Vec::new();
        let mut rejected = Vec::new();
        for att in typed {
            match allowed(&rule.signers, att, keys) {
                Ok(who) => candidates.push((att, who)),
                Err(why) => rejected.push(
                    Check::fail(names::ATTESTATION_SIGNER, why).about(about_attestation(att)),
                ),
            }
        }
        if candidates.is_empty() {
            return (EvidenceState::Missing, capped(rejected, "attestations"));
        }
        let total = candidates.len();
        let now = self.evidence.now;
        let judged: Vec<(&AttestationEvidence, Vec<Check>)> = candidates
            .into_iter()
            .map(|(att, who)| (att, candidate_checks(rule, att, &who, now)))
            .collect();
        let checks = match rule.select {
            Select::Newest => match judged.into_iter().next() {
                Some((att, mut checks)) => {
                    self.inputs.insert(att.id.clone());
                    if let Some(first) = checks.first_mut() {
                        first.detail = format!(
                            "{} (newest of {})",
                            first.detail,
                            plural(total, "candidate")
                        );
                    }
                    checks
                }
                None => Vec::new(),
            },
            Select::Any => {
                match judged
                    .iter()
                    .position(|(_, c)| verdict_of(c) == Verdict::Pass)
                {
                    Some(i) => {
                        let mut judged = judged;
                        let (att, checks) = judged.swap_remove(i);
                        self.inputs.insert(att.id.clone());
                        checks
                    }
                    None => flatten_capped(judged, "candidates"),
                }
            }
            Select::All => {
                if verdict_of(
                    &judged
                        .iter()
                        .flat_map(|(_, c)| c.clone())
                        .collect::<Vec<_>>(),
                ) == Verdict::Pass
                {
                    for (att, _) in &judged {
                        self.inputs.insert(att.id.clone());
                    }
                }
                flatten_capped(judged, "candidates")
            }
        };
        (EvidenceState::Present, checks)
    }

    fn chain(
        &mut self,
        rule: &ChainRule,
        rule_name: &str,
        digest: &Digest,
        nesting: usize,
        mut chain_out: Option<&mut Vec<ChainEntry>>,
    ) -> (EvidenceState, Vec<Check>) {
        let mut checks = Vec::new();
        let policies: &'a BTreeMap<String, Policy> = self.policies;
        let sub: Option<&'a Policy> = match &rule.policy {
            Some(name) => {
                match policies.get(name) {
                    Some(p) => Some(p),
                    None => {
                        checks.push(
                        Check::fail(
                            names::CHAIN_POLICY,
                            format!("the policy {name:?} that every chain node must pass does not exist"),
                        )
                        .about(format!("policy {name}")),
                    );
                        None
                    }
                }
            }
            None => None,
        };
        let root_deps = match self.provenance(digest, rule.signers.as_ref()) {
            Lookup::Found(att, prov) => {
                let deps = dependencies_of(&prov);
                self.inputs.insert(att.id.clone());
                checks.push(
                    Check::pass(
                        names::CHAIN_PROVENANCE,
                        format!(
                            "SLSA provenance {} lists {} with digests",
                            prov.version.as_str(),
                            plural(deps.len(), "dependency")
                        ),
                    )
                    .about(about_attestation(att)),
                );
                deps
            }
            Lookup::Missing(why) => {
                checks.push(
                    Check::fail(
                        names::CHAIN_PROVENANCE,
                        format!("no SLSA provenance to follow: {why}"),
                    )
                    .about(about_artifact(digest)),
                );
                return (EvidenceState::Missing, checks);
            }
            Lookup::Invalid(att, why) => {
                checks.push(
                    Check::fail(
                        names::CHAIN_PROVENANCE,
                        format!("the newest trusted provenance cannot be read: {why}"),
                    )
                    .about(about_attestation(att)),
                );
                return (EvidenceState::Present, checks);
            }
        };

        let mut queue: VecDeque<(Digest, String, u32)> = root_deps
            .into_iter()
            .map(|(d, relation)| (d, relation, 1))
            .collect();
        let mut visited: BTreeSet<Digest> = BTreeSet::from([digest.clone()]);
        let mut beyond: Vec<Digest> = Vec::new();
        while let Some((d, relation, depth)) = queue.pop_front() {
            if visited.contains(&d) {
                continue; // a diamond or a cycle: every node is judged once
            }
            if depth > rule.max_depth {
                if !beyond.contains(&d) {
                    beyond.push(d);
                }
                continue;
            }
            if self.nodes_left == 0 {
                checks.push(
                    Check::fail(
                        names::CHAIN_BUDGET,
                        format!(
                            "stopped after {} chain nodes in one evaluation; the rest of the chain was not judged",
                            limits::MAX_CHAIN_NODES
                        ),
                    )
                    .about(about_artifact(&d)),
                );
                break;
            }
            self.nodes_left -= 1;
            visited.insert(d.clone());
            let (ok, detail, children) = self.node(&d, rule, sub, nesting);
            let verdict = if ok { Verdict::Pass } else { Verdict::Fail };
            let about = format!("artifact {d} (depth {depth}, {relation})");
            checks.push(if ok {
                Check::pass(names::CHAIN_NODE, detail).about(about)
            } else {
                Check::fail(names::CHAIN_NODE, detail).about(about)
            });
            if let Some(out) = chain_out.as_deref_mut() {
                out.push(ChainEntry {
                    digest: d.clone(),
                    relation,
                    depth,
                    verdict,
                    rule: rule_name.to_owned(),
                });
            }
            for (child, rel) in children {
                queue.push_back((child, rel, depth + 1));
            }
        }
        if !beyond.is_empty() {
            let shown: Vec<String> = beyond.iter().take(3).map(ToString::to_string).collect();
            checks.push(
                Check::fail(
                    names::CHAIN_DEPTH,
                    format!(
                        "the chain goes deeper than maxDepth {}: {} dependencies were not judged ({}{})",
                        rule.max_depth,
                        beyond.len(),
                        shown.join(", "),
                        if beyond.len() > 3 { ", …" } else { "" }
                    ),
                )
                .about(about_artifact(digest)),
            );
        }
        (EvidenceState::Present, checks)
    }

    /// Judge one chain node: `(ok, detail, dependencies to follow)`.
    fn node(
        &mut self,
        d: &Digest,
        rule: &ChainRule,
        sub: Option<&'a Policy>,
        nesting: usize,
    ) -> (bool, String, Vec<(Digest, String)>) {
        let atts = self.attestations(d);
        let keys = self.keys();
        let trusted = atts.iter().find_map(|att| match &rule.signers {
            Some(s) => allowed(s, att, keys).ok(),
            None => trusted_signer(att, keys).ok(),
        });
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        match &trusted {
            Some(who) => notes.push(format!("attested by {who}")),
            None if rule.require_attested => problems.push(if atts.is_empty() {
                "has no attestation".to_owned()
            } else {
                format!(
                    "has {} attestations, none from a trusted signer",
                    atts.len()
                )
            }),
            None => notes.push("not attested (not required)".to_owned()),
        }
        if let Some(p) = sub {
            match self.sub_policy(p, d, nesting + 1) {
                Ok(()) => notes.push(format!("passes policy {}", p.name)),
                Err(why) => problems.push(format!("fails policy {}: {why}", p.name)),
            }
        }
        let children = match self.provenance(d, rule.signers.as_ref()) {
            Lookup::Found(_, prov) => {
                let deps = dependencies_of(&prov);
                notes.push(plural(deps.len(), "dependency"));
                deps
            }
            Lookup::Missing(_) => {
                notes.push("no provenance (end of chain)".to_owned());
                Vec::new()
            }
            Lookup::Invalid(att, why) => {
                problems.push(format!(
                    "its provenance {} cannot be read, so its dependencies are unknown: {why}",
                    att.id
                ));
                Vec::new()
            }
        };
        if problems.is_empty() {
            (true, notes.join("; "), children)
        } else {
            (false, problems.join("; "), children)
        }
    }

    /// The newest SLSA provenance naming `d` from the signers (or any trusted signer).
    fn provenance(&mut self, d: &Digest, signers: Option<&Signers>) -> Lookup<'a> {
        let keys = self.keys();
        let mut provs: Vec<&'a AttestationEvidence> = self
            .attestations(d)
            .into_iter()
            .filter(|a| is_provenance(a))
            .collect();
        let seen = provs.len();
        provs.retain(|att| match signers {
            Some(s) => allowed(s, att, keys).is_ok(),
            None => trusted_signer(att, keys).is_ok(),
        });
        provs.sort_by(newest_first);
        match provs.first() {
            Some(att) => match provenance_of(att) {
                Ok(p) => Lookup::Found(att, p),
                Err(e) => Lookup::Invalid(att, e),
            },
            None if seen == 0 => Lookup::Missing("no SLSA provenance names this digest".to_owned()),
            None => Lookup::Missing(format!(
                "{seen} SLSA provenance attestations name this digest, none from a trusted signer"
            )),
        }
    }

    fn sub_policy(&mut self, p: &'a Policy, d: &Digest, nesting: usize) -> Result<(), String> {
        let key = (p.name.clone(), d.clone());
        if let Some(done) = self.memo.get(&key) {
            return done.clone();
        }
        if self.in_progress.contains(&key) {
            return Err(format!(
                "policy {} is already being evaluated for this artifact (the chain loops back)",
                p.name
            ));
        }
        if nesting > limits::MAX_POLICY_REFERENCE_DEPTH {
            return Err(format!(
                "sub-policies nest deeper than {} levels",
                limits::MAX_POLICY_REFERENCE_DEPTH
            ));
        }
        self.in_progress.push(key.clone());
        let rules = self.policy_rules(p, d, nesting, None);
        self.in_progress.pop();
        let failing: Vec<String> = rules
            .iter()
            .filter(|r| r.verdict != Verdict::Pass)
            .map(|r| {
                let first = r
                    .checks
                    .iter()
                    .find(|c| c.result != Outcome::Pass)
                    .map(|c| c.detail.clone())
                    .unwrap_or_else(|| "no checks".to_owned());
                format!("rule {} ({}): {first}", r.name, evidence_word(r.evidence))
            })
            .collect();
        let result = if failing.is_empty() && !rules.is_empty() {
            Ok(())
        } else {
            Err(failing.join("; "))
        };
        self.memo.insert(key, result.clone());
        result
    }

    fn sbom(&mut self, rule: &SbomRule, digest: &Digest) -> (EvidenceState, Vec<Check>) {
        let Some(sbom) = self.artifact(digest).and_then(|a| a.sbom.as_ref()) else {
            let check = if rule.required {
                Check::fail(names::SBOM_PRESENT, "no SBOM describes this digest")
            } else {
                Check::skipped(
                    names::SBOM_PRESENT,
                    "no SBOM describes this digest; waived by required: false",
                )
                .optional()
            };
            return (
                EvidenceState::Missing,
                vec![check.about(about_artifact(digest))],
            );
        };
        let about_sbom = format!("sbom {}", sbom.id);
        let mut checks = vec![
            Check::pass(
                names::SBOM_PRESENT,
                plural(sbom.components.len(), "component"),
            )
            .about(about_sbom.clone()),
        ];
        self.inputs.insert(sbom.id.clone());
        if rule.require_signed {
            checks.push(
                if sbom.signed {
                    Check::pass(names::SBOM_SIGNED, "arrived as a signed attestation")
                } else {
                    Check::fail(
                        names::SBOM_SIGNED,
                        "was uploaded unsigned; requireSigned is set",
                    )
                }
                .about(about_sbom.clone()),
            );
        }
        if !rule.denied_components.is_empty() {
            let mut hits = Vec::new();
            for c in &sbom.components {
                if let Some(check) = denied_component_check(c, &rule.denied_components) {
                    hits.push(check);
                }
            }
            if hits.is_empty() {
                checks.push(
                    Check::pass(
                        names::SBOM_DENIED_COMPONENT,
                        format!(
                            "none of {} components is one of the {} denied packages",
                            sbom.components.len(),
                            rule.denied_components.len()
                        ),
                    )
                    .about(about_sbom.clone()),
                );
            } else {
                checks.extend(capped(hits, "denied components"));
            }
        }
        if !rule.denied_licenses.is_empty() {
            let mut hits = Vec::new();
            for c in &sbom.components {
                for license in &c.licenses {
                    if let Some(id) = spdx::denied_id(license, &rule.denied_licenses) {
                        hits.push(
                            Check::fail(
                                names::SBOM_DENIED_LICENSE,
                                format!("license {license:?} includes denied {id}"),
                            )
                            .about(component_label(c)),
                        );
                    }
                }
            }
            if hits.is_empty() {
                checks.push(
                    Check::pass(
                        names::SBOM_DENIED_LICENSE,
                        format!(
                            "no component license includes one of {} denied ids",
                            rule.denied_licenses.len()
                        ),
                    )
                    .about(about_sbom),
                );
            } else {
                checks.extend(capped(hits, "denied licenses"));
            }
        }
        (EvidenceState::Present, checks)
    }
}

fn evidence_word(e: EvidenceState) -> &'static str {
    match e {
        EvidenceState::Present => "evidence present",
        EvidenceState::Missing => "evidence missing",
    }
}

/// The checks of one attestation candidate: signer, age, SLSA facts.
fn candidate_checks(
    rule: &AttestationRule,
    att: &AttestationEvidence,
    who: &str,
    now: Timestamp,
) -> Vec<Check> {
    let about = about_attestation(att);
    let mut checks = vec![
        Check::pass(
            names::ATTESTATION_SIGNER,
            format!("signed by {who}, logged at {}", att.integrated_time),
        )
        .about(about.clone()),
    ];
    if let Some(max) = rule.max_age {
        checks.push(max_age_check(att, max, now).about(about.clone()));
    }
    if let Some(c) = &rule.slsa {
        checks.extend(
            slsa_checks(att, c)
                .into_iter()
                .map(|ch| ch.about(about.clone())),
        );
    }
    checks
}

fn max_age_check(att: &AttestationEvidence, max: Span, now: Timestamp) -> Check {
    let age = now
        .unix_millis()
        .saturating_sub(att.integrated_time.unix_millis());
    let detail = format!(
        "logged at {}, {} before evaluation; maxAge is {}",
        att.integrated_time,
        human_span(age),
        human_span(max.millis())
    );
    if age <= max.millis() {
        Check::pass(names::ATTESTATION_MAX_AGE, detail)
    } else {
        Check::fail(names::ATTESTATION_MAX_AGE, detail)
    }
}

fn slsa_checks(att: &AttestationEvidence, c: &SlsaConstraints) -> Vec<Check> {
    let p = match provenance_of(att) {
        Ok(p) => p,
        Err(e) => return vec![Check::fail(names::SLSA_PROVENANCE, e)],
    };
    let mut checks = vec![Check::pass(
        names::SLSA_PROVENANCE,
        format!("SLSA provenance {}", p.version.as_str()),
    )];
    let show = |v: &Option<String>| {
        v.as_deref()
            .map_or("(none)".to_owned(), |s| format!("{s:?}"))
    };
    let mut check =
        |name: &'static str, ok: bool, what: &str, have: &Option<String>, want: &str| {
            let detail = format!("{what} is {}; policy wants {want}", show(have));
            checks.push(if ok {
                Check::pass(name, detail)
            } else {
                Check::fail(name, detail)
            });
        };
    if let Some(want) = &c.builder_id {
        let ok = p.builder_id.as_deref() == Some(want);
        check(
            names::SLSA_BUILDER_ID,
            ok,
            "builder id",
            &p.builder_id,
            &format!("{want:?}"),
        );
    }
    if let Some(prefix) = &c.builder_id_prefix {
        let ok = p
            .builder_id
            .as_deref()
            .is_some_and(|b| b.starts_with(prefix.as_str()));
        check(
            names::SLSA_BUILDER_ID_PREFIX,
            ok,
            "builder id",
            &p.builder_id,
            &format!("a prefix {prefix:?}"),
        );
    }
    if let Some(want) = &c.build_type {
        let ok = p.build_type.as_deref() == Some(want);
        check(
            names::SLSA_BUILD_TYPE,
            ok,
            "build type",
            &p.build_type,
            &format!("{want:?}"),
        );
    }
    if let Some(want) = &c.source_repo {
        let ok = p
            .source_repo
            .as_deref()
            .is_some_and(|r| slsa::same_repository(r, want));
        check(
            names::SLSA_SOURCE_REPO,
            ok,
            "source repository",
            &p.source_repo,
            &format!("{want:?} (compared without git+, @ref, .git)"),
        );
    }
    if let Some(want) = &c.source_ref {
        let ok = p.source_ref.as_deref() == Some(want);
        check(
            names::SLSA_SOURCE_REF,
            ok,
            "source ref",
            &p.source_ref,
            &format!("{want:?}"),
        );
    }
    checks
}

fn component_label(c: &ComponentEvidence) -> String {
    match (&c.purl, &c.version) {
        (Some(p), _) => format!("component {p}"),
        (None, Some(v)) => format!("component {}@{v}", c.name),
        (None, None) => format!("component {}", c.name),
    }
}

/// Whether a component is denied: `Some(fail check)` when it is, or when it cannot be decided
/// (an unreadable purl, a missing or incomparable version: fail closed); `None` when not.
fn denied_component_check(c: &ComponentEvidence, denied: &[DeniedComponent]) -> Option<Check> {
    let raw = c.purl.as_deref()?;
    let fail = |detail: String| {
        Some(Check::fail(names::SBOM_DENIED_COMPONENT, detail).about(component_label(c)))
    };
    let purl: Purl = match raw.parse() {
        Ok(p) => p,
        Err(e) => {
            return fail(format!(
                "its purl cannot be read ({e}), so Cairn cannot tell whether it is denied"
            ));
        }
    };
    for dc in denied {
        if !dc.purl.without_version().matches(&purl.without_version()) {
            continue;
        }
        let version = purl
            .version()
            .map(str::to_owned)
            .or_else(|| c.version.clone());
        match version_denied(dc, purl.ty(), version.as_deref()) {
            Ok(true) => return fail(format!("is denied by {dc}")),
            Ok(false) => {}
            Err(why) => return fail(format!("may be denied by {dc}: {why}")),
        }
    }
    None
}

/// Is `version` within what `dc` denies? Errors when that cannot be decided.
fn version_denied(dc: &DeniedComponent, ty: &str, version: Option<&str>) -> Result<bool, String> {
    if let Some(range) = &dc.versions {
        let v = version.ok_or("the component has no version to compare with the range")?;
        return range.contains(v).map_err(|e| e.to_string());
    }
    let Some(want) = dc.purl.version() else {
        return Ok(true); // every version is denied
    };
    let v = version.ok_or("the component has no version to compare")?;
    if v == want {
        return Ok(true);
    }
    match Scheme::for_purl_type(ty) {
        Some(scheme) => vers::compare(scheme, v, want)
            .map(|o| o == Ordering::Equal)
            .map_err(|e| e.to_string()),
        None => Ok(false),
    }
}

/// Keep at most [`MAX_REPORTED`] checks; summarise the rest in one check of the same outcome.
fn capped(mut checks: Vec<Check>, what: &str) -> Vec<Check> {
    if checks.len() > MAX_REPORTED {
        let rest = checks.split_off(MAX_REPORTED);
        let failing = rest.iter().filter(|c| c.result != Outcome::Pass).count();
        let name = rest
            .first()
            .map_or(names::ATTESTATION_CANDIDATES, |c| c.check);
        let detail = format!(
            "{} more {what} not listed, {failing} of them failing",
            rest.len()
        );
        checks.push(if failing == 0 {
            Check::pass(name, detail)
        } else {
            Check::fail(name, detail)
        });
    }
    checks
}

fn flatten_capped(judged: Vec<(&AttestationEvidence, Vec<Check>)>, what: &str) -> Vec<Check> {
    let total = judged.len();
    let mut out = Vec::new();
    let mut rest_failing = 0usize;
    for (i, (_, checks)) in judged.into_iter().enumerate() {
        if i < MAX_REPORTED {
            out.extend(checks);
        } else if verdict_of(&checks) != Verdict::Pass {
            rest_failing += 1;
        }
    }
    if total > MAX_REPORTED {
        let detail = format!(
            "{} more {what} not listed, {rest_failing} of them failing",
            total - MAX_REPORTED
        );
        out.push(if rest_failing == 0 {
            Check::pass(names::ATTESTATION_CANDIDATES, detail)
        } else {
            Check::fail(names::ATTESTATION_CANDIDATES, detail)
        });
    }
    out
}

#[cfg(test)]
mod tests;

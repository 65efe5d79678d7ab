//! SLSA Verification Summary Attestations (VSA v1, `https://slsa.dev/verification_summary/v1`):
//! a report turned into an in-toto Statement that a consumer who trusts Cairn can check instead of
//! every attestation behind it. The caller signs it (DSSE) with the server's key.
//!
//! Mapping (SLSA v1.0 "Verification Summary Attestation", Schema and Fields):
//! - `subject`: the report's digest, named by `resourceUri`;
//! - `verifier.id`, `timeVerified` (the report's `evaluatedAt`), `resourceUri`;
//! - `policy`: `{uri, digest}` (the digest of the stored policy document, when given);
//! - `inputAttestations`: every attestation (and SBOM) the report's passing checks rest on,
//!   as `{uri, digest: {sha256}}`;
//! - `verificationResult`: `PASSED` or `FAILED`; `verifiedLevels`: the caller's levels when the
//!   report passed, `["FAILED"]` when it failed (as the spec asks);
//! - `slsaVersion`: `1.0`.

use super::eval::Report;
use crate::digest::Digest;
use crate::statement::{Statement, Subject};
use crate::verify::Verdict;
use serde_json::{Map, Value, json};

/// The VSA v1 predicate type.
pub const VSA_V1: &str = "https://slsa.dev/verification_summary/v1";

/// What a VSA says beyond the report.
#[derive(Debug, Clone, Default)]
pub struct VsaOptions<'a> {
    /// The artifact as the caller asked about it (e.g. `registry/acme/web@sha256:…`); the
    /// digest is used when empty.
    pub resource_uri: &'a str,
    /// Digest of the exact policy document evaluated.
    pub policy_digest: Option<&'a Digest>,
    /// Prefix of an attestation's URI; its id is appended
    /// (e.g. `https://cairn.example/v1/attestations/`).
    pub attestation_uri_prefix: &'a str,
    /// SLSA levels (`SLSA_BUILD_LEVEL_3`) or custom values the policy establishes when it passes.
    pub verified_levels: &'a [String],
}

/// Build the VSA Statement for `report`.
pub fn vsa_statement(
    report: &Report,
    verifier_id: &str,
    policy_uri: &str,
    options: &VsaOptions<'_>,
) -> Statement {
    let resource_uri = if options.resource_uri.is_empty() {
        report.digest.to_string()
    } else {
        options.resource_uri.to_owned()
    };
    let mut policy = Map::new();
    policy.insert("uri".into(), Value::from(policy_uri));
    if let Some(d) = options.policy_digest {
        policy.insert("digest".into(), digest_set(d));
    }
    let inputs: Vec<Value> = report
        .inputs
        .iter()
        .map(|id| {
            json!({
                "uri": format!("{}{id}", options.attestation_uri_prefix),
                "digest": digest_set(id),
            })
        })
        .collect();
    let (result, levels): (&str, Vec<String>) = match report.verdict {
        Verdict::Pass => ("PASSED", options.verified_levels.to_vec()),
        Verdict::Fail => ("FAILED", vec!["FAILED".to_owned()]),
    };
    let predicate = json!({
        "verifier": {"id": verifier_id},
        "timeVerified": report.evaluated_at.to_rfc3339(),
        "resourceUri": resource_uri,
        "policy": Value::Object(policy),
        "inputAttestations": inputs,
        "verificationResult": result,
        "verifiedLevels": levels,
        "slsaVersion": "1.0",
    });
    Statement::new_v1(
        vec![Subject {
            name: resource_uri,
            digests: vec![report.digest.clone()],
            other_digests: Vec::new(),
        }],
        VSA_V1,
        predicate,
    )
}

fn digest_set(d: &Digest) -> Value {
    json!({ d.algorithm().as_str(): d.hex() })
}

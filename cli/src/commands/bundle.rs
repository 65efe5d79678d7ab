//! `cairn verify-bundle`: offline Sigstore bundle verification, following the
//! sigstore-conformance CLI protocol.

use super::read_input;
use crate::VerifyBundleArgs;
use crate::output::Outcome;
use anyhow::Context;
use cairn_core::Digest;
use cairn_core::bundle::{
    BundleArtifact, IdentityPolicy, Matcher, SIGSTORE_PRODUCTION_TRUSTED_ROOT,
    SIGSTORE_STAGING_TRUSTED_ROOT, Signer, Tlog, load_trusted_root, verify_bundle,
};
use cairn_core::keys::PublicKey;
use cairn_core::verify::Verdict;
use cairn_core::x509::FulcioClaim;
use std::path::Path;

pub fn verify(args: &VerifyBundleArgs) -> anyhow::Result<Outcome> {
    let root_json = match &args.trusted_root {
        Some(path) => String::from_utf8(read_input(path)?)
            .with_context(|| format!("{} is not UTF-8", path.display()))?,
        None if args.staging => SIGSTORE_STAGING_TRUSTED_ROOT.to_owned(),
        None => SIGSTORE_PRODUCTION_TRUSTED_ROOT.to_owned(),
    };
    let verifier = load_trusted_root(&root_json)?;
    let identity = match (
        &args.certificate_identity,
        &args.certificate_identity_regexp,
    ) {
        (Some(exact), None) => Some(Matcher::Exact(exact.clone())),
        (None, Some(pattern)) => Some(Matcher::regex(pattern)?),
        _ => None,
    };
    let issuer = match (
        &args.certificate_oidc_issuer,
        &args.certificate_oidc_issuer_regexp,
    ) {
        (Some(exact), None) => Some(Matcher::Exact(exact.clone())),
        (None, Some(pattern)) => Some(Matcher::regex(pattern)?),
        _ => None,
    };
    let signer = match (&args.key, identity, issuer) {
        (Some(key), None, None) => {
            let pem = read_input(key)?;
            let key = PublicKey::from_pem(&pem).with_context(|| format!("{}", key.display()))?;
            Signer::Key {
                spki_der: key.spki_der().to_vec(),
            }
        }
        (None, Some(identity), Some(issuer)) => {
            // cosign's --certificate-github-workflow-* flags: exact matches on the Fulcio
            // claims (V2 extensions, else the deprecated GitHub ones).
            let claims: Vec<(FulcioClaim, Matcher)> = [
                (
                    FulcioClaim::GithubWorkflowTrigger,
                    &args.certificate_github_workflow_trigger,
                ),
                (
                    FulcioClaim::GithubWorkflowSha,
                    &args.certificate_github_workflow_sha,
                ),
                (
                    FulcioClaim::GithubWorkflowName,
                    &args.certificate_github_workflow_name,
                ),
                (
                    FulcioClaim::GithubWorkflowRepository,
                    &args.certificate_github_workflow_repository,
                ),
                (
                    FulcioClaim::GithubWorkflowRef,
                    &args.certificate_github_workflow_ref,
                ),
            ]
            .into_iter()
            .filter_map(|(claim, value)| value.clone().map(|v| (claim, Matcher::Exact(v))))
            .collect();
            if claims.is_empty() {
                Signer::Identity { identity, issuer }
            } else {
                let mut policy = IdentityPolicy::new(identity, issuer);
                policy.claims = claims;
                Signer::Identities(vec![policy])
            }
        }
        _ => anyhow::bail!(
            "give either --key, or a certificate identity (--certificate-identity[-regexp]) \
             and an issuer (--certificate-oidc-issuer[-regexp])"
        ),
    };
    let bundle = read_input(&args.bundle)?;
    // A sha256:<hex> argument that is not a file on disk is a digest (conformance protocol);
    // sha384:<hex> too, for key-signed bundles of P-384 keys checked without a log entry.
    let bytes;
    let digest;
    let is_digest = ["sha256:", "sha384:"]
        .iter()
        .any(|prefix| args.artifact.starts_with(prefix));
    let artifact = if !Path::new(&args.artifact).exists() && is_digest {
        digest = args.artifact.parse::<Digest>()?;
        BundleArtifact::Sha256(&digest)
    } else {
        bytes = read_input(Path::new(&args.artifact))?;
        BundleArtifact::Bytes(&bytes)
    };
    let tlog = if args.insecure_ignore_tlog {
        Tlog::InsecureIgnore
    } else {
        Tlog::Required
    };
    let report = verify_bundle(&verifier, &bundle, artifact, &signer, tlog)?;
    let verdict = report.verdict();
    let mut human = format!(
        "{}: {}\n",
        args.bundle.display(),
        if verdict == Verdict::Pass {
            "verified"
        } else {
            "NOT verified"
        }
    );
    for c in &report.checks {
        human.push_str(&format!(
            "  {:<7} {:<21} {}\n",
            serde_json::to_value(c.result)?.as_str().unwrap_or(""),
            c.check,
            c.detail
        ));
    }
    let json = serde_json::json!({
        "verdict": verdict,
        "checks": report.checks,
        "identity": report.identity.as_ref().map(|(san, issuer)| serde_json::json!({"subject": san, "issuer": issuer})),
        "signingTime": report.signing_time_ms.map(|ms| cairn_core::time::Timestamp::from_unix_millis(ms).to_rfc3339()),
    });
    Ok(Outcome {
        json,
        human,
        passed: verdict == Verdict::Pass,
    })
}

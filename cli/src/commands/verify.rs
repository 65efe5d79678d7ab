//! `cairn verify-dsse`: offline check of DSSE envelopes against one public key.

use super::{parse_digest_arg, read_input};
use crate::VerifyDsseArgs;
use crate::output::Outcome;
use anyhow::Context;
use cairn_core::attestation::{TrustedKey, check_envelope, split_upload};
use cairn_core::keys::PublicKey;
use cairn_core::verify::{Check, Verdict, names, verdict_of};

pub fn verify_dsse(args: &VerifyDsseArgs) -> anyhow::Result<Outcome> {
    let pem = read_input(&args.key)?;
    let key = PublicKey::from_pem(&pem).with_context(|| format!("{}", args.key.display()))?;
    let digest = args.digest.as_deref().map(parse_digest_arg).transpose()?;
    let bytes = read_input(&args.envelope)?;
    let envelopes = split_upload(&bytes).with_context(|| format!("{}", args.envelope.display()))?;
    let trusted = [TrustedKey {
        name: args.key.display().to_string(),
        public_key: key,
    }];
    let mut reports = Vec::new();
    let mut human = String::new();
    let mut all_pass = true;
    for received in &envelopes {
        let report = check_envelope(&received.envelope, &trusted);
        let mut checks = report.checks;
        if let Some(want) = &digest {
            checks.push(match &report.statement {
                Some(s) if s.has_subject_digest(want) => {
                    Check::pass(names::STATEMENT_SUBJECT, format!("{want} is a subject"))
                }
                Some(_) => {
                    Check::fail(names::STATEMENT_SUBJECT, format!("{want} is not a subject"))
                }
                None => Check::skipped(names::STATEMENT_SUBJECT, "no verified Statement"),
            });
        }
        let verdict = verdict_of(&checks);
        all_pass &= verdict == Verdict::Pass;
        human.push_str(&format!(
            "{}: {}\n",
            received.content_id,
            if verdict == Verdict::Pass {
                "verified"
            } else {
                "NOT verified"
            }
        ));
        human.push_str(&super::render_checks(&checks)?);
        let statement = report.statement.as_ref().map(|s| {
            serde_json::json!({
                "type": s.statement_type.as_str(),
                "predicateType": s.predicate_type,
                "subjects": s.subjects.iter().map(|sub| serde_json::json!({
                    "name": sub.name,
                    "digests": sub.digests.iter().map(ToString::to_string).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        });
        reports.push(serde_json::json!({
            "id": received.content_id.to_string(),
            "verdict": verdict,
            "checks": checks,
            "statement": statement,
        }));
    }
    let verdict = if all_pass {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Ok(Outcome {
        json: serde_json::json!({"verdict": verdict, "envelopes": reports}),
        human,
        passed: all_pass,
    })
}

//! `cairn log checkpoint|key|verify|monitor` and `cairn history`.

use super::{parse_digest_arg, render_checks};
use crate::Cli;
use crate::client::Api;
use crate::output::{Outcome, note};
use anyhow::{Context, bail};
use cairn_core::tlog::{self, NoteVerifier};
use cairn_core::verify::Verdict;
use serde_json::{Value, json};
use std::path::Path;

/// The log key from `--log-key` (a verifier key, or a file holding one), else fetched from the
/// server (said on stderr: a key from the server proves nothing about the server).
fn log_verifier(cli: &Cli, given: Option<&str>) -> anyhow::Result<NoteVerifier> {
    if let Some(k) = given {
        let text = if Path::new(k).is_file() {
            std::fs::read_to_string(k).with_context(|| format!("reading {k}"))?
        } else {
            k.to_owned()
        };
        let text = text.trim();
        return NoteVerifier::parse(text).with_context(|| {
            format!(
                "--log-key: not a note verifier key (name+hex+base64, as `cairn log key` prints): {}",
                cairn_core::code::excerpt(text, 80)
            )
        });
    }
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let key = api.get_json("/v1/log/key", &[])?;
    note("using the log key the server reports; pin it with --log-key for an independent check");
    let vkey = key["verifierKey"].as_str().unwrap_or_default();
    NoteVerifier::parse(vkey).context("the server's log key is malformed")
}

pub fn key(cli: &Cli) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let key = api.get_json("/v1/log/key", &[])?;
    let human = format!("{}\n", key["verifierKey"].as_str().unwrap_or_default());
    Ok(Outcome::success(key, human))
}

pub fn checkpoint(cli: &Cli, log_key: Option<&str>) -> anyhow::Result<Outcome> {
    let verifier = log_verifier(cli, log_key)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let note_text = api.get_text("/v1/log/checkpoint")?;
    let cp = tlog::open_checkpoint(&note_text, &verifier)
        .context("the server's checkpoint does not verify with the log key")?;
    Ok(Outcome::success(
        json!({"origin": cp.origin, "treeSize": cp.size, "rootHash": tlog::hash_to_hex(&cp.root),
               "checkpoint": note_text}),
        note_text.clone(),
    ))
}

/// The receipts in a file: a write response (`{"attestations": [{"logEntry"…}]}`, a key
/// response with `logEntry`), a bare `logEntry` object, or a list of them.
fn receipts_in(value: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    collect_receipts(value, &mut out, 0);
    out
}

fn collect_receipts(value: &Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match value {
        Value::Object(map)
            if map.contains_key("inclusionProof") && map.contains_key("logIndex") =>
        {
            out.push(value.clone())
        }
        Value::Object(map) => {
            for v in map.values() {
                collect_receipts(v, out, depth + 1);
            }
        }
        Value::Array(items) => {
            for v in items {
                collect_receipts(v, out, depth + 1);
            }
        }
        _ => {}
    }
}

pub fn verify(cli: &Cli, file: &Path, log_key: Option<&str>) -> anyhow::Result<Outcome> {
    let bytes = super::read_input(file)?;
    let value: Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", file.display()))?;
    let receipts = receipts_in(&value);
    if receipts.is_empty() {
        bail!(
            "{} holds no transparency-log receipt (a logEntry object with logIndex and inclusionProof)",
            file.display()
        );
    }
    let verifier = log_verifier(cli, log_key)?;
    let mut human = String::new();
    let mut reports = Vec::new();
    let mut all_pass = true;
    for r in &receipts {
        let text = serde_json::to_vec(r)?;
        let report = tlog::verify_receipt_json(&text, None, &verifier);
        let verdict = report.verdict();
        all_pass &= verdict == Verdict::Pass;
        let index = r["logIndex"].as_u64().unwrap_or_default();
        human.push_str(&format!(
            "log entry {index}: {}\n",
            if verdict == Verdict::Pass {
                "included in the signed log"
            } else {
                "NOT verified"
            }
        ));
        human.push_str(&render_checks(&report.checks)?);
        reports.push(json!({"logIndex": index, "verdict": verdict, "checks": report.checks}));
    }
    let verdict = if all_pass {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Ok(Outcome {
        json: json!({"verdict": verdict, "receipts": reports}),
        human,
        passed: all_pass,
    })
}

/// What `cairn log monitor` remembers between runs.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MonitorState {
    verifier_key: String,
    tree_size: u64,
    root_hash: String,
    checkpoint: String,
}

pub fn monitor(cli: &Cli, state_file: &Path, log_key: Option<&str>) -> anyhow::Result<Outcome> {
    let previous: Option<MonitorState> = match std::fs::read(state_file) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} is not a cairn log monitor state file",
                state_file.display()
            )
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", state_file.display())),
    };
    // The key: given, else the one pinned on the first run, else the server's (then pinned).
    let verifier = match (log_key, &previous) {
        (Some(k), _) => log_verifier(cli, Some(k))?,
        (None, Some(p)) => NoteVerifier::parse(&p.verifier_key)
            .context("the state file's verifier key is malformed")?,
        (None, None) => log_verifier(cli, None)?,
    };
    if let Some(p) = &previous
        && p.verifier_key != verifier.to_vkey()
    {
        return Ok(inconsistent(format!(
            "the log key changed: the state file pinned {}, now {}",
            p.verifier_key,
            verifier.to_vkey()
        )));
    }
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let note_text = api.get_text("/v1/log/checkpoint")?;
    let cp = match tlog::open_checkpoint(&note_text, &verifier) {
        Ok(cp) => cp,
        Err(e) => {
            return Ok(inconsistent(format!(
                "the server's checkpoint does not verify with the log key: {e}"
            )));
        }
    };
    let mut detail = format!(
        "checkpoint verified: {} entries, root {}",
        cp.size,
        tlog::hash_to_hex(&cp.root)
    );
    if let Some(p) = &previous {
        let old_root = tlog::hash_from_hex(&p.root_hash).context("state file root hash")?;
        if cp.size < p.tree_size {
            return Ok(inconsistent(format!(
                "the log shrank from {} to {} entries (rollback or fork)",
                p.tree_size, cp.size
            )));
        }
        let proof = api.get_json(
            "/v1/log/proof/consistency",
            &[
                ("from", p.tree_size.to_string()),
                ("to", cp.size.to_string()),
            ],
        )?;
        let hashes = proof["hashes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|h| tlog::hash_from_hex(h.as_str().unwrap_or_default()))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .context("consistency proof hashes")?
            .unwrap_or_default();
        if let Err(e) = tlog::verify_consistency(p.tree_size, cp.size, &old_root, &cp.root, &hashes)
        {
            return Ok(inconsistent(format!(
                "the log at {} entries is not an extension of the one seen at {} entries \
                 (a fork or a rewritten history): {e}",
                cp.size, p.tree_size
            )));
        }
        detail.push_str(&format!(
            "; consistent with the {} entries seen before",
            p.tree_size
        ));
    } else {
        detail.push_str("; first run: state pinned");
    }
    let state = MonitorState {
        verifier_key: verifier.to_vkey(),
        tree_size: cp.size,
        root_hash: tlog::hash_to_hex(&cp.root),
        checkpoint: note_text,
    };
    let tmp = state_file.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&state)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, state_file)
        .with_context(|| format!("writing {}", state_file.display()))?;
    Ok(Outcome::success(
        json!({"verdict": "pass", "treeSize": cp.size, "rootHash": state.root_hash,
               "previousTreeSize": previous.as_ref().map(|p| p.tree_size), "detail": detail}),
        format!("{detail}\n"),
    ))
}

fn inconsistent(detail: String) -> Outcome {
    Outcome {
        json: json!({"verdict": "fail", "detail": detail}),
        human: format!("LOG INCONSISTENT: {detail}\n"),
        passed: false,
    }
}

pub fn history(
    cli: &Cli,
    digest: &str,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> anyhow::Result<Outcome> {
    let digest = parse_digest_arg(digest)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let mut query = Vec::new();
    if let Some(l) = limit {
        query.push(("limit", l.to_string()));
    }
    if let Some(c) = cursor {
        query.push(("cursor", c.to_owned()));
    }
    let page = api.get_json(&format!("/v1/artifacts/{digest}/history"), &query)?;
    let mut human = String::new();
    for e in page["items"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "{:>6}  {}  {:<15} {:<12} {}\n",
            e["logIndex"],
            e["integratedTime"].as_str().unwrap_or(""),
            e["type"].as_str().unwrap_or(""),
            e["actor"].as_str().unwrap_or(""),
            e["contentId"].as_str().unwrap_or("")
        ));
    }
    if let Some(next) = page["nextCursor"].as_str() {
        human.push_str(&format!("(more: --cursor {next})\n"));
    }
    Ok(Outcome::success(page, human))
}

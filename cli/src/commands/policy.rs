//! `cairn verify`, `cairn policy push|get|list|test`, `cairn provenance`.

use super::{parse_digest_arg, read_input};
use crate::Cli;
use crate::client::Api;
use crate::output::{Outcome, note};
use anyhow::Context;
use serde_json::{Value, json};
use std::path::Path;

fn media_type_of(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/json",
        _ => "application/yaml",
    }
}

/// The server's verdict: exit 0 pass, 1 fail. `--vsa FILE` also saves a signed VSA.
pub fn verify(
    cli: &Cli,
    image: &str,
    policy: &str,
    version: Option<i64>,
    vsa: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let digest = parse_digest_arg(image)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let mut query = vec![("policy", policy.to_owned())];
    if let Some(v) = version {
        query.push(("version", v.to_string()));
    }
    let report = api.get_json(&format!("/v1/artifacts/{digest}/verification"), &query)?;
    if let Some(path) = vsa {
        query.push(("format", "vsa".to_owned()));
        let (bytes, _) =
            api.get_bytes_query(&format!("/v1/artifacts/{digest}/verification"), &query)?;
        std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
        note(&format!("signed VSA written to {}", path.display()));
    }
    let passed = report["verdict"] == "pass";
    let mut human = format!(
        "{digest}: {} under policy {} v{}\n",
        if passed { "PASS" } else { "FAIL" },
        report["policy"]["name"].as_str().unwrap_or(policy),
        report["policy"]["version"]
    );
    for rule in report["rules"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "rule {} : {} (evidence {})\n",
            rule["name"].as_str().unwrap_or(""),
            rule["verdict"].as_str().unwrap_or(""),
            rule["evidence"].as_str().unwrap_or("")
        ));
        for c in rule["checks"].as_array().into_iter().flatten() {
            human.push_str(&format!(
                "  {:<7} {:<22} {}{}\n",
                c["result"].as_str().unwrap_or(""),
                c["check"].as_str().unwrap_or(""),
                c["subject"]
                    .as_str()
                    .map(|s| format!("{s}: "))
                    .unwrap_or_default(),
                c["detail"].as_str().unwrap_or("")
            ));
        }
    }
    for node in report["chain"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "chain depth {} {} ({}): {}\n",
            node["depth"],
            node["digest"].as_str().unwrap_or(""),
            node["relation"].as_str().unwrap_or(""),
            node["verdict"].as_str().unwrap_or("")
        ));
    }
    Ok(Outcome {
        json: report,
        human,
        passed,
    })
}

pub fn push(cli: &Cli, name: &str, file: &Path) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let bytes = read_input(file)?;
    let stored = api.put_bytes(&format!("/v1/policies/{name}"), media_type_of(file), bytes)?;
    let human = format!(
        "stored policy {} version {}\n",
        stored["name"].as_str().unwrap_or(name),
        stored["version"]
    );
    Ok(Outcome::success(stored, human))
}

pub fn get(cli: &Cli, name: &str, version: Option<i64>) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let query: Vec<(&str, String)> = version
        .map(|v| ("version", v.to_string()))
        .into_iter()
        .collect();
    let p = api.get_json(&format!("/v1/policies/{name}"), &query)?;
    let human = p["document"].as_str().unwrap_or("").to_owned();
    Ok(Outcome::success(p, human))
}

pub fn list(cli: &Cli) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let list = api.get_json("/v1/policies", &[])?;
    let mut human = String::new();
    for p in list["items"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "{:<24} v{:<4} {}  {}\n",
            p["name"].as_str().unwrap_or(""),
            p["version"],
            p["createdAt"].as_str().unwrap_or(""),
            p["actor"].as_str().unwrap_or("")
        ));
    }
    Ok(Outcome::success(list, human))
}

/// Evaluate a draft against one artifact or all it applies to; list the verdicts that change.
/// Exit 0 when nothing changes, 1 when some verdict would change.
pub fn test(
    cli: &Cli,
    file: &Path,
    name: Option<&str>,
    digest: Option<&str>,
    all: bool,
) -> anyhow::Result<Outcome> {
    let bytes = read_input(file)?;
    let name = match name {
        Some(n) => n.to_owned(),
        None => policy_name_in(&bytes)
            .with_context(|| format!("{}: no top-level `name:`; pass --name", file.display()))?,
    };
    let mut query = Vec::new();
    match (digest, all) {
        (Some(d), _) => query.push(("digest", parse_digest_arg(d)?.to_string())),
        (None, true) => query.push(("all", "true".to_owned())),
        (None, false) => anyhow::bail!("give --digest D or --all"),
    }
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let answer = api.post_bytes_query(
        &format!("/v1/policies/{name}/test"),
        &query,
        media_type_of(file),
        bytes,
    )?;
    let changes = answer["changes"].as_array().cloned().unwrap_or_default();
    let mut human = format!(
        "{} artifacts evaluated, {} unchanged, {} would change\n",
        answer["evaluated"],
        answer["unchanged"],
        changes.len()
    );
    for c in &changes {
        human.push_str(&format!(
            "{}  {} -> {}  {}\n",
            c["digest"].as_str().unwrap_or(""),
            c["current"].as_str().unwrap_or("(none)"),
            c["draft"].as_str().unwrap_or(""),
            c["failingRules"]
                .as_array()
                .map(|r| r
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","))
                .unwrap_or_default()
        ));
    }
    Ok(Outcome {
        passed: changes.is_empty(),
        json: answer,
        human,
    })
}

/// The `name` of a YAML or JSON policy document, read without the policy parser.
fn policy_name_in(bytes: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return v["name"].as_str().map(str::to_owned);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("name:"))
        .map(|n| n.trim().trim_matches(|c| c == '"' || c == '\'').to_owned())
        .filter(|n| !n.is_empty())
}

pub fn provenance(cli: &Cli, digest: &str, depth: Option<u32>) -> anyhow::Result<Outcome> {
    let digest = parse_digest_arg(digest)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let query: Vec<(&str, String)> = depth
        .map(|d| ("depth", d.to_string()))
        .into_iter()
        .collect();
    let graph = api.get_json(&format!("/v1/artifacts/{digest}/provenance"), &query)?;
    let mut human = String::new();
    for n in graph["nodes"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "{}{} {}{}\n",
            "  ".repeat(n["depth"].as_u64().unwrap_or(0) as usize),
            n["digest"].as_str().unwrap_or(""),
            n["names"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","))
                .unwrap_or_default(),
            if n["known"] == true {
                ""
            } else {
                " (unknown to Cairn)"
            }
        ));
    }
    Ok(Outcome::success(
        json!({"digest": graph["digest"], "nodes": graph["nodes"], "edges": graph["edges"]}),
        human,
    ))
}

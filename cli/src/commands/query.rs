//! `cairn artifact show` and `cairn attestations`.

use super::parse_digest_arg;
use crate::client::Api;
use crate::output::Outcome;
use crate::{AttestationsArgs, Cli};
use anyhow::Context;
use cairn_core::predicate::resolve_type_alias;

pub fn artifact_show(cli: &Cli, digest: &str) -> anyhow::Result<Outcome> {
    let digest = parse_digest_arg(digest)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let a = api.get_json(&format!("/v1/artifacts/{digest}"), &[])?;
    let mut human = format!(
        "digest:      {}\nnames:       {}\nfirst seen:  {}\nlast seen:   {}\nattestations: {}\n",
        a["digest"].as_str().unwrap_or(""),
        a["names"]
            .as_array()
            .map(|n| n
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", "))
            .unwrap_or_default(),
        a["firstSeen"].as_str().unwrap_or(""),
        a["lastSeen"].as_str().unwrap_or(""),
        a["attestations"]["total"]
    );
    if let Some(by_type) = a["attestations"]["byPredicateType"].as_object() {
        for (t, n) in by_type {
            human.push_str(&format!("  {n:>5}  {t}\n"));
        }
    }
    Ok(Outcome::success(a, human))
}

pub fn attestations(cli: &Cli, args: &AttestationsArgs) -> anyhow::Result<Outcome> {
    let digest = parse_digest_arg(&args.digest)?;
    let mut query = Vec::new();
    if let Some(t) = &args.predicate_type {
        let t = resolve_type_alias(t).with_context(|| format!("unknown predicate type {t:?}"))?;
        query.push(("predicateType", t.to_owned()));
    }
    if let Some(s) = &args.signer {
        query.push(("signer", s.clone()));
    }
    if let Some(l) = args.limit {
        query.push(("limit", l.to_string()));
    }
    if let Some(c) = &args.cursor {
        query.push(("cursor", c.clone()));
    }
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let page = api.get_json(&format!("/v1/artifacts/{digest}/attestations"), &query)?;
    let mut human = String::new();
    for a in page["items"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "{}  {}  {}\n",
            a["id"].as_str().unwrap_or(""),
            a["receivedAt"].as_str().unwrap_or(""),
            a["predicateType"].as_str().unwrap_or("")
        ));
    }
    if let Some(next) = page["nextCursor"].as_str() {
        human.push_str(&format!("more: --cursor {next}\n"));
    }
    Ok(Outcome::success(page, human))
}

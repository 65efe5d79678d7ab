//! `cairn sbom validate|push|get|diff` and `cairn search`.

use super::sign::{load_signing_key, subject_of, upload};
use super::{parse_digest_arg, read_input};
use crate::Cli;
use crate::client::Api;
use crate::output::{Outcome, note};
use anyhow::Context;
use cairn_core::ImageRef;
use cairn_core::attestation::sign_statement;
use cairn_core::predicate::{CAIRN_SBOM_REFERENCE_V1, CYCLONEDX_BOM};
use cairn_core::sbom::{self, SbomFormat};
use cairn_core::statement::Statement;
use ring::rand::SystemRandom;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// SBOMs up to this size are embedded in a signed attestation by `cairn sbom push --key`;
/// larger ones (and every XML document) are pushed as a document plus a signed digest-only
/// reference Statement (public Rekor refuses multi-MB attestations; GitHub caps payloads at
/// 16 MiB).
pub const EMBED_MAX_BYTES: usize = 1024 * 1024;

/// Offline: validate each file against the CycloneDX schema of its own version. Exit 0 when all
/// are valid, 1 when any is invalid, 2 when a file cannot be read or is not CycloneDX at all.
pub fn validate(files: &[PathBuf]) -> anyhow::Result<Outcome> {
    let mut results = Vec::new();
    let mut human = String::new();
    let mut all_valid = true;
    for file in files {
        let bytes = read_input(file)?;
        // A document that cannot even be parsed as CycloneDX is invalid (exit 1), not unreadable.
        let report = match sbom::validate(&bytes) {
            Ok(r) => r,
            Err(e) => {
                all_valid = false;
                human.push_str(&format!("{}: INVALID ({e})\n", file.display()));
                results.push(json!({
                    "file": file.display().to_string(),
                    "valid": false,
                    "errors": [{"path": "", "rule": e.code().as_str(), "message": e.to_string()}],
                    "truncated": false,
                }));
                continue;
            }
        };
        let valid = report.is_valid();
        all_valid &= valid;
        human.push_str(&format!(
            "{}: {} (CycloneDX {} {})\n",
            file.display(),
            if valid { "valid" } else { "INVALID" },
            report.spec_version,
            report.format
        ));
        for v in &report.violations {
            human.push_str(&format!(
                "  {} [{}] {}\n",
                if v.path.is_empty() { "/" } else { &v.path },
                v.rule,
                v.message
            ));
        }
        if report.truncated {
            human.push_str("  … more violations not listed\n");
        }
        results.push(json!({
            "file": file.display().to_string(),
            "valid": valid,
            "specVersion": report.spec_version.as_str(),
            "format": report.format.as_str(),
            "errors": report.violations.iter().map(|v| json!({"path": v.path, "rule": v.rule, "message": v.message})).collect::<Vec<_>>(),
            "truncated": report.truncated,
        }));
    }
    Ok(Outcome {
        json: json!({"valid": all_valid, "files": results}),
        human,
        passed: all_valid,
    })
}

fn content_type(format: SbomFormat) -> &'static str {
    match format {
        SbomFormat::Json => "application/vnd.cyclonedx+json",
        SbomFormat::Xml => "application/vnd.cyclonedx+xml",
    }
}

/// Push an SBOM for IMAGE@DIGEST: unsigned as a document, or with `--key` signed — embedded in
/// a CycloneDX attestation when it is JSON and at most [`EMBED_MAX_BYTES`], else the document
/// plus a signed Statement that names its sha256 (detached).
pub fn push(cli: &Cli, subject: &str, file: &Path, key: Option<&Path>) -> anyhow::Result<Outcome> {
    let image: ImageRef = subject
        .parse()
        .context("--subject must be IMAGE@sha256:<hex>")?;
    let bytes = read_input(file)?;
    // Validate locally first: a clear message before anything is sent.
    let report = sbom::validate(&bytes).with_context(|| format!("{}", file.display()))?;
    if !report.is_valid() {
        let first = report
            .violations
            .first()
            .map(|v| format!("{} [{}] {}", v.path, v.rule, v.message))
            .unwrap_or_default();
        anyhow::bail!(
            "{} is not valid CycloneDX {} ({} violations; first: {first}); run `cairn sbom validate` for all",
            file.display(),
            report.spec_version,
            report.violations.len()
        );
    }
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let Some(key_path) = key else {
        let answer = api.post_bytes_query(
            "/v1/sboms",
            &[("subject", image.to_string())],
            content_type(report.format),
            bytes,
        )?;
        let human = format!(
            "{} SBOM {} for {} (unsigned)\n",
            if answer["created"] == true {
                "stored"
            } else {
                "already stored"
            },
            answer["id"].as_str().unwrap_or(""),
            image
        );
        return Ok(Outcome::success(answer, human));
    };
    let rng = SystemRandom::new();
    let signing_key = load_signing_key(key_path, &rng)?;
    if report.format == SbomFormat::Json && bytes.len() <= EMBED_MAX_BYTES {
        let predicate: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        let statement = Statement::new_v1(vec![subject_of(&image)], CYCLONEDX_BOM, predicate);
        let envelope = sign_statement(&statement, &signing_key, &rng)?;
        note("SBOM embedded in a signed CycloneDX attestation");
        return upload(cli, envelope.to_json().into_bytes());
    }
    // Detached: the document first, then the signed reference to its digest.
    let document = api.post_bytes_query(
        "/v1/sboms",
        &[("subject", image.to_string())],
        content_type(report.format),
        bytes.clone(),
    )?;
    let digest = cairn_core::Digest::sha256_of(&bytes);
    let statement = Statement::new_v1(
        vec![subject_of(&image)],
        CAIRN_SBOM_REFERENCE_V1,
        json!({"sbom": {"digest": {"sha256": digest.hex()}, "mediaType": content_type(report.format), "size": bytes.len()}}),
    );
    let envelope = sign_statement(&statement, &signing_key, &rng)?;
    note(&format!(
        "SBOM of {} bytes pushed as a document with a signed reference to {digest}",
        bytes.len()
    ));
    let reference = upload(cli, envelope.to_json().into_bytes())?;
    Ok(Outcome::success(
        json!({"sbom": document, "reference": reference.json}),
        reference.human,
    ))
}

/// Fetch an artifact's newest SBOM: to a file, or to stdout.
pub fn get(cli: &Cli, digest: &str, output_file: Option<&Path>) -> anyhow::Result<Outcome> {
    let digest = parse_digest_arg(digest)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let (bytes, headers) = api.get_bytes(&format!("/v1/artifacts/{digest}/sbom"))?;
    let header = |k: &str| headers.get(k).cloned().unwrap_or_default();
    let meta = json!({
        "digest": digest.to_string(),
        "id": header("cairn-sbom-id"),
        "signed": header("cairn-sbom-signed") == "true",
        "specVersion": header("cairn-spec-version"),
        "mediaType": header("content-type"),
        "size": bytes.len(),
    });
    note(&format!(
        "SBOM {} (CycloneDX {}, {})",
        header("cairn-sbom-id"),
        header("cairn-spec-version"),
        if header("cairn-sbom-signed") == "true" {
            "signed"
        } else {
            "UNSIGNED"
        }
    ));
    match output_file {
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(Outcome::success(
                meta,
                format!("written to {}\n", path.display()),
            ))
        }
        None => Ok(Outcome::success(
            meta,
            String::from_utf8_lossy(&bytes).into_owned(),
        )),
    }
}

pub fn diff(cli: &Cli, new: &str, against: &str) -> anyhow::Result<Outcome> {
    let new = parse_digest_arg(new)?;
    let old = parse_digest_arg(against)?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let d = api.get_json(
        &format!("/v1/artifacts/{new}/sbom/diff"),
        &[("against", old.to_string())],
    )?;
    let mut human = String::new();
    let label = |c: &Value| {
        c["purl"].as_str().map(str::to_owned).unwrap_or_else(|| {
            format!(
                "{} {}",
                c["name"].as_str().unwrap_or(""),
                c["version"].as_str().unwrap_or("")
            )
        })
    };
    for c in d["added"].as_array().into_iter().flatten() {
        human.push_str(&format!("+ {}\n", label(c)));
    }
    for c in d["removed"].as_array().into_iter().flatten() {
        human.push_str(&format!("- {}\n", label(c)));
    }
    for c in d["versionChanged"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "~ {} {} -> {}\n",
            c["key"].as_str().unwrap_or(""),
            c["oldVersion"].as_str().unwrap_or("?"),
            c["newVersion"].as_str().unwrap_or("?")
        ));
    }
    if human.is_empty() {
        human.push_str("no component changes\n");
    }
    Ok(Outcome::success(d, human))
}

pub fn search(
    cli: &Cli,
    purl: &str,
    version: Option<&str>,
    versions: Option<&str>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let mut query = vec![("purl", purl.to_owned())];
    if let Some(v) = version {
        query.push(("version", v.to_owned()));
    }
    if let Some(v) = versions {
        query.push(("versions", v.to_owned()));
    }
    if let Some(l) = limit {
        query.push(("limit", l.to_string()));
    }
    if let Some(c) = cursor {
        query.push(("cursor", c.to_owned()));
    }
    let page = api.get_json("/v1/components", &query)?;
    let mut human = String::new();
    for a in page["items"].as_array().into_iter().flatten() {
        let names: Vec<&str> = a["names"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let versions: Vec<&str> = a["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["version"].as_str())
            .collect();
        human.push_str(&format!(
            "{}  {}  {}\n",
            a["digest"].as_str().unwrap_or(""),
            names.join(","),
            versions.join(",")
        ));
    }
    if let Some(next) = page["nextCursor"].as_str() {
        human.push_str(&format!("(more: --cursor {next})\n"));
    }
    Ok(Outcome::success(page, human))
}

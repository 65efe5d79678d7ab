//! Policies (`/v1/policies…`), verdicts (`/v1/artifacts/{digest}/verification`), provenance
//! graphs and the VSA key.

use super::now;
use crate::api::{
    PolicyDto, PolicyList, PolicyTestChange, PolicyTestResponse, ProvenanceEdge, ProvenanceGraph,
    ProvenanceNode, VsaKeyDto,
};
use crate::app::AppState;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use crate::verdicts;
use actix_web::{HttpRequest, HttpResponse, web};
use cairn_core::Digest;
use cairn_core::policy::eval;
use cairn_core::policy::{PolicyFormat, parse_policy};
use cairn_store::PolicyRecord;
use serde::Deserialize;
use std::collections::{BTreeMap, VecDeque};

/// Media types a policy is accepted in.
const YAML_TYPES: &[&str] = &["application/yaml", "application/x-yaml", "text/yaml"];
const JSON_TYPES: &[&str] = &["application/json"];
/// Largest policy document.
const MAX_POLICY_BYTES: usize = 256 * 1024;

fn format_of(req: &HttpRequest) -> Result<(PolicyFormat, &'static str), ApiError> {
    let essence = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if YAML_TYPES.contains(&essence.as_str()) {
        Ok((PolicyFormat::Yaml, "application/yaml"))
    } else if JSON_TYPES.contains(&essence.as_str()) {
        Ok((PolicyFormat::Json, "application/json"))
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "{essence:?}: send application/yaml or application/json"
        )))
    }
}

fn dto(record: &PolicyRecord, with_document: bool) -> PolicyDto {
    PolicyDto {
        name: record.name.clone(),
        version: record.version,
        id: record.id.to_string(),
        media_type: record.media_type.clone(),
        created_at: record.created_at.to_rfc3339(),
        actor: record.actor.clone(),
        document: with_document.then(|| String::from_utf8_lossy(&record.document).into_owned()),
        log_entry: None,
    }
}

/// Store a new version of a policy (YAML or JSON; DESIGN §2b, docs/policy.md). The document is
/// validated first; its `name` must be the URL's. Each PUT makes a new version.
#[utoipa::path(
    put, path = "/v1/policies/{name}", tag = "policies",
    params(("name" = String, Path, description = "Policy name")),
    request_body(content = String, content_type = "application/yaml", description = "The policy document"),
    responses(
        (status = 201, description = "Stored as a new version", body = PolicyDto),
        (status = 400, description = "invalid_policy, invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "payload_too_large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put(
    principal: Principal,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    super::validate_name("policy", &name, 64)?;
    let (format, media_type) = format_of(&req)?;
    let bytes = super::read_body(body, MAX_POLICY_BYTES).await?;
    let policy = parse_policy(&bytes, format).map_err(ApiError::Policy)?;
    if policy.name != name {
        return Err(ApiError::InvalidPolicy(format!(
            "the document's name {:?} differs from the URL's {name:?}",
            policy.name
        )));
    }
    let (record, position) = state
        .store
        .put_policy(&name, &bytes, media_type, now(), &principal.actor(&req))
        .await?;
    tracing::info!(policy = %name, version = record.version, "policy stored");
    let mut out = dto(&record, false);
    out.log_entry = Some(state.log.receipt(&state.store, &position).await?.into());
    Ok(HttpResponse::Created().json(out))
}

/// The newest version of every policy.
#[utoipa::path(get, path = "/v1/policies", tag = "policies", responses((status = 200, body = PolicyList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = state
        .store
        .policies()
        .await?
        .iter()
        .map(|r| dto(r, false))
        .collect();
    Ok(HttpResponse::Ok().json(PolicyList { items }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version (default: the newest).
    pub version: Option<i64>,
}

/// One policy version with its document (`?version=N`; default the newest).
#[utoipa::path(
    get, path = "/v1/policies/{name}", tag = "policies",
    params(("name" = String, Path, description = "Policy name"), VersionQuery),
    responses(
        (status = 200, body = PolicyDto),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    path: web::Path<String>,
    query: web::Query<VersionQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    let record = state
        .store
        .policy(&name, query.version)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no policy {name:?}")))?;
    Ok(HttpResponse::Ok().json(dto(&record, true)))
}

/// Every version of a policy, oldest first (without documents).
#[utoipa::path(
    get, path = "/v1/policies/{name}/versions", tag = "policies",
    params(("name" = String, Path, description = "Policy name")),
    responses((status = 200, body = PolicyList))
)]
pub async fn versions(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let items = state
        .store
        .policy_versions(&path)
        .await?
        .iter()
        .map(|r| dto(r, false))
        .collect();
    Ok(HttpResponse::Ok().json(PolicyList { items }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VerificationQuery {
    /// The policy to evaluate.
    pub policy: String,
    /// A policy version (default: the newest).
    pub version: Option<i64>,
    /// `report` (default) or `vsa`: a DSSE-signed SLSA Verification Summary Attestation.
    pub format: Option<String>,
}

/// May this digest run under this policy? The report of every rule and check (DESIGN §3), or
/// with `format=vsa` a signed VSA (recorded in the log). Cached until something relevant changes.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/verification", tag = "policies",
    params(("digest" = String, Path, description = "sha256:<hex>"), VerificationQuery),
    responses(
        (status = 200, description = "The report (pass or fail: read `verdict`), or the VSA envelope", content_type = "application/json"),
        (status = 400, description = "invalid_digest, invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found: no such policy", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verification(
    principal: Principal,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<VerificationQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let digest: Digest = path.parse()?;
    let actor = principal.actor(&req);
    let verdict = verdicts::verdict(&state, &digest, &query.policy, query.version, &actor).await?;
    match query.format.as_deref() {
        None | Some("report") => Ok(HttpResponse::Ok()
            .insert_header(("cairn-verdict", verdict.verdict.clone()))
            .insert_header(("cairn-cache", if verdict.cached { "hit" } else { "miss" }))
            .json(&*verdict.report)),
        Some("vsa") => {
            let (envelope, position) =
                verdicts::issue_vsa(&state, &digest, &query.policy, &verdict, &actor).await?;
            Ok(HttpResponse::Ok()
                .content_type("application/vnd.dsse.envelope.v1+json")
                .insert_header(("cairn-verdict", verdict.verdict.clone()))
                .insert_header(("cairn-log-index", position.index.to_string()))
                .body(envelope))
        }
        Some(other) => Err(ApiError::InvalidRequest(format!(
            "format must be report or vsa, not {:?}",
            cairn_core::code::excerpt(other, 20)
        ))),
    }
}

/// The server's VSA signing key (verify VSAs with `cairn verify-dsse --key`).
#[utoipa::path(get, path = "/v1/vsa/key", tag = "policies", responses((status = 200, body = VsaKeyDto)))]
pub async fn vsa_key(state: web::Data<AppState>) -> HttpResponse {
    let public = state.vsa.key.public_key();
    HttpResponse::Ok().json(VsaKeyDto {
        keyid: public.keyid().to_string(),
        public_key_pem: public.to_pem(),
        verifier_id: state.vsa.verifier_id.clone(),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ProvenanceQuery {
    /// Levels to follow (default 8, at most 32).
    pub depth: Option<u32>,
}

/// The provenance chain of an artifact as a graph: nodes (digests, names, attestation counts by
/// type) and edges (dependency relation, the provenance attestation that names it).
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/provenance", tag = "policies",
    params(("digest" = String, Path, description = "sha256:<hex>"), ProvenanceQuery),
    responses(
        (status = 200, body = ProvenanceGraph),
        (status = 400, description = "invalid_digest", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn provenance(
    path: web::Path<String>,
    query: web::Query<ProvenanceQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let root: Digest = path.parse()?;
    let max_depth = query.depth.unwrap_or(8).min(32);
    let evidence = verdicts::gather(&state, &root, max_depth).await?;
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut depth_of: BTreeMap<Digest, u32> = BTreeMap::from([(root.clone(), 0)]);
    let mut queue = VecDeque::from([root.clone()]);
    while let Some(d) = queue.pop_front() {
        let depth = depth_of.get(&d).copied().unwrap_or(0);
        let Some(a) = evidence.artifacts.get(&d) else {
            continue;
        };
        let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
        for att in &a.attestations {
            *by_type.entry(att.predicate_type.clone()).or_default() += 1;
            if depth >= max_depth {
                continue;
            }
            for (dep, relation) in eval::chain_dependencies(att) {
                edges.push(ProvenanceEdge {
                    from: d.to_string(),
                    to: dep.to_string(),
                    relation,
                    attestation: att.id.to_string(),
                });
                if !depth_of.contains_key(&dep) {
                    depth_of.insert(dep.clone(), depth + 1);
                    queue.push_back(dep);
                }
            }
        }
        nodes.push(ProvenanceNode {
            digest: d.to_string(),
            depth,
            names: a.names.clone(),
            known: !a.attestations.is_empty() || a.sbom.is_some(),
            attestations_by_type: by_type,
        });
    }
    Ok(HttpResponse::Ok().json(ProvenanceGraph {
        digest: root.to_string(),
        nodes,
        edges,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PolicyTestQuery {
    /// One artifact to evaluate the draft against.
    pub digest: Option<String>,
    /// Every artifact the current version has been applied to (or every artifact when it has
    /// none yet), at most 1,000.
    pub all: Option<bool>,
}

/// Policy impact before rollout: evaluate a draft (the request body) against artifacts and list
/// the verdicts that would change from the current version's. Nothing is stored.
#[utoipa::path(
    post, path = "/v1/policies/{name}/test", tag = "policies",
    params(("name" = String, Path, description = "Policy name"), PolicyTestQuery),
    request_body(content = String, content_type = "application/yaml", description = "The draft policy"),
    responses(
        (status = 200, body = PolicyTestResponse),
        (status = 400, description = "invalid_policy, invalid_request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn test(
    principal: Principal,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<PolicyTestQuery>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    super::validate_name("policy", &name, 64)?;
    let (format, media_type) = format_of(&req)?;
    let bytes = super::read_body(body, MAX_POLICY_BYTES).await?;
    let draft = parse_policy(&bytes, format).map_err(ApiError::Policy)?;
    let current = state.store.policy(&name, None).await?;
    let targets: Vec<Digest> = match (&query.digest, query.all) {
        (Some(d), _) => vec![d.parse()?],
        (None, Some(true)) => state.store.artifacts_for_policy_test(&name, 1_000).await?,
        _ => {
            return Err(ApiError::InvalidRequest(
                "give digest=sha256:… or all=true".into(),
            ));
        }
    };
    let draft_record = PolicyRecord {
        name: name.clone(),
        version: current.as_ref().map_or(1, |c| c.version + 1),
        id: Digest::sha256_of(&bytes),
        document: bytes.to_vec(),
        media_type: media_type.to_owned(),
        created_at: now(),
        actor: principal.name.clone(),
    };
    let mut changes = Vec::new();
    let mut unchanged = 0usize;
    for digest in &targets {
        let (draft_report, draft_verdict, _) =
            verdicts::evaluate_policy(&state, digest, &draft_record, &draft).await?;
        let current_verdict = match &current {
            Some(record) => {
                let policy = verdicts::parse_record(record)?;
                Some(
                    verdicts::evaluate_policy(&state, digest, record, &policy)
                        .await?
                        .1,
                )
            }
            None => None,
        };
        if current_verdict.as_deref() == Some(draft_verdict.as_str()) {
            unchanged += 1;
            continue;
        }
        let failing: Vec<String> = draft_report
            .rules
            .iter()
            .filter(|r| r.verdict != cairn_core::verify::Verdict::Pass)
            .map(|r| r.name.clone())
            .collect();
        changes.push(PolicyTestChange {
            digest: digest.to_string(),
            current: current_verdict,
            draft: draft_verdict,
            failing_rules: failing,
        });
    }
    Ok(HttpResponse::Ok().json(PolicyTestResponse {
        policy: name,
        evaluated: targets.len(),
        unchanged,
        changes,
    }))
}

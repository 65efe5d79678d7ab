//! Verdicts: gathering the evidence a policy needs from the store, evaluating it (pure, in
//! core), caching the report, and issuing signed Verification Summary Attestations.
//!
//! Cache: a report is cached per (digest, policy, requested version) together with the log size
//! it was computed at and the digests of its provenance chain. A cached report is reused only if
//! nothing that could change it has been written since — a leaf about a digest of the chain, or a
//! key, revocation, trust-root or policy change (`Store::changed_since`). Every write is in the
//! shared transparency log, so this holds across replicas on one PostgreSQL with no extra
//! signalling. Reports also expire after [`CACHE_TTL`], because `maxAge` rules change with time.

use crate::app::AppState;
use crate::problem::ApiError;
use cairn_core::Digest;
use cairn_core::policy::eval::{
    self, ArtifactEvidence, AttestationEvidence, ComponentEvidence, Evidence, KeyEvidence,
    SbomEvidence,
};
use cairn_core::policy::{Policy, PolicyFormat, parse_policy};
use cairn_core::statement::Statement;
use cairn_store::{PageRequest, PolicyRecord};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a cached report may be served without re-evaluation (time-based rules).
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// Cached reports kept at most (the cache is emptied when full).
const CACHE_CAPACITY: usize = 20_000;
/// Attestations read per artifact.
const MAX_ATTESTATIONS_PER_ARTIFACT: u32 = 1_000;
/// Artifacts a chain may visit at most (all depths together).
const MAX_CHAIN_ARTIFACTS: usize = 256;
/// Sub-policies resolved at most per evaluation.
const MAX_POLICIES: usize = 32;

#[derive(Clone)]
struct Cached {
    report: Arc<eval::Report>,
    verdict: String,
    policy_version: i64,
    checked_size: u64,
    chain: Vec<String>,
    at: Instant,
}

/// The verdict cache; cheap to clone.
/// (digest, policy name, requested version).
type CacheKey = (String, String, Option<i64>);

/// Hits and misses are counted in `cairn_cache_requests_total{cache="verdict"}`.
#[derive(Clone, Default)]
pub struct VerdictCache {
    entries: Arc<Mutex<HashMap<CacheKey, Cached>>>,
}

/// A computed (or cached) verdict.
pub struct Verdict {
    pub report: Arc<eval::Report>,
    pub verdict: String,
    pub policy_version: i64,
    pub cached: bool,
}

/// Parse a stored policy version (documents are validated when stored).
pub fn parse_record(record: &PolicyRecord) -> Result<Policy, ApiError> {
    let format = if record.media_type.contains("json") {
        PolicyFormat::Json
    } else {
        PolicyFormat::Yaml
    };
    parse_policy(&record.document, format).map_err(|e| {
        ApiError::Internal(format!(
            "stored policy {} v{} does not parse: {e}",
            record.name, record.version
        ))
    })
}

/// The Statement of a stored attestation (DSSE envelope or Sigstore bundle).
fn statement_of(bytes: &[u8], payload_type: &str) -> Option<Statement> {
    if payload_type.starts_with("application/vnd.dev.sigstore.bundle") {
        return cairn_core::bundle_upload::statement_of_stored(bytes).ok();
    }
    let envelope = cairn_core::dsse::Envelope::parse(bytes).ok()?;
    Statement::parse(&envelope.payload).ok()
}

/// Load every policy `policy` refers to (sub-policies of chain rules), recursively, by name.
async fn sub_policies(
    state: &AppState,
    policy: &Policy,
) -> Result<BTreeMap<String, Policy>, ApiError> {
    let mut out = BTreeMap::new();
    let mut queue: VecDeque<String> = policy
        .referenced_policies()
        .into_iter()
        .map(str::to_owned)
        .collect();
    while let Some(name) = queue.pop_front() {
        if out.contains_key(&name) || out.len() >= MAX_POLICIES {
            continue;
        }
        // A missing sub-policy is reported by the evaluator as a failing check.
        if let Some(record) = state.store.policy(&name, None).await? {
            let p = parse_record(&record)?;
            queue.extend(p.referenced_policies().into_iter().map(str::to_owned));
            out.insert(name, p);
        }
    }
    Ok(out)
}

/// One stored attestation as evidence. Stored attestations were verified on the way in; an
/// unreadable one is left out and so never counts as evidence (fail closed).
fn attestation_evidence_of(
    row: cairn_store::AttestationEvidenceRow,
) -> Option<AttestationEvidence> {
    let Some(statement) = statement_of(&row.bytes, &row.payload_type) else {
        tracing::warn!(id = %row.id, "stored attestation does not parse; ignored as evidence");
        return None;
    };
    let mut claims = if row
        .payload_type
        .starts_with("application/vnd.dev.sigstore.bundle")
    {
        cairn_core::bundle_upload::claims_of_stored(&row.bytes)
    } else {
        Vec::new()
    };
    // The registered CA bundle that verified an X.509 signer (recorded at upload).
    claims.extend(
        row.signers
            .iter()
            .filter_map(|s| s.strip_prefix("x509-ca "))
            .map(|ca| ("ca".to_owned(), ca.to_owned())),
    );
    Some(AttestationEvidence {
        id: row.id,
        predicate_type: row.predicate_type,
        statement,
        signers: row.signers,
        integrated_time: row.integrated_time,
        claims,
    })
}

/// Everything the store knows about one artifact, as evidence.
async fn artifact_evidence(
    state: &AppState,
    digest: &Digest,
) -> Result<ArtifactEvidence, ApiError> {
    let rows = state
        .store
        .attestation_evidence(digest, MAX_ATTESTATIONS_PER_ARTIFACT)
        .await?;
    // Re-reading Statements and certificates is parsing: off the async workers.
    let attestations = actix_web::web::block(move || {
        rows.into_iter()
            .filter_map(attestation_evidence_of)
            .collect::<Vec<_>>()
    })
    .await?;
    let sbom = match state.store.sbom_for(digest).await? {
        None => None,
        Some(record) => {
            let mut components = Vec::new();
            let mut page = PageRequest::new(Some(500), None);
            loop {
                let Some(found) = state
                    .store
                    .components_of(digest, &Default::default(), page)
                    .await?
                else {
                    break;
                };
                components.extend(found.items.into_iter().map(|c| ComponentEvidence {
                    name: c.name,
                    version: c.version,
                    purl: c.purl,
                    licenses: c.licenses,
                }));
                match found.next {
                    Some(next) => page = PageRequest::new(Some(500), Some(next)),
                    None => break,
                }
            }
            Some(SbomEvidence {
                id: record.id,
                signed: record.signed,
                components,
            })
        }
    };
    Ok(ArtifactEvidence {
        digest: digest.clone(),
        names: state.store.artifact_names(&digest.to_string()).await?,
        attestations,
        sbom,
    })
}

/// Gather the evidence for `digest` and the artifacts its provenance chain reaches (breadth
/// first, at most `max_depth` levels and [`MAX_CHAIN_ARTIFACTS`] artifacts, cycle-safe).
pub async fn gather(
    state: &AppState,
    digest: &Digest,
    max_depth: u32,
) -> Result<Evidence, ApiError> {
    let mut artifacts = BTreeMap::new();
    let mut queue: VecDeque<(Digest, u32)> = VecDeque::from([(digest.clone(), 0)]);
    while let Some((d, depth)) = queue.pop_front() {
        if artifacts.contains_key(&d) || artifacts.len() >= MAX_CHAIN_ARTIFACTS {
            continue;
        }
        let evidence = artifact_evidence(state, &d).await?;
        if depth < max_depth {
            for att in &evidence.attestations {
                for (dep, _) in eval::chain_dependencies(att) {
                    if !artifacts.contains_key(&dep) {
                        queue.push_back((dep, depth + 1));
                    }
                }
            }
        }
        artifacts.insert(d, evidence);
    }
    let keys = state
        .store
        .keys()
        .await?
        .into_iter()
        .map(|k| KeyEvidence {
            keyid: k.keyid.to_string(),
            name: k.name,
            revoked_at: k.revocation.as_ref().map(|r| r.revoked_at),
            compromised: k
                .revocation
                .as_ref()
                .is_some_and(|r| r.reason == cairn_store::RevocationReason::Compromised),
            compromised_since: k.revocation.as_ref().and_then(|r| r.compromised_since),
        })
        .collect();
    Ok(Evidence {
        artifacts,
        keys,
        now: crate::routes::now(),
    })
}

/// Evaluate `policy` (already loaded) for `digest`: the report, its verdict, and the digests
/// whose evidence it read (for cache invalidation). Evidence is loaded exactly as the evaluator
/// asks for it ([`eval::evidence_needed`]), round by round down the chain.
pub async fn evaluate_policy(
    state: &AppState,
    digest: &Digest,
    record: &PolicyRecord,
    policy: &Policy,
) -> Result<(eval::Report, String, Vec<String>), ApiError> {
    let policies = sub_policies(state, policy).await?;
    let mut evidence = gather(state, digest, 0).await?;
    for _ in 0..=crate::verdicts::MAX_ROUNDS {
        let needed = eval::evidence_needed(policy, &policies, digest, &evidence);
        if needed.is_empty() || evidence.artifacts.len() >= MAX_CHAIN_ARTIFACTS {
            break;
        }
        for d in needed {
            if evidence.artifacts.len() >= MAX_CHAIN_ARTIFACTS {
                break;
            }
            let a = artifact_evidence(state, &d).await?;
            evidence.artifacts.insert(d, a);
        }
    }
    let chain: Vec<String> = evidence.artifacts.keys().map(ToString::to_string).collect();
    let owned_policy = policy.clone();
    let owned_digest = digest.clone();
    let version = u64::try_from(record.version).unwrap_or_default();
    let report = actix_web::web::block(move || {
        eval::evaluate(&owned_policy, &policies, &owned_digest, &evidence)
            .with_policy_version(version)
    })
    .await?;
    let verdict = serde_json::to_value(report.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "fail".to_owned());
    Ok((report, verdict, chain))
}

/// Rounds of evidence loading (each reaches at least one chain level deeper).
const MAX_ROUNDS: usize = 40;

/// The verdict of `policy` (newest version, or `version`) for `digest`, from the cache when
/// nothing relevant changed.
pub async fn verdict(
    state: &AppState,
    digest: &Digest,
    policy_name: &str,
    version: Option<i64>,
    actor: &cairn_store::Actor,
) -> Result<Verdict, ApiError> {
    let key = (digest.to_string(), policy_name.to_owned(), version);
    let size = state.store.log_size().await?;
    let cached = state
        .verdicts
        .entries
        .lock()
        .ok()
        .and_then(|m| m.get(&key).cloned());
    if let Some(c) = cached
        && c.at.elapsed() < CACHE_TTL
        && (c.checked_size == size || !state.store.changed_since(c.checked_size, &c.chain).await?)
    {
        if let Ok(mut m) = state.verdicts.entries.lock()
            && let Some(e) = m.get_mut(&key)
        {
            e.checked_size = size;
        }
        state.metrics.cache_request("verdict", true);
        state.metrics.verdict(policy_name, &c.verdict);
        return Ok(Verdict {
            report: c.report,
            verdict: c.verdict,
            policy_version: c.policy_version,
            cached: true,
        });
    }
    state.metrics.cache_request("verdict", false);
    let record = state
        .store
        .policy(policy_name, version)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no policy {policy_name:?}{}",
                version.map(|v| format!(" version {v}")).unwrap_or_default()
            ))
        })?;
    let policy = parse_record(&record)?;
    let (report, verdict, chain) = evaluate_policy(state, digest, &record, &policy).await?;
    state
        .store
        .record_verdict(
            digest,
            &record.name,
            record.version,
            &verdict,
            crate::routes::now(),
            actor,
        )
        .await?;
    state.metrics.verdict(&record.name, &verdict);
    let report = Arc::new(report);
    if let Ok(mut m) = state.verdicts.entries.lock() {
        if m.len() >= CACHE_CAPACITY {
            m.clear();
        }
        m.insert(
            key,
            Cached {
                report: report.clone(),
                verdict: verdict.clone(),
                policy_version: record.version,
                // Computed from data at least this new; a write racing the evaluation is caught
                // by the next check (it is at or after `size`).
                checked_size: size,
                chain,
                at: Instant::now(),
            },
        );
    }
    Ok(Verdict {
        report,
        verdict,
        policy_version: record.version,
        cached: false,
    })
}

/// Issue a signed SLSA Verification Summary Attestation for a report, and record it.
pub async fn issue_vsa(
    state: &AppState,
    digest: &Digest,
    policy_name: &str,
    verdict: &Verdict,
    actor: &cairn_store::Actor,
) -> Result<(Vec<u8>, cairn_store::LogPosition), ApiError> {
    let policy_uri = format!("cairn:policy/{policy_name}@{}", verdict.policy_version);
    let record = state
        .store
        .policy(policy_name, Some(verdict.policy_version))
        .await?;
    let options = cairn_core::policy::vsa::VsaOptions {
        resource_uri: "",
        policy_digest: record.as_ref().map(|r| &r.id),
        attestation_uri_prefix: "cairn:attestation/",
        verified_levels: &[],
    };
    let statement = cairn_core::policy::vsa::vsa_statement(
        &verdict.report,
        &state.vsa.verifier_id,
        &policy_uri,
        &options,
    );
    let envelope = cairn_core::attestation::sign_statement(
        &statement,
        &state.vsa.key,
        &ring::rand::SystemRandom::new(),
    )
    .map_err(|e| ApiError::Internal(format!("signing a VSA: {e}")))?;
    let bytes = envelope.to_json().into_bytes();
    let position = state
        .store
        .insert_vsa(
            digest,
            policy_name,
            verdict.policy_version,
            &verdict.verdict,
            &bytes,
            crate::routes::now(),
            actor,
        )
        .await?;
    Ok((bytes, position))
}

//! `POST /v1/attestations`, `GET /v1/attestations/{id}`.

use super::{now, require_content_type};
use crate::api::{
    AcceptedAttestation, AttestationDto, AttestationMetadata, AttestationUploadResponse, SubjectDto,
};
use crate::app::AppState;
use crate::audit::Write;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use cairn_core::Digest;
use cairn_core::attestation::{
    TrustedKey, split_upload, verify_upload, worst_case_signature_checks,
};
use serde::Deserialize;

/// Media types accepted for uploads: a DSSE envelope, or JSON lines of envelopes.
const UPLOAD_TYPES: &[&str] = &[
    "application/json",
    "application/vnd.dsse.envelope.v1+json",
    "application/x-ndjson",
    "application/jsonl",
    "application/vnd.dev.sigstore.bundle+json",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
];

/// Uploads up to this size are parsed on the async worker itself.
const INLINE_PARSE_BYTES: usize = 16 * 1024;
/// ... and verified there too when at most this many signature checks can be needed
/// (about 70 µs each): more would stall every connection of the worker.
const INLINE_SIGNATURE_CHECKS: usize = 8;

/// Media type of a stored envelope.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

/// Upload attestations: one DSSE envelope, or JSON lines of envelopes (as written by
/// `cosign attest --output-file`). Each envelope must carry a signature that verifies with a
/// registered, active key and an in-toto Statement naming at least one sha256/sha384/sha512
/// subject. An upload is stored all or nothing; re-posting identical bytes is idempotent.
#[utoipa::path(
    post, path = "/v1/attestations", tag = "attestations",
    request_body(content = String, content_type = "application/json",
                 description = "A DSSE envelope (JSON), or JSON lines of envelopes"),
    responses(
        (status = 201, description = "Stored (at least one envelope was new)", body = AttestationUploadResponse),
        (status = 200, description = "Every envelope was already stored", body = AttestationUploadResponse),
        (status = 400, description = "invalid_json, invalid_envelope, invalid_digest", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden: the token's role or scopes do not allow this upload", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "payload_too_large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "signature_invalid, unknown_signer, invalid_statement", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    principal: Principal,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_content_type(&req, UPLOAD_TYPES)?;
    let limit = state.limits.attestation_body_bytes;
    let bytes = super::read_body(body, limit).await?;
    let keys = state.store.keys().await?;
    let as_trusted = |k: &cairn_store::RegisteredKey| TrustedKey {
        name: k.name.clone(),
        public_key: k.public_key.clone(),
    };
    let (active, revoked): (Vec<_>, Vec<_>) = keys.iter().partition(|k| k.revocation.is_none());
    let trusted: Vec<TrustedKey> = active.into_iter().map(as_trusted).collect();
    let revoked: Vec<TrustedKey> = revoked.into_iter().map(as_trusted).collect();
    let verified = if cairn_core::bundle_upload::is_bundle(&bytes) {
        // A Sigstore bundle: full verification (certificate chain, log, signature) off the
        // async workers.
        let roots = state.store.trust_roots().await?;
        let now_ms = now().unix_millis();
        web::block(move || verify_bundle(&bytes, &roots, &trusted, &revoked, now_ms)).await??
    } else {
        verify_envelopes(bytes, trusted, revoked).await?
    };
    // SBOMs carried as predicates must be valid CycloneDX before anything is stored.
    let embedded = embedded_sboms(&verified).await?;
    // A scoped writer may only push for the image names it was given.
    principal.require_scopes(
        verified
            .iter()
            .flat_map(|v| v.statement.subjects.iter().map(|s| s.name.as_str())),
    )?;
    let stored = state
        .store
        .insert_attestations(&verified, now(), &principal.actor(&req))
        .await?;
    for (s, v) in stored.iter().zip(&verified) {
        state.record_write(Write::attestation(principal.actor(&req), s, v));
    }
    let name_of = |keyid: &cairn_core::keys::KeyId| {
        keys.iter()
            .find(|k| &k.keyid == keyid)
            .map(|k| k.name.clone())
            .unwrap_or_default()
    };
    index_sboms(&state, &principal.actor(&req), &verified, embedded).await?;
    let mut attestations: Vec<AcceptedAttestation> = Vec::with_capacity(stored.len());
    for (s, v) in stored.iter().zip(&verified) {
        let receipt = state.log.receipt(&state.store, &s.log).await?;
        attestations.push(AcceptedAttestation::new(s, v, name_of, receipt.into()));
    }
    let status = if stored.iter().any(|s| s.created) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    for a in &attestations {
        tracing::debug!(id = %a.id, created = a.created, predicate_type = %a.predicate_type, "attestation accepted");
    }
    Ok(HttpResponse::build(status).json(AttestationUploadResponse { attestations }))
}

/// DSSE envelopes (one, or JSON lines). Parsing and signature checks grow with the input: they
/// run off the async worker unless the upload is small and needs only a few signature checks
/// (the common single envelope), which costs less than the hand-off to a blocking thread.
async fn verify_envelopes(
    bytes: actix_web::web::Bytes,
    trusted: Vec<TrustedKey>,
    revoked: Vec<TrustedKey>,
) -> Result<Vec<cairn_core::attestation::VerifiedAttestation>, ApiError> {
    let received = if bytes.len() <= INLINE_PARSE_BYTES {
        split_upload(&bytes)?
    } else {
        web::block(move || split_upload(&bytes)).await??
    };
    let worst_case = worst_case_signature_checks(&received, trusted.len() + revoked.len());
    Ok(if worst_case <= INLINE_SIGNATURE_CHECKS {
        verify_upload(received, &trusted, &revoked)?
    } else {
        web::block(move || verify_upload(received, &trusted, &revoked)).await??
    })
}

/// A Sigstore bundle, against the public-good root and the registered trust roots.
fn verify_bundle(
    bytes: &[u8],
    roots: &[cairn_store::TrustRoot],
    trusted: &[TrustedKey],
    revoked: &[TrustedKey],
    now_ms: i64,
) -> Result<Vec<cairn_core::attestation::VerifiedAttestation>, ApiError> {
    use cairn_core::bundle::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, load_trusted_root};
    let internal =
        |what: &str, e: &dyn std::fmt::Display| ApiError::Internal(format!("{what}: {e}"));
    let mut sigstore = vec![(
        "sigstore-public-good".to_owned(),
        load_trusted_root(SIGSTORE_PRODUCTION_TRUSTED_ROOT)
            .map_err(|e| internal("embedded trusted root", &e))?,
    )];
    let mut x509 = Vec::new();
    for root in roots {
        match root.kind {
            cairn_store::TrustRootKind::Sigstore => {
                let text = String::from_utf8_lossy(&root.document);
                let verifier = load_trusted_root(&text).map_err(|e| internal(&root.name, &e))?;
                sigstore.push((root.name.clone(), verifier));
            }
            cairn_store::TrustRootKind::X509 => {
                let bundle = cairn_core::x509::CaBundle::from_pem(&root.document)
                    .map_err(|e| internal(&root.name, &e))?;
                x509.push((root.name.clone(), bundle));
            }
        }
    }
    let trust = cairn_core::bundle_upload::BundleTrust {
        sigstore: &sigstore,
        x509: &x509,
        keys: trusted,
        revoked,
        now_ms,
    };
    Ok(vec![cairn_core::bundle_upload::verify_bundle_upload(
        bytes, &trust,
    )?])
}

/// The CycloneDX predicates of an upload, as documents (index in the upload, bytes, parsed),
/// validated against their schema off the async workers.
async fn embedded_sboms(
    verified: &[cairn_core::attestation::VerifiedAttestation],
) -> Result<Vec<(usize, Vec<u8>, cairn_core::sbom::Sbom)>, ApiError> {
    let mut documents = Vec::new();
    for (i, v) in verified.iter().enumerate() {
        if v.statement.predicate_type == cairn_core::predicate::CAIRN_SBOM_REFERENCE_V1
            && v.statement
                .predicate
                .as_ref()
                .and_then(cairn_core::predicate::sbom_reference)
                .is_none()
        {
            return Err(ApiError::InvalidSbom(
                "an sbom-reference predicate must name the document as {\"sbom\": {\"digest\": {\"sha256\": \"<64 hex>\"}}}".into(),
            ));
        }
        if !cairn_core::predicate::is_cyclonedx(&v.statement.predicate_type) {
            continue;
        }
        let predicate = v.statement.predicate.as_ref().ok_or_else(|| {
            ApiError::InvalidSbom("a CycloneDX attestation has no predicate".into())
        })?;
        let bytes = serde_json::to_vec(predicate)
            .map_err(|e| ApiError::InvalidSbom(format!("predicate: {e}")))?;
        documents.push((i, bytes));
    }
    if documents.is_empty() {
        return Ok(Vec::new());
    }
    web::block(move || {
        documents
            .into_iter()
            .map(|(i, bytes)| super::sboms::parse_valid(&bytes).map(|s| (i, bytes, s)))
            .collect::<Result<Vec<_>, ApiError>>()
    })
    .await?
}

/// Index what the stored attestations say about SBOMs: embedded CycloneDX documents under
/// every subject digest, and detached references (`https://cairn.dev/sbom-reference/v1`).
async fn index_sboms(
    state: &AppState,
    actor: &cairn_store::Actor,
    verified: &[cairn_core::attestation::VerifiedAttestation],
    embedded: Vec<(usize, Vec<u8>, cairn_core::sbom::Sbom)>,
) -> Result<(), ApiError> {
    for (i, bytes, sbom) in &embedded {
        let v = &verified[*i];
        for subject in &v.statement.subjects {
            for digest in &subject.digests {
                state
                    .store
                    .insert_sbom(
                        &cairn_store::NewSbom {
                            bytes,
                            media_type: super::sboms::media_type(sbom.format),
                            sbom,
                            subject: digest,
                            subject_name: Some(subject.name.as_str()),
                            attestation_id: Some(&v.content_id),
                        },
                        now(),
                        actor,
                    )
                    .await?;
            }
        }
    }
    for v in verified {
        if v.statement.predicate_type != cairn_core::predicate::CAIRN_SBOM_REFERENCE_V1 {
            continue;
        }
        let Some(sbom) = v
            .statement
            .predicate
            .as_ref()
            .and_then(cairn_core::predicate::sbom_reference)
        else {
            continue;
        };
        for subject in &v.statement.subjects {
            for digest in &subject.digests {
                state
                    .store
                    .insert_sbom_reference(digest, &sbom, &v.content_id)
                    .await?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// `envelope` (default): the exact bytes uploaded; `metadata`: JSON metadata.
    pub view: Option<String>,
}

/// The exact envelope bytes as uploaded (`ETag` is the content id), or with `?view=metadata`
/// its metadata and subjects.
#[utoipa::path(
    get, path = "/v1/attestations/{id}", tag = "attestations",
    params(("id" = String, Path, description = "Content id, sha256:<hex> of the envelope bytes"), ViewQuery),
    responses(
        (status = 200, description = "The envelope bytes (or metadata with ?view=metadata)", body = AttestationMetadata),
        (status = 400, description = "invalid_digest, invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    path: web::Path<String>,
    query: web::Query<ViewQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id: Digest = path.parse()?;
    let record = state
        .store
        .attestation(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no attestation with id {id}")))?;
    match query.view.as_deref() {
        None | Some("envelope") => Ok(HttpResponse::Ok()
            .content_type(DSSE_MEDIA_TYPE)
            .insert_header(("etag", format!("\"{id}\"")))
            .insert_header((
                "cairn-predicate-type",
                record.summary.predicate_type.clone(),
            ))
            .insert_header(("cairn-received-at", record.summary.received_at.to_rfc3339()))
            .body(record.envelope)),
        Some("metadata") => Ok(HttpResponse::Ok().json(AttestationMetadata {
            attestation: AttestationDto::from(&record.summary),
            subjects: record
                .subjects
                .iter()
                .map(|(name, digest)| SubjectDto {
                    name: name.clone(),
                    digest: digest.to_string(),
                })
                .collect(),
        })),
        Some(other) => Err(ApiError::InvalidRequest(format!(
            "view must be envelope or metadata, not {:?}",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

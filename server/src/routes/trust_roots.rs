//! `POST /v1/trust-roots`, `GET /v1/trust-roots`: Sigstore trusted roots and X.509 CA bundles
//! (admin). Keyless bundles must chain to the Sigstore public-good root or a registered Sigstore
//! root; certificate-signed attestations to a registered X.509 CA bundle.

use super::now;
use crate::api::{TrustRootDto, TrustRootList, TrustRootRequest};
use crate::app::AppState;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpRequest, HttpResponse, web};
use cairn_store::{TrustRoot, TrustRootKind};

/// Check a trust root document; returns what describes it (anchor subjects / fingerprints).
pub fn inspect(
    kind: TrustRootKind,
    document: &[u8],
) -> Result<(Vec<String>, Vec<String>), ApiError> {
    match kind {
        TrustRootKind::Sigstore => {
            let text = std::str::from_utf8(document)
                .map_err(|_| ApiError::InvalidRequest("trusted_root.json is not UTF-8".into()))?;
            cairn_core::bundle::load_trusted_root(text).map_err(|e| {
                ApiError::InvalidRequest(format!("not a Sigstore trusted_root.json: {e}"))
            })?;
            Ok((Vec::new(), Vec::new()))
        }
        TrustRootKind::X509 => {
            let bundle = cairn_core::x509::CaBundle::from_pem(document)
                .map_err(|e| ApiError::Certificate(e.code(), e.to_string()))?;
            Ok((bundle.subjects(), bundle.fingerprints()))
        }
    }
}

fn dto(root: &TrustRoot) -> TrustRootDto {
    let (subjects, fingerprints) = inspect(root.kind, &root.document).unwrap_or_default();
    TrustRootDto {
        id: root.id.to_string(),
        name: root.name.clone(),
        kind: root.kind.as_str().to_owned(),
        created_at: root.created_at.to_rfc3339(),
        subjects,
        fingerprints,
        log_entry: None,
    }
}

/// Register a trust root: `{"name", "kind": "sigstore"|"x509", "document": "<trusted_root.json
/// or PEM CA bundle>"}`. Validated before it is stored; logged in the transparency log.
#[utoipa::path(
    post, path = "/v1/trust-roots", tag = "trust",
    request_body = TrustRootRequest,
    responses(
        (status = 201, description = "Registered", body = TrustRootDto),
        (status = 200, description = "Already registered (same name, same document)", body = TrustRootDto),
        (status = 400, description = "invalid_request, invalid_json", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "conflict: another document under this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "certificate_invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    principal: Principal,
    req: HttpRequest,
    body: web::Json<TrustRootRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let TrustRootRequest {
        name,
        kind,
        document,
    } = body.into_inner();
    super::validate_name("trust root", &name, 128)?;
    let kind: TrustRootKind = kind.parse().map_err(ApiError::InvalidRequest)?;
    let bytes = document.into_bytes();
    let checked = bytes.clone();
    web::block(move || inspect(kind, &checked)).await??;
    let (root, position) = state
        .store
        .insert_trust_root(&name, kind, &bytes, now(), &principal.actor(&req))
        .await?;
    state.record_write(crate::audit::Write::trust_root(
        principal.actor(&req),
        &root,
        position.as_ref(),
    ));
    let mut out = dto(&root);
    match position {
        Some(p) => {
            tracing::info!(name = %root.name, kind = kind.as_str(), id = %root.id, "trust root registered");
            out.log_entry = Some(state.log.receipt(&state.store, &p).await?.into());
            Ok(HttpResponse::Created().json(out))
        }
        None => Ok(HttpResponse::Ok().json(out)),
    }
}

/// Every registered trust root (the embedded Sigstore public-good root is always trusted too).
#[utoipa::path(get, path = "/v1/trust-roots", tag = "trust", responses((status = 200, body = TrustRootList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let roots = state.store.trust_roots().await?;
    Ok(HttpResponse::Ok().json(TrustRootList {
        items: roots.iter().map(dto).collect(),
    }))
}

//! `GET /v1/artifacts/{digest}`, `GET /v1/artifacts/{digest}/attestations`.

use crate::api::{ArtifactDto, AttestationDto, AttestationPage};
use crate::app::AppState;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpResponse, web};
use cairn_core::Digest;
use cairn_core::keys::KeyId;
use cairn_store::AttestationFilter;
use serde::Deserialize;

/// What Cairn knows about a digest: names seen, first/last seen, attestations by type.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}", tag = "artifacts",
    params(("digest" = String, Path, description = "sha256:<hex> (or sha384/sha512)")),
    responses(
        (status = 200, body = ArtifactDto),
        (status = 400, description = "invalid_digest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let digest: Digest = path.parse()?;
    let artifact = state
        .store
        .artifact(&digest)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no artifact {digest}")))?;
    Ok(HttpResponse::Ok().json(ArtifactDto::from(&artifact)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only attestations of this predicate type.
    pub predicate_type: Option<String>,
    /// Only attestations verified by this keyid.
    pub signer: Option<String>,
    /// Page size (1-500, default 50).
    pub limit: Option<u32>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// Attestations about a digest, newest first, cursor-paginated.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/attestations", tag = "artifacts",
    params(("digest" = String, Path, description = "sha256:<hex> (or sha384/sha512)"), ListQuery),
    responses(
        (status = 200, body = AttestationPage),
        (status = 400, description = "invalid_digest, invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn attestations(
    path: web::Path<String>,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let digest: Digest = path.parse()?;
    let signer = query
        .signer
        .as_deref()
        .map(str::parse::<KeyId>)
        .transpose()
        .map_err(|e| ApiError::InvalidRequest(format!("signer: {e}")))?;
    let page = super::page_request(query.limit, query.cursor.as_deref())?;
    if !state.store.artifact_exists(&digest).await? {
        return Err(ApiError::NotFound(format!("no artifact {digest}")));
    }
    let filter = AttestationFilter {
        predicate_type: query.predicate_type.clone(),
        signer,
    };
    let page = state.store.attestations_for(&digest, &filter, page).await?;
    Ok(HttpResponse::Ok().json(AttestationPage {
        items: page.items.iter().map(AttestationDto::from).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}

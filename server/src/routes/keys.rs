//! `POST /v1/keys`, `GET /v1/keys`: registered signer keys.

use super::now;
use crate::api::{KeyDto, KeyList, KeyRegistration, KeyRevocation};
use crate::app::AppState;
use crate::audit::Write;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpRequest, HttpResponse, web};
use cairn_core::keys::KeyId;
use cairn_core::keys::PublicKey;
use cairn_core::time::Timestamp;
use cairn_store::{EntryKind, NewKey, RevocationReason};

/// Register a public key as a signer. Idempotent for the same key and name (200); the same
/// key under another name is a conflict (409).
#[utoipa::path(
    post, path = "/v1/keys", tag = "keys",
    request_body = KeyRegistration,
    responses(
        (status = 201, description = "Registered", body = KeyDto),
        (status = 200, description = "Already registered under this name", body = KeyDto),
        (status = 400, description = "invalid_key, invalid_json, invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "conflict", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn register(
    principal: Principal,
    req: HttpRequest,
    body: web::Json<KeyRegistration>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let KeyRegistration { name, public_key } = body.into_inner();
    super::validate_name("key", &name, 128)?;
    let public_key = PublicKey::from_pem(public_key.as_bytes())?;
    let (key, position) = state
        .store
        .register_key(&NewKey { name, public_key }, now(), &principal.actor(&req))
        .await?;
    state.record_write(Write::key(
        EntryKind::Key,
        principal.actor(&req),
        &key,
        position.as_ref(),
    ));
    if let Some(position) = position {
        tracing::info!(keyid = %key.keyid, name = %key.name, algorithm = %key.algorithm, log_index = position.index, "key registered");
        let receipt = state.log.receipt(&state.store, &position).await?;
        Ok(HttpResponse::Created().json(KeyDto::from(&key).with_receipt(Some(receipt.into()))))
    } else {
        Ok(HttpResponse::Ok().json(KeyDto::from(&key)))
    }
}

/// Revoke a key. New uploads it signed are rejected (`key_revoked`). `superseded` (rotation) keeps
/// what it signed before trusted; `compromised` distrusts everything from `compromisedSince` on,
/// or everything it ever signed without that time. Revoking again identically is a no-op; a
/// superseded key may be re-declared compromised, never the reverse (409).
#[utoipa::path(
    post, path = "/v1/keys/{keyid}/revoke", tag = "keys",
    params(("keyid" = String, Path, description = "hex sha256 of the key's SPKI DER")),
    request_body = KeyRevocation,
    responses(
        (status = 200, description = "Revoked", body = KeyDto),
        (status = 400, description = "invalid_request, invalid_json", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "conflict", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke(
    principal: Principal,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<KeyRevocation>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let keyid: KeyId = path
        .parse()
        .map_err(|e| ApiError::InvalidRequest(format!("keyid: {e}")))?;
    let reason: RevocationReason = body.reason.parse().map_err(ApiError::InvalidRequest)?;
    let since = body
        .compromised_since
        .as_deref()
        .map(Timestamp::parse_rfc3339)
        .transpose()
        .map_err(|e| ApiError::InvalidRequest(format!("compromisedSince: {e}")))?;
    if since.is_some() && reason != RevocationReason::Compromised {
        return Err(ApiError::InvalidRequest(
            "compromisedSince is only meaningful with reason compromised".into(),
        ));
    }
    let (key, position) = state
        .store
        .revoke_key(&keyid, reason, since, now(), &principal.actor(&req))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no key {keyid}")))?;
    state.record_write(Write::key(
        EntryKind::KeyRevocation,
        principal.actor(&req),
        &key,
        position.as_ref(),
    ));
    tracing::info!(keyid = %key.keyid, reason = reason.as_str(), "key revoked");
    let receipt = match position {
        Some(p) => Some(state.log.receipt(&state.store, &p).await?.into()),
        None => None,
    };
    Ok(HttpResponse::Ok().json(KeyDto::from(&key).with_receipt(receipt)))
}

/// Every registered key, oldest first.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = KeyList)))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.store.keys().await?;
    Ok(HttpResponse::Ok().json(KeyList {
        items: keys.iter().map(KeyDto::from).collect(),
    }))
}

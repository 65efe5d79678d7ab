//! `POST /v1/tokens`, `GET /v1/tokens`, `DELETE /v1/tokens/{id}`: API tokens (admin only).

use super::now;
use crate::api::{CreatedToken, TokenDto, TokenList, TokenRequest};
use crate::app::AppState;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpResponse, web};
use cairn_core::access::{Role, Scope, TokenSecret};
use cairn_core::time::Timestamp;
use cairn_store::NewToken;

/// A new token from a request, with its secret. Shared by the API and `cairn-server token create`.
pub fn new_token(
    name: &str,
    role: Role,
    scopes: Vec<Scope>,
    expires_at: Option<Timestamp>,
    created_by: &str,
    now: Timestamp,
) -> Result<(NewToken, TokenSecret), ApiError> {
    super::validate_name("token", name, 64)?;
    if !scopes.is_empty() && role != Role::Writer {
        return Err(ApiError::InvalidRequest(
            "scopes apply to writer tokens only".into(),
        ));
    }
    if expires_at.is_some_and(|e| e <= now) {
        return Err(ApiError::InvalidRequest(
            "expiresAt must be in the future".into(),
        ));
    }
    let secret =
        TokenSecret::generate(&ring::rand::SystemRandom::new()).map_err(|_| ApiError::Blocking)?;
    Ok((
        NewToken {
            id: secret.id().to_owned(),
            name: name.to_owned(),
            role,
            verifier: secret.verifier(),
            scopes,
            created_by: created_by.to_owned(),
            expires_at,
        },
        secret,
    ))
}

/// Create an API token. The response carries the secret; it is never shown again.
#[utoipa::path(
    post, path = "/v1/tokens", tag = "tokens",
    request_body = TokenRequest,
    responses(
        (status = 201, description = "Created; `secret` is shown only now", body = CreatedToken),
        (status = 400, description = "invalid_request, invalid_json", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "conflict: the name is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    principal: Principal,
    body: web::Json<TokenRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let role: Role = request
        .role
        .parse()
        .map_err(|e: cairn_core::access::RoleError| ApiError::InvalidRequest(e.to_string()))?;
    let scopes = request
        .scopes
        .iter()
        .map(|s| s.parse::<Scope>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    let expires_at = request
        .expires_at
        .as_deref()
        .map(Timestamp::parse_rfc3339)
        .transpose()
        .map_err(|e| ApiError::InvalidRequest(format!("expiresAt: {e}")))?;
    let now = now();
    let (token, secret) = new_token(
        &request.name,
        role,
        scopes,
        expires_at,
        &principal.name,
        now,
    )?;
    let record = state.store.create_token(&token, now).await?;
    tracing::info!(token_id = %record.id, name = %record.name, role = %record.role, created_by = %principal.name, "token created");
    Ok(HttpResponse::Created().json(CreatedToken {
        token: TokenDto::new(&record, now),
        secret: secret.reveal(),
    }))
}

/// Every token's metadata (never secrets), including revoked and expired ones.
#[utoipa::path(
    get, path = "/v1/tokens", tag = "tokens",
    responses((status = 200, description = "All tokens", body = TokenList))
)]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let now = now();
    let items = state
        .store
        .tokens()
        .await?
        .iter()
        .map(|t| TokenDto::new(t, now))
        .collect();
    Ok(HttpResponse::Ok().json(TokenList { items }))
}

/// Revoke a token: it stops working at once, on every replica. Idempotent.
#[utoipa::path(
    delete, path = "/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "Token id (the 16 hex characters after `cairn_`)")),
    responses(
        (status = 200, description = "Revoked", body = TokenDto),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn revoke(
    principal: Principal,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let now = now();
    let record = state.store.revoke_token(&id, now).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "no token with id {}",
            cairn_core::code::excerpt(&id, 40)
        ))
    })?;
    tracing::info!(token_id = %record.id, name = %record.name, revoked_by = %principal.name, "token revoked");
    Ok(HttpResponse::Ok().json(TokenDto::new(&record, now)))
}

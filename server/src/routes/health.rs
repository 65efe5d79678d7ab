//! Liveness and readiness probes.

use crate::api::Health;
use crate::app::AppState;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpResponse, web};

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// The database answers.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, body = Health),
        (status = 503, description = "unavailable", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::NotReady("database unavailable".into())
    })?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ready".into(),
    }))
}

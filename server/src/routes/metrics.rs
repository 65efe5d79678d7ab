//! `GET /metrics`: Prometheus metrics.

use crate::app::AppState;
use crate::problem::Problem;
use actix_web::{HttpResponse, web};

/// Prometheus metrics in the text exposition format 0.0.4: HTTP requests and latency by route
/// template, writes by kind and outcome, the transparency log size, database pools, build
/// info. Needs a reader token unless the server runs with `--metrics-public true`.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Metrics (text/plain; version=0.0.4)", body = String, content_type = "text/plain"),
        (status = 401, description = "unauthorized", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let text = state.metrics.render(&state.store).await;
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(text)
}

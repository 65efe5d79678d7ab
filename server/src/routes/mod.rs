//! HTTP handlers: parse -> call store/core -> map. The route table below is the single list of
//! what the server serves; the OpenAPI document and a test are checked against it.

pub mod artifacts;
pub mod attestations;
pub mod health;
pub mod keys;

use crate::problem::ApiError;
use actix_web::http::Method;
use actix_web::{HttpRequest, web};

/// Every route the server serves: (method, path template as in OpenAPI).
pub const ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/v1/attestations"),
    (Method::GET, "/v1/attestations/{id}"),
    (Method::GET, "/v1/artifacts/{digest}"),
    (Method::GET, "/v1/artifacts/{digest}/attestations"),
    (Method::POST, "/v1/keys"),
    (Method::GET, "/v1/keys"),
    (Method::POST, "/v1/keys/{keyid}/revoke"),
    (Method::GET, "/healthz"),
    (Method::GET, "/readyz"),
    (Method::GET, "/openapi.json"),
];

/// Register every route of [`ROUTES`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/attestations").route(web::post().to(attestations::upload)))
        .service(resource("/v1/attestations/{id}").route(web::get().to(attestations::get)))
        .service(resource("/v1/artifacts/{digest}").route(web::get().to(artifacts::get)))
        .service(
            resource("/v1/artifacts/{digest}/attestations")
                .route(web::get().to(artifacts::attestations)),
        )
        .service(
            resource("/v1/keys")
                .route(web::post().to(keys::register))
                .route(web::get().to(keys::list)),
        )
        .service(resource("/v1/keys/{keyid}/revoke").route(web::post().to(keys::revoke)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/openapi.json").route(web::get().to(crate::openapi::document)));
}

/// A resource whose unmatched methods answer 405 as problem+json.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|| async {
        Err::<String, _>(ApiError::MethodNotAllowed)
    }))
}

/// Accept only the listed media types (or none given).
pub(crate) fn require_content_type(req: &HttpRequest, accepted: &[&str]) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(actix_web::http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let value = value.to_str().unwrap_or("");
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if accepted.contains(&essence.as_str()) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(
            essence.chars().take(80).collect(),
        ))
    }
}

/// The wall clock, read at the edge (core never reads it).
pub(crate) fn now() -> cairn_core::time::Timestamp {
    cairn_core::time::Timestamp::from_system_time(std::time::SystemTime::now())
}

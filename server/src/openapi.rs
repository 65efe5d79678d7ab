//! The OpenAPI document, generated from the handlers' annotations (utoipa). A test checks it
//! against the route table and against the committed copy in `docs/openapi.json`.

use crate::routes;
use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cairn",
        description = "Supply-chain trust service: signed attestations and verdicts per image digest.",
        license(name = "Apache-2.0")
    ),
    paths(
        routes::attestations::upload,
        routes::attestations::get,
        routes::artifacts::get,
        routes::artifacts::attestations,
        routes::keys::register,
        routes::keys::list,
        routes::keys::revoke,
        routes::health::healthz,
        routes::health::readyz,
        document,
    ),
    tags(
        (name = "attestations", description = "Signed in-toto attestations in DSSE envelopes"),
        (name = "artifacts", description = "Everything known about an image digest"),
        (name = "keys", description = "Registered signer keys"),
        (name = "operations", description = "Probes and service metadata"),
    )
)]
pub struct ApiDoc;

/// The pretty-printed document (what `docs/openapi.json` holds).
pub fn to_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.to_pretty_json().unwrap_or_else(|_| "{}".to_owned())
}

/// This OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
               responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(to_json())
}

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
        routes::sboms::upload,
        routes::sboms::get,
        routes::sboms::diff,
        routes::sboms::components,
        routes::sboms::search,
        routes::log::history,
        routes::log::events,
        routes::log::checkpoint,
        routes::log::key,
        routes::log::entry,
        routes::log::inclusion,
        routes::log::consistency,
        routes::keys::register,
        routes::keys::list,
        routes::keys::revoke,
        routes::policies::put,
        routes::policies::list,
        routes::policies::get,
        routes::policies::versions,
        routes::policies::test,
        routes::policies::verification,
        routes::policies::provenance,
        routes::policies::vsa_key,
        routes::trust_roots::register,
        routes::trust_roots::list,
        routes::tokens::create,
        routes::tokens::list,
        routes::tokens::revoke,
        routes::health::healthz,
        routes::health::readyz,
        routes::metrics::metrics,
        document,
    ),
    tags(
        (name = "attestations", description = "Signed in-toto attestations in DSSE envelopes"),
        (name = "artifacts", description = "Everything known about an image digest"),
        (name = "keys", description = "Registered signer keys"),
        (name = "sboms", description = "CycloneDX SBOMs and the component index"),
        (name = "log", description = "The tamper-evident transparency log of every write"),
        (name = "history", description = "Who wrote what and when (auditors)"),
        (name = "policies", description = "Policies, verdicts, VSAs and provenance chains"),
        (name = "trust", description = "Sigstore trusted roots and X.509 CA bundles"),
        (name = "tokens", description = "API tokens and their roles (admin only)"),
        (name = "operations", description = "Probes and service metadata"),
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Every route except the public ones needs `Authorization: Bearer <token>`; the role each
/// route requires (from the route table) is added to its description as `x-cairn-access`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Cairn API token (cairn_<id>_<secret>)"))
                    .build(),
            ),
        );
        for (method, path, access) in routes::ROUTES {
            if *access == cairn_core::access::Access::Public {
                continue;
            }
            let Some(item) = openapi.paths.paths.get_mut(*path) else {
                continue;
            };
            let operation = match *method {
                actix_web::http::Method::GET => item.get.as_mut(),
                actix_web::http::Method::POST => item.post.as_mut(),
                actix_web::http::Method::PUT => item.put.as_mut(),
                actix_web::http::Method::DELETE => item.delete.as_mut(),
                _ => None,
            };
            if let Some(op) = operation {
                let roles: Vec<&str> = access.roles().iter().map(|r| r.as_str()).collect();
                op.security = Some(vec![SecurityRequirement::new(
                    "bearer",
                    Vec::<String>::new(),
                )]);
                let note = format!("\n\nRequires a token with role: {}.", roles.join(", "));
                op.description = Some(format!(
                    "{}{note}",
                    op.description.clone().unwrap_or_default()
                ));
            }
        }
    }
}

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

//! HTTP handlers: parse -> call store/core -> map. The route table below is the single list of
//! what the server serves; the OpenAPI document and a test are checked against it.

pub mod artifacts;
pub mod attestations;
pub mod health;
pub mod keys;
pub mod log;
pub mod metrics;
pub mod policies;
pub mod sboms;
pub mod tokens;
pub mod trust_roots;

use crate::problem::ApiError;
use actix_web::http::Method;
use actix_web::{HttpRequest, web};
use cairn_core::access::Access;

/// Every route the server serves: (method, path template as in OpenAPI, what it requires).
/// The authorization middleware, the OpenAPI document and the authorization-matrix test are
/// all checked against this table.
pub const ROUTES: &[(Method, &str, Access)] = &[
    (Method::POST, "/v1/attestations", Access::Write),
    (Method::GET, "/v1/attestations/{id}", Access::Read),
    (Method::GET, "/v1/artifacts/{digest}", Access::Read),
    (
        Method::GET,
        "/v1/artifacts/{digest}/attestations",
        Access::Read,
    ),
    (Method::GET, "/v1/artifacts/{digest}/history", Access::Audit),
    (Method::POST, "/v1/sboms", Access::Write),
    (Method::GET, "/v1/artifacts/{digest}/sbom", Access::Read),
    (
        Method::GET,
        "/v1/artifacts/{digest}/sbom/diff",
        Access::Read,
    ),
    (
        Method::GET,
        "/v1/artifacts/{digest}/components",
        Access::Read,
    ),
    (Method::GET, "/v1/components", Access::Read),
    (Method::GET, "/v1/events", Access::Audit),
    (Method::GET, "/v1/log/checkpoint", Access::Read),
    (Method::GET, "/v1/log/key", Access::Read),
    (Method::GET, "/v1/log/entries/{index}", Access::Read),
    (Method::GET, "/v1/log/proof/inclusion", Access::Read),
    (Method::GET, "/v1/log/proof/consistency", Access::Read),
    (Method::POST, "/v1/keys", Access::Admin),
    (Method::GET, "/v1/keys", Access::Admin),
    (Method::POST, "/v1/keys/{keyid}/revoke", Access::Admin),
    (Method::PUT, "/v1/policies/{name}", Access::Admin),
    (Method::GET, "/v1/policies", Access::Read),
    (Method::GET, "/v1/policies/{name}", Access::Read),
    (Method::GET, "/v1/policies/{name}/versions", Access::Read),
    (Method::POST, "/v1/policies/{name}/test", Access::Read),
    (
        Method::GET,
        "/v1/artifacts/{digest}/verification",
        Access::Read,
    ),
    (
        Method::GET,
        "/v1/artifacts/{digest}/provenance",
        Access::Read,
    ),
    (Method::GET, "/v1/vsa/key", Access::Read),
    (Method::POST, "/v1/trust-roots", Access::Admin),
    (Method::GET, "/v1/trust-roots", Access::Admin),
    (Method::POST, "/v1/tokens", Access::Admin),
    (Method::GET, "/v1/tokens", Access::Admin),
    (Method::DELETE, "/v1/tokens/{id}", Access::Admin),
    (Method::GET, "/healthz", Access::Public),
    (Method::GET, "/readyz", Access::Public),
    (Method::GET, "/openapi.json", Access::Public),
    // Public instead with --metrics-public (see `required_access`).
    (Method::GET, crate::metrics::METRICS_PATH, Access::Read),
];

/// What a request requires, from the route table; `None` when no route matches the method and
/// path (the request then needs any valid token before it gets its 404 or 405).
pub fn access_for(method: &Method, path: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, template, _)| m == method && template_matches(template, path))
        .map(|(_, _, access)| *access)
}

/// The route template (as in [`ROUTES`]) that `method` and `path` match, e.g.
/// `/v1/artifacts/{digest}` for `GET /v1/artifacts/sha256:…`; `None` when no route matches.
/// Metrics label requests with this, never with the raw path.
pub fn template_for(method: &Method, path: &str) -> Option<&'static str> {
    ROUTES
        .iter()
        .find(|(m, template, _)| m == method && template_matches(template, path))
        .map(|(_, template, _)| *template)
}

/// What a request requires under these settings: [`access_for`], except that with
/// `--metrics-public` `GET /metrics` is public.
pub fn required_access(
    method: &Method,
    path: &str,
    auth: &crate::auth::AuthSettings,
) -> Option<Access> {
    let access = access_for(method, path)?;
    if auth.metrics_public && method == Method::GET && path == crate::metrics::METRICS_PATH {
        return Some(Access::Public);
    }
    Some(access)
}

/// `/v1/artifacts/{digest}` matches `/v1/artifacts/sha256:…`: a `{param}` is one non-empty
/// segment.
fn template_matches(template: &str, path: &str) -> bool {
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), Some(ps)) => {
                let param = ts.starts_with('{') && ts.ends_with('}');
                if (param && ps.is_empty()) || (!param && ts != ps) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Register every route of [`ROUTES`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/attestations").route(web::post().to(attestations::upload)))
        .service(resource("/v1/attestations/{id}").route(web::get().to(attestations::get)))
        .service(resource("/v1/artifacts/{digest}").route(web::get().to(artifacts::get)))
        .service(
            resource("/v1/artifacts/{digest}/attestations")
                .route(web::get().to(artifacts::attestations)),
        )
        .service(resource("/v1/artifacts/{digest}/history").route(web::get().to(log::history)))
        .service(resource("/v1/sboms").route(web::post().to(sboms::upload)))
        .service(resource("/v1/artifacts/{digest}/sbom").route(web::get().to(sboms::get)))
        .service(resource("/v1/artifacts/{digest}/sbom/diff").route(web::get().to(sboms::diff)))
        .service(
            resource("/v1/artifacts/{digest}/components").route(web::get().to(sboms::components)),
        )
        .service(resource("/v1/components").route(web::get().to(sboms::search)))
        .service(resource("/v1/events").route(web::get().to(log::events)))
        .service(resource("/v1/log/checkpoint").route(web::get().to(log::checkpoint)))
        .service(resource("/v1/log/key").route(web::get().to(log::key)))
        .service(resource("/v1/log/entries/{index}").route(web::get().to(log::entry)))
        .service(resource("/v1/log/proof/inclusion").route(web::get().to(log::inclusion)))
        .service(resource("/v1/log/proof/consistency").route(web::get().to(log::consistency)))
        .service(
            resource("/v1/keys")
                .route(web::post().to(keys::register))
                .route(web::get().to(keys::list)),
        )
        .service(resource("/v1/keys/{keyid}/revoke").route(web::post().to(keys::revoke)))
        .service(resource("/v1/policies").route(web::get().to(policies::list)))
        .service(
            resource("/v1/policies/{name}")
                .route(web::put().to(policies::put))
                .route(web::get().to(policies::get)),
        )
        .service(resource("/v1/policies/{name}/versions").route(web::get().to(policies::versions)))
        .service(resource("/v1/policies/{name}/test").route(web::post().to(policies::test)))
        .service(
            resource("/v1/artifacts/{digest}/verification")
                .route(web::get().to(policies::verification)),
        )
        .service(
            resource("/v1/artifacts/{digest}/provenance")
                .route(web::get().to(policies::provenance)),
        )
        .service(resource("/v1/vsa/key").route(web::get().to(policies::vsa_key)))
        .service(
            resource("/v1/trust-roots")
                .route(web::post().to(trust_roots::register))
                .route(web::get().to(trust_roots::list)),
        )
        .service(
            resource("/v1/tokens")
                .route(web::post().to(tokens::create))
                .route(web::get().to(tokens::list)),
        )
        .service(resource("/v1/tokens/{id}").route(web::delete().to(tokens::revoke)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .service(resource("/readyz").route(web::get().to(health::readyz)))
        .service(resource("/openapi.json").route(web::get().to(crate::openapi::document)))
        .service(resource(crate::metrics::METRICS_PATH).route(web::get().to(metrics::metrics)));
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

/// Read a request body up to `limit` bytes (413 `payload_too_large` beyond).
pub(crate) async fn read_body(
    body: web::Payload,
    limit: usize,
) -> Result<actix_web::web::Bytes, ApiError> {
    body.to_bytes_limited(limit)
        .await
        .map_err(|_| ApiError::TooLarge { limit })?
        .map_err(|e| ApiError::Body(e.to_string()))
}

/// A page request from `?limit=&cursor=` (a malformed cursor is `invalid_request`).
pub(crate) fn page_request(
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<cairn_store::PageRequest, ApiError> {
    let after = cursor
        .map(str::parse::<cairn_store::Cursor>)
        .transpose()
        .map_err(|e| ApiError::InvalidRequest(e.to_string()))?;
    Ok(cairn_store::PageRequest::new(limit, after))
}

/// Names of keys, tokens, trust roots and policies: 1 to `max` characters of
/// `[A-Za-z0-9._-]` (they appear in URLs, logs and the audit history).
pub(crate) fn validate_name(what: &str, name: &str, max: usize) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::InvalidRequest(format!(
            "{what} name must be 1-{max} characters of A-Z a-z 0-9 . _ -"
        )))
    }
}

/// The wall clock, read at the edge (core never reads it).
pub(crate) fn now() -> cairn_core::time::Timestamp {
    cairn_core::time::Timestamp::from_system_time(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_restricted() {
        assert!(validate_name("key", "release-2026.q1_a", 128).is_ok());
        for bad in ["", "a b", "ключ", &"x".repeat(129)] {
            assert!(validate_name("key", bad, 128).is_err(), "{bad}");
        }
    }

    #[test]
    fn templates_match_single_segments() {
        assert!(template_matches(
            "/v1/artifacts/{digest}",
            "/v1/artifacts/sha256:ab"
        ));
        assert!(!template_matches(
            "/v1/artifacts/{digest}",
            "/v1/artifacts/"
        ));
        assert!(!template_matches(
            "/v1/artifacts/{digest}",
            "/v1/artifacts/a/b"
        ));
        assert!(template_matches(
            "/v1/keys/{keyid}/revoke",
            "/v1/keys/abc/revoke"
        ));
        assert_eq!(access_for(&Method::GET, "/healthz"), Some(Access::Public));
        assert_eq!(access_for(&Method::DELETE, "/healthz"), None);
        assert_eq!(
            access_for(&Method::POST, "/v1/attestations"),
            Some(Access::Write)
        );
    }

    #[test]
    fn templates_label_requests_and_metrics_can_be_public() {
        assert_eq!(
            template_for(&Method::GET, "/v1/artifacts/sha256:ab/sbom"),
            Some("/v1/artifacts/{digest}/sbom")
        );
        assert_eq!(template_for(&Method::GET, "/v1/artifacts/a/b/c"), None);
        assert_eq!(template_for(&Method::DELETE, "/healthz"), None);
        let mut auth = crate::auth::AuthSettings::default();
        assert_eq!(
            required_access(&Method::GET, "/metrics", &auth),
            Some(Access::Read)
        );
        auth.metrics_public = true;
        assert_eq!(
            required_access(&Method::GET, "/metrics", &auth),
            Some(Access::Public)
        );
        assert_eq!(required_access(&Method::POST, "/metrics", &auth), None);
        assert_eq!(
            required_access(&Method::GET, "/v1/keys", &auth),
            Some(Access::Admin)
        );
    }
}

//! SBOMs: `POST /v1/sboms`, an artifact's SBOM, its components, SBOM diffs, and "which
//! artifacts contain this component" (`GET /v1/components`).

use super::now;
use crate::api::{
    ArtifactComponents, ComponentDto, ComponentSearchHit, ComponentSearchPage, SbomDiffDto,
    SbomUploadResponse,
};
use crate::app::AppState;
use crate::audit::Write;
use crate::auth::Principal;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpRequest, HttpResponse, web};
use cairn_core::purl::Purl;
use cairn_core::sbom::{self, Sbom, SbomFormat};
use cairn_core::vers::VersionRange;
use cairn_core::{Digest, ImageRef};
use cairn_store::{ComponentFilter, Cursor, NewSbom};
use serde::Deserialize;

/// Media types accepted for raw SBOM uploads.
const SBOM_TYPES: &[&str] = &[
    "application/vnd.cyclonedx+json",
    "application/vnd.cyclonedx+xml",
    "application/json",
    "application/xml",
    "text/xml",
];

/// At most this many matching components are considered by one component search.
const MAX_SEARCH_ROWS: u32 = 100_000;

/// The media type a stored document is served with.
pub fn media_type(format: SbomFormat) -> &'static str {
    match format {
        SbomFormat::Json => "application/vnd.cyclonedx+json",
        SbomFormat::Xml => "application/vnd.cyclonedx+xml",
    }
}

/// Parse and validate a CycloneDX document against the official schema of its version; any
/// violation rejects it (`invalid_sbom`, the first violations in the detail).
pub fn parse_valid(bytes: &[u8]) -> Result<Sbom, ApiError> {
    let report = sbom::validate(bytes).map_err(ApiError::Sbom)?;
    if !report.is_valid() {
        let listed: Vec<String> = report
            .violations
            .iter()
            .take(5)
            .map(|v| {
                format!(
                    "{} ({}): {}",
                    if v.path.is_empty() { "/" } else { &v.path },
                    v.rule,
                    v.message
                )
            })
            .collect();
        return Err(ApiError::InvalidSbom(format!(
            "the document does not validate against the CycloneDX {} {} schema ({}{} violations): {}",
            report.spec_version.as_str(),
            report.format,
            report.violations.len(),
            if report.truncated { "+" } else { "" },
            listed.join("; ")
        )));
    }
    sbom::parse(bytes).map_err(ApiError::Sbom)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SbomUploadQuery {
    /// The artifact the SBOM describes: `sha256:<hex>` or `IMAGE@sha256:<hex>`.
    pub subject: String,
}

/// Upload a CycloneDX SBOM (JSON or XML, spec 1.2–1.7) for an artifact. The document must
/// validate against the official schema of its version; its exact bytes are kept (id = sha256).
/// A raw upload is unsigned; it counts as signed once a signed Statement names its digest
/// (`https://cairn.dev/sbom-reference/v1`), or when it arrives as the predicate of a signed
/// CycloneDX attestation.
#[utoipa::path(
    post, path = "/v1/sboms", tag = "sboms", params(SbomUploadQuery),
    request_body(content = String, content_type = "application/vnd.cyclonedx+json",
                 description = "A CycloneDX document (JSON or XML)"),
    responses(
        (status = 201, description = "Stored and linked", body = SbomUploadResponse),
        (status = 200, description = "Already linked to this artifact", body = SbomUploadResponse),
        (status = 400, description = "invalid_digest, invalid_image_ref", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "forbidden (role or scope)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "payload_too_large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "unsupported_media_type", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid_sbom, unsupported_spec_version", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn upload(
    principal: Principal,
    req: HttpRequest,
    query: web::Query<SbomUploadQuery>,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    super::require_content_type(&req, SBOM_TYPES)?;
    let (subject, name) = parse_subject(&query.subject)?;
    principal.require_scopes([name.as_deref().unwrap_or("")])?;
    let limit = state.limits.sbom_body_bytes;
    let bytes = super::read_body(body, limit).await?;
    let (bytes, parsed) = web::block(move || parse_valid(&bytes).map(|s| (bytes, s))).await??;
    let stored = state
        .store
        .insert_sbom(
            &NewSbom {
                bytes: &bytes,
                media_type: media_type(parsed.format),
                sbom: &parsed,
                subject: &subject,
                subject_name: name.as_deref(),
                attestation_id: None,
            },
            now(),
            &principal.actor(&req),
        )
        .await?;
    state.record_write(Write::sbom(principal.actor(&req), &stored, &subject));
    let receipt = state.log.receipt(&state.store, &stored.log).await?;
    tracing::info!(id = %stored.id, subject = %subject, components = parsed.components.len(), created = stored.created, "sbom stored");
    let response = SbomUploadResponse {
        id: stored.id.to_string(),
        created: stored.created,
        subject: subject.to_string(),
        spec_version: parsed.spec_version.as_str().to_owned(),
        format: parsed.format.to_string(),
        components: parsed.components.len(),
        log_entry: receipt.into(),
    };
    Ok(if stored.created {
        HttpResponse::Created().json(response)
    } else {
        HttpResponse::Ok().json(response)
    })
}

/// `sha256:<hex>` or `IMAGE@sha256:<hex>`.
fn parse_subject(s: &str) -> Result<(Digest, Option<String>), ApiError> {
    if s.contains('@') {
        let r: ImageRef = s.parse().map_err(|e: cairn_core::image::ImageRefError| {
            ApiError::InvalidImageRef(e.to_string())
        })?;
        Ok((r.digest().clone(), Some(r.name().to_owned())))
    } else {
        Ok((s.parse()?, None))
    }
}

/// The newest SBOM of an artifact: its exact bytes, with `cairn-sbom-signed` saying whether a
/// verified signature binds it to the artifact.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/sbom", tag = "sboms",
    params(("digest" = String, Path, description = "sha256:<hex>")),
    responses(
        (status = 200, description = "The document as uploaded", content_type = "application/vnd.cyclonedx+json", body = String),
        (status = 400, description = "invalid_digest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let digest: Digest = path.parse()?;
    let record = state
        .store
        .sbom_for(&digest)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no SBOM for {digest}")))?;
    Ok(HttpResponse::Ok()
        .content_type(record.media_type.as_str())
        .insert_header(("etag", format!("\"{}\"", record.id)))
        .insert_header(("cairn-sbom-id", record.id.to_string()))
        .insert_header(("cairn-sbom-signed", record.signed.to_string()))
        .insert_header(("cairn-spec-version", record.spec_version.clone()))
        .body(record.document))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComponentsQuery {
    /// Exact component name.
    pub name: Option<String>,
    /// Exact CycloneDX type (library, application, container, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// An SPDX license id, name or expression, as listed.
    pub license: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The components of an artifact's newest SBOM (nested ones flattened), in document order.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/components", tag = "sboms",
    params(("digest" = String, Path, description = "sha256:<hex>"), ComponentsQuery),
    responses(
        (status = 200, body = ArtifactComponents),
        (status = 400, description = "invalid_digest, invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn components(
    path: web::Path<String>,
    query: web::Query<ComponentsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let digest: Digest = path.parse()?;
    let filter = ComponentFilter {
        name: query.name.clone(),
        kind: query.kind.clone(),
        license: query.license.clone(),
    };
    let page = super::page_request(query.limit, query.cursor.as_deref())?;
    let found = state
        .store
        .components_of(&digest, &filter, page)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no SBOM for {digest}")))?;
    Ok(HttpResponse::Ok().json(ArtifactComponents {
        digest: digest.to_string(),
        items: found.items.iter().map(ComponentDto::from).collect(),
        next_cursor: found.next.map(|c| c.to_string()),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ComponentSearchQuery {
    /// A package URL; without a version it matches every version.
    pub purl: String,
    /// Only this exact version.
    pub version: Option<String>,
    /// Only versions in this purl-spec range, e.g. `vers:maven/>=2.0.0|<2.17.1`.
    pub versions: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Which artifacts contain a component: by package (type, namespace, name), optionally one
/// version or a `vers` range. Answers from the component index.
#[utoipa::path(
    get, path = "/v1/components", tag = "sboms", params(ComponentSearchQuery),
    responses(
        (status = 200, body = ComponentSearchPage),
        (status = 400, description = "invalid_request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn search(
    query: web::Query<ComponentSearchQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let purl: Purl = query
        .purl
        .parse()
        .map_err(|e: cairn_core::purl::PurlError| ApiError::InvalidRequest(format!("purl: {e}")))?;
    let exact = match (&query.version, &query.versions, purl.version()) {
        (Some(_), Some(_), _) => {
            return Err(ApiError::InvalidRequest(
                "give version or versions, not both".into(),
            ));
        }
        (Some(v), None, _) => Some(v.clone()),
        (None, None, Some(v)) => Some(v.to_owned()),
        _ => None,
    };
    let range = query
        .versions
        .as_deref()
        .map(str::parse::<VersionRange>)
        .transpose()
        .map_err(|e| ApiError::InvalidRequest(format!("versions: {e}")))?;
    let page = super::page_request(query.limit, query.cursor.as_deref())?;
    let hits = state
        .store
        .components_by_package(&purl.package_key(), MAX_SEARCH_ROWS)
        .await?;
    // Group by artifact (rows come ordered by digest), keeping the matching versions.
    let mut artifacts: Vec<ComponentSearchHit> = Vec::new();
    for hit in hits {
        let version = hit.version.as_deref().unwrap_or("");
        let matches = match (&exact, &range) {
            (Some(v), _) => version == v,
            (None, Some(r)) => r.contains(version).unwrap_or(false),
            (None, None) => true,
        };
        if !matches {
            continue;
        }
        let component = ComponentDto::hit(&hit);
        match artifacts.last_mut() {
            Some(last) if last.digest == hit.digest => last.components.push(component),
            _ => artifacts.push(ComponentSearchHit {
                digest: hit.digest.clone(),
                names: Vec::new(),
                components: vec![component],
            }),
        }
    }
    let start = usize::try_from(page.after.map_or(0, |c| c.position() - 1)).unwrap_or(usize::MAX);
    let total = artifacts.len();
    let mut items: Vec<ComponentSearchHit> = artifacts
        .into_iter()
        .skip(start)
        .take(page.limit as usize)
        .collect();
    for item in &mut items {
        item.names = state.store.artifact_names(&item.digest).await?;
    }
    let end = start.saturating_add(items.len());
    let next_cursor =
        (end < total).then(|| Cursor::at(i64::try_from(end + 1).unwrap_or(i64::MAX)).to_string());
    Ok(HttpResponse::Ok().json(ComponentSearchPage {
        purl: purl.to_canonical(),
        items,
        next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The artifact to compare against (the older build).
    pub against: String,
}

/// What changed between the newest SBOMs of two artifacts: components added in `{digest}`,
/// removed since `against`, and packages whose version changed.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/sbom/diff", tag = "sboms",
    params(("digest" = String, Path, description = "sha256:<hex> (the newer build)"), DiffQuery),
    responses(
        (status = 200, body = SbomDiffDto),
        (status = 400, description = "invalid_digest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn diff(
    path: web::Path<String>,
    query: web::Query<DiffQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let new: Digest = path.parse()?;
    let old: Digest = query.against.parse()?;
    let load = |d: Digest| {
        let store = state.store.clone();
        async move {
            store
                .sbom_for(&d)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no SBOM for {d}")))
        }
    };
    let new_doc = load(new.clone()).await?;
    let old_doc = load(old.clone()).await?;
    let changes = web::block(move || -> Result<_, ApiError> {
        let a = sbom::parse(&old_doc.document).map_err(ApiError::Sbom)?;
        let b = sbom::parse(&new_doc.document).map_err(ApiError::Sbom)?;
        Ok(sbom::diff(&a, &b))
    })
    .await??;
    Ok(HttpResponse::Ok().json(SbomDiffDto::new(&new, &old, &changes)))
}

//! The transparency log (`/v1/log/…`) and the audit history built on it (`/v1/events`,
//! `/v1/artifacts/{digest}/history`). Wire format: docs/transparency-log.md.

use crate::api::{
    ConsistencyProofResponse, EventDto, EventPage, InclusionProofResponse, LogEntryLeafDto,
    LogKeyDto,
};
use crate::app::AppState;
use crate::problem::{ApiError, Problem};
use actix_web::{HttpResponse, web};
use cairn_core::Digest;
use cairn_core::time::Timestamp;
use cairn_core::tlog;
use cairn_store::EntryKind;
use serde::Deserialize;

/// The current signed checkpoint (C2SP signed note: origin, tree size, base64 root hash, blank
/// line, signature line).
#[utoipa::path(
    get, path = "/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "Signed note", content_type = "text/plain", body = String))
)]
pub async fn checkpoint(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let size = state.store.log_size().await?;
    let note = state.log.checkpoint(&state.store, size).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(note))
}

/// The log's public key, as a C2SP note verifier key and as PEM.
#[utoipa::path(get, path = "/v1/log/key", tag = "log", responses((status = 200, body = LogKeyDto)))]
pub async fn key(state: web::Data<AppState>) -> HttpResponse {
    let verifier = state.log.verifier();
    HttpResponse::Ok().json(LogKeyDto {
        verifier_key: verifier.to_vkey(),
        public_key_pem: verifier.public_key_pem(),
        origin: state.log.origin().to_owned(),
    })
}

/// One leaf: its data (base64 canonical JSON), hash and integrated time.
#[utoipa::path(
    get, path = "/v1/log/entries/{index}", tag = "log",
    params(("index" = u64, Path, description = "Leaf index")),
    responses(
        (status = 200, body = LogEntryLeafDto),
        (status = 400, description = "invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn entry(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let index = parse_u64("index", &path)?;
    let e = state
        .store
        .log_entry(index)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no log entry {index}")))?;
    Ok(HttpResponse::Ok().json(LogEntryLeafDto {
        log_index: e.index,
        leaf_hash: tlog::hash_to_hex(&e.leaf_hash),
        body: cairn_core::encoding::encode_base64(&e.body),
        integrated_time: e.integrated_time.unix_millis(),
    }))
}

fn parse_u64(name: &str, value: &str) -> Result<u64, ApiError> {
    value.parse().map_err(|_| {
        ApiError::InvalidRequest(format!(
            "{name} must be a non-negative integer, not {:?}",
            cairn_core::code::excerpt(value, 40)
        ))
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// Leaf index (or give `leafHash`).
    pub index: Option<String>,
    /// Lowercase hex leaf hash (or give `index`).
    pub leaf_hash: Option<String>,
    /// Tree size to prove against (default: the current size).
    pub tree_size: Option<String>,
}

/// The audit path of a leaf to the tree of `treeSize` leaves, with that tree's signed checkpoint.
#[utoipa::path(
    get, path = "/v1/log/proof/inclusion", tag = "log", params(InclusionQuery),
    responses(
        (status = 200, body = InclusionProofResponse),
        (status = 400, description = "invalid_request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn inclusion(
    query: web::Query<InclusionQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state.store.log_size().await?;
    let size = match &query.tree_size {
        Some(s) => parse_u64("treeSize", s)?,
        None => current,
    };
    if size > current {
        return Err(ApiError::InvalidRequest(format!(
            "treeSize {size} is larger than the log ({current} entries)"
        )));
    }
    let entry = match (&query.index, &query.leaf_hash) {
        (Some(i), None) => state.store.log_entry(parse_u64("index", i)?).await?,
        (None, Some(h)) => {
            let hash = tlog::hash_from_hex(h)
                .map_err(|e| ApiError::InvalidRequest(format!("leafHash: {e}")))?;
            state.store.log_entry_by_leaf_hash(&hash).await?
        }
        _ => {
            return Err(ApiError::InvalidRequest(
                "give exactly one of index and leafHash".into(),
            ));
        }
    }
    .ok_or_else(|| ApiError::NotFound("no such log entry".into()))?;
    if entry.index >= size {
        return Err(ApiError::InvalidRequest(format!(
            "leaf {} is not in the tree of size {size}",
            entry.index
        )));
    }
    let hashes = state.store.log_inclusion_proof(entry.index, size).await?;
    Ok(HttpResponse::Ok().json(InclusionProofResponse {
        log_index: entry.index,
        tree_size: size,
        leaf_hash: tlog::hash_to_hex(&entry.leaf_hash),
        hashes: hashes.iter().map(tlog::hash_to_hex).collect(),
        checkpoint: state.log.checkpoint(&state.store, size).await?,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub from: String,
    /// The newer tree size (default: the current size).
    pub to: Option<String>,
}

/// The proof that the tree of `to` leaves extends the tree of `from` leaves.
#[utoipa::path(
    get, path = "/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery),
    responses(
        (status = 200, body = ConsistencyProofResponse),
        (status = 400, description = "invalid_request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn consistency(
    query: web::Query<ConsistencyQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let current = state.store.log_size().await?;
    let from = parse_u64("from", &query.from)?;
    let to = match &query.to {
        Some(t) => parse_u64("to", t)?,
        None => current,
    };
    if to > current || from > to {
        return Err(ApiError::InvalidRequest(format!(
            "need from <= to <= {current} (the log's size); got from={from} to={to}"
        )));
    }
    let hashes = state.store.log_consistency_proof(from, to).await?;
    Ok(HttpResponse::Ok().json(ConsistencyProofResponse {
        from,
        to,
        hashes: hashes.iter().map(tlog::hash_to_hex).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Only this type: attestation, sbom, key, key-revocation, trust-root, policy.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Page size (1-500, default 50).
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

fn event_page(page: cairn_store::Page<cairn_store::LogEntry>) -> EventPage {
    EventPage {
        items: page.items.iter().map(EventDto::from_entry).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }
}

/// Every accepted write, oldest first (a feed for log shippers and auditors).
#[utoipa::path(
    get, path = "/v1/events", tag = "history", params(EventsQuery),
    responses(
        (status = 200, body = EventPage),
        (status = 400, description = "invalid_request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn events(
    query: web::Query<EventsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let kind = query
        .kind
        .as_deref()
        .map(str::parse::<EntryKind>)
        .transpose()
        .map_err(ApiError::InvalidRequest)?;
    let since = query
        .since
        .as_deref()
        .map(Timestamp::parse_rfc3339)
        .transpose()
        .map_err(|e| ApiError::InvalidRequest(format!("since: {e}")))?;
    let page = super::page_request(query.limit, query.cursor.as_deref())?;
    let found = state.store.events(kind, since, page).await?;
    Ok(HttpResponse::Ok().json(event_page(found)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Everything written about a digest, oldest first, with actor, time and log index.
#[utoipa::path(
    get, path = "/v1/artifacts/{digest}/history", tag = "history",
    params(("digest" = String, Path, description = "sha256:<hex>"), HistoryQuery),
    responses(
        (status = 200, body = EventPage),
        (status = 400, description = "invalid_digest, invalid_request", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn history(
    path: web::Path<String>,
    query: web::Query<HistoryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let digest: Digest = path.parse()?;
    let page = super::page_request(query.limit, query.cursor.as_deref())?;
    let found = state.store.history(&digest.to_string(), page).await?;
    Ok(HttpResponse::Ok().json(event_page(found)))
}

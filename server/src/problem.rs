//! Errors at the HTTP edge: every failure becomes an RFC 9457 `application/problem+json` body
//! with a stable `code`. This module holds the only `Code -> StatusCode` table.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use cairn_core::Code;
use cairn_core::attestation::AttestationError;
use cairn_core::digest::DigestError;
use cairn_core::keys::KeyError;
use cairn_core::statement::StatementError;
use cairn_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The HTTP status for each code. Exhaustive on purpose: a new code must be placed here.
pub fn status(code: Code) -> StatusCode {
    match code {
        Code::InvalidJson
        | Code::InvalidEnvelope
        | Code::InvalidDigest
        | Code::InvalidImageRef
        | Code::InvalidKey
        | Code::InvalidRequest
        | Code::WrongPassword => StatusCode::BAD_REQUEST,
        Code::InvalidStatement
        | Code::SignatureInvalid
        | Code::UnknownSigner
        | Code::KeyRevoked
        | Code::ProofInvalid
        | Code::InvalidSbom
        | Code::UnsupportedSpecVersion
        | Code::CertificateInvalid
        | Code::UntrustedCertificate
        | Code::InvalidPolicy => StatusCode::UNPROCESSABLE_ENTITY,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::Conflict => StatusCode::CONFLICT,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// RFC 9457 problem details, plus Cairn's stable `code`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `https://cairn.dev/problems/<code>`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// Stable machine-readable error code (e.g. `invalid_digest`).
    pub code: String,
    pub detail: String,
}

impl Problem {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        let status = status(code);
        Self {
            kind: format!("https://cairn.dev/problems/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: code.as_str().to_owned(),
            detail: detail.into(),
        }
    }

    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        HttpResponse::build(status)
            .content_type(PROBLEM_JSON)
            .json(self)
    }
}

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Attestation(#[from] AttestationError),
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error(transparent)]
    Digest(#[from] DigestError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sbom(cairn_core::sbom::SbomError),
    #[error("{0}")]
    InvalidSbom(String),
    #[error("{0}")]
    InvalidImageRef(String),
    #[error("{1}")]
    Certificate(Code, String),
    #[error(transparent)]
    Policy(cairn_core::policy::PolicyError),
    #[error("{0}")]
    InvalidPolicy(String),
    #[error("request body exceeds the limit of {limit} bytes for this route")]
    TooLarge { limit: usize },
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidJson(String),
    #[error("content type {0:?} is not accepted here")]
    UnsupportedMediaType(String),
    #[error("no route for this path")]
    NoRoute,
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    #[error("reading the request body failed: {0}")]
    Body(String),
    #[error("a worker thread failed")]
    Blocking,
    #[error("{0}")]
    Internal(String),
    #[error("not ready: {0}")]
    NotReady(String),
}

impl ApiError {
    pub fn code(&self) -> Code {
        match self {
            ApiError::Attestation(e) => e.code(),
            ApiError::Statement(e) => e.code(),
            ApiError::Digest(e) => e.code(),
            ApiError::Key(e) => e.code(),
            ApiError::Store(e) => e.code(),
            ApiError::Sbom(e) => e.code(),
            ApiError::InvalidSbom(_) => Code::InvalidSbom,
            ApiError::InvalidImageRef(_) => Code::InvalidImageRef,
            ApiError::Certificate(code, _) => *code,
            ApiError::Policy(e) => e.code(),
            ApiError::InvalidPolicy(_) => Code::InvalidPolicy,
            ApiError::TooLarge { .. } => Code::PayloadTooLarge,
            ApiError::Unauthorized(_) => Code::Unauthorized,
            ApiError::Forbidden(_) => Code::Forbidden,
            ApiError::NotFound(_) | ApiError::NoRoute => Code::NotFound,
            ApiError::InvalidRequest(_) | ApiError::Body(_) => Code::InvalidRequest,
            ApiError::InvalidJson(_) => Code::InvalidJson,
            ApiError::UnsupportedMediaType(_) => Code::UnsupportedMediaType,
            ApiError::MethodNotAllowed => Code::MethodNotAllowed,
            ApiError::Blocking | ApiError::Internal(_) => Code::Internal,
            ApiError::NotReady(_) => Code::Unavailable,
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        ApiError::Blocking
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        status(self.code())
    }

    fn error_response(&self) -> HttpResponse {
        let code = self.code();
        let detail = if status(code).is_server_error() {
            // Debug prints the whole source chain; the body never carries internals.
            tracing::error!(error = ?self, %code, "request failed");
            "internal error; quote the x-request-id response header to an operator".to_owned()
        } else {
            tracing::debug!(error = %self, %code, "request rejected");
            cairn_core::code::excerpt(&self.to_string(), 1_000)
        };
        let mut response = Problem::new(code, detail).response();
        if code == Code::Unauthorized {
            response.headers_mut().insert(
                actix_web::http::header::WWW_AUTHENTICATE,
                actix_web::http::header::HeaderValue::from_static("Bearer realm=\"cairn\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_4xx_or_5xx_status() {
        for code in Code::ALL {
            let s = status(*code);
            assert!(s.is_client_error() || s.is_server_error(), "{code}: {s}");
        }
    }

    #[test]
    fn server_errors_hide_internals() {
        let resp = ApiError::Blocking.error_response();
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}

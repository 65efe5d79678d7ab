//! Authentication and authorization at the edge.
//!
//! Every request is matched against the route table ([`crate::routes::ROUTES`]), which says what
//! each route requires. Public routes pass; every other request needs `Authorization: Bearer
//! <token>` whose role allows the route (or, for reads only, anonymous reads switched on). The
//! authenticated [`Principal`] is attached to the request for handlers (actor in the audit
//! history, writer scopes).

use crate::app::AppState;
use crate::problem::ApiError;
use crate::routes;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use cairn_core::access::{Access, Role, Scope, TokenSecret};
use cairn_store::{NewToken, Store, StoreError};
use std::future::{Ready, ready};
use std::path::{Path, PathBuf};

/// Who is making a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Token id, or `None` for anonymous reads.
    pub token_id: Option<String>,
    /// Token name (`anonymous` without a token): the actor in the audit history.
    pub name: String,
    pub role: Role,
    /// Image-name prefixes a writer is limited to; empty = any.
    pub scopes: Vec<Scope>,
}

impl Principal {
    fn anonymous() -> Self {
        Self {
            token_id: None,
            name: "anonymous".into(),
            role: Role::Reader,
            scopes: Vec::new(),
        }
    }

    /// The actor recorded in the transparency log and history for a write made in `req`.
    pub fn actor(&self, req: &HttpRequest) -> cairn_store::Actor {
        cairn_store::Actor {
            name: self.name.clone(),
            role: self.role.as_str().to_owned(),
            request_id: req
                .extensions()
                .get::<crate::app::RequestId>()
                .map(|r| r.0.clone()),
        }
    }

    /// May this principal write for the repository `name`? Unscoped tokens may write anything.
    pub fn may_write_for(&self, name: &str) -> bool {
        self.scopes.is_empty() || self.scopes.iter().any(|s| s.permits(name))
    }

    /// Fail with `forbidden` unless every name is within the token's scopes.
    pub fn require_scopes<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), ApiError> {
        if self.scopes.is_empty() {
            return Ok(());
        }
        for name in names {
            if !self.may_write_for(name) {
                let allowed: Vec<&str> = self.scopes.iter().map(Scope::as_str).collect();
                return Err(ApiError::Forbidden(format!(
                    "token {:?} may only write for image names under {}; the upload names {:?}",
                    self.name,
                    allowed.join(", "),
                    cairn_core::code::excerpt(name, 200)
                )));
            }
        }
        Ok(())
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Principal>().cloned().ok_or_else(|| {
            ApiError::Unauthorized("this route needs an authenticated caller".into())
        }))
    }
}

/// The middleware: authenticate, authorize against the route table, attach the principal.
pub async fn authorize(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(reject(req, ApiError::Blocking));
    };
    let access = routes::required_access(req.method(), req.path(), &state.auth);
    if access == Some(Access::Public) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    match authenticate(&req, &state, access).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(reject(req, e)),
    }
}

fn reject<B>(req: ServiceRequest, error: ApiError) -> ServiceResponse<EitherBody<B>> {
    req.error_response(error).map_into_right_body()
}

/// `access` is `None` for requests that match no route in the table: they need an admin token
/// before they get their 404/405. Failing closed this way means a handler registered without a
/// row in the route table is never reachable by a weaker role.
async fn authenticate(
    req: &ServiceRequest,
    state: &AppState,
    access: Option<Access>,
) -> Result<Principal, ApiError> {
    let needed = access.unwrap_or(Access::Admin);
    let roles = || {
        needed
            .roles()
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION);
    let Some(header) = header else {
        if state.auth.allow_anonymous_reads && access == Some(Access::Read) {
            return Ok(Principal::anonymous());
        }
        return Err(ApiError::Unauthorized(format!(
            "this route needs an API token with role {} (Authorization: Bearer <token>)",
            roles()
        )));
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let secret: TokenSecret = token
        .trim()
        .parse()
        .map_err(|e: cairn_core::access::TokenError| ApiError::Unauthorized(e.to_string()))?;
    let invalid = || ApiError::Unauthorized("unknown or invalid token".into());
    let record = state.store.token(secret.id()).await?.ok_or_else(invalid)?;
    if !secret.matches(&record.verifier) {
        return Err(invalid());
    }
    if record.revoked_at.is_some() {
        return Err(ApiError::Unauthorized(format!(
            "token {:?} has been revoked",
            record.name
        )));
    }
    if !record.is_valid_at(routes::now()) {
        return Err(ApiError::Unauthorized(format!(
            "token {:?} has expired",
            record.name
        )));
    }
    if !record.role.allows(needed) {
        return Err(ApiError::Forbidden(format!(
            "token {:?} has role {}; {} {} requires role {}",
            record.name,
            record.role,
            req.method(),
            req.path(),
            roles()
        )));
    }
    Ok(Principal {
        token_id: Some(record.id),
        name: record.name,
        role: record.role,
        scopes: record.scopes,
    })
}

/// Authentication settings.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// Serve read routes without a token (local development only).
    pub allow_anonymous_reads: bool,
    /// Serve `GET /metrics` without a token (`--metrics-public`).
    pub metrics_public: bool,
}

/// Name of the file the first admin token is written to, in the data directory.
pub const ADMIN_TOKEN_FILE: &str = "admin.token";

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] cairn_core::access::TokenError),
    #[error("cannot write the admin token to {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// On an empty token table, create an admin token and write it to `<data_dir>/admin.token`
/// (mode 0600). Returns the file's path when a token was created. The token itself is never
/// logged.
pub async fn bootstrap_admin_token(
    store: &Store,
    data_dir: &Path,
) -> Result<Option<PathBuf>, BootstrapError> {
    let secret = TokenSecret::generate(&ring::rand::SystemRandom::new())?;
    let token = NewToken {
        id: secret.id().to_owned(),
        name: "admin".into(),
        role: Role::Admin,
        verifier: secret.verifier(),
        scopes: Vec::new(),
        created_by: "bootstrap".into(),
        expires_at: None,
    };
    if !store.create_first_token(&token, routes::now()).await? {
        return Ok(None);
    }
    let path = data_dir.join(ADMIN_TOKEN_FILE);
    write_secret_file(&path, &format!("{}\n", secret.reveal())).map_err(|source| {
        BootstrapError::Write {
            path: path.clone(),
            source,
        }
    })?;
    Ok(Some(path))
}

/// Create a file readable only by its owner; fails if it exists.
pub fn create_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Write a file readable only by its owner, replacing any previous one atomically.
pub fn write_secret_file(path: &Path, contents: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    create_private_file(&tmp, contents)?;
    std::fs::rename(&tmp, path)
}

//! Building and running the service: one `Application::build` for `main` and for tests.

use crate::audit::{AuditLog, AuditLogError};
use crate::auth::{AuthSettings, BootstrapError};
use crate::metrics::{Metrics, MetricsError};
use crate::problem::ApiError;
use crate::routes;
use crate::settings::{Limits, Settings};
use crate::tls::TlsError;
use crate::transparency::{LogKeyError, TransparencyLog};
use actix_web::HttpMessage;
use actix_web::dev::{Server, ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, error, web};
use cairn_store::{Store, StoreOptions};
use ring::rand::SecureRandom;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub limits: Limits,
    pub auth: AuthSettings,
    pub log: TransparencyLog,
    /// Prometheus metrics (`GET /metrics`).
    pub metrics: Arc<Metrics>,
    /// Where audit events go besides the `cairn::audit` tracing target.
    pub audit: AuditLog,
    /// Cached verdicts (invalidated through the transparency log).
    pub verdicts: crate::verdicts::VerdictCache,
    /// The key VSAs are signed with.
    pub vsa: crate::vsa::VsaSigner,
}

/// The id of the current request (also in the `x-request-id` header and every log line).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Store(#[from] cairn_store::StoreError),
    #[error("cannot create the first admin token: {0}")]
    Bootstrap(#[from] BootstrapError),
    #[error("transparency log key: {0}")]
    LogKey(#[from] LogKeyError),
    #[error("VSA signing key: {0}")]
    VsaKey(#[from] crate::vsa::VsaKeyError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
    #[error(transparent)]
    AuditLog(#[from] AuditLogError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

pub struct Application {
    server: Server,
    port: u16,
    store: Store,
}

impl Application {
    /// Open the store (migrating if configured), bind the listener and build the server.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        // Files named by the settings are checked before anything is created.
        let tls = settings
            .tls
            .as_ref()
            .map(crate::tls::server_config)
            .transpose()?;
        let audit = AuditLog::open(settings.audit_log.as_deref())?;
        let metrics = Arc::new(Metrics::new()?);
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::DataDir {
            path: settings.data_dir.clone(),
            source,
        })?;
        let options = StoreOptions {
            max_connections: settings.max_db_connections,
            ..StoreOptions::default()
        };
        let store = if settings.migrate_on_start {
            Store::open(&settings.database, &options).await?
        } else {
            Store::connect(&settings.database, &options).await?
        };
        let log = TransparencyLog::load_or_create(&settings.log_key_file, &settings.log_origin)?;
        let vsa = crate::vsa::VsaSigner::load_or_create(
            &settings.vsa_key_file,
            &format!("https://{}/verifier", settings.log_origin),
        )?;
        store.claim_log_identity(&log.identity()).await?;
        let backfilled = store.backfill_log().await?;
        if backfilled > 0 {
            tracing::warn!(
                entries = backfilled,
                "recorded writes made before the transparency log existed"
            );
        }
        if let Some(path) = crate::auth::bootstrap_admin_token(&store, &settings.data_dir).await? {
            tracing::warn!(path = %path.display(),
                "empty database: created the first admin token and wrote it to this file (mode 0600); \
                 use it to create other tokens, then keep it safe or revoke it");
        }
        let listener = TcpListener::bind(settings.listen).map_err(|source| StartError::Bind {
            addr: settings.listen,
            source,
        })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            addr: settings.listen,
            source,
        })?;
        let state = AppState {
            store: store.clone(),
            limits: settings.limits.clone(),
            auth: settings.auth.clone(),
            log,
            verdicts: crate::verdicts::VerdictCache::default(),
            vsa,
            metrics: metrics.clone(),
            audit,
        };
        let json_limit = settings.limits.json_body_bytes;
        let mut server =
            HttpServer::new(move || {
                let metrics = metrics.clone();
                App::new()
                    .app_data(web::Data::new(state.clone()))
                    .app_data(json_config(json_limit))
                    .app_data(web::QueryConfig::default().error_handler(|e, _| {
                        ApiError::InvalidRequest(format!("query: {e}")).into()
                    }))
                    .app_data(web::PathConfig::default().error_handler(|e, _| {
                        ApiError::InvalidRequest(format!("path: {e}")).into()
                    }))
                    .configure(routes::configure)
                    .default_service(web::to(|| async { Err::<String, _>(ApiError::NoRoute) }))
                    .wrap(actix_web::middleware::from_fn(crate::auth::authorize))
                    .wrap_fn(move |req, srv| {
                        let id = request_id();
                        let metrics = metrics.clone();
                        let method = req.method().clone();
                        let route = routes::template_for(&method, req.path());
                        req.extensions_mut().insert(RequestId(id.clone()));
                        let span = tracing::info_span!("request", request_id = %id,
                        method = %req.method(), path = %req.path());
                        let started = Instant::now();
                        let fut = srv.call(req);
                        async move {
                            let mut res = match fut.await {
                                Ok(res) => res,
                                Err(e) => {
                                    let status = e.as_response_error().status_code().as_u16();
                                    metrics.observe_http(&method, route, status, started.elapsed());
                                    return Err(e);
                                }
                            };
                            metrics.observe_http(
                                &method,
                                route,
                                res.status().as_u16(),
                                started.elapsed(),
                            );
                            if let Ok(v) = HeaderValue::from_str(&id) {
                                res.headers_mut()
                                    .insert(HeaderName::from_static("x-request-id"), v);
                            }
                            tracing::info!(
                                status = res.status().as_u16(),
                                elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
                                "request"
                            );
                            Ok(res)
                        }
                        .instrument(span)
                    })
            });
        let scheme = if tls.is_some() { "https" } else { "http" };
        server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config),
            None => server.listen(listener),
        }
        .map_err(|source| StartError::Bind {
            addr: settings.listen,
            source,
        })?;
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server = server.shutdown_timeout(30).run();
        tracing::info!(address = %format!("{scheme}://{local}"), "listening");
        Ok(Self {
            server,
            port: local.port(),
            store,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serve until stopped (SIGINT/SIGTERM drain in-flight requests first).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.store.close().await;
        result
    }
}

fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| {
            let api = match err {
                error::JsonPayloadError::Overflow { limit }
                | error::JsonPayloadError::OverflowKnownLength { limit, .. } => {
                    ApiError::TooLarge { limit }
                }
                error::JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("expected application/json".into())
                }
                error::JsonPayloadError::Deserialize(e) if e.is_data() => {
                    ApiError::InvalidRequest(e.to_string())
                }
                error::JsonPayloadError::Deserialize(e) => ApiError::InvalidJson(e.to_string()),
                other => ApiError::InvalidRequest(other.to_string()),
            };
            api.into()
        })
}

/// 16 random hex characters (unique per request for all practical purposes).
fn request_id() -> String {
    let mut bytes = [0u8; 8];
    match ring::rand::SystemRandom::new().fill(&mut bytes) {
        Ok(()) => hex::encode(bytes),
        Err(_) => format!("{:016x}", Instant::now().elapsed().as_nanos()),
    }
}

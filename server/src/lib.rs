//! Cairn's REST service: typed configuration, thin handlers over `cairn-store` and
//! `cairn-core`, problem+json errors and a generated OpenAPI document.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod settings;
pub mod tls;
pub mod transparency;
pub mod verdicts;
pub mod vsa;

pub use actix_web::dev::ServerHandle;
pub use app::{AppState, Application, StartError};
pub use settings::Settings;

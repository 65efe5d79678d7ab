//! End-to-end tests: the real server (built in-process by `Application::build`, listening on
//! port 0) driven by the real `cairn` binary. Every test runs on SQLite and, when
//! `CAIRN_TEST_DATABASE_URL` is set, again on a fresh PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod access;
mod bundles;
mod conformance;
mod golden;
mod helpers;
mod log;
mod policy;
mod quickstart;
mod readme;
mod rejections;
mod revocation;
mod sbom;
#[path = "../support/testdata.rs"]
mod shared;
mod workflow_flags;

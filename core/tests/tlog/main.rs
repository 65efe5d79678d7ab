//! Transparency-log core: published RFC 6962 vectors (transparency-dev/merkle), property tests of
//! the node store protocol, C2SP signed notes (golang.org/x/mod sumdb/note vectors), RFC 8785
//! canonical JSON (RFC examples and cyberphone/json-canonicalization vectors), and receipts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod jcs;
mod merkle_props;
mod merkle_vectors;
mod note;
mod receipt;
mod support;

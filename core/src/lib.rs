//! Cairn's pure domain: digests, image references, DSSE envelopes, in-toto Statements, keys and
//! verification reports.
//!
//! Nothing in this crate performs I/O, reads the clock or the environment, or spawns tasks: callers
//! pass the current time and a random source, so every function is deterministic under test.
#![forbid(unsafe_code)]

pub mod access;
pub mod attestation;
pub mod bundle;
pub mod bundle_upload;
pub mod code;
pub mod digest;
pub mod dsse;
pub mod encoding;
pub mod image;
pub mod keys;
pub mod limits;
pub mod matcher;
pub mod policy;
pub mod predicate;
pub mod purl;
pub mod sbom;
pub mod slsa;
pub mod statement;
pub mod time;
pub mod tlog;
pub mod verify;
pub mod vers;
pub mod x509;
pub mod xsd;

pub use code::Code;
pub use digest::{Digest, DigestAlgorithm};
pub use image::ImageRef;

//! Stable machine-readable error codes.
//!
//! Every error that can reach a user maps to exactly one [`Code`]. The spelling of a code is a
//! public contract (API `code` field, CLI `--output json`): add codes, never rename them. The
//! HTTP status for each code is chosen in one place only, `cairn-server`'s `problem` module.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The body is not JSON at all.
    InvalidJson,
    /// JSON, but not a DSSE envelope (missing/extra fields, bad base64, no signatures).
    InvalidEnvelope,
    /// The envelope payload is not a valid in-toto Statement.
    InvalidStatement,
    /// A digest string is not `algorithm:lowercase-hex` of the right length.
    InvalidDigest,
    /// An image reference is not `name[:tag]@digest`.
    InvalidImageRef,
    /// A public or private key could not be parsed or is not supported.
    InvalidKey,
    /// A signature did not verify with the key it names.
    SignatureInvalid,
    /// No registered, active key verifies any signature.
    UnknownSigner,
    /// The only keys that verify are revoked.
    KeyRevoked,
    /// A body or a field exceeds a documented limit.
    PayloadTooLarge,
    /// A request parameter or body field is malformed.
    InvalidRequest,
    /// Wrong password for an encrypted private key.
    WrongPassword,
    /// No valid API token was presented (missing, malformed, unknown, expired or revoked).
    Unauthorized,
    /// The token is valid but its role or scope does not allow this request.
    Forbidden,
    /// The resource does not exist.
    NotFound,
    /// The request conflicts with stored state (e.g. a keyid registered under another name).
    Conflict,
    /// The content type is not accepted on this route.
    UnsupportedMediaType,
    /// The HTTP method is not allowed on this route.
    MethodNotAllowed,
    /// A Merkle inclusion or consistency proof does not lead to the expected root.
    ProofInvalid,
    /// The database or another dependency is unavailable.
    Unavailable,
    /// A bug or an unexpected failure; details are in the server log under the request id.
    Internal,
    /// A CycloneDX document is malformed or does not validate against its official schema.
    InvalidSbom,
    /// A CycloneDX document declares a spec version Cairn does not accept (it accepts 1.2–1.7).
    UnsupportedSpecVersion,
    /// An X.509 certificate or CA bundle is malformed, or a certificate chain violates a rule
    /// (validity, CA constraints, key usage, code-signing EKU, unknown critical extension).
    CertificateInvalid,
    /// A certificate does not chain to any registered trust anchor.
    UntrustedCertificate,
    /// A policy document is malformed or breaks a rule of the policy language.
    InvalidPolicy,
}

impl Code {
    /// Every code, for tables and documentation tests.
    pub const ALL: &'static [Code] = &[
        Code::InvalidJson,
        Code::InvalidEnvelope,
        Code::InvalidStatement,
        Code::InvalidDigest,
        Code::InvalidImageRef,
        Code::InvalidKey,
        Code::SignatureInvalid,
        Code::UnknownSigner,
        Code::KeyRevoked,
        Code::PayloadTooLarge,
        Code::InvalidRequest,
        Code::WrongPassword,
        Code::Unauthorized,
        Code::Forbidden,
        Code::NotFound,
        Code::Conflict,
        Code::UnsupportedMediaType,
        Code::MethodNotAllowed,
        Code::ProofInvalid,
        Code::Unavailable,
        Code::Internal,
        Code::InvalidSbom,
        Code::UnsupportedSpecVersion,
        Code::CertificateInvalid,
        Code::UntrustedCertificate,
        Code::InvalidPolicy,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Code::InvalidJson => "invalid_json",
            Code::InvalidEnvelope => "invalid_envelope",
            Code::InvalidStatement => "invalid_statement",
            Code::InvalidDigest => "invalid_digest",
            Code::InvalidImageRef => "invalid_image_ref",
            Code::InvalidKey => "invalid_key",
            Code::SignatureInvalid => "signature_invalid",
            Code::UnknownSigner => "unknown_signer",
            Code::KeyRevoked => "key_revoked",
            Code::PayloadTooLarge => "payload_too_large",
            Code::InvalidRequest => "invalid_request",
            Code::WrongPassword => "wrong_password",
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::Conflict => "conflict",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::ProofInvalid => "proof_invalid",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
            Code::InvalidSbom => "invalid_sbom",
            Code::UnsupportedSpecVersion => "unsupported_spec_version",
            Code::CertificateInvalid => "certificate_invalid",
            Code::UntrustedCertificate => "untrusted_certificate",
            Code::InvalidPolicy => "invalid_policy",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shorten untrusted input to at most `max` bytes (on a char boundary, marked with `…`) before
/// echoing it in an error message.
pub fn excerpt(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("ééé", 3), "é…");
    }

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate code {s}");
        }
    }
}

//! Predicate types Cairn knows by name, and Cairn's own image-signature predicate.

/// SLSA provenance v1.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// SLSA provenance v0.2.
pub const SLSA_PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// CycloneDX SBOM (unversioned form; versioned forms such as `https://cyclonedx.org/bom/v1.5` exist).
pub const CYCLONEDX_BOM: &str = "https://cyclonedx.org/bom";
/// Cairn's image-signature predicate: "the signer vouches for this image digest".
///
/// Predicate body: `{"reference": "<name[:tag]@digest as signed>", "signedAt": "<RFC 3339>"}`.
/// The subject of the Statement is the image digest; the predicate only records context.
pub const CAIRN_SIGNATURE_V1: &str = "https://cairn.dev/signature/v1";

/// Cairn's detached-SBOM predicate: "this SBOM document (named by digest) describes the
/// subject". Used when a document is too large to embed in an envelope.
///
/// Predicate body: `{"sbom": {"digest": {"sha256": "<hex>"}, "mediaType": "...", "size": N}}`.
pub const CAIRN_SBOM_REFERENCE_V1: &str = "https://cairn.dev/sbom-reference/v1";

/// Whether a predicate type is CycloneDX: `https://cyclonedx.org/bom` or a versioned form
/// (`https://cyclonedx.org/bom/v1.5`).
pub fn is_cyclonedx(predicate_type: &str) -> bool {
    predicate_type == CYCLONEDX_BOM
        || predicate_type
            .strip_prefix(CYCLONEDX_BOM)
            .and_then(|rest| rest.strip_prefix("/v"))
            .is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
}

/// The SBOM digest a [`CAIRN_SBOM_REFERENCE_V1`] predicate names, if well formed.
pub fn sbom_reference(predicate: &serde_json::Value) -> Option<crate::Digest> {
    let hex = predicate
        .get("sbom")?
        .get("digest")?
        .get("sha256")?
        .as_str()?;
    format!("sha256:{hex}").parse().ok()
}

/// Resolve the short names accepted by `cairn attest --type` (cosign's spellings) or a URI.
pub fn resolve_type_alias(name: &str) -> Option<&str> {
    match name {
        "slsaprovenance1" | "slsaprovenance" => Some(SLSA_PROVENANCE_V1),
        "slsaprovenance02" => Some(SLSA_PROVENANCE_V02),
        "cyclonedx" => Some(CYCLONEDX_BOM),
        "cairnsignature" => Some(CAIRN_SIGNATURE_V1),
        "sbomreference" => Some(CAIRN_SBOM_REFERENCE_V1),
        uri if is_uri(uri) => Some(uri),
        _ => None,
    }
}

/// A predicate type must be an absolute URI (`scheme:rest`, scheme per RFC 3986 §3.1).
pub fn is_uri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !rest.is_empty()
                && !s.chars().any(char::is_whitespace)
                && scheme
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_types_and_references() {
        assert!(is_cyclonedx("https://cyclonedx.org/bom"));
        assert!(is_cyclonedx("https://cyclonedx.org/bom/v1.5"));
        assert!(!is_cyclonedx("https://cyclonedx.org/bom/vx"));
        assert!(!is_cyclonedx("https://cyclonedx.org/bomb"));
        let hex = "a".repeat(64);
        let p = serde_json::json!({"sbom": {"digest": {"sha256": hex}}});
        assert_eq!(
            sbom_reference(&p).unwrap().to_string(),
            format!("sha256:{hex}")
        );
        assert!(
            sbom_reference(&serde_json::json!({"sbom": {"digest": {"sha256": "x"}}})).is_none()
        );
    }

    #[test]
    fn resolves_cosign_aliases_and_uris() {
        assert_eq!(
            resolve_type_alias("slsaprovenance1"),
            Some(SLSA_PROVENANCE_V1)
        );
        assert_eq!(
            resolve_type_alias("slsaprovenance02"),
            Some(SLSA_PROVENANCE_V02)
        );
        assert_eq!(resolve_type_alias("cyclonedx"), Some(CYCLONEDX_BOM));
        assert_eq!(
            resolve_type_alias("https://example.com/p/v1"),
            Some("https://example.com/p/v1")
        );
    }

    #[test]
    fn rejects_unknown_names() {
        assert_eq!(resolve_type_alias("provenance"), None);
        assert_eq!(resolve_type_alias("1http://x"), None);
        assert_eq!(resolve_type_alias("https://a b"), None);
    }
}

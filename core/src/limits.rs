//! Every size limit on untrusted input, in one place. Each breach is reported with
//! [`crate::Code::PayloadTooLarge`] (or a parse error naming the limit), never a panic.

/// Default maximum body of `POST /v1/attestations` (configurable on the server).
pub const DEFAULT_ATTESTATION_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Maximum number of envelopes in one JSON-lines upload.
pub const MAX_ENVELOPES_PER_UPLOAD: usize = 1_000;
/// Maximum signature checks one upload may cause (every signature may be tried against every
/// registered key when its keyid hint names none): ~1.4 s of CPU, far above the one check per
/// signature an honest upload with keyid hints needs.
pub const MAX_SIGNATURE_CHECKS_PER_UPLOAD: usize = 20_000;
/// Maximum number of signatures on one DSSE envelope.
pub const MAX_SIGNATURES: usize = 16;
/// Maximum length of a signature (RSA-8192 is 1024 bytes; DER ECDSA far less).
pub const MAX_SIGNATURE_BYTES: usize = 2048;
/// Maximum length of a `keyid` hint.
pub const MAX_KEYID_CHARS: usize = 256;
/// Maximum length of a DSSE `payloadType`.
pub const MAX_PAYLOAD_TYPE_CHARS: usize = 256;
/// Maximum number of subjects in one Statement.
pub const MAX_SUBJECTS: usize = 1_024;
/// Maximum number of digests on one subject.
pub const MAX_DIGESTS_PER_SUBJECT: usize = 16;
/// Maximum length of a subject name, predicate type or key name.
pub const MAX_NAME_CHARS: usize = 1_024;
/// Maximum size of a PEM public key document.
pub const MAX_PUBLIC_KEY_BYTES: usize = 16 * 1024;
/// Maximum page size of a listing.
pub const MAX_PAGE_SIZE: u32 = 500;
/// Default page size of a listing.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Maximum hashes in an inclusion or consistency proof. An audit path in a tree of at most
/// 2^64 − 1 leaves has at most 64; a consistency proof at most 64 + 1 (RFC 9162 §2.1.4).
pub const MAX_PROOF_HASHES: usize = 65;
/// Maximum size of a signed note (a checkpoint with its signature lines).
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
/// Maximum signature lines in a signed note (C2SP signed-note asks verifiers to accept 16).
pub const MAX_NOTE_SIGNATURES: usize = 100;
/// Maximum nesting of a JSON value canonicalised for the log (RFC 8785).
pub const MAX_JSON_DEPTH: usize = 128;
/// Maximum size of one CycloneDX document (JSON or XML).
pub const MAX_SBOM_BYTES: usize = 64 * 1024 * 1024;
/// Maximum number of components in one CycloneDX document, nested ones included.
pub const MAX_SBOM_COMPONENTS: usize = 1_000_000;
/// Maximum nesting depth of a CycloneDX document: JSON arrays/objects or XML elements. Real
/// documents stay far below (the upstream test documents reach 12); the bound keeps every
/// recursive walk of untrusted input shallow.
pub const MAX_SBOM_NESTING_DEPTH: usize = 64;
/// Maximum length of a package URL (purl) or a version range (vers) given by a user.
pub const MAX_PURL_CHARS: usize = 4096;
/// Maximum length of one version string compared by a version range (`vers`). Real versions are
/// far shorter; the bound keeps comparison (and Maven's nested version lists) small.
pub const MAX_VERSION_CHARS: usize = 256;
/// Maximum size of a PEM CA bundle registered as X.509 trust anchors.
pub const MAX_CA_BUNDLE_BYTES: usize = 1024 * 1024;
/// Maximum number of certificates in one CA bundle.
pub const MAX_CA_BUNDLE_CERTS: usize = 64;
/// Maximum size of one DER certificate (Fulcio leaves are ~3 KB; RSA-8192 CAs under 4 KB).
pub const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;
/// Maximum length of a certification path, leaf and trust anchor included.
pub const MAX_CHAIN_CERTS: usize = 8;
/// Maximum number of untrusted intermediates supplied with one leaf certificate.
pub const MAX_SUPPLIED_INTERMEDIATES: usize = 16;
/// Maximum number of candidate certification paths examined for one leaf.
pub const MAX_CANDIDATE_PATHS: usize = 16;
/// Maximum number of keyless identity policies in one verification (any-of).
pub const MAX_IDENTITY_POLICIES: usize = 64;
/// Deepest element nesting of an XML document the schema validator accepts (`cairn_core::xsd`):
/// far above what CycloneDX needs (each level of nested components costs two elements), low
/// enough that the recursive validator stays well inside a thread's stack.
pub const MAX_XML_DEPTH: usize = 256;
/// Most attributes (namespace declarations included) on one element of an XML document the
/// schema validator accepts: the XML parser's duplicate check is quadratic in this number, and
/// CycloneDX elements carry a handful.
pub const MAX_XML_ATTRIBUTES_PER_ELEMENT: usize = 128;
/// Maximum size of a policy document (YAML or JSON).
pub const MAX_POLICY_BYTES: usize = 256 * 1024;
/// Maximum number of rules in one policy.
pub const MAX_POLICY_RULES: usize = 200;
/// Deepest nesting of a policy document (maps and lists). The language needs six levels; the
/// bound keeps parsing shallow whatever the input.
pub const MAX_POLICY_NESTING: usize = 32;
/// Maximum signer specs in one `anyOf`/`allOf`.
pub const MAX_POLICY_SIGNERS: usize = 64;
/// Maximum claims on one keyless signer spec.
pub const MAX_POLICY_CLAIMS: usize = 32;
/// Maximum denied components, and separately denied licenses, in one SBOM rule.
pub const MAX_POLICY_DENIED: usize = 10_000;
/// Maximum length of a name, URI, matcher or other string in a policy.
pub const MAX_POLICY_STRING_CHARS: usize = 1_024;
/// Maximum compiled size of one policy regular expression (the `regex` crate's size limit).
pub const MAX_POLICY_REGEX_BYTES: usize = 256 * 1024;
/// Default and maximum `maxDepth` of a chain rule: how far the provenance chain is followed.
pub const DEFAULT_CHAIN_DEPTH: u32 = 8;
pub const MAX_CHAIN_DEPTH: u32 = 32;
/// How deep sub-policies (a chain rule's `policy`, whose own chain rules name further policies)
/// may nest during one evaluation.
pub const MAX_POLICY_REFERENCE_DEPTH: usize = 4;
/// Most chain nodes one evaluation visits, over every chain rule and sub-policy together.
pub const MAX_CHAIN_NODES: usize = 2_048;

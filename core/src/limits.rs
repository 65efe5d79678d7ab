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
/// Deepest element nesting of an XML document the schema validator accepts (`cairn_core::xsd`):
/// far above what CycloneDX needs (each level of nested components costs two elements), low
/// enough that the recursive validator stays well inside a thread's stack.
pub const MAX_XML_DEPTH: usize = 256;
/// Most attributes (namespace declarations included) on one element of an XML document the
/// schema validator accepts: the XML parser's duplicate check is quadratic in this number, and
/// CycloneDX elements carry a handful.
pub const MAX_XML_ATTRIBUTES_PER_ELEMENT: usize = 128;

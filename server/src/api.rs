//! Wire types of the REST API (camelCase JSON), built from core and store types.

use cairn_core::verify::Check;
use cairn_store::{ArtifactSummary, AttestationSummary, RegisteredKey, StoredAttestation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubjectDto {
    pub name: String,
    pub digest: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignerDto {
    /// The key's id; empty for a certificate identity.
    pub keyid: String,
    /// The key's registered name, or the certificate identity (`keyless <issuer> <san>`,
    /// `x509 <subject>`).
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckDto {
    pub check: String,
    /// pass | fail | skipped
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub detail: String,
}

impl From<&Check> for CheckDto {
    fn from(c: &Check) -> Self {
        let result = serde_json::to_value(c.result)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            check: c.check.to_owned(),
            result,
            subject: c.subject.clone(),
            detail: c.detail.clone(),
        }
    }
}

/// One attestation accepted by `POST /v1/attestations`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedAttestation {
    /// Content id: `sha256:` of the exact envelope bytes.
    pub id: String,
    /// False when identical bytes were already stored (the upload was idempotent).
    pub created: bool,
    pub received_at: String,
    pub predicate_type: String,
    pub subjects: Vec<SubjectDto>,
    pub signers: Vec<SignerDto>,
    /// Every verification step that ran.
    pub checks: Vec<CheckDto>,
    /// Where the write is in the transparency log (for a re-post: the original entry).
    pub log_entry: LogEntryDto,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttestationUploadResponse {
    pub attestations: Vec<AcceptedAttestation>,
}

impl AcceptedAttestation {
    pub fn new(
        stored: &StoredAttestation,
        att: &cairn_core::attestation::VerifiedAttestation,
        signer_name: impl Fn(&cairn_core::keys::KeyId) -> String,
        log_entry: LogEntryDto,
    ) -> Self {
        Self {
            log_entry,
            id: stored.id.to_string(),
            created: stored.created,
            received_at: stored.received_at.to_rfc3339(),
            predicate_type: att.statement.predicate_type.clone(),
            subjects: att
                .statement
                .subjects
                .iter()
                .flat_map(|s| {
                    s.digests.iter().map(|d| SubjectDto {
                        name: s.name.clone(),
                        digest: d.to_string(),
                    })
                })
                .collect(),
            signers: att
                .signers
                .iter()
                .map(|k| SignerDto {
                    keyid: k.to_string(),
                    name: signer_name(k),
                })
                .chain(att.identities.iter().map(|i| SignerDto {
                    keyid: String::new(),
                    name: i.clone(),
                }))
                .collect(),
            checks: att.checks.iter().map(CheckDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttestationDto {
    pub id: String,
    pub payload_type: String,
    pub statement_type: String,
    pub predicate_type: String,
    /// keyids of the registered keys, and certificate identities (`keyless <issuer> <san>`,
    /// `x509 <subject>`), that verified it.
    pub signers: Vec<String>,
    pub received_at: String,
    pub size: i64,
}

impl From<&AttestationSummary> for AttestationDto {
    fn from(a: &AttestationSummary) -> Self {
        Self {
            id: a.id.to_string(),
            payload_type: a.payload_type.clone(),
            statement_type: a.statement_type.clone(),
            predicate_type: a.predicate_type.clone(),
            signers: a.signers.clone(),
            received_at: a.received_at.to_rfc3339(),
            size: a.size,
        }
    }
}

/// `GET /v1/attestations/{id}?view=metadata`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttestationMetadata {
    #[serde(flatten)]
    pub attestation: AttestationDto,
    pub subjects: Vec<SubjectDto>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttestationPage {
    pub items: Vec<AttestationDto>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttestationCounts {
    pub total: i64,
    pub by_predicate_type: BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactDto {
    pub digest: String,
    /// Repository names seen in Statement subjects for this digest.
    pub names: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub attestations: AttestationCounts,
}

impl From<&ArtifactSummary> for ArtifactDto {
    fn from(a: &ArtifactSummary) -> Self {
        Self {
            digest: a.digest.to_string(),
            names: a.names.clone(),
            first_seen: a.first_seen.to_rfc3339(),
            last_seen: a.last_seen.to_rfc3339(),
            attestations: AttestationCounts {
                total: a.attestations_by_type.iter().map(|(_, n)| n).sum(),
                by_predicate_type: a.attestations_by_type.iter().cloned().collect(),
            },
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyRegistration {
    /// A name for the signer (several keys may share one name, e.g. during rotation).
    pub name: String,
    /// PEM SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`).
    pub public_key: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyDto {
    pub keyid: String,
    pub name: String,
    /// ecdsa-p256 | ecdsa-p384 | ed25519 | rsa
    pub algorithm: String,
    /// active | revoked
    pub status: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// superseded | compromised
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
    /// For compromised keys: nothing signed from this time on is trusted (absent: nothing ever).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compromised_since: Option<String>,
    pub public_key: String,
    /// The transparency-log receipt of this write (absent when nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_entry: Option<LogEntryDto>,
}

impl KeyDto {
    pub fn with_receipt(mut self, receipt: Option<LogEntryDto>) -> Self {
        self.log_entry = receipt;
        self
    }
}

impl From<&RegisteredKey> for KeyDto {
    fn from(k: &RegisteredKey) -> Self {
        Self {
            keyid: k.keyid.to_string(),
            name: k.name.clone(),
            algorithm: k.algorithm.as_str().to_owned(),
            status: k.status().as_str().to_owned(),
            created_at: k.created_at.to_rfc3339(),
            revoked_at: k.revocation.as_ref().map(|r| r.revoked_at.to_rfc3339()),
            revocation_reason: k.revocation.as_ref().map(|r| r.reason.as_str().to_owned()),
            compromised_since: k
                .revocation
                .as_ref()
                .and_then(|r| r.compromised_since)
                .map(|t| t.to_rfc3339()),
            public_key: k.public_key.to_pem(),
            log_entry: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyRevocation {
    /// `superseded` (rotation: what the key signed before stays trusted) or `compromised`.
    pub reason: String,
    /// RFC 3339; only with `compromised`: nothing signed from this time on is trusted. Without
    /// it, a compromised key's signatures are never trusted.
    pub compromised_since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyList {
    pub items: Vec<KeyDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

/// `POST /v1/tokens` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// 1-64 characters of `[A-Za-z0-9._-]`; unique for ever (the actor name in the history).
    pub name: String,
    /// `reader`, `auditor`, `writer` or `admin`.
    pub role: String,
    /// RFC 3339 expiry time (optional).
    pub expires_at: Option<String>,
    /// Writers only: image-name prefixes the token may push for (e.g. `acme/web`).
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// A token's metadata (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenDto {
    pub id: String,
    pub name: String,
    pub role: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub created_by: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked` at the time of the response.
    pub status: String,
}

impl TokenDto {
    pub fn new(t: &cairn_store::TokenRecord, now: cairn_core::time::Timestamp) -> Self {
        let status = if t.revoked_at.is_some() {
            "revoked"
        } else if t.is_valid_at(now) {
            "active"
        } else {
            "expired"
        };
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            role: t.role.as_str().to_owned(),
            scopes: t.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            created_at: t.created_at.to_rfc3339(),
            created_by: t.created_by.clone(),
            expires_at: t.expires_at.map(|e| e.to_rfc3339()),
            revoked_at: t.revoked_at.map(|e| e.to_rfc3339()),
            status: status.to_owned(),
        }
    }
}

/// `POST /v1/tokens` response: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: TokenDto,
    /// The bearer token. Shown once; only its hash is stored.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenDto>,
}

/// A write's receipt: its leaf in the transparency log, the audit path to the tree right after
/// the write, and that tree's signed checkpoint (`cairn log verify` checks it offline).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryDto {
    pub log_index: u64,
    /// Unix milliseconds; the log's trusted time for this write.
    pub integrated_time: i64,
    /// Lowercase hex SHA-256(0x00 || leaf data).
    pub leaf_hash: String,
    pub inclusion_proof: InclusionProofDto,
    /// C2SP signed note of the checkpoint the proof leads to.
    pub checkpoint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProofDto {
    pub tree_size: u64,
    /// Lowercase hex, leaf side first.
    pub hashes: Vec<String>,
}

impl From<cairn_core::tlog::LogEntryReceipt> for LogEntryDto {
    fn from(r: cairn_core::tlog::LogEntryReceipt) -> Self {
        Self {
            log_index: r.log_index,
            integrated_time: r.integrated_time,
            leaf_hash: r.leaf_hash,
            inclusion_proof: InclusionProofDto {
                tree_size: r.inclusion_proof.tree_size,
                hashes: r.inclusion_proof.hashes,
            },
            checkpoint: r.checkpoint,
        }
    }
}

/// `GET /v1/log/key`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogKeyDto {
    /// C2SP note verifier key: `<name>+<8 hex key id>+<base64(0x01 || Ed25519 key)>`.
    pub verifier_key: String,
    pub public_key_pem: String,
    /// The first line of every checkpoint.
    pub origin: String,
}

/// `GET /v1/log/entries/{index}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryLeafDto {
    pub log_index: u64,
    pub leaf_hash: String,
    /// Base64 of the leaf data (RFC 8785 canonical JSON).
    pub body: String,
    pub integrated_time: i64,
}

/// `GET /v1/log/proof/inclusion`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProofResponse {
    pub log_index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub hashes: Vec<String>,
    /// Signed checkpoint of `treeSize`.
    pub checkpoint: String,
}

/// `GET /v1/log/proof/consistency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProofResponse {
    pub from: u64,
    pub to: u64,
    pub hashes: Vec<String>,
}

/// One write in the history (`GET /v1/events`, `GET /v1/artifacts/{digest}/history`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventDto {
    pub log_index: u64,
    /// attestation | sbom | key | key-revocation | trust-root | policy
    #[serde(rename = "type")]
    pub kind: String,
    pub content_id: String,
    pub subjects: Vec<String>,
    /// Token name of the writer.
    pub actor: String,
    /// Role of the writer's token.
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub integrated_time: String,
    /// Every field of the leaf (what the log proves).
    #[schema(value_type = Object)]
    pub leaf: serde_json::Value,
}

impl EventDto {
    pub fn from_entry(e: &cairn_store::LogEntry) -> Self {
        let leaf: serde_json::Value =
            serde_json::from_slice(&e.body).unwrap_or(serde_json::Value::Null);
        let text = |k: &str| leaf.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        Self {
            log_index: e.index,
            kind: e.kind.clone(),
            content_id: e.content_id.clone(),
            subjects: leaf
                .get("subjects")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            actor: e.actor.clone(),
            role: text("role").unwrap_or_default(),
            request_id: text("requestId"),
            integrated_time: e.integrated_time.to_rfc3339(),
            leaf,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub items: Vec<EventDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/sboms` response.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SbomUploadResponse {
    /// `sha256:` of the exact document bytes.
    pub id: String,
    /// False when this document was already linked to this artifact.
    pub created: bool,
    pub subject: String,
    pub spec_version: String,
    /// json | xml
    pub format: String,
    /// Components indexed (nested ones included).
    pub components: usize,
    pub log_entry: LogEntryDto,
}

/// One component of an SBOM.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentDto {
    /// CycloneDX type (library, application, container, …).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Canonical purl when it parses, else as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
}

impl From<&cairn_store::ComponentRecord> for ComponentDto {
    fn from(c: &cairn_store::ComponentRecord) -> Self {
        Self {
            kind: Some(c.kind.clone()),
            bom_ref: c.bom_ref.clone(),
            group: c.group.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
            licenses: c.licenses.clone(),
        }
    }
}

impl ComponentDto {
    pub fn hit(h: &cairn_store::ComponentHit) -> Self {
        Self {
            kind: None,
            bom_ref: None,
            group: None,
            name: h.name.clone(),
            version: h.version.clone(),
            purl: h.purl.clone(),
            licenses: Vec::new(),
        }
    }
}

/// `GET /v1/artifacts/{digest}/components`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactComponents {
    pub digest: String,
    pub items: Vec<ComponentDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// An artifact containing a searched component.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSearchHit {
    pub digest: String,
    /// Repository names seen for the artifact.
    pub names: Vec<String>,
    /// The matching components (one per version found).
    pub components: Vec<ComponentDto>,
}

/// `GET /v1/components`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSearchPage {
    /// The purl searched for, normalised.
    pub purl: String,
    pub items: Vec<ComponentSearchHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A component in a diff.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiffComponentDto {
    /// The package key matched on (purl without version, else group/name).
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionChangeDto {
    pub key: String,
    pub old_version: Option<String>,
    pub new_version: Option<String>,
}

/// `GET /v1/artifacts/{digest}/sbom/diff?against=`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SbomDiffDto {
    pub digest: String,
    pub against: String,
    pub added: Vec<DiffComponentDto>,
    pub removed: Vec<DiffComponentDto>,
    pub version_changed: Vec<VersionChangeDto>,
}

impl SbomDiffDto {
    pub fn new(
        digest: &cairn_core::Digest,
        against: &cairn_core::Digest,
        d: &cairn_core::sbom::SbomDiff,
    ) -> Self {
        let component = |c: &cairn_core::sbom::ComponentRef| DiffComponentDto {
            key: c.key.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
            purl: c.purl.clone(),
        };
        Self {
            digest: digest.to_string(),
            against: against.to_string(),
            added: d.added.iter().map(component).collect(),
            removed: d.removed.iter().map(component).collect(),
            version_changed: d
                .version_changed
                .iter()
                .map(|v| VersionChangeDto {
                    key: v.key.clone(),
                    old_version: v.old_version.clone(),
                    new_version: v.new_version.clone(),
                })
                .collect(),
        }
    }
}

/// `POST /v1/trust-roots` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustRootRequest {
    /// 1-128 characters of `[A-Za-z0-9._-]`.
    pub name: String,
    /// `sigstore` (a trusted_root.json) or `x509` (a PEM bundle of CA certificates).
    pub kind: String,
    /// The document itself (JSON text or PEM).
    pub document: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustRootDto {
    /// `sha256:` of the exact document.
    pub id: String,
    pub name: String,
    pub kind: String,
    pub created_at: String,
    /// X.509: the anchors' subject names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// X.509: SHA-256 fingerprints of the anchors (hex).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_entry: Option<LogEntryDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrustRootList {
    pub items: Vec<TrustRootDto>,
}

/// A policy version.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDto {
    pub name: String,
    pub version: i64,
    /// `sha256:` of the exact document.
    pub id: String,
    pub media_type: String,
    pub created_at: String,
    /// Token name of who stored it.
    pub actor: String,
    /// The document as stored (single-policy reads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_entry: Option<LogEntryDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    pub items: Vec<PolicyDto>,
}

/// One verdict that a draft policy would change.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTestChange {
    pub digest: String,
    /// The current version's verdict (absent for a new policy).
    pub current: Option<String>,
    pub draft: String,
    /// Rules the draft fails for this artifact.
    pub failing_rules: Vec<String>,
}

/// `POST /v1/policies/{name}/test`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTestResponse {
    pub policy: String,
    pub evaluated: usize,
    pub unchanged: usize,
    pub changes: Vec<PolicyTestChange>,
}

/// `GET /v1/vsa/key`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VsaKeyDto {
    pub keyid: String,
    pub public_key_pem: String,
    /// `verifier.id` in the VSAs this server issues.
    pub verifier_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceNode {
    pub digest: String,
    /// 0 for the artifact asked about.
    pub depth: u32,
    pub names: Vec<String>,
    /// Whether Cairn holds anything (attestations or an SBOM) about it.
    pub known: bool,
    pub attestations_by_type: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceEdge {
    /// The artifact whose provenance names the dependency.
    pub from: String,
    pub to: String,
    /// e.g. `base-image`, or the dependency's uri/name.
    pub relation: String,
    /// The provenance attestation that names it.
    pub attestation: String,
}

/// `GET /v1/artifacts/{digest}/provenance`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvenanceGraph {
    pub digest: String,
    pub nodes: Vec<ProvenanceNode>,
    pub edges: Vec<ProvenanceEdge>,
}

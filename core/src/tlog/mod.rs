//! The transparency log, pure part: RFC 6962 Merkle trees, C2SP signed-note checkpoints, RFC 8785
//! canonical JSON for leaf data, and the offline check of a write receipt.
//!
//! Nothing here touches storage. A store keeps every *perfect* subtree hash (a [`NodeId`]); this
//! module says which of them a question needs ([`Plan::nodes`]) and assembles the answer from
//! them ([`Plan::assemble`]), computes the new perfect nodes of an append ([`append`]), and
//! verifies proofs and signed checkpoints for clients.
//!
//! Guarantees:
//! - Hashing is RFC 6962 §2.1: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right),
//!   the empty tree hashes to SHA-256("").
//! - Proofs are in RFC 6962 / RFC 9162 order and verified with the RFC 9162 §2.1.3.2 and §2.1.4.2
//!   algorithms. Sizes, indexes and proofs are untrusted: every bad combination is an error, never a
//!   panic or an allocation proportional to a claimed size.
//! - A checkpoint is accepted only with a valid Ed25519 signature by the configured log key
//!   (C2SP signed-note), and only for that key's origin (C2SP tlog-checkpoint).

mod jcs;
mod merkle;
mod note;
mod receipt;

pub use jcs::canonical_json;
pub use merkle::{
    Hash, NodeId, Plan, append, consistency_plan, empty_root, frontier, inclusion_plan, leaf_hash,
    node_hash, root_of, root_plan, verify_consistency, verify_inclusion,
};
pub use note::{Checkpoint, NoteSigner, NoteVerifier, open_checkpoint, open_note};
pub use receipt::{
    InclusionProof, LogEntryReceipt, ReceiptReport, parse_receipt, verify_receipt,
    verify_receipt_json,
};

use crate::Code;

/// Check names emitted by [`verify_receipt`]. Stable: they appear in reports.
pub mod names {
    pub const RECEIPT_PARSE: &str = "receipt.parse";
    pub const CHECKPOINT_SIGNATURE: &str = "checkpoint.signature";
    pub const CHECKPOINT_SIZE: &str = "checkpoint.size";
    pub const TLOG_INCLUSION: &str = "tlog.inclusion";
    pub const LEAF_HASH: &str = "leaf.hash";
    pub const LEAF_INTEGRATED_TIME: &str = "leaf.integratedTime";
}

/// Everything that can go wrong in this module. Each variant maps to one [`Code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogError {
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("tree size {from} is larger than tree size {to}")]
    SizesOutOfOrder { from: u64, to: u64 },
    #[error("appending {count} leaves to a tree of {size} overflows the tree size")]
    SizeOverflow { size: u64, count: usize },
    #[error("the frontier given does not match the perfect subtrees of a tree of size {size}")]
    FrontierMismatch { size: u64 },
    #[error("node (level {}, index {}) is missing from the store", .0.level, .0.index)]
    MissingNode(NodeId),
    #[error("proof has {len} hashes, more than the limit of {max}")]
    ProofTooLong { len: usize, max: usize },
    #[error("proof has {got} hashes, but {expected} are needed")]
    ProofLength { expected: usize, got: usize },
    #[error("proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("not a hash (64 lowercase hex digits): {0}")]
    InvalidHash(String),
    #[error(
        "invalid key name {0:?}: it must be non-empty, without spaces, control characters or '+'"
    )]
    InvalidKeyName(String),
    #[error("invalid note verifier key: {0}")]
    InvalidVerifierKey(&'static str),
    #[error("unsupported note signature type 0x{0:02x} (only Ed25519, 0x01)")]
    UnsupportedKeyType(u8),
    #[error("the key hash in the verifier key does not match its name and key")]
    KeyHashMismatch,
    #[error("the Ed25519 key was rejected")]
    KeyRejected,
    #[error("the random source failed")]
    Random,
    #[error("signed note is larger than {max} bytes")]
    NoteTooLarge { max: usize },
    #[error("malformed signed note: {0}")]
    MalformedNote(&'static str),
    #[error("the note text cannot be signed: {0}")]
    InvalidNoteText(&'static str),
    #[error("signature by {name}+{key_id:08x} does not verify")]
    BadSignature { name: String, key_id: u32 },
    #[error("the note carries no signature by {name}+{key_id:08x}")]
    NotSigned { name: String, key_id: u32 },
    #[error("malformed checkpoint: {0}")]
    MalformedCheckpoint(&'static str),
    #[error("checkpoint origin {origin:?} is not the log {expected:?}")]
    OriginMismatch { origin: String, expected: String },
    #[error("number {0} has no canonical JSON form (NaN or infinite)")]
    NonFiniteNumber(String),
    #[error("JSON nesting deeper than {max} levels")]
    JsonTooDeep { max: usize },
}

impl TlogError {
    pub fn code(&self) -> Code {
        match self {
            TlogError::IndexOutOfRange { .. }
            | TlogError::SizesOutOfOrder { .. }
            | TlogError::SizeOverflow { .. }
            | TlogError::InvalidHash(_)
            | TlogError::MalformedNote(_)
            | TlogError::InvalidNoteText(_)
            | TlogError::MalformedCheckpoint(_) => Code::InvalidRequest,
            TlogError::FrontierMismatch { .. } | TlogError::MissingNode(_) | TlogError::Random => {
                Code::Internal
            }
            TlogError::ProofTooLong { .. }
            | TlogError::NoteTooLarge { .. }
            | TlogError::JsonTooDeep { .. } => Code::PayloadTooLarge,
            TlogError::ProofLength { .. } | TlogError::RootMismatch => Code::ProofInvalid,
            TlogError::InvalidKeyName(_)
            | TlogError::InvalidVerifierKey(_)
            | TlogError::UnsupportedKeyType(_)
            | TlogError::KeyHashMismatch
            | TlogError::KeyRejected => Code::InvalidKey,
            TlogError::BadSignature { .. } => Code::SignatureInvalid,
            TlogError::NotSigned { .. } | TlogError::OriginMismatch { .. } => Code::UnknownSigner,
            TlogError::NonFiniteNumber(_) => Code::InvalidJson,
        }
    }
}

/// Lowercase hex of a hash, as the wire format writes it.
pub fn hash_to_hex(h: &Hash) -> String {
    hex::encode(h)
}

/// Parse exactly 64 lowercase hex digits. Uppercase is rejected, never normalised.
pub fn hash_from_hex(s: &str) -> Result<Hash, TlogError> {
    let bad = || TlogError::InvalidHash(crate::code::excerpt(s, 80));
    if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad());
    }
    let mut h = [0u8; 32];
    hex::decode_to_slice(s, &mut h).map_err(|_| bad())?;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_lowercase() {
        let h: Hash = std::array::from_fn(|i| u8::try_from(i * 7).unwrap_or(0));
        let s = hash_to_hex(&h);
        assert_eq!(s.len(), 64);
        assert_eq!(hash_from_hex(&s).unwrap(), h);
    }

    #[test]
    fn rejects_uppercase_short_long_and_non_hex() {
        let good = "ab".repeat(32);
        assert!(hash_from_hex(&good).is_ok());
        for bad in [
            "AB".repeat(32),
            "ab".repeat(31),
            "ab".repeat(33),
            format!("{}zz", "ab".repeat(31)),
            String::new(),
            format!("{}é", "a".repeat(62)),
        ] {
            let err = hash_from_hex(&bad).unwrap_err();
            assert_eq!(err.code(), Code::InvalidRequest, "{bad}");
        }
    }
}

//! Write receipts (DESIGN §4 "Every write response carries") and their offline check, for
//! `cairn log verify RECEIPT`.
//!
//! Steps, each one check of the same name (see [`super::names`]):
//! 1. `receipt.parse` — the leaf hash and proof hashes are 64 lowercase hex digits, at most
//!    [`MAX_PROOF_HASHES`] of them.
//! 2. `checkpoint.signature` — the checkpoint is a signed note with a valid signature by the log
//!    key, and its origin is that key's name ([`open_checkpoint`]).
//! 3. `checkpoint.size` — the proof's `treeSize` is the signed tree size: a proof against any other
//!    size proves nothing about the signed root.
//! 4. `tlog.inclusion` — the audit path leads from the leaf hash at `logIndex` to the signed root.
//! 5. `leaf.hash` — with the leaf data: the receipt's leaf hash is RFC 6962's hash of it. Without
//!    it, skipped (waived): the receipt then proves only that *its* leaf hash is logged.
//! 6. `leaf.integratedTime` — with the leaf data: the receipt's `integratedTime` is the one inside
//!    the logged leaf. The field outside the leaf is unsigned; only the leaf authenticates it.
//!    Without the leaf data, skipped (waived) with that warning.

use super::merkle::{Hash, leaf_hash, verify_inclusion};
use super::note::{Checkpoint, NoteVerifier, open_checkpoint};
use super::{TlogError, hash_from_hex, hash_to_hex, names};
use crate::limits::MAX_PROOF_HASHES;
use crate::verify::{Check, Verdict, verdict_of};
use serde::{Deserialize, Serialize};

/// The `logEntry` of a write response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEntryReceipt {
    pub log_index: u64,
    /// Unix milliseconds.
    pub integrated_time: i64,
    /// Lowercase hex.
    pub leaf_hash: String,
    pub inclusion_proof: InclusionProof,
    /// The signed note of the checkpoint the proof leads to.
    pub checkpoint: String,
}

/// An audit path: the hashes (lowercase hex, leaf side first) for a tree of `tree_size` leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    pub tree_size: u64,
    pub hashes: Vec<String>,
}

/// The outcome of checking one receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptReport {
    pub checks: Vec<Check>,
    /// The verified checkpoint, when its signature checked out.
    pub checkpoint: Option<Checkpoint>,
}

impl ReceiptReport {
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.checks)
    }
}

/// Parse a receipt from JSON (a `logEntry` object).
pub fn parse_receipt(json: &[u8]) -> Result<LogEntryReceipt, serde_json::Error> {
    serde_json::from_slice(json)
}

/// [`verify_receipt`] on JSON bytes; a receipt that does not parse fails `receipt.parse`.
pub fn verify_receipt_json(
    json: &[u8],
    leaf_data: Option<&[u8]>,
    verifier: &NoteVerifier,
) -> ReceiptReport {
    match parse_receipt(json) {
        Ok(r) => verify_receipt(&r, leaf_data, verifier),
        Err(e) => {
            let detail = crate::code::excerpt(&e.to_string(), 300);
            let mut checks = vec![Check::fail(names::RECEIPT_PARSE, detail)];
            checks.extend(skipped_after_parse(leaf_data.is_some()));
            ReceiptReport {
                checks,
                checkpoint: None,
            }
        }
    }
}

fn skipped_after_parse(with_leaf: bool) -> Vec<Check> {
    let why = "the receipt did not parse";
    let mut checks = vec![
        Check::skipped(names::CHECKPOINT_SIGNATURE, why),
        Check::skipped(names::CHECKPOINT_SIZE, why),
        Check::skipped(names::TLOG_INCLUSION, why),
    ];
    if with_leaf {
        checks.push(Check::skipped(names::LEAF_HASH, why));
        checks.push(Check::skipped(names::LEAF_INTEGRATED_TIME, why));
    }
    checks
}

struct Parsed {
    leaf: Hash,
    proof: Vec<Hash>,
}

fn parse_hashes(r: &LogEntryReceipt) -> Result<Parsed, TlogError> {
    let len = r.inclusion_proof.hashes.len();
    if len > MAX_PROOF_HASHES {
        return Err(TlogError::ProofTooLong {
            len,
            max: MAX_PROOF_HASHES,
        });
    }
    let leaf = hash_from_hex(&r.leaf_hash)?;
    let proof = r
        .inclusion_proof
        .hashes
        .iter()
        .map(|h| hash_from_hex(h))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed { leaf, proof })
}

/// Check a receipt offline against the log's verifier key; with `leaf_data`, also that the
/// receipt is about exactly that leaf. Every step is a check; see the module docs.
pub fn verify_receipt(
    r: &LogEntryReceipt,
    leaf_data: Option<&[u8]>,
    verifier: &NoteVerifier,
) -> ReceiptReport {
    let subject = format!("log entry {}", r.log_index);
    let mut checks = Vec::new();

    // 1. Parse.
    let parsed = match parse_hashes(r) {
        Ok(p) => {
            checks.push(
                Check::pass(
                    names::RECEIPT_PARSE,
                    format!("leaf hash and {} proof hashes", p.proof.len()),
                )
                .about(&subject),
            );
            p
        }
        Err(e) => {
            checks.push(Check::fail(names::RECEIPT_PARSE, e.to_string()).about(&subject));
            checks.extend(skipped_after_parse(leaf_data.is_some()));
            return ReceiptReport {
                checks,
                checkpoint: None,
            };
        }
    };

    // 2. Checkpoint signature (and origin).
    let checkpoint = match open_checkpoint(&r.checkpoint, verifier) {
        Ok(cp) => {
            checks.push(
                Check::pass(
                    names::CHECKPOINT_SIGNATURE,
                    format!(
                        "signed by {}+{:08x}: size {}, root {}",
                        verifier.name(),
                        verifier.key_id(),
                        cp.size,
                        hash_to_hex(&cp.root)
                    ),
                )
                .about(&subject),
            );
            Some(cp)
        }
        Err(e) => {
            checks.push(Check::fail(names::CHECKPOINT_SIGNATURE, e.to_string()).about(&subject));
            None
        }
    };

    // 3. + 4. The proof is for the signed size, and leads to the signed root.
    match &checkpoint {
        None => {
            let why = "the checkpoint is not verified";
            checks.push(Check::skipped(names::CHECKPOINT_SIZE, why).about(&subject));
            checks.push(Check::skipped(names::TLOG_INCLUSION, why).about(&subject));
        }
        Some(cp) if cp.size != r.inclusion_proof.tree_size => {
            checks.push(
                Check::fail(
                    names::CHECKPOINT_SIZE,
                    format!(
                        "the proof is for tree size {}, the checkpoint signs size {}",
                        r.inclusion_proof.tree_size, cp.size
                    ),
                )
                .about(&subject),
            );
            checks.push(
                Check::skipped(
                    names::TLOG_INCLUSION,
                    "the proof is not for the signed tree size",
                )
                .about(&subject),
            );
        }
        Some(cp) => {
            checks.push(
                Check::pass(names::CHECKPOINT_SIZE, format!("tree size {}", cp.size))
                    .about(&subject),
            );
            let check =
                match verify_inclusion(&parsed.leaf, r.log_index, cp.size, &parsed.proof, &cp.root)
                {
                    Ok(()) => Check::pass(
                        names::TLOG_INCLUSION,
                        format!("index {} of {}", r.log_index, cp.size),
                    ),
                    Err(e) => Check::fail(names::TLOG_INCLUSION, e.to_string()),
                };
            checks.push(check.about(&subject));
        }
    }

    // 5. + 6. The leaf itself.
    match leaf_data {
        None => {
            checks.push(
                Check::skipped(
                    names::LEAF_HASH,
                    "no leaf data given: the receipt's leaf hash is taken as is",
                )
                .optional()
                .about(&subject),
            );
            checks.push(
                Check::skipped(
                    names::LEAF_INTEGRATED_TIME,
                    "no leaf data given: integratedTime is not authenticated",
                )
                .optional()
                .about(&subject),
            );
        }
        Some(data) => {
            let computed = leaf_hash(data);
            checks.push(
                if computed == parsed.leaf {
                    Check::pass(names::LEAF_HASH, hash_to_hex(&computed))
                } else {
                    Check::fail(
                        names::LEAF_HASH,
                        format!(
                            "the leaf data hashes to {}, the receipt names {}",
                            hash_to_hex(&computed),
                            r.leaf_hash
                        ),
                    )
                }
                .about(&subject),
            );
            checks.push(check_integrated_time(data, r.integrated_time).about(&subject));
        }
    }

    ReceiptReport { checks, checkpoint }
}

fn check_integrated_time(leaf_data: &[u8], claimed: i64) -> Check {
    let id = names::LEAF_INTEGRATED_TIME;
    let leaf: serde_json::Value = match serde_json::from_slice(leaf_data) {
        Ok(v) => v,
        Err(e) => return Check::fail(id, format!("the leaf data is not JSON: {e}")),
    };
    match leaf
        .get("integratedTime")
        .and_then(serde_json::Value::as_i64)
    {
        Some(t) if t == claimed => Check::pass(id, format!("{t}")),
        Some(t) => Check::fail(
            id,
            format!("the receipt says {claimed}, the logged leaf says {t}"),
        ),
        None => Check::fail(id, "the leaf data has no integer integratedTime"),
    }
}

//! Receipts: a good receipt passes every check; each tampering fails exactly the check that
//! guards it.

use crate::support::Store;
use cairn_core::tlog::{
    Checkpoint, Hash, InclusionProof, LogEntryReceipt, NoteSigner, NoteVerifier, ReceiptReport,
    canonical_json, hash_to_hex, inclusion_plan, leaf_hash, names, root_plan, verify_receipt,
    verify_receipt_json,
};
use cairn_core::verify::{Outcome, Verdict};
use serde_json::json;

const ORIGIN: &str = "cairn.test/log";

struct Log {
    signer: NoteSigner,
    leaf_data: Vec<Vec<u8>>,
    store: Store,
}

impl Log {
    fn new(entries: usize) -> Self {
        let signer = NoteSigner::from_seed(ORIGIN, &[42; 32]).unwrap();
        let leaf_data: Vec<Vec<u8>> = (0..entries)
            .map(|i| {
                let leaf = json!({
                    "kind": "attestation",
                    "contentId": format!("sha256:{}", hash_to_hex(&leaf_hash(&[i as u8]))),
                    "subjects": [format!("sha256:{}", "ab".repeat(32))],
                    "actor": "ci-web",
                    "integratedTime": 1_763_800_000_000_i64 + i as i64,
                });
                canonical_json(&leaf).unwrap().into_bytes()
            })
            .collect();
        let hashes: Vec<Hash> = leaf_data.iter().map(|d| leaf_hash(d)).collect();
        let mut store = Store::default();
        store.append(&hashes[..entries / 2]);
        store.append(&hashes[entries / 2..]);
        Self {
            signer,
            leaf_data,
            store,
        }
    }

    fn checkpoint(&self, size: u64) -> String {
        let root = self.store.answer(&root_plan(size)).unwrap()[0];
        let cp = Checkpoint {
            origin: ORIGIN.into(),
            size,
            root,
        };
        self.signer.sign(&cp.body()).unwrap()
    }

    /// The receipt of entry `index` against the checkpoint of `size`.
    fn receipt(&self, index: u64, size: u64) -> LogEntryReceipt {
        let proof = self
            .store
            .answer(&inclusion_plan(index, size).unwrap())
            .unwrap();
        LogEntryReceipt {
            log_index: index,
            integrated_time: 1_763_800_000_000 + index as i64,
            leaf_hash: hash_to_hex(&leaf_hash(&self.leaf_data[index as usize])),
            inclusion_proof: InclusionProof {
                tree_size: size,
                hashes: proof.iter().map(hash_to_hex).collect(),
            },
            checkpoint: self.checkpoint(size),
        }
    }

    fn verifier(&self) -> NoteVerifier {
        self.signer.verifier()
    }
}

fn outcomes(report: &ReceiptReport) -> Vec<(&'static str, Outcome)> {
    report.checks.iter().map(|c| (c.check, c.result)).collect()
}

fn failing(report: &ReceiptReport) -> Vec<&'static str> {
    report
        .checks
        .iter()
        .filter(|c| c.result != Outcome::Pass)
        .map(|c| c.check)
        .collect()
}

const ALL: [&str; 6] = [
    names::RECEIPT_PARSE,
    names::CHECKPOINT_SIGNATURE,
    names::CHECKPOINT_SIZE,
    names::TLOG_INCLUSION,
    names::LEAF_HASH,
    names::LEAF_INTEGRATED_TIME,
];

#[test]
fn good_receipts_pass_every_check() {
    let log = Log::new(13);
    let v = log.verifier();
    let mut checked = 0;
    for size in 1..=13u64 {
        for index in 0..size {
            let r = log.receipt(index, size);
            let report = verify_receipt(&r, Some(&log.leaf_data[index as usize]), &v);
            assert_eq!(
                outcomes(&report),
                ALL.iter().map(|n| (*n, Outcome::Pass)).collect::<Vec<_>>(),
                "entry {index} at size {size}: {:?}",
                report.checks
            );
            assert_eq!(report.verdict(), Verdict::Pass);
            assert_eq!(report.checkpoint.as_ref().map(|c| c.size), Some(size));
            checked += 1;
        }
    }
    assert_eq!(checked, 13 * 14 / 2);
}

#[test]
fn without_leaf_data_the_leaf_checks_are_waived_out_loud() {
    let log = Log::new(5);
    let report = verify_receipt(&log.receipt(3, 5), None, &log.verifier());
    assert_eq!(report.verdict(), Verdict::Pass);
    let skipped: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.result == Outcome::Skipped)
        .map(|c| (c.check, c.required))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (names::LEAF_HASH, false),
            (names::LEAF_INTEGRATED_TIME, false)
        ]
    );
    // And an unauthenticated integratedTime is then not caught: that is what the waiver says.
    let mut r = log.receipt(3, 5);
    r.integrated_time += 1;
    assert_eq!(
        verify_receipt(&r, None, &log.verifier()).verdict(),
        Verdict::Pass
    );
}

#[test]
fn the_receipt_json_is_camel_case_and_round_trips() {
    let log = Log::new(4);
    let r = log.receipt(2, 4);
    let text = serde_json::to_string(&r).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "checkpoint",
            "inclusionProof",
            "integratedTime",
            "leafHash",
            "logIndex"
        ]
    );
    assert!(v["inclusionProof"]["treeSize"].is_u64());
    assert!(v["inclusionProof"]["hashes"].is_array());
    let report = verify_receipt_json(text.as_bytes(), Some(&log.leaf_data[2]), &log.verifier());
    assert_eq!(report.verdict(), Verdict::Pass);
}

/// (what, tampered receipt, leaf data, the checks that must not pass).
type Case = (&'static str, LogEntryReceipt, Vec<u8>, Vec<&'static str>);

#[test]
fn every_tampering_fails_the_check_that_guards_it() {
    let log = Log::new(9);
    let (index, size) = (5u64, 9u64);
    let good = log.receipt(index, size);
    let data = log.leaf_data[index as usize].clone();
    let other_data = log.leaf_data[4].clone();
    let other = log.receipt(4, size);
    let other_signer = NoteSigner::from_seed(ORIGIN, &[7; 32]).unwrap();

    let with = |f: &dyn Fn(&mut LogEntryReceipt)| {
        let mut r = good.clone();
        f(&mut r);
        r
    };
    let not_run = [
        names::CHECKPOINT_SIGNATURE,
        names::CHECKPOINT_SIZE,
        names::TLOG_INCLUSION,
    ];
    let parse_failed = {
        let mut v = vec![names::RECEIPT_PARSE];
        v.extend(not_run);
        v.extend([names::LEAF_HASH, names::LEAF_INTEGRATED_TIME]);
        v
    };
    let cases: Vec<Case> = vec![
        (
            "another entry's leaf hash",
            with(&|r| r.leaf_hash = other.leaf_hash.clone()),
            data.clone(),
            vec![names::TLOG_INCLUSION, names::LEAF_HASH],
        ),
        (
            "another entry's leaf hash and proof",
            with(&|r| {
                r.leaf_hash = other.leaf_hash.clone();
                r.inclusion_proof = other.inclusion_proof.clone();
            }),
            data.clone(),
            vec![names::TLOG_INCLUSION, names::LEAF_HASH],
        ),
        (
            "another entry's leaf data",
            good.clone(),
            other_data.clone(),
            vec![names::LEAF_HASH, names::LEAF_INTEGRATED_TIME],
        ),
        (
            "another index",
            with(&|r| r.log_index = 4),
            data.clone(),
            vec![names::TLOG_INCLUSION],
        ),
        (
            "an index beyond the tree",
            with(&|r| r.log_index = 9),
            data.clone(),
            vec![names::TLOG_INCLUSION],
        ),
        (
            "a flipped proof bit",
            with(&|r| {
                let h = &mut r.inclusion_proof.hashes[1];
                let flipped = if h.starts_with('0') { "1" } else { "0" };
                h.replace_range(0..1, flipped);
            }),
            data.clone(),
            vec![names::TLOG_INCLUSION],
        ),
        (
            "a proof hash dropped",
            with(&|r| {
                r.inclusion_proof.hashes.pop();
            }),
            data.clone(),
            vec![names::TLOG_INCLUSION],
        ),
        (
            "a proof hash added",
            with(&|r| r.inclusion_proof.hashes.push("00".repeat(32))),
            data.clone(),
            vec![names::TLOG_INCLUSION],
        ),
        (
            "a proof for another tree size",
            with(&|r| r.inclusion_proof.tree_size = 8),
            data.clone(),
            vec![names::CHECKPOINT_SIZE, names::TLOG_INCLUSION],
        ),
        (
            "a proof and checkpoint swapped for an older size's proof",
            with(&|r| r.inclusion_proof = log.receipt(index, 6).inclusion_proof),
            data.clone(),
            vec![names::CHECKPOINT_SIZE, names::TLOG_INCLUSION],
        ),
        (
            "a tampered checkpoint size",
            with(&|r| r.checkpoint = r.checkpoint.replacen("\n9\n", "\n10\n", 1)),
            data.clone(),
            not_run.to_vec(),
        ),
        (
            "a checkpoint signed by another key",
            with(&|r| {
                let body = r.checkpoint.rsplit_once("\n\n").unwrap().0.to_owned() + "\n";
                r.checkpoint = other_signer.sign(&body).unwrap();
            }),
            data.clone(),
            not_run.to_vec(),
        ),
        (
            "a checkpoint without signature lines",
            with(&|r| r.checkpoint = r.checkpoint.rsplit_once("\n\n").unwrap().0.to_owned()),
            data.clone(),
            not_run.to_vec(),
        ),
        (
            "an integratedTime other than the logged one",
            with(&|r| r.integrated_time += 1),
            data.clone(),
            vec![names::LEAF_INTEGRATED_TIME],
        ),
        (
            "an uppercase leaf hash",
            with(&|r| r.leaf_hash = r.leaf_hash.to_uppercase()),
            data.clone(),
            parse_failed.clone(),
        ),
        (
            "a short proof hash",
            with(&|r| r.inclusion_proof.hashes[0].truncate(62)),
            data.clone(),
            parse_failed.clone(),
        ),
        (
            "more proof hashes than any tree needs",
            with(&|r| r.inclusion_proof.hashes = vec!["00".repeat(32); 66]),
            data.clone(),
            parse_failed.clone(),
        ),
    ];
    let v = log.verifier();
    let mut failures = Vec::new();
    for (what, receipt, leaf, expected) in &cases {
        let report = verify_receipt(receipt, Some(leaf), &v);
        if report.verdict() != Verdict::Fail || &failing(&report) != expected {
            failures.push(format!("{what}: {:#?}", report.checks));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(cases.len(), 17);

    // Leaf data that is not a Cairn leaf: the hash may match, the time cannot be authenticated.
    let junk = b"not json".to_vec();
    let mut r = good.clone();
    r.leaf_hash = hash_to_hex(&leaf_hash(&junk));
    let report = verify_receipt(&r, Some(&junk), &v);
    assert!(failing(&report).contains(&names::LEAF_INTEGRATED_TIME));
}

#[test]
fn unparseable_receipt_json_fails_to_parse_and_runs_nothing() {
    let log = Log::new(2);
    for text in ["", "{}", "not json", r#"{"logIndex": -1}"#] {
        let report = verify_receipt_json(text.as_bytes(), None, &log.verifier());
        assert_eq!(report.verdict(), Verdict::Fail);
        assert_eq!(
            failing(&report),
            vec![
                names::RECEIPT_PARSE,
                names::CHECKPOINT_SIGNATURE,
                names::CHECKPOINT_SIZE,
                names::TLOG_INCLUSION
            ],
            "{text}"
        );
    }
}

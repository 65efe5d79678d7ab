//! Published RFC 6962 test vectors of transparency-dev/merkle (`testonly/constants.go`,
//! `proof/verify_test.go`, `proof/proof_test.go`), embedded as data.

use crate::support::{Store, h};
use cairn_core::tlog::{
    Hash, NodeId, Plan, TlogError, consistency_plan, empty_root, inclusion_plan, leaf_hash,
    root_of, root_plan, verify_consistency, verify_inclusion,
};

/// `testonly.LeafInputs()`.
const LEAF_INPUTS: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// `testonly.NodeHashes()`: every perfect subtree of the 8-leaf tree, by level then index.
const NODE_HASHES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// `testonly.RootHashes()`: the root for every size 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// `verify_test.go` inclusionProofs: (1-based leaf, tree size, audit path).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        3,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        2,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// `verify_test.go` consistencyProofs: (size1, size2, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// `verify_test.go` sha256SomeHash, a hash that is nowhere in the tree.
const SOME_HASH: &str = "abacaba000000000000000000000000000000000000000000060061e00123456";

fn leaf_hashes() -> Vec<Hash> {
    LEAF_INPUTS
        .iter()
        .map(|x| leaf_hash(&hex::decode(x).unwrap()))
        .collect()
}

fn store() -> Store {
    Store::with_leaves(&leaf_hashes())
}

fn hashes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|x| h(x)).collect()
}

#[test]
fn leaf_hashes_match_the_published_level_zero() {
    let got = leaf_hashes();
    assert_eq!(got, hashes(NODE_HASHES[0]));
}

#[test]
fn one_by_one_appends_store_exactly_the_published_perfect_nodes() {
    let store = store();
    let mut expected = 0;
    for (level, row) in NODE_HASHES.iter().enumerate() {
        for (index, hex) in row.iter().enumerate() {
            let id = NodeId::new(level as u8, index as u64);
            assert_eq!(store.nodes.get(&id), Some(&h(hex)), "{id:?}");
            expected += 1;
        }
    }
    assert_eq!(expected, 15);
    assert_eq!(store.nodes.len(), expected);
}

#[test]
fn roots_of_every_size_match() {
    let leaves = leaf_hashes();
    let store = store();
    assert_eq!(empty_root(), h(ROOTS[0]));
    for (size, hex) in ROOTS.iter().enumerate() {
        let want = h(hex);
        assert_eq!(root_of(&leaves[..size]), want, "root_of size {size}");
        let got = store.answer(&root_plan(size as u64)).unwrap();
        assert_eq!(got, vec![want], "root_plan size {size}");
    }
    assert_eq!(ROOTS.len(), 9);
}

/// `corruptInclusionProof` of verify_test.go: each probe must be rejected.
fn inclusion_probes(
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
    leaf: &Hash,
) -> Vec<(String, Result<(), TlogError>)> {
    let some = h(SOME_HASH);
    let mut probes = vec![
        (
            "index - 1".to_owned(),
            verify_inclusion(leaf, index.wrapping_sub(1), size, proof, root),
        ),
        (
            "index + 1".to_owned(),
            verify_inclusion(leaf, index + 1, size, proof, root),
        ),
        (
            "index ^ 2".to_owned(),
            verify_inclusion(leaf, index ^ 2, size, proof, root),
        ),
        (
            "size * 2".to_owned(),
            verify_inclusion(leaf, index, size * 2, proof, root),
        ),
        (
            "size / 2".to_owned(),
            verify_inclusion(leaf, index, size / 2, proof, root),
        ),
        (
            "wrong leaf".to_owned(),
            verify_inclusion(&some, index, size, proof, root),
        ),
        (
            "empty root".to_owned(),
            verify_inclusion(leaf, index, size, proof, &empty_root()),
        ),
        (
            "random root".to_owned(),
            verify_inclusion(leaf, index, size, proof, &some),
        ),
    ];
    let mut extended = proof.to_vec();
    extended.push(*root);
    probes.push((
        "trailing root".into(),
        verify_inclusion(leaf, index, size, &extended, root),
    ));
    let mut prepended = vec![*root];
    prepended.extend_from_slice(proof);
    probes.push((
        "preceding root".into(),
        verify_inclusion(leaf, index, size, &prepended, root),
    ));
    for i in 0..proof.len() {
        let mut wrong = proof.to_vec();
        wrong[i][0] ^= 8;
        probes.push((
            format!("modified proof[{i}] bit 3"),
            verify_inclusion(leaf, index, size, &wrong, root),
        ));
    }
    if !proof.is_empty() {
        let removed = &proof[..proof.len() - 1];
        probes.push((
            "removed component".into(),
            verify_inclusion(leaf, index, size, removed, root),
        ));
    }
    if proof.len() > 1 {
        let mut inserted = vec![proof[0], some];
        inserted.extend_from_slice(&proof[1..]);
        probes.push((
            "inserted component".into(),
            verify_inclusion(leaf, index, size, &inserted, root),
        ));
    }
    probes
}

#[test]
fn published_inclusion_proofs_are_built_and_verified_and_corruptions_rejected() {
    let store = store();
    let leaves = leaf_hashes();
    let mut probes_run = 0;
    for (leaf1, size, proof) in INCLUSION {
        let index = leaf1 - 1;
        let want = hashes(proof);
        let root = h(ROOTS[size as usize]);
        let got = store.answer(&inclusion_plan(index, size).unwrap()).unwrap();
        assert_eq!(got, want, "plan for leaf {index} of {size}");
        let leaf = leaves[index as usize];
        verify_inclusion(&leaf, index, size, &want, &root).unwrap();
        for (name, result) in inclusion_probes(index, size, &want, &root, &leaf) {
            assert!(
                result.is_err(),
                "leaf {index} of {size}: probe {name} verified"
            );
            probes_run += 1;
        }
    }
    assert_eq!(INCLUSION.len(), 5);
    assert!(probes_run >= 5 * 10, "{probes_run}");
}

#[test]
fn published_bad_inclusion_parameters_are_rejected() {
    // TestVerifyInclusion probes: (index, size) pairs with no valid proof.
    let some = h(SOME_HASH);
    for (index, size) in [(0, 0), (0, 1), (1, 0), (2, 1)] {
        assert!(verify_inclusion(&some, index, size, &[], &empty_root()).is_err());
    }
    // TestVerifyInclusionSingleEntry: in a one-leaf tree the root is the leaf hash.
    let leaf = leaf_hash(b"data");
    assert_eq!(verify_inclusion(&leaf, 0, 1, &[], &leaf), Ok(()));
    assert!(verify_inclusion(&leaf, 0, 1, &[], &some).is_err());
    assert!(verify_inclusion(&some, 0, 1, &[], &leaf).is_err());
    // proof_test.go TestInclusion error cases.
    for (size, index) in [(0, 0), (0, 1), (1, 2), (0, 3), (7, 8)] {
        assert_eq!(
            inclusion_plan(index, size),
            Err(TlogError::IndexOutOfRange { index, size })
        );
    }
}

/// `corruptConsistencyProof` of verify_test.go.
fn consistency_probes(
    from: u64,
    to: u64,
    r1: &Hash,
    r2: &Hash,
    proof: &[Hash],
) -> Vec<(String, Result<(), TlogError>)> {
    let wrong = h(SOME_HASH);
    let mut probes = vec![
        (
            "size1 - 1".to_owned(),
            verify_consistency(from - 1, to, r1, r2, proof),
        ),
        (
            "size1 + 1".to_owned(),
            verify_consistency(from + 1, to, r1, r2, proof),
        ),
        (
            "size1 ^ 2".to_owned(),
            verify_consistency(from ^ 2, to, r1, r2, proof),
        ),
        (
            "size2 * 2".to_owned(),
            verify_consistency(from, to * 2, r1, r2, proof),
        ),
        (
            "size2 / 2".to_owned(),
            verify_consistency(from, to / 2, r1, r2, proof),
        ),
        (
            "wrong root1".to_owned(),
            verify_consistency(from, to, &wrong, r2, proof),
        ),
        (
            "wrong root2".to_owned(),
            verify_consistency(from, to, r1, &wrong, proof),
        ),
        (
            "swapped roots".to_owned(),
            verify_consistency(from, to, r2, r1, proof),
        ),
        (
            "empty proof".to_owned(),
            verify_consistency(from, to, r1, r2, &[]),
        ),
    ];
    for (name, extra) in [("trailing root1", r1), ("trailing root2", r2)] {
        let mut p = proof.to_vec();
        p.push(*extra);
        probes.push((name.into(), verify_consistency(from, to, r1, r2, &p)));
    }
    for (name, extra) in [
        ("preceding root1", r1),
        ("preceding root2", r2),
        ("preceding proof[0]", &proof[0]),
    ] {
        let mut p = vec![*extra];
        p.extend_from_slice(proof);
        probes.push((name.into(), verify_consistency(from, to, r1, r2, &p)));
    }
    probes.push((
        "truncated proof".into(),
        verify_consistency(from, to, r1, r2, &proof[..proof.len() - 1]),
    ));
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i][0] ^= 16;
        probes.push((
            format!("modified proof[{i}] bit 4"),
            verify_consistency(from, to, r1, r2, &p),
        ));
    }
    probes
}

#[test]
fn published_consistency_proofs_are_built_and_verified_and_corruptions_rejected() {
    let store = store();
    let mut probes_run = 0;
    for (from, to, proof) in CONSISTENCY {
        let want = hashes(proof);
        let (r1, r2) = (h(ROOTS[from as usize]), h(ROOTS[to as usize]));
        let got = store.answer(&consistency_plan(from, to).unwrap()).unwrap();
        assert_eq!(got, want, "plan {from} -> {to}");
        verify_consistency(from, to, &r1, &r2, &want).unwrap();
        if want.is_empty() {
            continue;
        }
        for (name, result) in consistency_probes(from, to, &r1, &r2, &want) {
            assert!(result.is_err(), "{from} -> {to}: probe {name} verified");
            probes_run += 1;
        }
    }
    assert_eq!(CONSISTENCY.len(), 5);
    assert!(probes_run >= 4 * 17, "{probes_run}");
}

#[test]
fn published_trivial_consistency_cases() {
    // TestVerifyConsistency, tightened: the root of size 0 must be the empty root.
    let (r1, r2) = (h(SOME_HASH), h(ROOTS[1]));
    let empty = empty_root();
    assert!(verify_consistency(0, 0, &r1, &r2, &[]).is_err());
    assert!(verify_consistency(1, 1, &r1, &r2, &[]).is_err());
    assert_eq!(verify_consistency(0, 0, &empty, &empty, &[]), Ok(()));
    assert_eq!(verify_consistency(0, 1, &empty, &r2, &[]), Ok(()));
    assert!(
        verify_consistency(0, 1, &r1, &r2, &[]).is_err(),
        "a size-0 root other than the empty root"
    );
    assert_eq!(verify_consistency(1, 1, &r2, &r2, &[]), Ok(()));
    assert!(
        verify_consistency(1, 0, &r1, &r2, &[]).is_err(),
        "time travel"
    );
    assert!(
        verify_consistency(2, 1, &r1, &r2, &[]).is_err(),
        "time travel"
    );
    assert!(
        verify_consistency(1, 2, &r2, &h(ROOTS[2]), &[]).is_err(),
        "empty proof"
    );
    // Roots match but the proof is not empty.
    for (a, b) in [(0, 0), (0, 1), (1, 1)] {
        assert!(verify_consistency(a, b, &empty, &empty, &[empty]).is_err());
    }
    // proof_test.go TestConsistency error cases.
    for (from, to) in [(5, 0), (9, 8)] {
        assert_eq!(
            consistency_plan(from, to),
            Err(TlogError::SizesOutOfOrder { from, to })
        );
    }
}

type Ids = &'static [(u8, u64)];
/// Positions [begin, end) of the proof elements hashed together into one.
type Rehash = Option<(usize, usize)>;
/// (tree size or size1, leaf index or size2, node ids, rehash).
type NodeCase = (u64, u64, Ids, Rehash);
/// A proof's node ids in transparency-dev's layout, and its rehash range.
type Layout = (Vec<(u8, u64)>, Rehash);

/// proof_test.go TestInclusion / TestConsistency: the node ids of each proof, in proof order,
/// where the ids in `rehash` (a half-open range of positions) are hashed together into one
/// proof element (an "ephemeral" node, listed smallest first).
const INCLUSION_NODES: &[NodeCase] = &[
    (1, 0, &[], None),
    (2, 0, &[(0, 1)], None),
    (2, 1, &[(0, 0)], None),
    (3, 1, &[(0, 0), (0, 2)], None),
    (7, 0, &[(0, 1), (1, 1), (0, 6), (1, 2)], Some((2, 4))),
    (7, 1, &[(0, 0), (1, 1), (0, 6), (1, 2)], Some((2, 4))),
    (7, 2, &[(0, 3), (1, 0), (0, 6), (1, 2)], Some((2, 4))),
    (7, 3, &[(0, 2), (1, 0), (0, 6), (1, 2)], Some((2, 4))),
    (7, 4, &[(0, 5), (0, 6), (2, 0)], None),
    (7, 5, &[(0, 4), (0, 6), (2, 0)], None),
    (7, 6, &[(1, 2), (2, 0)], None),
    (4, 2, &[(0, 3), (1, 0)], None),
    (5, 3, &[(0, 2), (1, 0), (0, 4)], None),
    (6, 3, &[(0, 2), (1, 0), (1, 2)], None),
    (6, 4, &[(0, 5), (2, 0)], None),
    (
        15,
        10,
        &[(0, 11), (1, 4), (0, 14), (1, 6), (3, 0)],
        Some((2, 4)),
    ),
    (
        31,
        24,
        &[(0, 25), (1, 13), (0, 30), (1, 14), (3, 2), (4, 0)],
        Some((2, 4)),
    ),
    (
        95,
        81,
        &[
            (0, 80),
            (1, 41),
            (2, 21),
            (0, 94),
            (1, 46),
            (2, 22),
            (4, 4),
            (6, 0),
        ],
        Some((3, 6)),
    ),
];

const CONSISTENCY_NODES: &[NodeCase] = &[
    (1, 2, &[(0, 1)], None),
    (1, 4, &[(0, 1), (1, 1)], None),
    (1, 6, &[(0, 1), (1, 1), (1, 2)], None),
    (2, 3, &[(0, 2)], None),
    (2, 8, &[(1, 1), (2, 1)], None),
    (
        3,
        7,
        &[(0, 2), (0, 3), (1, 0), (0, 6), (1, 2)],
        Some((3, 5)),
    ),
    (4, 7, &[(0, 6), (1, 2)], Some((0, 2))),
    (5, 7, &[(0, 4), (0, 5), (0, 6), (2, 0)], None),
    (6, 7, &[(1, 2), (0, 6), (2, 0)], None),
    (7, 8, &[(0, 6), (0, 7), (1, 2), (2, 0)], None),
    (1, 1, &[], None),
    (2, 2, &[], None),
    (3, 3, &[], None),
    (4, 4, &[], None),
    (5, 5, &[], None),
    (7, 7, &[], None),
    (8, 8, &[], None),
    (2, 4, &[(1, 1)], None),
    (3, 5, &[(0, 2), (0, 3), (1, 0), (0, 4)], None),
    (3, 6, &[(0, 2), (0, 3), (1, 0), (1, 2)], None),
    (4, 6, &[(1, 2)], None),
    (1, 7, &[(0, 1), (1, 1), (0, 6), (1, 2)], Some((2, 4))),
    (
        10,
        15,
        &[(1, 4), (1, 5), (0, 14), (1, 6), (3, 0)],
        Some((2, 4)),
    ),
    (
        24,
        31,
        &[(3, 2), (0, 30), (1, 14), (2, 6), (4, 0)],
        Some((1, 4)),
    ),
    (
        81,
        95,
        &[
            (0, 80),
            (0, 81),
            (1, 41),
            (2, 21),
            (0, 94),
            (1, 46),
            (2, 22),
            (4, 4),
            (6, 0),
        ],
        Some((4, 7)),
    ),
];

/// Our plan in transparency-dev's layout: each output's nodes smallest first, flattened, and
/// the position range of the one output made of several nodes.
fn layout(plan: &Plan) -> Layout {
    let mut flat = Vec::new();
    let mut rehash = None;
    for output in plan.outputs() {
        if output.len() > 1 {
            assert!(rehash.is_none(), "two ephemeral nodes in one proof");
            rehash = Some((flat.len(), flat.len() + output.len()));
        }
        flat.extend(output.iter().rev().map(|id| (id.level, id.index)));
    }
    (flat, rehash)
}

#[test]
fn plans_fetch_the_published_node_ids() {
    let mut cases = 0;
    for &(size, index, ids, rehash) in INCLUSION_NODES {
        let plan = inclusion_plan(index, size).unwrap();
        assert_eq!(
            layout(&plan),
            (ids.to_vec(), rehash),
            "inclusion {index} of {size}"
        );
        let mut want: Vec<NodeId> = ids.iter().map(|&(l, i)| NodeId::new(l, i)).collect();
        want.sort();
        assert_eq!(plan.nodes(), want.as_slice(), "inclusion {index} of {size}");
        cases += 1;
    }
    for &(from, to, ids, rehash) in CONSISTENCY_NODES {
        let plan = consistency_plan(from, to).unwrap();
        assert_eq!(
            layout(&plan),
            (ids.to_vec(), rehash),
            "consistency {from} -> {to}"
        );
        cases += 1;
    }
    assert_eq!(cases, 18 + 25);
}

//! Properties of the node-store protocol against the reference `root_of`.

use crate::support::{Store, leaves};
use cairn_core::tlog::{
    Hash, NodeId, consistency_plan, inclusion_plan, leaf_hash, root_of, root_plan,
    verify_consistency, verify_inclusion,
};
use proptest::prelude::*;
use std::collections::HashMap;

/// Every perfect subtree of a tree of `size` leaves, hashed from the leaves by `root_of`.
fn perfect_nodes(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
    let mut out = HashMap::new();
    for level in 0..u64::BITS {
        let width = 1usize << level;
        if width > leaves.len() {
            break;
        }
        for (index, chunk) in leaves.chunks_exact(width).enumerate() {
            out.insert(NodeId::new(level as u8, index as u64), root_of(chunk));
        }
    }
    out
}

/// Every plan for a tree of `size` uses only nodes that exist in that tree: a store answers
/// questions about past sizes with what it had then.
fn assert_within(nodes: &[NodeId], size: u64) {
    for id in nodes {
        assert!(
            (id.index + 1) << id.level <= size,
            "{id:?} is not a perfect subtree of a tree of {size}"
        );
    }
}

fn flip(proof: &[Hash], which: usize, byte: usize, bit: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    p[which][byte] ^= 1 << bit;
    p
}

/// Exhaustive over small trees: every (index, size) and every (from, to) up to 70 leaves.
#[test]
fn every_proof_of_every_small_tree_verifies_and_rejects_neighbours() {
    const N: usize = 70;
    let leaves = leaves(N, 0);
    let store = Store::with_leaves(&leaves);
    let roots: Vec<Hash> = (0..=N).map(|m| root_of(&leaves[..m])).collect();
    let mut checked = 0;
    for size in 0..=N as u64 {
        let root = &roots[size as usize];
        assert_eq!(store.answer(&root_plan(size)).unwrap(), vec![*root]);
        for index in 0..size {
            let plan = inclusion_plan(index, size).unwrap();
            assert_within(plan.nodes(), size);
            let proof = store.answer(&plan).unwrap();
            let leaf = &leaves[index as usize];
            verify_inclusion(leaf, index, size, &proof, root).unwrap();
            for other in [index.wrapping_sub(1), index + 1] {
                assert!(verify_inclusion(leaf, other, size, &proof, root).is_err());
            }
            // Another size is checked against that size's root: a checkpoint signs both.
            for other in [size - 1, size + 1] {
                if other > index && other <= N as u64 {
                    let r = &roots[other as usize];
                    assert!(verify_inclusion(leaf, index, other, &proof, r).is_err());
                }
            }
            checked += 1;
        }
        for from in 0..=size {
            let plan = consistency_plan(from, size).unwrap();
            assert_within(plan.nodes(), size);
            let proof = store.answer(&plan).unwrap();
            let old = &roots[from as usize];
            verify_consistency(from, size, old, root, &proof).unwrap();
            if from > 0 && from < size {
                assert!(verify_consistency(from, size, root, old, &proof).is_err());
                let stranger = leaf_hash(b"stranger");
                assert!(verify_consistency(from, size, &stranger, root, &proof).is_err());
                assert!(verify_consistency(from, size, old, &stranger, &proof).is_err());
                for i in 0..proof.len() {
                    let p = flip(&proof, i, 31, 0);
                    assert!(verify_consistency(from, size, old, root, &p).is_err());
                }
                let (a, b) = (from - 1, from + 1);
                assert!(verify_consistency(a, size, &roots[a as usize], root, &proof).is_err());
                if b <= size {
                    assert!(verify_consistency(b, size, &roots[b as usize], root, &proof).is_err());
                }
            }
            checked += 1;
        }
    }
    // N(N+1)/2 inclusion cases and (N+1)(N+2)/2 consistency cases.
    assert_eq!(checked, N * (N + 1) / 2 + (N + 1) * (N + 2) / 2);
}

/// The tree size is bound by the signed checkpoint, not by the audit path: the path of leaf 0 in
/// a tree of 3 also "verifies" leaf 0 in a tree of 4 whose root would be the 3-tree's root. This is
/// why receipts check `checkpoint.size`.
#[test]
fn an_audit_path_alone_does_not_bind_the_tree_size() {
    let leaves = leaves(3, 1);
    let store = Store::with_leaves(&leaves);
    let proof = store.answer(&inclusion_plan(0, 3).unwrap()).unwrap();
    let root3 = root_of(&leaves);
    assert_eq!(verify_inclusion(&leaves[0], 0, 3, &proof, &root3), Ok(()));
    assert_eq!(verify_inclusion(&leaves[0], 0, 4, &proof, &root3), Ok(()));
}

fn batches(total: usize, cuts: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (total + 1)).collect();
    points.push(0);
    points.push(total);
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| w[0]..w[1]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn batched_appends_store_every_perfect_node_and_answer_every_question(
        size in 1usize..=300,
        cuts in proptest::collection::vec(0usize..1000, 0..12),
        salt in any::<u64>(),
        past in any::<prop::sample::Index>(),
        pick in any::<prop::sample::Index>(),
        byte in 0usize..32,
        bit in 0u8..8,
    ) {
        let leaves = leaves(size, salt);
        // Batches in an arbitrary split give the same nodes as one-by-one appends, which are
        // exactly the perfect subtrees computed from the leaves.
        let mut batched = Store::default();
        for range in batches(size, &cuts) {
            batched.append(&leaves[range]);
        }
        let one_by_one = Store::with_leaves(&leaves);
        prop_assert_eq!(&batched.nodes, &one_by_one.nodes);
        prop_assert_eq!(&batched.nodes, &perfect_nodes(&leaves));
        prop_assert_eq!(batched.size, size as u64);

        let store = batched;
        let n = size as u64;
        let root = root_of(&leaves);
        prop_assert_eq!(store.answer(&root_plan(n)).unwrap(), vec![root]);

        // Every leaf of the whole tree and of one past size.
        let m = past.index(size) as u64 + 1;
        let root_m = root_of(&leaves[..m as usize]);
        prop_assert_eq!(store.answer(&root_plan(m)).unwrap(), vec![root_m]);
        for (tree, tree_root) in [(n, root), (m, root_m)] {
            for index in 0..tree {
                let plan = inclusion_plan(index, tree).unwrap();
                let proof = store.answer(&plan).unwrap();
                let leaf = &leaves[index as usize];
                prop_assert_eq!(verify_inclusion(leaf, index, tree, &proof, &tree_root), Ok(()));
                if !proof.is_empty() {
                    let which = pick.index(proof.len());
                    let bad = flip(&proof, which, byte, bit);
                    prop_assert!(verify_inclusion(leaf, index, tree, &bad, &tree_root).is_err());
                }
                let other = (index + 1 + pick.index(tree as usize) as u64) % tree;
                if other != index {
                    prop_assert!(verify_inclusion(leaf, other, tree, &proof, &tree_root).is_err());
                }
                let wrong_leaf = leaf_hash(b"not in the tree");
                prop_assert!(verify_inclusion(&wrong_leaf, index, tree, &proof, &tree_root).is_err());
            }
        }

        // Consistency from every size to the whole tree, and from every size to the past size.
        let roots: Vec<Hash> = (0..=size).map(|k| root_of(&leaves[..k])).collect();
        for (to, to_root) in [(n, root), (m, root_m)] {
            for from in 0..=to {
                let plan = consistency_plan(from, to).unwrap();
                let proof = store.answer(&plan).unwrap();
                let old = &roots[from as usize];
                prop_assert_eq!(verify_consistency(from, to, old, &to_root, &proof), Ok(()));
                if !proof.is_empty() {
                    let which = pick.index(proof.len());
                    let bad = flip(&proof, which, byte, bit);
                    prop_assert!(verify_consistency(from, to, old, &to_root, &bad).is_err());
                    let other = (from + 1 + pick.index(to as usize) as u64) % to;
                    if other != from {
                        let r = &roots[other as usize];
                        prop_assert!(verify_consistency(other, to, r, &to_root, &proof).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn untrusted_sizes_and_indexes_never_panic(
        index in any::<u64>(),
        size in any::<u64>(),
        from in any::<u64>(),
        to in any::<u64>(),
        len in 0usize..70,
    ) {
        let proof = vec![[7u8; 32]; len];
        let h = [1u8; 32];
        prop_assert!(verify_inclusion(&h, index, size, &proof, &h).is_err() || (len == 0 && index == 0 && size == 1));
        let _ = verify_consistency(from, to, &h, &h, &proof);
        if let Ok(plan) = inclusion_plan(index, size) {
            prop_assert!(plan.len() <= 64);
        }
        if let Ok(plan) = consistency_plan(from, to) {
            prop_assert!(plan.len() <= cairn_core::limits::MAX_PROOF_HASHES);
        }
        prop_assert_eq!(root_plan(size).nodes().len(), size.count_ones() as usize);
    }
}

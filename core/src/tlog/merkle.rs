//! RFC 6962 Merkle tree hashing, appends, proof plans and proof verification.
//!
//! Vocabulary: a *perfect* subtree ([`NodeId`]) at level L and index i covers the 2^L leaves
//! [i·2^L, (i+1)·2^L). Every hash RFC 6962 needs for a tree of size n (roots, audit paths,
//! consistency proofs) is the hash of a range [a, b) that starts at a multiple of a power of two
//! at least b − a; such a range splits into perfect subtrees by the binary digits of b − a
//! (largest first), and its RFC 6962 hash is those subtrees' hashes folded from the right. So a
//! store that keeps every perfect subtree hash can answer every question with one lookup of a
//! few dozen nodes, and a tree of size n never needs a node that a larger tree would change.

use super::TlogError;
use crate::limits::MAX_PROOF_HASHES;
use ring::digest;

/// A SHA-256 hash of a leaf or an interior node.
pub type Hash = [u8; 32];

/// RFC 6962 §2.1 leaf hash: SHA-256(0x00 || leaf data).
pub fn leaf_hash(leaf_data: &[u8]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[0x00]);
    ctx.update(leaf_data);
    to_hash(&ctx.finish())
}

/// RFC 6962 §2.1 interior node hash: SHA-256(0x01 || left || right). The distinct prefixes keep a
/// leaf from ever being passed off as an interior node (second-preimage attack).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(&[0x01]);
    ctx.update(left);
    ctx.update(right);
    to_hash(&ctx.finish())
}

/// The hash of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1).
pub fn empty_root() -> Hash {
    to_hash(&digest::digest(&digest::SHA256, b""))
}

fn to_hash(d: &digest::Digest) -> Hash {
    let mut h = [0u8; 32];
    // SHA-256 output is always 32 bytes.
    for (dst, src) in h.iter_mut().zip(d.as_ref()) {
        *dst = *src;
    }
    h
}

/// A perfect subtree: `level` L, `index` i covers leaves [i·2^L, (i+1)·2^L). Level 0 = a leaf hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }
}

/// The perfect subtrees covering [begin, begin + len), largest first. `begin` must be a multiple
/// of the largest power of two not above `len` (true for every range RFC 6962 hashes).
fn range_nodes(begin: u64, len: u64) -> Vec<NodeId> {
    let mut out = Vec::with_capacity(usize::try_from(len.count_ones()).unwrap_or(0));
    let mut pos = begin;
    for level in (0..64u8).rev() {
        if (len >> level) & 1 == 1 {
            out.push(NodeId::new(level, pos >> level));
            pos = pos.saturating_add(1u64 << level);
        }
    }
    out
}

/// The largest power of two strictly below `n` (n ≥ 2): RFC 6962's split point k.
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Perfect subtrees whose hashes must be fetched to append at `size` (the "frontier": the
/// decomposition of [0, size) into perfect subtrees, largest first).
pub fn frontier(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// Append `leaves` (leaf hashes) to a tree of `size` leaves whose frontier hashes are given (in
/// [`frontier`]`(size)` order). Returns every new perfect node, the new leaves at level 0
/// included, so a store that keeps all perfect nodes stays complete.
///
/// Fails if the frontier's node ids are not those of `frontier(size)` (the hashes themselves
/// cannot be checked here), or if the new size would overflow.
pub fn append(
    size: u64,
    frontier_hashes: &[(NodeId, Hash)],
    leaves: &[Hash],
) -> Result<Vec<(NodeId, Hash)>, TlogError> {
    let expected = frontier(size);
    if expected.len() != frontier_hashes.len()
        || expected
            .iter()
            .zip(frontier_hashes)
            .any(|(want, (got, _))| want != got)
    {
        return Err(TlogError::FrontierMismatch { size });
    }
    let overflow = TlogError::SizeOverflow {
        size,
        count: leaves.len(),
    };
    let count = u64::try_from(leaves.len()).map_err(|_| overflow.clone())?;
    let new_size = size.checked_add(count).ok_or(overflow)?;

    let mut stack: Vec<(NodeId, Hash)> = frontier_hashes.to_vec();
    let mut out = Vec::with_capacity(leaves.len().saturating_mul(2));
    for (index, leaf) in (size..new_size).zip(leaves) {
        let mut node = (NodeId::new(0, index), *leaf);
        out.push(node);
        // Like a binary counter's carry: equal levels on the stack are left and right siblings.
        while let Some(&(top_id, top_hash)) = stack.last() {
            if top_id.level != node.0.level {
                break;
            }
            stack.pop();
            node = (
                NodeId::new(top_id.level + 1, top_id.index >> 1),
                node_hash(&top_hash, &node.1),
            );
            out.push(node);
        }
        stack.push(node);
    }
    Ok(out)
}

/// What a store must fetch to answer a question, and how to assemble the answer from it.
///
/// Each output hash is the right fold of a list of perfect nodes; [`Plan::nodes`] is the
/// deduplicated union of those lists (fetch them in one query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    outputs: Vec<Vec<NodeId>>,
    nodes: Vec<NodeId>,
}

impl Plan {
    fn new(outputs: Vec<Vec<NodeId>>) -> Self {
        let mut nodes: Vec<NodeId> = outputs.iter().flatten().copied().collect();
        nodes.sort_unstable();
        nodes.dedup();
        Self { outputs, nodes }
    }

    /// The perfect nodes to fetch, deduplicated and sorted by (level, index).
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// For each hash [`Plan::assemble`] returns, the perfect nodes folded into it, largest (and
    /// leftmost) first. A single node is used as is; several are hashed right to left into one
    /// "ephemeral" node; none stands for the empty tree.
    pub fn outputs(&self) -> &[Vec<NodeId>] {
        &self.outputs
    }

    /// How many hashes [`Plan::assemble`] returns.
    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    /// True when the answer is an empty list (e.g. the inclusion proof in a one-leaf tree).
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// Assemble the answer from the fetched node hashes. A node `lookup` does not know is an
    /// error ([`TlogError::MissingNode`]): a store missing a node is inconsistent.
    pub fn assemble(
        &self,
        lookup: &dyn Fn(NodeId) -> Option<Hash>,
    ) -> Result<Vec<Hash>, TlogError> {
        self.outputs
            .iter()
            .map(|ids| fold_right(ids, lookup))
            .collect()
    }
}

fn fold_right(ids: &[NodeId], lookup: &dyn Fn(NodeId) -> Option<Hash>) -> Result<Hash, TlogError> {
    let get = |id: NodeId| lookup(id).ok_or(TlogError::MissingNode(id));
    let mut rest = ids.iter().rev();
    let Some(&last) = rest.next() else {
        return Ok(empty_root());
    };
    let mut acc = get(last)?;
    for &id in rest {
        acc = node_hash(&get(id)?, &acc);
    }
    Ok(acc)
}

/// The root of a tree of `size` leaves: `assemble()` returns `vec![root]` (the empty root for
/// size 0).
pub fn root_plan(size: u64) -> Plan {
    Plan::new(vec![frontier(size)])
}

/// The audit path (RFC 6962 §2.1.1 PATH, RFC 9162 §2.1.3.1) of leaf `index` in a tree of `size`
/// leaves, leaf side first.
pub fn inclusion_plan(index: u64, size: u64) -> Result<Plan, TlogError> {
    if index >= size {
        return Err(TlogError::IndexOutOfRange { index, size });
    }
    // Walk down from the root; each split contributes the hash of the side without the leaf.
    let (mut lo, mut hi) = (0u64, size);
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let k = split_point(hi - lo);
        if index < lo + k {
            siblings.push(range_nodes(lo + k, hi - lo - k));
            hi = lo + k;
        } else {
            siblings.push(range_nodes(lo, k));
            lo += k;
        }
    }
    siblings.reverse();
    Ok(Plan::new(siblings))
}

/// The consistency proof (RFC 6962 §2.1.2 PROOF, RFC 9162 §2.1.4.1) from tree size `from` to
/// tree size `to`. Empty when `from` is 0 or equals `to`.
pub fn consistency_plan(from: u64, to: u64) -> Result<Plan, TlogError> {
    if from > to {
        return Err(TlogError::SizesOutOfOrder { from, to });
    }
    if from == 0 || from == to {
        return Ok(Plan::new(Vec::new()));
    }
    // SUBPROOF(m, D[lo:hi], b), unrolled; `known` is b: whether the old root is already known to
    // the verifier as the subtree [lo, hi) itself.
    let (mut lo, mut hi) = (0u64, to);
    let mut known = true;
    let mut parts = Vec::new();
    loop {
        if from == hi {
            if !known {
                parts.push(range_nodes(lo, hi - lo));
            }
            break;
        }
        let k = split_point(hi - lo);
        if from - lo <= k {
            parts.push(range_nodes(lo + k, hi - lo - k));
            hi = lo + k;
        } else {
            parts.push(range_nodes(lo, k));
            lo += k;
            known = false;
        }
    }
    parts.reverse();
    Ok(Plan::new(parts))
}

fn check_proof_len(got: usize, expected: usize) -> Result<(), TlogError> {
    if got > MAX_PROOF_HASHES {
        return Err(TlogError::ProofTooLong {
            len: got,
            max: MAX_PROOF_HASHES,
        });
    }
    if got != expected {
        return Err(TlogError::ProofLength { expected, got });
    }
    Ok(())
}

/// Verify that `leaf` is leaf number `index` of the tree of `size` leaves whose root is `root`,
/// with the audit path `proof` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), TlogError> {
    if index >= size {
        return Err(TlogError::IndexOutOfRange { index, size });
    }
    // The path has one hash per level below the point where the paths to `index` and to the
    // last leaf part ("inner"), then one per perfect subtree on the right border above it.
    let last = size - 1;
    let inner = 64 - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    check_proof_len(
        proof.len(),
        usize::try_from(inner + border).unwrap_or(usize::MAX),
    )?;

    let (mut fnode, mut snode) = (index, last);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(TlogError::RootMismatch);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == *root {
        Ok(())
    } else {
        Err(TlogError::RootMismatch)
    }
}

/// Verify that the tree of size `to` with root `new_root` extends the tree of size `from` with
/// root `old_root` (RFC 9162 §2.1.4.2). For `from` = 0 the proof must be empty and `old_root`
/// the empty root; for `from` = `to` the proof must be empty and the roots equal.
pub fn verify_consistency(
    from: u64,
    to: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), TlogError> {
    if from > to {
        return Err(TlogError::SizesOutOfOrder { from, to });
    }
    if from == 0 || from == to {
        check_proof_len(proof.len(), 0)?;
        let expected_old = if from == 0 { empty_root() } else { *new_root };
        return if *old_root == expected_old {
            Ok(())
        } else {
            Err(TlogError::RootMismatch)
        };
    }
    check_proof_len(proof.len(), consistency_plan(from, to)?.len())?;

    // When the old tree is a perfect subtree its root is the first node of the path.
    let mut path = proof.iter();
    let first = if from.is_power_of_two() {
        *old_root
    } else {
        match path.next() {
            Some(h) => *h,
            None => {
                return Err(TlogError::ProofLength {
                    expected: 1,
                    got: 0,
                });
            }
        }
    };
    let (mut fnode, mut snode) = (from - 1, to - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (first, first);
    for c in path {
        if snode == 0 {
            return Err(TlogError::RootMismatch);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && fr == *old_root && sr == *new_root {
        Ok(())
    } else {
        Err(TlogError::RootMismatch)
    }
}

/// The root of a whole list of leaf hashes, by the recursive definition of RFC 6962 §2.1 (MTH).
/// A reference implementation, independent of the node store: used to recompute from leaves.
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => {
            // k = the largest power of two below len (≥ 2), so 0 < k < len.
            let n = leaves.len();
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            let (left, right) = leaves.split_at(k);
            node_hash(&root_of(left), &root_of(right))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn frontier_follows_the_binary_digits_of_the_size() {
        assert!(frontier(0).is_empty());
        assert_eq!(frontier(1), vec![NodeId::new(0, 0)]);
        assert_eq!(
            frontier(7),
            vec![NodeId::new(2, 0), NodeId::new(1, 2), NodeId::new(0, 6)]
        );
        assert_eq!(frontier(u64::MAX).len(), 64);
        assert_eq!(frontier(u64::MAX)[0], NodeId::new(63, 0));
        assert_eq!(frontier(u64::MAX)[63], NodeId::new(0, u64::MAX - 1));
    }

    #[test]
    fn split_point_is_the_largest_power_of_two_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn append_rejects_a_wrong_frontier_and_overflow() {
        let h = leaf_hash(b"x");
        assert_eq!(
            append(1, &[], &[h]),
            Err(TlogError::FrontierMismatch { size: 1 })
        );
        assert_eq!(
            append(1, &[(NodeId::new(0, 1), h)], &[h]),
            Err(TlogError::FrontierMismatch { size: 1 })
        );
        assert!(append(1, &[(NodeId::new(0, 0), h)], &[h]).is_ok());
        let top = frontier(u64::MAX)
            .into_iter()
            .map(|id| (id, h))
            .collect::<Vec<_>>();
        assert!(matches!(
            append(u64::MAX, &top, &[h]),
            Err(TlogError::SizeOverflow { .. })
        ));
        assert_eq!(append(u64::MAX, &top, &[]), Ok(Vec::new()));
    }

    #[test]
    fn plans_for_huge_trees_stay_small() {
        assert_eq!(inclusion_plan(0, u64::MAX).unwrap().len(), 64);
        assert_eq!(inclusion_plan(u64::MAX - 1, u64::MAX).unwrap().len(), 63);
        assert_eq!(
            inclusion_plan(1 << 62, u64::MAX).unwrap().nodes().len(),
            64 + 62
        );
        let c = consistency_plan(u64::MAX - 1, u64::MAX).unwrap();
        assert!(c.len() <= MAX_PROOF_HASHES);
        let c = consistency_plan((1 << 63) + 1, u64::MAX).unwrap();
        assert!(c.len() <= MAX_PROOF_HASHES);
    }
}

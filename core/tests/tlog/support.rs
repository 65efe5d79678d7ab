//! A toy node store, as the real store keeps it: every perfect subtree hash by id.

use cairn_core::tlog::{Hash, NodeId, Plan, TlogError, append, frontier, leaf_hash};
use std::collections::HashMap;

pub fn h(hex: &str) -> Hash {
    cairn_core::tlog::hash_from_hex(hex).unwrap()
}

/// Distinct leaf hashes, different for every `salt`.
pub fn leaves(n: usize, salt: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("leaf {salt} {i}").as_bytes()))
        .collect()
}

#[derive(Default, Clone)]
pub struct Store {
    pub size: u64,
    pub nodes: HashMap<NodeId, Hash>,
}

impl Store {
    /// Append one batch the way a store does: fetch the frontier, call `append`, keep every node.
    pub fn append(&mut self, batch: &[Hash]) {
        let front: Vec<(NodeId, Hash)> = frontier(self.size)
            .into_iter()
            .map(|id| (id, self.nodes[&id]))
            .collect();
        let new = append(self.size, &front, batch).unwrap();
        for (id, hash) in new {
            assert!(
                self.nodes.insert(id, hash).is_none(),
                "append returned {id:?} twice or an existing node"
            );
        }
        self.size += batch.len() as u64;
    }

    pub fn with_leaves(leaves: &[Hash]) -> Self {
        let mut s = Store::default();
        for leaf in leaves {
            s.append(std::slice::from_ref(leaf));
        }
        s
    }

    /// Assemble `plan` from exactly the nodes it declares: a node used but not declared in
    /// `plan.nodes()` is reported missing, so the declared list is proven complete.
    pub fn answer(&self, plan: &Plan) -> Result<Vec<Hash>, TlogError> {
        let declared = plan.nodes();
        plan.assemble(&|id| {
            if declared.binary_search(&id).is_ok() {
                self.nodes.get(&id).copied()
            } else {
                None
            }
        })
    }
}

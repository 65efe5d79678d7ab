//! The transparency log in the store: every write appended in its own transaction, proofs that
//! verify, a gap-free log under concurrent writers on one database, and tampering detected.

use crate::fixtures::{Backends, actor, attestation, key};
use cairn_core::Digest;
use cairn_core::predicate::SLSA_PROVENANCE_V1;
use cairn_core::time::Timestamp;
use cairn_core::tlog;
use cairn_store::{EntryKind, NewKey, PageRequest, RevocationReason};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_logged_with_proofs_that_verify() {
    for db in Backends::new().await {
        let l = db.label;
        let store = db.open().await;
        assert_eq!(store.log_size().await.unwrap(), 0, "{l}");
        let k = key();
        let new = NewKey {
            name: "ci".into(),
            public_key: k.public_key().clone(),
        };
        let (_, key_pos) = store
            .register_key(&new, Timestamp::from_unix_millis(10), &actor())
            .await
            .unwrap();
        assert_eq!(key_pos.unwrap().index, 0, "{l}");
        let digest = Digest::sha256_of(b"web");
        let mut positions = Vec::new();
        for i in 0..5 {
            let att = attestation(&k, &[("acme/web", &digest)], SLSA_PROVENANCE_V1);
            let stored = store
                .insert_attestations(&[att], Timestamp::from_unix_millis(20 + i), &actor())
                .await
                .unwrap();
            positions.push(stored[0].log.clone());
        }
        let (_, revoked) = store
            .revoke_key(
                k.public_key().keyid(),
                RevocationReason::Superseded,
                None,
                Timestamp::from_unix_millis(5),
                &actor(),
            )
            .await
            .unwrap()
            .unwrap();
        let revoked = revoked.unwrap();
        assert_eq!(revoked.index, 6, "{l}");
        // Integrated time never goes backwards, even when the caller's clock does.
        assert_eq!(revoked.integrated_time.unix_millis(), 24, "{l}");
        let size = store.log_size().await.unwrap();
        assert_eq!(size, 7, "{l}");
        for (i, p) in positions.iter().enumerate() {
            assert_eq!(p.index, i as u64 + 1, "{l}");
            assert_eq!(p.tree_size, p.index + 1, "{l}");
            // The proof computed in memory at append time is the one the stored subtrees give.
            let (proof, root) = p.proof.clone().expect("a fresh append carries its proof");
            assert_eq!(
                proof,
                store
                    .log_inclusion_proof(p.index, p.tree_size)
                    .await
                    .unwrap(),
                "{l}"
            );
            assert_eq!(root, store.log_root(p.tree_size).await.unwrap(), "{l}");
        }
        // Inclusion of every leaf in every later tree, consistency between every pair of sizes.
        let mut roots = vec![tlog::empty_root()];
        for n in 1..=size {
            roots.push(store.log_root(n).await.unwrap());
        }
        for index in 0..size {
            let entry = store.log_entry(index).await.unwrap().unwrap();
            assert_eq!(entry.leaf_hash, tlog::leaf_hash(&entry.body));
            for n in index + 1..=size {
                let proof = store.log_inclusion_proof(index, n).await.unwrap();
                tlog::verify_inclusion(&entry.leaf_hash, index, n, &proof, &roots[n as usize])
                    .unwrap_or_else(|e| panic!("{l}: inclusion {index} in {n}: {e}"));
            }
        }
        for from in 0..=size {
            for to in from..=size {
                let proof = store.log_consistency_proof(from, to).await.unwrap();
                tlog::verify_consistency(
                    from,
                    to,
                    &roots[from as usize],
                    &roots[to as usize],
                    &proof,
                )
                .unwrap_or_else(|e| panic!("{l}: consistency {from}->{to}: {e}"));
            }
        }
        // The leaf data is canonical JSON naming the write and its actor.
        let leaf: serde_json::Value =
            serde_json::from_slice(&store.log_entry(1).await.unwrap().unwrap().body).unwrap();
        assert_eq!(leaf["kind"], "attestation");
        assert_eq!(leaf["actor"], "test");
        assert_eq!(leaf["subjects"][0], digest.to_string());
        // History and events.
        let history = store
            .history(&digest.to_string(), PageRequest::new(Some(2), None))
            .await
            .unwrap();
        assert_eq!(history.items.len(), 2);
        let rest = store
            .history(
                &digest.to_string(),
                PageRequest::new(Some(10), history.next),
            )
            .await
            .unwrap();
        assert_eq!(rest.items.len(), 3, "{l}");
        assert!(rest.next.is_none());
        let keys = store
            .events(
                Some(EntryKind::KeyRevocation),
                None,
                PageRequest::new(None, None),
            )
            .await
            .unwrap();
        assert_eq!(keys.items.len(), 1);
        assert_eq!(keys.items[0].index, 6);
        // Re-posting returns the original entry; the self-check finds nothing wrong.
        let audit = store.audit_log().await.unwrap();
        assert!(audit.problems.is_empty(), "{l}: {:?}", audit.problems);
        assert_eq!(audit.root, roots[size as usize]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_database_build_one_gap_free_log() {
    for db in Backends::new().await {
        let l = db.label;
        // Two handles with their own pools and writers: what two server processes are.
        let a = db.open().await;
        let b = db.open().await;
        let k = std::sync::Arc::new(key());
        let mut tasks = Vec::new();
        for (n, store) in [a.clone(), b.clone()].into_iter().enumerate() {
            for i in 0..25 {
                let store = store.clone();
                let k = k.clone();
                tasks.push(tokio::spawn(async move {
                    let d = Digest::sha256_of(format!("{n}-{i}").as_bytes());
                    let att = attestation(&k, &[("acme/app", &d)], SLSA_PROVENANCE_V1);
                    store
                        .insert_attestations(&[att], Timestamp::from_unix_millis(i), &actor())
                        .await
                }));
            }
        }
        let mut indexes = Vec::new();
        let mut receipts = Vec::new();
        for t in tasks {
            let stored = t.await.unwrap().unwrap_or_else(|e| panic!("{l}: {e}"));
            indexes.push(stored[0].log.index);
            receipts.push(stored[0].log.clone());
        }
        // Proofs computed at append time (batches of concurrent uploads) verify too.
        for p in &receipts {
            let (proof, root) = p.proof.clone().unwrap();
            let entry = a.log_entry(p.index).await.unwrap().unwrap();
            tlog::verify_inclusion(&entry.leaf_hash, p.index, p.tree_size, &proof, &root)
                .unwrap_or_else(|e| panic!("{l}: {e}"));
            assert_eq!(root, a.log_root(p.tree_size).await.unwrap(), "{l}");
        }
        indexes.sort_unstable();
        assert_eq!(
            indexes,
            (0..50).collect::<Vec<u64>>(),
            "{l}: gap-free, no duplicates"
        );
        let audit = a.audit_log().await.unwrap();
        assert!(audit.problems.is_empty(), "{l}: {:?}", audit.problems);
        assert_eq!(audit.size, 50);
        assert_eq!(audit.root, b.log_root(50).await.unwrap(), "{l}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_with_data_or_log_rows_is_detected() {
    for db in Backends::new().await {
        let l = db.label;
        let store = db.open().await;
        let k = key();
        let mut ids = Vec::new();
        for i in 0..3 {
            let d = Digest::sha256_of(format!("t{i}").as_bytes());
            let att = attestation(&k, &[("acme/app", &d)], SLSA_PROVENANCE_V1);
            ids.push(att.content_id.to_string());
            store
                .insert_attestations(&[att], Timestamp::from_unix_millis(1), &actor())
                .await
                .unwrap();
        }
        assert!(store.audit_log().await.unwrap().problems.is_empty());
        sqlx::any::install_default_drivers();
        let raw = sqlx::AnyPool::connect(&db.url.connection_string())
            .await
            .unwrap();
        // 1. An attestation's bytes changed behind the server's back.
        sqlx::query("UPDATE attestations SET envelope = $1 WHERE id = $2")
            .bind(b"{}".to_vec())
            .bind(&ids[0])
            .execute(&raw)
            .await
            .unwrap();
        let problems = store.audit_log().await.unwrap().problems;
        assert!(
            problems
                .iter()
                .any(|p| p.contains(&ids[0]) && p.contains("altered")),
            "{l}: {problems:?}"
        );
        // 2. A log row rewritten (its data no longer matches its hash).
        sqlx::query("UPDATE log_leaves SET body = $1 WHERE idx = 1")
            .bind(b"{\"kind\":\"attestation\"}".to_vec())
            .execute(&raw)
            .await
            .unwrap();
        let problems = store.audit_log().await.unwrap().problems;
        assert!(
            problems.iter().any(|p| p.contains("log entry 1")),
            "{l}: {problems:?}"
        );
        // 3. A row deleted.
        sqlx::query("DELETE FROM log_subjects WHERE idx = 2")
            .execute(&raw)
            .await
            .unwrap();
        sqlx::query("DELETE FROM log_leaves WHERE idx = 2")
            .execute(&raw)
            .await
            .unwrap();
        let problems = store.audit_log().await.unwrap().problems;
        assert!(
            problems
                .iter()
                .any(|p| p.contains(&ids[2]) && p.contains("no log entry")),
            "{l}: {problems:?}"
        );
        raw.close().await;
    }
}

//! Store tests: every test runs against SQLite (a file in a temp dir) and, when
//! `CAIRN_TEST_DATABASE_URL` is set, against a fresh PostgreSQL database created for it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod fixtures;

use cairn_core::Digest;
use cairn_core::predicate::{CAIRN_SIGNATURE_V1, SLSA_PROVENANCE_V1};
use cairn_core::time::Timestamp;
use cairn_store::{AttestationFilter, Cursor, NewKey, PageRequest, StoreError};
use fixtures::{Backends, actor, attestation, key};

mod log;
mod pool;

#[tokio::test]
async fn migrations_are_idempotent() {
    for db in Backends::new().await {
        let store = db.open().await;
        assert!(store.migrate().await.unwrap().is_empty(), "{}", db.label);
        store.ping().await.unwrap();
    }
}

#[tokio::test]
async fn registers_keys_idempotently_and_refuses_a_second_name() {
    for db in Backends::new().await {
        let store = db.open().await;
        let k = key();
        let new = NewKey {
            name: "release".into(),
            public_key: k.public_key().clone(),
        };
        let now = Timestamp::from_unix_millis(1_000);
        let (stored, created) = store.register_key(&new, now, &actor()).await.unwrap();
        assert!(created.is_some());
        assert_eq!(&stored.keyid, k.public_key().keyid());
        let (_, again) = store.register_key(&new, now, &actor()).await.unwrap();
        assert!(
            again.is_none(),
            "{}: same key, same name is a no-op",
            db.label
        );
        let renamed = NewKey {
            name: "other".into(),
            ..new.clone()
        };
        let err = store
            .register_key(&renamed, now, &actor())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::KeyNameConflict { .. }),
            "{}: {err}",
            db.label
        );
        assert_eq!(store.keys().await.unwrap().len(), 1);
        assert_eq!(store.active_keys().await.unwrap().len(), 1);
        assert!(store.key(k.public_key().keyid()).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn stores_exact_bytes_and_indexes_every_subject() {
    for db in Backends::new().await {
        let store = db.open().await;
        let k = key();
        let image = Digest::sha256_of(b"web");
        let base = Digest::sha256_of(b"base");
        let att = attestation(
            &k,
            &[
                ("registry.example/acme/web", &image),
                ("registry.example/acme/base", &base),
            ],
            SLSA_PROVENANCE_V1,
        );
        let now = Timestamp::from_unix_millis(5_000);
        let stored = store
            .insert_attestations(std::slice::from_ref(&att), now, &actor())
            .await
            .unwrap();
        assert!(stored[0].created);
        assert_eq!(stored[0].id, Digest::sha256_of(&att.bytes));

        let record = store.attestation(&stored[0].id).await.unwrap().unwrap();
        assert_eq!(record.envelope, att.bytes, "{}: byte-identical", db.label);
        assert_eq!(record.summary.predicate_type, SLSA_PROVENANCE_V1);
        assert_eq!(
            record.summary.signers,
            vec![k.public_key().keyid().to_string()]
        );
        assert_eq!(record.subjects.len(), 2);

        for (digest, name) in [
            (&image, "registry.example/acme/web"),
            (&base, "registry.example/acme/base"),
        ] {
            let summary = store.artifact(digest).await.unwrap().unwrap();
            assert_eq!(summary.names, vec![name.to_owned()]);
            assert_eq!(summary.first_seen, now);
            assert_eq!(
                summary.attestations_by_type,
                vec![(SLSA_PROVENANCE_V1.to_owned(), 1)]
            );
        }
        assert!(
            store
                .artifact(&Digest::sha256_of(b"unknown"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            !store
                .artifact_exists(&Digest::sha256_of(b"unknown"))
                .await
                .unwrap()
        );
        assert!(store.artifact_exists(&image).await.unwrap(), "{}", db.label);
        assert!(
            store
                .attestation(&Digest::sha256_of(b"nope"))
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn reposting_identical_bytes_is_idempotent() {
    for db in Backends::new().await {
        let store = db.open().await;
        let k = key();
        let image = Digest::sha256_of(b"web");
        let att = attestation(
            &k,
            &[("registry.example/acme/web", &image)],
            SLSA_PROVENANCE_V1,
        );
        let first = store
            .insert_attestations(
                std::slice::from_ref(&att),
                Timestamp::from_unix_millis(1),
                &actor(),
            )
            .await
            .unwrap();
        let second = store
            .insert_attestations(
                std::slice::from_ref(&att),
                Timestamp::from_unix_millis(2),
                &actor(),
            )
            .await
            .unwrap();
        assert!(first[0].created && !second[0].created, "{}", db.label);
        assert_eq!(first[0].id, second[0].id);
        assert_eq!(
            second[0].received_at,
            Timestamp::from_unix_millis(1),
            "keeps the first receipt time"
        );
        let page = store
            .attestations_for(
                &image,
                &AttestationFilter::default(),
                PageRequest::new(None, None),
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1, "{}: no duplicate rows", db.label);
    }
}

#[tokio::test]
async fn lists_newest_first_with_cursor_pagination_and_filters() {
    for db in Backends::new().await {
        let store = db.open().await;
        let (ci, release) = (key(), key());
        let image = Digest::sha256_of(b"web");
        let subject = [("registry.example/acme/web", &image)];
        let mut ids = Vec::new();
        for i in 0..5 {
            let (signer, ty) = if i % 2 == 0 {
                (&ci, SLSA_PROVENANCE_V1)
            } else {
                (&release, CAIRN_SIGNATURE_V1)
            };
            let att = attestation(signer, &subject, ty);
            let stored = store
                .insert_attestations(&[att], Timestamp::from_unix_millis(i), &actor())
                .await
                .unwrap();
            ids.push(stored[0].id.clone());
        }
        let mut seen = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = store
                .attestations_for(
                    &image,
                    &AttestationFilter::default(),
                    PageRequest::new(Some(2), cursor),
                )
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|a| a.id.clone()));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        ids.reverse();
        assert_eq!(seen, ids, "{}: newest first, every item once", db.label);

        let by_type = AttestationFilter {
            predicate_type: Some(CAIRN_SIGNATURE_V1.into()),
            signer: None,
        };
        let page = store
            .attestations_for(&image, &by_type, PageRequest::new(None, None))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 2, "{}", db.label);
        assert!(
            page.items
                .iter()
                .all(|a| a.predicate_type == CAIRN_SIGNATURE_V1)
        );

        let by_signer = AttestationFilter {
            predicate_type: None,
            signer: Some(ci.public_key().keyid().clone()),
        };
        let page = store
            .attestations_for(&image, &by_signer, PageRequest::new(None, None))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3, "{}", db.label);
    }
}

#[tokio::test]
async fn committed_data_survives_reopening() {
    for db in Backends::new().await {
        let k = key();
        let image = Digest::sha256_of(b"web");
        let att = attestation(
            &k,
            &[("registry.example/acme/web", &image)],
            SLSA_PROVENANCE_V1,
        );
        {
            let store = db.open().await;
            store
                .insert_attestations(
                    std::slice::from_ref(&att),
                    Timestamp::from_unix_millis(1),
                    &actor(),
                )
                .await
                .unwrap();
            store.close().await;
        }
        let store = db.open().await;
        let record = store.attestation(&att.content_id).await.unwrap().unwrap();
        assert_eq!(record.envelope, att.bytes, "{}", db.label);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_uploads_are_group_committed_with_exact_outcomes() {
    for db in Backends::new().await {
        let store = db.open().await;
        let k = key();
        // 40 distinct attestations; every one is uploaded by two concurrent requests, and
        // request i also carries attestation i+1 (overlap across requests in one batch).
        let atts: Vec<_> = (0..41)
            .map(|i| {
                let d = Digest::sha256_of(format!("image {i}").as_bytes());
                attestation(&k, &[("registry.example/acme/app", &d)], SLSA_PROVENANCE_V1)
            })
            .collect();
        let mut tasks = Vec::new();
        for round in 0..2 {
            for i in 0..40 {
                let store = store.clone();
                let upload = vec![atts[i].clone(), atts[i + 1].clone()];
                tasks.push(tokio::spawn(async move {
                    let now = Timestamp::from_unix_millis(1_000 + round);
                    (i, store.insert_attestations(&upload, now, &actor()).await)
                }));
            }
        }
        let mut created_per_id: std::collections::HashMap<Digest, usize> = Default::default();
        for t in tasks {
            let (i, result) = t.await.unwrap();
            let stored = result.unwrap_or_else(|e| panic!("{}: upload {i}: {e}", db.label));
            assert_eq!(stored.len(), 2);
            assert_eq!(stored[0].id, atts[i].content_id);
            assert_eq!(stored[1].id, atts[i + 1].content_id);
            for s in stored {
                *created_per_id.entry(s.id).or_default() += usize::from(s.created);
            }
        }
        assert_eq!(created_per_id.len(), 41, "{}", db.label);
        assert!(
            created_per_id.values().all(|n| *n == 1),
            "{}: each id created exactly once: {created_per_id:?}",
            db.label
        );
        for att in &atts {
            let record = store.attestation(&att.content_id).await.unwrap().unwrap();
            assert_eq!(record.envelope, att.bytes);
            let digest = &att.statement.subjects[0].digests[0];
            let page = store
                .attestations_for(
                    digest,
                    &AttestationFilter::default(),
                    PageRequest::new(None, None),
                )
                .await
                .unwrap();
            assert_eq!(page.items.len(), 1, "{}: indexed once", db.label);
        }
    }
}

#[tokio::test]
async fn one_upload_may_carry_the_same_envelope_twice() {
    for db in Backends::new().await {
        let store = db.open().await;
        let k = key();
        let d = Digest::sha256_of(b"dup");
        let att = attestation(&k, &[("registry.example/acme/app", &d)], SLSA_PROVENANCE_V1);
        let stored = store
            .insert_attestations(
                &[att.clone(), att.clone()],
                Timestamp::from_unix_millis(7),
                &actor(),
            )
            .await
            .unwrap();
        assert_eq!(
            (stored[0].created, stored[1].created),
            (true, false),
            "{}",
            db.label
        );
        assert_eq!(stored[1].received_at, Timestamp::from_unix_millis(7));
    }
}

#[tokio::test]
async fn key_revocation_is_idempotent_may_tighten_and_never_relaxes() {
    use cairn_store::RevocationReason::{Compromised, Superseded};
    for db in Backends::new().await {
        let store = db.open().await;
        let k = key();
        let keyid = k.public_key().keyid().clone();
        let new = NewKey {
            name: "release".into(),
            public_key: k.public_key().clone(),
        };
        store
            .register_key(&new, Timestamp::from_unix_millis(1), &actor())
            .await
            .unwrap();
        let t = Timestamp::from_unix_millis;
        let revoked = store
            .revoke_key(&keyid, Superseded, None, t(10), &actor())
            .await
            .unwrap()
            .unwrap();
        let r = revoked.0.revocation.clone().unwrap();
        assert_eq!(
            (r.reason, r.revoked_at, r.compromised_since),
            (Superseded, t(10), None),
            "{}",
            db.label
        );
        assert!(store.active_keys().await.unwrap().is_empty());
        // Same again: no change, same time.
        let again = store
            .revoke_key(&keyid, Superseded, None, t(20), &actor())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.0.revocation.unwrap().revoked_at, t(10));
        // Tighten to compromised: keeps the original revocation time.
        let worse = store
            .revoke_key(&keyid, Compromised, Some(t(5)), t(30), &actor())
            .await
            .unwrap()
            .unwrap();
        let r = worse.0.revocation.unwrap();
        assert_eq!(
            (r.reason, r.revoked_at, r.compromised_since),
            (Compromised, t(10), Some(t(5)))
        );
        // Never relaxed.
        let err = store
            .revoke_key(&keyid, Superseded, None, t(40), &actor())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::RevocationConflict { .. }),
            "{}: {err}",
            db.label
        );
        // Unknown keys.
        let other = key();
        assert!(
            store
                .revoke_key(other.public_key().keyid(), Superseded, None, t(1), &actor())
                .await
                .unwrap()
                .is_none()
        );
    }
}

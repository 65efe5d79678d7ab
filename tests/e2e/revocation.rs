//! Key revocation end to end: a revoked key signs nothing new; what was stored stays stored.

use crate::helpers::{backends, sha256_of, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_cannot_sign_new_attestations() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        let image = format!("registry.example/acme/web@{}", sha256_of("web"));
        let (_, generated, _) = app.cairn_json(&["key", "generate", "--output-key-prefix", "old"]);
        let keyid = generated["keyid"].as_str().unwrap().to_owned();
        app.cairn(&["key", "register", "--name", "release", "old.pub"])
            .ok();
        let (_, first, _) = app.cairn_json(&["sign", "--key", "old.key", &image]);
        let first_id = first["attestations"][0]["id"].as_str().unwrap().to_owned();

        // Rotate: a new key under the same name, the old one superseded.
        app.cairn(&["key", "generate", "--output-key-prefix", "new"])
            .ok();
        app.cairn(&["key", "register", "--name", "release", "new.pub"])
            .ok();
        let (code, revoked, _) =
            app.cairn_json(&["key", "revoke", &keyid, "--reason", "superseded"]);
        assert_eq!(code, 0, "{l}: {revoked}");
        assert_eq!(
            (
                revoked["status"].as_str(),
                revoked["revocationReason"].as_str()
            ),
            (Some("revoked"), Some("superseded"))
        );

        let (code, out, _) = app.cairn_json(&["sign", "--key", "old.key", &image]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("key_revoked")),
            "{l}: {out}"
        );
        app.cairn(&["sign", "--key", "new.key", &image]).ok();
        // What the old key signed before is still stored and listed.
        let (_, listed, _) = app.cairn_json(&["attestations", &image]);
        let ids: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "{l}");
        assert!(ids.contains(&first_id.as_str()));

        // Tighten to compromised; never relax back.
        let (code, c, _) = app.cairn_json(&[
            "key",
            "revoke",
            &keyid,
            "--reason",
            "compromised",
            "--compromised-since",
            "2026-01-01T00:00:00Z",
        ]);
        assert_eq!(
            (code, c["compromisedSince"].as_str()),
            (0, Some("2026-01-01T00:00:00Z")),
            "{l}: {c}"
        );
        let (code, out, _) = app.cairn_json(&["key", "revoke", &keyid, "--reason", "superseded"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("conflict")),
            "{l}"
        );
        let (code, out, _) =
            app.cairn_json(&["key", "revoke", &"0".repeat(64), "--reason", "superseded"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("not_found")),
            "{l}"
        );
        let (code, out, _) = app.cairn_json(&["key", "revoke", "ABC", "--reason", "superseded"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("invalid_request")),
            "{l}"
        );
        let (code, out, _) = app.cairn_json(&[
            "key",
            "revoke",
            &keyid,
            "--reason",
            "compromised",
            "--compromised-since",
            "yesterday",
        ]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("invalid_request")),
            "{l}"
        );
        let run = app.cairn(&["key", "list"]).ok();
        assert!(
            run.stdout
                .lines()
                .any(|line| line.starts_with(&keyid) && line.contains("revoked")),
            "{}",
            run.stdout
        );
        app.stop().await;
    }
}

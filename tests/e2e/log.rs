//! The transparency log end to end: receipts on every write checked offline by `cairn log
//! verify`, `cairn log monitor` following the log and catching a rewritten history, and the
//! audit history of a digest.

use crate::helpers::{backends, sha256_of, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_verify_offline_and_the_monitor_catches_a_rewrite() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        app.cairn(&["key", "generate", "--output-key-prefix", "ci"])
            .ok();
        let (code, key, _) = app.cairn_json(&["key", "register", "--name", "ci", "ci.pub"]);
        assert_eq!(code, 0, "{l}: {key}");
        assert_eq!(key["logEntry"]["logIndex"], 0, "{l}: {key}");
        let vkey = app.cairn(&["log", "key"]).ok().stdout.trim().to_owned();
        assert!(vkey.starts_with("cairn.local/log+"), "{l}: {vkey}");

        // A signature's upload response carries a receipt; it verifies offline with the key.
        let image = format!("registry.example/acme/web@{}", sha256_of("web"));
        let (code, signed, _) = app.cairn_json(&["sign", "--key", "ci.key", &image]);
        assert_eq!(code, 0, "{l}");
        let receipt = &signed["attestations"][0]["logEntry"];
        assert_eq!(receipt["logIndex"], 1, "{l}: {signed}");
        assert!(
            receipt["checkpoint"]
                .as_str()
                .unwrap()
                .starts_with("cairn.local/log\n2\n")
        );
        std::fs::write(app.path("signed.json"), signed.to_string()).unwrap();
        let (code, report, _) =
            app.cairn_json(&["log", "verify", "signed.json", "--log-key", &vkey]);
        assert_eq!(code, 0, "{l}: {report}");
        assert_eq!(report["receipts"][0]["verdict"], "pass");

        // A tampered receipt, or the wrong key, fails with exit 1.
        let mut forged = signed.clone();
        forged["attestations"][0]["logEntry"]["leafHash"] = serde_json::json!("00".repeat(32));
        std::fs::write(app.path("forged.json"), forged.to_string()).unwrap();
        let run = app.cairn(&["log", "verify", "forged.json", "--log-key", &vkey]);
        assert_eq!(run.code, 1, "{l}: {}", run.stdout);
        let other = "other.example/log+01234567+AcXhK1bUZaUxJ6bvLZQ6KTwKUvWzP1rw8pLR+d/hgCsY";
        let run = app.cairn(&["log", "verify", "signed.json", "--log-key", other]);
        assert_ne!(run.code, 0, "{l}: {}", run.stdout);

        // The monitor pins the first checkpoint, then checks consistency on every run.
        app.cairn(&[
            "log",
            "monitor",
            "--state",
            "monitor.json",
            "--log-key",
            &vkey,
        ])
        .ok();
        let second = format!("registry.example/acme/api@{}", sha256_of("api"));
        app.cairn(&["sign", "--key", "ci.key", &second]).ok();
        let (code, seen, _) = app.cairn_json(&["log", "monitor", "--state", "monitor.json"]);
        assert_eq!(code, 0, "{l}: {seen}");
        assert_eq!(seen["treeSize"], 3);
        assert_eq!(seen["previousTreeSize"], 2);

        // Rewrite history behind the server's back: the first leaf's subtree hashes.
        let raw = raw_pool(&app).await;
        sqlx::query("UPDATE log_nodes SET hash = $1 WHERE idx = 0")
            .bind(vec![7u8; 32])
            .execute(&raw)
            .await
            .unwrap();
        let run = app.cairn(&["log", "monitor", "--state", "monitor.json"]);
        assert_eq!(run.code, 1, "{l}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("LOG INCONSISTENT"),
            "{l}: {}",
            run.stdout
        );
        raw.close().await;

        // The history of the digest: who wrote what, when, at which log index.
        let (code, history, _) = app.cairn_json(&["history", &image]);
        assert_eq!(code, 0, "{l}: {history}");
        let items = history["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{l}");
        assert_eq!(items[0]["type"], "attestation");
        assert_eq!(items[0]["actor"], "admin");
        assert_eq!(items[0]["logIndex"], 1);
        app.stop().await;
    }
}

/// A direct connection to the app's database (to play the attacker).
async fn raw_pool(app: &crate::helpers::TestApp) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&app.database.connection_string())
        .await
        .unwrap()
}

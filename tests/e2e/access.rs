//! Access control end to end: tokens created with the CLI, roles enforced, writer scopes, clear
//! messages on 401/403, and revocation taking effect at once.

use crate::helpers::{backends, sha256_of, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_writer_scopes_are_enforced() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        app.cairn(&["key", "generate", "--output-key-prefix", "ci"])
            .ok();
        app.cairn(&["key", "register", "--name", "ci", "ci.pub"])
            .ok();
        let token = |name: &str, role: &str, scopes: &[&str]| {
            let mut args = vec!["token", "create", "--name", name, "--role", role];
            for s in scopes {
                args.extend_from_slice(&["--scope", s]);
            }
            let run = app.cairn(&args).ok();
            let secret = run.stdout.trim().to_owned();
            assert!(secret.starts_with("cairn_"), "{l}: {}", run.stdout);
            assert!(
                run.stderr.contains("shown only once"),
                "{l}: {}",
                run.stderr
            );
            secret
        };
        let web_writer = token("ci-web", "writer", &["registry.example/acme/web"]);
        let reader = token("deploy", "reader", &[]);

        let web = format!("registry.example/acme/web@{}", sha256_of("web"));
        let api = format!("registry.example/acme/api@{}", sha256_of("api"));
        // In scope: accepted.
        app.cairn_as(Some(&web_writer), &["sign", "--key", "ci.key", &web])
            .ok();
        // Out of scope: 403 forbidden, nothing stored.
        let run = app.cairn_as(Some(&web_writer), &["sign", "--key", "ci.key", &api]);
        assert_eq!(run.code, 2, "{l}: {}", run.stderr);
        assert!(run.stderr.contains("forbidden"), "{l}: {}", run.stderr);
        assert!(
            run.stderr.contains("registry.example/acme/web"),
            "{l}: {}",
            run.stderr
        );
        let (code, _, _) = app.cairn_json(&["artifact", "show", &sha256_of("api")]);
        assert_eq!(
            code, 2,
            "{l}: the out-of-scope attestation must not be stored"
        );

        // A writer cannot read; a reader cannot write or manage keys.
        let run = app.cairn_as(Some(&web_writer), &["artifact", "show", &sha256_of("web")]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("requires role reader, auditor, admin"),
            "{l}: {}",
            run.stderr
        );
        app.cairn_as(Some(&reader), &["artifact", "show", &sha256_of("web")])
            .ok();
        let run = app.cairn_as(Some(&reader), &["sign", "--key", "ci.key", &web]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("forbidden"), "{l}: {}", run.stderr);
        let run = app.cairn_as(Some(&reader), &["key", "list"]);
        assert!(
            run.stderr.contains("requires role admin"),
            "{l}: {}",
            run.stderr
        );

        // No token: 401 with a hint; the token never appears in any output.
        let run = app.cairn_as(None, &["artifact", "show", &sha256_of("web")]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("CAIRN_TOKEN"), "{l}: {}", run.stderr);
        let run = app.cairn_as(Some(&reader), &["--output", "json", "key", "list"]);
        assert!(!run.stdout.contains(&reader) && !run.stderr.contains(&reader));

        // Revoked: rejected at once.
        let (_, list, _) = app.cairn_json(&["token", "list"]);
        let id = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "deploy")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.cairn(&["token", "revoke", &id]).ok();
        let run = app.cairn_as(Some(&reader), &["artifact", "show", &sha256_of("web")]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("revoked"), "{l}: {}", run.stderr);
        app.stop().await;
    }
}

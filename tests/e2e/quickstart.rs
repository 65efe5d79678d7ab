//! The README quickstart, command for command.

use crate::helpers::{backends, sha256_of, spawn_app, testdata};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_generate_register_attest_sign_list_verify() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        let digest = sha256_of("web image");
        let image = format!("registry.example/acme/web@{digest}");
        std::fs::copy(
            testdata("dsse/sigstore-python/slsa_predicate_v1_0.json"),
            app.path("provenance.json"),
        )
        .unwrap();

        // cairn key generate --output-key-prefix release
        let (code, generated, _) =
            app.cairn_json(&["key", "generate", "--output-key-prefix", "release"]);
        assert_eq!(code, 0, "{l}");
        let keyid = generated["keyid"].as_str().unwrap().to_owned();
        let key_pem = std::fs::read_to_string(app.path("release.key")).unwrap();
        assert!(key_pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.path("release.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{l}: private key is owner-only");
        // Refuses to overwrite.
        assert_eq!(
            app.cairn(&["key", "generate", "--output-key-prefix", "release"])
                .code,
            2
        );

        // cairn key register --name release release.pub
        let (code, registered, _) =
            app.cairn_json(&["key", "register", "--name", "release", "release.pub"]);
        assert_eq!(code, 0, "{l}");
        assert_eq!(registered["keyid"], keyid.as_str());
        assert_eq!(registered["status"], "active");

        // cairn attest --key release.key --type slsaprovenance1 --predicate provenance.json IMAGE
        let (code, attested, err) = app.cairn_json(&[
            "attest",
            "--key",
            "release.key",
            "--type",
            "slsaprovenance1",
            "--predicate",
            "provenance.json",
            "--output-file",
            "provenance.dsse.json",
            &image,
        ]);
        assert_eq!(code, 0, "{l}: {err}");
        let att = &attested["attestations"][0];
        assert_eq!(att["created"], true);
        assert_eq!(att["predicateType"], "https://slsa.dev/provenance/v1");
        assert_eq!(att["subjects"][0]["digest"], digest.as_str());
        assert_eq!(att["signers"][0]["keyid"], keyid.as_str());
        let provenance_id = att["id"].as_str().unwrap().to_owned();

        // Read back byte-identical.
        let sent = std::fs::read(app.path("provenance.dsse.json")).unwrap();
        let got = app.get(&format!("/v1/attestations/{provenance_id}")).await;
        assert_eq!(got.status(), 200);
        assert_eq!(
            got.headers()["content-type"],
            "application/vnd.dsse.envelope.v1+json"
        );
        assert_eq!(
            got.bytes().await.unwrap().to_vec(),
            sent,
            "{l}: byte-identical envelope"
        );

        // cairn sign --key release.key IMAGE
        let run = app
            .cairn(&[
                "sign",
                "--key",
                "release.key",
                "--output-file",
                "signature.dsse.json",
                &image,
            ])
            .ok();
        assert!(run.stdout.contains("stored sha256:"), "{l}: {}", run.stdout);

        // cairn attestations DIGEST (newest first) and cairn artifact show
        let (code, listed, _) = app.cairn_json(&["attestations", &digest]);
        assert_eq!(code, 0);
        let types: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["predicateType"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "https://cairn.dev/signature/v1",
                "https://slsa.dev/provenance/v1"
            ],
            "{l}"
        );
        let (code, only, _) =
            app.cairn_json(&["attestations", &image, "--type", "slsaprovenance1"]);
        assert_eq!(code, 0);
        assert_eq!(only["items"].as_array().unwrap().len(), 1);
        let (code, paged, _) = app.cairn_json(&["attestations", &digest, "--limit", "1"]);
        assert_eq!(code, 0);
        let cursor = paged["nextCursor"].as_str().unwrap().to_owned();
        let (_, second, _) =
            app.cairn_json(&["attestations", &digest, "--limit", "1", "--cursor", &cursor]);
        assert_eq!(second["items"][0]["id"], provenance_id.as_str());
        assert!(second.get("nextCursor").is_none());
        let (code, artifact, _) = app.cairn_json(&["artifact", "show", &image]);
        assert_eq!(code, 0);
        assert_eq!(artifact["names"][0], "registry.example/acme/web");
        assert_eq!(artifact["attestations"]["total"], 2);
        let human = app.cairn(&["artifact", "show", &digest]).ok();
        assert!(human.stdout.contains("registry.example/acme/web"));

        // cairn verify-dsse --key release.pub --digest DIGEST signature.dsse.json (offline)
        let (code, report, _) = app.cairn_json(&[
            "verify-dsse",
            "--key",
            "release.pub",
            "--digest",
            &digest,
            "signature.dsse.json",
        ]);
        assert_eq!(code, 0, "{l}: {report}");
        assert_eq!(report["verdict"], "pass");
        let checks: Vec<&str> = report["envelopes"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["check"].as_str().unwrap())
            .collect();
        assert_eq!(
            checks,
            [
                "dsse.envelope",
                "dsse.signature",
                "statement.payloadType",
                "statement.parse",
                "statement.subject"
            ]
        );
        let other = sha256_of("another image");
        let (code, report, _) = app.cairn_json(&[
            "verify-dsse",
            "--key",
            "release.pub",
            "--digest",
            &other,
            "signature.dsse.json",
        ]);
        assert_eq!(
            (code, report["verdict"].as_str()),
            (1, Some("fail")),
            "{l}: wrong digest is exit 1"
        );

        // cairn key list
        let run = app.cairn(&["key", "list"]).ok();
        assert!(run.stdout.contains(&keyid) && run.stdout.contains("release"));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reposting_identical_bytes_is_idempotent_and_json_lines_are_accepted() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        let a = sha256_of("a");
        let b = sha256_of("b");
        app.cairn(&[
            "key",
            "generate",
            "--output-key-prefix",
            "ci",
            "--no-password",
        ])
        .ok();
        app.cairn(&["key", "register", "--name", "ci", "ci.pub"])
            .ok();
        // --no-password keys are encrypted with the empty password, as cosign does.
        let sign = |image: &str, file: &str| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
                .args([
                    "sign",
                    "--key",
                    "ci.key",
                    "--no-upload",
                    "--output-file",
                    file,
                    image,
                ])
                .current_dir(app.dir.path())
                .env("CAIRN_PASSWORD", "")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        sign(&format!("registry.example/acme/a@{a}"), "a.json");
        sign(&format!("registry.example/acme/b@{b}"), "b.json");

        let (code, first, _) = app.cairn_json(&["push", "a.json"]);
        assert_eq!(
            (code, &first["attestations"][0]["created"]),
            (0, &serde_json::json!(true)),
            "{l}"
        );
        let (code, again, _) = app.cairn_json(&["push", "a.json"]);
        assert_eq!(code, 0);
        assert_eq!(
            again["attestations"][0]["created"], false,
            "{l}: idempotent"
        );
        assert_eq!(
            again["attestations"][0]["id"],
            first["attestations"][0]["id"]
        );
        let (_, listed, _) = app.cairn_json(&["attestations", &a]);
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            1,
            "{l}: no duplicate rows"
        );

        // JSON lines (cosign attest --output-file): a.json again plus b.json, all or nothing.
        let lines = format!(
            "{}\n{}\n",
            std::fs::read_to_string(app.path("a.json")).unwrap(),
            std::fs::read_to_string(app.path("b.json")).unwrap()
        );
        std::fs::write(app.path("both.jsonl"), lines).unwrap();
        let (code, both, _) = app.cairn_json(&["push", "both.jsonl"]);
        assert_eq!(code, 0, "{l}: {both}");
        let created: Vec<bool> = both["attestations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["created"].as_bool().unwrap())
            .collect();
        assert_eq!(created, [false, true]);
        let (code, _, _) = app.cairn_json(&["artifact", "show", &b]);
        assert_eq!(code, 0);
        app.stop().await;
    }
}

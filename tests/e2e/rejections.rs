//! Bad input gets its own code, nothing is stored, and earlier data stays intact.

use crate::helpers::{backends, load_key, sha256_of, sign_payload, spawn_app};
use cairn_core::dsse::IN_TOTO_PAYLOAD_TYPE;

fn statement(subjects: &str) -> Vec<u8> {
    format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":{subjects},"predicateType":"https://slsa.dev/provenance/v1","predicate":{{}}}}"#
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_upload_is_rejected_with_its_own_code_and_nothing_is_stored() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        let digest = sha256_of("web");
        let image = format!("registry.example/acme/web@{digest}");
        app.cairn(&["key", "generate", "--output-key-prefix", "release"])
            .ok();
        app.cairn(&["key", "generate", "--output-key-prefix", "stranger"])
            .ok();
        app.cairn(&["key", "register", "--name", "release", "release.pub"])
            .ok();
        app.cairn(&[
            "sign",
            "--key",
            "release.key",
            "--output-file",
            "good.json",
            &image,
        ])
        .ok();
        let good = std::fs::read(app.path("good.json")).unwrap();
        let release = load_key(&app.path("release.key"));
        let stranger = load_key(&app.path("stranger.key"));

        let mut env: serde_json::Value = serde_json::from_slice(&good).unwrap();
        let b64 = |v: &serde_json::Value| {
            cairn_core::encoding::decode_base64(v.as_str().unwrap()).unwrap()
        };
        let mut payload = b64(&env["payload"]);
        let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();

        payload[20] ^= 0x01;
        env["payload"] = cairn_core::encoding::encode_base64(&payload).into();
        cases.push((
            "tampered payload byte",
            serde_json::to_vec(&env).unwrap(),
            "signature_invalid",
        ));

        let mut env: serde_json::Value = serde_json::from_slice(&good).unwrap();
        let mut sig = b64(&env["signatures"][0]["sig"]);
        let last = sig.len() - 2;
        sig[last] ^= 0x01;
        env["signatures"][0]["sig"] = cairn_core::encoding::encode_base64(&sig).into();
        cases.push((
            "tampered signature",
            serde_json::to_vec(&env).unwrap(),
            "signature_invalid",
        ));

        let subject = format!(
            r#"[{{"name":"registry.example/acme/web","digest":{{"sha256":"{}"}}}}]"#,
            &digest[7..]
        );
        cases.push((
            "wrong key",
            sign_payload(&stranger, IN_TOTO_PAYLOAD_TYPE, &statement(&subject)).into_bytes(),
            "unknown_signer",
        ));
        cases.push((
            "non-in-toto payload",
            sign_payload(&release, "text/plain", b"hello world").into_bytes(),
            "invalid_statement",
        ));
        cases.push((
            "empty subject list",
            sign_payload(&release, IN_TOTO_PAYLOAD_TYPE, &statement("[]")).into_bytes(),
            "invalid_statement",
        ));
        let bad_digest = format!(
            r#"[{{"name":"x","digest":{{"sha256":"{}"}}}}]"#,
            digest[7..].to_uppercase()
        );
        cases.push((
            "malformed digest",
            sign_payload(&release, IN_TOTO_PAYLOAD_TYPE, &statement(&bad_digest)).into_bytes(),
            "invalid_digest",
        ));
        cases.push((
            "garbage JSON",
            b"{\"payloadType\": oops".to_vec(),
            "invalid_json",
        ));
        cases.push((
            "not an envelope",
            b"{\"hello\": \"world\"}".to_vec(),
            "invalid_envelope",
        ));
        let mut big = good.clone();
        big.extend(std::iter::repeat_n(b' ', 4 * 1024 * 1024));
        cases.push(("oversized body", big, "payload_too_large"));

        let mut failures = Vec::new();
        for (name, body, code) in &cases {
            let file = app.path("case.json");
            std::fs::write(&file, body).unwrap();
            let (exit, out, stderr) = app.cairn_json(&["push", "case.json"]);
            let got = out["error"]["code"].as_str().unwrap_or("");
            if exit != 2 || got != *code {
                failures.push(format!(
                    "{name}: exit {exit}, code {got:?} (want 2, {code:?}); {stderr}"
                ));
            }
            // Nothing was stored under the rejected bytes' content id.
            let id = cairn_core::Digest::sha256_of(body);
            let status = app.get(&format!("/v1/attestations/{id}")).await.status();
            if status != 404 {
                failures.push(format!("{name}: rejected bytes are retrievable ({status})"));
            }
        }
        assert!(failures.is_empty(), "{l}: {failures:#?}");

        // The HTTP statuses behind the codes.
        let client = app.http();
        let status_of = |body: Vec<u8>| {
            let c = client.clone();
            let url = format!("{}/v1/attestations", app.base_url);
            async move {
                c.post(url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let r = status_of(b"nope".to_vec()).await;
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        assert_eq!(status_of(cases[0].1.clone()).await.status(), 422);
        assert_eq!(
            status_of(cases.last().unwrap().1.clone()).await.status(),
            413
        );

        // Earlier data is intact.
        let (_, listed, _) = app.cairn_json(&["attestations", &digest]);
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{l}");
        let id = items[0]["id"].as_str().unwrap();
        let bytes = app
            .get(&format!("/v1/attestations/{id}"))
            .await
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            bytes.to_vec(),
            good,
            "{l}: earlier envelope still byte-identical"
        );
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_and_bad_local_input_exit_2_with_codes() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        // Malformed digest argument: caught locally.
        let (code, out, _) = app.cairn_json(&["artifact", "show", "sha256:ABC"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("invalid_digest")),
            "{l}"
        );
        // Unknown artifact: the server's not_found.
        let (code, out, _) = app.cairn_json(&["artifact", "show", &sha256_of("nothing")]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("not_found")),
            "{l}"
        );
        // A file that is not a public key.
        std::fs::write(
            app.path("bad.pub"),
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        let (code, out, _) = app.cairn_json(&["key", "register", "--name", "x", "bad.pub"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("invalid_key")),
            "{l}"
        );
        // Image reference without a digest.
        app.cairn(&["key", "generate", "--output-key-prefix", "k"])
            .ok();
        let (code, out, _) =
            app.cairn_json(&["sign", "--key", "k.key", "registry.example/acme/web:latest"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("invalid_image_ref")),
            "{l}"
        );
        // Wrong password.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args([
                "--output",
                "json",
                "sign",
                "--key",
                "k.key",
                "--no-upload",
                &format!("a/b@{}", sha256_of("x")),
            ])
            .current_dir(app.dir.path())
            .env("CAIRN_PASSWORD", "wrong")
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (out.status.code(), v["error"]["code"].as_str()),
            (Some(2), Some("wrong_password"))
        );
        // Server unreachable.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(["--server", "http://127.0.0.1:9", "key", "list"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
        // Registering a key under a second name conflicts.
        app.cairn(&["key", "register", "--name", "first", "k.pub"])
            .ok();
        let (code, out, _) = app.cairn_json(&["key", "register", "--name", "second", "k.pub"]);
        assert_eq!(
            (code, out["error"]["code"].as_str()),
            (2, Some("conflict")),
            "{l}"
        );
        app.stop().await;
    }
}

//! Policies end to end: versioned documents, the verdict with its report (signature, SLSA
//! provenance, provenance chain to a base image, SBOM rules), caching invalidated by writes —
//! including writes on another replica — signed VSAs checked offline, the provenance graph, and
//! policy impact tests before rollout.

use crate::helpers::{backends, sha256_of, spawn_app, spawn_replica};

const PRODUCTION: &str = r#"
name: production
rules:
  - name: signed
    signature:
      signers:
        anyOf:
          - key: release
  - name: built-by-ci
    attestation:
      predicateType: https://slsa.dev/provenance/v1
      signers: {anyOf: [{key: ci}]}
      maxAge: 90d
      slsa: {builderIdPrefix: "https://github.com/acme/", sourceRepo: "git+https://github.com/acme/web"}
  - name: trusted-base
    chain:
      maxDepth: 8
      requireAttested: true
      policy: base-images
  - name: sbom
    sbom:
      required: true
      deniedComponents:
        - purl: pkg:maven/org.apache.logging.log4j/log4j-core
          versions: "vers:maven/>=2.0.0|<2.17.1"
      deniedLicenses: ["AGPL-3.0-only"]
"#;

const BASE_IMAGES: &str = r#"
name: base-images
rules:
  - name: signed-by-platform
    signature:
      signers: {anyOf: [{key: platform}]}
"#;

fn provenance(base: &str) -> String {
    serde_json::json!({
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": "https://github.com/acme/web", "path": ".github/workflows/release.yml"}},
            "resolvedDependencies": [
                {"uri": "git+https://github.com/acme/web@refs/heads/main", "digest": {"gitCommit": "7c3d0e4d8e7a1b2c3d4e5f60718293a4b5c6d7e8"}},
                {"uri": "oci://registry.example/base/debian", "digest": {"sha256": base.trim_start_matches("sha256:")}}
            ]
        },
        "runDetails": {"builder": {"id": "https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main"}}
    })
    .to_string()
}

fn sbom(log4j: &str) -> String {
    serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [
            {"type": "library", "name": "log4j-core", "group": "org.apache.logging.log4j", "version": log4j,
             "purl": format!("pkg:maven/org.apache.logging.log4j/log4j-core@{log4j}"),
             "licenses": [{"license": {"id": "Apache-2.0"}}]}
        ]
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_follow_policies_chains_sboms_and_every_write() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        for name in ["release", "ci", "platform"] {
            app.cairn(&["key", "generate", "--output-key-prefix", name])
                .ok();
            app.cairn(&["key", "register", "--name", name, &format!("{name}.pub")])
                .ok();
        }
        let base = sha256_of("debian base");
        let web = format!("registry.example/acme/web@{}", sha256_of("web"));
        let web_digest = sha256_of("web");
        std::fs::write(app.path("production.yaml"), PRODUCTION).unwrap();
        std::fs::write(app.path("base.yaml"), BASE_IMAGES).unwrap();
        std::fs::write(app.path("provenance.json"), provenance(&base)).unwrap();
        std::fs::write(app.path("sbom-ok.json"), sbom("2.17.1")).unwrap();
        std::fs::write(app.path("sbom-bad.json"), sbom("2.14.1")).unwrap();

        // Policies are versioned.
        let (code, v1, _) = app.cairn_json(&["policy", "push", "production", "production.yaml"]);
        assert_eq!((code, v1["version"].as_i64()), (0, Some(1)), "{l}: {v1}");
        let (_, v2, _) = app.cairn_json(&["policy", "push", "production", "production.yaml"]);
        assert_eq!(v2["version"], 2);
        app.cairn(&["policy", "push", "base-images", "base.yaml"])
            .ok();
        let (_, old, _) = app.cairn_json(&["policy", "get", "production", "--version", "1"]);
        assert!(old["document"].as_str().unwrap().contains("trusted-base"));
        // A bad document is refused with the path of the problem.
        std::fs::write(
            app.path("bad.yaml"),
            "name: production\nrules:\n  - name: x\n    attestation: {maxAge: soon}\n",
        )
        .unwrap();
        let run = app.cairn(&["policy", "push", "production", "bad.yaml"]);
        assert_eq!(run.code, 2, "{l}");
        assert!(
            run.stderr.contains("invalid_policy") || run.stderr.contains("rules[0]"),
            "{l}: {}",
            run.stderr
        );

        // Nothing yet: fail, and every rule says its evidence is missing.
        let (code, report, _) = app.cairn_json(&["verify", &web, "--policy", "production"]);
        assert_eq!(code, 1, "{l}: {report}");
        assert_eq!(report["verdict"], "fail");
        assert_eq!(report["policy"]["version"], 2);
        for rule in report["rules"].as_array().unwrap() {
            if rule["name"] != "trusted-base" {
                assert_eq!(rule["evidence"], "missing", "{l}: {rule}");
            }
        }

        // Sign, attest provenance, push an SBOM; the base image signed by the platform key.
        app.cairn(&["sign", "--key", "release.key", &web]).ok();
        app.cairn(&[
            "attest",
            "--key",
            "ci.key",
            "--type",
            "slsaprovenance1",
            "--predicate",
            "provenance.json",
            &web,
        ])
        .ok();
        app.cairn(&[
            "sbom",
            "push",
            "--subject",
            &web,
            "--key",
            "ci.key",
            "sbom-ok.json",
        ])
        .ok();
        let (code, report, _) = app.cairn_json(&["verify", &web, "--policy", "production"]);
        assert_eq!(code, 1, "{l}: the base image is unknown: {report}");
        app.cairn(&[
            "sign",
            "--key",
            "platform.key",
            &format!("registry.example/base/debian@{base}"),
        ])
        .ok();
        let (code, report, _) = app.cairn_json(&["verify", &web, "--policy", "production"]);
        assert_eq!(code, 0, "{l}: {report}");
        assert_eq!(report["chain"][0]["digest"], base, "{l}: {report}");
        assert_eq!(report["chain"][0]["verdict"], "pass");

        // Cached until something relevant changes; a write on another replica invalidates it.
        let (replica, replica_handle) = spawn_replica(&app).await;
        let get = |url: String| {
            let client = app.http();
            async move { client.get(url).send().await.unwrap() }
        };
        let url =
            |base: &str| format!("{base}/v1/artifacts/{web_digest}/verification?policy=production");
        let first = get(url(&replica)).await;
        assert_eq!(first.headers()["cairn-verdict"], "pass");
        let again = get(url(&replica)).await;
        assert_eq!(again.headers()["cairn-cache"], "hit", "{l}");
        // A vulnerable SBOM pushed through the first server: the replica's verdict changes.
        app.cairn(&[
            "sbom",
            "push",
            "--subject",
            &web,
            "--key",
            "ci.key",
            "sbom-bad.json",
        ])
        .ok();
        let after = get(url(&replica)).await;
        assert_eq!(after.headers()["cairn-cache"], "miss", "{l}");
        assert_eq!(after.headers()["cairn-verdict"], "fail", "{l}");
        let report: serde_json::Value = after.json().await.unwrap();
        let sbom_rule = report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "sbom")
            .unwrap();
        assert_eq!(
            (
                sbom_rule["verdict"].as_str(),
                sbom_rule["evidence"].as_str()
            ),
            (Some("fail"), Some("present")),
            "{l}: {sbom_rule}"
        );
        app.cairn(&[
            "sbom",
            "push",
            "--subject",
            &web,
            "--key",
            "ci.key",
            "sbom-ok.json",
        ])
        .ok();
        // Re-pushing identical SBOM bytes links nothing new; push a fresh fixed SBOM instead.
        std::fs::write(app.path("sbom-fixed.json"), sbom("2.17.2")).unwrap();
        app.cairn(&[
            "sbom",
            "push",
            "--subject",
            &web,
            "--key",
            "ci.key",
            "sbom-fixed.json",
        ])
        .ok();
        let (code, report, _) = app.cairn_json(&["verify", &web, "--policy", "production"]);
        assert_eq!(code, 0, "{l}: {report}");

        // A signed VSA, checked offline with the server's VSA key.
        let (code, _, _) = app.cairn_json(&[
            "verify",
            &web,
            "--policy",
            "production",
            "--vsa",
            "vsa.json",
        ]);
        assert_eq!(code, 0, "{l}");
        let key = get(format!("{}/v1/vsa/key", app.base_url)).await;
        let key: serde_json::Value = key.json().await.unwrap();
        std::fs::write(app.path("vsa.pub"), key["publicKeyPem"].as_str().unwrap()).unwrap();
        let (code, checked, _) = app.cairn_json(&[
            "verify-dsse",
            "--key",
            "vsa.pub",
            "--digest",
            &web_digest,
            "vsa.json",
        ]);
        assert_eq!(code, 0, "{l}: {checked}");
        let vsa: serde_json::Value =
            serde_json::from_slice(&std::fs::read(app.path("vsa.json")).unwrap()).unwrap();
        let payload =
            cairn_core::encoding::decode_base64(vsa["payload"].as_str().unwrap()).unwrap();
        let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(
            statement["predicateType"],
            "https://slsa.dev/verification_summary/v1"
        );
        assert_eq!(statement["predicate"]["verificationResult"], "PASSED");

        // The provenance graph: web -> base.
        let (code, graph, _) = app.cairn_json(&["provenance", &web]);
        assert_eq!(code, 0, "{l}");
        assert!(
            graph["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["to"] == base),
            "{l}: {graph}"
        );

        // Policy impact: a draft that denies Apache-2.0 would flip web to fail.
        std::fs::write(
            app.path("draft.yaml"),
            PRODUCTION.replace("AGPL-3.0-only", "Apache-2.0"),
        )
        .unwrap();
        let (code, impact, _) = app.cairn_json(&["policy", "test", "draft.yaml", "--all"]);
        assert_eq!(code, 1, "{l}: {impact}");
        assert!(
            impact["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["digest"] == web_digest && c["draft"] == "fail"),
            "{l}: {impact}"
        );

        // A compromised key: what it signed no longer counts.
        let (_, keys, _) = app.cairn_json(&["key", "list"]);
        let release = keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "release")
            .unwrap()["keyid"]
            .as_str()
            .unwrap()
            .to_owned();
        app.cairn(&["key", "revoke", &release, "--reason", "compromised"])
            .ok();
        let (code, report, _) = app.cairn_json(&["verify", &web, "--policy", "production"]);
        assert_eq!(code, 1, "{l}: {report}");

        // The history shows verdict changes next to the writes.
        let (_, history, _) = app.cairn_json(&["history", &web]);
        let kinds: Vec<&str> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert!(
            kinds.contains(&"verdict") && kinds.contains(&"vsa") && kinds.contains(&"sbom"),
            "{l}: {kinds:?}"
        );
        replica_handle.stop(true).await;
        app.stop().await;
    }
}

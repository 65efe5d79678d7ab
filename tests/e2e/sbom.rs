//! SBOMs end to end: `cairn sbom validate` on the whole CycloneDX corpus, pushing unsigned,
//! embedded-signed and detached-signed SBOMs, component search by purl and vers range, component
//! listing, diff, and rejection of invalid documents.

use crate::helpers::{backends, sha256_of, spawn_app, testdata};

/// A CycloneDX 1.6 JSON document with the given (name, version, purl type/namespace, license)
/// components, padded with `filler` extra components.
fn bom(components: &[(&str, &str, &str, &str)], filler: usize) -> String {
    let mut list: Vec<serde_json::Value> = components
        .iter()
        .map(|(name, version, ns, license)| {
            serde_json::json!({
                "type": "library", "name": name, "version": version,
                "bom-ref": format!("{ns}/{name}@{version}"),
                "purl": format!("pkg:{ns}/{name}@{version}"),
                "licenses": [{"license": {"id": license}}],
            })
        })
        .collect();
    for i in 0..filler {
        list.push(serde_json::json!({
            "type": "library", "name": format!("filler-{i}"), "version": "1.0.0",
            "bom-ref": format!("filler-{i}"), "purl": format!("pkg:npm/filler-{i}@1.0.0"),
            "description": "x".repeat(200),
        }));
    }
    serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "components": list,
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sbom_validate_classifies_the_whole_cyclonedx_corpus() {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(testdata("cyclonedx/manifest.json")).unwrap())
            .unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), manifest["count"].as_u64().unwrap() as usize);
    assert_eq!(files.len(), 593, "the corpus is complete");
    let app = spawn_app("sqlite").await;
    for expected in ["valid", "invalid"] {
        let paths: Vec<String> = files
            .iter()
            .filter(|f| {
                let e = f["expected"].as_str().unwrap();
                (expected == "valid") == (e == "valid")
            })
            .map(|f| {
                testdata(&format!("cyclonedx/{}", f["file"].as_str().unwrap()))
                    .display()
                    .to_string()
            })
            .collect();
        let mut args = vec!["--output", "json", "sbom", "validate"];
        args.extend(paths.iter().map(String::as_str));
        let run = app.cairn(&args);
        let report: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
        let wrong: Vec<&str> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["valid"].as_bool().unwrap() != (expected == "valid"))
            .map(|f| f["file"].as_str().unwrap())
            .collect();
        assert!(
            wrong.is_empty(),
            "{expected} files misclassified: {wrong:#?}"
        );
        assert_eq!(report["files"].as_array().unwrap().len(), paths.len());
        assert_eq!(run.code, if expected == "valid" { 0 } else { 1 });
    }
    // Unreadable is exit 2.
    assert_eq!(
        app.cairn(&["sbom", "validate", "no-such-file.json"]).code,
        2
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sboms_are_pushed_signed_or_not_indexed_searched_and_diffed() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let l = app.label;
        app.cairn(&["key", "generate", "--output-key-prefix", "ci"])
            .ok();
        app.cairn(&["key", "register", "--name", "ci", "ci.pub"])
            .ok();
        let web1 = format!("registry.example/acme/web@{}", sha256_of("web-1"));
        let web2 = format!("registry.example/acme/web@{}", sha256_of("web-2"));
        let api = format!("registry.example/acme/api@{}", sha256_of("api"));
        let log4j = "maven/org.apache.logging.log4j";
        std::fs::write(
            app.path("web1.json"),
            bom(
                &[
                    ("log4j-core", "2.14.1", log4j, "Apache-2.0"),
                    ("left-pad", "1.3.0", "npm", "MIT"),
                ],
                0,
            ),
        )
        .unwrap();
        std::fs::write(
            app.path("web2.json"),
            bom(
                &[
                    ("log4j-core", "2.17.1", log4j, "Apache-2.0"),
                    ("express", "4.18.2", "npm", "MIT"),
                ],
                0,
            ),
        )
        .unwrap();
        // Large enough to be pushed detached (document + signed reference).
        std::fs::write(
            app.path("api.json"),
            bom(&[("log4j-core", "2.14.1", log4j, "Apache-2.0")], 6_000),
        )
        .unwrap();

        // Unsigned, embedded-signed, detached-signed.
        let (code, unsigned, _) =
            app.cairn_json(&["sbom", "push", "--subject", &web1, "web1.json"]);
        assert_eq!(code, 0, "{l}: {unsigned}");
        assert_eq!(unsigned["components"], 2);
        assert!(unsigned["logEntry"]["logIndex"].is_u64());
        let (code, embedded, _) = app.cairn_json(&[
            "sbom",
            "push",
            "--subject",
            &web2,
            "--key",
            "ci.key",
            "web2.json",
        ]);
        assert_eq!(code, 0, "{l}: {embedded}");
        assert_eq!(
            embedded["attestations"][0]["predicateType"],
            "https://cyclonedx.org/bom"
        );
        let run = app.cairn(&[
            "--output",
            "json",
            "sbom",
            "push",
            "--subject",
            &api,
            "--key",
            "ci.key",
            "api.json",
        ]);
        assert_eq!(run.code, 0, "{l}: {}", run.stderr);
        assert!(
            run.stderr.contains("signed reference"),
            "{l}: {}",
            run.stderr
        );

        // Signed or not, as the server sees it.
        let signed_of = |image: &str| {
            let (code, meta, _) =
                app.cairn_json(&["sbom", "get", image, "--output-file", "got.json"]);
            assert_eq!(code, 0, "{l}: {meta}");
            meta["signed"].as_bool().unwrap()
        };
        assert!(!signed_of(&web1), "{l}");
        assert!(signed_of(&web2), "{l}");
        assert!(signed_of(&api), "{l}");
        assert_eq!(
            std::fs::read(app.path("got.json")).unwrap(),
            std::fs::read(app.path("api.json")).unwrap(),
            "{l}: exact bytes back"
        );

        // Which images contain log4j-core? All versions, one version, a vers range.
        let purl = "pkg:maven/org.apache.logging.log4j/log4j-core";
        let digests = |args: &[&str]| {
            let mut all = vec!["search", "--purl"];
            all.extend_from_slice(args);
            let (code, page, _) = app.cairn_json(&all);
            assert_eq!(code, 0, "{l}: {page}");
            let mut d: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["digest"].as_str().unwrap().to_owned())
                .collect();
            d.sort();
            d
        };
        let mut everything = vec![sha256_of("web-1"), sha256_of("web-2"), sha256_of("api")];
        everything.sort();
        assert_eq!(digests(&[purl]), everything, "{l}");
        let mut vulnerable = vec![sha256_of("web-1"), sha256_of("api")];
        vulnerable.sort();
        assert_eq!(digests(&[&format!("{purl}@2.14.1")]), vulnerable, "{l}");
        assert_eq!(
            digests(&[purl, "--versions", "vers:maven/>=2.0.0|<2.17.1"]),
            vulnerable,
            "{l}"
        );
        assert_eq!(
            digests(&[purl, "--version", "2.17.1"]),
            vec![sha256_of("web-2")],
            "{l}"
        );
        let (_, page, _) = app.cairn_json(&["search", "--purl", purl, "--version", "2.17.1"]);
        assert_eq!(page["items"][0]["names"][0], "registry.example/acme/web");
        // Paging through the artifacts.
        let (_, first, _) = app.cairn_json(&["search", "--purl", purl, "--limit", "2"]);
        let cursor = first["nextCursor"].as_str().unwrap().to_owned();
        let (_, rest, _) = app.cairn_json(&[
            "search", "--purl", purl, "--limit", "2", "--cursor", &cursor,
        ]);
        assert_eq!(rest["items"].as_array().unwrap().len(), 1, "{l}");

        // Components of one artifact, filtered.
        let r = app
            .get(&format!(
                "/v1/artifacts/{}/components?license=MIT",
                sha256_of("web-2")
            ))
            .await;
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{l}: {v}");
        assert_eq!(v["items"][0]["name"], "express");

        // What changed from web-1 to web-2.
        let (code, d, _) = app.cairn_json(&["sbom", "diff", &web2, &web1]);
        assert_eq!(code, 0, "{l}: {d}");
        assert_eq!(d["added"][0]["name"], "express", "{l}: {d}");
        assert_eq!(d["removed"][0]["name"], "left-pad", "{l}: {d}");
        assert_eq!(d["versionChanged"][0]["oldVersion"], "2.14.1");
        assert_eq!(d["versionChanged"][0]["newVersion"], "2.17.1");

        // An invalid SBOM is refused, with the rule broken, and nothing is stored.
        std::fs::write(
            app.path("bad.json"),
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library"}]}"#,
        )
        .unwrap();
        let other = format!("registry.example/acme/x@{}", sha256_of("x"));
        let r = app
            .http()
            .post(format!("{}/v1/sboms?subject={other}", app.base_url))
            .header("content-type", "application/vnd.cyclonedx+json")
            .body(std::fs::read(app.path("bad.json")).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{l}");
        let problem: serde_json::Value = r.json().await.unwrap();
        assert_eq!(problem["code"], "invalid_sbom");
        assert!(
            problem["detail"].as_str().unwrap().contains("required"),
            "{problem}"
        );
        let run = app.cairn(&["sbom", "get", &other]);
        assert_eq!(run.code, 2, "{l}");
        // XML is accepted too.
        let xml = testdata("cyclonedx/1.6/valid-component-types-1.6.xml");
        let run = app.cairn(&["sbom", "push", "--subject", &other, xml.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{l}: {}", run.stderr);
        let r = app
            .get(&format!("/v1/artifacts/{}/sbom", sha256_of("x")))
            .await;
        assert_eq!(r.headers()["content-type"], "application/vnd.cyclonedx+xml");
        app.stop().await;
    }
}

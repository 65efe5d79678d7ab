//! Operations: `/metrics` (access, route-template labels, write outcomes, scrape-time gauges),
//! audit events (file and `cairn::audit` JSON log lines), and the TLS listener.

use super::{TestServer, client_with};
use cairn_core::Digest;
use cairn_core::attestation::sign_statement;
use cairn_core::keys::{GenerateAlgorithm, SigningKey};
use cairn_core::statement::{Statement, Subject};
use cairn_server::{Application, Settings};
use cairn_store::DatabaseUrl;
use ring::rand::SystemRandom;
use std::collections::BTreeMap;

/// A test server whose settings `adjust` changes first.
pub(crate) async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_tests(dir.path(), DatabaseUrl::sqlite_in(dir.path()));
    adjust(&mut settings);
    let app = Application::build(settings).await.unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let admin = std::fs::read_to_string(dir.path().join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    TestServer {
        client: client_with(&admin),
        url,
        dir,
        admin,
    }
}

/// `name{labels}` -> value, for every sample line.
pub(crate) fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (key, value) = l.rsplit_once(' ').unwrap();
            (key.to_owned(), value.parse::<f64>().unwrap())
        })
        .collect()
}

pub(crate) async fn scrape(server: &TestServer) -> String {
    let r = server
        .client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    r.text().await.unwrap()
}

fn envelope(key: &SigningKey, digest: &Digest) -> String {
    let statement = Statement::new_v1(
        vec![Subject {
            name: "registry.example/acme/web".into(),
            digests: vec![digest.clone()],
            other_digests: vec![],
        }],
        cairn_core::predicate::SLSA_PROVENANCE_V1,
        serde_json::json!({"buildDefinition": {}}),
    );
    sign_statement(&statement, key, &SystemRandom::new())
        .unwrap()
        .to_json()
}

fn new_key() -> SigningKey {
    SigningKey::generate(GenerateAlgorithm::EcdsaP256, &SystemRandom::new()).unwrap()
}

/// Status, request id and body of a request.
async fn send(r: reqwest::RequestBuilder) -> (u16, String, serde_json::Value) {
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    (
        status,
        id,
        r.json().await.unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_a_reader_token_unless_made_public() {
    let private = spawn_with(|_| {}).await;
    let anonymous = reqwest::Client::new();
    let r = anonymous
        .get(format!("{}/metrics", private.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = private
        .client
        .post(format!("{}/v1/tokens", private.url))
        .json(&serde_json::json!({"name": "prometheus", "role": "reader"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let reader: serde_json::Value = r.json().await.unwrap();
    let r = client_with(reader["secret"].as_str().unwrap())
        .get(format!("{}/metrics", private.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("cairn_build_info"));

    let public = spawn_with(|s| s.auth.metrics_public = true).await;
    let r = anonymous
        .get(format!("{}/metrics", public.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Only the metrics became public.
    for path in ["/v1/keys", "/v1/log/checkpoint"] {
        let r = anonymous
            .get(format!("{}{path}", public.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_template_and_writes_by_outcome() {
    let server = spawn_with(|_| {}).await;
    let url = &server.url;
    let c = &server.client;
    let key = new_key();
    let pem = key.public_key().to_pem();
    let register = |name: &str, pem: &str| {
        c.post(format!("{url}/v1/keys"))
            .json(&serde_json::json!({"name": name, "publicKey": pem}))
    };
    assert_eq!(send(register("ci", &pem)).await.0, 201);
    assert_eq!(send(register("ci", &pem)).await.0, 200);
    assert_eq!(send(register("ci", "not a key")).await.0, 400);
    let digest = Digest::sha256_of(b"image one");
    let body = envelope(&key, &digest);
    let upload = |body: String| {
        c.post(format!("{url}/v1/attestations"))
            .header("content-type", "application/json")
            .body(body)
    };
    assert_eq!(send(upload(body.clone())).await.0, 201);
    assert_eq!(send(upload(body)).await.0, 200);
    assert_eq!(send(upload(envelope(&new_key(), &digest))).await.0, 422);
    // An unauthenticated write is not an ingest rejection.
    let anonymous = reqwest::Client::new()
        .post(format!("{url}/v1/attestations"))
        .header("content-type", "application/json")
        .body("{}");
    assert_eq!(send(anonymous).await.0, 401);
    for _ in 0..2 {
        assert_eq!(
            send(c.get(format!("{url}/v1/artifacts/{digest}"))).await.0,
            200
        );
    }
    let secret_path = "/v1/no-such-route/abcdef0123456789";
    assert_eq!(send(c.get(format!("{url}{secret_path}"))).await.0, 404);
    let keyid = key.public_key().keyid().to_string();
    let revoke = c
        .post(format!("{url}/v1/keys/{keyid}/revoke"))
        .json(&serde_json::json!({"reason": "superseded"}));
    assert_eq!(send(revoke).await.0, 200);

    let text = scrape(&server).await;
    let s = samples(&text);
    let value = |k: &str| {
        *s.get(k)
            .unwrap_or_else(|| panic!("no sample {k} in\n{text}"))
    };
    assert_eq!(
        value(
            r#"cairn_http_requests_total{method="GET",route="/v1/artifacts/{digest}",status="200"}"#
        ),
        2.0
    );
    assert_eq!(
        value(r#"cairn_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        1.0
    );
    assert_eq!(
        value(r#"cairn_http_requests_total{method="POST",route="/v1/attestations",status="401"}"#),
        1.0
    );
    assert_eq!(
        value(
            r#"cairn_http_request_duration_seconds_count{method="POST",route="/v1/attestations"}"#
        ),
        4.0
    );
    assert!(
        !text.contains(&digest.to_string()) && !text.contains(secret_path),
        "raw paths leaked into labels"
    );
    for (kind, created, duplicate, rejected) in [
        ("key", 1.0, 1.0, 1.0),
        ("attestation", 1.0, 1.0, 1.0),
        ("key-revocation", 1.0, 0.0, 0.0),
        ("sbom", 0.0, 0.0, 0.0),
    ] {
        for (outcome, expected) in [
            ("created", created),
            ("duplicate", duplicate),
            ("rejected", rejected),
        ] {
            assert_eq!(
                value(&format!(
                    r#"cairn_ingest_total{{kind="{kind}",outcome="{outcome}"}}"#
                )),
                expected,
                "{kind} {outcome}"
            );
        }
    }
    // Three log entries: the key, the attestation, the revocation.
    assert_eq!(value("cairn_log_size"), 3.0);
    assert_eq!(value("cairn_database_up"), 1.0);
    assert_eq!(
        value(&format!(
            r#"cairn_build_info{{version="{}"}}"#,
            env!("CARGO_PKG_VERSION")
        )),
        1.0
    );
    // SQLite: a read pool and the one-connection write pool.
    assert_eq!(value(r#"cairn_db_pool_max_connections{pool="write"}"#), 1.0);
    assert_eq!(value(r#"cairn_db_pool_max_connections{pool="read"}"#), 8.0);
    let open = value(r#"cairn_db_pool_connections{pool="read",state="idle"}"#)
        + value(r#"cairn_db_pool_connections{pool="read",state="active"}"#);
    assert!((1.0..=8.0).contains(&open), "{open}");
    // Declared for issue 6, no series yet.
    assert!(text.contains("# TYPE cairn_verdicts_total counter"));
    assert!(text.contains("# TYPE cairn_cache_requests_total counter"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_appends_one_audit_line() {
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.jsonl");
    let path = audit_path.clone();
    let server = spawn_with(move |s| s.audit_log = Some(path)).await;
    let url = &server.url;
    let c = &server.client;
    let key = new_key();
    let register = c
        .post(format!("{url}/v1/keys"))
        .json(&serde_json::json!({"name": "ci", "publicKey": key.public_key().to_pem()}));
    let mut expected = Vec::new();
    let (status, id, body) = send(register).await;
    assert_eq!(status, 201);
    expected.push((
        "key",
        id,
        body["logEntry"]["logIndex"].clone(),
        body["keyid"].as_str().unwrap().to_owned(),
        vec![],
    ));
    let digest = Digest::sha256_of(b"image two");
    let body = envelope(&key, &digest);
    let upload = || {
        c.post(format!("{url}/v1/attestations"))
            .header("content-type", "application/json")
            .body(body.clone())
    };
    let (status, id, response) = send(upload()).await;
    assert_eq!(status, 201);
    let accepted = &response["attestations"][0];
    expected.push((
        "attestation",
        id,
        accepted["logEntry"]["logIndex"].clone(),
        accepted["id"].as_str().unwrap().to_owned(),
        vec![digest.to_string()],
    ));
    // A repeat stores nothing and logs nothing; neither does a rejected write.
    assert_eq!(send(upload()).await.0, 200);
    let stranger = c
        .post(format!("{url}/v1/attestations"))
        .header("content-type", "application/json")
        .body(envelope(&new_key(), &digest));
    assert_eq!(send(stranger).await.0, 422);
    let sbom = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "library", "name": "left-pad", "version": "1.3.0"}],
    });
    let (status, id, response) = send(
        c.post(format!("{url}/v1/sboms?subject={digest}"))
            .header("content-type", "application/vnd.cyclonedx+json")
            .body(sbom.to_string()),
    )
    .await;
    assert_eq!(status, 201, "{response}");
    expected.push((
        "sbom",
        id,
        response["logEntry"]["logIndex"].clone(),
        response["id"].as_str().unwrap().to_owned(),
        vec![digest.to_string()],
    ));
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Acme Code Signing CA");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_pem = ca
        .self_signed(&rcgen::KeyPair::generate().unwrap())
        .unwrap()
        .pem();
    let (status, id, response) = send(
        c.post(format!("{url}/v1/trust-roots"))
            .json(&serde_json::json!({"name": "acme-ca", "kind": "x509", "document": ca_pem})),
    )
    .await;
    assert_eq!(status, 201, "{response}");
    expected.push((
        "trust-root",
        id,
        response["logEntry"]["logIndex"].clone(),
        response["id"].as_str().unwrap().to_owned(),
        vec![],
    ));
    let keyid = key.public_key().keyid().to_string();
    let (status, id, response) = send(
        c.post(format!("{url}/v1/keys/{keyid}/revoke"))
            .json(&serde_json::json!({"reason": "compromised"})),
    )
    .await;
    assert_eq!(status, 200);
    expected.push((
        "key-revocation",
        id,
        response["logEntry"]["logIndex"].clone(),
        keyid,
        vec![],
    ));

    let text = std::fs::read_to_string(&audit_path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len(), "{text}");
    let mut indexes = Vec::new();
    for (line, (event, request_id, log_index, content_id, subjects)) in lines.iter().zip(&expected)
    {
        assert_eq!(line["event"], *event, "{line}");
        assert_eq!(line["actor"], "admin");
        assert_eq!(line["role"], "admin");
        assert_eq!(line["request_id"], request_id.as_str());
        assert!(log_index.is_u64(), "{event}: no log index in the response");
        assert_eq!(line["log_index"], *log_index);
        assert_eq!(line["content_id"], content_id.as_str());
        assert_eq!(line["subjects"], serde_json::json!(subjects));
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
        indexes.push(log_index.as_u64().unwrap());
    }
    assert_eq!(indexes, vec![0, 1, 2, 3, 4]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&audit_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_audit_log_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::for_tests(dir.path(), DatabaseUrl::sqlite_in(dir.path()));
    settings.audit_log = Some(dir.path().join("no-such-dir/audit.jsonl"));
    let err = Application::build(settings).await.err().unwrap();
    assert!(err.to_string().contains("audit.jsonl"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_with_the_configured_certificate_and_refuses_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = dir.path().join("tls.crt");
    let key = dir.path().join("tls.key");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    let mut settings = Settings::for_tests(dir.path(), DatabaseUrl::sqlite_in(dir.path()));
    settings.tls = Some(cairn_server::tls::TlsSettings { cert, key });
    let app = Application::build(settings).await.unwrap();
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let admin = std::fs::read_to_string(dir.path().join("admin.token")).unwrap();

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ck.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let r = trusting
        .get(format!("https://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), r#"{"status":"ok"}"#);
    // Authenticated routes work the same over TLS.
    let r = trusting
        .get(format!("https://127.0.0.1:{port}/v1/keys"))
        .bearer_auth(admin.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A client that does not trust the certificate, and plain HTTP, both fail.
    assert!(
        reqwest::Client::new()
            .get(format!("https://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_err()
    );
    assert!(
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_err(),
        "plain HTTP must not be served on the TLS port"
    );
}

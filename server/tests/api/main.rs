//! API contract tests: the OpenAPI document matches the route table and the committed
//! `docs/openapi.json`, every route in the table is served, and errors are problem+json.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use cairn_server::routes::ROUTES;
use cairn_server::{Application, Settings};
use cairn_store::DatabaseUrl;
use std::collections::BTreeSet;

mod authz;
mod binary;
mod deploy;
mod ops;

/// A server on a free port with its first admin token (read from `<data-dir>/admin.token`).
struct TestServer {
    url: String,
    dir: tempfile::TempDir,
    admin: String,
    /// A client that sends the admin token.
    client: reqwest::Client,
}

fn client_with(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

async fn spawn() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::for_tests(dir.path(), DatabaseUrl::sqlite_in(dir.path()));
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

fn documented_routes() -> BTreeSet<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(&cairn_server::openapi::to_json()).unwrap();
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[test]
fn openapi_documents_exactly_the_route_table() {
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), (*p).to_owned()))
        .collect();
    assert_eq!(documented_routes(), table);
}

/// `docs/openapi.json` is the generated document; regenerate with
/// `CAIRN_UPDATE_OPENAPI=1 cargo test -p cairn-server --test api`.
#[test]
fn committed_openapi_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    let generated = cairn_server::openapi::to_json() + "\n";
    if std::env::var_os("CAIRN_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is stale: run CAIRN_UPDATE_OPENAPI=1 cargo test -p cairn-server --test api"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_table_is_served() {
    let TestServer {
        url,
        client,
        dir: _dir,
        ..
    } = spawn().await;
    let digest = format!("sha256:{}", "0".repeat(64));
    for (method, path, _) in ROUTES {
        let concrete = path
            .replace("{id}", &digest)
            .replace("{digest}", &digest)
            .replace("{keyid}", &"0".repeat(64));
        let resp = client
            .request(
                reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
                format!("{url}{concrete}"),
            )
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        // A route the router does not know answers 404 "no route" or 405.
        assert!(
            status != 405 && !body.contains("no route for this path"),
            "{method} {path}: {status} {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_answer_problem_json() {
    let TestServer {
        url,
        client,
        dir: _dir,
        ..
    } = spawn().await;
    let r = client.get(format!("{url}/v1/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.headers().contains_key("x-request-id"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
    let r = client
        .delete(format!("{url}/v1/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    // A malformed query parameter and a malformed cursor are invalid_request.
    let digest = format!("sha256:{}", "0".repeat(64));
    let r = client
        .get(format!("{url}/v1/artifacts/{digest}/attestations?limit=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "invalid_request");
    // Keys: wrong content type, bad JSON, unknown fields, bad name.
    let post = |ct: &'static str, body: &'static str| {
        client
            .post(format!("{url}/v1/keys"))
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let cases = [
        ("text/plain", "{}", 415, "unsupported_media_type"),
        ("application/json", "{", 400, "invalid_json"),
        (
            "application/json",
            r#"{"name":"a","publicKey":"x","extra":1}"#,
            400,
            "invalid_request",
        ),
        (
            "application/json",
            r#"{"name":"a b","publicKey":"x"}"#,
            400,
            "invalid_request",
        ),
        (
            "application/json",
            r#"{"name":"a","publicKey":"not pem"}"#,
            400,
            "invalid_key",
        ),
    ];
    for (ct, body, status, code) in cases {
        let r = post(ct, body).await.unwrap();
        assert_eq!(r.status(), status, "{body}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["code"], code, "{body}");
    }
    // Readiness reflects the database.
    assert_eq!(
        client
            .get(format!("{url}/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

//! The authorization matrix: every route of the route table x every role, plus no token, a
//! malformed token, an unknown token, a wrong secret, an expired token and a revoked token. The
//! expectations come from the route table's `Access`, so a new route is covered automatically
//! (and one whose access level is wrong for its handler shows up as a mismatch).

use super::{TestServer, client_with, spawn};
use cairn_core::access::{Access, Role, TokenSecret};
use cairn_core::time::Timestamp;
use cairn_server::routes::ROUTES;
use cairn_store::{DatabaseUrl, NewToken, Store};

async fn create_token(server: &TestServer, name: &str, role: Role) -> String {
    let r = server
        .client
        .post(format!("{}/v1/tokens", server.url))
        .json(&serde_json::json!({"name": name, "role": role.as_str()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["role"], role.as_str());
    v["secret"].as_str().unwrap().to_owned()
}

/// What the caller presents.
#[derive(Debug, Clone)]
enum Caller {
    Role(Role, String),
    Nothing,
    Malformed,
    Unknown,
    WrongSecret,
    Expired(String),
    Revoked(String),
}

async fn request(
    url: &str,
    method: &actix_web::http::Method,
    path: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let digest = format!("sha256:{}", "0".repeat(64));
    let concrete = path
        .replace("{id}", &"0".repeat(16))
        .replace("{digest}", &digest)
        .replace("{keyid}", &"0".repeat(64));
    let client = match token {
        Some(t) => client_with(t),
        None => reqwest::Client::new(),
    };
    let r = client
        .request(
            reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
            format!("{url}{concrete}"),
        )
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_by_every_role_gets_the_documented_status() {
    let server = spawn().await;
    let mut callers = Vec::new();
    for role in Role::ALL {
        let token = create_token(&server, &format!("t-{role}"), *role).await;
        callers.push(Caller::Role(*role, token));
    }
    // An expired token: written straight to the store (the API refuses past expiry times).
    let store = Store::connect(
        &DatabaseUrl::sqlite_in(server.dir.path()),
        &Default::default(),
    )
    .await
    .unwrap();
    let expired = TokenSecret::generate(&ring::rand::SystemRandom::new()).unwrap();
    store
        .create_token(
            &NewToken {
                id: expired.id().to_owned(),
                name: "expired".into(),
                role: Role::Admin,
                verifier: expired.verifier(),
                scopes: vec![],
                created_by: "test".into(),
                expires_at: Some(Timestamp::from_unix_millis(1_000)),
            },
            Timestamp::from_unix_millis(0),
        )
        .await
        .unwrap();
    store.close().await;
    callers.push(Caller::Expired(expired.reveal()));
    let revoked = create_token(&server, "revoked", Role::Admin).await;
    let revoked_id = revoked.parse::<TokenSecret>().unwrap().id().to_owned();
    let r = server
        .client
        .delete(format!("{}/v1/tokens/{revoked_id}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    callers.push(Caller::Revoked(revoked));
    callers.push(Caller::Nothing);
    callers.push(Caller::Malformed);
    callers.push(Caller::Unknown);
    callers.push(Caller::WrongSecret);

    let admin_id = server.admin.parse::<TokenSecret>().unwrap().id().to_owned();
    let wrong_secret = format!("cairn_{admin_id}_{}", "A".repeat(43));
    let unknown = TokenSecret::generate(&ring::rand::SystemRandom::new())
        .unwrap()
        .reveal();
    let mut failures = Vec::new();
    let mut cells = 0;
    for (method, path, access) in ROUTES {
        // The token routes themselves would revoke/create as a side effect; that is fine here:
        // DELETE targets a token id that does not exist.
        for caller in &callers {
            let token: Option<&str> = match caller {
                Caller::Role(_, t) | Caller::Expired(t) | Caller::Revoked(t) => Some(t),
                Caller::Nothing => None,
                Caller::Malformed => Some("not-a-token"),
                Caller::Unknown => Some(&unknown),
                Caller::WrongSecret => Some(&wrong_secret),
            };
            let (status, body) = request(&server.url, method, path, token).await;
            cells += 1;
            let expected: &[u16] = match (caller, access) {
                (_, Access::Public) => &[200],
                (Caller::Role(role, _), access) if role.allows(*access) => &[],
                (Caller::Role(..), _) => &[403],
                _ => &[401],
            };
            let ok = if expected.is_empty() {
                // Allowed: the handler ran (whatever it made of the empty body), no auth error.
                status != 401 && status != 403
            } else {
                expected.contains(&status)
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {caller:?}: got {status} {body}, expected {}",
                    if expected.is_empty() {
                        "not 401/403".to_owned()
                    } else {
                        format!("{expected:?}")
                    }
                ));
            }
            if status == 401 {
                assert_eq!(body["code"], "unauthorized", "{method} {path}");
            }
            if status == 403 {
                assert_eq!(body["code"], "forbidden", "{method} {path}");
                assert!(
                    body["detail"].as_str().unwrap().contains("requires role"),
                    "{body}"
                );
            }
        }
    }
    assert_eq!(cells, ROUTES.len() * callers.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmatched_routes_need_a_token_then_answer_404() {
    let server = spawn().await;
    let anonymous = reqwest::Client::new();
    let r = anonymous
        .get(format!("{}/v1/nope", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer realm=\"cairn\"");
    assert!(r.headers().contains_key("x-request-id"));
    let r = server
        .client
        .get(format!("{}/v1/nope", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_shown_once_and_listed_without_secrets() {
    let server = spawn().await;
    let secret = create_token(&server, "ci-web", Role::Writer).await;
    let r = server
        .client
        .get(format!("{}/v1/tokens", server.url))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(
        !text.contains(&secret[23..]),
        "a secret leaked into the listing"
    );
    assert!(!text.contains(&server.admin[23..]));
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "ci-web"]);
    // Names are unique for ever; bad roles, scopes on non-writers and past expiry are refused.
    for (body, status, code) in [
        (
            serde_json::json!({"name": "ci-web", "role": "reader"}),
            409,
            "conflict",
        ),
        (
            serde_json::json!({"name": "x", "role": "root"}),
            400,
            "invalid_request",
        ),
        (
            serde_json::json!({"name": "x", "role": "reader", "scopes": ["acme/web"]}),
            400,
            "invalid_request",
        ),
        (
            serde_json::json!({"name": "x", "role": "writer", "scopes": ["Acme"]}),
            400,
            "invalid_request",
        ),
        (
            serde_json::json!({"name": "x", "role": "reader", "expiresAt": "2001-01-01T00:00:00Z"}),
            400,
            "invalid_request",
        ),
        (
            serde_json::json!({"name": "a b", "role": "reader"}),
            400,
            "invalid_request",
        ),
    ] {
        let r = server
            .client
            .post(format!("{}/v1/tokens", server.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{body}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["code"], code, "{body}");
    }
    // The admin token file is private to its owner.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(server.dir.path().join("admin.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

//! The HTTP client for Cairn's REST API.

use anyhow::Context;
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;
use std::time::Duration;

/// A problem+json answer from the server.
#[derive(Debug, thiserror::Error)]
#[error("server answered {status} {code}: {detail}")]
pub struct ApiProblem {
    pub status: u16,
    pub code: String,
    pub detail: String,
}

impl ApiProblem {
    /// The code as a static string if it is one Cairn knows (else "server_error").
    pub fn code_static(&self) -> &'static str {
        cairn_core::Code::ALL
            .iter()
            .find(|c| c.as_str() == self.code)
            .map_or("server_error", |c| c.as_str())
    }
}

pub struct Api {
    base: String,
    token: Option<String>,
    http: Client,
}

impl Api {
    pub fn new(server: &str, token: Option<&str>) -> anyhow::Result<Self> {
        let http = Client::builder()
            .timeout(Duration::from_secs(120))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            base: server.trim_end_matches('/').to_owned(),
            token: token.map(str::to_owned),
            http,
        })
    }

    fn with_auth(&self, rb: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get_json(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<Value> {
        let rb = self.with_auth(self.http.get(self.url(path)).query(query));
        json_body(send(rb, &self.base)?)
    }

    pub fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let rb = self.with_auth(self.http.post(self.url(path)).json(body));
        json_body(send(rb, &self.base)?)
    }

    pub fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let rb = self.with_auth(self.http.get(self.url(path)));
        send(rb, &self.base)?
            .text()
            .context("reading the server's answer")
    }

    pub fn post_bytes_query(
        &self,
        path: &str,
        query: &[(&str, String)],
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Value> {
        let rb = self.with_auth(
            self.http
                .post(self.url(path))
                .query(query)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body),
        );
        json_body(send(rb, &self.base)?)
    }

    /// The body bytes and the response headers (lowercase names).
    pub fn get_bytes(
        &self,
        path: &str,
    ) -> anyhow::Result<(Vec<u8>, std::collections::HashMap<String, String>)> {
        let rb = self.with_auth(self.http.get(self.url(path)));
        bytes_and_headers(send(rb, &self.base)?)
    }

    pub fn put_bytes(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Value> {
        let rb = self.with_auth(
            self.http
                .put(self.url(path))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body),
        );
        json_body(send(rb, &self.base)?)
    }

    pub fn get_bytes_query(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> anyhow::Result<(Vec<u8>, std::collections::HashMap<String, String>)> {
        let rb = self.with_auth(self.http.get(self.url(path)).query(query));
        bytes_and_headers(send(rb, &self.base)?)
    }

    pub fn delete_json(&self, path: &str) -> anyhow::Result<Value> {
        let rb = self.with_auth(self.http.delete(self.url(path)));
        json_body(send(rb, &self.base)?)
    }

    pub fn post_bytes(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<Value> {
        let rb = self.with_auth(
            self.http
                .post(self.url(path))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body),
        );
        json_body(send(rb, &self.base)?)
    }
}

fn send(rb: RequestBuilder, base: &str) -> anyhow::Result<Response> {
    let resp = rb
        .send()
        .with_context(|| format!("cannot reach the Cairn server at {base}"))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let text = resp.text().unwrap_or_default();
    let problem: Option<Value> = serde_json::from_str(&text).ok();
    let field = |k: &str| {
        problem
            .as_ref()
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut detail = field("detail").unwrap_or_else(|| text.chars().take(300).collect());
    match status.as_u16() {
        401 => detail.push_str(" (set CAIRN_TOKEN or --token to a valid API token)"),
        403 => detail.push_str(" (use a token with the role named above)"),
        _ => {}
    }
    Err(ApiProblem {
        status: status.as_u16(),
        code: field("code").unwrap_or_else(|| "server_error".into()),
        detail,
    }
    .into())
}

/// The body bytes and the response headers (lowercase names).
fn bytes_and_headers(
    resp: Response,
) -> anyhow::Result<(Vec<u8>, std::collections::HashMap<String, String>)> {
    let headers = resp
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let bytes = resp.bytes().context("reading the server's answer")?;
    Ok((bytes.to_vec(), headers))
}

fn json_body(resp: Response) -> anyhow::Result<Value> {
    resp.json().context("the server's answer is not JSON")
}

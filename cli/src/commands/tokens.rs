//! `cairn token create|list|revoke` (admin).

use crate::Cli;
use crate::client::Api;
use crate::output::Outcome;
use serde_json::json;

pub fn create(
    cli: &Cli,
    name: &str,
    role: &str,
    expires_at: Option<&str>,
    scopes: &[String],
) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let mut body = json!({"name": name, "role": role, "scopes": scopes});
    if let Some(e) = expires_at {
        body["expiresAt"] = json!(e);
    }
    let created = api.post_json("/v1/tokens", &body)?;
    let secret = created["secret"].as_str().unwrap_or_default().to_owned();
    crate::output::note(&format!(
        "created token {:?} ({}), id {}; the secret below is shown only once",
        created["name"].as_str().unwrap_or(""),
        created["role"].as_str().unwrap_or(""),
        created["id"].as_str().unwrap_or("")
    ));
    Ok(Outcome::success(created, format!("{secret}\n")))
}

pub fn list(cli: &Cli) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let list = api.get_json("/v1/tokens", &[])?;
    let mut human = String::new();
    for t in list["items"].as_array().into_iter().flatten() {
        let scopes: Vec<&str> = t["scopes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str())
            .collect();
        human.push_str(&format!(
            "{}  {:<8} {:<8} {:<24} {}\n",
            t["id"].as_str().unwrap_or(""),
            t["status"].as_str().unwrap_or(""),
            t["role"].as_str().unwrap_or(""),
            t["name"].as_str().unwrap_or(""),
            scopes.join(",")
        ));
    }
    Ok(Outcome::success(list, human))
}

pub fn revoke(cli: &Cli, id: &str) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let t = api.delete_json(&format!("/v1/tokens/{id}"))?;
    let human = format!(
        "revoked token {:?} ({})\n",
        t["name"].as_str().unwrap_or(""),
        t["id"].as_str().unwrap_or("")
    );
    Ok(Outcome::success(t, human))
}

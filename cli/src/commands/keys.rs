//! `cairn key generate | register | list`.

use super::read_input;
use crate::Cli;
use crate::client::Api;
use crate::output::Outcome;
use anyhow::Context;
use cairn_core::keys::{GenerateAlgorithm, PublicKey, SigningKey, encrypt_private_key};
use ring::rand::SystemRandom;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The password for private keys: CAIRN_PASSWORD, else cosign's COSIGN_PASSWORD.
pub(crate) fn password_from_env() -> Option<String> {
    std::env::var("CAIRN_PASSWORD")
        .ok()
        .or_else(|| std::env::var("COSIGN_PASSWORD").ok())
}

fn with_extension(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn write_new_file(path: &Path, contents: &[u8], mode: u32, force: bool) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(mode);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut f = options.open(path).with_context(|| {
        if path.exists() {
            format!(
                "{} already exists (use --force to overwrite)",
                path.display()
            )
        } else {
            format!("cannot create {}", path.display())
        }
    })?;
    f.write_all(contents)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn generate(
    algorithm: &str,
    prefix: &Path,
    no_password: bool,
    force: bool,
) -> anyhow::Result<Outcome> {
    let algorithm: GenerateAlgorithm = algorithm.parse()?;
    let password = if no_password {
        String::new()
    } else {
        match password_from_env() {
            Some(p) => p,
            None => anyhow::bail!(
                "set CAIRN_PASSWORD to encrypt the private key, or pass --no-password"
            ),
        }
    };
    let rng = SystemRandom::new();
    let key = SigningKey::generate(algorithm, &rng)?;
    let encrypted = encrypt_private_key(key.pkcs8_der(), password.as_bytes(), &rng)?;
    let key_path = with_extension(prefix, "key");
    let pub_path = with_extension(prefix, "pub");
    write_new_file(&key_path, encrypted.as_bytes(), 0o600, force)?;
    write_new_file(
        &pub_path,
        key.public_key().to_pem().as_bytes(),
        0o644,
        force,
    )?;
    let keyid = key.public_key().keyid().to_string();
    crate::output::note(&format!("Private key written to {}", key_path.display()));
    crate::output::note(&format!("Public key written to {}", pub_path.display()));
    Ok(Outcome::success(
        serde_json::json!({
            "keyid": keyid,
            "algorithm": key.public_key().algorithm().as_str(),
            "privateKey": key_path.display().to_string(),
            "publicKey": pub_path.display().to_string(),
        }),
        keyid,
    ))
}

pub fn register(cli: &Cli, name: &str, file: &Path) -> anyhow::Result<Outcome> {
    let pem = read_input(file)?;
    // Parse locally first: a bad file gets a precise message without a round trip.
    let key = PublicKey::from_pem(&pem).with_context(|| format!("{}", file.display()))?;
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let body = serde_json::json!({"name": name, "publicKey": key.to_pem()});
    let answer = api.post_json("/v1/keys", &body)?;
    let human = format!(
        "registered {} key {} as {}",
        key.algorithm(),
        key.keyid(),
        answer["name"].as_str().unwrap_or(name)
    );
    Ok(Outcome::success(answer, human))
}

pub fn list(cli: &Cli) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let answer = api.get_json("/v1/keys", &[])?;
    let mut human = String::new();
    for k in answer["items"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "{}  {:<10}  {:<8}  {}\n",
            k["keyid"].as_str().unwrap_or(""),
            k["algorithm"].as_str().unwrap_or(""),
            k["status"].as_str().unwrap_or(""),
            k["name"].as_str().unwrap_or("")
        ));
    }
    Ok(Outcome::success(answer, human))
}

pub fn revoke(
    cli: &Cli,
    keyid: &str,
    reason: &str,
    compromised_since: Option<&str>,
) -> anyhow::Result<Outcome> {
    let keyid: cairn_core::keys::KeyId =
        keyid.parse().with_context(|| format!("keyid {keyid:?}"))?;
    if let Some(t) = compromised_since {
        cairn_core::time::Timestamp::parse_rfc3339(t)?;
    }
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let body = serde_json::json!({"reason": reason, "compromisedSince": compromised_since});
    let answer = api.post_json(&format!("/v1/keys/{keyid}/revoke"), &body)?;
    let human = format!(
        "revoked {} ({}) as {reason}",
        keyid,
        answer["name"].as_str().unwrap_or("")
    );
    Ok(Outcome::success(answer, human))
}

//! `cairn sign` and `cairn attest`: build a Statement about IMAGE@DIGEST, sign it, upload it.

use super::keys::password_from_env;
use super::{now, read_input};
use crate::client::Api;
use crate::output::Outcome;
use crate::{AttestArgs, Cli, SignArgs};
use anyhow::Context;
use cairn_core::ImageRef;
use cairn_core::attestation::sign_statement;
use cairn_core::keys::{SigningKey, decrypt_private_key};
use cairn_core::predicate::{CAIRN_SIGNATURE_V1, resolve_type_alias};
use cairn_core::statement::{Statement, Subject};
use ring::rand::SystemRandom;

pub(crate) fn load_signing_key(
    path: &std::path::Path,
    rng: &SystemRandom,
) -> anyhow::Result<SigningKey> {
    let pem = read_input(path)?;
    let password = password_from_env().unwrap_or_default();
    let pkcs8 = decrypt_private_key(&pem, password.as_bytes()).with_context(|| {
        format!(
            "cannot decrypt {} (set CAIRN_PASSWORD to the key's password)",
            path.display()
        )
    })?;
    Ok(SigningKey::from_pkcs8(&pkcs8, rng)?)
}

pub(crate) fn subject_of(image: &ImageRef) -> Subject {
    Subject {
        name: image.name().to_owned(),
        digests: vec![image.digest().clone()],
        other_digests: Vec::new(),
    }
}

/// Sign `statement`, write/print/upload as asked.
fn sign_and_publish(
    cli: &Cli,
    args: &SignArgs,
    statement: &Statement,
    key: &SigningKey,
    rng: &SystemRandom,
) -> anyhow::Result<Outcome> {
    let envelope = sign_statement(statement, key, rng)?;
    let json = envelope.to_json();
    if let Some(path) = &args.output_file {
        std::fs::write(path, &json).with_context(|| format!("cannot write {}", path.display()))?;
        crate::output::note(&format!("Envelope written to {}", path.display()));
    }
    if args.no_upload {
        let value: serde_json::Value = serde_json::from_str(&json)?;
        let human = if args.output_file.is_some() {
            String::new()
        } else {
            json
        };
        return Ok(Outcome::success(value, human));
    }
    upload(cli, json.into_bytes())
}

/// `cairn push FILE`: upload envelopes exactly as they are in the file.
pub fn push(cli: &Cli, file: &std::path::Path) -> anyhow::Result<Outcome> {
    upload(cli, read_input(file)?)
}

pub(crate) fn upload(cli: &Cli, body: Vec<u8>) -> anyhow::Result<Outcome> {
    let api = Api::new(&cli.server, cli.token.as_deref())?;
    let answer = api.post_bytes("/v1/attestations", "application/json", body)?;
    let mut human = String::new();
    for a in answer["attestations"].as_array().into_iter().flatten() {
        human.push_str(&format!(
            "{} {} ({})\n",
            if a["created"].as_bool() == Some(true) {
                "stored"
            } else {
                "already stored"
            },
            a["id"].as_str().unwrap_or(""),
            a["predicateType"].as_str().unwrap_or("")
        ));
    }
    Ok(Outcome::success(answer, human))
}

pub fn sign(cli: &Cli, args: &SignArgs) -> anyhow::Result<Outcome> {
    let image: ImageRef = args.image.parse()?;
    let rng = SystemRandom::new();
    let key = load_signing_key(&args.key, &rng)?;
    let statement = Statement::new_v1(
        vec![subject_of(&image)],
        CAIRN_SIGNATURE_V1,
        serde_json::json!({"reference": image.to_string(), "signedAt": now().to_rfc3339()}),
    );
    sign_and_publish(cli, args, &statement, &key, &rng)
}

pub fn attest(cli: &Cli, args: &AttestArgs) -> anyhow::Result<Outcome> {
    let image: ImageRef = args.sign.image.parse()?;
    let predicate_type = resolve_type_alias(&args.predicate_type).with_context(|| {
        format!(
            "unknown --type {:?}: use slsaprovenance1, slsaprovenance02, cyclonedx or a URI",
            args.predicate_type
        )
    })?;
    let predicate_bytes = read_input(&args.predicate)?;
    let predicate: serde_json::Value = serde_json::from_slice(&predicate_bytes)
        .with_context(|| format!("{} is not JSON", args.predicate.display()))?;
    let rng = SystemRandom::new();
    let key = load_signing_key(&args.sign.key, &rng)?;
    let statement = Statement::new_v1(vec![subject_of(&image)], predicate_type, predicate);
    sign_and_publish(cli, &args.sign, &statement, &key, &rng)
}

//! One function per command; each returns an [`Outcome`] for `output::finish` to render.

mod bundle;
mod keys;
mod log;
mod policy;
mod query;
mod sbom;
mod sign;
mod tokens;
mod verify;

use crate::output::Outcome;
use crate::{
    ArtifactCommand, Cli, Command, KeyCommand, LogCommand, PolicyCommand, SbomCommand, TokenCommand,
};
use anyhow::Context;
use std::io::Read;
use std::path::Path;

pub fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Key(KeyCommand::Generate {
            algorithm,
            output_key_prefix,
            no_password,
            force,
        }) => keys::generate(algorithm, output_key_prefix, *no_password, *force),
        Command::Key(KeyCommand::Register { name, file }) => keys::register(cli, name, file),
        Command::Key(KeyCommand::List) => keys::list(cli),
        Command::Key(KeyCommand::Revoke {
            keyid,
            reason,
            compromised_since,
        }) => keys::revoke(cli, keyid, reason, compromised_since.as_deref()),
        Command::Sign(args) => sign::sign(cli, args),
        Command::Token(TokenCommand::Create {
            name,
            role,
            expires_at,
            scopes,
        }) => tokens::create(cli, name, role, expires_at.as_deref(), scopes),
        Command::Token(TokenCommand::List) => tokens::list(cli),
        Command::Token(TokenCommand::Revoke { id }) => tokens::revoke(cli, id),
        Command::Attest(args) => sign::attest(cli, args),
        Command::Push { file } => sign::push(cli, file),
        Command::VerifyDsse(args) => verify::verify_dsse(args),
        Command::VerifyBundle(args) => bundle::verify(args),
        Command::Artifact(ArtifactCommand::Show { digest }) => query::artifact_show(cli, digest),
        Command::Attestations(args) => query::attestations(cli, args),
        Command::Verify {
            image,
            policy,
            version,
            vsa,
        } => policy::verify(cli, image, policy, *version, vsa.as_deref()),
        Command::Policy(PolicyCommand::Push { name, file }) => policy::push(cli, name, file),
        Command::Policy(PolicyCommand::Get { name, version }) => policy::get(cli, name, *version),
        Command::Policy(PolicyCommand::List) => policy::list(cli),
        Command::Policy(PolicyCommand::Test {
            file,
            name,
            digest,
            all,
        }) => policy::test(cli, file, name.as_deref(), digest.as_deref(), *all),
        Command::Provenance { digest, depth } => policy::provenance(cli, digest, *depth),
        Command::Sbom(SbomCommand::Validate { files }) => sbom::validate(files),
        Command::Sbom(SbomCommand::Push { subject, key, file }) => {
            sbom::push(cli, subject, file, key.as_deref())
        }
        Command::Sbom(SbomCommand::Get {
            digest,
            output_file,
        }) => sbom::get(cli, digest, output_file.as_deref()),
        Command::Sbom(SbomCommand::Diff { digest, against }) => sbom::diff(cli, digest, against),
        Command::Search {
            purl,
            version,
            versions,
            limit,
            cursor,
        } => sbom::search(
            cli,
            purl,
            version.as_deref(),
            versions.as_deref(),
            *limit,
            cursor.as_deref(),
        ),
        Command::Log(LogCommand::Key) => log::key(cli),
        Command::Log(LogCommand::Checkpoint { log_key }) => {
            log::checkpoint(cli, log_key.as_deref())
        }
        Command::Log(LogCommand::Verify { receipt, log_key }) => {
            log::verify(cli, receipt, log_key.as_deref())
        }
        Command::Log(LogCommand::Monitor { state, log_key }) => {
            log::monitor(cli, state, log_key.as_deref())
        }
        Command::History {
            digest,
            limit,
            cursor,
        } => log::history(cli, digest, *limit, cursor.as_deref()),
    }
}

/// The human rendering of a check list, one indented line per check.
pub(crate) fn render_checks(checks: &[cairn_core::verify::Check]) -> anyhow::Result<String> {
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!(
            "  {:<7} {:<22} {}{}\n",
            serde_json::to_value(c.result)?.as_str().unwrap_or(""),
            c.check,
            c.subject
                .as_deref()
                .map(|s| format!("{s}: "))
                .unwrap_or_default(),
            c.detail
        ));
    }
    Ok(out)
}

/// Largest local input file the CLI reads (predicates, envelopes, keys).
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Read a file (or stdin for `-`), refusing anything over [`MAX_INPUT_BYTES`].
pub(crate) fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
        )
    };
    reader
        .by_ref()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if buf.len() as u64 > MAX_INPUT_BYTES {
        anyhow::bail!("{} exceeds {MAX_INPUT_BYTES} bytes", path.display());
    }
    Ok(buf)
}

/// The wall clock, read at the edge (core never reads it).
pub(crate) fn now() -> cairn_core::time::Timestamp {
    cairn_core::time::Timestamp::from_system_time(std::time::SystemTime::now())
}

/// A digest given as `sha256:<hex>` or as `IMAGE@DIGEST`.
pub(crate) fn parse_digest_arg(s: &str) -> anyhow::Result<cairn_core::Digest> {
    if s.contains('@') {
        let r: cairn_core::ImageRef = s.parse()?;
        Ok(r.digest().clone())
    } else {
        Ok(s.parse()?)
    }
}

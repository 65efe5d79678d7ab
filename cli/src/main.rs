//! `cairn`: the command-line client for Cairn. Exit codes: 0 success/verified, 1 verification
//! failed, 2 usage, input or server error. Data goes to stdout, diagnostics to stderr.
#![forbid(unsafe_code)]

mod client;
mod commands;
mod output;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Parser)]
#[command(name = "cairn", version, about = "Cairn supply-chain trust CLI")]
pub struct Cli {
    /// Cairn server URL.
    #[arg(
        long,
        env = "CAIRN_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub server: String,
    /// API token (sent as a bearer token; never printed).
    #[arg(long, env = "CAIRN_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human, global = true)]
    pub output: OutputFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate, register and list signer keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Sign an image digest: a DSSE-enveloped in-toto Statement with Cairn's signature predicate.
    Sign(SignArgs),
    /// Attest an image digest with a predicate (SLSA provenance, CycloneDX, any URI).
    Attest(AttestArgs),
    /// Upload DSSE envelopes from a file: one JSON document, or JSON lines of envelopes
    /// (as `cosign attest --output-file` writes them); - reads stdin.
    Push { file: PathBuf },
    /// Verify a DSSE envelope offline: signature, in-toto Statement, optional subject digest.
    VerifyDsse(VerifyDsseArgs),
    /// Verify a Sigstore bundle offline (sigstore-conformance CLI protocol).
    VerifyBundle(VerifyBundleArgs),
    /// Show what the server knows about an artifact.
    #[command(subcommand)]
    Artifact(ArtifactCommand),
    /// List the attestations about an artifact, newest first.
    Attestations(AttestationsArgs),
    /// May this digest run under a policy? The server's verdict: exit 0 pass, 1 fail.
    Verify {
        /// IMAGE@DIGEST or sha256:<hex>
        image: String,
        #[arg(long)]
        policy: String,
        /// A policy version (default: the newest).
        #[arg(long)]
        version: Option<i64>,
        /// Also save a signed SLSA Verification Summary Attestation (DSSE) to this file.
        #[arg(long)]
        vsa: Option<PathBuf>,
    },
    /// Policies: push a new version, read, list, test a draft before rollout.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// The provenance chain of an artifact (what it was built from), as Cairn knows it.
    Provenance {
        digest: String,
        /// Levels to follow (default 8).
        #[arg(long)]
        depth: Option<u32>,
    },
    /// CycloneDX SBOMs: validate offline, push (optionally signed), fetch, diff.
    #[command(subcommand)]
    Sbom(SbomCommand),
    /// Which artifacts contain a component (by purl; optionally a version or a vers range).
    Search {
        /// Package URL, e.g. pkg:maven/org.apache.logging.log4j/log4j-core (a version in it
        /// selects that version only).
        #[arg(long)]
        purl: String,
        /// Only this version.
        #[arg(long, conflicts_with = "versions")]
        version: Option<String>,
        /// Only versions in this range, e.g. "vers:maven/>=2.0.0|<2.17.1".
        #[arg(long)]
        versions: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// The transparency log: its key, signed checkpoints, offline receipt checks, monitoring.
    #[command(subcommand)]
    Log(LogCommand),
    /// Everything written about a digest, oldest first (auditor).
    History {
        /// sha256:<hex>, or IMAGE@DIGEST.
        digest: String,
        /// Page size (1-500).
        #[arg(long)]
        limit: Option<u32>,
        /// Continue from a previous page's nextCursor.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Create, list and revoke API tokens (admin).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Store FILE (YAML, or JSON by extension) as a new version of policy NAME.
    Push { name: String, file: PathBuf },
    /// Print a policy document (newest version, or --version).
    Get {
        name: String,
        #[arg(long)]
        version: Option<i64>,
    },
    /// The newest version of every policy.
    List,
    /// Evaluate a draft policy against one artifact (--digest) or every artifact the current
    /// version applies to (--all) and list the verdicts that would change (exit 1 if any).
    Test {
        file: PathBuf,
        /// Policy name (default: the document's `name`).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, conflicts_with = "all")]
        digest: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SbomCommand {
    /// Validate CycloneDX files (JSON or XML, 1.2-1.7) against the official schemas, offline.
    /// Exit 0 all valid, 1 any invalid, 2 unreadable.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Push an SBOM for an image; with --key it is signed (embedded up to 1 MiB of JSON,
    /// else detached: the document plus a signed Statement naming its sha256).
    Push {
        /// IMAGE@sha256:<hex>
        #[arg(long)]
        subject: String,
        /// Private key file (cosign-format, password from CAIRN_PASSWORD).
        #[arg(long)]
        key: Option<PathBuf>,
        file: PathBuf,
    },
    /// Fetch an artifact's newest SBOM (stdout, or --output-file).
    Get {
        digest: String,
        #[arg(long)]
        output_file: Option<PathBuf>,
    },
    /// Components added, removed and changed in version from AGAINST to DIGEST.
    Diff { digest: String, against: String },
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Print the log's note verifier key (pin it: `--log-key` of the other log commands).
    Key,
    /// Fetch the current signed checkpoint and check its signature.
    Checkpoint {
        /// The log's verifier key (or a file holding it); default: ask the server.
        #[arg(long)]
        log_key: Option<String>,
    },
    /// Check write receipts offline: inclusion proof against a signed checkpoint.
    Verify {
        /// A write response, or a `logEntry` object, saved as JSON (- for stdin).
        receipt: PathBuf,
        /// The log's verifier key (or a file holding it); default: ask the server.
        #[arg(long)]
        log_key: Option<String>,
    },
    /// Fetch the checkpoint, verify it and its consistency with the last one seen (kept in
    /// --state); exit 1 on any inconsistency or fork.
    Monitor {
        /// State file (created on the first run; it pins the log key).
        #[arg(long)]
        state: PathBuf,
        /// The log's verifier key (or a file holding it); default: the pinned one.
        #[arg(long)]
        log_key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once on stdout.
    Create {
        /// Unique name (the actor recorded for every write made with the token).
        #[arg(long)]
        name: String,
        /// reader, auditor, writer or admin.
        #[arg(long)]
        role: String,
        /// RFC 3339 expiry time.
        #[arg(long)]
        expires_at: Option<String>,
        /// Writers only: image-name prefix the token may push for (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key pair: PREFIX.key (encrypted with CAIRN_PASSWORD, cosign's format) and PREFIX.pub.
    Generate {
        /// ecdsa-p256 (default) or ed25519.
        #[arg(long, default_value = "ecdsa-p256")]
        algorithm: String,
        /// Write PREFIX.key and PREFIX.pub.
        #[arg(long, default_value = "cairn")]
        output_key_prefix: PathBuf,
        /// Encrypt the private key with an empty password instead of CAIRN_PASSWORD.
        #[arg(long)]
        no_password: bool,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
    },
    /// Register a public key (PEM) with the server under a name.
    Register {
        #[arg(long)]
        name: String,
        /// PEM public key file.
        file: PathBuf,
    },
    /// List registered keys.
    List,
    /// Revoke a registered key: superseded (rotation) or compromised.
    Revoke {
        keyid: String,
        /// superseded: what the key signed before stays trusted; compromised: see --compromised-since.
        #[arg(long, value_parser = ["superseded", "compromised"])]
        reason: String,
        /// RFC 3339 time from which a compromised key's signatures are distrusted
        /// (default: everything it ever signed).
        #[arg(long)]
        compromised_since: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Private key file (cosign-format encrypted key; password from CAIRN_PASSWORD or COSIGN_PASSWORD).
    #[arg(long)]
    pub key: PathBuf,
    /// Do not upload; print the envelope (or write it to --output-file).
    #[arg(long)]
    pub no_upload: bool,
    /// Also write the signed envelope to this file.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
    /// IMAGE[:TAG]@DIGEST
    pub image: String,
}

#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    #[command(flatten)]
    pub sign: SignArgs,
    /// Predicate file (JSON).
    #[arg(long)]
    pub predicate: PathBuf,
    /// slsaprovenance1 | slsaprovenance02 | cyclonedx | a predicate type URI.
    #[arg(
        long = "type",
        visible_alias = "predicate-type",
        default_value = "slsaprovenance1"
    )]
    pub predicate_type: String,
}

#[derive(Debug, clap::Args)]
pub struct VerifyDsseArgs {
    /// PEM public key file.
    #[arg(long)]
    pub key: PathBuf,
    /// Require this digest among the Statement's subjects.
    #[arg(long)]
    pub digest: Option<String>,
    /// Envelope file (a DSSE JSON document or JSON lines of envelopes; - for stdin).
    pub envelope: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle (v0.1, v0.2 or v0.3 JSON).
    #[arg(long)]
    pub bundle: PathBuf,
    /// Expected certificate identity (SAN), exact.
    #[arg(long, conflicts_with_all = ["key", "certificate_identity_regexp"])]
    pub certificate_identity: Option<String>,
    /// Expected certificate identity as a regular expression matching the whole SAN.
    #[arg(long, conflicts_with = "key")]
    pub certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer of the certificate, exact.
    #[arg(long, conflicts_with_all = ["key", "certificate_oidc_issuer_regexp"])]
    pub certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer as a regular expression matching the whole issuer.
    #[arg(long, conflicts_with = "key")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Verify a managed-key bundle with this PEM public key instead of a certificate identity.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// trusted_root.json to use instead of the embedded Sigstore public-good root.
    #[arg(long)]
    pub trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging root (ignored with --trusted-root).
    #[arg(long)]
    pub staging: bool,
    /// Accept a bundle without a verified transparency-log entry (recorded as a waived check).
    #[arg(long)]
    pub insecure_ignore_tlog: bool,
    /// Expected GitHub workflow trigger (event name, e.g. push), exact.
    #[arg(long, conflicts_with = "key")]
    pub certificate_github_workflow_trigger: Option<String>,
    /// Expected GitHub workflow commit SHA, exact.
    #[arg(long, conflicts_with = "key")]
    pub certificate_github_workflow_sha: Option<String>,
    /// Expected GitHub workflow name, exact.
    #[arg(long, conflicts_with = "key")]
    pub certificate_github_workflow_name: Option<String>,
    /// Expected GitHub workflow repository (owner/repo), exact.
    #[arg(long, conflicts_with = "key")]
    pub certificate_github_workflow_repository: Option<String>,
    /// Expected GitHub workflow git ref (e.g. refs/heads/main), exact.
    #[arg(long, conflicts_with = "key")]
    pub certificate_github_workflow_ref: Option<String>,
    /// The artifact file, or sha256:<hex> of it (when no such file exists).
    pub artifact: String,
}

#[derive(Debug, Subcommand)]
pub enum ArtifactCommand {
    /// Names, first/last seen and attestation counts of a digest.
    Show {
        /// sha256:<hex>, or IMAGE@DIGEST.
        digest: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct AttestationsArgs {
    /// sha256:<hex>, or IMAGE@DIGEST.
    pub digest: String,
    /// Only this predicate type (a URI or slsaprovenance1 | slsaprovenance02 | cyclonedx).
    #[arg(long = "type", visible_alias = "predicate-type")]
    pub predicate_type: Option<String>,
    /// Only attestations verified by this keyid.
    #[arg(long)]
    pub signer: Option<String>,
    /// Page size (1-500).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Continue from a previous page's nextCursor.
    #[arg(long)]
    pub cursor: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = commands::run(&cli);
    output::finish(cli.output, result)
}

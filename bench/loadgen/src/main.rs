//! `cairn-loadgen`: measure attestation ingest throughput of a running `cairn-server`.
//!
//! 1. Generate a fresh signing key and register it (`POST /v1/keys`).
//! 2. Pre-sign `--count` DSSE envelopes, each over a Statement with a distinct subject digest,
//!    before the clock starts.
//! 3. Send them with `--concurrency` workers (`POST /v1/attestations`); success is HTTP 201.
//! 4. Report throughput and latency percentiles; exit non-zero if any request failed (unless
//!    `--tolerate-errors`).
//!
//! Crash testing (`bench/crash.sh`): `--record-ids FILE` writes, at the end of the run, the id of
//! every acknowledged upload (HTTP 201 whose body names the attestation), one per line, so that
//! they can be checked after the server was killed mid-run. Once the server is gone, requests fail
//! fast (connection refused); after `--max-consecutive-transport-errors` (default 200) transport
//! failures in a row, with no HTTP response in between, the run stops early and the unsent
//! requests are reported as `notSent`.
#![forbid(unsafe_code)]

use anyhow::{Context, Result, bail};
use cairn_core::Digest;
use cairn_core::attestation::sign_statement;
use cairn_core::keys::{GenerateAlgorithm, SigningKey};
use cairn_core::predicate::SLSA_PROVENANCE_V1;
use cairn_core::statement::{Statement, Subject};
use clap::{Parser, ValueEnum};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SUBJECT_NAME: &str = "registry.example/loadgen/app";
/// Error bodies kept for stderr (per worker, and in total).
const MAX_ERROR_SAMPLES: usize = 5;
const MAX_ERROR_BODY_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Algorithm {
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
    #[value(name = "ed25519")]
    Ed25519,
}

impl Algorithm {
    fn generate(self) -> GenerateAlgorithm {
        match self {
            Algorithm::EcdsaP256 => GenerateAlgorithm::EcdsaP256,
            Algorithm::Ed25519 => GenerateAlgorithm::Ed25519,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Algorithm::EcdsaP256 => "ecdsa-p256",
            Algorithm::Ed25519 => "ed25519",
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    Human,
    Json,
}

/// POST pre-signed DSSE attestations to a running cairn-server and report ingest throughput.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Base URL of the server.
    #[arg(long, env = "CAIRN_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Number of attestations to send (each signed over a distinct subject digest).
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    count: u64,
    /// Number of concurrent in-flight requests.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4096))]
    concurrency: u64,
    /// Signing key algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::EcdsaP256)]
    algorithm: Algorithm,
    /// API token sent as `Authorization: Bearer` (must be allowed to register keys and write).
    #[arg(long, env = "CAIRN_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Output::Human)]
    output: Output,
    /// Per-request timeout in seconds (a timeout counts as a failed request).
    #[arg(long, default_value_t = 60)]
    timeout_secs: u64,
    /// At the end of the run, write the id of every acknowledged upload (HTTP 201) to FILE, one per
    /// line in request order (the file is replaced). Written even when requests failed. A 201
    /// whose body does not name the attestation (as `sha256:` of the bytes sent) counts as failed.
    #[arg(long, value_name = "FILE")]
    record_ids: Option<PathBuf>,
    /// Exit zero even if requests failed (they are still reported).
    #[arg(long)]
    tolerate_errors: bool,
    /// Stop sending after this many transport failures in a row (no HTTP response in between,
    /// e.g. connection refused once the server is gone); the rest are reported as not sent.
    /// 0: never stop early.
    #[arg(long, default_value_t = 200)]
    max_consecutive_transport_errors: u64,
}

/// What one worker saw.
#[derive(Default)]
struct WorkerResult {
    /// Latency of every request, successful or not, in microseconds.
    latencies_us: Vec<u64>,
    ok: u64,
    /// Acknowledged uploads: (request index, attestation id).
    ids: Vec<(usize, String)>,
    /// Failures by HTTP status, or `transport` when no response arrived.
    errors: BTreeMap<String, u64>,
    /// The first failures (request index, description).
    samples: Vec<(usize, String)>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cairn-loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let server = args.server.trim_end_matches('/').to_owned();
    let count = usize::try_from(args.count).context("--count is too large")?;
    let concurrency = usize::try_from(args.concurrency).context("--concurrency is too large")?;

    let rng = SystemRandom::new();
    let key = SigningKey::generate(args.algorithm.generate(), &rng)
        .context("generating the signing key")?;
    let run_id = random_hex(&rng, 8)?;

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs))
        .connect_timeout(Duration::from_secs(args.timeout_secs.min(10)))
        .tcp_nodelay(true)
        .pool_max_idle_per_host(concurrency)
        .build()
        .context("building the HTTP client")?;
    let auth = args.token.as_deref().map(|t| format!("Bearer {t}"));

    // Create the ids file up front so that a bad path fails before anything is sent.
    let ids_file = match &args.record_ids {
        Some(path) => {
            Some(File::create(path).with_context(|| format!("creating {}", path.display()))?)
        }
        None => None,
    };

    register_key(&client, &server, auth.as_deref(), &key, &run_id).await?;

    let algorithm = args.algorithm;
    let envelopes = tokio::task::spawn_blocking(move || presign(&key, &run_id, count))
        .await
        .context("pre-signing task")??;
    let envelopes = Arc::new(envelopes);

    let next = Arc::new(AtomicUsize::new(0));
    let url = Arc::new(format!("{server}/v1/attestations"));
    let auth = Arc::new(auth);
    // Transport failures in a row across all workers; any HTTP response resets it.
    let consecutive_transport = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let max_consecutive = args.max_consecutive_transport_errors;
    eprintln!(
        "cairn-loadgen: sending {count} attestations to {url} with {} workers",
        concurrency.min(count)
    );
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.min(count) {
        let client = client.clone();
        let envelopes = Arc::clone(&envelopes);
        let next = Arc::clone(&next);
        let url = Arc::clone(&url);
        let auth = Arc::clone(&auth);
        let consecutive_transport = Arc::clone(&consecutive_transport);
        let stop = Arc::clone(&stop);
        workers.push(tokio::spawn(async move {
            let mut result = WorkerResult::default();
            loop {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = envelopes.get(i) else { break };
                let mut request = client
                    .post(url.as_str())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(auth) = auth.as_deref() {
                    request = request.header(reqwest::header::AUTHORIZATION, auth);
                }
                let sent = Instant::now();
                let outcome = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        // Read the body so the connection goes back to the pool.
                        let text = response.text().await;
                        match (status.as_u16(), text) {
                            (201, Ok(text)) => acknowledged_id(&text, body),
                            (code, Ok(text)) => Err((code.to_string(), text)),
                            (_, Err(e)) => Err((TRANSPORT.to_owned(), e.to_string())),
                        }
                    }
                    Err(e) => Err((TRANSPORT.to_owned(), format!("{:#}", anyhow::Error::new(e)))),
                };
                let elapsed = sent.elapsed();
                result
                    .latencies_us
                    .push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
                match &outcome {
                    Err((kind, _)) if kind == TRANSPORT => {
                        let in_a_row = consecutive_transport.fetch_add(1, Ordering::Relaxed) + 1;
                        if max_consecutive > 0 && in_a_row >= max_consecutive {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                    _ => consecutive_transport.store(0, Ordering::Relaxed),
                }
                match outcome {
                    Ok(id) => {
                        result.ok += 1;
                        result.ids.push((i, id));
                    }
                    Err((kind, detail)) => {
                        if result.samples.len() < MAX_ERROR_SAMPLES {
                            let detail: String =
                                detail.chars().take(MAX_ERROR_BODY_CHARS).collect();
                            result
                                .samples
                                .push((i, format!("request {i}: {kind}: {detail}")));
                        }
                        *result.errors.entry(kind).or_default() += 1;
                    }
                }
            }
            result
        }));
    }

    let mut total = WorkerResult::default();
    for worker in workers {
        let r = worker.await.context("worker task")?;
        total.latencies_us.extend(r.latencies_us);
        total.ok += r.ok;
        total.ids.extend(r.ids);
        for (kind, n) in r.errors {
            *total.errors.entry(kind).or_default() += n;
        }
        total.samples.extend(r.samples);
    }
    let elapsed = started.elapsed().as_secs_f64();

    total.ids.sort_unstable();
    let recorded = match (ids_file, &args.record_ids) {
        (Some(file), Some(path)) => {
            write_ids(file, &total.ids).with_context(|| format!("writing {}", path.display()))?;
            Some(total.ids.len())
        }
        _ => None,
    };

    let count = args.count;
    let report = Report::new(
        &server,
        algorithm,
        args.concurrency,
        count,
        recorded,
        total,
        elapsed,
    );
    match args.output {
        Output::Json => println!("{}", report.to_json()),
        Output::Human => print!("{}", report.to_human()),
    }
    if report.failed > 0 || report.not_sent > 0 {
        for (_, sample) in report.samples.iter().take(MAX_ERROR_SAMPLES) {
            eprintln!("{sample}");
        }
        let summary = format!(
            "{} of {} requests failed, {} not sent",
            report.failed, report.total, report.not_sent
        );
        if !args.tolerate_errors {
            bail!("{summary}");
        }
        eprintln!("cairn-loadgen: {summary} (tolerated)");
    }
    Ok(())
}

/// `kind` of a failure where no HTTP response arrived.
const TRANSPORT: &str = "transport";

/// The attestation id named by a 201 body, which must be `sha256:` of the bytes sent.
fn acknowledged_id(text: &str, sent: &str) -> Result<String, (String, String)> {
    let bad = |why: &str| Err(("bad_201_body".to_owned(), format!("{why}: {text}")));
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return bad("not JSON");
    };
    let ids: Vec<&str> = value
        .get("attestations")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("id").and_then(serde_json::Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let [id] = ids.as_slice() else {
        return bad("expected exactly one attestations[].id");
    };
    let expected = Digest::sha256_of(sent.as_bytes()).to_string();
    if *id != expected {
        return bad(&format!("id is not {expected}"));
    }
    Ok((*id).to_owned())
}

/// One id per line, then flush and fsync.
fn write_ids(file: File, ids: &[(usize, String)]) -> std::io::Result<()> {
    let mut out = BufWriter::new(file);
    for (_, id) in ids {
        writeln!(out, "{id}")?;
    }
    out.flush()?;
    out.get_ref().sync_all()
}

fn random_hex(rng: &SystemRandom, len: usize) -> Result<String> {
    let mut bytes = vec![0u8; len];
    rng.fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system random source failed"))?;
    Ok(bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

async fn register_key(
    client: &reqwest::Client,
    server: &str,
    auth: Option<&str>,
    key: &SigningKey,
    run_id: &str,
) -> Result<()> {
    let url = format!("{server}/v1/keys");
    let body = serde_json::json!({
        "name": format!("loadgen-{run_id}"),
        "publicKey": key.public_key().to_pem(),
    });
    let mut request = client.post(&url).json(&body);
    if let Some(auth) = auth {
        request = request.header(reqwest::header::AUTHORIZATION, auth);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}: is the server running?"))?;
    let status = response.status();
    if status.as_u16() == 201 || status.as_u16() == 200 {
        return Ok(());
    }
    let text = response.text().await.unwrap_or_default();
    let text: String = text.chars().take(MAX_ERROR_BODY_CHARS).collect();
    bail!("registering the loadgen key: POST {url} returned {status}: {text}")
}

/// Sign `count` envelopes, each over a Statement with its own subject digest.
fn presign(key: &SigningKey, run_id: &str, count: usize) -> Result<Vec<String>> {
    let rng = SystemRandom::new();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let digest = Digest::sha256_of(format!("cairn-loadgen {run_id} {i}").as_bytes());
        let statement = Statement::new_v1(
            vec![Subject {
                name: SUBJECT_NAME.to_owned(),
                digests: vec![digest],
                other_digests: vec![],
            }],
            SLSA_PROVENANCE_V1,
            serde_json::json!({
                "buildDefinition": {
                    "buildType": "https://example.com/loadgen",
                    "externalParameters": {"i": i},
                },
                "runDetails": {"builder": {"id": "https://example.com/loadgen"}},
            }),
        );
        let envelope = sign_statement(&statement, key, &rng)
            .with_context(|| format!("signing envelope {i}"))?;
        out.push(envelope.to_json());
    }
    Ok(out)
}

struct Report {
    server: String,
    algorithm: Algorithm,
    concurrency: u64,
    total: u64,
    ok: u64,
    failed: u64,
    /// Requests never sent because the run stopped early.
    not_sent: u64,
    /// Ids written to `--record-ids`.
    recorded: Option<usize>,
    errors: BTreeMap<String, u64>,
    elapsed_seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// The earliest failed requests, by request index.
    samples: Vec<(usize, String)>,
}

impl Report {
    fn new(
        server: &str,
        algorithm: Algorithm,
        concurrency: u64,
        count: u64,
        recorded: Option<usize>,
        mut result: WorkerResult,
        elapsed_seconds: f64,
    ) -> Self {
        result.latencies_us.sort_unstable();
        result.samples.sort_unstable();
        let lat = &result.latencies_us;
        let failed: u64 = result.errors.values().sum();
        Self {
            server: server.to_owned(),
            algorithm,
            concurrency,
            total: result.ok + failed,
            ok: result.ok,
            failed,
            not_sent: count.saturating_sub(result.ok + failed),
            recorded,
            errors: result.errors,
            elapsed_seconds,
            per_second: if elapsed_seconds > 0.0 {
                result.ok as f64 / elapsed_seconds
            } else {
                0.0
            },
            p50_ms: percentile_ms(lat, 50.0),
            p90_ms: percentile_ms(lat, 90.0),
            p99_ms: percentile_ms(lat, 99.0),
            max_ms: lat.last().map_or(0.0, |us| *us as f64 / 1000.0),
            samples: result.samples,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "server": self.server,
            "algorithm": self.algorithm.as_str(),
            "concurrency": self.concurrency,
            "total": self.total,
            "ok": self.ok,
            "failed": self.failed,
            "notSent": self.not_sent,
            "recordedIds": self.recorded,
            "errors": self.errors,
            "elapsedSeconds": round3(self.elapsed_seconds),
            "attestationsPerSecond": round3(self.per_second),
            "p50Ms": round3(self.p50_ms),
            "p90Ms": round3(self.p90_ms),
            "p99Ms": round3(self.p99_ms),
            "maxMs": round3(self.max_ms),
        })
    }

    fn to_human(&self) -> String {
        let errors = if self.errors.is_empty() {
            "0".to_owned()
        } else {
            let by: Vec<String> = self
                .errors
                .iter()
                .map(|(k, n)| format!("{k}: {n}"))
                .collect();
            format!("{} ({})", self.failed, by.join(", "))
        };
        let not_sent = if self.not_sent > 0 {
            format!(", {} not sent (stopped early)", self.not_sent)
        } else {
            String::new()
        };
        let recorded = self
            .recorded
            .map_or_else(String::new, |n| format!("ids recorded {n}\n"));
        format!(
            "server       {} ({}, concurrency {})\n\
             requests     {} total, {} ok{}\n\
             errors       {}\n\
             elapsed      {:.3} s\n\
             throughput   {:.1} attestations/s\n\
             latency ms   p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}\n",
            self.server,
            self.algorithm.as_str(),
            self.concurrency,
            self.total,
            self.ok,
            not_sent,
            errors,
            self.elapsed_seconds,
            self.per_second,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms,
        ) + &recorded
    }
}

/// Nearest-rank percentile of sorted microsecond latencies, in milliseconds.
fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted_us.len()) - 1;
    sorted_us.get(index).map_or(0.0, |us| *us as f64 / 1000.0)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let us: Vec<u64> = (1..=100).map(|n| n * 1000).collect();
        assert_eq!(percentile_ms(&us, 50.0), 50.0);
        assert_eq!(percentile_ms(&us, 99.0), 99.0);
        assert_eq!(percentile_ms(&us, 100.0), 100.0);
        assert_eq!(percentile_ms(&[7000], 50.0), 7.0);
        assert_eq!(percentile_ms(&[], 50.0), 0.0);
    }

    #[test]
    fn acknowledged_id_must_name_the_bytes_sent() {
        let sent = r#"{"payloadType":"x"}"#;
        let id = Digest::sha256_of(sent.as_bytes()).to_string();
        let body = format!(r#"{{"attestations":[{{"id":"{id}","created":true}}]}}"#);
        assert_eq!(acknowledged_id(&body, sent), Ok(id));
        let other = Digest::sha256_of(b"other").to_string();
        let body = format!(r#"{{"attestations":[{{"id":"{other}","created":true}}]}}"#);
        assert!(acknowledged_id(&body, sent).is_err());
        assert!(acknowledged_id("not json", sent).is_err());
        assert!(acknowledged_id(r#"{"attestations":[]}"#, sent).is_err());
    }

    #[test]
    fn presigned_envelopes_have_distinct_subjects() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::Ed25519, &rng).unwrap();
        let envs = presign(&key, "abcd", 3).unwrap();
        let digests: Vec<Digest> = envs
            .iter()
            .map(|e| {
                let env = cairn_core::dsse::Envelope::parse(e.as_bytes()).unwrap();
                let st = Statement::parse(&env.payload).unwrap();
                st.subjects[0].digests[0].clone()
            })
            .collect();
        assert_ne!(digests[0], digests[1]);
        assert_ne!(digests[1], digests[2]);
    }
}

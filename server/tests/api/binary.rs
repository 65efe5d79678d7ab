//! The real `cairn-server` binary: zero-configuration start, `migrate`, `--help`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cairn-server");

/// Kills the child on drop, so a failing assertion never leaks a server.
struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the binary in `dir` on a free port; returns the child, its address, the log lines
/// up to the address, and the rest of its log.
fn start(
    dir: &std::path::Path,
) -> (
    Child,
    String,
    Vec<String>,
    std::io::Lines<BufReader<std::process::ChildStderr>>,
) {
    start_with(dir, &[])
}

/// [`start`] with extra flags.
fn start_with(
    dir: &std::path::Path,
    extra: &[&str],
) -> (
    Child,
    String,
    Vec<String>,
    std::io::Lines<BufReader<std::process::ChildStderr>>,
) {
    // Only the port differs from the defaults (8080 may be taken on a test machine).
    let mut child = Child(
        Command::new(BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut address = None;
    let mut lines = BufReader::new(stderr).lines();
    let mut before = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        before.push(line.clone());
        if let Some(at) = line.find("address=http://") {
            address = Some(
                line[at + "address=".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned(),
            );
            break;
        }
        // --log-format json
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
            && let Some(a) = v["address"].as_str()
        {
            address = Some(a.to_owned());
            break;
        }
        assert!(Instant::now() < deadline, "no address logged");
    }
    let address = address.expect("the bound address is logged");
    (child, address, before, lines)
}

#[test]
fn starts_with_zero_configuration_in_cairn_data_and_logs_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let (_child, address, before, lines) = start(dir.path());
    // Keep reading the log, as a supervisor would.
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let body = reqwest::blocking::get(format!("{address}/healthz"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(body, r#"{"status":"ok"}"#);
    assert!(
        dir.path().join("cairn-data/cairn.db").is_file(),
        "default database in ./cairn-data"
    );
    // Secure first start: an admin token in a private file, its path (never the token) logged;
    // without it nothing but the probes answers.
    let token_file = dir.path().join("cairn-data/admin.token");
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(token.starts_with("cairn_"));
    let client = reqwest::blocking::Client::new();
    let anonymous = client.get(format!("{address}/v1/keys")).send().unwrap();
    assert_eq!(anonymous.status(), 401);
    let admin = client
        .get(format!("{address}/v1/keys"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(admin.status(), 200);
    drop(_child);
    let log = before.join("\n") + &log.join().unwrap().join("\n");
    assert!(log.contains("admin.token"), "{log}");
    assert!(!log.contains(&token), "the token leaked into the log");
}

#[test]
fn token_create_prints_a_working_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["token", "create", "--role", "writer", "--name", "ci-web"])
        .args(["--scope", "acme/web", "--expires", "30d", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let token = stdout.trim();
    assert!(token.starts_with("cairn_") && token.len() == 66, "{stdout}");
    assert!(!stderr.contains(token));
    // The same name again is refused; so is a bad role.
    for args in [
        ["--role", "writer", "--name", "ci-web"],
        ["--role", "root", "--name", "other"],
    ] {
        let out = Command::new(BIN)
            .args(["token", "create"])
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn migrate_subcommand_applies_the_schema_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("cairn.db").is_file());
    // Again: nothing left to apply, still success.
    let again = Command::new(BIN)
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(again.status.success());
}

#[test]
fn help_documents_every_setting_and_its_variable() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "CAIRN_CONFIG",
        "CAIRN_LISTEN",
        "CAIRN_DATA_DIR",
        "CAIRN_DATABASE_URL",
        "CAIRN_LOG_FORMAT",
        "CAIRN_MIGRATE_ON_START",
        "CAIRN_WORKERS",
        "CAIRN_MAX_DB_CONNECTIONS",
        "CAIRN_MAX_ATTESTATION_BYTES",
        "CAIRN_ALLOW_ANONYMOUS_READS",
        "CAIRN_LOG_KEY_FILE",
        "CAIRN_LOG_ORIGIN",
        "CAIRN_METRICS_PUBLIC",
        "CAIRN_TLS_CERT",
        "CAIRN_TLS_KEY",
        "CAIRN_AUDIT_LOG",
    ] {
        assert!(help.contains(var), "--help lacks {var}:\n{help}");
    }
}

#[test]
fn a_bad_configuration_is_reported_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cairn.toml");
    std::fs::write(&config, "lisen = \"127.0.0.1:1\"\n").unwrap();
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("lisen"),
        "names the unknown key"
    );
}

#[test]
fn keeps_serving_when_its_log_pipe_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (_child, address, _, lines) = start(dir.path());
    drop(lines); // the log reader goes away (e.g. a crashed log shipper)
    for _ in 0..3 {
        let status = reqwest::blocking::get(format!("{address}/healthz"))
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
}

#[test]
fn log_verify_self_check_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let (child, address, _, lines) = start(dir.path());
    std::thread::spawn(move || lines.for_each(drop));
    let token = std::fs::read_to_string(dir.path().join("cairn-data/admin.token")).unwrap();
    let key = cairn_core::keys::SigningKey::generate(
        cairn_core::keys::GenerateAlgorithm::EcdsaP256,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap()
    .public_key()
    .to_pem();
    let r = reqwest::blocking::Client::new()
        .post(format!("{address}/v1/keys"))
        .bearer_auth(token.trim())
        .json(&serde_json::json!({"name": "ci", "publicKey": key}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());
    drop(child);
    let verify = || {
        Command::new(BIN)
            .args(["log", "verify", "--data-dir"])
            .arg(dir.path().join("cairn-data"))
            .output()
            .unwrap()
    };
    let ok = verify();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("1 entries"), "{stdout}");
    // Remove the key row behind the server's back: the log still records it.
    let db = dir.path().join("cairn-data/cairn.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query("DELETE FROM keys")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let bad = verify();
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("removed data"), "{stdout}");
}

#[test]
fn json_logs_carry_one_audit_event_per_write() {
    let dir = tempfile::tempdir().unwrap();
    let (child, address, _, lines) = start_with(dir.path(), &["--log-format", "json"]);
    let token = std::fs::read_to_string(dir.path().join("cairn-data/admin.token")).unwrap();
    let key = cairn_core::keys::SigningKey::generate(
        cairn_core::keys::GenerateAlgorithm::Ed25519,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    let keyid = key.public_key().keyid().to_string();
    let r = reqwest::blocking::Client::new()
        .post(format!("{address}/v1/keys"))
        .bearer_auth(token.trim())
        .json(&serde_json::json!({"name": "ci", "publicKey": key.public_key().to_pem()}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    drop(child); // ends the log
    let events: Vec<serde_json::Value> = lines
        .map_while(Result::ok)
        .map(|l| serde_json::from_str::<serde_json::Value>(&l).unwrap())
        .filter(|v| v["target"] == "cairn::audit")
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["event"], "key");
    assert_eq!(e["actor"], "admin");
    assert_eq!(e["role"], "admin");
    assert_eq!(e["request_id"], request_id.as_str());
    assert_eq!(e["log_index"], 0);
    assert_eq!(e["content_id"], keyid.as_str());
    assert_eq!(e["subjects"], "");
}

/// Two server processes on one database — one SQLite file, and PostgreSQL when
/// CAIRN_TEST_DATABASE_URL is set — ingesting concurrently build one gap-free log whose root
/// matches a recomputation from the leaves (`cairn-server log verify`), and serve the same
/// signed checkpoint.
#[test]
fn two_server_processes_build_one_gap_free_log() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut databases = vec![format!(
        "sqlite://{}",
        dir.path().join("shared.db").display()
    )];
    if let Ok(base) = std::env::var("CAIRN_TEST_DATABASE_URL") {
        let base: cairn_store::DatabaseUrl = base.parse().unwrap();
        let mut suffix = [0u8; 6];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut suffix).unwrap();
        let name = format!("{}_r{}", base.database_name().unwrap(), hex::encode(suffix));
        let url = rt
            .block_on(cairn_store::provision::create_postgres_database(
                &base, &name,
            ))
            .unwrap();
        databases.push(url.connection_string());
    }
    let signing = cairn_core::keys::SigningKey::generate(
        cairn_core::keys::GenerateAlgorithm::EcdsaP256,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    for (n, database) in databases.iter().enumerate() {
        let key_file = dir.path().join(format!("log-{n}.key"));
        let key_file = key_file.to_str().unwrap();
        let data_a = dir.path().join(format!("a{n}"));
        let data_b = dir.path().join(format!("b{n}"));
        let flags = |data: &std::path::Path| {
            vec![
                "--data-dir".to_owned(),
                data.to_str().unwrap().to_owned(),
                "--database-url".to_owned(),
                database.clone(),
                "--log-key-file".to_owned(),
                key_file.to_owned(),
            ]
        };
        let fa = flags(&data_a);
        let fb = flags(&data_b);
        let (a, url_a, _, lines_a) = start_with(
            dir.path(),
            &fa.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        std::thread::spawn(move || lines_a.for_each(drop));
        let (b, url_b, _, lines_b) = start_with(
            dir.path(),
            &fb.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        std::thread::spawn(move || lines_b.for_each(drop));
        // Exactly one of the two created the first admin token.
        let token = [&data_a, &data_b]
            .iter()
            .filter_map(|d| std::fs::read_to_string(d.join("admin.token")).ok())
            .collect::<Vec<_>>();
        assert_eq!(
            token.len(),
            1,
            "{database}: one admin token for one database"
        );
        let token = token[0].trim().to_owned();
        let client = reqwest::blocking::Client::new();
        let r = client
            .post(format!("{url_a}/v1/keys"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "ci", "publicKey": signing.public_key().to_pem()}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201);
        let per_server = 20;
        std::thread::scope(|scope| {
            for (i, url) in [&url_a, &url_b].into_iter().enumerate() {
                let token = &token;
                let signing = &signing;
                scope.spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    for j in 0..per_server {
                        let digest = cairn_core::Digest::sha256_of(format!("{i}-{j}").as_bytes());
                        let statement = cairn_core::statement::Statement::new_v1(
                            vec![cairn_core::statement::Subject {
                                name: "registry.example/acme/app".into(),
                                digests: vec![digest],
                                other_digests: vec![],
                            }],
                            cairn_core::predicate::CAIRN_SIGNATURE_V1,
                            serde_json::json!({}),
                        );
                        let envelope = cairn_core::attestation::sign_statement(
                            &statement,
                            signing,
                            &ring::rand::SystemRandom::new(),
                        )
                        .unwrap();
                        let r = client
                            .post(format!("{url}/v1/attestations"))
                            .bearer_auth(token)
                            .header("content-type", "application/json")
                            .body(envelope.to_json())
                            .send()
                            .unwrap();
                        assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());
                    }
                });
            }
        });
        // Both replicas sign the same checkpoint.
        let checkpoint = |url: &str| {
            client
                .get(format!("{url}/v1/log/checkpoint"))
                .bearer_auth(&token)
                .send()
                .unwrap()
                .text()
                .unwrap()
        };
        let (ca, cb) = (checkpoint(&url_a), checkpoint(&url_b));
        assert_eq!(ca, cb, "{database}");
        let expected = 1 + 2 * per_server;
        assert!(ca.contains(&format!("\n{expected}\n")), "{database}: {ca}");
        drop(a);
        drop(b);
        let out = Command::new(BIN)
            .args(["log", "verify", "--database-url", database])
            .arg("--data-dir")
            .arg(&data_a)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{database}: {stdout}");
        assert!(stdout.contains(&format!("{expected} entries")), "{stdout}");
    }
}

/// SIGTERM drains in-flight requests and exits 0: a slow upload started before the signal still
/// gets its answer.
#[test]
fn sigterm_drains_in_flight_requests_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address, _, lines) = start(dir.path());
    std::thread::spawn(move || lines.for_each(drop));
    let token = std::fs::read_to_string(dir.path().join("cairn-data/admin.token")).unwrap();
    // An upload whose body arrives slowly: in flight when the signal comes.
    let url = format!("{address}/v1/keys");
    let token = token.trim().to_owned();
    let in_flight = std::thread::spawn(move || {
        let key = cairn_core::keys::SigningKey::generate(
            cairn_core::keys::GenerateAlgorithm::EcdsaP256,
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
        let body =
            serde_json::json!({"name": "slow", "publicKey": key.public_key().to_pem()}).to_string();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let stream = std::iter::from_fn(move || rx.recv().ok().map(Ok::<_, std::io::Error>));
        let sender = std::thread::spawn(move || {
            let bytes = body.into_bytes();
            let (a, b) = bytes.split_at(10);
            tx.send(a.to_vec()).unwrap();
            std::thread::sleep(Duration::from_millis(800));
            tx.send(b.to_vec()).unwrap();
        });
        let response = reqwest::blocking::Client::new()
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(reqwest::blocking::Body::new(StreamReader::new(stream)))
            .send();
        sender.join().unwrap();
        response.map(|r| r.status().as_u16())
    });
    std::thread::sleep(Duration::from_millis(300));
    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    assert_eq!(
        in_flight.join().unwrap().unwrap(),
        201,
        "the in-flight request completed"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}

/// Reads an iterator of byte chunks (a slow request body).
struct StreamReader<I> {
    chunks: I,
    current: std::io::Cursor<Vec<u8>>,
}

impl<I: Iterator<Item = std::io::Result<Vec<u8>>>> StreamReader<I> {
    fn new(chunks: I) -> Self {
        Self {
            chunks,
            current: std::io::Cursor::new(Vec::new()),
        }
    }
}

impl<I: Iterator<Item = std::io::Result<Vec<u8>>>> std::io::Read for StreamReader<I> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            match self.chunks.next() {
                Some(chunk) => self.current = std::io::Cursor::new(chunk?),
                None => return Ok(0),
            }
        }
    }
}

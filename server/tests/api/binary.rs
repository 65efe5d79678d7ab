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

/// [`start`] with extra arguments.
fn start_with(
    dir: &std::path::Path,
    args: &[&str],
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
            .args(args)
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

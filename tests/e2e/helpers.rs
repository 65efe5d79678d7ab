//! Spawning the server, running the CLI, crafting envelopes.

use cairn_server::{Application, Settings};
use cairn_store::{DatabaseUrl, provision};
use ring::rand::{SecureRandom, SystemRandom};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TestApp {
    pub label: &'static str,
    pub base_url: String,
    pub dir: tempfile::TempDir,
    /// The database the server uses.
    pub database: DatabaseUrl,
    /// The first admin token the server wrote to `<dir>/cairn-data/admin.token`.
    pub admin_token: String,
    handle: cairn_server::ServerHandle,
}

impl TestApp {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// An HTTP client that sends the admin token.
    pub fn http(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", self.admin_token).parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// GET `path` as the admin.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http()
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .unwrap()
    }

    /// Run `cairn ARGS` as the admin against this server, in its temp dir, with CAIRN_PASSWORD
    /// set.
    pub fn cairn(&self, args: &[&str]) -> CliRun {
        self.cairn_as(Some(&self.admin_token), args)
    }

    /// Run `cairn ARGS` with `token` in CAIRN_TOKEN (or none).
    pub fn cairn_as(&self, token: Option<&str>, args: &[&str]) -> CliRun {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
        match token {
            Some(t) => command.env("CAIRN_TOKEN", t),
            None => command.env_remove("CAIRN_TOKEN"),
        };
        let out = command
            .args(args)
            .current_dir(self.dir.path())
            .env("CAIRN_SERVER", &self.base_url)
            .env("CAIRN_PASSWORD", "correct horse")
            .env_remove("COSIGN_PASSWORD")
            .output()
            .expect("run cairn");
        CliRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run `cairn --output json ARGS` and parse stdout.
    pub fn cairn_json(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        let mut all = vec!["--output", "json"];
        all.extend_from_slice(args);
        let run = self.cairn(&all);
        let value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not JSON ({e}): {}\nstderr: {}",
                self.label, run.stdout, run.stderr
            )
        });
        (run.code, value, run.stderr)
    }

    pub async fn stop(self) {
        self.handle.stop(true).await;
    }
}

pub struct CliRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    SystemRandom::new().fill(&mut b).unwrap();
    hex::encode(b)
}

/// The backends to run on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<&'static str> {
    let mut out = vec!["sqlite"];
    if std::env::var_os("CAIRN_TEST_DATABASE_URL").is_some() {
        out.push("postgres");
    }
    out
}

pub async fn spawn_app(label: &'static str) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = match label {
        "postgres" => {
            let base: DatabaseUrl = std::env::var("CAIRN_TEST_DATABASE_URL")
                .unwrap()
                .parse()
                .unwrap();
            let name = format!("{}_e{}", base.database_name().unwrap(), random_hex(6));
            provision::create_postgres_database(&base, &name)
                .await
                .unwrap()
        }
        _ => DatabaseUrl::sqlite_in(&dir.path().join("cairn-data")),
    };
    let data_dir = dir.path().join("cairn-data");
    let app = Application::build(Settings::for_tests(&data_dir, database.clone()))
        .await
        .unwrap();
    let admin_token = std::fs::read_to_string(data_dir.join("admin.token"))
        .unwrap()
        .trim()
        .to_owned();
    let base_url = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        label,
        base_url,
        dir,
        database,
        admin_token,
        handle,
    }
}

/// A second server (replica) on the same database and with the same log and VSA keys as `app`,
/// in its own data directory: what another `cairn-server` process of one deployment is.
pub async fn spawn_replica(app: &TestApp) -> (String, cairn_server::ServerHandle) {
    let shared = app.dir.path().join("cairn-data");
    let own = app.dir.path().join(format!("replica-{}", random_hex(4)));
    let mut settings = Settings::for_tests(&own, app.database.clone());
    settings.log_key_file = shared.join("log.key");
    settings.vsa_key_file = shared.join("vsa.key");
    let replica = Application::build(settings).await.unwrap();
    let url = format!("http://127.0.0.1:{}", replica.port());
    let handle = replica.handle();
    tokio::spawn(replica.run_until_stopped());
    (url, handle)
}

/// A path in the shared test data; fails loudly when the data is missing.
pub fn testdata(rel: &str) -> PathBuf {
    crate::shared::testdata_dir().join(rel)
}

/// Load a key written by `cairn key generate` (password "correct horse").
pub fn load_key(path: &Path) -> cairn_core::keys::SigningKey {
    let pem = std::fs::read(path).unwrap();
    let der = cairn_core::keys::decrypt_private_key(&pem, b"correct horse").unwrap();
    cairn_core::keys::SigningKey::from_pkcs8(&der, &SystemRandom::new()).unwrap()
}

/// A DSSE envelope over arbitrary payload bytes, signed by `key`.
pub fn sign_payload(
    key: &cairn_core::keys::SigningKey,
    payload_type: &str,
    payload: &[u8],
) -> String {
    let sig = key
        .sign(
            &cairn_core::dsse::pae(payload_type, payload),
            &SystemRandom::new(),
        )
        .unwrap();
    cairn_core::dsse::Envelope {
        payload_type: payload_type.into(),
        payload: payload.to_vec(),
        signatures: vec![cairn_core::dsse::Signature {
            keyid: Some(key.public_key().keyid().to_string()),
            sig,
        }],
    }
    .to_json()
}

pub fn sha256_of(text: &str) -> String {
    cairn_core::Digest::sha256_of(text.as_bytes()).to_string()
}

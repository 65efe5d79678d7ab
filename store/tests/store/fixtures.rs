//! Fresh databases per test, and signed attestations to store.

use cairn_core::Digest;
use cairn_core::attestation::{
    ReceivedEnvelope, TrustedKey, VerifiedAttestation, sign_statement, verify_attestation,
};
use cairn_core::keys::{GenerateAlgorithm, SigningKey};
use cairn_core::statement::{Statement, Subject};
use cairn_store::{DatabaseUrl, Store, StoreOptions, provision};
use ring::rand::{SecureRandom, SystemRandom};

pub struct TestDb {
    pub label: &'static str,
    pub url: DatabaseUrl,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn open(&self) -> Store {
        Store::open(&self.url, &StoreOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.label))
    }
}

/// SQLite always; PostgreSQL as well when `CAIRN_TEST_DATABASE_URL` is set.
pub struct Backends;

impl Backends {
    #[allow(clippy::new_ret_no_self)]
    pub async fn new() -> Vec<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        let mut out = vec![TestDb {
            label: "sqlite",
            url: DatabaseUrl::sqlite_in(dir.path()),
            _dir: Some(dir),
        }];
        if let Ok(base) = std::env::var("CAIRN_TEST_DATABASE_URL") {
            let base: DatabaseUrl = base.parse().expect("CAIRN_TEST_DATABASE_URL");
            let name = format!("{}_s{}", base.database_name().unwrap(), random_hex(6));
            let url = provision::create_postgres_database(&base, &name)
                .await
                .expect("create test database");
            out.push(TestDb {
                label: "postgres",
                url,
                _dir: None,
            });
        }
        out
    }
}

pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    SystemRandom::new().fill(&mut b).unwrap();
    hex::encode(b)
}

pub fn key() -> SigningKey {
    SigningKey::generate(GenerateAlgorithm::EcdsaP256, &SystemRandom::new()).unwrap()
}

/// A signed, verified attestation about `subjects` (unique bytes each call).
pub fn attestation(
    key: &SigningKey,
    subjects: &[(&str, &Digest)],
    predicate_type: &str,
) -> VerifiedAttestation {
    let rng = SystemRandom::new();
    let statement = Statement::new_v1(
        subjects
            .iter()
            .map(|(name, d)| Subject {
                name: (*name).to_owned(),
                digests: vec![(*d).clone()],
                other_digests: vec![],
            })
            .collect(),
        predicate_type,
        serde_json::json!({"nonce": random_hex(8)}),
    );
    let envelope = sign_statement(&statement, key, &rng).unwrap();
    let received = ReceivedEnvelope::parse(envelope.to_json().as_bytes()).unwrap();
    let trusted = TrustedKey {
        name: "test".into(),
        public_key: key.public_key().clone(),
    };
    verify_attestation(received, &[trusted]).unwrap()
}

/// The actor of test writes.
pub fn actor() -> cairn_store::Actor {
    cairn_store::Actor {
        name: "test".into(),
        role: "admin".into(),
        request_id: Some("r1".into()),
    }
}

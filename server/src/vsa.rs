//! The server's own signing key for Verification Summary Attestations (ECDSA P-256, DSSE).
//!
//! Created on first start as `<data-dir>/vsa.key` (PKCS#8 PEM, mode 0600); every replica of one
//! database must use the same file (like the log key). Its public key is served at
//! `GET /v1/vsa/key` so downstream tools can check VSAs offline (`cairn verify-dsse --key`).

use cairn_core::keys::{GenerateAlgorithm, SigningKey, decode_pem, encode_pem};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub struct VsaSigner {
    pub key: Arc<SigningKey>,
    /// `verifier.id` in every VSA.
    pub verifier_id: String,
}

impl std::fmt::Debug for VsaSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VsaSigner")
            .field("keyid", &self.key.public_key().keyid().as_str())
            .field("verifier_id", &self.verifier_id)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VsaKeyError {
    #[error("cannot read or create the VSA key file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the VSA key file {path} is not a PKCS#8 PEM private key: {detail}")]
    Malformed { path: PathBuf, detail: String },
}

impl VsaSigner {
    pub fn load_or_create(path: &Path, verifier_id: &str) -> Result<Self, VsaKeyError> {
        let io = |source| VsaKeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let rng = ring::rand::SystemRandom::new();
        let malformed = |detail: String| VsaKeyError::Malformed {
            path: path.to_path_buf(),
            detail,
        };
        for _ in 0..50 {
            match std::fs::read(path) {
                Ok(pem) if pem.ends_with(b"-----\n") => {
                    let (_, der) = decode_pem(&pem).map_err(|e| malformed(e.to_string()))?;
                    let key =
                        SigningKey::from_pkcs8(&der, &rng).map_err(|e| malformed(e.to_string()))?;
                    return Ok(Self {
                        key: Arc::new(key),
                        verifier_id: verifier_id.to_owned(),
                    });
                }
                // Being written by another replica.
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng)
                        .map_err(|e| malformed(e.to_string()))?;
                    let pem = encode_pem("PRIVATE KEY", key.pkcs8_der());
                    match crate::auth::create_private_file(path, &pem) {
                        Ok(()) => {
                            tracing::warn!(path = %path.display(), keyid = %key.public_key().keyid(),
                                "created the VSA signing key; back it up with the log key");
                            return Ok(Self {
                                key: Arc::new(key),
                                verifier_id: verifier_id.to_owned(),
                            });
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                        Err(e) => return Err(io(e)),
                    }
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(malformed("the file stayed incomplete".into()))
    }
}

//! Password-encrypted private keys in cosign's format, so teams can bring existing cosign keys.
//!
//! A PEM block labelled `ENCRYPTED SIGSTORE PRIVATE KEY` (cosign also wrote `ENCRYPTED COSIGN
//! PRIVATE KEY`; both are read) whose body is this JSON:
//!
//! ```json
//! {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": "<base64, 32 bytes>"},
//!  "cipher": {"name": "nacl/secretbox", "nonce": "<base64, 24 bytes>"},
//!  "ciphertext": "<base64>"}
//! ```
//!
//! The key is scrypt(password, salt, N, r, p) truncated to 32 bytes; the plaintext is the PKCS#8
//! DER private key sealed with NaCl secretbox (XSalsa20-Poly1305). An empty password is allowed
//! (`--no-password`), exactly as cosign does with an empty `COSIGN_PASSWORD`.

use super::pem::{decode_pem, encode_pem};
use crate::encoding::{decode_base64, encode_base64};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use ring::rand::SecureRandom;
use serde::{Deserialize, Serialize};

pub const PEM_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
const LEGACY_PEM_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
/// cosign's scrypt cost: N = 2^15, r = 8, p = 1.
const LOG_N: u8 = 15;
const R: u32 = 8;
const P: u32 = 1;
/// Refuse files that would make scrypt use more than 2^17 * 128 * r bytes (a DoS via a crafted file).
const MAX_LOG_N: u8 = 17;
const MAX_R: u32 = 16;
const MAX_P: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptedKeyError {
    #[error("not an encrypted private key: {0}")]
    Format(String),
    #[error("unsupported {what} {name:?} (cosign keys use scrypt and nacl/secretbox)")]
    Unsupported { what: &'static str, name: String },
    #[error("scrypt parameters out of range (N must be a power of two up to 2^{MAX_LOG_N})")]
    Params,
    #[error("wrong password, or the key file is corrupted")]
    Decrypt,
    #[error("random number generation failed")]
    Random,
}

impl EncryptedKeyError {
    pub fn code(&self) -> crate::Code {
        match self {
            EncryptedKeyError::Decrypt => crate::Code::WrongPassword,
            EncryptedKeyError::Random => crate::Code::Internal,
            EncryptedKeyError::Format(_)
            | EncryptedKeyError::Unsupported { .. }
            | EncryptedKeyError::Params => crate::Code::InvalidKey,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct EncryptedKey {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

fn derive_key(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
) -> Result<[u8; 32], EncryptedKeyError> {
    let params = scrypt::Params::new(log_n, r, p, 32).map_err(|_| EncryptedKeyError::Params)?;
    let mut key = [0u8; 32];
    scrypt::scrypt(password, salt, &params, &mut key).map_err(|_| EncryptedKeyError::Params)?;
    Ok(key)
}

/// Encrypt a PKCS#8 private key under `password` (may be empty) as a cosign-format PEM document.
pub fn encrypt_private_key(
    pkcs8_der: &[u8],
    password: &[u8],
    rng: &dyn SecureRandom,
) -> Result<String, EncryptedKeyError> {
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    rng.fill(&mut salt).map_err(|_| EncryptedKeyError::Random)?;
    rng.fill(&mut nonce)
        .map_err(|_| EncryptedKeyError::Random)?;
    let key = derive_key(password, &salt, LOG_N, R, P)?;
    let ciphertext = XSalsa20Poly1305::new(Key::from_slice(&key))
        .encrypt(Nonce::from_slice(&nonce), pkcs8_der)
        .map_err(|_| EncryptedKeyError::Decrypt)?;
    let doc = EncryptedKey {
        kdf: Kdf {
            name: "scrypt".into(),
            params: ScryptParams {
                n: 1u64 << LOG_N,
                r: R,
                p: P,
            },
            salt: encode_base64(&salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".into(),
            nonce: encode_base64(&nonce),
        },
        ciphertext: encode_base64(&ciphertext),
    };
    let json = serde_json::to_vec(&doc).map_err(|e| EncryptedKeyError::Format(e.to_string()))?;
    Ok(encode_pem(PEM_LABEL, &json))
}

/// Decrypt a cosign-format encrypted private key; returns the PKCS#8 DER.
pub fn decrypt_private_key(pem: &[u8], password: &[u8]) -> Result<Vec<u8>, EncryptedKeyError> {
    let (label, body) = decode_pem(pem).map_err(|e| EncryptedKeyError::Format(e.to_string()))?;
    if label != PEM_LABEL && label != LEGACY_PEM_LABEL {
        return Err(EncryptedKeyError::Format(format!(
            "PEM label is {label:?}, expected {PEM_LABEL:?}"
        )));
    }
    let doc: EncryptedKey =
        serde_json::from_slice(&body).map_err(|e| EncryptedKeyError::Format(e.to_string()))?;
    if doc.kdf.name != "scrypt" {
        return Err(EncryptedKeyError::Unsupported {
            what: "kdf",
            name: doc.kdf.name,
        });
    }
    if doc.cipher.name != "nacl/secretbox" {
        return Err(EncryptedKeyError::Unsupported {
            what: "cipher",
            name: doc.cipher.name,
        });
    }
    let n = doc.kdf.params.n;
    if !n.is_power_of_two() || n < 2 {
        return Err(EncryptedKeyError::Params);
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| EncryptedKeyError::Params)?;
    if log_n > MAX_LOG_N || doc.kdf.params.r > MAX_R || doc.kdf.params.p > MAX_P {
        return Err(EncryptedKeyError::Params);
    }
    let b64 = |field: &str, s: &str| {
        decode_base64(s).map_err(|_| EncryptedKeyError::Format(format!("{field} is not base64")))
    };
    let salt = b64("salt", &doc.kdf.salt)?;
    let nonce = b64("nonce", &doc.cipher.nonce)?;
    let ciphertext = b64("ciphertext", &doc.ciphertext)?;
    if nonce.len() != 24 {
        return Err(EncryptedKeyError::Format("nonce must be 24 bytes".into()));
    }
    let key = derive_key(password, &salt, log_n, doc.kdf.params.r, doc.kdf.params.p)?;
    XSalsa20Poly1305::new(Key::from_slice(&key))
        .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
        .map_err(|_| EncryptedKeyError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;

    #[test]
    fn round_trips_with_password_and_rejects_wrong_one() {
        let rng = SystemRandom::new();
        let secret = b"pkcs8 bytes stand-in";
        let pem = encrypt_private_key(secret, b"hunter2", &rng).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
        assert_eq!(
            decrypt_private_key(pem.as_bytes(), b"hunter2").unwrap(),
            secret
        );
        assert_eq!(
            decrypt_private_key(pem.as_bytes(), b"hunter3"),
            Err(EncryptedKeyError::Decrypt)
        );
    }

    #[test]
    fn empty_password_is_a_password() {
        let rng = SystemRandom::new();
        let pem = encrypt_private_key(b"k", b"", &rng).unwrap();
        assert_eq!(decrypt_private_key(pem.as_bytes(), b"").unwrap(), b"k");
        assert!(decrypt_private_key(pem.as_bytes(), b"x").is_err());
    }

    #[test]
    fn rejects_excessive_scrypt_cost() {
        let json = br#"{"kdf":{"name":"scrypt","params":{"N":1073741824,"r":8,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"ciphertext":"AA=="}"#;
        let pem = encode_pem(PEM_LABEL, json);
        assert_eq!(
            decrypt_private_key(pem.as_bytes(), b""),
            Err(EncryptedKeyError::Params)
        );
    }
}

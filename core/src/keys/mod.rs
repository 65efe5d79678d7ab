//! Signer keys: public keys (PEM SPKI), signature verification with `ring`, key generation and
//! password-encrypted private keys in cosign's format.
//!
//! Supported: ECDSA P-256/SHA-256 and P-384/SHA-384 (DER or fixed r||s signatures), Ed25519, and
//! RSA (2048-8192 bits) PKCS#1 v1.5 or PSS with SHA-256/384/512. A key's id is the lowercase hex
//! SHA-256 of its SubjectPublicKeyInfo DER.

mod encrypted;
mod pem;

pub use encrypted::{EncryptedKeyError, decrypt_private_key, encrypt_private_key};
pub use pem::{PemError, decode_pem, decode_pem_blocks, encode_pem};

use crate::digest::Digest;
use crate::limits;
use ring::rand::SecureRandom;
use ring::signature::{self as rs, KeyPair, VerificationAlgorithm};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";
const OID_RSA: &str = "1.2.840.113549.1.1.1";

/// SPKI DER prefixes for the key types Cairn generates (the raw key follows).
const SPKI_PREFIX_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const SPKI_PREFIX_P384: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00,
];
const SPKI_PREFIX_ED25519: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The smallest RSA modulus Cairn accepts.
pub const MIN_RSA_BITS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not a PEM public key: {0}")]
    Pem(#[from] PemError),
    #[error("expected a PEM block labelled PUBLIC KEY, found {0:?}")]
    WrongPemLabel(String),
    #[error("malformed SubjectPublicKeyInfo")]
    MalformedSpki,
    #[error("unsupported key algorithm {0} (supported: ECDSA P-256/P-384, Ed25519, RSA)")]
    UnsupportedAlgorithm(String),
    #[error("RSA key of {bits} bits is too small (minimum {MIN_RSA_BITS})")]
    RsaTooSmall { bits: usize },
    #[error("public key document exceeds {max} bytes")]
    TooLarge { max: usize },
    #[error("malformed private key: {0}")]
    MalformedPrivateKey(&'static str),
    #[error("signing failed")]
    SigningFailed,
    #[error("key generation failed")]
    GenerationFailed,
}

impl KeyError {
    pub fn code(&self) -> crate::Code {
        match self {
            KeyError::TooLarge { .. } => crate::Code::PayloadTooLarge,
            KeyError::SigningFailed | KeyError::GenerationFailed => crate::Code::Internal,
            KeyError::Pem(_)
            | KeyError::WrongPemLabel(_)
            | KeyError::MalformedSpki
            | KeyError::UnsupportedAlgorithm(_)
            | KeyError::RsaTooSmall { .. }
            | KeyError::MalformedPrivateKey(_) => crate::Code::InvalidKey,
        }
    }
}

/// Hex SHA-256 of a key's SubjectPublicKeyInfo DER.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a keyid is 64 lowercase hex characters (sha256 of the SPKI DER)")]
pub struct KeyIdError;

impl KeyIdError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidRequest
    }
}

impl KeyId {
    pub fn of_spki(spki_der: &[u8]) -> Self {
        Self(Digest::sha256_of(spki_der).hex())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The first 12 hex characters, for human output.
    pub fn short(&self) -> &str {
        self.0.get(..12).unwrap_or(&self.0)
    }
}

impl FromStr for KeyId {
    type Err = KeyIdError;
    fn from_str(s: &str) -> Result<Self, KeyIdError> {
        let ok = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(KeyIdError)
        }
    }
}

impl TryFrom<String> for KeyId {
    type Error = KeyIdError;
    fn try_from(s: String) -> Result<Self, KeyIdError> {
        s.parse()
    }
}

impl From<KeyId> for String {
    fn from(k: KeyId) -> String {
        k.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    #[serde(rename = "ed25519")]
    Ed25519,
    #[serde(rename = "rsa")]
    Rsa,
}

impl KeyAlgorithm {
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::Rsa => "rsa",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s {
            "ecdsa-p256" => Ok(KeyAlgorithm::EcdsaP256),
            "ecdsa-p384" => Ok(KeyAlgorithm::EcdsaP384),
            "ed25519" => Ok(KeyAlgorithm::Ed25519),
            "rsa" => Ok(KeyAlgorithm::Rsa),
            other => Err(KeyError::UnsupportedAlgorithm(
                other.chars().take(40).collect(),
            )),
        }
    }
}

/// Which scheme verified a signature (recorded in reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    EcdsaP256Sha256Der,
    EcdsaP256Sha256Fixed,
    EcdsaP384Sha384Der,
    EcdsaP384Sha384Fixed,
    Ed25519,
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    RsaPssSha256,
    RsaPssSha384,
    RsaPssSha512,
}

impl SignatureScheme {
    pub const fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::EcdsaP256Sha256Der => "ecdsa-p256-sha256 (DER)",
            SignatureScheme::EcdsaP256Sha256Fixed => "ecdsa-p256-sha256 (r||s)",
            SignatureScheme::EcdsaP384Sha384Der => "ecdsa-p384-sha384 (DER)",
            SignatureScheme::EcdsaP384Sha384Fixed => "ecdsa-p384-sha384 (r||s)",
            SignatureScheme::Ed25519 => "ed25519",
            SignatureScheme::RsaPkcs1Sha256 => "rsa-pkcs1v15-sha256",
            SignatureScheme::RsaPkcs1Sha384 => "rsa-pkcs1v15-sha384",
            SignatureScheme::RsaPkcs1Sha512 => "rsa-pkcs1v15-sha512",
            SignatureScheme::RsaPssSha256 => "rsa-pss-sha256",
            SignatureScheme::RsaPssSha384 => "rsa-pss-sha384",
            SignatureScheme::RsaPssSha512 => "rsa-pss-sha512",
        }
    }
}

type Scheme = (SignatureScheme, &'static dyn VerificationAlgorithm);

const P256_SCHEMES: &[Scheme] = &[
    (
        SignatureScheme::EcdsaP256Sha256Der,
        &rs::ECDSA_P256_SHA256_ASN1,
    ),
    (
        SignatureScheme::EcdsaP256Sha256Fixed,
        &rs::ECDSA_P256_SHA256_FIXED,
    ),
];
const P384_SCHEMES: &[Scheme] = &[
    (
        SignatureScheme::EcdsaP384Sha384Der,
        &rs::ECDSA_P384_SHA384_ASN1,
    ),
    (
        SignatureScheme::EcdsaP384Sha384Fixed,
        &rs::ECDSA_P384_SHA384_FIXED,
    ),
];
const ED25519_SCHEMES: &[Scheme] = &[(SignatureScheme::Ed25519, &rs::ED25519)];
const RSA_SCHEMES: &[Scheme] = &[
    (
        SignatureScheme::RsaPkcs1Sha256,
        &rs::RSA_PKCS1_2048_8192_SHA256,
    ),
    (SignatureScheme::RsaPssSha256, &rs::RSA_PSS_2048_8192_SHA256),
    (
        SignatureScheme::RsaPkcs1Sha384,
        &rs::RSA_PKCS1_2048_8192_SHA384,
    ),
    (SignatureScheme::RsaPssSha384, &rs::RSA_PSS_2048_8192_SHA384),
    (
        SignatureScheme::RsaPkcs1Sha512,
        &rs::RSA_PKCS1_2048_8192_SHA512,
    ),
    (SignatureScheme::RsaPssSha512, &rs::RSA_PSS_2048_8192_SHA512),
];

/// A parsed public key, ready to verify signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    algorithm: KeyAlgorithm,
    spki_der: Vec<u8>,
    /// The SPKI's subjectPublicKey bits: what ring takes (EC point, Ed25519 key, RSAPublicKey DER).
    key_bits: Vec<u8>,
    keyid: KeyId,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} {})", self.algorithm, self.keyid.short())
    }
}

impl PublicKey {
    /// Parse a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) document.
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        if pem.len() > limits::MAX_PUBLIC_KEY_BYTES {
            return Err(KeyError::TooLarge {
                max: limits::MAX_PUBLIC_KEY_BYTES,
            });
        }
        let (label, der) = decode_pem(pem)?;
        if label != "PUBLIC KEY" {
            return Err(KeyError::WrongPemLabel(label.chars().take(40).collect()));
        }
        Self::from_spki_der(&der)
    }

    /// Parse a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let (rest, spki) =
            SubjectPublicKeyInfo::from_der(der).map_err(|_| KeyError::MalformedSpki)?;
        if !rest.is_empty() {
            return Err(KeyError::MalformedSpki);
        }
        let oid = spki.algorithm.algorithm.to_id_string();
        let key_bits = spki.subject_public_key.data.to_vec();
        let algorithm = match oid.as_str() {
            OID_EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string())
                    .ok_or(KeyError::MalformedSpki)?;
                match curve.as_str() {
                    OID_P256 if key_bits.len() == 65 => KeyAlgorithm::EcdsaP256,
                    OID_P384 if key_bits.len() == 97 => KeyAlgorithm::EcdsaP384,
                    OID_P256 | OID_P384 => return Err(KeyError::MalformedSpki),
                    other => {
                        return Err(KeyError::UnsupportedAlgorithm(format!("EC curve {other}")));
                    }
                }
            }
            OID_ED25519 if key_bits.len() == 32 => KeyAlgorithm::Ed25519,
            OID_ED25519 => return Err(KeyError::MalformedSpki),
            OID_RSA => {
                let bits = match spki.parsed() {
                    Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
                    _ => return Err(KeyError::MalformedSpki),
                };
                if bits < MIN_RSA_BITS {
                    return Err(KeyError::RsaTooSmall { bits });
                }
                KeyAlgorithm::Rsa
            }
            other => return Err(KeyError::UnsupportedAlgorithm(format!("OID {other}"))),
        };
        // The key must be a valid point: an off-curve EC key would be registered and then
        // fail every verification (or worse, confuse a verifier that does not check).
        let validator: Option<&'static dyn aws_lc_rs::signature::VerificationAlgorithm> =
            match algorithm {
                KeyAlgorithm::EcdsaP256 => Some(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1),
                KeyAlgorithm::EcdsaP384 => Some(&aws_lc_rs::signature::ECDSA_P384_SHA384_ASN1),
                KeyAlgorithm::Ed25519 => Some(&aws_lc_rs::signature::ED25519),
                KeyAlgorithm::Rsa => None,
            };
        if let Some(alg) = validator
            && aws_lc_rs::signature::ParsedPublicKey::new(alg, &key_bits).is_err()
        {
            return Err(KeyError::MalformedSpki);
        }
        Ok(Self {
            algorithm,
            spki_der: der.to_vec(),
            key_bits,
            keyid: KeyId::of_spki(der),
        })
    }

    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    pub fn keyid(&self) -> &KeyId {
        &self.keyid
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    pub fn to_pem(&self) -> String {
        encode_pem("PUBLIC KEY", &self.spki_der)
    }

    /// Verify `signature` over `message`; on success, say which scheme matched.
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignatureScheme, BadSignature> {
        if signature.len() > limits::MAX_SIGNATURE_BYTES {
            return Err(BadSignature);
        }
        let schemes = match self.algorithm {
            KeyAlgorithm::EcdsaP256 => P256_SCHEMES,
            KeyAlgorithm::EcdsaP384 => P384_SCHEMES,
            KeyAlgorithm::Ed25519 => ED25519_SCHEMES,
            KeyAlgorithm::Rsa => RSA_SCHEMES,
        };
        schemes
            .iter()
            .find(|(_, alg)| {
                rs::UnparsedPublicKey::new(*alg, &self.key_bits)
                    .verify(message, signature)
                    .is_ok()
            })
            .map(|(scheme, _)| *scheme)
            .ok_or(BadSignature)
    }
}

/// A signature that did not verify. Deliberately carries no detail: which scheme "almost"
/// matched is not information a caller should act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature does not verify")]
pub struct BadSignature;

/// Algorithms Cairn can generate keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GenerateAlgorithm {
    #[default]
    EcdsaP256,
    Ed25519,
}

impl FromStr for GenerateAlgorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, KeyError> {
        match s {
            "ecdsa-p256" => Ok(GenerateAlgorithm::EcdsaP256),
            "ed25519" => Ok(GenerateAlgorithm::Ed25519),
            other => Err(KeyError::UnsupportedAlgorithm(
                other.chars().take(40).collect(),
            )),
        }
    }
}

enum SigningKeyPair {
    EcdsaP256(rs::EcdsaKeyPair),
    EcdsaP384(rs::EcdsaKeyPair),
    Ed25519(rs::Ed25519KeyPair),
}

/// A private key able to sign, with its PKCS#8 encoding (what the key file stores).
pub struct SigningKey {
    pair: SigningKeyPair,
    pkcs8: Vec<u8>,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?})", self.public)
    }
}

impl SigningKey {
    pub fn generate(
        algorithm: GenerateAlgorithm,
        rng: &dyn SecureRandom,
    ) -> Result<Self, KeyError> {
        let pkcs8 = match algorithm {
            GenerateAlgorithm::EcdsaP256 => {
                rs::EcdsaKeyPair::generate_pkcs8(&rs::ECDSA_P256_SHA256_ASN1_SIGNING, rng)
                    .map_err(|_| KeyError::GenerationFailed)?
                    .as_ref()
                    .to_vec()
            }
            GenerateAlgorithm::Ed25519 => rs::Ed25519KeyPair::generate_pkcs8(rng)
                .map_err(|_| KeyError::GenerationFailed)?
                .as_ref()
                .to_vec(),
        };
        Self::from_pkcs8(&pkcs8, rng)
    }

    /// Load a PKCS#8 private key (ECDSA P-256, P-384 or Ed25519).
    pub fn from_pkcs8(der: &[u8], rng: &dyn SecureRandom) -> Result<Self, KeyError> {
        let (pair, spki) = if let Ok(k) =
            rs::EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_ASN1_SIGNING, der, rng)
        {
            let spki = [SPKI_PREFIX_P256, k.public_key().as_ref()].concat();
            (SigningKeyPair::EcdsaP256(k), spki)
        } else if let Ok(k) =
            rs::EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P384_SHA384_ASN1_SIGNING, der, rng)
        {
            let spki = [SPKI_PREFIX_P384, k.public_key().as_ref()].concat();
            (SigningKeyPair::EcdsaP384(k), spki)
        } else if let Ok(k) = rs::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
            let spki = [SPKI_PREFIX_ED25519, k.public_key().as_ref()].concat();
            (SigningKeyPair::Ed25519(k), spki)
        } else {
            return Err(KeyError::MalformedPrivateKey(
                "not a PKCS#8 ECDSA P-256/P-384 or Ed25519 private key",
            ));
        };
        Ok(Self {
            pair,
            pkcs8: der.to_vec(),
            public: PublicKey::from_spki_der(&spki)?,
        })
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// Sign `message`. ECDSA signatures are DER-encoded (as cosign writes them).
    pub fn sign(&self, message: &[u8], rng: &dyn SecureRandom) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            SigningKeyPair::EcdsaP256(k) | SigningKeyPair::EcdsaP384(k) => k
                .sign(rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::SigningFailed),
            SigningKeyPair::Ed25519(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_curve_points_are_rejected() {
        // A P-256 SPKI whose point is not on the curve (OpenSSL refuses it too).
        let pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDp8Rk3o5rLf4VQmkODe7qdKX8rZ9\nHHJX8GvJ5ht6Y0Yk3H+eBz4BeRlzXw3Y2bSgDmpxZ5nROMy6JQ2dUCEYeA==\n-----END PUBLIC KEY-----\n";
        assert_eq!(
            PublicKey::from_pem(pem.as_bytes()).unwrap_err(),
            KeyError::MalformedSpki
        );
        let good = SigningKey::generate(
            GenerateAlgorithm::EcdsaP256,
            &ring::rand::SystemRandom::new(),
        )
        .unwrap();
        assert!(PublicKey::from_pem(good.public_key().to_pem().as_bytes()).is_ok());
    }
    use ring::rand::SystemRandom;

    #[test]
    fn generated_keys_sign_and_verify() {
        let rng = SystemRandom::new();
        for (alg, expected) in [
            (GenerateAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP256),
            (GenerateAlgorithm::Ed25519, KeyAlgorithm::Ed25519),
        ] {
            let key = SigningKey::generate(alg, &rng).unwrap();
            assert_eq!(key.public_key().algorithm(), expected);
            let sig = key.sign(b"message", &rng).unwrap();
            assert!(key.public_key().verify(b"message", &sig).is_ok());
            assert_eq!(key.public_key().verify(b"messagE", &sig), Err(BadSignature));
            // PEM round trip keeps the keyid.
            let reparsed = PublicKey::from_pem(key.public_key().to_pem().as_bytes()).unwrap();
            assert_eq!(reparsed.keyid(), key.public_key().keyid());
            // PKCS#8 round trip keeps the key.
            let again = SigningKey::from_pkcs8(key.pkcs8_der(), &rng).unwrap();
            assert_eq!(again.public_key(), key.public_key());
        }
    }

    #[test]
    fn keyid_is_sha256_of_spki() {
        let rng = SystemRandom::new();
        let key = SigningKey::generate(GenerateAlgorithm::EcdsaP256, &rng).unwrap();
        let expected = Digest::sha256_of(key.public_key().spki_der()).hex();
        assert_eq!(key.public_key().keyid().as_str(), expected);
    }

    #[test]
    fn rejects_non_public_key_pem() {
        let pem = encode_pem("PRIVATE KEY", &[1, 2, 3]);
        assert!(matches!(
            PublicKey::from_pem(pem.as_bytes()),
            Err(KeyError::WrongPemLabel(_))
        ));
        let pem = encode_pem("PUBLIC KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]);
        assert_eq!(
            PublicKey::from_pem(pem.as_bytes()),
            Err(KeyError::MalformedSpki)
        );
    }

    #[test]
    fn keyid_parse_requires_lowercase_hex() {
        assert!("A".repeat(64).parse::<KeyId>().is_err());
        assert!("a".repeat(64).parse::<KeyId>().is_ok());
        assert!("a".repeat(63).parse::<KeyId>().is_err());
    }
}

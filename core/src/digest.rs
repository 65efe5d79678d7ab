//! Content digests: `sha256:<64 lowercase hex>` (also sha384, sha512).
//!
//! Parsed once at the edge; everything else takes a [`Digest`]. Uppercase hex is rejected rather
//! than normalised, so one artifact can never be stored under two spellings.

use ring::digest as rd;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub const fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    pub const fn byte_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }

    pub const fn hex_len(self) -> usize {
        self.byte_len() * 2
    }

    fn ring_algorithm(self) -> &'static rd::Algorithm {
        match self {
            DigestAlgorithm::Sha256 => &rd::SHA256,
            DigestAlgorithm::Sha384 => &rd::SHA384,
            DigestAlgorithm::Sha512 => &rd::SHA512,
        }
    }
}

impl FromStr for DigestAlgorithm {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, DigestError> {
        match s {
            "sha256" => Ok(DigestAlgorithm::Sha256),
            "sha384" => Ok(DigestAlgorithm::Sha384),
            "sha512" => Ok(DigestAlgorithm::Sha512),
            other => Err(DigestError::UnsupportedAlgorithm(truncate(other))),
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("digest has no algorithm prefix (expected e.g. sha256:<hex>)")]
    MissingAlgorithm,
    #[error("unsupported digest algorithm {0:?} (supported: sha256, sha384, sha512)")]
    UnsupportedAlgorithm(String),
    #[error("{algorithm} digest must be {} lowercase hex characters", algorithm.hex_len())]
    Malformed { algorithm: DigestAlgorithm },
}

impl DigestError {
    pub fn code(&self) -> crate::Code {
        crate::Code::InvalidDigest
    }
}

/// A content digest: algorithm plus the raw hash bytes.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest {
    algorithm: DigestAlgorithm,
    bytes: Box<[u8]>,
}

impl Digest {
    /// Parse an algorithm name and a hex value given separately (the in-toto subject map form).
    pub fn from_parts(algorithm: &str, hex_value: &str) -> Result<Self, DigestError> {
        let algorithm: DigestAlgorithm = algorithm.parse()?;
        let lower_hex = hex_value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !lower_hex || hex_value.len() != algorithm.hex_len() {
            return Err(DigestError::Malformed { algorithm });
        }
        let bytes = hex::decode(hex_value).map_err(|_| DigestError::Malformed { algorithm })?;
        Ok(Self {
            algorithm,
            bytes: bytes.into(),
        })
    }

    /// SHA-256 of `data`.
    pub fn sha256_of(data: &[u8]) -> Self {
        Self::compute(DigestAlgorithm::Sha256, data)
    }

    pub fn compute(algorithm: DigestAlgorithm, data: &[u8]) -> Self {
        let d = rd::digest(algorithm.ring_algorithm(), data);
        Self {
            algorithm,
            bytes: d.as_ref().into(),
        }
    }

    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn hex(&self) -> String {
        hex::encode(&self.bytes)
    }
}

impl FromStr for Digest {
    type Err = DigestError;
    fn from_str(s: &str) -> Result<Self, DigestError> {
        let (algo, hex_value) = s.split_once(':').ok_or(DigestError::MissingAlgorithm)?;
        Self::from_parts(algo, hex_value)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.to_string()
    }
}

impl TryFrom<String> for Digest {
    type Error = DigestError;
    fn try_from(s: String) -> Result<Self, DigestError> {
        s.parse()
    }
}

/// Shorten untrusted input before echoing it in an error.
pub(crate) fn truncate(s: &str) -> String {
    crate::code::excerpt(s, 80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEX64: &str = "a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4";

    #[test]
    fn accepts_lowercase_sha256() {
        let d: Digest = format!("sha256:{HEX64}").parse().unwrap();
        assert_eq!(d.algorithm(), DigestAlgorithm::Sha256);
        assert_eq!(d.to_string(), format!("sha256:{HEX64}"));
    }

    #[test]
    fn rejects_uppercase_hex() {
        let err = format!("sha256:{}", HEX64.to_uppercase())
            .parse::<Digest>()
            .unwrap_err();
        assert_eq!(
            err,
            DigestError::Malformed {
                algorithm: DigestAlgorithm::Sha256
            }
        );
    }

    #[test]
    fn rejects_wrong_length_unknown_algorithm_and_missing_prefix() {
        assert!("sha256:abcd".parse::<Digest>().is_err());
        assert!(format!("sha384:{HEX64}").parse::<Digest>().is_err());
        assert!(format!("md5:{HEX64}").parse::<Digest>().is_err());
        assert_eq!(
            HEX64.parse::<Digest>().unwrap_err(),
            DigestError::MissingAlgorithm
        );
    }

    #[test]
    fn accepts_sha384_and_sha512() {
        let d384 = Digest::compute(DigestAlgorithm::Sha384, b"x");
        let d512 = Digest::compute(DigestAlgorithm::Sha512, b"x");
        assert_eq!(d384.to_string().parse::<Digest>().unwrap(), d384);
        assert_eq!(d512.to_string().parse::<Digest>().unwrap(), d512);
    }

    #[test]
    fn computes_sha256_of_empty_input() {
        assert_eq!(
            Digest::sha256_of(b"").hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn serde_goes_through_the_parser() {
        assert!(serde_json::from_str::<Digest>("\"sha256:00\"").is_err());
        let d: Digest = serde_json::from_str(&format!("\"sha256:{HEX64}\"")).unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            format!("\"sha256:{HEX64}\"")
        );
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(bytes in proptest::collection::vec(any::<u8>(), 32)) {
            let d = Digest::from_parts("sha256", &hex::encode(&bytes)).unwrap();
            prop_assert_eq!(d.to_string().parse::<Digest>().unwrap(), d);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,200}") {
            let _ = s.parse::<Digest>();
        }
    }
}

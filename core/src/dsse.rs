//! DSSE envelopes (DSSE v1.0): parsing, serialisation and PAE.
//!
//! Guarantee: [`Envelope::parse`] never interprets the payload. Callers verify a signature over
//! [`pae`] of the exact payload bytes first, and only then decode the payload (see
//! [`crate::attestation`]).

use crate::encoding::{decode_base64, encode_base64};
use crate::limits;
use serde::{Deserialize, Serialize};

/// Media type of an in-toto Statement inside a DSSE envelope.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<Signature>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Unauthenticated hint naming the key; used to pick a key first, never to decide trust.
    pub keyid: Option<String>,
    pub sig: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DsseError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a DSSE envelope: {0}")]
    Shape(String),
    #[error("{field} is not valid base64 (standard or URL-safe)")]
    Base64 { field: &'static str },
    #[error("envelope has no signatures")]
    NoSignatures,
    #[error("envelope has {count} signatures; at most {max} are accepted")]
    TooManySignatures { count: usize, max: usize },
    #[error("{field} exceeds {max} bytes")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("payloadType is empty")]
    EmptyPayloadType,
}

impl DsseError {
    pub fn code(&self) -> crate::Code {
        match self {
            DsseError::Json(_) => crate::Code::InvalidJson,
            DsseError::Shape(_)
            | DsseError::Base64 { .. }
            | DsseError::NoSignatures
            | DsseError::TooManySignatures { .. }
            | DsseError::FieldTooLong { .. }
            | DsseError::EmptyPayloadType => crate::Code::InvalidEnvelope,
        }
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct WireEnvelope {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<WireSignature>,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct WireSignature {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    keyid: String,
    sig: String,
}

impl Envelope {
    /// Parse a DSSE envelope from JSON bytes. Standard and URL-safe base64 are both accepted.
    pub fn parse(bytes: &[u8]) -> Result<Self, DsseError> {
        // Parse straight into the wire struct: duplicate keys are rejected there, whereas a
        // generic JSON value would silently keep the last one. The error category tells "not
        // JSON" (syntax, truncation) from "JSON of the wrong shape" for a precise code.
        let wire: WireEnvelope = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => DsseError::Shape(e.to_string()),
            serde_json::error::Category::Io
            | serde_json::error::Category::Syntax
            | serde_json::error::Category::Eof => DsseError::Json(e.to_string()),
        })?;
        if wire.payload_type.is_empty() {
            return Err(DsseError::EmptyPayloadType);
        }
        if wire.payload_type.len() > limits::MAX_PAYLOAD_TYPE_CHARS {
            return Err(DsseError::FieldTooLong {
                field: "payloadType",
                max: limits::MAX_PAYLOAD_TYPE_CHARS,
            });
        }
        if wire.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        if wire.signatures.len() > limits::MAX_SIGNATURES {
            return Err(DsseError::TooManySignatures {
                count: wire.signatures.len(),
                max: limits::MAX_SIGNATURES,
            });
        }
        let payload =
            decode_base64(&wire.payload).map_err(|_| DsseError::Base64 { field: "payload" })?;
        let signatures = wire
            .signatures
            .into_iter()
            .map(|s| {
                if s.keyid.len() > limits::MAX_KEYID_CHARS {
                    return Err(DsseError::FieldTooLong {
                        field: "keyid",
                        max: limits::MAX_KEYID_CHARS,
                    });
                }
                if s.sig.len() > limits::MAX_SIGNATURE_BYTES * 2 {
                    return Err(DsseError::FieldTooLong {
                        field: "sig",
                        max: limits::MAX_SIGNATURE_BYTES,
                    });
                }
                let sig = decode_base64(&s.sig).map_err(|_| DsseError::Base64 { field: "sig" })?;
                if sig.is_empty() {
                    return Err(DsseError::Shape("empty signature".into()));
                }
                Ok(Signature {
                    keyid: (!s.keyid.is_empty()).then_some(s.keyid),
                    sig,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// Serialise as compact JSON with standard padded base64 (what cosign writes).
    pub fn to_json(&self) -> String {
        let wire = WireEnvelope {
            payload_type: self.payload_type.clone(),
            payload: encode_base64(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSignature {
                    keyid: s.keyid.clone().unwrap_or_default(),
                    sig: encode_base64(&s.sig),
                })
                .collect(),
        };
        // Serialising plain strings cannot fail; fall back to an empty object defensively.
        serde_json::to_string(&wire).unwrap_or_else(|_| String::from("{}"))
    }

    /// The bytes every signature covers.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }
}

/// Pre-authentication encoding, DSSE v1.0 "PAE":
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal.
///
/// Both fields are length-prefixed so no (type, body) pair re-splits into another with the same
/// encoding: a signature cannot be replayed under a different payloadType.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let header = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    );
    let mut out = Vec::with_capacity(header.len() + payload.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pae_matches_the_spec_example() {
        // DSSE v1.0 protocol.md test vector.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn parses_and_round_trips() {
        let json =
            r#"{"payloadType":"t","payload":"aGk=","signatures":[{"keyid":"k","sig":"AQI="}]}"#;
        let env = Envelope::parse(json.as_bytes()).unwrap();
        assert_eq!(env.payload, b"hi");
        assert_eq!(env.signatures[0].keyid.as_deref(), Some("k"));
        assert_eq!(env.to_json(), json);
        assert_eq!(Envelope::parse(env.to_json().as_bytes()).unwrap(), env);
    }

    #[test]
    fn accepts_url_safe_base64_and_empty_keyid() {
        let json = r#"{"payloadType":"t","payload":"-_8","signatures":[{"keyid":"","sig":"_w"}]}"#;
        let env = Envelope::parse(json.as_bytes()).unwrap();
        assert_eq!(env.payload, [0xfb, 0xff]);
        assert_eq!(env.signatures[0].keyid, None);
        assert_eq!(env.signatures[0].sig, [0xff]);
    }

    #[test]
    fn rejects_each_malformation_with_its_code() {
        use crate::Code;
        let cases: &[(&str, Code)] = &[
            ("not json", Code::InvalidJson),
            ("[]", Code::InvalidEnvelope),
            (
                r#"{"payloadType":"t","payload":"aGk=","signatures":[]}"#,
                Code::InvalidEnvelope,
            ),
            (
                r#"{"payloadType":"t","payload":"%%","signatures":[{"sig":"AQI="}]}"#,
                Code::InvalidEnvelope,
            ),
            (
                r#"{"payloadType":"","payload":"aGk=","signatures":[{"sig":"AQI="}]}"#,
                Code::InvalidEnvelope,
            ),
            (
                r#"{"payloadType":"t","payload":"aGk=","signatures":[{"sig":"AQI="}],"x":1}"#,
                Code::InvalidEnvelope,
            ),
            (
                r#"{"payloadType":"t","payload":"aGk=","payload":"aGk=","signatures":[{"sig":"AQI="}]}"#,
                Code::InvalidEnvelope,
            ),
        ];
        for (input, code) in cases {
            let err = Envelope::parse(input.as_bytes()).unwrap_err();
            assert_eq!(err.code(), *code, "{input}: {err}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Envelope::parse(&bytes);
        }

        #[test]
        fn serialise_parse_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..256),
                                      sig in proptest::collection::vec(any::<u8>(), 1..128),
                                      keyid in "[a-f0-9]{0,64}") {
            let env = Envelope {
                payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
                payload,
                signatures: vec![Signature { keyid: (!keyid.is_empty()).then_some(keyid), sig }],
            };
            prop_assert_eq!(Envelope::parse(env.to_json().as_bytes()).unwrap(), env);
        }
    }
}

//! Base64 as DSSE producers actually write it.
//!
//! The DSSE spec allows standard or URL-safe base64, padded or not; real producers emit all four.
//! Decoding accepts each alphabet in full (never a mix within one value); encoding always writes
//! standard padded base64.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(true)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not valid base64 (standard or URL-safe)")]
pub struct Base64Error;

/// Decode standard or URL-safe base64, with or without padding.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, Base64Error> {
    let uses_url_alphabet = s.bytes().any(|b| b == b'-' || b == b'_');
    let engine = if uses_url_alphabet {
        &URL_SAFE
    } else {
        &STANDARD
    };
    engine.decode(s).map_err(|_| Base64Error)
}

/// Encode as unpadded URL-safe base64 (tokens).
pub fn base64url_nopad(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode strict unpadded URL-safe base64 (tokens); `None` if it is anything else.
pub fn base64url_nopad_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

/// Encode as standard, padded base64.
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_and_url_safe_with_or_without_padding() {
        let bytes = [0xfb, 0xff, 0xfe, 0x01];
        for s in ["+//+AQ==", "+//+AQ", "-__-AQ==", "-__-AQ"] {
            assert_eq!(decode_base64(s).unwrap(), bytes, "{s}");
        }
    }

    #[test]
    fn rejects_mixed_alphabets_and_garbage() {
        assert!(decode_base64("+__-AQ==").is_err());
        assert!(decode_base64("not base64!").is_err());
    }

    #[test]
    fn encodes_standard_padded() {
        assert_eq!(encode_base64(&[0xfb, 0xff, 0xfe, 0x01]), "+//+AQ==");
    }
}

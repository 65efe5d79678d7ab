//! Minimal PEM (RFC 7468) encoding and decoding of a single block.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    #[error("no -----BEGIN ...----- line")]
    MissingBegin,
    #[error("no matching -----END {0}----- line")]
    MissingEnd(String),
    #[error("PEM body is not valid base64")]
    Base64,
    #[error("PEM document is not UTF-8")]
    NotUtf8,
}

/// Decode the first PEM block in `input`: its label and DER contents.
pub fn decode_pem(input: &[u8]) -> Result<(String, Vec<u8>), PemError> {
    let text = std::str::from_utf8(input).map_err(|_| PemError::NotUtf8)?;
    next_block(text)?
        .map(|(label, der, _)| (label, der))
        .ok_or(PemError::MissingBegin)
}

/// Decode the PEM blocks of `input` in order (text between blocks is ignored), stopping after
/// `max + 1` blocks so a caller can tell "more than `max`" without decoding an unbounded number.
pub fn decode_pem_blocks(input: &[u8], max: usize) -> Result<Vec<(String, Vec<u8>)>, PemError> {
    let mut text = std::str::from_utf8(input).map_err(|_| PemError::NotUtf8)?;
    let mut blocks = Vec::new();
    while blocks.len() <= max {
        let Some((label, der, used)) = next_block(text)? else {
            break;
        };
        blocks.push((label, der));
        text = text.get(used..).unwrap_or("");
    }
    Ok(blocks)
}

/// The first block of `text`, and how many bytes of `text` it spans (up to its END line).
fn next_block(text: &str) -> Result<Option<(String, Vec<u8>, usize)>, PemError> {
    let Some(begin_at) = text.find("-----BEGIN ") else {
        return Ok(None);
    };
    let after_begin = &text[begin_at + "-----BEGIN ".len()..];
    let label_end = after_begin.find("-----").ok_or(PemError::MissingBegin)?;
    let label = &after_begin[..label_end];
    if label.contains('\n') {
        return Err(PemError::MissingBegin);
    }
    let body_start = &after_begin[label_end + "-----".len()..];
    let end_marker = format!("-----END {label}-----");
    let end_at = body_start
        .find(&end_marker)
        .ok_or_else(|| PemError::MissingEnd(label.to_owned()))?;
    let body: String = body_start[..end_at]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(body).map_err(|_| PemError::Base64)?;
    let used = (text.len() - body_start.len()) + end_at + end_marker.len();
    Ok(Some((label.to_owned(), der, used)))
}

/// Encode DER bytes as a PEM block with 64-column lines.
pub fn encode_pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        let pem = encode_pem("PUBLIC KEY", &der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(
            decode_pem(pem.as_bytes()).unwrap(),
            ("PUBLIC KEY".to_owned(), der)
        );
    }

    #[test]
    fn rejects_missing_markers_and_bad_base64() {
        assert_eq!(decode_pem(b"hello"), Err(PemError::MissingBegin));
        assert!(matches!(
            decode_pem(b"-----BEGIN X-----\nAAAA\n"),
            Err(PemError::MissingEnd(_))
        ));
        assert_eq!(
            decode_pem(b"-----BEGIN X-----\n!!\n-----END X-----\n"),
            Err(PemError::Base64)
        );
    }

    #[test]
    fn decodes_every_block_in_order_up_to_the_bound() {
        let text = format!(
            "junk\n{}between\n{}{}",
            encode_pem("CERTIFICATE", b"one"),
            encode_pem("CERTIFICATE", b"two"),
            encode_pem("OTHER", b"three")
        );
        let blocks = decode_pem_blocks(text.as_bytes(), 10).unwrap();
        let ders: Vec<&[u8]> = blocks.iter().map(|(_, d)| d.as_slice()).collect();
        assert_eq!(ders, [b"one".as_slice(), b"two", b"three"]);
        assert_eq!(blocks[2].0, "OTHER");
        // One more than the bound is decoded, never all of them.
        assert_eq!(decode_pem_blocks(text.as_bytes(), 1).unwrap().len(), 2);
        assert!(decode_pem_blocks(b"no pem here", 3).unwrap().is_empty());
        assert!(decode_pem_blocks(b"-----BEGIN X-----\nAAAA\n", 3).is_err());
    }
}

//! Signed checkpoints: C2SP signed-note (Ed25519, signature type 0x01) carrying a C2SP
//! tlog-checkpoint body.
//!
//! A note is its text (ending in a newline), a blank line, then signature lines
//! `— <key name> base64(4-byte key id || signature)`. The key id is the first four bytes of
//! SHA-256(name || 0x0A || 0x01 || 32-byte public key), big-endian. A verifier key is written
//! `<name>+<8 hex key id>+base64(0x01 || public key)`.
//!
//! Guarantee: [`open_checkpoint`] returns a checkpoint only if the note is well formed, carries a
//! valid signature by the configured key, carries no invalid one by it, and the checkpoint's
//! origin is that key's name. Signatures by other keys (witnesses, a rotated key) are ignored, as
//! the spec requires, but their lines must still be well formed.

use super::{Hash, TlogError};
use crate::limits::{MAX_NAME_CHARS, MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest;
use ring::rand::SecureRandom;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use std::fmt;

/// C2SP signed-note signature type of Ed25519.
const ED25519_TYPE: u8 = 0x01;
/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQUENCE { SEQUENCE { OID
/// 1.3.101.112 }, BIT STRING (32 bytes) }.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// Em dash and space: how every signature line starts.
const SIG_PREFIX: &str = "\u{2014} ";

/// A C2SP tlog-checkpoint: origin, tree size, root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }

    /// Parse a note text as a checkpoint: a non-empty origin, the size in decimal without leading
    /// zeros, the root hash in standard base64. Cairn's checkpoints carry no extension lines, so
    /// a text with any is rejected rather than half understood.
    pub fn from_body(text: &str) -> Result<Self, TlogError> {
        let bad = TlogError::MalformedCheckpoint;
        let body = text
            .strip_suffix('\n')
            .ok_or(bad("the text does not end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(bad("empty origin line"));
        }
        let size_line = lines.next().ok_or(bad("no tree size line"))?;
        let canonical_decimal = !size_line.is_empty()
            && size_line.bytes().all(|b| b.is_ascii_digit())
            && (size_line == "0" || !size_line.starts_with('0'));
        if !canonical_decimal {
            return Err(bad("the tree size is not a decimal without leading zeros"));
        }
        let size: u64 = size_line
            .parse()
            .map_err(|_| bad("the tree size does not fit in 64 bits"))?;
        let root_line = lines.next().ok_or(bad("no root hash line"))?;
        let root: Hash = STANDARD
            .decode(root_line)
            .ok()
            .and_then(|b| Hash::try_from(b.as_slice()).ok())
            .ok_or(bad("the root hash is not 32 bytes of standard base64"))?;
        if lines.next().is_some() {
            return Err(bad("extension lines are not supported"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
    }
}

/// C2SP key names: non-empty, no Unicode spaces, no '+', and (for the note as a whole) no
/// control characters.
fn check_key_name(name: &str) -> Result<(), TlogError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '+');
    if valid {
        Ok(())
    } else {
        Err(TlogError::InvalidKeyName(crate::code::excerpt(name, 100)))
    }
}

/// The key id: SHA-256(name || "\n" || 0x01 || public key)[:4], big-endian.
fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    ctx.update(&[ED25519_TYPE]);
    ctx.update(public_key);
    let d = ctx.finish();
    let mut id = [0u8; 4];
    for (dst, src) in id.iter_mut().zip(d.as_ref()) {
        *dst = *src;
    }
    u32::from_be_bytes(id)
}

/// An Ed25519 note signer (C2SP signed-note, type 0x01).
pub struct NoteSigner {
    key_pair: Ed25519KeyPair,
    verifier: NoteVerifier,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key never appears in logs.
        f.debug_struct("NoteSigner")
            .field("verifier", &self.verifier.to_vkey())
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    /// A signer named `name` (also the log's origin) from a 32-byte Ed25519 seed (RFC 8032
    /// private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, TlogError> {
        check_key_name(name)?;
        let key_pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| TlogError::KeyRejected)?;
        let public_key: [u8; 32] = key_pair
            .public_key()
            .as_ref()
            .try_into()
            .map_err(|_| TlogError::KeyRejected)?;
        let verifier = NoteVerifier::from_public_key(name, &public_key)?;
        Ok(Self { key_pair, verifier })
    }

    /// A new signer with a fresh seed from `rng`. Returns the seed so the caller can store it.
    pub fn generate(name: &str, rng: &dyn SecureRandom) -> Result<(Self, [u8; 32]), TlogError> {
        let mut seed = [0u8; 32];
        rng.fill(&mut seed).map_err(|_| TlogError::Random)?;
        Ok((Self::from_seed(name, &seed)?, seed))
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        self.verifier.clone()
    }

    /// The key name.
    pub fn name(&self) -> &str {
        self.verifier.name()
    }

    /// Sign `body` (the note text): returns the full signed note, `body + "\n" + "— name
    /// base64(key id || signature)\n"`. The body must be non-empty, end in a newline, and
    /// contain no control characters other than newlines.
    pub fn sign(&self, body: &str) -> Result<String, TlogError> {
        check_note_text(body)?;
        let signature = self.key_pair.sign(body.as_bytes());
        let mut blob = Vec::with_capacity(4 + signature.as_ref().len());
        blob.extend_from_slice(&self.verifier.key_id.to_be_bytes());
        blob.extend_from_slice(signature.as_ref());
        Ok(format!(
            "{body}\n{SIG_PREFIX}{} {}\n",
            self.verifier.name,
            STANDARD.encode(blob)
        ))
    }
}

fn check_note_text(body: &str) -> Result<(), TlogError> {
    let bad = TlogError::InvalidNoteText;
    if body.is_empty() || !body.ends_with('\n') {
        return Err(bad("it must be non-empty and end in a newline"));
    }
    if body.len() > MAX_NOTE_BYTES {
        return Err(bad("it is larger than the note size limit"));
    }
    if body.chars().any(|c| c < ' ' && c != '\n') {
        return Err(bad("it contains a control character"));
    }
    Ok(())
}

/// An Ed25519 note verifier key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    public_key: [u8; 32],
}

impl NoteVerifier {
    /// Parse a verifier key `<name>+<8 hex key id>+<base64(0x01 || 32-byte key)>`. The key id
    /// must be the one the name and key hash to.
    pub fn parse(vkey: &str) -> Result<Self, TlogError> {
        let bad = TlogError::InvalidVerifierKey;
        let (name, rest) = vkey.split_once('+').ok_or(bad("no '+' after the name"))?;
        // The base64 key may itself contain '+': split only at the first one after the id.
        let (id_hex, key_b64) = rest.split_once('+').ok_or(bad("no '+' after the key id"))?;
        check_key_name(name)?;
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(bad("the key id is not 8 lowercase hex digits"));
        }
        let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("the key id is not hex"))?;
        let key = STANDARD
            .decode(key_b64)
            .map_err(|_| bad("the key is not standard base64"))?;
        let (&key_type, public_key) = key.split_first().ok_or(bad("the key is empty"))?;
        if key_type != ED25519_TYPE {
            return Err(TlogError::UnsupportedKeyType(key_type));
        }
        let public_key: [u8; 32] = public_key
            .try_into()
            .map_err(|_| bad("an Ed25519 key is 32 bytes"))?;
        let verifier = Self::from_public_key(name, &public_key)?;
        if verifier.key_id != id {
            return Err(TlogError::KeyHashMismatch);
        }
        Ok(verifier)
    }

    /// A verifier for the Ed25519 `key` under `name`.
    pub fn from_public_key(name: &str, key: &[u8; 32]) -> Result<Self, TlogError> {
        check_key_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, key),
            public_key: *key,
        })
    }

    /// The verifier key string, `<name>+<8 hex key id>+<base64(0x01 || key)>`.
    pub fn to_vkey(&self) -> String {
        let mut typed = Vec::with_capacity(33);
        typed.push(ED25519_TYPE);
        typed.extend_from_slice(&self.public_key);
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            STANDARD.encode(typed)
        )
    }

    /// The public key as an SPKI PEM document (`PUBLIC KEY`), for tools that take PEM.
    pub fn public_key_pem(&self) -> String {
        let mut der = Vec::with_capacity(ED25519_SPKI_PREFIX.len() + 32);
        der.extend_from_slice(&ED25519_SPKI_PREFIX);
        der.extend_from_slice(&self.public_key);
        crate::keys::encode_pem("PUBLIC KEY", &der)
    }

    /// The key name (for a log, its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32-bit key id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    fn verify(&self, text: &str, signature: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.public_key)
            .verify(text.as_bytes(), signature)
            .is_ok()
    }
}

/// Parse and verify a signed note, returning its text. Requires a valid signature by
/// `verifier`; rejects the note if any signature line naming `verifier`'s key (name and key id)
/// fails to verify. Lines by other keys are ignored but must be well formed.
pub fn open_note<'a>(note: &'a str, verifier: &NoteVerifier) -> Result<&'a str, TlogError> {
    let bad = TlogError::MalformedNote;
    if note.len() > MAX_NOTE_BYTES {
        return Err(TlogError::NoteTooLarge {
            max: MAX_NOTE_BYTES,
        });
    }
    if note.chars().any(|c| c < ' ' && c != '\n') {
        return Err(bad("it contains a control character"));
    }
    // The text is separated from the signatures by the last blank line.
    let split = note
        .rfind("\n\n")
        .ok_or(bad("no blank line before the signatures"))?;
    let text = note.get(..=split).ok_or(bad("no text"))?;
    let sigs = note.get(split + 2..).ok_or(bad("no signatures"))?;
    let sigs = sigs
        .strip_suffix('\n')
        .ok_or(bad("the signatures do not end in a newline"))?;
    if sigs.is_empty() {
        return Err(bad("no signature lines"));
    }
    let mut verified = false;
    for (n, line) in sigs.split('\n').enumerate() {
        if n >= MAX_NOTE_SIGNATURES {
            return Err(bad("too many signature lines"));
        }
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(bad(
            "a signature line does not start with an em dash and a space",
        ))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or(bad("a signature line has no space after the key name"))?;
        if check_key_name(name).is_err() || b64.is_empty() {
            return Err(bad(
                "a signature line has an invalid key name or no signature",
            ));
        }
        let blob = STANDARD
            .decode(b64)
            .map_err(|_| bad("a signature is not standard base64"))?;
        let (id, signature) = blob
            .split_first_chunk::<4>()
            .ok_or(bad("a signature is shorter than its key id"))?;
        if signature.is_empty() {
            return Err(bad("a signature line carries only a key id"));
        }
        let id = u32::from_be_bytes(*id);
        // Only a line naming both our key's name and id is ours (C2SP: ignore the others).
        if name == verifier.name && id == verifier.key_id {
            if !verifier.verify(text, signature) {
                return Err(TlogError::BadSignature {
                    name: verifier.name.clone(),
                    key_id: verifier.key_id,
                });
            }
            verified = true;
        }
    }
    if !verified {
        return Err(TlogError::NotSigned {
            name: verifier.name.clone(),
            key_id: verifier.key_id,
        });
    }
    Ok(text)
}

/// Parse and verify a signed checkpoint: [`open_note`], then the text as a [`Checkpoint`] whose
/// origin must be `verifier.name()` (a key must not vouch for another log's tree).
pub fn open_checkpoint(note: &str, verifier: &NoteVerifier) -> Result<Checkpoint, TlogError> {
    let text = open_note(note, verifier)?;
    let checkpoint = Checkpoint::from_body(text)?;
    if checkpoint.origin != verifier.name {
        return Err(TlogError::OriginMismatch {
            origin: crate::code::excerpt(&checkpoint.origin, 200),
            expected: verifier.name.clone(),
        });
    }
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_body_round_trips() {
        let cp = Checkpoint {
            origin: "cairn.example/log".into(),
            size: 20852163,
            root: [7; 32],
        };
        assert_eq!(Checkpoint::from_body(&cp.body()).unwrap(), cp);
    }

    #[test]
    fn checkpoint_size_must_be_canonical_decimal() {
        let root = STANDARD.encode([0u8; 32]);
        for (size, ok) in [
            ("0", true),
            ("10", true),
            ("18446744073709551615", true),
            ("18446744073709551616", false),
            ("010", false),
            ("00", false),
            ("+1", false),
            ("-1", false),
            (" 1", false),
            ("", false),
        ] {
            let text = format!("o\n{size}\n{root}\n");
            assert_eq!(Checkpoint::from_body(&text).is_ok(), ok, "{size:?}");
        }
    }

    #[test]
    fn checkpoint_rejects_bad_roots_extensions_and_missing_lines() {
        let root = STANDARD.encode([0u8; 32]);
        assert!(Checkpoint::from_body(&format!("o\n1\n{root}\n")).is_ok());
        for text in [
            format!("o\n1\n{root}\next\n"),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            "o\n1\n".to_owned(),
            "o\n".to_owned(),
            format!("o\n1\n{}\n", STANDARD.encode([0u8; 31])),
            format!("o\n1\n{}\n", root.trim_end_matches('=')),
        ] {
            assert!(Checkpoint::from_body(&text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn key_names_follow_c2sp() {
        for ok in ["example.com/log", "PeterNeumann", "ünïcode"] {
            assert!(check_key_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a b",
            "a+b",
            "a\u{a0}b",
            "a\u{2003}b",
            "a\tb",
            "a\u{7f}b",
        ] {
            assert!(check_key_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn signer_debug_hides_the_private_key() {
        let signer = NoteSigner::from_seed("log", &[9; 32]).unwrap();
        let shown = format!("{signer:?}");
        assert!(shown.contains(&signer.verifier().to_vkey()), "{shown}");
        assert!(!shown.contains("seed"), "{shown}");
    }
}

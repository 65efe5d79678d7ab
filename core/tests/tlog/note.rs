//! C2SP signed notes. Cross-implementation vectors from golang.org/x/mod `sumdb/note/note_test.go`
//! (the "PeterNeumann" and "EnochRoot" keys and signatures, also the C2SP spec's example key).

use cairn_core::Code;
use cairn_core::keys::{KeyAlgorithm, PublicKey};
use cairn_core::tlog::{
    Checkpoint, NoteSigner, NoteVerifier, TlogError, leaf_hash, open_checkpoint, open_note,
};
use ring::rand::SystemRandom;

const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// The Go signer key: `PRIVATE+KEY+<name>+<id>+base64(0x01 || Ed25519 seed)`.
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_seed() -> [u8; 32] {
    use base64::Engine;
    let b64 = PETER_SKEY
        .strip_prefix("PRIVATE+KEY+PeterNeumann+c74f20a3+")
        .unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(bytes[0], 0x01, "Ed25519 key type");
    bytes[1..].try_into().unwrap()
}

fn peter() -> NoteVerifier {
    NoteVerifier::parse(PETER_VKEY).unwrap()
}

#[test]
fn signing_reproduces_the_published_go_note_byte_for_byte() {
    let signer = NoteSigner::from_seed("PeterNeumann", &peter_seed()).unwrap();
    assert_eq!(signer.verifier().to_vkey(), PETER_VKEY);
    assert_eq!(signer.verifier(), peter());
    assert_eq!(signer.verifier().key_id(), 0xc74f20a3);
    let note = signer.sign(TEXT).unwrap();
    assert_eq!(note, format!("{TEXT}\n{PETER_SIG}"));
}

#[test]
fn published_verifier_keys_parse_and_print_back() {
    for vkey in [PETER_VKEY, ENOCH_VKEY] {
        assert_eq!(NoteVerifier::parse(vkey).unwrap().to_vkey(), vkey);
    }
    let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
    assert_eq!((enoch.name(), enoch.key_id()), ("EnochRoot", 0xaf0cfe78));
}

#[test]
fn every_mangling_of_the_published_verifier_key_is_rejected() {
    // TestNewVerifier: every proper substring and every single-byte increment.
    let b = PETER_VKEY.as_bytes();
    let mut rejected = 0;
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let k = std::str::from_utf8(&b[i..j]).unwrap();
            assert!(NoteVerifier::parse(k).is_err(), "{k}");
            rejected += 1;
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] += 1;
        let k = std::str::from_utf8(&m).unwrap();
        assert!(NoteVerifier::parse(k).is_err(), "{k}");
        rejected += 1;
    }
    // Wrong key length and unknown algorithm, each with its key hash adjusted.
    let long = NoteVerifier::parse(
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
    );
    assert!(
        matches!(long, Err(TlogError::InvalidVerifierKey(_))),
        "{long:?}"
    );
    let alg =
        NoteVerifier::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    assert_eq!(alg, Err(TlogError::UnsupportedKeyType(0x65)));
    let n = b.len();
    assert_eq!(rejected, n * (n + 1) / 2 - 1 + n);
}

#[test]
fn uppercase_key_ids_are_rejected_not_normalised() {
    let upper = PETER_VKEY.replace("c74f20a3", "C74F20A3");
    assert!(NoteVerifier::parse(&upper).is_err());
}

#[test]
fn opens_the_published_note_and_ignores_a_foreign_signature() {
    let both = format!("{TEXT}\n{PETER_SIG}{ENOCH_SIG}");
    assert_eq!(open_note(&both, &peter()).unwrap(), TEXT);
    // The other signature is just as valid for its own key.
    let enoch = NoteVerifier::parse(ENOCH_VKEY).unwrap();
    assert_eq!(open_note(&both, &enoch).unwrap(), TEXT);
    assert_eq!(
        open_note(&format!("{TEXT}\n{ENOCH_SIG}{PETER_SIG}"), &peter()).unwrap(),
        TEXT
    );
}

#[test]
fn a_note_without_our_signature_is_rejected() {
    let only_enoch = format!("{TEXT}\n{ENOCH_SIG}");
    let err = open_note(&only_enoch, &peter()).unwrap_err();
    assert!(matches!(err, TlogError::NotSigned { .. }), "{err}");
    assert_eq!(err.code(), Code::UnknownSigner);
    // A line with our name but another key id, or our key id under another name, is not ours.
    let misnamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego");
    let wrong_id = PETER_SIG.replace("x08g", "xxxx");
    for sig in [misnamed, wrong_id] {
        let err = open_note(&format!("{TEXT}\n{sig}"), &peter()).unwrap_err();
        assert!(matches!(err, TlogError::NotSigned { .. }), "{sig}: {err}");
    }
}

#[test]
fn an_invalid_signature_by_our_key_rejects_the_whole_note() {
    let corrupt = format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]);
    let err = open_note(&format!("{TEXT}\n{corrupt}"), &peter()).unwrap_err();
    assert!(matches!(err, TlogError::BadSignature { .. }), "{err}");
    assert_eq!(err.code(), Code::SignatureInvalid);
    // Even next to a valid one.
    let err = open_note(&format!("{TEXT}\n{PETER_SIG}{corrupt}"), &peter()).unwrap_err();
    assert!(matches!(err, TlogError::BadSignature { .. }), "{err}");
    // A corrupt signature by a key we do not know is ignored.
    let enoch_corrupt = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let note = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{enoch_corrupt}");
    assert_eq!(open_note(&note, &peter()).unwrap(), TEXT);
}

#[test]
fn tampered_text_is_rejected() {
    let tampered = format!("{TEXT}\n{PETER_SIG}").replace("cryptography", "cryptographY");
    let err = open_note(&tampered, &peter()).unwrap_err();
    assert!(matches!(err, TlogError::BadSignature { .. }), "{err}");
}

#[test]
fn malformed_notes_are_rejected() {
    // TestOpen's badMsgs (the invalid-UTF-8 one cannot be a &str), and more.
    let bad = [
        TEXT.to_owned(),
        format!("{TEXT}\n"),
        format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
        format!("\x01{TEXT}\n{PETER_SIG}"),
        format!(
            "{TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
        ),
        format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
        format!("{TEXT}\n{}", PETER_SIG.replace("— ", "-- ")),
        format!("{TEXT}\n{}", PETER_SIG.replace("— ", "—")),
        format!("{TEXT}\n{}", PETER_SIG.replace(' ', "  ")),
        format!("{TEXT}\n{PETER_SIG}\n"),
        format!("{TEXT}\n— PeterNeumann \n"),
        format!("{TEXT}\n— PeterNeumann AAAAAA==\n"), // a key id and no signature
        format!("{TEXT}\n— PeterNeumann AAA=\n"),     // shorter than a key id
        format!(
            "{TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n"
        ),
        format!(
            "{TEXT}\n— Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        ),
        format!("{}\r\n\n{PETER_SIG}", TEXT.trim_end()),
        format!("{TEXT}\n{}", PETER_SIG.repeat(101)),
    ];
    for note in &bad {
        let err = open_note(note, &peter()).unwrap_err();
        assert!(
            matches!(err, TlogError::MalformedNote(_)),
            "{note:?}: {err}"
        );
        assert_eq!(err.code(), Code::InvalidRequest);
    }
    assert_eq!(bad.len(), 17);
    // The spec's minimum: 16 signatures must be accepted.
    assert!(open_note(&format!("{TEXT}\n{}", PETER_SIG.repeat(16)), &peter()).is_ok());
    assert!(open_note(&format!("{TEXT}\n{}", PETER_SIG.repeat(100)), &peter()).is_ok());
}

#[test]
fn oversized_notes_are_rejected_before_parsing() {
    let big = format!(
        "{}\n\n{PETER_SIG}",
        "x".repeat(cairn_core::limits::MAX_NOTE_BYTES)
    );
    let err = open_note(&big, &peter()).unwrap_err();
    assert!(matches!(err, TlogError::NoteTooLarge { .. }), "{err}");
    assert_eq!(err.code(), Code::PayloadTooLarge);
}

fn checkpoint(origin: &str, size: u64) -> Checkpoint {
    Checkpoint {
        origin: origin.into(),
        size,
        root: leaf_hash(format!("root {size}").as_bytes()),
    }
}

#[test]
fn checkpoints_round_trip_through_sign_and_open() {
    let (signer, seed) = NoteSigner::generate("cairn.example/log", &SystemRandom::new()).unwrap();
    let again = NoteSigner::from_seed("cairn.example/log", &seed).unwrap();
    assert_eq!(again.verifier(), signer.verifier());
    let verifier = NoteVerifier::parse(&signer.verifier().to_vkey()).unwrap();
    for size in [0, 1, 7, u64::MAX] {
        let cp = checkpoint("cairn.example/log", size);
        let note = signer.sign(&cp.body()).unwrap();
        assert!(
            note.starts_with(&format!("cairn.example/log\n{size}\n")),
            "{note}"
        );
        assert_eq!(open_checkpoint(&note, &verifier).unwrap(), cp);
    }
}

#[test]
fn the_c2sp_checkpoint_example_parses() {
    // The body of the tlog-checkpoint spec's example.
    let body =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let cp = Checkpoint::from_body(body).unwrap();
    assert_eq!(
        (cp.origin.as_str(), cp.size),
        ("example.com/behind-the-sofa", 20852163)
    );
    assert_eq!(cp.body(), body);
}

#[test]
fn checkpoint_tampering_and_wrong_keys_are_rejected() {
    let signer = NoteSigner::from_seed("log", &[1; 32]).unwrap();
    let note = signer.sign(&checkpoint("log", 10).body()).unwrap();
    let v = signer.verifier();
    assert!(open_checkpoint(&note, &v).is_ok());

    // Tampered size and root.
    let bigger = note.replacen("\n10\n", "\n11\n", 1);
    assert!(matches!(
        open_checkpoint(&bigger, &v),
        Err(TlogError::BadSignature { .. })
    ));
    let cp = checkpoint("log", 10);
    let other_root = Checkpoint {
        root: [0; 32],
        ..cp.clone()
    };
    let swapped = note.replacen(&cp.body(), &other_root.body(), 1);
    assert_ne!(swapped, note);
    assert!(matches!(
        open_checkpoint(&swapped, &v),
        Err(TlogError::BadSignature { .. })
    ));

    // Another key under the same name: its key id differs, so the line is not ours.
    let impostor = NoteSigner::from_seed("log", &[2; 32]).unwrap();
    let forged = impostor.sign(&checkpoint("log", 99).body()).unwrap();
    assert!(matches!(
        open_checkpoint(&forged, &v),
        Err(TlogError::NotSigned { .. })
    ));

    // Our key, another log's origin.
    let foreign = signer.sign(&checkpoint("other-log", 10).body()).unwrap();
    let err = open_checkpoint(&foreign, &v).unwrap_err();
    assert!(matches!(err, TlogError::OriginMismatch { .. }), "{err}");
    assert_eq!(err.code(), Code::UnknownSigner);

    // A witness cosignature line appended is ignored.
    let witness = NoteSigner::from_seed("witness.example", &[3; 32]).unwrap();
    let cosigned = witness.sign(&checkpoint("log", 10).body()).unwrap();
    let witness_line = cosigned.rsplit_once("\n\n").unwrap().1;
    let both = format!("{note}{witness_line}");
    assert_eq!(open_checkpoint(&both, &v).unwrap(), checkpoint("log", 10));
    // ...but the witness's line alone is not our signature.
    assert!(matches!(
        open_checkpoint(&cosigned, &v),
        Err(TlogError::NotSigned { .. })
    ));

    // A signed note whose text is not a checkpoint.
    let prose = signer.sign("hello\n").unwrap();
    let err = open_checkpoint(&prose, &v).unwrap_err();
    assert!(matches!(err, TlogError::MalformedCheckpoint(_)), "{err}");
}

#[test]
fn signing_refuses_text_that_would_not_parse_back() {
    let signer = NoteSigner::from_seed("log", &[1; 32]).unwrap();
    for bad in ["", "no newline", "tab\there\n", "cr\r\n"] {
        let err = signer.sign(bad).unwrap_err();
        assert!(matches!(err, TlogError::InvalidNoteText(_)), "{bad:?}");
    }
    assert!(signer.sign("fine\n").is_ok());
}

#[test]
fn signer_and_verifier_names_are_checked() {
    for bad in ["", "has space", "has+plus", "tab\t"] {
        assert!(NoteSigner::from_seed(bad, &[1; 32]).is_err(), "{bad:?}");
        assert!(
            NoteVerifier::from_public_key(bad, &[1; 32]).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn the_pem_key_is_the_same_ed25519_key() {
    let signer = NoteSigner::from_seed("PeterNeumann", &peter_seed()).unwrap();
    let pem = signer.verifier().public_key_pem();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    let key = PublicKey::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Ed25519);
    // The published signature (after the 4-byte key id) verifies under the PEM key.
    use base64::Engine;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(PETER_SIG.trim_end().rsplit_once(' ').unwrap().1)
        .unwrap();
    assert!(key.verify(TEXT.as_bytes(), &blob[4..]).is_ok());
    assert!(key.verify(b"other text\n", &blob[4..]).is_err());
}

#[test]
fn the_documented_example_checkpoint_verifies() {
    // docs/transparency-log.md: a 42-leaf log signed with the seed 0x42 × 32.
    let note = "cairn.example/log\n42\nGfIHMbS1B1uEkN1y5ALRYwnesaYADdZirDjyWrf4n9o=\n\n\
                — cairn.example/log BCip1nuiNVvDBnS78WvFrJLffkcDxI0E0iAX4Qg3KCLzW76J+6k3GyHVp1NAAUYq7ZOCf3xGXmJRKDOzxCIxLVnuZQY=\n";
    let vkey = "cairn.example/log+0428a9d6+ASFS+NGbeR0kRTJC4V8uq2y3z/p7al7TAJeWDgaYgdsS";
    let verifier = NoteVerifier::parse(vkey).unwrap();
    let cp = open_checkpoint(note, &verifier).unwrap();
    let leaves: Vec<_> = (0..42u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    assert_eq!(cp.root, cairn_core::tlog::root_of(&leaves));
    let signer = NoteSigner::from_seed("cairn.example/log", &[0x42; 32]).unwrap();
    assert_eq!(signer.verifier(), verifier);
    assert_eq!(signer.sign(&cp.body()).unwrap(), note);
    assert_eq!(
        verifier.public_key_pem(),
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAIVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=\n-----END PUBLIC KEY-----\n"
    );
}

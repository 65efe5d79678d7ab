//! The server's side of the transparency log: its signing key, signed checkpoints and the
//! receipts every write response carries.

use crate::problem::ApiError;
use cairn_core::tlog::{self, Checkpoint, InclusionProof, LogEntryReceipt, NoteSigner};
use cairn_store::{LogIdentity, LogPosition, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Signs checkpoints with the log key; cheap to clone.
#[derive(Clone)]
pub struct TransparencyLog {
    signer: Arc<NoteSigner>,
}

impl std::fmt::Debug for TransparencyLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransparencyLog")
            .field("verifier", &self.signer.verifier().to_vkey())
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    #[error("cannot read or create the log key file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the log key file {path} is not a Cairn log key (expected one line of base64, 32 bytes)"
    )]
    Malformed { path: PathBuf },
    #[error("log key: {0}")]
    Key(#[from] tlog::TlogError),
}

const KEY_FILE_HEADER: &str = "cairn transparency log key v1 (Ed25519 seed, base64); keep private";

impl TransparencyLog {
    /// Load the log key from `path`, creating it (mode 0600) on first start. Replicas that share
    /// the file race safely: only one creates it, the others read it.
    pub fn load_or_create(path: &Path, origin: &str) -> Result<Self, LogKeyError> {
        let io = |source| LogKeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        for _ in 0..50 {
            match std::fs::read_to_string(path) {
                Ok(text) if text.lines().count() >= 2 => return Self::parse(path, &text, origin),
                // Being written by another replica: wait for it.
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let (signer, seed) =
                        NoteSigner::generate(origin, &ring::rand::SystemRandom::new())?;
                    let text = format!(
                        "{KEY_FILE_HEADER}\n{}\n",
                        cairn_core::encoding::encode_base64(&seed)
                    );
                    match crate::auth::create_private_file(path, &text) {
                        Ok(()) => {
                            tracing::warn!(path = %path.display(),
                                "created the transparency log key; back it up: losing it means a new log identity");
                            return Ok(Self::new(signer));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                        Err(e) => return Err(io(e)),
                    }
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(LogKeyError::Malformed {
            path: path.to_path_buf(),
        })
    }

    fn parse(path: &Path, text: &str, origin: &str) -> Result<Self, LogKeyError> {
        let malformed = || LogKeyError::Malformed {
            path: path.to_path_buf(),
        };
        let mut lines = text.lines();
        if lines.next() != Some(KEY_FILE_HEADER) {
            return Err(malformed());
        }
        let seed = lines
            .next()
            .and_then(|l| cairn_core::encoding::decode_base64(l.trim()).ok())
            .ok_or_else(malformed)?;
        let seed: [u8; 32] = seed.try_into().map_err(|_| malformed())?;
        Ok(Self::new(NoteSigner::from_seed(origin, &seed)?))
    }

    fn new(signer: NoteSigner) -> Self {
        Self {
            signer: Arc::new(signer),
        }
    }

    /// The log's identity as recorded in the database.
    pub fn identity(&self) -> LogIdentity {
        LogIdentity {
            origin: self.signer.name().to_owned(),
            verifier: self.signer.verifier().to_vkey(),
        }
    }

    pub fn origin(&self) -> &str {
        self.signer.name()
    }

    pub fn verifier(&self) -> tlog::NoteVerifier {
        self.signer.verifier()
    }

    /// The signed checkpoint of the tree of `size` leaves, its root recomputed from the stored
    /// subtrees every time (never cached: a monitor must see what the database holds).
    pub async fn checkpoint(&self, store: &Store, size: u64) -> Result<String, ApiError> {
        let root = store.log_root(size).await?;
        self.sign(size, root)
    }

    /// Sign the checkpoint (size, root); the root must come from the store.
    fn sign(&self, size: u64, root: tlog::Hash) -> Result<String, ApiError> {
        let body = Checkpoint {
            origin: self.origin().to_owned(),
            size,
            root,
        }
        .body();
        self.signer
            .sign(&body)
            .map_err(|e| ApiError::Internal(format!("signing a checkpoint: {e}")))
    }

    /// The receipt of a write: its leaf, the audit path to the tree right after it, and that
    /// tree's signed checkpoint.
    pub async fn receipt(
        &self,
        store: &Store,
        position: &LogPosition,
    ) -> Result<LogEntryReceipt, ApiError> {
        let (proof, root) = match &position.proof {
            Some(known) => known.clone(),
            None => {
                store
                    .log_receipt_material(position.index, position.tree_size)
                    .await?
            }
        };
        let checkpoint = self.sign(position.tree_size, root)?;
        Ok(LogEntryReceipt {
            log_index: position.index,
            integrated_time: position.integrated_time.unix_millis(),
            leaf_hash: tlog::hash_to_hex(&position.leaf_hash),
            inclusion_proof: InclusionProof {
                tree_size: position.tree_size,
                hashes: proof.iter().map(tlog::hash_to_hex).collect(),
            },
            checkpoint,
        })
    }
}

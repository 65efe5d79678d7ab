//! The transparency log's storage: appends inside the write transaction of the data they cover,
//! and proofs, roots and entries read from the stored perfect subtrees.
//!
//! Every accepted write appends one leaf whose data is the RFC 8785 canonical JSON of
//! `{"kind", "contentId", "subjects", "actor", "role", "requestId", "integratedTime", …}` (see
//! `docs/transparency-log.md`). Appends lock the single `log_state` row (`FOR UPDATE` on
//! PostgreSQL; on SQLite the one writer connection serialises them), so indexes are gap-free and
//! unique across replicas; integrated times never go backwards.

use crate::{Backend, Page, PageRequest, Store, StoreError};
use cairn_core::time::Timestamp;
use cairn_core::tlog::{self, Hash, NodeId};
use serde_json::{Map, Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

/// What kind of write a leaf records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Attestation,
    Sbom,
    Key,
    KeyRevocation,
    TrustRoot,
    Policy,
    /// A Verification Summary Attestation the server issued.
    Vsa,
    /// A change of the verdict of (digest, policy).
    Verdict,
}

impl EntryKind {
    pub const ALL: &'static [EntryKind] = &[
        EntryKind::Attestation,
        EntryKind::Sbom,
        EntryKind::Key,
        EntryKind::KeyRevocation,
        EntryKind::TrustRoot,
        EntryKind::Policy,
        EntryKind::Vsa,
        EntryKind::Verdict,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EntryKind::Attestation => "attestation",
            EntryKind::Sbom => "sbom",
            EntryKind::Key => "key",
            EntryKind::KeyRevocation => "key-revocation",
            EntryKind::TrustRoot => "trust-root",
            EntryKind::Policy => "policy",
            EntryKind::Vsa => "vsa",
            EntryKind::Verdict => "verdict",
        }
    }
}

impl std::str::FromStr for EntryKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        EntryKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown event type {:?} (one of attestation, sbom, key, key-revocation, trust-root, policy, vsa, verdict)",
                    cairn_core::code::excerpt(s, 40)
                )
            })
    }
}

/// Who made a write (recorded in the leaf and shown in the history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Token name (or `anonymous`, `bootstrap`, `migration`).
    pub name: String,
    pub role: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// The server itself (start-up tasks).
    pub fn system(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            role: "system".into(),
            request_id: None,
        }
    }
}

/// One write to record.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub kind: EntryKind,
    /// `sha256:…` of the stored bytes (attestation, SBOM, policy, trust root) or the keyid.
    pub content_id: String,
    /// Artifact digests the write is about (indexed for the history).
    pub subjects: Vec<String>,
    /// Further fields of the leaf (e.g. `predicateType`, `name`); never overrides the fixed ones.
    pub detail: Map<String, Value>,
}

/// Where a write landed in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPosition {
    pub index: u64,
    pub integrated_time: Timestamp,
    pub leaf_hash: Hash,
    /// The tree size right after the append that added this leaf.
    pub tree_size: u64,
    /// The audit path to `tree_size` and that tree's root, when the append could compute them
    /// from the subtree hashes it already held (every fresh append can; a re-post's original
    /// entry cannot). Saves the receipt a read.
    pub proof: Option<(Vec<Hash>, Hash)>,
}

/// A stored leaf.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub index: u64,
    pub leaf_hash: Hash,
    pub body: Vec<u8>,
    pub kind: String,
    pub content_id: String,
    pub actor: String,
    pub integrated_time: Timestamp,
}

/// The outcome of [`Store::audit_log`].
#[derive(Debug, Clone)]
pub struct LogAudit {
    pub size: u64,
    /// The root recomputed from the leaves.
    pub root: Hash,
    pub problems: Vec<String>,
}

/// The log's fixed identity, recorded on first start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogIdentity {
    pub origin: String,
    pub verifier: String,
}

const FIXED_FIELDS: &[&str] = &[
    "kind",
    "contentId",
    "subjects",
    "actor",
    "role",
    "requestId",
    "integratedTime",
];

/// The canonical leaf data of one entry.
fn leaf_body(entry: &NewEntry, actor: &Actor, at: Timestamp) -> Result<Vec<u8>, StoreError> {
    let mut leaf = Map::new();
    for (k, v) in &entry.detail {
        if !FIXED_FIELDS.contains(&k.as_str()) {
            leaf.insert(k.clone(), v.clone());
        }
    }
    leaf.insert("kind".into(), json!(entry.kind.as_str()));
    leaf.insert("contentId".into(), json!(entry.content_id));
    leaf.insert("subjects".into(), json!(entry.subjects));
    leaf.insert("actor".into(), json!(actor.name));
    leaf.insert("role".into(), json!(actor.role));
    if let Some(id) = &actor.request_id {
        leaf.insert("requestId".into(), json!(id));
    }
    leaf.insert("integratedTime".into(), json!(at.unix_millis()));
    tlog::canonical_json(&Value::Object(leaf))
        .map(String::into_bytes)
        .map_err(|e| StoreError::Corrupt(format!("leaf data: {e}")))
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Corrupt("log index exceeds i64".into()))
}

fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt("negative log index".into()))
}

fn to_hash(bytes: &[u8], what: &str) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

/// Append `entries` inside `tx` (the transaction of the data they cover). Returns one position
/// per entry, in order.
pub(crate) async fn append(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    entries: &[(NewEntry, &Actor)],
    now: Timestamp,
) -> Result<Vec<LogPosition>, StoreError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let state = lock_state(tx, backend).await?;
    let size = to_u64(state.try_get("size")?)?;
    let last_time: i64 = state.try_get("last_time")?;
    let at = Timestamp::from_unix_millis(now.unix_millis().max(last_time));

    let mut bodies = Vec::with_capacity(entries.len());
    let mut hashes = Vec::with_capacity(entries.len());
    for (entry, actor) in entries {
        let body = leaf_body(entry, actor, at)?;
        hashes.push(tlog::leaf_hash(&body));
        bodies.push(body);
    }
    let frontier_ids = tlog::frontier(size);
    let known = fetch_nodes(tx, &frontier_ids).await?;
    let frontier: Vec<(NodeId, Hash)> = frontier_ids
        .iter()
        .map(|id| {
            known
                .get(id)
                .map(|h| (*id, *h))
                .ok_or_else(|| StoreError::Corrupt(format!("log node {id:?} is missing")))
        })
        .collect::<Result<_, _>>()?;
    let new_nodes = tlog::append(size, &frontier, &hashes)
        .map_err(|e| StoreError::Corrupt(format!("log append: {e}")))?;
    let new_size = size + entries.len() as u64;

    let mut node_rows = Vec::with_capacity(new_nodes.len());
    for (id, hash) in &new_nodes {
        node_rows.push(vec![
            crate::writer::Value::Int(i64::from(id.level)),
            crate::writer::Value::Int(to_i64(id.index)?),
            crate::writer::Value::Bytes(hash.as_slice()),
        ]);
    }
    crate::writer::insert_rows(
        tx,
        "INSERT INTO log_nodes (level, idx, hash)",
        "",
        3,
        &node_rows,
    )
    .await?;
    let mut leaf_rows = Vec::with_capacity(entries.len());
    let mut subject_rows = Vec::new();
    let indexes: Vec<i64> = (0..entries.len())
        .map(|i| to_i64(size + i as u64))
        .collect::<Result<_, _>>()?;
    for (i, (entry, actor)) in entries.iter().enumerate() {
        leaf_rows.push(vec![
            crate::writer::Value::Int(indexes[i]),
            crate::writer::Value::Bytes(hashes[i].as_slice()),
            crate::writer::Value::Bytes(&bodies[i]),
            crate::writer::Value::Text(entry.kind.as_str()),
            crate::writer::Value::Text(&entry.content_id),
            crate::writer::Value::Text(&actor.name),
            crate::writer::Value::Int(at.unix_millis()),
        ]);
        let mut seen = std::collections::HashSet::new();
        for s in &entry.subjects {
            if seen.insert(s) {
                subject_rows.push(vec![
                    crate::writer::Value::Text(s),
                    crate::writer::Value::Int(indexes[i]),
                ]);
            }
        }
    }
    crate::writer::insert_rows(
        tx,
        "INSERT INTO log_leaves (idx, leaf_hash, body, kind, content_id, actor, integrated_time)",
        "",
        7,
        &leaf_rows,
    )
    .await?;
    crate::writer::insert_rows(
        tx,
        "INSERT INTO log_subjects (digest, idx)",
        "",
        2,
        &subject_rows,
    )
    .await?;
    sqlx::query("UPDATE log_state SET size = $1, last_time = $2 WHERE id = 1")
        .bind(to_i64(new_size)?)
        .bind(at.unix_millis())
        .execute(&mut **tx)
        .await?;
    // Every node the receipts of this batch need is a frontier node or a new one: prove from
    // memory (the same hashes just written).
    let known: HashMap<NodeId, Hash> = frontier.iter().chain(&new_nodes).copied().collect();
    let lookup = |id: NodeId| known.get(&id).copied();
    let root = tlog::root_plan(new_size)
        .assemble(&lookup)
        .ok()
        .and_then(|r| r.into_iter().next());
    Ok(hashes
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let index = size + i as u64;
            let proof = root.and_then(|root| {
                tlog::inclusion_plan(index, new_size)
                    .ok()?
                    .assemble(&lookup)
                    .ok()
                    .map(|p| (p, root))
            });
            LogPosition {
                index,
                integrated_time: at,
                leaf_hash: *h,
                tree_size: new_size,
                proof,
            }
        })
        .collect())
}

/// The position of the first leaf of `kind` recording `content_id` about `subject`, proven
/// against the current tree (for idempotent re-posts).
pub(crate) async fn position_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: EntryKind,
    content_id: &str,
    subject: &str,
) -> Result<LogPosition, StoreError> {
    let row = sqlx::query(
        "SELECT l.idx, l.leaf_hash, l.integrated_time FROM log_leaves l \
         JOIN log_subjects s ON s.idx = l.idx \
         WHERE l.kind = $1 AND l.content_id = $2 AND s.digest = $3 ORDER BY l.idx LIMIT 1",
    )
    .bind(kind.as_str())
    .bind(content_id)
    .bind(subject)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| {
        StoreError::Corrupt(format!("{} {content_id} has no log entry", kind.as_str()))
    })?;
    let hash: Vec<u8> = row.try_get("leaf_hash")?;
    Ok(LogPosition {
        proof: None,
        index: to_u64(row.try_get("idx")?)?,
        integrated_time: Timestamp::from_unix_millis(row.try_get("integrated_time")?),
        leaf_hash: to_hash(&hash, "leaf hash")?,
        tree_size: size_in(tx).await?,
    })
}

/// Lock the log state row for this transaction and read it. On SQLite the no-op UPDATE takes
/// the database write lock first: a transaction that only read before writing could otherwise
/// deadlock against another process's writer (both holding read snapshots, neither able to
/// upgrade), which busy_timeout cannot resolve.
pub(crate) async fn lock_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
) -> Result<sqlx::any::AnyRow, StoreError> {
    let select = match backend {
        Backend::Postgres => "SELECT size, last_time FROM log_state WHERE id = 1 FOR UPDATE",
        Backend::Sqlite => {
            sqlx::query("UPDATE log_state SET size = size WHERE id = 1")
                .execute(&mut **tx)
                .await?;
            "SELECT size, last_time FROM log_state WHERE id = 1"
        }
    };
    Ok(sqlx::query(select).fetch_one(&mut **tx).await?)
}

/// The tree size, read inside a transaction.
pub(crate) async fn size_in(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT size FROM log_state WHERE id = 1")
        .fetch_one(&mut **tx)
        .await?;
    to_u64(row.try_get("size")?)
}

/// Fetch perfect-subtree hashes by id (chunked `OR` lists; both dialects).
async fn fetch_nodes(
    conn: &mut sqlx::AnyConnection,
    ids: &[NodeId],
) -> Result<HashMap<NodeId, Hash>, StoreError> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        let condition = (0..chunk.len())
            .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!("SELECT level, idx, hash FROM log_nodes WHERE {condition}");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(i64::from(id.level)).bind(to_i64(id.index)?);
        }
        for row in q.fetch_all(&mut *conn).await? {
            let level: i64 = row.try_get("level")?;
            let index: i64 = row.try_get("idx")?;
            let hash: Vec<u8> = row.try_get("hash")?;
            let id = NodeId {
                level: u8::try_from(level)
                    .map_err(|_| StoreError::Corrupt("log node level".into()))?,
                index: to_u64(index)?,
            };
            out.insert(id, to_hash(&hash, "log node hash")?);
        }
    }
    Ok(out)
}

fn entry_from_row(row: &AnyRow) -> Result<LogEntry, StoreError> {
    let hash: Vec<u8> = row.try_get("leaf_hash")?;
    Ok(LogEntry {
        index: to_u64(row.try_get("idx")?)?,
        leaf_hash: to_hash(&hash, "leaf hash")?,
        body: row.try_get("body")?,
        kind: row.try_get("kind")?,
        content_id: row.try_get("content_id")?,
        actor: row.try_get("actor")?,
        integrated_time: Timestamp::from_unix_millis(row.try_get("integrated_time")?),
    })
}

const ENTRY_COLUMNS: &str = "idx, leaf_hash, body, kind, content_id, actor, integrated_time";

/// A page of entries, oldest first, from `limit + 1` rows (the extra row says there is more);
/// the cursor is the next index + 1 (cursors are positive).
fn entries_page(rows: &[AnyRow], page: PageRequest) -> Result<Page<LogEntry>, StoreError> {
    let mut items: Vec<LogEntry> = rows.iter().map(entry_from_row).collect::<Result<_, _>>()?;
    let next = if items.len() > page.limit as usize {
        items.truncate(page.limit as usize);
        items
            .last()
            .map(|e| to_i64(e.index + 2))
            .transpose()?
            .map(crate::Cursor)
    } else {
        None
    };
    Ok(Page { items, next })
}

/// Answers from the stored perfect subtrees for a plan.
async fn assemble(pool: &sqlx::AnyPool, plan: &tlog::Plan) -> Result<Vec<Hash>, StoreError> {
    let mut conn = pool.acquire().await?;
    let nodes = fetch_nodes(&mut conn, plan.nodes()).await?;
    plan.assemble(&|id| nodes.get(&id).copied())
        .map_err(|e| StoreError::Corrupt(format!("log: {e}")))
}

impl Store {
    /// Current tree size.
    pub async fn log_size(&self) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT size FROM log_state WHERE id = 1")
            .fetch_one(&self.read)
            .await?;
        to_u64(row.try_get("size")?)
    }

    /// Root hash of the tree of `size` leaves (`size` must not exceed the current size).
    pub async fn log_root(&self, size: u64) -> Result<Hash, StoreError> {
        let hashes = assemble(&self.read, &tlog::root_plan(size)).await?;
        hashes
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("root plan gave no hash".into()))
    }

    /// The audit path of leaf `index` in the tree of `size` leaves.
    pub async fn log_inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Vec<Hash>, StoreError> {
        let plan = tlog::inclusion_plan(index, size).map_err(|_| StoreError::LogRange {
            detail: format!("leaf index {index} is not below tree size {size}"),
        })?;
        assemble(&self.read, &plan).await
    }

    /// The audit path of leaf `index` in the tree of `size` leaves and that tree's root, from one
    /// read of the stored subtrees (what a write receipt needs).
    pub async fn log_receipt_material(
        &self,
        index: u64,
        size: u64,
    ) -> Result<(Vec<Hash>, Hash), StoreError> {
        let inclusion = tlog::inclusion_plan(index, size).map_err(|_| StoreError::LogRange {
            detail: format!("leaf index {index} is not below tree size {size}"),
        })?;
        let root = tlog::root_plan(size);
        let mut ids: Vec<NodeId> = inclusion.nodes().to_vec();
        ids.extend_from_slice(root.nodes());
        ids.sort_unstable();
        ids.dedup();
        let mut conn = self.read.acquire().await?;
        let nodes = fetch_nodes(&mut conn, &ids).await?;
        drop(conn);
        let lookup = |id: NodeId| nodes.get(&id).copied();
        let proof = inclusion
            .assemble(&lookup)
            .map_err(|e| StoreError::Corrupt(format!("log: {e}")))?;
        let root = root
            .assemble(&lookup)
            .map_err(|e| StoreError::Corrupt(format!("log: {e}")))?
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("root plan gave no hash".into()))?;
        Ok((proof, root))
    }

    /// The consistency proof between tree sizes `from` and `to`.
    pub async fn log_consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, StoreError> {
        let plan = tlog::consistency_plan(from, to).map_err(|_| StoreError::LogRange {
            detail: format!("tree size {from} is larger than {to}"),
        })?;
        assemble(&self.read, &plan).await
    }

    pub async fn log_entry(&self, index: u64) -> Result<Option<LogEntry>, StoreError> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM log_leaves WHERE idx = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(index)
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(entry_from_row)
            .transpose()
    }

    /// The first leaf with this leaf hash.
    pub async fn log_entry_by_leaf_hash(
        &self,
        hash: &Hash,
    ) -> Result<Option<LogEntry>, StoreError> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM log_leaves WHERE leaf_hash = $1 ORDER BY idx LIMIT 1"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(hash.to_vec())
            .fetch_optional(&self.read)
            .await?
            .as_ref()
            .map(entry_from_row)
            .transpose()
    }

    /// The log entries recording a content id (an attestation written once has one).
    pub async fn log_entries_for_content(
        &self,
        content_id: &str,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let sql =
            format!("SELECT {ENTRY_COLUMNS} FROM log_leaves WHERE content_id = $1 ORDER BY idx");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(content_id)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(entry_from_row)
            .collect()
    }

    /// Events (log entries), oldest first, after the cursor, optionally of one kind.
    pub async fn events(
        &self,
        kind: Option<EntryKind>,
        since: Option<Timestamp>,
        page: PageRequest,
    ) -> Result<Page<LogEntry>, StoreError> {
        // The cursor is the last index seen + 1 (cursors are positive).
        let after = page.after.map_or(0, |c| c.0 - 1);
        let mut sql = format!("SELECT {ENTRY_COLUMNS} FROM log_leaves WHERE idx >= $1");
        if kind.is_some() {
            sql.push_str(" AND kind = $4");
        }
        sql.push_str(" AND integrated_time >= $2 ORDER BY idx LIMIT $3");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(since.map_or(i64::MIN, Timestamp::unix_millis))
            .bind(i64::from(page.limit) + 1);
        if let Some(k) = kind {
            q = q.bind(k.as_str());
        }
        let rows = q.fetch_all(&self.read).await?;
        entries_page(&rows, page)
    }

    /// Every log entry about an artifact digest, oldest first.
    pub async fn history(
        &self,
        digest: &str,
        page: PageRequest,
    ) -> Result<Page<LogEntry>, StoreError> {
        let after = page.after.map_or(0, |c| c.0 - 1);
        let sql = format!(
            "SELECT {} FROM log_subjects s JOIN log_leaves l ON l.idx = s.idx \
             WHERE s.digest = $1 AND s.idx >= $2 ORDER BY s.idx LIMIT $3",
            ENTRY_COLUMNS
                .split(", ")
                .map(|c| format!("l.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(digest)
            .bind(after)
            .bind(i64::from(page.limit) + 1)
            .fetch_all(&self.read)
            .await?;
        entries_page(&rows, page)
    }

    /// Record the log's origin and verifier key on first start, or check them: a database that
    /// was started with another log key or origin is refused (a second key would fork the log).
    pub async fn claim_log_identity(&self, wanted: &LogIdentity) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE log_state SET origin = $1, verifier = $2 WHERE id = 1 AND origin IS NULL",
        )
        .bind(&wanted.origin)
        .bind(&wanted.verifier)
        .execute(&self.write)
        .await?;
        let row = sqlx::query("SELECT origin, verifier FROM log_state WHERE id = 1")
            .fetch_one(&self.read)
            .await?;
        let stored = LogIdentity {
            origin: row
                .try_get::<Option<String>, _>("origin")?
                .unwrap_or_default(),
            verifier: row
                .try_get::<Option<String>, _>("verifier")?
                .unwrap_or_default(),
        };
        if &stored != wanted {
            return Err(StoreError::LogIdentityMismatch {
                stored: stored.verifier,
                configured: wanted.verifier.clone(),
            });
        }
        Ok(())
    }

    /// Record in the log every attestation and key stored before the log existed (databases
    /// created by an earlier version). Returns how many entries were appended.
    pub async fn backfill_log(&self) -> Result<usize, StoreError> {
        let missing = sqlx::query(
            "SELECT a.seq, a.id, a.predicate_type FROM attestations a WHERE NOT EXISTS \
             (SELECT 1 FROM log_leaves l WHERE l.content_id = a.id AND l.kind = 'attestation') \
             ORDER BY a.seq",
        )
        .fetch_all(&self.read)
        .await?;
        let keys = sqlx::query(
            "SELECT k.keyid, k.name FROM keys k WHERE NOT EXISTS \
             (SELECT 1 FROM log_leaves l WHERE l.content_id = k.keyid AND l.kind = 'key') \
             ORDER BY k.created_at, k.keyid",
        )
        .fetch_all(&self.read)
        .await?;
        let mut entries = Vec::new();
        for row in &keys {
            let mut detail = Map::new();
            detail.insert("name".into(), json!(row.try_get::<String, _>("name")?));
            entries.push(NewEntry {
                kind: EntryKind::Key,
                content_id: row.try_get("keyid")?,
                subjects: Vec::new(),
                detail,
            });
        }
        for row in &missing {
            let seq: i64 = row.try_get("seq")?;
            let subjects = sqlx::query(
                "SELECT digest FROM attestation_subjects WHERE attestation_seq = $1 ORDER BY digest",
            )
            .bind(seq)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("digest"))
            .collect::<Result<Vec<_>, _>>()?;
            let mut detail = Map::new();
            detail.insert(
                "predicateType".into(),
                json!(row.try_get::<String, _>("predicate_type")?),
            );
            entries.push(NewEntry {
                kind: EntryKind::Attestation,
                content_id: row.try_get("id")?,
                subjects,
                detail,
            });
        }
        let actor = Actor::system("migration");
        let now = Timestamp::from_system_time(std::time::SystemTime::now());
        for chunk in entries.chunks(500) {
            let batch: Vec<(NewEntry, &Actor)> =
                chunk.iter().map(|e| (e.clone(), &actor)).collect();
            self.append_log_entries(&batch, now).await?;
        }
        Ok(entries.len())
    }

    /// Check the whole log against itself and against the data it covers (the server's
    /// self-check, `cairn-server log verify`): gap-free indexes, every leaf hash recomputed from
    /// its data, every stored subtree hash recomputed from the leaves, every attestation's bytes
    /// still hashing to the content id its leaf records, and no attestation or key without a
    /// leaf. Returns the problems found (empty = consistent).
    pub async fn audit_log(&self) -> Result<LogAudit, StoreError> {
        let size = self.log_size().await?;
        let mut problems = Vec::new();
        let mut hashes: Vec<Hash> = Vec::new();
        let mut attestation_ids = std::collections::HashSet::new();
        let mut key_ids = std::collections::HashSet::new();
        let mut next: i64 = 0;
        loop {
            let sql = format!(
                "SELECT {ENTRY_COLUMNS} FROM log_leaves WHERE idx >= $1 ORDER BY idx LIMIT 5000"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(next)
                .fetch_all(&self.read)
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let e = entry_from_row(row)?;
                if e.index != hashes.len() as u64 {
                    problems.push(format!(
                        "log index {} follows {}: entries are missing",
                        e.index,
                        hashes.len()
                    ));
                }
                let recomputed = tlog::leaf_hash(&e.body);
                if recomputed != e.leaf_hash {
                    problems.push(format!(
                        "log entry {}: the stored leaf hash does not match its data (altered entry)",
                        e.index
                    ));
                }
                let body: Value = serde_json::from_slice(&e.body).unwrap_or(Value::Null);
                if body.get("contentId").and_then(Value::as_str) != Some(e.content_id.as_str())
                    || body.get("kind").and_then(Value::as_str) != Some(e.kind.as_str())
                {
                    problems.push(format!(
                        "log entry {}: kind/contentId columns differ from the leaf data",
                        e.index
                    ));
                }
                match e.kind.as_str() {
                    "attestation" => {
                        attestation_ids.insert(e.content_id.clone());
                    }
                    "key" => {
                        key_ids.insert(e.content_id.clone());
                    }
                    _ => {}
                }
                hashes.push(recomputed);
                next = to_i64(e.index + 1)?;
            }
        }
        if hashes.len() as u64 != size {
            problems.push(format!(
                "the log state says {size} entries but {} are stored",
                hashes.len()
            ));
        }
        // Every stored perfect subtree must be what the leaves give.
        let expected: HashMap<NodeId, Hash> = tlog::append(0, &[], &hashes)
            .map_err(|e| StoreError::Corrupt(format!("log audit: {e}")))?
            .into_iter()
            .collect();
        let mut stored_nodes = 0usize;
        let mut conn = self.read.acquire().await?;
        let rows = sqlx::query("SELECT level, idx, hash FROM log_nodes")
            .fetch_all(&mut *conn)
            .await?;
        drop(conn);
        for row in &rows {
            let level: i64 = row.try_get("level")?;
            let index: i64 = row.try_get("idx")?;
            let hash: Vec<u8> = row.try_get("hash")?;
            stored_nodes += 1;
            let id = NodeId {
                level: u8::try_from(level).unwrap_or(u8::MAX),
                index: u64::try_from(index).unwrap_or(u64::MAX),
            };
            if expected.get(&id).map(|h| h.as_slice()) != Some(hash.as_slice()) {
                problems.push(format!(
                    "log subtree (level {level}, index {index}) does not match the leaves"
                ));
            }
        }
        if stored_nodes != expected.len() {
            problems.push(format!(
                "{} log subtrees stored, {} expected",
                stored_nodes,
                expected.len()
            ));
        }
        let root = tlog::root_of(&hashes);
        // The data the log covers.
        let mut last_seq: i64 = 0;
        loop {
            let rows = sqlx::query(
                "SELECT seq, id, envelope FROM attestations WHERE seq > $1 ORDER BY seq LIMIT 2000",
            )
            .bind(last_seq)
            .fetch_all(&self.read)
            .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                last_seq = row.try_get("seq")?;
                let id: String = row.try_get("id")?;
                let envelope: Vec<u8> = row.try_get("envelope")?;
                if cairn_core::Digest::sha256_of(&envelope).to_string() != id {
                    problems.push(format!(
                        "attestation {id}: its stored bytes no longer hash to its id (altered data)"
                    ));
                }
                if !attestation_ids.remove(&id) {
                    problems.push(format!("attestation {id} has no log entry"));
                }
            }
        }
        for id in attestation_ids {
            problems.push(format!(
                "log records attestation {id}, which is not stored (removed data)"
            ));
        }
        for row in sqlx::query("SELECT keyid FROM keys")
            .fetch_all(&self.read)
            .await?
        {
            let keyid: String = row.try_get("keyid")?;
            if !key_ids.remove(&keyid) {
                problems.push(format!("key {keyid} has no log entry"));
            }
        }
        for keyid in key_ids {
            problems.push(format!(
                "log records key {keyid}, which is not stored (removed data)"
            ));
        }
        Ok(LogAudit {
            size: hashes.len() as u64,
            root,
            problems,
        })
    }

    /// Append entries that are not tied to another write (e.g. a backfill), in their own
    /// transaction.
    pub async fn append_log_entries(
        &self,
        entries: &[(NewEntry, &Actor)],
        now: Timestamp,
    ) -> Result<Vec<LogPosition>, StoreError> {
        let mut tx = self.write.begin().await?;
        let positions = append(&mut tx, self.backend, entries, now).await?;
        tx.commit().await?;
        Ok(positions)
    }
}

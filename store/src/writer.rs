//! Group commit for attestation writes.
//!
//! Every statement sent to the database is a round trip (a thread hand-off on SQLite, a network
//! round trip on PostgreSQL), and an upload touches five tables. One writer task therefore takes
//! all uploads waiting at that moment and writes them in one transaction, with one multi-row
//! statement per table. Each upload still succeeds or fails as a whole: if a batch fails, its
//! uploads are retried one by one so that one bad upload cannot fail the others.

use crate::log::{self, EntryKind, NewEntry};
use crate::{Actor, Backend, LogPosition, StoreError, StoredAttestation};
use cairn_core::attestation::VerifiedAttestation;
use cairn_core::time::Timestamp;
use sqlx::{AnyPool, Row};
use std::collections::{HashMap, HashSet};
use tokio::sync::{mpsc, oneshot};

/// At most this many attestations are committed in one transaction.
const MAX_BATCH_ATTESTATIONS: usize = 256;
/// At most this many rows go into one multi-row statement (bound parameters stay far below
/// SQLite's and PostgreSQL's limits).
const MAX_ROWS_PER_STATEMENT: usize = 200;
/// Uploads waiting for the writer; beyond this, callers wait to enqueue (back-pressure).
const QUEUE_DEPTH: usize = 1024;

type Reply = oneshot::Sender<Result<Vec<StoredAttestation>, StoreError>>;

struct WriteRequest {
    attestations: Vec<VerifiedAttestation>,
    now: Timestamp,
    actor: Actor,
    reply: Reply,
}

/// Handle to the writer task; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    queue: mpsc::Sender<WriteRequest>,
}

impl Writer {
    /// Start the writer task on the current tokio runtime.
    pub(crate) fn spawn(pool: AnyPool, backend: Backend) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(pool, backend, rx));
        Self { queue }
    }

    pub(crate) async fn submit(
        &self,
        attestations: Vec<VerifiedAttestation>,
        now: Timestamp,
        actor: Actor,
    ) -> Result<Vec<StoredAttestation>, StoreError> {
        if attestations.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(WriteRequest {
                attestations,
                now,
                actor,
                reply,
            })
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        answer.await.map_err(|_| StoreError::WriterStopped)?
    }
}

async fn run(pool: AnyPool, backend: Backend, mut rx: mpsc::Receiver<WriteRequest>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let mut size = batch[0].attestations.len();
        while size < MAX_BATCH_ATTESTATIONS {
            match rx.try_recv() {
                Ok(next) => {
                    size += next.attestations.len();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        if batch.len() == 1
            && let Some(req) = batch.pop()
        {
            let result = write_batch(&pool, backend, std::slice::from_ref(&req)).await;
            let _ = req.reply.send(result.and_then(first_result));
            continue;
        }
        match write_batch(&pool, backend, &batch).await {
            Ok(results) => {
                for (req, result) in batch.into_iter().zip(results) {
                    let _ = req.reply.send(Ok(result));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, uploads = batch.len(), "batch write failed; retrying uploads one by one");
                for req in batch {
                    let result = write_batch(&pool, backend, std::slice::from_ref(&req)).await;
                    let _ = req.reply.send(result.and_then(first_result));
                }
            }
        }
    }
}

/// The result list of the only request of a one-request batch.
fn first_result(
    results: Vec<Vec<StoredAttestation>>,
) -> Result<Vec<StoredAttestation>, StoreError> {
    results
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Corrupt("batch write returned no result".into()))
}

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns.
fn values_clause(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// A bound value of a multi-row statement.
pub(crate) enum Value<'a> {
    Text(&'a str),
    OptText(Option<&'a str>),
    Int(i64),
    Bytes(&'a [u8]),
}

/// Run `INSERT … VALUES <rows> <suffix>` in chunks; returns the rows any RETURNING clause gives.
pub(crate) async fn insert_rows<'a>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    head: &str,
    suffix: &str,
    cols: usize,
    rows: &[Vec<Value<'a>>],
) -> Result<Vec<sqlx::any::AnyRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in rows.chunks(MAX_ROWS_PER_STATEMENT) {
        let sql = format!(
            "{head} VALUES {} {suffix}",
            values_clause(chunk.len(), cols)
        );
        // The statement text is built from constants and placeholder numbers only.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for v in row {
                q = match v {
                    Value::Text(s) => q.bind(*s),
                    Value::OptText(s) => q.bind(*s),
                    Value::Int(i) => q.bind(*i),
                    Value::Bytes(b) => q.bind(*b),
                };
            }
        }
        out.extend(q.fetch_all(&mut **tx).await?);
    }
    Ok(out)
}

/// Write every request of the batch in one transaction; one result list per request.
async fn write_batch(
    pool: &AnyPool,
    backend: Backend,
    batch: &[WriteRequest],
) -> Result<Vec<Vec<StoredAttestation>>, StoreError> {
    // Distinct attestations of the batch, first occurrence wins.
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut fresh: Vec<(String, &VerifiedAttestation, Timestamp, String, &Actor)> = Vec::new();
    for req in batch {
        for att in &req.attestations {
            let id = att.content_id.to_string();
            if seen_ids.insert(id.clone()) {
                let all: Vec<String> = att
                    .signers
                    .iter()
                    .map(ToString::to_string)
                    .chain(att.identities.iter().cloned())
                    .collect();
                let signers =
                    serde_json::to_string(&all).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                fresh.push((id, att, req.now, signers, &req.actor));
            }
        }
    }
    let mut tx = pool.begin().await?;

    // 1. Attestations: RETURNING tells which ids are new (and their seq).
    let rows: Vec<Vec<Value>> = fresh
        .iter()
        .map(|(id, att, now, signers, _)| {
            vec![
                Value::Text(id),
                Value::Bytes(&att.bytes),
                Value::Text(&att.payload_type),
                Value::Text(att.statement.statement_type.as_str()),
                Value::Text(&att.statement.predicate_type),
                Value::Text(signers),
                Value::Int(now.unix_millis()),
                Value::Int(i64::try_from(att.bytes.len()).unwrap_or(i64::MAX)),
            ]
        })
        .collect();
    let inserted = insert_rows(
        &mut tx,
        "INSERT INTO attestations \
         (id, envelope, payload_type, statement_type, predicate_type, signers, received_at, size)",
        "ON CONFLICT (id) DO NOTHING RETURNING seq, id",
        8,
        &rows,
    )
    .await?;
    let mut new_seq: HashMap<String, i64> = HashMap::with_capacity(inserted.len());
    for row in &inserted {
        new_seq.insert(row.try_get("id")?, row.try_get("seq")?);
    }

    // 2. When were the others first received?
    let mut existing: HashMap<String, i64> = HashMap::new();
    let old_ids: Vec<&str> = fresh
        .iter()
        .map(|(id, ..)| id.as_str())
        .filter(|id| !new_seq.contains_key(*id))
        .collect();
    for chunk in old_ids.chunks(MAX_ROWS_PER_STATEMENT) {
        let placeholders = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("SELECT id, received_at FROM attestations WHERE id IN ({placeholders})");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *tx).await? {
            existing.insert(row.try_get("id")?, row.try_get("received_at")?);
        }
    }

    // 3. Index the new ones: artifacts, names, subjects, signers.
    let mut artifacts: HashMap<String, i64> = HashMap::new();
    let mut names: HashMap<(String, String), i64> = HashMap::new();
    let mut subjects: HashMap<(String, i64), (String, String)> = HashMap::new();
    let mut signers: HashSet<(i64, String)> = HashSet::new();
    for (id, att, now, _, _) in &fresh {
        let Some(&seq) = new_seq.get(id) else {
            continue;
        };
        let ms = now.unix_millis();
        for subject in &att.statement.subjects {
            for digest in &subject.digests {
                let digest = digest.to_string();
                let last = artifacts.entry(digest.clone()).or_insert(ms);
                *last = (*last).max(ms);
                if !subject.name.is_empty() {
                    names
                        .entry((digest.clone(), subject.name.clone()))
                        .or_insert(ms);
                }
                subjects.entry((digest, seq)).or_insert_with(|| {
                    (subject.name.clone(), att.statement.predicate_type.clone())
                });
            }
        }
        for keyid in &att.signers {
            signers.insert((seq, keyid.to_string()));
        }
        for identity in &att.identities {
            signers.insert((seq, identity.clone()));
        }
    }
    let artifact_rows: Vec<Vec<Value>> = artifacts
        .iter()
        .map(|(d, ms)| vec![Value::Text(d), Value::Int(*ms), Value::Int(*ms)])
        .collect();
    insert_rows(
        &mut tx,
        "INSERT INTO artifacts (digest, first_seen, last_seen)",
        "ON CONFLICT (digest) DO UPDATE SET last_seen = CASE \
         WHEN excluded.last_seen > artifacts.last_seen THEN excluded.last_seen \
         ELSE artifacts.last_seen END",
        3,
        &artifact_rows,
    )
    .await?;
    let name_rows: Vec<Vec<Value>> = names
        .iter()
        .map(|((d, n), ms)| vec![Value::Text(d), Value::Text(n), Value::Int(*ms)])
        .collect();
    insert_rows(
        &mut tx,
        "INSERT INTO artifact_names (digest, name, first_seen)",
        "ON CONFLICT (digest, name) DO NOTHING",
        3,
        &name_rows,
    )
    .await?;
    let subject_rows: Vec<Vec<Value>> = subjects
        .iter()
        .map(|((d, seq), (name, pt))| {
            vec![
                Value::Text(d),
                Value::Int(*seq),
                Value::Text(name),
                Value::Text(pt),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "INSERT INTO attestation_subjects (digest, attestation_seq, name, predicate_type)",
        "ON CONFLICT (digest, attestation_seq) DO NOTHING",
        4,
        &subject_rows,
    )
    .await?;
    let signer_rows: Vec<Vec<Value>> = signers
        .iter()
        .map(|(seq, k)| vec![Value::Int(*seq), Value::Text(k)])
        .collect();
    insert_rows(
        &mut tx,
        "INSERT INTO attestation_signers (attestation_seq, keyid)",
        "ON CONFLICT (attestation_seq, keyid) DO NOTHING",
        2,
        &signer_rows,
    )
    .await?;

    // 4. The transparency log: one leaf per new attestation, in this same transaction.
    let mut entries: Vec<(NewEntry, &Actor)> = Vec::new();
    let mut entry_ids: Vec<&str> = Vec::new();
    let mut batch_now = Timestamp::from_unix_millis(0);
    for (id, att, now, _, actor) in &fresh {
        batch_now = batch_now.max(*now);
        if !new_seq.contains_key(id) {
            continue;
        }
        let mut subjects: Vec<String> = Vec::new();
        for subject in &att.statement.subjects {
            for digest in &subject.digests {
                let d = digest.to_string();
                if !subjects.contains(&d) {
                    subjects.push(d);
                }
            }
        }
        let mut detail = serde_json::Map::new();
        detail.insert(
            "predicateType".into(),
            serde_json::Value::String(att.statement.predicate_type.clone()),
        );
        entries.push((
            NewEntry {
                kind: EntryKind::Attestation,
                content_id: id.clone(),
                subjects,
                detail,
            },
            actor,
        ));
        entry_ids.push(id);
    }
    let appended = log::append(&mut tx, backend, &entries, batch_now).await?;
    let mut positions: HashMap<String, LogPosition> = entry_ids
        .iter()
        .zip(appended)
        .map(|(id, p)| ((*id).to_owned(), p))
        .collect();
    // Re-posted attestations: their original entries, proven against the current tree.
    let tree_size = match positions.values().next() {
        Some(p) => p.tree_size,
        None => log::size_in(&mut tx).await?,
    };
    for chunk in old_ids.chunks(MAX_ROWS_PER_STATEMENT) {
        let placeholders = (2..chunk.len() + 2)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT content_id, idx, leaf_hash, integrated_time FROM log_leaves \
             WHERE kind = $1 AND content_id IN ({placeholders}) ORDER BY idx"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(EntryKind::Attestation.as_str());
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *tx).await? {
            let id: String = row.try_get("content_id")?;
            let hash: Vec<u8> = row.try_get("leaf_hash")?;
            let index: i64 = row.try_get("idx")?;
            positions.entry(id).or_insert(LogPosition {
                proof: None,
                index: u64::try_from(index)
                    .map_err(|_| StoreError::Corrupt("negative log index".into()))?,
                integrated_time: Timestamp::from_unix_millis(row.try_get("integrated_time")?),
                leaf_hash: hash
                    .as_slice()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("leaf hash".into()))?,
                tree_size,
            });
        }
    }
    tx.commit().await?;

    // 5. Per request: created only for the first occurrence of a new id in the batch.
    let mut claimed: HashSet<String> = HashSet::new();
    batch
        .iter()
        .map(|req| {
            req.attestations
                .iter()
                .map(|att| {
                    let id = att.content_id.to_string();
                    let first_time = new_seq.contains_key(&id) && claimed.insert(id.clone());
                    let received_at = match (first_time, existing.get(&id)) {
                        (true, _) => req.now,
                        (false, Some(ms)) => Timestamp::from_unix_millis(*ms),
                        // Stored earlier in this same batch.
                        (false, None) => fresh
                            .iter()
                            .find(|(f, ..)| *f == id)
                            .map_or(req.now, |(_, _, now, _, _)| *now),
                    };
                    let log = positions.get(&id).cloned().ok_or_else(|| {
                        StoreError::Corrupt(format!("attestation {id} has no log entry"))
                    })?;
                    Ok(StoredAttestation {
                        id: att.content_id.clone(),
                        created: first_time,
                        received_at,
                        log,
                    })
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::values_clause;

    #[test]
    fn numbers_placeholders_row_by_row() {
        assert_eq!(values_clause(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values_clause(1, 1), "($1)");
    }
}

-- Transparency log (issue #7): an RFC 6962 Merkle tree over every accepted write.
-- log_state has exactly one row; appends lock it (FOR UPDATE on PostgreSQL, the single writer
-- connection on SQLite), so replicas never produce gaps or duplicate indexes.
CREATE TABLE log_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    size        BIGINT NOT NULL,             -- number of leaves
    last_time   BIGINT NOT NULL,             -- integrated time of the newest leaf (monotonic)
    origin      TEXT,                        -- checkpoint origin line, fixed on first start
    verifier    TEXT                         -- note verifier key of the log key, fixed on first start
);
INSERT INTO log_state (id, size, last_time) VALUES (1, 0, 0);

-- One row per leaf: the canonical JSON leaf data and its hash, plus columns for the history API.
CREATE TABLE log_leaves (
    idx              BIGINT PRIMARY KEY,
    leaf_hash        BYTEA NOT NULL,         -- SHA-256(0x00 || body)
    body             BYTEA NOT NULL,         -- RFC 8785 canonical JSON
    kind             TEXT NOT NULL,
    content_id       TEXT NOT NULL,
    actor            TEXT NOT NULL,
    integrated_time  BIGINT NOT NULL
);
CREATE INDEX log_leaves_by_content ON log_leaves (content_id);
CREATE INDEX log_leaves_by_kind ON log_leaves (kind, idx);
CREATE INDEX log_leaves_by_hash ON log_leaves (leaf_hash);

-- Every perfect subtree hash (level 0 = leaf hashes): proofs and roots are O(log n) lookups.
CREATE TABLE log_nodes (
    level  INTEGER NOT NULL,
    idx    BIGINT NOT NULL,
    hash   BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Which artifact digests each leaf is about (history of a digest).
CREATE TABLE log_subjects (
    digest  TEXT NOT NULL,
    idx     BIGINT NOT NULL,
    PRIMARY KEY (digest, idx)
);

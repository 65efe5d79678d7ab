-- Cairn schema v1 (PostgreSQL). Keep in step with migrations/sqlite/0001_init.sql.
-- Times are unix milliseconds (BIGINT); booleans would be INTEGER (sqlx Any).

CREATE TABLE artifacts (
    digest      TEXT PRIMARY KEY,            -- sha256:<hex> (or sha384/sha512)
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL
);

CREATE TABLE artifact_names (
    digest      TEXT NOT NULL REFERENCES artifacts (digest),
    name        TEXT NOT NULL,               -- repository name from a Statement subject
    first_seen  BIGINT NOT NULL,
    PRIMARY KEY (digest, name)
);

CREATE TABLE keys (
    keyid              TEXT PRIMARY KEY,     -- hex sha256 of the SPKI DER
    name               TEXT NOT NULL,
    algorithm          TEXT NOT NULL,
    public_key_pem     TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    revoked_at         BIGINT,
    revocation_reason  TEXT
);
CREATE INDEX keys_by_name ON keys (name);

CREATE TABLE attestations (
    seq             BIGSERIAL PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,    -- content id: sha256:<hex> of the exact envelope bytes
    envelope        BYTEA NOT NULL,          -- the exact bytes received
    payload_type    TEXT NOT NULL,
    statement_type  TEXT NOT NULL,
    predicate_type  TEXT NOT NULL,
    signers         TEXT NOT NULL,           -- JSON array of keyids that verified
    received_at     BIGINT NOT NULL,
    size            BIGINT NOT NULL
);

CREATE TABLE attestation_subjects (
    digest           TEXT NOT NULL REFERENCES artifacts (digest),
    attestation_seq  BIGINT NOT NULL REFERENCES attestations (seq),
    name             TEXT NOT NULL,
    predicate_type   TEXT NOT NULL,          -- copied from attestations for filtered listing
    PRIMARY KEY (digest, attestation_seq)
);
CREATE INDEX attestation_subjects_by_type ON attestation_subjects (digest, predicate_type, attestation_seq);
CREATE INDEX attestation_subjects_by_attestation ON attestation_subjects (attestation_seq);

CREATE TABLE attestation_signers (
    attestation_seq  BIGINT NOT NULL REFERENCES attestations (seq),
    keyid            TEXT NOT NULL,
    PRIMARY KEY (attestation_seq, keyid)
);
CREATE INDEX attestation_signers_by_key ON attestation_signers (keyid);

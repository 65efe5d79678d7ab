-- Policies (issue #6): every PUT makes a new version; old versions stay readable.
CREATE TABLE policies (
    name        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    id          TEXT NOT NULL,               -- sha256:<hex> of the exact document
    document    BYTEA NOT NULL,
    media_type  TEXT NOT NULL,               -- application/yaml | application/json
    created_at  BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    PRIMARY KEY (name, version)
);

-- Issued Verification Summary Attestations (DSSE, signed by the server's key).
CREATE TABLE vsas (
    id              TEXT PRIMARY KEY,        -- sha256:<hex> of the envelope bytes
    digest          TEXT NOT NULL,
    policy          TEXT NOT NULL,
    policy_version  BIGINT NOT NULL,
    verdict         TEXT NOT NULL,
    envelope        BYTEA NOT NULL,
    issued_at       BIGINT NOT NULL
);
CREATE INDEX vsas_by_digest ON vsas (digest, issued_at);

-- The last verdict seen per (digest, policy), to record verdict changes in the history.
CREATE TABLE verdicts (
    digest          TEXT NOT NULL,
    policy          TEXT NOT NULL,
    policy_version  BIGINT NOT NULL,
    verdict         TEXT NOT NULL,
    evaluated_at    BIGINT NOT NULL,
    PRIMARY KEY (digest, policy)
);

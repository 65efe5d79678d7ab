-- API tokens (issue #8). Only SHA-256 of the secret is stored (verifier); the id is public.
-- Names are unique for ever (they identify actors in the audit history), revoked tokens stay.
CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,            -- 16 hex, the public part of cairn_<id>_<secret>
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,               -- reader | auditor | writer | admin
    verifier    BYTEA NOT NULL,              -- SHA-256 of the 32-byte secret
    scopes      TEXT NOT NULL,               -- JSON array of image-name prefixes (writers); [] = any
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,               -- token name of the creator, or "bootstrap" / "cli"
    expires_at  BIGINT,
    revoked_at  BIGINT
);

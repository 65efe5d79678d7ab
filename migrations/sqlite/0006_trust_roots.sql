-- Trust roots (issue #5): Sigstore trusted_root.json documents and X.509 CA bundles (PEM) that
-- keyless and certificate-signed attestations must chain to. Exact bytes kept.
CREATE TABLE trust_roots (
    id          TEXT PRIMARY KEY,            -- sha256:<hex> of the exact document bytes
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,               -- sigstore | x509
    document    BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);

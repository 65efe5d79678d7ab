-- SBOMs (issue #4): CycloneDX documents (exact bytes), the artifacts they describe, and a
-- normalised component index for "which artifacts contain X".
CREATE TABLE sboms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,   -- sha256:<hex> of the exact document bytes
    document         BLOB NOT NULL,
    media_type       TEXT NOT NULL,          -- application/vnd.cyclonedx+json | +xml
    spec_version     TEXT NOT NULL,
    serial_number    TEXT,
    component_count  BIGINT NOT NULL,
    size             BIGINT NOT NULL,
    received_at      BIGINT NOT NULL
);

-- Which SBOMs describe which artifact. attestation_id: the signed attestation that carried the
-- SBOM as its predicate (NULL for a raw upload).
CREATE TABLE artifact_sboms (
    digest          TEXT NOT NULL REFERENCES artifacts (digest),
    sbom_seq        BIGINT NOT NULL REFERENCES sboms (seq),
    attestation_id  TEXT,
    received_at     BIGINT NOT NULL,
    PRIMARY KEY (digest, sbom_seq)
);
CREATE INDEX artifact_sboms_by_sbom ON artifact_sboms (sbom_seq);

-- Detached signatures: a signed Statement about an artifact that names an SBOM by its sha256.
CREATE TABLE sbom_references (
    digest          TEXT NOT NULL,
    sbom_id         TEXT NOT NULL,
    attestation_id  TEXT NOT NULL,
    PRIMARY KEY (digest, sbom_id, attestation_id)
);
CREATE INDEX sbom_references_by_sbom ON sbom_references (sbom_id);

CREATE TABLE sbom_components (
    sbom_seq     BIGINT NOT NULL REFERENCES sboms (seq),
    ordinal      BIGINT NOT NULL,
    bom_ref      TEXT,
    kind         TEXT NOT NULL,
    grp          TEXT,
    name         TEXT NOT NULL,
    version      TEXT,
    purl         TEXT,                   -- canonical form when it parses, else as written
    package_key  TEXT NOT NULL,          -- purl without version/qualifiers, else group/name
    licenses     TEXT NOT NULL,          -- JSON array of SPDX ids / names / expressions
    PRIMARY KEY (sbom_seq, ordinal)
);
CREATE INDEX sbom_components_by_package ON sbom_components (package_key, sbom_seq);
CREATE INDEX sbom_components_by_name ON sbom_components (name);

//! SBOMs: exact documents, the artifacts they describe, and the component index.

use crate::log::{self, EntryKind, NewEntry};
use crate::writer::{Value as Bound, insert_rows};
use crate::{Actor, Cursor, LogPosition, Page, PageRequest, Store, StoreError};
use cairn_core::Digest;
use cairn_core::sbom::{License, Sbom};
use cairn_core::time::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An SBOM to store for one artifact.
#[derive(Debug)]
pub struct NewSbom<'a> {
    /// The exact document bytes.
    pub bytes: &'a [u8],
    pub media_type: &'a str,
    pub sbom: &'a Sbom,
    pub subject: &'a Digest,
    /// The repository name the uploader gave, if any.
    pub subject_name: Option<&'a str>,
    /// The signed attestation that carried it (its predicate), if any.
    pub attestation_id: Option<&'a Digest>,
}

#[derive(Debug, Clone)]
pub struct StoredSbom {
    pub id: Digest,
    /// False when this document was already linked to this artifact.
    pub created: bool,
    pub log: LogPosition,
}

/// The newest SBOM of an artifact.
#[derive(Debug, Clone)]
pub struct SbomRecord {
    pub id: Digest,
    pub media_type: String,
    pub spec_version: String,
    pub component_count: i64,
    pub received_at: Timestamp,
    /// Bound to the artifact by a verified signature (embedded in an attestation, or named by
    /// digest in a signed detached reference).
    pub signed: bool,
    pub attestation_id: Option<String>,
    pub document: Vec<u8>,
}

/// One indexed component.
#[derive(Debug, Clone)]
pub struct ComponentRecord {
    pub ordinal: i64,
    pub bom_ref: Option<String>,
    pub kind: String,
    pub group: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub package_key: String,
    pub licenses: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ComponentFilter {
    /// Exact component name.
    pub name: Option<String>,
    /// Exact CycloneDX type.
    pub kind: Option<String>,
    /// An SPDX id, license name or expression, exactly as listed.
    pub license: Option<String>,
}

/// A component found by package, with the artifact whose SBOM lists it.
#[derive(Debug, Clone)]
pub struct ComponentHit {
    pub digest: String,
    pub sbom_id: String,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
}

fn license_text(l: &License) -> &str {
    match l {
        License::Id(s) | License::Name(s) | License::Expression(s) => s,
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Store an SBOM (once per document) and link it to its artifact, with its log entry, in one
    /// transaction.
    pub async fn insert_sbom(
        &self,
        new: &NewSbom<'_>,
        now: Timestamp,
        actor: &Actor,
    ) -> Result<StoredSbom, StoreError> {
        let id = Digest::sha256_of(new.bytes);
        let id_text = id.to_string();
        let digest = new.subject.to_string();
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO sboms (id, document, media_type, spec_version, serial_number, \
             component_count, size, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO NOTHING RETURNING seq",
        )
        .bind(&id_text)
        .bind(new.bytes)
        .bind(new.media_type)
        .bind(new.sbom.spec_version.as_str())
        .bind(new.sbom.serial_number.as_deref())
        .bind(to_i64(new.sbom.components.len()))
        .bind(to_i64(new.bytes.len()))
        .bind(now.unix_millis())
        .fetch_optional(&mut *tx)
        .await?;
        let seq: i64 = match inserted {
            Some(row) => {
                let seq: i64 = row.try_get("seq")?;
                insert_components(&mut tx, seq, new.sbom).await?;
                seq
            }
            None => sqlx::query("SELECT seq FROM sboms WHERE id = $1")
                .bind(&id_text)
                .fetch_one(&mut *tx)
                .await?
                .try_get("seq")?,
        };
        let ms = now.unix_millis();
        sqlx::query(
            "INSERT INTO artifacts (digest, first_seen, last_seen) VALUES ($1, $2, $2) \
             ON CONFLICT (digest) DO UPDATE SET last_seen = CASE \
             WHEN excluded.last_seen > artifacts.last_seen THEN excluded.last_seen \
             ELSE artifacts.last_seen END",
        )
        .bind(&digest)
        .bind(ms)
        .execute(&mut *tx)
        .await?;
        if let Some(name) = new.subject_name.filter(|n| !n.is_empty()) {
            sqlx::query(
                "INSERT INTO artifact_names (digest, name, first_seen) VALUES ($1, $2, $3) \
                 ON CONFLICT (digest, name) DO NOTHING",
            )
            .bind(&digest)
            .bind(name)
            .bind(ms)
            .execute(&mut *tx)
            .await?;
        }
        let linked = sqlx::query(
            "INSERT INTO artifact_sboms (digest, sbom_seq, attestation_id, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (digest, sbom_seq) DO NOTHING",
        )
        .bind(&digest)
        .bind(seq)
        .bind(new.attestation_id.map(ToString::to_string))
        .bind(ms)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let position = if linked {
            let mut detail = serde_json::Map::new();
            detail.insert(
                "specVersion".into(),
                serde_json::json!(new.sbom.spec_version.as_str()),
            );
            detail.insert(
                "components".into(),
                serde_json::json!(new.sbom.components.len()),
            );
            if let Some(a) = new.attestation_id {
                detail.insert("attestation".into(), serde_json::json!(a.to_string()));
            }
            let entry = NewEntry {
                kind: EntryKind::Sbom,
                content_id: id_text.clone(),
                subjects: vec![digest.clone()],
                detail,
            };
            log::append(&mut tx, self.backend, &[(entry, actor)], now)
                .await?
                .pop()
                .ok_or_else(|| StoreError::Corrupt("sbom log append".into()))?
        } else {
            log::position_of(&mut tx, EntryKind::Sbom, &id_text, &digest).await?
        };
        tx.commit().await?;
        Ok(StoredSbom {
            id,
            created: linked,
            log: position,
        })
    }

    /// Record that a signed attestation names the SBOM `sbom` for the artifact `digest`.
    pub async fn insert_sbom_reference(
        &self,
        digest: &Digest,
        sbom: &Digest,
        attestation_id: &Digest,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sbom_references (digest, sbom_id, attestation_id) VALUES ($1, $2, $3) \
             ON CONFLICT (digest, sbom_id, attestation_id) DO NOTHING",
        )
        .bind(digest.to_string())
        .bind(sbom.to_string())
        .bind(attestation_id.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The newest SBOM of an artifact, with its bytes.
    pub async fn sbom_for(&self, digest: &Digest) -> Result<Option<SbomRecord>, StoreError> {
        let key = digest.to_string();
        let Some(row) = sqlx::query(
            "SELECT s.id, s.media_type, s.spec_version, s.component_count, s.document, \
             l.received_at, l.attestation_id, \
             (SELECT COUNT(*) FROM sbom_references r WHERE r.digest = l.digest AND r.sbom_id = s.id) \
               AS refs \
             FROM artifact_sboms l JOIN sboms s ON s.seq = l.sbom_seq \
             WHERE l.digest = $1 ORDER BY l.received_at DESC, l.sbom_seq DESC LIMIT 1",
        )
        .bind(&key)
        .fetch_optional(&self.read)
        .await?
        else {
            return Ok(None);
        };
        let id: String = row.try_get("id")?;
        let attestation_id: Option<String> = row.try_get("attestation_id")?;
        let refs: i64 = row.try_get("refs")?;
        Ok(Some(SbomRecord {
            id: id
                .parse()
                .map_err(|_| StoreError::Corrupt("sboms.id".into()))?,
            media_type: row.try_get("media_type")?,
            spec_version: row.try_get("spec_version")?,
            component_count: row.try_get("component_count")?,
            received_at: Timestamp::from_unix_millis(row.try_get("received_at")?),
            signed: attestation_id.is_some() || refs > 0,
            attestation_id,
            document: row.try_get("document")?,
        }))
    }

    /// The components of an artifact's newest SBOM, in document order.
    pub async fn components_of(
        &self,
        digest: &Digest,
        filter: &ComponentFilter,
        page: PageRequest,
    ) -> Result<Option<Page<ComponentRecord>>, StoreError> {
        let key = digest.to_string();
        let Some(row) = sqlx::query(
            "SELECT sbom_seq FROM artifact_sboms WHERE digest = $1 \
             ORDER BY received_at DESC, sbom_seq DESC LIMIT 1",
        )
        .bind(&key)
        .fetch_optional(&self.read)
        .await?
        else {
            return Ok(None);
        };
        let seq: i64 = row.try_get("sbom_seq")?;
        let mut sql = String::from(
            "SELECT ordinal, bom_ref, kind, grp, name, version, purl, package_key, licenses \
             FROM sbom_components WHERE sbom_seq = $1 AND ordinal >= $2",
        );
        let mut binds: Vec<String> = Vec::new();
        for (column, value) in [
            ("name", filter.name.as_deref()),
            ("kind", filter.kind.as_deref()),
        ] {
            if let Some(v) = value {
                sql.push_str(&format!(" AND {column} = ${}", binds.len() + 4));
                binds.push(v.to_owned());
            }
        }
        // Licenses are a JSON array of strings: match one element exactly (quotes included).
        if let Some(l) = filter.license.as_deref() {
            let quoted = serde_json::to_string(l)
                .map_err(|e| StoreError::Corrupt(format!("license filter: {e}")))?;
            sql.push_str(&format!(
                " AND licenses LIKE ${} ESCAPE '\\'",
                binds.len() + 4
            ));
            binds.push(format!("%{}%", escape_like(&quoted)));
        }
        sql.push_str(" ORDER BY ordinal LIMIT $3");
        let start = page.after.map_or(0, |c| c.0 - 1);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(seq)
            .bind(start)
            .bind(i64::from(page.limit) + 1);
        for v in &binds {
            q = q.bind(v.as_str());
        }
        let rows = q.fetch_all(&self.read).await?;
        let mut items = rows
            .iter()
            .map(component_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > page.limit as usize {
            items.truncate(page.limit as usize);
            items.last().map(|c| Cursor(c.ordinal + 2))
        } else {
            None
        };
        Ok(Some(Page { items, next }))
    }

    /// Every (artifact, component) whose package key is `package_key`, at most `max` rows,
    /// ordered by artifact digest then version.
    pub async fn components_by_package(
        &self,
        package_key: &str,
        max: u32,
    ) -> Result<Vec<ComponentHit>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT l.digest, s.id AS sbom_id, c.name, c.version, c.purl \
             FROM sbom_components c JOIN sboms s ON s.seq = c.sbom_seq \
             JOIN artifact_sboms l ON l.sbom_seq = c.sbom_seq \
             WHERE c.package_key = $1 ORDER BY l.digest, c.version LIMIT $2",
        )
        .bind(package_key)
        .bind(i64::from(max))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ComponentHit {
                    digest: r.try_get("digest")?,
                    sbom_id: r.try_get("sbom_id")?,
                    name: r.try_get("name")?,
                    version: r.try_get("version")?,
                    purl: r.try_get("purl")?,
                })
            })
            .collect()
    }

    /// The names seen for an artifact.
    pub async fn artifact_names(&self, digest: &str) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query("SELECT name FROM artifact_names WHERE digest = $1 ORDER BY name")
                .bind(digest)
                .fetch_all(&self.read)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<Vec<_>, _>>()?,
        )
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn component_from_row(row: &AnyRow) -> Result<ComponentRecord, StoreError> {
    let licenses: String = row.try_get("licenses")?;
    Ok(ComponentRecord {
        ordinal: row.try_get("ordinal")?,
        bom_ref: row.try_get("bom_ref")?,
        kind: row.try_get("kind")?,
        group: row.try_get("grp")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        purl: row.try_get("purl")?,
        package_key: row.try_get("package_key")?,
        licenses: serde_json::from_str(&licenses)
            .map_err(|_| StoreError::Corrupt("sbom_components.licenses".into()))?,
    })
}

async fn insert_components(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    seq: i64,
    sbom: &Sbom,
) -> Result<(), StoreError> {
    struct Row {
        ordinal: i64,
        purl: Option<String>,
        package_key: String,
        version: Option<String>,
        licenses: String,
    }
    let prepared: Vec<Row> = sbom
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let purl = c.purl.as_deref().map(|p| {
                p.parse::<cairn_core::purl::Purl>()
                    .map(|parsed| parsed.to_canonical())
                    .unwrap_or_else(|_| p.to_owned())
            });
            let licenses: Vec<&str> = c.licenses.iter().map(license_text).collect();
            Row {
                ordinal: to_i64(i),
                purl,
                package_key: c.package_key(),
                version: c.effective_version(),
                licenses: serde_json::to_string(&licenses).unwrap_or_else(|_| "[]".into()),
            }
        })
        .collect();
    let rows: Vec<Vec<Bound>> = sbom
        .components
        .iter()
        .zip(&prepared)
        .map(|(c, p)| {
            vec![
                Bound::Int(seq),
                Bound::Int(p.ordinal),
                Bound::OptText(c.bom_ref.as_deref()),
                Bound::Text(&c.kind),
                Bound::OptText(c.group.as_deref()),
                Bound::Text(&c.name),
                Bound::OptText(p.version.as_deref()),
                Bound::OptText(p.purl.as_deref()),
                Bound::Text(&p.package_key),
                Bound::Text(&p.licenses),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO sbom_components (sbom_seq, ordinal, bom_ref, kind, grp, name, version, purl, \
         package_key, licenses)",
        "",
        10,
        &rows,
    )
    .await?;
    Ok(())
}

//! Chains in the store: the list, one chain's links and firms as the analysis reads them, and
//! definition imports (validated first, written all-or-nothing in one audited transaction).

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use sqlx::SqliteConnection;

use super::definition::{self, ChainDef, LinkDef};
use crate::error::{Error, Result};
use crate::store::{self, parse_json_rows, Store};
use crate::vocab;

/// One chain of the list.
#[derive(Debug, Clone, Serialize)]
pub struct ChainSummary {
    pub code: String,
    pub name: String,
    pub category: String,
    pub links: i64,
    pub firms: i64,
    pub is_demo: bool,
}

/// A chain's identity.
#[derive(Debug, Clone, Serialize)]
pub struct ChainInfo {
    pub code: String,
    pub name: String,
    pub category: String,
    pub description: String,
    /// Written by the demo generator (its figures are 示例数据).
    pub is_demo: bool,
}

/// A link as stored.
#[derive(Debug, Clone)]
pub struct LinkRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub segment: String,
    pub parent_id: Option<i64>,
    pub is_key: bool,
}

/// The bit of [`Firm::flags`] for `vocab::FIRM_FLAGS[i]` is `1 << i`; the chain leader's is 1.
pub const CHAIN_LEADER: u8 = 1;

/// A firm attached to one of the chain's links.
#[derive(Debug, Clone)]
pub struct Firm {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub town_id: i64,
    pub link_id: i64,
    pub output_wan_yuan: f64,
    pub tax_wan_yuan: f64,
    pub employees: i64,
    pub flags: u8,
}

/// What the analysis reads of one chain.
#[derive(Debug, Clone)]
pub struct ChainData {
    pub chain: ChainInfo,
    /// In display order (the definition's order).
    pub links: Vec<LinkRow>,
    pub firms: Vec<Firm>,
}

pub async fn list(store: &Store) -> Result<Vec<ChainSummary>> {
    let rows: Vec<(String, String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.code, c.name, c.category,
                (SELECT COUNT(*) FROM chain_links l WHERE l.chain_id = c.id),
                (SELECT COUNT(*) FROM enterprises e JOIN chain_links l ON l.id = e.chain_link_id
                  WHERE l.chain_id = c.id),
                c.is_demo
         FROM industry_chains c ORDER BY c.id",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ChainSummary {
            code: r.0,
            name: r.1,
            category: r.2,
            links: r.3,
            firms: r.4,
            is_demo: r.5 == 1,
        })
        .collect())
}

/// The id of the chain named by `key`: its code, its name or its town category.
pub async fn resolve(store: &Store, key: &str) -> Result<i64> {
    let key = key.trim();
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM industry_chains WHERE code = ?1 OR name = ?1 OR category = ?1 ORDER BY id LIMIT 1",
    )
    .bind(key)
    .fetch_optional(store.pool())
    .await?;
    match id {
        Some(id) => Ok(id),
        None => {
            let known: Vec<String> = sqlx::query_scalar(
                "SELECT code || '（' || name || '）' FROM industry_chains ORDER BY id",
            )
            .fetch_all(store.pool())
            .await?;
            Err(Error::not_found(format!(
                "产业链「{key}」，可用代码、名称或类别指定：{}",
                if known.is_empty() {
                    "数据库中还没有产业链，请先用 towncockpit chain import 导入".to_string()
                } else {
                    known.join("、")
                }
            )))
        }
    }
}

/// One chain's links and the firms on them.
pub async fn load(store: &Store, chain_id: i64) -> Result<ChainData> {
    let (code, name, category, description, is_demo): (String, String, String, String, bool) =
        sqlx::query_as(
            "SELECT code, name, category, description, is_demo FROM industry_chains WHERE id = ?",
        )
        .bind(chain_id)
        .fetch_one(store.pool())
        .await?;
    let links = links(store.pool(), chain_id).await?;
    type FirmTuple = (i64, String, String, i64, i64, f64, f64, i64, u8);
    let flags: Vec<String> = vocab::FIRM_FLAGS
        .iter()
        .enumerate()
        .map(|(i, f)| format!("e.{} * {}", f.code, 1 << i))
        .collect();
    let json: Option<String> = sqlx::query_scalar(&format!(
        "SELECT json_group_array(json_array(e.id, e.name, e.credit_code, e.town_id, e.chain_link_id,
                e.output_wan_yuan, e.tax_wan_yuan, e.employees, {}))
         FROM enterprises e JOIN chain_links l ON l.id = e.chain_link_id WHERE l.chain_id = ?",
        flags.join(" + ")
    ))
    .bind(chain_id)
    .fetch_one(store.pool())
    .await?;
    let firms = parse_json_rows::<FirmTuple>(json)?
        .into_iter()
        .map(|f| Firm {
            id: f.0,
            name: f.1,
            credit_code: f.2,
            town_id: f.3,
            link_id: f.4,
            output_wan_yuan: f.5,
            tax_wan_yuan: f.6,
            employees: f.7,
            flags: f.8,
        })
        .collect();
    Ok(ChainData {
        chain: ChainInfo {
            code,
            name,
            category,
            description,
            is_demo,
        },
        links,
        firms,
    })
}

async fn links(conn: impl sqlx::SqliteExecutor<'_>, chain_id: i64) -> Result<Vec<LinkRow>> {
    let rows: Vec<(i64, String, String, String, Option<i64>, bool)> = sqlx::query_as(
        "SELECT id, code, name, segment, parent_id, is_key FROM chain_links
         WHERE chain_id = ? ORDER BY sort_order, id",
    )
    .bind(chain_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LinkRow {
            id: r.0,
            code: r.1,
            name: r.2,
            segment: r.3,
            parent_id: r.4,
            is_key: r.5,
        })
        .collect())
}

/// The stored chain as a definition (what `chain export` writes).
pub async fn export(store: &Store, key: &str) -> Result<ChainDef> {
    let data = load(store, resolve(store, key).await?).await?;
    let code_of: HashMap<i64, &str> = data.links.iter().map(|l| (l.id, l.code.as_str())).collect();
    Ok(ChainDef {
        code: data.chain.code,
        name: data.chain.name,
        category: data.chain.category,
        description: data.chain.description,
        links: data
            .links
            .iter()
            .map(|l| LinkDef {
                code: l.code.clone(),
                name: l.name.clone(),
                segment: l.segment.clone(),
                parent: l.parent_id.map(|p| code_of[&p].to_string()),
                key: l.is_key,
            })
            .collect(),
    })
}

/// What an import changed.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub code: String,
    pub name: String,
    pub links: usize,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    /// Firms whose link the definition no longer has (now on no link).
    pub detached_firms: i64,
}

/// Imports a definition file: validated in full first; then, in one audited transaction, the
/// chain with the file's code is created or updated. Links are matched by code, so the firms on a
/// kept link stay on it; links the file no longer has are removed and their firms detached.
pub async fn import(store: &Store, path: &Path) -> Result<ImportSummary> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let file = path.display().to_string();
    let def = definition::parse(&bytes, &file)?;
    let mut tx = store.pool().begin().await?;
    let taken: Option<String> =
        sqlx::query_scalar("SELECT code FROM industry_chains WHERE name = ? AND code <> ?")
            .bind(&def.name)
            .bind(&def.code)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(other) = taken {
        return Err(Error::invalid(format!(
            "「{file}」的产业链名称「{}」已被代码为「{other}」的另一条链使用，未作任何改动。请改用不同名称，或把 code 改为「{other}」以更新那条链",
            def.name
        )));
    }
    let counts = write(&mut tx, &def, false).await?;
    let summary = ImportSummary {
        file: file.clone(),
        code: def.code.clone(),
        name: def.name.clone(),
        links: def.links.len(),
        added: counts.added,
        updated: counts.updated,
        removed: counts.removed,
        detached_firms: counts.detached_firms,
    };
    store::audit(
        &mut tx,
        "import",
        "chain_links",
        Some(&def.code),
        def.links.len() as i64,
        &serde_json::to_string(&summary).unwrap_or_default(),
        &store::actor(&file),
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

/// Counts of [`write`].
pub struct Written {
    pub chain_id: i64,
    /// Link code → id.
    pub link_ids: HashMap<String, i64>,
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub detached_firms: i64,
}

/// Writes a validated definition inside the caller's transaction (the import and the demo).
pub async fn write(conn: &mut SqliteConnection, def: &ChainDef, is_demo: bool) -> Result<Written> {
    let chain_id: i64 = sqlx::query_scalar(
        "INSERT INTO industry_chains (code, name, category, description, is_demo) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, category = excluded.category,
             description = excluded.description, is_demo = excluded.is_demo
         RETURNING id",
    )
    .bind(&def.code)
    .bind(&def.name)
    .bind(&def.category)
    .bind(&def.description)
    .bind(is_demo)
    .fetch_one(&mut *conn)
    .await?;
    let old: HashMap<String, i64> = links(&mut *conn, chain_id)
        .await?
        .into_iter()
        .map(|l| (l.code, l.id))
        .collect();
    // Parents and names are set afresh below; clearing them first lets links swap names or
    // parents without tripping UNIQUE (chain_id, name) or the parent cascade midway.
    sqlx::query("UPDATE chain_links SET parent_id = NULL, name = '#' || id WHERE chain_id = ?")
        .bind(chain_id)
        .execute(&mut *conn)
        .await?;
    let mut removed = 0;
    let mut detached_firms = 0;
    for (code, id) in &old {
        if def.links.iter().all(|l| &l.code != code) {
            detached_firms +=
                sqlx::query("UPDATE enterprises SET chain_link_id = NULL WHERE chain_link_id = ?")
                    .bind(id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected() as i64;
            sqlx::query("DELETE FROM chain_links WHERE id = ?")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            removed += 1;
        }
    }
    let mut link_ids = HashMap::new();
    let (mut added, mut updated) = (0, 0);
    for (k, l) in def.links.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO chain_links (chain_id, code, name, segment, sort_order, is_key, is_demo)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (chain_id, code) DO UPDATE SET name = excluded.name, segment = excluded.segment,
                 sort_order = excluded.sort_order, is_key = excluded.is_key, is_demo = excluded.is_demo
             RETURNING id",
        )
        .bind(chain_id)
        .bind(&l.code)
        .bind(&l.name)
        .bind(&l.segment)
        .bind(k as i64 + 1)
        .bind(l.key)
        .bind(is_demo)
        .fetch_one(&mut *conn)
        .await?;
        if old.contains_key(&l.code) {
            updated += 1;
        } else {
            added += 1;
        }
        link_ids.insert(l.code.clone(), id);
    }
    for l in &def.links {
        if let Some(p) = &l.parent {
            sqlx::query("UPDATE chain_links SET parent_id = ? WHERE id = ?")
                .bind(link_ids[p])
                .bind(link_ids[&l.code])
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(Written {
        chain_id,
        link_ids,
        added,
        updated,
        removed,
        detached_firms,
    })
}

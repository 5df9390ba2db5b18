//! The global search: towns by name, pinyin initials, town code or county, best matches first,
//! by [`TownQuery`] (the rule the 一码 screen's search uses too). Read-only: a town without an
//! assigned code is found by its other keys.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::Store;
use crate::towns::{self, compact, initials, TownQuery, TownRow};

/// Hits returned when the caller names no limit.
pub const DEFAULT_LIMIT: usize = 12;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Name or a part of it, pinyin initials (MXXZ), town code (any form) or county.
    pub q: String,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub town_id: i64,
    pub name: String,
    pub county: String,
    pub city: String,
    pub category: String,
    pub stage: String,
    pub initials: String,
    pub code: Option<String>,
    /// What matched: 名称 / 拼音首字母 / 小镇码 / 县（市、区）.
    pub matched: &'static str,
}

struct Entry {
    town: TownRow,
    initials: String,
    code: Option<String>,
}

/// Every town with its initials and code, kept in the store's memo.
async fn entries(store: &Store) -> Result<Arc<Vec<Entry>>> {
    store
        .snapshot()
        .await?
        .get_or_load("profile:search", async {
            let codes: Vec<(i64, String)> = sqlx::query_as("SELECT town_id, code FROM town_codes")
                .fetch_all(store.pool())
                .await?;
            let codes: std::collections::HashMap<i64, String> = codes.into_iter().collect();
            Ok(towns::load_all(store)
                .await?
                .into_iter()
                .map(|t| Entry {
                    initials: initials(&t.name),
                    code: codes.get(&t.id).cloned(),
                    town: t,
                })
                .collect::<Vec<_>>())
        })
        .await
}

/// Towns matching `q`, best first: exact name, name start, name part, initials, code, county.
pub async fn search(store: &Store, args: SearchArgs) -> Result<Vec<Hit>> {
    let q = args.q.trim();
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=200).contains(&limit) {
        return Err(Error::invalid(format!(
            "搜索的参数 limit（结果个数）应在 1 到 200 之间，而不是 {limit}"
        )));
    }
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let query = TownQuery::new(q);
    let all = entries(store).await?;
    let mut hits: Vec<(u8, &Entry, &'static str)> = all
        .iter()
        .filter_map(|e| {
            let (rank, matched) = query.rank(&e.town, &e.initials, e.code.as_deref())?;
            Some((rank, e, matched))
        })
        .collect();
    hits.sort_by_key(|(rank, e, _)| (*rank, e.town.name.chars().count(), e.town.id));
    Ok(hits
        .into_iter()
        .take(limit)
        .map(|(_, e, matched)| Hit {
            town_id: e.town.id,
            name: e.town.name.clone(),
            county: e.town.county.clone(),
            city: e.town.city.clone(),
            category: e.town.category.clone(),
            stage: e.town.stage.clone(),
            initials: e.initials.clone(),
            code: e.code.clone(),
            matched,
        })
        .collect())
}

/// The one town `key` names: an id, a town code (any form), or what [`towns::find`] accepts.
pub async fn resolve(store: &Store, key: &str) -> Result<TownRow> {
    let code = compact(key);
    if code.len() == 11 {
        if let Some(e) = entries(store)
            .await?
            .iter()
            .find(|e| e.code.as_deref() == Some(code.as_str()))
        {
            return Ok(e.town.clone());
        }
    }
    towns::find(store, key).await
}

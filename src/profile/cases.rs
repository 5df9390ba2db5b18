//! 典型案例: best-practice cases the province collects (title, text, date, tags, photos),
//! optionally about one town; added in one audited transaction with their photos, listed and
//! searched by title, text and tag, shown on the town's profile.

use serde::{Deserialize, Serialize};

use super::media::{self, NewMedia, Owner};
use crate::error::{Error, Result};
use crate::store::{self, Store};
use crate::towncode::town::data_dir;

#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub title: String,
    pub date: String,
    pub tags: Vec<String>,
    pub town_id: Option<i64>,
    pub town: Option<String>,
    /// The first characters of the text.
    pub excerpt: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Case {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub body: String,
    pub photos: Vec<media::Media>,
}

/// A new case; photos are (file name, bytes).
pub struct NewCase {
    pub title: String,
    pub body: String,
    pub date: String,
    pub tags: Vec<String>,
    pub town_id: Option<i64>,
    pub photos: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    /// Words in the title, text or tags.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    /// Town id: only the cases about it.
    #[serde(default)]
    pub town_id: Option<i64>,
}

const EXCERPT_CHARS: usize = 60;

/// Adds a case with its photos in one audited transaction; every photo is checked first, so a
/// bad one leaves the store as it was.
pub async fn add(store: &Store, case: NewCase, actor: &str) -> Result<i64> {
    let title = case.title.trim();
    if title.is_empty() {
        return Err(Error::invalid("典型案例的标题为空，请填写标题"));
    }
    media::check_date("典型案例的日期", &case.date)?;
    let tags: Vec<String> = case
        .tags
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let mut photos = Vec::with_capacity(case.photos.len());
    for (name, bytes) in case.photos {
        photos.push(
            media::ready(NewMedia {
                file_name: &name,
                bytes,
                caption: None,
                taken_on: Some(case.date.clone()),
            })
            .await?,
        );
    }
    let tags_json = serde_json::to_string(&tags).expect("strings serialise");
    let mut tx = store.pool().begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (title, body, case_date, tags_json, town_id, added_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(title)
    .bind(&case.body)
    .bind(&case.date)
    .bind(&tags_json)
    .bind(case.town_id)
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .fetch_one(&mut *tx)
    .await?;
    store::audit(
        &mut tx,
        "insert",
        "cases",
        Some(&id.to_string()),
        1,
        &format!("典型案例「{title}」，{} 张照片", photos.len()),
        actor,
    )
    .await?;
    let dir = data_dir(store);
    for p in &photos {
        media::store_in(&mut tx, &dir, Owner::Case(id), p, actor).await?;
    }
    tx.commit().await?;
    Ok(id)
}

type Row = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
);

fn summary(r: Row) -> Result<(CaseSummary, String)> {
    let tags: Vec<String> = serde_json::from_str(&r.3)
        .map_err(|e| Error::Store(format!("典型案例 {} 的标签无法解析：{e}", r.0)))?;
    Ok((
        CaseSummary {
            id: r.0,
            title: r.1,
            date: r.2,
            tags,
            town_id: r.4,
            town: r.5,
            excerpt: r.6.chars().take(EXCERPT_CHARS).collect(),
        },
        r.6,
    ))
}

const SELECT: &str = "SELECT c.id, c.title, c.case_date, c.tags_json, c.town_id, t.name, c.body
                      FROM cases c LEFT JOIN towns t ON t.id = c.town_id";

/// Cases matching the filter, newest first.
pub async fn list(store: &Store, filter: &CaseFilter) -> Result<Vec<CaseSummary>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE (?1 IS NULL OR c.town_id = ?1) ORDER BY c.case_date DESC, c.id DESC"
    ))
    .bind(filter.town_id)
    .fetch_all(store.pool())
    .await?;
    let q = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let tag = filter
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut out = Vec::new();
    for r in rows {
        let (s, body) = summary(r)?;
        let by_q = q.is_none_or(|q| {
            s.title.contains(q) || body.contains(q) || s.tags.iter().any(|t| t.contains(q))
        });
        let by_tag = tag.is_none_or(|t| s.tags.iter().any(|x| x == t));
        if by_q && by_tag {
            out.push(s);
        }
    }
    Ok(out)
}

/// One case with its text and photos.
pub async fn show(store: &Store, id: i64) -> Result<Case> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    let row = row.ok_or_else(|| Error::not_found(format!("编号为 {id} 的典型案例")))?;
    let (summary, body) = summary(row)?;
    Ok(Case {
        summary,
        body,
        photos: media::list(store, Owner::Case(id)).await?,
    })
}

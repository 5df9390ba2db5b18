//! Town codes and issued payloads in the store (`migrations/0005_towncode.sql`).
//!
//! Codes are assigned once per town, in the order towns were listed (cultivation, creation or
//! naming date, then id), with each county's next unused robust sequence number. Issued
//! payloads are kept; the latest one per town is its current code.

use chrono::Utc;
use sqlx::SqlitePool;

use super::code::{next_sequence, Category, Counties, TownCode};
use super::payload::{Payload, Presented};
use crate::error::{Error, Result};

/// Valid county codes from the store's division table.
pub async fn counties(pool: &SqlitePool) -> Result<Counties> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT code, name FROM divisions WHERE level = 'county'")
            .fetch_all(pool)
            .await?;
    Ok(Counties::from_pairs(rows))
}

/// Gives every town without a code its code, in one transaction.
pub async fn assign_missing(pool: &SqlitePool, counties: &Counties) -> Result<usize> {
    // Takes the write lock up front: a deferred transaction that reads first cannot wait for
    // another writer (SQLite answers "database is locked" at once instead of using the busy
    // timeout), and another screen or program may be writing at the same moment.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let towns: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT t.id, t.name, t.county_code, t.category, t.is_demo FROM towns t
         LEFT JOIN town_codes c ON c.town_id = t.id
         WHERE c.town_id IS NULL
         ORDER BY COALESCE(t.cultivation_date, t.creation_date, t.named_date, '9999'), t.id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let now = Utc::now().to_rfc3339();
    for (id, name, county, category_name, is_demo) in &towns {
        let category = Category::from_name(category_name).ok_or_else(|| {
            Error::invalid(format!(
                "小镇「{name}」的产业类别「{category_name}」不在小镇码的类别表中，无法赋码"
            ))
        })?;
        let highest: Option<i64> =
            sqlx::query_scalar("SELECT highest FROM town_code_counters WHERE county_code = ?")
                .bind(county)
                .fetch_optional(&mut *tx)
                .await?;
        let highest = highest.unwrap_or(0) as u16;
        let code = next_sequence(category, county, highest, counties)
            .map_err(Error::from)?
            .ok_or_else(|| {
                Error::invalid(format!(
                    "县（市、区）「{county}」的小镇码序号已用完（001–999）"
                ))
            })?;
        sqlx::query(
            "INSERT INTO town_codes (town_id, code, county_code, category, sequence, assigned_at, is_demo)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(code.compact())
        .bind(county)
        .bind(category.letter().to_string())
        .bind(code.sequence() as i64)
        .bind(&now)
        .bind(is_demo)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO town_code_counters (county_code, highest) VALUES (?, ?)
             ON CONFLICT (county_code) DO UPDATE SET highest = excluded.highest",
        )
        .bind(county)
        .bind(code.sequence() as i64)
        .execute(&mut *tx)
        .await?;
    }
    if !towns.is_empty() {
        crate::store::audit(
            &mut tx,
            "insert",
            "town_codes",
            None,
            towns.len() as i64,
            &format!("为 {} 个新小镇赋小镇码", towns.len()),
            &crate::store::actor("小镇码登记"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(towns.len())
}

/// The code of one town, if assigned.
pub async fn code_of(
    pool: &SqlitePool,
    town_id: i64,
    counties: &Counties,
) -> Result<Option<TownCode>> {
    let code: Option<String> = sqlx::query_scalar("SELECT code FROM town_codes WHERE town_id = ?")
        .bind(town_id)
        .fetch_optional(pool)
        .await?;
    code.map(|c| TownCode::parse(&c, counties).map_err(Error::from))
        .transpose()
}

/// The town holding a code.
pub async fn town_of(pool: &SqlitePool, code: &TownCode) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT town_id FROM town_codes WHERE code = ?")
            .bind(code.compact())
            .fetch_optional(pool)
            .await?,
    )
}

/// The latest issued payload (full text) for a town.
pub async fn current_issue(pool: &SqlitePool, town_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT payload FROM town_code_issues WHERE town_id = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(town_id)
    .fetch_optional(pool)
    .await?)
}

/// The latest issued payload for a code (for verification), read back into its fields.
pub async fn current_payload_for_code(pool: &SqlitePool, code: &str) -> Result<Option<Payload>> {
    let text: Option<String> = sqlx::query_scalar(
        "SELECT payload FROM town_code_issues WHERE code = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(text
        .and_then(|t| Presented::read(&t).ok())
        .and_then(|p| p.payload))
}

/// Records a newly signed payload as the town's current code, with its audit row.
pub async fn record_issue(
    pool: &SqlitePool,
    town_id: i64,
    payload: &Payload,
    text: &str,
    is_demo: bool,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO town_code_issues (town_id, code, issued_on, colour, key_id, payload, created_at, is_demo)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(town_id)
    .bind(&payload.code)
    .bind(payload.issued.format("%Y-%m-%d").to_string())
    .bind(payload.colour.name())
    .bind(&payload.key_id)
    .bind(text)
    .bind(Utc::now().to_rfc3339())
    .bind(is_demo as i64)
    .execute(&mut *tx)
    .await?;
    crate::store::audit(
        &mut tx,
        "insert",
        "town_code_issues",
        Some(&payload.code),
        1,
        &format!(
            "签发小镇码 {}（{}，{}色，密钥 {}）",
            payload.code,
            payload.name,
            payload.colour.name(),
            payload.key_id
        ),
        &crate::store::actor("code_show"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

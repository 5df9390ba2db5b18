//! The demo province (示例数据): a deterministic generator (ChaCha8, fixed seed) that writes a
//! province shaped like Zhejiang into the store, every row marked `is_demo = 1`.
//!
//! Same seed and scale → the same database content. `scale` N builds N times the towns and
//! enterprises (for benchmarks); the real towns of the public list appear once.

mod chains;
mod figures;
mod towns;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Sqlite, SqliteConnection};

use crate::error::{Error, Result};
use crate::store::Store;

pub use figures::{FIRST_YEAR, LAST_YEAR};

/// The seed the app ships with.
pub const DEFAULT_SEED: u64 = 20_251_231;
/// The demo's "today": figures run to the end of 2025.
pub const AS_OF: &str = "2025-12-31";

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub scale: u32,
    pub seed: u64,
    /// Replace a database that holds data other than the demo.
    pub force: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            scale: 1,
            seed: DEFAULT_SEED,
            force: false,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    pub seed: u64,
    pub scale: u32,
    pub towns: usize,
    pub enterprises: usize,
    pub indicator_values: usize,
    pub projects: usize,
}

/// Progress of a long load: `(done, total)` rows written.
pub trait Progress: Sync {
    fn update(&self, done: u64, total: u64);
}

impl Progress for () {
    fn update(&self, _: u64, _: u64) {}
}

/// Replaces any demo data in the store with a freshly generated province, in one transaction.
/// Refuses (nothing written) when the store holds towns that are not demo, unless `force`.
pub async fn load(
    store: &Store,
    options: DemoOptions,
    progress: &dyn Progress,
) -> Result<DemoSummary> {
    if options.scale == 0 || options.scale > 100 {
        return Err(Error::invalid(format!(
            "示例数据规模应为 1 到 100 的整数，实际为 {}",
            options.scale
        )));
    }
    let pool = store.pool();
    let real: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM towns WHERE is_demo = 0")
        .fetch_one(pool)
        .await?;
    if real > 0 && !options.force {
        return Err(Error::invalid(format!(
            "数据库「{}」中有 {real} 个非示例小镇，载入示例数据会清除它们，未作任何改动。确需替换请加 --force，或用 --db 指定新文件",
            store.path().display()
        )));
    }
    let divisions: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT code, name, level, parent_code FROM divisions ORDER BY code")
            .fetch_all(pool)
            .await?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let counties = towns::counties(&divisions);
    let town_list = towns::build(&counties, options.scale, &mut rng)?;
    let mut fig = figures::build(&town_list, &counties, options.scale, &mut rng);

    let total = (town_list.len()
        + fig.values.len()
        + fig.enterprises.len()
        + fig.projects.len()
        + fig.project_years.len()) as u64;
    let mut done = 0u64;
    let mut tx = pool.begin().await?;
    let conn: &mut SqliteConnection = &mut tx;
    // Children first; other parts' tables referencing towns cascade.
    for table in [
        "project_investments",
        "investment_projects",
        "enterprises",
        "chain_links",
        "industry_chains",
        "indicator_values",
        "town_events",
        "towns",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }

    let mut tick = |n: usize| {
        done += n as u64;
        progress.update(done, total);
    };
    insert(
        conn,
        "towns (id, name, county_code, category, lead_industry, stage, status, cultivation_date, creation_date, creation_batch, named_date, named_batch, status_date, planned_area_km2, lon, lat, source, is_demo)",
        17,
        &town_list,
        |q, t| {
            q.bind(t.id)
                .bind(&t.name)
                .bind(&t.county_code)
                .bind(t.category)
                .bind(&t.lead_industry)
                .bind(t.stage)
                .bind(t.status)
                .bind(&t.cultivation_date)
                .bind(&t.creation_date)
                .bind(t.creation_batch)
                .bind(&t.named_date)
                .bind(t.named_batch)
                .bind(&t.status_date)
                .bind(t.planned_area_km2)
                .bind(t.lon)
                .bind(t.lat)
                .bind(&t.source)
        },
        &mut tick,
    )
    .await?;
    let events: Vec<(i64, towns::Event)> = town_list
        .iter()
        .flat_map(|t| t.events.iter().map(move |e| (t.id, e.clone())))
        .collect();
    insert(
        conn,
        "town_events (town_id, event_date, kind, batch, note, is_demo)",
        5,
        &events,
        |q, (id, e)| {
            q.bind(*id)
                .bind(&e.date)
                .bind(e.kind)
                .bind(e.batch)
                .bind(&e.note)
        },
        &mut |_| {},
    )
    .await?;
    insert(
        conn,
        "indicator_values (indicator_code, year, town_id, quarter, value, is_demo)",
        5,
        &fig.values,
        |q, v| {
            q.bind(v.code)
                .bind(v.year)
                .bind(v.town_id)
                .bind(v.quarter)
                .bind(v.value)
        },
        &mut tick,
    )
    .await?;
    // The shipped chain definitions, with the firms spread over their links.
    chains::write(
        &mut *conn,
        options.seed,
        &town_list,
        &fig.links,
        &mut fig.enterprises,
    )
    .await?;
    insert(
        conn,
        "enterprises (id, credit_code, name, town_id, chain_link_id, industry, founded_date, is_above_scale, is_high_tech, is_listed, is_specialized, is_little_giant, is_single_champion, is_chain_leader, is_incubated, output_wan_yuan, value_added_wan_yuan, tax_wan_yuan, rd_spend_wan_yuan, employees, land_mu, energy_tce, is_demo)",
        22,
        &fig.enterprises,
        |q, e| {
            let mut q = q
                .bind(e.id)
                .bind(&e.credit_code)
                .bind(&e.name)
                .bind(e.town_id)
                .bind(e.chain_link_id)
                .bind(&e.industry)
                .bind(&e.founded_date);
            for f in e.flags {
                q = q.bind(f);
            }
            q.bind(e.output)
                .bind(e.value_added)
                .bind(e.tax)
                .bind(e.rd)
                .bind(e.employees)
                .bind(e.land_mu)
                .bind(e.energy_tce)
        },
        &mut tick,
    )
    .await?;
    insert(
        conn,
        "investment_projects (id, town_id, name, project_type, is_housing, is_commercial_complex, is_lead_industry, total_investment_wan_yuan, land_mu, start_year, end_year, is_demo)",
        11,
        &fig.projects,
        |q, p| {
            q.bind(p.id)
                .bind(p.town_id)
                .bind(&p.name)
                .bind(p.project_type)
                .bind(p.project_type == "商品住宅")
                .bind(p.project_type == "商业综合体")
                .bind(p.is_lead_industry)
                .bind(p.total)
                .bind(p.land_mu)
                .bind(p.start_year)
                .bind(p.end_year)
        },
        &mut tick,
    )
    .await?;
    insert(
        conn,
        "project_investments (project_id, year, invested_wan_yuan, is_demo)",
        3,
        &fig.project_years,
        |q, p| q.bind(p.project_id).bind(p.year).bind(p.invested),
        &mut tick,
    )
    .await?;

    for (key, value) in [
        ("as_of", AS_OF.to_string()),
        ("demo", "1".to_string()),
        ("demo_seed", options.seed.to_string()),
        ("demo_scale", options.scale.to_string()),
    ] {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut *conn)
            .await?;
    }
    let summary = DemoSummary {
        seed: options.seed,
        scale: options.scale,
        towns: town_list.len(),
        enterprises: fig.enterprises.len(),
        indicator_values: fig.values.len(),
        projects: fig.projects.len(),
    };
    // Town boundaries and the demo control-line layers (一图).
    crate::spatial::demo::write(&mut *conn, options.seed).await?;
    let detail = serde_json::to_string(&summary).unwrap_or_default();
    crate::store::audit(
        &mut *conn,
        "demo",
        "towns",
        None,
        town_list.len() as i64,
        &detail,
        "示例数据生成器（towncockpit demo）",
    )
    .await?;
    tx.commit().await?;
    Ok(summary)
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

/// Multi-row INSERTs of `rows` into `head` ("table (cols…)"), whose last column is `is_demo`
/// (written as the literal 1) and the `binds` before it come from `bind`.
async fn insert<'r, T>(
    conn: &mut SqliteConnection,
    head: &str,
    binds: usize,
    rows: &'r [T],
    bind: impl for<'q> Fn(Query<'q>, &'q T) -> Query<'q>,
    tick: &mut dyn FnMut(usize),
) -> Result<()> {
    // SQLite allows 32,766 parameters a statement; stay well below for statement-cache reuse.
    let per = (4000 / binds).max(1);
    let one = format!("({}1)", "?,".repeat(binds));
    let mut full_sql: Option<(usize, String)> = None;
    for chunk in rows.chunks(per) {
        let sql = match &full_sql {
            Some((n, sql)) if *n == chunk.len() => sql.clone(),
            _ => {
                let sql = format!(
                    "INSERT INTO {head} VALUES {}",
                    vec![one.as_str(); chunk.len()].join(",")
                );
                full_sql = Some((chunk.len(), sql.clone()));
                sql
            }
        };
        let mut q = sqlx::query(&sql);
        for row in chunk {
            q = bind(q, row);
        }
        q.execute(&mut *conn).await?;
        tick(chunk.len());
    }
    Ok(())
}

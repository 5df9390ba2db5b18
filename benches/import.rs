//! Imports at scale: enterprise rows from CSV and from .xlsx into a database holding the demo
//! province (every row validated: credit code, town, numbers, duplicates), beside the sqlite3
//! command line's `.import` of the same CSV into a plain table of its columns (the floor for raw
//! loading, no validation). Each sample imports into a fresh copy of the database (copying is not
//! timed). Peak RSS (VmHWM) is printed after each import bench.
//!
//! Issue #16's sizes are the defaults: 1,000,000 CSV rows, 100,000 .xlsx rows;
//! TOWNCOCKPIT_BENCH_CSV_ROWS and TOWNCOCKPIT_BENCH_XLSX_ROWS set smaller ones for a quick run.
//! Aim: CSV ≤ 3× sqlite3 `.import`, .xlsx ≤ 10 s, peak RSS ≤ 300 MB.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{criterion_group, BatchSize, Criterion};
use towncockpit::data::read::Input;
use towncockpit::data::{import, ImportOptions, Kind};
use towncockpit::demo::{self, DemoOptions};
use towncockpit::store::Store;

const HEADER: &str = "统一社会信用代码,企业名称,小镇名称,行业,成立日期,规上企业,高新技术企业,上市企业,专精特新,小巨人,单项冠军,链主企业,小镇孵化,产出（万元）,增加值（万元）,税收（万元）,研发经费（万元）,从业人员（人）,用地（亩）,能耗（吨标准煤）";

fn rows_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Row `i`: a valid credit code not in the demo (organisation body `B` + 7 digits), a demo town.
fn row(i: usize, towns: &[String]) -> Vec<String> {
    let body = format!("B{:07}", i % 10_000_000);
    let code = towncockpit::credit_code::compose("92", "330106", &body).unwrap();
    let n = |k: usize| format!("{}.{}", (i * k) % 100_000, i % 10);
    let mut r = vec![
        code,
        format!("基准企业{i}"),
        towns[i % towns.len()].clone(),
        "智能制造".into(),
        "2018-06-30".into(),
    ];
    r.extend((0..8).map(|k| if (i + k) % 3 == 0 { "是" } else { "否" }.to_string()));
    r.extend([
        n(7),
        n(3),
        n(2),
        n(1),
        ((i % 900) + 5).to_string(),
        n(1),
        n(5),
    ]);
    r
}

fn write_csv(path: &Path, rows: usize, towns: &[String]) {
    let mut w = BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "{HEADER}").unwrap();
    for i in 0..rows {
        writeln!(w, "{}", row(i, towns).join(",")).unwrap();
    }
    w.flush().unwrap();
}

fn write_xlsx(path: &Path, rows: usize, towns: &[String]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for i in 0..rows {
        for (c, v) in row(i, towns).iter().enumerate() {
            let r = i as u32 + 1;
            match v.parse::<f64>() {
                Ok(x) if c >= 13 => ws.write_number(r, c as u16, x).unwrap(),
                _ => ws.write_string(r, c as u16, v).unwrap(),
            };
        }
    }
    book.save(path).unwrap();
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Setup {
    _dir: tempfile::TempDir,
    pristine: PathBuf,
    csv: PathBuf,
    xlsx: PathBuf,
    work: PathBuf,
}

fn setup(rt: &tokio::runtime::Runtime) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let pristine = dir.path().join("pristine.sqlite");
    let towns: Vec<String> = rt.block_on(async {
        let (store, _) = Store::open(&pristine).await.unwrap();
        demo::load(&store, DemoOptions::default(), &())
            .await
            .unwrap();
        let names = sqlx::query_scalar("SELECT name FROM towns ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
        store.close().await;
        names
    });
    let csv = dir.path().join("enterprises.csv");
    let xlsx = dir.path().join("enterprises.xlsx");
    write_csv(
        &csv,
        rows_from_env("TOWNCOCKPIT_BENCH_CSV_ROWS", 1_000_000),
        &towns,
    );
    write_xlsx(
        &xlsx,
        rows_from_env("TOWNCOCKPIT_BENCH_XLSX_ROWS", 100_000),
        &towns,
    );
    let work = dir.path().join("work");
    Setup {
        pristine,
        csv,
        xlsx,
        work,
        _dir: dir,
    }
}

/// A fresh copy of the pristine database (and no backups from earlier samples).
fn fresh(s: &Setup) -> PathBuf {
    let _ = std::fs::remove_dir_all(&s.work);
    std::fs::create_dir_all(&s.work).unwrap();
    let db = s.work.join("cockpit.sqlite");
    std::fs::copy(&s.pristine, &db).unwrap();
    db
}

fn run_import(rt: &tokio::runtime::Runtime, db: &Path, file: &Path) {
    rt.block_on(async {
        let (store, _) = Store::open(db).await.unwrap();
        let report = import(
            &store,
            ImportOptions {
                kind: Some(Kind::Enterprises),
                file_name: file.file_name().unwrap().to_string_lossy().into_owned(),
                dry_run: false,
            },
            Input::Path(file.to_path_buf()),
        )
        .await
        .unwrap();
        assert!(
            report.committed && report.refused == 0,
            "{}",
            report.summary()
        );
        store.close().await;
    });
}

fn bench_import(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = setup(&rt);
    eprintln!(
        "peak RSS after generating the files: {:.0} MB",
        peak_rss_mb()
    );
    let mut group = c.benchmark_group("import");
    group.sample_size(10);

    group.bench_function("sqlite3_dot_import_csv", |b| {
        b.iter_batched(
            || {
                let db = s.work.join("raw.sqlite");
                let _ = std::fs::remove_dir_all(&s.work);
                std::fs::create_dir_all(&s.work).unwrap();
                let cols: Vec<String> = (0..20).map(|i| format!("c{i} TEXT")).collect();
                let ok = Command::new("sqlite3")
                    .arg(&db)
                    .arg(format!(
                        "CREATE TABLE enterprises_raw ({});",
                        cols.join(", ")
                    ))
                    .status()
                    .unwrap();
                assert!(ok.success());
                db
            },
            |db| {
                let ok = Command::new("sqlite3")
                    .arg(&db)
                    .arg(format!(
                        ".import --csv --skip 1 {} enterprises_raw",
                        s.csv.display()
                    ))
                    .status()
                    .unwrap();
                assert!(ok.success());
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("towncockpit_import_csv", |b| {
        b.iter_batched(
            || fresh(&s),
            |db| run_import(&rt, &db, &s.csv),
            BatchSize::PerIteration,
        )
    });
    eprintln!("peak RSS after the CSV imports: {:.0} MB", peak_rss_mb());

    group.bench_function("towncockpit_import_xlsx", |b| {
        b.iter_batched(
            || fresh(&s),
            |db| run_import(&rt, &db, &s.xlsx),
            BatchSize::PerIteration,
        )
    });
    eprintln!("peak RSS after the .xlsx imports: {:.0} MB", peak_rss_mb());
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: the machine has no system fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = bench_import
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}

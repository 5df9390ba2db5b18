//! 数据 imports through the real binary on real database files: a corpus of bad files, each
//! refused with its exact Chinese message and the database's content unchanged (the SHA-256 of
//! the sqlite3 command line's `.dump`); good files in GBK, UTF-8 with BOM, merged cells, units,
//! serial dates; undo; a killed import; export → import round trips.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::cli;
use sha2::{Digest, Sha256};

/// A database holding the demo province, created by the binary as a user's first run does.
fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("cockpit.sqlite");
    let out = cli(&db, &["towns", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    db
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The database's content, read by another program (the sqlite3 shell), hashed. The dump's lines
/// are sorted: a copy made by `VACUUM INTO` lists the same schema in another order.
fn checksum(db: &Path) -> String {
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(db)
        .arg(".dump")
        .output()
        .expect("sqlite3 runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let dump = text(&out.stdout);
    let mut lines: Vec<&str> = dump.lines().collect();
    lines.sort_unstable();
    data_encoding::HEXLOWER.encode(&Sha256::digest(lines.join("\n").as_bytes()))
}

fn sql(db: &Path, query: &str) -> String {
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(db)
        .arg(query)
        .output()
        .expect("sqlite3 runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

const ENTERPRISE_HEADER: &str = "统一社会信用代码,企业名称,小镇名称,行业,成立日期,规上企业,高新技术企业,上市企业,专精特新,小巨人,单项冠军,链主企业,小镇孵化,产出（万元）,增加值（万元）,税收（万元）,研发经费（万元）,从业人员（人）,用地（亩）,能耗（吨标准煤）";

/// Codes whose check characters were computed outside this program (a Python transcription of
/// GB 32100: weights 3^i mod 31, check = (31 − Σ mod 31) mod 31).
const NEW_CODES: [&str; 3] = [
    "91330106MA2CD4FL1W",
    "91330106MA2CD4FL20",
    "91330106MA2CD4FL33",
];
/// The demo's first town (public list: 上城玉皇山南基金小镇, 杭州市上城区).
const TOWN: &str = "上城玉皇山南基金小镇";

fn enterprise_row(code: &str, name: &str, output: &str) -> String {
    format!("{code},{name},{TOWN},私募基金,2019-05-01,是,否,否,否,否,否,否,否,{output},300,40,20,56,12.5,80")
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

fn import(db: &Path, kind: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", kind, file.to_str().unwrap()];
    args.extend_from_slice(extra);
    cli(db, &args)
}

/// Asserts the import was refused with `message` among its lines and left the content as it was.
fn assert_refused(db: &Path, kind: &str, file: &Path, message: &str) {
    let before = checksum(db);
    let out = import(db, kind, file, &[]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !out.status.success(),
        "refused with a non-zero exit:\n{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.trim_start_matches("错误：") == message),
        "expected the line\n{message}\nin\n{all}"
    );
    assert_eq!(checksum(db), before, "the database is unchanged");
}

fn xlsx_with(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    build(book.add_worksheet());
    book.save_to_buffer().unwrap()
}

#[test]
fn broken_workbooks_are_refused_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());

    let good = xlsx_with(|ws| {
        for (c, h) in ENTERPRISE_HEADER.split(',').enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
    });
    let cut = write(dir.path(), "truncated.xlsx", &good[..good.len() / 2]);
    assert_refused(
        &db,
        "enterprises",
        &cut,
        "文件「truncated.xlsx」不是完整的 Excel 工作簿：压缩结构已损坏或文件被截断。请重新保存或重新下载后再导入",
    );

    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut zipped);
        z.start_file("readme.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all("不是工作簿".as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let not_xlsx = write(dir.path(), "notes.xlsx", zipped.get_ref());
    assert_refused(
        &db,
        "enterprises",
        &not_xlsx,
        "文件「notes.xlsx」是 zip 压缩包，但不是 Excel（.xlsx）或 ODS 工作簿：其中没有工作簿内容。请上传 Excel 工作簿或 CSV 文件",
    );

    let renamed = write(dir.path(), "plain.xlsx", b"just,text\n1,2\n");
    assert_refused(
        &db,
        "enterprises",
        &renamed,
        "文件「plain.xlsx」扩展名为 .xlsx，但内容不是 Excel 或 ODS 工作簿（文件头不符），可能已损坏或只下载了一部分",
    );
}

#[test]
fn bad_rows_are_refused_naming_file_row_column_value_and_expectation() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let csv = |name: &str, rows: &[String]| {
        let body = format!("{ENTERPRISE_HEADER}\n{}\n", rows.join("\n"));
        write(dir.path(), name, body.as_bytes())
    };

    // Text in a number column (a good row before it is not imported either).
    let f = csv(
        "text.csv",
        &[
            enterprise_row(NEW_CODES[0], "甲公司", "1200"),
            enterprise_row(NEW_CODES[1], "乙公司", "约100"),
        ],
    );
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「text.csv」第 3 行「产出（万元）」列：值「约100」不是数字，应为数字（可带千分位逗号）",
    );

    // A wrong check character: 91330102MA01ADLP6's check character is 3.
    let f = csv(
        "check.csv",
        &[enterprise_row("91330102MA01ADLP64", "甲公司", "1200")],
    );
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「check.csv」第 2 行「统一社会信用代码」列：值「91330102MA01ADLP64」校验位错误，应为第 18 位「3」（按 GB 32100 计算）",
    );

    // The same key twice in one file.
    let f = csv(
        "dup.csv",
        &[
            enterprise_row(NEW_CODES[0], "甲公司", "1200"),
            enterprise_row(NEW_CODES[0], "甲公司（重复）", "1300"),
        ],
    );
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「dup.csv」第 3 行「统一社会信用代码」列：值「91330106MA2CD4FL1W」与第 2 行重复，应为文件中唯一的统一社会信用代码",
    );

    // A unit that does not convert.
    let usd_header = ENTERPRISE_HEADER.replace("产出（万元）", "产出（美元）");
    let f = write(
        dir.path(),
        "usd.csv",
        format!(
            "{usd_header}\n{}\n",
            enterprise_row(NEW_CODES[0], "甲公司", "1200")
        )
        .as_bytes(),
    );
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「usd.csv」第 1 行（表头）：第 14 列「产出（美元）」：单位「美元」无法换算为「万元」，应为 元/万元/亿元 之一。可下载「企业名录」模板对照",
    );

    // A town that is not on the list.
    let f = csv(
        "town.csv",
        &[enterprise_row(NEW_CODES[0], "甲公司", "1200").replace(TOWN, "不存在小镇")],
    );
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「town.csv」第 2 行「小镇名称」列：值「不存在小镇」不是已登记的小镇，应为小镇清单中已有的小镇名称（可先导入小镇清单）",
    );

    // An unknown county (330199 is not a county of Zhejiang in GB/T 2260).
    let f = write(
        dir.path(),
        "county.csv",
        "小镇名称,县（市、区）,类别,主导产业,阶段,状态,规划面积（km²）\n新小镇,330199,数字经济,软件,培育,正常,2.5\n"
            .as_bytes(),
    );
    assert_refused(
        &db,
        "towns",
        &f,
        "文件「county.csv」第 2 行「县（市、区）」列：值「330199」不是已知的县（市、区），应为6 位县级行政区划代码或县（市、区）名称，如「330106」或「西湖区」",
    );

    // A GBK file: its values are read as the characters they are.
    let body = format!(
        "{ENTERPRISE_HEADER}\n{}\n{}\n",
        enterprise_row(NEW_CODES[0], "甲公司", "1200"),
        enterprise_row(NEW_CODES[1], "乙公司", "约100")
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&body);
    let f = write(dir.path(), "gbk.csv", &gbk);
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「gbk.csv」第 3 行「产出（万元）」列：值「约100」不是数字，应为数字（可带千分位逗号）",
    );

    // A formula's error value in a workbook.
    let book = xlsx_with(|ws| {
        for (c, h) in ENTERPRISE_HEADER.split(',').enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (c, v) in enterprise_row(NEW_CODES[0], "甲公司", "0")
            .split(',')
            .enumerate()
        {
            ws.write_string(1, c as u16, v).unwrap();
        }
        ws.write_formula(
            1,
            13,
            rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
        )
        .unwrap();
    });
    let f = write(dir.path(), "formula-error.xlsx", &book);
    assert_refused(
        &db,
        "enterprises",
        &f,
        "文件「formula-error.xlsx」工作表「Sheet1」第 2 行「产出（万元）」列：值「#Div0」是公式的错误结果，应为数字（请先修正公式）",
    );
}

#[test]
fn messy_but_valid_files_import_and_undo_puts_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = checksum(&db);
    let batches_before = sql(&db, "SELECT COUNT(*) FROM import_batches");
    assert_eq!(batches_before, "0");

    // GBK, money in 亿元 (1.5 亿元 = 15000 万元), thousands separators, a serial date as text.
    let header = ENTERPRISE_HEADER.replace("产出（万元）", "产出（亿元）");
    let body = format!(
        "{header}\n{}\n{}\n",
        enterprise_row(NEW_CODES[0], "杭州甲科技有限公司", "1.5"),
        enterprise_row(NEW_CODES[1], "杭州乙科技有限公司", "\"1,234.5\"")
            .replace("2019-05-01", "42000")
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&body);
    let f = write(dir.path(), "企业名录-gbk.csv", &gbk);
    let out = import(&db, "enterprises", &f, &["--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["encoding"], "GB18030");
    assert_eq!(
        (report["added"].as_u64(), report["changed"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(report["committed"], true);
    let batch = report["batch"].as_i64().unwrap();
    assert_eq!(
        sql(&db, &format!("SELECT name, output_wan_yuan, founded_date, is_demo FROM enterprises WHERE credit_code IN ('{}', '{}') ORDER BY credit_code", NEW_CODES[0], NEW_CODES[1])),
        // 1.5 亿元 = 15000 万元; 1,234.5 亿元 = 12345000 万元; 42000 days after 1899-12-30 is
        // 2014-12-27 (Python's datetime).
        "杭州甲科技有限公司|15000.0|2019-05-01|0\n杭州乙科技有限公司|12345000.0|2014-12-27|0"
    );
    // The backup made before the import is a copy of the database as it was.
    let backup = PathBuf::from(report["backup"].as_str().unwrap());
    assert_eq!(checksum(&backup), before);

    // UTF-8 with BOM, merged title and merged town cells, a changed demo firm, formulas.
    let first_demo_code = sql(
        &db,
        "SELECT credit_code FROM enterprises WHERE is_demo = 1 ORDER BY id LIMIT 1",
    );
    let book = xlsx_with(|ws| {
        let merged = rust_xlsxwriter::Format::new();
        ws.merge_range(0, 0, 0, 19, "2025 年企业名录（上报）", &merged)
            .unwrap();
        for (c, h) in ENTERPRISE_HEADER.split(',').enumerate() {
            ws.write_string(1, c as u16, h).unwrap();
        }
        let rows = [
            enterprise_row(NEW_CODES[2], "杭州丙科技有限公司", "500"),
            enterprise_row(&first_demo_code, "改名后的企业", "700"),
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.split(',').enumerate() {
                if c != 2 {
                    ws.write_string(2 + r as u32, c as u16, v).unwrap();
                }
            }
        }
        // The town written once, merged down over both rows.
        ws.merge_range(2, 2, 3, 2, TOWN, &merged).unwrap();
        // A formula with its cached result: the result is imported.
        ws.write_formula(
            2,
            14,
            rust_xlsxwriter::Formula::new("=100+200").set_result("300"),
        )
        .unwrap();
    });
    let f = write(dir.path(), "merged.xlsx", &book);
    let out = import(&db, "enterprises", &f, &["--json"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["added"].as_u64(), report["changed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["header_row"], 2);
    let second = report["batch"].as_i64().unwrap();
    assert_eq!(
        sql(&db, &format!("SELECT e.name, t.name, e.value_added_wan_yuan, e.is_demo FROM enterprises e JOIN towns t ON t.id = e.town_id WHERE credit_code IN ('{}', '{first_demo_code}') ORDER BY e.id", NEW_CODES[2])),
        format!("改名后的企业|{TOWN}|300.0|0\n杭州丙科技有限公司|{TOWN}|300.0|0")
    );

    // Undo refuses the earlier batch while a later one stands, then undoes both in order.
    let out = cli(&db, &["import", "undo", &batch.to_string()]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        format!("错误：导入批次 {batch} 之后还有导入批次 {second}（文件「merged.xlsx」）未撤销，请先撤销批次 {second}；未作任何改动")
    );
    for b in [second, batch] {
        let out = cli(&db, &["import", "undo", &b.to_string()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // Everything but the audit trail and the batch history is as before.
    let content = |db: &Path| {
        sql(db, "SELECT group_concat(x, ';') FROM (SELECT quote(credit_code) || quote(name) || quote(town_id) || quote(output_wan_yuan) || quote(value_added_wan_yuan) || quote(founded_date) || is_demo AS x FROM enterprises ORDER BY id)")
    };
    assert_eq!(content(&db), content(&backup));
    assert_eq!(sql(&db, "SELECT value FROM meta WHERE key = 'demo'"), "1");
    assert_eq!(sql(&db, "PRAGMA integrity_check"), "ok");
}

#[test]
fn a_killed_import_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    // Every demo value re-imported: each row is written (its demo mark changes).
    let file = dir.path().join("indicators.csv");
    let out = cli(
        &db,
        &["export", "indicators", "--out", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = checksum(&db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_towncockpit"))
        .arg("--db")
        .arg(&db)
        .args(["import", "indicators", file.to_str().unwrap()])
        .spawn()
        .unwrap();
    // Wait until the import is writing: its backup exists and the write-ahead log grows.
    let wal = dir.path().join("cockpit.sqlite-wal");
    let started = std::time::Instant::now();
    loop {
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size > 4 * 1024 * 1024 {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "the import started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import is still running"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(sql(&db, "PRAGMA integrity_check"), "ok");
    assert_eq!(checksum(&db), before);
    let out = cli(&db, &["db", "check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn export_then_import_round_trips_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_db(dir.path());
    // An empty database (no demo): made by the library, as the binary would make a demo.
    let b = dir.path().join("empty.sqlite");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (store, _) = towncockpit::store::Store::open(&b).await.unwrap();
        store.close().await;
    });
    let export = |db: &Path, kind: &str, name: &str| {
        let p = dir.path().join(name);
        let out = cli(db, &["export", kind, "--out", p.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        p
    };
    for (kind, file) in [
        ("towns", "towns.xlsx"),
        ("enterprises", "enterprises.csv"),
        ("indicators", "indicators.csv"),
    ] {
        let f = export(&a, kind, file);
        let out = import(&b, kind, &f, &["--json"]);
        assert!(
            out.status.success(),
            "{kind}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(r["refused"], 0);
        assert_eq!(r["changed"], 0, "{kind}: a new database only gains rows");
    }
    // The second database's exports equal the first's, below the title line (as-of differs).
    for kind in ["towns", "enterprises", "indicators"] {
        let from_a = std::fs::read_to_string(export(&a, kind, &format!("a-{kind}.csv"))).unwrap();
        let from_b = std::fs::read_to_string(export(&b, kind, &format!("b-{kind}.csv"))).unwrap();
        let body = |s: &str| s.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(body(&from_a), body(&from_b), "{kind}");
        // Importing an export again changes nothing.
        let out = import(
            &b,
            kind,
            &dir.path().join(format!("b-{kind}.csv")),
            &["--json"],
        );
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (r["added"].as_u64(), r["changed"].as_u64()),
            (Some(0), Some(0)),
            "{kind}"
        );
    }
    // Imported figures are not demo figures.
    assert_eq!(sql(&b, "SELECT value FROM meta WHERE key = 'demo'"), "0");
    let out = cli(&b, &["overview", "--json"]);
    let overview: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(overview["demo"], false);
}

async fn call(
    c: &towncockpit::api::Cockpit,
    name: &str,
    args: serde_json::Value,
) -> serde_json::Value {
    towncockpit::api::dispatch(c, name, args)
        .await
        .unwrap_or_else(|e| panic!("{name}: {}", e.message))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_an_import_overview_index_and_code_show_the_new_figures() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let cockpit = towncockpit::api::Cockpit::open(&db).await.unwrap();
    let year = json!({"year": 2025});
    let overview = call(&cockpit, "overview", year.clone()).await;
    let period = json!({"period": 2025});
    let index = call(&cockpit, "index_towns", period.clone()).await;
    let code = call(&cockpit, "code_show", json!({"town": TOWN})).await;
    let actual = |o: &serde_json::Value| {
        o["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "total_output")
            .unwrap()["actual"]
            .as_f64()
            .unwrap()
    };
    let score = |r: &serde_json::Value| {
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == TOWN)
            .unwrap()["score"]
            .as_f64()
            .unwrap()
    };
    assert!(code["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "Y2"));

    // The town's 2025 output 100 亿元 higher, its lead-industry share 80%: a wide sheet whose
    // output column is in 亿元.
    let output: f64 = sql(
        &db,
        &format!("SELECT value FROM indicator_values v JOIN towns t ON t.id = v.town_id WHERE t.name = '{TOWN}' AND indicator_code = 'output' AND year = 2025 AND quarter = 4"),
    )
    .parse()
    .unwrap();
    let csv = format!(
        "小镇名称,期间,总产出（亿元）,特色产业产出占比（%）\n{TOWN},2025年第四季度,{},80\n",
        output / 10_000.0 + 100.0
    );
    let report = call(
        &cockpit,
        "data_import",
        json!({"file_name": "wide.csv", "content_base64": data_encoding::BASE64.encode(csv.as_bytes())}),
    )
    .await;
    assert_eq!(report["layout"], "宽表");
    assert_eq!(
        (report["changed"].as_u64(), report["committed"].as_bool()),
        (Some(2), Some(true))
    );

    let after = call(&cockpit, "overview", year.clone()).await;
    assert!((actual(&after) - actual(&overview) - 100.0).abs() < 1e-6);
    assert_ne!(
        score(&call(&cockpit, "index_towns", period).await),
        score(&index)
    );
    let code = call(&cockpit, "code_show", json!({"town": TOWN})).await;
    assert_eq!(code["facts"]["lead_industry_share"], 0.8);
    assert!(!code["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "Y2"));
    // The batch is listed; undoing it brings the old figures back.
    let batches = call(&cockpit, "data_batches", json!({})).await;
    let batch = batches[0]["id"].as_i64().unwrap();
    call(&cockpit, "data_undo", json!({"batch": batch})).await;
    let undone = call(&cockpit, "overview", json!({"year": 2025})).await;
    assert_eq!(actual(&undone), actual(&overview));
}

fn backups(db: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(db.parent().unwrap().join("backups"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn restore_refuses_other_files_and_brings_a_backup_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = checksum(&db);

    let notes = write(dir.path(), "notes.txt", "不是数据库".as_bytes());
    let out = cli(&db, &["db", "restore", notes.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr).trim(),
        format!("错误：「{}」不是 SQLite 数据库文件（文件头不符），未作任何改动。请用 --db 指定驾驶舱数据库，或换一个新文件名以新建", notes.display())
    );
    let other = dir.path().join("other.sqlite");
    let made = Command::new("sqlite3")
        .arg(&other)
        .arg("CREATE TABLE ledger (a); INSERT INTO ledger VALUES (1);")
        .status()
        .unwrap();
    assert!(made.success());
    let out = cli(&db, &["db", "restore", other.to_str().unwrap()]);
    assert_eq!(
        text(&out.stderr).trim(),
        format!(
            "错误：「{}」是 SQLite 数据库，但不是特色小镇驾驶舱的数据库，未作任何改动",
            other.display()
        )
    );
    assert_eq!(checksum(&db), before);
    assert!(backups(&db).is_empty(), "a refused restore makes no backup");

    // A backup, a change, then the backup restored.
    let saved = dir.path().join("saved.sqlite");
    assert!(cli(&db, &["db", "backup", saved.to_str().unwrap()])
        .status
        .success());
    let body = format!(
        "{ENTERPRISE_HEADER}\n{}\n",
        enterprise_row(NEW_CODES[0], "甲公司", "1200")
    );
    let f = write(dir.path(), "one.csv", body.as_bytes());
    assert!(import(&db, "enterprises", &f, &[]).status.success());
    assert_ne!(checksum(&db), before);
    let out = cli(&db, &["db", "restore", saved.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(checksum(&db), checksum(&saved));
    let kept = backups(&db);
    assert_eq!(
        kept.len(),
        2,
        "one before the import, one before the restore: {kept:?}"
    );
    assert!(kept[0].ends_with("-import.sqlite") && kept[1].ends_with("-restore.sqlite"));
}

#[test]
fn automatic_backups_are_kept_to_ten_and_made_before_a_migration() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    for i in 0..12 {
        let body = format!(
            "{ENTERPRISE_HEADER}\n{}\n",
            enterprise_row(NEW_CODES[0], "甲公司", &(1000 + i).to_string())
        );
        let f = write(dir.path(), "one.csv", body.as_bytes());
        let out = import(&db, "enterprises", &f, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let kept = backups(&db);
    assert_eq!(kept.len(), 10, "{kept:?}");

    // A database made before migration 0016: opening it migrates, after a backup.
    let old = dir.path().join("old").join("cockpit.sqlite");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    assert!(cli(&db, &["db", "backup", old.to_str().unwrap()])
        .status
        .success());
    sql_write(&old, "DROP TABLE import_batch_rows; DROP TABLE import_batches; DELETE FROM _sqlx_migrations WHERE version = 16;");
    let out = cli(&old, &["towns", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let made = backups(&old);
    assert_eq!(made.len(), 1);
    assert!(made[0].ends_with("-migrate.sqlite"));
    let copy = old.parent().unwrap().join("backups").join(&made[0]);
    assert_eq!(
        sql(
            &copy,
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'import_batches'"
        ),
        "0"
    );
    assert_eq!(
        sql(
            &old,
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'import_batches'"
        ),
        "1"
    );
}

fn sql_write(db: &Path, statements: &str) {
    let status = Command::new("sqlite3")
        .arg(db)
        .arg(statements)
        .status()
        .unwrap();
    assert!(status.success());
}

/// The files of a zip, by name.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().to_string(), out)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut out);
    for (name, bytes) in files {
        z.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap();
    out.into_inner()
}

#[test]
fn exchange_packages_carry_a_checked_manifest_and_import_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_db(dir.path());
    let pkg = dir.path().join("省级交换.zip");
    let out = cli(&a, &["package", "export", pkg.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let files = unzip(&std::fs::read(&pkg).unwrap());
    let manifest: serde_json::Value =
        serde_json::from_slice(&files.iter().find(|(n, _)| n == "manifest.json").unwrap().1)
            .unwrap();
    assert_eq!(manifest["format"], "towncockpit-exchange");
    assert_eq!(manifest["schema_version"], 1);
    assert_eq!(manifest["scope"]["name"], "浙江省");
    for (kind, table) in [
        ("towns", "towns"),
        ("indicators", "indicator_values"),
        ("enterprises", "enterprises"),
    ] {
        let entry = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == kind)
            .unwrap();
        let bytes = &files.iter().find(|(n, _)| *n == entry["name"]).unwrap().1;
        assert_eq!(
            entry["sha256"],
            data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
        );
        assert_eq!(
            entry["rows"].to_string(),
            sql(&a, &format!("SELECT COUNT(*) FROM {table}"))
        );
    }
    assert_eq!(
        manifest["period_range"]["to"],
        sql(&a, "SELECT MAX(year) || 'Q4' FROM indicator_values")
    );

    let b = dir.path().join("empty.sqlite");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let (store, _) = towncockpit::store::Store::open(&b).await.unwrap();
        store.close().await;
    });

    // A file changed after the manifest was written.
    let mut tampered = files.clone();
    let e = tampered
        .iter_mut()
        .find(|(n, _)| n == "enterprises.csv")
        .unwrap();
    e.1 = String::from_utf8(e.1.clone())
        .unwrap()
        .replacen("是", "否", 1)
        .into_bytes();
    let tampered_sha = data_encoding::HEXLOWER.encode(&Sha256::digest(&e.1));
    let listed = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "enterprises")
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let bad = write(dir.path(), "tampered.zip", &rezip(&tampered));
    let before = checksum(&b);
    let out = cli(&b, &["package", "import", bad.to_str().unwrap()]);
    assert_eq!(
        text(&out.stderr).trim(),
        format!("错误：交换包「tampered.zip」中的「enterprises.csv」与清单不符：SHA-256 为 {tampered_sha}，清单记为 {listed}（文件被改动或损坏），未导入任何数据")
    );
    assert_eq!(checksum(&b), before);

    // A bad row in the last file, the manifest updated to match: nothing of the package lands.
    let mut bad_row = files.clone();
    let e = bad_row
        .iter_mut()
        .find(|(n, _)| n == "enterprises.csv")
        .unwrap();
    let csv = String::from_utf8(e.1.clone()).unwrap();
    let second_line = csv.lines().nth(2).unwrap().to_string();
    let mut cells: Vec<&str> = second_line.split(',').collect();
    cells[13] = "很多";
    e.1 = csv.replacen(&second_line, &cells.join(","), 1).into_bytes();
    let sha = data_encoding::HEXLOWER.encode(&Sha256::digest(&e.1));
    let m = bad_row
        .iter_mut()
        .find(|(n, _)| n == "manifest.json")
        .unwrap();
    m.1 = String::from_utf8(m.1.clone())
        .unwrap()
        .replace(&listed, &sha)
        .into_bytes();
    let bad = write(dir.path(), "badrow.zip", &rezip(&bad_row));
    let out = cli(&b, &["package", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).lines().any(|l| l == "文件「badrow.zip/enterprises.csv」第 3 行「产出（万元）」列：值「很多」不是数字，应为数字（可带千分位逗号）"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        checksum(&b),
        before,
        "the towns and values before it are not kept either"
    );

    // The package as exported lands whole, as one batch.
    let out = cli(&b, &["package", "import", pkg.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["committed"], true);
    for table in ["towns", "indicator_values", "enterprises"] {
        let q = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(sql(&b, &q), sql(&a, &q), "{table}");
    }
    assert_eq!(
        sql(&b, "SELECT kind, file_name FROM import_batches"),
        "package|省级交换.zip"
    );
}

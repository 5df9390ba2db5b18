//! Town codes in a real store: assignment, colours from stored facts, issuing, supersession,
//! search, the command table and the CLI.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::store::Store;
use towncockpit::towncode::code::{is_robust, TownCode};
use towncockpit::towncode::registry;
use towncockpit::towncode::rules::Colour;
use towncockpit::towncode::signing::Verdict;
use towncockpit::towncode::town;

async fn add_town(
    store: &Store,
    name: &str,
    county: &str,
    category: &str,
    stage: &str,
    created: &str,
) -> i64 {
    sqlx::query(
        "INSERT INTO towns (name, county_code, category, lead_industry, stage, status, creation_date,
                            planned_area_km2, source, is_demo)
         VALUES (?, ?, ?, '测试产业', ?, '正常', ?, 3.5, '测试', 1)",
    )
    .bind(name)
    .bind(county)
    .bind(category)
    .bind(stage)
    .bind(created)
    .execute(store.pool())
    .await
    .unwrap()
    .last_insert_rowid()
}

async fn set_indicator(store: &Store, town: i64, code: &str, value: f64) {
    sqlx::query(
        "INSERT INTO indicator_values (indicator_code, year, town_id, quarter, value, is_demo)
         VALUES (?, 2025, ?, 4, ?, 1)",
    )
    .bind(code)
    .bind(town)
    .bind(value)
    .execute(store.pool())
    .await
    .unwrap();
}

async fn fixture(dir: &Path) -> (Store, i64, i64, i64) {
    let (store, _) = Store::open(&dir.join("cockpit.sqlite")).await.unwrap();
    let a = add_town(
        &store,
        "余杭梦想小镇",
        "330110",
        "数字经济",
        "命名",
        "2015-06-01",
    )
    .await;
    let b = add_town(
        &store,
        "余杭艺尚小镇",
        "330110",
        "时尚",
        "创建",
        "2016-01-20",
    )
    .await;
    let c = add_town(
        &store,
        "上城玉皇山南基金小镇",
        "330102",
        "金融",
        "命名",
        "2015-06-01",
    )
    .await;
    for t in [a, b, c] {
        set_indicator(&store, t, "output", 1_523_000.0).await;
    }
    set_indicator(&store, a, "lead_output_share_pct", 82.0).await;
    set_indicator(&store, a, "green_coverage_pct", 41.0).await;
    set_indicator(&store, b, "lead_investment_share_pct", 55.0).await;
    set_indicator(&store, c, "lead_output_share_pct", 90.0).await;
    (store, a, b, c)
}

#[tokio::test]
async fn codes_are_assigned_once_and_colours_follow_the_facts() {
    let dir = tempfile::tempdir().unwrap();
    let (store, a, b, _c) = fixture(dir.path()).await;

    let list = town::list(&store, None).await.unwrap();
    assert_eq!(list.total, 3);
    assert!(list.demo);
    let counties = registry::counties(store.pool()).await.unwrap();
    for item in &list.towns {
        let code = TownCode::parse(&item.town.printed, &counties).unwrap();
        assert_eq!(code.compact(), item.town.code);
        assert!(is_robust(&code, &counties));
    }
    let code_a = list.towns.iter().find(|t| t.town.town_id == a).unwrap();
    let code_b = list.towns.iter().find(|t| t.town.town_id == b).unwrap();
    assert!(code_a.town.code.starts_with("D330110"));
    assert!(code_b.town.code.starts_with("S330110"));
    assert_ne!(
        code_a.town.code[7..10],
        code_b.town.code[7..10],
        "sequence unique within the county"
    );
    // B's lead-industry investment share is 55% → yellow; A and C are green.
    assert_eq!(code_b.town.colour, Colour::Yellow);
    assert_eq!(code_a.town.colour, Colour::Green);
    assert_eq!(list.counts["黄"], 1);
    assert_eq!(list.counts["绿"], 2);
    let yellow = town::list(&store, Some(Colour::Yellow)).await.unwrap();
    assert_eq!(yellow.towns.len(), 1);
    assert_eq!(yellow.total, 3);

    // Stable: listing again changes nothing; a deleted town's number is never reused.
    let again = town::list(&store, None).await.unwrap();
    assert_eq!(
        again.towns.iter().map(|t| &t.town.code).collect::<Vec<_>>(),
        list.towns.iter().map(|t| &t.town.code).collect::<Vec<_>>()
    );
    let highest: i64 =
        sqlx::query_scalar("SELECT MAX(sequence) FROM town_codes WHERE county_code = '330110'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    sqlx::query("DELETE FROM towns WHERE id = ?")
        .bind(b)
        .execute(store.pool())
        .await
        .unwrap();
    let d = add_town(&store, "余杭新小镇", "330110", "健康", "培育", "2024-01-01").await;
    let list = town::list(&store, None).await.unwrap();
    let code_d = list.towns.iter().find(|t| t.town.town_id == d).unwrap();
    let seq_d: i64 = code_d.town.code[7..10].parse().unwrap();
    assert!(
        seq_d > highest,
        "sequence {seq_d} reused (highest was {highest})"
    );

    // The reasons carry the numbers.
    let view = town::show(&store, "余杭新小镇").await.unwrap();
    assert!(view.rules.iter().any(|r| r.detail.contains("未评估")));
}

#[tokio::test]
async fn issue_verify_and_supersede() {
    let dir = tempfile::tempdir().unwrap();
    let (store, a, _, _) = fixture(dir.path()).await;

    let first = town::show(&store, "梦想").await.unwrap();
    assert_eq!(first.town.colour, Colour::Green);
    assert!(first
        .payload
        .starts_with(&format!("TC1*{}*余杭梦想小镇*2025*G*", first.town.code)));
    // Showing again with unchanged facts reuses the issued payload.
    let same = town::show(&store, &first.town.printed).await.unwrap();
    assert_eq!(same.payload, first.payload);
    let issues: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM town_code_issues WHERE town_id = ?")
        .bind(a)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(issues, 1);

    let report = town::verify_text(&store, &first.payload).await.unwrap();
    assert_eq!(report.verdict, Verdict::Authentic);
    assert!(report.ok);
    assert_eq!(report.name.as_deref(), Some("余杭梦想小镇"));

    // The town is warned: a new (red) code is issued and the old one is superseded.
    sqlx::query("UPDATE towns SET status = '警告' WHERE id = ?")
        .bind(a)
        .execute(store.pool())
        .await
        .unwrap();
    let second = town::show(&store, "余杭梦想小镇").await.unwrap();
    assert_eq!(second.town.colour, Colour::Red);
    assert_ne!(second.payload, first.payload);
    assert_eq!(
        second.town.code, first.town.code,
        "the code itself never changes"
    );
    let old = town::verify_text(&store, &first.payload).await.unwrap();
    assert_eq!(old.verdict, Verdict::Superseded);
    assert!(!old.ok);
    let new = town::verify_text(&store, &second.payload).await.unwrap();
    assert_eq!(new.verdict, Verdict::Authentic);
}

#[tokio::test]
async fn search_and_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (store, a, _, c) = fixture(dir.path()).await;
    assert_eq!(towncockpit::towns::initials("梦想小镇"), "MXXZ");
    let by_initials = town::search(&store, "mxxz").await.unwrap();
    assert_eq!(
        by_initials
            .iter()
            .map(|t| t.town.town_id)
            .collect::<Vec<_>>(),
        vec![a]
    );
    let by_name = town::search(&store, "基金").await.unwrap();
    assert_eq!(
        by_name.iter().map(|t| t.town.town_id).collect::<Vec<_>>(),
        vec![c]
    );
    let code = by_name[0].town.printed.clone();
    let by_code = town::search(&store, &code.to_lowercase()).await.unwrap();
    assert_eq!(by_code[0].town.town_id, c);
    let by_prefix = town::search(&store, "D-330110").await.unwrap();
    assert_eq!(
        by_prefix.iter().map(|t| t.town.town_id).collect::<Vec<_>>(),
        vec![a]
    );

    let cockpit = Cockpit::new(store);
    let listed = dispatch(&cockpit, "code_list", json!({"colour": "黄"}))
        .await
        .unwrap();
    assert_eq!(listed["towns"].as_array().unwrap().len(), 1);
    assert_eq!(listed["counts"]["黄"], 1);
    let shown = dispatch(&cockpit, "code_show", json!({"town": code}))
        .await
        .unwrap();
    assert_eq!(shown["name"], "上城玉皇山南基金小镇");
    let verified = dispatch(&cockpit, "code_verify", json!({"text": shown["payload"]}))
        .await
        .unwrap();
    assert_eq!(verified["label"], "真实有效");
    let found = dispatch(&cockpit, "code_search", json!({"q": "yhmx"}))
        .await
        .unwrap();
    assert_eq!(found.as_array().unwrap().len(), 1);
    let bad = dispatch(&cockpit, "code_list", json!({"colour": "紫"}))
        .await
        .unwrap_err();
    assert!(bad.message.contains("颜色「紫」无效"), "{}", bad.message);
}

/// Runs the CLI and insists it succeeded.
fn cli_ok(db: &Path, args: &[&str]) -> std::process::Output {
    let out = cli(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn cli(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_towncockpit"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[tokio::test]
async fn cli_show_card_verify_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cockpit.sqlite");
    {
        let (store, _, _, _) = fixture(dir.path()).await;
        store.close().await;
    }
    let out = cli_ok(&db, &["code", "show", "余杭梦想小镇", "--json"]);
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let payload = view["payload"].as_str().unwrap().to_string();

    let png = dir.path().join("card.png");
    let png_arg = png.to_str().unwrap();
    cli_ok(&db, &["code", "card", "余杭梦想小镇", "--out", png_arg]);
    let zbar = Command::new("zbarimg")
        .args(["--raw", "--quiet"])
        .arg(&png)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(zbar.stdout).unwrap().trim_end(), payload);

    // Verify the card image, then the text; exit 0 only when authentic and current.
    let out = cli_ok(&db, &["code", "verify", png_arg]);
    assert!(stdout(&out).contains("真实有效"));
    let forged = payload.replacen("*G*", "*R*", 1);
    let out = cli(&db, &["code", "verify", &forged]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("签名不符：可能被篡改"));

    let pdf = dir.path().join("card.pdf");
    cli_ok(
        &db,
        &[
            "code",
            "card",
            "余杭梦想小镇",
            "--out",
            pdf.to_str().unwrap(),
            "--size",
            "a4",
        ],
    );
    let sheet = dir.path().join("sheet.pdf");
    cli_ok(&db, &["code", "sheet", "--out", sheet.to_str().unwrap()]);
    let info = Command::new("pdfinfo").arg(&sheet).output().unwrap();
    let info = stdout(&info);
    let pages = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    assert_eq!(pages.split_whitespace().nth(1), Some("1"), "{info}");

    // Another office cannot verify until it imports this office's key.
    let other = dir.path().join("other").join("cockpit.sqlite");
    let out = cli(&other, &["code", "verify", &payload]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("签发方未知"));
    let key = dir.path().join("key.txt");
    cli_ok(&db, &["code", "key", "export", key.to_str().unwrap()]);
    cli_ok(&other, &["code", "key", "import", key.to_str().unwrap()]);
    // The other office's store has no issue of this code: authentic, nothing newer known.
    let out = cli_ok(&other, &["code", "verify", &payload]);
    assert!(stdout(&out).contains("真实有效"));

    let gif = dir.path().join("x.gif");
    let out = cli(
        &db,
        &[
            "code",
            "card",
            "余杭梦想小镇",
            "--out",
            gif.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(".png 或 .pdf"));
}

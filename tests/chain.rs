//! 产业链: a hand-built chain on a real database file, through the real `towncockpit` binary.
//! Link statistics, HHI and each gap rule are checked against values worked out by hand below;
//! bad definition files get their exact Chinese message and leave the database unchanged.

mod common;

use std::path::{Path, PathBuf};

use common::cli;
use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::chain::{self, ChainArgs};
use towncockpit::credit_code;
use towncockpit::store::Store;

/// Six links: 材料 (上游), 设计 with 芯片设计 and 板卡设计 (中游), 应用, 运维, 培训 (下游).
const DEF: &str = r#"
code = "test"
name = "测试产业链"
category = "数字经济"
description = "手工构造的测试链"

[[links]]
code = "a"
name = "材料"
segment = "上游"
key = true

[[links]]
code = "b"
name = "设计"
segment = "中游"

[[links]]
code = "b1"
name = "芯片设计"
segment = "中游"
parent = "b"

[[links]]
code = "b2"
name = "板卡设计"
segment = "中游"
parent = "b"

[[links]]
code = "c"
name = "应用"
segment = "下游"

[[links]]
code = "d"
name = "运维"
segment = "下游"

[[links]]
code = "e"
name = "培训"
segment = "下游"
"#;

/// (town, link code, output 万元, tax 万元, employees, is_chain_leader, is_listed)
const FIRMS: &[(&str, &str, f64, f64, i64, bool, bool)] = &[
    ("甲镇", "a", 40.0, 4.0, 40, true, false),
    ("甲镇", "a", 30.0, 3.0, 30, false, false),
    ("甲镇", "a", 30.0, 3.0, 30, false, false),
    ("甲镇", "b1", 60.0, 6.0, 50, false, false),
    ("丙镇", "b1", 10.0, 1.0, 10, false, false),
    ("乙镇", "b2", 80.0, 8.0, 60, false, true),
    ("丙镇", "b2", 20.0, 2.0, 20, true, false),
    ("甲镇", "c", 50.0, 5.0, 25, false, false),
    ("甲镇", "c", 45.0, 4.0, 20, false, false),
    ("甲镇", "e", 2.0, 0.2, 3, false, false),
    ("甲镇", "e", 2.0, 0.2, 3, false, false),
    ("甲镇", "e", 1.0, 0.1, 2, false, false),
];

/// 甲镇 in 西湖区 and 乙镇 in 余杭区 (both 杭州市), 丙镇 in 鹿城区 (温州市).
const TOWNS: &[(&str, &str)] = &[("甲镇", "330106"), ("乙镇", "330110"), ("丙镇", "330302")];

fn db_in(dir: &Path) -> PathBuf {
    dir.join("chain.sqlite")
}

/// An empty store with the three towns, the test chain imported and the firms on its links.
async fn built(dir: &Path) -> PathBuf {
    let db = db_in(dir);
    let (store, _) = Store::open(&db).await.unwrap();
    for (name, county) in TOWNS {
        sqlx::query(
            "INSERT INTO towns (name, county_code, category, lead_industry, stage, status, planned_area_km2, source)
             VALUES (?, ?, '数字经济', '电子信息', '创建', '正常', 3.0, '测试')",
        )
        .bind(name)
        .bind(county)
        .execute(store.pool())
        .await
        .unwrap();
    }
    store.close().await;
    let file = dir.join("test.toml");
    std::fs::write(&file, DEF).unwrap();
    let out = cli(&db, &["chain", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!(
            "已从「{}」导入产业链「测试产业链」（test）：7 个环节，新增 7，更新 0，删除 0",
            file.display()
        )
    );
    let (store, _) = Store::open(&db).await.unwrap();
    for (k, (town, link, output, tax, employees, leader, listed)) in FIRMS.iter().enumerate() {
        let code = credit_code::compose("91", "330106", &format!("MA{:06}", k + 1)).unwrap();
        sqlx::query(
            "INSERT INTO enterprises (credit_code, name, town_id, chain_link_id, industry, is_chain_leader, is_listed,
                 output_wan_yuan, value_added_wan_yuan, tax_wan_yuan, rd_spend_wan_yuan, employees, land_mu, energy_tce)
             VALUES (?, ?, (SELECT id FROM towns WHERE name = ?), (SELECT id FROM chain_links WHERE code = ?),
                 '电子信息', ?, ?, ?, 0, ?, 0, ?, 0, 0)",
        )
        .bind(code)
        .bind(format!("{town}企业{}", k + 1))
        .bind(town)
        .bind(link)
        .bind(leader)
        .bind(listed)
        .bind(output)
        .bind(tax)
        .bind(employees)
        .execute(store.pool())
        .await
        .unwrap();
    }
    store.close().await;
    db
}

fn json_of(db: &Path, args: &[&str]) -> Value {
    let out = cli(db, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn link<'v>(p: &'v Value, code: &str) -> &'v Value {
    p["segments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["links"].as_array().unwrap())
        .find(|l| l["code"] == code)
        .unwrap_or_else(|| panic!("link {code}"))
}

/// The string fields `keys` of each object in the array `list`.
fn strings<'v>(list: &'v Value, keys: &[&str]) -> Vec<Vec<&'v str>> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| keys.iter().map(|k| x[*k].as_str().unwrap()).collect())
        .collect()
}

fn close(a: &Value, b: f64) {
    let a = a.as_f64().unwrap();
    assert!((a - b).abs() < 1e-9, "{a} ≠ {b}");
}

#[tokio::test]
async fn link_statistics_and_concentration_in_a_county() {
    let dir = tempfile::tempdir().unwrap();
    let db = built(dir.path()).await;
    let p = json_of(
        &db,
        &["chain", "show", "test", "--scope", "330106", "--json"],
    );
    assert_eq!(p["scope"]["name"], "西湖区");
    // Segment order and the sub-links after their parent.
    let order: Vec<(&str, Vec<&str>)> = p["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["segment"].as_str().unwrap(),
                s["links"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["code"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("上游", vec!["a"]),
            ("中游", vec!["b", "b1", "b2"]),
            ("下游", vec!["c", "d", "e"])
        ]
    );
    // 材料: 40 + 30 + 30 = 100; largest 40 / 100; HHI 40² + 30² + 30² = 3,400.
    let a = link(&p, "a");
    assert_eq!(a["firms"], 3);
    close(&a["output_wan_yuan"], 100.0);
    close(&a["tax_wan_yuan"], 10.0);
    assert_eq!(a["employees"], 100);
    close(&a["largest_share"], 0.4);
    close(&a["hhi"], 3400.0);
    assert_eq!(a["strength"], "较强");
    assert_eq!(a["chain_leaders"], json!(["甲镇企业1"]));
    assert_eq!(a["key_firms"][0], json!({"flag": "链主", "firms": 1}));
    assert_eq!(a["towns"], 1);
    // 应用: 50 and 45 of 95: largest 50/95; HHI (50² + 45²) / 95² · 10,000 = 45,250,000 / 9,025.
    let c = link(&p, "c");
    close(&c["largest_share"], 50.0 / 95.0);
    close(&c["hhi"], 45_250_000.0 / 9025.0);
    assert_eq!(c["strength"], "薄弱");
    // The parent 设计 carries its sub-links: only 芯片设计's 60 lies in 西湖区.
    let b = link(&p, "b");
    assert_eq!(b["firms"], 1);
    assert_eq!(b["firms_outside"], 3);
    assert_eq!(b["strength"], "依赖单一企业");
    assert_eq!(link(&p, "b2")["strength"], "缺失");
    // Totals over the top-level links: 100 + 60 + 95 + 0 + 5.
    assert_eq!(p["firms"], 9);
    close(&p["output_wan_yuan"], 260.0);
    // The chain leader on 材料 (上游): nothing upstream, every 中游/下游 top-level link downstream.
    let leader = &p["leaders"][0];
    assert_eq!(leader["firm"]["name"], "甲镇企业1");
    assert_eq!(leader["upstream"], json!([]));
    let down: Vec<(&str, u64)> = leader["downstream"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l["firms"].as_u64().unwrap()))
        .collect();
    assert_eq!(down, [("设计", 1), ("应用", 2), ("运维", 0), ("培训", 3)]);
}

#[tokio::test]
async fn each_gap_rule_with_its_action_and_leads() {
    let dir = tempfile::tempdir().unwrap();
    let db = built(dir.path()).await;
    let g = json_of(
        &db,
        &["chain", "gaps", "test", "--scope", "330106", "--json"],
    );
    let found = strings(&g["gaps"], &["link", "rule", "action"]);
    // Bottom-level links only; 材料 is strong. Average bottom-level output in 西湖区:
    // (100 + 60 + 0 + 95 + 0 + 5) / 6 = 43.3, a quarter of it 10.8 > 培训's 5.
    assert_eq!(
        found,
        [
            ["b1", "single_firm", "强链"],
            ["b2", "missing_here", "补链"],
            ["c", "thin_firms", "补链"],
            ["d", "missing_everywhere", "延链"],
            ["e", "thin_output", "补链"],
        ]
    );
    let gap = |code: &str| {
        g["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["link"] == code)
            .unwrap()
            .clone()
    };
    // Held only outside the county: the chain leader (丙镇, 20) ranks before the larger listed
    // firm (乙镇, 80); each lead with its town and county.
    let b2 = gap("b2");
    assert_eq!(b2["finding"], "范围内没有这一环节的企业，范围外有 2 家");
    let leads = strings(&b2["leads"], &["name", "town", "county"]);
    assert_eq!(
        leads,
        [
            ["丙镇企业7", "丙镇", "鹿城区"],
            ["乙镇企业6", "乙镇", "余杭区"]
        ]
    );
    assert_eq!(gap("b1")["finding"], "范围内只有 1 家企业（甲镇企业4）");
    assert_eq!(gap("b1")["leads"][0]["name"], "丙镇企业5");
    assert_eq!(gap("c")["finding"], "范围内只有 2 家企业（少于 3 家）");
    assert_eq!(gap("d")["leads"], json!([]));
    assert_eq!(
        gap("e")["finding"],
        "产出 0.00 亿元，不到本范围末级环节平均产出（0.00 亿元）的四分之一"
    );

    // In 杭州市 板卡设计 has 乙镇's firm alone; province-wide 80 of 100 is one firm's.
    let city = json_of(
        &db,
        &["chain", "gaps", "test", "--scope", "330100", "--json"],
    );
    let b2 = city["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["link"] == "b2")
        .unwrap();
    assert_eq!(b2["rule"], "single_firm");
    let prov = json_of(&db, &["chain", "gaps", "test", "--json"]);
    let b2 = prov["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["link"] == "b2")
        .unwrap();
    assert_eq!(b2["rule"], "dominated");
    assert_eq!(
        b2["finding"],
        "最大企业（乙镇企业6）占本环节产出的 80.0%（不低于 60%）"
    );
    assert_eq!(b2["leads"], json!([]));
}

#[tokio::test]
async fn a_towns_position_partners_and_one_links_firms() {
    let dir = tempfile::tempdir().unwrap();
    let db = built(dir.path()).await;
    let p = json_of(&db, &["chain", "show", "test", "--town", "甲镇", "--json"]);
    let t = &p["town"];
    assert_eq!(t["segments"], json!(["上游", "中游", "下游"]));
    assert_eq!(
        strings(&t["held"], &["code"]),
        [["a"], ["b"], ["b1"], ["c"], ["e"]]
    );
    let lacking: Vec<(&str, Vec<&str>)> = t["lacking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["link"].as_str().unwrap(),
                l["towns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["name"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(lacking, [("b2", vec!["乙镇", "丙镇"]), ("d", vec![])]);
    assert_eq!(link(&p, "b2")["held_by_town"], false);
    assert_eq!(link(&p, "b1")["held_by_town"], true);

    // One link through the command table: its firms, largest first, and its towns.
    let cockpit = Cockpit::open(&db).await.unwrap();
    let d = dispatch(
        &cockpit,
        "chain_link",
        json!({"chain": "测试产业链", "link": "b", "scope": "330000"}),
    )
    .await
    .unwrap();
    let firms: Vec<(&str, &str, f64)> = d["firms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap(),
                f["link"].as_str().unwrap(),
                f["output_wan_yuan"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        firms,
        [
            ("乙镇企业6", "板卡设计", 80.0),
            ("甲镇企业4", "芯片设计", 60.0),
            ("丙镇企业7", "板卡设计", 20.0),
            ("丙镇企业5", "芯片设计", 10.0),
        ]
    );
    assert_eq!(d["firms"][0]["flags"], json!(["上市"]));
    let towns: Vec<(&str, f64)> = d["towns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap(),
                t["output_wan_yuan"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(towns, [("乙镇", 80.0), ("甲镇", 60.0), ("丙镇", 30.0)]);
    let err = dispatch(
        &cockpit,
        "chain_link",
        json!({"chain": "test", "link": "zz"}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.message,
        "未找到：产业链「测试产业链」中代码为「zz」的环节"
    );
}

/// The rows an import could touch, and the audit log's length: what "unchanged" means here.
async fn state(db: &Path) -> String {
    let (store, _) = Store::open(db).await.unwrap();
    let text: String = sqlx::query_scalar(
        "SELECT (SELECT json_group_array(json_array(id, code, name, category, description)) FROM industry_chains)
             || (SELECT json_group_array(json_array(id, code, name, segment, sort_order, is_key, parent_id)) FROM chain_links)
             || (SELECT json_group_array(json_array(id, chain_link_id)) FROM enterprises)
             || (SELECT COUNT(*) FROM audit_log)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    store.close().await;
    text
}

fn refused(db: &Path, file: &Path, bytes: &[u8]) -> String {
    std::fs::write(file, bytes).unwrap();
    let out = cli(db, &["chain", "import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[tokio::test]
async fn bad_definition_files_are_refused_with_the_place_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = built(dir.path()).await;
    let before = state(&db).await;
    let f = dir.path().join("bad.toml");
    let shown = f.display().to_string();
    // 芯片设计's parent made 板卡设计, whose parent is made 芯片设计: a cycle.
    let cycle = DEF
        .replace(
            "code = \"b1\"\nname = \"芯片设计\"\nsegment = \"中游\"\nparent = \"b\"",
            "code = \"b1\"\nname = \"芯片设计\"\nsegment = \"中游\"\nparent = \"b2\"",
        )
        .replace(
            "code = \"b2\"\nname = \"板卡设计\"\nsegment = \"中游\"\nparent = \"b\"",
            "code = \"b2\"\nname = \"板卡设计\"\nsegment = \"中游\"\nparent = \"b1\"",
        );
    assert_eq!(
        refused(&db, &f, cycle.as_bytes()),
        format!("错误：「{shown}」环节的上级关系成环：b1 → b2 → b1。每个环节沿 parent 向上最终应到达没有 parent 的顶层环节")
    );
    let unknown_parent = DEF.replace(
        "parent = \"b\"\n\n[[links]]\ncode = \"b2\"",
        "parent = \"x\"\n\n[[links]]\ncode = \"b2\"",
    );
    assert_eq!(
        refused(&db, &f, unknown_parent.as_bytes()),
        format!("错误：「{shown}」第 3 个环节「芯片设计」的上级 parent「x」不存在：文件中没有 code 为「x」的环节")
    );
    let duplicate = DEF.replace("code = \"e\"", "code = \"c\"");
    assert_eq!(
        refused(&db, &f, duplicate.as_bytes()),
        format!("错误：「{shown}」第 7 个环节「培训」的 code「c」与第 5 个环节「应用」重复，环节代码在一条链内必须唯一")
    );
    // The same file saved as GBK: 「测试产业链」 starts on line 3 (after a blank line and the code).
    let (gbk, _, _) = encoding_rs::GBK.encode(DEF);
    assert_eq!(
        refused(&db, &f, &gbk),
        format!("错误：「{shown}」不是 UTF-8 编码的文本：第 3 行（第 24 个字节）无法按 UTF-8 解码。请把文件另存为 UTF-8 编码后再导入")
    );
    let unknown_key = DEF.replace("key = true", "keystone = true");
    assert_eq!(
        refused(&db, &f, unknown_key.as_bytes()),
        format!("错误：「{shown}」第 1 个环节有未知的键「keystone」，可用的键：code、name、segment、parent、key")
    );
    let bad_segment = DEF.replace(
        "name = \"应用\"\nsegment = \"下游\"",
        "name = \"应用\"\nsegment = \"末端\"",
    );
    assert_eq!(
        refused(&db, &f, bad_segment.as_bytes()),
        format!("错误：「{shown}」第 5 个环节「应用」的 segment「末端」不是产业链段，应为：上游、中游、下游")
    );
    assert_eq!(
        state(&db).await,
        before,
        "a refused file changed the database"
    );
}

#[tokio::test]
async fn export_then_reimport_keeps_firms_on_kept_links_and_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = built(dir.path()).await;
    let out = dir.path().join("out.toml");
    let o = cli(
        &db,
        &["chain", "export", "test", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let exported = std::fs::read_to_string(&out).unwrap();
    // Rename 应用 and drop 培训 (its three firms lose their link).
    let edited = exported.replace("name = \"应用\"", "name = \"行业应用\"");
    let cut = edited.find("[[links]]\ncode = \"e\"").unwrap();
    std::fs::write(&out, &edited[..cut]).unwrap();
    let o = cli(&db, &["chain", "import", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!(
            "已从「{}」导入产业链「测试产业链」（test）：6 个环节，新增 0，更新 6，删除 1；3 家企业所在环节已删除，现未归入任何环节",
            out.display()
        )
    );
    let p = json_of(&db, &["chain", "show", "test", "--json"]);
    assert_eq!(link(&p, "c")["name"], "行业应用");
    assert_eq!(link(&p, "c")["firms"], 2);
    let (store, _) = Store::open(&db).await.unwrap();
    let audits: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT action, record_key, rows FROM audit_log WHERE table_name = 'chain_links' ORDER BY id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        audits,
        [
            ("import".to_string(), "test".to_string(), 7),
            ("import".to_string(), "test".to_string(), 6)
        ]
    );
    store.close().await;
}

#[tokio::test]
async fn render_writes_png_and_svg_with_the_links() {
    let dir = tempfile::tempdir().unwrap();
    let db = built(dir.path()).await;
    let png = dir.path().join("test.png");
    let o = cli(
        &db,
        &[
            "chain",
            "render",
            "test",
            "--scope",
            "330106",
            "--out",
            png.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("已绘制「测试产业链」（西湖区）全景图 → {}", png.display())
    );
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1920, 1200));
    let svg = dir.path().join("test.svg");
    let o = cli(
        &db,
        &["chain", "render", "test", "--out", svg.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&svg).unwrap();
    for name in [
        "测试产业链 全景图 · 浙江省",
        "材料★",
        "芯片设计 2",
        "板卡设计 2",
        "运维",
    ] {
        assert!(text.contains(name), "{name} missing from the SVG");
    }
    let bad = dir.path().join("test.jpg");
    let o = cli(
        &db,
        &["chain", "render", "test", "--out", bad.to_str().unwrap()],
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        format!("错误：输出文件「{}」须以 .png 或 .svg 结尾", bad.display())
    );
}

/// Every demo chain, province-wide and in one county: each label inside the image, none over another.
#[tokio::test]
async fn demo_renders_have_no_clipped_or_overlapping_labels() {
    let dir = tempfile::tempdir().unwrap();
    let cockpit = Cockpit::open(&dir.path().join("demo.sqlite"))
        .await
        .unwrap();
    let store = cockpit.store();
    for c in chain::list(store).await.unwrap() {
        for scope in [None, Some("330110")] {
            let args = ChainArgs {
                chain: c.code.clone(),
                scope: scope.map(str::to_string),
                town: None,
            };
            let plan = chain::render::layout(&chain::show(store, args).await.unwrap());
            let (w, h) = (chain::render::WIDTH as f64, chain::render::HEIGHT as f64);
            for (i, a) in plan.labels.iter().enumerate() {
                let r = a.rect;
                assert!(
                    r[0] >= 0.0 && r[1] >= 0.0 && r[2] <= w && r[3] <= h,
                    "{} {:?} {r:?}",
                    c.code,
                    a.text
                );
                for b in &plan.labels[i + 1..] {
                    let s = b.rect;
                    let apart = r[2] <= s[0] || s[2] <= r[0] || r[3] <= s[1] || s[3] <= r[1];
                    assert!(apart, "{}: 「{}」 overlaps 「{}」", c.code, a.text, b.text);
                }
            }
        }
    }
}

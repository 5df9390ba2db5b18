//! 小镇档案 over a hand-built province of four towns: the key figures, their targets, sources and
//! the category and county medians equal numbers worked out by hand (and the town's own values
//! equal a plain SQL read); a period without data is null (「暂无数据」 in the CLI), never zero;
//! reading a profile writes nothing, and a later write shows at the next read; the global search
//! finds towns by name, pinyin initials and county.

mod common;

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::store::Store;

const IMPORT_SOURCE: &str = "2025年二季度统计报表（导入批次 7）";

async fn exec(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

/// Four towns: 甲, 乙 (余杭区, 数字经济), 丙 (西湖区, 数字经济), 丁 (余杭区, 旅游).
async fn build(path: &std::path::Path) -> Cockpit {
    let (store, _) = Store::open(path).await.unwrap();
    exec(
        &store,
        "INSERT INTO towns (id, name, county_code, category, lead_industry, stage, status,
                            creation_date, creation_batch, planned_area_km2, source, is_demo) VALUES
         (1, '余杭甲小镇', '330110', '数字经济', '芯片', '创建', '正常', '2019-01-01', 5, 3.0, '手工', 0),
         (2, '余杭乙小镇', '330110', '数字经济', '软件', '创建', '正常', '2019-01-01', 5, 3.0, '手工', 0),
         (3, '西湖丙小镇', '330106', '数字经济', '云计算', '创建', '正常', '2019-01-01', 5, 3.0, '手工', 0),
         (4, '余杭丁小镇', '330110', '旅游', '民宿', '创建', '警告', '2019-01-01', 5, 3.0, '手工', 0)",
    )
    .await;
    // Values of 2025 Q2 (the latest period), 2025 Q1 (only 乙's output) and 2024 Q4.
    exec(
        &store,
        &format!(
            "INSERT INTO indicator_values (indicator_code, year, quarter, town_id, value, source, is_demo) VALUES
             ('output', 2025, 2, 1, 1200, '{IMPORT_SOURCE}', 0),
             ('tax', 2025, 2, 1, 90, NULL, 1),
             ('land_used_mu', 2025, 2, 1, 40, '{IMPORT_SOURCE}', 0),
             ('lead_output_share_pct', 2025, 2, 1, 75, NULL, 0),
             ('employees', 2025, 2, 1, 500, NULL, 0),
             ('output', 2025, 2, 2, 800, NULL, 0),
             ('tax', 2025, 2, 2, 50, NULL, 0),
             ('land_used_mu', 2025, 2, 2, 20, NULL, 0),
             ('high_tech_firms', 2025, 2, 2, 10, NULL, 0),
             ('employees', 2025, 2, 2, 300, NULL, 0),
             ('output', 2025, 2, 3, 2000, NULL, 0),
             ('tax', 2025, 2, 3, 150, NULL, 0),
             ('land_used_mu', 2025, 2, 3, 50, NULL, 0),
             ('high_tech_firms', 2025, 2, 3, 30, NULL, 0),
             ('output', 2025, 1, 2, 400, NULL, 0),
             ('output', 2024, 4, 1, 2000, NULL, 0),
             ('output', 2024, 4, 4, 300, NULL, 0)"
        ),
    )
    .await;
    exec(
        &store,
        "INSERT INTO investment_projects (id, town_id, name, project_type, is_housing, is_commercial_complex,
                                          is_lead_industry, total_investment_wan_yuan, start_year, end_year) VALUES
         (1, 1, '甲住宅', '商品住宅', 1, 0, 0, 100, 2024, 2025),
         (2, 1, '甲芯片厂', '产业项目', 0, 0, 1, 500, 2024, 2026);
         INSERT INTO project_investments (project_id, year, invested_wan_yuan) VALUES
         (1, 2024, 50), (1, 2025, 30), (2, 2024, 100), (2, 2025, 70);
         INSERT INTO town_targets (town_id, key, year, target, source) VALUES
         (1, 'output', 2025, 1000, '余杭区 2025 年小镇工作计划');
         INSERT INTO town_events (town_id, event_date, kind, batch, grade) VALUES
         (1, '2019-01-01', '列入创建', 5, NULL), (1, '2024-12-31', '考核', NULL, '良好');
         INSERT INTO industry_chains (id, name, category, description) VALUES (1, '集成电路产业链', '数字经济', '');
         INSERT INTO chain_links (id, chain_id, name, segment, sort_order, is_key) VALUES (1, 1, '芯片设计', '上游', 1, 1);",
    )
    .await;
    exec(
        &store,
        "INSERT INTO enterprises (id, credit_code, name, town_id, chain_link_id, industry, is_listed,
                                  is_specialized, is_chain_leader, output_wan_yuan, value_added_wan_yuan,
                                  tax_wan_yuan, rd_spend_wan_yuan, employees, land_mu, energy_tce) VALUES
         (1, '913301100000000001', '甲链主公司', 1, 1, '芯片', 1, 0, 1, 600, 100, 40, 20, 200, 10, 5),
         (2, '913301100000000002', '甲普通公司', 1, NULL, '芯片', 0, 0, 0, 900, 100, 40, 20, 200, 10, 5),
         (3, '913301100000000003', '甲专精公司', 1, 1, '芯片', 0, 1, 0, 80, 10, 4, 2, 20, 1, 1)",
    )
    .await;
    let c = Cockpit::new(store);
    // 一指数 stores its default methodology at its first use on a new file (a demo load does the
    // same); done here so that the profile's own reads can be shown to write nothing.
    dispatch(&c, "index_methodology", Value::Null)
        .await
        .unwrap();
    c
}

fn figure<'a>(p: &'a Value, key: &str) -> &'a Value {
    p["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap_or_else(|| panic!("figure {key}"))
}

async fn changes(store: &Store) -> (i64, i64) {
    sqlx::query_as("SELECT (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM town_codes)")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn figures_targets_medians_and_sources_equal_hand_worked_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let c = build(&dir.path().join("p.db")).await;
    let before = changes(c.store()).await;
    let version = dispatch(&c, "data_version", Value::Null).await.unwrap();
    let p = dispatch(&c, "town_profile", json!({"town": "余杭甲小镇"}))
        .await
        .unwrap();

    assert_eq!(p["town"]["id"], 1);
    assert_eq!(p["period"], json!({"year": 2025, "quarter": 2}));
    assert_eq!(
        p["periods"],
        json!([{"year": 2024, "quarter": 4}, {"year": 2025, "quarter": 1}, {"year": 2025, "quarter": 2}])
    );

    // The town's own output equals the stored row.
    let stored: f64 = sqlx::query_scalar(
        "SELECT value FROM indicator_values
         WHERE town_id = 1 AND indicator_code = 'output' AND year = 2025 AND quarter = 2",
    )
    .fetch_one(c.store().pool())
    .await
    .unwrap();
    let output = figure(&p, "output");
    assert_eq!(output["value"], stored);
    assert_eq!(output["value"], 1200.0);
    assert_eq!(output["period"], "2025年1—2季度累计");
    assert_eq!(output["source"], IMPORT_SOURCE);
    assert_eq!(output["target"]["value"], 1000.0);
    assert_eq!(output["target"]["source"], "余杭区 2025 年小镇工作计划");
    // 数字经济: 1200, 800, 2000 → 1200; 余杭区 with data: 1200, 800 → 1000 (丁 has none).
    assert_eq!(
        output["category_median"],
        json!({"value": 1200.0, "towns": 3})
    );
    assert_eq!(
        output["county_median"],
        json!({"value": 1000.0, "towns": 2})
    );
    assert!(p["targets_note"].is_null());

    // 亩均税收: 90/40 = 2.25; category 2.25, 2.5, 3.0 → 2.5; county 2.25, 2.5 → 2.375.
    let per_mu = figure(&p, "tax_per_mu");
    assert_eq!(per_mu["value"], 2.25);
    assert_eq!(per_mu["category_median"]["value"], 2.5);
    assert_eq!(per_mu["county_median"]["value"], 2.375);
    assert_eq!(figure(&p, "tax")["source"], "示例数据");
    assert_eq!(figure(&p, "employees")["source"], "未注明来源");

    // 2025: housing 30 of 30 + 70 → 30%.
    let housing = figure(&p, "housing_commercial_share_pct");
    assert_eq!(housing["value"], 30.0);
    assert_eq!(housing["period"], "2025年");

    // No high-tech figure for 甲 in 2025 Q2: null, not zero; peers 10, 30 → 20.
    let high_tech = figure(&p, "high_tech_firms");
    assert!(high_tech["value"].is_null());
    assert!(high_tech["source"].is_null());
    assert_eq!(
        high_tech["category_median"],
        json!({"value": 20.0, "towns": 2})
    );
    assert!(figure(&p, "green_coverage_pct")["value"].is_null());

    // The quarterly series: 2024 Q4 2000, 2025 Q1 none, 2025 Q2 1200.
    let series = p["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "output")
        .unwrap();
    assert_eq!(series["values"], json!([2000.0, null, 1200.0]));
    assert_eq!(series["kind"], "flow");

    // Key firms: the tagged ones, largest output first; the untagged one is left out.
    let firms = p["firms"].as_array().unwrap();
    let names: Vec<&str> = firms.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["甲链主公司", "甲专精公司"]);
    assert_eq!(firms[0]["tags"], json!(["链主", "上市"]));
    assert_eq!(firms[0]["link"], "集成电路产业链 · 芯片设计");
    assert_eq!(
        p["industry"]["links"],
        json!([{"chain": "集成电路产业链", "segment": "上游", "link": "芯片设计", "is_key": true, "firms": 2}])
    );

    // Projects: largest first; invested to 2025 and in 2025.
    let projects = p["projects"].as_array().unwrap();
    assert_eq!(projects[0]["name"], "甲芯片厂");
    assert_eq!(projects[0]["invested_wan_yuan"], 170.0);
    assert_eq!(projects[0]["invested_in_year_wan_yuan"], 70.0);
    assert_eq!(projects[1]["invested_wan_yuan"], 80.0);

    let events = p["lifecycle"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["grade"], "良好");
    assert_eq!(p["lifecycle"]["creation_batch"], 5);
    assert!(p["code"].is_null(), "the profile never assigns a code");

    // A read writes nothing.
    assert_eq!(changes(c.store()).await, before);
    assert_eq!(
        dispatch(&c, "data_version", Value::Null).await.unwrap(),
        version
    );

    // A town without a target says so; a later write reaches the next read.
    let b = dispatch(&c, "town_profile", json!({"town": "2"}))
        .await
        .unwrap();
    assert!(b["targets_note"].as_str().unwrap().contains("没有"));
    exec(
        c.store(),
        "INSERT INTO indicator_values (indicator_code, year, quarter, town_id, value) VALUES ('high_tech_firms', 2025, 2, 1, 12)",
    )
    .await;
    let p = dispatch(&c, "town_profile", json!({"town": "1"}))
        .await
        .unwrap();
    assert_eq!(figure(&p, "high_tech_firms")["value"], 12.0);
    // 12, 10, 30 → 12.
    assert_eq!(
        figure(&p, "high_tech_firms")["category_median"]["value"],
        12.0
    );
}

#[tokio::test]
async fn a_town_without_data_for_the_period_gets_null_and_the_cli_says_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let c = build(&db).await;
    let d = dispatch(&c, "town_profile", json!({"town": "余杭丁小镇"}))
        .await
        .unwrap();
    let figures = d["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 13);
    assert!(figures.iter().all(|f| f["value"].is_null()), "{figures:?}");
    let output = d["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "output")
        .unwrap();
    assert_eq!(output["values"], json!([300.0, null, null]));
    assert!(d["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["kind"] == "状态" && w["text"].as_str().unwrap().contains("警告")));

    let out = common::cli(&db, &["town", "余杭丁小镇"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.starts_with("总产出"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("暂无数据") && !row.contains(" 0 "), "{row}");
    let out = common::cli(&db, &["town", "余杭丁小镇", "--json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["figures"], d["figures"]);
}

#[tokio::test]
async fn search_finds_towns_by_name_initials_and_county() {
    let dir = tempfile::tempdir().unwrap();
    let c = build(&dir.path().join("p.db")).await;
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h["name"].as_str().unwrap().to_string())
            .collect()
    };
    // 西湖丙小镇 → XHBXZ.
    let hits = dispatch(&c, "town_search", json!({"q": "xhb"}))
        .await
        .unwrap();
    assert_eq!(names(hits.clone()), ["西湖丙小镇"]);
    assert_eq!(hits[0]["matched"], "拼音首字母");
    let hits = dispatch(&c, "town_search", json!({"q": "余杭"}))
        .await
        .unwrap();
    assert_eq!(names(hits).len(), 3);
    let hits = dispatch(&c, "town_search", json!({"q": "西湖区"}))
        .await
        .unwrap();
    assert_eq!(names(hits.clone()), ["西湖丙小镇"]);
    assert_eq!(hits[0]["matched"], "县（市、区）");
    let hits = dispatch(&c, "town_search", json!({"q": "没有这个"}))
        .await
        .unwrap();
    assert!(names(hits).is_empty());
    let e = dispatch(&c, "town_search", json!({"q": "余杭", "limit": 0}))
        .await
        .unwrap_err();
    assert!(e.message.contains("limit"), "{}", e.message);
}

/// A 4000 × 3000 photo with noise (several MB as JPEG).
fn large_jpeg() -> Vec<u8> {
    let mut seed: u32 = 7;
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (seed >> 24) as u8 / 4;
        image::Rgb([(x / 16) as u8 ^ n, (y / 12) as u8 ^ n, n.wrapping_mul(3)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .unwrap();
    out
}

fn sha256sum(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

#[tokio::test]
async fn attach_a_large_jpeg_and_refuse_a_corrupt_one_and_show_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let c = build(&db).await;
    let big = dir.path().join("客厅全景.jpg");
    std::fs::write(&big, large_jpeg()).unwrap();
    let size = std::fs::metadata(&big).unwrap().len();
    assert!(size > 3_000_000, "{size} bytes");

    let out = common::cli(
        &db,
        &[
            "town",
            "余杭甲小镇",
            "--attach",
            big.to_str().unwrap(),
            "--caption",
            "小镇客厅",
            "--date",
            "2025-06-30",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = dispatch(&c, "town_profile", json!({"town": "1"}))
        .await
        .unwrap();
    let media = p["media"].as_array().unwrap();
    assert_eq!(media.len(), 1);
    let m = &media[0];
    assert_eq!(m["file_name"], "客厅全景.jpg");
    assert_eq!(m["caption"], "小镇客厅");
    assert_eq!(m["taken_on"], "2025-06-30");
    assert_eq!(m["bytes"], size);
    assert_eq!(
        (m["width"].as_i64(), m["height"].as_i64()),
        (Some(4000), Some(3000))
    );
    assert_eq!(m["state"], "ok");
    // Stored under the data directory by content, with a resized copy for display.
    let sha = sha256sum(&big);
    let stored = dir.path().join("media").join(format!("{sha}.jpg"));
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(&big).unwrap()
    );
    let shown = dispatch(&c, "media_image", json!({"id": m["id"]}))
        .await
        .unwrap();
    let jpeg = data_encoding::BASE64
        .decode(shown["base64"].as_str().unwrap().as_bytes())
        .unwrap();
    let small = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((small.width(), small.height()), (1600, 1200));
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE table_name = 'media'")
            .fetch_one(c.store().pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);

    // A corrupt JPEG: refused in Chinese, naming the file; nothing recorded, no file stored.
    let corrupt = dir.path().join("坏照片.jpg");
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend(std::iter::repeat_n(0x5A, 5000));
    std::fs::write(&corrupt, &bytes).unwrap();
    let before = changes(c.store()).await;
    let files_before = std::fs::read_dir(dir.path().join("media")).unwrap().count();
    let out = common::cli(
        &db,
        &["town", "余杭甲小镇", "--attach", corrupt.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("坏照片.jpg") && err.contains("无法读取"),
        "{err}"
    );
    assert_eq!(changes(c.store()).await, before);
    assert_eq!(
        std::fs::read_dir(dir.path().join("media")).unwrap().count(),
        files_before
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media")
        .fetch_one(c.store().pool())
        .await
        .unwrap();
    assert_eq!(n, 1);

    // The stored files go missing (no change to the database): shown as missing, not broken.
    std::fs::remove_file(&stored).unwrap();
    std::fs::remove_file(dir.path().join("media").join(format!("{sha}-display.jpg"))).unwrap();
    let p = dispatch(&c, "town_profile", json!({"town": "1"}))
        .await
        .unwrap();
    assert_eq!(p["media"][0]["state"], "missing");
    assert!(p["media"][0]["problem"]
        .as_str()
        .unwrap()
        .contains("客厅全景.jpg"));
    let e = dispatch(&c, "media_image", json!({"id": m["id"]}))
        .await
        .unwrap_err();
    assert!(e.message.contains("客厅全景.jpg"), "{}", e.message);
}

#[tokio::test]
async fn cases_are_added_listed_searched_and_shown_on_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let c = build(&db).await;
    let photo = dir.path().join("现场.png");
    image::RgbImage::from_pixel(40, 30, image::Rgb([10, 120, 200]))
        .save(&photo)
        .unwrap();
    let out = common::cli(
        &db,
        &[
            "case",
            "add",
            "--title",
            "芯片设计公共平台",
            "--text",
            "甲小镇建设公共流片平台，服务中小设计企业。",
            "--date",
            "2025-05-20",
            "--tag",
            "公共平台",
            "--tag",
            "数字经济",
            "--town",
            "余杭甲小镇",
            "--photo",
            photo.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A bad date is refused and adds nothing.
    let out = common::cli(
        &db,
        &[
            "case",
            "add",
            "--title",
            "x",
            "--text",
            "y",
            "--date",
            "2025-13-01",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2025-13-01"));

    let out = common::cli(&db, &["case", "list", "--q", "流片", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["town"], "余杭甲小镇");
    assert_eq!(list[0]["tags"], json!(["公共平台", "数字经济"]));
    let none = dispatch(&c, "cases", json!({"q": "旅游"})).await.unwrap();
    assert!(none.as_array().unwrap().is_empty());
    let id = list[0]["id"].as_i64().unwrap();
    let shown = dispatch(&c, "case_show", json!({"id": id})).await.unwrap();
    assert_eq!(shown["photos"][0]["file_name"], "现场.png");
    assert_eq!(shown["photos"][0]["state"], "ok");
    let p = dispatch(&c, "town_profile", json!({"town": "余杭甲小镇"}))
        .await
        .unwrap();
    assert_eq!(p["cases"][0]["title"], "芯片设计公共平台");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(c.store().pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
}

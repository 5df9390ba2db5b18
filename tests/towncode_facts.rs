//! Town-code colours from the other parts' results, on a real demo database: a synthetic
//! control-line violation turns a town red with the numbers in its reason; a sharp fall in the
//! vitality-index rank turns a town yellow; the demo province shows every colour with no rule
//! left 「未评估」 when its data exists; cards, uploads, exports and the key through the command
//! table.

mod common;

use serde_json::json;
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::towncode::rules::{Colour, RuleState};
use towncockpit::towncode::{qr, town};

async fn demo(dir: &std::path::Path) -> Cockpit {
    Cockpit::open(&dir.join("cockpit.sqlite")).await.unwrap()
}

/// The keys an installation trusts, through the command table.
async fn keys(c: &Cockpit) -> serde_json::Value {
    dispatch(c, "code_keys", json!({})).await.unwrap()
}

/// A named town that is green in the demo, with its id.
async fn green_named_town(c: &Cockpit) -> (i64, String) {
    let list = town::list(c.store(), Some(Colour::Green)).await.unwrap();
    let t = list
        .towns
        .iter()
        .find(|t| t.town.stage == "命名")
        .expect("a green named town in the demo");
    (t.town.town_id, t.town.name.clone())
}

/// A GeoJSON file of one feature with `geometry` (a GeoJSON geometry object as text).
fn feature_file(path: &std::path::Path, name: &str, geometry: &str) {
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{geometry}}}]}}"#
    );
    std::fs::write(path, text).unwrap();
}

async fn boundary_of(c: &Cockpit, id: i64) -> String {
    sqlx::query_scalar("SELECT boundary_geojson FROM towns WHERE id = ?")
        .bind(id)
        .fetch_one(c.store().pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_line_imported_by_another_program_turns_a_town_red_with_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cockpit.sqlite");
    let c = demo(dir.path()).await;
    let store = c.store();
    let (id, name) = green_named_town(&c).await;
    // The colour (and the check behind it) has been seen once, so any kept result is warm.
    let before = town::show(store, &name).await.unwrap();
    assert_eq!(before.town.colour, Colour::Green);
    assert_eq!(before.facts.control_line_violations, Some(0.0));

    // Another program (the CLI, beside the open cockpit) imports a red line over the whole town;
    // nobody asks for the check to be run again.
    let layer = dir.path().join("红线.geojson");
    feature_file(&layer, "测试红线", &boundary_of(&c, id).await);
    let out = common::cli(
        &db,
        &[
            "map",
            "import-layer",
            "--kind",
            "redline",
            layer.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let after = town::show(store, &name).await.unwrap();
    assert_eq!(after.town.colour, Colour::Red, "{:?}", after.reasons);
    let r2 = after
        .reasons
        .iter()
        .find(|r| r.id == "R2")
        .expect("the control-line rule fired");
    let area = after.facts.area_km2.unwrap();
    assert!(r2.detail.contains("压占生态保护红线"), "{}", r2.detail);
    assert!(
        r2.detail.contains(&format!("{area:.3} km²")),
        "{} (area {area})",
        r2.detail
    );
    assert!(r2.detail.contains("100.0%"), "{}", r2.detail);
    // The signed payload follows the colour.
    assert!(after.payload.contains("*R*"), "{}", after.payload);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_boundary_changes_the_area_and_the_colour_at_once() {
    use geo::{Area, Scale};
    let dir = tempfile::tempdir().unwrap();
    let c = demo(dir.path()).await;
    let store = c.store();
    // A named town the demo made larger than 5 km² (rule Y4 fires for it).
    let list = town::list(store, None).await.unwrap();
    let mut pick = None;
    for t in list.towns.iter().filter(|t| t.town.stage == "命名") {
        let v = town::show(store, &t.town.code).await.unwrap();
        if v.reasons.iter().any(|r| r.id == "Y4") {
            pick = Some((t.town.town_id, t.town.name.clone(), v));
            break;
        }
    }
    let (id, name, before) = pick.expect("an oversized named town in the demo");
    let area_before = before.facts.area_km2.unwrap();
    assert!(area_before > 5.0);

    // Its boundary shrunk to half the width and height (a quarter of the area) around its
    // centre, so it still lies inside its county.
    let shape =
        towncockpit::spatial::repo::from_geojson(&name, &boundary_of(&c, id).await).unwrap();
    let half = shape.scale(0.5);
    assert!((half.unsigned_area() / shape.unsigned_area() - 0.25).abs() < 1e-9);
    let file = dir.path().join("四至.geojson");
    feature_file(&file, &name, &towncockpit::spatial::repo::to_geojson(&half));
    towncockpit::spatial::import::import_boundaries(store, &file)
        .await
        .unwrap();

    let after = town::show(store, &name).await.unwrap();
    let area_after = after.facts.area_km2.unwrap();
    // A quarter of the area, within the curvature of a few kilometres of the earth.
    assert!(
        (area_after / area_before - 0.25).abs() < 1e-3,
        "{area_before} → {area_after}"
    );
    assert!(
        !after.reasons.iter().any(|r| r.id == "Y4"),
        "{:?}",
        after.reasons
    );
    // And the audit log says who imported what.
    let (rows, source): (i64, String) = sqlx::query_as(
        "SELECT rows, source FROM audit_log WHERE action = 'import' AND table_name = 'towns'
         ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(rows, 1);
    assert!(source.ends_with("四至.geojson"), "{source}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sharp_fall_in_the_index_rank_turns_a_town_yellow() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo(dir.path()).await;
    let store = c.store();
    // A green named town ranked in the upper part of the latest year.
    let list = town::list(store, Some(Colour::Green)).await.unwrap();
    let mut pick = None;
    for t in list.towns.iter().filter(|t| t.town.stage == "命名") {
        let v = town::show(store, &t.town.code).await.unwrap();
        if let Some((rank, of)) = v.rank {
            if rank <= of / 3 {
                pick = Some((t.town.town_id, t.town.name.clone(), rank));
                break;
            }
        }
    }
    let (id, name, rank) = pick.expect("a green named town in the top third");
    let year: i64 = sqlx::query_scalar("SELECT max(year) FROM indicator_values")
        .fetch_one(store.pool())
        .await
        .unwrap();
    // Its latest year's volumes collapse (shares and rates stay as they were).
    sqlx::query(
        "UPDATE indicator_values SET value = value * 0.05
         WHERE town_id = ? AND year = ? AND indicator_code IN
             (SELECT code FROM indicators WHERE kind IN ('flow', 'stock'))",
    )
    .bind(id)
    .bind(year)
    .execute(store.pool())
    .await
    .unwrap();

    let after = town::show(store, &name).await.unwrap();
    let change = after.facts.index_rank_change.expect("rank change known");
    assert!(change <= -10.0, "rank {rank} → {:?}", after.rank);
    assert_eq!(after.town.colour, Colour::Yellow, "{:?}", after.reasons);
    let y1 = after.reasons.iter().find(|r| r.id == "Y1").expect("Y1");
    let (now, _) = after.rank.unwrap();
    assert!(
        y1.detail.contains(&format!("{change:.0}位")),
        "{}",
        y1.detail
    );
    assert!(
        y1.detail.contains(&format!("名 → {year} 年第 {now} 名")),
        "{}",
        y1.detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shows_every_colour_and_evaluates_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let c = demo(dir.path()).await;
    let list = dispatch(&c, "code_list", json!({})).await.unwrap();
    let total = list["total"].as_u64().unwrap();
    for colour in ["绿", "黄", "红", "灰"] {
        let n = list["counts"][colour].as_u64().unwrap();
        assert!(n > 0 && n < total, "{colour}: {n} of {total}");
    }
    // Every fact the demo holds is evaluated: only the annual assessment grade (which the demo
    // does not generate), the housing share of a town with no investment that year and the rank
    // change of a town not ranked the year before may stay 「未评估」.
    let store = c.store();
    let mut risk = std::collections::BTreeMap::new();
    for t in list["towns"].as_array().unwrap() {
        let v = town::show(store, t["code"].as_str().unwrap())
            .await
            .unwrap();
        // A town that has left the list (灰) reports no figures after it left.
        let listed = v.town.colour != Colour::Grey;
        for r in v
            .rules
            .iter()
            .filter(|r| listed && r.state == RuleState::NotEvaluated)
        {
            assert!(
                r.id == "R3"
                    || (r.id == "R5" && v.facts.housing_investment_share.is_none())
                    || (r.id == "Y1" && v.facts.index_rank_change.is_none()),
                "{}: {} {}",
                v.town.name,
                r.id,
                r.detail
            );
        }
        if v.town.stage == "创建" {
            *risk
                .entry(v.facts.creation_risk.clone().unwrap())
                .or_insert(0) += 1;
            let y5 = v.rules.iter().find(|r| r.id == "Y5").unwrap();
            assert_ne!(y5.state, RuleState::NotApplicable);
            if y5.state == RuleState::Fired {
                assert!(y5.detail.contains("亿元"), "{}", y5.detail);
            }
        }
        // Reasons on measured facts carry their numbers (list status and grades are words).
        for r in v
            .reasons
            .iter()
            .filter(|r| !["G1", "R3", "R4"].contains(&r.id.as_str()))
        {
            assert!(
                r.detail.chars().any(|ch| ch.is_ascii_digit()),
                "reason without a number: {}",
                r.detail
            );
        }
    }
    // Creation risk takes more than one level across the demo's creating towns.
    assert!(risk.len() >= 2, "{risk:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_uploads_exports_and_the_key_through_the_command_table() {
    let dir = tempfile::tempdir().unwrap();
    let downloads = dir.path().join("下载");
    // The only test in this file that reads the variable; set before any export runs.
    std::env::set_var(towncockpit::towncode::export::DOWNLOAD_DIR_ENV, &downloads);
    let c = demo(dir.path()).await;
    let (_, name) = green_named_town(&c).await;
    let shown = dispatch(&c, "code_show", json!({ "town": name }))
        .await
        .unwrap();

    // The card image carries the town's current payload.
    let card = dispatch(&c, "code_card", json!({ "town": name, "size": "a6" }))
        .await
        .unwrap();
    assert_eq!(card["code"], shown["code"]);
    let b64 = card["png_base64"].as_str().unwrap();
    let png = data_encoding::BASE64.decode(b64.as_bytes()).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!(
        qr::decode_image(&img).unwrap(),
        shown["payload"].as_str().unwrap()
    );

    // Uploading it says the same as pasting its text.
    let by_image = dispatch(&c, "code_verify_image", json!({ "image_base64": b64 }))
        .await
        .unwrap();
    let by_text = dispatch(&c, "code_verify", json!({ "text": shown["payload"] }))
        .await
        .unwrap();
    assert_eq!(by_image, by_text);
    assert_eq!(by_image["label"], "真实有效");
    let data_url = format!("data:image/png;base64,{b64}");
    let again = dispatch(&c, "code_verify_image", json!({ "image_base64": data_url }))
        .await
        .unwrap();
    assert_eq!(again, by_text);
    let bad = dispatch(
        &c,
        "code_verify_image",
        json!({ "image_base64": "bm90IGFuIGltYWdl" }),
    )
    .await
    .unwrap_err();
    assert!(
        bad.message.contains("无法读取上传的图片"),
        "{}",
        bad.message
    );

    // Exports land in the download directory and are real files.
    let one = dispatch(
        &c,
        "code_export",
        json!({ "town": name, "format": "pdf", "size": "a4" }),
    )
    .await
    .unwrap();
    assert_eq!(one["dir"], json!(downloads.display().to_string()));
    let files: Vec<&str> = one["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with("_A4.pdf"), "{files:?}");
    assert!(std::fs::read(files[0]).unwrap().starts_with(b"%PDF"));
    let png_file = dispatch(&c, "code_export", json!({ "town": name, "format": "png" }))
        .await
        .unwrap();
    let path = png_file["files"][0].as_str().unwrap();
    assert_eq!(
        qr::decode_file(std::path::Path::new(path)).unwrap(),
        shown["payload"].as_str().unwrap()
    );
    let sheet = dispatch(&c, "code_export", json!({ "all": true, "format": "pdf" }))
        .await
        .unwrap();
    let sheet_path = sheet["files"][0].as_str().unwrap();
    let total = dispatch(&c, "code_list", json!({})).await.unwrap()["total"]
        .as_u64()
        .unwrap();
    assert!(std::fs::read(sheet_path).unwrap().starts_with(b"%PDF"));
    // Four A6 cards to an A4 page (pdfinfo: Debian poppler-utils, see install-system-deps.sh).
    let out = std::process::Command::new("pdfinfo")
        .arg(sheet_path)
        .output()
        .expect("pdfinfo runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let pages: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|s| s.trim().parse().unwrap())
        .expect("pdfinfo reports pages");
    assert_eq!(pages, total.div_ceil(4));
    let neither = dispatch(&c, "code_export", json!({ "format": "pdf" }))
        .await
        .unwrap_err();
    assert!(neither.message.contains("town"), "{}", neither.message);

    // The public key verifies the issued payload's key id.
    let key = dispatch(&c, "code_key_export", json!({ "issuer": "测试局" }))
        .await
        .unwrap();
    assert_eq!(key["key_id"], shown["key_id"]);
    let key_text = key["text"].as_str().unwrap();
    assert!(key_text.contains("测试局"));
    let key_file = std::path::PathBuf::from(key["file"].as_str().unwrap());
    assert!(key_file.starts_with(&downloads), "{key_file:?}");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key_text);

    // Another office trusts only its own key until it imports this one from the screen.
    let other_dir = tempfile::tempdir().unwrap();
    let other = demo(other_dir.path()).await;
    let before = keys(&other).await;
    assert_eq!(before.as_array().unwrap().len(), 1);
    assert_eq!(before[0]["own"], true);
    let payload = json!({ "text": shown["payload"] });
    let unknown = dispatch(&other, "code_verify", payload.clone())
        .await
        .unwrap();
    assert_eq!(unknown["label"], "签发方未知");

    // A damaged key file is refused with where and what, and nothing is trusted.
    let damaged = key_text.replace("密钥编号：", "密钥编号：X");
    let e = dispatch(
        &other,
        "code_key_import",
        json!({ "text": damaged, "file_name": "测试局公钥.txt" }),
    )
    .await
    .unwrap_err();
    assert!(e.message.contains("测试局公钥.txt"), "{}", e.message);
    assert!(e.message.contains("密钥编号"), "{}", e.message);
    assert_eq!(keys(&other).await, before);

    let imported = dispatch(
        &other,
        "code_key_import",
        json!({ "text": key_text, "file_name": "测试局公钥.txt" }),
    )
    .await
    .unwrap();
    assert_eq!(imported["key_id"], shown["key_id"]);
    assert_eq!(imported["issuer"], "测试局");
    assert_eq!(imported["own"], false);
    assert_eq!(keys(&other).await.as_array().unwrap().len(), 2);
    let verified = dispatch(&other, "code_verify", payload).await.unwrap();
    assert_eq!(verified["label"], "真实有效");
    assert_eq!(verified["issuer"], "测试局");
}

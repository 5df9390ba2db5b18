//! The `towncockpit` binary: Chinese tables with 「示例数据」, `--json` for machines, Chinese
//! errors with a non-zero exit, and a refused database left unchanged.

use std::path::Path;
use std::process::{Command, Output};

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_towncockpit"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TOWNCOCKPIT_DB")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn commands_on_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.sqlite");

    let out = run(&db, &["overview"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for needle in [
        "示例数据",
        "浙江省 2025 年",
        "特色小镇总产出",
        "分设区市",
        "杭州市",
        "历年趋势",
    ] {
        assert!(shown.contains(needle), "missing {needle}:\n{shown}");
    }

    let out = run(
        &db,
        &["overview", "--json", "--scope", "330100", "--year", "2023"],
    );
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["scope"]["name"], "杭州市");
    assert_eq!(json["year"], 2023);
    assert_eq!(json["targets"].as_array().unwrap().len(), 9);
    assert_eq!(json["demo"], true);

    let out = run(&db, &["towns", "--city", "330100", "--status", "命名"]);
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(
        shown.contains("示例数据") && shown.contains("余杭梦想小镇"),
        "{shown}"
    );

    let out = run(&db, &["town", "梦想小镇"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("余杭梦想小镇") && shown.contains("示例数据") && shown.contains("总产出")
    );

    let out = run(&db, &["towns", "--status", "优秀"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("状态「优秀」无效"));

    let out = run(&db, &["overview", "--yaer", "2024"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("未知参数") && err.contains("--year"), "{err}");

    let out = run(&db, &["overview", "--year", "二〇二四"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("的值「二〇二四」无效"));

    let out = run(&db, &["db", "check"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("完整性检查通过"));
    let copy = dir.path().join("copy.sqlite");
    let out = run(&db, &["db", "backup", copy.to_str().unwrap()]);
    assert!(out.status.success());
    let out = run(&copy, &["overview", "--json"]);
    assert!(out.status.success());

    let out = run(&db, &["db", "path"]);
    assert_eq!(text(&out.stdout).trim(), db.display().to_string());

    let help = run(&db, &["--help"]);
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("子命令"));
}

#[test]
fn refused_database_stays_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.sqlite");
    std::fs::write(&db, "一份普通的文本文件，不是数据库。".repeat(10)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = run(&db, &["overview"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("不是 SQLite 数据库文件"));
    let out = run(&db, &["demo"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

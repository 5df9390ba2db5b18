//! The real `towncockpit index` binary on the COINr ASEM files: results, stages, uncertainty.

use std::path::Path;
use std::process::Command;

const DIR: &str = "tests/data/coinr-asem";

fn towncockpit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_towncockpit"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn file(name: &str) -> String {
    Path::new(DIR).join(name).to_string_lossy().into_owned()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (h, rows)
}

#[test]
fn compute_writes_every_aggregate_at_full_precision() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.csv");
    let o = towncockpit(&[
        "index",
        "compute",
        "--data",
        &file("ASEM_iData.csv"),
        "--meta",
        &file("ASEM_iMeta.csv"),
        "--method",
        &file("asem_method.toml"),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("已写出 51 行"));
    let (h, rows) = read_csv(&out);
    assert_eq!(&h[..4], &["uCode", "Time", "Rank", "Index"]);
    assert_eq!(h.len(), 3 + 1 + 2 + 8);
    let (eh, expected) = read_csv(&Path::new(DIR).join("ASEM_expected_results.csv"));
    for want in &expected {
        let got = rows.iter().find(|r| r[0] == want[0]).expect("unit present");
        assert_eq!(got[2], want[1], "rank of {}", want[0]);
        for (k, col) in eh.iter().enumerate().skip(2) {
            let c = h.iter().position(|x| x == col).unwrap();
            let (g, w): (f64, f64) = (got[c].parse().unwrap(), want[k].parse().unwrap());
            assert!(
                (g - w).abs() <= 0.005 + 1e-9,
                "{} {col}: {g} vs {w}",
                want[0]
            );
        }
    }
    // Full precision: the CHE index has more than the 2 published decimals.
    let che = rows.iter().find(|r| r[0] == "CHE").unwrap();
    assert!(che[3].len() > 8, "{}", che[3]);
}

#[test]
fn stage_writes_the_normalised_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("norm.csv");
    let o = towncockpit(&[
        "index",
        "compute",
        "--data",
        &file("ASEM_iData.csv"),
        "--meta",
        &file("ASEM_iMeta.csv"),
        "--stage",
        "normalised",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (h, rows) = read_csv(&out);
    assert_eq!(h.len(), 2 + 49);
    let lpi = h.iter().position(|x| x == "LPI").unwrap();
    let v: Vec<f64> = rows.iter().map(|r| r[lpi].parse().unwrap()).collect();
    assert_eq!(v.iter().cloned().fold(f64::INFINITY, f64::min), 0.0);
    assert_eq!(v.iter().cloned().fold(f64::NEG_INFINITY, f64::max), 100.0);
}

#[test]
fn uncertainty_is_seeded_and_brackets_the_nominal_rank() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str, name: &str| {
        let out = dir.path().join(name);
        let o = towncockpit(&[
            "index",
            "uncertainty",
            "--data",
            &file("ASEM_iData.csv"),
            "--meta",
            &file("ASEM_iMeta.csv"),
            "--method",
            &file("asem_method.toml"),
            "--runs",
            "200",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let a = run("7", "a.csv");
    assert_eq!(a, run("7", "b.csv"), "same seed, same result");
    assert_ne!(a, run("8", "c.csv"), "another seed, other draws");
    let (h, rows) = read_csv(&dir.path().join("a.csv"));
    assert_eq!(
        h,
        [
            "uCode",
            "Time",
            "NominalRank",
            "MeanRank",
            "MedianRank",
            "Q05Rank",
            "Q95Rank"
        ]
    );
    let che = rows.iter().find(|r| r[0] == "CHE").unwrap();
    assert_eq!(che[2], "1");
    for r in &rows {
        let q: Vec<f64> = r[3..].iter().map(|x| x.parse().unwrap()).collect();
        assert!(q[2] <= q[1] && q[1] <= q[3], "{r:?}");
        assert!((1.0..=51.0).contains(&q[2]) && (1.0..=51.0).contains(&q[3]));
    }
}

#[test]
fn bad_structure_fails_with_a_chinese_message_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("meta.csv");
    let text = std::fs::read_to_string(Path::new(DIR).join("ASEM_iMeta.csv"))
        .unwrap()
        .replace(",Physical,Indicator", ",Physicl,Indicator");
    std::fs::write(&meta, text).unwrap();
    let out = dir.path().join("r.csv");
    let o = towncockpit(&[
        "index",
        "compute",
        "--data",
        &file("ASEM_iData.csv"),
        "--meta",
        meta.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("meta.csv") && e.contains("第 2 行") && e.contains("「Physicl」不存在"),
        "{e}"
    );
    assert!(!out.exists());
}

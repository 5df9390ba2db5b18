//! Conformance with COINr (ASEM example): every unit's Index, sub-indices, pillars and Rank as
//! published; then clear errors on bad inputs, and hand-computed checks of entropy weights, AHP
//! and panel handling.

use std::collections::HashMap;
use std::path::Path;

use towncockpit::index::frame::{parse_data, parse_structure, read_data, read_structure};
use towncockpit::index::method::{Impute, ImputeMethod, Normalise, Scope};
use towncockpit::index::weights::{ahp, entropy_weights};
use towncockpit::index::{compute, impute, normalise, Method};

const DIR: &str = "tests/data/coinr-asem";

fn expected() -> (Vec<String>, Vec<HashMap<String, f64>>) {
    let mut r = csv::Reader::from_path(Path::new(DIR).join("ASEM_expected_results.csv")).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .filter(|(h, _)| *h != "uCode")
                .map(|(h, v)| (h.clone(), v.parse::<f64>().unwrap()))
                .chain([("uCode_row".to_string(), 0.0)])
                .collect::<HashMap<_, _>>()
        })
        .collect();
    let codes = csv::Reader::from_path(Path::new(DIR).join("ASEM_expected_results.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    (codes, rows)
}

#[test]
fn reproduces_coinr_asem_results() {
    let structure = read_structure(&Path::new(DIR).join("ASEM_iMeta.csv")).unwrap();
    let frame = read_data(&Path::new(DIR).join("ASEM_iData.csv"), &structure).unwrap();
    let method = Method::read(&Path::new(DIR).join("asem_method.toml")).unwrap();
    let out = compute(&frame, &structure, &method).unwrap();

    // README: all 51 units pass the screen; 15 indicators are winsorised, none log-transformed.
    assert_eq!(out.normalised.rows.len(), 51);
    let winsorised = out
        .treatment
        .iter()
        .filter(|t| t.result.winsorised_high + t.result.winsorised_low > 0)
        .count();
    assert_eq!(winsorised, 15, "{:#?}", out.treatment);
    assert!(out.treatment.iter().all(|t| !t.result.log));

    let (codes, rows) = expected();
    assert_eq!(codes.len(), 51);
    let mut max_dev: f64 = 0.0;
    let mut compared = 0;
    for (code, want) in codes.iter().zip(&rows) {
        let r = out
            .normalised
            .rows
            .unit
            .iter()
            .position(|u| u == code)
            .unwrap_or_else(|| panic!("unit {code} missing"));
        assert_eq!(out.rank[r], Some(want["Rank"] as u32), "rank of {code}");
        for (col, &value) in want {
            if col == "Rank" || col == "uCode_row" {
                continue;
            }
            let node = structure
                .node(col)
                .unwrap_or_else(|| panic!("no node {col}"));
            let got = out.scores.scores[node][r];
            let dev = (got - value).abs();
            max_dev = max_dev.max(dev);
            // Rounded to the 2 published decimals, every value is COINr's exactly.
            assert!(
                ((got * 100.0).round() / 100.0 - value).abs() < 1e-9,
                "{code} {col}: got {got}, COINr published {value}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 51 * 11);
    eprintln!("COINr ASEM: {compared} published values matched, max |deviation| = {max_dev:.6} (rounding to 2 decimals)");
}

// ---- bad inputs -------------------------------------------------------------------------

const META_OK: &str = "Level,iCode,iName,Direction,Weight,Parent,Type
1,a,A,1,1,P,Indicator
1,b,B,1,1,P,Indicator
1,c,C,-1,1,Q,Indicator
1,d,D,1,1,Q,Indicator
2,P,P,1,1,Index,Aggregate
2,Q,Q,1,1,Index,Aggregate
3,Index,Index,1,1,,Aggregate
";

const DATA_OK: &str = "uCode,a,b,c,d
u1,1,10,5,-3
u2,2,20,4,0
u3,3,15,2,1
u4,5,11,1,2
";

fn err(r: towncockpit::Result<impl std::fmt::Debug>) -> String {
    r.expect_err("should be refused").to_string()
}

#[test]
fn unknown_parent_is_named_with_its_row() {
    let meta = META_OK.replace("1,d,D,1,1,Q,Indicator", "1,d,D,1,1,Nope,Indicator");
    let e = err(parse_structure(&meta, "meta.csv"));
    assert!(
        e.contains("meta.csv") && e.contains("第 5 行") && e.contains("「Nope」不存在"),
        "{e}"
    );
}

#[test]
fn cycle_in_hierarchy_is_refused() {
    let meta = META_OK
        .replace("2,P,P,1,1,Index,Aggregate", "2,P,P,1,1,Q,Aggregate")
        .replace("2,Q,Q,1,1,Index,Aggregate", "2,Q,Q,1,1,P,Aggregate");
    let e = err(parse_structure(&meta, "meta.csv"));
    assert!(
        e.contains("循环") && e.contains("P") && e.contains("Q"),
        "{e}"
    );
}

#[test]
fn negative_value_under_geometric_mean_is_refused() {
    let s = parse_structure(META_OK, "meta.csv").unwrap();
    let f = parse_data(DATA_OK, "data.csv", &s).unwrap();
    let method = Method::parse(
        "[treat]\nmethod = \"none\"\n[normalise]\nmethod = \"zscore\"\n[aggregate]\nmethod = \"geometric\"\n",
        "m.toml",
    )
    .unwrap();
    let e = err(compute(&f, &s, &method));
    assert!(e.contains("几何平均") && e.contains("单位「"), "{e}");
}

#[test]
fn indicator_without_data_is_refused() {
    let s = parse_structure(META_OK, "meta.csv").unwrap();
    let data = "uCode,a,b,c,d\nu1,1,,5,1\nu2,2,,4,0\n";
    let e = err(parse_data(data, "data.csv", &s));
    assert!(
        e.contains("data.csv") && e.contains("指标「b」没有任何数据"),
        "{e}"
    );
}

#[test]
fn inconsistent_ahp_matrix_is_refused_with_its_cr() {
    // Three children of one parent: the smallest matrix with a consistency ratio.
    let meta = "Level,iCode,Parent,Type\n1,x,I,Indicator\n1,y,I,Indicator\n1,z,I,Indicator\n2,I,,Aggregate\n";
    let s = parse_structure(meta, "meta.csv").unwrap();
    let f = parse_data("uCode,x,y,z\nu1,1,2,3\nu2,2,1,5\nu3,3,3,1\n", "d.csv", &s).unwrap();
    let method = Method::parse(
        "[weights]\nmethod = \"ahp\"\n[weights.ahp.I]\nmatrix = [[1, 9, \"1/9\"], [\"1/9\", 1, 9], [9, \"1/9\", 1]]\n",
        "m.toml",
    )
    .unwrap();
    let e = err(compute(&f, &s, &method));
    assert!(
        e.contains("「I」") && e.contains("CR =") && e.contains("0.1"),
        "{e}"
    );
}

#[test]
fn ahp_matrix_of_the_wrong_size_is_refused() {
    // Three children, named so the message can name the node by code and name.
    let meta = "Level,iCode,iName,Parent,Type\n1,x,甲,I,Indicator\n1,y,乙,I,Indicator\n1,z,丙,I,Indicator\n2,I,总指数,,Aggregate\n";
    let s = parse_structure(meta, "meta.csv").unwrap();
    let f = parse_data("uCode,x,y,z\nu1,1,2,3\nu2,2,1,5\nu3,3,3,1\n", "d.csv", &s).unwrap();
    let refused = |matrix: &str| {
        let method = Method::parse(
            &format!("[weights]\nmethod = \"ahp\"\n[weights.ahp.I]\nmatrix = {matrix}\n"),
            "m.toml",
        )
        .unwrap();
        err(compute(&f, &s, &method))
    };
    assert_eq!(
        refused("[[1]]"),
        "AHP 判断矩阵（节点「I 总指数」）是 1×1，但该节点有 3 个下级指标，应为 3×3"
    );
    assert_eq!(
        refused("[[1, 2], [\"1/2\", 1]]"),
        "AHP 判断矩阵（节点「I 总指数」）是 2×2，但该节点有 3 个下级指标，应为 3×3"
    );
    assert_eq!(
        refused("[[1, 2, 3], [\"1/2\", 1], [\"1/3\", 1, 1]]"),
        "AHP 判断矩阵（节点「I 总指数」）不是方阵：共 3 行，第 2 行却有 2 列；该节点有 3 个下级指标，应为 3×3"
    );
    // The right size still computes.
    let method = Method::parse(
        "[weights]\nmethod = \"ahp\"\n[weights.ahp.I]\nmatrix = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]\n",
        "m.toml",
    )
    .unwrap();
    assert!(compute(&f, &s, &method).is_ok());
}

#[test]
fn unknown_method_key_is_named() {
    let e = err(Method::parse(
        "[normalise]\nmethdo = \"minmax\"\n",
        "m.toml",
    ));
    assert!(e.contains("m.toml") && e.contains("normalise"), "{e}");
}

// ---- weights ----------------------------------------------------------------------------

#[test]
fn entropy_weights_chinese_form_by_hand() {
    // a = (1,2,3): min-max (0, ½, 1), shares (0, ⅓, ⅔): 0·ln0 = 0, so e = 1 − (2/3)ln2/ln3.
    // b = (1,1,3): min-max (0, 0, 1), one share of 1: e = 0, divergence 1.
    let a = [1.0, 2.0, 3.0];
    let b = [1.0, 1.0, 3.0];
    let c = [7.0, 7.0, 7.0];
    let w = entropy_weights(&[&a, &b, &c], &[1.0, 1.0, 1.0], false).unwrap();
    let da = (2.0 / 3.0) * 2f64.ln() / 3f64.ln();
    assert!((w[0] - da / (da + 1.0)).abs() < 1e-12, "{w:?}");
    assert!((w[1] - 1.0 / (da + 1.0)).abs() < 1e-12);
    assert_eq!(w[2], 0.0, "a constant indicator weighs nothing");
    // Direction −1 mirrors the min-max values: b reversed is (1, 1, 0) → shares (½, ½, 0).
    let w = entropy_weights(&[&a, &b], &[1.0, -1.0], false).unwrap();
    let db = 1.0 - 2f64.ln() / 3f64.ln();
    assert!((w[1] - db / (da + db)).abs() < 1e-12, "{w:?}");
}

#[test]
fn entropy_weights_raw_share_form_by_hand() {
    // x = (1,1,2): shares (¼,¼,½), H = 1.5·ln2, e = 1.5·ln2/ln3.
    let x = [1.0, 1.0, 2.0];
    let y = [4.0, 4.0, 4.0];
    let w = entropy_weights(&[&x, &y], &[1.0, 1.0], true).unwrap();
    assert_eq!(w, vec![1.0, 0.0]);
    let z = [1.0, 0.0, 3.0];
    let w = entropy_weights(&[&x, &z], &[1.0, 1.0], true).unwrap();
    let dx = 1.0 - 1.5 * 2f64.ln() / 3f64.ln();
    let dz = 1.0 - (0.25 * 4f64.ln() + 0.75 * (4.0f64 / 3.0).ln()) / 3f64.ln();
    assert!((w[0] - dx / (dx + dz)).abs() < 1e-12, "{w:?}");
    assert_eq!(entropy_weights(&[&[1.0, -2.0]], &[1.0], true), Err((0, 1)));
}

#[test]
fn entropy_weights_reach_the_index_as_global_weights() {
    let s = parse_structure(META_OK, "meta.csv").unwrap();
    let f = parse_data(DATA_OK, "data.csv", &s).unwrap();
    let m = Method::parse(
        "[treat]\nmethod = \"none\"\n[weights]\nmethod = \"entropy\"\n",
        "m",
    )
    .unwrap();
    let out = compute(&f, &s, &m).unwrap();
    let cols: Vec<&[f64]> = f.values.iter().map(|c| c.as_slice()).collect();
    let dirs: Vec<f64> = s.indicators.iter().map(|&i| s.nodes[i].direction).collect();
    let global = entropy_weights(&cols, &dirs, false).unwrap();
    for (j, &i) in s.indicators.iter().enumerate() {
        assert!((out.weights.effective[i] - global[j]).abs() < 1e-12);
    }
}

#[test]
fn ahp_textbook_matrix_and_its_cr() {
    // Saaty-style example: priorities ≈ (0.6370, 0.2583, 0.1047), λmax ≈ 3.0385, CR ≈ 0.0332.
    let a = vec![
        vec![1.0, 3.0, 5.0],
        vec![1.0 / 3.0, 1.0, 3.0],
        vec![0.2, 1.0 / 3.0, 1.0],
    ];
    let r = ahp(&a, "例").unwrap();
    for (w, want) in r.weights.iter().zip([0.6370, 0.2583, 0.1047]) {
        assert!((w - want).abs() < 5e-5, "{:?}", r.weights);
    }
    assert!((r.lambda_max - 3.0385).abs() < 5e-5, "{}", r.lambda_max);
    assert!((r.cr - 0.0332).abs() < 5e-5, "{}", r.cr);
}

// ---- panels -----------------------------------------------------------------------------

const PANEL_META: &str =
    "Level,iCode,Parent,Type\n1,x,I,Indicator\n1,y,I,Indicator\n2,I,,Aggregate\n";

#[test]
fn panel_normalisation_pooled_vs_per_period() {
    let s = parse_structure(PANEL_META, "m.csv").unwrap();
    let data = "uCode,Time,x,y\nA,2020,0,1\nB,2020,10,1\nA,2021,20,1\nB,2021,40,2\n";
    let f = parse_data(data, "d.csv", &s).unwrap();
    let spec = Normalise::default();
    let pooled = normalise::apply(&f, &s, &spec, Scope::Pooled).unwrap();
    assert_eq!(*pooled.values[0], vec![0.0, 25.0, 50.0, 100.0]);
    let per = normalise::apply(&f, &s, &spec, Scope::PerPeriod).unwrap();
    assert_eq!(*per.values[0], vec![0.0, 100.0, 0.0, 100.0]);
    // A constant period gives no bounds: missing, as in COINr.
    assert!(per.values[1][0].is_nan());
}

#[test]
fn panel_imputation_locf_and_linear() {
    let s = parse_structure(PANEL_META, "m.csv").unwrap();
    // Rows out of time order on purpose; B's 2021 is missing, 2023 observed, 2020 missing.
    let data = "uCode,Time,x,y\nA,2020,1,1\nA,2023,7,1\nA,2021,,1\nB,2021,,1\nB,2020,,1\nB,2023,4,1\nA,2022,,1\nB,2022,2,1\n";
    let f = parse_data(data, "d.csv", &s).unwrap();
    let locf = impute::apply(
        &f,
        &Impute {
            method: ImputeMethod::Locf,
            group: None,
        },
    )
    .unwrap();
    // A: 1, ·, ·, 7 → 1, 1, 1, 7; B: ·, ·, 2, 4 → leading gaps stay missing.
    assert_eq!(locf.values[0][2], 1.0);
    assert_eq!(locf.values[0][6], 1.0);
    assert!(locf.values[0][3].is_nan() && locf.values[0][4].is_nan());
    let lin = impute::apply(
        &f,
        &Impute {
            method: ImputeMethod::Linear,
            group: None,
        },
    )
    .unwrap();
    assert_eq!(lin.values[0][2], 3.0);
    assert_eq!(lin.values[0][6], 5.0);
    assert!(lin.values[0][3].is_nan());
    // Uneven periods: 2020 → 2023 with only 2021 missing interpolates by the year.
    let data = "uCode,Time,x,y\nA,2020,1,1\nA,2021,,1\nA,2023,7,1\n";
    let f = parse_data(data, "d.csv", &s).unwrap();
    let lin = impute::apply(
        &f,
        &Impute {
            method: ImputeMethod::Linear,
            group: None,
        },
    )
    .unwrap();
    assert_eq!(lin.values[0][1], 3.0);
}

#[test]
fn asem_panel_runs_per_period() {
    let structure = read_structure(&Path::new(DIR).join("ASEM_iMeta.csv")).unwrap();
    let frame = read_data(&Path::new(DIR).join("ASEM_iData_p.csv"), &structure).unwrap();
    let method = Method::parse(
        "[impute]\nmethod = \"mean_group\"\ngroup = \"EurAsia_group\"\n[panel]\nnormalise = \"per_period\"\n",
        "m",
    )
    .unwrap();
    let out = compute(&frame, &structure, &method).unwrap();
    assert_eq!(out.normalised.rows.periods.len(), 5);
    // Ranks run 1..=n inside every period.
    for rows in out.normalised.rows.by_period() {
        let mut ranks: Vec<u32> = rows.iter().filter_map(|&r| out.rank[r]).collect();
        ranks.sort_unstable();
        assert_eq!(ranks.first(), Some(&1));
        assert_eq!(ranks.len(), rows.len());
    }
}

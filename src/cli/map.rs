//! `towncockpit map check|import-boundaries|import-layer|import-divisions|render`: the spatial guardrails, user
//! boundary files and static maps (一图).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::table::{num, pct, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::Result;
use crate::spatial::bundled::Level;
use crate::spatial::check::AREA_LIMIT_KM2;
use crate::spatial::import::{import_boundaries, import_divisions, import_layer, ImportSummary};
use crate::spatial::view::{map_check, render_map, CheckArgs, MapLayer};
use crate::spatial::{ControlKind, DISCLAIMER, REVIEW_NUMBER};

#[derive(Debug, Args)]
pub struct MapCmd {
    #[command(subcommand)]
    action: MapAction,
}

#[derive(Debug, Subcommand)]
enum MapAction {
    /// 空间底线检查：每个小镇的椭球面积、与三条控制线的重叠面积和占比、相互重叠
    Check {
        /// 范围：330000（全省）、设区市或县（市、区）代码
        #[arg(long)]
        scope: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 导入小镇四至范围（GeoJSON 或 Shapefile；按名称或编号匹配小镇；全部通过才写入）
    ImportBoundaries { file: PathBuf },
    /// 导入控制线图层，替换同类图层（GeoJSON 或 Shapefile）
    ImportLayer {
        /// redline（生态保护红线）、farmland（永久基本农田）、urban（城镇开发边界）
        #[arg(long)]
        kind: String,
        file: PathBuf,
    },
    /// 导入设区市或县（市、区）的官方边界，替换内置边界（GeoJSON 或 Shapefile；按 adcode/code 或名称匹配；全部通过才写入）
    ImportDivisions {
        /// city（设区市）或 county（县（市、区））
        #[arg(long)]
        level: String,
        file: PathBuf,
    },
    /// 绘制静态地图（PNG 或 SVG），含审图号与示意声明
    Render {
        /// 范围：330000（全省）、设区市或县（市、区）代码
        #[arg(long)]
        scope: Option<String>,
        /// 图层：category（类别，默认）、stage（阶段）、output（总产出）、controls（三条控制线）
        #[arg(long, default_value = "category")]
        layer: String,
        /// 输出文件（.png 或 .svg）
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(cli: &Cli, cmd: &MapCmd) -> Result<()> {
    match &cmd.action {
        MapAction::Check { scope, json } => check(cli, scope.as_deref(), *json).await,
        MapAction::ImportBoundaries { file } => {
            let cockpit = open_cockpit(cli).await?;
            let s = import_boundaries(cockpit.store(), file).await?;
            report_import(&s, "个小镇的四至范围");
            Ok(())
        }
        MapAction::ImportLayer { kind, file } => {
            let kind = ControlKind::parse(kind)?;
            let cockpit = open_cockpit(cli).await?;
            let s = import_layer(cockpit.store(), kind, file).await?;
            report_import(&s, &format!("个{}图斑（已替换原图层）", kind.label()));
            Ok(())
        }
        MapAction::ImportDivisions { level, file } => {
            let level = match level.as_str() {
                "city" | "市" | "设区市" => Level::City,
                "county" | "县" | "区县" => Level::County,
                _ => {
                    return Err(crate::Error::invalid(format!(
                        "未知的层级「{level}」，可选：city（设区市）、county（县（市、区））"
                    )))
                }
            };
            let cockpit = open_cockpit(cli).await?;
            let s = import_divisions(cockpit.store(), level, file).await?;
            report_import(&s, &format!("个{}边界（已替换内置边界）", level.label()));
            Ok(())
        }
        MapAction::Render { scope, layer, out } => {
            let layer = MapLayer::parse(layer)?;
            let cockpit = open_cockpit(cli).await?;
            let spec = render_map(cockpit.store(), scope.as_deref(), layer, out).await?;
            println!(
                "已绘制「{}」→ {}{}",
                spec.title,
                out.display(),
                if spec.demo { "（示例数据）" } else { "" }
            );
            Ok(())
        }
    }
}

fn report_import(s: &ImportSummary, what: &str) {
    println!(
        "已从「{}」导入 {} {what}，合计 {} km²",
        s.file,
        s.features,
        num(s.area_km2, 2)
    );
}

async fn check(cli: &Cli, scope: Option<&str>, json: bool) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let args = CheckArgs {
        scope: scope.map(str::to_string),
        pieces: false,
    };
    let r = map_check(cockpit.store(), args).await?;
    if json {
        return print_json(&r);
    }
    let s = &r.summary;
    println!(
        "空间底线检查{}：{} 个小镇，{} 个有四至范围，{} 个存在问题",
        if r.demo { "（示例数据）" } else { "" },
        s.towns,
        s.with_boundary,
        s.flagged
    );
    println!(
        "  命名小镇面积超过 {AREA_LIMIT_KM2} km²：{}；压占生态保护红线：{}；压占永久基本农田：{}；超出城镇开发边界：{}；相互重叠：{}",
        s.over_area_limit, s.redline, s.farmland, s.urban, s.overlapping
    );
    for l in &r.layers {
        println!(
            "  图层 {}：{} 个图斑，来源：{}",
            l.label, l.polygons, l.source
        );
    }
    println!();
    let mut t = Table::new(&[
        ("编号", Align::Right),
        ("小镇", Align::Left),
        ("阶段", Align::Left),
        ("面积(km²)", Align::Right),
        ("压占红线(km²)", Align::Right),
        ("占比", Align::Right),
        ("压占基本农田(km²)", Align::Right),
        ("占比", Align::Right),
        ("开发边界外(km²)", Align::Right),
        ("占比", Align::Right),
        ("问题", Align::Left),
    ]);
    let dash = || "—".to_string();
    for c in &r.towns {
        let layer = |k: ControlKind| c.layers.iter().find(|l| l.kind == k);
        let mut row = vec![
            c.town_id.to_string(),
            c.name.clone(),
            c.stage.clone(),
            c.area_km2.map(|a| num(a, 2)).unwrap_or_else(dash),
        ];
        for k in ControlKind::ALL {
            match layer(k) {
                Some(l) => {
                    row.push(num(l.violation_km2, 3));
                    row.push(pct(l.violation_share));
                }
                None => row.extend([dash(), dash()]),
            }
        }
        row.push(if c.flags.is_empty() {
            "无".to_string()
        } else {
            c.flags.join("；")
        });
        t.row(row);
    }
    print!("{}", t.render());
    println!("\n{REVIEW_NUMBER}　{DISCLAIMER}");
    Ok(())
}

//! Templates: one .xlsx per kind, with Chinese headers (units in the headers), drop-down lists for
//! categories, stages, statuses, 是/否 and counties, an instructions sheet (每列的含义、单位、是否必填
//! and a filled-in example row) and a code sheet (counties, indicators).

use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};

use super::export::{headers, write_headers, xlsx_failed};
use super::kinds::{Field, Kind, Ty, INDICATORS_LONG};
use super::read::NOTE_SHEETS;
use crate::error::Result;
use crate::store::Store;
use crate::vocab;

/// Rows of the data sheet that carry the drop-down lists.
const LIST_ROWS: u32 = 5000;

/// An example row per kind, shown on the instructions sheet (never on the data sheet, where it
/// would be imported by mistake).
fn example(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Towns => &[
            "示例智造小镇",
            "330106",
            "高端装备制造",
            "智能装备",
            "创建",
            "正常",
            "2018-06-30",
            "2019-09-30",
            "5",
            "",
            "",
            "2019-09-30",
            "3.2",
            "120.12",
            "30.27",
        ],
        Kind::Enterprises => &[
            "91330106MA2CD4FL0X",
            "杭州示例科技有限公司",
            "示例智造小镇",
            "智能装备",
            "2016-05-12",
            "是",
            "是",
            "否",
            "是",
            "否",
            "否",
            "否",
            "是",
            "12500",
            "3100",
            "420",
            "860",
            "156",
            "35",
            "410",
        ],
        Kind::Indicators => &["示例智造小镇", "2024Q3", "总产出", "1.25", "亿元"],
    }
}

/// The template of `kind` as .xlsx bytes. Counties and indicators come from the store.
pub async fn template(store: &Store, kind: Kind) -> Result<Vec<u8>> {
    let counties: Vec<(String, String)> =
        sqlx::query_as("SELECT code, name FROM divisions WHERE level = 'county' ORDER BY code")
            .fetch_all(store.pool())
            .await?;
    let indicators: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, name, unit FROM indicators ORDER BY sort_order")
            .fetch_all(store.pool())
            .await?;
    crate::offload::cpu(move || build(kind, &counties, &indicators)).await
}

fn build(
    kind: Kind,
    counties: &[(String, String)],
    indicators: &[(String, String, String)],
) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();

    // The data sheet first: imports read the first sheet that is not a note sheet.
    let data_headers: Vec<String> = match kind {
        // The wide layout: one column per indicator, its unit in the header.
        Kind::Indicators => ["小镇名称".to_string(), "期间".to_string()]
            .into_iter()
            .chain(
                indicators
                    .iter()
                    .map(|(_, name, unit)| format!("{name}（{unit}）")),
            )
            .collect(),
        _ => headers(kind),
    };
    let ws = book.add_worksheet();
    ws.set_name(kind.label()).map_err(xlsx_failed)?;
    write_headers(ws, 0, &data_headers)?;
    ws.set_freeze_panes(1, 0).map_err(xlsx_failed)?;
    let columns: &[Field] = match kind {
        Kind::Indicators => &INDICATORS_LONG[..2],
        _ => kind.columns(),
    };
    for (c, field) in columns.iter().enumerate() {
        let list =
            match field.ty {
                Ty::Choice(terms) => Some(
                    DataValidation::new()
                        .allow_list_strings(&terms.iter().map(|t| t.name).collect::<Vec<_>>())
                        .map_err(xlsx_failed)?,
                ),
                Ty::Bool => Some(
                    DataValidation::new()
                        .allow_list_strings(&["是", "否"])
                        .map_err(xlsx_failed)?,
                ),
                Ty::County => Some(DataValidation::new().allow_list_formula(Formula::new(
                    format!("='{}'!$A$2:$A${}", NOTE_SHEETS[1], counties.len() + 1),
                ))),
                _ => None,
            };
        if let Some(list) = list {
            let list = list.set_error_message(format!(
                "「{}」应为：{}",
                field.header,
                super::validate::expected_of(field)
            ));
            let list = list.map_err(xlsx_failed)?;
            ws.add_data_validation(1, c as u16, LIST_ROWS, c as u16, &list)
                .map_err(xlsx_failed)?;
        }
    }

    // 说明: general rules, then one row per column, then the example row.
    let notes = book.add_worksheet();
    notes.set_name(NOTE_SHEETS[0]).map_err(xlsx_failed)?;
    let general = [
        format!("{}模板：在工作表「{}」第 1 行之下逐行填写，每行一条记录。", kind.label(), kind.label()),
        "表头的括号内是单位；金额列可把表头改为（亿元）或（元），面积列可改为（公顷）（亩）（km²），导入时按表头单位换算。".to_string(),
        "导入先检查全部行：任何一行有误则整个文件都不导入，并列出每个错误所在的行、列、值和应填内容。".to_string(),
        "日期可写 2024-03-05、2024/3/5、2024年3月5日 或 Excel 日期；期间可写 2024、2024Q3、2024年第三季度、2024-09。".to_string(),
    ];
    for (r, line) in general.iter().enumerate() {
        notes.write_string(r as u32, 0, line).map_err(xlsx_failed)?;
    }
    let top = general.len() as u32 + 1;
    for (c, h) in ["列名", "英文名", "单位", "必填", "说明"]
        .iter()
        .enumerate()
    {
        notes
            .write_string_with_format(top, c as u16, *h, &bold)
            .map_err(xlsx_failed)?;
    }
    let described: &[Field] = kind.columns();
    for (i, f) in described.iter().enumerate() {
        let r = top + 1 + i as u32;
        let cells = [
            f.header,
            f.name,
            f.unit.unwrap_or(""),
            if f.required { "是" } else { "否" },
            f.note,
        ];
        for (c, v) in cells.iter().enumerate() {
            notes.write_string(r, c as u16, *v).map_err(xlsx_failed)?;
        }
    }
    notes.set_column_width(0, 18).map_err(xlsx_failed)?;
    notes.set_column_width(4, 60).map_err(xlsx_failed)?;
    let mut r = top + 2 + described.len() as u32;
    if kind == Kind::Indicators {
        notes
            .write_string(r, 0, "也可用长表：每行一个数值，列为「小镇名称」「期间」「指标」「数值」「单位」（见下方示例）。")
            .map_err(xlsx_failed)?;
        r += 1;
    }
    notes
        .write_string_with_format(
            r,
            0,
            "填写示例（不要复制到数据表之外的地方；本行不会被导入）：",
            &bold,
        )
        .map_err(xlsx_failed)?;
    let example_headers = headers(kind);
    for (c, (h, v)) in example_headers.iter().zip(example(kind)).enumerate() {
        notes
            .write_string(r + 1, c as u16, h)
            .map_err(xlsx_failed)?;
        notes
            .write_string(r + 2, c as u16, *v)
            .map_err(xlsx_failed)?;
    }

    // 代码表: counties (the county drop-down's source), indicators, categories.
    let codes = book.add_worksheet();
    codes.set_name(NOTE_SHEETS[1]).map_err(xlsx_failed)?;
    type Block<'a> = (&'a str, &'a str, Vec<(String, String)>);
    let blocks: [Block; 3] = [
        ("县（市、区）代码", "名称", counties.to_vec()),
        (
            "指标代码",
            "指标名称（单位）",
            indicators
                .iter()
                .map(|(c, n, u)| (c.clone(), format!("{n}（{u}）")))
                .collect(),
        ),
        (
            "类别代码",
            "主导产业类别",
            vocab::CATEGORIES
                .iter()
                .map(|t| (t.code.to_string(), t.name.to_string()))
                .collect(),
        ),
    ];
    for (b, (h1, h2, rows)) in blocks.iter().enumerate() {
        let c = (b * 3) as u16;
        codes
            .write_string_with_format(0, c, *h1, &bold)
            .map_err(xlsx_failed)?;
        codes
            .write_string_with_format(0, c + 1, *h2, &bold)
            .map_err(xlsx_failed)?;
        for (i, (a, n)) in rows.iter().enumerate() {
            codes
                .write_string(i as u32 + 1, c, a)
                .map_err(xlsx_failed)?;
            codes
                .write_string(i as u32 + 1, c + 1, n)
                .map_err(xlsx_failed)?;
        }
        codes.set_column_width(c + 1, 24).map_err(xlsx_failed)?;
    }
    book.save_to_buffer().map_err(xlsx_failed)
}

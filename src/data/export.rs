//! Exports: a kind's rows from the store in its import layout (the template's headers, units in
//! the headers, the data's as-of date above them), as .xlsx or CSV (UTF-8 with BOM, which Excel
//! opens as Chinese). An export imports back unchanged.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use super::import::values_of;
use super::kinds::{Field, Kind, Ty};
use super::read::format_number;
use super::validate::Value;
use crate::error::{Error, Result};
use crate::store::Store;

/// One exported cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Empty,
    Text(String),
    Number(f64),
}

/// A kind's rows, ready to write.
pub struct Sheet {
    pub kind: Kind,
    /// The line above the headers: what, and as of when.
    pub title: String,
    pub as_of: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Out>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Csv,
}

impl FileFormat {
    /// The format a file name asks for.
    pub fn of(file: &str) -> Result<FileFormat> {
        let ext = file.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" => Ok(FileFormat::Xlsx),
            "csv" => Ok(FileFormat::Csv),
            _ => Err(Error::invalid(format!(
                "导出文件「{file}」的扩展名应为 .xlsx 或 .csv"
            ))),
        }
    }
}

/// Headers of a kind as exports and templates write them.
pub fn headers(kind: Kind) -> Vec<String> {
    match kind {
        Kind::Indicators => super::kinds::INDICATORS_LONG
            .iter()
            .map(Field::full_header)
            .collect(),
        _ => kind.columns().iter().map(Field::full_header).collect(),
    }
}

/// Reads a kind's rows from the store.
pub async fn sheet(store: &Store, kind: Kind) -> Result<Sheet> {
    let as_of = store
        .meta("as_of")
        .await?
        .unwrap_or_else(|| chrono::Local::now().format("%Y-%m-%d").to_string());
    let rows: Vec<Vec<Out>> = match kind {
        Kind::Indicators => {
            let rows = sqlx::query(
                "SELECT t.name, v.year, v.quarter, i.name, v.value, i.unit
                 FROM indicator_values v JOIN towns t ON t.id = v.town_id
                 JOIN indicators i ON i.code = v.indicator_code
                 ORDER BY t.id, v.year, v.quarter, i.sort_order",
            )
            .fetch_all(store.pool())
            .await?;
            rows.iter()
                .map(|r| {
                    let v = values_of(r)?;
                    let period = format!("{}Q{}", v[1].text(), v[2].text());
                    Ok(vec![
                        out(&v[0]),
                        Out::Text(period),
                        out(&v[3]),
                        out(&v[4]),
                        out(&v[5]),
                    ])
                })
                .collect::<Result<_>>()?
        }
        _ => {
            let table = kind.table();
            let select: Vec<String> = table
                .columns
                .iter()
                .map(|c| match *c {
                    "town_id" => "(SELECT name FROM towns t WHERE t.id = x.town_id)".to_string(),
                    c => c.to_string(),
                })
                .collect();
            let sql = format!(
                "SELECT {} FROM {} x ORDER BY x.rowid",
                select.join(", "),
                table.table
            );
            let rows = sqlx::query(&sql).fetch_all(store.pool()).await?;
            rows.iter()
                .map(|r| {
                    let v = values_of(r)?;
                    Ok(kind
                        .columns()
                        .iter()
                        .zip(&v)
                        .map(|(f, v)| cell(f, v))
                        .collect())
                })
                .collect::<Result<_>>()?
        }
    };
    Ok(Sheet {
        kind,
        title: format!(
            "{}（特色小镇驾驶舱导出，数据截至 {as_of}，单位见各列表头）",
            kind.label()
        ),
        as_of,
        headers: headers(kind),
        rows,
    })
}

fn out(v: &Value) -> Out {
    match v {
        Value::Null => Out::Empty,
        Value::Int(i) => Out::Number(*i as f64),
        Value::Real(r) => Out::Number(*r),
        Value::Text(t) => Out::Text(t.clone()),
    }
}

fn cell(field: &Field, v: &Value) -> Out {
    match (field.ty, v) {
        (Ty::Bool, Value::Int(i)) => Out::Text(if *i == 1 { "是" } else { "否" }.into()),
        _ => out(v),
    }
}

/// The sheet as CSV bytes: UTF-8 with BOM, the title line, the headers, the rows.
pub fn csv_bytes(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let failed = |e: csv::Error| Error::invalid(format!("CSV 写出失败：{e}"));
    w.write_record([sheet.title.as_str()]).map_err(failed)?;
    w.write_record(&sheet.headers).map_err(failed)?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Out::Empty => String::new(),
            Out::Text(t) => t.clone(),
            Out::Number(n) => format_number(*n),
        }))
        .map_err(failed)?;
    }
    w.into_inner()
        .map_err(|e| Error::invalid(format!("CSV 写出失败：{e}")))
}

pub(crate) fn xlsx_failed(e: XlsxError) -> Error {
    Error::invalid(format!("Excel 文件写出失败：{e}"))
}

/// Writes a header row in bold at `row`.
pub(crate) fn write_headers(ws: &mut Worksheet, row: u32, headers: &[String]) -> Result<()> {
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, h, &bold)
            .map_err(xlsx_failed)?;
        ws.set_column_width(c as u16, (h.chars().count() as f64 * 2.2).max(10.0))
            .map_err(xlsx_failed)?;
    }
    Ok(())
}

/// The sheet as an .xlsx workbook: the title in row 1, headers in row 2, data from row 3.
pub fn xlsx_bytes(sheet: &Sheet) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet.kind.label()).map_err(xlsx_failed)?;
    ws.write_string(0, 0, &sheet.title).map_err(xlsx_failed)?;
    write_headers(ws, 1, &sheet.headers)?;
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, v) in row.iter().enumerate() {
            let c = c as u16;
            match v {
                Out::Empty => {}
                Out::Text(t) => {
                    ws.write_string(r, c, t).map_err(xlsx_failed)?;
                }
                Out::Number(n) => {
                    ws.write_number(r, c, *n).map_err(xlsx_failed)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(xlsx_failed)
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub kind: Kind,
    pub file: String,
    pub rows: usize,
    pub as_of: String,
}

/// The sheet's bytes in `format`.
pub fn bytes(sheet: &Sheet, format: FileFormat) -> Result<Vec<u8>> {
    match format {
        FileFormat::Xlsx => xlsx_bytes(sheet),
        FileFormat::Csv => csv_bytes(sheet),
    }
}

/// Exports a kind to `path` (.xlsx or .csv by its extension).
pub async fn export_to(store: &Store, kind: Kind, path: &Path) -> Result<Exported> {
    let format = FileFormat::of(&path.to_string_lossy())?;
    let sheet = sheet(store, kind).await?;
    let rows = sheet.rows.len();
    let as_of = sheet.as_of.clone();
    let data = crate::offload::cpu(move || bytes(&sheet, format)).await?;
    std::fs::write(path, data).map_err(|e| Error::io(path, e))?;
    Ok(Exported {
        kind,
        file: path.display().to_string(),
        rows,
        as_of,
    })
}

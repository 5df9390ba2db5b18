//! 数据: data in and out. Templates per kind of table, validated all-or-nothing imports from Excel
//! workbooks and CSV files (any common Chinese encoding), undoable import batches, and exports in
//! the same layout, so an export imports back unchanged.
//!
//! One file per job: `kinds` (each kind's columns), `read` (workbooks and CSV, as rows of cells),
//! `units` (units declared in a header), `period` (periods and dates), `validate` (a cell to a
//! stored value, with the Chinese reason when it cannot be), `import` (dry run, one transaction,
//! batches and undo), `export`, `template`.

pub mod export;
pub mod import;
pub mod kinds;
pub mod package;
pub mod period;
pub mod read;
pub mod template;
pub mod units;
pub mod validate;

pub use import::{import, undo, ImportOptions, Report};
pub use kinds::Kind;

/// Where a value sits in a user's file, and what is wrong with it; every refusal names all five.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    pub file: String,
    /// The worksheet; `None` for a CSV file.
    pub sheet: Option<String>,
    /// The row as the user's program numbers it (1 = the first line).
    pub row: usize,
    /// The column's header as written in the file.
    pub column: String,
    pub value: String,
    /// What is wrong and what was expected, in Chinese.
    pub problem: String,
    pub expected: String,
    pub message: String,
}

impl RowError {
    pub fn new(
        place: &Place,
        row: usize,
        column: &str,
        value: &str,
        problem: impl Into<String>,
        expected: impl Into<String>,
    ) -> RowError {
        let (problem, expected) = (problem.into(), expected.into());
        let shown = if value.is_empty() {
            "为空".to_string()
        } else {
            format!("值「{value}」{problem}")
        };
        let message = format!(
            "{}第 {row} 行「{column}」列：{shown}，应为{expected}",
            place.describe()
        );
        RowError {
            file: place.file.clone(),
            sheet: place.sheet.clone(),
            row,
            column: column.to_string(),
            value: value.to_string(),
            problem,
            expected,
            message,
        }
    }
}

/// A file and, in a workbook, the sheet being read.
#[derive(Debug, Clone)]
pub struct Place {
    pub file: String,
    pub sheet: Option<String>,
}

impl Place {
    /// 「文件「a.xlsx」工作表「企业」」 or 「文件「a.csv」」.
    pub fn describe(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("文件「{}」工作表「{sheet}」", self.file),
            None => format!("文件「{}」", self.file),
        }
    }
}

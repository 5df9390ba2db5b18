//! Imports: a file read as a stream and validated row by row; a dry run that says what would be
//! added, changed and refused; then one transaction, all rows or none, recorded as an undoable
//! import batch (file name, SHA-256, time, counts).
//!
//! The dry run does the same writes inside the transaction and rolls them back, so its counts are
//! the real ones. A file with any refused row changes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Row, Sqlite, SqliteConnection, TypeInfo, ValueRef};

use super::kinds::{self, Field, Kind, StoreTable, Ty};
use super::read::{self, Cell, Input, RawRow};
use super::units::{split_header, Conversion};
use super::validate::{self, Reference, Value};
use super::{Place, RowError};
use crate::error::{Error, Result};
use crate::store::{self, Store};

/// Refusals listed in a report (all are counted).
pub const ERRORS_SHOWN: usize = 1000;
/// Rows searched for the header line (titles and notes may stand above it).
const HEADER_SEARCH_ROWS: usize = 10;
/// Rows handed from the reading thread to the writer at a time.
const CHUNK_ROWS: usize = 2000;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// `None`: detected from the header.
    pub kind: Option<Kind>,
    /// The name messages and the batch record use (the path's file name, or an upload's name).
    pub file_name: String,
    pub dry_run: bool,
}

/// How a column of the file was understood.
#[derive(Debug, Clone, Serialize)]
pub struct Mapped {
    /// 1-based column number.
    pub column: usize,
    pub header: String,
    /// The store field (English) it fills; `None` when the column is not used.
    pub field: Option<String>,
    /// The field's Chinese name.
    pub label: Option<String>,
    /// The unit the header declares, when it is converted to the store's.
    pub converted_from: Option<String>,
}

/// What an import did, or (dry run, or any row refused) would do.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: Kind,
    /// Indicators: 「宽表」 (one column per indicator) or 「长表」 (one value a row).
    pub layout: Option<&'static str>,
    pub file: String,
    pub sheet: Option<String>,
    pub encoding: Option<String>,
    pub sha256: String,
    pub header_row: usize,
    pub mapping: Vec<Mapped>,
    /// Data rows read (empty rows skipped).
    pub rows: usize,
    /// Stored values written: rows for towns and enterprises, values for indicators.
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Rows refused; when above 0 nothing was imported.
    pub refused: usize,
    /// The first [`ERRORS_SHOWN`] refusals.
    pub errors: Vec<RowError>,
    pub dry_run: bool,
    pub committed: bool,
    pub batch: Option<i64>,
    /// The backup made before the import.
    pub backup: Option<String>,
}

impl Report {
    /// A one-paragraph Chinese summary.
    pub fn summary(&self) -> String {
        let what = format!(
            "「{}」（{}）：{} 行数据，新增 {}，修改 {}，不变 {}，拒绝 {} 行",
            self.file,
            self.kind.label(),
            self.rows,
            self.added,
            self.changed,
            self.unchanged,
            self.refused
        );
        if self.committed {
            format!("已导入{what}，导入批次 {}", self.batch.unwrap_or_default())
        } else if self.refused > 0 {
            format!("未导入任何数据：{what}")
        } else {
            format!("试运行（未写入）{what}")
        }
    }
}

/// The SHA-256 of the input, hex.
pub(crate) fn sha256_of(input: &Input) -> Result<String> {
    let mut hasher = Sha256::new();
    match input {
        Input::Bytes(b) => hasher.update(b),
        Input::Path(p) => {
            use std::io::Read;
            let mut f = std::fs::File::open(p).map_err(|e| Error::io(p, e))?;
            let mut buf = vec![0u8; 1 << 16];
            loop {
                match f.read(&mut buf).map_err(|e| Error::io(p, e))? {
                    0 => break,
                    n => hasher.update(&buf[..n]),
                }
            }
        }
    }
    Ok(data_encoding::HEXLOWER.encode(&hasher.finalize()))
}

/// Imports one file: validated whole; written in one transaction only when no row is refused
/// and this is not a dry run; a backup of the database is made first.
pub async fn import(store: &Store, options: ImportOptions, input: Input) -> Result<Report> {
    let (input, sha) = crate::offload::cpu(move || {
        let sha = sha256_of(&input)?;
        Ok((input, sha))
    })
    .await?;
    let backup = if options.dry_run {
        None
    } else {
        Some(store.backup_before("import").await?)
    };
    let mut tx = store.pool().begin().await?;
    let batch = open_batch(&mut tx, &options.file_name, &sha).await?;
    let mut report = import_into(&mut tx, &options, input, sha, batch).await?;
    report.backup = backup.map(|p| p.display().to_string());
    if report.refused == 0 && !options.dry_run {
        let counts = Counts::of(std::slice::from_ref(&report));
        let (kind, table) = (report.kind.name(), report.kind.table().table);
        finish_batch(
            &mut tx,
            batch,
            kind,
            table,
            &report.file,
            &report.sha256,
            counts,
        )
        .await?;
        tx.commit().await?;
        report.committed = true;
        report.batch = Some(batch);
    } else {
        tx.rollback().await?;
    }
    Ok(report)
}

/// Starts a batch record inside the transaction (its kind and counts are set at the end).
pub(crate) async fn open_batch(conn: &mut SqliteConnection, file: &str, sha: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO import_batches (kind, file_name, sha256, at, rows, added, changed, unchanged, source)
         VALUES ('', ?, ?, ?, 0, 0, 0, 0, ?) RETURNING id",
    )
    .bind(file)
    .bind(sha)
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .bind(store::actor(&format!("导入 {file}")))
    .fetch_one(&mut *conn)
    .await?)
}

/// A batch's counts, summed over the files it imported.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub rows: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

impl Counts {
    pub fn of(reports: &[Report]) -> Counts {
        reports.iter().fold(Counts::default(), |c, r| Counts {
            rows: c.rows + r.rows,
            added: c.added + r.added,
            changed: c.changed + r.changed,
            unchanged: c.unchanged + r.unchanged,
        })
    }
}

/// Completes a batch before its commit: its kind and counts, the audit entry, the demo mark.
pub(crate) async fn finish_batch(
    conn: &mut SqliteConnection,
    batch: i64,
    kind: &str,
    table: &str,
    file: &str,
    sha: &str,
    counts: Counts,
) -> Result<()> {
    sqlx::query(
        "UPDATE import_batches SET kind = ?, rows = ?, added = ?, changed = ?, unchanged = ? WHERE id = ?",
    )
    .bind(kind)
    .bind(counts.rows as i64)
    .bind(counts.added as i64)
    .bind(counts.changed as i64)
    .bind(counts.unchanged as i64)
    .bind(batch)
    .execute(&mut *conn)
    .await?;
    store::audit(
        conn,
        "import",
        table,
        Some(&batch.to_string()),
        (counts.added + counts.changed) as i64,
        &serde_json::json!({
            "batch": batch, "file": file, "sha256": sha,
            "added": counts.added, "changed": counts.changed, "unchanged": counts.unchanged,
        })
        .to_string(),
        &store::actor(&format!("导入 {file}")),
    )
    .await?;
    refresh_demo_flag(conn).await
}

/// `meta.demo` says whether the figures shown include demo rows: after an import or an undo it
/// is 1 exactly while a demo town, value or enterprise remains.
async fn refresh_demo_flag(conn: &mut SqliteConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('demo',
            CASE WHEN EXISTS (SELECT 1 FROM towns WHERE is_demo = 1)
                   OR EXISTS (SELECT 1 FROM indicator_values WHERE is_demo = 1)
                   OR EXISTS (SELECT 1 FROM enterprises WHERE is_demo = 1)
                 THEN '1' ELSE '0' END)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Reads, validates and writes one file inside the caller's transaction; the caller commits
/// only when nothing was refused.
pub(crate) async fn import_into(
    conn: &mut SqliteConnection,
    options: &ImportOptions,
    input: Input,
    sha: String,
    batch: i64,
) -> Result<Report> {
    let reference = Arc::new(Reference::load(&mut *conn).await?);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(4);
    let file = options.file_name.clone();
    let want = options.kind;
    let reading = {
        let reference = reference.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = read_file(&file, input, want, &reference, &tx) {
                let _ = tx.blocking_send(Msg::Failed(e));
            }
        })
    };

    let header = match rx.recv().await {
        Some(Msg::Header(h)) => h,
        Some(Msg::Failed(e)) => return Err(e),
        _ => {
            return Err(Error::invalid(format!(
                "文件「{}」没有可读的内容",
                options.file_name
            )))
        }
    };
    let table = header.layout.kind.table();
    let sql = Sql::new(table);
    let mut report = Report {
        kind: header.layout.kind,
        layout: header.layout.layout_name(),
        file: options.file_name.clone(),
        sheet: header.place.sheet.clone(),
        encoding: header.encoding,
        sha256: sha,
        header_row: header.row,
        mapping: header.mapping,
        rows: 0,
        added: 0,
        changed: 0,
        unchanged: 0,
        refused: 0,
        errors: Vec::new(),
        dry_run: options.dry_run,
        committed: false,
        batch: None,
        backup: None,
    };
    let source = format!("导入：{}", options.file_name);
    while let Some(msg) = rx.recv().await {
        let rows = match msg {
            Msg::Rows(rows) => rows,
            Msg::Failed(e) => return Err(e),
            Msg::Header(_) => unreachable!("one header a file"),
        };
        for row in rows {
            report.rows += 1;
            if !row.errors.is_empty() {
                report.refused += 1;
                let room = ERRORS_SHOWN.saturating_sub(report.errors.len());
                report.errors.extend(row.errors.into_iter().take(room));
                continue;
            }
            // Once a row is refused nothing will be kept: only validation goes on.
            if report.refused > 0 {
                continue;
            }
            for values in row.records {
                match write(conn, &sql, table, batch, &values, &source).await? {
                    Outcome::Added => report.added += 1,
                    Outcome::Changed => report.changed += 1,
                    Outcome::Unchanged => report.unchanged += 1,
                }
            }
        }
    }
    reading
        .await
        .map_err(|e| Error::invalid(format!("读取文件的任务被中止：{e}")))?;
    Ok(report)
}

enum Msg {
    Header(Header),
    Rows(Vec<ParsedRow>),
    Failed(Error),
}

struct Header {
    place: Place,
    encoding: Option<String>,
    row: usize,
    layout: Layout,
    mapping: Vec<Mapped>,
}

struct ParsedRow {
    records: Vec<Vec<Value>>,
    errors: Vec<RowError>,
}

/// How a file's columns map to a kind's fields.
#[derive(Clone)]
pub(crate) struct Layout {
    pub kind: Kind,
    /// (column index, field, conversion from the header's unit).
    columns: Vec<(usize, &'static Field, Conversion)>,
    /// The wide indicator layout: (column index, indicator code, conversion).
    wide: Vec<(usize, String, Conversion)>,
    /// The long indicator layout's unit column.
    unit_column: Option<usize>,
}

impl Layout {
    fn layout_name(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Indicators if !self.wide.is_empty() => Some("宽表"),
            Kind::Indicators => Some("长表"),
            _ => None,
        }
    }
}

/// The header text of a cell, without spaces.
fn header_text(cell: &Cell) -> String {
    cell.shown()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect()
}

/// The field of `fields` a header names (Chinese header, with or without its unit, or the
/// English name), and the unit the header declares.
fn match_field(fields: &'static [Field], header: &str) -> Option<(&'static Field, Option<String>)> {
    let exact = fields.iter().find(|f| {
        f.header == header || f.full_header() == header || f.name.eq_ignore_ascii_case(header)
    });
    if let Some(f) = exact {
        return Some((f, None));
    }
    let (name, unit) = split_header(header);
    fields
        .iter()
        .find(|f| f.header == name || f.name.eq_ignore_ascii_case(&name))
        .map(|f| (f, unit))
}

/// Tries `row` as the header of `kind`: `Ok(None)` when it is not that kind's header at all,
/// `Err(message)` when it is but cannot be used (a missing column, a unit that does not convert).
fn try_header(
    kind: Kind,
    row: &RawRow,
    reference: &Reference,
) -> std::result::Result<Option<(Layout, Vec<Mapped>)>, String> {
    let headers: Vec<String> = row.cells.iter().map(header_text).collect();
    let mut layout = Layout {
        kind,
        columns: Vec::new(),
        wide: Vec::new(),
        unit_column: None,
    };
    let mut mapping = Vec::new();
    let mut problems = Vec::new();
    let wide_possible = kind == Kind::Indicators
        && !headers.iter().any(|h| {
            match_field(kinds::INDICATORS_LONG, h).is_some_and(|(f, _)| f.name == "value")
        });
    let fields = if wide_possible {
        kinds::INDICATORS_WIDE
    } else {
        kind.columns()
    };
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        let mut mapped = Mapped {
            column: i + 1,
            header: h.clone(),
            field: None,
            label: None,
            converted_from: None,
        };
        if let Some((field, unit)) = match_field(fields, h) {
            if layout.columns.iter().any(|(_, f, _)| f.name == field.name) {
                problems.push(format!(
                    "「{}」列出现了两次（第 {} 列）",
                    field.header,
                    i + 1
                ));
            }
            let measure = match field.ty {
                Ty::Real { measure, .. } => measure,
                _ => None,
            };
            match validate::header_conversion(unit.as_deref(), field.unit, measure) {
                Ok(conv) => {
                    if !conv.is_identity() {
                        mapped.converted_from = unit.clone();
                    }
                    if field.ty == Ty::Unit {
                        layout.unit_column = Some(i);
                    } else {
                        layout.columns.push((i, field, conv));
                    }
                }
                Err(why) => {
                    problems.push(format!("第 {} 列「{h}」：{why}", i + 1));
                    // Present, if unusable: not also reported missing.
                    layout.columns.push((i, field, Conversion::IDENTITY));
                }
            }
            mapped.field = Some(field.name.to_string());
            mapped.label = Some(field.header.to_string());
        } else if wide_possible {
            let (name, unit) = split_header(h);
            if let Some(ind) = reference
                .indicator(&name)
                .or_else(|| reference.indicator(h))
            {
                match validate::header_conversion(unit.as_deref(), Some(&ind.unit), None) {
                    Ok(conv) => {
                        if !conv.is_identity() {
                            mapped.converted_from = unit.clone();
                        }
                        layout.wide.push((i, ind.code.clone(), conv));
                    }
                    Err(why) => problems.push(format!("第 {} 列「{h}」：{why}", i + 1)),
                }
                mapped.field = Some(ind.code.clone());
                mapped.label = Some(ind.name.clone());
            }
        }
        mapping.push(mapped);
    }
    let found = layout.columns.len() + layout.wide.len();
    // A header row names at least two of the kind's columns.
    if found < 2 {
        return Ok(None);
    }
    let missing: Vec<String> = fields
        .iter()
        .filter(|f| f.required && !layout.columns.iter().any(|(_, c, _)| c.name == f.name))
        .map(|f| format!("「{}」", f.full_header()))
        .collect();
    if !missing.is_empty() {
        problems.insert(0, format!("缺少必填列 {}", missing.join("")));
    }
    if wide_possible && layout.wide.is_empty() && problems.is_empty() {
        problems.push("没有指标列：宽表应在「小镇名称」「期间」之后每列一个指标（如「总产出（万元）」），长表应有「指标」「数值」列".into());
    }
    if problems.is_empty() {
        Ok(Some((layout, mapping)))
    } else {
        Err(problems.join("；"))
    }
}

/// Finds the header among the first rows; returns it and the data rows read past it.
fn find_header(
    table: &mut read::Table,
    want: Option<Kind>,
    reference: &Reference,
) -> Result<(usize, Layout, Vec<Mapped>, Vec<RawRow>)> {
    let kinds: Vec<Kind> = want.map(|k| vec![k]).unwrap_or_else(|| Kind::ALL.to_vec());
    let mut seen = Vec::new();
    for _ in 0..HEADER_SEARCH_ROWS {
        let Some(row) = table.rows.next() else { break };
        let row = row?;
        let mut best: Option<(usize, Layout, Vec<Mapped>)> = None;
        for kind in &kinds {
            match try_header(*kind, &row, reference) {
                Ok(Some((layout, mapping))) => {
                    let score = layout.columns.len() + layout.wide.len();
                    if best.as_ref().is_none_or(|b| score > b.0) {
                        best = Some((score, layout, mapping));
                    }
                }
                Ok(None) => {}
                Err(why) if want.is_some() => {
                    return Err(Error::invalid(format!(
                        "{}第 {} 行（表头）：{why}。可下载「{}」模板对照",
                        table.place.describe(),
                        row.number,
                        kinds[0].label()
                    )))
                }
                Err(_) => {}
            }
        }
        if let Some((_, layout, mapping)) = best {
            return Ok((row.number, layout, mapping, seen));
        }
        seen.push(row);
    }
    let expected = kinds
        .iter()
        .map(|k| {
            let cols: Vec<String> = k
                .columns()
                .iter()
                .filter(|f| f.required)
                .map(|f| format!("「{}」", f.header))
                .collect();
            format!("{}（{}）", k.label(), cols.join(""))
        })
        .collect::<Vec<_>>()
        .join("或");
    Err(Error::invalid(format!(
        "{}前 {HEADER_SEARCH_ROWS} 行中找不到表头：应有一行列名，包含{expected}。可下载模板对照",
        table.place.describe()
    )))
}

/// The reading thread: header, then rows in chunks, validated against `reference` and against
/// each other (a key twice in the file is refused at its second row).
fn read_file(
    file: &str,
    input: Input,
    want: Option<Kind>,
    reference: &Reference,
    tx: &tokio::sync::mpsc::Sender<Msg>,
) -> Result<()> {
    let mut table = read::open(file, input)?;
    let (row, layout, mapping, _) = find_header(&mut table, want, reference)?;
    let place = table.place.clone();
    let header_cells = mapping.clone();
    if tx
        .blocking_send(Msg::Header(Header {
            place: place.clone(),
            encoding: table.encoding.clone(),
            row,
            layout: layout.clone(),
            mapping,
        }))
        .is_err()
    {
        return Ok(());
    }
    let header_of = |i: usize| {
        header_cells
            .iter()
            .find(|m| m.column == i + 1)
            .map(|m| m.header.clone())
            .unwrap_or_default()
    };
    let key_at: Vec<usize> = layout
        .kind
        .table()
        .key
        .iter()
        .map(|k| {
            layout
                .kind
                .table()
                .columns
                .iter()
                .position(|c| c == k)
                .expect("key column")
        })
        .collect();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
    for raw in table.rows.by_ref() {
        let raw = raw?;
        if raw.cells.iter().all(Cell::is_empty) {
            continue;
        }
        let mut parsed = parse_row(&layout, &place, &raw, reference, &header_of);
        for values in &parsed.records {
            let key: String = key_at
                .iter()
                .map(|&k| values[k].text())
                .collect::<Vec<_>>()
                .join("\u{1f}");
            if let Some(first) = first_seen.get(&key) {
                let (column, shown) = key_column(&layout, &raw, &header_of);
                parsed.errors.push(RowError::new(
                    &place,
                    raw.number,
                    &column,
                    &shown,
                    format!("与第 {first} 行重复"),
                    duplicate_expectation(layout.kind),
                ));
                break;
            }
            first_seen.insert(key, raw.number);
        }
        chunk.push(parsed);
        if chunk.len() == CHUNK_ROWS
            && tx
                .blocking_send(Msg::Rows(std::mem::replace(
                    &mut chunk,
                    Vec::with_capacity(CHUNK_ROWS),
                )))
                .is_err()
        {
            return Ok(());
        }
    }
    if !chunk.is_empty() {
        let _ = tx.blocking_send(Msg::Rows(chunk));
    }
    Ok(())
}

fn duplicate_expectation(kind: Kind) -> &'static str {
    match kind {
        Kind::Towns => "文件中唯一的小镇名称",
        Kind::Enterprises => "文件中唯一的统一社会信用代码",
        Kind::Indicators => "同一小镇、期间和指标在文件中只出现一次",
    }
}

/// The column that identifies a row, for a duplicate's message: its header and the row's value.
fn key_column(
    layout: &Layout,
    raw: &RawRow,
    header_of: &dyn Fn(usize) -> String,
) -> (String, String) {
    let first_key = layout.kind.table().key[0];
    let (i, _, _) = layout
        .columns
        .iter()
        .find(|(_, f, _)| f.name == first_key)
        .or_else(|| layout.columns.first())
        .expect("a layout has columns");
    let shown = raw.cells.get(*i).map(Cell::shown).unwrap_or_default();
    (header_of(*i), shown)
}

/// Validates one row into store records (one for towns and enterprises; one per value for
/// indicators) or the reasons it is refused.
fn parse_row(
    layout: &Layout,
    place: &Place,
    raw: &RawRow,
    reference: &Reference,
    header_of: &dyn Fn(usize) -> String,
) -> ParsedRow {
    let mut errors = Vec::new();
    let empty = Cell::Empty;
    let cell = |i: usize| raw.cells.get(i).unwrap_or(&empty);
    let refuse = |i: usize, bad: validate::Bad| {
        RowError::new(
            place,
            raw.number,
            &header_of(i),
            &cell(i).shown(),
            bad.problem,
            bad.expected,
        )
    };
    let mut fields: HashMap<&'static str, Value> = HashMap::new();
    let mut period = None;
    for (i, field, conv) in &layout.columns {
        let converted = if field.ty == Ty::Period {
            validate::period_of(cell(*i)).map(|p| period = Some(p))
        } else {
            validate::convert(cell(*i), field, *conv, reference).map(|v| {
                fields.insert(field.name, v);
            })
        };
        if let Err(bad) = converted {
            errors.push(refuse(*i, bad));
        }
    }
    let mut records = Vec::new();
    match layout.kind {
        Kind::Towns | Kind::Enterprises => {
            if errors.is_empty() {
                records.push(
                    layout
                        .kind
                        .table()
                        .columns
                        .iter()
                        .map(|c| fields.remove(c).unwrap_or(Value::Null))
                        .collect(),
                );
            }
        }
        Kind::Indicators => {
            let town = fields.get("town_id").cloned();
            let mut values: Vec<(String, Value)> = Vec::new();
            if layout.wide.is_empty() {
                // Long: the value's unit is the unit column's, else the indicator's own.
                if let (Some(Value::Text(code)), Some(Value::Real(v))) =
                    (fields.get("indicator_code"), fields.get("value"))
                {
                    let ind = reference.indicator(code).expect("validated indicator");
                    let unit = layout.unit_column.map(|u| cell(u).shown());
                    match validate::header_conversion(unit.as_deref(), Some(&ind.unit), None) {
                        Ok(conv) => values.push((code.clone(), Value::Real(conv.apply(*v)))),
                        Err(why) => {
                            let u = layout.unit_column.expect("a unit was given");
                            errors.push(RowError::new(
                                place,
                                raw.number,
                                &header_of(u),
                                &cell(u).shown(),
                                format!("不适用于指标「{}」", ind.name),
                                why.split_once('，')
                                    .map(|(_, e)| e.trim_start_matches("应为").to_string())
                                    .unwrap_or_else(|| format!("「{}」", ind.unit)),
                            ))
                        }
                    }
                }
            } else {
                for (i, code, conv) in &layout.wide {
                    let c = cell(*i);
                    if c.is_empty() {
                        continue;
                    }
                    let field = Field {
                        name: "value",
                        header: "",
                        unit: None,
                        ty: kinds::INDICATORS_LONG[3].ty,
                        required: false,
                        note: "",
                    };
                    match validate::convert(c, &field, *conv, reference) {
                        Ok(v) => values.push((code.clone(), v)),
                        Err(bad) => errors.push(refuse(*i, bad)),
                    }
                }
            }
            if let (true, Some(town), Some(p)) = (errors.is_empty(), town, period) {
                for (code, v) in values {
                    records.push(vec![
                        Value::Text(code),
                        Value::Int(p.year),
                        Value::Int(p.quarter),
                        town.clone(),
                        v,
                    ]);
                }
            }
        }
    }
    ParsedRow { records, errors }
}

/// The statements of one store table, built once per import.
pub(crate) struct Sql {
    select: String,
    insert: String,
    update: String,
    restore: String,
    delete: String,
    key_at: Vec<usize>,
    width: usize,
}

impl Sql {
    pub(crate) fn new(t: &StoreTable) -> Sql {
        let cols = t.columns.join(", ");
        let key_where = t
            .key
            .iter()
            .map(|k| format!("{k} = ?"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let set = t
            .columns
            .iter()
            .map(|c| format!("{c} = ?"))
            .collect::<Vec<_>>()
            .join(", ");
        let marks = vec!["?"; t.columns.len()].join(", ");
        let (src_col, src_set, src_mark) = if t.source {
            (", source", ", source = ?", ", ?")
        } else {
            ("", "", "")
        };
        Sql {
            select: format!(
                "SELECT {cols}, is_demo{src_col} FROM {} WHERE {key_where}",
                t.table
            ),
            insert: format!(
                "INSERT INTO {} ({cols}, is_demo{src_col}) VALUES ({marks}, 0{src_mark})",
                t.table
            ),
            update: format!(
                "UPDATE {} SET {set}, is_demo = 0{src_set} WHERE {key_where}",
                t.table
            ),
            restore: format!(
                "UPDATE {} SET {set}, is_demo = ?{src_set} WHERE {key_where}",
                t.table
            ),
            delete: format!("DELETE FROM {} WHERE {key_where}", t.table),
            key_at: t
                .key
                .iter()
                .map(|k| t.columns.iter().position(|c| c == k).expect("key column"))
                .collect(),
            width: t.columns.len(),
        }
    }

    fn key(&self, values: &[Value]) -> Vec<Value> {
        self.key_at.iter().map(|&i| values[i].clone()).collect()
    }
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

fn bind<'q>(q: Query<'q>, v: &'q Value) -> Query<'q> {
    match v {
        Value::Null => q.bind(None::<i64>),
        Value::Int(i) => q.bind(*i),
        Value::Real(r) => q.bind(*r),
        Value::Text(t) => q.bind(t.as_str()),
    }
}

fn bind_all<'q>(mut q: Query<'q>, values: &'q [Value]) -> Query<'q> {
    for v in values {
        q = bind(q, v);
    }
    q
}

pub(crate) fn values_of(row: &SqliteRow) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(Value::Null);
            }
            let ty = raw.type_info().name().to_string();
            Ok(match ty.as_str() {
                "INTEGER" => Value::Int(row.try_get(i)?),
                "REAL" => Value::Real(row.try_get(i)?),
                _ => Value::Text(row.try_get(i)?),
            })
        })
        .collect()
}

enum Outcome {
    Added,
    Changed,
    Unchanged,
}

/// Writes one record: inserted when its key is new, updated when its values (or its demo mark)
/// differ; the batch keeps what undo needs.
async fn write(
    conn: &mut SqliteConnection,
    sql: &Sql,
    table: &StoreTable,
    batch: i64,
    values: &[Value],
    source: &str,
) -> Result<Outcome> {
    let key = sql.key(values);
    let previous = bind_all(sqlx::query(&sql.select), &key)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| values_of(&row))
        .transpose()?;
    let key_json = serde_json::to_string(&key).expect("values serialise");
    let outcome = match &previous {
        None => {
            let mut q = bind_all(sqlx::query(&sql.insert), values);
            if table.source {
                q = q.bind(source);
            }
            q.execute(&mut *conn).await?;
            Outcome::Added
        }
        Some(prev) => {
            let same = prev[..sql.width].iter().zip(values).all(|(a, b)| a.same(b));
            if same && prev[sql.width] == Value::Int(0) {
                return Ok(Outcome::Unchanged);
            }
            let mut q = bind_all(sqlx::query(&sql.update), values);
            if table.source {
                q = q.bind(source);
            }
            bind_all(q, &key).execute(&mut *conn).await?;
            Outcome::Changed
        }
    };
    sqlx::query(
        "INSERT INTO import_batch_rows (batch_id, table_name, row_key, previous) VALUES (?, ?, ?, ?)",
    )
    .bind(batch)
    .bind(table.table)
    .bind(key_json)
    .bind(previous.map(|p| serde_json::to_string(&p).expect("values serialise")))
    .execute(&mut *conn)
    .await?;
    Ok(outcome)
}

/// What undoing a batch did.
#[derive(Debug, Clone, Serialize)]
pub struct Undone {
    pub batch: i64,
    pub file: String,
    /// Rows the batch had added, now deleted.
    pub removed: usize,
    /// Rows the batch had changed, now as they were.
    pub restored: usize,
}

/// Undoes an import batch: deletes what it added and puts back what it changed, in one
/// transaction. Only the latest batch not yet undone can be undone (a later one may build on it).
pub async fn undo(store: &Store, batch: i64) -> Result<Undone> {
    let mut tx = store.pool().begin().await?;
    let found: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT file_name, undone_at FROM import_batches WHERE id = ?")
            .bind(batch)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((file, undone_at)) = found else {
        return Err(Error::not_found(format!("导入批次 {batch}")));
    };
    if let Some(at) = undone_at {
        return Err(Error::invalid(format!(
            "导入批次 {batch}（文件「{file}」）已于 {at} 撤销，未作任何改动"
        )));
    }
    let later: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, file_name FROM import_batches WHERE id > ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(batch)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((id, name)) = later {
        return Err(Error::invalid(format!(
            "导入批次 {batch} 之后还有导入批次 {id}（文件「{name}」）未撤销，请先撤销批次 {id}；未作任何改动"
        )));
    }
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name, row_key, previous FROM import_batch_rows WHERE batch_id = ? ORDER BY id DESC",
    )
    .bind(batch)
    .fetch_all(&mut *tx)
    .await?;
    let mut statements: HashMap<String, (Sql, bool)> = HashMap::new();
    let (mut removed, mut restored) = (0, 0);
    for (table_name, key, previous) in rows {
        let (sql, has_source) = statements.entry(table_name.clone()).or_insert_with(|| {
            let t = Kind::ALL
                .iter()
                .map(|k| k.table())
                .find(|t| t.table == table_name)
                .expect("batch rows name an import table");
            (Sql::new(t), t.source)
        });
        let key: Vec<Value> = serde_json::from_str(&key)
            .map_err(|e| Error::Store(format!("导入批次 {batch} 的记录无法解析：{e}")))?;
        match previous {
            None => {
                bind_all(sqlx::query(&sql.delete), &key)
                    .execute(&mut *tx)
                    .await?;
                removed += 1;
            }
            Some(prev) => {
                let prev: Vec<Value> = serde_json::from_str(&prev)
                    .map_err(|e| Error::Store(format!("导入批次 {batch} 的记录无法解析：{e}")))?;
                // Columns, is_demo, then source when the table has one: the restore's order.
                let n = sql.width + 1 + usize::from(*has_source);
                bind_all(bind_all(sqlx::query(&sql.restore), &prev[..n]), &key)
                    .execute(&mut *tx)
                    .await?;
                restored += 1;
            }
        }
    }
    sqlx::query("DELETE FROM import_batch_rows WHERE batch_id = ?")
        .bind(batch)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE import_batches SET undone_at = ? WHERE id = ?")
        .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .bind(batch)
        .execute(&mut *tx)
        .await?;
    store::audit(
        &mut tx,
        "delete",
        "import_batches",
        Some(&batch.to_string()),
        (removed + restored) as i64,
        &serde_json::json!({"undo_batch": batch, "file": file, "removed": removed, "restored": restored})
            .to_string(),
        &store::actor(&format!("撤销导入批次 {batch}")),
    )
    .await?;
    refresh_demo_flag(&mut tx).await?;
    tx.commit().await?;
    Ok(Undone {
        batch,
        file,
        removed,
        restored,
    })
}

/// One import batch, for the history list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Batch {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub sha256: String,
    pub at: String,
    pub rows: i64,
    pub added: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub source: String,
    pub undone_at: Option<String>,
}

/// The import batches, newest first.
pub async fn batches(store: &Store) -> Result<Vec<Batch>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, file_name, sha256, at, rows, added, changed, unchanged, source, undone_at
         FROM import_batches ORDER BY id DESC",
    )
    .fetch_all(store.pool())
    .await?)
}

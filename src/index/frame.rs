//! The two inputs of an index, in COINr's formats: the data (like COINr's iData: `uCode`,
//! optional `uName`, optional `Time`, group, denominator and indicator columns) and the
//! structure (like iMeta: `Level, iCode, iName, Direction, Weight, Denominator, Parent, Type`).
//!
//! Parsing validates everything a later step relies on, so the steps themselves only fail on
//! numerical grounds; every error names the file, row and column.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Indicator,
    Aggregate,
}

/// One indicator or aggregate of the hierarchy.
#[derive(Debug, Clone)]
pub struct Node {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub kind: NodeKind,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub weight: f64,
    pub direction: f64,
    pub denominator: Option<String>,
    /// `Target` column (distance-to-target normalisation).
    pub target: Option<f64>,
    /// `goalpost_lower`, `goalpost_upper`, `goalpost_scale` columns.
    pub goalposts: Option<(f64, f64, f64)>,
}

/// The hierarchy: indicators at the bottom, aggregates above, one root (the index).
#[derive(Debug, Clone)]
pub struct Structure {
    pub nodes: Vec<Node>,
    /// Node ids of the indicators, in the order of the data columns.
    pub indicators: Vec<usize>,
    /// Node ids of the aggregates, children always before parents.
    pub aggregates: Vec<usize>,
    pub root: usize,
    pub groups: Vec<String>,
    pub denominators: Vec<String>,
    /// node id → column in [`Frame::values`] for indicators.
    pub column: Vec<Option<usize>>,
}

impl Structure {
    pub fn node(&self, code: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.code == code)
    }

    /// Distinct levels of the aggregates, lowest first (the "levels" a per-level method names).
    pub fn aggregate_levels(&self) -> Vec<u32> {
        let mut levels: Vec<u32> = self
            .aggregates
            .iter()
            .map(|&a| self.nodes[a].level)
            .collect();
        levels.sort_unstable();
        levels.dedup();
        levels
    }

    /// Aggregates from the root down (the order of result columns).
    pub fn aggregates_top_down(&self) -> Vec<usize> {
        let mut out = self.aggregates.clone();
        out.sort_by_key(|&a| std::cmp::Reverse(self.nodes[a].level));
        out
    }
}

/// Row identities of a data table: one row per unit (and per period in a panel).
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub unit: Vec<String>,
    pub name: Vec<String>,
    /// `Time` as written in the file, when the data has that column.
    pub time: Option<Vec<String>>,
    /// Index into `periods` of each row (0 for a cross-section).
    pub period: Vec<usize>,
    /// The distinct periods in time order (one empty label for a cross-section).
    pub periods: Vec<String>,
    /// Numeric position of each period (the time value when every label is a number, else its index).
    pub period_pos: Vec<f64>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.unit.len()
    }

    pub fn is_empty(&self) -> bool {
        self.unit.is_empty()
    }

    /// Row indices of each period.
    pub fn by_period(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.periods.len()];
        for (r, &p) in self.period.iter().enumerate() {
            out[p].push(r);
        }
        out
    }

    /// Row indices of each unit, in time order.
    pub fn by_unit(&self) -> Vec<Vec<usize>> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<Vec<usize>> = Vec::new();
        for (r, u) in self.unit.iter().enumerate() {
            let k = *index.entry(u.as_str()).or_insert_with(|| {
                out.push(Vec::new());
                out.len() - 1
            });
            out[k].push(r);
        }
        for rows in &mut out {
            rows.sort_by_key(|&r| self.period[r]);
        }
        out
    }

    pub fn subset(&self, keep: &[usize]) -> Rows {
        Rows {
            unit: keep.iter().map(|&r| self.unit[r].clone()).collect(),
            name: keep.iter().map(|&r| self.name[r].clone()).collect(),
            time: self
                .time
                .as_ref()
                .map(|t| keep.iter().map(|&r| t[r].clone()).collect()),
            period: keep.iter().map(|&r| self.period[r]).collect(),
            periods: self.periods.clone(),
            period_pos: self.period_pos.clone(),
        }
    }
}

/// One indicator's values. Shared between stages until a stage changes it (`Arc::make_mut`):
/// most stages leave most columns as they are, and the pipeline keeps every stage.
pub type Column = Arc<Vec<f64>>;

/// A data table at some stage of the pipeline. `values[j]` is the column of indicator
/// `structure.indicators[j]`; NaN marks a missing value.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Shared between the stages (only screening changes the rows).
    pub rows: Arc<Rows>,
    pub groups: Arc<Vec<(String, Vec<String>)>>,
    pub denominators: Vec<(String, Vec<f64>)>,
    pub values: Vec<Column>,
}

impl Frame {
    pub fn subset(&self, keep: &[usize]) -> Frame {
        let pick = |c: &Vec<f64>| keep.iter().map(|&r| c[r]).collect::<Vec<f64>>();
        Frame {
            rows: Arc::new(self.rows.subset(keep)),
            groups: Arc::new(
                self.groups
                    .iter()
                    .map(|(n, c)| (n.clone(), keep.iter().map(|&r| c[r].clone()).collect()))
                    .collect(),
            ),
            denominators: self
                .denominators
                .iter()
                .map(|(n, c)| (n.clone(), pick(c)))
                .collect(),
            values: self.values.iter().map(|c| Arc::new(pick(c))).collect(),
        }
    }

    pub fn group(&self, name: &str) -> Option<&[String]> {
        self.groups
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_slice())
    }
}

fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    Ok(decode(&bytes))
}

/// UTF-8 (with or without BOM) or, failing that, GB18030 as Excel writes it on Chinese Windows.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// A missing cell: empty, `NA`, `NaN`, `NULL` or `-`.
fn is_missing(s: &str) -> bool {
    matches!(s, "" | "NA" | "NaN" | "nan" | "NULL" | "null" | "-" | "N/A")
}

struct Table {
    file: String,
    headers: Vec<String>,
    /// (line number in the file, cells)
    records: Vec<(u64, Vec<String>)>,
}

fn parse_table(text: &str, file: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid(format!("文件「{file}」无法读取表头：{e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut records = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::invalid(format!("文件「{file}」第 {line} 行格式有误：{e}"))
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        records.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
    }
    let mut seen = HashSet::new();
    for h in &headers {
        if !seen.insert(h.as_str()) {
            return Err(Error::invalid(format!("文件「{file}」的列「{h}」重复")));
        }
    }
    Ok(Table {
        file: file.to_string(),
        headers,
        records,
    })
}

impl Table {
    fn col(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    fn number(&self, line: u64, column: &str, cell: &str) -> Result<Option<f64>> {
        if is_missing(cell) {
            return Ok(None);
        }
        cell.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "文件「{}」第 {line} 行「{column}」列：「{cell}」不是数值",
                    self.file
                ))
            })
    }
}

/// Reads a structure (iMeta) file.
pub fn read_structure(path: &Path) -> Result<Structure> {
    parse_structure(&read_text(path)?, &file_label(path))
}

/// Parses a structure (iMeta) table; `file` names it in error messages.
pub fn parse_structure(text: &str, file: &str) -> Result<Structure> {
    let t = parse_table(text, file)?;
    let need = |name: &str| {
        t.col(name)
            .ok_or_else(|| Error::invalid(format!("结构文件「{file}」缺少必需的列「{name}」")))
    };
    let (c_code, c_type) = (need("iCode")?, need("Type")?);
    let c_level = t.col("Level");
    let c_name = t.col("iName");
    let c_dir = t.col("Direction");
    let c_weight = t.col("Weight");
    let c_parent = t.col("Parent");
    let c_denom = t.col("Denominator");
    let c_target = t.col("Target");
    let c_gp = (
        t.col("goalpost_lower"),
        t.col("goalpost_upper"),
        t.col("goalpost_scale"),
    );

    let mut nodes: Vec<Node> = Vec::new();
    let mut parents: Vec<(u64, Option<String>)> = Vec::new();
    let mut groups = Vec::new();
    let mut denominators = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let cell = |rec: &Vec<String>, c: Option<usize>| -> String {
        c.and_then(|c| rec.get(c).cloned()).unwrap_or_default()
    };
    for (line, rec) in &t.records {
        let line = *line;
        let code = rec[c_code].clone();
        if code.is_empty() {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行：「iCode」为空"
            )));
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行：代码「{code}」与第 {first} 行重复"
            )));
        }
        let kind = match rec[c_type].as_str() {
            "Indicator" => NodeKind::Indicator,
            "Aggregate" => NodeKind::Aggregate,
            "Group" => {
                groups.push(code);
                continue;
            }
            "Denominator" => {
                denominators.push(code);
                continue;
            }
            other => {
                return Err(Error::invalid(format!(
                    "结构文件「{file}」第 {line} 行「Type」列：「{other}」无效，应为 Indicator、Aggregate、Denominator 或 Group"
                )))
            }
        };
        let num = |c: Option<usize>, col: &str| -> Result<Option<f64>> {
            t.number(line, col, &cell(rec, c))
        };
        let level = match num(c_level, "Level")? {
            Some(l) if l >= 1.0 && l.fract() == 0.0 => l as u32,
            Some(l) => {
                return Err(Error::invalid(format!(
                    "结构文件「{file}」第 {line} 行「Level」列：{l} 不是正整数"
                )))
            }
            None if c_level.is_none() => 0,
            None => {
                return Err(Error::invalid(format!(
                    "结构文件「{file}」第 {line} 行「Level」列为空（指标和汇总项必须有层级）"
                )))
            }
        };
        let direction = num(c_dir, "Direction")?.unwrap_or(1.0);
        if direction != 1.0 && direction != -1.0 {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行「Direction」列：应为 1 或 -1，而不是 {direction}"
            )));
        }
        let weight = num(c_weight, "Weight")?.unwrap_or(1.0);
        if weight < 0.0 {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行「Weight」列：权重不能为负（{weight}）"
            )));
        }
        let goalposts = match (
            num(c_gp.0, "goalpost_lower")?,
            num(c_gp.1, "goalpost_upper")?,
        ) {
            (Some(l), Some(u)) => Some((l, u, num(c_gp.2, "goalpost_scale")?.unwrap_or(1.0))),
            _ => None,
        };
        let parent = Some(cell(rec, c_parent)).filter(|p| !p.is_empty());
        let denominator = Some(cell(rec, c_denom)).filter(|d| !d.is_empty());
        nodes.push(Node {
            name: Some(cell(rec, c_name))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| code.clone()),
            code,
            level,
            kind,
            parent: None,
            children: Vec::new(),
            weight,
            direction,
            denominator,
            target: num(c_target, "Target")?,
            goalposts,
        });
        parents.push((line, parent));
    }
    link(nodes, parents, groups, denominators, file)
}

fn link(
    mut nodes: Vec<Node>,
    parents: Vec<(u64, Option<String>)>,
    groups: Vec<String>,
    denominators: Vec<String>,
    file: &str,
) -> Result<Structure> {
    let index: HashMap<String, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.code.clone(), i))
        .collect();
    for (i, (line, parent)) in parents.iter().enumerate() {
        let Some(p) = parent else { continue };
        let Some(&pi) = index.get(p) else {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行：「{}」的上级「{p}」不存在（Parent 列）",
                nodes[i].code
            )));
        };
        if nodes[pi].kind != NodeKind::Aggregate {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行：「{}」的上级「{p}」是指标而不是汇总项",
                nodes[i].code
            )));
        }
        nodes[i].parent = Some(pi);
        nodes[pi].children.push(i);
    }
    // A cycle shows as a walk up the parents that returns to where it started.
    for start in 0..nodes.len() {
        let mut path = vec![start];
        let mut at = start;
        while let Some(p) = nodes[at].parent {
            if let Some(k) = path.iter().position(|&q| q == p) {
                let mut names: Vec<&str> =
                    path[k..].iter().map(|&q| nodes[q].code.as_str()).collect();
                names.push(&nodes[p].code);
                return Err(Error::invalid(format!(
                    "结构文件「{file}」：层级中存在循环：{}",
                    names.join(" → ")
                )));
            }
            path.push(p);
            at = p;
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        let line = parents[i].0;
        if n.kind == NodeKind::Aggregate && n.children.is_empty() {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行：汇总项「{}」没有下级",
                n.code
            )));
        }
        if n.kind == NodeKind::Indicator && n.parent.is_none() && nodes.len() > 1 {
            return Err(Error::invalid(format!(
                "结构文件「{file}」第 {line} 行：指标「{}」没有上级（Parent 列为空）",
                n.code
            )));
        }
        if let Some(d) = &n.denominator {
            if !denominators.contains(d) {
                return Err(Error::invalid(format!(
                    "结构文件「{file}」第 {line} 行：「{}」的分母「{d}」未定义为 Denominator",
                    n.code
                )));
            }
        }
    }
    let roots: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].parent.is_none())
        .collect();
    let root = match roots.as_slice() {
        [r] => *r,
        [] => return Err(Error::invalid(format!("结构文件「{file}」：没有任何指标"))),
        many => {
            return Err(Error::invalid(format!(
                "结构文件「{file}」：应只有一个顶层指数，但有 {} 个没有上级的项：{}",
                many.len(),
                many.iter()
                    .map(|&r| nodes[r].code.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            )))
        }
    };
    if nodes[root].kind != NodeKind::Aggregate {
        return Err(Error::invalid(format!(
            "结构文件「{file}」：顶层「{}」应为汇总项（Aggregate）",
            nodes[root].code
        )));
    }
    // Levels: given ones must rise towards the root; absent ones are the height in the tree.
    let height = heights(&nodes);
    for (i, n) in nodes.iter_mut().enumerate() {
        if n.level == 0 {
            n.level = height[i];
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            if nodes[p].level <= n.level {
                return Err(Error::invalid(format!(
                    "结构文件「{file}」第 {} 行：「{}」（第 {} 层）的上级「{}」层级为 {}，上级层级必须更高",
                    parents[i].0, n.code, n.level, nodes[p].code, nodes[p].level
                )));
            }
        }
    }
    let indicators: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].kind == NodeKind::Indicator)
        .collect();
    if indicators.is_empty() {
        return Err(Error::invalid(format!("结构文件「{file}」：没有任何指标")));
    }
    let mut aggregates: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].kind == NodeKind::Aggregate)
        .collect();
    aggregates.sort_by_key(|&a| height[a]);
    let mut column = vec![None; nodes.len()];
    for (j, &i) in indicators.iter().enumerate() {
        column[i] = Some(j);
    }
    Ok(Structure {
        nodes,
        indicators,
        aggregates,
        root,
        groups,
        denominators,
        column,
    })
}

/// Height of each node above the indicators (indicators 1). The tree is acyclic here.
fn heights(nodes: &[Node]) -> Vec<u32> {
    fn h(nodes: &[Node], i: usize, memo: &mut [u32]) -> u32 {
        if memo[i] == 0 {
            memo[i] = 1 + nodes[i]
                .children
                .iter()
                .map(|&c| h(nodes, c, memo))
                .max()
                .unwrap_or(0);
        }
        memo[i]
    }
    let mut memo = vec![0; nodes.len()];
    (0..nodes.len()).map(|i| h(nodes, i, &mut memo)).collect()
}

/// Reads a data (iData) file against its structure.
pub fn read_data(path: &Path, structure: &Structure) -> Result<Frame> {
    parse_data(&read_text(path)?, &file_label(path), structure)
}

/// Parses a data (iData) table against its structure; `file` names it in error messages.
pub fn parse_data(text: &str, file: &str, structure: &Structure) -> Result<Frame> {
    let t = parse_table(text, file)?;
    let c_code = t
        .col("uCode")
        .ok_or_else(|| Error::invalid(format!("数据文件「{file}」缺少必需的列「uCode」")))?;
    let c_name = t.col("uName");
    let c_time = t.col("Time");
    let known: HashSet<&str> = structure
        .nodes
        .iter()
        .map(|n| n.code.as_str())
        .chain(structure.groups.iter().map(String::as_str))
        .chain(structure.denominators.iter().map(String::as_str))
        .collect();
    for (c, h) in t.headers.iter().enumerate() {
        if Some(c) == Some(c_code) || Some(c) == c_name || Some(c) == c_time {
            continue;
        }
        if !known.contains(h.as_str()) {
            return Err(Error::invalid(format!(
                "数据文件「{file}」的列「{h}」未在结构文件中定义（应为指标、分母或分组）"
            )));
        }
        if let Some(i) = structure.node(h) {
            if structure.nodes[i].kind == NodeKind::Aggregate {
                return Err(Error::invalid(format!(
                    "数据文件「{file}」的列「{h}」在结构文件中是汇总项，不能直接给数据"
                )));
            }
        }
    }
    let column_of = |code: &str, what: &str| {
        t.col(code).ok_or_else(|| {
            Error::invalid(format!(
                "数据文件「{file}」缺少{what}「{code}」的列（结构文件中已定义）"
            ))
        })
    };
    let ind_cols: Vec<usize> = structure
        .indicators
        .iter()
        .map(|&i| column_of(&structure.nodes[i].code, "指标"))
        .collect::<Result<_>>()?;
    let den_cols: Vec<usize> = structure
        .denominators
        .iter()
        .map(|d| column_of(d, "分母"))
        .collect::<Result<_>>()?;
    let grp_cols: Vec<usize> = structure
        .groups
        .iter()
        .map(|g| column_of(g, "分组"))
        .collect::<Result<_>>()?;

    let n = t.records.len();
    if n == 0 {
        return Err(Error::invalid(format!("数据文件「{file}」没有数据行")));
    }
    let mut unit = Vec::with_capacity(n);
    let mut name = Vec::with_capacity(n);
    let mut time = Vec::with_capacity(n);
    let mut values = vec![Vec::with_capacity(n); ind_cols.len()];
    let mut dens = vec![Vec::with_capacity(n); den_cols.len()];
    let mut grps = vec![Vec::with_capacity(n); grp_cols.len()];
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for (line, rec) in &t.records {
        let code = rec[c_code].clone();
        if code.is_empty() {
            return Err(Error::invalid(format!(
                "数据文件「{file}」第 {line} 行：「uCode」为空"
            )));
        }
        let tm = c_time.map(|c| rec[c].clone()).unwrap_or_default();
        if c_time.is_some() && tm.is_empty() {
            return Err(Error::invalid(format!(
                "数据文件「{file}」第 {line} 行：「Time」为空"
            )));
        }
        if let Some(first) = seen.insert((code.clone(), tm.clone()), *line) {
            let when = if c_time.is_some() {
                format!("在时期「{tm}」")
            } else {
                String::new()
            };
            return Err(Error::invalid(format!(
                "数据文件「{file}」第 {line} 行：单位「{code}」{when}与第 {first} 行重复"
            )));
        }
        for (k, &c) in ind_cols.iter().enumerate() {
            values[k].push(t.number(*line, &t.headers[c], &rec[c])?.unwrap_or(f64::NAN));
        }
        for (k, &c) in den_cols.iter().enumerate() {
            dens[k].push(t.number(*line, &t.headers[c], &rec[c])?.unwrap_or(f64::NAN));
        }
        for (k, &c) in grp_cols.iter().enumerate() {
            grps[k].push(rec[c].clone());
        }
        unit.push(code);
        name.push(c_name.map(|c| rec[c].clone()).unwrap_or_default());
        time.push(tm);
    }
    for (k, col) in values.iter().enumerate() {
        if col.iter().all(|v| v.is_nan()) {
            return Err(Error::invalid(format!(
                "数据文件「{file}」：指标「{}」没有任何数据",
                structure.nodes[structure.indicators[k]].code
            )));
        }
    }
    let rows = build_rows(unit, name, c_time.map(|_| time));
    Ok(Frame {
        rows: Arc::new(rows),
        groups: Arc::new(structure.groups.iter().cloned().zip(grps).collect()),
        denominators: structure.denominators.iter().cloned().zip(dens).collect(),
        values: values.into_iter().map(Arc::new).collect(),
    })
}

/// Builds the row index, ordering periods numerically when every label is a number.
pub fn build_rows(unit: Vec<String>, name: Vec<String>, time: Option<Vec<String>>) -> Rows {
    let Some(time) = time else {
        return Rows {
            period: vec![0; unit.len()],
            unit,
            name,
            time: None,
            periods: vec![String::new()],
            period_pos: vec![0.0],
        };
    };
    let mut labels: Vec<String> = time.clone();
    labels.sort();
    labels.dedup();
    let numeric: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
    let (periods, pos) = match numeric {
        Some(nums) => {
            let mut pairs: Vec<(f64, String)> = nums.into_iter().zip(labels).collect();
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (p, l): (Vec<f64>, Vec<String>) = pairs.into_iter().unzip();
            (l, p)
        }
        None => {
            let pos = (0..labels.len()).map(|i| i as f64).collect();
            (labels, pos)
        }
    };
    let index: HashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let period = time.iter().map(|t| index[t.as_str()]).collect();
    Rows {
        unit,
        name,
        time: Some(time),
        period,
        periods,
        period_pos: pos,
    }
}

//! Users' files as rows of cells: Excel and OpenDocument workbooks (calamine; merged cells take
//! their region's value) and CSV files in UTF-8 (with or without BOM), GBK or GB18030, detected
//! from the bytes, read as a stream.

use std::io::{BufReader, Cursor, Read, Seek};
use std::path::PathBuf;

use calamine::{Data, Dimensions, Range, Reader, Sheets};

use super::Place;
use crate::error::{Error, Result};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// An Excel date cell, as its serial number.
    Date(f64),
    /// An error value (#DIV/0!, #REF!, …) a formula left.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.is_empty(),
            _ => false,
        }
    }

    /// The cell as the user sees it, for messages.
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.clone(),
            Cell::Number(n) | Cell::Date(n) => format_number(*n),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// A number without a trailing 「.0」, in the shortest form that reads back to the same value.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// One row: its number as the user's program shows it (1 = the first line) and its cells.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// Where the bytes come from: a file on disk, or an upload held in memory.
pub enum Input {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

/// A sheet being read: where it is, how its text was encoded (CSV), and its rows in order.
pub struct Table {
    pub place: Place,
    /// 「UTF-8」, 「UTF-8（含 BOM）」, 「GB18030」… for a CSV file; `None` for a workbook.
    pub encoding: Option<String>,
    pub rows: Box<dyn Iterator<Item = Result<RawRow>> + Send>,
}

/// Sheets a template adds beside the data sheet; never read as data.
pub const NOTE_SHEETS: &[&str] = &["说明", "代码表"];

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0];

/// Opens `input` (named `file` in messages) and returns its data sheet: a workbook's first sheet
/// that is not a template's note sheet, or the CSV file.
pub fn open(file: &str, input: Input) -> Result<Table> {
    let mut reader: Box<dyn ReadSeek> = match input {
        Input::Path(path) => Box::new(BufReader::new(
            std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?,
        )),
        Input::Bytes(bytes) => Box::new(Cursor::new(bytes)),
    };
    let mut head = [0u8; 4];
    let n = read_fully(&mut reader, &mut head)
        .map_err(|e| Error::invalid(format!("无法读取文件「{file}」：{e}")))?;
    reader
        .rewind()
        .map_err(|e| Error::invalid(format!("无法读取文件「{file}」：{e}")))?;
    let ext = file.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let workbook_ext = matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "ods");
    if n == 0 {
        return Err(Error::invalid(format!(
            "文件「{file}」是空文件，没有任何数据"
        )));
    }
    if head.starts_with(ZIP_MAGIC) {
        match zip_workbook(&mut reader, file)? {
            Some(Book::Xlsx) => workbook(file, reader, Book::Xlsx),
            Some(Book::Ods) => workbook(file, reader, Book::Ods),
            _ => Err(Error::invalid(format!(
                "文件「{file}」是 zip 压缩包，但不是 Excel（.xlsx）或 ODS 工作簿：其中没有工作簿内容。请上传 Excel 工作簿或 CSV 文件"
            ))),
        }
    } else if head.starts_with(OLE_MAGIC) {
        workbook(file, reader, Book::Xls)
    } else if workbook_ext {
        Err(Error::invalid(format!(
            "文件「{file}」扩展名为 .{ext}，但内容不是 Excel 或 ODS 工作簿（文件头不符），可能已损坏或只下载了一部分"
        )))
    } else {
        csv_table(file, reader)
    }
}

fn read_fully(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Book {
    Xlsx,
    Ods,
    Xls,
}

/// Which workbook a zip holds, if any; a zip that cannot be read (cut short) is refused here.
fn zip_workbook(reader: &mut Box<dyn ReadSeek>, file: &str) -> Result<Option<Book>> {
    let names: Vec<String> = {
        let archive = zip::ZipArchive::new(&mut *reader).map_err(|_| {
            Error::invalid(format!(
                "文件「{file}」不是完整的 Excel 工作簿：压缩结构已损坏或文件被截断。请重新保存或重新下载后再导入"
            ))
        })?;
        archive.file_names().map(str::to_string).collect()
    };
    reader
        .rewind()
        .map_err(|e| Error::invalid(format!("无法读取文件「{file}」：{e}")))?;
    Ok(if names.iter().any(|n| n == "xl/workbook.xml") {
        Some(Book::Xlsx)
    } else if names.iter().any(|n| n == "content.xml") {
        Some(Book::Ods)
    } else {
        None
    })
}

fn workbook(file: &str, reader: Box<dyn ReadSeek>, kind: Book) -> Result<Table> {
    // calamine's own words are English: the message says what it means for the user.
    let broken = |_: calamine::Error| {
        Error::invalid(format!(
            "文件「{file}」无法作为工作簿读取：内容已损坏或不完整。请在 Excel 中打开并另存后再导入"
        ))
    };
    let mut book: Sheets<Box<dyn ReadSeek>> = match kind {
        Book::Xlsx => Sheets::Xlsx(calamine::Xlsx::new(reader).map_err(|e| broken(e.into()))?),
        Book::Ods => Sheets::Ods(calamine::Ods::new(reader).map_err(|e| broken(e.into()))?),
        Book::Xls => Sheets::Xls(calamine::Xls::new(reader).map_err(|e| broken(e.into()))?),
    };
    let sheet = book
        .sheet_names()
        .into_iter()
        .find(|s| !NOTE_SHEETS.contains(&s.as_str()))
        .ok_or_else(|| Error::invalid(format!("文件「{file}」中没有数据工作表")))?;
    let range = book.worksheet_range(&sheet).map_err(broken)?;
    let merges = match &mut book {
        Sheets::Xlsx(x) => x
            .worksheet_merge_cells(&sheet)
            .and_then(|r| r.ok())
            .unwrap_or_default(),
        Sheets::Xls(x) => x.worksheet_merge_cells(&sheet).unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(Table {
        place: Place {
            file: file.to_string(),
            sheet: Some(sheet),
        },
        encoding: None,
        rows: Box::new(SheetRows {
            range,
            merges,
            next: 0,
        }),
    })
}

/// A sheet's rows, one at a time; a cell inside a merged region reads as the region's value.
struct SheetRows {
    range: Range<Data>,
    merges: Vec<Dimensions>,
    next: usize,
}

impl Iterator for SheetRows {
    type Item = Result<RawRow>;

    fn next(&mut self) -> Option<Self::Item> {
        let (height, width) = self.range.get_size();
        if self.next >= height {
            return None;
        }
        let (top, left) = self.range.start().unwrap_or((0, 0));
        let r = self.next;
        self.next += 1;
        let abs_row = top + r as u32;
        let mut cells: Vec<Cell> = (0..left as usize).map(|_| Cell::Empty).collect();
        for c in 0..width {
            let abs_col = left + c as u32;
            let source = self
                .merges
                .iter()
                .find(|m| {
                    (m.start.0..=m.end.0).contains(&abs_row)
                        && (m.start.1..=m.end.1).contains(&abs_col)
                })
                .map(|m| m.start)
                .unwrap_or((abs_row, abs_col));
            let value = self
                .range
                .get_value(source)
                .map(cell_of)
                .unwrap_or(Cell::Empty);
            cells.push(value);
        }
        Some(Ok(RawRow {
            number: abs_row as usize + 1,
            cells,
        }))
    }
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            Cell::Text(s.trim().to_string())
        }
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) if d.is_datetime() => Cell::Date(d.as_f64()),
        Data::DateTime(d) => Cell::Number(d.as_f64()),
        Data::Error(e) => Cell::Error(format!("#{e:?}")),
    }
}

/// How many bytes of a CSV file decide its encoding.
const SNIFF_BYTES: usize = 64 * 1024;

fn csv_table(file: &str, mut reader: Box<dyn ReadSeek>) -> Result<Table> {
    let mut sample = vec![0u8; SNIFF_BYTES];
    let n = read_fully(&mut reader, &mut sample)
        .map_err(|e| Error::invalid(format!("无法读取文件「{file}」：{e}")))?;
    sample.truncate(n);
    reader
        .rewind()
        .map_err(|e| Error::invalid(format!("无法读取文件「{file}」：{e}")))?;
    let (encoding, shown) = detect_encoding(&sample, n < SNIFF_BYTES);
    let first_line = sample.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let delimiter = if !first_line.contains(&b',') && first_line.contains(&b'\t') {
        b'\t'
    } else {
        b','
    };
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(reader);
    let csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(decoded);
    let place = Place {
        file: file.to_string(),
        sheet: None,
    };
    let file = file.to_string();
    let rows = csv.into_records().map(move |record| {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            Error::invalid(format!("文件「{file}」第 {line} 行无法按 CSV 读取：{e}"))
        })?;
        let number = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cells = record
            .iter()
            .map(|s| {
                let t = s.trim();
                if t.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(t.to_string())
                }
            })
            .collect();
        Ok(RawRow { number, cells })
    });
    Ok(Table {
        place,
        encoding: Some(shown),
        rows: Box::new(rows),
    })
}

/// The encoding of a CSV file from its first bytes: a BOM decides; text that is valid UTF-8 is
/// UTF-8; otherwise chardetng guesses (told the text is Chinese), and GBK is read as GB18030,
/// its superset.
fn detect_encoding(sample: &[u8], whole_file: bool) -> (&'static encoding_rs::Encoding, String) {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(sample) {
        return (enc, format!("{}（含 BOM）", enc.name().to_uppercase()));
    }
    let utf8 = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // A multi-byte character cut by the end of the sample is still UTF-8.
        Err(e) => e.error_len().is_none() && !whole_file,
    };
    if utf8 {
        return (encoding_rs::UTF_8, "UTF-8".to_string());
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, whole_file);
    let mut enc = detector.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    if enc == encoding_rs::GBK {
        enc = encoding_rs::GB18030;
    }
    (enc, enc.name().to_uppercase())
}

//! The town code of towns in the store: showing one (and issuing its signed payload when its
//! content changed), listing all with their colours, searching, verifying, and card data.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::card::CardData;
use super::code::{Counties, TownCode};
use super::facts::FactSource;
use super::payload::{Payload, Presented};
use super::qr;
use super::registry;
use super::rules::{Colour, ColourStatus, Facts, RuleOutcome, Rules};
use super::signing::{self, Issuer, TrustStore, Verdict};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::towns::{self, initials, TownQuery, TownRow};

/// The installation's data directory: the folder holding the database (keys and an edited
/// rules file live there).
pub fn data_dir(store: &Store) -> PathBuf {
    store
        .path()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The rules in force: `<data>/towncode/rules.toml` if the user made one, else the bundled file.
pub fn rules(store: &Store) -> Result<Rules> {
    let edited = data_dir(store).join("towncode").join("rules.toml");
    if edited.exists() {
        Rules::load(&edited)
    } else {
        Ok(Rules::bundled())
    }
}

struct Context {
    counties: Counties,
    rules: Rules,
    facts: FactSource,
}

async fn context(store: &Store) -> Result<Context> {
    let counties = registry::counties(store.pool()).await?;
    registry::assign_missing(store.pool(), &counties).await?;
    let rules = rules(store)?;
    let facts = FactSource::load(store, rules.creation()).await?;
    Ok(Context {
        counties,
        rules,
        facts,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

/// Who a town is and its code: shared by the list rows and the detail view.
#[derive(Debug, Clone, Serialize)]
pub struct CodedTown {
    pub town_id: i64,
    pub name: String,
    pub city: String,
    pub county: String,
    pub category: String,
    pub stage: String,
    /// Compact form, e.g. D330110001X.
    pub code: String,
    /// With separators, e.g. D-330110-001-X.
    pub printed: String,
    pub colour: Colour,
}

/// One town's code with everything the 一码 screen and the CLI show.
#[derive(Debug, Clone, Serialize)]
pub struct TownCodeView {
    pub demo: bool,
    #[serde(flatten)]
    pub town: CodedTown,
    pub status: String,
    /// Rules that fired, most severe first.
    pub reasons: Vec<RuleOutcome>,
    /// Every rule and its outcome (fired, passed, not evaluated, not applicable).
    pub rules: Vec<RuleOutcome>,
    pub facts: Facts,
    pub period: String,
    pub figures: Vec<Figure>,
    pub score: Option<f64>,
    pub rank: Option<(u32, u32)>,
    /// The signed QR text.
    pub payload: String,
    #[serde(serialize_with = "date")]
    pub issued: chrono::NaiveDate,
    pub key_id: String,
}

/// A row of the all-towns list.
#[derive(Debug, Clone, Serialize)]
pub struct CodeListItem {
    #[serde(flatten)]
    pub town: CodedTown,
    /// The fired rules' short descriptions.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeList {
    pub demo: bool,
    pub total: usize,
    /// Towns per colour, over all towns (before the filter).
    pub counts: BTreeMap<String, usize>,
    pub towns: Vec<CodeListItem>,
}

fn evaluate(ctx: &Context, town: &TownRow) -> (Facts, ColourStatus) {
    let facts = ctx.facts.facts(town);
    let status = ctx.rules.evaluate(&facts);
    (facts, status)
}

async fn item(store: &Store, ctx: &Context, town: &TownRow) -> Result<CodeListItem> {
    let code = registry::code_of(store.pool(), town.id, &ctx.counties)
        .await?
        .ok_or_else(|| Error::not_found(format!("小镇「{}」的小镇码", town.name)))?;
    let (_, status) = evaluate(ctx, town);
    Ok(CodeListItem {
        town: coded(town, &code, status.colour),
        reasons: status.fired.iter().map(|o| o.description.clone()).collect(),
    })
}

fn coded(town: &TownRow, code: &TownCode, colour: Colour) -> CodedTown {
    CodedTown {
        town_id: town.id,
        name: town.name.clone(),
        city: town.city.clone(),
        county: town.county.clone(),
        category: town.category.clone(),
        stage: town.stage.clone(),
        code: code.compact(),
        printed: code.to_string(),
        colour,
    }
}

/// All towns' codes and colours, optionally only one colour; counts cover all towns.
pub async fn list(store: &Store, colour: Option<Colour>) -> Result<CodeList> {
    let ctx = context(store).await?;
    let towns = towns::load_all(store).await?;
    let mut items = Vec::with_capacity(towns.len());
    for town in &towns {
        items.push(item(store, &ctx, town).await?);
    }
    let mut counts: BTreeMap<String, usize> = Colour::ALL
        .iter()
        .map(|c| (c.name().to_string(), 0))
        .collect();
    for i in &items {
        *counts.entry(i.town.colour.name().to_string()).or_default() += 1;
    }
    let total = items.len();
    let demo = towns.iter().any(|t| t.is_demo);
    let items = items
        .into_iter()
        .filter(|i| colour.is_none_or(|c| i.town.colour == c))
        .collect();
    Ok(CodeList {
        demo,
        total,
        counts,
        towns: items,
    })
}

/// Towns whose name contains `q`, whose pinyin initials start with or contain `q`, or whose
/// code matches `q` (with or without separators, any case, or a leading part of it).
pub async fn search(store: &Store, q: &str) -> Result<Vec<CodeListItem>> {
    let ctx = context(store).await?;
    let query = TownQuery::new(q);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for town in towns::load_all(store).await? {
        let item = item(store, &ctx, &town).await?;
        // Name, initials or code; the county (rank 6) is the global search's alone.
        let found = query.rank(&town, &initials(&town.name), Some(item.town.code.as_str()));
        if found.is_some_and(|(rank, _)| rank < 6) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Finds the one town a user means: a town code (any form), or what [`towns::find`] accepts
/// (an id, a full name, a unique part of a name).
pub async fn resolve(store: &Store, query: &str) -> Result<TownRow> {
    let counties = registry::counties(store.pool()).await?;
    registry::assign_missing(store.pool(), &counties).await?;
    if let Ok(code) = TownCode::parse(query, &counties) {
        let id = registry::town_of(store.pool(), &code)
            .await?
            .ok_or_else(|| Error::not_found(format!("小镇码「{code}」对应的小镇")))?;
        return towns::find(store, &id.to_string()).await;
    }
    towns::find(store, query).await
}

/// One town's code, colour and reasons. Signs and records a new payload when the content
/// (colour, figures, period) differs from the town's current issue; otherwise the current one
/// is returned unchanged.
pub async fn show(store: &Store, query: &str) -> Result<TownCodeView> {
    let ctx = context(store).await?;
    let town = resolve(store, query).await?;
    let code = registry::code_of(store.pool(), town.id, &ctx.counties)
        .await?
        .ok_or_else(|| Error::not_found(format!("小镇「{}」的小镇码", town.name)))?;
    let (facts, status) = evaluate(&ctx, &town);
    let (period, figures) = ctx.facts.figures(&town);
    let index = ctx.facts.index(town.id);
    let score = index.and_then(|i| i.score);
    let rank = index.and_then(|i| i.rank.map(|r| (r, i.of)));
    let issuer = Issuer::load_or_create(&data_dir(store))?;
    let wanted = Payload {
        code: code.compact(),
        name: town.name.clone(),
        period: period.clone(),
        colour: status.colour,
        score,
        rank,
        issued: chrono::Local::now().date_naive(),
        key_id: issuer.key_id().to_string(),
    };
    let current = registry::current_issue(store.pool(), town.id)
        .await?
        .and_then(|t| Presented::read(&t).ok())
        .filter(|p| {
            p.key_id == issuer.key_id()
                && p.payload.as_ref().is_some_and(|c| {
                    c.same_content(&Payload {
                        issued: c.issued,
                        ..wanted.clone()
                    })
                })
        });
    let (payload, text) = match current {
        Some(p) => (p.payload.expect("filtered above"), p.text),
        None => {
            let (payload, text) = issuer.sign(&wanted);
            registry::record_issue(store.pool(), town.id, &payload, &text, town.is_demo).await?;
            (payload, text)
        }
    };
    Ok(TownCodeView {
        demo: town.is_demo,
        town: coded(&town, &code, status.colour),
        status: town.status,
        reasons: status.fired,
        rules: status.rules,
        facts,
        period,
        figures: figures
            .into_iter()
            .map(|(label, value)| Figure { label, value })
            .collect(),
        score,
        rank,
        payload: text,
        issued: payload.issued,
        key_id: payload.key_id,
    })
}

/// What a card of the town shows.
pub fn card_data(view: &TownCodeView) -> CardData {
    let mut figures: Vec<(String, String)> = Vec::new();
    if let (Some(s), Some((r, n))) = (view.score, view.rank) {
        figures.push(("活力指数".into(), format!("{s:.1}（第 {r}/{n} 名）")));
    }
    figures.extend(
        view.figures
            .iter()
            .map(|f| (f.label.clone(), f.value.clone())),
    );
    let t = &view.town;
    CardData {
        name: t.name.clone(),
        code: t.printed.clone(),
        colour: t.colour,
        subtitle: format!("{}{} · {} · {}", t.city, t.county, t.category, t.stage),
        figures,
        reasons: view.reasons.iter().map(|r| r.detail.clone()).collect(),
        period: view.period.clone(),
        issued: view.issued,
        key_id: view.key_id.clone(),
        payload: view.payload.clone(),
        demo: view.demo,
    }
}

/// The outcome of a verification, for people and for programs.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub verdict: Verdict,
    /// 「真实有效」 etc.
    pub label: &'static str,
    /// True only when authentic and current.
    pub ok: bool,
    /// What the payload claims (when readable).
    pub code: Option<String>,
    pub name: Option<String>,
    pub colour: Option<Colour>,
    #[serde(serialize_with = "opt_date")]
    pub issued: Option<chrono::NaiveDate>,
    pub key_id: String,
    /// The issuer's name from the trusted key, when known.
    pub issuer: Option<String>,
    pub text: String,
}

/// Verifies a pasted payload text against the trusted keys and the store.
pub async fn verify_text(store: &Store, text: &str) -> Result<VerifyReport> {
    let presented = Presented::read(text)?;
    let trust = TrustStore::load(&data_dir(store))?;
    let current = match &presented.payload {
        Some(p) => registry::current_payload_for_code(store.pool(), &p.code).await?,
        None => None,
    };
    let verdict = signing::verify(&presented, &trust, current.as_ref());
    let claimed = presented.payload.as_ref();
    Ok(VerifyReport {
        verdict,
        label: verdict.label(),
        ok: verdict == Verdict::Authentic,
        code: claimed.map(|p| p.code.clone()),
        name: claimed.map(|p| p.name.clone()),
        colour: claimed.map(|p| p.colour),
        issued: claimed.map(|p| p.issued),
        key_id: presented.key_id.clone(),
        issuer: trust.get(&presented.key_id).map(|k| k.issuer.clone()),
        text: presented.text,
    })
}

/// Verifies the QR code in an image file (photo or screenshot of a card).
pub async fn verify_image(store: &Store, path: &Path) -> Result<VerifyReport> {
    let path = path.to_path_buf();
    let text = crate::offload::cpu(move || qr::decode_file(&path)).await?;
    verify_text(store, &text).await
}

/// Verifies the QR code in an uploaded image given as base64 (a browser or window upload;
/// a `data:image/...;base64,` prefix is accepted).
pub async fn verify_image_base64(store: &Store, b64: &str) -> Result<VerifyReport> {
    let b64 = b64.trim();
    let b64 = match b64.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => b64,
    };
    let cleaned: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = data_encoding::BASE64
        .decode(cleaned.as_bytes())
        .map_err(|_| Error::invalid("上传的图片数据不是有效的 base64"))?;
    // Decoding a phone photo and searching it for a QR code takes a good part of a second.
    let text = crate::offload::cpu(move || {
        let img = image::load_from_memory(&bytes).map_err(|_| {
            Error::invalid("无法读取上传的图片：文件已损坏或不是支持的图片格式（PNG、JPEG）")
        })?;
        qr::decode_image(&img).map_err(|e| match e {
            Error::Invalid(msg) => Error::invalid(format!("上传的图片{msg}")),
            other => other,
        })
    })
    .await?;
    verify_text(store, &text).await
}

/// The issuer name written into an exported key file when none is given.
pub const DEFAULT_ISSUER: &str = "特色小镇驾驶舱";

/// A key this installation accepts when verifying.
#[derive(Debug, Clone, Serialize)]
pub struct TrustedKey {
    pub key_id: String,
    pub issuer: String,
    /// This installation's own signing key.
    pub own: bool,
}

/// The installation's own key and every imported one.
pub fn trusted_keys(store: &Store) -> Result<Vec<TrustedKey>> {
    let dir = data_dir(store);
    let own = Issuer::load_or_create(&dir)?;
    let trust = TrustStore::load(&dir)?;
    let mut keys: Vec<TrustedKey> = trust
        .keys()
        .map(|k| TrustedKey {
            key_id: k.key_id(),
            issuer: k.issuer.clone(),
            own: k.key_id() == own.key_id(),
        })
        .collect();
    keys.sort_by_key(|k| !k.own);
    Ok(keys)
}

/// Imports another office's public key text; `origin` names the file in messages.
pub fn import_key(store: &Store, text: &str, origin: &str) -> Result<TrustedKey> {
    let key = signing::import_public(&data_dir(store), text, origin)?;
    let own = Issuer::load_or_create(&data_dir(store))?;
    Ok(TrustedKey {
        key_id: key.key_id(),
        own: key.key_id() == own.key_id(),
        issuer: key.issuer,
    })
}

/// This installation's public key as the text file another office imports.
pub fn public_key_text(store: &Store, issuer_name: &str) -> Result<(String, String)> {
    let own = Issuer::load_or_create(&data_dir(store))?;
    Ok((own.key_id().to_string(), own.export_public(issuer_name)))
}

fn date<S: serde::Serializer>(d: &chrono::NaiveDate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(&d.format("%Y-%m-%d"))
}

fn opt_date<S: serde::Serializer>(
    d: &Option<chrono::NaiveDate>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match d {
        Some(d) => date(d, s),
        None => s.serialize_none(),
    }
}

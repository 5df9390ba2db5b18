//! 产业链全景图: chain definitions as data (`definition`, files in `assets/chains/`, format in
//! `docs/chains.md`), the store's chains and their validated imports (`repo`), the panorama, gaps,
//! leads, leaders and a town's position (`analysis`, pure) and static renders (`render`).
//!
//! Reads keep each chain's links and firms in the store's memo; nothing here writes but `import`.

pub mod analysis;
pub mod definition;
pub mod render;
pub mod repo;

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::store::Store;
use crate::towns::{self, TownRow};
use analysis::{Analysis, Gaps, LinkDetail, Panorama};
use repo::ChainData;

/// Arguments of `chain_export_image`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageArgs {
    pub chain: String,
    #[serde(default)]
    pub scope: Option<String>,
    /// png (default) or svg.
    #[serde(default)]
    pub format: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportedImage {
    pub file: String,
}

/// Arguments of `chain_show` / `chain_gaps` / `chain_render`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainArgs {
    /// The chain's code, name or town category.
    pub chain: String,
    /// Division code of the scope (default the province).
    #[serde(default)]
    pub scope: Option<String>,
    /// A town (id or name) whose links are highlighted.
    #[serde(default)]
    pub town: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkArgs {
    pub chain: String,
    /// The link's code.
    pub link: String,
    #[serde(default)]
    pub scope: Option<String>,
}

/// What every view reads: the chain (kept in the memo), the towns and the scope.
struct Inputs {
    data: Arc<ChainData>,
    towns: Arc<Vec<TownRow>>,
    scope: towns::Scope,
    town: Option<TownRow>,
}

async fn inputs(
    store: &Store,
    chain: &str,
    scope: Option<&str>,
    town: Option<&str>,
) -> Result<Inputs> {
    let id = repo::resolve(store, chain).await?;
    let scope = towns::resolve_scope(store, scope).await?;
    let town = match town {
        Some(key) => Some(towns::find(store, key).await?),
        None => None,
    };
    let snap = store.snapshot().await?;
    let data = snap
        .get_or_load(&format!("chain:{id}"), repo::load(store, id))
        .await?;
    let towns = snap.get_or_load("towns", towns::load_all(store)).await?;
    Ok(Inputs {
        data,
        towns,
        scope,
        town,
    })
}

pub async fn list(store: &Store) -> Result<Vec<repo::ChainSummary>> {
    repo::list(store).await
}

/// The panorama: links grouped 上游/中游/下游 with their figures in the scope.
pub async fn show(store: &Store, args: ChainArgs) -> Result<Panorama> {
    let i = inputs(
        store,
        &args.chain,
        args.scope.as_deref(),
        args.town.as_deref(),
    )
    .await?;
    crate::offload::cpu(move || {
        Ok(Analysis::new(&i.data, &i.towns, &i.scope).panorama(i.town.as_ref()))
    })
    .await
}

/// The scope's gaps, each with its rule, action and leads.
pub async fn gaps(store: &Store, args: ChainArgs) -> Result<Gaps> {
    let i = inputs(store, &args.chain, args.scope.as_deref(), None).await?;
    crate::offload::cpu(move || Ok(Analysis::new(&i.data, &i.towns, &i.scope).gaps())).await
}

/// One link's firms and towns in the scope.
pub async fn link(store: &Store, args: LinkArgs) -> Result<LinkDetail> {
    let i = inputs(store, &args.chain, args.scope.as_deref(), None).await?;
    crate::offload::cpu(move || {
        Analysis::new(&i.data, &i.towns, &i.scope)
            .link(&args.link)
            .ok_or_else(|| {
                Error::not_found(format!(
                    "产业链「{}」中代码为「{}」的环节",
                    i.data.chain.name, args.link
                ))
            })
    })
    .await
}

/// Draws the panorama (PNG or SVG by the extension of `out`) and returns what it drew.
pub async fn render_file(store: &Store, args: ChainArgs, out: &Path) -> Result<Panorama> {
    crate::spatial::render::is_svg(out)?;
    let p = show(store, args).await?;
    let out = out.to_path_buf();
    crate::offload::cpu(move || render::render(&p, &out).map(|()| p)).await
}

/// Draws the panorama into the download folder (as the town cards go), for reports and decks.
pub async fn export_image(store: &Store, args: ImageArgs) -> Result<ExportedImage> {
    let ext = match args.format.as_deref().unwrap_or("png") {
        f @ ("png" | "svg") => f,
        other => {
            return Err(Error::invalid(format!(
                "图片格式「{other}」无效，可选：png、svg"
            )))
        }
    };
    let show_args = ChainArgs {
        chain: args.chain,
        scope: args.scope,
        town: None,
    };
    let p = show(store, show_args).await?;
    let dir = crate::towncode::export::download_dir(store);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let out = dir.join(format!(
        "产业链全景图_{}_{}.{ext}",
        p.chain.name, p.scope.name
    ));
    let file = out.display().to_string();
    crate::offload::cpu(move || render::render(&p, &out)).await?;
    Ok(ExportedImage { file })
}

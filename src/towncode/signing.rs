//! Signing and verifying town code payloads with Ed25519 (RFC 8032).
//!
//! Each installation creates its own signing key on first use and keeps it in the data
//! directory the caller names (`<data>/towncode/signing-key.txt`, readable by the owner only).
//! The public key can be exported to a small text file and imported by another office
//! (`<data>/towncode/trusted/<key id>.txt`), which can then verify this office's cards offline.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::payload::{assemble, Payload, Presented, KEY_ID_LEN};
use crate::error::{Error, Result};

const KEY_FILE: &str = "signing-key.txt";
const TRUSTED_DIR: &str = "trusted";
const PUBLIC_HEADER: &str = "特色小镇码签发公钥";

fn towncode_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("towncode")
}

/// The key id: the first 8 characters of base32(SHA-256(public key)). It names the key in a
/// payload and in file names; a forged id would still need the matching private key.
pub fn key_id(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.as_bytes());
    data_encoding::BASE32_NOPAD.encode(&digest)[..KEY_ID_LEN].to_string()
}

/// This installation's signing key.
pub struct Issuer {
    key: SigningKey,
    id: String,
}

impl Issuer {
    /// Loads the installation's key from `data_dir`, creating it on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Issuer> {
        let dir = towncode_dir(data_dir);
        let path = dir.join(KEY_FILE);
        let key = if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let bytes = data_encoding::BASE32_NOPAD
                .decode(text.trim().as_bytes())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "签名私钥文件「{}」已损坏（应为 32 字节的 base32 文本）。如无备份，可删除该文件以生成新密钥，但旧小镇码将无法再由本机验证",
                        path.display()
                    ))
                })?;
            SigningKey::from_bytes(&bytes)
        } else {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let text = data_encoding::BASE32_NOPAD.encode(key.as_bytes());
            match write_private(&path, &text) {
                Ok(()) => key,
                // Two first requests at once (the screen asks for a code and its card
                // together): the other one's key won, use it.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Issuer::load_or_create(data_dir)
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        };
        let id = key_id(&key.verifying_key());
        Ok(Issuer { key, id })
    }

    pub fn key_id(&self) -> &str {
        &self.id
    }

    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Signs a payload (its `key_id` is set to this issuer's) and returns the full QR text.
    pub fn sign(&self, payload: &Payload) -> (Payload, String) {
        let payload = Payload {
            key_id: self.id.clone(),
            ..payload.clone()
        };
        let signature = self.key.sign(payload.signed_text().as_bytes());
        let text = assemble(&payload, &signature.to_bytes());
        (payload, text)
    }

    /// The public key as a small text file another office can import.
    pub fn export_public(&self, issuer_name: &str) -> String {
        PublicKeyFile {
            issuer: issuer_name.to_string(),
            key: self.public_key(),
        }
        .to_text()
    }
}

#[cfg(unix)]
/// Writes the key to a private temporary file, then links it into place: the link fails when
/// the key already exists, so a reader never sees a half-written key and a key is never replaced.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp{}", rand::random::<u64>()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    let linked = f
        .write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .and_then(|_| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
}

/// An exported public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyFile {
    pub issuer: String,
    pub key: VerifyingKey,
}

impl PublicKeyFile {
    pub fn key_id(&self) -> String {
        key_id(&self.key)
    }

    pub fn to_text(&self) -> String {
        format!(
            "{PUBLIC_HEADER}\n签发方：{}\n密钥编号：{}\n算法：Ed25519\n公钥：{}\n",
            self.issuer,
            self.key_id(),
            data_encoding::BASE32_NOPAD.encode(self.key.as_bytes())
        )
    }

    /// Reads an exported key; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &str) -> Result<PublicKeyFile> {
        let bad = |what: String| Error::invalid(format!("公钥文件「{origin}」有误：{what}"));
        if text.lines().next().map(str::trim) != Some(PUBLIC_HEADER) {
            return Err(bad(format!("第 1 行应为「{PUBLIC_HEADER}」")));
        }
        let field = |name: &str| {
            text.lines().find_map(|line| {
                let line = line.trim();
                let rest = line.strip_prefix(name)?;
                rest.strip_prefix('：')
                    .or_else(|| rest.strip_prefix(':'))
                    .map(|v| v.trim().to_string())
            })
        };
        let issuer = field("签发方").unwrap_or_default();
        let id = field("密钥编号").ok_or_else(|| bad("缺少「密钥编号」一行".into()))?;
        let key_text = field("公钥").ok_or_else(|| bad("缺少「公钥」一行".into()))?;
        let key = data_encoding::BASE32_NOPAD
            .decode(key_text.as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
            .and_then(|b| VerifyingKey::from_bytes(&b).ok())
            .ok_or_else(|| bad("「公钥」不是有效的 Ed25519 公钥".into()))?;
        let file = PublicKeyFile { issuer, key };
        if file.key_id() != id {
            return Err(bad(format!(
                "密钥编号「{id}」与公钥不符（按公钥计算应为「{}」），文件可能被改动",
                file.key_id()
            )));
        }
        Ok(file)
    }
}

/// The keys this installation accepts: its own plus every imported one.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    keys: BTreeMap<String, PublicKeyFile>,
}

impl TrustStore {
    /// The own key (created if needed) and the imported keys in `data_dir`.
    pub fn load(data_dir: &Path) -> Result<TrustStore> {
        let own = Issuer::load_or_create(data_dir)?;
        let mut store = TrustStore::default();
        store.add(PublicKeyFile {
            issuer: "本机".into(),
            key: own.public_key(),
        });
        let dir = towncode_dir(data_dir).join(TRUSTED_DIR);
        if dir.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map_err(|e| Error::io(&dir, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            entries.sort();
            for path in entries {
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                store.add(PublicKeyFile::parse(&text, &path.display().to_string())?);
            }
        }
        Ok(store)
    }

    pub fn add(&mut self, key: PublicKeyFile) {
        self.keys.entry(key.key_id()).or_insert(key);
    }

    pub fn get(&self, key_id: &str) -> Option<&PublicKeyFile> {
        self.keys.get(key_id)
    }

    /// Every accepted key, ordered by key id.
    pub fn keys(&self) -> impl Iterator<Item = &PublicKeyFile> {
        self.keys.values()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Imports another office's exported public key into `data_dir`; returns the key.
pub fn import_public(data_dir: &Path, text: &str, origin: &str) -> Result<PublicKeyFile> {
    let file = PublicKeyFile::parse(text, origin)?;
    let dir = towncode_dir(data_dir).join(TRUSTED_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let path = dir.join(format!("{}.txt", file.key_id()));
    std::fs::write(&path, file.to_text()).map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// The four answers of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "真实有效")]
    Authentic,
    #[serde(rename = "签名不符：可能被篡改")]
    Tampered,
    #[serde(rename = "签发方未知")]
    UnknownIssuer,
    #[serde(rename = "已过期：有更新的小镇码")]
    Superseded,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Authentic => "真实有效",
            Verdict::Tampered => "签名不符：可能被篡改",
            Verdict::UnknownIssuer => "签发方未知",
            Verdict::Superseded => "已过期：有更新的小镇码",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Checks a presented payload. `current` is the store's latest issued payload for the same
/// town (if any): an authentic payload that differs from it and is not newer is superseded.
pub fn verify(presented: &Presented, trust: &TrustStore, current: Option<&Payload>) -> Verdict {
    let Some(key) = trust.get(&presented.key_id) else {
        return Verdict::UnknownIssuer;
    };
    let Some(sig) = presented.signature else {
        return Verdict::Tampered;
    };
    let signature = Signature::from_bytes(&sig);
    if key
        .key
        .verify(presented.signed.as_bytes(), &signature)
        .is_err()
    {
        return Verdict::Tampered;
    }
    // A correctly signed text whose fields cannot be read was not made by this program.
    let Some(payload) = &presented.payload else {
        return Verdict::Tampered;
    };
    match current {
        Some(cur)
            if cur.code == payload.code
                && !cur.same_content(payload)
                && cur.issued >= payload.issued =>
        {
            Verdict::Superseded
        }
        _ => Verdict::Authentic,
    }
}

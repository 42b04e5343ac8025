//! Digested static files: Phoenix's `mix phx.digest` and `cache_static_manifest`.
//!
//! [`digest`] copies every file of a static folder to a name carrying the MD5
//! of its content (`css/app.css` → `css/app-<32 hex>.css`), gzips text-like
//! files next to both names (`.gz`), and writes `cache_manifest.json` in
//! Phoenix's format:
//!
//! ```json
//! {"latest": {"css/app.css": "css/app-d41d8cd98f00b204e9800998ecf8427e.css"},
//!  "digests": {"css/app-d41d8cd98f00b204e9800998ecf8427e.css":
//!      {"logical_path": "css/app.css", "mtime": 1700000000, "size": 0,
//!       "digest": "d41d8cd98f00b204e9800998ecf8427e"}},
//!  "version": 1}
//! ```
//!
//! With `static.cache_manifest` set in the config (in prod), the endpoint
//! loads the manifest at startup, [`static_path`] names the digested file
//! (`/css/app-<hash>.css?vsn=d`) and requests for digested files are
//! answered with `cache-control: public, max-age=31536000, immutable` (and
//! the `.gz` when the client accepts gzip).
//!
//! Running [`digest`] again is harmless: digested files and `.gz` files
//! are not digested again, unchanged files keep their names, and entries of
//! earlier versions stay in `digests` (so pages still open keep working)
//! until [`clean`] removes them.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use crate::conn::Conn;

/// The manifest's file name, at the top of the static folder.
pub const MANIFEST: &str = "cache_manifest.json";

/// The extensions of files that are also written gzipped.
pub const GZIP_EXTENSIONS: &[&str] = &[
    "js", "map", "css", "txt", "text", "html", "htm", "json", "svg", "xml", "eot", "ttf", "csv",
    "md", "mjs", "wasm",
];

/// `cache_manifest.json`: the digested name of each file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Logical path (`css/app.css`) → its current digested path.
    pub latest: BTreeMap<String, String>,
    /// Digested path → what it is a version of, for every version kept.
    pub digests: BTreeMap<String, DigestEntry>,
    /// The manifest format (1).
    pub version: u32,
}

/// One digested file of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestEntry {
    /// The path it is a version of (`css/app.css`).
    pub logical_path: String,
    /// Modification time of the source, in seconds since the Unix epoch.
    pub mtime: i64,
    /// Size in bytes.
    pub size: u64,
    /// MD5 of the content, 32 lowercase hex digits.
    pub digest: String,
}

impl Manifest {
    /// Reads a manifest; the error says which file and what is wrong.
    pub fn load(path: &Path) -> Result<Manifest, String> {
        let text = fs::read_to_string(path)
            .map_err(|e| format!("cannot read the cache manifest {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "the cache manifest {} is not a valid manifest (run `phx digest`): {e}",
                path.display()
            )
        })
    }

    /// The digested path of a logical one (both without a leading `/`).
    pub fn lookup(&self, logical: &str) -> Option<&str> {
        self.latest.get(logical).map(String::as_str)
    }

    /// Whether `path` (without a leading `/`) names a digested file.
    pub fn is_digested(&self, path: &str) -> bool {
        self.digests.contains_key(path)
    }
}

/// The URL path to use for a static file: the digested name when the app
/// has a cache manifest that lists it (`/css/app.css` →
/// `/css/app-<hash>.css?vsn=d`), else `path` unchanged. `path` is a URL
/// path under `static.at`; a query or fragment after it is kept.
///
/// ```
/// use phoenix::prelude::*;
/// # let app = std::sync::Arc::new(phoenix::app::App::default());
/// # let conn = Conn::new(phoenix::poem::Request::default(), app);
/// // Without a manifest, nothing changes.
/// assert_eq!(static_path(&conn, "/css/app.css"), "/css/app.css");
/// ```
pub fn static_path(conn: &Conn, path: &str) -> String {
    let app = conn.app();
    let (Some(manifest), Some(config)) = (&app.static_manifest, &app.config) else {
        return path.to_string();
    };
    static_path_in(manifest, &config.static_files.at, path)
}

/// [`static_path`] given the manifest and `static.at`.
pub fn static_path_in(manifest: &Manifest, at: &str, path: &str) -> String {
    let at = at.trim_end_matches('/');
    let split = path.find(['?', '#']).unwrap_or(path.len());
    let (file, rest) = path.split_at(split);
    let Some(logical) = file.strip_prefix(at) else {
        return path.to_string();
    };
    if !at.is_empty() && !logical.starts_with('/') {
        return path.to_string();
    }
    match manifest.lookup(logical.trim_start_matches('/')) {
        Some(digested) => {
            let query = match rest.strip_prefix('?') {
                Some(q) => format!("?vsn=d&{q}"),
                None => format!("?vsn=d{rest}"),
            };
            format!("{at}/{digested}{query}")
        }
        None => path.to_string(),
    }
}

/// Whether a file name already carries a digest (`app-<32 hex>.css`).
fn is_digested_name(name: &str) -> bool {
    let stem = match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    };
    stem.len() > 33
        && stem.as_bytes()[stem.len() - 33] == b'-'
        && stem[stem.len() - 32..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `dir/name.ext` → `dir/name-<digest>.ext` (`name` may hold dots).
fn digested_name(logical: &str, digest: &str) -> String {
    let (dir, name) = match logical.rfind('/') {
        Some(slash) => logical.split_at(slash + 1),
        None => ("", logical),
    };
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{dir}{}-{digest}{}", &name[..dot], &name[dot..]),
        _ => format!("{dir}{name}-{digest}"),
    }
}

fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rfind('.') {
        Some(dot) if dot > 0 => &name[dot + 1..],
        _ => "",
    }
}

/// Files under `dir` to digest, as `/`-separated paths relative to `root`.
fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sources(root, &path, out)?;
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            if name.ends_with(".gz") || is_digested_name(&name) {
                continue;
            }
            let relative = path
                .strip_prefix(root)
                .map_err(io::Error::other)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if relative == MANIFEST {
                continue;
            }
            out.push((relative, path));
        }
    }
    Ok(())
}

/// Writes `path` unless a file with exactly this content is already there.
fn write_if_changed(path: &Path, content: &[u8]) -> io::Result<()> {
    if fs::read(path).ok().as_deref() == Some(content) {
        return Ok(());
    }
    fs::write(path, content)
}

fn gzip(content: &[u8]) -> io::Result<Vec<u8>> {
    // No file name or time in the header: the same input gives the same bytes.
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(
        Vec::with_capacity(content.len() / 3),
        flate2::Compression::best(),
    );
    encoder.write_all(content)?;
    encoder.finish()
}

/// Digests every file under `static_dir` (see the [module docs](self)):
/// writes `name-<md5>.ext` copies, `.gz` files of text-like ones, and
/// `cache_manifest.json`, and returns the manifest. Entries of earlier
/// runs whose files still exist are kept in `digests`.
pub fn digest(static_dir: &Path) -> io::Result<Manifest> {
    let manifest_path = static_dir.join(MANIFEST);
    let mut manifest = match fs::read_to_string(&manifest_path) {
        Ok(text) => serde_json::from_str::<Manifest>(&text).unwrap_or_default(),
        Err(_) => Manifest::default(),
    };
    manifest.version = 1;
    manifest
        .digests
        .retain(|digested, _| static_dir.join(digested).is_file());
    manifest.latest.clear();
    let mut files = Vec::new();
    sources(static_dir, static_dir, &mut files)?;
    for (logical, path) in files {
        let content = fs::read(&path)?;
        let digest = format!("{:x}", Md5::digest(&content));
        let digested = digested_name(&logical, &digest);
        let target = static_dir.join(&digested);
        write_if_changed(&target, &content)?;
        if GZIP_EXTENSIONS.contains(&extension(&logical).to_ascii_lowercase().as_str()) {
            let compressed = gzip(&content)?;
            write_if_changed(
                &PathBuf::from(format!("{}.gz", target.display())),
                &compressed,
            )?;
            write_if_changed(
                &PathBuf::from(format!("{}.gz", path.display())),
                &compressed,
            )?;
        }
        let mtime = fs::metadata(&path)?
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        manifest.digests.insert(
            digested.clone(),
            DigestEntry {
                logical_path: logical.clone(),
                mtime,
                size: content.len() as u64,
                digest,
            },
        );
        manifest.latest.insert(logical, digested);
    }
    let mut text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
    text.push('\n');
    write_if_changed(&manifest_path, text.as_bytes())?;
    Ok(manifest)
}

/// Removes digested files of earlier versions (Phoenix's `phx.digest.clean`):
/// for each logical path, keeps the latest and the `keep` most recent
/// older versions (by `mtime`), deletes the rest and their `.gz`, and
/// rewrites the manifest. Returns the digested paths removed.
pub fn clean(static_dir: &Path, keep: usize) -> io::Result<Vec<String>> {
    let manifest_path = static_dir.join(MANIFEST);
    let mut manifest = Manifest::load(&manifest_path).map_err(io::Error::other)?;
    let mut versions: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for (digested, entry) in &manifest.digests {
        if manifest.latest.get(&entry.logical_path) != Some(digested) {
            versions
                .entry(entry.logical_path.clone())
                .or_default()
                .push((entry.mtime, digested.clone()));
        }
    }
    let mut removed = Vec::new();
    for (_, mut older) in versions {
        older.sort_by(|a, b| b.cmp(a));
        for (_, digested) in older.into_iter().skip(keep) {
            let path = static_dir.join(&digested);
            for file in [
                path.clone(),
                PathBuf::from(format!("{}.gz", path.display())),
            ] {
                match fs::remove_file(&file) {
                    Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
                    _ => {}
                }
            }
            manifest.digests.remove(&digested);
            removed.push(digested);
        }
    }
    let mut text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
    text.push('\n');
    write_if_changed(&manifest_path, text.as_bytes())?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let d = "0123456789abcdef0123456789abcdef";
        assert_eq!(digested_name("css/app.css", d), format!("css/app-{d}.css"));
        assert_eq!(digested_name("app.min.js", d), format!("app.min-{d}.js"));
        assert_eq!(digested_name("LICENSE", d), format!("LICENSE-{d}"));
        assert!(is_digested_name(&format!("app-{d}.css")));
        assert!(is_digested_name(&format!("LICENSE-{d}")));
        assert!(!is_digested_name("app.css"));
        assert!(!is_digested_name(&format!("app{d}.css")));
    }

    #[test]
    fn static_path_keeps_queries_and_other_paths() {
        let mut m = Manifest::default();
        m.latest
            .insert("css/app.css".into(), "css/app-abc.css".into());
        assert_eq!(
            static_path_in(&m, "/", "/css/app.css"),
            "/css/app-abc.css?vsn=d"
        );
        assert_eq!(
            static_path_in(&m, "/", "/css/app.css?x=1"),
            "/css/app-abc.css?vsn=d&x=1"
        );
        assert_eq!(static_path_in(&m, "/", "/js/app.js"), "/js/app.js");
        assert_eq!(
            static_path_in(&m, "/assets", "/assets/css/app.css"),
            "/assets/css/app-abc.css?vsn=d"
        );
        assert_eq!(
            static_path_in(&m, "/assets", "/css/app.css"),
            "/css/app.css"
        );
    }
}

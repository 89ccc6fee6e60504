//! A scenario's `network = "..."` may name an OSM extract or a network file. Extracts are
//! imported once and cached next to the scenario, keyed by the source's size and
//! modification time, the format version and the profile, so editing the extract or
//! upgrading evac re-imports it.

use crate::import::{ImportError, ImportOptions, import_parts};
use evac_network::{Network, NetworkError};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error("cannot write the network cache {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path}: cannot read: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Is the file an evac network file (rather than an OSM extract)?
pub fn is_network_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == evac_network::format::MAGIC
}

/// Where the cached import of `source` lives.
pub fn cache_path(source: &Path, cache_dir: &Path, options: &ImportOptions<'_>) -> Result<PathBuf, CacheError> {
    let meta = std::fs::metadata(source).map_err(|e| CacheError::Io { path: source.to_path_buf(), source: e })?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    meta.len().hash(&mut h);
    meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos()).hash(&mut h);
    evac_network::format::FORMAT_VERSION.hash(&mut h);
    format!("{:?}", options.profile).hash(&mut h);
    options.bbox.map(|b| b.map(f64::to_bits)).hash(&mut h);
    options.clip.as_ref().map(|(name, _)| name.clone()).hash(&mut h);
    let stem = source.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "network".into());
    let stem = stem.trim_end_matches(".gz").trim_end_matches(".pbf").trim_end_matches(".osm").to_string();
    Ok(cache_dir.join(format!("{stem}-{:016x}.evacnet", h.finish())))
}

/// Open a network file, or import an extract through the cache. The `bool` says whether
/// an import ran.
pub fn open_or_import(
    source: &Path,
    cache_dir: &Path,
    options: &ImportOptions<'_>,
) -> Result<(Network, bool), CacheError> {
    if is_network_file(source) {
        return Ok((Network::load(source)?, false));
    }
    let cached = cache_path(source, cache_dir, options)?;
    if cached.is_file() {
        match Network::load(&cached) {
            Ok(n) => return Ok((n, false)),
            Err(_) => {
                // A damaged or outdated cache is rebuilt, never trusted.
                let _ = std::fs::remove_file(&cached);
            }
        }
    }
    let parts = import_parts(source, options)?;
    parts.write(&cached).map_err(|e| CacheError::Write { path: cached.clone(), source: e })?;
    drop(parts);
    Ok((Network::load(&cached)?, true))
}

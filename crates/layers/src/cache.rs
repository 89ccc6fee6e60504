//! A scenario may name a layers file as its network (`network = "network.toml"`): the
//! network is built on first use and cached next to the scenario, keyed by the layers
//! file's text, the size and modification time of every file it reads, the network format
//! version and the profile, so changing any input or upgrading evac rebuilds it.

use crate::build::{LayerError, build_parts};
use crate::mapping::LayersFile;
use evac_network::Network;
use evac_osm::Profile;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Is this path a layers file (rather than an OSM extract or a network file)?
pub fn is_layers_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// Where the built network of `layers` is cached.
pub fn cache_path(layers: &LayersFile, text: &str, cache_dir: &Path, profile: &Profile) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    for f in layers.inputs() {
        f.hash(&mut h);
        if let Ok(m) = std::fs::metadata(&f) {
            m.len().hash(&mut h);
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .hash(&mut h);
        }
    }
    evac_network::format::FORMAT_VERSION.hash(&mut h);
    format!("{profile:?}").hash(&mut h);
    let stem = layers.path.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "network".into());
    cache_dir.join(format!("{stem}-{:016x}.evacnet", h.finish()))
}

/// Open the cached network of a layers file, building it first if needed. The `bool` says
/// whether a build ran.
pub fn open_or_build(path: &Path, cache_dir: &Path, profile: &Profile) -> Result<(Network, bool), LayerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| evac_scenario::InputError::file(path, format!("cannot read: {e}")))?;
    let layers = LayersFile::parse(path, &text)?;
    let cached = cache_path(&layers, &text, cache_dir, profile);
    if cached.is_file() {
        match Network::load(&cached) {
            Ok(n) => return Ok((n, false)),
            // A damaged or outdated cache is rebuilt, never trusted.
            Err(_) => {
                let _ = std::fs::remove_file(&cached);
            }
        }
    }
    let parts = build_parts(&layers, profile)?;
    std::fs::create_dir_all(cache_dir).map_err(|e| LayerError::Write { path: cache_dir.to_path_buf(), source: e })?;
    parts.write(&cached).map_err(|e| LayerError::Write { path: cached.clone(), source: e })?;
    drop(parts);
    Ok((Network::load(&cached)?, true))
}

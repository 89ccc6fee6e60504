//! OpenStreetMap import: PBF (decoded in parallel), XML and gzipped XML extracts become an
//! evac [`Network`](evac_network::Network) of car-routable roads with speeds and
//! capacities, plus the rail layer and the places used to build scenarios.

pub mod cache;
pub mod import;
pub mod profile;
pub mod read;
pub mod scenario;
pub mod tags;

pub use import::{ImportError, ImportOptions, import, import_parts, import_to_file, read_places};
pub use profile::{Profile, ProfileError};
pub use read::{Place, ReadProgress};

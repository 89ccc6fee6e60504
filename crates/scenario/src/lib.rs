//! Scenario folders: reading and validating the files a user brings.
//!
//! Every problem is reported as an [`InputError`] naming the file, the line or feature, the
//! field and what was expected, so a user can fix the input without reading code. The format
//! is documented in `docs/scenario.md`.

mod config;
mod csv_input;
mod error;
mod geojson_input;
mod rail;

pub use config::{
    BeyondLine, DemandConfig, ExposureRing, FarFromRoad, FilesConfig, NetworkConfig, ScenarioConfig, ZoneConfig,
};
pub use csv_input::{MAX_SEATS, MAX_VEHICLES, read_assembly, read_centres, read_fleet, read_settlements};
pub use error::{InputError, Location};
pub use geojson_input::{read_boundary, read_hazard};
pub use rail::{MAX_MINUTES, MAX_TRAIN_CAPACITY, MIN_TURNAROUND_MIN};

use evac_model::{AssemblyPoint, Centre, DemandDefaults, FleetEntry, Hazard, RailPlan, Settlement};
use std::path::{Path, PathBuf};

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub dir: PathBuf,
    pub config: ScenarioConfig,
    pub settlements: Vec<Settlement>,
    pub hazard: Hazard,
    pub centres: Vec<Centre>,
    /// Outline of the area (raion, oblast) for maps, lon/lat.
    pub boundary: Option<geo::MultiPolygon<f64>>,
    pub fleet: Vec<FleetEntry>,
    pub rail: Option<RailPlan>,
    pub assembly: Vec<AssemblyPoint>,
}

impl Scenario {
    /// Read `scenario.toml` in `dir` (or the file itself) and every file it names.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        let (dir, toml_path) = if path.is_dir() {
            (path.to_path_buf(), path.join("scenario.toml"))
        } else {
            (path.parent().unwrap_or(Path::new(".")).to_path_buf(), path.to_path_buf())
        };
        let config = ScenarioConfig::read(&toml_path)?;
        let settlements = read_settlements(&config.file_path(&dir, "settlements", &config.files.settlements)?)?;
        let hazard = read_hazard(&config.file_path(&dir, "hazard", &config.files.hazard)?)?;
        let centres = match &config.files.centres {
            Some(f) => read_centres(&config.file_path(&dir, "centres", f)?)?,
            None => Vec::new(),
        };
        let boundary = match &config.files.boundary {
            Some(f) => Some(read_boundary(&config.file_path(&dir, "boundary", f)?)?),
            None => None,
        };
        let fleet = match &config.files.fleet {
            Some(f) => read_fleet(&config.file_path(&dir, "fleet", f)?)?,
            None => Vec::new(),
        };
        let rail = match &config.files.rail {
            Some(f) => Some(rail::read_rail(&config.file_path(&dir, "rail", f)?, &centres)?),
            None => None,
        };
        let assembly = match &config.files.assembly {
            Some(f) => read_assembly(&config.file_path(&dir, "assembly", f)?)?,
            None => Vec::new(),
        };
        let known: std::collections::HashSet<&str> = settlements.iter().map(|s| s.id.as_str()).collect();
        if let Some(a) = assembly.iter().find(|a| !known.contains(a.settlement_id.as_str())) {
            return Err(InputError::file(
                dir.join(config.files.assembly.clone().unwrap_or_default()),
                format!("assembly point for unknown settlement id \"{}\"", a.settlement_id),
            ));
        }
        Ok(Scenario { dir, config, settlements, hazard, centres, boundary, fleet, rail, assembly })
    }

    /// Replace the hazard with another file (e.g. an earlier or a forecast front line).
    pub fn with_hazard_file(mut self, path: &Path) -> Result<Self, InputError> {
        self.hazard = read_hazard(path)?;
        Ok(self)
    }

    pub fn demand(&self) -> DemandDefaults {
        self.config.demand.map(DemandDefaults::from).unwrap_or_default()
    }

    /// Absolute path of an optional file named in `[files]`.
    pub fn optional_file(&self, name: &str) -> Option<PathBuf> {
        let rel = match name {
            "network" => self.config.files.network.as_ref(),
            "fleet" => self.config.files.fleet.as_ref(),
            "rail" => self.config.files.rail.as_ref(),
            "centres" => self.config.files.centres.as_ref(),
            "boundary" => self.config.files.boundary.as_ref(),
            "calibration" => self.config.files.calibration.as_ref(),
            _ => None,
        }?;
        Some(self.dir.join(rel))
    }
}

impl From<DemandConfig> for DemandDefaults {
    fn from(d: DemandConfig) -> Self {
        let base = DemandDefaults::default();
        DemandDefaults {
            no_car_share: d.no_car_share.unwrap_or(base.no_car_share),
            immobile_share: d.immobile_share.unwrap_or(base.immobile_share),
            children_share: d.children_share.or(base.children_share),
            household_size: d.household_size.unwrap_or(base.household_size),
        }
    }
}

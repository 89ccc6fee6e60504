use serde::{Deserialize, Serialize};

/// A WGS84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub const fn new(lat: f64, lon: f64) -> Self {
        Self { lat, lon }
    }
}

/// A populated place that may have to be evacuated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    pub id: String,
    pub name: String,
    pub name_uk: Option<String>,
    pub name_latin: Option<String>,
    /// Other spellings (Russian-era names, older transliterations) used by name search.
    pub alt_names: Vec<String>,
    pub hromada: Option<String>,
    pub katottg: Option<String>,
    pub location: LatLon,
    pub population: u32,
    pub households: Option<u32>,
    /// Share of the population without a car of their own, 0..=1.
    pub no_car_share: Option<f64>,
    /// People who need a stretcher or wheelchair vehicle.
    pub immobile: Option<u32>,
    pub children: Option<u32>,
    pub population_source: Option<String>,
}

impl Settlement {
    /// The name to show next to the Latin one in bilingual documents.
    pub fn local_name(&self) -> &str {
        self.name_uk.as_deref().unwrap_or(&self.name)
    }
}

/// Scenario-wide defaults for values a settlements file may leave empty.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DemandDefaults {
    pub no_car_share: f64,
    pub immobile_share: f64,
    pub children_share: Option<f64>,
    pub household_size: f64,
}

impl Default for DemandDefaults {
    fn default() -> Self {
        Self { no_car_share: 0.3, immobile_share: 0.02, children_share: None, household_size: 2.5 }
    }
}

impl DemandDefaults {
    pub fn no_car_share(&self, s: &Settlement) -> f64 {
        s.no_car_share.unwrap_or(self.no_car_share)
    }
    pub fn immobile(&self, s: &Settlement) -> u32 {
        s.immobile.unwrap_or_else(|| (f64::from(s.population) * self.immobile_share).round() as u32)
    }
    pub fn children(&self, s: &Settlement) -> Option<u32> {
        s.children.or_else(|| self.children_share.map(|c| (f64::from(s.population) * c).round() as u32))
    }
    pub fn households(&self, s: &Settlement) -> u32 {
        s.households.unwrap_or_else(|| (f64::from(s.population) / self.household_size).ceil() as u32)
    }
}

/// A reception centre: where evacuees are registered and housed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Centre {
    pub id: String,
    pub name: String,
    pub location: LatLon,
    /// Beds (persons).
    pub capacity: u32,
}

/// One part of a hazard: a front line, a river bank, an area under fire or flood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardFeature {
    pub name: Option<String>,
    pub valid_from: Option<chrono::NaiveDate>,
    pub geometry: HazardGeometry,
}

/// Lines are sequences of positions; polygons are an exterior ring then holes, each ring closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HazardGeometry {
    Lines(Vec<Vec<LatLon>>),
    Polygons(Vec<Vec<Vec<LatLon>>>),
}

/// The geometry settlements are measured against.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hazard {
    pub features: Vec<HazardFeature>,
}

impl Hazard {
    /// The latest `valid_from` among the features, the date the hazard describes.
    pub fn valid_from(&self) -> Option<chrono::NaiveDate> {
        self.features.iter().filter_map(|f| f.valid_from).max()
    }

    pub fn vertex_count(&self) -> usize {
        self.features
            .iter()
            .map(|f| match &f.geometry {
                HazardGeometry::Lines(ls) => ls.iter().map(Vec::len).sum::<usize>(),
                HazardGeometry::Polygons(ps) => ps.iter().flatten().map(Vec::len).sum(),
            })
            .sum()
    }
}

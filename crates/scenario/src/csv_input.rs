//! Settlements and centres CSV files.

use crate::error::{InputError, Location};
use evac_model::{AssemblyPoint, Centre, FleetEntry, LatLon, Settlement, VehicleKind};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A CSV file with named columns, read whole, with helpers that turn a bad cell into an
/// [`InputError`] naming the line and column.
struct Table<'p> {
    path: &'p Path,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
}

impl<'p> Table<'p> {
    fn read(path: &'p Path, required: &[&str]) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
        let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
        let mut columns: HashMap<String, usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let name = h.trim_start_matches('\u{feff}').to_string();
            // A column named twice would silently let one of the two win: which one the
            // author meant is unknowable, so the file is refused.
            if !name.is_empty() && columns.insert(name.clone(), i).is_some() {
                return Err(InputError::at(
                    path,
                    Location::Line(1),
                    Some(&name),
                    format!("the column {name} appears twice in the header: keep one"),
                ));
            }
        }
        for col in required {
            if !columns.contains_key(*col) {
                return Err(InputError::at(
                    path,
                    Location::Line(1),
                    Some(col),
                    format!(
                        "missing column (the header must have {}; found {})",
                        required.join(","),
                        headers.iter().collect::<Vec<_>>().join(",")
                    ),
                ));
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(path, e))?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            rows.push((line, record));
        }
        Ok(Table { path, columns, rows })
    }

    fn err(&self, line: u64, field: &str, message: String) -> InputError {
        InputError::at(self.path, Location::Line(line), Some(field), message)
    }

    fn get<'r>(&self, rec: &'r csv::StringRecord, col: &str) -> Option<&'r str> {
        self.columns.get(col).and_then(|&i| rec.get(i)).filter(|s| !s.is_empty())
    }

    fn text(&self, line: u64, rec: &csv::StringRecord, col: &str) -> Result<String, InputError> {
        self.get(rec, col)
            .map(str::to_string)
            .ok_or_else(|| self.err(line, col, "expected a value, found an empty cell".into()))
    }

    fn float(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        col: &str,
        range: (f64, f64),
        what: &str,
    ) -> Result<Option<f64>, InputError> {
        let Some(raw) = self.get(rec, col) else {
            return Ok(None);
        };
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= range.0 && v <= range.1 => Ok(Some(v)),
            _ => Err(self.err(
                line,
                col,
                format!("expected {what} between {} and {}, found \"{raw}\"", range.0, range.1),
            )),
        }
    }

    fn count(&self, line: u64, rec: &csv::StringRecord, col: &str, what: &str) -> Result<Option<u32>, InputError> {
        let Some(raw) = self.get(rec, col) else {
            return Ok(None);
        };
        raw.parse::<u32>()
            .map(Some)
            .map_err(|_| self.err(line, col, format!("expected {what} (a whole number, 0 or more), found \"{raw}\"")))
    }

    /// A whole number in `range` (inclusive); an absent cell is `None`.
    fn bounded(
        &self,
        line: u64,
        rec: &csv::StringRecord,
        col: &str,
        range: (u32, u32),
        what: &str,
    ) -> Result<Option<u32>, InputError> {
        let Some(v) = self.count(line, rec, col, what)? else { return Ok(None) };
        if v < range.0 || v > range.1 {
            return Err(self.err(line, col, format!("expected {what} between {} and {}, found {v}", range.0, range.1)));
        }
        Ok(Some(v))
    }

    fn position(&self, line: u64, rec: &csv::StringRecord) -> Result<LatLon, InputError> {
        let lat = self.float(line, rec, "lat", (-90.0, 90.0), "a latitude in decimal degrees")?;
        let lon = self.float(line, rec, "lon", (-180.0, 180.0), "a longitude in decimal degrees")?;
        match (lat, lon) {
            (Some(lat), Some(lon)) => Ok(LatLon::new(lat, lon)),
            (None, _) => {
                Err(self.err(line, "lat", "expected a latitude in decimal degrees, found an empty cell".into()))
            }
            (_, None) => {
                Err(self.err(line, "lon", "expected a longitude in decimal degrees, found an empty cell".into()))
            }
        }
    }

    fn unique_id(&self, line: u64, rec: &csv::StringRecord, seen: &mut HashSet<String>) -> Result<String, InputError> {
        let id = self.text(line, rec, "id")?;
        if !seen.insert(id.clone()) {
            return Err(self.err(line, "id", format!("duplicate id \"{id}\": every row needs its own id")));
        }
        Ok(id)
    }
}

fn csv_error(path: &Path, e: csv::Error) -> InputError {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} fields like the header, found {len} (a comma inside a value needs quotes)")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8 text (save the file as UTF-8)".to_string(),
        _ => e.to_string(),
    };
    InputError::at(path, line.map_or(Location::File, Location::Line), None, message)
}

/// Read a settlements CSV: required `id,name,lat,lon,population`; optional `name_uk`,
/// `name_latin`, `alt_names` (`|`-separated), `hromada`, `katottg`, `households`,
/// `no_car_share`, `immobile`, `children`, `population_source`. Other columns are ignored.
pub fn read_settlements(path: &Path) -> Result<Vec<Settlement>, InputError> {
    let table = Table::read(path, &["id", "name", "lat", "lon", "population"])?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let line = *line;
        let id = table.unique_id(line, rec, &mut seen)?;
        let population = table
            .count(line, rec, "population", "a number of people")?
            .ok_or_else(|| table.err(line, "population", "expected a number of people, found an empty cell".into()))?;
        let immobile = table.count(line, rec, "immobile", "a number of people")?;
        if let Some(i) = immobile
            && i > population
        {
            return Err(table.err(
                line,
                "immobile",
                format!("{i} people who cannot walk is more than the population ({population})"),
            ));
        }
        let children = table.count(line, rec, "children", "a number of children")?;
        if let Some(c) = children
            && c > population
        {
            return Err(table.err(
                line,
                "children",
                format!("{c} children is more than the population ({population})"),
            ));
        }
        out.push(Settlement {
            id,
            name: table.text(line, rec, "name")?,
            name_uk: table.get(rec, "name_uk").map(str::to_string),
            name_latin: table.get(rec, "name_latin").map(str::to_string),
            alt_names: table
                .get(rec, "alt_names")
                .map(|s| s.split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
                .unwrap_or_default(),
            hromada: table.get(rec, "hromada").map(str::to_string),
            katottg: table.get(rec, "katottg").map(str::to_string),
            location: table.position(line, rec)?,
            population,
            households: table.count(line, rec, "households", "a number of households")?,
            no_car_share: table.float(line, rec, "no_car_share", (0.0, 1.0), "a share")?,
            immobile,
            children,
            population_source: table.get(rec, "population_source").map(str::to_string),
        });
    }
    if out.is_empty() {
        return Err(InputError::file(path, "no settlements: the file has a header but no rows"));
    }
    Ok(out)
}

/// Read a reception centres CSV: `id,name,lat,lon,capacity`.
pub fn read_centres(path: &Path) -> Result<Vec<Centre>, InputError> {
    let table = Table::read(path, &["id", "name", "lat", "lon", "capacity"])?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let line = *line;
        out.push(Centre {
            id: table.unique_id(line, rec, &mut seen)?,
            name: table.text(line, rec, "name")?,
            location: table.position(line, rec)?,
            capacity: table
                .count(line, rec, "capacity", "a number of beds")?
                .ok_or_else(|| table.err(line, "capacity", "expected a number of beds, found an empty cell".into()))?,
        });
    }
    Ok(out)
}

/// Most seats of one road vehicle (a double-decker coach has about 90).
pub const MAX_SEATS: u32 = 100;
/// Most vehicles of one fleet row.
pub const MAX_VEHICLES: u32 = 1000;

/// Read a fleet CSV: `id,kind,depot_lat,depot_lon,seats,count` (kind: bus, minibus,
/// ambulance, accessible).
pub fn read_fleet(path: &Path) -> Result<Vec<FleetEntry>, InputError> {
    let table = Table::read(path, &["id", "kind", "depot_lat", "depot_lon", "seats", "count"])?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let line = *line;
        let id = table.unique_id(line, rec, &mut seen)?;
        let raw = table.text(line, rec, "kind")?;
        let kind = VehicleKind::parse(&raw).ok_or_else(|| {
            table.err(line, "kind", format!("expected bus, minibus, ambulance or accessible, found \"{raw}\""))
        })?;
        let lat = table.float(line, rec, "depot_lat", (-90.0, 90.0), "a latitude")?;
        let lon = table.float(line, rec, "depot_lon", (-180.0, 180.0), "a longitude")?;
        let (Some(lat), Some(lon)) = (lat, lon) else {
            return Err(table.err(line, "depot_lat", "expected the depot's latitude and longitude".into()));
        };
        // Bounded so that a typo (an extra digit, a negative read as 2^32 - 1) stops here
        // with its line rather than as an allocation abort or an endless solve.
        let seats = table
            .bounded(line, rec, "seats", (1, MAX_SEATS), "a number of seats")?
            .ok_or_else(|| table.err(line, "seats", "a vehicle needs at least one seat".into()))?;
        out.push(FleetEntry {
            id,
            kind,
            depot: LatLon::new(lat, lon),
            seats,
            count: table.bounded(line, rec, "count", (1, MAX_VEHICLES), "a number of vehicles")?.unwrap_or(1),
        });
    }
    if out.is_empty() {
        return Err(InputError::file(path, "the fleet is empty: list at least one vehicle"));
    }
    Ok(out)
}

/// Read assembly points: `settlement_id,lat,lon` and an optional `name`.
pub fn read_assembly(path: &Path) -> Result<Vec<AssemblyPoint>, InputError> {
    let table = Table::read(path, &["settlement_id", "lat", "lon"])?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let line = *line;
        out.push(AssemblyPoint {
            settlement_id: table.text(line, rec, "settlement_id")?,
            name: table.get(rec, "name").unwrap_or("assembly point").to_string(),
            location: table.position(line, rec)?,
        });
    }
    Ok(out)
}

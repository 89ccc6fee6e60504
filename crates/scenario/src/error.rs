use std::fmt;
use std::path::PathBuf;

/// Where in a file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file.
    File,
    /// 1-based line of a text file (CSV, TOML, JSON).
    Line(u64),
    /// 0-based index of a GeoJSON feature, with its `name` when it has one.
    Feature { index: usize, name: Option<String> },
    /// 1-based record of a shapefile (its own numbering).
    Record(u64),
}

/// A problem with a user's input file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct InputError {
    pub path: PathBuf,
    pub location: Location,
    pub field: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self { path: path.into(), location: Location::File, field: None, message: message.into() }
    }
    pub fn at(path: impl Into<PathBuf>, location: Location, field: Option<&str>, message: impl Into<String>) -> Self {
        Self { path: path.into(), location, field: field.map(str::to_string), message: message.into() }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        match &self.location {
            Location::File => {}
            Location::Line(n) => write!(f, ", line {n}")?,
            Location::Feature { index, name: Some(name) } => write!(f, ", feature {index} (\"{name}\")")?,
            Location::Feature { index, name: None } => write!(f, ", feature {index}")?,
            Location::Record(n) => write!(f, ", record {n}")?,
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

//! Rendering of evac's outputs: orders, plans and transit schedules as JSON, CSV, GeoJSON,
//! printable HTML, SVG maps and charts, and terminal tables. Everything here is pure
//! (values in, text out); `evac-files` writes the results.

pub mod html;
pub mod map;
pub mod order;
pub mod plan;
pub mod route_sheets;
pub mod simulation;
pub mod table;
pub mod transit;

/// Attribution line for outputs that show OSM- or GeoNames-derived data.
pub const DATA_ATTRIBUTION: &str = "Settlement locations and boundaries © OpenStreetMap contributors (ODbL 1.0); \
place data © GeoNames (CC BY 4.0); settlement codes: KATOTTG codifier (Ministry of Development of Communities and Territories of Ukraine); \
official populations: State Statistics Service of Ukraine, present population on 1 January 2022.";

/// The line a summary prints for the places a front line cut off from the plan: every
/// road `roads` ("out", "to them") runs beyond it; `kind` names the places ("settlements",
/// "pickup points"), `counted` what they would have sent, in `unit`.
pub fn cut_off_line(roads: &str, kind: &str, places: &[&str], counted: u64, unit: &str) -> String {
    format!(
        "NOT IN THIS PLAN — cut off by the line (every road {roads} runs beyond it), {} {kind}, {counted} {unit}: {}; they need another way out",
        places.len(),
        places.join(", ")
    )
}

pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().map_or(true, |v| !v.is_finite()) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Write one CSV record with every cell passed through [`csv_cell`]: the one way evac's
/// CSV exports write a row.
pub fn write_csv_row<W: std::io::Write, I, T>(w: &mut csv::Writer<W>, cells: I) -> csv::Result<()>
where
    I: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    w.write_record(cells.into_iter().map(|c| csv_cell(c.as_ref()).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formula_cells_are_neutralised_and_numbers_kept() {
        for bad in ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x", "=HYPERLINK(\"http://x\")", "-inf", "-"] {
            assert_eq!(csv_cell(bad), format!("'{bad}"), "{bad}");
        }
        for ok in ["Kupiansk", "-0.5", "+380501234567", "37.6", "", "a=b"] {
            assert_eq!(csv_cell(ok), ok);
        }
    }
}

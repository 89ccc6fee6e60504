use anyhow::Result;
use clap::Args;
use evac_names::NameIndex;
use evac_scenario::Scenario;
use std::path::PathBuf;

#[derive(Args)]
pub struct FindArgs {
    /// Scenario folder (or its scenario.toml).
    pub scenario: PathBuf,
    /// Any spelling of the name, in Latin or Cyrillic letters.
    pub text: String,
    /// Show at most this many matches.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print the matches as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: FindArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let index = NameIndex::new(scenario.settlements.iter().map(|s| {
        let mut names: Vec<&str> = vec![s.name.as_str()];
        names.extend(s.name_uk.as_deref());
        names.extend(s.name_latin.as_deref());
        names.extend(s.alt_names.iter().map(String::as_str));
        names
    }));
    let hits = index.search(&args.text, args.limit);
    if args.json {
        let rows: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                let s = &scenario.settlements[h.index];
                serde_json::json!({
                    "id": s.id, "name": s.name, "name_uk": s.name_uk, "hromada": s.hromada, "katottg": s.katottg,
                    "lat": s.location.lat, "lon": s.location.lon, "population": s.population,
                    "matched": h.matched, "score": (h.score * 1000.0).round() / 1000.0,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if hits.is_empty() {
        anyhow::bail!("no settlement of \"{}\" matches \"{}\"", scenario.config.name, args.text);
    }
    for h in hits {
        let s = &scenario.settlements[h.index];
        println!(
            "{:<24} {:<24} {:<18} {:>8} people  {:.5},{:.5}  {}  (matched \"{}\", score {:.2})",
            s.name,
            s.name_uk.as_deref().unwrap_or(""),
            s.hromada.as_deref().unwrap_or(""),
            s.population,
            s.location.lat,
            s.location.lon,
            s.id,
            h.matched,
            h.score
        );
    }
    Ok(())
}

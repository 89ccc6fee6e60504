use anyhow::{Context, Result};
use clap::Args;
use evac_scenario::Scenario;
use evac_zone::{Order, OrderDiff, OrderOptions};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct OrderArgs {
    /// Scenario folder (or its scenario.toml).
    pub scenario: PathBuf,
    /// Output folder [default: <scenario>/out].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print order.json to standard output instead of the table.
    #[arg(long)]
    pub json: bool,
    /// A previous order.json: report the settlements added and removed since.
    #[arg(long, value_name = "ORDER_JSON")]
    pub previous: Option<PathBuf>,
    /// Use this hazard GeoJSON instead of the scenario's (an earlier or forecast line).
    #[arg(long, value_name = "GEOJSON")]
    pub hazard: Option<PathBuf>,
    /// Order number to print on the document.
    #[arg(long, default_value = "draft")]
    pub number: String,
    /// Date of the order, YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
    /// Also list the settlements outside the zone (zone "outside") in JSON and CSV.
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: OrderArgs) -> Result<()> {
    let mut scenario = Scenario::load(&args.scenario)?;
    if let Some(h) = &args.hazard {
        scenario = scenario.with_hazard_file(h)?;
    }
    let previous = args.previous.as_deref().map(read_order).transpose()?;
    let options = OrderOptions {
        number: args.number.clone(),
        date: Some(args.date.unwrap_or_else(|| chrono::Local::now().date_naive())),
        include_outside: args.all,
    };
    write_order(&scenario, &options, previous.as_ref(), args.out.as_deref(), args.json)
}

/// Build the order of a scenario, write its files and print it (the table, or order.json
/// with `json`). `evac order` and `evac up` both end here.
pub fn write_order(
    scenario: &Scenario,
    options: &OrderOptions,
    previous: Option<&Order>,
    out: Option<&Path>,
    json: bool,
) -> Result<()> {
    if let Some(warning) = evac_zone::side_warning(scenario) {
        eprintln!("warning: {warning}");
    }
    let full = Order::build(scenario, &OrderOptions { include_outside: true, ..options.clone() });
    let mut order = full.clone();
    if !options.include_outside {
        // The ordered settlements, and those beyond the line listed apart.
        order.settlements.retain(|e| e.zone.is_listed());
    }
    let diff = previous.map(|p| OrderDiff::between(p, &order));
    let out_dir = out.map_or_else(|| scenario.dir.join("out"), Path::to_path_buf);
    let files = evac_report::order::order_files(scenario, &order, &full, diff.as_ref());
    let wrote = crate::write_files(&out_dir, &files).context("cannot write the order files")?;
    if json {
        print!("{}", evac_report::order::order_json(&order));
    } else {
        print!("{}", evac_report::table::order_table(&order));
        if let Some(diff) = &diff {
            println!();
            print!("{}", evac_report::table::diff_table(diff));
        }
    }
    eprintln!("{wrote}");
    Ok(())
}

pub(crate) fn read_order(path: &Path) -> Result<Order> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the previous order {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an order.json written by `evac order` (expected keys scenario, settlements, totals)",
            path.display()
        )
    })
}

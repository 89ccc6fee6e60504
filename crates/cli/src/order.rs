use anyhow::{Context, Result};
use clap::Args;
use evac_model::{Order, OrderDiff};
use evac_plan::{OrderInput, build_order};
use evac_report::html::{OrderDocument, order_html};
use evac_report::map::order_map_svg;
use evac_scenario::Scenario;
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

/// Everything `evac order` computes, before anything is written.
pub struct ComputedOrder {
    pub order: Order,
    pub diff: Option<OrderDiff>,
    pub files: Vec<(PathBuf, Vec<u8>)>,
    pub out_dir: PathBuf,
}

pub fn compute(args: &OrderArgs) -> Result<ComputedOrder> {
    let mut scenario = Scenario::load(&args.scenario)?;
    if let Some(h) = &args.hazard {
        scenario = scenario.with_hazard_file(h)?;
    }
    let date = args.date.unwrap_or_else(|| chrono::Local::now().date_naive());
    let full = full_order(&scenario, &args.number, Some(date));
    let mut order = full.clone();
    if !args.all {
        order.settlements.retain(|e| e.zone.is_ordered());
    }
    let diff = match &args.previous {
        Some(p) => Some(OrderDiff::between(&read_order(p)?, &order)),
        None => None,
    };
    let areas = evac_geo::buffer::zone_areas(&scenario.hazard, scenario.radii());
    let svg = order_map_svg(&full, scenario.boundary.as_ref(), areas.as_ref(), &scenario.hazard, 900.0);
    let hazard_name = scenario.hazard.features.iter().find_map(|f| f.name.clone());
    let html = order_html(
        &order,
        &OrderDocument {
            map_svg: Some(&svg),
            diff: diff.as_ref(),
            hazard_name: hazard_name.as_deref(),
            attribution: evac_report::DATA_ATTRIBUTION,
        },
    );
    let out_dir = args.out.clone().unwrap_or_else(|| scenario.dir.join("out"));
    let mut files = vec![
        (out_dir.join("order.json"), evac_report::order::order_json(&order).into_bytes()),
        (out_dir.join("order.csv"), evac_report::order::order_csv(&order).into_bytes()),
        (
            out_dir.join("order.geojson"),
            evac_report::order::order_geojson(&order, areas.as_ref(), &scenario.hazard).into_bytes(),
        ),
        (out_dir.join("order.html"), html.into_bytes()),
    ];
    if let Some(diff) = &diff {
        let mut json = serde_json::to_string_pretty(diff)?;
        json.push('\n');
        files.push((out_dir.join("order_changes.json"), json.into_bytes()));
    }
    Ok(ComputedOrder { order, diff, files, out_dir })
}

/// The order of a scenario with every settlement listed (outside ones too).
pub fn full_order(scenario: &Scenario, number: &str, date: Option<chrono::NaiveDate>) -> Order {
    build_order(&OrderInput {
        scenario: &scenario.config.name,
        authority: &scenario.config.authority,
        illustrative: scenario.config.illustrative.as_deref(),
        settlements: &scenario.settlements,
        hazard: &scenario.hazard,
        radii: scenario.radii(),
        demand: scenario.demand(),
        number,
        date,
        include_outside: true,
    })
}

fn read_order(path: &Path) -> Result<Order> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the previous order {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an order.json written by `evac order` (expected keys scenario, settlements, totals)",
            path.display()
        )
    })
}

pub fn run(args: OrderArgs) -> Result<()> {
    let computed = compute(&args)?;
    evac_report::write_all_atomic(&computed.files)
        .with_context(|| format!("cannot write the order files to {}", computed.out_dir.display()))?;
    if args.json {
        print!("{}", evac_report::order::order_json(&computed.order));
    } else {
        print!("{}", evac_report::table::order_table(&computed.order));
        if let Some(diff) = &computed.diff {
            println!();
            print!("{}", evac_report::table::diff_table(diff));
        }
    }
    let names: Vec<String> =
        computed.files.iter().filter_map(|(p, _)| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    eprintln!("wrote {} to {}", names.join(", "), computed.out_dir.display());
    Ok(())
}

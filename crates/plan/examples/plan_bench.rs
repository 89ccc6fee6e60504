//! Planner benchmark: for the bundled OSM extracts (with generated radius scenarios) and
//! for synthetic road grids, side by side in one run: vehicles, heuristic time and
//! clearance, the lower bound, the exact optimum where it fits (and its time), the gap and
//! the naive baseline.
//!
//!     cargo run --release -p evac-plan --example plan_bench -- [cases...]
//!     cases: extracts grid10k grid30k grid30k4h grid100k grid1m   (default: all but grid1m)
//!     --no-exact: skip the exact optimum (the heuristic, bound and baseline only)
//!     --cold: also time the exact solver from an empty flow (by default it starts from the
//!             heuristic plan, as `evac plan` does)
//!     --no-junctions: without the junction gates (the model before 5 December 2026), to
//!             show what the junction model costs

use evac_network::testing::road;
use evac_network::{Network, RoadClass, build_network};
use evac_plan::problem::{Calibration, Destination, Problem, Source};
use evac_plan::{baseline, bound, exact, heuristic};
use std::time::Instant;

struct Case {
    name: String,
    problem: Problem,
}

fn extract_case(file: &str, vehicles: u32, calibration: Calibration) -> Case {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/osm").join(file);
    let net = evac_osm::import(&path, &Default::default()).expect("bundled extract imports");
    radius_case(file.split('-').next().unwrap_or(file).to_string(), &net, vehicles, 2_500.0, calibration)
}

/// Sources: up to 40 nodes within `radius_m` of the network's middle node; destinations:
/// the node farthest from the middle in each quadrant (safe exits, unlimited).
fn radius_case(name: String, net: &Network, vehicles: u32, radius_m: f64, calibration: Calibration) -> Case {
    let nodes = net.nodes();
    let (lat, lon) = (
        nodes.iter().map(|n| n.lat).sum::<f64>() / nodes.len() as f64,
        nodes.iter().map(|n| n.lon).sum::<f64>() / nodes.len() as f64,
    );
    let centre = evac_model::LatLon::new(lat, lon);
    let snapper = evac_network::Snapper::new(net);
    let near = snapper.within(centre, radius_m);
    let k = near.len().clamp(1, 40);
    let picked: Vec<u32> = (0..k).map(|i| near[i * near.len() / k].node).collect();
    let sources: Vec<Source> = picked
        .iter()
        .enumerate()
        .map(|(i, &node)| Source {
            id: format!("s{i}"),
            settlement: format!("s{i}"),
            name: format!("s{i}"),
            node,
            vehicles: vehicles / k as u32 + u32::from((i as u32) < vehicles % k as u32),
            exposure_weight: 1.0,
        })
        .collect();
    let mut far = [(f64::MIN, 0u32); 4];
    for (i, n) in nodes.iter().enumerate() {
        let q = usize::from(n.lat > lat) * 2 + usize::from(n.lon > lon);
        let d = (n.lat - lat).powi(2) + ((n.lon - lon) * lat.to_radians().cos()).powi(2);
        if d > far[q].0 {
            far[q] = (d, i as u32);
        }
    }
    let mut exits: Vec<u32> = far.iter().map(|f| f.1).collect();
    exits.sort_unstable();
    exits.dedup();
    let destinations = exits
        .iter()
        .enumerate()
        .map(|(i, &node)| Destination {
            id: format!("exit{i}"),
            name: format!("exit{i}"),
            node,
            capacity_vehicles: None,
        })
        .collect();
    let in_zone =
        nodes.iter().map(|n| evac_geo::distance_m(centre, evac_model::LatLon::new(n.lat, n.lon)) <= radius_m).collect();
    Case { name, problem: Problem::calibrated(net, None, 60.0, sources, destinations, in_zone, calibration) }
}

/// A w x w grid of streets 150 m apart; every 10th line is a 2-lane arterial.
fn grid_case(w: usize, vehicles: u32, calibration: Calibration) -> Case {
    let spacing = 0.00135; // ~150 m in latitude
    let mut nodes = Vec::with_capacity(w * w);
    for y in 0..w {
        for x in 0..w {
            nodes.push(((y * w + x + 1) as i64, 49.0 + y as f64 * spacing, 36.0 + x as f64 * spacing * 1.5));
        }
    }
    let id = |x: usize, y: usize| (y * w + x + 1) as i64;
    let mut roads = Vec::new();
    let mut way = 1;
    for y in 0..w {
        for x in 0..w {
            let attrs = |line: usize| {
                if line.is_multiple_of(10) {
                    road(RoadClass::Primary, 60.0, 2, 1500.0)
                } else {
                    road(RoadClass::Residential, 30.0, 1, 600.0)
                }
            };
            if x + 1 < w {
                roads.push((way, vec![id(x, y), id(x + 1, y)], attrs(y)));
                way += 1;
            }
            if y + 1 < w {
                roads.push((way, vec![id(x, y), id(x, y + 1)], attrs(x)));
                way += 1;
            }
        }
    }
    let net = build_network(&evac_network::testing::input(&nodes, roads)).expect("grid builds");
    let radius = 150.0 * w as f64 / 4.0;
    radius_case(format!("grid {}k", w * w / 1000), &net, vehicles, radius, calibration)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let no_exact = args.iter().any(|a| a == "--no-exact");
    let cold = args.iter().any(|a| a == "--cold");
    let mut calibration = Calibration::default();
    calibration.junctions.enabled = !args.iter().any(|a| a == "--no-junctions");
    args.retain(|a| !a.starts_with("--"));
    let wanted = |c: &str| {
        if args.is_empty() {
            ["extracts", "grid10k", "grid30k", "grid30k4h", "grid100k"].contains(&c)
        } else {
            args.iter().any(|a| a == c)
        }
    };
    let mut cases = Vec::new();
    if wanted("extracts") {
        for (f, v) in [
            ("liechtenstein-2015-07.osm.pbf", 4000),
            ("andorra-2013-05.osm.pbf", 3000),
            ("north-bayreuth-2014-11.osm.gz", 3000),
            ("baltimore-2015-02.osm.pbf", 6000),
            ("harrisburg-2015-02.osm.pbf", 4000),
            ("helsinki-centre-2019-04.osm.pbf", 1500),
            ("moscow-north-2013-11.osm.gz", 2000),
        ] {
            cases.push(extract_case(f, v, calibration));
        }
    }
    if wanted("grid10k") {
        cases.push(grid_case(100, 10_000, calibration));
    }
    if wanted("grid30k") {
        cases.push(grid_case(173, 20_000, calibration));
    }
    if wanted("grid30k4h") {
        // Enough vehicles for a four-hour clearance.
        let mut case = grid_case(173, 31_000, calibration);
        case.name.push_str(" 4h");
        cases.push(case);
    }
    if wanted("grid100k") {
        cases.push(grid_case(316, 50_000, calibration));
    }
    if wanted("grid1m") {
        cases.push(grid_case(1000, 100_000, calibration));
    }
    println!(
        "{:<16} {:>8} {:>8} | {:>8} {:>6} | {:>9} {:>8} | {:>8} {:<20} | {:>8} {:>8} {:>8} {:>9} | {:>7} {:>7} | {:>8}",
        "network",
        "nodes",
        "vehicles",
        "first_s",
        "first",
        "heur_s",
        "heur",
        "bound",
        "bound kind",
        "optimum",
        "exact_s",
        "cold_s",
        "states",
        "gap_opt",
        "gap_lb",
        "baseline"
    );
    for c in cases {
        let p = &c.problem;
        let t = Instant::now();
        // As `evac plan` does: the bound on one core, the first round on the other.
        let ((lb, kind), first) = rayon::join(|| bound::best_cheap_bound(p), || heuristic::first_round(p));
        let first = first.expect("heuristic");
        let first_s = t.elapsed().as_secs_f64();
        let first_c = first.0.clearance_steps(p);
        let budget = std::time::Duration::from_secs(30).saturating_sub(t.elapsed());
        let (h, _) = heuristic::improve(p, first, t.elapsed(), lb, budget);
        let heur_s = t.elapsed().as_secs_f64();
        assert!(evac_plan::verify::verify(p, &h).is_empty(), "heuristic plan invalid");
        let hc = h.clearance_steps(p);
        let t = Instant::now();
        let x = if no_exact {
            Err(exact::ExactError::OutOfTime { lower_bound: lb })
        } else {
            exact::solve_warm(p, lb, hc, 60_000_000, Some(Instant::now() + std::time::Duration::from_secs(120)), &h)
        };
        let exact_s = t.elapsed().as_secs_f64();
        let cold_s = if cold && !no_exact {
            let t = Instant::now();
            let y =
                exact::solve_until(p, lb, hc, 60_000_000, Some(Instant::now() + std::time::Duration::from_secs(600)));
            let secs = t.elapsed().as_secs_f64();
            match (&x, y) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.optimum_steps, b.optimum_steps, "warm and cold optimum differ");
                    format!("{secs:.2}")
                }
                (_, Err(exact::ExactError::OutOfTime { .. })) => format!(">{secs:.0}"),
                _ => "-".into(),
            }
        } else {
            "-".into()
        };
        let b = baseline::plan(p).expect("baseline").clearance_steps(p);
        let (opt, states) = match &x {
            Ok(x) => (Some(x.optimum_steps), x.states.to_string()),
            Err(exact::ExactError::TooLarge { states, .. }) => (None, format!(">{states}")),
            Err(exact::ExactError::OutOfTime { lower_bound }) => (None, format!("timeout@{lower_bound}")),
            Err(e) => panic!("{e:?}"),
        };
        let gap_opt = opt.map_or("-".to_string(), |o| {
            format!("{:.1}%", (f64::from(hc) - f64::from(o)) / f64::from(o.max(1)) * 100.0)
        });
        let best_bound = opt.unwrap_or(lb);
        println!(
            "{:<16} {:>8} {:>8} | {:>8.2} {:>6} | {:>9.2} {:>8} | {:>8} {:<20} | {:>8} {:>8} {:>8} {:>9} | {:>7} {:>6.1}% | {:>8}",
            c.name,
            p.node_count(),
            p.total_vehicles(),
            first_s,
            first_c,
            heur_s,
            hc,
            lb,
            kind,
            opt.map_or("-".into(), |o| o.to_string()),
            if opt.is_some() { format!("{exact_s:.2}") } else { "-".into() },
            cold_s,
            states,
            gap_opt,
            (f64::from(hc) - f64::from(best_bound)) / f64::from(best_bound.max(1)) * 100.0,
            b
        );
    }
    println!("(clearances in 1-minute steps; first_s, first: the cheap bound and the heuristic's first round on one");
    println!(" core each, and that round's clearance; heur_s, heur: then the improvement rounds (30 s budget);");
    println!(" exact_s: exact optimum started from the heuristic plan; cold_s: from an empty flow (--cold);");
    println!(" gap_opt = heuristic vs exact optimum; gap_lb = heuristic vs best bound)");
}

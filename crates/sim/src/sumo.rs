//! Running SUMO: the routes file, the configuration (saved beside the outputs so the run
//! can be repeated by hand with `sumo -c <label>.sumocfg`), and reading its outputs back.

use crate::error::SimError;
use crate::net::SumoNet;
use crate::tools::{Tools, run};
use quick_xml::events::{BytesStart, Event};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Microscopic (car following, lane changing, junction conflicts; 1 s steps) or mesoscopic
/// (queues per road segment, much faster; with junction control so right of way and traffic
/// lights still hold vehicles back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Micro,
    Meso,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Micro => "micro",
            Mode::Meso => "meso",
        }
    }
}

/// The SUMO settings of a run, as reported beside its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SumoSettings {
    pub mode: Mode,
    pub seed: u64,
    /// `--time-to-teleport`: a vehicle that cannot move for this long is moved past the
    /// obstruction (counted; 0 = never).
    pub time_to_teleport_s: f64,
    /// `--end`: vehicles still driving then are reported unfinished.
    pub end_s: f64,
    pub step_length_s: f64,
    pub depart_lane: &'static str,
    pub depart_speed: &'static str,
    /// The vehicle type: SUMO's default passenger car (Krauss, 5 m + 2.5 m gap, tau 1 s,
    /// sigma 0.5, speed factor around 1 +- 0.1).
    pub vehicle_type: &'static str,
}

/// A vehicle to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    pub id: String,
    pub depart_s: f64,
    /// Index into the routes passed along with the trips.
    pub route: usize,
}

/// The routes file: one `<route>` per distinct route, one `<vehicle>` per car, by departure
/// (SUMO requires departures in order).
pub fn routes_xml(net: &SumoNet, routes: &[Vec<u32>], trips: &[Trip], settings: &SumoSettings) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- written by evac simulate -->\n<routes>\n");
    let _ = writeln!(out, "    <vType id=\"car\" vClass=\"passenger\"/>");
    for (i, r) in routes.iter().enumerate() {
        let edges: Vec<&str> = r.iter().map(|&e| net.edges[e as usize].id.as_str()).collect();
        let _ = writeln!(out, "    <route id=\"r{i}\" edges=\"{}\"/>", xml_escape(&edges.join(" ")));
    }
    let mut order: Vec<&Trip> = trips.iter().collect();
    order.sort_by(|a, b| a.depart_s.total_cmp(&b.depart_s));
    for t in order {
        let _ = writeln!(
            out,
            "    <vehicle id=\"{}\" type=\"car\" route=\"r{}\" depart=\"{:.2}\" departLane=\"{}\" departSpeed=\"{}\"/>",
            xml_escape(&t.id),
            t.route,
            t.depart_s,
            settings.depart_lane,
            settings.depart_speed
        );
    }
    out.push_str("</routes>\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One vehicle's trip as SUMO reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct TripInfo {
    pub depart_s: f64,
    pub depart_delay_s: f64,
    /// From insertion to arrival (or to the end).
    pub duration_s: f64,
    /// Time lost against driving the whole way at the desired speed.
    pub time_loss_s: f64,
    /// None when it had not arrived by the end.
    pub arrival_s: Option<f64>,
}

/// Per-edge totals over the whole run (SUMO edge data).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EdgeTotals {
    pub time_loss_s: f64,
    pub waiting_s: f64,
    pub entered: u64,
}

/// A vehicle's route in SUMO and the time it left each of its edges (fewer times than
/// edges if it had not arrived).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exits {
    pub edges: Vec<String>,
    /// Negative where SUMO recorded none (an edge skipped by a teleport).
    pub times: Vec<f64>,
    /// When SUMO took the vehicle off the network at its destination, also when a teleport
    /// carried it there (tripinfo then reports no arrival).
    pub arrival_s: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Teleports {
    pub total: u64,
    pub jam: u64,
    #[serde(rename = "yield")]
    pub yield_: u64,
    pub wrong_lane: u64,
}

/// What one SUMO run produced.
#[derive(Debug, Clone, Default)]
pub struct SumoOutput {
    pub trips: HashMap<String, TripInfo>,
    pub exits: HashMap<String, Exits>,
    pub edges: HashMap<String, EdgeTotals>,
    pub teleports: Teleports,
    pub inserted: u64,
    pub seconds: f64,
    /// The configuration that reproduces the run.
    pub config: PathBuf,
}

/// Run SUMO on `routes` in `work_dir` with the files named after `label`.
pub fn run_sumo(
    tools: &Tools,
    net: &Path,
    work_dir: &Path,
    label: &str,
    routes: &str,
    settings: &SumoSettings,
) -> Result<SumoOutput, SimError> {
    std::fs::create_dir_all(work_dir).map_err(SimError::io(work_dir))?;
    let work_dir = work_dir.canonicalize().map_err(SimError::io(work_dir))?;
    let file = |suffix: &str| work_dir.join(format!("{label}.{suffix}"));
    let (rou, cfg) = (file("rou.xml"), file("sumocfg"));
    // Absolute, so the saved configuration runs from anywhere.
    let net = net.canonicalize().map_err(SimError::io(net))?;
    let net = net.as_path();
    let (tripinfo, vehroute, edgedata, stats, log) =
        (file("tripinfo.xml"), file("vehroute.xml"), file("edgedata.xml"), file("stats.xml"), file("log"));
    // Outputs of an earlier run must not pass for this one's.
    for p in [&tripinfo, &vehroute, &edgedata, &stats] {
        let _ = std::fs::remove_file(p);
    }
    evac_files::write_atomic(&rou, routes.as_bytes()).map_err(SimError::io(&rou))?;
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let mut args: Vec<String> = vec![
        "--net-file".into(),
        s(net),
        "--route-files".into(),
        s(&rou),
        "--begin".into(),
        "0".into(),
        "--end".into(),
        format!("{}", settings.end_s),
        "--step-length".into(),
        format!("{}", settings.step_length_s),
        "--seed".into(),
        settings.seed.to_string(),
        "--time-to-teleport".into(),
        format!("{}", settings.time_to_teleport_s),
        "--tripinfo-output".into(),
        s(&tripinfo),
        "--tripinfo-output.write-unfinished".into(),
        "true".into(),
        "--vehroute-output".into(),
        s(&vehroute),
        "--vehroute-output.exit-times".into(),
        "true".into(),
        "--edgedata-output".into(),
        s(&edgedata),
        "--statistic-output".into(),
        s(&stats),
        "--log".into(),
        s(&log),
        "--no-step-log".into(),
        "true".into(),
        "--duration-log.disable".into(),
        "true".into(),
        "--xml-validation".into(),
        "never".into(),
        "--xml-validation.net".into(),
        "never".into(),
        "--threads".into(),
        "1".into(),
    ];
    if settings.mode == Mode::Meso {
        args.extend(["--mesosim", "true", "--meso-junction-control", "true"].map(String::from));
    }
    // Save the configuration first and run from it, so what ran is exactly what is kept.
    run(tools.command(&tools.sumo).args(&args).arg("--save-configuration").arg(&cfg), "sumo")?;
    let started = std::time::Instant::now();
    run(tools.command(&tools.sumo).arg("--configuration-file").arg(&cfg), "sumo")?;
    let seconds = started.elapsed().as_secs_f64();
    let read = |p: &Path| -> Result<std::io::BufReader<std::fs::File>, SimError> {
        std::fs::File::open(p).map(std::io::BufReader::new).map_err(SimError::io(p))
    };
    let bad = |p: &Path| {
        let p = p.to_path_buf();
        move |message: String| SimError::Output { path: p, message }
    };
    let trips = parse_tripinfo(read(&tripinfo)?).map_err(bad(&tripinfo))?;
    let exits = parse_vehroute(read(&vehroute)?).map_err(bad(&vehroute))?;
    let edges = parse_edgedata(read(&edgedata)?).map_err(bad(&edgedata))?;
    let (teleports, inserted) = parse_statistics(read(&stats)?).map_err(bad(&stats))?;
    Ok(SumoOutput { trips, exits, edges, teleports, inserted, seconds, config: cfg })
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

fn num(e: &BytesStart<'_>, name: &[u8]) -> Option<f64> {
    attr(e, name).and_then(|v| v.parse().ok())
}

/// Visit every start (or empty) element of an XML stream.
fn each_element<R: BufRead>(input: R, mut f: impl FnMut(&BytesStart<'_>) -> Result<(), String>) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    loop {
        let pos = reader.buffer_position();
        match reader.read_event_into(&mut buf).map_err(|e| format!("not valid XML at byte {pos}: {e}"))? {
            Event::Start(e) | Event::Empty(e) => f(&e)?,
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

pub fn parse_tripinfo<R: BufRead>(input: R) -> Result<HashMap<String, TripInfo>, String> {
    let mut out = HashMap::new();
    each_element(input, |e| {
        if e.name().as_ref() != b"tripinfo" {
            return Ok(());
        }
        let id = attr(e, b"id").ok_or("a tripinfo without id")?;
        let depart = num(e, b"depart").ok_or_else(|| format!("tripinfo {id} has no depart"))?;
        let arrival = num(e, b"arrival").ok_or_else(|| format!("tripinfo {id} has no arrival"))?;
        out.insert(
            id,
            TripInfo {
                depart_s: depart,
                depart_delay_s: num(e, b"departDelay").unwrap_or(0.0),
                duration_s: num(e, b"duration").unwrap_or(0.0),
                time_loss_s: num(e, b"timeLoss").unwrap_or(0.0),
                // Unfinished trips (write-unfinished) have arrival -1.
                arrival_s: (arrival >= 0.0).then_some(arrival),
            },
        );
        Ok(())
    })?;
    Ok(out)
}

pub fn parse_vehroute<R: BufRead>(input: R) -> Result<HashMap<String, Exits>, String> {
    let mut out = HashMap::new();
    let mut vehicle: Option<String> = None;
    let mut arrival: Option<f64> = None;
    each_element(input, |e| {
        match e.name().as_ref() {
            b"vehicle" => {
                vehicle = attr(e, b"id");
                arrival = num(e, b"arrival").filter(|&a| a >= 0.0);
            }
            b"route" => {
                let (Some(v), Some(edges), Some(times)) = (&vehicle, attr(e, b"edges"), attr(e, b"exitTimes")) else {
                    return Ok(());
                };
                let edges: Vec<String> = edges.split_whitespace().map(str::to_string).collect();
                let times: Vec<f64> = times
                    .split_whitespace()
                    .map(|t| t.parse::<f64>().map_err(|_| format!("vehicle {v}: exit time `{t}` is not a number")))
                    .collect::<Result<_, _>>()?;
                // A vehicle still driving at the end has exit times for the edges it left.
                if times.len() > edges.len() {
                    return Err(format!("vehicle {v}: more exit times than edges"));
                }
                out.insert(v.clone(), Exits { edges, times, arrival_s: arrival });
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(out)
}

pub fn parse_edgedata<R: BufRead>(input: R) -> Result<HashMap<String, EdgeTotals>, String> {
    let mut out: HashMap<String, EdgeTotals> = HashMap::new();
    each_element(input, |e| {
        if e.name().as_ref() != b"edge" {
            return Ok(());
        }
        let Some(id) = attr(e, b"id") else { return Ok(()) };
        // Intervals add up (one interval unless SUMO is told otherwise).
        let t = out.entry(id).or_default();
        t.time_loss_s += num(e, b"timeLoss").unwrap_or(0.0);
        t.waiting_s += num(e, b"waitingTime").unwrap_or(0.0);
        t.entered += num(e, b"entered").unwrap_or(0.0) as u64;
        Ok(())
    })?;
    Ok(out)
}

pub fn parse_statistics<R: BufRead>(input: R) -> Result<(Teleports, u64), String> {
    let mut teleports = None;
    let mut inserted = 0;
    each_element(input, |e| {
        let n = |k: &[u8]| num(e, k).unwrap_or(0.0) as u64;
        match e.name().as_ref() {
            b"teleports" => {
                teleports = Some(Teleports {
                    total: n(b"total"),
                    jam: n(b"jam"),
                    yield_: n(b"yield"),
                    wrong_lane: n(b"wrongLane"),
                })
            }
            b"vehicles" => inserted = n(b"inserted"),
            _ => {}
        }
        Ok(())
    })?;
    Ok((teleports.ok_or("no <teleports> element: not a SUMO statistics file")?, inserted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_sorted_by_departure_and_escaped() {
        let net = crate::net::tests::tiny();
        let settings = SumoSettings {
            mode: Mode::Micro,
            seed: 1,
            time_to_teleport_s: 300.0,
            end_s: 3600.0,
            step_length_s: 1.0,
            depart_lane: "best",
            depart_speed: "max",
            vehicle_type: "",
        };
        let routes = vec![vec![net.edge_index("100#0").unwrap(), net.edge_index("200").unwrap()]];
        let trips = vec![
            Trip { id: "p1.0".into(), depart_s: 60.0, route: 0 },
            Trip { id: "p0.0&".into(), depart_s: 7.5, route: 0 },
        ];
        let xml = routes_xml(&net, &routes, &trips, &settings);
        assert!(xml.contains(r#"<route id="r0" edges="100#0 200"/>"#), "{xml}");
        let first = xml.find("p0.0&amp;").unwrap();
        let second = xml.find("p1.0").unwrap();
        assert!(first < second, "departures in order");
        assert!(xml.contains(r#"depart="7.50" departLane="best" departSpeed="max""#));
    }

    #[test]
    fn outputs_are_read_back() {
        let tripinfo = r#"<tripinfos>
            <tripinfo id="p0.0" depart="3.00" departDelay="2.50" arrival="95.00" duration="92.00" timeLoss="30.5"/>
            <tripinfo id="p0.1" depart="4.00" departDelay="0.00" arrival="-1.00" duration="-1"/>
        </tripinfos>"#;
        let t = parse_tripinfo(tripinfo.as_bytes()).unwrap();
        assert_eq!(
            t["p0.0"],
            TripInfo { depart_s: 3.0, depart_delay_s: 2.5, duration_s: 92.0, time_loss_s: 30.5, arrival_s: Some(95.0) }
        );
        assert_eq!(t["p0.1"].arrival_s, None);
        let vehroute = r#"<routes><vehicle id="p0.0" depart="3.00" arrival="95.00">
            <route edges="a b c" exitTimes="10.00 50.00 95.00"/></vehicle>
            <vehicle id="p0.1" depart="4.00"><route edges="a b c" exitTimes="11.00"/></vehicle></routes>"#;
        let v = parse_vehroute(vehroute.as_bytes()).unwrap();
        assert_eq!(v["p0.0"].times, vec![10.0, 50.0, 95.0]);
        assert_eq!(v["p0.0"].edges, vec!["a", "b", "c"]);
        assert_eq!(v["p0.1"].times, vec![11.0]);
        assert_eq!((v["p0.0"].arrival_s, v["p0.1"].arrival_s), (Some(95.0), None));
        let teleported = r#"<routes><vehicle id="t" depart="1" arrival="50"><route edges="a b c" exitTimes="5 -1 -1"/></vehicle></routes>"#;
        let t = parse_vehroute(teleported.as_bytes()).unwrap();
        assert_eq!((t["t"].times[1], t["t"].arrival_s), (-1.0, Some(50.0)));
        assert!(
            parse_vehroute(
                r#"<routes><vehicle id="x"><route edges="a" exitTimes="1 2"/></vehicle></routes>"#.as_bytes()
            )
            .is_err()
        );
        let edgedata = r#"<meandata><interval begin="0" end="100">
            <edge id="a" sampledSeconds="5" timeLoss="12.5" waitingTime="3" entered="4"/>
        </interval><interval begin="100" end="200"><edge id="a" timeLoss="1" entered="1"/></interval></meandata>"#;
        let e = parse_edgedata(edgedata.as_bytes()).unwrap();
        assert_eq!(e["a"], EdgeTotals { time_loss_s: 13.5, waiting_s: 3.0, entered: 5 });
        let stats = r#"<statistics><vehicles loaded="3" inserted="2" running="0" waiting="1"/>
            <teleports total="4" jam="3" yield="1" wrongLane="0"/></statistics>"#;
        let (tp, inserted) = parse_statistics(stats.as_bytes()).unwrap();
        assert_eq!((tp.total, tp.jam, tp.yield_, inserted), (4, 3, 1, 2));
        assert!(parse_statistics("<statistics/>".as_bytes()).unwrap_err().contains("teleports"));
        assert!(parse_tripinfo("<tripinfos><tripinfo depart=\"1\"/></tripinfos>".as_bytes()).is_err());
    }
}

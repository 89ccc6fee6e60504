//! Route-query benchmark: random origin-destination pairs on a network file, answered by
//! bidirectional Dijkstra and by the contraction hierarchy, with per-query times. Writes
//! the network (nodes.csv, edges.csv) and the pairs with evac's answers (pairs.csv) so that
//! `bench/routes_peer.py` can run pandana and networkx on exactly the same queries.
//!
//!     cargo run --release -p evac-network --example route_bench -- NETWORK.evacnet 10000 OUT_DIR

use evac_network::ch::ContractionHierarchy;
use evac_network::{Network, Router};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).ok_or("usage: route_bench NETWORK [QUERIES] [OUT_DIR]")?;
    let queries: usize = args.get(2).map(|q| q.parse()).transpose()?.unwrap_or(10_000);
    let out = std::path::PathBuf::from(args.get(3).cloned().unwrap_or_else(|| "target/bench-routes".into()));
    std::fs::create_dir_all(&out)?;
    let t = Instant::now();
    let net = Network::load(std::path::Path::new(path))?;
    let load_s = t.elapsed().as_secs_f64();
    let n = net.nodes().len() as u64;
    // Deterministic pairs.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let pairs: Vec<(u32, u32)> = (0..queries).map(|_| ((next() % n) as u32, (next() % n) as u32)).collect();
    let router = Router::new(&net, None);
    let mut ws = router.workspace();
    let t = Instant::now();
    let dijkstra: Vec<f64> = pairs
        .iter()
        .map(|&(s, d)| router.shortest_path_with(&mut ws, s, d).map_or(f64::INFINITY, |p| p.duration_s))
        .collect();
    let dijkstra_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let ch = ContractionHierarchy::build(&net, None);
    let ch_build_s = t.elapsed().as_secs_f64();
    let mut calc = ch.calculator();
    let t = Instant::now();
    let ch_times: Vec<Option<usize>> = pairs.iter().map(|&(s, d)| ch.time_ms(&mut calc, s, d)).collect();
    let ch_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for &(s, d) in &pairs {
        std::hint::black_box(ch.shortest_path(&mut calc, &router, s, d));
    }
    let ch_path_s = t.elapsed().as_secs_f64();
    let mut worst = 0.0f64;
    for (a, b) in dijkstra.iter().zip(&ch_times) {
        if let Some(b) = b {
            worst = worst.max((a - *b as f64 / 1000.0).abs() / a.max(1.0));
        }
    }
    println!(
        "network {path}: {} nodes, {} edges (loaded in {:.1} ms)",
        net.nodes().len(),
        net.edges().len(),
        load_s * 1e3
    );
    println!("{queries} random queries:");
    println!("  evac bidirectional Dijkstra  {:>9.1} us/query (path + time)", dijkstra_s / queries as f64 * 1e6);
    println!("  evac CH (fast_paths) build   {:>9.2} s", ch_build_s);
    println!("  evac CH query                {:>9.1} us/query (time only)", ch_s / queries as f64 * 1e6);
    println!("  evac CH query + edge path    {:>9.1} us/query", ch_path_s / queries as f64 * 1e6);
    println!("  largest relative difference Dijkstra vs CH: {worst:.2e} (CH weights are whole milliseconds per edge)");
    let mut w = std::io::BufWriter::new(std::fs::File::create(out.join("nodes.csv"))?);
    writeln!(w, "id,x,y")?;
    for (i, node) in net.nodes().iter().enumerate() {
        writeln!(w, "{i},{},{}", node.lon, node.lat)?;
    }
    let mut w = std::io::BufWriter::new(std::fs::File::create(out.join("edges.csv"))?);
    writeln!(w, "from,to,time_s")?;
    for e in net.edges() {
        writeln!(w, "{},{},{}", e.from, e.to, e.time_s)?;
    }
    let mut w = std::io::BufWriter::new(std::fs::File::create(out.join("pairs.csv"))?);
    writeln!(w, "from,to,evac_time_s")?;
    for (&(s, d), t) in pairs.iter().zip(&dijkstra) {
        writeln!(w, "{s},{d},{t}")?;
    }
    std::fs::write(
        out.join("evac.json"),
        format!(
            "{{\"queries\": {queries}, \"dijkstra_us\": {}, \"ch_build_s\": {ch_build_s}, \"ch_us\": {}, \"ch_path_us\": {}}}\n",
            dijkstra_s / queries as f64 * 1e6,
            ch_s / queries as f64 * 1e6,
            ch_path_s / queries as f64 * 1e6
        ),
    )?;
    Ok(())
}

//! Zone classification at country scale: 30,000 settlements against a 5,000-vertex front
//! line across Ukraine, with the R-tree index (parallel and single-threaded) side by side
//! with the naive baseline (exact distance to every segment), reported as a ratio.
//!
//!     cargo bench -p evac-zone --bench classify

use criterion::{Criterion, criterion_group};
use evac_geo::distance_to_segment_m;
use evac_model::{Hazard, HazardFeature, HazardGeometry, LatLon};
use evac_zone::HazardIndex;
use std::hint::black_box;
use std::time::Instant;

/// Deterministic xorshift, so every run measures the same input.
struct Rng(u64);
impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn settlements(n: usize) -> Vec<LatLon> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n).map(|_| LatLon::new(44.4 + rng.next_f64() * 8.0, 22.1 + rng.next_f64() * 18.1)).collect()
}

/// A meandering line from the northern border to the Dnipro, 5,000 vertices (~250 m apart).
fn front_line(vertices: usize) -> Vec<LatLon> {
    (0..vertices)
        .map(|i| {
            let t = i as f64 / (vertices - 1) as f64;
            LatLon::new(52.2 - 5.6 * t, 35.5 + 2.0 * t + 0.15 * (t * 90.0).sin() + 0.05 * (t * 400.0).cos())
        })
        .collect()
}

fn hazard(line: &[LatLon]) -> Hazard {
    Hazard {
        features: vec![HazardFeature {
            name: None,
            valid_from: None,
            geometry: HazardGeometry::Lines(vec![line.to_vec()]),
        }],
    }
}

fn brute_force(p: LatLon, line: &[LatLon]) -> f64 {
    line.windows(2).map(|w| distance_to_segment_m(p, w[0], w[1])).fold(f64::INFINITY, f64::min)
}

fn bench(c: &mut Criterion) {
    let points = settlements(30_000);
    let line = front_line(5_000);
    let hz = hazard(&line);
    let mut g = c.benchmark_group("classify_30k_settlements_5k_vertices");
    g.sample_size(10);
    g.bench_function("index_build_and_query_parallel", |b| {
        b.iter(|| {
            let index = HazardIndex::new(black_box(&hz));
            black_box(index.distances_m(&points))
        })
    });
    g.bench_function("index_build_and_query_one_thread", |b| {
        b.iter(|| {
            let index = HazardIndex::new(black_box(&hz));
            black_box(points.iter().map(|&p| index.distance_m(p)).sum::<f64>())
        })
    });
    g.bench_function("naive_all_segments_100_settlements", |b| {
        b.iter(|| black_box(points[..100].iter().map(|&p| brute_force(p, &line)).sum::<f64>()))
    });
    g.finish();
}

/// One-shot side-by-side summary with the ratio (criterion's figures are above it).
fn summary() {
    let points = settlements(30_000);
    let line = front_line(5_000);
    let hz = hazard(&line);
    let t = Instant::now();
    let index = HazardIndex::new(&hz);
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let fast = index.distances_m(&points);
    let query = t.elapsed().as_secs_f64();
    let sample = 100;
    let t = Instant::now();
    let slow: Vec<f64> = points[..sample].iter().map(|&p| brute_force(p, &line)).collect();
    let naive_per_point = t.elapsed().as_secs_f64() / sample as f64;
    let max_diff = slow.iter().zip(&fast).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let ours = build + query;
    let naive_total = naive_per_point * points.len() as f64;
    println!("\n== zone classification, 30,000 settlements x 5,000-vertex line ==");
    println!(
        "evac index: build {:.1} ms + query {:.1} ms = {:.1} ms ({:.2} us/settlement)",
        build * 1e3,
        query * 1e3,
        ours * 1e3,
        ours / points.len() as f64 * 1e6
    );
    println!(
        "naive exact (every segment): {:.1} us/settlement -> {:.1} s for 30,000 (extrapolated from {sample})",
        naive_per_point * 1e6,
        naive_total
    );
    println!("speed-up: {:.0}x; largest difference on the sample: {:.2e} m", naive_total / ours, max_diff);
}

criterion_group!(benches, bench);

fn main() {
    summary();
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
}

//! ns per point of the spike detector: one series, 10,000 points at 1-minute grain; and one week of hourly
//! points, which is what the collector hands it for each series of a first load (tens of thousands of times).
//!
//! `cargo bench --bench detector` (criterion reports time per 10,000 points and points/s).

use std::hint::black_box;

use aisec::anomaly::{Detector, RollingOrder, SeriesKind};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 10_000;
const START: i64 = 1_767_571_200;

/// Counts with a daily cycle and Poisson-like noise (deterministic LCG, normal approximation), plus a spike.
fn series() -> Vec<f64> {
    counts(N, 1440, 200.0, 8000)
}

/// `n` points of `mean` counts with a cycle of `period` points and an eightfold spike of 25 points at
/// `spike_at`.
fn counts(n: usize, period: usize, mean: f64, spike_at: usize) -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let phase = (i % period) as f64 / period as f64;
            let mut lambda = mean * (1.0 - 0.6 * (2.0 * std::f64::consts::PI * phase).cos());
            if (spike_at..spike_at + 25).contains(&i) {
                lambda *= 8.0;
            }
            let z = (-2.0 * uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
            (lambda + z * lambda.sqrt()).round().max(0.0)
        })
        .collect()
}

fn detector(c: &mut Criterion) {
    let values = series();
    let mut g = c.benchmark_group("detector");
    g.throughput(Throughput::Elements(N as u64));
    for (name, kind) in [("counts_1min", SeriesKind::Counts), ("auto_1min", SeriesKind::Auto)] {
        g.bench_function(BenchmarkId::new(name, N), |b| {
            b.iter(|| {
                let mut d = Detector::with_kind(60, kind);
                let mut alerts = 0usize;
                for (i, &x) in values.iter().enumerate() {
                    alerts += usize::from(d.push(START + 60 * i as i64, black_box(x)).is_some());
                }
                black_box(alerts)
            })
        });
    }
    g.finish();
    let week = counts(168, 24, 12_000.0, 160);
    let mut g = c.benchmark_group("detector");
    g.throughput(Throughput::Elements(week.len() as u64));
    g.bench_function(BenchmarkId::new("auto_1h", week.len()), |b| {
        b.iter(|| {
            let mut d = Detector::new(3600);
            let mut alerts = 0usize;
            for (i, &x) in week.iter().enumerate() {
                alerts += usize::from(d.push(START + 3600 * i as i64, black_box(x)).is_some());
            }
            black_box(alerts)
        })
    });
    g.finish();
}

/// The sorted-Vec order-statistic window alone: one push (insert + evict) plus median and MAD.
fn window(c: &mut Criterion) {
    let values = series();
    let mut g = c.benchmark_group("window");
    g.throughput(Throughput::Elements(N as u64));
    for cap in [720usize, 2880] {
        g.bench_function(BenchmarkId::new("push_median_mad", cap), |b| {
            b.iter(|| {
                let mut w = RollingOrder::new(cap);
                let mut acc = 0.0;
                for &x in &values {
                    w.push(black_box((x + 0.375).sqrt()));
                    acc += w.median().unwrap_or(0.0) + w.mad().unwrap_or(0.0);
                }
                black_box(acc)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, detector, window);
criterion_main!(benches);

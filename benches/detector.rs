//! ns per point of the spike detector: one series, 10,000 points at 1-minute grain.
//!
//! `cargo bench --bench detector` (criterion reports time per 10,000 points and points/s).

use std::hint::black_box;

use aisec::anomaly::{Detector, RollingOrder, SeriesKind};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 10_000;
const START: i64 = 1_767_571_200;

/// Counts with a daily cycle and Poisson-like noise (deterministic LCG, normal approximation), plus a spike.
fn series() -> Vec<f64> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..N)
        .map(|i| {
            let phase = (i % 1440) as f64 / 1440.0;
            let mut lambda = 200.0 * (1.0 - 0.6 * (2.0 * std::f64::consts::PI * phase).cos());
            if (8000..8025).contains(&i) {
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

//! Evaluates every control over the `large` scenario's 10,000 resources as the cockpit holds them after
//! collection (`support/large.rs`: emulator + real collector, every resource's child data read), and over
//! 10,000 generated resources whose child data is heavier than the scenario's (six role assignments, two
//! content-filter policies, three computes… each: `support/inventory.rs`). Target: the whole evaluation of the
//! scenario in 50 ms or less.
//!
//! Two forms are measured: `verdicts_all`, what the cockpit's collector runs after every inventory or details
//! refresh (every status, no evidence), and `evaluate_all`, what a scan runs (every finding with its evidence).
//!
//! Run with `cargo bench --bench checks`. Two diagnostic modes replace the criterion run (on the inventory
//! named by `CHECKS_INVENTORY`: `large`, the default, or `synthetic`):
//! - `CHECKS_RUNS=n` evaluates n times and prints wall and CPU time (median and range); under
//!   `taskset -c 0` the evaluation runs on one thread and its CPU time is exact; `CHECKS_FORM=findings`
//!   measures `evaluate_all` instead of `verdicts_all`;
//! - `CHECKS_DUMP=file` writes every finding as a JSON line: two dumps diff to nothing when an engine change
//!   keeps every verdict and every evidence text.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

use aisec::checks::{evaluate, evaluate_all, verdicts_all};

#[path = "support/inventory.rs"]
mod inventory;
#[path = "support/large.rs"]
mod large;
use inventory::{inventory, subscriptions};

const RESOURCES: usize = 10_000;

fn bench_checks(c: &mut Criterion) {
    let synthetic = (inventory(RESOURCES), subscriptions());
    let scenario = large::large_tenant();
    let (resources, subscriptions) = match std::env::var("CHECKS_INVENTORY").as_deref() {
        Ok("synthetic") => (&synthetic.0, &synthetic.1),
        _ => (&scenario.0, &scenario.1),
    };
    assert_eq!(
        scenario.0.len(),
        RESOURCES,
        "the large scenario holds 10,000 AI resources"
    );
    let findings = evaluate_all(resources, subscriptions);
    assert!(findings.len() > RESOURCES * 15, "{} findings", findings.len());
    // `CHECKS_DUMP=file` writes every finding as one JSON line and stops: diff two dumps to prove an engine
    // change alters no verdict and no evidence text.
    if let Ok(path) = std::env::var("CHECKS_DUMP") {
        let mut out = String::new();
        for f in &findings {
            out.push_str(&serde_json::to_string(f).expect("serialises"));
            out.push('\n');
        }
        std::fs::write(path, out).expect("dump written");
        return;
    }
    drop(findings);
    // Diagnostic mode for shared machines and profilers: `CHECKS_RUNS=n` evaluates n times and prints wall
    // time and the CPU time the process consumed (from /proc), which a busy machine inflates far less than
    // wall time. Under `taskset -c 0` the evaluation runs on one thread, whose on-CPU time is exact (ns).
    if let Some(runs) = std::env::var("CHECKS_RUNS").ok().and_then(|v| v.parse::<usize>().ok()) {
        let with_evidence = std::env::var("CHECKS_FORM").as_deref() == Ok("findings");
        let form = if with_evidence { "evaluate_all" } else { "verdicts_all" };
        let mut walls = Vec::with_capacity(runs);
        let mut cpus = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (ticks, thread) = (process_ticks(), thread_cpu_ns());
            let start = std::time::Instant::now();
            // The result is kept until the clock is read: freeing it is the caller's business, not evaluating.
            let kept: (Vec<_>, Vec<_>) = if with_evidence {
                (black_box(evaluate_all(resources, subscriptions)), Vec::new())
            } else {
                (Vec::new(), black_box(verdicts_all(resources, subscriptions)))
            };
            let wall = start.elapsed().as_secs_f64() * 1e3;
            let count = kept.0.len() + kept.1.len();
            let ticks = process_ticks()
                .zip(ticks)
                .map(|((u1, s1), (u0, s0))| (u1 - u0, s1 - s0));
            let thread = thread_cpu_ns()
                .zip(thread)
                .map(|(after, before)| (after - before) as f64 / 1e6);
            eprintln!(
                "{form}: wall {wall:.1} ms, this thread on CPU {thread:.1?} ms, process user/sys {ticks:?} \
                 ticks of 10 ms, {count} findings"
            );
            walls.push(wall);
            cpus.extend(thread);
        }
        for (what, mut values) in [("wall", walls), ("thread CPU", cpus)] {
            values.sort_by(f64::total_cmp);
            if let (Some(min), Some(median), Some(max)) = (values.first(), values.get(values.len() / 2), values.last())
            {
                eprintln!(
                    "{what}: median {median:.1} ms, range {min:.1}–{max:.1} ms over {} runs",
                    values.len()
                );
            }
        }
        return;
    }
    let mut group = c.benchmark_group("checks");
    group.sample_size(20);
    // The results are what the caller keeps (the snapshot, the report); freeing them is not part of evaluating.
    group.bench_function("verdicts_all_large_scenario_10k", |b| {
        b.iter_with_large_drop(|| verdicts_all(black_box(&scenario.0), black_box(&scenario.1)))
    });
    group.bench_function("verdicts_all_synthetic_heavy_10k", |b| {
        b.iter_with_large_drop(|| verdicts_all(black_box(&synthetic.0), black_box(&synthetic.1)))
    });
    group.bench_function("evaluate_all_large_scenario_10k", |b| {
        b.iter_with_large_drop(|| evaluate_all(black_box(&scenario.0), black_box(&scenario.1)))
    });
    group.bench_function("evaluate_all_synthetic_heavy_10k", |b| {
        b.iter_with_large_drop(|| evaluate_all(black_box(&synthetic.0), black_box(&synthetic.1)))
    });
    // The same work on one thread, resource by resource (what `evaluate` callers see).
    group.bench_function("evaluate_large_scenario_one_thread", |b| {
        b.iter_with_large_drop(|| {
            scenario
                .0
                .iter()
                .flat_map(|r| {
                    let sub = scenario.1.iter().find(|s| s.id == r.subscription_id);
                    evaluate(black_box(r), sub)
                })
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

/// User and system CPU time of this process, in ticks of 10 ms (Linux `/proc/self/stat`; includes threads
/// that have ended).
fn process_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some((fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?))
}

/// Time the calling thread has spent on a CPU, in nanoseconds (Linux `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

criterion_group!(benches, bench_checks);
criterion_main!(benches);

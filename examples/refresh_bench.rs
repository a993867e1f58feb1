//! One full refresh of every source against the 10,000-resource tenant, through the real collector and the
//! real HTTP client, with the emulator in the same process on loopback.
//!
//! ```sh
//! cargo run --release --example refresh_bench            # scenario `large` (200 subscriptions, 10,000 resources)
//! cargo run --release --example refresh_bench -- demo    # any built-in scenario name
//! ```
//!
//! Prints the wall time of the refresh (collector start → every source has completed once), the process CPU
//! time it took (getrusage, emulator included: both sides share the process), the peak resident set
//! (`VmHWM`, emulator included) and the HTTP requests by kind as counted by the client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::collector::{self, CollectorConfig, unix_now};
use aisec::emulator::{self, Scenario};
use aisec::model::{Snapshot, SourceKind};

/// `struct rusage` of Linux: two `timeval`s then fourteen longs. Declared here so the example needs no
/// extra crate for one system call.
#[repr(C)]
#[derive(Default)]
struct RUsage {
    utime_sec: i64,
    utime_usec: i64,
    stime_sec: i64,
    stime_usec: i64,
    rest: [i64; 14],
}

unsafe extern "C" {
    fn getrusage(who: i32, usage: *mut RUsage) -> i32;
}

/// User + system CPU time of the whole process.
fn cpu_time() -> Duration {
    let mut usage = RUsage::default();
    // SAFETY: `usage` is a valid, writable `struct rusage` for the duration of the call; RUSAGE_SELF = 0.
    let rc = unsafe { getrusage(0, &mut usage) };
    if rc != 0 {
        return Duration::ZERO;
    }
    let micros = (usage.utime_sec + usage.stime_sec) * 1_000_000 + usage.utime_usec + usage.stime_usec;
    Duration::from_micros(micros.max(0) as u64)
}

/// A `Vm*` line of /proc/self/status in MB (`VmHWM` = peak resident set, `VmRSS` = now).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn settled(snapshot: &Snapshot) -> bool {
    SourceKind::ALL.iter().all(|kind| {
        snapshot
            .source(*kind)
            .is_some_and(|s| !s.in_flight && (s.last_ok.is_some() || s.last_error.is_some()))
    })
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let name = std::env::args().nth(1).unwrap_or_else(|| "large".to_string());
    let now = unix_now();
    let built = Instant::now();
    let Some(scenario) = Scenario::builtin(&name, now) else {
        eprintln!("unknown scenario {name:?} (try: large, demo)");
        std::process::exit(2);
    };
    let resources = scenario.resource_ids().len();
    let subscriptions = scenario.subscription_ids().len();
    let emulator = match emulator::start(scenario).await {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot start the emulator on loopback: {error}");
            std::process::exit(2);
        }
    };
    println!(
        "scenario {name}: {subscriptions} subscriptions, {resources} resources (built and served in {:.2?}; RSS {:.0} MB)",
        built.elapsed(),
        status_mb("VmRSS:")
    );
    let base = match url::Url::parse(&emulator.base_url) {
        Ok(base) => base,
        Err(error) => {
            eprintln!("emulator address: {error}");
            std::process::exit(2);
        }
    };
    let client = match AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("bench-token"),
        RetryPolicy::default(),
    ) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("client: {error}");
            std::process::exit(2);
        }
    };

    let cpu_before = cpu_time();
    let started = Instant::now();
    let handle = collector::spawn(client, CollectorConfig::default());
    let mut snapshots = handle.snapshots.clone();
    let mut done_at: Vec<(SourceKind, Duration)> = Vec::new();
    let snapshot: Arc<Snapshot> = loop {
        let current = snapshots.borrow_and_update().clone();
        for status in &current.sources {
            let finished = !status.in_flight && (status.last_ok.is_some() || status.last_error.is_some());
            if finished && !done_at.iter().any(|(k, _)| *k == status.kind) {
                done_at.push((status.kind, started.elapsed()));
            }
        }
        if settled(&current) {
            break current;
        }
        if snapshots.changed().await.is_err() {
            eprintln!("the collector stopped before every source completed");
            std::process::exit(1);
        }
    };
    let wall = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);

    println!(
        "full refresh: {wall:.2?} wall, {cpu:.2?} CPU, peak RSS {:.0} MB",
        status_mb("VmHWM:")
    );
    for (kind, at) in &done_at {
        let status = snapshot.source(*kind);
        let error = status.and_then(|s| s.last_error.as_deref()).unwrap_or("ok");
        println!("  {:<12} done at {:>8.2?}  {error}", kind.label(), at);
    }
    println!(
        "data: {} resources, {} findings, {} series ({} points), {} alerts, {} log rows, {} cost points",
        snapshot.resources.len(),
        snapshot.findings.len(),
        snapshot.series.len(),
        snapshot.series.iter().map(|s| s.values.len()).sum::<usize>(),
        snapshot.alerts.len(),
        snapshot.logs.len(),
        snapshot.costs.len()
    );
    println!("requests by kind (client):");
    for (kind, count) in handle.stats.by_kind() {
        println!("  {:<20} {count}", format!("{kind:?}"));
    }
    println!("  {:<20} {}", "total", handle.stats.total());
    println!("  {:<20} {}", "retries", handle.stats.retries());
    handle.shutdown().await;
    emulator.shutdown().await;
}

//! One full refresh of every source against the 10,000-resource tenant, through the real collector and the
//! real HTTP client, with the emulator in the same process on loopback.
//!
//! ```sh
//! cargo run --release --example refresh_bench              # scenario `large`: 200 subscriptions, 10,000 resources
//! cargo run --release --example refresh_bench -- demo      # any built-in scenario
//! cargo run --release --example refresh_bench -- large 2   # and a second (incremental) refresh after it
//! ```
//!
//! Prints, for the first refresh (collector start → every source has completed once) and for each further
//! one: wall time; CPU time of the whole process (getrusage) and of the client's and the emulator's threads
//! apart (the emulator runs on its own runtime, threads named `emulator`); peak resident set (`VmHWM`, both
//! sides) and peak heap of each side (this example's allocator tags every block with the side that
//! allocated it); HTTP requests by kind as the client counted them.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::collector::{self, CollectorConfig, Command, unix_now};
use aisec::emulator::{self, Scenario};
use aisec::model::{Snapshot, SourceKind};

// ---------------------------------------------------------------------------------------------------------
// Heap accounting per side. Every block carries a header with the side that allocated it, so a block freed
// on another thread is still subtracted from the right side.

const CLIENT: usize = 0;
const EMULATOR: usize = 1;

static LIVE: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
static PEAK: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// When the client heap peaked in the current round, and at how much.
static PEAK_AT: std::sync::Mutex<(Duration, usize)> = std::sync::Mutex::new((Duration::ZERO, 0));

thread_local! {
    static SIDE: Cell<usize> = const { Cell::new(CLIENT) };
}

fn side() -> usize {
    SIDE.try_with(Cell::get).unwrap_or(CLIENT)
}

fn set_side(side: usize) {
    let _ = SIDE.try_with(|s| s.set(side));
}

struct Tagged;

/// Header size: enough for the tag and keeps the caller's alignment.
fn header(layout: Layout) -> usize {
    layout.align().max(16)
}

fn grow(side: usize, bytes: usize) {
    let live = LIVE[side].fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK[side].fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every block handed out is `header` bytes into a block of `size + header` bytes from `System`, with
// the alignment of the request (at least 16); the tag sits in the 8 bytes before the returned pointer.
unsafe impl GlobalAlloc for Tagged {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let head = header(layout);
        let Ok(full) = Layout::from_size_align(layout.size() + head, head) else {
            return std::ptr::null_mut();
        };
        // SAFETY: `full` has a non-zero size.
        let base = unsafe { System.alloc(full) };
        if base.is_null() {
            return base;
        }
        let side = side();
        // SAFETY: `head` ≥ 16, so both the tag slot and the returned pointer lie inside the block.
        unsafe {
            let user = base.add(head);
            (user.sub(8) as *mut usize).write(side);
            grow(side, layout.size());
            user
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let head = header(layout);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe {
            let side = (ptr.sub(8) as *const usize).read();
            LIVE[side.min(1)].fetch_sub(layout.size(), Ordering::Relaxed);
            let full = Layout::from_size_align_unchecked(layout.size() + head, head);
            System.dealloc(ptr.sub(head), full);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let head = header(layout);
        // SAFETY: `ptr` came from `alloc` with `layout`; the new block keeps the header and alignment.
        unsafe {
            let side = (ptr.sub(8) as *const usize).read().min(1);
            let full = Layout::from_size_align_unchecked(layout.size() + head, head);
            let base = System.realloc(ptr.sub(head), full, new_size + head);
            if base.is_null() {
                return base;
            }
            LIVE[side].fetch_sub(layout.size(), Ordering::Relaxed);
            grow(side, new_size);
            base.add(head)
        }
    }
}

#[global_allocator]
static ALLOCATOR: Tagged = Tagged;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn reset_peaks() {
    for side in [CLIENT, EMULATOR] {
        PEAK[side].store(LIVE[side].load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------------------
// CPU time: the process (getrusage) and per thread (/proc/self/task/*/stat, grouped by thread name).

/// `struct rusage` of Linux: two `timeval`s then fourteen longs.
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
    fn sysconf(name: i32) -> i64;
}

fn process_cpu() -> Duration {
    let mut usage = RUsage::default();
    // SAFETY: `usage` is a valid, writable `struct rusage`; RUSAGE_SELF = 0.
    if unsafe { getrusage(0, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let micros = (usage.utime_sec + usage.stime_sec) * 1_000_000 + usage.utime_usec + usage.stime_usec;
    Duration::from_micros(micros.max(0) as u64)
}

/// CPU of the emulator's threads and of every other thread.
fn cpu_by_side() -> (Duration, Duration) {
    // SAFETY: sysconf has no memory effects; _SC_CLK_TCK = 2.
    let ticks = unsafe { sysconf(2) }.max(1) as f64;
    let (mut client, mut emulator) = (0.0, 0.0);
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // The name sits in parentheses and may contain spaces: fields count from after the last ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = tail.split_whitespace().collect();
        let used = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        let secs = (used(11) + used(12)) / ticks;
        if head.contains("emulator") {
            emulator += secs;
        } else {
            client += secs;
        }
    }
    (Duration::from_secs_f64(client), Duration::from_secs_f64(emulator))
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

// ---------------------------------------------------------------------------------------------------------

fn finished(snapshot: &Snapshot, kind: SourceKind, after: i64) -> bool {
    snapshot
        .source(kind)
        .is_some_and(|s| !s.in_flight && (s.last_ok.is_some_and(|t| t >= after) || s.last_error.is_some()))
}

/// Measured resources, their (subscription, region, profile) groups, and the fewest `metrics:getBatch` calls
/// Azure's rules allow: per group and query, ⌈members / 50⌉.
fn batch_bound(snapshot: &Snapshot) -> (usize, usize, u64) {
    use aisec::azure::metrics::MetricProfile;
    let mut groups: std::collections::BTreeMap<(String, String, MetricProfile), u64> = Default::default();
    for resource in snapshot.resources.iter() {
        if let Some(profile) = MetricProfile::for_resource(resource) {
            let key = (
                resource.subscription_id.to_ascii_lowercase(),
                resource.location.to_ascii_lowercase(),
                profile,
            );
            *groups.entry(key).or_default() += 1;
        }
    }
    let measured = groups.values().sum::<u64>() as usize;
    let bound = groups
        .iter()
        .map(|((_, _, profile), n)| profile.queries().len() as u64 * n.div_ceil(50))
        .sum();
    (measured, groups.len(), bound)
}

fn report(snapshot: &Snapshot, stats: &aisec::azure::RequestStats, done_at: &[(SourceKind, Duration)]) {
    for (kind, at) in done_at {
        let error = snapshot
            .source(*kind)
            .and_then(|s| s.last_error.as_deref())
            .unwrap_or("ok");
        println!("  {:<10} done at {:>9.2?}  {error}", kind.label(), at);
    }
    println!(
        "  data: {} resources, {} findings, {} series ({} points), {} alerts, {} log rows, {} cost points",
        snapshot.resources.len(),
        snapshot.findings.len(),
        snapshot.series.len(),
        snapshot.series.iter().map(|s| s.values.len()).sum::<usize>(),
        snapshot.alerts.len(),
        snapshot.logs.len(),
        snapshot.costs.len()
    );
    let counts: Vec<String> = stats
        .by_kind()
        .iter()
        .map(|(kind, count)| format!("{kind:?} {count}"))
        .collect();
    let (measured, groups, bound) = batch_bound(snapshot);
    println!(
        "  metrics: {measured} measured resources in {groups} (subscription, region, kind) groups; ⌈n/50⌉ per group and query = {bound} getBatch calls"
    );
    println!(
        "  requests (client, cumulative): {} — total {}, retries {}",
        counts.join(", "),
        stats.total(),
        stats.retries()
    );
}

/// Heap held by each part of the snapshot, measured by cloning it and counting what the clone allocates.
fn heap_of_parts(snapshot: &Snapshot) -> String {
    fn measure<T: Clone>(value: &T) -> f64 {
        let before = LIVE[CLIENT].load(Ordering::Relaxed);
        let copy = value.clone();
        let after = LIVE[CLIENT].load(Ordering::Relaxed);
        drop(copy);
        mb(after.saturating_sub(before))
    }
    format!(
        "resources (with child data) {:.0} MB, findings {:.0} MB, series {:.0} MB, alerts+logs+costs {:.1} MB",
        measure(&*snapshot.resources),
        measure(&*snapshot.findings),
        measure(&*snapshot.series),
        measure(&*snapshot.alerts) + measure(&*snapshot.logs) + measure(&*snapshot.costs)
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "large".to_string());
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1).max(1);

    let emulator_runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("emulator")
        .on_thread_start(|| set_side(EMULATOR))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the emulator runtime: {error}");
            std::process::exit(2);
        }
    };
    let client_runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("aisec")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the client runtime: {error}");
            std::process::exit(2);
        }
    };

    let now = unix_now();
    let built = Instant::now();
    set_side(EMULATOR);
    let Some(scenario) = Scenario::builtin(&name, now) else {
        eprintln!("unknown scenario {name:?} (try: large, demo)");
        std::process::exit(2);
    };
    let (resources, subscriptions) = (scenario.resource_ids().len(), scenario.subscription_ids().len());
    let emulator = match emulator_runtime.block_on(emulator::start(scenario)) {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("cannot start the emulator on loopback: {error}");
            std::process::exit(2);
        }
    };
    set_side(CLIENT);
    println!(
        "scenario {name}: {subscriptions} subscriptions, {resources} resources; emulator ready in {:.2?}, heap {:.0} MB, RSS {:.0} MB",
        built.elapsed(),
        mb(LIVE[EMULATOR].load(Ordering::Relaxed)),
        status_mb("VmRSS:")
    );
    let Ok(base) = url::Url::parse(&emulator.base_url) else {
        eprintln!("emulator address {} is not a URL", emulator.base_url);
        std::process::exit(2);
    };

    client_runtime.block_on(async move {
        let client = match AzureClient::new(Endpoints::single(&base), Auth::fixed("bench-token"), RetryPolicy::default()) {
            Ok(client) => client,
            Err(error) => {
                eprintln!("client: {error}");
                std::process::exit(2);
            }
        };
        let handle = collector::spawn(client, CollectorConfig::default());
        let mut snapshots = handle.snapshots.clone();
        for round in 1..=rounds {
            if round > 1 {
                // `last_ok` counts seconds: a fresh second tells this round's completions from the last.
                tokio::time::sleep(Duration::from_millis(1_100)).await;
            }
            reset_peaks();
            let after = unix_now();
            let round_start = Instant::now();
            if let Ok(mut p) = PEAK_AT.lock() {
                *p = (Duration::ZERO, 0);
            }
            // Samples the client heap to tell when (during which source) it peaks.
            let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
            let flag = sampling.clone();
            let sampler = std::thread::spawn(move || {
                while flag.load(Ordering::Relaxed) {
                    let live = LIVE[CLIENT].load(Ordering::Relaxed);
                    if let Ok(mut p) = PEAK_AT.lock()
                        && live > p.1
                    {
                        *p = (round_start.elapsed(), live);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
            let cpu_before = process_cpu();
            let (client_before, emulator_before) = cpu_by_side();
            let started = Instant::now();
            if round > 1 {
                let _ = handle.commands.send(Command::RefreshAll).await;
                // Let the supervisor mark the sources in flight before watching for completion.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let mut done_at: Vec<(SourceKind, Duration)> = Vec::new();
            let snapshot: Arc<Snapshot> = loop {
                let current = snapshots.borrow_and_update().clone();
                for kind in SourceKind::ALL {
                    if finished(&current, kind, after) && !done_at.iter().any(|(k, _)| *k == kind) {
                        done_at.push((kind, started.elapsed()));
                        eprintln!("  … {} after {:.2?}", kind.label(), started.elapsed());
                    }
                }
                if done_at.len() == SourceKind::ALL.len() {
                    break current;
                }
                if snapshots.changed().await.is_err() {
                    eprintln!("the collector stopped before every source completed");
                    std::process::exit(1);
                }
            };
            sampling.store(false, Ordering::Relaxed);
            let _ = sampler.join();
            let wall = started.elapsed();
            let (peak_at, peak) = PEAK_AT.lock().map(|p| *p).unwrap_or_default();
            eprintln!("  client heap peaked at {:.0} MB, {:.2?} after the start", mb(peak), peak_at);
            let cpu = process_cpu().saturating_sub(cpu_before);
            let (client_after, emulator_after) = cpu_by_side();
            println!(
                "refresh {round}{}: {wall:.2?} wall; CPU {cpu:.2?} (client {:.2?}, emulator {:.2?}); peak heap client {:.0} MB, emulator {:.0} MB; VmHWM {:.0} MB",
                if round == 1 { " (first load)" } else { " (incremental)" },
                client_after.saturating_sub(client_before),
                emulator_after.saturating_sub(emulator_before),
                mb(PEAK[CLIENT].load(Ordering::Relaxed)),
                mb(PEAK[EMULATOR].load(Ordering::Relaxed)),
                status_mb("VmHWM:")
            );
            report(&snapshot, &handle.stats, &done_at);
            println!(
                "  heap now: client {:.0} MB — {}",
                mb(LIVE[CLIENT].load(Ordering::Relaxed)),
                heap_of_parts(&snapshot)
            );
        }
        handle.shutdown().await;
    });
    emulator_runtime.block_on(emulator.shutdown());
}

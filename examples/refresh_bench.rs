//! One full refresh of every source against a built-in tenant, through the real collector and the real HTTP
//! client, with the emulator on loopback.
//!
//! ```sh
//! cargo run --release --example refresh_bench              # scenario `large`: 200 subscriptions, 10,000 resources
//! cargo run --release --example refresh_bench -- demo      # any built-in scenario
//! cargo run --release --example refresh_bench -- large 2   # and a second (incremental) refresh after it
//! cargo run --release --example refresh_bench -- large --in-process           # emulator in this process
//! cargo run --release --example refresh_bench -- large --emulator-bin target/release/aisec
//! cargo run --release --example refresh_bench -- large --plain-alloc          # no heap accounting at all
//! ```
//!
//! By default the emulator runs as a **separate process**, because Azure is remote: its CPU and memory are
//! not aisec's. The child is this executable started again in an emulator role (same code as
//! `aisec emulator --port 0 --scenario NAME`, always in step with the library under test); `--emulator-bin`
//! runs a real `aisec` binary instead. Either way the child prints one line `… listening on http://…` on
//! stdout (SCENARIO.md), is killed when this process ends by any path (also when it dies: parent-death
//! signal), and its CPU time is read from `/proc/PID/stat` for information.
//!
//! Printed for the first refresh (collector start → every source has completed once) and each further one,
//! about the client process alone: wall time; CPU time (user + system, `/proc/self/stat`); peak resident set
//! (`VmHWM`, reset at the start of each round through `/proc/self/clear_refs` where the kernel allows it); the
//! peak heap (this example's allocator counts live bytes); requests by kind in this round.
//!
//! `--plain-alloc` leaves the client on the system allocator with nothing counted per allocation (no heap
//! figures), to check that counting does not move the CPU time or `VmHWM`.
//!
//! `--in-process` keeps the former measurement: both sides in one process on two runtimes, every heap block
//! tagged with the side that allocated it, CPU split by thread name. Its `VmHWM` and wall time include the
//! server.
//!
//! Allocator roles are fixed before the first allocation (the environment variable `REFRESH_BENCH_ROLE`,
//! read with `getenv`), so `main` first re-executes itself with the role its arguments ask for: the client
//! counts bytes without per-block headers (its `VmHWM` is what aisec would use), the in-process mode tags
//! blocks, the emulator child uses the system allocator untouched.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::process::{Child, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aisec::azure::{Auth, AzureClient, Endpoints, RequestKind, RetryPolicy};
use aisec::collector::{self, CollectorConfig, Command, unix_now};
use aisec::emulator::{self, Scenario};
use aisec::model::{Snapshot, SourceKind};

// ---------------------------------------------------------------------------------------------------------
// Allocator roles.

const ROLE_VAR: &str = "REFRESH_BENCH_ROLE";
const SCENARIO_VAR: &str = "REFRESH_BENCH_SCENARIO";

const UNDECIDED: u8 = 0;
/// Separate-process client: live and peak bytes, no header (blocks keep their natural size).
const COUNTING: u8 = 1;
/// In-process: a header per block names the side that allocated it.
const TAGGED: u8 = 2;
/// Emulator child: the system allocator, untouched.
const PLAIN: u8 = 3;

static MODE: AtomicU8 = AtomicU8::new(UNDECIDED);

unsafe extern "C" {
    fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
}

/// The allocator role, read from the environment on the first allocation (before `main`, single-threaded)
/// without allocating. The role is never changed afterwards, so a block is always freed the way it was
/// allocated.
fn mode() -> u8 {
    let current = MODE.load(Ordering::Relaxed);
    if current != UNDECIDED {
        return current;
    }
    // SAFETY: a NUL-terminated name; the result is only read while the environment is not being modified
    // (nothing sets variables in this program).
    let decided = unsafe {
        let value = getenv(c"REFRESH_BENCH_ROLE".as_ptr());
        if value.is_null() {
            COUNTING
        } else {
            match std::ffi::CStr::from_ptr(value).to_bytes() {
                b"in-process" => TAGGED,
                b"emulator" | b"client-plain" => PLAIN,
                _ => COUNTING,
            }
        }
    };
    MODE.store(decided, Ordering::Relaxed);
    decided
}

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

struct Bench;

/// Header size in the tagged role: enough for the tag and keeps the caller's alignment.
fn header(layout: Layout) -> usize {
    layout.align().max(16)
}

fn grow(side: usize, bytes: usize) {
    let live = LIVE[side].fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK[side].fetch_max(live, Ordering::Relaxed);
}

// SAFETY: PLAIN and COUNTING hand `System`'s blocks through unchanged. TAGGED hands out blocks `header` bytes
// into a block of `size + header` bytes from `System`, with the alignment of the request (at least 16); the
// tag sits in the 8 bytes before the returned pointer. The role never changes after the first allocation.
unsafe impl GlobalAlloc for Bench {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match mode() {
            // SAFETY: the caller's contract is passed on.
            PLAIN => unsafe { System.alloc(layout) },
            TAGGED => {
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
            _ => {
                // SAFETY: the caller's contract is passed on.
                let block = unsafe { System.alloc(layout) };
                if !block.is_null() {
                    grow(CLIENT, layout.size());
                }
                block
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match mode() {
            // SAFETY: `ptr` came from `System.alloc` with this layout (same role).
            PLAIN => unsafe { System.dealloc(ptr, layout) },
            TAGGED => {
                let head = header(layout);
                // SAFETY: `ptr` came from the tagged `alloc` above with this layout.
                unsafe {
                    let side = (ptr.sub(8) as *const usize).read();
                    LIVE[side.min(1)].fetch_sub(layout.size(), Ordering::Relaxed);
                    let full = Layout::from_size_align_unchecked(layout.size() + head, head);
                    System.dealloc(ptr.sub(head), full);
                }
            }
            _ => {
                LIVE[CLIENT].fetch_sub(layout.size(), Ordering::Relaxed);
                // SAFETY: `ptr` came from `System.alloc` with this layout (same role).
                unsafe { System.dealloc(ptr, layout) }
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match mode() {
            // SAFETY: the caller's contract is passed on.
            PLAIN => unsafe { System.realloc(ptr, layout, new_size) },
            TAGGED => {
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
            _ => {
                // SAFETY: the caller's contract is passed on.
                let block = unsafe { System.realloc(ptr, layout, new_size) };
                if !block.is_null() {
                    LIVE[CLIENT].fetch_sub(layout.size(), Ordering::Relaxed);
                    grow(CLIENT, new_size);
                }
                block
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Bench = Bench;

/// Whether this process counts heap bytes (not with `--plain-alloc`, nor in the emulator child).
fn counting() -> bool {
    mode() != PLAIN
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn reset_peaks() {
    for side in [CLIENT, EMULATOR] {
        PEAK[side].store(LIVE[side].load(Ordering::Relaxed), Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------------------
// /proc readings.

unsafe extern "C" {
    fn sysconf(name: i32) -> i64;
    fn prctl(option: i32, arg2: u64, arg3: u64, arg4: u64, arg5: u64) -> i32;
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no memory effects; _SC_CLK_TCK = 2.
    (unsafe { sysconf(2) }).max(1) as f64
}

/// User + system CPU of a process or thread from its `stat` file (`/proc/self/stat`, `/proc/PID/stat`,
/// `/proc/self/task/TID/stat`), and its name.
fn stat_cpu(path: &std::path::Path) -> Option<(String, Duration)> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The name sits in parentheses and may contain spaces: fields count from after the last ')'.
    let (head, tail) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = tail.split_whitespace().collect();
    let used = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    let secs = (used(11) + used(12)) / clock_ticks();
    Some((head.to_string(), Duration::from_secs_f64(secs)))
}

fn own_cpu() -> Duration {
    stat_cpu(std::path::Path::new("/proc/self/stat")).map_or(Duration::ZERO, |(_, cpu)| cpu)
}

/// CPU of the emulator's threads and of every other thread (in-process mode).
fn cpu_by_side() -> (Duration, Duration) {
    let (mut client, mut emulator) = (Duration::ZERO, Duration::ZERO);
    for task in std::fs::read_dir("/proc/self/task").into_iter().flatten().flatten() {
        let Some((name, cpu)) = stat_cpu(&task.path().join("stat")) else {
            continue;
        };
        if name.contains("emulator") {
            emulator += cpu;
        } else {
            client += cpu;
        }
    }
    (client, emulator)
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

/// Sets `VmHWM` back to the current resident set (Linux ≥ 4.0), so each round reports its own peak.
fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// What glibc's malloc holds in its arenas and how much of it is free (fragments between live blocks, which stay
/// resident): the part of `VmHWM` above the heap that no heap figure shows.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_arenas() -> String {
    // SAFETY: `mallinfo2` only reads malloc's own statistics under its locks.
    let info = unsafe { libc::mallinfo2() };
    format!(
        "malloc arenas {:.0} MB, {:.0} MB of it free; {:.0} MB in blocks mapped on their own",
        mb(info.arena),
        mb(info.fordblks),
        mb(info.hblkhd)
    )
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn malloc_arenas() -> String {
    "malloc statistics only with glibc".to_string()
}

// ---------------------------------------------------------------------------------------------------------
// The emulator in its own process.

/// The emulator child; killed and reaped when dropped, so every way out of `main` (a return, an error, a
/// panic unwinding) ends it.
struct EmulatorProcess {
    child: Child,
    base_url: String,
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl EmulatorProcess {
    fn cpu(&self) -> Duration {
        stat_cpu(&std::path::PathBuf::from(format!("/proc/{}/stat", self.child.id())))
            .map_or(Duration::ZERO, |(_, c)| c)
    }

    /// Starts the emulator and waits for its `listening on URL` line.
    fn spawn(scenario: &str, binary: Option<&str>) -> Result<Self, String> {
        let mut command = match binary {
            Some(path) => {
                let mut c = std::process::Command::new(path);
                c.args(["emulator", "--port", "0", "--scenario", scenario]);
                c
            }
            None => {
                let me = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
                let mut c = std::process::Command::new(me);
                c.env(ROLE_VAR, "emulator").env(SCENARIO_VAR, scenario);
                c
            }
        };
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent. PR_SET_PDEATHSIG (1) with
        // SIGKILL (9): should this process be killed outright, the kernel ends the emulator too.
        unsafe {
            command.pre_exec(|| {
                prctl(1, 9, 0, 0, 0);
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start the emulator process: {e}"))?;
        let stdout = child.stdout.take();
        let mut process = EmulatorProcess {
            child,
            base_url: String::new(),
        };
        let Some(stdout) = stdout else {
            return Err("the emulator's stdout is not a pipe".into());
        };
        // Read on a thread: the line may never come (a child that hangs), and the rest of its output must keep
        // being drained so it never blocks on a full pipe.
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if !sent && let Some(url) = listening_url(&line) {
                    let _ = tx.send(url);
                    sent = true;
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(600)) {
            Ok(url) => {
                process.base_url = url;
                Ok(process)
            }
            Err(_) => Err("the emulator exited or stayed silent without printing `listening on URL`".into()),
        }
    }
}

/// The URL in `… listening on http://127.0.0.1:PORT …` (the line both `aisec emulator` and the child role
/// print).
fn listening_url(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("listening on ")?;
    let url = rest.split_whitespace().next()?;
    url.starts_with("http")
        .then(|| url.trim_end_matches([',', ';']).to_string())
}

/// The emulator role: serve until stdin closes (the parent ended) or a signal ends the process.
fn serve_emulator() -> ExitCode {
    let name = std::env::var(SCENARIO_VAR).unwrap_or_else(|_| "large".into());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("emulator: cannot start a runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let Some(scenario) = Scenario::builtin(&name, unix_now()) else {
        eprintln!("emulator: unknown scenario {name:?} (try: large, demo)");
        return ExitCode::from(2);
    };
    runtime.block_on(async {
        let handle = match emulator::start(scenario).await {
            Ok(handle) => handle,
            Err(error) => {
                eprintln!("emulator: cannot listen on loopback: {error}");
                return ExitCode::from(2);
            }
        };
        println!("aisec emulator listening on {} (scenario {name})", handle.base_url);
        // Whatever arrives on stdin is discarded (never accumulated): only its end matters.
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 512];
            let mut stdin = std::io::stdin();
            while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
        })
        .await;
        handle.shutdown().await;
        ExitCode::SUCCESS
    })
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
    let groups = aisec::collector::metrics::batch_groups(&snapshot.resources);
    let measured = groups.values().map(Vec::len).sum();
    let bound = groups
        .iter()
        .map(|((_, _, profile), members)| profile.queries().len() as u64 * (members.len() as u64).div_ceil(50))
        .sum();
    (measured, groups.len(), bound)
}

type Counts = Vec<(RequestKind, u64)>;

/// Requests of this round: the client's cumulative counts minus those before the round.
fn delta(after: &Counts, before: &Counts) -> Counts {
    after
        .iter()
        .map(|(kind, n)| {
            let was = before.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
            (*kind, n - was)
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

fn report(snapshot: &Snapshot, requests: &Counts, retries: u64, done_at: &[(SourceKind, Duration)]) {
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
    // What an on-call engineer would be shown: the alerts by level, metric and reason.
    let mut kinds: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for alert in snapshot.alerts.iter() {
        *kinds
            .entry(format!("{:?} {} ({})", alert.level, alert.metric, alert.reason))
            .or_default() += 1;
    }
    let kinds: Vec<String> = kinds.into_iter().map(|(kind, n)| format!("{n} × {kind}")).collect();
    println!("  alerts: {}", kinds.join(", "));
    let (measured, groups, bound) = batch_bound(snapshot);
    println!(
        "  metrics: {measured} measured resources in {groups} (subscription, region, kind) groups; ⌈n/50⌉ per group and query = {bound} getBatch calls"
    );
    let counts: Vec<String> = requests
        .iter()
        .map(|(kind, count)| format!("{kind:?} {count}"))
        .collect();
    println!(
        "  requests this round: {} — total {}; retries so far {retries}",
        counts.join(", "),
        requests.iter().map(|(_, n)| n).sum::<u64>(),
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
    // Cloning a resource shares its documents (reference counts), so the clone above measures the records
    // only; the documents are counted apart, a subtree shared by several resources once per holder (an upper
    // bound). A series' clone likewise shares its block of values: the blocks are added apart (within one
    // snapshot each has one holder).
    let documents: usize = snapshot
        .resources
        .iter()
        .map(|r| {
            let body = r.properties.heap_bytes() + r.identity.as_ref().map_or(0, |i| i.heap_bytes());
            let children: usize = r
                .details
                .documents()
                .map(|doc| doc.heap_bytes() + std::mem::size_of_val(doc))
                .sum();
            body + children
        })
        .sum();
    // The records' texts are shared too (by resources of one subscription or region, and with the interner):
    // each distinct one is added once, with its two-word header.
    let mut texts = std::collections::HashSet::new();
    let text_bytes: usize = snapshot
        .resources
        .iter()
        .flat_map(|r| {
            [&r.id, &r.name, &r.location, &r.resource_group, &r.subscription_id]
                .into_iter()
                .chain(r.kind.as_ref())
                .chain(r.sku.as_ref())
        })
        .filter(|text| texts.insert(text.as_ptr()))
        .map(|text| text.len() + 2 * std::mem::size_of::<usize>())
        .sum();
    format!(
        "resource records {:.1} MB, their documents (bodies and child data) ≤ {:.0} MB, verdicts {:.1} MB, \
         series {:.1} MB, alerts+logs+costs {:.1} MB",
        measure(&*snapshot.resources) + mb(text_bytes),
        mb(documents),
        measure(&*snapshot.findings),
        measure(&*snapshot.series) + mb(snapshot.series.iter().map(|s| s.values.shared_bytes()).sum()),
        measure(&*snapshot.alerts) + measure(&*snapshot.logs) + measure(&*snapshot.costs)
    )
}

struct Args {
    scenario: String,
    rounds: usize,
    in_process: bool,
    /// The client on the system allocator untouched: no heap figures, nothing added per allocation.
    plain: bool,
    emulator_bin: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        scenario: "large".into(),
        rounds: 1,
        in_process: false,
        plain: false,
        emulator_bin: None,
    };
    let mut positional = 0;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--in-process" => args.in_process = true,
            "--plain-alloc" => args.plain = true,
            "--emulator-bin" => {
                args.emulator_bin = Some(it.next().ok_or("--emulator-bin needs a path to an aisec binary")?);
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            value => {
                match positional {
                    0 => args.scenario = value.to_string(),
                    1 => {
                        args.rounds = value
                            .parse::<usize>()
                            .map_err(|_| format!("rounds must be a number, not {value:?}"))?
                            .max(1)
                    }
                    _ => return Err(format!("unexpected argument {value:?}")),
                }
                positional += 1;
            }
        }
    }
    if args.in_process && (args.emulator_bin.is_some() || args.plain) {
        return Err("--in-process excludes --emulator-bin and --plain-alloc".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    // As the aisec binary does, so the figures are the product's.
    aisec::heap::tune_malloc();
    let role = std::env::var(ROLE_VAR).ok();
    if role.as_deref() == Some("emulator") {
        return serve_emulator();
    }
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("refresh_bench: {message}");
            return ExitCode::from(2);
        }
    };
    let wanted = match (args.in_process, args.plain) {
        (true, _) => "in-process",
        (false, true) => "client-plain",
        (false, false) => "client",
    };
    if role.as_deref() != Some(wanted) {
        // The allocator's role is fixed before `main` runs: start again with the one these arguments need.
        let error = match std::env::current_exe() {
            Ok(me) => std::process::Command::new(me)
                .args(std::env::args_os().skip(1))
                .env(ROLE_VAR, wanted)
                .exec(),
            Err(error) => error,
        };
        eprintln!("refresh_bench: cannot re-execute itself: {error}");
        return ExitCode::from(2);
    }
    let result = if args.in_process {
        in_process(&args)
    } else {
        separate(&args)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("refresh_bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn client_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("aisec")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the client runtime: {e}"))
}

fn client_for(base_url: &str) -> Result<AzureClient, String> {
    let base = url::Url::parse(base_url).map_err(|e| format!("emulator address {base_url} is not a URL: {e}"))?;
    AzureClient::new(
        Endpoints::single(&base),
        Auth::fixed("bench-token"),
        RetryPolicy::default(),
    )
    .map_err(|e| format!("client: {e}"))
}

/// What a round measured, printed by the mode that ran it.
struct Round {
    wall: Duration,
    snapshot: Arc<Snapshot>,
    done_at: Vec<(SourceKind, Duration)>,
    requests: Counts,
    retries: u64,
}

/// Runs `rounds` refreshes; `measure(round, before)` is called right before each round starts and
/// `after(round, result)` right after it ends, before anything else allocates.
async fn run_rounds(
    client: AzureClient,
    rounds: usize,
    mut before: impl FnMut(usize),
    mut after: impl FnMut(usize, &Round),
) -> Result<(), String> {
    let handle = collector::spawn(client, CollectorConfig::default());
    let mut snapshots = handle.snapshots.clone();
    let mut outcome = Ok(());
    for round in 1..=rounds {
        if round > 1 {
            // `last_ok` counts seconds: a fresh second tells this round's completions from the last.
            tokio::time::sleep(Duration::from_millis(1_100)).await;
        }
        // The collector starts reading as soon as it is spawned: the first round counts from zero.
        let counts_before = if round == 1 { Vec::new() } else { handle.stats.by_kind() };
        reset_peaks();
        let since = unix_now();
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
        before(round);
        let started = Instant::now();
        if round > 1 {
            let _ = handle.commands.send(Command::RefreshAll).await;
            // Let the supervisor mark the sources in flight before watching for completion.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut done_at: Vec<(SourceKind, Duration)> = Vec::new();
        let snapshot: Option<Arc<Snapshot>> = loop {
            let current = snapshots.borrow_and_update().clone();
            for kind in SourceKind::ALL {
                if finished(&current, kind, since) && !done_at.iter().any(|(k, _)| *k == kind) {
                    done_at.push((kind, started.elapsed()));
                    eprintln!("  … {} after {:.2?}", kind.label(), started.elapsed());
                }
            }
            if done_at.len() == SourceKind::ALL.len() {
                break Some(current);
            }
            if snapshots.changed().await.is_err() {
                break None;
            }
        };
        let wall = started.elapsed();
        sampling.store(false, Ordering::Relaxed);
        let _ = sampler.join();
        let Some(snapshot) = snapshot else {
            outcome = Err("the collector stopped before every source completed".to_string());
            break;
        };
        let result = Round {
            wall,
            snapshot,
            done_at,
            requests: delta(&handle.stats.by_kind(), &counts_before),
            retries: handle.stats.retries(),
        };
        after(round, &result);
        report(&result.snapshot, &result.requests, result.retries, &result.done_at);
        if counting() {
            let (peak_at, peak) = PEAK_AT.lock().map(|p| *p).unwrap_or_default();
            eprintln!(
                "  client heap peaked at {:.0} MB, {:.2?} after the start",
                mb(peak),
                peak_at
            );
            println!(
                "  heap now: client {:.0} MB — {}",
                mb(LIVE[CLIENT].load(Ordering::Relaxed)),
                heap_of_parts(&result.snapshot)
            );
        }
    }
    handle.shutdown().await;
    outcome
}

fn round_label(round: usize) -> &'static str {
    if round == 1 { " (first load)" } else { " (incremental)" }
}

/// The default: the emulator in a child process, the client measured alone.
fn separate(args: &Args) -> Result<(), String> {
    let started = Instant::now();
    let emulator = EmulatorProcess::spawn(&args.scenario, args.emulator_bin.as_deref())?;
    println!(
        "scenario {}: emulator process {} ({}) ready at {} in {:.2?}, its CPU so far {:.2?}",
        args.scenario,
        emulator.child.id(),
        args.emulator_bin.as_deref().unwrap_or("this executable, emulator role"),
        emulator.base_url,
        started.elapsed(),
        emulator.cpu()
    );
    let runtime = client_runtime()?;
    let client = client_for(&emulator.base_url)?;
    let hwm_resettable = reset_hwm();
    let cpu_before = Cell::new((Duration::ZERO, Duration::ZERO));
    let result = runtime.block_on(run_rounds(
        client,
        args.rounds,
        |round| {
            if round > 1 {
                println!("  before refresh {round}: {}", malloc_arenas());
            }
            reset_hwm();
            cpu_before.set((own_cpu(), emulator.cpu()));
        },
        |round, r| {
            let (client_cpu, emulator_cpu) = (
                own_cpu().saturating_sub(cpu_before.get().0),
                emulator.cpu().saturating_sub(cpu_before.get().1),
            );
            println!(
                "refresh {round}{}: client {:.2?} wall, CPU {client_cpu:.2?}, VmHWM {:.0} MB{}, peak heap {}; emulator process CPU {emulator_cpu:.2?} (not aisec's)",
                round_label(round),
                r.wall,
                status_mb("VmHWM:"),
                if hwm_resettable || round == 1 { "" } else { " (since process start)" },
                if counting() {
                    format!("{:.0} MB", mb(PEAK[CLIENT].load(Ordering::Relaxed)))
                } else {
                    "not counted (--plain-alloc)".to_string()
                },
            );
        },
    ));
    drop(runtime);
    drop(emulator);
    result
}

/// `--in-process`: both sides in this process, told apart by thread name and heap tags.
fn in_process(args: &Args) -> Result<(), String> {
    let emulator_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("emulator")
        .on_thread_start(|| set_side(EMULATOR))
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the emulator runtime: {e}"))?;
    let client_runtime = client_runtime()?;
    let built = Instant::now();
    set_side(EMULATOR);
    let scenario = Scenario::builtin(&args.scenario, unix_now());
    let scenario = scenario.ok_or_else(|| format!("unknown scenario {:?} (try: large, demo)", args.scenario));
    let started = scenario.and_then(|scenario| {
        let sizes = (scenario.resource_ids().len(), scenario.subscription_ids().len());
        emulator_runtime
            .block_on(emulator::start(scenario))
            .map(|e| (e, sizes))
            .map_err(|e| format!("cannot start the emulator on loopback: {e}"))
    });
    set_side(CLIENT);
    let (emulator, (resources, subscriptions)) = started?;
    println!(
        "scenario {}: {subscriptions} subscriptions, {resources} resources; emulator (in this process) ready in {:.2?}, heap {:.0} MB, RSS {:.0} MB",
        args.scenario,
        built.elapsed(),
        mb(LIVE[EMULATOR].load(Ordering::Relaxed)),
        status_mb("VmRSS:")
    );
    let client = client_for(&emulator.base_url)?;
    let before = Cell::new((Duration::ZERO, Duration::ZERO, Duration::ZERO));
    let result = client_runtime.block_on(run_rounds(
        client,
        args.rounds,
        |_| {
            let (client, emulator) = cpu_by_side();
            before.set((own_cpu(), client, emulator));
        },
        |round, r| {
            let before = before.get();
            let (client, emulator) = cpu_by_side();
            println!(
                "refresh {round}{}: {:.2?} wall; CPU {:.2?} (client {:.2?}, emulator {:.2?}); peak heap client {:.0} MB, emulator {:.0} MB; VmHWM {:.0} MB (both sides, since process start)",
                round_label(round),
                r.wall,
                own_cpu().saturating_sub(before.0),
                client.saturating_sub(before.1),
                emulator.saturating_sub(before.2),
                mb(PEAK[CLIENT].load(Ordering::Relaxed)),
                mb(PEAK[EMULATOR].load(Ordering::Relaxed)),
                status_mb("VmHWM:")
            );
        },
    ));
    emulator_runtime.block_on(emulator.shutdown());
    result
}

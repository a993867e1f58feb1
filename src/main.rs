use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use aisec::app::keymap::Keymap;
use aisec::app::{self, State};
use aisec::azure::credential::ChainCredential;
use aisec::azure::{Auth, AzureClient, Endpoints, RetryPolicy};
use aisec::cli::{Cli, Command, Target, validate_endpoint};
use aisec::collector::{self, CollectorConfig, Schedule, unix_now};
use aisec::config::{Config, Paths};
use aisec::emulator::{self, EmulatorHandle, Scenario};
use aisec::store::Store;
use clap::Parser;

/// Exit codes: 0 success, 1 findings at or above the failure threshold (scan), 2 usage or runtime error.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    aisec::heap::tune_malloc();
    let cli = Cli::parse();
    let paths = match Paths::resolve() {
        Ok(paths) => paths,
        Err(error) => return fail(&error),
    };
    let config = match Config::load(&paths.config_file) {
        Ok(config) => config,
        Err(error) => return fail(&format!("config: {error}")),
    };
    let _log_guard = match init_logging(&paths) {
        Ok(guard) => guard,
        Err(error) => return fail(&error),
    };
    let paths_for_run = paths.clone();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the async runtime: {error}")),
    };
    let result = runtime.block_on(async move {
        let paths = paths_for_run;
        match cli.command.unwrap_or(Command::Tui) {
            Command::Tui => run_tui(&cli.target, &config, &paths).await,
            Command::Doctor => run_doctor(&cli.target).await,
            Command::Scan(args) => run_scan(&cli.target, &args).await,
            Command::Emulator { port, scenario } => match cli.target.connection_option() {
                Some(option) => Err(format!(
                    "aisec emulator does not take {option}: it serves a scenario (--scenario) on --port, and \
                     clients point at it with --endpoint"
                )),
                None => run_emulator(port, &scenario).await,
            },
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(%error, "exiting with an error");
            fail(&format!("{error}\n(log: {})", paths.log_file.display()))
        }
    }
}

fn fail(message: &str) -> ExitCode {
    say(std::io::stderr(), format_args!("aisec: {message}\n"));
    ExitCode::from(EXIT_ERROR)
}

/// Writes to the console without the panic `print!` raises when the reader has gone (`aisec doctor | head`,
/// a closed terminal): that text is lost, nothing else is.
fn say(mut out: impl std::io::Write, text: std::fmt::Arguments) {
    let _ = out.write_fmt(text).and_then(|()| out.flush());
}

fn init_logging(paths: &Paths) -> Result<tracing_appender::non_blocking::WorkerGuard, String> {
    let directory = paths.log_file.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(directory).map_err(|e| format!("cannot create {}: {e}", directory.display()))?;
    let file_name = paths
        .log_file
        .file_name()
        .unwrap_or_else(|| std::ffi::OsStr::new("aisec.log"));
    let appender = tracing_appender::rolling::never(directory, file_name);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("AISEC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Never stdout: the TUI owns the terminal.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok();
    Ok(guard)
}

/// Endpoints and credential for a target, plus the in-process emulator when `--demo` started one.
struct Connection {
    endpoints: Endpoints,
    auth: Auth,
    arm_base: String,
    emulator: Option<EmulatorHandle>,
}

async fn connect(target: &Target) -> Result<Connection, String> {
    if target.demo {
        let emulator = emulator::start(Scenario::demo(unix_now()))
            .await
            .map_err(|e| format!("cannot start the demo emulator on loopback: {e}"))?;
        let base = validate_endpoint(&emulator.base_url)?;
        return Ok(Connection {
            endpoints: Endpoints::single(&base),
            auth: Auth::fixed("aisec-demo-token"),
            arm_base: emulator.base_url.clone(),
            emulator: Some(emulator),
        });
    }
    if let Some(endpoint) = &target.endpoint {
        let base = validate_endpoint(endpoint)?;
        return Ok(Connection {
            endpoints: Endpoints::single(&base),
            auth: Auth::fixed("aisec-endpoint-token"),
            arm_base: base.as_str().trim_end_matches('/').to_string(),
            emulator: None,
        });
    }
    let chain = Arc::new(ChainCredential::from_environment(target.cloud));
    let endpoints = Endpoints::for_cloud(target.cloud);
    let arm_base = endpoints.resource_manager.as_str().trim_end_matches('/').to_string();
    Ok(Connection {
        endpoints,
        auth: Auth::chain(chain),
        arm_base,
        emulator: None,
    })
}

async fn run_doctor(target: &Target) -> Result<ExitCode, String> {
    let connection = connect(target).await?;
    let client =
        AzureClient::new(connection.endpoints, connection.auth, RetryPolicy::default()).map_err(|e| e.to_string())?;
    let report = aisec::doctor::run(&client, &target.subscriptions).await;
    // The report is the command's whole point: one that cannot be written is an error, as for scan.
    let written = {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(report.render().as_bytes())
            .and_then(|()| stdout.flush())
    };
    if let Some(emulator) = connection.emulator {
        emulator.shutdown().await;
    }
    written.map_err(|e| format!("cannot write the report to stdout: {e}"))?;
    Ok(ExitCode::from(report.exit_code()))
}

async fn run_scan(target: &Target, args: &aisec::scan::ScanArgs) -> Result<ExitCode, String> {
    let connection = connect(target).await?;
    let client =
        AzureClient::new(connection.endpoints, connection.auth, RetryPolicy::default()).map_err(|e| e.to_string())?;
    let result = aisec::scan::run(client, &target.subscriptions, args).await;
    if let Some(emulator) = connection.emulator {
        emulator.shutdown().await;
    }
    result
}

async fn run_emulator(port: u16, scenario: &str) -> Result<ExitCode, String> {
    let now = unix_now();
    let loaded = match Scenario::builtin(scenario, now) {
        Some(builtin) => builtin,
        None => Scenario::load(std::path::Path::new(scenario), now).map_err(|e| e.to_string())?,
    };
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let handle = emulator::start_on(address, loaded)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    say(
        std::io::stdout(),
        format_args!(
            "aisec emulator listening on {} (scenario {scenario}); Ctrl-C stops it\ntry: aisec --endpoint {}\n",
            handle.base_url, handle.base_url
        ),
    );
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

fn schedule(config: &Config) -> Schedule {
    let mut schedule = Schedule::default();
    let secs = std::time::Duration::from_secs;
    if let Some(s) = config.refresh.inventory_secs {
        schedule.inventory = secs(s);
    }
    if let Some(s) = config.refresh.metrics_secs {
        schedule.metrics = secs(s);
    }
    if let Some(s) = config.refresh.logs_secs {
        schedule.logs = secs(s);
    }
    if let Some(s) = config.refresh.cost_secs {
        schedule.cost = secs(s);
    }
    schedule
}

async fn run_tui(target: &Target, config: &Config, paths: &Paths) -> Result<ExitCode, String> {
    let connection = connect(target).await?;
    let client =
        AzureClient::new(connection.endpoints, connection.auth, RetryPolicy::default()).map_err(|e| e.to_string())?;
    let collector = collector::spawn(
        client,
        CollectorConfig {
            subscriptions: target.subscriptions.clone(),
            schedule: schedule(config),
        },
    );
    let mut state = State::new(Keymap::new(&config.keys), connection.arm_base, unix_now());
    state.validity_days = config.attestations.validity_days;
    // Without the database the cockpit still runs; the status line says attestations are not saved.
    let database = paths.data_dir.join("aisec.db");
    let store = match Store::open(&database) {
        Ok(store) => Some(store),
        Err(error) => {
            tracing::warn!(%error, "local database unavailable");
            state.status_line = Some(format!("{error}: attestations and review marks will not be saved"));
            None
        }
    };
    let wiring = app::run::Wiring {
        snapshots: collector.snapshots.clone(),
        commands: collector.commands.clone(),
        store,
    };
    let result = {
        let mut guard = aisec::tui::TerminalGuard::enter().map_err(|e| format!("cannot open the terminal: {e}"))?;
        app::run::run(&mut guard.terminal, &mut state, wiring).await
    };
    collector.shutdown().await;
    if let Some(emulator) = connection.emulator {
        emulator.shutdown().await;
    }
    result
        .map(|()| ExitCode::SUCCESS)
        .map_err(|e| format!("terminal error: {e}"))
}

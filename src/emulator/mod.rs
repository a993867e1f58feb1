//! Azure-compatible HTTP server on loopback (axum) serving a simulated tenant. Used by `--demo`, tests and
//! benches; never imported by the core.
//!
//! The client talks to it exactly as to Azure (Resource Graph, ARM and the child data of every AI resource,
//! budgets, policy assignments, locks, permissions, the activity log, Azure Monitor metrics and batch
//! metrics, Log Analytics, Cost Management); only the base URL and the bearer token differ. Any non-empty
//! bearer token is accepted.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let scenario = aisec::emulator::Scenario::demo(1_790_000_000);
//! let emulator = aisec::emulator::start(scenario).await?;
//! println!("ARM, metrics and Log Analytics base: {}", emulator.base_url);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod arm;
mod children;
mod cost;
mod demo;
mod faults;
mod file;
mod graph;
mod large;
mod logs;
mod metrics;
mod related;
mod scenario;
mod server;
mod timeutil;
mod traffic;
mod workload;
mod writes;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{FaultKind, FaultSpec};
pub use scenario::{Scenario, ScenarioError};
pub use server::{RequestStats, RouteKind};
pub use traffic::{DeploymentTraffic, Spike, StatusShare, TrafficProfile};

/// A running emulator. Dropping it stops the server; `shutdown` does so gracefully.
pub struct EmulatorHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash: the base for ARM, metrics and Log Analytics alike.
    pub base_url: String,
    shared: Arc<server::Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    pub fn stats(&self) -> RequestStats {
        self.shared.counters.snapshot()
    }

    /// The tenant as it is now, including writes made through the API.
    pub fn scenario(&self) -> Scenario {
        self.shared.read().clone()
    }

    /// Stops accepting connections, lets requests in flight finish (held "timeout" faults are cut short), and
    /// waits up to five seconds before abandoning stragglers.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task).await.is_err() {
                abort.abort();
            }
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Starts the emulator on 127.0.0.1 with a free port.
pub async fn start(scenario: Scenario) -> std::io::Result<EmulatorHandle> {
    start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), scenario).await
}

/// Starts the emulator on a given address (`aisec emulator --port N`).
pub async fn start_on(addr: SocketAddr, scenario: Scenario) -> std::io::Result<EmulatorHandle> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let host = if local.ip().is_unspecified() {
        SocketAddr::from((Ipv4Addr::LOCALHOST, local.port()))
    } else {
        local
    };
    let base_url = format!("http://{host}");
    let (stop, stop_rx) = watch::channel(false);
    let shared = Arc::new(server::Shared::new(scenario, base_url.clone(), stop_rx.clone()));
    let app = axum::Router::new()
        .fallback(server::handle)
        .layer(axum::extract::DefaultBodyLimit::max(8 * 1024 * 1024))
        .with_state(shared.clone());
    let mut signal = stop_rx;
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            while !*signal.borrow() {
                if signal.changed().await.is_err() {
                    break;
                }
            }
        });
        if let Err(error) = serve.await {
            tracing::warn!(%error, "emulator server stopped with an error");
        }
    });
    Ok(EmulatorHandle {
        base_url,
        shared,
        stop,
        task: Some(task),
    })
}

//! One complete snapshot from the collector: run it until the inventory and the details sources have both
//! completed (or failed), then shut it down. The findings are already in the snapshot: the collector
//! evaluates the checks after each of those two sources.

use std::sync::Arc;
use std::time::Duration;

use crate::azure::AzureClient;
use crate::collector::{self, CollectorConfig, Schedule};
use crate::model::{Snapshot, SourceKind, SourceStatus};

/// How one of the sources the report depends on ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceOutcome {
    Ok,
    /// Completed with an error (partial data may have been merged; what is missing is `unknown`).
    Failed(String),
    /// Did not complete before the deadline.
    TimedOut,
}

impl SourceOutcome {
    pub fn error(&self) -> Option<String> {
        match self {
            SourceOutcome::Ok => None,
            SourceOutcome::Failed(error) => Some(error.clone()),
            SourceOutcome::TimedOut => Some("did not complete before the scan's deadline".to_string()),
        }
    }
}

/// The snapshot a scan reports on, with how its two sources ended.
#[derive(Debug, Clone)]
pub struct Collected {
    pub snapshot: Arc<Snapshot>,
    /// Requested subscriptions (`--subscription`) the credential could not see.
    pub missing_subscriptions: Vec<String>,
    pub inventory: SourceOutcome,
    pub details: SourceOutcome,
}

impl Collected {
    /// One line per problem worth a warning on stderr: the report is still written.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        for id in &self.missing_subscriptions {
            warnings.push(format!(
                "subscription {} is not visible to this credential; it is not in the report",
                crate::sanitize::for_terminal(id)
            ));
        }
        if let Some(error) = self.details.error() {
            warnings.push(format!(
                "the per-resource details source failed ({}); findings that need that data are reported unknown",
                crate::sanitize::for_terminal(&error)
            ));
        }
        warnings
    }
}

/// Runs the collector until the inventory and the details have completed, or until `deadline`.
///
/// Errors (exit code 2): the inventory failed or did not complete (nothing could be read), or no subscription
/// is visible (an empty report would read as a clean bill of health).
pub async fn collect(client: AzureClient, subscriptions: &[String], deadline: Duration) -> Result<Collected, String> {
    let config = CollectorConfig {
        subscriptions: subscriptions.to_vec(),
        schedule: scan_schedule(),
    };
    let handle = collector::spawn(client, config);
    let mut snapshots = handle.snapshots.clone();
    let waited = tokio::time::timeout(deadline, async {
        loop {
            if let Some(done) = settled(&snapshots.borrow_and_update()) {
                return done;
            }
            if snapshots.changed().await.is_err() {
                // The collector stopped on its own: take what it published last.
                return settled(&snapshots.borrow()).unwrap_or(Settled::CollectorStopped);
            }
        }
    })
    .await;
    let last = snapshots.borrow().clone();
    handle.shutdown().await;

    let (inventory, details) = match waited {
        Ok(Settled::Complete) => (
            outcome(last.source(SourceKind::Inventory)),
            outcome(last.source(SourceKind::Diagnostics)),
        ),
        Ok(Settled::InventoryFailed(error)) => {
            return Err(format!("the inventory could not be read, nothing to report: {error}"));
        }
        Ok(Settled::CollectorStopped) => return Err("the collector stopped before the inventory was read".into()),
        Err(_elapsed) if finished(last.source(SourceKind::Inventory)) => {
            (outcome(last.source(SourceKind::Inventory)), SourceOutcome::TimedOut)
        }
        Err(_elapsed) => {
            return Err(format!(
                "the inventory did not complete within {} s, nothing to report",
                deadline.as_secs()
            ));
        }
    };
    if let SourceOutcome::Failed(error) = &inventory {
        return Err(format!("the inventory could not be read, nothing to report: {error}"));
    }
    if last.subscriptions.is_empty() {
        return Err(if subscriptions.is_empty() {
            "no subscription is visible to this credential: nothing to scan".to_string()
        } else {
            format!(
                "none of the requested subscriptions ({}) is visible to this credential",
                subscriptions.join(", ")
            )
        });
    }
    let missing_subscriptions = subscriptions
        .iter()
        .filter(|wanted| !last.subscriptions.iter().any(|s| s.id.eq_ignore_ascii_case(wanted)))
        .cloned()
        .collect();
    Ok(Collected {
        snapshot: last,
        missing_subscriptions,
        inventory,
        details,
    })
}

/// The collector's schedule for a one-shot run. Metrics, logs and cost are not reported by a scan, but the
/// collector starts metrics and cost after the first inventory on its own: keep that history minimal.
fn scan_schedule() -> Schedule {
    let defaults = Schedule::default();
    Schedule {
        metrics_history: Duration::from_secs(u64::from(defaults.metrics_step_secs)),
        ..defaults
    }
}

enum Settled {
    Complete,
    InventoryFailed(String),
    CollectorStopped,
}

fn finished(status: Option<&SourceStatus>) -> bool {
    status.is_some_and(|s| !s.in_flight && (s.last_ok.is_some() || s.last_error.is_some()))
}

/// Whether the snapshot holds the end of the first inventory and, after a good inventory, of the details
/// refresh it triggers (the collector does not start the details when the inventory fails).
fn settled(snapshot: &Snapshot) -> Option<Settled> {
    let inventory = snapshot.source(SourceKind::Inventory);
    if !finished(inventory) {
        return None;
    }
    if let Some(status) = inventory.filter(|s| s.last_ok.is_none()) {
        return Some(Settled::InventoryFailed(status.last_error.clone().unwrap_or_default()));
    }
    finished(snapshot.source(SourceKind::Diagnostics)).then_some(Settled::Complete)
}

fn outcome(status: Option<&SourceStatus>) -> SourceOutcome {
    match status {
        Some(status) => match &status.last_error {
            Some(error) => SourceOutcome::Failed(error.clone()),
            None if status.last_ok.is_some() => SourceOutcome::Ok,
            None => SourceOutcome::TimedOut,
        },
        None => SourceOutcome::TimedOut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(inventory: (bool, Option<&str>, bool), details: (bool, Option<&str>, bool)) -> Snapshot {
        let status = |kind, (ok, error, in_flight): (bool, Option<&str>, bool)| SourceStatus {
            last_ok: ok.then_some(1),
            last_error: error.map(str::to_string),
            in_flight,
            ..SourceStatus::new(kind)
        };
        Snapshot {
            sources: vec![
                status(SourceKind::Inventory, inventory),
                status(SourceKind::Diagnostics, details),
            ],
            ..Default::default()
        }
    }

    #[test]
    fn waits_for_the_details_after_a_good_inventory() {
        assert!(settled(&snapshot((false, None, true), (false, None, false))).is_none());
        // Inventory done, details not started yet: the publish between the two must not count as complete.
        assert!(settled(&snapshot((true, None, false), (false, None, false))).is_none());
        assert!(settled(&snapshot((true, None, false), (false, None, true))).is_none());
        assert!(matches!(
            settled(&snapshot((true, None, false), (true, None, false))),
            Some(Settled::Complete)
        ));
        assert!(matches!(
            settled(&snapshot((true, None, false), (false, Some("3 of 9 failed"), false))),
            Some(Settled::Complete)
        ));
    }

    #[test]
    fn a_failed_inventory_ends_the_wait() {
        assert!(matches!(
            settled(&snapshot((false, Some("403"), false), (false, None, false))),
            Some(Settled::InventoryFailed(e)) if e == "403"
        ));
    }

    #[test]
    fn outcomes_name_the_error() {
        let snap = snapshot((true, None, false), (false, Some("boom"), false));
        assert_eq!(outcome(snap.source(SourceKind::Inventory)), SourceOutcome::Ok);
        assert_eq!(
            outcome(snap.source(SourceKind::Diagnostics)),
            SourceOutcome::Failed("boom".into())
        );
        assert!(SourceOutcome::TimedOut.error().is_some());
    }
}

//! Waiting on the collector's snapshots in tests that run it against the emulator.

use std::sync::Arc;
use std::time::Duration;

use aisec::collector::CollectorHandle;
use aisec::model::{Snapshot, SourceKind};

/// The first snapshot for which `ready` holds; a collector that never gets there fails the test (after
/// five minutes, far beyond any healthy run) instead of hanging it.
pub async fn wait_until(handle: &CollectorHandle, ready: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
    let mut snapshots = handle.snapshots.clone();
    tokio::time::timeout(Duration::from_secs(300), async {
        loop {
            let current = snapshots.borrow_and_update().clone();
            if ready(&current) {
                return current;
            }
            snapshots.changed().await.expect("the collector is alive");
        }
    })
    .await
    .expect("the collector got there")
}

/// The source has finished a run (successfully after unix second `after`, or with an error) and is idle.
pub fn completed_after(snapshot: &Snapshot, kind: SourceKind, after: i64) -> bool {
    snapshot
        .source(kind)
        .is_some_and(|s| !s.in_flight && (s.last_ok.is_some_and(|t| t > after) || s.last_error.is_some()))
}

/// Every source has finished at least one run.
pub fn all_done(snapshot: &Snapshot) -> bool {
    SourceKind::ALL.iter().all(|kind| completed_after(snapshot, *kind, 0))
}

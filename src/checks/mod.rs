//! The control catalog and its evaluators: pure functions from a resource (and its subscription) to findings.
//! Enum values are compared case-insensitively and identity types are normalised (CONTROLS.md conventions):
//! AI Search answers `enabled`, Cognitive Services `Enabled`; ML writes `SystemAssigned,UserAssigned`.
//!
//! Every evaluation yields `pass`, `fail`, `unknown` (data missing, denied or malformed — never rounded up) or
//! `not_applicable`, with the property paths read and the values observed as evidence.

mod catalog;
mod controls;
mod value;
mod verdict;

#[cfg(test)]
mod tests;

pub use catalog::{
    Applicability, Applies, Control, Fix, Omitted, Outcome, control, controls, effective_kind, is_attestation,
    omitted_controls,
};

use std::collections::HashMap;

use crate::model::{Finding, Resource, ResourceId, Status, Subscription};

/// Evaluates every applicable control of the catalog on one resource.
///
/// AI-GOV-03's cross-resource part (prod sharing a subscription with dev/test) needs the whole inventory and
/// is only applied by [`evaluate_all`].
pub fn evaluate(resource: &Resource, subscription: Option<&Subscription>) -> Vec<Finding> {
    let mut findings = Vec::with_capacity(24);
    evaluate_into(&mut findings, resource, subscription);
    findings
}

/// Appends the findings of `resource` to `findings`; they all share one copy of the resource id.
fn evaluate_into(findings: &mut Vec<Finding>, resource: &Resource, subscription: Option<&Subscription>) {
    let id = ResourceId::new(&resource.id);
    for control in catalog::candidates(resource.family) {
        let applies = control.applicability.check(resource);
        if applies != Applies::No {
            findings.push(control.evaluate_applying(resource, subscription, &id, applies));
        }
    }
}

/// Inventories at least this large are split across threads.
const PARALLEL_FROM: usize = 2048;

/// Evaluates the catalog over a whole inventory, resolving each resource's subscription. Findings come out in
/// inventory order, each resource's in catalog order. Large inventories are evaluated on several threads
/// (the evaluators are pure, so the split changes nothing but the time).
pub fn evaluate_all(resources: &[Resource], subscriptions: &[Subscription]) -> Vec<Finding> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    evaluate_all_on(resources, subscriptions, threads)
}

/// [`evaluate_all`] on at most `threads` threads (the result does not depend on it; tests compare).
pub fn evaluate_all_on(resources: &[Resource], subscriptions: &[Subscription], threads: usize) -> Vec<Finding> {
    let colocation = controls::Colocation::new(resources);
    let colocation = &colocation;
    // Subscription ids compare without case; one lookup table instead of a scan per resource (200
    // subscriptions × 10,000 resources is two million comparisons).
    let mut by_id: HashMap<String, &Subscription> = HashMap::with_capacity(subscriptions.len());
    for subscription in subscriptions {
        // The first of two spellings of one id wins, as a scan in order would find it.
        by_id
            .entry(subscription.id.to_ascii_lowercase())
            .or_insert(subscription);
    }
    let subscriptions = &by_id;
    let mut all = Vec::with_capacity(most_findings(resources));
    if threads < 2 || resources.len() < PARALLEL_FROM {
        evaluate_slice(&mut all, resources, subscriptions, colocation);
        return all;
    }
    // Work is claimed in batches: the calling thread from the front, straight into the result; the helpers
    // from the back, into batches copied in behind it. Nobody waits on a fixed half that turned out slower
    // (resources differ in cost, and a helper starts later than the caller).
    let claims = std::sync::Mutex::new(0..resources.len());
    let claims = &claims;
    let claim = |from_front: bool| -> Option<std::ops::Range<usize>> {
        // A poisoned lock means a helper panicked; that panic is re-raised when it is joined.
        let mut open = claims.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if open.is_empty() {
            return None;
        }
        let taken = if from_front {
            open.start..(open.start + BATCH).min(open.end)
        } else {
            open.end.saturating_sub(BATCH).max(open.start)..open.end
        };
        *open = if from_front {
            taken.end..open.end
        } else {
            open.start..taken.start
        };
        Some(taken)
    };
    let claim = &claim;
    let mut batches: Vec<(usize, Vec<Finding>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("aisec-checks".into())
                    .spawn_scoped(scope, move || {
                        let mut done = Vec::new();
                        while let Some(range) = claim(false) {
                            let part = resources.get(range.clone()).unwrap_or_default();
                            let mut findings = Vec::with_capacity(most_findings(part));
                            evaluate_slice(&mut findings, part, subscriptions, colocation);
                            done.push((range.start, findings));
                        }
                        done
                    })
                    // The OS refused a thread: the others, the caller included, take its share.
                    .ok()
            })
            .collect();
        while let Some(range) = claim(true) {
            evaluate_slice(
                &mut all,
                resources.get(range).unwrap_or_default(),
                subscriptions,
                colocation,
            );
        }
        let mut batches = Vec::new();
        for helper in helpers {
            match helper.join() {
                Ok(done) => batches.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        batches
    });
    batches.sort_unstable_by_key(|(start, _)| *start);
    for (_, findings) in batches {
        all.extend(findings);
    }
    all
}

/// Resources per claim when the work is shared: small enough to balance, large enough that claiming is free.
const BATCH: usize = 64;

/// One finding per candidate control at most.
fn most_findings(resources: &[Resource]) -> usize {
    resources.iter().map(|r| catalog::candidates(r.family).len()).sum()
}

fn evaluate_slice(
    findings: &mut Vec<Finding>,
    resources: &[Resource],
    subscriptions: &HashMap<String, &Subscription>,
    colocation: &controls::Colocation<'_>,
) {
    let mut lowered = String::new();
    for resource in resources {
        lowered.clear();
        lowered.push_str(&resource.subscription_id);
        lowered.make_ascii_lowercase();
        let subscription = subscriptions.get(lowered.as_str()).copied();
        let start = findings.len();
        evaluate_into(findings, resource, subscription);
        if let Some(own) = findings.get_mut(start..) {
            colocation.adjust(resource, own);
        }
    }
}

/// Score: severity-weighted share of passing findings among those that could be decided or not. Unknown
/// counts against the score: missing data is never a pass.
pub fn score<'a>(findings: impl Iterator<Item = &'a Finding>) -> Option<u8> {
    let (mut passed, mut total) = (0u64, 0u64);
    for finding in findings {
        let weight = finding.severity.weight() as u64;
        match finding.status {
            Status::Pass => {
                passed += weight;
                total += weight;
            }
            Status::Fail | Status::Unknown => total += weight,
            Status::NotApplicable => {}
        }
    }
    (total > 0).then(|| ((passed * 100 + total / 2) / total) as u8)
}

#[cfg(test)]
mod score_tests {
    use super::*;
    use crate::model::Severity;

    fn finding(status: Status, severity: Severity) -> Finding {
        Finding {
            control_id: "AI-NET-01",
            resource_id: "/r".into(),
            status,
            severity,
            evidence: Default::default(),
        }
    }

    #[test]
    fn score_weights_severity_and_counts_unknown_against() {
        let all_pass = [
            finding(Status::Pass, Severity::High),
            finding(Status::Pass, Severity::Low),
        ];
        assert_eq!(score(all_pass.iter()), Some(100));
        let mixed = [
            finding(Status::Pass, Severity::Low),
            finding(Status::Fail, Severity::High),
        ];
        assert_eq!(score(mixed.iter()), Some(17));
        let unknown = [finding(Status::Unknown, Severity::Medium)];
        assert_eq!(score(unknown.iter()), Some(0));
        let not_applicable = [finding(Status::NotApplicable, Severity::High)];
        assert_eq!(score(not_applicable.iter()), None);
    }
}

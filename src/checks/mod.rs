//! The control catalog and its evaluators: pure functions from a resource (and its subscription) to findings.
//! Enum values are compared case-insensitively and identity types are normalised (CONTROLS.md conventions):
//! AI Search answers `enabled`, Cognitive Services `Enabled`; ML writes `SystemAssigned,UserAssigned`.
//!
//! Every evaluation yields `pass`, `fail`, `unknown` (data missing, denied or malformed — never rounded up) or
//! `not_applicable`, with the property paths read and the values observed as evidence.
//!
//! Two forms of the same evaluation: [`evaluate_all`] gives findings with their evidence (a scan writes them
//! all); [`verdicts_all`] gives the statuses alone, which is what the cockpit holds for a whole tenant, and
//! [`explain`] renders the evidence of one verdict when it is shown.

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

use crate::model::{Evidence, Finding, Resource, ResourceId, Severity, Status, Subscription, Verdict};

/// Evaluates every applicable control of the catalog on one resource.
///
/// AI-GOV-03's cross-resource part (prod sharing a subscription with dev/test) needs the whole inventory and
/// is only applied by [`evaluate_all`].
pub fn evaluate(resource: &Resource, subscription: Option<&Subscription>) -> Vec<Finding> {
    let mut findings = Vec::with_capacity(24);
    evaluate_into(&mut findings, resource, 0, subscription);
    findings
}

/// What one evaluation of a control on a resource is kept as: a [`Finding`] with its evidence, or a
/// [`Verdict`] without it.
trait Judgement: Send + Sized {
    /// Runs evaluations in the mode this form needs (verdicts skip the writing of evidence).
    fn evaluating<T>(evaluate: impl FnOnce() -> T) -> T;
    /// `id` is the resource's id text, made once and shared by every finding of the resource (verdicts hold
    /// the resource's position instead).
    fn judged(control: &Control, outcome: Outcome, on: &Evaluated<'_>, id: &mut Option<ResourceId>) -> Self;
    fn control_id(&self) -> &'static str;
    /// Turns the judgement into a failure, with `evidence` saying why where evidence is kept.
    fn fail_because(&mut self, evidence: impl FnOnce() -> Evidence);
}

/// The resource being evaluated and its position in the inventory.
struct Evaluated<'a> {
    resource: &'a Resource,
    index: u32,
}

impl Judgement for Finding {
    fn evaluating<T>(evaluate: impl FnOnce() -> T) -> T {
        evaluate()
    }

    fn judged(control: &Control, outcome: Outcome, on: &Evaluated<'_>, id: &mut Option<ResourceId>) -> Self {
        Finding {
            control_id: control.id,
            resource_id: id.get_or_insert_with(|| ResourceId::new(&on.resource.id)).clone(),
            status: outcome.status,
            severity: control.severity,
            evidence: outcome.evidence,
        }
    }

    fn control_id(&self) -> &'static str {
        self.control_id
    }

    fn fail_because(&mut self, evidence: impl FnOnce() -> Evidence) {
        self.evidence.push(evidence());
        self.status = Status::Fail;
    }
}

impl Judgement for Verdict {
    fn evaluating<T>(evaluate: impl FnOnce() -> T) -> T {
        verdict::without_evidence(evaluate)
    }

    fn judged(control: &Control, outcome: Outcome, on: &Evaluated<'_>, _: &mut Option<ResourceId>) -> Self {
        Verdict {
            control: control.position,
            resource_index: on.index,
            status: outcome.status,
            severity: control.severity,
        }
    }

    fn control_id(&self) -> &'static str {
        Verdict::control_id(self)
    }

    fn fail_because(&mut self, _: impl FnOnce() -> Evidence) {
        self.status = Status::Fail;
    }
}

/// Appends the judgements of `resource` (at `resource_index` in its inventory) to `findings`.
fn evaluate_into<J: Judgement>(
    findings: &mut Vec<J>,
    resource: &Resource,
    resource_index: u32,
    subscription: Option<&Subscription>,
) {
    let on = Evaluated {
        resource,
        index: resource_index,
    };
    let mut id = None;
    for control in catalog::candidates(resource.family) {
        let applies = control.applicability.check(resource);
        if applies != Applies::No {
            let outcome = control.outcome_applying(resource, subscription, applies);
            findings.push(J::judged(control, outcome, &on, &mut id));
        }
    }
}

/// Inventories at least this large are split across threads.
const PARALLEL_FROM: usize = 2048;

/// Evaluates the catalog over a whole inventory, resolving each resource's subscription. Findings come out in
/// inventory order, each resource's in catalog order. Large inventories are evaluated on several threads
/// (the evaluators are pure, so the split changes nothing but the time).
pub fn evaluate_all(resources: &[Resource], subscriptions: &[Subscription]) -> Vec<Finding> {
    evaluate_all_on(resources, subscriptions, default_threads())
}

/// [`evaluate_all`] on at most `threads` threads (the result does not depend on it; tests compare).
pub fn evaluate_all_on(resources: &[Resource], subscriptions: &[Subscription], threads: usize) -> Vec<Finding> {
    judge_all(resources, subscriptions, threads)
}

/// The statuses [`evaluate_all`] decides, without evidence, in the same order: a tenant's checklist at a
/// fraction of the memory and time. [`explain`] gives any one of them its evidence.
pub fn verdicts_all(resources: &[Resource], subscriptions: &[Subscription]) -> Vec<Verdict> {
    verdicts_all_on(resources, subscriptions, default_threads())
}

/// [`verdicts_all`] on at most `threads` threads.
pub fn verdicts_all_on(resources: &[Resource], subscriptions: &[Subscription], threads: usize) -> Vec<Verdict> {
    judge_all(resources, subscriptions, threads)
}

impl Verdict {
    /// The control this verdict is about; `None` only for a verdict not made by this catalog (its position
    /// is out of range).
    pub fn control(&self) -> Option<&'static Control> {
        controls().get(usize::from(self.control))
    }

    /// The control's id (`AI-NET-01`); empty for a verdict not made by this catalog.
    pub fn control_id(&self) -> &'static str {
        self.control().map_or("", |control| control.id)
    }
}

/// The finding behind a verdict of [`verdicts_all`]: its control evaluated again on its resource, with
/// evidence (AI-GOV-03 looks at the resource's subscription again). `resources` and `subscriptions` must be
/// those the verdict was decided on (one snapshot's); `None` when the verdict's position is outside
/// `resources` or its control is unknown.
pub fn explain(resources: &[Resource], subscriptions: &[Subscription], verdict: &Verdict) -> Option<Finding> {
    let resource = resources.get(verdict.resource_index as usize)?;
    let control = verdict.control()?;
    let subscription = subscriptions
        .iter()
        .find(|subscription| subscription.id.eq_ignore_ascii_case(&resource.subscription_id));
    let mut finding = [control.evaluate(resource, subscription)];
    if controls::Colocation::concerns(control.id) {
        controls::Colocation::within(resources, &resource.subscription_id).adjust(resource, &mut finding);
    }
    let [finding] = finding;
    Some(finding)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

fn judge_all<J: Judgement>(resources: &[Resource], subscriptions: &[Subscription], threads: usize) -> Vec<J> {
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
        evaluate_slice(&mut all, resources, 0, subscriptions, colocation);
        return fitted(all);
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
    let mut batches: Vec<(usize, Vec<J>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("aisec-checks".into())
                    .spawn_scoped(scope, move || {
                        let mut done = Vec::new();
                        while let Some(range) = claim(false) {
                            let part = resources.get(range.clone()).unwrap_or_default();
                            let mut findings = Vec::with_capacity(most_findings(part));
                            evaluate_slice(&mut findings, part, range.start, subscriptions, colocation);
                            done.push((range.start, findings));
                        }
                        done
                    })
                    // The OS refused a thread: the others, the caller included, take its share.
                    .ok()
            })
            .collect();
        while let Some(range) = claim(true) {
            let start = range.start;
            evaluate_slice(
                &mut all,
                resources.get(range).unwrap_or_default(),
                start,
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
    fitted(all)
}

/// The room reserved for every candidate control is given back: only some candidates apply to a given
/// resource (its kind, its SKU), and the result is held as long as the snapshot (a large block shrinks in
/// place).
fn fitted<J>(mut judgements: Vec<J>) -> Vec<J> {
    judgements.shrink_to_fit();
    judgements
}

/// Resources per claim when the work is shared: small enough to balance, large enough that claiming is free.
const BATCH: usize = 64;

/// One finding per candidate control at most.
fn most_findings(resources: &[Resource]) -> usize {
    resources.iter().map(|r| catalog::candidates(r.family).len()).sum()
}

/// Evaluates `resources`, the slice of the inventory that starts at position `first_index`.
fn evaluate_slice<J: Judgement>(
    findings: &mut Vec<J>,
    resources: &[Resource],
    first_index: usize,
    subscriptions: &HashMap<String, &Subscription>,
    colocation: &controls::Colocation<'_>,
) {
    J::evaluating(|| {
        let mut lowered = String::new();
        for (offset, resource) in resources.iter().enumerate() {
            lowered.clear();
            lowered.push_str(&resource.subscription_id);
            lowered.make_ascii_lowercase();
            let subscription = subscriptions.get(lowered.as_str()).copied();
            let start = findings.len();
            // Inventories are far below four billion resources (a tenant's AI resources number thousands).
            let index = u32::try_from(first_index + offset).unwrap_or(u32::MAX);
            evaluate_into(findings, resource, index, subscription);
            if let Some(own) = findings.get_mut(start..) {
                colocation.adjust(resource, own);
            }
        }
    })
}

/// Score: severity-weighted share of passing findings among those that could be decided or not. Unknown
/// counts against the score: missing data is never a pass.
pub fn score(findings: impl Iterator<Item = (Status, Severity)>) -> Option<u8> {
    let (mut passed, mut total) = (0u64, 0u64);
    for (status, severity) in findings {
        let weight = severity.weight() as u64;
        match status {
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

    #[test]
    fn score_weights_severity_and_counts_unknown_against() {
        let all_pass = [(Status::Pass, Severity::High), (Status::Pass, Severity::Low)];
        assert_eq!(score(all_pass.into_iter()), Some(100));
        let mixed = [(Status::Pass, Severity::Low), (Status::Fail, Severity::High)];
        assert_eq!(score(mixed.into_iter()), Some(17));
        let unknown = [(Status::Unknown, Severity::Medium)];
        assert_eq!(score(unknown.into_iter()), Some(0));
        let not_applicable = [(Status::NotApplicable, Severity::High)];
        assert_eq!(score(not_applicable.into_iter()), None);
    }
}

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

use crate::model::{Finding, Resource, Subscription};

/// Evaluates every applicable control of the catalog on one resource.
///
/// AI-GOV-03's cross-resource part (prod sharing a subscription with dev/test) needs the whole inventory and
/// is only applied by [`evaluate_all`].
pub fn evaluate(resource: &Resource, subscription: Option<&Subscription>) -> Vec<Finding> {
    controls()
        .iter()
        .filter(|control| control.applies_to(resource))
        .map(|control| control.evaluate(resource, subscription))
        .collect()
}

/// Evaluates the catalog over a whole inventory, resolving each resource's subscription.
pub fn evaluate_all(resources: &[Resource], subscriptions: &[Subscription]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = resources
        .iter()
        .flat_map(|resource| {
            let subscription = subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(&resource.subscription_id));
            evaluate(resource, subscription)
        })
        .collect();
    controls::apply_colocation(resources, &mut findings);
    findings
}

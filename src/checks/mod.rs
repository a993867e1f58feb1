//! The control catalog and its evaluators: pure functions from a resource (and its subscription) to findings.
//! Enum values are compared case-insensitively and identity types are normalised (CONTROLS.md conventions):
//! AI Search answers `enabled`, Cognitive Services `Enabled`; ML writes `SystemAssigned,UserAssigned`.

mod catalog;
mod controls;
mod value;

pub use catalog::{Applicability, Control, Fix, Outcome, control, controls};

use crate::model::{Finding, Resource, Subscription};

/// Evaluates every applicable control of the catalog on one resource.
pub fn evaluate(resource: &Resource, subscription: Option<&Subscription>) -> Vec<Finding> {
    controls()
        .iter()
        .filter(|control| control.applies_to(resource))
        .map(|control| control.evaluate(resource, subscription))
        .collect()
}

/// Evaluates the catalog over a whole inventory, resolving each resource's subscription.
pub fn evaluate_all(resources: &[Resource], subscriptions: &[Subscription]) -> Vec<Finding> {
    resources
        .iter()
        .flat_map(|resource| {
            let subscription = subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(&resource.subscription_id));
            evaluate(resource, subscription)
        })
        .collect()
}

//! Readers shared by several controls: public exposure, private endpoint connections, tags, ML computes.

use super::prelude::*;

pub const PNA: &str = "properties.publicNetworkAccess";

/// Folds alternatives: `pass` if any alternative passes, else `unknown` if any could not be read, else `fail`
/// (also `fail` when there is no alternative at all).
pub fn any_pass(statuses: impl IntoIterator<Item = Status>) -> Status {
    let mut result = Status::Fail;
    for status in statuses {
        match status {
            Status::Pass => return Status::Pass,
            Status::Unknown => result = Status::Unknown,
            Status::Fail | Status::NotApplicable => {}
        }
    }
    result
}

/// [`any_pass`] folded as the statuses come, without keeping them.
#[derive(Debug, Default, Clone, Copy)]
pub struct AnyPass {
    count: usize,
    passed: bool,
    unknown: bool,
}

impl AnyPass {
    pub fn push(&mut self, status: Status) {
        self.count += 1;
        match status {
            Status::Pass => self.passed = true,
            Status::Unknown => self.unknown = true,
            Status::Fail | Status::NotApplicable => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn has_pass(&self) -> bool {
        self.passed
    }

    /// What [`any_pass`] gives for the statuses pushed so far.
    pub fn status(&self) -> Status {
        if self.passed {
            Status::Pass
        } else if self.unknown {
            Status::Unknown
        } else {
            Status::Fail
        }
    }
}

/// What `properties.publicNetworkAccess` says about the public endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    Public,
    Private,
    /// Malformed, or a value this engine does not know: neither pass nor not-applicable may follow from it.
    Unclear,
}

/// Reads `properties.publicNetworkAccess`. Absent means Enabled: that is Azure's default for Cognitive Services
/// accounts, ML workspaces, Search services, Key Vaults and ML online endpoints alike. `private_values` are the
/// spellings that close the public endpoint (compared without case).
pub fn exposure(check: &mut Check, resource: &Resource, private_values: &[&str]) -> Exposure {
    match check.text(resource, PNA) {
        Typed::Absent => Exposure::Public,
        Typed::Ok(v) if is_one_of(v, &["Enabled"]) => Exposure::Public,
        Typed::Ok(v) if is_one_of(v, private_values) => Exposure::Private,
        Typed::Ok(_) | Typed::Bad => Exposure::Unclear,
    }
}

/// Counts of private endpoint connections by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connections {
    pub approved: usize,
    /// Pending, Rejected or Disconnected.
    pub stray: usize,
    /// Entries whose state could not be read or is not a documented value.
    pub unreadable: usize,
}

/// Reads the private endpoint connections, preferring the separately listed ones
/// (`details.private_endpoint_connections`) and falling back to the array embedded in the body. `None` (the
/// check is then `unknown`) when neither source is usable.
pub fn private_endpoints(check: &mut Check, resource: &Resource) -> Option<Connections> {
    const LIST: &str = "privateEndpointConnections";
    let items: &[Doc] = match &resource.details.private_endpoint_connections {
        Fetched::Value(items) => {
            check.note_if_empty(LIST, items.len());
            items
        }
        // The connections are described one by one below, so the array itself is not rendered.
        not_listed => match value::array(value::resource_get(resource, "properties.privateEndpointConnections")) {
            Typed::Ok(items) => {
                check.note_if_empty("properties.privateEndpointConnections", items.len());
                if let Fetched::Denied(reason) = not_listed {
                    check.note(
                        "privateEndpointConnections (listed)",
                        value::concat(&[
                            "<denied: ",
                            &value::truncate(reason),
                            "> (the array in the body is used)",
                        ]),
                    );
                }
                items
            }
            other => {
                check.note(
                    "properties.privateEndpointConnections",
                    value::observed_got(
                        value::resource_get(resource, "properties.privateEndpointConnections"),
                        other == Typed::Absent,
                        "an array",
                    ),
                );
                check.unknown();
                if !matches!(not_listed, Fetched::Value(_)) {
                    check.fetched("privateEndpointConnections (listed)", not_listed);
                }
                return None;
            }
        },
    };
    let mut counts = Connections::default();
    for (index, item) in items.iter().enumerate() {
        let label = item_label(LIST, index, item);
        match check.item_text(item, &label, "properties.privateLinkServiceConnectionState.status") {
            Typed::Ok(status) if is_one_of(status, &["Approved"]) => counts.approved += 1,
            Typed::Ok(status) if is_one_of(status, &["Pending", "Rejected", "Disconnected"]) => counts.stray += 1,
            _ => counts.unreadable += 1,
        }
    }
    Some(counts)
}

/// The environment a resource declares through its `environment` tag (compare without case).
pub fn environment(resource: &Resource) -> Option<&str> {
    resource.tag("environment").map(value::trimmed)
}

/// ML workspace managed network isolation mode (`properties.managedNetwork.isolationMode`), recorded.
pub fn ml_isolation<'a>(check: &mut Check, resource: &'a Resource) -> Typed<&'a str> {
    check.text(resource, "properties.managedNetwork.isolationMode")
}

/// The compute type of an ML compute (`properties.computeType`).
pub fn compute_type(compute: &Doc) -> Option<&str> {
    value::member(compute, "properties")
        .and_then(|p| value::member(p, "computeType"))
        .and_then(Doc::as_str)
}

/// Reads the workspace's computes and keeps those of the given types. Entries that are not objects or have no
/// readable type make the check `unknown` (they might be of a checked type). `None` when the list is missing.
pub fn computes_of<'a>(
    check: &mut Check,
    resource: &'a Resource,
    types: &[&str],
) -> Option<Vec<(EvidenceText, &'a Doc)>> {
    let computes = check.fetched("computes", &resource.details.computes)?;
    let mut kept = Vec::new();
    for (index, compute) in computes.iter().enumerate() {
        let label = item_label("computes", index, compute);
        match compute_type(compute) {
            Some(kind) if is_one_of(kind, types) => kept.push((label, compute)),
            Some(_) => {}
            None => {
                check.note(
                    value::concat(&[&label, ".properties.computeType"]),
                    value::concat(&[
                        &value::observed_got(value::walk(compute, "properties.computeType"), false, "a string"),
                        " (unreadable compute)",
                    ]),
                );
                check.unknown();
            }
        }
    }
    if kept.is_empty() {
        check.note(
            "computes",
            format!("{} compute(s), none of type {}", computes.len(), types.join("/")),
        );
    }
    Some(kept)
}

/// `true` for a non-empty, non-blank string.
pub fn non_empty(typed: Typed<&str>) -> Typed<bool> {
    match typed {
        Typed::Ok(text) => Typed::Ok(!value::trimmed(text).is_empty()),
        Typed::Absent => Typed::Absent,
        Typed::Bad => Typed::Bad,
    }
}

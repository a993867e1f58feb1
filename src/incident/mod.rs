//! The incident-response runbook: five phases, with steps written for the selected alert and resource.
//! Pure data; the lifecycle and its storage come later.

use crate::model::{Alert, Resource, count};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Detection,
    Analysis,
    Containment,
    Resolution,
    ContinuousImprovement,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Detection,
        Phase::Analysis,
        Phase::Containment,
        Phase::Resolution,
        Phase::ContinuousImprovement,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::Detection => "Detection",
            Phase::Analysis => "Analysis",
            Phase::Containment => "Containment",
            Phase::Resolution => "Resolution",
            Phase::ContinuousImprovement => "Continuous improvement",
        }
    }

    /// One word, for the runbook's phase column.
    pub fn short_label(self) -> &'static str {
        match self {
            Phase::Detection => "Detect",
            Phase::Analysis => "Analyse",
            Phase::Containment => "Contain",
            Phase::Resolution => "Resolve",
            Phase::ContinuousImprovement => "Improve",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub phase: Phase,
    pub text: String,
}

fn key_auth_enabled(resource: Option<&Resource>) -> Option<bool> {
    let value = resource?.path("properties.disableLocalAuth");
    // Azure omits disableLocalAuth when it was never set, and then keys work.
    Some(!matches!(value, Some(crate::model::Doc::Bool(true))))
}

fn publicly_reachable(resource: Option<&Resource>) -> Option<bool> {
    let value = resource?
        .path("properties.publicNetworkAccess")
        .and_then(|v| v.as_str());
    Some(!value.is_some_and(|v| v.eq_ignore_ascii_case("disabled")))
}

/// Runbook steps for an alert (or the generic runbook when none is selected). Resource properties decide
/// which containment steps apply: rotating keys only matters while key authentication is on.
pub fn playbook(alert: Option<&Alert>, resource: Option<&Resource>) -> Vec<Step> {
    let name = alert
        .map(|a| a.resource_name.as_str())
        .filter(|n| !n.is_empty())
        .unwrap_or("the resource");
    let metric = alert.map(|a| a.metric.as_str()).unwrap_or("API calls");
    let mut steps = Vec::new();
    let mut add = |phase, text: String| steps.push(Step { phase, text });

    match alert {
        Some(alert) => add(
            Phase::Detection,
            format!(
                "Confirm the spike: {metric} on {name} reached {} where {} is usual (band up to {}).",
                count(alert.observed),
                count(alert.usual),
                count(alert.band_high)
            ),
        ),
        None => add(
            Phase::Detection,
            "Select an alert in the Alerts pane (2) to tailor these steps.".into(),
        ),
    }
    add(
        Phase::Detection,
        "Check whether other resources spike at the same time: one key or the whole platform?".into(),
    );
    add(
        Phase::Detection,
        "Open an incident, note the start time and who is on call.".into(),
    );

    add(
        Phase::Analysis,
        format!("Read {name}'s diagnostic logs around the spike: caller IPs, operations, status codes."),
    );
    add(
        Phase::Analysis,
        "A burst of 401/403 means someone is trying keys or tokens; 429s mean quota is being exhausted.".into(),
    );
    add(
        Phase::Analysis,
        format!("Check the activity log for recent changes to {name} (keys listed, network opened)."),
    );
    add(
        Phase::Analysis,
        "Compare token usage per request with the baseline: prompt abuse and data scraping differ.".into(),
    );

    if key_auth_enabled(resource) != Some(false) {
        add(
            Phase::Containment,
            format!("Rotate the key not in use on {name}, switch clients, then rotate the other key."),
        );
    }
    if publicly_reachable(resource) != Some(false) {
        add(
            Phase::Containment,
            format!("Restrict {name}'s network: firewall to known addresses, or disable public access."),
        );
    }
    add(
        Phase::Containment,
        "Lower the deployment's rate limit or quota to cap the cost while you investigate.".into(),
    );
    add(
        Phase::Containment,
        "Block the offending callers upstream (gateway, WAF) when they are identified.".into(),
    );

    add(
        Phase::Resolution,
        format!("Confirm {metric} on {name} is back inside its usual band."),
    );
    add(
        Phase::Resolution,
        "Remove temporary blocks that are no longer needed and record what changed.".into(),
    );
    add(
        Phase::Resolution,
        "Tell the owners and, where data may have left, the people who must be told.".into(),
    );

    if key_auth_enabled(resource) != Some(false) {
        add(
            Phase::ContinuousImprovement,
            "Move clients to Entra ID and disable key authentication (AI-IAM-01).".into(),
        );
    }
    add(
        Phase::ContinuousImprovement,
        "Add budget and token-usage alerts so the next spike pages sooner (AI-OPS-02).".into(),
    );
    add(
        Phase::ContinuousImprovement,
        "Review the runbook: which step was slow or missing?".into(),
    );
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AlertLevel;

    fn alert() -> Alert {
        Alert {
            key: "k".into(),
            resource_id: "/r".into(),
            resource_name: "aoai-prod".into(),
            metric: "AzureOpenAIRequests".into(),
            at: 0,
            observed: 4210.0,
            usual: 1150.0,
            band_high: 1390.0,
            surprise: 5.0,
            level: AlertLevel::Page,
            reason: "rolling baseline".into(),
        }
    }

    #[test]
    fn every_phase_has_steps_and_the_alert_numbers_are_quoted() {
        let steps = playbook(Some(&alert()), None);
        for phase in Phase::ALL {
            assert!(steps.iter().any(|s| s.phase == phase), "{phase:?} has no step");
        }
        assert!(steps[0].text.contains("4,210") && steps[0].text.contains("1,150"));
    }

    #[test]
    fn key_rotation_is_offered_only_while_keys_work() {
        let mut resource = crate::model::Resource::from_arm(&serde_json::json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
            "type": "Microsoft.CognitiveServices/accounts",
            "properties": {"disableLocalAuth": true, "publicNetworkAccess": "Disabled"}
        }))
        .unwrap();
        let hardened = playbook(Some(&alert()), Some(&resource));
        assert!(!hardened.iter().any(|s| s.text.contains("Rotate")));
        assert!(!hardened.iter().any(|s| s.text.contains("Restrict")));
        resource.properties = crate::model::Doc::Object(
            resource
                .properties
                .as_object()
                .cloned()
                .unwrap_or_default()
                .with("disableLocalAuth", false.into()),
        );
        assert!(
            playbook(Some(&alert()), Some(&resource))
                .iter()
                .any(|s| s.text.contains("Rotate"))
        );
    }
}

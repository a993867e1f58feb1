//! `aisec doctor`: which credential signed in, which tenant and subscriptions it sees, and which of the
//! permissions aisec needs it could confirm — one actionable line per failure.

use serde_json::Value;

use crate::azure::metrics::{self, MetricProfile, Window};
use crate::azure::{AzureClient, AzureError, RequestKind, Scope, cost, graph};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Warning,
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub verdict: Verdict,
    pub what: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub credential: String,
    pub tenant: Option<String>,
    pub subscriptions: Vec<(String, String)>,
    pub checks: Vec<Check>,
}

impl Report {
    /// 0 when everything needed works, 1 when some permission is missing, 2 when nothing can be read.
    pub fn exit_code(&self) -> u8 {
        if self
            .checks
            .iter()
            .any(|c| c.verdict == Verdict::Failed && c.what == "sign-in")
            || self.subscriptions.is_empty()
        {
            2
        } else if self.checks.iter().any(|c| c.verdict == Verdict::Failed) {
            1
        } else {
            0
        }
    }

    pub fn render(&self) -> String {
        let mut out = format!("credential: {}\n", self.credential);
        out.push_str(&format!(
            "tenant:     {}\n",
            self.tenant.as_deref().unwrap_or("unknown")
        ));
        out.push_str(&format!("subscriptions visible: {}\n", self.subscriptions.len()));
        for (id, name) in &self.subscriptions {
            out.push_str(&format!("  {name}  {id}\n"));
        }
        out.push_str("checks:\n");
        for check in &self.checks {
            let glyph = match check.verdict {
                Verdict::Ok => "✓",
                Verdict::Warning => "!",
                Verdict::Failed => "✗",
            };
            out.push_str(&format!("  {glyph} {}: {}\n", check.what, check.detail));
        }
        crate::sanitize::for_terminal_lines(&out)
    }
}

fn check(verdict: Verdict, what: &str, detail: impl Into<String>) -> Check {
    Check {
        verdict,
        what: what.to_string(),
        detail: detail.into(),
    }
}

/// What a refusal means for the user, in one sentence.
fn explain(error: &AzureError, role: &str) -> String {
    match error {
        AzureError::Status { status: 401, .. } => "the token was refused: sign in again (`az login`)".into(),
        AzureError::Status { status: 403, .. } => {
            format!("missing role: grant `{role}` on the subscriptions to audit")
        }
        other => other.to_string(),
    }
}

pub async fn run(client: &AzureClient, wanted: &[String]) -> Report {
    let mut report = Report::default();
    if let Err(error) = client
        .auth()
        .token(client.endpoints().audience(Scope::ResourceManager))
        .await
    {
        report.credential = client.auth().describe();
        report.checks.push(check(Verdict::Failed, "sign-in", error.to_string()));
        return report;
    }
    report.credential = client.auth().describe();
    report.checks.push(check(
        Verdict::Ok,
        "sign-in",
        "a token for Azure Resource Manager was issued",
    ));

    let url = client
        .endpoints()
        .arm_url("/subscriptions", &[("api-version", "2022-12-01")]);
    match client
        .get_all::<Value>(RequestKind::Subscriptions, Scope::ResourceManager, url)
        .await
    {
        Ok(rows) => {
            for row in &rows {
                let id = row
                    .get("subscriptionId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if !wanted.is_empty() && !wanted.iter().any(|w| w.eq_ignore_ascii_case(&id)) {
                    continue;
                }
                let name = row
                    .get("displayName")
                    .and_then(Value::as_str)
                    .unwrap_or(&id)
                    .to_string();
                report.tenant = report
                    .tenant
                    .or_else(|| row.get("tenantId").and_then(Value::as_str).map(str::to_string));
                report.subscriptions.push((id, name));
            }
            if report.subscriptions.is_empty() {
                let hint = if wanted.is_empty() {
                    "the credential sees no subscription: ask an owner for `Reader` on the subscriptions to audit"
                } else {
                    "none of the --subscription ids is visible to this credential: check the ids or ask for `Reader`"
                };
                report.checks.push(check(Verdict::Failed, "subscriptions", hint));
                return report;
            }
            report.checks.push(check(
                Verdict::Ok,
                "subscriptions",
                format!("{} visible", report.subscriptions.len()),
            ));
            // As scan does: an asked-for subscription the credential cannot see is a typo or a missing role,
            // never silently left out.
            for id in wanted {
                if !report
                    .subscriptions
                    .iter()
                    .any(|(seen, _)| seen.eq_ignore_ascii_case(id))
                {
                    report.checks.push(check(
                        Verdict::Failed,
                        "subscriptions",
                        format!(
                            "--subscription {id} is not visible to this credential: check the id or ask for `Reader` on it"
                        ),
                    ));
                }
            }
        }
        Err(error) => {
            report
                .checks
                .push(check(Verdict::Failed, "subscriptions", explain(&error, "Reader")));
            return report;
        }
    }
    let scope: Vec<String> = report.subscriptions.iter().map(|(id, _)| id.clone()).collect();
    let interner = std::sync::Mutex::default();
    let inventory = match graph::ai_inventory(client, &scope, &interner).await {
        Ok(inventory) => {
            report.checks.push(check(
                Verdict::Ok,
                "Resource Graph",
                format!(
                    "{} AI resources in {} page(s)",
                    inventory.resources.len(),
                    inventory.pages
                ),
            ));
            inventory.resources
        }
        Err(error) => {
            report
                .checks
                .push(check(Verdict::Failed, "Resource Graph", explain(&error, "Reader")));
            Vec::new()
        }
    };
    if let Some(resource) = inventory.first() {
        let (details, error) = crate::azure::children::details(client, resource).await;
        let verdict = match (&details.diagnostic_settings, error) {
            (crate::model::Fetched::Value(_), None) => check(
                Verdict::Ok,
                "diagnostic settings",
                format!("readable on {}", resource.name),
            ),
            (crate::model::Fetched::Denied(_), _) => check(
                Verdict::Failed,
                "diagnostic settings",
                "missing role: grant `Monitoring Reader` (or `Reader`)",
            ),
            (_, Some(error)) => check(Verdict::Warning, "diagnostic settings", error.to_string()),
            _ => check(Verdict::Warning, "diagnostic settings", "could not be read"),
        };
        report.checks.push(verdict);
        if let Some(profile) = inventory
            .iter()
            .find_map(|r| MetricProfile::for_resource(r).map(|p| (r, p)))
        {
            let (resource, profile) = profile;
            let end = crate::collector::unix_now() / 300 * 300;
            let window = Window {
                start: end - 3600,
                end,
                step_secs: 300,
            };
            let ids = vec![resource.id.clone()];
            let result = metrics::fetch_batch(
                client,
                &resource.subscription_id,
                &resource.location,
                profile,
                &ids,
                window,
            )
            .await;
            report.checks.push(match result {
                Ok(_) => check(Verdict::Ok, "metrics", "metrics:getBatch answered"),
                Err(error) => check(Verdict::Failed, "metrics", explain(&error, "Monitoring Reader")),
            });
        }
    } else {
        report.checks.push(check(
            Verdict::Warning,
            "AI resources",
            "none found: nothing to audit in these subscriptions",
        ));
    }
    if let Some((subscription, _)) = report.subscriptions.first() {
        let now = crate::collector::unix_now();
        let result = cost::daily_costs(client, subscription, &metrics::iso(now - 86_400), &metrics::iso(now)).await;
        report.checks.push(match result {
            Ok(_) => check(Verdict::Ok, "cost", "Cost Management answered"),
            Err(error) => check(Verdict::Warning, "cost", explain(&error, "Cost Management Reader")),
        });
        report.checks.push(write_permission(client, subscription).await);
    }
    report
}

/// Whether fixes could be applied later: the permissions API lists the caller's allowed actions.
async fn write_permission(client: &AzureClient, subscription: &str) -> Check {
    let url = client.endpoints().arm_url(
        &format!("/subscriptions/{subscription}/providers/Microsoft.Authorization/permissions"),
        &[("api-version", "2022-04-01")],
    );
    match client
        .get_all(RequestKind::ChildData, Scope::ResourceManager, url)
        .await
    {
        Ok(permissions) => {
            let allows = |action: &str| permissions.iter().any(|p| grants(p, action));
            if allows("Microsoft.CognitiveServices/accounts/write") {
                check(
                    Verdict::Ok,
                    "fix permission",
                    "writes to AI services accounts are allowed (aisec stays read-only unless asked)",
                )
            } else {
                check(
                    Verdict::Warning,
                    "fix permission",
                    "read-only access: fixes would need `Cognitive Services Contributor`",
                )
            }
        }
        Err(error) => check(
            Verdict::Warning,
            "fix permission",
            format!("could not be confirmed ({error})"),
        ),
    }
}

/// `actions` may use `*` wildcards; `notActions` subtract.
fn grants(permission: &Value, action: &str) -> bool {
    let list = |key: &str| -> Vec<String> {
        permission
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let action = action.to_ascii_lowercase();
    let matches = |pattern: &String| wildcard(pattern, &action);
    list("actions").iter().any(matches) && !list("notActions").iter().any(matches)
}

fn wildcard(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, suffix)) => text.starts_with(prefix) && text[prefix.len()..].ends_with(suffix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permission_wildcards_and_not_actions() {
        let contributor = json!({"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Write"]});
        assert!(grants(&contributor, "Microsoft.CognitiveServices/accounts/write"));
        assert!(!grants(&contributor, "Microsoft.Authorization/roleAssignments/write"));
        let reader = json!({"actions": ["*/read"], "notActions": []});
        assert!(!grants(&reader, "Microsoft.CognitiveServices/accounts/write"));
        assert!(grants(&reader, "Microsoft.CognitiveServices/accounts/read"));
    }

    #[test]
    fn exit_codes() {
        let mut report = Report {
            subscriptions: vec![("s".into(), "n".into())],
            ..Default::default()
        };
        assert_eq!(report.exit_code(), 0);
        report.checks.push(check(Verdict::Failed, "metrics", "x"));
        assert_eq!(report.exit_code(), 1);
        report.checks.push(check(Verdict::Failed, "sign-in", "x"));
        assert_eq!(report.exit_code(), 2);
    }
}

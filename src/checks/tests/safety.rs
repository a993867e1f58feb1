use super::support::*;
use crate::model::Doc;
use crate::model::{Fetched, Status::*};

#[test]
fn safe_01_content_filters() {
    let mut account = cs_hardened();
    expect("AI-SAFE-01", &account, None, Unknown);
    account.details.deployments = Fetched::Value(vec![]);
    expect("AI-SAFE-01", &account, None, NotApplicable);
    // Synthetic gpt-prod names strict-blocking; the policy list holds a strict policy of that name.
    let prod = deployments_mixed()[0].clone();
    account.details.deployments = Fetched::Value(vec![prod.clone()]);
    let f = expect("AI-SAFE-01", &account, None, Unknown);
    expect_evidence(&f, "raiPolicies", "<not collected>");
    account.details.rai_policies = Fetched::Value(vec![rai_policy_strict("strict-blocking")]);
    let f = expect("AI-SAFE-01", &account, None, Pass);
    expect_evidence(
        &f,
        "raiPolicies[name=strict-blocking].contentFilters",
        "Hate/Prompt, Hate/Completion",
    );
    expect_evidence(
        &f,
        "raiPolicies[name=strict-blocking].contentFilters",
        "Protected Material Code/Completion",
    );
    // Policy names compare without case.
    account.details.rai_policies = Fetched::Value(vec![rai_policy_strict("Strict-Blocking")]);
    expect("AI-SAFE-01", &account, None, Pass);
    // The official policy: asynchronous mode, hate-on-prompt off, High thresholds on prompts.
    let official = edited(rai_policy_example(), "name", doc!("strict-blocking"));
    account.details.rai_policies = Fetched::Value(vec![official]);
    let f = expect("AI-SAFE-01", &account, None, Fail);
    expect_evidence(
        &f,
        "raiPolicies[name=strict-blocking].properties.mode",
        "Asynchronous_filter",
    );
    expect_evidence(
        &f,
        "raiPolicies[name=strict-blocking].contentFilters[Hate/Prompt]",
        "enabled=false",
    );
    expect_evidence(
        &f,
        "raiPolicies[name=strict-blocking].contentFilters[Sexual/Prompt]",
        "severityThreshold=High",
    );
    // The official list example under its own name, referenced by a deployment.
    account.details.rai_policies = Fetched::Value(rai_policies_example());
    account.details.deployments = Fetched::Value(vec![edited(
        prod.clone(),
        "properties.raiPolicyName",
        doc!("raiPolicyName"),
    )]);
    expect("AI-SAFE-01", &account, None, Fail);
    // Deployment without a policy (official list example) fails.
    account.details.deployments = Fetched::Value(deployments_example());
    let f = expect("AI-SAFE-01", &account, None, Fail);
    expect_evidence(
        &f,
        "deployments[name=deploymentName].properties.raiPolicyName",
        "<absent>",
    );
    // Referenced policy not collected (Microsoft.Default of gpt-dev): unknown.
    account.details.rai_policies = Fetched::Value(vec![rai_policy_strict("strict-blocking")]);
    account.details.deployments = Fetched::Value(deployments_mixed());
    let f = expect("AI-SAFE-01", &account, None, Unknown);
    expect_evidence(&f, "raiPolicies[name=Microsoft.Default]", "not collected");
    // A filter the policy does not list: unknown (base policy not resolved); one set to High: fail.
    let mut partial = rai_policy_strict("strict-blocking").to_value();
    if let Some(filters) = partial["properties"]["contentFilters"].as_array_mut() {
        filters.retain(|f| f["name"] != "Jailbreak");
    }
    let partial = Doc::from(partial);
    account.details.deployments = Fetched::Value(vec![prod.clone()]);
    account.details.rai_policies = Fetched::Value(vec![partial]);
    expect("AI-SAFE-01", &account, None, Unknown);
    let weak = edited(
        rai_policy_strict("strict-blocking"),
        "properties.mode",
        doc!("Deferred"),
    );
    account.details.rai_policies = Fetched::Value(vec![weak]);
    expect("AI-SAFE-01", &account, None, Fail);
    let no_mode = edited(rai_policy_strict("strict-blocking"), "properties.mode", doc!(null));
    account.details.rai_policies = Fetched::Value(vec![no_mode]);
    expect("AI-SAFE-01", &account, None, Pass);
    // Filter names with other spellings ("Self-harm").
    let mut spelled = rai_policy_strict("strict-blocking").to_value();
    if let Some(filters) = spelled["properties"]["contentFilters"].as_array_mut() {
        for filter in filters.iter_mut().filter(|f| f["name"] == "Selfharm") {
            filter["name"] = serde_json::json!("Self-Harm");
        }
    }
    account.details.rai_policies = Fetched::Value(vec![Doc::from(spelled)]);
    expect("AI-SAFE-01", &account, None, Pass);
    // Malformed.
    account.details.rai_policies = Fetched::Value(vec![edited(
        rai_policy_strict("strict-blocking"),
        "properties.contentFilters",
        doc!({}),
    )]);
    expect("AI-SAFE-01", &account, None, Unknown);
    account.details.rai_policies = Fetched::Value(vec![rai_policy_strict("strict-blocking")]);
    account.details.deployments = Fetched::Value(vec![edited(prod, "properties.raiPolicyName", doc!(["x"]))]);
    expect("AI-SAFE-01", &account, None, Unknown);
    not_applicable_to("AI-SAFE-01", &with(cs_hardened(), "kind", doc!("FormRecognizer")));
}

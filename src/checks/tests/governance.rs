use crate::model::Doc;

use super::operations::SUB;
use super::support::*;
use crate::checks::evaluate_all;
use crate::model::{Fetched, Status, Status::*};

pub fn guardrail_assignment() -> Doc {
    doc!({
        "id": format!("{SUB}/providers/Microsoft.Authorization/policyAssignments/ai-local-auth"),
        "name": "ai-local-auth",
        "properties": {
            "displayName": "AI: disable local auth",
            "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/71ef260a-8f18-47b7-abcb-62d0673d94dc",
            "scope": SUB,
            "enforcementMode": "Default",
            "parameters": {"effect": {"value": "Deny"}}
        }
    })
}

#[test]
fn gov_01_guardrail_assignments() {
    let account = cs_hardened();
    expect("AI-GOV-01", &account, None, Unknown);
    let mut sub = subscription();
    expect("AI-GOV-01", &account, Some(&sub), Unknown);
    sub.policy_assignments = Fetched::Value(vec![guardrail_assignment()]);
    let f = expect("AI-GOV-01", &account, Some(&sub), Pass);
    expect_evidence(&f, "policyAssignments[name=ai-local-auth]", "enforced, effect Deny");
    // The same definition covers Search; ML needs its own.
    let mut search = search_service();
    search.id = search.id.replace("/subscriptions/subid/", &format!("{SUB}/")).into();
    expect("AI-GOV-01", &search, Some(&sub), Pass);
    // The official search service lives in another subscription: not covered.
    expect("AI-GOV-01", &search_service(), Some(&sub), Fail);
    expect("AI-GOV-01", &ml_workspace(), Some(&sub), Fail);
    // MCSB v2 initiative covers every family; management-group scope counts.
    let mcsb = edited(
        edited(
            guardrail_assignment(),
            "properties.policyDefinitionId",
            doc!("/providers/Microsoft.Authorization/policySetDefinitions/e3ec7e09-768c-4b64-882c-fcada3772047"),
        ),
        "properties.scope",
        doc!("/providers/Microsoft.Management/managementGroups/contoso"),
    );
    sub.policy_assignments = Fetched::Value(vec![mcsb]);
    expect("AI-GOV-01", &ml_workspace(), Some(&sub), Pass);
    // Not enforced, effect Disabled, excluded, elsewhere, custom copy: fail.
    for (path, value) in [
        ("properties.enforcementMode", doc!("DoNotEnforce")),
        ("properties.parameters.effect.value", doc!("Disabled")),
        ("properties.notScopes", doc!([format!("{SUB}/resourceGroups/rg-ai")])),
        ("properties.scope", doc!(format!("{SUB}/resourceGroups/rg-other"))),
        (
            "properties.policyDefinitionId",
            doc!(format!(
                "{SUB}/providers/Microsoft.Authorization/policyDefinitions/71ef260a-8f18-47b7-abcb-62d0673d94dc"
            )),
        ),
    ] {
        sub.policy_assignments = Fetched::Value(vec![edited(guardrail_assignment(), path, value.clone())]);
        expect("AI-GOV-01", &account, Some(&sub), Fail);
    }
    // Scope absent: taken from the id. Unreadable pieces: unknown.
    sub.policy_assignments = Fetched::Value(vec![edited(guardrail_assignment(), "properties.scope", doc!(null))]);
    expect("AI-GOV-01", &account, Some(&sub), Pass);
    sub.policy_assignments = Fetched::Value(vec![edited(
        guardrail_assignment(),
        "properties.enforcementMode",
        doc!(0),
    )]);
    expect("AI-GOV-01", &account, Some(&sub), Unknown);
    sub.policy_assignments = Fetched::Value(vec![
        doc!({"name": "broken", "properties": {"policyDefinitionId": null}}),
    ]);
    expect("AI-GOV-01", &account, Some(&sub), Unknown);
    sub.policy_assignments = Fetched::Value(vec![]);
    expect("AI-GOV-01", &account, Some(&sub), Fail);
    sub.policy_assignments = Fetched::Denied("403".into());
    expect("AI-GOV-01", &account, Some(&sub), Unknown);
}

fn lock(scope: &str, level: &str) -> Doc {
    doc!({"id": format!("{scope}/providers/Microsoft.Authorization/locks/keep"), "name": "keep", "properties": {"level": level}})
}

#[test]
fn gov_02_delete_locks() {
    // Hardened fixture is tagged prod.
    let mut account = cs_hardened();
    expect("AI-GOV-02", &account, None, Unknown);
    account.details.locks = Fetched::Value(vec![lock(&format!("{SUB}/resourceGroups/rg-ai"), "CanNotDelete")]);
    let f = expect("AI-GOV-02", &account, None, Pass);
    expect_evidence(&f, "locks[name=keep].properties.level", "CanNotDelete");
    account.details.locks = Fetched::Value(vec![lock(&account.id.clone(), "ReadOnly")]);
    expect("AI-GOV-02", &account, None, Pass);
    account.details.locks = Fetched::Value(vec![lock(&format!("{}/deployments/gpt", account.id), "CanNotDelete")]);
    expect("AI-GOV-02", &account, None, Fail);
    account.details.locks = Fetched::Value(vec![lock(&format!("{SUB}/resourceGroups/rg-other"), "CanNotDelete")]);
    expect("AI-GOV-02", &account, None, Fail);
    account.details.locks = Fetched::Value(vec![]);
    expect("AI-GOV-02", &account, None, Fail);
    account.details.locks = Fetched::Value(vec![doc!({"name": "odd", "properties": {"level": 1}})]);
    expect("AI-GOV-02", &account, None, Unknown);
    // dev/test are not applicable; untagged is treated as production.
    expect("AI-GOV-02", &cs_insecure(), None, NotApplicable);
    let mut untagged = with(cs_hardened(), "tags.environment", Doc::Null);
    untagged.details.locks = Fetched::Value(vec![]);
    let f = expect("AI-GOV-02", &untagged, None, Fail);
    expect_evidence(&f, "tags.environment", "<absent>");
}

/// AI-GOV-03 has no unknown case: tags are always known once a resource is parsed (non-string tag values are
/// kept as their JSON text by `Resource::from_arm`).
#[test]
fn gov_03_tags_and_separation() {
    // Hardened: environment prod but no owner.
    let f = expect("AI-GOV-03", &cs_hardened(), None, Fail);
    expect_evidence(&f, "tags.owner", "<absent>");
    let owned = with(cs_hardened(), "tags.owner", doc!("team-ai"));
    expect("AI-GOV-03", &owned, None, Pass);
    // Tag names are case-insensitive, values too.
    let shouting = with(
        with(
            with(cs_insecure(), "tags.environment", Doc::Null),
            "tags.Environment",
            doc!("PROD"),
        ),
        "tags.OWNER",
        doc!("x"),
    );
    expect("AI-GOV-03", &shouting, None, Pass);
    expect(
        "AI-GOV-03",
        &with(owned.clone(), "tags.environment", doc!("staging")),
        None,
        Fail,
    );
    expect("AI-GOV-03", &with(owned.clone(), "tags.owner", doc!(" ")), None, Fail);
    // Official example has neither tag (it has "Owner" but no environment).
    expect("AI-GOV-03", &cs_bare_example(), None, Fail);
    // Across the inventory: prod next to dev in one subscription fails; the dev one itself passes.
    let dev = with(cs_insecure(), "tags.owner", doc!("team-ai"));
    let findings = evaluate_all(&[owned.clone(), dev.clone()], &[]);
    let gov = |id: &str| -> Status {
        findings
            .iter()
            .find(|f| f.control_id == "AI-GOV-03" && f.resource_id == id)
            .map(|f| f.status)
            .unwrap_or(NotApplicable)
    };
    assert_eq!(gov(&owned.id), Fail);
    assert_eq!(gov(&dev.id), Pass);
    let separated = evaluate_all(std::slice::from_ref(&owned), &[]);
    assert!(
        separated
            .iter()
            .any(|f| f.control_id == "AI-GOV-03" && f.status == Pass)
    );
}

use crate::model::Doc;

use super::network::hardened_computes;
use super::support::*;
use crate::model::{Fetched, Status::*};

#[test]
fn iam_01_account_local_auth() {
    let f = expect("AI-IAM-01", &cs_hardened(), None, Pass);
    expect_evidence(&f, "properties.disableLocalAuth", "true");
    expect("AI-IAM-01", &cs_insecure(), None, Fail);
    // Absent means keys are accepted.
    let f = expect("AI-IAM-01", &cs_bare_example(), None, Fail);
    expect_evidence(&f, "properties.disableLocalAuth", "<absent>");
    // Resource Graph may stringify booleans.
    expect(
        "AI-IAM-01",
        &with(cs_insecure(), "properties.disableLocalAuth", doc!("True")),
        None,
        Pass,
    );
    expect(
        "AI-IAM-01",
        &with(cs_insecure(), "properties.disableLocalAuth", doc!(1)),
        None,
        Unknown,
    );
    expect(
        "AI-IAM-01",
        &with(cs_insecure(), "properties.disableLocalAuth", doc!("yes")),
        None,
        Unknown,
    );
}

#[test]
fn iam_02_custom_subdomain() {
    let f = expect("AI-IAM-02", &cs_hardened(), None, Pass);
    expect_evidence(&f, "properties.customSubDomainName", "aoai-hardened");
    expect("AI-IAM-02", &cs_insecure(), None, Fail);
    expect(
        "AI-IAM-02",
        &with(cs_hardened(), "properties.customSubDomainName", doc!("  ")),
        None,
        Fail,
    );
    expect(
        "AI-IAM-02",
        &with(cs_hardened(), "properties.customSubDomainName", doc!({"name": "x"})),
        None,
        Unknown,
    );
}

#[test]
fn iam_03_account_identity_spellings() {
    expect("AI-IAM-03", &cs_hardened(), None, Pass);
    let f = expect("AI-IAM-03", &cs_insecure(), None, Fail);
    expect_evidence(&f, "identity.type", "None");
    expect("AI-IAM-03", &cs_bare_example(), None, Fail);
    expect("AI-IAM-03", &cs_create_example(), None, Pass);
    for spelling in [
        "SystemAssigned, UserAssigned",
        "SystemAssigned,UserAssigned",
        "UserAssigned",
        "systemassigned",
    ] {
        expect(
            "AI-IAM-03",
            &with(cs_insecure(), "identity.type", doc!(spelling)),
            None,
            Pass,
        );
    }
    expect(
        "AI-IAM-03",
        &with(cs_insecure(), "identity.type", doc!("Magic")),
        None,
        Unknown,
    );
    expect(
        "AI-IAM-03",
        &with(cs_insecure(), "identity.type", doc!(3)),
        None,
        Unknown,
    );
    expect(
        "AI-IAM-03",
        &with(cs_insecure(), "identity", doc!("SystemAssigned")),
        None,
        Unknown,
    );
}

#[test]
fn iam_04_search_local_auth() {
    let f = expect("AI-IAM-04", &search_local_auth_disabled(), None, Pass);
    expect_evidence(&f, "properties.authOptions", "<absent>");
    // The exfiltration example keeps keys on with authOptions apiKeyOnly.
    let f = expect("AI-IAM-04", &search_exfiltration_blocked(), None, Fail);
    expect_evidence(&f, "properties.authOptions", "apiKeyOnly");
    // Absent means keys work.
    expect("AI-IAM-04", &search_service(), None, Fail);
    // Transitional mode still accepts keys.
    let transitional = with(
        with(search_service(), "properties.disableLocalAuth", doc!(false)),
        "properties.authOptions",
        doc!({"aadOrApiKey": {"aadAuthFailureMode": "http401WithBearerChallenge"}}),
    );
    expect("AI-IAM-04", &transitional, None, Fail);
    expect(
        "AI-IAM-04",
        &with(search_service(), "properties.disableLocalAuth", doc!("x")),
        None,
        Unknown,
    );
}

#[test]
fn iam_05_search_identity() {
    expect("AI-IAM-05", &search_service(), None, Fail);
    expect(
        "AI-IAM-05",
        &with(search_service(), "identity.type", doc!("SystemAssigned")),
        None,
        Pass,
    );
    expect(
        "AI-IAM-05",
        &with(search_service(), "identity.type", doc!("SystemAssigned, UserAssigned")),
        None,
        Pass,
    );
    expect(
        "AI-IAM-05",
        &with(search_service(), "identity.type", doc!("None")),
        None,
        Fail,
    );
    expect(
        "AI-IAM-05",
        &with(search_service(), "identity.type", doc!(null)),
        None,
        Fail,
    );
    expect(
        "AI-IAM-05",
        &with(search_service(), "identity.type", doc!(["SystemAssigned"])),
        None,
        Unknown,
    );
}

#[test]
fn iam_06_workspace_user_assigned_identity() {
    // The official workspace has the ML spelling and a UAI, but no primaryUserAssignedIdentity.
    let f = expect("AI-IAM-06", &ml_workspace(), None, Fail);
    expect_evidence(&f, "identity.type", "SystemAssigned,UserAssigned");
    expect_evidence(&f, "properties.primaryUserAssignedIdentity", "<absent>");
    let uai = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/testuai";
    let primary = with(ml_workspace(), "properties.primaryUserAssignedIdentity", doc!(uai));
    expect("AI-IAM-06", &primary, None, Pass);
    expect(
        "AI-IAM-06",
        &with(primary.clone(), "identity.type", doc!("SystemAssigned, UserAssigned")),
        None,
        Pass,
    );
    expect(
        "AI-IAM-06",
        &with(primary.clone(), "identity.type", doc!("SystemAssigned")),
        None,
        Fail,
    );
    expect("AI-IAM-06", &ml_workspace_updated(), None, Fail);
    expect(
        "AI-IAM-06",
        &with(primary.clone(), "properties.primaryUserAssignedIdentity", doc!(12)),
        None,
        Unknown,
    );
    expect("AI-IAM-06", &with(primary, "identity.type", doc!(false)), None, Unknown);
}

#[test]
fn iam_07_default_storage_auth() {
    // Absent in the official example: account keys.
    expect("AI-IAM-07", &ml_workspace(), None, Fail);
    expect(
        "AI-IAM-07",
        &with(ml_workspace(), "properties.systemDatastoresAuthMode", doc!("Identity")),
        None,
        Pass,
    );
    expect(
        "AI-IAM-07",
        &with(ml_workspace(), "properties.systemDatastoresAuthMode", doc!("identity")),
        None,
        Pass,
    );
    expect(
        "AI-IAM-07",
        &with(
            ml_workspace(),
            "properties.systemDatastoresAuthMode",
            doc!("UserDelegationSAS"),
        ),
        None,
        Pass,
    );
    expect(
        "AI-IAM-07",
        &with(ml_workspace(), "properties.systemDatastoresAuthMode", doc!("AccessKey")),
        None,
        Fail,
    );
    expect(
        "AI-IAM-07",
        &with(ml_workspace(), "properties.systemDatastoresAuthMode", doc!("Other")),
        None,
        Unknown,
    );
    expect(
        "AI-IAM-07",
        &with(ml_workspace(), "properties.systemDatastoresAuthMode", doc!(true)),
        None,
        Unknown,
    );
    not_applicable_to("AI-IAM-07", &with(ml_workspace(), "kind", doc!("FeatureStore")));
    expect(
        "AI-IAM-07",
        &with(
            with(ml_workspace(), "kind", doc!("Project")),
            "properties.systemDatastoresAuthMode",
            doc!("Identity"),
        ),
        None,
        Pass,
    );
}

fn connection(name: &str, auth: &str) -> Doc {
    doc!({"name": name, "properties": {"category": "AzureOpenAI", "target": "https://x.openai.azure.com/", "authType": auth, "isSharedToAll": true}})
}

#[test]
fn iam_08_connections() {
    let mut ws = ml_workspace();
    expect("AI-IAM-08", &ws, None, Unknown);
    ws.details.connections = Fetched::Value(vec![]);
    expect("AI-IAM-08", &ws, None, NotApplicable);
    ws.details.connections = Fetched::Value(vec![connection("aoai", "AAD"), connection("blob", "ManagedIdentity")]);
    expect("AI-IAM-08", &ws, None, Pass);
    ws.details.connections = Fetched::Value(vec![connection("aoai", "AAD"), connection("search", "ApiKey")]);
    let f = expect("AI-IAM-08", &ws, None, Fail);
    expect_evidence(&f, "connections[name=search].properties.authType", "ApiKey");
    expect_evidence(&f, "connections[name=search].properties.isSharedToAll", "true");
    // Workspace identity on a blob connection counts as Entra.
    ws.details.connections = Fetched::Value(vec![
        doc!({"name": "blob", "properties": {"authType": "AccountKey", "useWorkspaceManagedIdentity": true}}),
    ]);
    expect("AI-IAM-08", &ws, None, Pass);
    ws.details.connections = Fetched::Value(vec![connection("x", "aad"), connection("y", "Mystery")]);
    expect("AI-IAM-08", &ws, None, Unknown);
    ws.details.connections = Fetched::Value(vec![doc!(null)]);
    expect("AI-IAM-08", &ws, None, Unknown);
    ws.details.connections = Fetched::Denied("403".into());
    expect("AI-IAM-08", &ws, None, Unknown);
    // Foundry accounts have connections too.
    let mut account = cs_hardened();
    account.details.connections = Fetched::Value(vec![connection("c", "SAS")]);
    expect("AI-IAM-08", &account, None, Fail);
    not_applicable_to("AI-IAM-08", &with(cs_hardened(), "kind", doc!("OpenAI")));
}

#[test]
fn iam_09_compute_local_auth() {
    let mut ws = ml_workspace();
    expect("AI-IAM-09", &ws, None, Unknown);
    ws.details.computes = Fetched::Value(hardened_computes());
    let f = expect("AI-IAM-09", &ws, None, Pass);
    expect_evidence(&f, "computes[name=ci-1].properties.disableLocalAuth", "true");
    let mut computes = hardened_computes();
    computes[1] = edited(computes[1].clone(), "properties.disableLocalAuth", doc!(false));
    ws.details.computes = Fetched::Value(computes.clone());
    expect("AI-IAM-09", &ws, None, Fail);
    computes[1] = edited(computes[1].clone(), "properties.disableLocalAuth", doc!(null));
    ws.details.computes = Fetched::Value(computes.clone());
    expect("AI-IAM-09", &ws, None, Fail);
    computes[1] = edited(computes[1].clone(), "properties.disableLocalAuth", doc!({}));
    ws.details.computes = Fetched::Value(computes);
    expect("AI-IAM-09", &ws, None, Unknown);
    ws.details.computes = Fetched::Value(vec![]);
    expect("AI-IAM-09", &ws, None, NotApplicable);
    ws.details.computes = Fetched::Value(vec![doc!({"properties": {"computeType": 4}})]);
    expect("AI-IAM-09", &ws, None, Unknown);
}

#[test]
fn iam_10_endpoints() {
    let online =
        |auth: &str, pna: Doc| doc!({"name": "ep", "properties": {"authMode": auth, "publicNetworkAccess": pna}});
    let mut ws = ml_workspace();
    expect("AI-IAM-10", &ws, None, Unknown);
    ws.details.online_endpoints = Fetched::Value(vec![]);
    expect("AI-IAM-10", &ws, None, Unknown);
    ws.details.serverless_endpoints = Fetched::Value(vec![]);
    expect("AI-IAM-10", &ws, None, NotApplicable);
    ws.details.online_endpoints = Fetched::Value(vec![online("AADToken", doc!("Disabled"))]);
    let f = expect("AI-IAM-10", &ws, None, Pass);
    expect_evidence(&f, "onlineEndpoints[name=ep].properties.authMode", "AADToken");
    ws.details.online_endpoints = Fetched::Value(vec![online("AMLToken", doc!("disabled"))]);
    expect("AI-IAM-10", &ws, None, Pass);
    ws.details.online_endpoints = Fetched::Value(vec![online("Key", doc!("Disabled"))]);
    expect("AI-IAM-10", &ws, None, Fail);
    ws.details.online_endpoints = Fetched::Value(vec![online("AADToken", doc!(null))]);
    expect("AI-IAM-10", &ws, None, Fail);
    ws.details.online_endpoints = Fetched::Value(vec![online("AADToken", doc!(0))]);
    expect("AI-IAM-10", &ws, None, Unknown);
    ws.details.online_endpoints = Fetched::Value(vec![]);
    ws.details.serverless_endpoints = Fetched::Value(vec![doc!({"name": "llama", "properties": {"authMode": "Key"}})]);
    expect("AI-IAM-10", &ws, None, Fail);
    ws.details.serverless_endpoints = Fetched::Value(vec![doc!({"name": "llama", "properties": {}})]);
    expect("AI-IAM-10", &ws, None, Unknown);
}

const OWNER: &str =
    "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const CS_USER: &str =
    "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/a97b65f3-24c7-4388-baec-2e87135dc908";
const OPENAI_USER: &str =
    "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd";
const SEARCH_CONTRIBUTOR: &str =
    "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/7ca78c08-252a-4471-8644-bb5ff32d4ba0";

pub fn assignment(name: &str, role: &str, principal_type: &str) -> Doc {
    doc!({
        "name": name,
        "properties": {
            "roleDefinitionId": role,
            "principalId": "11111111-2222-3333-4444-555555555555",
            "principalType": principal_type,
            "scope": "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ai"
        }
    })
}

#[test]
fn iam_11_role_assignments() {
    let mut account = cs_hardened();
    expect("AI-IAM-11", &account, None, Unknown);
    account.details.role_assignments = Fetched::Value(vec![
        assignment("ok", OPENAI_USER, "Group"),
        assignment("pipeline", OWNER, "ServicePrincipal"),
        // Keys are disabled on the hardened account, so a key-listing role is harmless.
        assignment("reader", CS_USER, "User"),
    ]);
    expect("AI-IAM-11", &account, None, Pass);
    account.details.role_assignments = Fetched::Value(vec![assignment("alice-owner", OWNER, "User")]);
    let f = expect("AI-IAM-11", &account, None, Fail);
    expect_evidence(&f, "roleAssignments[name=alice-owner]", "Owner");
    // Role ids compare without case.
    account.details.role_assignments = Fetched::Value(vec![assignment("g", &OWNER.to_uppercase(), "Group")]);
    expect("AI-IAM-11", &account, None, Fail);
    // Key-listing role while keys are on.
    let mut insecure = cs_insecure();
    insecure.details.role_assignments = Fetched::Value(vec![assignment("app", CS_USER, "ServicePrincipal")]);
    let f = expect("AI-IAM-11", &insecure, None, Fail);
    expect_evidence(&f, "roleAssignments[name=app]", "can list keys");
    let mut search = search_service();
    search.details.role_assignments = Fetched::Value(vec![assignment("ops", SEARCH_CONTRIBUTOR, "Group")]);
    expect("AI-IAM-11", &search, None, Fail);
    search = with(search, "properties.disableLocalAuth", doc!(true));
    expect("AI-IAM-11", &search, None, Pass);
    // Unreadable pieces.
    account.details.role_assignments = Fetched::Value(vec![doc!({"name": "x", "properties": {"roleDefinitionId": 5}})]);
    expect("AI-IAM-11", &account, None, Unknown);
    account.details.role_assignments = Fetched::Value(vec![doc!({"properties": {"roleDefinitionId": OWNER}})]);
    expect("AI-IAM-11", &account, None, Unknown);
    let mut bad_keys = with(cs_insecure(), "properties.disableLocalAuth", doc!([]));
    bad_keys.details.role_assignments = Fetched::Value(vec![assignment("app", CS_USER, "User")]);
    expect("AI-IAM-11", &bad_keys, None, Unknown);
    let mut ws = ml_workspace();
    ws.details.role_assignments = Fetched::Value(vec![assignment("dev", CS_USER, "User")]);
    expect("AI-IAM-11", &ws, None, Pass);
    ws.details.role_assignments = Fetched::Denied("AuthorizationFailed".into());
    let f = expect("AI-IAM-11", &ws, None, Unknown);
    expect_evidence(&f, "roleAssignments", "denied");
}

use serde_json::json;

use super::support::*;
use crate::model::Status::*;

#[test]
fn data_01_account_customer_key() {
    let f = expect("AI-DATA-01", &cs_hardened(), None, Pass);
    expect_evidence(&f, "properties.encryption.keyVaultProperties.keyName", "cmk");
    let f = expect("AI-DATA-01", &cs_insecure(), None, Fail);
    expect_evidence(&f, "properties.encryption.keySource", "Microsoft.CognitiveServices");
    // Official create example (kind Emotion is not CMK-capable → use Face, same body).
    let example = with(cs_create_example(), "kind", json!("Face"));
    expect("AI-DATA-01", &example, None, Pass);
    not_applicable_to("AI-DATA-01", &cs_create_example());
    // Absent encryption means platform keys.
    expect(
        "AI-DATA-01",
        &with(cs_bare_example(), "kind", json!("OpenAI")),
        None,
        Fail,
    );
    expect(
        "AI-DATA-01",
        &with(
            cs_hardened(),
            "properties.encryption.keySource",
            json!("microsoft.keyvault"),
        ),
        None,
        Pass,
    );
    expect(
        "AI-DATA-01",
        &with(
            cs_hardened(),
            "properties.encryption.keyVaultProperties.keyName",
            json!(""),
        ),
        None,
        Fail,
    );
    // Only a user-assigned identity: the client id must be named.
    let uai_only = with(cs_hardened(), "identity.type", json!("UserAssigned"));
    expect("AI-DATA-01", &uai_only, None, Pass);
    let f = expect(
        "AI-DATA-01",
        &with(
            uai_only,
            "properties.encryption.keyVaultProperties.identityClientId",
            json!(null),
        ),
        None,
        Fail,
    );
    expect_evidence(
        &f,
        "properties.encryption.keyVaultProperties.identityClientId",
        "<absent>",
    );
    expect(
        "AI-DATA-01",
        &with(cs_hardened(), "properties.encryption.keySource", json!(7)),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-01",
        &with(cs_hardened(), "properties.encryption", json!("cmk")),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-01",
        &with(
            cs_hardened(),
            "properties.encryption.keyVaultProperties.keyVaultUri",
            json!({}),
        ),
        None,
        Unknown,
    );
}

#[test]
fn data_02_workspace_customer_key() {
    let f = expect("AI-DATA-02", &ml_workspace(), None, Pass);
    expect_evidence(&f, "properties.encryption.status", "Enabled");
    expect("AI-DATA-02", &ml_workspace_updated(), None, Fail);
    expect(
        "AI-DATA-02",
        &with(ml_workspace(), "properties.encryption.status", json!("Disabled")),
        None,
        Fail,
    );
    expect(
        "AI-DATA-02",
        &with(
            ml_workspace(),
            "properties.encryption.keyVaultProperties.keyIdentifier",
            json!(null),
        ),
        None,
        Fail,
    );
    expect(
        "AI-DATA-02",
        &with(ml_workspace(), "properties.encryption.status", json!("enabled")),
        None,
        Pass,
    );
    expect(
        "AI-DATA-02",
        &with(ml_workspace(), "properties.encryption.status", json!(true)),
        None,
        Unknown,
    );
    not_applicable_to("AI-DATA-02", &with(ml_workspace(), "kind", json!("Project")));
    expect("AI-DATA-02", &with(ml_workspace(), "kind", json!("Hub")), None, Pass);
}

#[test]
fn data_03_search_cmk_enforcement() {
    // Official example: enforcement Unspecified.
    let f = expect("AI-DATA-03", &search_local_auth_disabled(), None, Fail);
    expect_evidence(&f, "properties.encryptionWithCmk.enforcement", "Unspecified");
    expect("AI-DATA-03", &search_service(), None, Fail);
    let enforced = with(
        search_local_auth_disabled(),
        "properties.encryptionWithCmk.enforcement",
        json!("Enabled"),
    );
    expect("AI-DATA-03", &enforced, None, Pass);
    expect(
        "AI-DATA-03",
        &with(
            enforced.clone(),
            "properties.encryptionWithCmk.encryptionComplianceStatus",
            json!("NonCompliant"),
        ),
        None,
        Fail,
    );
    expect(
        "AI-DATA-03",
        &with(
            enforced.clone(),
            "properties.encryptionWithCmk.encryptionComplianceStatus",
            json!(null),
        ),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-03",
        &with(enforced, "properties.encryptionWithCmk.enforcement", json!(1)),
        None,
        Unknown,
    );
}

#[test]
fn data_04_outbound_restriction() {
    let f = expect("AI-DATA-04", &cs_hardened(), None, Pass);
    expect_evidence(
        &f,
        "properties.allowedFqdnList",
        "aoai-hardenedsearch.search.windows.net",
    );
    let f = expect("AI-DATA-04", &cs_insecure(), None, Fail);
    expect_evidence(&f, "properties.restrictOutboundNetworkAccess", "false");
    expect(
        "AI-DATA-04",
        &with(cs_bare_example(), "kind", json!("OpenAI")),
        None,
        Fail,
    );
    // Restricted with an empty list blocks everything: passes.
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.allowedFqdnList", json!([])),
        None,
        Pass,
    );
    let f = expect(
        "AI-DATA-04",
        &with(
            cs_hardened(),
            "properties.allowedFqdnList",
            json!(["*.blob.core.windows.net"]),
        ),
        None,
        Fail,
    );
    expect_evidence(&f, "properties.allowedFqdnList[0]", "wildcard");
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.allowedFqdnList", json!([3])),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.allowedFqdnList", json!("host")),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.restrictOutboundNetworkAccess", json!("on")),
        None,
        Unknown,
    );
    not_applicable_to("AI-DATA-04", &with(cs_hardened(), "kind", json!("ContentSafety")));
}

#[test]
fn data_05_search_exfiltration() {
    // Official example spelling: disabledDataExfiltrationOptions ["All"].
    let f = expect("AI-DATA-05", &search_exfiltration_blocked(), None, Pass);
    expect_evidence(&f, "properties.disabledDataExfiltrationOptions", "All");
    // Official example with an empty dataExfiltrationProtections.
    expect("AI-DATA-05", &search_local_auth_disabled(), None, Fail);
    expect("AI-DATA-05", &search_service(), None, Fail);
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            json!(["BlockAll"]),
        ),
        None,
        Pass,
    );
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            json!(["blockall"]),
        ),
        None,
        Pass,
    );
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            json!("BlockAll"),
        ),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            json!([{"x": 1}]),
        ),
        None,
        Unknown,
    );
}

#[test]
fn data_06_customer_owned_storage() {
    // Official create example has userOwnedStorage.
    let f = expect("AI-DATA-06", &cs_create_example(), None, Pass);
    expect_evidence(&f, "properties.userOwnedStorage", "myStorageAccount");
    let capable = with(
        cs_hardened(),
        "properties.capabilities",
        json!([{"name": "VirtualNetworks"}, {"name": "CustomerManagedStorage"}]),
    );
    let f = expect("AI-DATA-06", &capable, None, Fail);
    expect_evidence(&f, "properties.capabilities[name=CustomerManagedStorage]", "present");
    let not_capable = with(
        cs_hardened(),
        "properties.capabilities",
        json!([{"name": "VirtualNetworks"}]),
    );
    expect("AI-DATA-06", &not_capable, None, NotApplicable);
    // Capabilities unknown and no storage: cannot tell.
    expect("AI-DATA-06", &cs_hardened(), None, Unknown);
    expect(
        "AI-DATA-06",
        &with(capable.clone(), "properties.userOwnedStorage", json!("x")),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-06",
        &with(
            capable.clone(),
            "properties.userOwnedStorage",
            json!([{"resourceId": ""}]),
        ),
        None,
        Fail,
    );
    expect(
        "AI-DATA-06",
        &with(
            cs_hardened(),
            "properties.capabilities",
            json!({"name": "CustomerManagedStorage"}),
        ),
        None,
        Unknown,
    );
}

#[test]
fn data_07_stored_completions() {
    expect(
        "AI-DATA-07",
        &with(cs_hardened(), "properties.storedCompletionsDisabled", json!(true)),
        None,
        Pass,
    );
    // Neither synthetic fixture sets it: absent means completions may be stored.
    let f = expect("AI-DATA-07", &cs_hardened(), None, Fail);
    expect_evidence(&f, "properties.storedCompletionsDisabled", "<absent>");
    expect(
        "AI-DATA-07",
        &with(cs_insecure(), "properties.storedCompletionsDisabled", json!(false)),
        None,
        Fail,
    );
    expect(
        "AI-DATA-07",
        &with(cs_insecure(), "properties.storedCompletionsDisabled", json!(0)),
        None,
        Unknown,
    );
    expect("AI-DATA-07", &with(cs_hardened(), "kind", json!("openai")), None, Fail);
    not_applicable_to("AI-DATA-07", &with(cs_hardened(), "kind", json!("SpeechServices")));
}

use super::support::*;
use crate::model::Status::*;

#[test]
fn data_01_account_customer_key() {
    let f = expect("AI-DATA-01", &cs_hardened(), None, Pass);
    expect_evidence(&f, "properties.encryption.keyVaultProperties.keyName", "cmk");
    let f = expect("AI-DATA-01", &cs_insecure(), None, Fail);
    expect_evidence(&f, "properties.encryption.keySource", "Microsoft.CognitiveServices");
    // Official create example (kind Emotion is not CMK-capable → use Face, same body).
    let example = with(cs_create_example(), "kind", doc!("Face"));
    expect("AI-DATA-01", &example, None, Pass);
    not_applicable_to("AI-DATA-01", &cs_create_example());
    // Absent encryption means platform keys.
    expect(
        "AI-DATA-01",
        &with(cs_bare_example(), "kind", doc!("OpenAI")),
        None,
        Fail,
    );
    expect(
        "AI-DATA-01",
        &with(
            cs_hardened(),
            "properties.encryption.keySource",
            doc!("microsoft.keyvault"),
        ),
        None,
        Pass,
    );
    expect(
        "AI-DATA-01",
        &with(
            cs_hardened(),
            "properties.encryption.keyVaultProperties.keyName",
            doc!(""),
        ),
        None,
        Fail,
    );
    // Only a user-assigned identity: the client id must be named.
    let uai_only = with(cs_hardened(), "identity.type", doc!("UserAssigned"));
    expect("AI-DATA-01", &uai_only, None, Pass);
    let f = expect(
        "AI-DATA-01",
        &with(
            uai_only,
            "properties.encryption.keyVaultProperties.identityClientId",
            doc!(null),
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
        &with(cs_hardened(), "properties.encryption.keySource", doc!(7)),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-01",
        &with(cs_hardened(), "properties.encryption", doc!("cmk")),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-01",
        &with(
            cs_hardened(),
            "properties.encryption.keyVaultProperties.keyVaultUri",
            doc!({}),
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
        &with(ml_workspace(), "properties.encryption.status", doc!("Disabled")),
        None,
        Fail,
    );
    expect(
        "AI-DATA-02",
        &with(
            ml_workspace(),
            "properties.encryption.keyVaultProperties.keyIdentifier",
            doc!(null),
        ),
        None,
        Fail,
    );
    expect(
        "AI-DATA-02",
        &with(ml_workspace(), "properties.encryption.status", doc!("enabled")),
        None,
        Pass,
    );
    expect(
        "AI-DATA-02",
        &with(ml_workspace(), "properties.encryption.status", doc!(true)),
        None,
        Unknown,
    );
    not_applicable_to("AI-DATA-02", &with(ml_workspace(), "kind", doc!("Project")));
    expect("AI-DATA-02", &with(ml_workspace(), "kind", doc!("Hub")), None, Pass);
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
        doc!("Enabled"),
    );
    expect("AI-DATA-03", &enforced, None, Pass);
    expect(
        "AI-DATA-03",
        &with(
            enforced.clone(),
            "properties.encryptionWithCmk.encryptionComplianceStatus",
            doc!("NonCompliant"),
        ),
        None,
        Fail,
    );
    expect(
        "AI-DATA-03",
        &with(
            enforced.clone(),
            "properties.encryptionWithCmk.encryptionComplianceStatus",
            doc!(null),
        ),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-03",
        &with(enforced, "properties.encryptionWithCmk.enforcement", doc!(1)),
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
        &with(cs_bare_example(), "kind", doc!("OpenAI")),
        None,
        Fail,
    );
    // Restricted with an empty list blocks everything: passes.
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.allowedFqdnList", doc!([])),
        None,
        Pass,
    );
    let f = expect(
        "AI-DATA-04",
        &with(
            cs_hardened(),
            "properties.allowedFqdnList",
            doc!(["*.blob.core.windows.net"]),
        ),
        None,
        Fail,
    );
    expect_evidence(&f, "properties.allowedFqdnList[0]", "wildcard");
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.allowedFqdnList", doc!([3])),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.allowedFqdnList", doc!("host")),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-04",
        &with(cs_hardened(), "properties.restrictOutboundNetworkAccess", doc!("on")),
        None,
        Unknown,
    );
    not_applicable_to("AI-DATA-04", &with(cs_hardened(), "kind", doc!("ContentSafety")));
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
            doc!(["BlockAll"]),
        ),
        None,
        Pass,
    );
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            doc!(["blockall"]),
        ),
        None,
        Pass,
    );
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            doc!("BlockAll"),
        ),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-05",
        &with(
            search_service(),
            "properties.dataExfiltrationProtections",
            doc!([{"x": 1}]),
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
        doc!([{"name": "VirtualNetworks"}, {"name": "CustomerManagedStorage"}]),
    );
    let f = expect("AI-DATA-06", &capable, None, Fail);
    expect_evidence(&f, "properties.capabilities[name=CustomerManagedStorage]", "present");
    let not_capable = with(
        cs_hardened(),
        "properties.capabilities",
        doc!([{"name": "VirtualNetworks"}]),
    );
    expect("AI-DATA-06", &not_capable, None, NotApplicable);
    // Capabilities unknown and no storage: cannot tell.
    expect("AI-DATA-06", &cs_hardened(), None, Unknown);
    expect(
        "AI-DATA-06",
        &with(capable.clone(), "properties.userOwnedStorage", doc!("x")),
        None,
        Unknown,
    );
    expect(
        "AI-DATA-06",
        &with(
            capable.clone(),
            "properties.userOwnedStorage",
            doc!([{"resourceId": ""}]),
        ),
        None,
        Fail,
    );
    expect(
        "AI-DATA-06",
        &with(
            cs_hardened(),
            "properties.capabilities",
            doc!({"name": "CustomerManagedStorage"}),
        ),
        None,
        Unknown,
    );
}

#[test]
fn data_07_stored_completions() {
    expect(
        "AI-DATA-07",
        &with(cs_hardened(), "properties.storedCompletionsDisabled", doc!(true)),
        None,
        Pass,
    );
    // Neither synthetic fixture sets it: absent means completions may be stored.
    let f = expect("AI-DATA-07", &cs_hardened(), None, Fail);
    expect_evidence(&f, "properties.storedCompletionsDisabled", "<absent>");
    expect(
        "AI-DATA-07",
        &with(cs_insecure(), "properties.storedCompletionsDisabled", doc!(false)),
        None,
        Fail,
    );
    expect(
        "AI-DATA-07",
        &with(cs_insecure(), "properties.storedCompletionsDisabled", doc!(0)),
        None,
        Unknown,
    );
    expect("AI-DATA-07", &with(cs_hardened(), "kind", doc!("openai")), None, Fail);
    not_applicable_to("AI-DATA-07", &with(cs_hardened(), "kind", doc!("SpeechServices")));
}

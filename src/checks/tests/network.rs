use super::support::*;
use crate::model::Doc;
use crate::model::{Fetched, Status::*};

// ------------------------------------------------------------------ AI-NET-01

#[test]
fn net_01_public_access_of_accounts() {
    let f = expect("AI-NET-01", &cs_hardened(), None, Pass);
    expect_evidence(&f, "properties.publicNetworkAccess", "Disabled");
    let f = expect("AI-NET-01", &cs_insecure(), None, Fail);
    expect_evidence(&f, "properties.publicNetworkAccess", "Enabled");
    // Absent means Enabled (the official bare example has no publicNetworkAccess).
    let f = expect("AI-NET-01", &cs_bare_example(), None, Fail);
    expect_evidence(&f, "properties.publicNetworkAccess", "<absent>");
    // Case variants.
    expect(
        "AI-NET-01",
        &with(cs_insecure(), "properties.publicNetworkAccess", doc!("disabled")),
        None,
        Pass,
    );
    expect(
        "AI-NET-01",
        &with(cs_hardened(), "properties.publicNetworkAccess", doc!("ENABLED")),
        None,
        Fail,
    );
    // Wrong type or unknown value: unknown, with the value shown.
    let f = expect(
        "AI-NET-01",
        &with(cs_hardened(), "properties.publicNetworkAccess", doc!(false)),
        None,
        Unknown,
    );
    expect_evidence(&f, "properties.publicNetworkAccess", "unexpected type");
    expect(
        "AI-NET-01",
        &with(cs_hardened(), "properties.publicNetworkAccess", doc!("Sometimes")),
        None,
        Unknown,
    );
    not_applicable_to("AI-NET-01", &search_service());
    not_applicable_to("AI-NET-01", &ml_workspace());
}

// ------------------------------------------------------------------ AI-NET-02

#[test]
fn net_02_firewall_when_public() {
    // Hardened: public access Disabled → not applicable.
    let f = expect("AI-NET-02", &cs_hardened(), None, NotApplicable);
    expect_evidence(&f, "properties.publicNetworkAccess", "Disabled");
    // Insecure: public + defaultAction Allow.
    let f = expect("AI-NET-02", &cs_insecure(), None, Fail);
    expect_evidence(&f, "properties.networkAcls.defaultAction", "Allow");
    // Public with default deny and scoped rules passes.
    let scoped = with(
        cs_insecure(),
        "properties.networkAcls",
        doc!({"defaultAction": "Deny", "bypass": "AzureServices",
               "ipRules": [{"value": "203.0.113.0/24"}, {"value": "198.51.100.7"}],
               "virtualNetworkRules": [{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/app"}]}),
    );
    expect("AI-NET-02", &scoped, None, Pass);
    expect(
        "AI-NET-02",
        &with(scoped.clone(), "properties.networkAcls.defaultAction", doc!("deny")),
        None,
        Pass,
    );
    // An allow-everything rule fails even with Deny.
    let open = with(
        scoped.clone(),
        "properties.networkAcls.ipRules",
        doc!([{"value": "0.0.0.0/0"}]),
    );
    let f = expect("AI-NET-02", &open, None, Fail);
    expect_evidence(&f, "properties.networkAcls.ipRules[0].value", "0.0.0.0/0");
    expect(
        "AI-NET-02",
        &with(
            scoped.clone(),
            "properties.networkAcls.ipRules",
            doc!([{"value": "10.0.0.0/4"}]),
        ),
        None,
        Fail,
    );
    // A VNet rule that is not a subnet id fails.
    let vnet = with(
        scoped.clone(),
        "properties.networkAcls.virtualNetworkRules",
        doc!([{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"}]),
    );
    expect("AI-NET-02", &vnet, None, Fail);
    // Absent networkAcls means Allow.
    expect("AI-NET-02", &cs_bare_example(), None, Fail);
    // Malformed parts: unknown.
    expect(
        "AI-NET-02",
        &with(scoped.clone(), "properties.networkAcls.ipRules", doc!("203.0.113.0/24")),
        None,
        Unknown,
    );
    expect(
        "AI-NET-02",
        &with(scoped.clone(), "properties.networkAcls.ipRules", doc!([{"value": 7}])),
        None,
        Unknown,
    );
    expect(
        "AI-NET-02",
        &with(scoped.clone(), "properties.networkAcls.bypass", doc!("Everything")),
        None,
        Unknown,
    );
    expect(
        "AI-NET-02",
        &with(cs_insecure(), "properties.networkAcls", doc!("Deny")),
        None,
        Unknown,
    );
    // Public access unreadable: a compliant firewall still passes, a weak one is unknown.
    expect(
        "AI-NET-02",
        &with(scoped, "properties.publicNetworkAccess", doc!(1)),
        None,
        Pass,
    );
    expect(
        "AI-NET-02",
        &with(cs_insecure(), "properties.publicNetworkAccess", doc!(1)),
        None,
        Unknown,
    );
}

// ------------------------------------------------------------------ AI-NET-03

#[test]
fn net_03_private_endpoints_of_accounts() {
    // Body array with one Approved connection.
    let f = expect("AI-NET-03", &cs_hardened(), None, Pass);
    expect_evidence(
        &f,
        "privateEndpointConnections[name=pe1].properties.privateLinkServiceConnectionState.status",
        "Approved",
    );
    // Empty array.
    expect("AI-NET-03", &cs_insecure(), None, Fail);
    // Separately listed connections (official list example) take precedence over the body.
    let mut listed = cs_insecure();
    listed.details.private_endpoint_connections = Fetched::Value(cs_private_endpoints());
    expect("AI-NET-03", &listed, None, Pass);
    // A stray Pending connection next to an approved one fails.
    let mut stray = cs_private_endpoints();
    stray.push(edited(
        stray[0].clone(),
        "properties.privateLinkServiceConnectionState.status",
        doc!("Pending"),
    ));
    stray[1] = edited(stray[1].clone(), "name", doc!("foreign"));
    listed.details.private_endpoint_connections = Fetched::Value(stray);
    let f = expect("AI-NET-03", &listed, None, Fail);
    expect_evidence(
        &f,
        "privateEndpointConnections[name=foreign].properties.privateLinkServiceConnectionState.status",
        "Pending",
    );
    // Case variant of the status.
    listed.details.private_endpoint_connections = Fetched::Value(vec![edited(
        cs_private_endpoints()[0].clone(),
        "properties.privateLinkServiceConnectionState.status",
        doc!("approved"),
    )]);
    expect("AI-NET-03", &listed, None, Pass);
    // No body array and the list not collected or denied: unknown.
    let bare = cs_bare_example();
    let f = expect("AI-NET-03", &bare, None, Unknown);
    expect_evidence(&f, "privateEndpointConnections (listed)", "<not collected>");
    let mut denied = bare.clone();
    denied.details.private_endpoint_connections = Fetched::Denied("403".into());
    expect("AI-NET-03", &denied, None, Unknown);
    // Denied list but a readable body: the body decides.
    let mut hardened = cs_hardened();
    hardened.details.private_endpoint_connections = Fetched::Denied("403".into());
    expect("AI-NET-03", &hardened, None, Pass);
    // Malformed entries.
    expect(
        "AI-NET-03",
        &with(cs_hardened(), "properties.privateEndpointConnections", doc!({})),
        None,
        Unknown,
    );
    let approved_and_garbage = with(
        cs_hardened(),
        "properties.privateEndpointConnections",
        doc!([cs_private_endpoints()[0].clone(), "garbage"]),
    );
    expect("AI-NET-03", &approved_and_garbage, None, Unknown);
}

// ------------------------------------------------------------------ AI-NET-04

#[test]
fn net_04_search_public_access() {
    let f = expect("AI-NET-04", &search_service(), None, Fail);
    expect_evidence(&f, "properties.publicNetworkAccess", "enabled");
    // Lower-case "disabled" from the official example passes.
    let f = expect("AI-NET-04", &search_private(), None, Pass);
    expect_evidence(&f, "properties.publicNetworkAccess", "disabled");
    expect(
        "AI-NET-04",
        &with(search_service(), "properties.publicNetworkAccess", doc!("Disabled")),
        None,
        Pass,
    );
    expect(
        "AI-NET-04",
        &with(
            search_service(),
            "properties.publicNetworkAccess",
            doc!("securedByPerimeter"),
        ),
        None,
        Pass,
    );
    expect(
        "AI-NET-04",
        &with(search_service(), "properties.publicNetworkAccess", doc!(null)),
        None,
        Fail,
    );
    expect(
        "AI-NET-04",
        &with(search_service(), "properties.publicNetworkAccess", doc!(["disabled"])),
        None,
        Unknown,
    );
    not_applicable_to("AI-NET-04", &cs_hardened());
}

// ------------------------------------------------------------------ AI-NET-05

#[test]
fn net_05_search_ip_firewall() {
    // Official example: public, no IP rules.
    let f = expect("AI-NET-05", &search_service(), None, Fail);
    expect_evidence(&f, "properties.networkRuleSet.ipRules", "[]");
    expect("AI-NET-05", &search_private(), None, NotApplicable);
    let scoped = with(
        search_service(),
        "properties.networkRuleSet",
        doc!({"ipRules": [{"value": "203.0.113.0/24"}], "bypass": "AzureServices"}),
    );
    expect("AI-NET-05", &scoped, None, Pass);
    expect(
        "AI-NET-05",
        &with(scoped.clone(), "properties.networkRuleSet.bypass", doc!("None")),
        None,
        Pass,
    );
    expect(
        "AI-NET-05",
        &with(scoped.clone(), "properties.networkRuleSet.bypass", doc!(null)),
        None,
        Pass,
    );
    expect(
        "AI-NET-05",
        &with(
            scoped.clone(),
            "properties.networkRuleSet.ipRules",
            doc!([{"value": "0.0.0.0/0"}]),
        ),
        None,
        Fail,
    );
    expect(
        "AI-NET-05",
        &with(search_service(), "properties.networkRuleSet", doc!(null)),
        None,
        Fail,
    );
    expect(
        "AI-NET-05",
        &with(scoped.clone(), "properties.networkRuleSet.ipRules", doc!(42)),
        None,
        Unknown,
    );
    expect(
        "AI-NET-05",
        &with(scoped.clone(), "properties.networkRuleSet.bypass", doc!(true)),
        None,
        Unknown,
    );
    expect(
        "AI-NET-05",
        &with(scoped, "properties.publicNetworkAccess", doc!("Enabled")),
        None,
        Pass,
    );
}

// ------------------------------------------------------------------ AI-NET-06

#[test]
fn net_06_search_private_endpoint() {
    let f = expect("AI-NET-06", &search_service(), None, Fail);
    expect_evidence(&f, "sku.name", "standard");
    let mut listed = search_service();
    listed.details.private_endpoint_connections = Fetched::Value(search_private_endpoints());
    let f = expect("AI-NET-06", &listed, None, Pass);
    expect_evidence(
        &f,
        "privateEndpointConnections[name=testEndpoint.50bf4fbe-d7c1-4b48-a642-4f5892642546].properties.privateLinkServiceConnectionState.status",
        "Approved",
    );
    // Rejected only: fail.
    listed.details.private_endpoint_connections = Fetched::Value(vec![edited(
        search_private_endpoints()[0].clone(),
        "properties.privateLinkServiceConnectionState.status",
        doc!("Rejected"),
    )]);
    expect("AI-NET-06", &listed, None, Fail);
    expect(
        "AI-NET-06",
        &with(search_service(), "properties.privateEndpointConnections", doc!(null)),
        None,
        Unknown,
    );
    expect(
        "AI-NET-06",
        &with(
            search_service(),
            "properties.privateEndpointConnections",
            doc!([{"properties": 3}]),
        ),
        None,
        Unknown,
    );
    // Free tier cannot have a private endpoint: excluded; a missing SKU is included.
    not_applicable_to("AI-NET-06", &with(search_service(), "sku", doc!("free")));
    not_applicable_to("AI-NET-06", &with(search_service(), "sku", doc!("Free")));
    expect("AI-NET-06", &with(search_service(), "sku", doc!(null)), None, Fail);
}

// ------------------------------------------------------------------ AI-NET-07

#[test]
fn net_07_workspace_public_access() {
    let f = expect("AI-NET-07", &ml_workspace(), None, Pass);
    expect_evidence(&f, "properties.allowPublicAccessWhenBehindVnet", "false");
    expect(
        "AI-NET-07",
        &with(ml_workspace(), "properties.publicNetworkAccess", doc!("Enabled")),
        None,
        Fail,
    );
    expect(
        "AI-NET-07",
        &with(ml_workspace(), "properties.publicNetworkAccess", doc!(null)),
        None,
        Fail,
    );
    expect(
        "AI-NET-07",
        &with(ml_workspace(), "properties.allowPublicAccessWhenBehindVnet", doc!(true)),
        None,
        Fail,
    );
    expect(
        "AI-NET-07",
        &with(ml_workspace(), "properties.allowPublicAccessWhenBehindVnet", doc!(null)),
        None,
        Pass,
    );
    expect(
        "AI-NET-07",
        &with(ml_workspace(), "properties.publicNetworkAccess", doc!("disabled")),
        None,
        Pass,
    );
    expect(
        "AI-NET-07",
        &with(
            ml_workspace(),
            "properties.allowPublicAccessWhenBehindVnet",
            doc!("maybe"),
        ),
        None,
        Unknown,
    );
    expect(
        "AI-NET-07",
        &with(ml_workspace(), "properties.publicNetworkAccess", doc!({})),
        None,
        Unknown,
    );
    // Applies to every workspace kind, projects included.
    expect("AI-NET-07", &with(ml_workspace(), "kind", doc!("Project")), None, Pass);
    expect("AI-NET-07", &ml_workspace_updated(), None, Pass);
}

// ------------------------------------------------------------------ AI-NET-08

#[test]
fn net_08_workspace_private_endpoint() {
    // The official workspace has no kind → Default.
    expect("AI-NET-08", &ml_workspace(), None, Pass);
    expect("AI-NET-08", &with(ml_workspace(), "kind", doc!("hub")), None, Pass);
    expect(
        "AI-NET-08",
        &with(ml_workspace(), "properties.privateEndpointConnections", doc!([])),
        None,
        Fail,
    );
    // The update example carries no PE array and nothing was listed.
    expect("AI-NET-08", &ml_workspace_updated(), None, Unknown);
    let mut listed = ml_workspace_updated();
    listed.details.private_endpoint_connections = Fetched::Value(vec![]);
    expect("AI-NET-08", &listed, None, Fail);
    not_applicable_to("AI-NET-08", &with(ml_workspace(), "kind", doc!("Project")));
    not_applicable_to("AI-NET-08", &with(ml_workspace(), "kind", doc!("FeatureStore")));
}

// ------------------------------------------------------------------ AI-NET-09

#[test]
fn net_09_managed_network() {
    let f = expect("AI-NET-09", &ml_workspace(), None, Pass);
    expect_evidence(
        &f,
        "properties.managedNetwork.isolationMode",
        "AllowOnlyApprovedOutbound",
    );
    expect_evidence(&f, "properties.managedNetwork.status.status", "Active");
    expect(
        "AI-NET-09",
        &with(
            ml_workspace(),
            "properties.managedNetwork.isolationMode",
            doc!("AllowInternetOutbound"),
        ),
        None,
        Fail,
    );
    expect(
        "AI-NET-09",
        &with(
            ml_workspace(),
            "properties.managedNetwork.isolationMode",
            doc!("allowonlyapprovedoutbound"),
        ),
        None,
        Pass,
    );
    expect(
        "AI-NET-09",
        &with(
            ml_workspace(),
            "properties.managedNetwork.status.status",
            doc!("Inactive"),
        ),
        None,
        Fail,
    );
    expect(
        "AI-NET-09",
        &with(ml_workspace(), "properties.managedNetwork.status", doc!(null)),
        None,
        Unknown,
    );
    // The update example has a managedNetwork object without isolationMode: Disabled by default.
    expect("AI-NET-09", &ml_workspace_updated(), None, Fail);
    expect(
        "AI-NET-09",
        &with(ml_workspace(), "properties.managedNetwork", doc!("on")),
        None,
        Unknown,
    );
    // Foundry accounts read managedNetworks/default.
    let mut account = cs_hardened();
    expect("AI-NET-09", &account, None, Unknown);
    account.details.managed_network = Fetched::Value(None);
    let f = expect("AI-NET-09", &account, None, Fail);
    expect_evidence(&f, "managedNetworks/default", "no managed network");
    account.details.managed_network = Fetched::Value(Some(
        doc!({"properties": {"managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "managedNetworkKind": "V2"}}}),
    ));
    expect("AI-NET-09", &account, None, Pass);
    account.details.managed_network = Fetched::Value(Some(
        doc!({"properties": {"managedNetwork": {"isolationMode": "AllowInternetOutbound"}}}),
    ));
    expect("AI-NET-09", &account, None, Fail);
    account.details.managed_network = Fetched::Denied("403".into());
    expect("AI-NET-09", &account, None, Unknown);
    not_applicable_to("AI-NET-09", &with(cs_hardened(), "kind", doc!("OpenAI")));
    not_applicable_to("AI-NET-09", &with(ml_workspace(), "kind", doc!("Project")));
}

// ------------------------------------------------------------------ AI-NET-10

fn compute_instance(name: &str) -> Doc {
    doc!({
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/{name}"),
        "name": name,
        "properties": {
            "computeType": "ComputeInstance",
            "disableLocalAuth": true,
            "properties": {
                "vmSize": "STANDARD_DS3_V2",
                "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ml"},
                "enableNodePublicIp": false,
                "sshSettings": {"sshPublicAccess": "Disabled"},
                "idleTimeBeforeShutdown": "PT60M",
                "osImageMetadata": {"isLatestOsImageVersion": true, "currentImageVersion": "24.01", "latestImageVersion": "24.01"}
            }
        }
    })
}

fn cluster(name: &str) -> Doc {
    doc!({
        "name": name,
        "properties": {
            "computeType": "AmlCompute",
            "disableLocalAuth": true,
            "properties": {
                "vmSize": "STANDARD_D4S_V3",
                "subnet": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/ml"},
                "enableNodePublicIp": false,
                "remoteLoginPortPublicAccess": "NotSpecified"
            }
        }
    })
}

pub fn hardened_computes() -> Vec<Doc> {
    vec![compute_instance("ci-1"), cluster("cpu-cluster")]
}

#[test]
fn net_10_compute_placement() {
    let base = with(
        ml_workspace(),
        "properties.serverlessComputeSettings.serverlessComputeNoPublicIP",
        doc!(true),
    );
    // Computes not collected: unknown.
    expect("AI-NET-10", &base, None, Unknown);
    let mut ws = base.clone();
    ws.details.computes = Fetched::Value(hardened_computes());
    let f = expect("AI-NET-10", &ws, None, Pass);
    expect_evidence(
        &f,
        "computes[name=ci-1].properties.properties.enableNodePublicIp",
        "false",
    );
    // No computes at all: the serverless setting decides.
    ws.details.computes = Fetched::Value(vec![]);
    expect("AI-NET-10", &ws, None, Pass);
    // Serverless with public IP (absent means public).
    let mut public_serverless = ml_workspace();
    public_serverless.details.computes = Fetched::Value(vec![]);
    expect("AI-NET-10", &public_serverless, None, Fail);
    // A compute instance with a public IP, or with SSH open.
    let mut ws2 = base.clone();
    ws2.details.computes = Fetched::Value(vec![edited(
        compute_instance("ci-2"),
        "properties.properties.enableNodePublicIp",
        doc!(true),
    )]);
    expect("AI-NET-10", &ws2, None, Fail);
    ws2.details.computes = Fetched::Value(vec![edited(
        compute_instance("ci-2"),
        "properties.properties.enableNodePublicIp",
        doc!(null),
    )]);
    expect("AI-NET-10", &ws2, None, Fail);
    ws2.details.computes = Fetched::Value(vec![edited(
        compute_instance("ci-2"),
        "properties.properties.sshSettings.sshPublicAccess",
        doc!("Enabled"),
    )]);
    expect("AI-NET-10", &ws2, None, Fail);
    // A cluster outside any subnet: fails without managed network, passes inside one (NotSpecified then
    // means open, so the login port must be Disabled).
    let no_subnet = edited(
        edited(cluster("c"), "properties.properties.subnet", doc!(null)),
        "properties.properties.remoteLoginPortPublicAccess",
        doc!("Disabled"),
    );
    let mut unmanaged = with(base.clone(), "properties.managedNetwork", doc!(null));
    unmanaged.details.computes = Fetched::Value(vec![no_subnet.clone()]);
    expect("AI-NET-10", &unmanaged, None, Fail);
    ws2.details.computes = Fetched::Value(vec![no_subnet]);
    expect("AI-NET-10", &ws2, None, Pass);
    ws2.details.computes = Fetched::Value(vec![edited(cluster("c"), "properties.properties.subnet", doc!(null))]);
    expect("AI-NET-10", &ws2, None, Fail);
    // Other compute types are not judged; unreadable computes are unknown.
    ws2.details.computes = Fetched::Value(vec![doc!({"name": "aks", "properties": {"computeType": "Kubernetes"}})]);
    expect("AI-NET-10", &ws2, None, Pass);
    ws2.details.computes = Fetched::Value(vec![doc!("garbage")]);
    expect("AI-NET-10", &ws2, None, Unknown);
    ws2.details.computes = Fetched::Value(vec![edited(
        compute_instance("x"),
        "properties.properties.enableNodePublicIp",
        doc!([]),
    )]);
    expect("AI-NET-10", &ws2, None, Unknown);
    ws2.details.computes = Fetched::Denied("403".into());
    expect("AI-NET-10", &ws2, None, Unknown);
}

// ------------------------------------------------------------------ AI-NET-11

#[test]
fn net_11_agent_network_injection() {
    let mut account = cs_hardened();
    // No injection, capability hosts not collected.
    expect("AI-NET-11", &account, None, Unknown);
    account.details.capability_hosts = Fetched::Value(vec![]);
    expect("AI-NET-11", &account, None, NotApplicable);
    account.details.capability_hosts = Fetched::Value(vec![
        doc!({"name": "default", "properties": {"capabilityHostKind": "Agents"}}),
    ]);
    let f = expect("AI-NET-11", &account, None, Fail);
    expect_evidence(&f, "capabilityHosts", "1 capability host");
    let injected = with(
        account.clone(),
        "properties.networkInjections",
        doc!([{"scenario": "agent", "subnetArmId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/agents", "useMicrosoftManagedNetwork": false}]),
    );
    expect("AI-NET-11", &injected, None, Pass);
    expect(
        "AI-NET-11",
        &with(
            account.clone(),
            "properties.networkInjections",
            doc!([{"scenario": "Agent", "useMicrosoftManagedNetwork": true}]),
        ),
        None,
        Pass,
    );
    expect(
        "AI-NET-11",
        &with(
            account.clone(),
            "properties.networkInjections",
            doc!([{"scenario": "agent", "subnetArmId": ""}]),
        ),
        None,
        Fail,
    );
    expect(
        "AI-NET-11",
        &with(
            account.clone(),
            "properties.networkInjections",
            doc!([{"scenario": "none"}]),
        ),
        None,
        Fail,
    );
    expect(
        "AI-NET-11",
        &with(
            account.clone(),
            "properties.networkInjections",
            doc!({"scenario": "agent"}),
        ),
        None,
        Unknown,
    );
    expect(
        "AI-NET-11",
        &with(
            account,
            "properties.networkInjections",
            doc!([{"scenario": "agent", "subnetArmId": 5}]),
        ),
        None,
        Unknown,
    );
    not_applicable_to("AI-NET-11", &with(cs_hardened(), "kind", doc!("OpenAI")));
}

#[test]
fn kind_restricted_controls_report_unknown_when_the_kind_is_absent() {
    let no_kind = with(cs_hardened(), "kind", Doc::Null);
    let f = expect("AI-NET-11", &no_kind, None, Unknown);
    expect_evidence(&f, "kind", "<absent>");
    expect("AI-DATA-07", &no_kind, None, Unknown);
}

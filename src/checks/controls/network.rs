//! AI-NET-*: public exposure, firewalls, private endpoints, managed networks and compute placement.

use super::prelude::*;

/// AI-NET-01. Absent `publicNetworkAccess` on an account means Enabled.
pub fn net_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match exposure(&mut check, resource, &["Disabled"]) {
        Exposure::Private => check.pass(),
        Exposure::Public => check.fail(),
        Exposure::Unclear => check.unknown(),
    }
    check.done()
}

/// AI-NET-02. Not applicable when public access is Disabled: the firewall then guards nothing, and AI-NET-01
/// already reports the endpoint state (passing it here would count the same fact twice in the score).
/// When the firewall itself is compliant the control passes whatever public access says.
pub fn net_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let exposure = exposure(&mut check, resource, &["Disabled"]);
    if exposure == Exposure::Private {
        return check.not_applicable();
    }
    let firewall = check.part(|acl| cs_firewall(acl, resource));
    check.verdict(match (firewall, exposure) {
        (Status::Pass, _) => Status::Pass,
        (status, Exposure::Public) => status,
        // Public access holds an unknown value: a weak firewall may or may not matter.
        _ => Status::Unknown,
    });
    check.done()
}

/// The account firewall (`properties.networkAcls`). Absent `networkAcls` or `defaultAction` means Allow;
/// absent `bypass` means AzureServices.
fn cs_firewall(check: &mut Check, resource: &Resource) {
    match check.text(resource, "properties.networkAcls.defaultAction") {
        Typed::Ok(action) if is_one_of(action, &["Deny"]) => check.pass(),
        Typed::Ok(action) if is_one_of(action, &["Allow"]) => check.fail(),
        Typed::Absent => check.fail(),
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
    ip_rules(check, resource, "properties.networkAcls.ipRules", false);
    match check.list(resource, "properties.networkAcls.virtualNetworkRules") {
        Typed::Absent => {}
        Typed::Bad => check.unknown(),
        Typed::Ok(rules) => {
            for (index, rule) in rules.iter().enumerate() {
                let path = format!("properties.networkAcls.virtualNetworkRules[{index}].id");
                match value::member(rule, "id") {
                    Some(Doc::String(id)) if is_subnet_id(id) => {}
                    Some(Doc::String(id)) => {
                        check.note(path, format!("{} (not a subnet id)", value::truncate(id)));
                        check.fail();
                    }
                    other => {
                        check.note(path, format!("{} (unreadable rule)", value::observed(other)));
                        check.unknown();
                    }
                }
            }
        }
    }
    match check.text(resource, "properties.networkAcls.bypass") {
        Typed::Absent => {}
        Typed::Ok(bypass) if is_one_of(bypass, &["None", "AzureServices"]) => {}
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
}

fn is_subnet_id(id: &str) -> bool {
    let id = value::trimmed(id);
    value::starts_with_ci(id, "/subscriptions/")
        && value::contains_ci(id, "/providers/microsoft.network/virtualnetworks/")
        && value::contains_ci(id, "/subnets/")
        && !value::last_segment(id).eq_ignore_ascii_case("subnets")
}

/// Judges an `ipRules` array: a rule broader than a /8 fails, an unreadable one is unknown. With
/// `required`, an absent or empty list fails (Search: no rule means the public endpoint admits everyone).
fn ip_rules(check: &mut Check, resource: &Resource, path: &'static str, required: bool) {
    match check.list(resource, path) {
        Typed::Absent if required => check.fail(),
        Typed::Absent => {}
        Typed::Bad => check.unknown(),
        Typed::Ok(rules) => {
            if required && rules.is_empty() {
                check.fail();
            }
            for (index, rule) in rules.iter().enumerate() {
                let rule_path = format!("{path}[{index}].value");
                let text = value::member(rule, "value").and_then(Doc::as_str);
                match text.map(|t| (t, value::ip_rule_too_broad(t))) {
                    Some((_, Some(false))) => {}
                    Some((text, Some(true))) => {
                        check.note(
                            rule_path,
                            format!("{} (admits a large part of the internet)", value::truncate(text)),
                        );
                        check.fail();
                    }
                    _ => {
                        check.note(
                            rule_path,
                            format!(
                                "{} (not an IP address or range)",
                                value::observed(value::member(rule, "value"))
                            ),
                        );
                        check.unknown();
                    }
                }
            }
        }
    }
}

/// AI-NET-03. Approved connections are required; Pending, Rejected or Disconnected ones fail the control.
pub fn net_03(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    if let Some(connections) = private_endpoints(&mut check, resource) {
        if connections.approved == 0 || connections.stray > 0 {
            check.fail();
        } else if connections.unreadable > 0 {
            check.unknown();
        } else {
            check.pass();
        }
    }
    check.done()
}

/// AI-NET-04. Search answers in lower case; absent means enabled.
pub fn net_04(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match exposure(&mut check, resource, &["disabled", "securedByPerimeter"]) {
        Exposure::Private => check.pass(),
        Exposure::Public => check.fail(),
        Exposure::Unclear => check.unknown(),
    }
    check.done()
}

/// AI-NET-05. Not applicable when the public endpoint is closed (same reasoning as AI-NET-02). Absent
/// `bypass` means None.
pub fn net_05(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let exposure = exposure(&mut check, resource, &["disabled", "securedByPerimeter"]);
    if exposure == Exposure::Private {
        return check.not_applicable();
    }
    let firewall = check.part(|rules| {
        ip_rules(rules, resource, "properties.networkRuleSet.ipRules", true);
        match rules.text(resource, "properties.networkRuleSet.bypass") {
            Typed::Absent => {}
            Typed::Ok(bypass) if is_one_of(bypass, &["None", "AzureServices", "AzurePortal"]) => {}
            Typed::Ok(_) | Typed::Bad => rules.unknown(),
        }
        if !rules.has_failed() {
            rules.pass();
        }
    });
    check.verdict(match (firewall, exposure) {
        (Status::Pass, _) => Status::Pass,
        (status, Exposure::Public) => status,
        _ => Status::Unknown,
    });
    check.done()
}

/// AI-NET-06 (free tier is excluded by applicability).
pub fn net_06(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    check.note(
        "sku.name",
        EvidenceText::new(resource.sku.as_deref().unwrap_or(value::ABSENT)),
    );
    approved_endpoint(&mut check, resource);
    check.done()
}

/// AI-NET-07. Absent `publicNetworkAccess` means Enabled; absent `allowPublicAccessWhenBehindVnet` means false.
pub fn net_07(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match exposure(&mut check, resource, &["Disabled"]) {
        Exposure::Private => check.pass(),
        Exposure::Public => check.fail(),
        Exposure::Unclear => check.unknown(),
    }
    match check.flag(resource, "properties.allowPublicAccessWhenBehindVnet") {
        Typed::Ok(true) => check.fail(),
        Typed::Ok(false) | Typed::Absent => {}
        Typed::Bad => check.unknown(),
    }
    check.done()
}

/// AI-NET-08.
pub fn net_08(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    approved_endpoint(&mut check, resource);
    check.done()
}

/// At least one Approved connection passes; none fails unless some entry could not be read.
fn approved_endpoint(check: &mut Check, resource: &Resource) {
    if let Some(connections) = private_endpoints(check, resource) {
        if connections.approved > 0 {
            check.pass();
        } else if connections.unreadable > 0 {
            check.unknown();
        } else {
            check.fail();
        }
    }
}

/// AI-NET-09. ML: absent `managedNetwork.isolationMode` means Disabled; an approved-outbound network must also
/// be Active (an Inactive one is not provisioned yet). Foundry accounts: read from managedNetworks/default; a
/// 404 means no managed network.
pub fn net_09(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    if resource.family == ResourceFamily::MachineLearning {
        let mode = ml_isolation(&mut check, resource);
        if isolation_verdict(&mut check, mode) {
            match check.text(resource, "properties.managedNetwork.status.status") {
                Typed::Ok(status) if is_one_of(status, &["Active"]) => check.pass(),
                Typed::Ok(status) if is_one_of(status, &["Inactive"]) => check.fail(),
                _ => check.unknown(),
            }
        }
    } else if let Some(network) = check.fetched(NETWORK, &resource.details.managed_network) {
        match network {
            None => {
                check.note(NETWORK, "<not found: no managed network>");
                check.fail();
            }
            Some(body) => {
                let mode = check.item_text(
                    body,
                    &EvidenceText::const_new(NETWORK),
                    "properties.managedNetwork.isolationMode",
                );
                if isolation_verdict(&mut check, mode) {
                    check.pass();
                }
            }
        }
    }
    check.done()
}

const NETWORK: &str = "managedNetworks/default";

/// Records the verdict of an isolation mode; `true` when it is AllowOnlyApprovedOutbound (caller decides pass).
fn isolation_verdict(check: &mut Check, mode: Typed<&str>) -> bool {
    match mode {
        Typed::Ok(mode) if is_one_of(mode, &["AllowOnlyApprovedOutbound"]) => true,
        Typed::Ok(mode) if is_one_of(mode, &["AllowInternetOutbound", "Disabled"]) => {
            check.fail();
            false
        }
        Typed::Absent => {
            check.fail();
            false
        }
        Typed::Ok(_) | Typed::Bad => {
            check.unknown();
            false
        }
    }
}

/// AI-NET-10. Defaults: absent `serverlessComputeNoPublicIP` means false (public IP); absent
/// `enableNodePublicIp` means true; absent compute-instance `sshPublicAccess` means Disabled; an AmlCompute
/// `remoteLoginPortPublicAccess` of NotSpecified (or absent) is closed only when the cluster has a subnet.
pub fn net_10(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.flag(
        resource,
        "properties.serverlessComputeSettings.serverlessComputeNoPublicIP",
    ) {
        Typed::Ok(true) => check.pass(),
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    let managed = match ml_isolation(&mut check, resource) {
        Typed::Ok(mode) => is_one_of(mode, &["AllowInternetOutbound", "AllowOnlyApprovedOutbound"]),
        _ => false,
    };
    let Some(computes) = computes_of(&mut check, resource, &["ComputeInstance", "AmlCompute"]) else {
        return check.done();
    };
    for (label, compute) in computes {
        // The settings read below all sit under `properties.properties`: walked to once.
        let settings = value::walk(compute, "properties.properties");
        let subnet =
            non_empty(check.item_text_at(settings.walk("subnet.id"), &label, "properties.properties.subnet.id"));
        let in_subnet = subnet == Typed::Ok(true);
        match subnet {
            Typed::Bad => check.unknown(),
            _ if in_subnet || managed => {}
            _ => check.fail(),
        }
        match check.item_flag_at(
            settings.walk("enableNodePublicIp"),
            &label,
            "properties.properties.enableNodePublicIp",
        ) {
            Typed::Ok(false) => {}
            Typed::Ok(true) | Typed::Absent => check.fail(),
            Typed::Bad => check.unknown(),
        }
        let instance = compute_type(compute).is_some_and(|t| is_one_of(t, &["ComputeInstance"]));
        if instance {
            match check.item_text_at(
                settings.walk("sshSettings.sshPublicAccess"),
                &label,
                "properties.properties.sshSettings.sshPublicAccess",
            ) {
                Typed::Ok(v) if is_one_of(v, &["Disabled"]) => {}
                Typed::Absent => {}
                Typed::Ok(v) if is_one_of(v, &["Enabled"]) => check.fail(),
                Typed::Ok(_) | Typed::Bad => check.unknown(),
            }
        } else {
            match check.item_text_at(
                settings.walk("remoteLoginPortPublicAccess"),
                &label,
                "properties.properties.remoteLoginPortPublicAccess",
            ) {
                Typed::Ok(v) if is_one_of(v, &["Disabled"]) => {}
                Typed::Ok(v) if is_one_of(v, &["Enabled"]) => check.fail(),
                Typed::Ok(v) if is_one_of(v, &["NotSpecified"]) && in_subnet => {}
                Typed::Absent if in_subnet => {}
                Typed::Ok(v) if is_one_of(v, &["NotSpecified"]) => check.fail(),
                Typed::Absent => check.fail(),
                Typed::Ok(_) | Typed::Bad => check.unknown(),
            }
        }
    }
    check.done()
}

/// AI-NET-11. An agent injection with a subnet passes; so does the Microsoft-managed network option, whose
/// outbound mode AI-NET-09 judges. Without either, the account fails when it hosts agents (a capability host
/// exists) and is not applicable when it hosts none.
pub fn net_11(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let mut injected = Status::Fail;
    match check.list(resource, "properties.networkInjections") {
        Typed::Absent => {}
        Typed::Bad => injected = Status::Unknown,
        Typed::Ok(items) => {
            let mut statuses = AnyPass::default();
            for (index, item) in items.iter().enumerate() {
                let label = format_compact!("properties.networkInjections[{index}]");
                let scenario = check.item_text(item, &label, "scenario");
                statuses.push(match scenario {
                    Typed::Ok(s) if is_one_of(s, &["agent"]) => {
                        let subnet = non_empty(check.item_text(item, &label, "subnetArmId"));
                        let managed = check.item_flag(item, &label, "useMicrosoftManagedNetwork");
                        match (subnet, managed) {
                            (Typed::Ok(true), _) | (_, Typed::Ok(true)) => Status::Pass,
                            (Typed::Bad, _) | (_, Typed::Bad) => Status::Unknown,
                            _ => Status::Fail,
                        }
                    }
                    Typed::Ok(_) => Status::Fail,
                    Typed::Absent | Typed::Bad => Status::Unknown,
                });
            }
            injected = statuses.status();
        }
    }
    match injected {
        Status::Pass => check.pass(),
        Status::Unknown => check.unknown(),
        _ => {
            let Some(hosts) = check.fetched("capabilityHosts", &resource.details.capability_hosts) else {
                return check.done();
            };
            check.note("capabilityHosts", format!("{} capability host(s)", hosts.len()));
            if hosts.is_empty() {
                return check.not_applicable();
            }
            check.fail();
        }
    }
    check.done()
}

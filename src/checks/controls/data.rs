//! AI-DATA-*: customer-managed keys, outbound restriction, exfiltration protection, storage, retention.

use super::prelude::*;

/// AI-DATA-01. Absent `encryption.keySource` means Microsoft-managed keys.
pub fn data_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.text(resource, "properties.encryption.keySource") {
        Typed::Ok(source) if is_one_of(source, &["Microsoft.KeyVault"]) => {
            check.pass();
            for path in [
                "properties.encryption.keyVaultProperties.keyVaultUri",
                "properties.encryption.keyVaultProperties.keyName",
            ] {
                required_text(&mut check, resource, path);
            }
            // With only a user-assigned identity, the account can reach the vault only through that
            // identity, which must then be named.
            let identity = value::text(value::resource_get(resource, "identity.type"));
            let user_only = identity
                .ok()
                .and_then(value::identity_kinds)
                .is_some_and(|k| k.user && !k.system);
            if user_only {
                check.note("identity.type", EvidenceText::new(identity.ok().unwrap_or_default()));
                required_text(
                    &mut check,
                    resource,
                    "properties.encryption.keyVaultProperties.identityClientId",
                );
            }
        }
        Typed::Ok(source) if is_one_of(source, &["Microsoft.CognitiveServices"]) => check.fail(),
        Typed::Absent => check.fail(),
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
    check.done()
}

fn required_text(check: &mut Check, resource: &Resource, path: &'static str) {
    match non_empty(check.text(resource, path)) {
        Typed::Ok(true) => {}
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
}

/// AI-DATA-02. Absent `encryption` means Microsoft-managed keys.
pub fn data_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.text(resource, "properties.encryption.status") {
        Typed::Ok(status) if is_one_of(status, &["Enabled"]) => {
            check.pass();
            required_text(
                &mut check,
                resource,
                "properties.encryption.keyVaultProperties.keyIdentifier",
            );
        }
        Typed::Ok(status) if is_one_of(status, &["Disabled"]) => check.fail(),
        Typed::Absent => check.fail(),
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
    check.done()
}

/// AI-DATA-03. Absent `encryptionWithCmk.enforcement` means Unspecified (not enforced).
pub fn data_03(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.text(resource, "properties.encryptionWithCmk.enforcement") {
        Typed::Ok(v) if is_one_of(v, &["Enabled"]) => check.pass(),
        Typed::Ok(v) if is_one_of(v, &["Disabled", "Unspecified"]) => check.fail(),
        Typed::Absent => check.fail(),
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
    match check.text(resource, "properties.encryptionWithCmk.encryptionComplianceStatus") {
        Typed::Ok(v) if is_one_of(v, &["Compliant"]) => {}
        Typed::Ok(v) if is_one_of(v, &["NonCompliant"]) => check.fail(),
        Typed::Ok(_) | Typed::Absent | Typed::Bad => check.unknown(),
    }
    check.done()
}

/// AI-DATA-04. Absent `restrictOutboundNetworkAccess` means unrestricted. With the restriction on, an empty
/// `allowedFqdnList` blocks every outbound call and passes (stricter than the catalog's "non-empty list",
/// which is about keeping features working, not about exposure); any wildcard entry fails because it admits
/// hosts nobody reviewed.
pub fn data_04(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.flag(resource, "properties.restrictOutboundNetworkAccess") {
        Typed::Ok(true) => {
            check.pass();
            match check.list(resource, "properties.allowedFqdnList") {
                Typed::Absent => {}
                Typed::Bad => check.unknown(),
                Typed::Ok(hosts) => {
                    for (index, host) in hosts.iter().enumerate() {
                        match host.as_str() {
                            Some(name) if name.contains('*') => {
                                check.note(
                                    format!("properties.allowedFqdnList[{index}]"),
                                    format!("{} (wildcard)", value::truncate(name)),
                                );
                                check.fail();
                            }
                            Some(name) if !value::trimmed(name).is_empty() => {}
                            _ => {
                                check.note(
                                    format!("properties.allowedFqdnList[{index}]"),
                                    format!("{} (not a host name)", value::short(host)),
                                );
                                check.unknown();
                            }
                        }
                    }
                }
            }
        }
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    check.done()
}

/// AI-DATA-05. Accepts the current `dataExfiltrationProtections: ["BlockAll"]` and the spelling of the official
/// 2025-05-01 example, `disabledDataExfiltrationOptions: ["All"]`. Absent means nothing is blocked.
pub fn data_05(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let current = contains(
        check.list(resource, "properties.dataExfiltrationProtections"),
        "BlockAll",
    );
    let older = contains(
        check.list(resource, "properties.disabledDataExfiltrationOptions"),
        "All",
    );
    check.verdict(any_pass([current, older]));
    check.done()
}

fn contains(list: Typed<&[Doc]>, wanted: &str) -> Status {
    match list {
        Typed::Absent => Status::Fail,
        Typed::Bad => Status::Unknown,
        Typed::Ok(items) => {
            if items
                .iter()
                .any(|item| item.as_str().is_some_and(|s| is_one_of(s, &[wanted])))
            {
                Status::Pass
            } else if items.iter().all(Doc::is_string) {
                Status::Fail
            } else {
                Status::Unknown
            }
        }
    }
}

/// AI-DATA-06. Applies only to accounts advertising the CustomerManagedStorage capability; when the
/// capability list is absent that cannot be told, so the control is unknown unless storage is configured.
pub fn data_06(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let storage = match check.list(resource, "properties.userOwnedStorage") {
        Typed::Ok(items) => {
            if items.iter().any(|item| {
                value::member(item, "resourceId")
                    .and_then(Doc::as_str)
                    .is_some_and(|id| !value::trimmed(id).is_empty())
            }) {
                Status::Pass
            } else if items.iter().all(Doc::is_object) {
                Status::Fail
            } else {
                Status::Unknown
            }
        }
        Typed::Absent => Status::Fail,
        Typed::Bad => Status::Unknown,
    };
    if storage == Status::Pass {
        check.pass();
        return check.done();
    }
    let capable = match value::array(value::resource_get(resource, "properties.capabilities")) {
        Typed::Ok(capabilities) => {
            let found = capabilities.iter().any(|c| {
                value::member(c, "name")
                    .and_then(Doc::as_str)
                    .is_some_and(|n| is_one_of(n, &["CustomerManagedStorage"]))
            });
            check.note(
                "properties.capabilities[name=CustomerManagedStorage]",
                if found { "present" } else { "not listed" },
            );
            Typed::Ok(found)
        }
        other => {
            check.note(
                "properties.capabilities",
                value::observed_got(
                    value::resource_get(resource, "properties.capabilities"),
                    false,
                    "an array",
                ),
            );
            if other == Typed::Absent {
                Typed::Absent
            } else {
                Typed::Bad
            }
        }
    };
    match capable {
        Typed::Ok(false) => return check.not_applicable(),
        Typed::Ok(true) => check.verdict(storage),
        Typed::Absent | Typed::Bad => check.unknown(),
    }
    check.done()
}

/// AI-DATA-07. Absent `storedCompletionsDisabled` means completions may be stored.
pub fn data_07(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.flag(resource, "properties.storedCompletionsDisabled") {
        Typed::Ok(true) => check.pass(),
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    check.done()
}

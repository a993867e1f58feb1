//! AI-IAM-*: local authentication, identities, connections, compute and endpoint auth, role assignments.

use super::prelude::*;

const LOCAL_AUTH: &str = "properties.disableLocalAuth";

/// AI-IAM-01. Absent `disableLocalAuth` means key authentication is on.
pub fn iam_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    local_auth_disabled(&mut check, resource);
    check.done()
}

fn local_auth_disabled(check: &mut Check, resource: &Resource) {
    match check.flag(resource, LOCAL_AUTH) {
        Typed::Ok(true) => check.pass(),
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
}

/// AI-IAM-02.
pub fn iam_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match non_empty(check.text(resource, "properties.customSubDomainName")) {
        Typed::Ok(true) => check.pass(),
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    check.done()
}

/// AI-IAM-03 and AI-IAM-05: any managed identity. Absent `identity` means none.
pub fn iam_03(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    managed_identity(resource)
}

pub fn iam_05(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    managed_identity(resource)
}

fn managed_identity(resource: &Resource) -> Outcome {
    let mut check = Check::new();
    match check.text(resource, "identity.type") {
        Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
        Typed::Ok(kind) => match value::identity_kinds(kind) {
            Some(kinds) if kinds.system || kinds.user => check.pass(),
            Some(_) => check.fail(),
            None => check.unknown(),
        },
    }
    check.done()
}

/// AI-IAM-04. Absent `disableLocalAuth` means API keys work; `authOptions` is recorded to show the
/// transitional `aadOrApiKey` mode, which still accepts keys.
pub fn iam_04(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    local_auth_disabled(&mut check, resource);
    let auth_options = value::resource_get(resource, "properties.authOptions");
    check.note(
        "properties.authOptions",
        value::observed_got(auth_options, true, "an object"),
    );
    check.done()
}

/// AI-IAM-06. A SystemAssigned-only workspace fails this Low control: it is the audited baseline, not an
/// exposure, but the control asks for a user-assigned primary identity.
pub fn iam_06(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.text(resource, "identity.type") {
        Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
        Typed::Ok(kind) => match value::identity_kinds(kind) {
            Some(kinds) if kinds.user => {
                match non_empty(check.text(resource, "properties.primaryUserAssignedIdentity")) {
                    Typed::Ok(true) => check.pass(),
                    Typed::Ok(false) | Typed::Absent => check.fail(),
                    Typed::Bad => check.unknown(),
                }
            }
            Some(_) => check.fail(),
            None => check.unknown(),
        },
    }
    check.done()
}

/// AI-IAM-07. Absent `systemDatastoresAuthMode` means account keys.
pub fn iam_07(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    match check.text(resource, "properties.systemDatastoresAuthMode") {
        Typed::Ok(mode) if is_one_of(mode, &["Identity", "UserDelegationSAS"]) => check.pass(),
        Typed::Ok(mode) if is_one_of(mode, &["AccessKey"]) => check.fail(),
        Typed::Absent => check.fail(),
        Typed::Ok(_) | Typed::Bad => check.unknown(),
    }
    check.done()
}

/// Connection auth types that store a secret in the workspace (or account) vault.
const SECRET_AUTH_TYPES: &[&str] = &[
    "ApiKey",
    "AccountKey",
    "SAS",
    "AccessKey",
    "UsernamePassword",
    "ServicePrincipal",
    "CustomKeys",
    "PAT",
    "OAuth2",
];

/// AI-IAM-08. `authType` None stores no secret and is accepted; any auth type outside the known lists is
/// `unknown`.
pub fn iam_08(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(connections) = check.fetched("connections", &resource.details.connections) else {
        return check.done();
    };
    check.note_if_empty("connections", connections.len());
    if connections.is_empty() {
        return check.not_applicable();
    }
    for (index, connection) in connections.iter().enumerate() {
        let label = item_label("connections", index, connection);
        let workspace_identity = value::boolean(value::walk(connection, "properties.useWorkspaceManagedIdentity"));
        if workspace_identity == Typed::Ok(true) {
            check.item_note(&label, "properties.useWorkspaceManagedIdentity=true");
            check.pass();
            continue;
        }
        match check.item_text(connection, &label, "properties.authType") {
            Typed::Ok(auth) if is_one_of(auth, &["AAD", "ManagedIdentity", "None"]) => check.pass(),
            Typed::Ok(auth) if is_one_of(auth, SECRET_AUTH_TYPES) => {
                let shared = value::boolean(value::walk(connection, "properties.isSharedToAll"));
                if shared == Typed::Ok(true) {
                    check.item_note(
                        &label,
                        "properties.isSharedToAll=true (the secret is usable by every project of the hub)",
                    );
                }
                check.fail();
            }
            Typed::Ok(_) | Typed::Absent | Typed::Bad => check.unknown(),
        }
    }
    check.done()
}

/// AI-IAM-09. Absent compute `disableLocalAuth` means local accounts are on.
pub fn iam_09(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(computes) = computes_of(&mut check, resource, &["ComputeInstance", "AmlCompute"]) else {
        return check.done();
    };
    if computes.is_empty() {
        // An unreadable compute might have been one to check: then the answer is unknown, not n/a.
        return if check.has_unknown() {
            check.done()
        } else {
            check.not_applicable()
        };
    }
    for (label, compute) in computes {
        match check.item_flag(compute, &label, "properties.disableLocalAuth") {
            Typed::Ok(true) => check.pass(),
            Typed::Ok(false) | Typed::Absent => check.fail(),
            Typed::Bad => check.unknown(),
        }
    }
    check.done()
}

/// AI-IAM-10. Online endpoints: absent `publicNetworkAccess` means Enabled; an absent `authMode` is unknown
/// (Azure always returns it). Serverless endpoints: `Key` fails.
pub fn iam_10(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let online = check.fetched("onlineEndpoints", &resource.details.online_endpoints);
    let serverless = check.fetched("serverlessEndpoints", &resource.details.serverless_endpoints);
    let count = online.map_or(0, Vec::len) + serverless.map_or(0, Vec::len);
    if let Some(online) = online {
        check.note_if_empty("onlineEndpoints", online.len());
        for (index, endpoint) in online.iter().enumerate() {
            let label = item_label("onlineEndpoints", index, endpoint);
            match check.item_text(endpoint, &label, "properties.authMode") {
                Typed::Ok(mode) if is_one_of(mode, &["AADToken", "AMLToken"]) => check.pass(),
                Typed::Ok(mode) if is_one_of(mode, &["Key"]) => check.fail(),
                _ => check.unknown(),
            }
            match check.item_text(endpoint, &label, "properties.publicNetworkAccess") {
                Typed::Ok(pna) if is_one_of(pna, &["Disabled"]) => {}
                Typed::Ok(pna) if is_one_of(pna, &["Enabled"]) => check.fail(),
                Typed::Absent => check.fail(),
                Typed::Ok(_) | Typed::Bad => check.unknown(),
            }
        }
    }
    if let Some(serverless) = serverless {
        check.note_if_empty("serverlessEndpoints", serverless.len());
        for (index, endpoint) in serverless.iter().enumerate() {
            let label = item_label("serverlessEndpoints", index, endpoint);
            match check.item_text(endpoint, &label, "properties.authMode") {
                Typed::Ok(mode) if is_one_of(mode, &["Key"]) => check.fail(),
                Typed::Ok(mode) if is_one_of(mode, &["AAD", "AADToken"]) => check.pass(),
                _ => check.unknown(),
            }
        }
    }
    if count == 0 && online.is_some() && serverless.is_some() {
        return check.not_applicable();
    }
    check.done()
}

/// Built-in roles that own the control plane or can hand out access (catalog appendix).
const BROAD_ROLES: &[(&str, &str)] = &[
    ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"),
    ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
    ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"),
    (
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "Role Based Access Control Administrator",
    ),
];

/// Built-in roles that can list the API keys of an account.
const CS_KEY_ROLES: &[(&str, &str)] = &[
    ("25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68", "Cognitive Services Contributor"),
    ("a97b65f3-24c7-4388-baec-2e87135dc908", "Cognitive Services User"),
    (
        "a001fd3d-188f-4b5d-821b-7da978bf7442",
        "Cognitive Services OpenAI Contributor",
    ),
];

/// Built-in roles that can list the admin and query keys of a search service.
const SEARCH_KEY_ROLES: &[(&str, &str)] = &[("7ca78c08-252a-4471-8644-bb5ff32d4ba0", "Search Service Contributor")];

fn role_name<'a>(roles: &'a [(&str, &str)], guid: &str) -> Option<&'a str> {
    // GUIDs share their length: the first character rejects most candidates before the full comparison.
    let first = guid.as_bytes().first();
    roles
        .iter()
        .find(|(id, _)| {
            id.as_bytes()
                .first()
                .zip(first)
                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                && id.eq_ignore_ascii_case(guid)
        })
        .map(|&(_, name)| name)
}

/// AI-IAM-11. Broad roles fail for users and groups (ForeignGroup included); service principals and managed
/// identities are not flagged. Key-listing roles fail for any principal while API keys are enabled (absent
/// `disableLocalAuth` means enabled). Break-glass or PIM status is not visible in the assignment, so such
/// assignments fail too and are the reviewer's call.
pub fn iam_11(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let key_roles: &[(&str, &str)] = match resource.family {
        ResourceFamily::CognitiveServices => CS_KEY_ROLES,
        ResourceFamily::Search => SEARCH_KEY_ROLES,
        ResourceFamily::MachineLearning => &[],
    };
    let keys_enabled = if key_roles.is_empty() {
        Typed::Ok(false)
    } else {
        match check.flag(resource, LOCAL_AUTH) {
            Typed::Ok(disabled) => Typed::Ok(!disabled),
            Typed::Absent => Typed::Ok(true),
            Typed::Bad => Typed::Bad,
        }
    };
    let Some(assignments) = check.fetched("roleAssignments", &resource.details.role_assignments) else {
        return check.done();
    };
    check.note(
        "roleAssignments",
        value::counted(assignments.len(), " assignment(s) at or above the resource"),
    );
    check.pass();
    for (index, assignment) in assignments.iter().enumerate() {
        // Labels are built only for the assignments that end up in the evidence.
        let label = || item_label("roleAssignments", index, assignment);
        // The assignment's fields all sit under `properties`: looked up once.
        let properties = value::walk(assignment, "properties");
        let role = properties.walk("roleDefinitionId");
        let Typed::Ok(role_id) = value::text(role) else {
            check.note(
                value::concat(&[&label(), ".properties.roleDefinitionId"]),
                value::concat(&[
                    &value::observed_got(role, false, "a string"),
                    " (unreadable assignment)",
                ]),
            );
            check.unknown();
            continue;
        };
        let guid = value::last_segment(role_id);
        if let Some(name) = role_name(BROAD_ROLES, guid) {
            let principal = value::text(properties.walk("principalType"));
            match principal {
                Typed::Ok(kind) if is_one_of(kind, &["User", "Group", "ForeignGroup"]) => {
                    check.note(
                        label(),
                        assignment_text(properties, name, "broad role held by a user or group"),
                    );
                    check.fail();
                }
                Typed::Ok(_) => {}
                Typed::Absent | Typed::Bad => {
                    check.note(label(), assignment_text(properties, name, "principal type unreadable"));
                    check.unknown();
                }
            }
        } else if let Some(name) = role_name(key_roles, guid) {
            match keys_enabled {
                Typed::Ok(true) => {
                    check.note(
                        label(),
                        assignment_text(properties, name, "can list keys, and keys are enabled"),
                    );
                    check.fail();
                }
                Typed::Ok(false) => {}
                Typed::Absent | Typed::Bad => {
                    check.note(
                        label(),
                        assignment_text(properties, name, "can list keys; key state unreadable"),
                    );
                    check.unknown();
                }
            }
        }
    }
    check.done()
}

/// `{role} → {principalType} {principalId} at {scope} ({why})`, fields cut to 40, 80 and 160 characters.
fn assignment_text(properties: value::Got<'_>, role: &str, why: &str) -> EvidenceText {
    let field =
        |name: &str, max: usize| value::clip(value::text(properties.walk(name)).ok().unwrap_or(value::ABSENT), max);
    value::concat(&[
        role,
        " → ",
        field("principalType", 40),
        " ",
        field("principalId", 80),
        " at ",
        field("scope", 160),
        " (",
        why,
        ")",
    ])
}

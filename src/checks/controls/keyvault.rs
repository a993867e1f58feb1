//! AI-KV-*: the Key Vaults an AI resource depends on (customer-managed key vault, ML workspace vault).

use super::prelude::*;

/// How a resource names a vault.
enum Reference<'a> {
    /// ARM id (`/subscriptions/…/providers/Microsoft.KeyVault/vaults/{name}`).
    Id(&'a str),
    /// Data-plane URI (`https://{name}.vault.azure.net/`).
    Uri(&'a str),
}

/// A resource names at most two vaults (ML: workspace vault and customer-key vault).
type References<'a> = [Option<(&'static str, Reference<'a>)>; 2];

/// Reads the vault references of the resource (none found: all `None`), with `unknown` recorded if a
/// reference was unreadable.
fn references<'a>(check: &mut Check, resource: &'a Resource) -> References<'a> {
    let mut found: References<'a> = [None, None];
    let mut read = |check: &mut Check, slot: usize, path: &'static str, as_uri: bool| match check.text(resource, path) {
        Typed::Ok(text) if !value::trimmed(text).is_empty() => {
            if let Some(slot) = found.get_mut(slot) {
                *slot = Some((
                    path,
                    if as_uri {
                        Reference::Uri(text)
                    } else {
                        Reference::Id(text)
                    },
                ));
            }
        }
        Typed::Ok(_) | Typed::Absent => {}
        Typed::Bad => check.unknown(),
    };
    match resource.family {
        ResourceFamily::CognitiveServices => {
            // A platform-key account may keep stale vault properties; they reference no vault in use.
            let platform_key = value::text(value::resource_get(resource, "properties.encryption.keySource"))
                .ok()
                .is_some_and(|s| is_one_of(s, &["Microsoft.CognitiveServices"]));
            if !platform_key {
                read(check, 0, "properties.encryption.keyVaultProperties.keyVaultUri", true);
            }
        }
        ResourceFamily::MachineLearning => {
            read(check, 0, "properties.keyVault", false);
            read(
                check,
                1,
                "properties.encryption.keyVaultProperties.keyVaultArmId",
                false,
            );
        }
        // Search keys live per index on the data plane; the service body names no vault.
        ResourceFamily::Search => {}
    }
    found
}

fn matches(vault: &Doc, reference: &Reference<'_>) -> bool {
    let same = |a: &str, b: &str| {
        value::trimmed(a)
            .trim_end_matches('/')
            .eq_ignore_ascii_case(value::trimmed(b).trim_end_matches('/'))
    };
    match reference {
        Reference::Id(id) => value::member(vault, "id")
            .and_then(Doc::as_str)
            .is_some_and(|v| same(v, id)),
        Reference::Uri(uri) => {
            let by_uri = value::text(value::walk(vault, "properties.vaultUri"))
                .ok()
                .is_some_and(|v| same(v, uri));
            if by_uri {
                return true;
            }
            let host = value::trimmed(uri)
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .split(['.', '/'])
                .next()
                .unwrap_or("");
            !host.is_empty()
                && value::member(vault, "name")
                    .and_then(Doc::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(host))
        }
    }
}

type VaultRule = fn(&mut Check, &Doc, &EvidenceText);

/// Applies `rule` to every referenced vault. Not applicable when the resource references none.
fn each_vault(resource: &Resource, rule: VaultRule) -> Result<Check, Outcome> {
    let mut check = Check::new();
    let references = references(&mut check, resource);
    if references.iter().all(Option::is_none) {
        if check.has_unknown() {
            return Err(check.done());
        }
        check.note(
            "key vault references",
            "none (no customer key vault, no workspace vault)",
        );
        return Err(check.not_applicable());
    }
    let Some(vaults) = check.fetched("keyVaults", &resource.details.key_vaults) else {
        return Err(check.done());
    };
    let mut seen: [Option<usize>; 2] = [None, None];
    for (slot, (path, reference)) in references
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i, r.as_ref()?)))
    {
        match vaults.iter().position(|vault| matches(vault, reference)) {
            Some(index) if seen.contains(&Some(index)) => {}
            Some(index) => {
                if let Some(seen) = seen.get_mut(slot) {
                    *seen = Some(index);
                }
                if let Some(vault) = vaults.get(index) {
                    let label = item_label("keyVaults", index, vault);
                    rule(&mut check, vault, &label);
                }
            }
            None => {
                check.note(
                    value::concat(&["keyVaults[", path, "]"]),
                    "<not collected: referenced vault not in the list>",
                );
                check.unknown();
            }
        }
    }
    Ok(check)
}

/// AI-KV-01. Absent `enableSoftDelete` / `enablePurgeProtection` count as off; absent retention means the
/// default 90 days.
pub fn kv_01(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    match each_vault(resource, recoverable) {
        Ok(check) => check.done(),
        Err(outcome) => outcome,
    }
}

fn recoverable(check: &mut Check, vault: &Doc, label: &EvidenceText) {
    let properties = value::walk(vault, "properties");
    for path in ["properties.enableSoftDelete", "properties.enablePurgeProtection"] {
        let field = path.strip_prefix("properties.").unwrap_or(path);
        match check.item_flag_at(properties.walk(field), label, path) {
            Typed::Ok(true) => check.pass(),
            Typed::Ok(false) | Typed::Absent => check.fail(),
            Typed::Bad => check.unknown(),
        }
    }
    match value::integer(properties.walk("softDeleteRetentionInDays")) {
        Typed::Ok(days) if days >= 7 => {}
        Typed::Absent => {}
        Typed::Ok(_) => {
            check.item_integer(vault, label, "properties.softDeleteRetentionInDays");
            check.fail();
        }
        Typed::Bad => {
            check.item_integer(vault, label, "properties.softDeleteRetentionInDays");
            check.unknown();
        }
    }
}

/// AI-KV-02. Absent `enableRbacAuthorization` means access policies; absent `publicNetworkAccess` means
/// Enabled and absent `networkAcls.defaultAction` means Allow. Even when both pass the control stays
/// `unknown`: rotation policies and secret expiry are data-plane facts a person must confirm.
pub fn kv_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    match each_vault(resource, hardened) {
        Ok(mut check) => {
            if !check.has_failed() {
                check.note(
                    "keys.rotationPolicy / secrets.exp",
                    "<not visible to ARM: confirm rotation and expiry>",
                );
                check.unknown();
            }
            check.done()
        }
        Err(outcome) => outcome,
    }
}

fn hardened(check: &mut Check, vault: &Doc, label: &EvidenceText) {
    let properties = value::walk(vault, "properties");
    match check.item_flag_at(
        properties.walk("enableRbacAuthorization"),
        label,
        "properties.enableRbacAuthorization",
    ) {
        Typed::Ok(true) => check.pass(),
        Typed::Ok(false) | Typed::Absent => check.fail(),
        Typed::Bad => check.unknown(),
    }
    let public = match check.item_text_at(
        properties.walk("publicNetworkAccess"),
        label,
        "properties.publicNetworkAccess",
    ) {
        Typed::Ok(v) if is_one_of(v, &["Disabled"]) => Status::Pass,
        Typed::Ok(v) if is_one_of(v, &["Enabled"]) => Status::Fail,
        Typed::Absent => Status::Fail,
        Typed::Ok(_) | Typed::Bad => Status::Unknown,
    };
    let firewall = if public == Status::Pass {
        Status::Pass
    } else {
        match check.item_text_at(
            properties.walk("networkAcls.defaultAction"),
            label,
            "properties.networkAcls.defaultAction",
        ) {
            Typed::Ok(v) if is_one_of(v, &["Deny"]) => Status::Pass,
            Typed::Ok(v) if is_one_of(v, &["Allow"]) => Status::Fail,
            Typed::Absent => Status::Fail,
            Typed::Ok(_) | Typed::Bad => Status::Unknown,
        }
    };
    check.verdict(any_pass([public, firewall]));
}

use crate::model::Doc;

use super::support::*;
use crate::model::{Fetched, Status::*};

pub fn pricing(tier: &str) -> Doc {
    doc!({
        "id": "/subscriptions/00000000-1111-2222-3333-444444444444/providers/Microsoft.Security/pricings/AI",
        "name": "AI",
        "properties": {"pricingTier": tier, "extensions": [{"name": "AIPromptEvidence", "isEnabled": "True"}]}
    })
}

#[test]
fn thr_01_defender_plan() {
    let account = cs_hardened();
    let f = expect("AI-THR-01", &account, None, Unknown);
    expect_evidence(&f, "subscription", "<not collected>");
    let mut sub = subscription();
    expect("AI-THR-01", &account, Some(&sub), Unknown);
    sub.defender_ai_pricing = Fetched::Value(pricing("Standard"));
    let f = expect("AI-THR-01", &account, Some(&sub), Pass);
    expect_evidence(&f, "pricings/AI.properties.pricingTier", "Standard");
    expect_evidence(
        &f,
        "pricings/AI.properties.extensions[name=AIPromptEvidence].isEnabled",
        "True",
    );
    sub.defender_ai_pricing = Fetched::Value(pricing("standard"));
    expect("AI-THR-01", &account, Some(&sub), Pass);
    sub.defender_ai_pricing = Fetched::Value(pricing("Free"));
    expect("AI-THR-01", &account, Some(&sub), Fail);
    sub.defender_ai_pricing = Fetched::Value(doc!({"properties": {}}));
    expect("AI-THR-01", &account, Some(&sub), Unknown);
    sub.defender_ai_pricing = Fetched::Value(doc!({"properties": {"pricingTier": true}}));
    expect("AI-THR-01", &account, Some(&sub), Unknown);
    sub.defender_ai_pricing = Fetched::Value(doc!("Standard"));
    expect("AI-THR-01", &account, Some(&sub), Unknown);
    sub.defender_ai_pricing = Fetched::Denied("403".into());
    expect("AI-THR-01", &account, Some(&sub), Unknown);
    not_applicable_to("AI-THR-01", &search_service());
}

#[test]
fn thr_02_account_defender_setting() {
    let mut account = cs_hardened();
    expect("AI-THR-02", &account, None, Unknown);
    account.details.defender_for_ai = Fetched::Value(defender_setting());
    let f = expect("AI-THR-02", &account, None, Pass);
    expect_evidence(&f, "defenderForAISettings/Default.properties.state", "Enabled");
    account.details.defender_for_ai = Fetched::Value(edited(defender_setting(), "properties.state", doc!("Disabled")));
    expect("AI-THR-02", &account, None, Fail);
    account.details.defender_for_ai = Fetched::Value(edited(defender_setting(), "properties.state", doc!(null)));
    expect("AI-THR-02", &account, None, Unknown);
    account.details.defender_for_ai = Fetched::Value(edited(defender_setting(), "properties.state", doc!(1)));
    expect("AI-THR-02", &account, None, Unknown);
}

pub fn vault(name: &str) -> Doc {
    doc!({
        "id": format!("/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/workspace-1234/providers/Microsoft.KeyVault/vaults/{name}"),
        "name": name,
        "type": "Microsoft.KeyVault/vaults",
        "properties": {
            "vaultUri": format!("https://{name}.vault.azure.net/"),
            "enableSoftDelete": true,
            "softDeleteRetentionInDays": 90,
            "enablePurgeProtection": true,
            "enableRbacAuthorization": true,
            "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}
        }
    })
}

#[test]
fn kv_01_recoverable_vaults() {
    // CS account referencing kv-ai by URI.
    let mut account = cs_hardened();
    expect("AI-KV-01", &account, None, Unknown);
    account.details.key_vaults = Fetched::Value(vec![vault("kv-ai")]);
    let f = expect("AI-KV-01", &account, None, Pass);
    expect_evidence(&f, "keyVaults[name=kv-ai].properties.enablePurgeProtection", "true");
    account.details.key_vaults = Fetched::Value(vec![edited(
        vault("kv-ai"),
        "properties.enablePurgeProtection",
        doc!(null),
    )]);
    expect("AI-KV-01", &account, None, Fail);
    account.details.key_vaults = Fetched::Value(vec![edited(
        vault("kv-ai"),
        "properties.softDeleteRetentionInDays",
        doc!(3),
    )]);
    expect("AI-KV-01", &account, None, Fail);
    account.details.key_vaults =
        Fetched::Value(vec![edited(vault("kv-ai"), "properties.enableSoftDelete", doc!("yes"))]);
    expect("AI-KV-01", &account, None, Unknown);
    // The referenced vault is not among the collected ones.
    account.details.key_vaults = Fetched::Value(vec![vault("other")]);
    let f = expect("AI-KV-01", &account, None, Unknown);
    expect_evidence(
        &f,
        "keyVaults[properties.encryption.keyVaultProperties.keyVaultUri]",
        "not collected",
    );
    // Platform-key and bare accounts reference no vault.
    expect("AI-KV-01", &cs_insecure(), None, NotApplicable);
    expect("AI-KV-01", &search_service(), None, NotApplicable);
    expect(
        "AI-KV-01",
        &with(
            cs_hardened(),
            "properties.encryption.keyVaultProperties.keyVaultUri",
            doc!(5),
        ),
        None,
        Unknown,
    );
    // ML workspace: keyVault id and CMK vault id are the same vault (testkv), checked once.
    let mut ws = ml_workspace();
    ws.details.key_vaults = Fetched::Value(vec![vault("testkv")]);
    expect("AI-KV-01", &ws, None, Pass);
    ws.details.key_vaults = Fetched::Value(vec![edited(
        vault("testkv"),
        "properties.enableSoftDelete",
        doc!(false),
    )]);
    expect("AI-KV-01", &ws, None, Fail);
    // Ids compare without case.
    let upper = vault("testkv");
    let upper = edited(
        upper.clone(),
        "id",
        doc!(upper["id"].as_str().unwrap_or_default().to_uppercase()),
    );
    ws.details.key_vaults = Fetched::Value(vec![upper]);
    expect("AI-KV-01", &ws, None, Pass);
}

#[test]
fn kv_02_hardened_vaults_never_pass_without_attestation() {
    let mut ws = ml_workspace();
    ws.details.key_vaults = Fetched::Value(vec![vault("testkv")]);
    let f = expect("AI-KV-02", &ws, None, Unknown);
    expect_evidence(&f, "keys.rotationPolicy / secrets.exp", "confirm rotation");
    ws.details.key_vaults = Fetched::Value(vec![edited(
        vault("testkv"),
        "properties.enableRbacAuthorization",
        doc!(false),
    )]);
    expect("AI-KV-02", &ws, None, Fail);
    // Public with a deny firewall is acceptable network-wise; public with allow is not.
    let public = edited(vault("testkv"), "properties.publicNetworkAccess", doc!("Enabled"));
    ws.details.key_vaults = Fetched::Value(vec![public.clone()]);
    expect("AI-KV-02", &ws, None, Unknown);
    ws.details.key_vaults = Fetched::Value(vec![edited(
        public,
        "properties.networkAcls.defaultAction",
        doc!("Allow"),
    )]);
    let f = expect("AI-KV-02", &ws, None, Fail);
    expect_evidence(
        &f,
        "keyVaults[name=testkv].properties.networkAcls.defaultAction",
        "Allow",
    );
    ws.details.key_vaults = Fetched::Value(vec![edited(vault("testkv"), "properties", doc!(null))]);
    expect("AI-KV-02", &ws, None, Fail);
    expect("AI-KV-02", &search_service(), None, NotApplicable);
    let control = crate::checks::control("AI-KV-02").expect("implemented");
    assert!(control.manual_part.is_some());
}

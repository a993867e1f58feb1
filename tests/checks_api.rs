//! The checks engine through its public API only, on the copied synthetic fixtures: what the TUI, the scan
//! reports and the remediation layer rely on.

use aisec::checks::{self, Applies};
use aisec::model::{Resource, Status};
use serde_json::Value;

fn account(text: &str) -> Resource {
    let doc: Value = serde_json::from_str(text).expect("fixture is JSON");
    Resource::from_arm(&doc["body"]).expect("fixture is an account")
}

#[test]
fn hardened_and_insecure_accounts_through_the_public_api() {
    let hardened = account(include_str!("fixtures/checks/cs_account_hardened.json"));
    let insecure = account(include_str!("fixtures/checks/cs_account_insecure.json"));
    let status = |resource: &Resource, id: &str| {
        checks::evaluate(resource, None)
            .into_iter()
            .find(|f| f.control_id == id)
            .map(|f| f.status)
    };
    for id in ["AI-NET-01", "AI-IAM-01", "AI-IAM-02", "AI-DATA-04"] {
        assert_eq!(status(&hardened, id), Some(Status::Pass), "{id}");
        assert_eq!(status(&insecure, id), Some(Status::Fail), "{id}");
    }
    // Child data was not collected: those controls are unknown, never pass.
    assert_eq!(status(&hardened, "AI-LOG-01"), Some(Status::Unknown));
    assert_eq!(status(&hardened, "AI-THR-01"), Some(Status::Unknown));
}

#[test]
fn control_metadata_is_public_and_complete() {
    assert!(checks::controls().len() >= 35);
    let control = checks::control("AI-IAM-02").expect("implemented");
    assert!(control.fix.one_way);
    assert!(!control.fix.changes.is_empty() && !control.check_summary.is_empty());
    assert!(control.mcsb.is_empty());
    assert_eq!(checks::control("AI-NET-01").expect("implemented").mcsb, vec!["NS-2"]);
    let insecure = account(include_str!("fixtures/checks/cs_account_insecure.json"));
    assert_eq!(control.applicability.check(&insecure), Applies::Yes);
    assert!(checks::is_attestation("AI-SAFE-02"));
    assert_eq!(checks::omitted_controls().len() + checks::controls().len(), 45);
}

#[path = "../benches/support/inventory.rs"]
mod inventory;

/// Large inventories are shared between threads in claimed batches; the findings, their order and their
/// evidence must not depend on how many threads took part.
#[test]
fn findings_do_not_depend_on_the_number_of_threads() {
    let resources = inventory::inventory(5_000);
    let subscriptions = inventory::subscriptions();
    let alone = aisec::checks::evaluate_all_on(&resources, &subscriptions, 1);
    assert!(alone.len() > 5_000 * 15, "{} findings", alone.len());
    for threads in [2, 3, 5] {
        let shared = aisec::checks::evaluate_all_on(&resources, &subscriptions, threads);
        assert_eq!(shared.len(), alone.len(), "{threads} threads");
        assert!(shared == alone, "{threads} threads changed the findings or their order");
    }
}

/// The cockpit holds verdicts and renders evidence on demand: both must say exactly what the full evaluation
/// says, for every finding (AI-GOV-03's "prod next to dev/test" included, which `explain` decides again from
/// the resource's subscription alone).
#[test]
fn verdicts_and_their_explanations_are_the_full_findings() {
    let resources = inventory::inventory(3_000);
    let subscriptions = inventory::subscriptions();
    let findings = aisec::checks::evaluate_all_on(&resources, &subscriptions, 1);
    let colocated = findings
        .iter()
        .filter(|f| f.control_id == "AI-GOV-03" && f.evidence.iter().any(|e| e.path == "subscription.environments"))
        .count();
    assert!(
        colocated > 0,
        "the inventory exercises the cross-resource part of AI-GOV-03"
    );
    for threads in [1, 3] {
        let verdicts = aisec::checks::verdicts_all_on(&resources, &subscriptions, threads);
        assert_eq!(verdicts.len(), findings.len(), "{threads} threads");
        for (verdict, finding) in verdicts.iter().zip(&findings) {
            assert_eq!(
                (
                    verdict.control_id(),
                    resources[verdict.resource_index as usize].id.as_str(),
                    verdict.status,
                    verdict.severity
                ),
                (
                    finding.control_id,
                    finding.resource_id.as_str(),
                    finding.status,
                    finding.severity
                )
            );
        }
        if threads == 1 {
            // Every control on the first resources (each kind and state of the inventory appears there), and
            // every AI-GOV-03 verdict.
            let sample = verdicts
                .iter()
                .zip(&findings)
                .filter(|(verdict, _)| verdict.resource_index < 300 || verdict.control_id() == "AI-GOV-03");
            for (verdict, finding) in sample {
                let explained = aisec::checks::explain(&resources, &subscriptions, verdict);
                assert_eq!(explained.as_ref(), Some(finding), "{}", verdict.control_id());
            }
        }
    }
    // A position outside the inventory explains nothing.
    let outside = aisec::model::Verdict {
        resource_index: resources.len() as u32,
        ..aisec::checks::verdicts_all(&resources, &subscriptions)[0]
    };
    assert_eq!(aisec::checks::explain(&resources, &subscriptions, &outside), None);
    // So does a control position outside the catalog, whose id is empty rather than another control's.
    let unknown_control = aisec::model::Verdict {
        control: aisec::checks::controls().len() as u16,
        ..aisec::checks::verdicts_all(&resources, &subscriptions)[0]
    };
    assert_eq!(unknown_control.control_id(), "");
    assert_eq!(
        aisec::checks::explain(&resources, &subscriptions, &unknown_control),
        None
    );
}

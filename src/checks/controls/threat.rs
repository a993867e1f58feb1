//! AI-THR-*: Defender for AI plan (subscription) and per-account opt-out.

use super::prelude::*;

const PRICING: &str = "pricings/AI";
const PRICING_LABEL: EvidenceText = EvidenceText::const_new(PRICING);

/// AI-THR-01, evaluated on each account with its subscription. An absent `pricingTier` is unknown (Azure
/// always returns it). The AIPromptEvidence extension is recommended, so it is shown but not required.
pub fn thr_01(_: &Resource, subscription: Option<&Subscription>) -> Outcome {
    let mut check = Check::new();
    let Some(subscription) = subscription else {
        check.note("subscription", "<not collected>");
        check.unknown();
        return check.done();
    };
    let Some(pricing) = check.fetched(PRICING, &subscription.defender_ai_pricing) else {
        return check.done();
    };
    match check.item_text(pricing, &PRICING_LABEL, "properties.pricingTier") {
        Typed::Ok(tier) if is_one_of(tier, &["Standard"]) => check.pass(),
        Typed::Ok(tier) if is_one_of(tier, &["Free"]) => check.fail(),
        Typed::Ok(_) | Typed::Absent | Typed::Bad => check.unknown(),
    }
    let evidence = value::array(value::walk(pricing, "properties.extensions"))
        .ok()
        .and_then(|extensions| {
            extensions.iter().find(|e| {
                value::member(e, "name")
                    .and_then(Doc::as_str)
                    .is_some_and(|n| is_one_of(n, &["AIPromptEvidence"]))
            })
        })
        .map(|e| value::observed(value::member(e, "isEnabled")));
    check.item_note(
        &PRICING_LABEL,
        &value::concat(&[
            "properties.extensions[name=AIPromptEvidence].isEnabled=",
            evidence.as_deref().unwrap_or(value::ABSENT),
            " (recommended, not required)",
        ]),
    );
    check.done()
}

/// AI-THR-02. An absent `state` is unknown.
pub fn thr_02(resource: &Resource, _: Option<&Subscription>) -> Outcome {
    const LABEL: EvidenceText = EvidenceText::const_new("defenderForAISettings/Default");
    let mut check = Check::new();
    let Some(setting) = check.fetched(LABEL, &resource.details.defender_for_ai) else {
        return check.done();
    };
    match check.item_text(setting, &LABEL, "properties.state") {
        Typed::Ok(state) if is_one_of(state, &["Enabled"]) => check.pass(),
        Typed::Ok(state) if is_one_of(state, &["Disabled"]) => check.fail(),
        Typed::Ok(_) | Typed::Absent | Typed::Bad => check.unknown(),
    }
    check.done()
}

//! Control metadata. Ids, titles, severities and fix requests come from the project's catalog
//! (`controls.json`, a copy of shared/design/controls.json); the evaluators live in `controls.rs`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{
    Area, Evidence, EvidenceList, Finding, Resource, ResourceFamily, ResourceId, Severity, Status, Subscription,
};

/// Which resources a control is evaluated on.
///
/// Kinds are compared case-insensitively. An ML workspace without `kind` is a `Default` workspace (the
/// official `Workspace_get` example omits it). A Cognitive Services account without `kind` cannot be placed:
/// kind-restricted controls still apply to it and report `unknown` (never a silent skip).
#[derive(Debug, Clone, Copy)]
pub enum Applicability {
    Family(ResourceFamily),
    /// A family restricted to some kinds.
    Kinds(ResourceFamily, &'static [&'static str]),
    /// A family except some kinds.
    ExceptKinds(ResourceFamily, &'static [&'static str]),
    /// A family except resources whose SKU name is one of these; a resource with no SKU is included.
    ExceptSkus(ResourceFamily, &'static [&'static str]),
    /// Resources matched by any of these rules.
    AnyOf(&'static [Applicability]),
}

/// Whether a control applies to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    No,
    Yes,
    /// It depends on the resource's kind, which Azure did not return.
    KindUnknown,
}

impl Applicability {
    pub fn check(&self, resource: &Resource) -> Applies {
        match *self {
            Applicability::Family(family) => yes_if(resource.family == family),
            Applicability::Kinds(family, kinds) => {
                if resource.family != family {
                    return Applies::No;
                }
                match effective_kind(resource) {
                    Some(kind) => yes_if(kinds.iter().any(|k| k.eq_ignore_ascii_case(kind))),
                    None => Applies::KindUnknown,
                }
            }
            Applicability::ExceptKinds(family, kinds) => {
                if resource.family != family {
                    return Applies::No;
                }
                match effective_kind(resource) {
                    Some(kind) => yes_if(!kinds.iter().any(|k| k.eq_ignore_ascii_case(kind))),
                    None => Applies::KindUnknown,
                }
            }
            Applicability::ExceptSkus(family, skus) => yes_if(
                resource.family == family
                    && !resource
                        .sku
                        .as_deref()
                        .is_some_and(|sku| skus.iter().any(|s| s.eq_ignore_ascii_case(sku.trim()))),
            ),
            Applicability::AnyOf(rules) => {
                let mut result = Applies::No;
                for rule in rules {
                    match rule.check(resource) {
                        Applies::Yes => return Applies::Yes,
                        Applies::KindUnknown => result = Applies::KindUnknown,
                        Applies::No => {}
                    }
                }
                result
            }
        }
    }

    /// Whether the rule can apply to some resource of `family` (`check` answers `No` for every other family).
    fn may_apply_to(&self, family: ResourceFamily) -> bool {
        match *self {
            Applicability::Family(f)
            | Applicability::Kinds(f, _)
            | Applicability::ExceptKinds(f, _)
            | Applicability::ExceptSkus(f, _) => f == family,
            Applicability::AnyOf(rules) => rules.iter().any(|rule| rule.may_apply_to(family)),
        }
    }

    /// Plain-words description for the UI: `AI services (kinds OpenAI, AIServices)`.
    pub fn describe(&self) -> String {
        match *self {
            Applicability::Family(family) => format!("{} (all kinds)", family.label()),
            Applicability::Kinds(family, kinds) => {
                format!("{} (kinds {})", family.label(), kinds.join(", "))
            }
            Applicability::ExceptKinds(family, kinds) => {
                format!("{} (all kinds except {})", family.label(), kinds.join(", "))
            }
            Applicability::ExceptSkus(family, skus) => {
                format!("{} (all SKUs except {})", family.label(), skus.join(", "))
            }
            Applicability::AnyOf(rules) => rules.iter().map(Applicability::describe).collect::<Vec<_>>().join("; "),
        }
    }
}

fn yes_if(condition: bool) -> Applies {
    if condition { Applies::Yes } else { Applies::No }
}

/// The kind used for applicability: Azure's `kind`, or `Default` for an ML workspace that has none.
pub fn effective_kind(resource: &Resource) -> Option<&str> {
    match resource.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        Some(kind) => Some(kind),
        None if resource.family == ResourceFamily::MachineLearning => Some("Default"),
        None => None,
    }
}

/// The remediation request the catalog documents for a control (placeholders `{sub}`, `{rg}`, `{name}`).
#[derive(Debug, Clone)]
pub struct Fix {
    pub method: String,
    pub url_template: String,
    pub body: String,
    pub reversible: String,
    pub breaks: String,
    /// The fix cannot be undone with one ARM call from a stored snapshot (create-time setting, recreate,
    /// or a setting Azure refuses to turn back): the UI flags it and asks for explicit confirmation.
    pub one_way: bool,
    /// What applying the fix changes, in plain words.
    pub changes: &'static str,
}

/// What an evaluator decides; the control adds its id, severity and the resource id.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub evidence: EvidenceList,
}

pub type Evaluator = fn(&Resource, Option<&Subscription>) -> Outcome;

pub struct Control {
    pub id: &'static str,
    /// Position in [`controls`] (what a [`Verdict`](crate::model::Verdict) holds instead of the id).
    pub position: u16,
    pub title: String,
    pub area: Area,
    pub severity: Severity,
    /// Why it matters, in the project's own words.
    pub why: &'static str,
    pub applicability: Applicability,
    pub fix: Fix,
    /// Microsoft cloud security benchmark controls this one supports (`NS-2`, `IM-1`, …), from the anchors.
    pub mcsb: Vec<String>,
    /// What the evaluator checks, in plain words (the TUI walkthrough and scan reports show it).
    pub check_summary: &'static str,
    /// The part of the catalog's check no Azure API exposes, when there is one: a person has to confirm it.
    /// While it is unconfirmed the control never passes (it reports `unknown` once everything else passes).
    pub manual_part: Option<&'static str>,
    /// The catalog's own statement of the compliant state (property paths and values).
    pub catalog_check: String,
    evaluator: Evaluator,
}

impl Control {
    pub fn applies_to(&self, resource: &Resource) -> bool {
        self.applicability.check(resource) != Applies::No
    }

    pub fn evaluate(&self, resource: &Resource, subscription: Option<&Subscription>) -> Finding {
        let applies = self.applicability.check(resource);
        let Outcome { status, evidence } = self.outcome_applying(resource, subscription, applies);
        Finding {
            control_id: self.id,
            resource_id: ResourceId::new(&resource.id),
            status,
            severity: self.severity,
            evidence,
        }
    }

    /// What the evaluator decides, with the applicability already decided.
    pub(super) fn outcome_applying(
        &self,
        resource: &Resource,
        subscription: Option<&Subscription>,
        applies: Applies,
    ) -> Outcome {
        match applies {
            Applies::Yes => (self.evaluator)(resource, subscription),
            Applies::KindUnknown => Outcome {
                status: Status::Unknown,
                evidence: smallvec::smallvec![Evidence::new(
                    "kind",
                    format!(
                        "<absent> (needed to tell whether the control applies: {})",
                        self.applicability.describe()
                    ),
                )],
            },
            Applies::No => Outcome {
                status: Status::NotApplicable,
                evidence: smallvec::smallvec![Evidence::new(
                    "kind",
                    format!(
                        "{} (control covers {})",
                        resource.kind.as_deref().unwrap_or("<absent>"),
                        self.applicability.describe()
                    ),
                )],
            },
        }
    }
}

/// A catalog control the engine does not evaluate (no Azure API exposes what it needs); the UI offers it as
/// an attestation a person confirms.
#[derive(Debug, Clone)]
pub struct Omitted {
    pub id: &'static str,
    pub title: String,
    pub severity: Severity,
    pub reason: &'static str,
}

#[derive(Deserialize)]
struct CatalogFile {
    controls: Vec<CatalogEntry>,
}

#[derive(Deserialize)]
struct CatalogEntry {
    id: String,
    title: String,
    sev: String,
    check: String,
    anchors: String,
    method: String,
    url: String,
    body: String,
    rev: String,
    breaks: String,
}

/// What `controls.rs` declares for each implemented control.
pub(super) struct Definition {
    pub id: &'static str,
    pub area: Area,
    pub why: &'static str,
    pub applicability: Applicability,
    pub check_summary: &'static str,
    pub changes: &'static str,
    pub one_way: bool,
    pub manual_part: Option<&'static str>,
    pub evaluator: Evaluator,
}

fn catalog() -> &'static CatalogFile {
    static CATALOG: OnceLock<CatalogFile> = OnceLock::new();
    CATALOG.get_or_init(|| {
        serde_json::from_str(include_str!("controls.json"))
            .expect("the embedded controls.json is valid (checked by a unit test)")
    })
}

fn entry(id: &str) -> &'static CatalogEntry {
    catalog()
        .controls
        .iter()
        .find(|entry| entry.id == id)
        .unwrap_or_else(|| panic!("control {id} is not in controls.json (checked by a unit test)"))
}

/// Every implemented control, in catalog order, joined with its catalog entry.
pub fn controls() -> &'static [Control] {
    static CONTROLS: OnceLock<Vec<Control>> = OnceLock::new();
    CONTROLS.get_or_init(|| {
        let mut definitions = super::controls::definitions();
        let order = |id: &str| catalog().controls.iter().position(|e| e.id == id);
        definitions.sort_by_key(|d| order(d.id));
        definitions
            .into_iter()
            .zip(0..)
            .map(|(definition, position)| {
                let entry = entry(definition.id);
                Control {
                    id: definition.id,
                    position,
                    title: entry.title.clone(),
                    area: definition.area,
                    severity: parse_severity(&entry.sev),
                    why: definition.why,
                    applicability: definition.applicability,
                    fix: Fix {
                        method: entry.method.clone(),
                        url_template: entry.url.clone(),
                        body: entry.body.clone(),
                        reversible: entry.rev.clone(),
                        breaks: entry.breaks.clone(),
                        one_way: definition.one_way,
                        changes: definition.changes,
                    },
                    mcsb: parse_mcsb(&entry.anchors),
                    check_summary: definition.check_summary,
                    manual_part: definition.manual_part,
                    catalog_check: entry.check.clone(),
                    evaluator: definition.evaluator,
                }
            })
            .collect()
    })
}

/// The controls that may apply to resources of `family`, in catalog order: the others answer `No` for every
/// such resource, so evaluation skips them without asking.
pub(super) fn candidates(family: ResourceFamily) -> &'static [&'static Control] {
    static BY_FAMILY: OnceLock<[Vec<&'static Control>; 3]> = OnceLock::new();
    let [cognitive, machine_learning, search] = BY_FAMILY.get_or_init(|| {
        let of = |family| {
            controls()
                .iter()
                .filter(|control| control.applicability.may_apply_to(family))
                .collect()
        };
        [
            of(ResourceFamily::CognitiveServices),
            of(ResourceFamily::MachineLearning),
            of(ResourceFamily::Search),
        ]
    });
    match family {
        ResourceFamily::CognitiveServices => cognitive,
        ResourceFamily::MachineLearning => machine_learning,
        ResourceFamily::Search => search,
    }
}

pub fn control(id: &str) -> Option<&'static Control> {
    controls().iter().find(|control| control.id == id)
}

/// Catalog controls the engine leaves out, with the reason (see the list at the top of `controls.rs`).
pub fn omitted_controls() -> &'static [Omitted] {
    static OMITTED: OnceLock<Vec<Omitted>> = OnceLock::new();
    OMITTED.get_or_init(|| {
        super::controls::OMITTED
            .iter()
            .map(|&(id, reason)| {
                let entry = entry(id);
                Omitted {
                    id,
                    title: entry.title.clone(),
                    severity: parse_severity(&entry.sev),
                    reason,
                }
            })
            .collect()
    })
}

/// `true` for catalog controls that can only be attested by a person (the engine does not evaluate them).
pub fn is_attestation(id: &str) -> bool {
    super::controls::OMITTED
        .iter()
        .any(|(omitted, _)| omitted.eq_ignore_ascii_case(id))
}

fn parse_severity(text: &str) -> Severity {
    match text.to_ascii_lowercase().as_str() {
        "high" => Severity::High,
        "medium" => Severity::Medium,
        _ => Severity::Low,
    }
}

/// MCSB control ids named in the anchors text: `MCSB NS-2`, `MCSBv2 IM-3` → `NS-2`, `IM-3` (deduplicated, in
/// order of appearance).
pub(super) fn parse_mcsb(anchors: &str) -> Vec<String> {
    let tokens: Vec<&str> = anchors
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | ',' | '(' | ')' | '/'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut ids: Vec<String> = Vec::new();
    for pair in tokens.windows(2) {
        let (marker, id) = (pair[0], pair[1].trim_end_matches(['.', ':']));
        if marker.starts_with("MCSB") && is_mcsb_id(id) && !ids.iter().any(|known| known == id) {
            ids.push(id.to_string());
        }
    }
    ids
}

fn is_mcsb_id(text: &str) -> bool {
    let Some((family, number)) = text.split_once('-') else {
        return false;
    };
    family.len() == 2
        && family.chars().all(|c| c.is_ascii_uppercase())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implemented_control_is_in_the_catalog_once() {
        let all = controls();
        assert!(!all.is_empty());
        for control in all {
            assert_eq!(
                all.iter().filter(|c| c.id == control.id).count(),
                1,
                "{} twice",
                control.id
            );
            assert!(!control.title.is_empty());
            assert!(!control.why.is_empty());
            assert!(!control.check_summary.is_empty());
            assert!(!control.fix.changes.is_empty());
        }
    }

    #[test]
    fn a_controls_position_is_where_it_stands_in_the_list() {
        for (at, control) in controls().iter().enumerate() {
            assert_eq!(usize::from(control.position), at, "{}", control.id);
        }
    }

    #[test]
    fn catalog_is_covered_by_implemented_or_omitted_controls() {
        for entry in &catalog().controls {
            let implemented = control(&entry.id).is_some();
            let omitted = is_attestation(&entry.id);
            assert!(
                implemented != omitted,
                "{} must be either implemented or listed as omitted",
                entry.id
            );
        }
        assert_eq!(controls().len() + omitted_controls().len(), catalog().controls.len());
    }

    #[test]
    fn every_control_is_a_candidate_of_some_family() {
        // Which candidates a resource gets is covered by the contract tests (`evaluate` yields exactly the
        // controls whose applicability is not `No`); here: no control is unreachable.
        for control in controls() {
            assert!(
                ResourceFamily::ALL
                    .iter()
                    .any(|family| candidates(*family).iter().any(|c| c.id == control.id)),
                "{} applies to no family",
                control.id
            );
        }
    }

    #[test]
    fn severities_match_the_catalog_text() {
        for control in controls() {
            let sev = entry(control.id).sev.to_ascii_lowercase();
            assert_eq!(control.severity.label(), sev, "{}", control.id);
        }
    }

    #[test]
    fn mcsb_ids_are_parsed_from_anchors() {
        assert_eq!(
            parse_mcsb("Defender rec (Medium); MCSB NS-2. Prowler: none."),
            vec!["NS-2"]
        );
        assert_eq!(
            parse_mcsb("x (AuditIfNotExists; MCSBv2 LT-3); y; MCSB LT-4. z MCSB LT-4"),
            vec!["LT-3", "LT-4"]
        );
        assert!(parse_mcsb("AZR-000283; MCSBv2)").is_empty());
        assert_eq!(control("AI-NET-01").unwrap().mcsb, vec!["NS-2"]);
        assert_eq!(control("AI-IAM-11").unwrap().mcsb, vec!["PA-7"]);
    }

    #[test]
    fn one_way_fixes_agree_with_the_catalog_reversibility_text() {
        for control in controls() {
            let rev = control.fix.reversible.trim().to_ascii_lowercase();
            let says_one_way = rev.starts_with("no")
                || rev.starts_with("recreate")
                || rev.starts_with("n/a")
                || rev.starts_with("report-only")
                || rev.contains("recreate");
            assert_eq!(
                control.fix.one_way, says_one_way,
                "{}: reversible = {:?}",
                control.id, control.fix.reversible
            );
        }
    }
}

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use arcstr::ArcStr;

use super::{Doc, DocInterner};

/// The three Azure resource types aisec audits. Everything else returned by Azure is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceFamily {
    /// `Microsoft.CognitiveServices/accounts`: Azure OpenAI, AI Services / Foundry and every other kind.
    CognitiveServices,
    /// `Microsoft.MachineLearningServices/workspaces`: Default, Hub, Project, FeatureStore.
    MachineLearning,
    /// `Microsoft.Search/searchServices`.
    Search,
}

impl ResourceFamily {
    pub const ALL: [ResourceFamily; 3] = [Self::CognitiveServices, Self::MachineLearning, Self::Search];

    /// Azure spells resource types in any case (Resource Graph lower-cases them), so match case-insensitively.
    pub fn from_arm_type(resource_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|family| family.arm_type().eq_ignore_ascii_case(resource_type))
    }

    pub fn arm_type(self) -> &'static str {
        match self {
            Self::CognitiveServices => "Microsoft.CognitiveServices/accounts",
            Self::MachineLearning => "Microsoft.MachineLearningServices/workspaces",
            Self::Search => "Microsoft.Search/searchServices",
        }
    }

    /// Short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::CognitiveServices => "AI services",
            Self::MachineLearning => "ML workspace",
            Self::Search => "AI Search",
        }
    }
}

/// Data that needs a separate request per resource. `Missing` and `Denied` make a check `unknown`, never `pass`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum Fetched<T> {
    /// Not collected (yet): the source has not run or failed before reaching this resource.
    #[default]
    Missing,
    /// Azure refused the read (typically 403): the reason is kept for the evidence.
    Denied(String),
    Value(T),
}

impl<T> Fetched<T> {
    pub fn value(&self) -> Option<&T> {
        match self {
            Fetched::Value(value) => Some(value),
            _ => None,
        }
    }
}

/// Child and related data the checks need beyond the resource body itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceDetails {
    /// `GET {id}/providers/Microsoft.Insights/diagnosticSettings` → `value[]`.
    pub diagnostic_settings: Fetched<Vec<Doc>>,
    /// `GET {id}/privateEndpointConnections` → `value[]` (when not embedded in the body).
    pub private_endpoint_connections: Fetched<Vec<Doc>>,
    /// Cognitive Services only: `GET {id}/deployments` → `value[]`.
    pub deployments: Fetched<Vec<Doc>>,
    /// Cognitive Services only: `GET {id}/raiPolicies` → `value[]`.
    pub rai_policies: Fetched<Vec<Doc>>,
    /// Cognitive Services only: `GET {id}/defenderForAISettings/Default` body.
    pub defender_for_ai: Fetched<Doc>,
    /// `GET {id}/providers/Microsoft.Authorization/roleAssignments?$filter=atScope()` → `value[]`.
    pub role_assignments: Fetched<Vec<Doc>>,
    /// Cognitive Services kind AIServices only: `GET {id}/managedNetworks/default` body; `Value(None)` when Azure
    /// answers 404 (no managed network configured). ML workspaces carry theirs in `properties.managedNetwork`.
    #[serde(default)]
    pub managed_network: Fetched<Option<Doc>>,
    /// ML workspaces only: `GET {id}/computes` → `value[]`.
    #[serde(default)]
    pub computes: Fetched<Vec<Doc>>,
    /// ML workspaces and Cognitive Services kind AIServices: `GET {id}/connections` → `value[]`.
    #[serde(default)]
    pub connections: Fetched<Vec<Doc>>,
    /// ML workspaces only: `GET {id}/onlineEndpoints` → `value[]`.
    #[serde(default)]
    pub online_endpoints: Fetched<Vec<Doc>>,
    /// ML workspaces only: `GET {id}/serverlessEndpoints` → `value[]`.
    #[serde(default)]
    pub serverless_endpoints: Fetched<Vec<Doc>>,
    /// Bodies of the Key Vaults the resource references (`GET {vaultId}` for CMK vault and ML workspace vault).
    #[serde(default)]
    pub key_vaults: Fetched<Vec<Doc>>,
    /// `GET {id}/providers/Microsoft.Authorization/locks` → `value[]` (locks at the resource and inherited ones).
    #[serde(default)]
    pub locks: Fetched<Vec<Doc>>,
    /// Metric alert rules (`Microsoft.Insights/metricAlerts`) of the subscription whose scopes cover the resource.
    #[serde(default)]
    pub metric_alerts: Fetched<Vec<Doc>>,
    /// ML workspaces only: `GET {properties.applicationInsights}` body; `Value(None)` when Azure answers 404.
    #[serde(default)]
    pub application_insights: Fetched<Option<Doc>>,
    /// Cognitive Services kind AIServices only: `GET {id}/capabilityHosts` → `value[]` (agent hosting).
    #[serde(default)]
    pub capability_hosts: Fetched<Vec<Doc>>,
}

impl ResourceDetails {
    /// Every document held (lists item by item), for measuring what the child data costs.
    pub fn documents(&self) -> impl Iterator<Item = &Doc> {
        let lists = [
            &self.diagnostic_settings,
            &self.private_endpoint_connections,
            &self.deployments,
            &self.rai_policies,
            &self.role_assignments,
            &self.computes,
            &self.connections,
            &self.online_endpoints,
            &self.serverless_endpoints,
            &self.key_vaults,
            &self.locks,
            &self.metric_alerts,
            &self.capability_hosts,
        ];
        let single = [
            self.defender_for_ai.value(),
            self.managed_network.value().and_then(Option::as_ref),
            self.application_insights.value().and_then(Option::as_ref),
        ];
        lists
            .into_iter()
            .filter_map(Fetched::value)
            .flatten()
            .chain(single.into_iter().flatten())
    }

    /// The same data, sharing every document equal to one interned before (see [`DocInterner`]).
    pub fn interned(self, interner: &mut DocInterner) -> Self {
        let mut list = |fetched: Fetched<Vec<Doc>>| match fetched {
            Fetched::Value(items) => Fetched::Value(items.into_iter().map(|item| interner.intern(item)).collect()),
            other => other,
        };
        let diagnostic_settings = list(self.diagnostic_settings);
        let private_endpoint_connections = list(self.private_endpoint_connections);
        let deployments = list(self.deployments);
        let rai_policies = list(self.rai_policies);
        let role_assignments = list(self.role_assignments);
        let computes = list(self.computes);
        let connections = list(self.connections);
        let online_endpoints = list(self.online_endpoints);
        let serverless_endpoints = list(self.serverless_endpoints);
        let key_vaults = list(self.key_vaults);
        let locks = list(self.locks);
        let metric_alerts = list(self.metric_alerts);
        let capability_hosts = list(self.capability_hosts);
        let defender_for_ai = match self.defender_for_ai {
            Fetched::Value(doc) => Fetched::Value(interner.intern(doc)),
            other => other,
        };
        let mut maybe = |fetched: Fetched<Option<Doc>>| match fetched {
            Fetched::Value(doc) => Fetched::Value(doc.map(|d| interner.intern(d))),
            other => other,
        };
        Self {
            diagnostic_settings,
            private_endpoint_connections,
            deployments,
            rai_policies,
            defender_for_ai,
            role_assignments,
            managed_network: maybe(self.managed_network),
            computes,
            connections,
            online_endpoints,
            serverless_endpoints,
            key_vaults,
            locks,
            metric_alerts,
            application_insights: maybe(self.application_insights),
            capability_hosts,
        }
    }
}

/// A resource's [`ResourceDetails`], shared: copying a resource (each refresh builds a new inventory from the
/// last one) copies a pointer, and the thousands of resources whose child data has not been read yet share one
/// empty value. Reads deref to the details; a write through `DerefMut` gives this resource its own copy first.
#[derive(Debug, Clone, PartialEq)]
pub struct SharedDetails(Arc<ResourceDetails>);

impl Default for SharedDetails {
    /// Nothing read yet: one value for every such resource.
    fn default() -> Self {
        static NOTHING_READ: std::sync::OnceLock<Arc<ResourceDetails>> = std::sync::OnceLock::new();
        Self(NOTHING_READ.get_or_init(Arc::default).clone())
    }
}

impl Serialize for SharedDetails {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SharedDetails {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ResourceDetails::deserialize(deserializer).map(Self::new)
    }
}

impl SharedDetails {
    pub fn new(details: ResourceDetails) -> Self {
        Self(Arc::new(details))
    }
}

impl std::ops::Deref for SharedDetails {
    type Target = ResourceDetails;
    fn deref(&self) -> &ResourceDetails {
        &self.0
    }
}

impl std::ops::DerefMut for SharedDetails {
    fn deref_mut(&mut self) -> &mut ResourceDetails {
        Arc::make_mut(&mut self.0)
    }
}

impl From<ResourceDetails> for SharedDetails {
    fn from(details: ResourceDetails) -> Self {
        Self::new(details)
    }
}

impl Resource {
    /// The same resource, its body and tags sharing every document equal to one interned before, and its
    /// text every text.
    pub fn interned(mut self, interner: &mut DocInterner) -> Self {
        let mut text = |text: ArcStr| interner.text(text);
        self.id = text(self.id);
        self.name = text(self.name);
        self.kind = self.kind.map(&mut text);
        self.location = text(self.location);
        self.resource_group = text(self.resource_group);
        self.subscription_id = text(self.subscription_id);
        self.sku = self.sku.map(&mut text);
        self.properties = interner.intern(std::mem::take(&mut self.properties));
        self.identity = self.identity.map(|identity| interner.intern(identity));
        self.tags = interner.intern(std::mem::take(&mut self.tags));
        self
    }

    /// Tag value by key, ignoring the key's case (Azure tag names are case-insensitive; surrounding spaces
    /// in a key are ignored too). `None` for an absent tag or one whose value is not a string.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .as_object()?
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str())
    }
}

/// One AI resource as Azure describes it. The body is kept whole: checks read property paths from it.
///
/// Its text fields are shared strings: copying a resource (every refresh builds new inventories from the last
/// one) copies pointers, and the collector's interner gives equal texts one copy (a subscription's id and a
/// region for all of its resources, an id for every inventory that lists the resource).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: ArcStr,
    pub name: ArcStr,
    pub family: ResourceFamily,
    /// `kind` as Azure returned it (`OpenAI`, `AIServices`, `Hub`, …); Search services have none.
    pub kind: Option<ArcStr>,
    pub location: ArcStr,
    pub resource_group: ArcStr,
    pub subscription_id: ArcStr,
    pub sku: Option<ArcStr>,
    /// The `tags` object as Azure returned it (an empty object when absent); read with [`Resource::tag`].
    pub tags: Doc,
    /// `identity` object, `None` when Azure omitted it.
    pub identity: Option<Doc>,
    /// `properties` object (an empty object when absent).
    pub properties: Doc,
    pub details: SharedDetails,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ResourceParseError {
    #[error("resource row has no string field `{0}`")]
    MissingField(&'static str),
    #[error("resource type `{0}` is not an AI resource type")]
    NotAnAiType(String),
    #[error("resource id `{0}` is not a subscription-scoped ARM id")]
    MalformedId(String),
}

impl Resource {
    /// Builds a resource from an ARM body or a Resource Graph row (`objectArray` format, whole `properties`).
    /// Rows of other types are refused: Resource Graph output is not trusted blindly.
    pub fn from_arm(row: &Value) -> Result<Self, ResourceParseError> {
        Self::from_doc(&Doc::from(row))
    }

    /// [`Resource::from_arm`] for a row already read as a [`Doc`] (what the client parses pages into): the
    /// `properties` and `identity` documents are shared with the row, not copied.
    pub fn from_doc(row: &Doc) -> Result<Self, ResourceParseError> {
        let text = |field: &'static str| row.get(field).and_then(Doc::as_str);
        let id = text("id").ok_or(ResourceParseError::MissingField("id"))?;
        let resource_type = text("type").ok_or(ResourceParseError::MissingField("type"))?;
        let family = ResourceFamily::from_arm_type(resource_type)
            .ok_or_else(|| ResourceParseError::NotAnAiType(resource_type.to_string()))?;
        let (subscription_id, resource_group) =
            parse_scope(id).ok_or_else(|| ResourceParseError::MalformedId(id.to_string()))?;
        let name = text("name")
            .or_else(|| id.rsplit('/').next())
            .map(ArcStr::from)
            .unwrap_or_default();
        let tags = row
            .get("tags")
            .filter(|tags| tags.is_object())
            .cloned()
            .unwrap_or_else(Doc::empty_object);
        let sku = match row.get("sku") {
            Some(Doc::String(name)) => Some(ArcStr::from(name.as_str())),
            Some(sku) => sku.get("name").and_then(Doc::as_str).map(ArcStr::from),
            None => None,
        };
        Ok(Self {
            id: ArcStr::from(id),
            name,
            family,
            kind: text("kind").filter(|k| !k.is_empty()).map(ArcStr::from),
            location: ArcStr::from(text("location").unwrap_or_default()),
            resource_group: ArcStr::from(resource_group),
            subscription_id: ArcStr::from(subscription_id),
            sku,
            tags,
            identity: row.get("identity").filter(|v| !v.is_null()).cloned(),
            properties: row
                .get("properties")
                .filter(|v| v.is_object())
                .cloned()
                .unwrap_or_else(Doc::empty_object),
            details: SharedDetails::default(),
        })
    }

    /// Reads a dotted property path (`properties.networkAcls.defaultAction`, `identity.type`, `sku.name`).
    pub fn path(&self, dotted: &str) -> Option<&Doc> {
        let mut parts = dotted.split('.');
        let mut current = match parts.next()? {
            "properties" => &self.properties,
            "identity" => self.identity.as_ref()?,
            _ => return None,
        };
        for part in parts {
            current = current.get(part)?;
        }
        Some(current)
    }
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/…` → (sub, rg). ARM ids are case-insensitive in their keywords.
fn parse_scope(id: &str) -> Option<(&str, &str)> {
    let mut segments = id.trim_start_matches('/').split('/');
    let subscriptions = segments.next()?;
    let subscription = segments.next()?;
    let groups = segments.next()?;
    let group = segments.next()?;
    (subscriptions.eq_ignore_ascii_case("subscriptions")
        && groups.eq_ignore_ascii_case("resourceGroups")
        && !subscription.is_empty()
        && !group.is_empty())
    .then_some((subscription, group))
}

/// A subscription visible to the credential, with subscription-scoped data the checks need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub display_name: String,
    /// `GET /subscriptions/{sub}/providers/Microsoft.Security/pricings/AI` body.
    pub defender_ai_pricing: Fetched<Doc>,
    /// `GET /subscriptions/{sub}/providers/Microsoft.Authorization/policyAssignments?$filter=atScope()` → `value[]`
    /// (assignments at the subscription and inherited from management groups), plus those at the resource groups
    /// holding AI resources.
    #[serde(default)]
    pub policy_assignments: Fetched<Vec<Doc>>,
    /// `Microsoft.Consumption/budgets` at the subscription scope and at the resource groups holding AI resources.
    #[serde(default)]
    pub budgets: Fetched<Vec<Doc>>,
}

impl Subscription {
    /// A subscription whose subscription-scoped data has not been read yet.
    pub fn new(id: impl Into<String>, display_name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            display_name: display_name.into(),
            defender_ai_pricing: Fetched::Missing,
            policy_assignments: Fetched::Missing,
            budgets: Fetched::Missing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_graph_row_and_keeps_properties() {
        let row = json!({
            "id": "/subscriptions/s1/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/a1",
            "name": "a1", "type": "microsoft.cognitiveservices/accounts", "kind": "OpenAI",
            "location": "swedencentral", "sku": {"name": "S0"}, "tags": {"env": "prod"},
            "identity": {"type": "SystemAssigned"},
            "properties": {"publicNetworkAccess": "Enabled"}
        });
        let resource = Resource::from_arm(&row).unwrap();
        assert_eq!(resource.family, ResourceFamily::CognitiveServices);
        assert_eq!(resource.subscription_id, "s1");
        assert_eq!(resource.resource_group, "rg-ai");
        assert_eq!(resource.sku.as_deref(), Some("S0"));
        assert_eq!(resource.tag("ENV"), Some("prod"));
        assert_eq!(
            resource.path("properties.publicNetworkAccess").map(Doc::to_value),
            Some(json!("Enabled"))
        );
        assert_eq!(
            resource.path("identity.type").map(Doc::to_value),
            Some(json!("SystemAssigned"))
        );
        assert_eq!(resource.path("properties.nope"), None);
    }

    #[test]
    fn refuses_rows_that_are_not_ai_resources_or_lack_an_id() {
        let vm = json!({"id": "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v",
                        "type": "microsoft.compute/virtualmachines"});
        assert!(matches!(
            Resource::from_arm(&vm),
            Err(ResourceParseError::NotAnAiType(_))
        ));
        assert_eq!(
            Resource::from_arm(&json!({"type": "x"})),
            Err(ResourceParseError::MissingField("id"))
        );
        let bad_id = json!({"id": "/providers/x", "type": "Microsoft.Search/searchServices"});
        assert!(matches!(
            Resource::from_arm(&bad_id),
            Err(ResourceParseError::MalformedId(_))
        ));
    }
}

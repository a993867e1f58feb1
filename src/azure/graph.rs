//! Inventory through Azure Resource Graph: one KQL query for every AI type across the visible subscriptions.

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use serde_json::{Value, json};

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::{Doc, DocInterner, Resource, Subscription};

const API_VERSION: &str = "2024-04-01";
const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
/// More pages than this cannot be a real tenant (1,000 rows each): stop rather than run forever.
const MAX_PAGES: usize = 2_000;

/// Projects whole bodies so the checks see every property; `order by id` keeps paging stable.
pub const AI_INVENTORY_QUERY: &str = "resources \
| where type in~ ('microsoft.cognitiveservices/accounts', 'microsoft.machinelearningservices/workspaces', 'microsoft.search/searchservices') \
| project id, name, type, kind, location, resourceGroup, subscriptionId, tenantId, sku, tags, identity, properties \
| order by id asc";

pub const WORKSPACES_QUERY: &str = "resources \
| where type =~ 'microsoft.operationalinsights/workspaces' \
| project id, name, type, location, subscriptionId, customerId = tostring(properties.customerId) \
| order by id asc";

/// Outcome of the inventory: rows Azure returned that were not AI resources are counted, not trusted.
#[derive(Debug, Default)]
pub struct Inventory {
    pub resources: Vec<Resource>,
    pub ignored_rows: usize,
    pub pages: usize,
}

impl Inventory {
    /// Keeps the rows that are AI resources not seen before (`ids`: lower-cased ids of those kept), interned;
    /// counts the others.
    fn add_rows(&mut self, rows: Vec<Doc>, ids: &mut HashSet<String>, interner: &mut DocInterner) {
        for row in rows {
            // The row holds the resource's documents too: dropped first, it leaves them to be interned in place.
            let parsed = Resource::from_doc(&row);
            drop(row);
            match parsed {
                Ok(resource) if ids.insert(resource.id.to_ascii_lowercase()) => {
                    self.resources.push(resource.interned(interner))
                }
                Ok(_) => self.ignored_rows += 1,
                Err(reason) => {
                    tracing::debug!(%reason, "ignored an inventory row");
                    self.ignored_rows += 1;
                }
            }
        }
    }
}

pub async fn subscriptions(client: &AzureClient) -> Result<Vec<Subscription>, AzureError> {
    let url = client
        .endpoints()
        .arm_url("/subscriptions", &[("api-version", SUBSCRIPTIONS_API_VERSION)]);
    let rows: Vec<Doc> = client
        .get_all(RequestKind::Subscriptions, Scope::ResourceManager, url)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let id = row.get("subscriptionId").and_then(Doc::as_str)?.to_string();
            let display_name = row.get("displayName").and_then(Doc::as_str).unwrap_or(&id).to_string();
            Some(Subscription::new(id, display_name))
        })
        .collect())
}

/// Runs `query` with `$skipToken` paging and returns every row. A token seen twice is a paging loop.
pub async fn query_all(
    client: &AzureClient,
    query: &str,
    subscriptions: &[String],
) -> Result<(Vec<Doc>, usize), AzureError> {
    query_all_paged(client, query, subscriptions, 1000).await
}

/// `query_all` with a chosen page size (`$top`, 1..=1000).
pub async fn query_all_paged(
    client: &AzureClient,
    query: &str,
    subscriptions: &[String],
    top: u32,
) -> Result<(Vec<Doc>, usize), AzureError> {
    let mut rows = Vec::new();
    let pages = query_each_page(client, query, subscriptions, top, |page| rows.extend(page)).await?;
    Ok((rows, pages))
}

/// One Resource Graph answer (`objectArray` format); a page without `data` holds no rows.
#[derive(serde::Deserialize)]
struct GraphPage {
    #[serde(default)]
    data: Vec<Doc>,
    #[serde(rename = "$skipToken", default)]
    skip_token: Option<String>,
}

/// Runs `query` with `$skipToken` paging, handing each page's rows to `on_page` as it arrives (so a caller can
/// turn them into something smaller before the next page comes); returns the number of pages.
pub async fn query_each_page(
    client: &AzureClient,
    query: &str,
    subscriptions: &[String],
    top: u32,
    mut on_page: impl FnMut(Vec<Doc>),
) -> Result<usize, AzureError> {
    let url = client.endpoints().arm_url(
        "/providers/Microsoft.ResourceGraph/resources",
        &[("api-version", API_VERSION)],
    );
    let mut seen_tokens = HashSet::new();
    let mut skip_token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut options = json!({"$top": top.clamp(1, 1000), "resultFormat": "objectArray"});
        if let Some(token) = &skip_token {
            options["$skipToken"] = Value::String(token.clone());
        }
        let mut body = json!({"query": query, "options": options});
        if !subscriptions.is_empty() {
            body["subscriptions"] = json!(subscriptions);
        }
        let page: GraphPage = client
            .query(RequestKind::ResourceGraph, Scope::ResourceManager, url.clone(), &body)
            .await?;
        pages += 1;
        on_page(page.data);
        match page.skip_token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) if pages < MAX_PAGES => {
                if !seen_tokens.insert(token.to_string()) {
                    return Err(AzureError::PagingLoop {
                        what: "Resource Graph".into(),
                        pages,
                    });
                }
                skip_token = Some(token.to_string());
            }
            Some(_) => {
                return Err(AzureError::PagingLoop {
                    what: "Resource Graph".into(),
                    pages,
                });
            }
            None => return Ok(pages),
        }
    }
}

/// The AI inventory; rows become resources page by page, so a 10,000-resource tenant is never held twice.
///
/// Each page's resources are interned into `interner` as the page arrives, so a tenant's inventory is never
/// held as unshared copies (a refresh reads it while the previous one is still on screen).
pub async fn ai_inventory(
    client: &AzureClient,
    subscriptions: &[String],
    interner: &Mutex<DocInterner>,
) -> Result<Inventory, AzureError> {
    let mut inventory = Inventory::default();
    let mut ids = HashSet::new();
    inventory.pages = query_each_page(client, AI_INVENTORY_QUERY, subscriptions, 1000, |rows| {
        let mut interner = interner.lock().unwrap_or_else(PoisonError::into_inner);
        inventory.add_rows(rows, &mut ids, &mut interner);
    })
    .await?;
    Ok(inventory)
}

/// Log Analytics workspaces: ARM id → `customerId` (the GUID the query API wants).
pub async fn workspaces(client: &AzureClient, subscriptions: &[String]) -> Result<Vec<(String, String)>, AzureError> {
    let (rows, _) = query_all(client, WORKSPACES_QUERY, subscriptions).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let id = row.get("id")?.as_str()?;
            let customer = row.get("customerId")?.as_str()?;
            Some((id.to_string(), customer.to_string()))
        })
        .collect())
}

/// Provider list endpoints used when Resource Graph is refused (not registered, blocked by policy, 403).
const ARM_LISTS: [(&str, &str); 3] = [
    ("Microsoft.CognitiveServices/accounts", "2025-12-01"),
    ("Microsoft.MachineLearningServices/workspaces", "2025-12-01"),
    ("Microsoft.Search/searchServices", "2025-05-01"),
];

/// Same inventory through ARM list calls, one per subscription and resource type (interned the same way).
pub async fn arm_inventory(
    client: &AzureClient,
    subscriptions: &[String],
    interner: &Mutex<DocInterner>,
) -> Result<Inventory, AzureError> {
    let mut inventory = Inventory::default();
    let mut ids = HashSet::new();
    for subscription in subscriptions {
        for (resource_type, api_version) in ARM_LISTS {
            let path = format!("/subscriptions/{subscription}/providers/{resource_type}");
            let url = client.endpoints().arm_url(&path, &[("api-version", api_version)]);
            let rows: Vec<Doc> = client
                .get_all(RequestKind::ArmList, Scope::ResourceManager, url)
                .await?;
            inventory.pages += 1;
            let mut interner = interner.lock().unwrap_or_else(PoisonError::into_inner);
            inventory.add_rows(rows, &mut ids, &mut interner);
        }
    }
    inventory.resources.sort_by_key(|r| r.id.to_ascii_lowercase());
    Ok(inventory)
}

/// Resources the checks read beside the AI resources themselves, in one query instead of one GET each.
pub const RELATED_QUERY: &str = "resources \
| where type in~ ('microsoft.keyvault/vaults', 'microsoft.insights/metricalerts', 'microsoft.insights/components') \
| project id, name, type, location, subscriptionId, resourceGroup, properties \
| order by id asc";

/// Rows are interned page by page, like the inventory's: a refresh's rows then share the copies the resources'
/// related data already holds instead of being held a second time until the inventory is joined.
pub async fn related_resources(
    client: &AzureClient,
    subscriptions: &[String],
    interner: &Mutex<DocInterner>,
) -> Result<Vec<Doc>, AzureError> {
    let mut rows = Vec::new();
    query_each_page(client, RELATED_QUERY, subscriptions, 1000, |page| {
        let mut interner = interner.lock().unwrap_or_else(PoisonError::into_inner);
        rows.extend(page.into_iter().map(|row| interner.intern(row)));
    })
    .await?;
    Ok(rows)
}

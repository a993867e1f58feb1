//! One evaluator per control. Each returns exactly one outcome with evidence; missing, denied or malformed
//! data gives `unknown`, never `pass`.
//!
//! # Controls of the catalog that are not evaluated
//!
//! Two of the 45 catalog controls are left out because no API the collector reads can decide them; they are
//! listed in [`OMITTED`] (the UI offers them as attestations a person confirms):
//!
//! - **AI-SAFE-02** (only approved models / publishers / registries deployed): the verdict depends on an
//!   organisation's own allow-list of publishers and registry assets. Nothing in ARM says which models are
//!   approved, and guessing one ("Microsoft and OpenAI only") would pass or fail deployments arbitrarily.
//! - **AI-OPS-01** (throttling, capacity, spillover, model-version hygiene): the core of it is the share of
//!   HTTP 429 answers in the `AzureOpenAIRequests` metric and capacity against an approved quota. Metric series
//!   are not part of a resource (the anomaly module watches 429 spikes), and the quota is an organisational
//!   figure; the remaining deployment fields alone would judge availability hygiene, not the control.
//!
//! # Partial checks
//!
//! Where a catalog control has a part no ARM API exposes, the control names it in `manual_part` and never
//! passes on the automated part alone: AI-KV-02 (key rotation policies and secret expiry are data-plane
//! settings) reports `unknown` once RBAC and network both pass.
//!
//! Other judgement calls, each resolved toward "not pass" where it could matter:
//! - AI-IAM-11 cannot see break-glass or PIM status in a role assignment: broad roles held by users or groups
//!   fail, and the reviewer decides. Only the built-in roles of the catalog appendix are recognised.
//! - AI-SAFE-01: a filter the policy does not list is `unknown` (its base policy decides); referenced
//!   policies missing from the collected list are `unknown`.
//! - AI-NET-11 cannot verify that the injected subnet is delegated (that needs the subnet itself; Azure
//!   refuses agent hosts on undelegated subnets).
//! - AI-GOV-01 counts assignments, not their compliance states: the compliance of the resource is what the
//!   rest of this checklist measures.
//! - AI-GOV-03 checks the tags per resource; the "prod next to dev/test" part needs the inventory and is
//!   applied by `evaluate_all`; no naming convention is defined, so none is checked.
//! - AI-NET-02 / AI-NET-05 are `not_applicable` when public access is closed (the firewall guards nothing
//!   then, and AI-NET-01 / AI-NET-04 already report that state).
//!
//! # Evidence
//!
//! Each resource property read is one evidence line (`properties.publicNetworkAccess` → `Disabled`,
//! `<absent>` when Azure omitted it, the value plus "unexpected type" when malformed). Reads of one child
//! item share a line named after the item: `diagnosticSettings[name=x]` →
//! `properties.workspaceId=/subscriptions/…; …`. Missing or denied child data shows `<not collected>` or
//! `<denied: …>`.
//!
//! # Defaults assumed for absent properties
//!
//! Each evaluator states the Azure default it applies where a property is absent (e.g. an absent
//! `disableLocalAuth` means keys work; an absent `publicNetworkAccess` means Enabled).

use super::catalog::{Applicability, Definition};
use crate::model::{Area, ResourceFamily};

mod data;
mod governance;
mod identity;
mod keyvault;
mod logging;
mod network;
mod operations;
mod safety;
mod shared;
mod threat;

pub(super) use governance::Colocation;

use ResourceFamily::{CognitiveServices, MachineLearning, Search};

/// Catalog controls left out, with the reason (see the module documentation).
pub(super) const OMITTED: &[(&str, &str)] = &[
    (
        "AI-SAFE-02",
        "Needs the organisation's allow-list of model publishers and registries; ARM does not say which models \
         are approved, so a person has to confirm the deployed models against it.",
    ),
    (
        "AI-OPS-01",
        "Needs the 429 share of the request metric over time and an approved capacity quota; neither is part of \
         the resource data the checks read (429 spikes are watched by the anomaly view).",
    ),
];

/// Kinds of Cognitive Services accounts that accept a customer-managed key (AI-DATA-01).
const CMK_KINDS: &[&str] = &[
    "OpenAI",
    "AIServices",
    "CognitiveServices",
    "FormRecognizer",
    "TextAnalytics",
    "SpeechServices",
    "ContentSafety",
    "ComputerVision",
    "Face",
    "TextTranslation",
    "CustomVision.Training",
    "CustomVision.Prediction",
    "AnomalyDetector",
    "ContentModerator",
    "Personalizer",
    "LUIS",
    "LUIS.Authoring",
    "QnAMaker",
    "MetricsAdvisor",
];

/// Kinds that fetch or send data on their own (On-Your-Data, analyze-from-URL, batch, agents) (AI-DATA-04).
const OUTBOUND_KINDS: &[&str] = &[
    "OpenAI",
    "AIServices",
    "CognitiveServices",
    "FormRecognizer",
    "SpeechServices",
    "ComputerVision",
    "Face",
    "TextAnalytics",
    "CustomVision.Training",
    "CustomVision.Prediction",
];

const OPENAI_KINDS: &[&str] = &["OpenAI", "AIServices"];

pub(super) fn definitions() -> Vec<Definition> {
    vec![
        // ---------------------------------------------------------------- network
        Definition {
            id: "AI-NET-01",
            area: Area::Network,
            why: "An account reachable from the internet turns every leaked key or token into a working \
                  credential from anywhere.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "The account's public network access is Disabled (absent means Enabled).",
            changes: "Closes the account's public endpoint; only private endpoints keep working.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_01,
        },
        Definition {
            id: "AI-NET-02",
            area: Area::Network,
            why: "With the public endpoint left on, a firewall that allows by default leaves the account open to \
                  every address on the internet.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "When public access is on: the firewall default action is Deny, no IP rule admits \
                            the whole internet (nothing broader than a /8), virtual-network rules name subnets, \
                            and the trusted-service bypass is None or AzureServices. Not applicable when public \
                            access is Disabled.",
            changes: "Sets the account firewall to deny by default and allow only the listed addresses and subnets.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_02,
        },
        Definition {
            id: "AI-NET-03",
            area: Area::Network,
            why: "A private endpoint is what lets public access be switched off without an outage; a pending or \
                  rejected connection is a door someone else asked for.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "At least one private endpoint connection is Approved and none is Pending, Rejected \
                            or Disconnected.",
            changes: "Creates a private endpoint (and its private DNS records) or approves a pending connection.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_03,
        },
        Definition {
            id: "AI-NET-04",
            area: Area::Network,
            why: "A search service open to the internet lets anyone holding a query or admin key read the indexed \
                  documents that feed your assistants.",
            applicability: Applicability::Family(Search),
            check_summary: "The search service's public network access is disabled or secured by a network \
                            security perimeter (absent means enabled; Search answers in lower case).",
            changes: "Closes the search service's public endpoint.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_04,
        },
        Definition {
            id: "AI-NET-05",
            area: Area::Network,
            why: "When a search service must stay public, an IP allow-list at least limits it to networks you know.",
            applicability: Applicability::Family(Search),
            check_summary: "When public access is on: the IP firewall lists at least one rule, none broader than \
                            a /8, and the bypass is None, AzureServices or AzurePortal. Not applicable when \
                            public access is disabled.",
            changes: "Restricts the public endpoint of the search service to the listed IP ranges.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_05,
        },
        Definition {
            id: "AI-NET-06",
            area: Area::Network,
            why: "Private Link is the only way to keep using a search service once its public endpoint is closed.",
            applicability: Applicability::ExceptSkus(Search, &["free"]),
            check_summary: "At least one private endpoint connection is Approved (free tier excluded: it cannot \
                            have one).",
            changes: "Creates a private endpoint for the search service, or approves a pending connection.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_06,
        },
        Definition {
            id: "AI-NET-07",
            area: Area::Network,
            why: "A public workspace exposes its studio, APIs, notebooks and stored artefacts to the internet.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "The workspace's public network access is Disabled (absent means Enabled) and \
                            allowPublicAccessWhenBehindVnet is not true.",
            changes: "Closes the workspace's public endpoint; the studio then works only through private endpoints.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_07,
        },
        Definition {
            id: "AI-NET-08",
            area: Area::Network,
            why: "Without a private endpoint, closing the workspace's public access cuts everyone off.",
            applicability: Applicability::Kinds(MachineLearning, &["Default", "Hub"]),
            check_summary: "At least one private endpoint connection of the workspace is Approved.",
            changes: "Creates a private endpoint for the workspace with its private DNS zones.",
            one_way: false,
            manual_part: None,
            evaluator: network::net_08,
        },
        Definition {
            id: "AI-NET-09",
            area: Area::Network,
            why: "Compute, prompt flows and agents that may reach any host can carry data anywhere; an \
                  approved-outbound managed network limits them to destinations you listed.",
            applicability: Applicability::AnyOf(&[
                Applicability::Kinds(MachineLearning, &["Default", "Hub"]),
                Applicability::Kinds(CognitiveServices, &["AIServices"]),
            ]),
            check_summary: "The managed network isolation mode is AllowOnlyApprovedOutbound (ML: and the managed \
                            network is Active; Foundry accounts: read from managedNetworks/default, where none \
                            configured fails).",
            changes: "Switches the managed network to allow only approved outbound destinations and provisions it.",
            one_way: true,
            manual_part: None,
            evaluator: network::net_09,
        },
        Definition {
            id: "AI-NET-10",
            area: Area::Network,
            why: "Compute nodes with a public IP or an open SSH port can be reached directly and sidestep the \
                  workspace's network controls.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "Serverless compute has no public IP; every compute instance and cluster sits in a \
                            subnet (or the managed network), has no node public IP, and does not open SSH to \
                            the internet.",
            changes: "Sets serverless compute to no public IP; computes are recreated inside the virtual network.",
            one_way: true,
            manual_part: None,
            evaluator: network::net_10,
        },
        Definition {
            id: "AI-NET-11",
            area: Area::Network,
            why: "Agents that run tools from a network you do not control can call out to anything; injecting \
                  them into your own subnet puts their traffic under your rules.",
            applicability: Applicability::Kinds(CognitiveServices, &["AIServices"]),
            check_summary: "The account injects the agent scenario into a subnet (networkInjections entry with \
                            scenario agent and a subnetArmId, or the managed network). Not applicable when the \
                            account hosts no agents (no capability host).",
            changes: "Recreates the account with agent network injection into a delegated subnet.",
            one_way: true,
            manual_part: None,
            evaluator: network::net_11,
        },
        // ---------------------------------------------------------------- identity
        Definition {
            id: "AI-IAM-01",
            area: Area::Identity,
            why: "Shared API keys cannot be tied to a person, are copied into code and chat, and keep working \
                  after the person who copied them leaves; Entra ID tokens expire and are audited.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "disableLocalAuth is true (absent means keys are accepted).",
            changes: "Turns off API-key authentication; callers must use Entra ID tokens.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_01,
        },
        Definition {
            id: "AI-IAM-02",
            area: Area::Identity,
            why: "Entra ID tokens, private endpoints and turning keys off all need the account's own subdomain.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "customSubDomainName is set.",
            changes: "Gives the account a permanent custom subdomain; its endpoint host name changes.",
            one_way: true,
            manual_part: None,
            evaluator: identity::iam_02,
        },
        Definition {
            id: "AI-IAM-03",
            area: Area::Identity,
            why: "An account identity is what lets it reach keys, storage and other services without stored \
                  secrets.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "identity.type grants a system- or user-assigned identity (both spellings of the \
                            combined type are accepted).",
            changes: "Adds a system-assigned managed identity to the account.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_03,
        },
        Definition {
            id: "AI-IAM-04",
            area: Area::Identity,
            why: "A search admin key grants full control over every index and is not tied to anyone; Entra-only \
                  access makes each call attributable.",
            applicability: Applicability::Family(Search),
            check_summary: "disableLocalAuth is true (absent or false means API keys work, including the \
                            transitional aadOrApiKey mode).",
            changes: "Turns off API keys on the search service; callers need Search data-plane roles.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_04,
        },
        Definition {
            id: "AI-IAM-05",
            area: Area::Identity,
            why: "A search identity lets indexers and skills reach data and models without connection strings.",
            applicability: Applicability::Family(Search),
            check_summary: "identity.type is SystemAssigned and/or UserAssigned, not None or absent.",
            changes: "Adds a system-assigned managed identity to the search service.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_05,
        },
        Definition {
            id: "AI-IAM-06",
            area: Area::Identity,
            why: "A user-assigned identity keeps its roles when the workspace is recreated and can be governed \
                  on its own.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "identity.type includes UserAssigned and primaryUserAssignedIdentity is set.",
            changes: "Attaches a user-assigned identity to the workspace and makes it the primary one.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_06,
        },
        Definition {
            id: "AI-IAM-07",
            area: Area::Identity,
            why: "Reaching the default storage with the account key skips RBAC and leaves no per-user trail.",
            applicability: Applicability::Kinds(MachineLearning, &["Default", "Hub", "Project"]),
            check_summary: "systemDatastoresAuthMode is Identity or UserDelegationSAS (absent or AccessKey fails).",
            changes: "Makes the workspace reach its default storage with Entra ID instead of account keys.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_07,
        },
        Definition {
            id: "AI-IAM-08",
            area: Area::Identity,
            why: "Secrets stored in connections are usable by everyone with access to the project; identity-based \
                  connections leave nothing to steal.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(MachineLearning),
                Applicability::Kinds(CognitiveServices, &["AIServices"]),
            ]),
            check_summary: "Every connection authenticates with Entra ID or a managed identity (authType AAD or \
                            ManagedIdentity, or useWorkspaceManagedIdentity); key, SAS, password, token or \
                            service-principal secrets fail. Not applicable without connections.",
            changes: "Rewrites the connection to use Entra ID; the target must grant the identity a data role.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_08,
        },
        Definition {
            id: "AI-IAM-09",
            area: Area::Identity,
            why: "Local accounts and keys on compute bypass Entra ID sign-in and its conditions.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "Every compute instance and cluster has disableLocalAuth true. Not applicable \
                            without such computes.",
            changes: "Recreates the compute with local authentication disabled.",
            one_way: true,
            manual_part: None,
            evaluator: identity::iam_09,
        },
        Definition {
            id: "AI-IAM-10",
            area: Area::Identity,
            why: "A key-authenticated model endpoint accepts anyone holding the key, and a public one accepts \
                  them from anywhere.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "Online endpoints use AADToken (AMLToken tolerated) and have public access Disabled; \
                            no serverless endpoint uses key authentication. Not applicable without endpoints.",
            changes: "Closes endpoint public access; key-auth endpoints are recreated with Entra tokens.",
            one_way: true,
            manual_part: None,
            evaluator: identity::iam_10,
        },
        Definition {
            id: "AI-IAM-11",
            area: Area::Identity,
            why: "Whoever owns the control plane can switch keys and public access back on and read the data; \
                  roles that can list keys are as good as the keys while keys are enabled.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(CognitiveServices),
                Applicability::Family(MachineLearning),
                Applicability::Family(Search),
            ]),
            check_summary: "No user or group holds the built-in Owner, Contributor, User Access \
                            Administrator or RBAC Administrator role at or above the resource, and while API keys \
                            are enabled nobody holds a key-listing role (Cognitive Services Contributor/User/OpenAI \
                            Contributor, Search Service Contributor).",
            changes: "Removes the broad role assignment; a narrower data-plane role replaces it where needed.",
            one_way: false,
            manual_part: None,
            evaluator: identity::iam_11,
        },
        // ---------------------------------------------------------------- data
        Definition {
            id: "AI-DATA-01",
            area: Area::Data,
            why: "A key you hold lets you revoke access to stored data (fine-tunes, files, batches) when policy \
                  requires it; the default platform key does not.",
            applicability: Applicability::Kinds(CognitiveServices, CMK_KINDS),
            check_summary: "encryption.keySource is Microsoft.KeyVault with a vault URI and key name (and an \
                            identityClientId when only a user-assigned identity exists).",
            changes: "Switches the account's encryption to your Key Vault key.",
            one_way: false,
            manual_part: None,
            evaluator: data::data_01,
        },
        Definition {
            id: "AI-DATA-02",
            area: Area::Data,
            why: "Where regulation requires your own key, a workspace created without one has to be rebuilt.",
            applicability: Applicability::ExceptKinds(MachineLearning, &["Project"]),
            check_summary: "encryption.status is Enabled with a keyVaultProperties.keyIdentifier.",
            changes: "Nothing in place: a workspace with a customer key has to be created anew.",
            one_way: true,
            manual_part: None,
            evaluator: data::data_02,
        },
        Definition {
            id: "AI-DATA-03",
            area: Area::Data,
            why: "Enforcing customer keys makes the search service refuse indexes and synonym maps encrypted \
                  only with platform keys.",
            applicability: Applicability::Family(Search),
            check_summary: "encryptionWithCmk.enforcement is Enabled and encryptionComplianceStatus is Compliant.",
            changes: "Turns on customer-key enforcement for new search objects.",
            one_way: false,
            manual_part: None,
            evaluator: data::data_03,
        },
        Definition {
            id: "AI-DATA-04",
            area: Area::Data,
            why: "Features that fetch URLs or call tools can be steered by a prompt to send data anywhere; an \
                  outbound allow-list bounds where it can go.",
            applicability: Applicability::Kinds(CognitiveServices, OUTBOUND_KINDS),
            check_summary: "restrictOutboundNetworkAccess is true and allowedFqdnList holds no wildcard (an empty \
                            list blocks all outbound calls, which also passes).",
            changes: "Blocks outbound calls from the account except to the listed host names.",
            one_way: false,
            manual_part: None,
            evaluator: data::data_04,
        },
        Definition {
            id: "AI-DATA-05",
            area: Area::Data,
            why: "Blocking export paths stops a search service from being used to move indexed data out.",
            applicability: Applicability::Family(Search),
            check_summary: "dataExfiltrationProtections contains BlockAll (or the older \
                            disabledDataExfiltrationOptions contains All).",
            changes: "Blocks all data-export paths of the search service.",
            one_way: false,
            manual_part: None,
            evaluator: data::data_05,
        },
        Definition {
            id: "AI-DATA-06",
            area: Area::Data,
            why: "Artefacts kept in your own storage stay under your keys, network rules and retention.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "For accounts whose capabilities include CustomerManagedStorage: userOwnedStorage \
                            names at least one storage account. Not applicable to other accounts.",
            changes: "Points the account at a storage account you own for the data it persists.",
            one_way: false,
            manual_part: None,
            evaluator: data::data_06,
        },
        Definition {
            id: "AI-DATA-07",
            area: Area::Data,
            why: "Stored completions keep prompts and answers on the service; switching them off keeps less \
                  sensitive text around.",
            applicability: Applicability::Kinds(CognitiveServices, OPENAI_KINDS),
            check_summary: "storedCompletionsDisabled is true (absent means completions may be stored).",
            changes: "Stops the account from storing completions.",
            one_way: false,
            manual_part: None,
            evaluator: data::data_07,
        },
        // ---------------------------------------------------------------- logging
        Definition {
            id: "AI-LOG-01",
            area: Area::Logging,
            why: "Without resource logs in a workspace you cannot tell who used a key, changed a setting or \
                  sent unusual traffic.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "A diagnostic setting sends to a Log Analytics workspace with the allLogs or audit \
                            group enabled (or the Audit, RequestResponse and Trace categories, plus \
                            AzureOpenAIRequestUsage on OpenAI/AIServices).",
            changes: "Adds a diagnostic setting that sends all logs and metrics to your Log Analytics workspace.",
            one_way: false,
            manual_part: None,
            evaluator: logging::log_01,
        },
        Definition {
            id: "AI-LOG-02",
            area: Area::Logging,
            why: "Job, compute and model events are what an investigation of a workspace starts from.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "A diagnostic setting sends to a Log Analytics workspace with the allLogs or audit \
                            group enabled.",
            changes: "Adds a diagnostic setting that sends all workspace logs to your Log Analytics workspace.",
            one_way: false,
            manual_part: None,
            evaluator: logging::log_02,
        },
        Definition {
            id: "AI-LOG-03",
            area: Area::Logging,
            why: "Without operation logs, queries and admin actions on a search service leave no trace.",
            applicability: Applicability::Family(Search),
            check_summary: "A diagnostic setting sends to a Log Analytics workspace with the allLogs or audit \
                            group, or the OperationLogs category, enabled.",
            changes: "Adds a diagnostic setting that sends search operation logs to your Log Analytics workspace.",
            one_way: false,
            manual_part: None,
            evaluator: logging::log_03,
        },
        Definition {
            id: "AI-LOG-04",
            area: Area::Logging,
            why: "Application telemetry from endpoints and flows is needed to spot and replay misuse.",
            applicability: Applicability::Kinds(MachineLearning, &["Default", "Hub"]),
            check_summary: "properties.applicationInsights names a component, and that component exists.",
            changes: "Attaches an Application Insights component to the workspace.",
            one_way: false,
            manual_part: None,
            evaluator: logging::log_04,
        },
        // ---------------------------------------------------------------- threat protection
        Definition {
            id: "AI-THR-01",
            area: Area::ThreatProtection,
            why: "Without the Defender plan for AI nothing watches for jailbreaks, prompt injection, stolen \
                  credentials or paid-for usage by strangers.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "The subscription's Defender pricing for AI is Standard (prompt-evidence extension \
                            shown, not required).",
            changes: "Turns on the Defender for AI Services plan for the whole subscription (billed per token).",
            one_way: false,
            manual_part: None,
            evaluator: threat::thr_01,
        },
        Definition {
            id: "AI-THR-02",
            area: Area::ThreatProtection,
            why: "A per-account opt-out silently removes Defender coverage even though the plan is on.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "The account's defenderForAISettings/Default state is Enabled.",
            changes: "Re-enables Defender for AI on this account.",
            one_way: false,
            manual_part: None,
            evaluator: threat::thr_02,
        },
        // ---------------------------------------------------------------- key vault
        Definition {
            id: "AI-KV-01",
            area: Area::Data,
            why: "If the vault holding a customer key or workspace secrets is deleted and purged, the data they \
                  protect is gone for good.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(CognitiveServices),
                Applicability::Family(MachineLearning),
                Applicability::Family(Search),
            ]),
            check_summary: "Every Key Vault the resource references (customer key vault, workspace vault) has \
                            soft delete and purge protection on, with at least 7 retention days. Not applicable \
                            when no vault is referenced.",
            changes: "Turns on purge protection on the vault; it can never be turned off again.",
            one_way: true,
            manual_part: None,
            evaluator: keyvault::kv_01,
        },
        Definition {
            id: "AI-KV-02",
            area: Area::Data,
            why: "Keys and secrets of AI resources are only as safe as the vault that holds them.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(CognitiveServices),
                Applicability::Family(MachineLearning),
                Applicability::Family(Search),
            ]),
            check_summary: "Every referenced Key Vault uses the RBAC permission model and has public access \
                            Disabled or a deny-by-default firewall. Key rotation and secret expiry are \
                            data-plane settings a person confirms.",
            changes: "Switches the vault to RBAC and closes its public access.",
            one_way: false,
            manual_part: Some(
                "Key rotation policies on customer keys and expiry dates on secrets live in the vault's data \
                 plane, which the cockpit does not read.",
            ),
            evaluator: keyvault::kv_02,
        },
        // ---------------------------------------------------------------- safety
        Definition {
            id: "AI-SAFE-01",
            area: Area::Safety,
            why: "Relaxed or asynchronous content filters let harmful output and jailbreak prompts through \
                  before anyone notices.",
            applicability: Applicability::Kinds(CognitiveServices, OPENAI_KINDS),
            check_summary: "Every deployment names a content-filter policy whose mode blocks synchronously and \
                            whose hate, sexual, violence and self-harm filters block at Low or Medium on prompts \
                            and completions, with jailbreak blocking and protected-material detection on. Not \
                            applicable without deployments.",
            changes: "Creates a strict content-filter policy and binds the deployment to it.",
            one_way: false,
            manual_part: None,
            evaluator: safety::safe_01,
        },
        // ---------------------------------------------------------------- operations
        Definition {
            id: "AI-OPS-02",
            area: Area::Operations,
            why: "A leaked key or hijacked account first shows up as a jump in spend and tokens; an alert turns \
                  days of abuse into minutes.",
            applicability: Applicability::Family(CognitiveServices),
            check_summary: "An unfiltered cost budget with an enabled notification covers the account's \
                            subscription or resource group, and an enabled metric alert with an action watches \
                            the account's token or request metrics.",
            changes: "Adds a monthly cost budget with notifications for the subscription.",
            one_way: false,
            manual_part: None,
            evaluator: operations::ops_02,
        },
        Definition {
            id: "AI-OPS-03",
            area: Area::Operations,
            why: "Idle compute instances cost money and, left on old images, miss security fixes.",
            applicability: Applicability::Family(MachineLearning),
            check_summary: "Every compute instance has an idle shutdown time and runs the latest OS image. Not \
                            applicable without compute instances.",
            changes: "Recreates the compute instance on the current image with idle shutdown.",
            one_way: true,
            manual_part: None,
            evaluator: operations::ops_03,
        },
        // ---------------------------------------------------------------- governance
        Definition {
            id: "AI-GOV-01",
            area: Area::Governance,
            why: "Assigned guardrail policies stop the next misconfiguration at deployment time instead of \
                  leaving it for the next scan.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(CognitiveServices),
                Applicability::Family(MachineLearning),
                Applicability::Family(Search),
            ]),
            check_summary: "At least one built-in AI guardrail policy of this catalog (or the MCSB v2 / AI \
                            deployment guardrail initiative) is assigned over the resource, enforced, not \
                            disabled by its effect parameter, and not excluded by notScopes. Compliance state \
                            is what the rest of this checklist measures.",
            changes: "Assigns a built-in AI guardrail policy to the subscription.",
            one_way: false,
            manual_part: None,
            evaluator: governance::gov_01,
        },
        Definition {
            id: "AI-GOV-02",
            area: Area::Governance,
            why: "These services have no native backup: a deleted account, workspace or index takes its \
                  deployments and data with it, and a delete lock is the cheapest safeguard.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(CognitiveServices),
                Applicability::Family(MachineLearning),
                Applicability::Family(Search),
            ]),
            check_summary: "A CanNotDelete (or ReadOnly) lock sits on the resource, its resource group or its \
                            subscription. Resources tagged as dev or test are not applicable; untagged ones \
                            are treated as production.",
            changes: "Adds a CanNotDelete lock on the resource.",
            one_way: false,
            manual_part: None,
            evaluator: governance::gov_02,
        },
        Definition {
            id: "AI-GOV-03",
            area: Area::Governance,
            why: "Environment and owner tags are what prod-only rules, cost reports and incident calls rely on; \
                  mixing prod with dev or test widens the blast radius.",
            applicability: Applicability::AnyOf(&[
                Applicability::Family(CognitiveServices),
                Applicability::Family(MachineLearning),
                Applicability::Family(Search),
            ]),
            check_summary: "Tag environment is dev, test or prod and tag owner is set; across the inventory, a \
                            prod resource fails when its subscription also holds dev or test AI resources. \
                            Naming conventions are not checked (none is defined).",
            changes: "Merges environment and owner tags into the resource's tags.",
            one_way: false,
            manual_part: None,
            evaluator: governance::gov_03,
        },
    ]
}

/// Helpers shared by the evaluator modules.
mod prelude {
    pub(super) use super::super::catalog::{Outcome, effective_kind};
    pub(super) use super::super::value::{self, Typed, is_one_of};
    pub(super) use super::super::verdict::{Check, item_label};
    pub(super) use super::shared::*;
    pub(super) use crate::model::Doc;
    pub(super) use crate::model::{EvidenceText, Fetched, Resource, ResourceFamily, Status, Subscription};
    pub(super) use compact_str::format_compact;
}

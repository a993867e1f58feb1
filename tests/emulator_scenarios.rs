//! Scenario files: the documented example loads and is served; broken files give clear errors.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use aisec::emulator::{self, Scenario, ScenarioError};
use serde_json::{Value, json};

const NOW: i64 = 1_790_000_000;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/example.toml")
}

fn temp_file(ext: &str, text: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let path = std::env::temp_dir().join(format!(
        "aisec-scenario-{}-{}.{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, text).expect("write temp scenario");
    path
}

fn load_err(ext: &str, text: &str) -> (PathBuf, ScenarioError) {
    let path = temp_file(ext, text);
    let err = Scenario::load(&path, NOW).expect_err("must be refused");
    (path, err)
}

#[test]
fn the_example_loads_with_everything_it_declares() {
    let s = Scenario::load(&example(), NOW).expect("example loads");
    assert_eq!(s.name(), "example");
    assert_eq!(s.subscription_ids().len(), 2);
    assert_eq!(s.resource_ids().len(), 5);
    assert_eq!(s.workspace_ids(), ["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]);
    assert_eq!(s.tenant_id(), "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
    let spike = &s.spikes()[0];
    assert!(spike.resource_id.ends_with("/aoai-fabrikam"));
    assert_eq!(spike.end(), NOW - NOW % 60 - 20 * 60);
    let aoai = s
        .resource_ids()
        .into_iter()
        .find(|id| id.ends_with("aoai-fabrikam"))
        .expect("aoai");
    let body = s.resource(&aoai).expect("body");
    assert_eq!(body["properties"]["networkAcls"]["defaultAction"], "Deny");
    assert_eq!(
        body["properties"]["endpoint"],
        "https://aoai-fabrikam.openai.azure.com/"
    );
    assert!(s.usual_rate(&aoai, NOW).is_some_and(|r| r > 0.0));
    // Same file, same now: same tenant.
    let again = Scenario::load(&example(), NOW).expect("loads twice");
    assert_eq!(
        s.metric_minute(&aoai, "AzureOpenAIRequests", NOW - 3_600, &[]),
        again.metric_minute(&aoai, "AzureOpenAIRequests", NOW - 3_600, &[])
    );
}

#[tokio::test]
async fn the_example_is_served_with_its_faults() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let emu = emulator::start(Scenario::load(&example(), NOW).expect("loads"))
        .await
        .expect("start");
    let c = reqwest::Client::builder().no_proxy().build().expect("client");
    let graph = format!(
        "{}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01",
        emu.base_url
    );
    let first = c
        .post(&graph)
        .bearer_auth("t")
        .json(&json!({"query": "resources"}))
        .send()
        .await
        .expect("req");
    assert_eq!(
        first.status().as_u16(),
        429,
        "the example throttles the first graph query"
    );
    let rows: Value = c
        .post(&graph)
        .bearer_auth("t")
        .json(&json!({"query": "resources"}))
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(rows["totalRecords"], 5);
    // Two-item ARM pages.
    let sub = "11111111-2222-4333-8444-555555555555";
    let page: Value = c
        .get(format!("{}/subscriptions?api-version=2022-12-01", emu.base_url))
        .bearer_auth("t")
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(page["value"].as_array().map_or(0, Vec::len), 2);
    let pricing: Value = c
        .get(format!(
            "{}/subscriptions/{sub}/providers/Microsoft.Security/pricings/AI?api-version=2024-01-01",
            emu.base_url
        ))
        .bearer_auth("t")
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    assert_eq!(pricing["properties"]["pricingTier"], "Standard");
    // The explicit log row and generated rows are in the workspace.
    let logs: Value = c
        .post(format!(
            "{}/v1/workspaces/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/query",
            emu.base_url
        ))
        .bearer_auth("t")
        .json(&json!({"query": "AzureDiagnostics", "timespan": "P1D"}))
        .send()
        .await
        .expect("req")
        .json()
        .await
        .expect("json");
    let rows = logs["tables"][0]["rows"].as_array().expect("rows");
    assert!(rows.iter().any(|r| r[3] == "RegenerateKey" && r[1] == "AOAI-FABRIKAM"));
    assert!(rows.iter().any(|r| r[4] == "198.51.100.23"));
    assert!(rows.iter().any(|r| r[1] == "SRCH-FABRIKAM"));
}

#[test]
fn json_files_load_too() {
    let path = temp_file(
        "json",
        r#"{
  "name": "json-example",
  "subscriptions": [{"id": "11111111-2222-4333-8444-555555555555", "name": "s"}],
  "resources": [{
    "id": "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Search/searchServices/srch-json",
    "location": "eastus",
    "sku": {"name": "free"},
    "properties": {"publicNetworkAccess": "enabled", "authOptions": {"apiKeyOnly": {}}},
    "traffic": {"base_per_minute": 3}
  }],
  "faults": [{"route": "any", "kind": "server_error", "count": 1}]
}"#,
    );
    let s = Scenario::load(&path, NOW).expect("json loads");
    assert_eq!(s.resource_ids().len(), 1);
    let id = &s.resource_ids()[0];
    assert_eq!(s.resource(id).expect("body")["sku"]["name"], "free");
    assert!(s.metric_minute(id, "SearchQueriesPerSecond", NOW - 600, &[]).is_some());
}

#[test]
fn a_file_can_extend_the_demo_tenant() {
    let path = temp_file(
        "toml",
        r#"
base = "demo"
[[spikes]]
resource = "srch-docs-prod"
start_minutes_ago = 100
duration_minutes = 10
factor = 20
"#,
    );
    let s = Scenario::load(&path, NOW).expect("loads");
    assert_eq!(s.resource_ids().len(), Scenario::demo(NOW).resource_ids().len());
    assert_eq!(s.spikes().len(), 3);
}

fn assert_line(err: &ScenarioError, path: &Path, line: usize, needle: &str) {
    let text = err.to_string();
    let prefix = format!("{}:{line}: ", path.display());
    assert!(text.starts_with(&prefix), "expected `{prefix}…`, got `{text}`");
    assert!(text.contains(needle), "`{text}` should mention `{needle}`");
}

#[test]
fn syntax_errors_point_at_the_line() {
    let (path, err) = load_err("toml", "name = \"x\"\n\n[[subscriptions]\nid = 1\n");
    assert!(matches!(err, ScenarioError::Syntax { line: 3, .. }), "{err}");
    assert!(err.to_string().starts_with(&format!("{}:3: ", path.display())));

    let (path, err) = load_err(
        "json",
        "{\n  \"name\": \"x\",\n  \"resources\": [\n    {\"id\": }\n  ]\n}",
    );
    assert_line(&err, &path, 4, "expected value");

    let (path, err) = load_err("toml", "name = \"x\"\nseeed = 3\n");
    assert_line(&err, &path, 2, "seeed");
}

#[test]
fn semantic_errors_say_what_is_wrong_and_where() {
    let sub = "[[subscriptions]]\nid = \"11111111-2222-4333-8444-555555555555\"\nname = \"s\"\n";
    let (path, err) = load_err(
        "toml",
        &format!(
            "{sub}\n[[resources]]\nid = \"/subscriptions/99999999-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a\"\nkind = \"OpenAI\"\nlocation = \"eastus\"\n"
        ),
    );
    assert_line(&err, &path, 6, "is not declared");

    let (path, err) = load_err(
        "toml",
        &format!(
            "{sub}\n[[resources]]\nid = \"/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm\"\nlocation = \"eastus\"\n"
        ),
    );
    assert_line(&err, &path, 6, "Microsoft.Compute/virtualMachines");

    let (path, err) = load_err(
        "toml",
        &format!("{sub}\n[[spikes]]\nresource = \"ghost\"\nstart_minutes_ago = 5\nduration_minutes = 5\nfactor = 3\n"),
    );
    assert_line(&err, &path, 6, "`ghost` is not declared");

    let (path, err) = load_err("toml", "[[faults]]\nroute = \"grahp\"\nkind = \"throttle\"\n");
    assert_line(&err, &path, 2, "route `grahp` is unknown");

    let (path, err) = load_err("toml", "[[faults]]\nroute = \"graph\"\nkind = \"explode\"\n");
    assert!(err.to_string().starts_with(&path.display().to_string()));
    assert!(err.to_string().contains("explode"), "{err}");

    let (_, err) = load_err(
        "toml",
        &format!(
            "{sub}\n[[resources]]\nid = \"/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a\"\nlocation = \"eastus\"\n"
        ),
    );
    assert!(err.to_string().contains("`kind` is required"), "{err}");

    let (_, err) = load_err("toml", "base = \"huge\"\n");
    assert!(err.to_string().contains("base `huge` is unknown"), "{err}");
}

/// Numbers outside what SCENARIO.md documents are refused, each with its reason: a NaN amplitude served no
/// traffic and an infinite cost served `null`, without a word.
#[test]
fn numbers_out_of_their_documented_range_are_refused() {
    let sub = "[[subscriptions]]\nid = \"11111111-2222-4333-8444-555555555555\"\nname = \"s\"\n";
    let resource = "[[resources]]\nid = \"/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a\"\nkind = \"OpenAI\"\nlocation = \"eastus\"\n";
    for (extra, needle) in [
        (
            "[resources.traffic]\nbase_per_minute = 100\ndaily_amplitude = nan\n",
            "daily_amplitude must be between 0 and 0.95",
        ),
        (
            "[resources.traffic]\nbase_per_minute = 100\ndaily_amplitude = 5.0\n",
            "daily_amplitude must be between 0 and 0.95",
        ),
        (
            "[resources.traffic]\nbase_per_minute = 100\nweekly_amplitude = -3.0\n",
            "weekly_amplitude must be between 0 and 0.95",
        ),
        (
            "[resources.traffic]\nbase_per_minute = 100\nutc_offset_hours = 2147483647\n",
            "utc_offset_hours must be between -12 and 14",
        ),
        (
            "[resources.traffic]\nbase_per_minute = 100\nstatus_mix = [{ status = 200, share = nan }]\n",
            "status_mix entries need",
        ),
        (
            "[resources.traffic]\nbase_per_minute = 100\nstatus_mix = [{ status = 200, share = 0.0 }]\n",
            "shares are all 0",
        ),
        ("daily_cost_usd = inf\n", "daily_cost_usd must be a number >= 0"),
    ] {
        let (_, err) = load_err("toml", &format!("{sub}\n{resource}{extra}"));
        assert!(err.to_string().contains(needle), "{extra}: {err}");
    }
    let (_, err) = load_err(
        "toml",
        &format!(
            "{sub}\n{resource}\n[[spikes]]\nresource = \"a\"\nstart_minutes_ago = 5\nduration_minutes = 5\nfactor = 3\nextra_cost_usd = nan\n"
        ),
    );
    assert!(
        err.to_string().contains("extra_cost_usd must be a number >= 0"),
        "{err}"
    );
}

/// Two workspaces may share a name (in different groups or subscriptions), but a reference by that name is
/// refused instead of binding to the first; the customer id still names one.
#[test]
fn a_workspace_name_two_workspaces_share_is_refused_as_a_reference() {
    let sub = "[[subscriptions]]\nid = \"11111111-2222-4333-8444-555555555555\"\nname = \"s\"\n";
    let workspaces = "[[workspaces]]\nsubscription = \"11111111-2222-4333-8444-555555555555\"\nresource_group = \"rg-a\"\nname = \"logs\"\nlocation = \"eastus\"\ncustomer_id = \"aaaaaaaa-2222-4333-8444-555555555555\"\n\n[[workspaces]]\nsubscription = \"11111111-2222-4333-8444-555555555555\"\nresource_group = \"rg-b\"\nname = \"logs\"\nlocation = \"eastus\"\ncustomer_id = \"bbbbbbbb-2222-4333-8444-555555555555\"\n";
    let row = |workspace: &str| {
        format!(
            "[[log_rows]]\nworkspace = \"{workspace}\"\nminutes_ago = 5\nresource = \"A\"\ncategory = \"Audit\"\noperation = \"op\"\ncaller_ip = \"203.0.113.7\"\nresult = \"200\"\n"
        )
    };
    let (_, err) = load_err("toml", &format!("{sub}\n{workspaces}\n{}", row("logs")));
    assert!(err.to_string().contains("names several workspaces"), "{err}");
    let path = temp_file(
        "toml",
        &format!("{sub}\n{workspaces}\n{}", row("bbbbbbbb-2222-4333-8444-555555555555")),
    );
    assert!(Scenario::load(&path, NOW).is_ok(), "the customer id names one");
}

/// An error in the second of two entries that share a route or a resource points at the second entry.
#[test]
fn an_error_in_a_later_entry_points_at_that_entry() {
    let text = "[[faults]]\nroute = \"graph\"\nkind = \"throttle\"\n\n[[faults]]\nroute = \"graph\"\nkind = \"throttle\"\nprobability = 3.0\n";
    let (path, err) = load_err("toml", text);
    assert_line(&err, &path, 6, "probability");

    let sub = "[[subscriptions]]\nid = \"11111111-2222-4333-8444-555555555555\"\nname = \"s\"\n";
    let id = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a";
    let spike = |duration: u32| {
        format!("[[spikes]]\nresource = \"{id}\"\nstart_minutes_ago = 5\nduration_minutes = {duration}\nfactor = 3\n")
    };
    let text = format!(
        "{sub}\n[[resources]]\nid = \"{id}\"\nkind = \"OpenAI\"\nlocation = \"eastus\"\n\n{}\n{}",
        spike(5),
        spike(0)
    );
    let second_spike_resource_line = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.starts_with("resource = "))
        .nth(1)
        .map(|(i, _)| i + 1)
        .expect("two spikes");
    let (path, err) = load_err("toml", &text);
    assert_line(&err, &path, second_spike_resource_line, "duration_minutes");
}

#[test]
fn io_and_extension_errors_name_the_file() {
    let missing = std::env::temp_dir().join("aisec-does-not-exist.toml");
    let err = Scenario::load(&missing, NOW).expect_err("missing");
    assert!(matches!(err, ScenarioError::Io { .. }));
    assert!(err.to_string().starts_with(&missing.display().to_string()));
    let (path, err) = load_err("yaml", "name: x\n");
    assert!(matches!(err, ScenarioError::Extension { .. }));
    assert!(err.to_string().contains(&path.display().to_string()));
}

#[test]
fn builtin_names() {
    assert!(Scenario::builtin("demo", NOW).is_some());
    assert!(Scenario::builtin("DEMO", NOW).is_some());
    assert!(Scenario::builtin("nope", NOW).is_none());
    let large = Scenario::builtin("large", NOW).expect("large");
    assert_eq!(large.subscription_ids().len(), 200);
    assert_eq!(large.resource_ids().len(), 10_000);
}

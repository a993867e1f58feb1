//! API-call metrics through Azure Monitor: `metrics:getBatch` (≤ 50 resources of one subscription, region and
//! type per call) with the per-resource ARM endpoint as fallback.
//!
//! What is kept is deliberately small, because at 10,000 resources every series costs memory for seven days:
//! the request total, its 401 and 429 splits, the prompt and completion token counts (OpenAI / AI Services),
//! and one latency series. Every other status-code split is folded into the total and dropped.

use std::borrow::Cow;
use std::sync::Arc;

use arcstr::ArcStr;
use serde_json::json;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::{MetricSeries, Resource, ResourceFamily};

const API_VERSION: &str = "2024-02-01";
pub const MAX_BATCH: usize = 50;

/// Status-code splits kept beside the total: authentication failures (leaked or guessed keys) and throttling.
pub const KEPT_STATUS_CODES: [&str; 2] = ["401", "429"];

/// Which metrics describe a resource. Azure OpenAI / AI Services accounts have the request metric split by
/// status code and token counts; other Cognitive Services kinds only the classic call counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricProfile {
    OpenAiRequests,
    ClassicCalls,
    SearchQueries,
}

/// One metrics request shape: the names asked together, the aggregations, the dimension split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricQuery {
    pub names: &'static [&'static str],
    pub aggregation: &'static str,
    /// `StatusCode eq '*'` splits by status. Azure rejects a filter on a dimension some of the asked metrics
    /// lack (token metrics have no StatusCode), hence separate queries.
    pub split: Option<&'static str>,
}

static OPENAI_QUERIES: &[MetricQuery] = &[
    MetricQuery {
        names: &["AzureOpenAIRequests"],
        aggregation: "total",
        split: Some("StatusCode eq '*'"),
    },
    MetricQuery {
        names: &["ProcessedPromptTokens", "GeneratedTokens", "AzureOpenAITimeToResponse"],
        aggregation: "total,average",
        split: None,
    },
];
static CLASSIC_QUERIES: &[MetricQuery] = &[MetricQuery {
    names: &["TotalCalls", "BlockedCalls", "Latency"],
    aggregation: "total,average",
    split: None,
}];
static SEARCH_QUERIES: &[MetricQuery] = &[MetricQuery {
    names: &["SearchQueriesPerSecond", "SearchLatency"],
    aggregation: "average",
    split: None,
}];

/// Metrics whose value is an average over the bucket (rates, latencies), not a count.
const AVERAGED: [&str; 4] = [
    "AzureOpenAITimeToResponse",
    "Latency",
    "SearchQueriesPerSecond",
    "SearchLatency",
];

/// The aggregation to read for a metric (`total` for counts, `average` for rates and latencies).
pub fn aggregation_of(metric: &str) -> &'static str {
    if AVERAGED.iter().any(|m| m.eq_ignore_ascii_case(metric)) {
        "average"
    } else {
        "total"
    }
}

/// Latency metrics: kept for display, never fed to the spike detector (it models counts).
pub fn is_latency(metric: &str) -> bool {
    ["AzureOpenAITimeToResponse", "Latency", "SearchLatency"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(metric))
}

impl MetricProfile {
    pub fn for_resource(resource: &Resource) -> Option<Self> {
        match resource.family {
            ResourceFamily::CognitiveServices => {
                let kind = resource.kind.as_deref().unwrap_or("");
                if kind.eq_ignore_ascii_case("OpenAI") || kind.eq_ignore_ascii_case("AIServices") {
                    Some(Self::OpenAiRequests)
                } else {
                    Some(Self::ClassicCalls)
                }
            }
            ResourceFamily::Search => Some(Self::SearchQueries),
            ResourceFamily::MachineLearning => None,
        }
    }

    /// The metric that counts API calls (the one the request total is about).
    pub fn metric(self) -> &'static str {
        match self {
            Self::OpenAiRequests => "AzureOpenAIRequests",
            Self::ClassicCalls => "TotalCalls",
            Self::SearchQueries => "SearchQueriesPerSecond",
        }
    }

    pub fn queries(self) -> &'static [MetricQuery] {
        match self {
            Self::OpenAiRequests => OPENAI_QUERIES,
            Self::ClassicCalls => CLASSIC_QUERIES,
            Self::SearchQueries => SEARCH_QUERIES,
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Self::OpenAiRequests | Self::ClassicCalls => "Microsoft.CognitiveServices/accounts",
            Self::SearchQueries => "Microsoft.Search/searchServices",
        }
    }
}

/// Time window and grain of one metrics request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub step_secs: u32,
}

impl Window {
    fn interval(&self) -> String {
        match self.step_secs {
            s if s % 3600 == 0 => format!("PT{}H", s / 3600),
            s if s % 60 == 0 => format!("PT{}M", s / 60),
            s => format!("PT{s}S"),
        }
    }

    pub fn buckets(&self) -> usize {
        ((self.end - self.start).max(0) / i64::from(self.step_secs.max(1))) as usize
    }
}

pub fn iso(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// A JSON string read loosely (borrowed from the body when it has no escapes); any other value is kept as
/// nothing, so one odd value is skipped instead of failing the whole answer. Values are [`finite_number`]s.
#[derive(Debug, Default, Clone, PartialEq)]
enum Leaf<'a> {
    #[default]
    Nothing,
    Text(Cow<'a, str>),
}

impl Leaf<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Leaf::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Leaf<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Leaf<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Leaf::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Leaf::Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Leaf::Text(Cow::Owned(v)))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Leaf::Nothing)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Leaf::Nothing)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Leaf::Nothing)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Leaf::Nothing)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Leaf::Nothing)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(Leaf::Nothing)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Leaf::Nothing)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Leaf::Nothing)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// The parts of a metrics answer that are read, borrowing their strings from the body.
#[derive(Debug, Default, serde::Deserialize)]
struct BatchAnswer<'a> {
    #[serde(default, borrow)]
    values: Vec<BatchEntry<'a>>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct BatchEntry<'a> {
    #[serde(default, borrow)]
    resourceid: Leaf<'a>,
    #[serde(default, borrow)]
    value: Vec<MetricAnswer<'a>>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ResourceAnswer<'a> {
    #[serde(default, borrow)]
    value: Vec<MetricAnswer<'a>>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct MetricAnswer<'a> {
    #[serde(default, borrow)]
    name: Named<'a>,
    #[serde(default, borrow, rename = "errorCode")]
    error_code: Leaf<'a>,
    #[serde(default, borrow)]
    timeseries: Option<Vec<SeriesAnswer<'a>>>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct Named<'a> {
    #[serde(default, borrow)]
    value: Leaf<'a>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct SeriesAnswer<'a> {
    #[serde(default, borrow)]
    metadatavalues: Vec<Dimension<'a>>,
    #[serde(default, borrow)]
    data: Vec<PointAnswer<'a>>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct Dimension<'a> {
    #[serde(default, borrow)]
    name: Named<'a>,
    #[serde(default, borrow)]
    value: Leaf<'a>,
}

/// Every point carries each aggregation the query asked for, but a metric uses one: the values stay text until
/// then, so the other is never converted.
#[derive(Debug, Default, serde::Deserialize)]
struct PointAnswer<'a> {
    #[serde(default, borrow, rename = "timeStamp")]
    time_stamp: Leaf<'a>,
    #[serde(default, borrow)]
    total: Option<&'a RawValue>,
    #[serde(default, borrow)]
    average: Option<&'a RawValue>,
}

/// A JSON number as a finite value; anything else (a string, `null`, an object) is no value, as for [`Leaf`].
fn finite_number(raw: Option<&RawValue>) -> Option<f64> {
    raw?.get().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// What one query returned: the kept series, and which of the asked resources Azure answered for (a resource
/// answered without a split series had no such calls; one not answered keeps its old data).
#[derive(Debug, Default)]
pub struct QueryResult {
    pub series: Vec<MetricSeries>,
    pub answered: Vec<ArcStr>,
}

/// Every query of a profile through `metrics:getBatch`. All ids must share subscription, region and type.
pub async fn fetch_batch(
    client: &AzureClient,
    subscription: &str,
    region: &str,
    profile: MetricProfile,
    resource_ids: &[ArcStr],
    window: Window,
) -> Result<Vec<MetricSeries>, AzureError> {
    let mut series = Vec::new();
    for query in profile.queries() {
        let result = fetch_query(client, subscription, region, profile, query, resource_ids, window).await?;
        series.extend(result.series);
    }
    Ok(series)
}

/// One `metrics:getBatch` call for one query.
pub async fn fetch_query(
    client: &AzureClient,
    subscription: &str,
    region: &str,
    profile: MetricProfile,
    query: &MetricQuery,
    resource_ids: &[ArcStr],
    window: Window,
) -> Result<QueryResult, AzureError> {
    let (start, end, interval) = (iso(window.start), iso(window.end), window.interval());
    let names = query.names.join(",");
    let mut params = vec![
        ("api-version", API_VERSION),
        ("starttime", start.as_str()),
        ("endtime", end.as_str()),
        ("interval", interval.as_str()),
        ("metricnamespace", profile.namespace()),
        ("metricnames", names.as_str()),
        ("aggregation", query.aggregation),
        ("top", "50"),
    ];
    if let Some(filter) = query.split {
        params.push(("filter", filter));
    }
    let url = client.endpoints().metrics_url(
        region,
        &format!("/subscriptions/{subscription}/metrics:getBatch"),
        &params,
    );
    let body = json!({"resourceids": resource_ids});
    let raw = client
        .query_raw(RequestKind::MetricsBatch, Scope::Metrics, url, &body)
        .await?;
    let response: Option<BatchAnswer<'_>> = raw.decode()?;
    let stamps = Stamps::new(window);
    let mut result = QueryResult::default();
    for entry in response.unwrap_or_default().values {
        let Some(resource_id) = entry.resourceid.text() else {
            continue;
        };
        let Some(resource_id) = resource_ids.iter().find(|id| id.eq_ignore_ascii_case(resource_id)) else {
            // A result for a resource we did not ask for is not trusted.
            continue;
        };
        if result.answered.contains(resource_id) {
            continue;
        }
        result.answered.push(resource_id.clone());
        result
            .series
            .extend(parse_metrics(resource_id, &entry.value, window, &stamps));
    }
    Ok(result)
}

/// Per-resource fallback when the batch endpoint is refused: every query of the profile.
pub async fn fetch_one(
    client: &AzureClient,
    resource_id: &str,
    profile: MetricProfile,
    window: Window,
) -> Result<Vec<MetricSeries>, AzureError> {
    let mut series = Vec::new();
    for query in profile.queries() {
        series.extend(fetch_one_query(client, resource_id, query, window).await?);
    }
    Ok(series)
}

/// One per-resource `GET {id}/providers/Microsoft.Insights/metrics` for one query.
pub async fn fetch_one_query(
    client: &AzureClient,
    resource_id: &str,
    query: &MetricQuery,
    window: Window,
) -> Result<Vec<MetricSeries>, AzureError> {
    let timespan = format!("{}/{}", iso(window.start), iso(window.end));
    let interval = window.interval();
    let names = query.names.join(",");
    let mut params = vec![
        ("api-version", API_VERSION),
        ("timespan", timespan.as_str()),
        ("interval", interval.as_str()),
        ("metricnames", names.as_str()),
        ("aggregation", query.aggregation),
        ("top", "50"),
    ];
    if let Some(filter) = query.split {
        params.push(("$filter", filter));
    }
    let path = format!(
        "{}/providers/Microsoft.Insights/metrics",
        resource_id.trim_end_matches('/')
    );
    let url = client.endpoints().arm_url(&path, &params);
    let raw = client
        .get_raw(RequestKind::Metrics, Scope::ResourceManager, url)
        .await?;
    let response: Option<ResourceAnswer<'_>> = raw.decode()?;
    Ok(parse_metrics(
        resource_id,
        &response.unwrap_or_default().value,
        window,
        &Stamps::new(window),
    ))
}

/// `statuscode` (Azure lower-cases dimension names in answers) → `StatusCode`; other names as given.
fn dimension_label(name: &str) -> &str {
    if name.eq_ignore_ascii_case("StatusCode") {
        "StatusCode"
    } else {
        name
    }
}

/// Turns Azure's `value[].timeseries[].data[]` into dense series on the requested grid and keeps only what
/// is used: for a metric split by status code, the sum of every split as the total plus the kept splits.
/// Empty buckets are absent in Azure's answer and mean zero for count metrics.
fn parse_metrics(
    resource_id: &str,
    metrics: &[MetricAnswer<'_>],
    window: Window,
    stamps: &Stamps,
) -> Vec<MetricSeries> {
    let buckets = window.buckets();
    let step = i64::from(window.step_secs.max(1));
    let mut out = Vec::new();
    // One copy of each name for all the series that carry it.
    let resource_id: Arc<str> = resource_id.into();
    for metric in metrics {
        let Some(name) = metric.name.value.text() else {
            continue;
        };
        let name: Arc<str> = name.into();
        if metric
            .error_code
            .text()
            .is_some_and(|code| !code.eq_ignore_ascii_case("Success"))
        {
            continue;
        }
        let field = aggregation_of(&name);
        let all = metric.timeseries.as_deref().unwrap_or_default();
        if all.is_empty() {
            // A split metric without a single series had no calls at all: zeros, so the total exists and later
            // refreshes have something to extend.
            out.push(series(&resource_id, &name, None, window, vec![0.0; buckets]));
            continue;
        }
        let mut total: Option<Vec<f64>> = None;
        for timeseries in all {
            let split = timeseries.metadatavalues.first().and_then(|m| {
                let key = m.name.value.text()?;
                let value = m.value.text()?;
                Some((dimension_label(key).to_string(), value.to_string()))
            });
            let mut values = vec![0.0; buckets];
            for (i, point) in timeseries.data.iter().enumerate() {
                let Some(index) = point.time_stamp.text().and_then(|t| stamps.index(i, t, step)) else {
                    continue;
                };
                let value = finite_number(if field == "average" { point.average } else { point.total });
                if let (Some(slot), Some(value)) = (values.get_mut(index), value) {
                    *slot = value;
                }
            }
            let Some((dimension, value)) = split else {
                out.push(series(&resource_id, &name, None, window, values));
                continue;
            };
            let sum = total.get_or_insert_with(|| vec![0.0; buckets]);
            sum.iter_mut().zip(&values).for_each(|(t, v)| *t += v);
            let kept = dimension == "StatusCode" && KEPT_STATUS_CODES.contains(&value.as_str());
            if kept {
                out.push(series(
                    &resource_id,
                    &name,
                    Some(format!("{dimension}={value}").into()),
                    window,
                    values,
                ));
            }
        }
        if let Some(sum) = total {
            out.push(series(&resource_id, &name, None, window, sum));
        }
    }
    out
}

/// The timestamps of a window's buckets as Azure writes them, so a point is placed by comparing text; only
/// a timestamp written another way is parsed.
struct Stamps {
    start: i64,
    expected: Vec<String>,
}

impl Stamps {
    fn new(window: Window) -> Self {
        let step = i64::from(window.step_secs.max(1));
        Self {
            start: window.start,
            expected: (0..window.buckets() as i64)
                .map(|b| iso(window.start + b * step))
                .collect(),
        }
    }

    /// The bucket of the `position`-th point stamped `text`; `None` for a time off the grid or the window.
    fn index(&self, position: usize, text: &str, step: i64) -> Option<usize> {
        if self.expected.get(position).is_some_and(|e| e == text) {
            return Some(position);
        }
        let at = OffsetDateTime::parse(text, &Rfc3339).ok()?.unix_timestamp();
        let offset = at - self.start;
        if offset < 0 || offset % step != 0 {
            return None;
        }
        let index = (offset / step) as usize;
        (index < self.expected.len()).then_some(index)
    }
}

/// Values are read and summed in f64 (a total is the sum of its splits) and narrowed once, here.
fn series(
    resource_id: &Arc<str>,
    metric: &Arc<str>,
    split: Option<Arc<str>>,
    window: Window,
    values: Vec<f64>,
) -> MetricSeries {
    MetricSeries {
        resource_id: resource_id.clone(),
        metric: metric.clone(),
        split,
        start: window.start,
        step_secs: window.step_secs,
        values: values.into_iter().map(|v| v as f32).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> Window {
        let start = 1_700_000_000 - 1_700_000_000 % 300;
        Window {
            start,
            end: start + 900,
            step_secs: 300,
        }
    }

    #[test]
    fn folds_status_splits_into_a_total_and_keeps_401_and_429_whatever_the_case() {
        let window = window();
        let metrics = json!([{
            "name": {"value": "AzureOpenAIRequests"},
            "errorCode": "Success",
            "timeseries": [
                {"metadatavalues": [{"name": {"value": "statuscode"}, "value": "200"}],
                 "data": [{"timeStamp": iso(window.start), "total": 5.0},
                          {"timeStamp": iso(window.start + 600), "total": 7.0},
                          {"timeStamp": iso(window.start + 7), "total": 99.0},
                          {"timeStamp": "garbage", "total": 1.0},
                          {"timeStamp": iso(window.start + 300)}]},
                {"metadatavalues": [{"name": {"value": "statuscode"}, "value": "401"}],
                 "data": [{"timeStamp": iso(window.start + 300), "total": 3.0}]},
                {"metadatavalues": [{"name": {"value": "StatusCode"}, "value": "500"}],
                 "data": [{"timeStamp": iso(window.start + 300), "total": 1.0}]}
            ]
        }]);
        let text = metrics.to_string();
        let metrics: Vec<MetricAnswer<'_>> = serde_json::from_str(&text).unwrap();
        let series = parse_metrics("/r", &metrics, window, &Stamps::new(window));
        assert_eq!(series.len(), 2, "the 200 and 500 splits live on only in the total");
        assert_eq!(series[0].split.as_deref(), Some("StatusCode=401"));
        assert_eq!(series[0].values, vec![0.0, 3.0, 0.0]);
        assert_eq!(series[1].split, None);
        assert_eq!(series[1].values, vec![5.0, 4.0, 7.0]);
    }

    #[test]
    fn reads_averages_for_latency_and_skips_failed_metrics() {
        let window = window();
        let metrics = json!([
            {"name": {"value": "AzureOpenAITimeToResponse"}, "timeseries": [
                {"metadatavalues": [], "data": [{"timeStamp": iso(window.start), "total": 9000.0, "average": 850.0}]}]},
            {"name": {"value": "GeneratedTokens"}, "timeseries": [
                {"data": [{"timeStamp": iso(window.start), "total": 120.0, "average": 2.0}]}]},
            {"name": {"value": "ProcessedPromptTokens"}, "errorCode": "ResourceNotFound", "timeseries": []}
        ]);
        let text = metrics.to_string();
        let metrics: Vec<MetricAnswer<'_>> = serde_json::from_str(&text).unwrap();
        let series = parse_metrics("/r", &metrics, window, &Stamps::new(window));
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].values.get(0), Some(850.0));
        assert_eq!(series[1].values.get(0), Some(120.0));
        assert!(is_latency("azureopenaitimetoresponse") && !is_latency("GeneratedTokens"));
    }

    #[test]
    fn kept_values_are_exact_for_counts_and_close_for_large_ones() {
        let window = window();
        let metrics = json!([{"name": {"value": "ProcessedPromptTokens"}, "timeseries": [{"data": [
            {"timeStamp": iso(window.start), "total": 16_777_215.0},
            {"timeStamp": iso(window.start + 300), "total": 36_000_001.0},
            {"timeStamp": iso(window.start + 600), "total": 3.0}]}]}]);
        let text = metrics.to_string();
        let metrics: Vec<MetricAnswer<'_>> = serde_json::from_str(&text).unwrap();
        let series = parse_metrics("/r", &metrics, window, &Stamps::new(window));
        let values = series[0].values_f64();
        assert_eq!(values[0], 16_777_215.0, "counts below 2^24 are exact");
        assert_eq!(values[2], 3.0);
        assert!((values[1] - 36_000_001.0).abs() / 36_000_001.0 < 6e-8);
    }

    /// A value that is not a finite JSON number is no value; it never fails the answer or its other points.
    #[test]
    fn odd_values_are_skipped_and_every_number_form_is_read() {
        let window = Window {
            start: 1_800_000_000,
            end: 1_800_000_000 + 9 * 300,
            step_secs: 300,
        };
        let forms = [
            r#""12""#,
            "null",
            r#"{"x": 1}"#,
            "[1]",
            "true",
            "1e400",
            "-2.5E-1",
            "7",
            "3.25e+2",
        ];
        let data: Vec<String> = forms
            .iter()
            .enumerate()
            .map(|(i, form)| {
                format!(
                    r#"{{"timeStamp": "{}", "total": {form}}}"#,
                    iso(window.start + 300 * i as i64)
                )
            })
            .collect();
        let text = format!(
            r#"[{{"name": {{"value": "TotalCalls"}}, "timeseries": [{{"data": [{}]}}]}}]"#,
            data.join(",")
        );
        let metrics: Vec<MetricAnswer<'_>> = serde_json::from_str(&text).unwrap();
        let series = parse_metrics("/r", &metrics, window, &Stamps::new(window));
        assert_eq!(series[0].values, vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.25, 7.0, 325.0]);
    }

    #[test]
    fn intervals_are_iso_durations() {
        let at = |step_secs| Window {
            start: 0,
            end: 0,
            step_secs,
        };
        assert_eq!(at(300).interval(), "PT5M");
        assert_eq!(at(3600).interval(), "PT1H");
        assert_eq!(at(900).interval(), "PT15M");
    }
}

//! API-call metrics through Azure Monitor: `metrics:getBatch` (≤ 50 resources of one subscription, region and
//! type per call) with the per-resource ARM endpoint as fallback.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{AzureClient, AzureError, RequestKind, Scope};
use crate::model::{MetricSeries, Resource, ResourceFamily};

const API_VERSION: &str = "2024-02-01";
pub const MAX_BATCH: usize = 50;

/// Which metric describes "API calls" for a resource. Azure OpenAI / AI Services accounts have the request
/// metric split by status code; other Cognitive Services kinds only the classic call counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricProfile {
    OpenAiRequests,
    ClassicCalls,
    SearchQueries,
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

    pub fn metric(self) -> &'static str {
        match self {
            Self::OpenAiRequests => "AzureOpenAIRequests",
            Self::ClassicCalls => "TotalCalls",
            Self::SearchQueries => "SearchQueriesPerSecond",
        }
    }

    fn namespace(self) -> &'static str {
        match self {
            Self::OpenAiRequests | Self::ClassicCalls => "Microsoft.CognitiveServices/accounts",
            Self::SearchQueries => "Microsoft.Search/searchServices",
        }
    }

    fn aggregation(self) -> &'static str {
        match self {
            Self::SearchQueries => "average",
            _ => "total",
        }
    }

    fn split_filter(self) -> Option<&'static str> {
        match self {
            Self::OpenAiRequests => Some("StatusCode eq '*'"),
            _ => None,
        }
    }
}

/// Time window and grain of one metrics request.
#[derive(Debug, Clone, Copy)]
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

    fn buckets(&self) -> usize {
        ((self.end - self.start).max(0) / self.step_secs.max(1) as i64) as usize
    }
}

pub fn iso(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// One `metrics:getBatch` call. All ids must share subscription, region and type (the caller groups them).
pub async fn fetch_batch(
    client: &AzureClient,
    subscription: &str,
    region: &str,
    profile: MetricProfile,
    resource_ids: &[String],
    window: Window,
) -> Result<Vec<MetricSeries>, AzureError> {
    let (start, end, interval) = (iso(window.start), iso(window.end), window.interval());
    let mut query = vec![
        ("api-version", API_VERSION),
        ("starttime", start.as_str()),
        ("endtime", end.as_str()),
        ("interval", interval.as_str()),
        ("metricnamespace", profile.namespace()),
        ("metricnames", profile.metric()),
        ("aggregation", profile.aggregation()),
        ("top", "50"),
    ];
    if let Some(filter) = profile.split_filter() {
        query.push(("filter", filter));
    }
    let url = client.endpoints().metrics_url(
        region,
        &format!("/subscriptions/{subscription}/metrics:getBatch"),
        &query,
    );
    let body = json!({"resourceids": resource_ids});
    let response = client
        .query(RequestKind::MetricsBatch, Scope::Metrics, url, &body)
        .await?;
    let mut series = Vec::new();
    for entry in response.get("values").and_then(Value::as_array).into_iter().flatten() {
        let Some(resource_id) = entry.get("resourceid").and_then(Value::as_str) else {
            continue;
        };
        let Some(resource_id) = resource_ids.iter().find(|id| id.eq_ignore_ascii_case(resource_id)) else {
            // A result for a resource we did not ask for is not trusted.
            continue;
        };
        series.extend(parse_metrics(resource_id, entry.get("value"), profile, window));
    }
    Ok(series)
}

/// Per-resource fallback when the batch endpoint is refused.
pub async fn fetch_one(
    client: &AzureClient,
    resource_id: &str,
    profile: MetricProfile,
    window: Window,
) -> Result<Vec<MetricSeries>, AzureError> {
    let timespan = format!("{}/{}", iso(window.start), iso(window.end));
    let interval = window.interval();
    let mut query = vec![
        ("api-version", API_VERSION),
        ("timespan", timespan.as_str()),
        ("interval", interval.as_str()),
        ("metricnames", profile.metric()),
        ("aggregation", profile.aggregation()),
        ("top", "50"),
    ];
    if let Some(filter) = profile.split_filter() {
        query.push(("$filter", filter));
    }
    let path = format!(
        "{}/providers/Microsoft.Insights/metrics",
        resource_id.trim_end_matches('/')
    );
    let url = client.endpoints().arm_url(&path, &query);
    let response = client.get(RequestKind::Metrics, Scope::ResourceManager, url).await?;
    Ok(parse_metrics(resource_id, response.get("value"), profile, window))
}

/// Turns Azure's `value[].timeseries[].data[]` into dense series on the requested grid. Empty buckets are
/// absent in Azure's answer and mean zero for count metrics.
fn parse_metrics(
    resource_id: &str,
    metrics: Option<&Value>,
    profile: MetricProfile,
    window: Window,
) -> Vec<MetricSeries> {
    let buckets = window.buckets();
    let step = window.step_secs.max(1) as i64;
    let mut out = Vec::new();
    for metric in metrics.and_then(Value::as_array).into_iter().flatten() {
        let name = metric
            .pointer("/name/value")
            .and_then(Value::as_str)
            .unwrap_or(profile.metric());
        for timeseries in metric.get("timeseries").and_then(Value::as_array).into_iter().flatten() {
            let split = timeseries
                .get("metadatavalues")
                .and_then(Value::as_array)
                .and_then(|values| values.first())
                .and_then(|m| {
                    let key = m.pointer("/name/value").and_then(Value::as_str)?;
                    let value = m.get("value").and_then(Value::as_str)?;
                    Some(format!("{key}={value}"))
                });
            let mut values = vec![0.0; buckets];
            for point in timeseries.get("data").and_then(Value::as_array).into_iter().flatten() {
                let Some(at) = point
                    .get("timeStamp")
                    .and_then(Value::as_str)
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                else {
                    continue;
                };
                let offset = at.unix_timestamp() - window.start;
                if offset < 0 || offset % step != 0 {
                    continue;
                }
                let index = (offset / step) as usize;
                let value = point
                    .get(profile.aggregation())
                    .and_then(Value::as_f64)
                    .filter(|v| v.is_finite());
                if let (Some(slot), Some(value)) = (values.get_mut(index), value) {
                    *slot = value;
                }
            }
            out.push(MetricSeries {
                resource_id: resource_id.to_string(),
                metric: name.to_string(),
                split,
                start: window.start,
                step_secs: window.step_secs,
                values,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_split_series_onto_the_grid_and_skips_foreign_points() {
        let window = Window {
            start: 1_700_000_000 - 1_700_000_000 % 300,
            end: 0,
            step_secs: 300,
        };
        let window = Window {
            end: window.start + 900,
            ..window
        };
        let metrics = json!([{
            "name": {"value": "AzureOpenAIRequests"},
            "timeseries": [
                {"metadatavalues": [{"name": {"value": "StatusCode"}, "value": "200"}],
                 "data": [{"timeStamp": iso(window.start), "total": 5.0},
                          {"timeStamp": iso(window.start + 600), "total": 7.0},
                          {"timeStamp": iso(window.start + 7), "total": 99.0},
                          {"timeStamp": "garbage", "total": 1.0},
                          {"timeStamp": iso(window.start + 300)}]},
                {"metadatavalues": [{"name": {"value": "StatusCode"}, "value": "401"}],
                 "data": [{"timeStamp": iso(window.start + 300), "total": 3.0}]}
            ]
        }]);
        let series = parse_metrics("/r", Some(&metrics), MetricProfile::OpenAiRequests, window);
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].split.as_deref(), Some("StatusCode=200"));
        assert_eq!(series[0].values, vec![5.0, 0.0, 7.0]);
        assert_eq!(series[1].values, vec![0.0, 3.0, 0.0]);
    }

    #[test]
    fn intervals_are_iso_durations() {
        assert_eq!(
            Window {
                start: 0,
                end: 0,
                step_secs: 300
            }
            .interval(),
            "PT5M"
        );
        assert_eq!(
            Window {
                start: 0,
                end: 0,
                step_secs: 3600
            }
            .interval(),
            "PT1H"
        );
    }
}

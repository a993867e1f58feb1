//! Azure Monitor metrics: per-resource `GET {id}/providers/Microsoft.Insights/metrics` and the data-plane
//! `POST /subscriptions/{s}/metrics:getBatch`. Buckets are aligned to the interval and summed from the
//! per-minute traffic function, so any split or grain agrees with any other.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::arm::{method_not_allowed, not_found_resource};
use super::scenario::{ResourceDef, Scenario};
use super::server::{Ctx, Reply, Shared};
use super::timeutil::{
    DAY, HOUR, MINUTE, floor_to, format_duration, iso, parse_duration, parse_instant, parse_timespan,
};
use super::traffic::{Agg, MetricDef, MetricKind, Namespace, ResourceTraffic};

const MAX_METRICS: usize = 20;
const MAX_BATCH_IDS: usize = 50;
/// Thirty-one days of minutes: bounds the memory a single request can make the emulator allocate.
const MAX_POINTS: i64 = 44_640;
/// Series × points one resource may produce in one answer.
const MAX_CELLS: usize = 2_000_000;
const RETENTION: i64 = 93 * DAY;
const GRAINS: [i64; 8] = [
    MINUTE,
    5 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
];

fn bad(message: &str) -> Reply {
    Reply::arm_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Everything parsed from the query string that shapes a metrics answer.
struct Request {
    start: i64,
    end: i64,
    /// Bucket width in seconds; equals `end - start` for `FULL`.
    step: i64,
    /// Aligned start of the first bucket.
    first: i64,
    names: Vec<String>,
    aggs: Option<Vec<Agg>>,
    filter: DimensionFilter,
    top: usize,
    order: Option<(Agg, bool)>,
    validate_dimensions: bool,
}

fn parse_interval(text: Option<&str>, span: i64) -> Result<(i64, bool), Reply> {
    match text {
        None => Ok((MINUTE, false)),
        Some(t) if t.eq_ignore_ascii_case("FULL") => Ok((span.max(MINUTE), true)),
        Some(t) => match parse_duration(t) {
            Some(d) if GRAINS.contains(&d) => Ok((d, false)),
            _ => Err(bad(&format!(
                "Invalid interval '{t}'. Supported intervals: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D, FULL."
            ))),
        },
    }
}

/// `Dim eq 'a' or Dim eq 'b' and Other eq '*'`: per dimension, `None` = every value (split), else the listed
/// values.
/// Per dimension: `None` = split by every value, else the listed values.
pub(crate) type DimensionFilter = Vec<(String, Option<Vec<String>>)>;

pub(crate) fn parse_filter(text: &str) -> Result<DimensionFilter, String> {
    let mut out: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for conj in split_outside_quotes(text, " and ") {
        let mut dim_name: Option<String> = None;
        let mut values: Vec<String> = Vec::new();
        let mut all = false;
        for clause in split_outside_quotes(&conj, " or ") {
            let clause = clause.trim().trim_start_matches('(').trim_end_matches(')').trim();
            let lower = clause.to_ascii_lowercase();
            let Some(pos) = lower.find(" eq ") else {
                return Err(format!(
                    "Invalid $filter clause '{clause}': expected \"Dimension eq 'value'\"."
                ));
            };
            let name = clause[..pos].trim();
            let value = clause[pos + 4..].trim();
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                return Err(format!("Invalid dimension name '{name}' in $filter."));
            }
            let Some(v) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else {
                return Err(format!(
                    "Invalid $filter value {value}: values must be quoted with single quotes."
                ));
            };
            if let Some(existing) = &dim_name
                && !existing.eq_ignore_ascii_case(name)
            {
                return Err("'or' may only combine values of the same dimension in $filter.".to_string());
            }
            dim_name = Some(name.to_string());
            if v == "*" {
                all = true;
            } else {
                values.push(v.to_string());
            }
        }
        let Some(name) = dim_name else { continue };
        match out.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            Some((_, existing)) => {
                if all {
                    *existing = None;
                } else if let Some(list) = existing {
                    list.extend(values);
                }
            }
            None => out.push((name, if all { None } else { Some(values) })),
        }
    }
    Ok(out)
}

fn split_outside_quotes(text: &str, sep: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quote = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            in_quote = !in_quote;
        } else if !in_quote && lower[i..].starts_with(sep) {
            parts.push(text[start..i].to_string());
            i += sep.len();
            start = i;
            continue;
        }
        i += 1;
    }
    parts.push(text[start..].to_string());
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

fn parse_common(ctx: &Ctx, start: i64, end: i64, filter_param: &str) -> Result<Request, Reply> {
    if end - start > RETENTION {
        return Err(bad(
            "The requested time range exceeds the 93-day retention of platform metrics.",
        ));
    }
    let (step, full) = parse_interval(ctx.param("interval"), end - start)?;
    let first = if full { start } else { floor_to(start, step) };
    let points = (end - first + step - 1) / step;
    if points > MAX_POINTS {
        return Err(bad(&format!(
            "The request asks for {points} data points per time series; at most {MAX_POINTS} are allowed. Use a larger interval or a shorter timespan."
        )));
    }
    let names: Vec<String> = match ctx.param("metricnames") {
        Some(list) => list
            .split(',')
            .map(|n| n.trim().replace("%2", ","))
            .filter(|n| !n.is_empty())
            .collect(),
        None => Vec::new(),
    };
    if names.len() > MAX_METRICS {
        return Err(bad(&format!(
            "Requested {} metrics; at most {MAX_METRICS} metric names are allowed per request.",
            names.len()
        )));
    }
    let aggs = match ctx.param("aggregation") {
        None => None,
        Some(list) => {
            let mut v = Vec::new();
            for a in list.split(',').filter(|a| !a.trim().is_empty()) {
                match Agg::parse(a) {
                    Some(agg) => {
                        if !v.contains(&agg) {
                            v.push(agg)
                        }
                    }
                    None => {
                        return Err(bad(&format!(
                            "Invalid aggregation '{a}'. Valid aggregations: Average, Count, Minimum, Maximum, Total."
                        )));
                    }
                }
            }
            Some(v)
        }
    };
    let filter = match ctx.param(filter_param) {
        Some(f) if !f.trim().is_empty() => parse_filter(f).map_err(|e| bad(&e))?,
        _ => Vec::new(),
    };
    let top = match ctx.param("top") {
        None => 10,
        Some(t) => match t.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(bad(&format!("Invalid top '{t}': expected a positive integer.")));
            }
        },
    };
    let order = match ctx.param("orderby") {
        None => None,
        Some(o) => {
            let mut parts = o.split_whitespace();
            let agg = parts.next().and_then(Agg::parse);
            let desc = match parts.next().map(|d| d.to_ascii_lowercase()) {
                None => false,
                Some(d) if d == "asc" => false,
                Some(d) if d == "desc" => true,
                Some(_) => return Err(bad(&format!("Invalid orderby '{o}'."))),
            };
            match agg {
                Some(a) => Some((a, desc)),
                None => return Err(bad(&format!("Invalid orderby '{o}'."))),
            }
        }
    };
    let validate_dimensions = !ctx
        .param("validatedimensions")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"));
    Ok(Request {
        start,
        end,
        step,
        first,
        names,
        aggs,
        filter,
        top,
        order,
        validate_dimensions,
    })
}

#[derive(Serialize)]
struct LocalizedName {
    value: String,
    #[serde(rename = "localizedValue")]
    localized_value: String,
}

#[derive(Serialize)]
struct MetadataValue {
    name: LocalizedName,
    value: String,
}

/// One data point: the timestamp (formatted once per request and shared) and the asked aggregations; an
/// empty bucket carries the timestamp only, as Azure does.
#[derive(Serialize)]
struct Point<'a> {
    #[serde(rename = "timeStamp")]
    time_stamp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    average: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    minimum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maximum: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<f64>,
}

#[derive(Serialize)]
struct TimeSeries<'a> {
    metadatavalues: Vec<MetadataValue>,
    data: Vec<Point<'a>>,
}

/// `GET …/metrics` answer, serialised straight to text (no intermediate JSON tree: a week of points for 50
/// resources is large).
#[derive(Serialize)]
struct MetricsAnswer<'a> {
    cost: u64,
    timespan: String,
    interval: String,
    namespace: &'static str,
    resourceregion: String,
    value: Vec<Metric<'a>>,
}

#[derive(Serialize)]
struct BatchEntry<'a> {
    starttime: String,
    endtime: String,
    interval: String,
    namespace: String,
    resourceregion: String,
    resourceid: String,
    value: Vec<Metric<'a>>,
}

#[derive(Serialize)]
struct BatchAnswer<'a> {
    values: Vec<BatchEntry<'a>>,
}

/// The timestamp of every bucket of a request, formatted once and shared by every series of the answer.
fn timestamps(req: &Request) -> Vec<String> {
    let buckets = (((req.end - req.first) + req.step - 1) / req.step).max(1);
    (0..buckets).map(|b| iso(req.first + b * req.step)).collect()
}

fn text_reply<T: Serialize>(answer: &T) -> Reply {
    match serde_json::to_string(answer) {
        Ok(text) => Reply::raw_json(StatusCode::OK, text),
        Err(e) => Reply::arm_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            &format!("The answer could not be serialised: {e}"),
        ),
    }
}

#[derive(Serialize)]
struct Metric<'a> {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: LocalizedName,
    #[serde(rename = "displayDescription")]
    display_description: &'static str,
    unit: &'static str,
    timeseries: Vec<TimeSeries<'a>>,
    #[serde(rename = "errorCode")]
    error_code: &'static str,
    #[serde(rename = "errorMessage", skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

#[derive(Clone, Copy, Default)]
struct Acc {
    sum: f64,
    min: f64,
    max: f64,
    n: u32,
}

impl Acc {
    fn add(&mut self, v: f64) {
        if self.n == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.sum += v;
        self.n += 1;
    }

    /// A whole block of `n` minutes whose values add up to `sum` (minimum and maximum are not kept: blocks
    /// are only used when neither is asked).
    fn add_block(&mut self, sum: f64, n: u32) {
        self.sum += sum;
        self.n += n;
    }

    fn value(&self, agg: Agg) -> f64 {
        match agg {
            Agg::Total => self.sum,
            Agg::Average => self.sum / f64::from(self.n.max(1)),
            Agg::Minimum => self.min,
            Agg::Maximum => self.max,
            Agg::Count => f64::from(self.n),
        }
    }
}

/// Per metric: the split dimension names and groups (key values, cells).
struct Plan<'m> {
    def: &'m MetricDef,
    split: Vec<String>,
    groups: Vec<(Vec<String>, Vec<usize>)>,
}

fn plan<'m>(def: &'m MetricDef, traffic: &ResourceTraffic<'_>, req: &Request) -> Result<Plan<'m>, Reply> {
    let mut split = Vec::new();
    let mut wanted: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for (dim, values) in &req.filter {
        let known = def.dimensions.iter().find(|d| d.eq_ignore_ascii_case(dim));
        match known {
            Some(d) => {
                split.push(d.to_string());
                wanted.push((d.to_string(), values.clone()));
            }
            None if req.validate_dimensions => {
                let supported = if def.dimensions.is_empty() {
                    "none".to_string()
                } else {
                    def.dimensions.join(",")
                };
                return Err(bad(&format!(
                    "Metric: {} does not support requested dimension combination: {}, supported ones are: {supported}",
                    def.name,
                    dim.to_ascii_lowercase()
                )));
            }
            None => {}
        }
    }
    let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    'cells: for cell in 0..traffic.cells.len() {
        let mut key = Vec::with_capacity(wanted.len());
        for (dim, values) in &wanted {
            let Some(v) = traffic.dimension_value(cell, dim) else {
                continue 'cells;
            };
            if let Some(list) = values
                && !list.iter().any(|x| x.eq_ignore_ascii_case(&v))
            {
                continue 'cells;
            }
            key.push(v);
        }
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, cells)) => cells.push(cell),
            None => groups.push((key, vec![cell])),
        }
    }
    if def.openai_only && !traffic.openai {
        // Defined on the namespace, never emitted by this kind: Azure answers an empty `timeseries`.
        groups.clear();
    } else if split.is_empty() && groups.is_empty() {
        groups.push((Vec::new(), Vec::new()));
    }
    Ok(Plan { def, split, groups })
}

/// Adds a whole block (an hour or five minutes of `minutes` minutes) to its bucket: its total and its count
/// of minutes, which is all that totals, averages and counts need.
#[allow(clippy::too_many_arguments)]
fn add_block(
    acc: &mut [Vec<Vec<Acc>>],
    plans: &[Plan<'_>],
    traffic: &ResourceTraffic<'_>,
    counts: &[u32],
    start: i64,
    minutes: u32,
    hour_calls: f64,
    req: &Request,
) {
    let bucket = ((start - req.first) / req.step) as usize;
    for (pi, p) in plans.iter().enumerate() {
        for (gi, (_, group)) in p.groups.iter().enumerate() {
            let sum = traffic.block_value(p.def, group, counts, start, minutes, hour_calls);
            if let Some(a) = acc[pi][gi].get_mut(bucket).filter(|_| !sum.is_nan()) {
                a.add_block(sum, minutes);
            }
        }
    }
}

/// Sampled calls per hour and cell of one resource over a span of hours, kept between requests: clients ask
/// the same resources over the same window several times in a row (for an OpenAI account, the status-code
/// split and then tokens and latency), and sampling the hours is the bulk of a metrics answer's work. The
/// counts of an hour depend only on the scenario (never on the clock), so an entry stays valid until a
/// write bumps the version.
#[derive(Default)]
pub(crate) struct HourCountCache {
    inner: std::sync::Mutex<HourCache>,
}

#[derive(Default)]
struct HourCache {
    version: u64,
    /// (lower-cased resource id, first hour, hours) → `hours × cells` counts, hour-major.
    entries: HashMap<(String, i64, usize), Arc<[u32]>>,
}

/// Entries kept at most (one per resource and window; a week of hourly counts of a resource with fifteen
/// cells is 10 KB): enough for the requests a client has in flight, then the cache starts over.
const HOUR_CACHE_ENTRIES: usize = 2_000;

impl HourCountCache {
    fn get_or_compute(
        &self,
        version: u64,
        key: (String, i64, usize),
        compute: impl FnOnce() -> Vec<u32>,
    ) -> Arc<[u32]> {
        if let Ok(cache) = self.inner.lock()
            && cache.version == version
            && let Some(hit) = cache.entries.get(&key)
        {
            return hit.clone();
        }
        // Computed outside the lock: the other worker thread keeps serving meanwhile.
        let counts: Arc<[u32]> = compute().into();
        if let Ok(mut cache) = self.inner.lock() {
            if cache.version != version || cache.entries.len() >= HOUR_CACHE_ENTRIES {
                cache.entries.clear();
                cache.version = version;
            }
            cache.entries.insert(key, counts.clone());
        }
        counts
    }
}

/// Computes the `value[]` of a metrics answer for one resource.
fn evaluate<'a>(
    shared: &Shared,
    s: &Scenario,
    r: &ResourceDef,
    req: &Request,
    now: i64,
    stamps: &'a [String],
) -> Result<(Vec<Metric<'a>>, u64), Reply> {
    let traffic = s.traffic_of(r);
    let namespace = traffic.namespace;
    let names: Vec<String> = if req.names.is_empty() {
        vec![namespace.metrics()[0].name.to_string()]
    } else {
        req.names.clone()
    };
    let mut plans = Vec::new();
    for name in &names {
        let Some(def) = namespace.find(name) else {
            return Err(bad(&namespace.unknown_metric_message(name)));
        };
        plans.push(plan(def, &traffic, req)?);
    }
    let buckets = ((req.end - req.first) + req.step - 1) / req.step;
    let buckets = buckets.max(1) as usize;
    let series: usize = plans.iter().map(|p| p.groups.len()).sum();
    if series.saturating_mul(buckets) > MAX_CELLS {
        return Err(bad(&format!(
            "The request asks for {series} time series of {buckets} points; at most {MAX_CELLS} values are allowed per resource. Narrow $filter, lower top, or use a larger interval."
        )));
    }
    let mut acc: Vec<Vec<Vec<Acc>>> = plans
        .iter()
        .map(|p| vec![vec![Acc::default(); buckets]; p.groups.len()])
        .collect();
    // Minutes that exist: complete, inside the window and within retention.
    let available_until = floor_to(now, MINUTE);
    let lo = floor_to(req.start, MINUTE).max(now - RETENTION).max(req.start);
    let hi = req.end.min(available_until);
    // The coarsest level whose blocks fall whole into buckets and can answer every asked aggregation: an
    // hour or a five-minute block adds up its calls in one go; minimum, maximum and per-minute ratios need
    // the minutes.
    let per_minute_only = plans.iter().any(|p| matches!(p.def.kind, MetricKind::ThrottledPercent))
        || plans.iter().any(|p| {
            let aggs = req.aggs.clone().unwrap_or_else(|| vec![p.def.primary]);
            aggs.iter().any(|a| matches!(a, Agg::Minimum | Agg::Maximum))
        })
        || req.order.is_some_and(|(a, _)| matches!(a, Agg::Minimum | Agg::Maximum));
    let block = if per_minute_only {
        MINUTE
    } else if req.step % HOUR == 0 && req.first % HOUR == 0 {
        HOUR
    } else if req.step % (5 * MINUTE) == 0 && req.first % (5 * MINUTE) == 0 {
        5 * MINUTE
    } else {
        MINUTE
    };
    let cells = traffic.cells.len();
    let first_hour = floor_to(lo, HOUR);
    let span = if hi > first_hour {
        ((hi - first_hour + HOUR - 1) / HOUR) as usize
    } else {
        0
    };
    let version = shared.version.load(std::sync::atomic::Ordering::Relaxed);
    let all_hours = shared
        .hour_counts
        .get_or_compute(version, (r.id.to_ascii_lowercase(), first_hour, span), || {
            let mut all = Vec::with_capacity(span * cells);
            let mut one = Vec::new();
            for k in 0..span {
                traffic.hour_counts(first_hour + k as i64 * HOUR, &mut one);
                all.extend_from_slice(&one);
            }
            all
        });
    let (mut blocks, mut minutes) = (Vec::new(), Vec::new());
    let mut cost: u64 = 0;
    let mut hour = first_hour;
    while hour < hi {
        let k = ((hour - first_hour) / HOUR) as usize;
        let hours = all_hours.get(k * cells..(k + 1) * cells).unwrap_or_default();
        let hour_calls: f64 = hours.iter().map(|c| f64::from(*c)).sum();
        if block == HOUR && hour >= lo && hour + HOUR <= hi {
            add_block(&mut acc, &plans, &traffic, hours, hour, 60, hour_calls, req);
            cost += 60;
            hour += HOUR;
            continue;
        }
        traffic.block_counts(hour, hours, &mut blocks);
        for b in 0..12 {
            let start = hour + b * 5 * MINUTE;
            if start + 5 * MINUTE <= lo || start >= hi {
                continue;
            }
            let counts = &blocks[b as usize * cells..(b as usize + 1) * cells];
            if block >= 5 * MINUTE && start >= lo && start + 5 * MINUTE <= hi {
                add_block(&mut acc, &plans, &traffic, counts, start, 5, hour_calls, req);
                cost += 5;
                continue;
            }
            traffic.minute_counts(start, counts, &mut minutes);
            for m in 0..5 {
                let minute = start + m * MINUTE;
                if minute < lo || minute >= hi {
                    continue;
                }
                let counts = &minutes[m as usize * cells..(m as usize + 1) * cells];
                let bucket = ((minute - req.first) / req.step) as usize;
                for (pi, p) in plans.iter().enumerate() {
                    for (gi, (_, group)) in p.groups.iter().enumerate() {
                        let v = traffic.minute_value(p.def, group, counts, minute, hour_calls);
                        // NaN = no value this minute (a latency without calls): Azure leaves the minute out.
                        if let Some(a) = acc[pi][gi].get_mut(bucket).filter(|_| !v.is_nan()) {
                            a.add(v);
                        }
                    }
                }
                cost += 1;
            }
        }
        hour += HOUR;
    }
    let mut out = Vec::new();
    for (pi, p) in plans.iter().enumerate() {
        let aggs = req.aggs.clone().unwrap_or_else(|| vec![p.def.primary]);
        let mut series: Vec<(Vec<String>, Vec<Acc>)> = p
            .groups
            .iter()
            .zip(acc[pi].drain(..))
            .map(|((key, _), a)| (key.clone(), a))
            .collect();
        if !p.split.is_empty() {
            series.retain(|(_, a)| a.iter().any(|x| x.n > 0 && x.sum != 0.0));
            let (order_agg, desc) = req.order.unwrap_or((p.def.primary, true));
            let score = |a: &[Acc]| -> f64 {
                let with_data: Vec<&Acc> = a.iter().filter(|x| x.n > 0).collect();
                match order_agg {
                    Agg::Total | Agg::Count => with_data.iter().map(|x| x.value(order_agg)).sum(),
                    Agg::Maximum => with_data.iter().map(|x| x.max).fold(f64::MIN, f64::max),
                    Agg::Minimum => with_data.iter().map(|x| x.min).fold(f64::MAX, f64::min),
                    Agg::Average => {
                        let n: u32 = with_data.iter().map(|x| x.n).sum();
                        with_data.iter().map(|x| x.sum).sum::<f64>() / f64::from(n.max(1))
                    }
                }
            };
            series.sort_by(|(ka, a), (kb, b)| {
                let (sa, sb) = (score(a), score(b));
                let ord = if desc { sb.partial_cmp(&sa) } else { sa.partial_cmp(&sb) };
                ord.unwrap_or(std::cmp::Ordering::Equal).then_with(|| ka.cmp(kb))
            });
            series.truncate(req.top);
        }
        let timeseries = series
            .into_iter()
            .map(|(key, a)| TimeSeries {
                metadatavalues: p
                    .split
                    .iter()
                    .zip(key)
                    .map(|(dim, value)| MetadataValue {
                        name: LocalizedName {
                            value: dim.to_ascii_lowercase(),
                            localized_value: dim.to_ascii_lowercase(),
                        },
                        value,
                    })
                    .collect(),
                data: a
                    .iter()
                    .zip(stamps.iter())
                    .map(|(x, stamp)| {
                        let value = |agg: Agg| (x.n > 0 && aggs.contains(&agg)).then(|| x.value(agg));
                        Point {
                            time_stamp: stamp.as_str(),
                            average: value(Agg::Average),
                            minimum: value(Agg::Minimum),
                            maximum: value(Agg::Maximum),
                            total: value(Agg::Total),
                            count: value(Agg::Count),
                        }
                    })
                    .collect(),
            })
            .collect();
        out.push(Metric {
            id: format!("{}/providers/Microsoft.Insights/metrics/{}", r.id, p.def.name),
            kind: "Microsoft.Insights/metrics",
            name: LocalizedName {
                value: p.def.name.to_string(),
                localized_value: p.def.localized.to_string(),
            },
            display_description: p.def.description,
            unit: p.def.unit,
            timeseries,
            error_code: "Success",
            error_message: None,
        });
    }
    Ok((out, cost * plans.len() as u64))
}

fn region(r: &ResourceDef) -> String {
    r.location.to_ascii_lowercase().replace(' ', "")
}

pub(crate) fn get(shared: &Shared, ctx: &Ctx, scope: &str) -> Reply {
    if ctx.method != Method::GET {
        return method_not_allowed(ctx);
    }
    let s = shared.read();
    let now = shared.clock(&s);
    let Some(r) = s.find(scope) else {
        return not_found_resource(&s, scope);
    };
    if let Some(ns) = ctx.param("metricnamespace")
        && !ns.eq_ignore_ascii_case(r.namespace().name())
    {
        return bad(&format!(
            "Metric namespace '{ns}' is not valid for resource type '{}'.",
            r.arm_type
        ));
    }
    let (start, end) = match ctx.param("timespan") {
        None => (now - HOUR, now),
        Some(t) => match parse_timespan(t, now) {
            Some(w) => w,
            None => {
                return bad(&format!(
                    "Invalid timespan '{t}'. Use 'start/end' in ISO-8601, e.g. 2026-01-01T00:00:00Z/2026-01-02T00:00:00Z."
                ));
            }
        },
    };
    let req = match parse_common(ctx, start, end, "$filter") {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let stamps = timestamps(&req);
    let (value, cost) = match evaluate(shared, &s, r, &req, now, &stamps) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    text_reply(&MetricsAnswer {
        cost,
        timespan: format!("{}/{}", iso(req.start), iso(req.end)),
        interval: format_duration(req.step),
        namespace: r.namespace().name(),
        resourceregion: region(r),
        value,
    })
}

pub(crate) fn batch(shared: &Shared, ctx: &Ctx, sub: &str) -> Reply {
    if ctx.method != Method::POST {
        return method_not_allowed(ctx);
    }
    if ctx.has_param("timespan") {
        return bad(
            "Detected invalid time range parameters for API version 2024-02-01. Please use only starttime and endtime to specify a time range.",
        );
    }
    let s = shared.read();
    let now = shared.clock(&s);
    let (start, end) = match (ctx.param("starttime"), ctx.param("endtime")) {
        (None, None) => (now - HOUR, now),
        (Some(a), Some(b)) => match (parse_instant(a), parse_instant(b)) {
            (Some(a), Some(b)) if a < b => (a, b),
            _ => {
                return bad(&format!(
                    "Invalid time range '{a}' to '{b}': starttime must be an ISO-8601 instant before endtime."
                ));
            }
        },
        _ => return bad("Both starttime and endtime must be given, or neither."),
    };
    let Some(namespace_text) = ctx.param("metricnamespace") else {
        return bad("The metricnamespace parameter is required.");
    };
    let Some(namespace) = Namespace::from_arm_type(namespace_text) else {
        return bad(&format!("Unknown metric namespace '{namespace_text}'."));
    };
    if ctx.param("metricnames").is_none_or(|m| m.trim().is_empty()) {
        return bad("The metricnames parameter is required.");
    }
    let body = match ctx.json_body() {
        Ok(b) => b,
        Err(reply) => return reply,
    };
    let Some(ids) = body.get("resourceids").and_then(Value::as_array) else {
        return bad("The request body must be {\"resourceids\": [\"<resource id>\", ...]}.");
    };
    let ids: Vec<String> = ids.iter().filter_map(Value::as_str).map(str::to_string).collect();
    if ids.is_empty() {
        return bad("At least one resource id is required in 'resourceids'.");
    }
    if ids.len() > MAX_BATCH_IDS {
        return bad(&format!(
            "Maximum list of resource ids supported is {MAX_BATCH_IDS}; the request contained {}.",
            ids.len()
        ));
    }
    let req = match parse_common(ctx, start, end, "filter") {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    // All known ids must share subscription (the one in the path), region and type.
    let mut region_seen: Option<String> = None;
    let mut found: Vec<Option<&ResourceDef>> = Vec::with_capacity(ids.len());
    for id in &ids {
        let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
        let id_sub = segs.get(1).copied().unwrap_or_default();
        if !id_sub.eq_ignore_ascii_case(sub) {
            return bad(&format!(
                "All resource ids must be in the subscription of the request path ('{sub}'); '{id}' is not."
            ));
        }
        let r = s.find(id);
        found.push(r);
        if let Some(r) = r {
            if r.namespace() != namespace {
                return bad(&format!(
                    "All resource ids must be of the type of metricnamespace '{namespace_text}'; '{id}' is a {}.",
                    r.arm_type
                ));
            }
            let reg = region(r);
            match &region_seen {
                Some(seen) if *seen != reg => {
                    return bad(&format!(
                        "All resource ids must be in the same region; found both '{seen}' and '{reg}'."
                    ));
                }
                _ => region_seen = Some(reg),
            }
        }
    }
    let stamps = timestamps(&req);
    // The same for every entry of the answer: formatted once.
    let (starttime, endtime, interval) = (iso(req.start), iso(req.end), format_duration(req.step));
    let namespace_name = namespace.name().to_ascii_lowercase();
    let mut values = Vec::with_capacity(ids.len());
    for (id, found) in ids.iter().zip(found) {
        let entry = match found {
            Some(r) => match evaluate(shared, &s, r, &req, now, &stamps) {
                Ok((value, _)) => BatchEntry {
                    starttime: starttime.clone(),
                    endtime: endtime.clone(),
                    interval: interval.clone(),
                    namespace: namespace_name.clone(),
                    resourceregion: region(r),
                    resourceid: r.id.clone(),
                    value,
                },
                Err(reply) => return reply,
            },
            None => {
                let value: Vec<Metric> = req
                    .names
                    .iter()
                    .map(|n| Metric {
                        id: format!("{id}/providers/Microsoft.Insights/metrics/{n}"),
                        kind: "Microsoft.Insights/metrics",
                        name: LocalizedName {
                            value: n.clone(),
                            localized_value: n.clone(),
                        },
                        display_description: "",
                        unit: "Unspecified",
                        timeseries: Vec::new(),
                        error_code: "ResourceNotFound",
                        error_message: Some(format!("The resource '{id}' was not found.")),
                    })
                    .collect();
                BatchEntry {
                    starttime: starttime.clone(),
                    endtime: endtime.clone(),
                    interval: interval.clone(),
                    namespace: namespace_name.clone(),
                    resourceregion: region_seen.clone().unwrap_or_default(),
                    resourceid: id.clone(),
                    value,
                }
            }
        };
        values.push(entry);
    }
    text_reply(&BatchAnswer { values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_like_azure() {
        let f = parse_filter("StatusCode eq '*' and ModelDeploymentName eq 'a' or ModelDeploymentName eq 'b'")
            .unwrap_or_default();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0], ("StatusCode".to_string(), None));
        assert_eq!(
            f[1],
            (
                "ModelDeploymentName".to_string(),
                Some(vec!["a".to_string(), "b".to_string()])
            )
        );
        assert!(parse_filter("StatusCode eq '401' or ApiName eq 'x'").is_err());
        assert!(parse_filter("StatusCode = 401").is_err());
        assert!(parse_filter("StatusCode eq 401").is_err());
        // Quoted separators are not split.
        let f = parse_filter("ModelDeploymentName eq 'x and y'").unwrap_or_default();
        assert_eq!(f[0].1, Some(vec!["x and y".to_string()]));
    }
}

//! Azure Monitor metrics: per-resource `GET {id}/providers/Microsoft.Insights/metrics` and the data-plane
//! `POST /subscriptions/{s}/metrics:getBatch`. Buckets are aligned to the interval and summed from the
//! per-minute traffic function, so any split or grain agrees with any other.

use axum::http::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};

use super::arm::{method_not_allowed, not_found_resource};
use super::scenario::{ResourceDef, Scenario};
use super::server::{Ctx, Reply, Shared};
use super::timeutil::{
    DAY, HOUR, MINUTE, floor_to, format_duration, iso, parse_duration, parse_instant, parse_timespan,
};
use super::traffic::{Agg, MetricDef, Namespace, ResourceTraffic};

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

#[derive(Serialize)]
struct TimeSeries {
    metadatavalues: Vec<MetadataValue>,
    data: Vec<Value>,
}

#[derive(Serialize)]
struct Metric {
    id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    name: LocalizedName,
    #[serde(rename = "displayDescription")]
    display_description: &'static str,
    unit: &'static str,
    timeseries: Vec<TimeSeries>,
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
    if split.is_empty() && groups.is_empty() {
        groups.push((Vec::new(), Vec::new()));
    }
    Ok(Plan { def, split, groups })
}

/// Computes the `value[]` of a metrics answer for one resource.
fn evaluate(s: &Scenario, r: &ResourceDef, req: &Request, now: i64) -> Result<(Vec<Metric>, u64), Reply> {
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
    let lo = floor_to(req.start, MINUTE).max(now - RETENTION);
    let hi = req.end.min(available_until);
    let mut counts = Vec::new();
    let mut minute = lo;
    let mut cost: u64 = 0;
    while minute < hi {
        if minute >= req.start {
            traffic.sample(minute, &mut counts);
            let b = ((minute - req.first) / req.step) as usize;
            for (pi, p) in plans.iter().enumerate() {
                for (gi, (_, cells)) in p.groups.iter().enumerate() {
                    let v = traffic.minute_value(p.def, cells, &counts, minute);
                    if let Some(a) = acc[pi][gi].get_mut(b) {
                        a.add(v);
                    }
                }
            }
            cost += 1;
        }
        minute += MINUTE;
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
                    .enumerate()
                    .map(|(b, x)| {
                        let mut point = serde_json::Map::new();
                        point.insert("timeStamp".into(), json!(iso(req.first + b as i64 * req.step)));
                        if x.n > 0 {
                            for agg in &aggs {
                                point.insert(agg.key().into(), json!(x.value(*agg)));
                            }
                        }
                        Value::Object(point)
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
    let (value, cost) = match evaluate(&s, r, &req, now) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let body = json!({
        "cost": cost,
        "timespan": format!("{}/{}", iso(req.start), iso(req.end)),
        "interval": format_duration(req.step),
        "namespace": r.namespace().name(),
        "resourceregion": region(r),
        "value": value,
    });
    Reply::ok(&body)
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
    for id in &ids {
        let segs: Vec<&str> = id.trim_start_matches('/').split('/').collect();
        let id_sub = segs.get(1).copied().unwrap_or_default();
        if !id_sub.eq_ignore_ascii_case(sub) {
            return bad(&format!(
                "All resource ids must be in the subscription of the request path ('{sub}'); '{id}' is not."
            ));
        }
        if let Some(r) = s.find(id) {
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
    let mut values = Vec::with_capacity(ids.len());
    for id in &ids {
        let entry = match s.find(id) {
            Some(r) => match evaluate(&s, r, &req, now) {
                Ok((value, _)) => json!({
                    "starttime": iso(req.start),
                    "endtime": iso(req.end),
                    "interval": format_duration(req.step),
                    "namespace": namespace.name().to_ascii_lowercase(),
                    "resourceregion": region(r),
                    "resourceid": r.id,
                    "value": value,
                }),
                Err(reply) => return reply,
            },
            None => {
                let names = req.names.clone();
                let value: Vec<Metric> = names
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
                json!({
                    "starttime": iso(req.start),
                    "endtime": iso(req.end),
                    "interval": format_duration(req.step),
                    "namespace": namespace.name().to_ascii_lowercase(),
                    "resourceregion": region_seen.clone().unwrap_or_default(),
                    "resourceid": id,
                    "value": value,
                })
            }
        };
        values.push(entry);
    }
    Reply::ok(&json!({ "values": values }))
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

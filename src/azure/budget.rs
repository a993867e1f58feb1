//! Throttle budget: Azure tells how much quota is left in response headers. Rather than wait for a 429,
//! the client spaces out requests of a quota that is running low, in proportion to how low it is.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// Independent quotas: Resource Graph counts per principal, ARM reads and writes per subscription and principal
/// (separate buckets), Cost Management per tenant (QPU), Log Analytics per user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quota {
    ResourceGraph,
    ArmReads,
    ArmWrites,
    CostManagement,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaState {
    pub remaining: u64,
    /// When the window resets, if the service said so (Resource Graph).
    pub resets_at: Option<Instant>,
    pub seen_at: Instant,
}

/// Remaining quota per (quota, partition). ARM read buckets are per subscription: the partition is the
/// lower-case subscription id (empty for tenant-level reads); Resource Graph and Cost Management quotas are
/// per principal or tenant and use the empty partition.
#[derive(Debug, Default)]
pub struct Budget {
    quotas: Mutex<HashMap<(Quota, String), QuotaState>>,
}

/// Below this many requests left, requests of that quota are spaced out.
fn low_water(quota: Quota) -> u64 {
    match quota {
        // 15 queries per 5-second window in the documented example.
        Quota::ResourceGraph => 3,
        // Token bucket of 250 that refills at 25/s per subscription.
        Quota::ArmReads => 25,
        // Token bucket of 200 that refills at 10/s per subscription.
        Quota::ArmWrites => 20,
        Quota::CostManagement => 2,
    }
}

/// How fast the quota comes back, per second, when the service does not say when it resets.
fn refill_per_sec(quota: Quota) -> f64 {
    match quota {
        Quota::ResourceGraph => 3.0,
        Quota::ArmReads => 25.0,
        Quota::ArmWrites => 10.0,
        Quota::CostManagement => 0.2,
    }
}

impl Budget {
    /// Reads the quota headers of a response to a request on `subscription` (empty when none).
    pub fn observe(&self, headers: &HeaderMap, subscription: &str) {
        let now = Instant::now();
        let number = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok();
        let mut updates = Vec::new();
        if let Some(remaining) = number("x-ms-user-quota-remaining") {
            let resets_at = headers
                .get("x-ms-user-quota-resets-after")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_hms)
                .and_then(|d| now.checked_add(d.min(LONGEST_RESET)));
            updates.push((
                Quota::ResourceGraph,
                QuotaState {
                    remaining,
                    resets_at,
                    seen_at: now,
                },
            ));
        }
        // The tightest of the subscription, tenant and global buckets is the one that bites; ARM announces the
        // read buckets on reads and the write buckets on writes.
        let arm_buckets = [
            (
                Quota::ArmReads,
                [
                    "x-ms-ratelimit-remaining-subscription-reads",
                    "x-ms-ratelimit-remaining-subscription-global-reads",
                    "x-ms-ratelimit-remaining-tenant-reads",
                ],
            ),
            (
                Quota::ArmWrites,
                [
                    "x-ms-ratelimit-remaining-subscription-writes",
                    "x-ms-ratelimit-remaining-subscription-global-writes",
                    "x-ms-ratelimit-remaining-tenant-writes",
                ],
            ),
        ];
        for (quota, names) in arm_buckets {
            if let Some(remaining) = names.iter().filter_map(|name| number(name)).min() {
                updates.push((
                    quota,
                    QuotaState {
                        remaining,
                        resets_at: None,
                        seen_at: now,
                    },
                ));
            }
        }
        let cost = headers
            .iter()
            .filter(|(name, _)| {
                name.as_str().starts_with("x-ms-ratelimit-microsoft.costmanagement-")
                    && name.as_str().ends_with("-remaining")
            })
            .filter_map(|(_, value)| {
                // `qpu-remaining` may be a list like `QueryQpu:10,QueryQpuPerMinute:59`: take the smallest.
                value
                    .to_str()
                    .ok()?
                    .split([',', ';'])
                    .filter_map(|part| part.rsplit(':').next()?.trim().parse::<f64>().ok())
                    .map(|v| v.max(0.0) as u64)
                    .min()
            })
            .min();
        if let Some(remaining) = cost {
            updates.push((
                Quota::CostManagement,
                QuotaState {
                    remaining,
                    resets_at: None,
                    seen_at: now,
                },
            ));
        }
        if updates.is_empty() {
            return;
        }
        if let Ok(mut quotas) = self.quotas.lock() {
            for (quota, state) in updates {
                quotas.insert((quota, partition(quota, subscription)), state);
            }
        }
    }

    /// How long to wait before the next request against `quota` on `subscription` (empty when none).
    pub fn delay(&self, quota: Quota, subscription: &str) -> Duration {
        let key = (quota, partition(quota, subscription));
        let Some(state) = self.quotas.lock().ok().and_then(|q| q.get(&key).copied()) else {
            return Duration::ZERO;
        };
        pace(quota, &state, Instant::now())
    }

    /// The lowest remaining count seen per quota (across subscriptions for ARM's buckets).
    pub fn snapshot(&self) -> Vec<(Quota, u64)> {
        let mut lowest: HashMap<Quota, u64> = HashMap::new();
        if let Ok(quotas) = self.quotas.lock() {
            for ((quota, _), state) in quotas.iter() {
                let entry = lowest.entry(*quota).or_insert(state.remaining);
                *entry = (*entry).min(state.remaining);
            }
        }
        let mut all: Vec<(Quota, u64)> = lowest.into_iter().collect();
        all.sort();
        all
    }
}

/// ARM buckets are per subscription; the other quotas have one bucket per principal or tenant.
fn partition(quota: Quota, subscription: &str) -> String {
    match quota {
        Quota::ArmReads | Quota::ArmWrites => subscription.to_ascii_lowercase(),
        Quota::ResourceGraph | Quota::CostManagement => String::new(),
    }
}

/// Zero above the low-water mark; below it, the time for the quota to come back to the mark (or until the
/// announced reset), minus the time already passed since the reading.
fn pace(quota: Quota, state: &QuotaState, now: Instant) -> Duration {
    let mark = low_water(quota);
    if state.remaining >= mark {
        return Duration::ZERO;
    }
    let wait = match state.resets_at {
        Some(reset) if state.remaining == 0 => reset.saturating_duration_since(state.seen_at),
        _ => Duration::from_secs_f64((mark - state.remaining) as f64 / refill_per_sec(quota)),
    };
    wait.saturating_sub(now.saturating_duration_since(state.seen_at))
        .min(Duration::from_secs(60))
}

/// A quota reset further away than this is taken as this far: pacing waits at most a minute at a time anyway.
const LONGEST_RESET: Duration = Duration::from_secs(3600);

/// `hh:mm:ss` as sent in `x-ms-user-quota-resets-after`; `None` for anything else, numbers too large included.
pub(crate) fn parse_hms(text: &str) -> Option<Duration> {
    let mut parts = text.trim().split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    let seconds = h.checked_mul(3600)?.checked_add(m.checked_mul(60)?)?.checked_add(s)?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn slows_down_only_near_zero_and_less_as_time_passes() {
        let budget = Budget::default();
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ms-ratelimit-remaining-subscription-reads",
            HeaderValue::from_static("200"),
        );
        budget.observe(&headers, "s1");
        assert_eq!(budget.delay(Quota::ArmReads, "s1"), Duration::ZERO);

        let seen = Instant::now();
        let low = QuotaState {
            remaining: 5,
            resets_at: None,
            seen_at: seen,
        };
        assert_eq!(
            pace(Quota::ArmReads, &low, seen),
            Duration::from_millis(800),
            "20 below the mark at 25/s"
        );
        assert_eq!(
            pace(Quota::ArmReads, &low, seen + Duration::from_millis(300)),
            Duration::from_millis(500)
        );
        assert_eq!(
            pace(Quota::ArmReads, &low, seen + Duration::from_secs(5)),
            Duration::ZERO
        );

        headers.insert(
            "x-ms-ratelimit-remaining-subscription-global-reads",
            HeaderValue::from_static("5"),
        );
        budget.observe(&headers, "S1");
        assert!(
            budget.delay(Quota::ArmReads, "s1") > Duration::from_millis(700),
            "the tightest bucket wins"
        );
        assert_eq!(
            budget.delay(Quota::ArmReads, "s2"),
            Duration::ZERO,
            "another subscription's bucket is its own"
        );

        let mut graph = HeaderMap::new();
        graph.insert("x-ms-user-quota-remaining", HeaderValue::from_static("0"));
        graph.insert("x-ms-user-quota-resets-after", HeaderValue::from_static("00:00:04"));
        budget.observe(&graph, "s1");
        let graph_delay = budget.delay(Quota::ResourceGraph, "s2");
        assert!(graph_delay <= Duration::from_secs(4) && graph_delay > Duration::from_millis(3900));
        assert_eq!(
            budget.delay(Quota::CostManagement, ""),
            Duration::ZERO,
            "never seen: no delay"
        );

        // A reset ages away (or a number that overflows) cannot panic the client; it is simply a long wait.
        for resets in [
            "5000000000000000:00:00",
            "99999999999999999999:00:00",
            "2562047788015215:30:08",
        ] {
            let mut hostile = HeaderMap::new();
            hostile.insert("x-ms-user-quota-remaining", HeaderValue::from_static("0"));
            hostile.insert("x-ms-user-quota-resets-after", HeaderValue::from_str(resets).unwrap());
            budget.observe(&hostile, "s1");
            assert!(
                budget.delay(Quota::ResourceGraph, "s1") <= Duration::from_secs(60),
                "{resets}"
            );
        }

        let mut cost = HeaderMap::new();
        cost.insert(
            "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining",
            HeaderValue::from_static("QueryQpu:1,QueryQpuPerMinute:40"),
        );
        budget.observe(&cost, "s1");
        assert!(budget.snapshot().contains(&(Quota::CostManagement, 1)));
        assert!(budget.delay(Quota::CostManagement, "s9") > Duration::from_millis(4900));
    }
}

//! Small text formatters for the panes.

use time::OffsetDateTime;

pub use crate::model::count;

/// `MM-DD HH:MM` UTC.
pub fn day_clock(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| {
            format!(
                "{:02}-{:02} {:02}:{:02}",
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

/// Coarse age: `45s`, `12m`, `3h`, `2d`.
pub fn age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m", s / 60),
        3600..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

/// [`age`] to the minute (`<1m`, `12m`, `3h`): what the header shows, so that an idle screen changes once a
/// minute, not every second.
pub fn minute_age(seconds: i64) -> String {
    if seconds < 60 { "<1m".to_string() } else { age(seconds) }
}

/// Seconds until [`minute_age`] of something `seconds` old reads differently.
pub fn minute_age_changes_in(seconds: i64) -> i64 {
    if seconds < 60 {
        60 - seconds.max(0)
    } else {
        age_changes_in(seconds)
    }
}

/// Seconds until [`age`] of something `seconds` old reads differently (`45s` in one, `12m` at the next minute).
pub fn age_changes_in(seconds: i64) -> i64 {
    let s = seconds.max(0);
    let unit = match s {
        0..=59 => 1,
        60..=3599 => 60,
        3600..=172_799 => 3600,
        _ => 86_400,
    };
    unit - s % unit
}

/// "1 in N" for a surprise of −log10 p.
pub fn rarity(surprise: f64) -> String {
    if !surprise.is_finite() || surprise <= 0.0 {
        return "common".into();
    }
    if surprise > 12.0 {
        return "beyond 1 in 10¹²".into();
    }
    format!("1 in {}", count(10f64.powf(surprise)))
}

/// Rarity for the alerts table: novelty has no probability (nothing like it was seen), so it says so.
pub fn alert_rarity(alert: &crate::model::Alert) -> String {
    if alert.reason == crate::anomaly::Component::Novelty.reason() {
        "new high".into()
    } else if alert.reason == crate::anomaly::DROP_REASON {
        "drop".into()
    } else {
        rarity(alert.surprise)
    }
}

pub fn usage_date(date: u32) -> String {
    format!("{:02}-{:02}", date / 100 % 100, date % 100)
}

/// A watched metric's short name for the alerts table (its details keep Azure's name).
pub fn metric_short(metric: &str) -> &str {
    const SHORT: [(&str, &str); 5] = [
        ("AzureOpenAIRequests", "requests"),
        ("TotalCalls", "calls"),
        ("SearchQueriesPerSecond", "queries/s"),
        ("TokenTransaction", "tokens"),
        ("401 responses", "401s"),
    ];
    SHORT
        .iter()
        .find(|(long, _)| long.eq_ignore_ascii_case(metric))
        .map_or(metric, |(_, short)| short)
}

/// Cuts the middle out to fit `width` characters: resource names differ at their ends (`…-prod-00040`,
/// `…-prod-08713`), which an ellipsis at the end would hide.
pub fn fit_middle(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    if width < 5 {
        return fit(text, width);
    }
    let tail = (width - 1) / 2;
    let head = width - 1 - tail;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

/// Cuts to `width` characters with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `path = observed` for tables, without the `properties.` prefix every resource property shares.
pub fn evidence(evidence: &crate::model::Evidence) -> String {
    let path = evidence.path.strip_prefix("properties.").unwrap_or(&evidence.path);
    format!("{path} = {}", evidence.observed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(count(4210.0), "4,210");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(12.34), "12.3");
        assert_eq!(count(f64::NAN), "–");
        assert_eq!(age(42), "42s");
        assert_eq!(age(7200), "2h");
        for seconds in [0, 42, 59, 60, 125, 3599, 3600, 7199, 172_799, 172_800, 200_000] {
            let wait = age_changes_in(seconds);
            assert!(wait >= 1);
            assert_eq!(age(seconds + wait - 1), age(seconds), "{seconds}: unchanged until then");
            assert_ne!(age(seconds + wait), age(seconds), "{seconds}: changed then");
            let wait = minute_age_changes_in(seconds);
            assert!(wait >= 1);
            assert_eq!(minute_age(seconds + wait - 1), minute_age(seconds), "{seconds}");
            assert_ne!(minute_age(seconds + wait), minute_age(seconds), "{seconds}");
        }
        assert_eq!(minute_age(42), "<1m");
        assert_eq!(fit_middle("aoai-rag-prod-eus-00040", 11), "aoai-…00040");
        assert_eq!(fit_middle("short", 11), "short");
        assert_eq!(fit_middle("aoai-rag-prod", 4), "aoa…");
        assert_eq!(fit_middle("aoai-rag-prod-eus-00040", 11).chars().count(), 11);
        assert_eq!(minute_age(125), "2m");
        assert_eq!(rarity(3.0), "1 in 1,000");
        assert_eq!(usage_date(20261121), "11-21");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(day_clock(3600 * 13 + 60 * 5), "01-01 13:05");
    }
}

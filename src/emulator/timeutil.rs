//! ISO-8601 instants and durations as Azure writes them. Everything is unix seconds internally.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 3_600;
pub(crate) const DAY: i64 = 86_400;

/// `2026-01-01T00:00:00Z`: Azure Monitor and Log Analytics print whole seconds with a `Z`.
pub(crate) fn iso(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => String::from("1970-01-01T00:00:00Z"),
    }
}

/// Log rows carry sub-second precision in real workspaces; keep milliseconds so clients parse both forms.
pub(crate) fn iso_millis(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let ms = unix_ms.rem_euclid(1000);
    let base = iso(secs);
    format!("{}.{:03}Z", base.trim_end_matches('Z'), ms)
}

/// Accepts RFC 3339 with or without fractional seconds, and the zone-less form some clients send (read as UTC).
pub(crate) fn parse_instant(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let zoned = format!("{text}Z");
    if let Ok(t) = OffsetDateTime::parse(&zoned, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    // Date only (`2026-01-31`), as Cost Management sometimes receives.
    let with_time = format!("{text}T00:00:00Z");
    OffsetDateTime::parse(&with_time, &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// ISO-8601 duration such as `PT1M`, `PT24H`, `P1D`, `P7DT12H`, `PT30S`. Years and months are refused: their
/// length depends on the calendar and no Azure API used here accepts them.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let upper = text.trim().to_ascii_uppercase();
    let rest = upper.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => {
            if t.is_empty() {
                return None;
            }
            (d, Some(t))
        }
        None => (rest, None),
    };
    let mut total: i64 = 0;
    total = total.checked_add(sum_units(date_part, &[('W', 7 * DAY), ('D', DAY)])?)?;
    if let Some(t) = time_part {
        total = total.checked_add(sum_units(t, &[('H', HOUR), ('M', MINUTE), ('S', 1)])?)?;
    }
    (total > 0).then_some(total)
}

fn sum_units(part: &str, units: &[(char, i64)]) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut last_rank = None;
    for c in part.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let rank = units.iter().position(|(u, _)| *u == c)?;
        // Units must appear in order and once each.
        if last_rank.is_some_and(|r| r >= rank) || number.is_empty() {
            return None;
        }
        last_rank = Some(rank);
        let n: i64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(units[rank].1)?)?;
        number.clear();
    }
    number.is_empty().then_some(total)
}

/// Prints seconds the way Azure echoes intervals (`PT1M`, `PT1H`, `P1D`).
pub(crate) fn format_duration(secs: i64) -> String {
    if secs > 0 && secs % DAY == 0 {
        return format!("P{}D", secs / DAY);
    }
    let mut out = String::from("PT");
    let (h, m, s) = (secs / HOUR, (secs % HOUR) / MINUTE, secs % MINUTE);
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    if s > 0 || out == "PT" {
        out.push_str(&format!("{s}S"));
    }
    out
}

/// A time window written as `start/end`, `start/duration`, `duration/end` or a bare duration ending at `now`.
pub(crate) fn parse_timespan(text: &str, now: i64) -> Option<(i64, i64)> {
    let text = text.trim();
    let (start, end) = match text.split_once('/') {
        Some((a, b)) => match (parse_instant(a), parse_instant(b)) {
            (Some(s), Some(e)) => (s, e),
            (Some(s), None) => (s, s.checked_add(parse_duration(b)?)?),
            (None, Some(e)) => (e.checked_sub(parse_duration(a)?)?, e),
            (None, None) => return None,
        },
        None => (now.checked_sub(parse_duration(text)?)?, now),
    };
    let plausible = |t: i64| (MIN_INSTANT..=MAX_INSTANT).contains(&t);
    (start < end && plausible(start) && plausible(end)).then_some((start, end))
}

/// 0001-01-01 and 9999-12-31: instants outside can neither be printed nor multiplied into milliseconds safely.
const MIN_INSTANT: i64 = -62_135_596_800;
const MAX_INSTANT: i64 = 253_402_300_799;

/// `YYYYMMDD` as Cost Management's `UsageDate`.
pub(crate) fn usage_date(unix: i64) -> u32 {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => (t.year() as u32) * 10_000 + u32::from(u8::from(t.month())) * 100 + u32::from(t.day()),
        Err(_) => 19_700_101,
    }
}

/// Calendar helpers for Cost Management timeframes: first second of the month containing `unix`, and of the
/// month before it.
pub(crate) fn month_start(unix: i64) -> i64 {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(unix) else {
        return 0;
    };
    match t.date().replace_day(1) {
        Ok(d) => PrimitiveDateTime::new(d, time::Time::MIDNIGHT)
            .assume_offset(UtcOffset::UTC)
            .unix_timestamp(),
        Err(_) => unix - unix.rem_euclid(DAY),
    }
}

pub(crate) fn previous_month_start(unix: i64) -> i64 {
    month_start(month_start(unix) - DAY)
}

/// 0 = Monday … 6 = Sunday.
pub(crate) fn weekday(unix: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    ((unix.div_euclid(DAY) + 3).rem_euclid(7)) as u32
}

pub(crate) fn floor_to(unix: i64, step: i64) -> i64 {
    unix - unix.rem_euclid(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_and_reject_nonsense() {
        assert_eq!(parse_duration("PT1M"), Some(60));
        assert_eq!(parse_duration("PT24H"), Some(DAY));
        assert_eq!(parse_duration("P1D"), Some(DAY));
        assert_eq!(parse_duration("P1DT6H"), Some(DAY + 6 * HOUR));
        assert_eq!(parse_duration("pt5m"), Some(300));
        for bad in ["", "P", "PT", "1H", "PTH", "PT1H1H", "PT1M1H", "P1Y", "PT-1M"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(format_duration(60), "PT1M");
        assert_eq!(format_duration(3_600), "PT1H");
        assert_eq!(format_duration(DAY), "P1D");
        assert_eq!(format_duration(5_400), "PT1H30M");
    }

    #[test]
    fn instants_and_timespans() {
        assert_eq!(parse_instant("1970-01-01T00:01:00Z"), Some(60));
        assert_eq!(parse_instant("1970-01-01T00:01:00.000Z"), Some(60));
        assert_eq!(parse_instant("1970-01-01T00:01:00"), Some(60));
        assert_eq!(parse_instant("1970-01-02"), Some(DAY));
        assert_eq!(iso(90), "1970-01-01T00:01:30Z");
        assert_eq!(iso_millis(90_123), "1970-01-01T00:01:30.123Z");
        assert_eq!(
            parse_timespan("1970-01-01T00:00:00Z/1970-01-01T01:00:00Z", 0),
            Some((0, HOUR))
        );
        assert_eq!(parse_timespan("PT1H", 7_200), Some((HOUR, 7_200)));
        assert_eq!(parse_timespan("1970-01-01T00:00:00Z/PT1H", 0), Some((0, HOUR)));
        assert_eq!(parse_timespan("1970-01-01T01:00:00Z/1970-01-01T00:00:00Z", 0), None);
        assert_eq!(parse_timespan("garbage", 0), None);
    }

    #[test]
    fn calendar() {
        // 2026-03-15T10:00:00Z
        let t = 1_773_568_800;
        assert_eq!(usage_date(t), 20_260_315);
        assert_eq!(usage_date(month_start(t)), 20_260_301);
        assert_eq!(usage_date(previous_month_start(t)), 20_260_201);
        assert_eq!(weekday(0), 3);
        assert_eq!(weekday(t), 6);
    }
}

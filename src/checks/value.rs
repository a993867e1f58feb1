//! Helpers for reading Azure JSON the way the catalog's conventions demand.
//!
//! Every reader distinguishes three situations, because the checklist must never round "could not read" up to
//! "compliant": the property is absent (Azure's documented default then applies), it is present with the
//! expected JSON type, or it is present with another type (a malformed or unexpected answer: the check says
//! `unknown`). JSON `null` counts as absent: ARM uses it for unset properties (`"authOptions": null`).

use crate::model::{Doc, DocMap};

use crate::model::{EvidenceText, Resource};

/// Evidence text for a property Azure did not return.
pub const ABSENT: &str = "<absent>";

/// Longest evidence text kept for one value; longer values are cut (on a character boundary) and marked.
const MAX_OBSERVED_CHARS: usize = 160;

/// The outcome of walking a dotted path through JSON objects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Got<'a> {
    Absent,
    /// A segment on the way was neither an object nor null (e.g. `"networkAcls": "x"`): carries that value.
    Blocked(&'a Doc),
    Found(&'a Doc),
}

/// A value converted to the type a check expects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Typed<T> {
    Absent,
    /// Present, but not of the expected JSON type (or unreadable because a parent was not an object).
    Bad,
    Ok(T),
}

impl<'a> Got<'a> {
    /// Continues a walk: `walk(root, "a").walk("b.c")` is `walk(root, "a.b.c")`, without repeating the first
    /// lookups when several properties under `a` are read.
    pub fn walk(self, dotted: &str) -> Got<'a> {
        match self {
            Got::Found(value) => walk(value, dotted),
            other => other,
        }
    }
}

impl<T> Typed<T> {
    pub fn ok(self) -> Option<T> {
        match self {
            Typed::Ok(value) => Some(value),
            _ => None,
        }
    }
}

/// `map[key]`. ARM objects hold a few dozen keys at most: a scan that compares lengths first touches the
/// bytes of same-length keys only, where the ordered search calls `memcmp` for every key it passes.
pub fn field<'a>(map: &'a DocMap, key: &str) -> Option<&'a Doc> {
    map.get(key)
}

/// Several members of an object in one pass over its keys: `fields(v, ["a", "b"])` is
/// `[member(v, "a"), member(v, "b")]` (the first key of each name; names should be distinct).
pub fn fields<'a, const N: usize>(value: &'a Doc, names: [&str; N]) -> [Option<&'a Doc>; N] {
    let mut found = [None; N];
    if let Doc::Object(map) = value {
        let mut missing = N;
        for (key, item) in map {
            for (name, slot) in names.iter().zip(found.iter_mut()) {
                if slot.is_none() && key.len() == name.len() && key.as_bytes() == name.as_bytes() {
                    *slot = Some(item);
                    missing -= 1;
                    break;
                }
            }
            if missing == 0 {
                break;
            }
        }
    }
    found
}

/// [`walk`] from an optional member: `Absent` for `None` and for JSON `null`.
pub fn got(value: Option<&Doc>) -> Got<'_> {
    match value {
        None | Some(Doc::Null) => Got::Absent,
        Some(found) => Got::Found(found),
    }
}

/// `value[key]` when `value` is an object ([`Doc::get`] with the cheaper key comparison of [`field`]).
pub fn member<'a>(value: &'a Doc, key: &str) -> Option<&'a Doc> {
    match value {
        Doc::Object(map) => field(map, key),
        _ => None,
    }
}

/// Walks `a.b.c` through nested objects; an empty path yields the root itself.
pub fn walk<'a>(root: &'a Doc, dotted: &str) -> Got<'a> {
    let mut current = root;
    let mut rest = dotted;
    while !rest.is_empty() {
        // Split at the next '.', an ASCII byte, so both slices stay on character boundaries.
        let end = rest.bytes().position(|b| b == b'.').unwrap_or(rest.len());
        let segment = rest.get(..end).unwrap_or_default();
        rest = rest.get(end + 1..).unwrap_or_default();
        match current {
            Doc::Null => return Got::Absent,
            Doc::Object(map) => match field(map, segment) {
                Some(next) => current = next,
                None => return Got::Absent,
            },
            other => return Got::Blocked(other),
        }
    }
    if current.is_null() {
        Got::Absent
    } else {
        Got::Found(current)
    }
}

/// Concatenates pieces into one exactly-sized text, inline when short (cheaper than `format!` on hot paths).
pub fn concat(pieces: &[&str]) -> EvidenceText {
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    if total <= INLINE {
        // Short: assembled on the stack and stored inline, no allocation.
        let mut buffer = [0u8; INLINE];
        let mut at = 0;
        for piece in pieces {
            if let Some(slot) = buffer.get_mut(at..at + piece.len()) {
                slot.copy_from_slice(piece.as_bytes());
            }
            at += piece.len();
        }
        return EvidenceText::new(std::str::from_utf8(buffer.get(..total).unwrap_or_default()).unwrap_or_default());
    }
    // Long: one exactly sized buffer, handed over to the text without a copy.
    let mut out = String::with_capacity(total);
    for piece in pieces {
        out.push_str(piece);
    }
    EvidenceText::from(out)
}

/// Text up to this many bytes is stored inline in an [`EvidenceText`].
const INLINE: usize = std::mem::size_of::<EvidenceText>();

/// The decimal digits of `n`, written at the end of `buffer` (to be concatenated without `format!`).
pub fn digits(n: usize, buffer: &mut [u8; 20]) -> &str {
    let mut start = buffer.len();
    let mut n = n;
    for slot in buffer.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(buffer.get(start..).unwrap_or_default()).unwrap_or_default()
}

/// `{n}{rest}` (e.g. `3 budget(s)…`) without the formatting machinery.
pub fn counted(n: usize, rest: &str) -> EvidenceText {
    concat(&[digits(n, &mut [0; 20]), rest])
}

/// Reads `properties.…` or `identity.…` from a resource (the two JSON documents a `Resource` keeps whole).
pub fn resource_get<'a>(resource: &'a Resource, dotted: &str) -> Got<'a> {
    if let Some(rest) = dotted.strip_prefix("properties.") {
        return walk(&resource.properties, rest);
    }
    match dotted.split_once('.').unwrap_or((dotted, "")) {
        ("properties", rest) => walk(&resource.properties, rest),
        ("identity", rest) => match resource.identity.as_ref() {
            Some(identity) => walk(identity, rest),
            None => Got::Absent,
        },
        _ => Got::Absent,
    }
}

pub fn text(got: Got<'_>) -> Typed<&str> {
    match got {
        Got::Absent => Typed::Absent,
        Got::Found(Doc::String(s)) => Typed::Ok(s.as_str()),
        _ => Typed::Bad,
    }
}

/// Booleans; the strings `"true"`/`"false"` are accepted because Resource Graph sometimes stringifies them.
pub fn boolean(got: Got<'_>) -> Typed<bool> {
    match got {
        Got::Absent => Typed::Absent,
        Got::Found(Doc::Bool(b)) => Typed::Ok(*b),
        Got::Found(Doc::String(s)) if s.eq_ignore_ascii_case("true") => Typed::Ok(true),
        Got::Found(Doc::String(s)) if s.eq_ignore_ascii_case("false") => Typed::Ok(false),
        _ => Typed::Bad,
    }
}

pub fn array(got: Got<'_>) -> Typed<&[Doc]> {
    match got {
        Got::Absent => Typed::Absent,
        Got::Found(Doc::Array(items)) => Typed::Ok(items),
        _ => Typed::Bad,
    }
}

pub fn object(got: Got<'_>) -> Typed<&DocMap> {
    match got {
        Got::Absent => Typed::Absent,
        Got::Found(Doc::Object(map)) => Typed::Ok(map),
        _ => Typed::Bad,
    }
}

/// Non-negative integers (also accepted as numeric strings, for the same Resource Graph reason).
pub fn integer(got: Got<'_>) -> Typed<u64> {
    match got {
        Got::Absent => Typed::Absent,
        Got::Found(Doc::Number(n)) => n.as_u64().map_or(Typed::Bad, Typed::Ok),
        Got::Found(Doc::String(s)) => s.trim().parse().map_or(Typed::Bad, Typed::Ok),
        _ => Typed::Bad,
    }
}

/// Evidence text for a value as Azure returned it: strings unquoted, other JSON compact, long text cut.
/// Containers are rendered only as far as the evidence keeps, so a huge array costs no more than a short one.
pub fn short(value: &Doc) -> EvidenceText {
    match value {
        Doc::String(s) => truncate(s),
        Doc::Bool(true) => EvidenceText::const_new("true"),
        Doc::Bool(false) => EvidenceText::const_new("false"),
        Doc::Null => EvidenceText::const_new("null"),
        other => {
            let mut out = String::with_capacity(32);
            render(other, &mut out);
            if out.len() > MAX_OBSERVED_CHARS {
                truncate(&out)
            } else {
                EvidenceText::from(out)
            }
        }
    }
}

/// Compact JSON into `out`, stopping once it holds more than the evidence keeps. Returns `false` when cut.
fn render(value: &Doc, out: &mut String) -> bool {
    use std::fmt::Write;
    if out.len() > MAX_OBSERVED_CHARS {
        return false;
    }
    match value {
        Doc::Null => out.push_str("null"),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Doc::String(s) => {
            if !push_quoted(s, out) {
                return false;
            }
        }
        Doc::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !render(item, out) {
                    return false;
                }
            }
            out.push(']');
        }
        Doc::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !push_quoted(key, out) {
                    return false;
                }
                out.push(':');
                if !render(item, out) {
                    return false;
                }
            }
            out.push('}');
        }
    }
    out.len() <= MAX_OBSERVED_CHARS
}

/// Appends `"text"` with `"` and `\\` escaped, stopping (`false`) once `out` holds more than the evidence keeps:
/// every character that starts while `out` is within the limit is kept, as a char-by-char loop would.
fn push_quoted(text: &str, out: &mut String) -> bool {
    out.push('"');
    let mut rest = text;
    while !rest.is_empty() {
        if out.len() > MAX_OBSERVED_CHARS {
            return false;
        }
        // Runs without a character to escape are copied whole; `"` and `\\` are ASCII, so every cut below is
        // on a character boundary.
        let run = rest.bytes().position(|b| b == b'"' || b == b'\\').unwrap_or(rest.len());
        if run == 0 {
            out.push('\\');
            out.push_str(rest.get(..1).unwrap_or_default());
            rest = rest.get(1..).unwrap_or_default();
            continue;
        }
        let budget = MAX_OBSERVED_CHARS - out.len();
        let mut end = run;
        if run > budget {
            // Keep the characters starting at or before `budget`: cut at the first boundary past it.
            end = budget + 1;
            while !rest.is_char_boundary(end) {
                end += 1;
            }
        }
        out.push_str(rest.get(..end).unwrap_or_default());
        rest = rest.get(end..).unwrap_or_default();
    }
    out.push('"');
    true
}

/// Appends the evidence text of a read to `out` (same text as [`observed_got`], without a temporary string).
pub fn push_observed(out: &mut String, got: Got<'_>, well_typed: bool, expected: &str) {
    match got {
        Got::Found(Doc::String(s)) if well_typed => push_truncated(out, s),
        Got::Found(Doc::Bool(b)) if well_typed => out.push_str(if *b { "true" } else { "false" }),
        other => out.push_str(&observed_got(other, well_typed, expected)),
    }
}

fn push_truncated(out: &mut String, text: &str) {
    let (kept, marker) = cut(text);
    out.push_str(kept);
    out.push_str(marker);
}

/// Evidence text for a read: `<absent>`, the value, or the value with a note saying it was of the wrong type.
pub fn observed_got(got: Got<'_>, well_typed: bool, expected: &str) -> EvidenceText {
    match got {
        Got::Absent => EvidenceText::const_new(ABSENT),
        Got::Blocked(parent) => concat(&["<unreadable: a parent is ", &short(parent), ">"]),
        Got::Found(value) if well_typed => short(value),
        Got::Found(value) => concat(&[&short(value), " (unexpected type, expected ", expected, ")"]),
    }
}

/// Text of a value for evidence: strings unquoted, absent shown as `<absent>`.
pub fn observed(value: Option<&Doc>) -> EvidenceText {
    match value {
        None | Some(Doc::Null) => EvidenceText::const_new(ABSENT),
        Some(other) => short(other),
    }
}

/// A copy of `text` cut to the evidence length (on a character boundary, marked with `…`).
pub fn truncate(text: &str) -> EvidenceText {
    if text.len() <= MAX_OBSERVED_CHARS {
        return EvidenceText::new(text);
    }
    match text.char_indices().nth(MAX_OBSERVED_CHARS) {
        None => EvidenceText::new(text),
        Some((cut, _)) => concat(&[text.get(..cut).unwrap_or_default(), "…"]),
    }
}

/// [`truncate`] without the copy: the kept part and the `…` marker (empty when nothing was cut), to be
/// concatenated.
pub fn cut(text: &str) -> (&str, &'static str) {
    let kept = clip(text, MAX_OBSERVED_CHARS);
    (kept, if kept.len() < text.len() { "…" } else { "" })
}

/// The text of an optional string for evidence: the string, or `<absent>`.
pub fn or_absent(text: Option<&str>) -> EvidenceText {
    text.map_or(EvidenceText::const_new(ABSENT), EvidenceText::new)
}

/// The first `max_chars` characters of `text` (what `format!("{text:.max_chars$}")` prints), without copying.
pub fn clip(text: &str, max_chars: usize) -> &str {
    if text.len() <= max_chars {
        return text;
    }
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => text.get(..cut).unwrap_or(text),
        None => text,
    }
}

/// `true` when `needle` occurs in `text`, ignoring ASCII case, without allocating.
pub fn contains_ci(text: &str, needle: &str) -> bool {
    find_ci(text, needle).is_some()
}

/// Byte offset of the first case-insensitive occurrence of `needle` in `text`.
pub fn find_ci(text: &str, needle: &str) -> Option<usize> {
    let (hay, pattern) = (text.as_bytes(), needle.as_bytes());
    let Some((&first, tail)) = pattern.split_first() else {
        return Some(0);
    };
    let last_start = hay.len().checked_sub(pattern.len())?;
    // Only positions whose first byte matches are compared in full.
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    (0..=last_start).find(|&at| {
        hay.get(at).is_some_and(|&b| b == lower || b == upper)
            && hay
                .get(at + 1..at + pattern.len())
                .is_some_and(|rest| rest.eq_ignore_ascii_case(tail))
    })
}

/// `text.trim()`, without the Unicode scan when both ends are visible ASCII (ARM values almost always are).
pub fn trimmed(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Case-insensitive comparison of an enum string against one of several spellings.
pub fn is_one_of(value: &str, accepted: &[&str]) -> bool {
    let value = trimmed(value);
    accepted.iter().any(|a| a.eq_ignore_ascii_case(value))
}

/// Which managed identities an `identity.type` string grants, or `None` when it holds a part nobody documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentityKinds {
    pub system: bool,
    pub user: bool,
}

pub fn identity_kinds(identity_type: &str) -> Option<IdentityKinds> {
    let mut kinds = IdentityKinds {
        system: false,
        user: false,
    };
    for part in identity_type.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part.eq_ignore_ascii_case("SystemAssigned") {
            kinds.system = true;
        } else if part.eq_ignore_ascii_case("UserAssigned") {
            kinds.user = true;
        } else if !part.eq_ignore_ascii_case("None") {
            return None;
        }
    }
    Some(kinds)
}

/// How much of the address space an IP rule admits: `Some(true)` for rules broader than a /8 (IPv4) or /16
/// (IPv6) — `0.0.0.0/0` and `*` included — `Some(false)` for scoped rules, `None` when the text is not an address.
pub fn ip_rule_too_broad(rule: &str) -> Option<bool> {
    let rule = rule.trim();
    if rule == "*" || rule.eq_ignore_ascii_case("any") || rule.eq_ignore_ascii_case("internet") {
        return Some(true);
    }
    let (address, prefix) = match rule.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix.trim().parse::<u8>().ok()?)),
        None => (rule, None),
    };
    let ip: std::net::IpAddr = address.trim().parse().ok()?;
    let (limit, max) = match ip {
        std::net::IpAddr::V4(_) => (8u8, 32u8),
        std::net::IpAddr::V6(_) => (16u8, 128u8),
    };
    let prefix = prefix.unwrap_or(max);
    if prefix > max {
        return None;
    }
    Some(prefix < limit)
}

/// `true` when `prefix` starts `text`, ignoring ASCII case (ARM ids are case-insensitive).
pub fn starts_with_ci(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// `true` when the ARM scope `scope` is `resource_id` itself or one of its ancestors (resource group,
/// subscription), compared on whole path segments without case. Management-group and root scopes are
/// ancestors of everything they are returned for (the lists come from `atScope()` queries).
pub fn scope_covers(scope: &str, resource_id: &str) -> bool {
    let scope = trimmed(scope).trim_end_matches('/');
    if scope.is_empty() || starts_with_ci(scope, "/providers/Microsoft.Management/managementGroups/") {
        return true;
    }
    if !starts_with_ci(resource_id, scope) {
        return false;
    }
    matches!(resource_id.as_bytes().get(scope.len()), None | Some(b'/'))
}

/// Last path segment of an ARM id (`…/roleDefinitions/{guid}` → `{guid}`).
pub fn last_segment(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// The scope a child id hangs from: `{scope}/providers/Microsoft.Authorization/locks/{name}` → `{scope}`.
pub fn scope_before<'a>(id: &'a str, marker: &str) -> Option<&'a str> {
    find_ci(id, marker).and_then(|at| id.get(..at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `json!` with a [`Doc`] out.
    macro_rules! doc {
        ($($json:tt)+) => {
            Doc::from(json!($($json)+))
        };
    }

    #[test]
    fn identity_spellings_normalise_alike() {
        let both = IdentityKinds {
            system: true,
            user: true,
        };
        assert_eq!(identity_kinds("SystemAssigned, UserAssigned"), Some(both));
        assert_eq!(identity_kinds("systemassigned,userassigned"), Some(both));
        assert_eq!(
            identity_kinds("None"),
            Some(IdentityKinds {
                system: false,
                user: false
            })
        );
        assert_eq!(identity_kinds("Sometimes"), None);
    }

    #[test]
    fn enums_compare_without_case() {
        assert!(is_one_of("disabled", &["Disabled"]));
        assert!(!is_one_of("Enabled", &["Disabled"]));
        assert!(is_one_of(" Disabled ", &["disabled"]));
        assert!(is_one_of("securedByPerimeter", &["disabled", "securedbyperimeter"]));
    }

    #[test]
    fn walking_tells_absent_from_blocked() {
        let doc = doc!({"a": {"b": 1, "n": null}, "s": "x"});
        assert_eq!(walk(&doc, "a.b"), Got::Found(&doc!(1)));
        assert_eq!(walk(&doc, "a.n"), Got::Absent);
        assert_eq!(walk(&doc, "a.n.deeper"), Got::Absent);
        assert_eq!(walk(&doc, "a.c"), Got::Absent);
        assert_eq!(walk(&doc, "s.t"), Got::Blocked(&doc!("x")));
        assert_eq!(text(walk(&doc, "a.b")), Typed::Bad);
        assert_eq!(boolean(Got::Found(&doc!("TRUE"))), Typed::Ok(true));
        assert_eq!(boolean(Got::Found(&doc!("yes"))), Typed::Bad);
        assert_eq!(integer(Got::Found(&doc!(-1))), Typed::Bad);
        assert_eq!(integer(Got::Found(&doc!("90"))), Typed::Ok(90));
    }

    #[test]
    fn ip_rules_are_judged_by_breadth() {
        assert_eq!(ip_rule_too_broad("0.0.0.0/0"), Some(true));
        assert_eq!(ip_rule_too_broad("::/0"), Some(true));
        assert_eq!(ip_rule_too_broad("10.0.0.0/7"), Some(true));
        assert_eq!(ip_rule_too_broad("*"), Some(true));
        assert_eq!(ip_rule_too_broad("203.0.113.0/24"), Some(false));
        assert_eq!(ip_rule_too_broad("203.0.113.7"), Some(false));
        assert_eq!(ip_rule_too_broad("203.0.113.7/33"), None);
        assert_eq!(ip_rule_too_broad("not-an-ip"), None);
        assert_eq!(ip_rule_too_broad("1.2.3.4/x"), None);
    }

    #[test]
    fn scopes_cover_on_segment_boundaries() {
        let id = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Search/searchServices/s1";
        assert!(scope_covers("/subscriptions/s", id));
        assert!(scope_covers("/subscriptions/s/resourcegroups/rg", id));
        assert!(scope_covers(id, id));
        assert!(!scope_covers("/subscriptions/s/resourceGroups/rg2", id));
        assert!(!scope_covers("/subscriptions/s/resourceGroups/r", id));
        assert!(!scope_covers(&format!("{id}/indexes/x"), id));
        assert!(scope_covers(
            "/providers/Microsoft.Management/managementGroups/root",
            id
        ));
        assert_eq!(
            scope_before(
                &format!("{id}/providers/Microsoft.Authorization/locks/l"),
                "/providers/microsoft.authorization/locks/"
            ),
            Some(id)
        );
    }

    #[test]
    fn containers_render_compactly_and_stop_early() {
        assert_eq!(
            short(&doc!({"a": [1, "x\"y"], "b": null})),
            r#"{"a":[1,"x\"y"],"b":null}"#
        );
        assert_eq!(short(&doc!([])), "[]");
        let huge = Doc::Array((0..100_000).map(|i| doc!({"id": i})).collect());
        let text = short(&huge);
        assert!(text.ends_with('…') && text.chars().count() == MAX_OBSERVED_CHARS + 1);
        assert_eq!(
            find_ci(
                "/Providers/Microsoft.Authorization/locks/x",
                "/providers/microsoft.authorization/locks/"
            ),
            Some(0)
        );
        assert!(!contains_ci("abc", "abcd"));
    }

    #[test]
    fn fields_are_members_found_in_one_pass() {
        let doc = doc!({"a": 1, "bb": null, "c": "x", "d": [1]});
        let [a, bb, c, z] = fields(&doc, ["a", "bb", "c", "z"]);
        assert_eq!(
            (a, bb, c, z),
            (member(&doc, "a"), member(&doc, "bb"), member(&doc, "c"), None)
        );
        assert_eq!(got(bb), walk(&doc, "bb"));
        assert_eq!(got(c), walk(&doc, "c"));
        assert_eq!(got(z), walk(&doc, "z"));
        assert_eq!(fields(&doc!("s"), ["a"]), [None]);
    }

    #[test]
    fn counts_and_continued_walks_match_their_plain_forms() {
        for n in [0, 7, 10, 1234, usize::MAX] {
            assert_eq!(counted(n, " x"), format!("{n} x"));
        }
        let doc = doc!({"p": {"a": {"b": 1}, "n": null}, "s": "x"});
        for (first, rest) in [("p", "a.b"), ("p", "n.x"), ("s", "t"), ("q", "a"), ("p.a", "b.c")] {
            assert_eq!(
                walk(&doc, first).walk(rest),
                walk(&doc, &format!("{first}.{rest}")),
                "{first}.{rest}"
            );
        }
    }

    #[test]
    fn quoting_stops_where_the_char_by_char_loop_stopped() {
        fn reference(text: &str, out: &mut String) -> bool {
            out.push('"');
            for c in text.chars() {
                if out.len() > MAX_OBSERVED_CHARS {
                    return false;
                }
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            true
        }
        let texts = [
            String::new(),
            "plain".to_string(),
            "a\"b\\c".to_string(),
            "é".repeat(200),
            "x".repeat(159) + "é\"" + &"y".repeat(10),
            "\"".repeat(120),
        ];
        for prefix in ["", "[", &"z".repeat(150)] {
            for text in &texts {
                let (mut fast, mut slow) = (prefix.to_string(), prefix.to_string());
                assert_eq!(push_quoted(text, &mut fast), reference(text, &mut slow));
                assert_eq!(fast, slow, "{prefix:?} + {text:?}");
            }
        }
        assert_eq!(find_ci("/a/Providers/X", "/providers/x"), Some(2));
        assert_eq!(find_ci("ab", "abc"), None);
        assert_eq!(trimmed(" a "), "a");
        assert_eq!(trimmed("\u{a0}a"), "a");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(1000);
        let cut = truncate(&long);
        assert!(cut.ends_with('…'));
        assert_eq!(cut.chars().count(), MAX_OBSERVED_CHARS + 1);
    }
}

//! Helpers for reading Azure JSON the way the catalog's conventions demand.

use serde_json::Value;

/// Text of a value for evidence: strings unquoted, absent shown as `<absent>`.
pub fn observed(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "<absent>".to_string(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// Case-insensitive enum comparison (`enabled` == `Enabled`).
pub fn eq_enum(value: Option<&Value>, expected: &str) -> bool {
    value
        .and_then(Value::as_str)
        .is_some_and(|v| v.eq_ignore_ascii_case(expected))
}

/// `true` when the value is the JSON boolean `true` or the string `"true"` (Resource Graph sometimes stringifies).
pub fn is_true(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Identity type normalised to a sorted list of lower-case parts: `SystemAssigned, UserAssigned` and
/// `SystemAssigned,UserAssigned` both become `["systemassigned", "userassigned"]`; `None` becomes `[]`.
pub fn identity_parts(identity_type: Option<&Value>) -> Vec<String> {
    let mut parts: Vec<String> = identity_type
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(',')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty() && p != "none")
        .collect();
    parts.sort();
    parts.dedup();
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_spellings_normalise_alike() {
        let cs = json!("SystemAssigned, UserAssigned");
        let ml = json!("SystemAssigned,UserAssigned");
        assert_eq!(identity_parts(Some(&cs)), identity_parts(Some(&ml)));
        assert!(identity_parts(Some(&json!("None"))).is_empty());
        assert!(identity_parts(None).is_empty());
    }

    #[test]
    fn enums_compare_without_case() {
        assert!(eq_enum(Some(&json!("disabled")), "Disabled"));
        assert!(!eq_enum(Some(&json!("Enabled")), "Disabled"));
        assert!(!eq_enum(None, "Disabled"));
    }
}

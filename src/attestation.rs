//! Controls no API can check — a person confirms them. The items, what an attestation records, and how old
//! one may get before it stops counting. Pure; storage is in `store/`.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::model::Area;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub id: &'static str,
    pub title: &'static str,
    pub area: Area,
    pub why: &'static str,
}

/// The process controls of the users' checklists that no Azure API can observe.
pub const ITEMS: [Item; 6] = [
    Item {
        id: "ATT-TRAINING",
        title: "Team trained on AI security (prompt injection, key handling, data leakage)",
        area: Area::Governance,
        why: "Most leaks start with a person: a key pasted in a chat, a prompt that exfiltrates data. People who \
              know the failure modes spot them before an attacker does.",
    },
    Item {
        id: "ATT-ACCESS-REVIEW",
        title: "Access to AI resources reviewed and audited regularly",
        area: Area::Identity,
        why: "Role assignments pile up: people change teams, pilots end. A periodic review removes access nobody \
              needs any more, before someone misuses it.",
    },
    Item {
        id: "ATT-RESTORE-TEST",
        title: "Restore of AI configuration and data tested (no native backup)",
        area: Area::Operations,
        why: "These services have no native backup: recovery means redeploying from code and restoring data \
              stores. Only a rehearsed restore proves that it works and how long it takes.",
    },
    Item {
        id: "ATT-ENV-SEPARATION",
        title: "Development, test and production kept separate",
        area: Area::Governance,
        why: "Experiments in production leak real data into test prompts and give test keys production reach; \
              separate subscriptions or resource groups contain both.",
    },
    Item {
        id: "ATT-IR-PLAN",
        title: "Incident-response plan for AI resources documented and known",
        area: Area::Operations,
        why: "During an incident nobody should have to work out who rotates keys or who may cut public access; \
              a written plan makes the first hour fast and calm.",
    },
    Item {
        id: "ATT-PROMPT-INJECTION",
        title: "Prompt-injection testing performed on AI applications",
        area: Area::Safety,
        why: "Content filters do not understand your application's trust boundaries; only testing with hostile \
              prompts shows whether a model can be talked into leaking data or calling tools it should not.",
    },
];

pub fn item(id: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|item| item.id == id)
}

/// One confirmation by a person. Untrusted only in the sense that it is free text typed by a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub item_id: String,
    pub note: String,
    pub attested_by: String,
    /// The day the control was confirmed (not necessarily the day it was recorded).
    pub attested_on: Date,
    /// Unix seconds when it was recorded.
    pub recorded_at: i64,
}

pub const DEFAULT_VALIDITY_DAYS: u32 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    NotAttested,
    Valid { age_days: i64 },
    Expired { age_days: i64 },
}

pub fn standing(attestation: Option<&Attestation>, today: Date, validity_days: u32) -> Standing {
    match attestation {
        None => Standing::NotAttested,
        Some(attestation) => {
            let age_days = (today - attestation.attested_on).whole_days();
            if age_days > validity_days as i64 {
                Standing::Expired { age_days }
            } else {
                Standing::Valid { age_days }
            }
        }
    }
}

/// Checks what a person typed. Errors say which field and why, for the form to show.
pub fn validate(name: &str, date: &str, note: &str, today: Date) -> Result<(String, Date, String), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("name: who attests? (required)".into());
    }
    if name.chars().count() > 120 {
        return Err("name: at most 120 characters".into());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(date.trim(), &format).map_err(|_| format!("date: `{}` is not YYYY-MM-DD", date.trim()))?;
    if date > today {
        return Err("date: an attestation cannot be dated in the future".into());
    }
    let note = note.trim();
    if note.is_empty() {
        return Err("note: say what was checked and where the evidence is (required)".into());
    }
    if note.len() > 8_000 {
        return Err("note: at most 8,000 characters".into());
    }
    Ok((name.to_string(), date, note.to_string()))
}

pub fn today(unix: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn attested_on(day: Date) -> Attestation {
        Attestation {
            item_id: "ATT-TRAINING".into(),
            note: "n".into(),
            attested_by: "a".into(),
            attested_on: day,
            recorded_at: 0,
        }
    }

    #[test]
    fn standing_expires_after_the_validity_period() {
        let today = date!(2026 - 11 - 22);
        assert_eq!(standing(None, today, 90), Standing::NotAttested);
        assert_eq!(
            standing(Some(&attested_on(date!(2026 - 11 - 10))), today, 90),
            Standing::Valid { age_days: 12 }
        );
        assert_eq!(
            standing(Some(&attested_on(date!(2026 - 08 - 24))), today, 90),
            Standing::Valid { age_days: 90 }
        );
        assert_eq!(
            standing(Some(&attested_on(date!(2026 - 08 - 23))), today, 90),
            Standing::Expired { age_days: 91 }
        );
    }

    #[test]
    fn validation_names_the_field() {
        let today = date!(2026 - 11 - 22);
        assert!(validate("Ana", "2026-11-20", "slides in wiki", today).is_ok());
        assert!(validate(" ", "2026-11-20", "x", today).unwrap_err().starts_with("name"));
        assert!(
            validate("Ana", "20/11/2026", "x", today)
                .unwrap_err()
                .starts_with("date")
        );
        assert!(
            validate("Ana", "2026-12-01", "x", today)
                .unwrap_err()
                .contains("future")
        );
        assert!(
            validate("Ana", "2026-11-20", "  \n ", today)
                .unwrap_err()
                .starts_with("note")
        );
    }

    #[test]
    fn item_ids_are_unique() {
        for item in ITEMS {
            assert_eq!(ITEMS.iter().filter(|i| i.id == item.id).count(), 1);
        }
    }
}

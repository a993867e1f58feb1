//! Local state in SQLite (bundled): attestations and walkthrough review marks. Schema changes go through
//! numbered migrations recorded in `PRAGMA user_version`; a database from a newer aisec is refused rather
//! than damaged.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use time::Date;

use crate::attestation::Attestation;

const MIGRATIONS: &[&str] = &[
    // 1: attestations are append-only history; the latest per item counts.
    "CREATE TABLE attestation (
         id INTEGER PRIMARY KEY,
         item_id TEXT NOT NULL,
         note TEXT NOT NULL,
         attested_by TEXT NOT NULL,
         attested_on TEXT NOT NULL,
         recorded_at INTEGER NOT NULL
     );
     CREATE INDEX attestation_item ON attestation(item_id, recorded_at);
     CREATE TABLE review (
         control_id TEXT PRIMARY KEY,
         reviewed_at INTEGER NOT NULL
     );",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {reason}")]
    Open { path: String, reason: String },
    #[error(
        "the database {path} was written by a newer aisec (schema {found}, this one knows {known}); not touching it"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored date `{0}` is not YYYY-MM-DD")]
    BadDate(String),
}

pub struct Store {
    connection: Connection,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| open_error(e.to_string()))?;
        }
        let connection = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        // A file that is not a database fails here, not halfway through a write.
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| open_error(e.to_string()))?;
        let mut store = Self { connection };
        store.migrate(path)?;
        Ok(store)
    }

    pub fn in_memory() -> Result<Self, StoreError> {
        let mut store = Self {
            connection: Connection::open_in_memory()?,
        };
        store.migrate(Path::new(":memory:"))?;
        Ok(store)
    }

    fn migrate(&mut self, path: &Path) -> Result<(), StoreError> {
        let version: i64 = self.connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: path.display().to_string(),
                found: version,
                known,
            });
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            // Each migration and its version bump commit together, or not at all.
            let transaction = self.connection.transaction()?;
            transaction.execute_batch(migration)?;
            transaction.pragma_update(None, "user_version", index as i64 + 1)?;
            transaction.commit()?;
        }
        Ok(())
    }

    pub fn save_attestation(&self, attestation: &Attestation) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO attestation (item_id, note, attested_by, attested_on, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                attestation.item_id,
                attestation.note,
                attestation.attested_by,
                format_date(attestation.attested_on),
                attestation.recorded_at
            ],
        )?;
        Ok(())
    }

    /// The latest attestation of each item.
    pub fn latest_attestations(&self) -> Result<Vec<Attestation>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT item_id, note, attested_by, attested_on, recorded_at FROM attestation a
             WHERE id = (SELECT id FROM attestation b WHERE b.item_id = a.item_id ORDER BY recorded_at DESC, id DESC LIMIT 1)
             ORDER BY item_id",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get::<_, String>(3)?,
                row.get(4)?,
            ))
        })?;
        let mut attestations = Vec::new();
        for row in rows {
            let (item_id, note, attested_by, attested_on, recorded_at) = row?;
            let attested_on = parse_date(&attested_on).ok_or(StoreError::BadDate(attested_on))?;
            attestations.push(Attestation {
                item_id,
                note,
                attested_by,
                attested_on,
                recorded_at,
            });
        }
        Ok(attestations)
    }

    pub fn mark_reviewed(&self, control_id: &str, at: i64) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO review (control_id, reviewed_at) VALUES (?1, ?2)
             ON CONFLICT(control_id) DO UPDATE SET reviewed_at = excluded.reviewed_at",
            params![control_id, at],
        )?;
        Ok(())
    }

    pub fn reviewed(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT control_id, reviewed_at FROM review ORDER BY control_id")?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .optional()?
            .unwrap_or(0))
    }
}

fn format_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn attestation(item: &str, day: Date, recorded_at: i64) -> Attestation {
        Attestation {
            item_id: item.into(),
            note: "Quarterly review,\nminutes in the wiki".into(),
            attested_by: "Ana Ruiz".into(),
            attested_on: day,
            recorded_at,
        }
    }

    #[test]
    fn keeps_history_and_returns_the_latest_per_item() {
        let store = Store::in_memory().unwrap();
        store
            .save_attestation(&attestation("ATT-TRAINING", date!(2026 - 01 - 10), 100))
            .unwrap();
        store
            .save_attestation(&attestation("ATT-TRAINING", date!(2026 - 11 - 10), 200))
            .unwrap();
        store
            .save_attestation(&attestation("ATT-IR-PLAN", date!(2026 - 10 - 01), 150))
            .unwrap();
        let latest = store.latest_attestations().unwrap();
        assert_eq!(latest.len(), 2);
        let training = latest.iter().find(|a| a.item_id == "ATT-TRAINING").unwrap();
        assert_eq!(training.attested_on, date!(2026 - 11 - 10));
        assert_eq!(training.note, "Quarterly review,\nminutes in the wiki");
    }

    #[test]
    fn survives_reopening_and_refuses_newer_schemas_and_non_databases() {
        let dir = std::env::temp_dir().join(format!("aisec-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("aisec.db");
        {
            let store = Store::open(&path).unwrap();
            store
                .save_attestation(&attestation("ATT-RESTORE-TEST", date!(2026 - 11 - 01), 1))
                .unwrap();
            store.mark_reviewed("AI-NET-01", 5).unwrap();
            store.mark_reviewed("AI-NET-01", 7).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.latest_attestations().unwrap().len(), 1);
        assert_eq!(store.reviewed().unwrap(), vec![("AI-NET-01".to_string(), 7)]);
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        store.connection.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        let error = Store::open(&path).err().unwrap().to_string();
        assert!(error.contains("newer aisec"), "{error}");

        let garbage = dir.join("garbage.db");
        let content = b"this is not a database, it is a text file of some length......".to_vec();
        std::fs::write(&garbage, &content).unwrap();
        let error = Store::open(&garbage).err().unwrap().to_string();
        assert!(error.contains("garbage.db"), "{error}");
        assert_eq!(
            std::fs::read(&garbage).unwrap(),
            content,
            "a bad file is left as it was"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

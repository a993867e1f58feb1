//! Where files live and what config.toml may say. `AISEC_HOME` overrides every path (config, data, logs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub log_file: PathBuf,
}

impl Paths {
    pub fn resolve() -> Result<Self, String> {
        if let Some(home) = std::env::var_os("AISEC_HOME").filter(|h| !h.is_empty()) {
            let home = PathBuf::from(home);
            return Ok(Self::under(&home));
        }
        let dirs = directories::ProjectDirs::from("dev", "aisec", "aisec")
            .ok_or("cannot find a home directory; set AISEC_HOME to choose where aisec keeps its files")?;
        let log_dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).to_path_buf();
        Ok(Self {
            config_file: dirs.config_dir().join("config.toml"),
            data_dir: dirs.data_dir().to_path_buf(),
            log_file: log_dir.join("aisec.log"),
        })
    }

    pub fn under(home: &Path) -> Self {
        Self {
            config_file: home.join("config.toml"),
            data_dir: home.to_path_buf(),
            log_file: home.join("aisec.log"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Action name → keys, replacing that action's default keys.
    #[serde(default)]
    pub keys: HashMap<String, Vec<String>>,
    #[serde(default)]
    pub refresh: Refresh,
    #[serde(default)]
    pub attestations: Attestations,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestations {
    /// Days an attestation counts before it must be renewed.
    #[serde(default = "default_validity_days")]
    pub validity_days: u32,
}

impl Default for Attestations {
    fn default() -> Self {
        Self {
            validity_days: default_validity_days(),
        }
    }
}

fn default_validity_days() -> u32 {
    crate::attestation::DEFAULT_VALIDITY_DAYS
}

/// Refresh intervals in seconds; absent values keep the defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refresh {
    pub inventory_secs: Option<u64>,
    pub metrics_secs: Option<u64>,
    pub logs_secs: Option<u64>,
    pub cost_secs: Option<u64>,
}

impl Config {
    /// A missing file is the default configuration; a broken one is an error naming the file and the problem.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(error) => return Err(format!("cannot read {}: {error}", path.display())),
        };
        let config: Config = toml::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
        if config.attestations.validity_days == 0 || config.attestations.validity_days > 3650 {
            return Err(format!(
                "{}: [attestations] validity_days must be between 1 and 3650",
                path.display()
            ));
        }
        for (name, value) in [
            ("inventory_secs", config.refresh.inventory_secs),
            ("metrics_secs", config.refresh.metrics_secs),
            ("logs_secs", config.refresh.logs_secs),
            ("cost_secs", config.refresh.cost_secs),
        ] {
            if value == Some(0) {
                return Err(format!(
                    "{}: [refresh] {name} must be at least 1 second",
                    path.display()
                ));
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_default_and_broken_files_name_the_problem() {
        let dir = std::env::temp_dir().join(format!("aisec-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(Config::load(&dir.join("absent.toml")).unwrap().keys.is_empty());

        let good = dir.join("good.toml");
        std::fs::write(
            &good,
            "[keys]\nrefresh = [\"r\", \"f5\"]\n[refresh]\nmetrics_secs = 30\n",
        )
        .unwrap();
        let config = Config::load(&good).unwrap();
        assert_eq!(config.keys["refresh"], vec!["r", "f5"]);
        assert_eq!(config.refresh.metrics_secs, Some(30));

        for (name, text, expected) in [
            ("syntax.toml", "[keys\n", "syntax.toml"),
            ("unknown.toml", "colour = 1\n", "unknown field"),
            ("type.toml", "[refresh]\nmetrics_secs = \"fast\"\n", "invalid type"),
            ("zero.toml", "[refresh]\nlogs_secs = 0\n", "at least 1 second"),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let error = Config::load(&path).unwrap_err();
            assert!(error.contains(expected), "{name}: {error}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn aisec_home_puts_everything_under_one_folder() {
        let paths = Paths::under(Path::new("/tmp/h"));
        assert_eq!(paths.config_file, Path::new("/tmp/h/config.toml"));
        assert_eq!(paths.log_file, Path::new("/tmp/h/aisec.log"));
        assert_eq!(paths.data_dir, Path::new("/tmp/h"));
    }
}

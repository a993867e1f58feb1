//! Reading diagnostic settings: where a resource's logs go.

use crate::model::Doc;

/// Log Analytics workspace ARM ids that receive logs from these settings.
pub fn log_destinations(settings: &[Doc]) -> impl Iterator<Item = &str> {
    settings.iter().filter_map(|setting| {
        let properties = setting.get("properties")?;
        let logs_on = properties.get("logs").and_then(Doc::as_array).is_some_and(|logs| {
            logs.iter()
                .any(|l| l.get("enabled").and_then(Doc::as_bool) == Some(true))
        });
        let workspace = properties
            .get("workspaceId")
            .and_then(Doc::as_str)
            .filter(|w| !w.is_empty())?;
        logs_on.then_some(workspace)
    })
}

//! The one registry of user actions: name, description, context and default keys. It drives the key map,
//! the `?` help overlay and the footer hints, so they cannot drift apart.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    FocusChecklist,
    FocusAlerts,
    FocusIncident,
    FocusActions,
    FocusLogs,
    MoveUp,
    MoveDown,
    HalfPageUp,
    HalfPageDown,
    Top,
    Bottom,
    Filter,
    Back,
    Details,
    Help,
    Sources,
    Refresh,
    Pause,
    Walkthrough,
    Next,
    Previous,
    Skip,
    MarkReviewed,
    NextField,
    Save,
}

/// Where a binding is active. `Global` bindings work in every context that does not capture text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Context {
    Global,
    List,
    Overlay,
    /// The guided walkthrough of failing controls.
    Walkthrough,
    /// A form that captures text (the attestation form): only its own keys, everything else is typed.
    Form,
}

impl Context {
    pub fn label(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "lists",
            Context::Overlay => "help & details",
            Context::Walkthrough => "walkthrough",
            Context::Form => "attestation form",
        }
    }
}

pub struct ActionSpec {
    pub action: Action,
    /// Stable name used in config.toml `[keys]` to rebind.
    pub name: &'static str,
    pub description: &'static str,
    pub context: Context,
    pub default_keys: &'static [&'static str],
    /// Shown in the footer hint line.
    pub hint: bool,
}

pub const REGISTRY: &[ActionSpec] = &[
    spec(
        Action::Quit,
        "quit",
        "Quit aisec",
        Context::Global,
        &["q", "ctrl-c"],
        true,
    ),
    spec(
        Action::Help,
        "help",
        "Show this help (generated from the key map)",
        Context::Global,
        &["?"],
        true,
    ),
    spec(
        Action::NextPane,
        "next_pane",
        "Next pane",
        Context::Global,
        &["tab"],
        true,
    ),
    spec(
        Action::PrevPane,
        "prev_pane",
        "Previous pane",
        Context::Global,
        &["backtab"],
        false,
    ),
    spec(
        Action::FocusChecklist,
        "pane_checklist",
        "Checklist pane",
        Context::Global,
        &["1"],
        false,
    ),
    spec(
        Action::FocusAlerts,
        "pane_alerts",
        "Alerts pane",
        Context::Global,
        &["2"],
        false,
    ),
    spec(
        Action::FocusIncident,
        "pane_incident",
        "Incident pane",
        Context::Global,
        &["3"],
        false,
    ),
    spec(
        Action::FocusActions,
        "pane_actions",
        "Actions pane",
        Context::Global,
        &["4"],
        false,
    ),
    spec(
        Action::FocusLogs,
        "pane_logs",
        "Logs & cost pane",
        Context::Global,
        &["5"],
        false,
    ),
    spec(
        Action::Refresh,
        "refresh",
        "Refresh every source now",
        Context::Global,
        &["r"],
        true,
    ),
    spec(
        Action::Sources,
        "sources",
        "Sources: last success, errors, staleness",
        Context::Global,
        &["S"],
        // The header points at it whenever a source has an error; the footer has no room to spare at 80 columns.
        false,
    ),
    spec(
        Action::Pause,
        "pause",
        "Freeze / resume live updates",
        Context::Global,
        &["p"],
        true,
    ),
    spec(
        Action::MoveDown,
        "down",
        "Move down",
        Context::List,
        &["j", "down"],
        false,
    ),
    spec(Action::MoveUp, "up", "Move up", Context::List, &["k", "up"], false),
    spec(
        Action::HalfPageDown,
        "half_page_down",
        "Half a page down",
        Context::List,
        &["ctrl-d", "pagedown"],
        false,
    ),
    spec(
        Action::HalfPageUp,
        "half_page_up",
        "Half a page up",
        Context::List,
        &["ctrl-u", "pageup"],
        false,
    ),
    spec(Action::Top, "top", "First row", Context::List, &["g", "home"], false),
    spec(
        Action::Bottom,
        "bottom",
        "Last row",
        Context::List,
        &["G", "end"],
        false,
    ),
    spec(
        Action::Filter,
        "filter",
        "Filter the focused pane",
        Context::List,
        &["/"],
        true,
    ),
    spec(
        Action::Details,
        "details",
        "Details; on a control: its resources; on an attestation: attest",
        Context::List,
        &["enter"],
        true,
    ),
    spec(
        Action::Walkthrough,
        "walkthrough",
        "Guided walkthrough of the failing controls",
        Context::List,
        &["w"],
        true,
    ),
    spec(
        Action::Back,
        "back",
        "Back: close, then clear the filter",
        Context::Global,
        &["esc"],
        true,
    ),
    spec(
        Action::MoveDown,
        "scroll_down",
        "Scroll down",
        Context::Overlay,
        &["j", "down"],
        false,
    ),
    spec(
        Action::MoveUp,
        "scroll_up",
        "Scroll up",
        Context::Overlay,
        &["k", "up"],
        false,
    ),
    spec(
        Action::Next,
        "walk_next",
        "Next failing control",
        Context::Walkthrough,
        &["n", "l", "right"],
        false,
    ),
    spec(
        Action::Previous,
        "walk_previous",
        "Previous failing control",
        Context::Walkthrough,
        &["b", "h", "left"],
        false,
    ),
    spec(
        Action::Skip,
        "walk_skip",
        "Skip this control for now",
        Context::Walkthrough,
        &["s"],
        false,
    ),
    spec(
        Action::MarkReviewed,
        "walk_reviewed",
        "Mark reviewed and go on",
        Context::Walkthrough,
        &["m"],
        false,
    ),
    spec(
        Action::MoveDown,
        "walk_scroll_down",
        "Scroll down",
        Context::Walkthrough,
        &["j", "down"],
        false,
    ),
    spec(
        Action::MoveUp,
        "walk_scroll_up",
        "Scroll up",
        Context::Walkthrough,
        &["k", "up"],
        false,
    ),
    spec(
        Action::Back,
        "walk_close",
        "Close the walkthrough",
        Context::Walkthrough,
        &["esc"],
        false,
    ),
    spec(
        Action::NextField,
        "form_next_field",
        "Next field (name, date, note)",
        Context::Form,
        &["tab"],
        false,
    ),
    spec(
        Action::Save,
        "form_save",
        "Save the attestation",
        Context::Form,
        &["ctrl-s"],
        false,
    ),
    spec(Action::Back, "form_cancel", "Cancel", Context::Form, &["esc"], false),
];

const fn spec(
    action: Action,
    name: &'static str,
    description: &'static str,
    context: Context,
    default_keys: &'static [&'static str],
    hint: bool,
) -> ActionSpec {
    ActionSpec {
        action,
        name,
        description,
        context,
        default_keys,
        hint,
    }
}

pub fn by_name(name: &str) -> Option<&'static ActionSpec> {
    REGISTRY.iter().find(|spec| spec.name == name)
}

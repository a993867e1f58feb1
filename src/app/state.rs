use std::sync::Arc;

use ratatui_textarea::TextArea;

use super::keymap::Keymap;
use super::view::{self, ChecklistRow};
use crate::incident::{self, Step};
use crate::model::{Finding, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Checklist,
    Alerts,
    Incident,
    Actions,
    Logs,
}

impl Pane {
    pub const ALL: [Pane; 5] = [Pane::Checklist, Pane::Alerts, Pane::Incident, Pane::Actions, Pane::Logs];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Checklist => "Checklist",
            Pane::Alerts => "Alerts",
            Pane::Incident => "Incident",
            Pane::Actions => "Actions",
            Pane::Logs => "Logs & cost",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help { scroll: u16 },
    Details { scroll: u16 },
}

/// Selection, scroll position and filter of one pane. `visible` holds indices of the rows that pass the
/// filter, so moving and drawing never rescan the data.
#[derive(Debug, Clone, Default)]
pub struct PaneState {
    pub selected: usize,
    pub offset: usize,
    pub filter: String,
    pub visible: Vec<usize>,
    /// Rows the pane showed at the last frame (reported back by the UI), for half-page moves and scrolling.
    pub height: usize,
}

impl PaneState {
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    /// Keeps the selection in range and on screen, moving the window by the minimum needed.
    pub fn clamp(&mut self) {
        let len = self.visible.len();
        self.selected = self.selected.min(len.saturating_sub(1));
        let height = self.height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height.min(len.max(1))));
    }
}

pub struct State {
    pub snapshot: Arc<Snapshot>,
    pub checklist: Vec<ChecklistRow>,
    pub score: Option<u8>,
    pub playbook: Vec<Step>,
    /// Indices into `snapshot.findings`: the open findings of the selected control (Actions pane rows).
    pub action_findings: Vec<usize>,
    pub panes: [PaneState; 5],
    pub focus: Pane,
    pub overlay: Overlay,
    /// Some while the user types a filter for the focused pane.
    pub filter_editor: Option<TextArea<'static>>,
    /// While paused, new snapshots wait here and the screen stays frozen.
    pub paused: bool,
    pub held: Option<Arc<Snapshot>>,
    /// Writes are refused everywhere until a later issue brings the confirmed executor.
    pub read_only: bool,
    pub keymap: Keymap,
    /// Unix seconds at the last event, for "age" columns; set by the event loop, fixed in tests.
    pub now: i64,
    /// Base URL fix previews are written against (the real ARM host, or the emulator).
    pub arm_base: String,
    /// One-line message (warnings from config, refresh requested, …).
    pub status_line: Option<String>,
    pub should_quit: bool,
}

impl State {
    pub fn new(keymap: Keymap, arm_base: impl Into<String>, now: i64) -> Self {
        let status_line = keymap.warnings.first().cloned();
        let mut state = Self {
            snapshot: Arc::new(Snapshot::default()),
            checklist: Vec::new(),
            score: None,
            playbook: Vec::new(),
            action_findings: Vec::new(),
            panes: Default::default(),
            focus: Pane::Checklist,
            overlay: Overlay::None,
            filter_editor: None,
            paused: false,
            held: None,
            read_only: true,
            keymap,
            now,
            arm_base: arm_base.into(),
            status_line,
            should_quit: false,
        };
        state.rebuild();
        state
    }

    pub fn pane(&self, pane: Pane) -> &PaneState {
        &self.panes[pane.index()]
    }

    pub fn pane_mut(&mut self, pane: Pane) -> &mut PaneState {
        &mut self.panes[pane.index()]
    }

    /// The control selected in the checklist, or the first control with failing findings.
    pub fn selected_control(&self) -> Option<&'static str> {
        let selected = self
            .pane(Pane::Checklist)
            .selected_row()
            .and_then(|i| self.checklist.get(i));
        match selected {
            Some(ChecklistRow::Control { control, .. }) => Some(control),
            _ => self.checklist.iter().find_map(|row| match row {
                ChecklistRow::Control { control, counts, .. } if counts.fail > 0 => Some(*control),
                _ => None,
            }),
        }
    }

    pub fn selected_alert(&self) -> Option<&crate::model::Alert> {
        self.pane(Pane::Alerts)
            .selected_row()
            .and_then(|i| self.snapshot.alerts.get(i))
    }

    pub fn selected_action_finding(&self) -> Option<&Finding> {
        let row = self.pane(Pane::Actions).selected_row()?;
        self.action_findings
            .get(row)
            .and_then(|i| self.snapshot.findings.get(*i))
    }

    /// Replaces the snapshot, keeping each pane's selection on the same item when it still exists.
    pub fn set_snapshot(&mut self, snapshot: Arc<Snapshot>) {
        let keys: Vec<Option<String>> = Pane::ALL.iter().map(|p| self.selected_key(*p)).collect();
        self.snapshot = snapshot;
        self.rebuild();
        for (pane, key) in Pane::ALL.into_iter().zip(keys) {
            if let Some(key) = key {
                self.select_key(pane, &key);
            }
        }
        // The dependent panes follow the restored selection.
        self.rebuild_dependents();
    }

    fn selected_key(&self, pane: Pane) -> Option<String> {
        let row = self.pane(pane).selected_row()?;
        self.row_key(pane, row)
    }

    fn row_key(&self, pane: Pane, row: usize) -> Option<String> {
        match pane {
            Pane::Checklist => self.checklist.get(row).map(ChecklistRow::key),
            Pane::Alerts => self.snapshot.alerts.get(row).map(|a| a.key.clone()),
            Pane::Incident => self.playbook.get(row).map(|s| s.text.clone()),
            Pane::Actions => self
                .action_findings
                .get(row)
                .and_then(|i| self.snapshot.findings.get(*i))
                .map(|f| f.resource_id.clone()),
            Pane::Logs => self
                .snapshot
                .logs
                .get(row)
                .map(|l| format!("{}{}{}", l.time, l.resource, l.operation)),
        }
    }

    fn select_key(&mut self, pane: Pane, key: &str) {
        let position = self
            .pane(pane)
            .visible
            .iter()
            .position(|row| self.row_key(pane, *row).as_deref() == Some(key));
        if let Some(position) = position {
            let state = self.pane_mut(pane);
            state.selected = position;
            state.clamp();
        }
    }

    /// Recomputes every derived list from the snapshot and the filters.
    pub fn rebuild(&mut self) {
        let (rows, score) = view::checklist_rows(&self.snapshot.findings);
        self.checklist = rows;
        self.score = score;
        self.refilter(Pane::Checklist);
        self.refilter(Pane::Alerts);
        self.refilter(Pane::Logs);
        self.rebuild_dependents();
    }

    /// Incident steps follow the selected alert; Actions rows follow the selected control.
    pub fn rebuild_dependents(&mut self) {
        let alert = self.selected_alert().cloned();
        let resource = alert
            .as_ref()
            .and_then(|a| self.snapshot.resource(&a.resource_id))
            .cloned();
        self.playbook = incident::playbook(alert.as_ref(), resource.as_ref());
        self.refilter(Pane::Incident);
        self.action_findings = match self.selected_control() {
            Some(control) => view::open_findings(&self.snapshot.findings, control),
            None => Vec::new(),
        };
        self.refilter(Pane::Actions);
    }

    pub fn refilter(&mut self, pane: Pane) {
        let needle = self.pane(pane).filter.to_lowercase();
        let visible: Vec<usize> = match pane {
            Pane::Checklist => self
                .checklist
                .iter()
                .enumerate()
                .filter(|(_, row)| view::matches(&view::checklist_text(row), &needle))
                .map(|(i, _)| i)
                .collect(),
            Pane::Alerts => (0..self.snapshot.alerts.len())
                .filter(|i| view::matches(&view::alert_text(&self.snapshot.alerts[*i]), &needle))
                .collect(),
            Pane::Incident => (0..self.playbook.len())
                .filter(|i| {
                    let step = &self.playbook[*i];
                    view::matches(&format!("{} {}", step.phase.label(), step.text), &needle)
                })
                .collect(),
            Pane::Actions => (0..self.action_findings.len())
                .filter(|i| {
                    let finding = &self.snapshot.findings[self.action_findings[*i]];
                    view::matches(
                        &view::finding_text(finding, self.snapshot.resource(&finding.resource_id)),
                        &needle,
                    )
                })
                .collect(),
            Pane::Logs => (0..self.snapshot.logs.len())
                .filter(|i| view::matches(&view::log_text(&self.snapshot.logs[*i]), &needle))
                .collect(),
        };
        let state = self.pane_mut(pane);
        state.visible = visible;
        state.clamp();
    }
}

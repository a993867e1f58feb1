use std::collections::HashSet;
use std::sync::Arc;

use ratatui_textarea::TextArea;

use super::keymap::Keymap;
use super::view::{self, ChecklistRow};
use crate::attestation::{self, Attestation};
use crate::incident::{self, Step};
use crate::model::{Finding, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Checklist,
    Alerts,
    Incident,
    Actions,
    Logs,
    /// Every finding of one control: the checklist's drill-down (shown in the Checklist tab).
    Findings,
}

impl Pane {
    /// The tabs, in order; `Findings` lives inside the Checklist tab.
    pub const ALL: [Pane; 5] = [Pane::Checklist, Pane::Alerts, Pane::Incident, Pane::Actions, Pane::Logs];
    const EVERY: [Pane; 6] = [
        Pane::Checklist,
        Pane::Alerts,
        Pane::Incident,
        Pane::Actions,
        Pane::Logs,
        Pane::Findings,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The tab that shows this pane.
    pub fn tab(self) -> Pane {
        match self {
            Pane::Findings => Pane::Checklist,
            other => other,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Checklist => "Checklist",
            Pane::Alerts => "Alerts",
            Pane::Incident => "Incident",
            Pane::Actions => "Actions",
            Pane::Logs => "Logs & cost",
            Pane::Findings => "Findings",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help {
        scroll: u16,
    },
    Details {
        scroll: u16,
    },
    /// Every source's health: the header has room for one error, an incident may have several.
    Sources {
        scroll: u16,
    },
    /// Position in `State::walkthrough`.
    Walkthrough {
        index: usize,
        scroll: u16,
    },
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Name,
    Date,
    Note,
}

/// The attestation form: who, when, and a multi-line note on what was checked.
pub struct AttestForm {
    pub item: &'static str,
    pub field: FormField,
    pub name: TextArea<'static>,
    pub date: TextArea<'static>,
    pub note: TextArea<'static>,
    pub error: Option<String>,
}

impl AttestForm {
    pub fn new(item: &'static str, previous: Option<&Attestation>, today: time::Date) -> Self {
        let date = format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day());
        let mut name = TextArea::new(vec![previous.map(|a| a.attested_by.clone()).unwrap_or_default()]);
        name.move_cursor(ratatui_textarea::CursorMove::End);
        let mut date = TextArea::new(vec![date]);
        date.move_cursor(ratatui_textarea::CursorMove::End);
        Self {
            item,
            field: FormField::Name,
            name,
            date,
            note: TextArea::default(),
            error: None,
        }
    }

    pub fn focused(&mut self) -> &mut TextArea<'static> {
        match self.field {
            FormField::Name => &mut self.name,
            FormField::Date => &mut self.date,
            FormField::Note => &mut self.note,
        }
    }
}

pub struct State {
    pub snapshot: Arc<Snapshot>,
    pub checklist: Vec<ChecklistRow>,
    pub score: Option<u8>,
    pub playbook: Vec<Step>,
    /// Indices into `snapshot.findings`: the open findings of the selected control (Actions pane rows).
    pub action_findings: Vec<usize>,
    /// The control the Findings view lists, and its findings (indices into `snapshot.findings`).
    pub drill: Option<&'static str>,
    pub drill_findings: Vec<usize>,
    /// Failing controls in walkthrough order, fixed when the walkthrough opens.
    pub walkthrough: Vec<&'static str>,
    pub reviewed: HashSet<String>,
    pub attestations: Vec<Attestation>,
    pub validity_days: u32,
    pub form: Option<AttestForm>,
    pub panes: [PaneState; 6],
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
            drill: None,
            drill_findings: Vec::new(),
            walkthrough: Vec::new(),
            reviewed: HashSet::new(),
            attestations: Vec::new(),
            validity_days: attestation::DEFAULT_VALIDITY_DAYS,
            form: None,
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

    pub fn today(&self) -> time::Date {
        attestation::today(self.now)
    }

    pub fn pane(&self, pane: Pane) -> &PaneState {
        &self.panes[pane.index()]
    }

    pub fn pane_mut(&mut self, pane: Pane) -> &mut PaneState {
        &mut self.panes[pane.index()]
    }

    pub fn selected_checklist_row(&self) -> Option<&ChecklistRow> {
        self.pane(Pane::Checklist)
            .selected_row()
            .and_then(|i| self.checklist.get(i))
    }

    /// The control selected in the checklist, or the first control with failing findings.
    pub fn selected_control(&self) -> Option<&'static str> {
        match self.selected_checklist_row() {
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

    /// The finding selected in the Actions pane, with its evidence.
    pub fn selected_action_finding(&self) -> Option<Finding> {
        let row = self.pane(Pane::Actions).selected_row()?;
        self.explain(*self.action_findings.get(row)?)
    }

    /// The finding selected in the Findings view, with its evidence.
    pub fn selected_drill_finding(&self) -> Option<Finding> {
        let row = self.pane(Pane::Findings).selected_row()?;
        self.explain(*self.drill_findings.get(row)?)
    }

    /// The snapshot's finding at `index` with its evidence (rendered now: the snapshot holds verdicts only).
    pub fn explain(&self, index: usize) -> Option<Finding> {
        let verdict = self.snapshot.findings.get(index)?;
        crate::checks::explain(&self.snapshot.resources, &self.snapshot.subscriptions, verdict)
    }

    /// Replaces the snapshot, keeping each pane's selection on the same item when it still exists.
    pub fn set_snapshot(&mut self, snapshot: Arc<Snapshot>) {
        let keys: Vec<Option<String>> = Pane::EVERY.iter().map(|p| self.selected_key(*p)).collect();
        self.snapshot = snapshot;
        self.rebuild();
        for (pane, key) in Pane::EVERY.into_iter().zip(keys) {
            if let Some(key) = key {
                self.select_key(pane, &key);
            }
        }
        // The dependent panes follow the restored selection.
        self.rebuild_dependents();
    }

    pub fn set_attestations(&mut self, attestations: Vec<Attestation>) {
        let key = self.selected_key(Pane::Checklist);
        self.attestations = attestations;
        self.rebuild_checklist();
        if let Some(key) = key {
            self.select_key(Pane::Checklist, &key);
        }
    }

    fn selected_key(&self, pane: Pane) -> Option<String> {
        let row = self.pane(pane).selected_row()?;
        self.row_key(pane, row)
    }

    fn row_key(&self, pane: Pane, row: usize) -> Option<String> {
        let finding_key = |rows: &[usize]| {
            rows.get(row)
                .and_then(|i| self.snapshot.findings.get(*i))
                .and_then(|f| self.snapshot.resource_of(f))
                .map(|r| r.id.to_string())
        };
        match pane {
            Pane::Checklist => self.checklist.get(row).map(ChecklistRow::key),
            Pane::Alerts => self.snapshot.alerts.get(row).map(|a| a.key.clone()),
            Pane::Incident => self.playbook.get(row).map(|s| s.text.clone()),
            Pane::Actions => finding_key(&self.action_findings),
            Pane::Findings => finding_key(&self.drill_findings),
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

    fn rebuild_checklist(&mut self) {
        let (mut rows, score) = view::checklist_rows(&self.snapshot.findings);
        rows.extend(view::attestation_rows(
            &self.attestations,
            self.today(),
            self.validity_days,
        ));
        self.checklist = rows;
        self.score = score;
        self.refilter(Pane::Checklist);
    }

    /// Recomputes every derived list from the snapshot and the filters.
    pub fn rebuild(&mut self) {
        self.rebuild_checklist();
        self.refilter(Pane::Alerts);
        self.refilter(Pane::Logs);
        self.drill_findings = self
            .drill
            .map(|c| view::control_findings(&self.snapshot, c))
            .unwrap_or_default();
        self.refilter(Pane::Findings);
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
            Some(control) => view::open_findings(&self.snapshot, control),
            None => Vec::new(),
        };
        self.refilter(Pane::Actions);
    }

    /// Opens the Findings view of a control.
    pub fn drill_into(&mut self, control: &'static str) {
        self.drill = Some(control);
        self.drill_findings = view::control_findings(&self.snapshot, control);
        let pane = self.pane_mut(Pane::Findings);
        pane.filter.clear();
        pane.selected = 0;
        pane.offset = 0;
        self.refilter(Pane::Findings);
        self.focus = Pane::Findings;
    }

    pub fn refilter(&mut self, pane: Pane) {
        let needle = self.pane(pane).filter.to_lowercase();
        let findings = &self.snapshot.findings;
        let finding_rows = |rows: &[usize]| -> Vec<usize> {
            (0..rows.len())
                .filter(|i| {
                    let finding = &findings[rows[*i]];
                    view::matches(
                        &view::finding_text(finding, self.snapshot.resource_of(finding)),
                        &needle,
                    )
                })
                .collect()
        };
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
            Pane::Actions => finding_rows(&self.action_findings),
            Pane::Findings => finding_rows(&self.drill_findings),
            Pane::Logs => (0..self.snapshot.logs.len())
                .filter(|i| view::matches(&view::log_text(&self.snapshot.logs[*i]), &needle))
                .collect(),
        };
        let state = self.pane_mut(pane);
        state.visible = visible;
        state.clamp();
    }
}

//! `update`: the one place state changes. No I/O: it returns effects for the event loop to carry out.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use super::actions::{Action, Context};
use super::state::{AttestForm, FormField, Overlay, Pane, State};
use super::view::{self, ChecklistRow};
use crate::attestation::{self, Attestation};
use crate::model::Snapshot;

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Snapshot(Arc<Snapshot>),
    /// Rows each pane showed at the last frame, reported by the UI after drawing.
    Layout([usize; 6]),
    /// How far the open overlay could scroll at the last frame: a scroll position past it is brought back, so
    /// `k` answers at once after many `j`.
    OverlayScrollLimit(u16),
    /// The latest attestation per item, as stored.
    Attestations(Vec<Attestation>),
    /// Controls marked reviewed in the walkthrough, as stored.
    Reviewed(Vec<String>),
    /// A side effect failed (the store could not be written, …): shown, nothing else changes.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    Refresh,
    SaveAttestation(Attestation),
    MarkReviewed(String),
}

const REFRESH_REQUESTED: &str = "refresh requested";
const ALL_REVIEWED: &str = "every failing control has been reviewed";
const WRAPPED_TO_FIRST: &str = "back to the first control still to review";
const WALKTHROUGH_NOTES: [&str; 2] = [ALL_REVIEWED, WRAPPED_TO_FIRST];
const REFRESHING: &str = "refreshing every source…";

pub fn update(state: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::Snapshot(snapshot) => {
            // The request's note stays while the refresh runs and goes when every source is done.
            if state.status_line.as_deref() == Some(REFRESH_REQUESTED) && snapshot.sources.iter().any(|s| s.in_flight) {
                state.status_line = Some(REFRESHING.into());
            } else if state.status_line.as_deref() == Some(REFRESHING) && snapshot.sources.iter().all(|s| !s.in_flight)
            {
                state.status_line = None;
            }
            if state.paused {
                state.held = Some(snapshot);
            } else {
                state.set_snapshot(snapshot);
            }
            Vec::new()
        }
        Event::Layout(heights) => {
            for (pane, height) in state.panes.iter_mut().zip(heights) {
                pane.height = height;
                pane.clamp();
            }
            Vec::new()
        }
        Event::OverlayScrollLimit(max) => {
            match &mut state.overlay {
                Overlay::Help { scroll }
                | Overlay::Details { scroll }
                | Overlay::Sources { scroll }
                | Overlay::Walkthrough { scroll, .. } => *scroll = (*scroll).min(max),
                Overlay::None => {}
            }
            Vec::new()
        }
        Event::Attestations(attestations) => {
            state.set_attestations(attestations);
            Vec::new()
        }
        Event::Reviewed(controls) => {
            state.reviewed = controls.into_iter().collect();
            Vec::new()
        }
        Event::Failed(message) => {
            state.status_line = Some(message);
            Vec::new()
        }
        Event::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        Event::Key(key) => on_key(state, key),
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    // Ctrl-C always leaves, whatever the key map or mode says.
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        state.should_quit = true;
        return vec![Effect::Quit];
    }
    if state.form.is_some() {
        return edit_form(state, key);
    }
    if state.filter_editor.is_some() {
        edit_filter(state, key);
        return Vec::new();
    }
    let context = match state.overlay {
        Overlay::None => Context::List,
        Overlay::Walkthrough { .. } => Context::Walkthrough,
        Overlay::Help { .. } | Overlay::Details { .. } | Overlay::Sources { .. } => Context::Overlay,
    };
    match state.keymap.resolve(context, &key) {
        Some(action) => apply(state, action),
        None => Vec::new(),
    }
}

pub fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    // Refresh and pause act on the whole cockpit, not on what is under an overlay, so they work with one open
    // (the sources overlay itself says `r` refreshes); the overlay stays.
    if matches!(action, Action::Refresh | Action::Pause) && state.overlay != Overlay::None {
        let open = state.overlay;
        state.overlay = Overlay::None;
        let effects = apply(state, action);
        state.overlay = open;
        return effects;
    }
    match state.overlay {
        Overlay::Walkthrough { index, scroll } => return walkthrough(state, action, index, scroll),
        Overlay::Help { scroll } | Overlay::Details { scroll } | Overlay::Sources { scroll } => {
            let scroll = match action {
                Action::MoveDown => scroll.saturating_add(1),
                Action::MoveUp => scroll.saturating_sub(1),
                Action::Back | Action::Details | Action::Help | Action::Sources => {
                    state.overlay = Overlay::None;
                    return Vec::new();
                }
                Action::Quit => return quit(state),
                _ => return Vec::new(),
            };
            state.overlay = match state.overlay {
                Overlay::Help { .. } => Overlay::Help { scroll },
                Overlay::Sources { .. } => Overlay::Sources { scroll },
                _ => Overlay::Details { scroll },
            };
            return Vec::new();
        }
        Overlay::None => {}
    }
    match action {
        Action::Quit => return quit(state),
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        Action::Sources => state.overlay = Overlay::Sources { scroll: 0 },
        Action::Details => return details(state),
        Action::NextPane => focus(state, Pane::ALL[(state.focus.tab().index() + 1) % Pane::ALL.len()]),
        Action::PrevPane => focus(
            state,
            Pane::ALL[(state.focus.tab().index() + Pane::ALL.len() - 1) % Pane::ALL.len()],
        ),
        Action::FocusChecklist => focus(state, Pane::Checklist),
        Action::FocusAlerts => focus(state, Pane::Alerts),
        Action::FocusIncident => focus(state, Pane::Incident),
        Action::FocusActions => focus(state, Pane::Actions),
        Action::FocusLogs => focus(state, Pane::Logs),
        Action::MoveDown => move_by(state, 1),
        Action::MoveUp => move_by(state, -1),
        Action::HalfPageDown => {
            let half = (state.pane(state.focus).height / 2).max(1) as isize;
            move_by(state, half)
        }
        Action::HalfPageUp => {
            let half = (state.pane(state.focus).height / 2).max(1) as isize;
            move_by(state, -half)
        }
        Action::Top => move_by(state, isize::MIN / 2),
        Action::Bottom => move_by(state, isize::MAX / 2),
        Action::Filter => {
            let mut editor = TextArea::new(vec![state.pane(state.focus).filter.clone()]);
            editor.move_cursor(ratatui_textarea::CursorMove::End);
            state.filter_editor = Some(editor);
        }
        Action::Back => {
            let pane = state.focus;
            if !state.pane(pane).filter.is_empty() {
                state.pane_mut(pane).filter.clear();
                refilter(state, pane);
            } else if pane == Pane::Findings {
                state.focus = Pane::Checklist;
            } else if state.status_line.is_some() {
                state.status_line = None;
            }
        }
        Action::Refresh => {
            state.status_line = Some(REFRESH_REQUESTED.into());
            return vec![Effect::Refresh];
        }
        Action::Pause => {
            state.paused = !state.paused;
            if !state.paused
                && let Some(held) = state.held.take()
            {
                state.set_snapshot(held);
            }
            state.status_line = Some(
                if state.paused {
                    "paused: the screen is frozen (p resumes)"
                } else {
                    "live"
                }
                .into(),
            );
        }
        Action::Walkthrough => {
            state.walkthrough = view::walkthrough_order(&state.snapshot.findings);
            if state.walkthrough.is_empty() {
                state.status_line = Some("no failing control: nothing to walk through".into());
            } else {
                // Start at the first control not yet reviewed.
                let index = state
                    .walkthrough
                    .iter()
                    .position(|c| !state.reviewed.contains(*c))
                    .unwrap_or(0);
                state.overlay = Overlay::Walkthrough { index, scroll: 0 };
            }
        }
        Action::Next | Action::Previous | Action::Skip | Action::MarkReviewed | Action::NextField | Action::Save => {}
    }
    Vec::new()
}

/// Enter: on a control, its findings; on an attestation item, the form; elsewhere, the details overlay.
fn details(state: &mut State) -> Vec<Effect> {
    if state.pane(state.focus).selected_row().is_none() {
        return Vec::new();
    }
    if state.focus == Pane::Checklist {
        match state.selected_checklist_row().cloned() {
            Some(ChecklistRow::Control { control, .. }) => {
                state.drill_into(control);
                return Vec::new();
            }
            Some(ChecklistRow::Attestation { item, .. }) => {
                let previous = state.attestations.iter().find(|a| a.item_id == item);
                state.form = Some(AttestForm::new(item, previous, state.today()));
                return Vec::new();
            }
            _ => {}
        }
    }
    state.overlay = Overlay::Details { scroll: 0 };
    Vec::new()
}

fn walkthrough(state: &mut State, action: Action, index: usize, scroll: u16) -> Vec<Effect> {
    let last = state.walkthrough.len().saturating_sub(1);
    let mut effects = Vec::new();
    let next = match action {
        Action::Next | Action::Skip => Some((index + 1).min(last)),
        Action::Previous => Some(index.saturating_sub(1)),
        Action::MarkReviewed => {
            if let Some(control) = state.walkthrough.get(index) {
                state.reviewed.insert(control.to_string());
                effects.push(Effect::MarkReviewed(control.to_string()));
            }
            // The next control still to review, after this one, then from the start; stay when none is left.
            let unreviewed = |i: &usize| !state.reviewed.contains(state.walkthrough[*i]);
            let after = (index + 1..state.walkthrough.len()).find(unreviewed);
            let before = (0..index).find(unreviewed);
            state.status_line = match (after, before) {
                (None, None) => Some(ALL_REVIEWED.into()),
                (None, Some(_)) => Some(WRAPPED_TO_FIRST.into()),
                _ => state.status_line.take(),
            };
            Some(after.or(before).unwrap_or(index))
        }
        Action::MoveDown => {
            state.overlay = Overlay::Walkthrough {
                index,
                scroll: scroll.saturating_add(1),
            };
            None
        }
        Action::MoveUp => {
            state.overlay = Overlay::Walkthrough {
                index,
                scroll: scroll.saturating_sub(1),
            };
            None
        }
        Action::Back | Action::Walkthrough => {
            state.overlay = Overlay::None;
            // The walkthrough's own notes are about it: they go with it rather than hide the key hints.
            if state
                .status_line
                .as_deref()
                .is_some_and(|line| WALKTHROUGH_NOTES.contains(&line))
            {
                state.status_line = None;
            }
            None
        }
        Action::Quit => return quit(state),
        _ => None,
    };
    if let Some(next) = next {
        state.overlay = Overlay::Walkthrough { index: next, scroll: 0 };
    }
    effects
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.should_quit = true;
    vec![Effect::Quit]
}

fn focus(state: &mut State, pane: Pane) {
    // Going to the Checklist tab from elsewhere returns to the drill-down if it was open.
    if pane == Pane::Checklist && state.focus.tab() != Pane::Checklist && state.drill.is_some() {
        state.focus = Pane::Findings;
    } else {
        state.focus = pane;
    }
}

fn move_by(state: &mut State, delta: isize) {
    let pane = state.focus;
    let pane_state = state.pane_mut(pane);
    let last = pane_state.visible.len().saturating_sub(1) as isize;
    pane_state.selected = (pane_state.selected as isize + delta).clamp(0, last.max(0)) as usize;
    pane_state.clamp();
    after_selection_change(state, pane);
}

fn refilter(state: &mut State, pane: Pane) {
    state.refilter(pane);
    after_selection_change(state, pane);
}

fn after_selection_change(state: &mut State, pane: Pane) {
    if matches!(pane, Pane::Checklist | Pane::Alerts) {
        state.rebuild_dependents();
    }
}

/// Typing a filter applies it live; Enter keeps it, Esc drops it.
fn edit_filter(state: &mut State, key: KeyEvent) {
    let pane = state.focus;
    match key.code {
        KeyCode::Enter => {
            state.filter_editor = None;
        }
        KeyCode::Esc => {
            state.filter_editor = None;
            state.pane_mut(pane).filter.clear();
            refilter(state, pane);
        }
        _ => {
            let Some(editor) = state.filter_editor.as_mut() else {
                return;
            };
            editor.input(key);
            let text = editor.lines().first().cloned().unwrap_or_default();
            state.pane_mut(pane).filter = text;
            state.pane_mut(pane).selected = 0;
            refilter(state, pane);
        }
    }
}

/// The attestation form: Tab moves between fields, Ctrl-S validates and saves, Esc cancels; everything else
/// is typed into the focused field (Enter makes a new line only in the note).
fn edit_form(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let today = state.today();
    let now = state.now;
    let Some(form) = state.form.as_mut() else {
        return Vec::new();
    };
    match state.keymap.resolve(Context::Form, &key) {
        Some(Action::Back) => {
            state.form = None;
            state.status_line = Some("attestation cancelled: nothing saved".into());
        }
        Some(Action::NextField) => {
            form.field = match form.field {
                FormField::Name => FormField::Date,
                FormField::Date => FormField::Note,
                FormField::Note => FormField::Name,
            };
        }
        Some(Action::Save) => {
            let name = form.name.lines().join(" ");
            let date = form.date.lines().join("");
            let note = form.note.lines().join("\n");
            match attestation::validate(&name, &date, &note, today) {
                Ok((attested_by, attested_on, note)) => {
                    let saved = Attestation {
                        item_id: form.item.to_string(),
                        note,
                        attested_by,
                        attested_on,
                        recorded_at: now,
                    };
                    state.form = None;
                    state.status_line = Some(format!("attestation of {} saved", saved.item_id));
                    return vec![Effect::SaveAttestation(saved)];
                }
                Err(problem) => form.error = Some(problem),
            }
        }
        _ => {
            // Single-line fields ignore Enter rather than growing a second line.
            if key.code == KeyCode::Enter && form.field != FormField::Note {
                return Vec::new();
            }
            form.error = None;
            form.focused().input(key);
        }
    }
    Vec::new()
}

//! `update`: the one place state changes. No I/O: it returns effects for the event loop to carry out.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use super::actions::{Action, Context};
use super::state::{Overlay, Pane, State};
use crate::model::Snapshot;

#[derive(Debug, Clone)]
pub enum Event {
    Key(KeyEvent),
    Snapshot(Arc<Snapshot>),
    /// Rows each pane showed at the last frame, reported by the UI after drawing.
    Layout([usize; 5]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Quit,
    Refresh,
}

pub fn update(state: &mut State, event: Event) -> Vec<Effect> {
    match event {
        Event::Snapshot(snapshot) => {
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
    if state.filter_editor.is_some() {
        edit_filter(state, key);
        return Vec::new();
    }
    let context = if state.overlay == Overlay::None {
        Context::List
    } else {
        Context::Overlay
    };
    match state.keymap.resolve(context, &key) {
        Some(action) => apply(state, action),
        None => Vec::new(),
    }
}

pub fn apply(state: &mut State, action: Action) -> Vec<Effect> {
    if let Overlay::Help { scroll } | Overlay::Details { scroll } = &mut state.overlay {
        match action {
            Action::MoveDown => *scroll = scroll.saturating_add(1),
            Action::MoveUp => *scroll = scroll.saturating_sub(1),
            Action::Back | Action::Details => state.overlay = Overlay::None,
            Action::Help => state.overlay = Overlay::None,
            Action::Quit => return quit(state),
            _ => {}
        }
        return Vec::new();
    }
    match action {
        Action::Quit => return quit(state),
        Action::Help => state.overlay = Overlay::Help { scroll: 0 },
        Action::Details => {
            if state.pane(state.focus).selected_row().is_some() {
                state.overlay = Overlay::Details { scroll: 0 };
            }
        }
        Action::NextPane => focus(state, Pane::ALL[(state.focus.index() + 1) % Pane::ALL.len()]),
        Action::PrevPane => focus(
            state,
            Pane::ALL[(state.focus.index() + Pane::ALL.len() - 1) % Pane::ALL.len()],
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
            } else if state.status_line.is_some() {
                state.status_line = None;
            }
        }
        Action::Refresh => {
            state.status_line = Some("refresh requested".into());
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
    }
    Vec::new()
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.should_quit = true;
    vec![Effect::Quit]
}

fn focus(state: &mut State, pane: Pane) {
    state.focus = pane;
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

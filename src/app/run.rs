//! The event loop: drain every ready input, apply it through `update`, then draw at most once. It sleeps
//! when nothing happens: the only timer wakes it when a shown age would read differently.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::{Effect, Event, State, update};
use crate::collector::{Command, unix_now};
use crate::model::Snapshot;
use crate::store::Store;
use crate::tui::Tui;

/// At most ~60 frames per second, even when snapshots and keys arrive faster.
const MIN_FRAME_GAP: Duration = Duration::from_millis(16);

/// What the loop needs besides the terminal and the state: the collector's channels and the local store
/// (`None` when it could not be opened: the cockpit still runs, attestations are not saved).
pub struct Wiring {
    pub snapshots: watch::Receiver<Arc<Snapshot>>,
    pub commands: mpsc::Sender<Command>,
    pub store: Option<Store>,
}

pub async fn run(terminal: &mut Tui, state: &mut State, wiring: Wiring) -> std::io::Result<()> {
    let Wiring {
        mut snapshots,
        commands,
        store,
    } = wiring;
    if let Some(store) = &store {
        load_stored(state, store);
    }
    let effects = Effects { commands, store };
    let mut events = EventStream::new();
    let mut collector_alive = true;
    state.set_snapshot(snapshots.borrow_and_update().clone());
    let mut last_draw = draw(terminal, state)?;
    loop {
        let mut dirty = false;
        let ages_change = crate::ui::next_change_in(state);
        tokio::select! {
            () = tokio::time::sleep_until(last_draw + ages_change.unwrap_or_default()), if ages_change.is_some() => {
                dirty = true;
            }
            event = events.next() => match event {
                Some(Ok(event)) => dirty |= handle_terminal_event(state, event, &effects),
                Some(Err(error)) => return Err(error),
                None => return Ok(()),
            },
            changed = snapshots.changed(), if collector_alive => match changed {
                Ok(()) => {
                    let snapshot = snapshots.borrow_and_update().clone();
                    update(state, Event::Snapshot(snapshot));
                    dirty = true;
                }
                Err(_) => collector_alive = false,
            },
        }
        // Everything already queued is applied before the next frame. `poll_immediate` polls with this task's
        // waker: crossterm keeps the waker of a pending poll, and a no-op one (`now_or_never`) would leave the
        // loop deaf to every later key.
        while let Some(Some(event)) = futures::future::poll_immediate(events.next()).await {
            dirty |= handle_terminal_event(state, event?, &effects);
        }
        if state.should_quit {
            return Ok(());
        }
        if dirty {
            tokio::time::sleep_until(last_draw + MIN_FRAME_GAP).await;
            last_draw = draw(terminal, state)?;
        }
    }
}

fn handle_terminal_event(state: &mut State, event: TermEvent, effects: &Effects) -> bool {
    match event {
        TermEvent::Key(key) => {
            for effect in update(state, Event::Key(key)) {
                effects.carry_out(state, effect);
            }
            true
        }
        TermEvent::Resize(_, _) => true,
        _ => false,
    }
}

struct Effects {
    commands: mpsc::Sender<Command>,
    store: Option<Store>,
}

impl Effects {
    /// Performs one effect; the outcome comes back into the state through `update`.
    fn carry_out(&self, state: &mut State, effect: Effect) {
        match effect {
            Effect::Quit => {}
            Effect::Refresh => {
                if self.commands.try_send(Command::RefreshAll).is_err() {
                    update(state, Event::Failed("the collector is busy; refresh not queued".into()));
                }
            }
            Effect::SaveAttestation(attestation) => {
                let Some(store) = &self.store else {
                    update(
                        state,
                        Event::Failed("attestation not saved: the local database could not be opened".into()),
                    );
                    return;
                };
                match store
                    .save_attestation(&attestation)
                    .and_then(|()| store.latest_attestations())
                {
                    Ok(latest) => {
                        update(state, Event::Attestations(latest));
                    }
                    Err(error) => {
                        update(state, Event::Failed(format!("attestation not saved: {error}")));
                    }
                }
            }
            Effect::MarkReviewed(control) => {
                let result = match &self.store {
                    Some(store) => store.mark_reviewed(&control, unix_now()).map_err(|e| e.to_string()),
                    None => Err("the local database could not be opened".to_string()),
                };
                if let Err(error) = result {
                    update(
                        state,
                        Event::Failed(format!("review of {control} kept for this session only: {error}")),
                    );
                }
            }
        }
    }
}

fn load_stored(state: &mut State, store: &Store) {
    match store.latest_attestations() {
        Ok(latest) => {
            update(state, Event::Attestations(latest));
        }
        Err(error) => {
            update(state, Event::Failed(format!("cannot read attestations: {error}")));
        }
    }
    match store.reviewed() {
        Ok(reviewed) => {
            update(
                state,
                Event::Reviewed(reviewed.into_iter().map(|(control, _)| control).collect()),
            );
        }
        Err(error) => {
            update(state, Event::Failed(format!("cannot read review marks: {error}")));
        }
    }
}

fn draw(terminal: &mut Tui, state: &mut State) -> std::io::Result<Instant> {
    state.now = unix_now();
    let mut report = crate::ui::FrameReport::default();
    crossterm::execute!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = terminal
        .draw(|frame| report = crate::ui::draw(frame, state))
        .map(|_| ());
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    drawn?;
    update(state, Event::Layout(report.heights));
    if let Some(max) = report.overlay_scroll_max {
        update(state, Event::OverlayScrollLimit(max));
    }
    if std::env::var_os("AISEC_TEST_PANIC_AFTER_DRAW").is_some() {
        // Lets the pseudo-terminal test prove the panic hook restores the terminal.
        panic!("test panic requested by AISEC_TEST_PANIC_AFTER_DRAW");
    }
    Ok(Instant::now())
}

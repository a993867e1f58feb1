//! The event loop: drain every ready input, apply it through `update`, then draw at most once. It sleeps
//! when nothing happens: no timer runs while the screen has nothing new to show.

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
use crate::tui::Tui;

/// At most ~60 frames per second, even when snapshots and keys arrive faster.
const MIN_FRAME_GAP: Duration = Duration::from_millis(16);

pub async fn run(
    terminal: &mut Tui,
    state: &mut State,
    mut snapshots: watch::Receiver<Arc<Snapshot>>,
    commands: mpsc::Sender<Command>,
) -> std::io::Result<()> {
    let mut events = EventStream::new();
    let mut collector_alive = true;
    state.set_snapshot(snapshots.borrow_and_update().clone());
    let mut last_draw = draw(terminal, state)?;
    loop {
        let mut dirty = false;
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => dirty |= handle_terminal_event(state, event, &commands),
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
            dirty |= handle_terminal_event(state, event?, &commands);
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

fn handle_terminal_event(state: &mut State, event: TermEvent, commands: &mpsc::Sender<Command>) -> bool {
    match event {
        TermEvent::Key(key) => {
            for effect in update(state, Event::Key(key)) {
                match effect {
                    Effect::Quit => {}
                    Effect::Refresh => {
                        if commands.try_send(Command::RefreshAll).is_err() {
                            state.status_line = Some("the collector is busy; refresh not queued".into());
                        }
                    }
                }
            }
            true
        }
        TermEvent::Resize(_, _) => true,
        _ => false,
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
    if std::env::var_os("AISEC_TEST_PANIC_AFTER_DRAW").is_some() {
        // Lets the pseudo-terminal test prove the panic hook restores the terminal.
        panic!("test panic requested by AISEC_TEST_PANIC_AFTER_DRAW");
    }
    Ok(Instant::now())
}

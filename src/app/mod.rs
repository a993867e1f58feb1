//! Application state and its one `update` function, the action registry and the key map. No I/O here:
//! the event loop in `run.rs` carries out the effects.

pub mod actions;
pub mod keymap;
pub mod run;
mod state;
mod update;
pub mod view;

pub use state::{AttestForm, FormField, Overlay, Pane, PaneState, State};
pub use update::{Effect, Event, apply, update};

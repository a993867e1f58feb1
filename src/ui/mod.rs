//! Rendering: a pure function of `State`. It builds table rows only for the visible slice and reports back
//! how many rows each pane could show, so `update` can scroll by pages without knowing the layout.

mod format;
mod overlay;
mod panes;
mod style;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};

use crate::app::actions::{Context, REGISTRY};
use crate::app::{Overlay, Pane, State};
use crate::model::SourceKind;
use crate::sanitize::for_terminal;

/// What a frame showed: visible rows per pane (0 when not drawn) and how many table rows were built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameReport {
    pub heights: [usize; 6],
    pub rows_built: usize,
    /// How far the open overlay can scroll (its wrapped lines beyond the visible ones).
    pub overlay_scroll_max: Option<u16>,
}

/// Wide terminals show the focused pane with its companion beside it.
const WIDE: u16 = 140;

/// Below this the panes cannot show a row that means anything.
const MIN_WIDTH: u16 = 40;
const MIN_HEIGHT: u16 = 10;

pub fn draw(frame: &mut Frame, state: &State) -> FrameReport {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "aisec needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {}×{}. Enlarge it, or press q to quit.",
            area.width, area.height
        );
        frame.render_widget(
            Paragraph::new(Span::styled(text, style::warn())).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return FrameReport::default();
    }
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, state);
    draw_tabs(frame, tabs, state);
    let mut report = FrameReport::default();
    let companion = companion(state.focus);
    match companion {
        Some(other) if area.width >= WIDE => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
            panes::draw(frame, left, state, state.focus, true, &mut report);
            if state.focus == Pane::Findings {
                // Beside a control's findings: the selected one's evidence and fix.
                panes::finding_detail(frame, right, state);
            } else {
                panes::draw(frame, right, state, other, false, &mut report);
            }
        }
        _ => panes::draw(frame, body, state, state.focus, true, &mut report),
    }
    draw_footer(frame, footer, state);
    report.overlay_scroll_max = match state.overlay {
        Overlay::Help { scroll } => Some(overlay::help(frame, area, state, scroll)),
        Overlay::Details { scroll } => Some(overlay::details(frame, area, state, scroll)),
        Overlay::Sources { scroll } => Some(overlay::sources(frame, area, state, scroll)),
        Overlay::Walkthrough { index, scroll } => Some(overlay::walkthrough(frame, area, state, index, scroll)),
        Overlay::None => None,
    };
    if let Some(form) = &state.form {
        overlay::attest_form(frame, area, state, form);
    }
    report
}

fn companion(pane: Pane) -> Option<Pane> {
    match pane {
        Pane::Checklist | Pane::Findings => Some(Pane::Actions),
        Pane::Alerts => Some(Pane::Incident),
        Pane::Incident => Some(Pane::Alerts),
        Pane::Actions => Some(Pane::Checklist),
        Pane::Logs => None,
    }
}

/// How long until the screen reads differently with no new input: the ages of each source's last success,
/// to the minute in the header, to the second in the sources overlay while it is open. The event loop's one
/// timer waits for this (no age shown, no timer).
pub fn next_change_in(state: &State) -> Option<std::time::Duration> {
    let to_the_second = matches!(state.overlay, Overlay::Sources { .. });
    state
        .snapshot
        .sources
        .iter()
        .filter_map(|source| source.last_ok)
        .map(|ok| {
            if to_the_second {
                format::age_changes_in(state.now - ok)
            } else {
                format::minute_age_changes_in(state.now - ok)
            }
        })
        .min()
        .map(|seconds| std::time::Duration::from_secs(seconds.max(1) as u64))
}

/// `[S] all errors`: where to read every source's error, with the key the sources overlay is bound to (none
/// when unbound).
fn all_errors_hint(state: &State) -> Option<String> {
    let keys = state.keymap.keys_for("sources");
    (!keys.is_empty()).then(|| format!("[{keys}] all errors"))
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State) {
    let snapshot = &state.snapshot;
    let names: Vec<String> = snapshot
        .subscriptions
        .iter()
        .map(|s| for_terminal(&s.display_name).into_owned())
        .collect();
    let subscriptions = match names.len() {
        0 => "no subscription yet".to_string(),
        1..=3 => format!(
            "{} subscription{}: {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ),
        n => format!("{n} subscriptions: {}, …", names[..2].join(", ")),
    };
    // The badges say how the screen behaves (nothing is written; nothing moves while paused), so they always
    // show; the score, the resource count and the subscription names give way, in that order, when narrow.
    let mut badges: Vec<Span> = Vec::new();
    if state.read_only {
        badges.push(Span::raw(" "));
        badges.push(Span::styled(
            " RO read-only ",
            style::good().add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    if state.paused {
        badges.push(Span::raw(" "));
        badges.push(Span::styled(
            " PAUSED ",
            style::warn().add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    let mut score = Vec::new();
    if let Some(value) = state.score {
        let score_style = if value >= 80 {
            style::good()
        } else if value >= 50 {
            style::warn()
        } else {
            style::bad()
        };
        score.push(Span::raw("  score "));
        score.push(Span::styled(
            format!("{value}"),
            score_style.add_modifier(ratatui::style::Modifier::BOLD),
        ));
    }
    let count = vec![Span::styled(
        format!("  {} resources", snapshot.resources.len()),
        style::dim(),
    )];
    let title = Span::styled(
        " aisec ",
        style::title().add_modifier(ratatui::style::Modifier::REVERSED),
    );
    let width_of = |spans: &[Span]| -> usize { spans.iter().map(|span| span.content.chars().count()).sum() };
    // The title, the space before the badges, the badges.
    let mut room = (area.width as usize).saturating_sub(title.content.chars().count() + 1 + width_of(&badges));
    let mut optional = Vec::new();
    for part in [score, count] {
        if width_of(&part) <= room {
            room -= width_of(&part);
            optional.push(part);
        }
    }
    let mut first = vec![title];
    // A name shorter than this says nothing: the room goes to what follows instead.
    if room >= 12 {
        first.push(Span::raw(" "));
        first.push(Span::raw(format::fit(&subscriptions, room - 1)));
    }
    optional.reverse();
    first.extend(optional.into_iter().flatten());
    first.push(Span::raw(" "));
    first.extend(badges);
    let mut second = vec![Span::raw(" ")];
    for kind in SourceKind::ALL {
        let Some(source) = snapshot.source(kind) else {
            continue;
        };
        let look = style::source(source);
        second.push(Span::raw(format!("{} ", kind.label())));
        second.push(Span::styled(look.brief, look.style));
        if let Some(ok) = source.last_ok {
            second.push(Span::styled(
                format!(" {}", format::minute_age(state.now - ok)),
                style::dim(),
            ));
        }
        second.push(Span::raw("   "));
    }
    // The first failing source's error, so the header says why something is stale, and the key that shows
    // every source's error (several fail at once in a throttle storm).
    if let Some(source) = snapshot.sources.iter().find(|s| s.last_error.is_some()) {
        let room = (area.width as usize).saturating_sub(width_of(&second) + 2);
        let keys = state.keymap.keys_for("sources");
        let more = all_errors_hint(state);
        let more_width = more.as_ref().map_or(0, |m| m.chars().count() + 1);
        let error = for_terminal(source.last_error.as_deref().unwrap_or("")).into_owned();
        let text = format!("{}: {error}", source.kind.label());
        match more {
            // Room for a readable part of the error and the key.
            Some(more) if room >= more_width + 16 => {
                second.push(Span::styled(format::fit(&text, room - more_width), style::bad()));
                second.push(Span::styled(format!(" {more}"), style::dim()));
            }
            // The header row already says which source failed; the key says where to read why (alone, whatever
            // the room: a few characters of the error would say nothing and hide the key).
            Some(more) if room >= more_width => second.push(Span::styled(more, style::bad())),
            Some(_) => {
                let key = format!("[{keys}]");
                if room >= key.chars().count() {
                    second.push(Span::styled(key, style::bad()));
                }
            }
            None if room > 10 => second.push(Span::styled(format::fit(&text, room), style::bad())),
            None => {}
        }
    }
    frame.render_widget(Paragraph::new(vec![Line::from(first), Line::from(second)]), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &State) {
    let titles: Vec<Line> = Pane::ALL
        .iter()
        .enumerate()
        .map(|(i, pane)| {
            let badge = match pane {
                Pane::Alerts if !state.snapshot.alerts.is_empty() => {
                    format!(" ({})", state.snapshot.alerts.len())
                }
                Pane::Actions if !state.action_findings.is_empty() => {
                    format!(" ({})", state.action_findings.len())
                }
                _ => String::new(),
            };
            Line::from(format!("{} {}{badge}", i + 1, pane.title()))
        })
        .collect();
    let tabs = Tabs::new(titles)
        .select(state.focus.tab().index())
        .highlight_style(
            style::focused_border().add_modifier(ratatui::style::Modifier::BOLD | ratatui::style::Modifier::REVERSED),
        )
        .divider("│");
    frame.render_widget(tabs, area);
}

fn draw_footer(frame: &mut Frame, area: Rect, state: &State) {
    let line = if let Some(editor) = &state.filter_editor {
        let text = editor.lines().first().cloned().unwrap_or_default();
        Line::from(vec![
            Span::styled(format!(" filter {}: ", state.focus.title()), style::title()),
            Span::raw(for_terminal(&text).into_owned()),
            Span::styled("▏", style::focused_border()),
            Span::styled("   Enter keep · Esc clear", style::dim()),
        ])
    } else if let Some(message) = &state.status_line {
        Line::from(Span::styled(format!(" {}", for_terminal(message)), style::warn()))
    } else {
        let hints: Vec<Span> = REGISTRY
            .iter()
            .filter(|spec| spec.hint && matches!(spec.context, Context::Global | Context::List))
            .flat_map(|spec| {
                let keys = state.keymap.keys_for(spec.name);
                let first_key = keys.split(' ').next().unwrap_or("").to_string();
                [
                    Span::styled(format!(" {first_key}"), style::title()),
                    Span::styled(format!(" {} ", spec.name.replace('_', " ")), style::dim()),
                ]
            })
            .collect();
        Line::from(hints)
    };
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn draws_an_empty_state_at_the_smallest_sizes_without_panicking() {
        let state = State::new(Default::default(), "https://management.azure.com", 0);
        for (w, h) in [(1, 1), (20, 5), (80, 24), (200, 60)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|frame| {
                    draw(frame, &state);
                })
                .unwrap();
        }
    }
}

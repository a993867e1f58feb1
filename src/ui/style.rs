//! Semantic styles. Severity and status always carry a glyph and a word, never colour alone.

use ratatui::style::{Color, Modifier, Style};

use crate::model::{AlertLevel, Severity, SourceStatus, Status};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

pub fn focused_border() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn bad() -> Style {
    Style::new().fg(Color::Red)
}

pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn good() -> Style {
    Style::new().fg(Color::Green)
}

/// How a source's state is shown: `brief` in the header, `long` in the sources overlay.
pub struct SourceLook {
    pub brief: &'static str,
    pub long: &'static str,
    pub style: Style,
}

pub fn source(source: &SourceStatus) -> SourceLook {
    let (brief, long, style) = match (&source.last_error, source.last_ok, source.in_flight) {
        (Some(_), _, _) if source.stale => ("⚠ stale", "⚠ stale", warn()),
        (Some(_), _, _) => ("✗", "✗ failed", bad()),
        (None, Some(_), true) => ("↻", "↻ refreshing", good()),
        (None, Some(_), false) => ("✓", "✓ ok", good()),
        (None, None, true) => ("…", "… loading", dim()),
        (None, None, false) => ("–", "– not started", dim()),
    };
    SourceLook { brief, long, style }
}

pub fn severity(severity: Severity) -> (&'static str, Style) {
    match severity {
        Severity::High => ("▲ high", bad().add_modifier(Modifier::BOLD)),
        Severity::Medium => ("■ med", warn()),
        Severity::Low => ("· low", Style::new().fg(Color::Blue)),
    }
}

pub fn status(status: Status) -> (&'static str, Style) {
    match status {
        Status::Pass => ("✓ pass", good()),
        Status::Fail => ("✗ fail", bad()),
        Status::Unknown => ("? unknown", warn()),
        Status::NotApplicable => ("– n/a", dim()),
    }
}

pub fn alert_level(level: AlertLevel) -> (&'static str, Style) {
    match level {
        AlertLevel::Page => ("‼ page", bad().add_modifier(Modifier::BOLD)),
        AlertLevel::Warn => ("! warn", warn()),
    }
}

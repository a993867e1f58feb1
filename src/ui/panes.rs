//! The five panes. Each builds table rows only for the rows it can show.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::{FrameReport, format, style};
use crate::app::view::{self, ChecklistRow};
use crate::app::{Pane, PaneState, State};
use crate::attestation::Standing;
use crate::checks;
use crate::model::{SourceKind, StatusCounts};
use crate::sanitize::for_terminal;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, pane: Pane, focused: bool, report: &mut FrameReport) {
    match pane {
        Pane::Checklist => checklist(frame, area, state, focused, report),
        Pane::Alerts => alerts(frame, area, state, focused, report),
        Pane::Incident => incident(frame, area, state, focused, report),
        Pane::Actions => actions(frame, area, state, focused, report),
        Pane::Logs => logs(frame, area, state, focused, report),
        Pane::Findings => findings(frame, area, state, focused, report),
    }
}

fn block(title: String, state: &State, pane: Pane, focused: bool) -> Block<'static> {
    let pane_state = state.pane(pane);
    // The filter goes first: a long title is cut at the pane's edge, and a filter nobody can see reads as
    // missing rows.
    let title = if pane_state.filter.is_empty() {
        format!(" {title} ")
    } else {
        format!(
            " /{} · {} match · {title} ",
            for_terminal(&pane_state.filter),
            pane_state.visible.len()
        )
    };
    let border = if focused { style::focused_border() } else { style::dim() };
    Block::new()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Line::from(Span::styled(title, style::title())))
}

/// The slice of `visible` rows to build: the stored scroll offset, re-clamped so the selection is on screen.
fn window(pane: &PaneState, height: usize) -> std::ops::Range<usize> {
    let len = pane.visible.len();
    if height == 0 || len == 0 {
        return 0..0;
    }
    let selected = pane.selected.min(len - 1);
    let mut offset = pane.offset.min(len.saturating_sub(height));
    if selected < offset {
        offset = selected;
    } else if selected >= offset + height {
        offset = selected + 1 - height;
    }
    offset..(offset + height).min(len)
}

/// The source whose data fills a pane.
fn source_of(pane: Pane) -> SourceKind {
    match pane {
        Pane::Checklist | Pane::Actions | Pane::Findings => SourceKind::Inventory,
        Pane::Alerts | Pane::Incident => SourceKind::Metrics,
        Pane::Logs => SourceKind::Logs,
    }
}

/// Why a pane is empty: its source has not answered yet, or failed without ever succeeding (then zero rows
/// would read as "all quiet" during the very storm that emptied it), or it answered with nothing.
pub(super) fn empty_because(state: &State, source: SourceKind) -> (String, Style) {
    let Some(status) = state.snapshot.source(source) else {
        return ("nothing here yet".to_string(), style::dim());
    };
    let label = source.label();
    match (status.last_ok, &status.last_error, status.in_flight) {
        (None, Some(error), _) => {
            let more = super::all_errors_hint(state).map_or_else(String::new, |hint| format!(" ({hint})"));
            (
                format!(
                    "{label} unavailable, so nothing can be shown: {}{more}",
                    for_terminal(error)
                ),
                style::bad(),
            )
        }
        (None, None, true) => (format!("loading {label}…"), style::dim()),
        (None, None, false) => (format!("waiting for {label}"), style::dim()),
        (Some(_), _, _) => ("nothing here".to_string(), style::dim()),
    }
}

/// Space between table columns.
const COLUMN_SPACING: u16 = 1;

/// The width `column` will have in a table of `widths` drawn in `area` with all borders, for cells that fit
/// their text to it.
fn column_width(area: Rect, widths: &[Constraint], column: usize) -> usize {
    let inner = Block::new().borders(Borders::ALL).inner(area);
    let columns = Layout::horizontal(widths).spacing(COLUMN_SPACING).split(inner);
    columns.get(column).map_or(0, |rect| usize::from(rect.width))
}

/// A table of one pane: its frame, column header and widths.
struct TableSpec<'a> {
    block: Block<'a>,
    header: Row<'a>,
    widths: &'a [Constraint],
    pane: Pane,
    focused: bool,
}

/// Renders a table over the visible slice; `build` makes the row for a data index.
fn windowed_table<'a>(
    frame: &mut Frame,
    area: Rect,
    spec: TableSpec<'a>,
    state: &State,
    report: &mut FrameReport,
    mut build: impl FnMut(usize) -> Row<'a>,
) {
    let TableSpec {
        block,
        header,
        widths,
        pane,
        focused,
    } = spec;
    // The block's own borders (a list may have only some) and the column header.
    let inner_height = block.inner(area).height.saturating_sub(1) as usize;
    report.heights[pane.index()] = inner_height;
    let pane_state = state.pane(pane);
    let range = window(pane_state, inner_height);
    let selected = pane_state.selected;
    let rows: Vec<Row> = range
        .clone()
        .map(|position| {
            report.rows_built += 1;
            let row = build(pane_state.visible[position]);
            if focused && position == selected {
                row.style(style::selected())
            } else {
                row
            }
        })
        .collect();
    if pane_state.visible.is_empty() {
        let message = if pane_state.filter.is_empty() {
            empty_because(state, source_of(pane))
        } else {
            ("no row matches the filter".to_string(), style::dim())
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {}", message.0), message.1))
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let table = Table::new(rows, widths.to_vec())
        .header(header.style(style::title().add_modifier(Modifier::UNDERLINED)))
        .block(block)
        .column_spacing(COLUMN_SPACING);
    frame.render_widget(table, area);
}

fn checklist(frame: &mut Frame, area: Rect, state: &State, focused: bool, report: &mut FrameReport) {
    let counts = state.checklist.iter().fold(StatusCounts::default(), |mut acc, row| {
        if let ChecklistRow::Control { counts, .. } = row {
            acc.merge(counts);
        }
        acc
    });
    let score = state.score.map(|s| format!("score {s} · ")).unwrap_or_default();
    let title = format!(
        "Checklist · {score}{} pass · {} fail · {} unknown",
        counts.pass, counts.fail, counts.unknown
    );
    let header = Row::new(["", "control", "severity", "title", "pass", "fail", "unkn"]);
    let widths = [
        Constraint::Length(1),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(5),
    ];
    let spec = TableSpec {
        block: block(title, state, Pane::Checklist, focused),
        header,
        widths: &widths,
        pane: Pane::Checklist,
        focused,
    };
    windowed_table(frame, area, spec, state, report, |i| match &state.checklist[i] {
        ChecklistRow::Area { area, counts, score } => Row::new(vec![
            Cell::from("▸"),
            Cell::from(score.map(|s| format!("score {s}")).unwrap_or_else(|| "–".into())),
            Cell::from(""),
            Cell::from(area.label().to_uppercase()),
            Cell::from(counts.pass.to_string()),
            Cell::from(counts.fail.to_string()),
            Cell::from(counts.unknown.to_string()),
        ])
        .style(style::title()),
        ChecklistRow::AttestationHeader {
            valid,
            expired,
            missing,
        } => Row::new(vec![
            Cell::from("▸"),
            Cell::from(format!("{valid}/{}", valid + expired + missing)),
            Cell::from(""),
            Cell::from("ATTESTATIONS (confirmed by a person; Enter to attest)"),
            Cell::from(valid.to_string()),
            Cell::from(expired.to_string()),
            Cell::from(missing.to_string()),
        ])
        .style(style::title()),
        ChecklistRow::Attestation {
            item,
            title,
            standing,
            by,
        } => {
            let (glyph, glyph_style, text) = match standing {
                Standing::Valid { age_days } => (
                    "✓",
                    style::good(),
                    format!(
                        "{title} — {} {age_days}d ago",
                        by.as_deref().map(|b| format!("by {b},")).unwrap_or_default()
                    ),
                ),
                Standing::Expired { age_days } => ("⌛", style::warn(), format!("{title} — expired ({age_days}d old)")),
                Standing::NotAttested => ("?", style::warn(), format!("{title} — not attested")),
            };
            Row::new(vec![
                Cell::from(Span::styled(glyph, glyph_style)),
                Cell::from(item.trim_start_matches("ATT-").to_string()),
                Cell::from(Span::styled("attest", style::dim())),
                Cell::from(for_terminal(&text).into_owned()),
                Cell::from(""),
                Cell::from(""),
                Cell::from(""),
            ])
        }
        ChecklistRow::Control {
            control,
            title,
            severity,
            counts,
            ..
        } => {
            let (glyph, glyph_style) = if counts.fail > 0 {
                ("✗", style::bad())
            } else if counts.unknown > 0 {
                ("?", style::warn())
            } else if counts.pass > 0 {
                ("✓", style::good())
            } else {
                ("–", style::dim())
            };
            let (severity_text, severity_style) = style::severity(*severity);
            Row::new(vec![
                Cell::from(Span::styled(glyph, glyph_style)),
                Cell::from(control.to_string()),
                Cell::from(Span::styled(severity_text, severity_style)),
                Cell::from(title.clone()),
                Cell::from(counts.pass.to_string()),
                Cell::from(Span::styled(
                    counts.fail.to_string(),
                    if counts.fail > 0 { style::bad() } else { Style::new() },
                )),
                Cell::from(counts.unknown.to_string()),
            ])
        }
    });
}

fn alerts(frame: &mut Frame, area: Rect, state: &State, focused: bool, report: &mut FrameReport) {
    let title = format!("Alerts · API-call spikes · {}", state.snapshot.alerts.len());
    let header = Row::new([
        "level",
        "when (UTC)",
        "resource",
        "metric",
        "observed",
        "usual",
        "rarity",
    ]);
    // Numbers and rarity take the width they need (the widest of all alerts, so columns do not move while
    // scrolling); names and metrics share the rest.
    let alerts = &state.snapshot.alerts;
    let widest = |text: &dyn Fn(&crate::model::Alert) -> String, header: &str| {
        alerts
            .iter()
            .map(|a| text(a).chars().count())
            .max()
            .unwrap_or(0)
            .max(header.len()) as u16
    };
    let widths = [
        Constraint::Length(7),
        Constraint::Length(11),
        Constraint::Fill(1),
        Constraint::Length(widest(&|a| format::metric_short(&a.metric).to_string(), "metric")),
        Constraint::Length(widest(&|a| format::count(a.observed), "observed")),
        Constraint::Length(widest(&|a| format::count(a.usual), "usual")),
        Constraint::Length(widest(&format::alert_rarity, "rarity")),
    ];
    let resource_width = column_width(area, &widths, 2);
    let spec = TableSpec {
        block: block(title, state, Pane::Alerts, focused),
        header,
        widths: &widths,
        pane: Pane::Alerts,
        focused,
    };
    windowed_table(frame, area, spec, state, report, |i| {
        let alert = &state.snapshot.alerts[i];
        let (level, level_style) = style::alert_level(alert.level);
        Row::new(vec![
            Cell::from(Span::styled(level, level_style)),
            Cell::from(format::day_clock(alert.at)),
            Cell::from(format::fit_middle(&for_terminal(&alert.resource_name), resource_width)),
            Cell::from(for_terminal(format::metric_short(&alert.metric)).into_owned()),
            Cell::from(Span::styled(format::count(alert.observed), style::bad())),
            Cell::from(format::count(alert.usual)),
            Cell::from(format::alert_rarity(alert)),
        ])
    });
}

fn incident(frame: &mut Frame, area: Rect, state: &State, focused: bool, report: &mut FrameReport) {
    let subject = state
        .selected_alert()
        .map(|a| format!("for {} {}", for_terminal(&a.resource_name), a.metric))
        .unwrap_or_else(|| "generic (no alert selected)".into());
    let title = format!("Incident runbook · {subject}");
    let header = Row::new(["phase", "step"]);
    let phase_width = state
        .playbook
        .iter()
        .map(|step| step.phase.short_label().chars().count())
        .max()
        .unwrap_or(5) as u16;
    let widths = [Constraint::Length(phase_width), Constraint::Fill(1)];
    // A step is one row in the list, cut at the pane's edge; the selected one is also written out whole
    // below it, wrapped, since its numbers and names are what the responder acts on.
    let selected = state
        .pane(Pane::Incident)
        .selected_row()
        .and_then(|i| state.playbook.get(i));
    let area = match selected {
        Some(step) if area.height >= 12 => {
            let [list, detail] = Layout::vertical([Constraint::Min(6), Constraint::Length(5)]).areas(area);
            let text = Line::from(vec![
                Span::styled(format!("{}: ", step.phase.label()), style::title()),
                Span::raw(for_terminal(&step.text).into_owned()),
            ]);
            frame.render_widget(
                Paragraph::new(text).wrap(Wrap { trim: true }).block(
                    Block::new()
                        .borders(Borders::LEFT | Borders::RIGHT | Borders::BOTTOM)
                        .border_style(style::dim()),
                ),
                detail,
            );
            list
        }
        _ => area,
    };
    let spec = TableSpec {
        block: block(title, state, Pane::Incident, focused),
        header,
        widths: &widths,
        pane: Pane::Incident,
        focused,
    };
    windowed_table(frame, area, spec, state, report, |i| {
        let step = &state.playbook[i];
        let first_of_phase = i == 0 || state.playbook[i - 1].phase != step.phase;
        let phase = if first_of_phase { step.phase.short_label() } else { "" };
        Row::new(vec![
            Cell::from(Span::styled(phase, style::title())),
            Cell::from(for_terminal(&step.text).into_owned()),
        ])
    });
}

fn actions(frame: &mut Frame, area: Rect, state: &State, focused: bool, report: &mut FrameReport) {
    let control = state.selected_control().and_then(checks::control);
    let title = match control {
        Some(control) => format!("Actions · {} {}", control.id, control.title),
        None => "Actions · no failing control".to_string(),
    };
    let outer = block(title, state, Pane::Actions, focused);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [list_area, preview_area] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(inner);
    let header = Row::new(["status", "resource", "subscription", "evidence"]);
    let widths = [
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(14),
        Constraint::Fill(3),
    ];
    let list_block = Block::new().borders(Borders::BOTTOM).border_style(style::dim());
    let list_with_border = Rect {
        height: list_area.height + 1,
        ..list_area
    };
    let spec = TableSpec {
        block: list_block,
        header,
        widths: &widths,
        pane: Pane::Actions,
        focused,
    };
    windowed_table(frame, list_with_border, spec, state, report, |i| {
        finding_row(state, state.action_findings[i])
    });
    let preview_area = Rect {
        y: preview_area.y + 1,
        height: preview_area.height.saturating_sub(1),
        ..preview_area
    };
    let lines = match (control, state.selected_action_finding()) {
        (Some(control), Some(finding)) => match state.snapshot.resource(&finding.resource_id) {
            Some(resource) => preview_lines(&crate::remediation::preview(control, resource, &state.arm_base)),
            None => vec![Line::from("the resource is no longer in the inventory")],
        },
        (Some(_), None) => vec![Line::from(Span::styled(
            "every resource passes this control",
            style::good(),
        ))],
        _ => vec![Line::from(Span::styled(
            "select a control in the Checklist (1)",
            style::dim(),
        ))],
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), preview_area);
}

/// Every finding of the control being drilled into, failing first.
fn findings(frame: &mut Frame, area: Rect, state: &State, focused: bool, report: &mut FrameReport) {
    let control = state.drill.and_then(checks::control);
    let title = match control {
        Some(control) => format!(
            "{} {} · {} resources",
            control.id,
            control.title,
            state.drill_findings.len()
        ),
        None => "Findings".to_string(),
    };
    let header = Row::new(["status", "resource", "subscription", "evidence"]);
    let widths = [
        Constraint::Length(10),
        Constraint::Fill(2),
        Constraint::Length(16),
        Constraint::Fill(3),
    ];
    let spec = TableSpec {
        block: block(title, state, Pane::Findings, focused)
            .title_bottom(Span::styled(" Esc back to the checklist ", style::dim())),
        header,
        widths: &widths,
        pane: Pane::Findings,
        focused,
    };
    windowed_table(frame, area, spec, state, report, |i| {
        finding_row(state, state.drill_findings[i])
    });
}

fn finding_row(state: &State, index: usize) -> Row<'static> {
    let finding = &state.snapshot.findings[index];
    let resource = state.snapshot.resource_of(finding);
    let (status, status_style) = style::status(finding.status);
    let name = resource.map(|r| r.name.as_str()).unwrap_or("");
    let subscription = resource
        .and_then(|r| {
            state
                .snapshot
                .subscriptions
                .iter()
                .find(|s| s.id.eq_ignore_ascii_case(&r.subscription_id))
        })
        .map(|s| s.display_name.as_str())
        .unwrap_or("");
    let evidence = state
        .explain(index)
        .and_then(|explained| explained.evidence.first().map(format::evidence))
        .unwrap_or_default();
    Row::new(vec![
        Cell::from(Span::styled(status, status_style)),
        Cell::from(for_terminal(name).into_owned()),
        Cell::from(for_terminal(subscription).into_owned()),
        Cell::from(for_terminal(&evidence).into_owned()),
    ])
}

/// Evidence and fix of the finding selected in the Findings view (the wide layout's right side).
pub fn finding_detail(frame: &mut Frame, area: Rect, state: &State) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(style::dim())
        .title(Span::styled(" Evidence & fix ", style::title()));
    let lines = match state.selected_drill_finding() {
        Some(finding) => {
            let mut lines: Vec<Line> = finding
                .evidence
                .iter()
                .map(|e| Line::from(format!("{} = {}", for_terminal(&e.path), for_terminal(&e.observed))))
                .collect();
            let control = checks::control(finding.control_id);
            if let (Some(control), Some(resource)) = (control, state.snapshot.resource(&finding.resource_id)) {
                lines.push(Line::from(""));
                lines.extend(preview_lines(&crate::remediation::preview(
                    control,
                    resource,
                    &state.arm_base,
                )));
            }
            lines
        }
        None => vec![Line::from(Span::styled("no finding selected", style::dim()))],
    };
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

/// What a fix can break and whether it can be undone come before the request: they decide whether to act, and
/// on a small terminal the end of a long body is cut off.
fn preview_lines(preview: &crate::remediation::RequestPreview) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Fix preview", style::title()),
            Span::styled("  (read-only: nothing is sent)", style::dim()),
        ]),
        Line::from(vec![
            Span::styled("Reversible: ", style::title()),
            Span::raw(preview.reversible.clone()),
        ]),
        Line::from(vec![
            Span::styled("Can break: ", style::title()),
            Span::raw(preview.breaks.clone()),
        ]),
        Line::from(vec![
            Span::styled(
                format!("{} ", preview.method),
                style::warn().add_modifier(Modifier::BOLD),
            ),
            Span::raw(for_terminal(&preview.url).into_owned()),
        ]),
    ];
    lines.extend(preview.body.lines().map(|l| Line::from(for_terminal(l).into_owned())));
    lines
}

fn logs(frame: &mut Frame, area: Rect, state: &State, focused: bool, report: &mut FrameReport) {
    let [cost_area, log_area] = Layout::vertical([Constraint::Length(6), Constraint::Min(3)]).areas(area);
    let daily = view::daily_cost(&state.snapshot);
    let currency = daily.last().map(|d| d.2.clone()).unwrap_or_default();
    let total: f64 = daily.iter().map(|d| d.1).sum();
    let cost_title = match (daily.first(), daily.last()) {
        (Some(first), Some(last)) => format!(
            " Daily cost of AI resources · {} → {} · last day {} {currency} · {} days {} {currency} ",
            format::usage_date(first.0),
            format::usage_date(last.0),
            format::count(last.1),
            daily.len(),
            format::count(total)
        ),
        _ => format!(" Daily cost · {} ", empty_because(state, SourceKind::Cost).0),
    };
    let cost_block = Block::new()
        .borders(Borders::ALL)
        .border_style(style::dim())
        .title(Span::styled(cost_title, style::title()));
    let inner_width = cost_block.inner(cost_area).width as usize;
    frame.render_widget(cost_block, cost_area);
    if !daily.is_empty() {
        // Bars share the width; the busiest day is marked so a cost jump stands out without colour.
        let bar_width = ((inner_width + 1) / daily.len()).saturating_sub(1).clamp(1, 6) as u16;
        let peak = daily.iter().map(|d| d.1).fold(0.0, f64::max);
        let bars: Vec<Bar> = daily
            .iter()
            .map(|(day, cost, _)| {
                let bar = Bar::default()
                    .value((cost.max(0.0) * 100.0) as u64)
                    .text_value(String::new());
                let bar = if bar_width >= 2 {
                    bar.label(Line::from(format!("{}", day % 100)))
                } else {
                    bar
                };
                if *cost >= peak && peak > 0.0 {
                    bar.style(style::bad())
                } else {
                    bar.style(style::warn())
                }
            })
            .collect();
        let chart = BarChart::default()
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_width)
            .bar_gap(1);
        frame.render_widget(chart, Block::new().borders(Borders::ALL).inner(cost_area));
    }

    let rows = state.snapshot.logs.len();
    let title = if rows >= crate::model::MAX_LOG_ROWS {
        format!(
            "Diagnostic logs · last 24 h · the newest {} rows",
            format::count(rows as f64)
        )
    } else {
        format!("Diagnostic logs · last 24 h · {rows} rows")
    };
    let header = Row::new([
        "time (UTC)",
        "resource",
        "category",
        "operation",
        "caller",
        "result",
        "ms",
    ]);
    let widths = [
        Constraint::Length(14),
        Constraint::Fill(3),
        Constraint::Length(15),
        Constraint::Fill(2),
        Constraint::Length(15),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    let resource_width = column_width(log_area, &widths, 1);
    let spec = TableSpec {
        block: block(title, state, Pane::Logs, focused),
        header,
        widths: &widths,
        pane: Pane::Logs,
        focused,
    };
    windowed_table(frame, log_area, spec, state, report, |i| {
        let row = &state.snapshot.logs[i];
        let result_style = match row.result.parse::<u16>() {
            Ok(code) if code >= 500 => style::bad(),
            Ok(401 | 403) => style::bad().add_modifier(Modifier::BOLD),
            Ok(code) if code >= 400 => style::warn(),
            _ => Style::new(),
        };
        // `2026-11-21T10:04:05Z` → `11-21 10:04:05`: the year and zone are the same on every row.
        let time = for_terminal(&row.time).replace('T', " ");
        let time = time.get(5..19).unwrap_or(&time).to_string();
        Row::new(vec![
            Cell::from(time),
            Cell::from(format::fit_middle(&for_terminal(&row.resource), resource_width)),
            Cell::from(for_terminal(&row.category).into_owned()),
            Cell::from(for_terminal(&row.operation).into_owned()),
            Cell::from(for_terminal(&row.caller_ip).into_owned()),
            Cell::from(Span::styled(for_terminal(&row.result).into_owned(), result_style)),
            Cell::from(row.duration_ms.map(|d| format!("{d:.0}")).unwrap_or_default()),
        ])
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_selection_visible_and_in_range() {
        let pane = PaneState {
            selected: 50,
            offset: 0,
            visible: (0..100).collect(),
            ..Default::default()
        };
        assert_eq!(window(&pane, 10), 41..51);
        let pane = PaneState {
            selected: 3,
            offset: 20,
            visible: (0..100).collect(),
            ..Default::default()
        };
        assert_eq!(window(&pane, 10), 3..13);
        let pane = PaneState {
            selected: 0,
            offset: 95,
            visible: (0..100).collect(),
            ..Default::default()
        };
        assert_eq!(window(&pane, 10), 0..10);
        let pane = PaneState {
            selected: 7,
            offset: 0,
            visible: (0..5).collect(),
            ..Default::default()
        };
        assert_eq!(window(&pane, 10), 0..5);
        assert_eq!(window(&PaneState::default(), 10), 0..0);
    }
}

//! Help (generated from the key map) and details of the selection, drawn over the panes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{format, style};
use crate::app::actions::{Context, REGISTRY};
use crate::app::view::ChecklistRow;
use crate::app::{Pane, State};
use crate::checks;
use crate::sanitize::for_terminal;

fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
    let [_, middle, _] = Layout::vertical([
        Constraint::Percentage((100 - percent_y) / 2),
        Constraint::Percentage(percent_y),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, center, _] = Layout::horizontal([
        Constraint::Percentage((100 - percent_x) / 2),
        Constraint::Percentage(percent_x),
        Constraint::Fill(1),
    ])
    .areas(middle);
    center
}

fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, scroll: u16) {
    let area = centered(area, 84, 84);
    frame.render_widget(Clear, area);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(style::focused_border())
        .title(Span::styled(format!(" {title} "), style::title()))
        .title_bottom(Span::styled(" j/k scroll · Esc close ", style::dim()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}

pub fn help(frame: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let mut lines = Vec::new();
    for context in [Context::Global, Context::List, Context::Overlay] {
        lines.push(Line::from(Span::styled(
            format!("{} keys", context.label()),
            style::title(),
        )));
        for spec in REGISTRY.iter().filter(|s| s.context == context) {
            let keys = state.keymap.keys_for(spec.name);
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), style::focused_border()),
                Span::raw(format!("{:<46}", spec.description)),
                Span::styled(spec.name, style::dim()),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Rebind any action by name in config.toml, e.g. [keys] refresh = [\"r\", \"f5\"]",
        style::dim(),
    )));
    popup(frame, area, "Help · keys", lines, scroll);
}

pub fn details(frame: &mut Frame, area: Rect, state: &State, scroll: u16) {
    let row = state.pane(state.focus).selected_row();
    let (title, lines) = match (state.focus, row) {
        (Pane::Checklist, Some(i)) => checklist_details(state, &state.checklist[i]),
        (Pane::Alerts, Some(i)) => alert_details(state, i),
        (Pane::Incident, Some(i)) => {
            let step = &state.playbook[i];
            (
                format!("Incident · {}", step.phase.label()),
                vec![Line::from(for_terminal(&step.text).into_owned())],
            )
        }
        (Pane::Actions, Some(_)) => finding_details(state),
        (Pane::Logs, Some(i)) => {
            let row = &state.snapshot.logs[i];
            let fields = [
                ("time", &row.time),
                ("resource", &row.resource),
                ("category", &row.category),
                ("operation", &row.operation),
                ("caller IP", &row.caller_ip),
                ("result", &row.result),
            ];
            let mut lines: Vec<Line> = fields.iter().map(|(k, v)| field(k, &for_terminal(v))).collect();
            lines.push(field(
                "duration ms",
                &row.duration_ms.map(|d| d.to_string()).unwrap_or_default(),
            ));
            ("Log row".into(), lines)
        }
        _ => ("Details".into(), vec![Line::from("nothing selected")]),
    };
    popup(frame, area, &title, lines, scroll);
}

fn field(name: &str, value: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<12} "), style::title()),
        Span::raw(value.to_string()),
    ])
}

fn checklist_details(state: &State, row: &ChecklistRow) -> (String, Vec<Line<'static>>) {
    match row {
        ChecklistRow::Area { area, counts, score } => (
            format!("Area · {}", area.label()),
            vec![
                field("score", &score.map(|s| s.to_string()).unwrap_or_else(|| "–".into())),
                field("pass", &counts.pass.to_string()),
                field("fail", &counts.fail.to_string()),
                field("unknown", &counts.unknown.to_string()),
                field("n/a", &counts.not_applicable.to_string()),
            ],
        ),
        ChecklistRow::Control { control, .. } => {
            let Some(control) = checks::control(control) else {
                return ("Control".into(), vec![Line::from("not in the catalog")]);
            };
            let (severity, severity_style) = style::severity(control.severity);
            let mut lines = vec![
                Line::from(Span::styled(control.title.clone(), style::title())),
                Line::from(vec![
                    Span::styled(severity, severity_style),
                    Span::raw(format!("   area {}", control.area.label())),
                ]),
                Line::from(""),
                field("why", control.why),
                field("fix", &format!("{} {}", control.fix.method, control.fix.url_template)),
                field("reversible", &control.fix.reversible),
                field("can break", &control.fix.breaks),
                Line::from(""),
                Line::from(Span::styled("Resources that need attention", style::title())),
            ];
            for index in crate::app::view::open_findings(&state.snapshot.findings, control.id)
                .into_iter()
                .take(50)
            {
                let finding = &state.snapshot.findings[index];
                let name = state
                    .snapshot
                    .resource(&finding.resource_id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                let (status, status_style) = style::status(finding.status);
                let evidence: Vec<String> = finding
                    .evidence
                    .iter()
                    .map(|e| format!("{} = {}", e.path, e.observed))
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("  {status:<10}"), status_style),
                    Span::raw(format!("{:<28} ", for_terminal(&name))),
                    Span::styled(for_terminal(&evidence.join("; ")).into_owned(), style::dim()),
                ]));
            }
            (format!("Control · {}", control.id), lines)
        }
    }
}

fn alert_details(state: &State, index: usize) -> (String, Vec<Line<'static>>) {
    let alert = &state.snapshot.alerts[index];
    let (level, _) = style::alert_level(alert.level);
    let lines = vec![
        field("resource", &for_terminal(&alert.resource_name)),
        field("id", &for_terminal(&alert.resource_id)),
        field("metric", &for_terminal(&alert.metric)),
        field("at (UTC)", &format::day_clock(alert.at)),
        field("observed", &format::count(alert.observed)),
        field("usual", &format::count(alert.usual)),
        field("band", &format!("up to {}", format::count(alert.band_high))),
        field(
            "rarity",
            &format!("{} (p ≈ 1e-{:.1})", format::rarity(alert.surprise), alert.surprise),
        ),
        field("level", level),
        field("why", &for_terminal(&alert.reason)),
        Line::from(""),
        Line::from(Span::styled(
            "Open the Incident pane (3) for the runbook tailored to this alert.",
            style::dim(),
        )),
    ];
    ("Alert".into(), lines)
}

fn finding_details(state: &State) -> (String, Vec<Line<'static>>) {
    let Some(finding) = state.selected_action_finding() else {
        return ("Finding".into(), vec![Line::from("nothing selected")]);
    };
    let resource = state.snapshot.resource(&finding.resource_id);
    let (status, status_style) = style::status(finding.status);
    let mut lines = vec![
        field(
            "resource",
            &for_terminal(resource.map(|r| r.name.as_str()).unwrap_or("")),
        ),
        field("id", &for_terminal(&finding.resource_id)),
        Line::from(vec![
            Span::styled(format!("{:<12} ", "status"), style::title()),
            Span::styled(status, status_style),
        ]),
        Line::from(Span::styled("evidence", style::title())),
    ];
    for evidence in &finding.evidence {
        lines.push(Line::from(format!(
            "  {} = {}",
            for_terminal(&evidence.path),
            for_terminal(&evidence.observed)
        )));
    }
    if let (Some(control), Some(resource)) = (checks::control(finding.control_id), resource) {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("request the fix would send", style::title())));
        let preview = crate::remediation::preview(control, resource, &state.arm_base);
        lines.push(Line::from(format!("{} {}", preview.method, for_terminal(&preview.url))));
        lines.extend(preview.body.lines().map(|l| Line::from(for_terminal(l).into_owned())));
    }
    (format!("Finding · {}", finding.control_id), lines)
}

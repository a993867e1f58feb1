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
use crate::model::{RefreshCost, SourceKind};
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

/// Draws a scrolling popup; returns how far it can scroll (its wrapped lines beyond the visible ones).
fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, scroll: u16) -> u16 {
    popup_sized(
        frame,
        centered(area, 84, 84),
        title,
        lines,
        scroll,
        " j/k scroll · Esc close ",
    )
}

fn popup_sized(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, scroll: u16, hint: &str) -> u16 {
    frame.render_widget(Clear, area);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(style::focused_border())
        .title(Span::styled(format!(" {title} "), style::title()))
        .title_bottom(Span::styled(hint.to_string(), style::dim()));
    let inner = block.inner(area);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let max_scroll = u16::try_from(paragraph.line_count(inner.width))
        .unwrap_or(u16::MAX)
        .saturating_sub(inner.height);
    frame.render_widget(paragraph.block(block).scroll((scroll.min(max_scroll), 0)), area);
    max_scroll
}

pub fn help(frame: &mut Frame, area: Rect, state: &State, scroll: u16) -> u16 {
    let longest_name = REGISTRY.iter().map(|s| s.name.len()).max().unwrap_or(0);
    // Key column, description column, action name, and the popup's borders.
    let columns = usize::from(centered(area, 84, 84).width) >= 2 + 16 + 47 + longest_name + 2;
    let mut lines = Vec::new();
    for context in [
        Context::Global,
        Context::List,
        Context::Overlay,
        Context::Walkthrough,
        Context::Form,
    ] {
        lines.push(Line::from(Span::styled(
            format!("{} keys", context.label()),
            style::title(),
        )));
        for spec in REGISTRY.iter().filter(|s| s.context == context) {
            let keys = state.keymap.keys_for(spec.name);
            let line = if columns {
                vec![
                    Span::styled(format!("  {keys:<16}"), style::focused_border()),
                    Span::raw(format!("{:<46} ", spec.description)),
                    Span::styled(spec.name, style::dim()),
                ]
            } else {
                // Too narrow for columns: one line per action, wrapped as a sentence.
                vec![
                    Span::styled(format!("  {keys}  "), style::focused_border()),
                    Span::raw(format!("{} ", spec.description)),
                    Span::styled(format!("({})", spec.name), style::dim()),
                ]
            };
            lines.push(Line::from(line));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        "Rebind any action by name in config.toml, e.g. [keys] refresh = [\"r\", \"f5\"]",
        style::dim(),
    )));
    popup(frame, area, "Help · keys", lines, scroll)
}

pub fn details(frame: &mut Frame, area: Rect, state: &State, scroll: u16) -> u16 {
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
        (Pane::Actions, Some(_)) => finding_details(state, state.selected_action_finding()),
        (Pane::Findings, Some(_)) => finding_details(state, state.selected_drill_finding()),
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
    popup(frame, area, &title, lines, scroll)
}

/// Every source with its last success, its whole last error and whether the panes show stale data: the header
/// has room for one source's error, and in an incident several can fail at once.
pub fn sources(frame: &mut Frame, area: Rect, state: &State, scroll: u16) -> u16 {
    let snapshot = &state.snapshot;
    let text_width = usize::from(centered(area, 84, 84).width.saturating_sub(2));
    let mut lines = Vec::new();
    for kind in SourceKind::ALL {
        let Some(source) = snapshot.source(kind) else {
            continue;
        };
        let look = style::source(source);
        let success = source.last_ok.map_or_else(
            || "never succeeded".to_string(),
            |ok| {
                format!(
                    "last success {} UTC ({} ago)",
                    format::day_clock(ok),
                    format::age(state.now - ok)
                )
            },
        );
        lines.push(Line::from(vec![
            Span::styled(format!("{:<10}", kind.label()), style::title()),
            Span::styled(format!("{:<14}", look.long), look.style),
            Span::raw(success),
        ]));
        if let Some(cost) = source.last_refresh {
            let text = format!("last refresh: {}", refresh_cost(cost));
            lines.extend(hanging(&text, "", text_width, style::dim()));
        }
        if let Some(error) = &source.last_error {
            lines.extend(hanging(&for_terminal(error), "last error: ", text_width, style::bad()));
        }
    }
    lines.push(Line::from(""));
    for note in [
        "stale: the last refresh failed, and the panes keep the last good data, as of its last success.",
        "Throttling and 5xx are retried before a source fails; waited: for a quota running low or for Retry-After.",
        "AISEC_LOG=debug logs every retry and wait.",
        "r refreshes every source now.",
    ] {
        lines.push(Line::from(Span::styled(note, style::dim())));
    }
    if state.paused {
        lines.push(Line::from(Span::styled(
            "paused: this is the frozen screen's view of the sources; p resumes.",
            style::warn(),
        )));
    }
    popup(frame, area, "Data sources", lines, scroll)
}

/// A source's detail under its name, wrapped with a hanging indent: a long error wrapped by the paragraph
/// started again at the left border, where it read as a new source's row.
fn hanging(text: &str, label: &str, width: usize, text_style: ratatui::style::Style) -> Vec<Line<'static>> {
    const SOURCE_COLUMN: usize = 10;
    let label_at = SOURCE_COLUMN.min(width / 4);
    let first = format!("{:label_at$}{label}", "");
    // Continuations line up under the text, unless that leaves too narrow a column to read.
    let continuation = " ".repeat(if width >= first.len() * 2 {
        first.len()
    } else {
        label_at
    });
    let options = textwrap::Options::new(width.max(1))
        .initial_indent(&first)
        .subsequent_indent(&continuation);
    textwrap::wrap(text, options)
        .into_iter()
        .enumerate()
        .map(|(row, piece)| {
            let indent = if row == 0 { first.len() } else { continuation.len() };
            // The indents are ASCII spaces and the label ASCII, so `indent` is a char boundary.
            let (lead, rest) = piece.split_at(indent.min(piece.len()));
            Line::from(vec![
                Span::raw(lead.to_string()),
                Span::styled(rest.to_string(), text_style),
            ])
        })
        .collect()
}

/// `1,493 requests · 12 retries · waited 4.1 s`: throttling made visible.
fn refresh_cost(cost: RefreshCost) -> String {
    let plural =
        |n: u64, one: &str, many: &str| format!("{} {}", format::count(n as f64), if n == 1 { one } else { many });
    let mut text = plural(cost.requests, "request", "requests");
    if cost.retries > 0 {
        text.push_str(&format!(" · {}", plural(cost.retries, "retry", "retries")));
    }
    if cost.waited_ms > 0 {
        text.push_str(&format!(" · waited {:.1} s", cost.waited_ms as f64 / 1000.0));
    }
    text
}

fn field(name: &str, value: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<12} "), style::title()),
        Span::raw(value.to_string()),
    ])
}

fn checklist_details(state: &State, row: &ChecklistRow) -> (String, Vec<Line<'static>>) {
    match row {
        ChecklistRow::AttestationHeader {
            valid,
            expired,
            missing,
        } => (
            "Attestations".into(),
            vec![
                Line::from("Controls no API can check: a person confirms them, with a note, a name and a date."),
                Line::from(format!("An attestation counts for {} days.", state.validity_days)),
                Line::from(""),
                field("valid", &valid.to_string()),
                field("expired", &expired.to_string()),
                field("missing", &missing.to_string()),
            ],
        ),
        ChecklistRow::Attestation { item, .. } => {
            let Some(definition) = crate::attestation::item(item) else {
                return ("Attestation".into(), vec![Line::from("unknown item")]);
            };
            let mut lines = vec![
                Line::from(Span::styled(definition.title, style::title())),
                Line::from(""),
                field("why", definition.why),
            ];
            if let Some(latest) = state.attestations.iter().find(|a| a.item_id == *item) {
                lines.push(field("by", &for_terminal(&latest.attested_by)));
                lines.push(field("on", &latest.attested_on.to_string()));
                lines.extend(
                    latest
                        .note
                        .lines()
                        .map(|l| Line::from(format!("  {}", for_terminal(l)))),
                );
            }
            (format!("Attestation · {item}"), lines)
        }
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
            for index in crate::app::view::open_findings(&state.snapshot, control.id)
                .into_iter()
                .take(50)
            {
                let Some(finding) = state.explain(index) else {
                    continue;
                };
                let verdict = &state.snapshot.findings[index];
                let name = state
                    .snapshot
                    .resource_of(verdict)
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                let (status, status_style) = style::status(finding.status);
                let evidence: Vec<String> = finding.evidence.iter().map(format::evidence).collect();
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

fn finding_details(state: &State, finding: Option<crate::model::Finding>) -> (String, Vec<Line<'static>>) {
    let Some(finding) = finding else {
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

/// One screen per failing control, in severity order: what is checked, the evidence, why, the fix and what
/// it can break, and where the reviewer is.
pub fn walkthrough(frame: &mut Frame, area: Rect, state: &State, index: usize, scroll: u16) -> u16 {
    let Some(control) = state.walkthrough.get(index).and_then(|id| checks::control(id)) else {
        return 0;
    };
    let reviewed = state
        .walkthrough
        .iter()
        .filter(|c| state.reviewed.contains(**c))
        .count();
    let (severity, severity_style) = style::severity(control.severity);
    let mark = if state.reviewed.contains(control.id) {
        Span::styled("  ✓ reviewed", style::good())
    } else {
        Span::styled("  not reviewed yet", style::dim())
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} of {}", index + 1, state.walkthrough.len()), style::title()),
            Span::styled(format!("   ({reviewed} reviewed)"), style::dim()),
            mark,
        ]),
        Line::from(vec![
            Span::styled(severity, severity_style),
            Span::raw(format!("  {}  {}", control.id, control.title)),
        ]),
        Line::from(""),
        field("checks", control.check_summary),
        field("why", control.why),
        Line::from(""),
        Line::from(Span::styled("Failing resources and what was observed", style::title())),
    ];
    let open = crate::app::view::open_findings(&state.snapshot, control.id);
    for index in open.iter().take(30) {
        let verdict = &state.snapshot.findings[*index];
        if verdict.status != crate::model::Status::Fail {
            continue;
        }
        let Some(finding) = state.explain(*index) else {
            continue;
        };
        let name = state
            .snapshot
            .resource_of(verdict)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let evidence: Vec<String> = finding.evidence.iter().map(format::evidence).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("  ✗ {:<28} ", for_terminal(&name)), style::bad()),
            Span::styled(for_terminal(&evidence.join("; ")).into_owned(), style::dim()),
        ]));
    }
    if open.len() > 30 {
        lines.push(Line::from(Span::styled(
            format!(
                "  … and {} more (Enter on the control in the checklist)",
                open.len() - 30
            ),
            style::dim(),
        )));
    }
    let one_way = if control.fix.one_way {
        Span::styled(
            "ONE-WAY: cannot be undone",
            style::bad().add_modifier(ratatui::style::Modifier::BOLD),
        )
    } else {
        Span::styled("reversible", style::good())
    };
    lines.extend([
        Line::from(""),
        Line::from(Span::styled("The fix", style::title())),
        field("changes", control.fix.changes),
        field("request", &first_request(state, control, &open)),
        Line::from(vec![
            Span::styled(format!("{:<12} ", "undo"), style::title()),
            one_way,
            Span::raw(format!("  {}", control.fix.reversible)),
        ]),
        field("can break", &control.fix.breaks),
    ]);
    let hint = " n next · b back · s skip · m mark reviewed · j/k scroll · Esc close ";
    popup_sized(
        frame,
        centered(area, 90, 90),
        "Walkthrough of the failing controls",
        lines,
        scroll,
        hint,
    )
}

/// The attestation form: name and date on one line each, a multi-line note below.
pub fn attest_form(frame: &mut Frame, area: Rect, state: &State, form: &crate::app::AttestForm) {
    use crate::app::FormField;
    let area = centered(area, 80, 70);
    frame.render_widget(Clear, area);
    let title = crate::attestation::item(form.item)
        .map(|i| i.title)
        .unwrap_or(form.item);
    let outer = Block::new()
        .borders(Borders::ALL)
        .border_style(style::focused_border())
        .title(Span::styled(format!(" Attest · {title} "), style::title()))
        .title_bottom(Span::styled(
            " Tab next field · Ctrl-S save · Esc cancel ",
            style::dim(),
        ));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [name_area, date_area, note_area, error_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    let field_block = |label: &str, field: FormField| {
        let border = if form.field == field {
            style::focused_border()
        } else {
            style::dim()
        };
        Block::new()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Span::styled(format!(" {label} "), style::title()))
    };
    let mut draw = |area: Rect, text: &ratatui_textarea::TextArea<'static>, label: &str, field: FormField| {
        let mut text = text.clone();
        text.set_block(field_block(label, field));
        text.set_cursor_line_style(ratatui::style::Style::new());
        if form.field != field {
            text.set_cursor_style(ratatui::style::Style::new());
        }
        frame.render_widget(&text, area);
    };
    draw(name_area, &form.name, "attested by", FormField::Name);
    draw(date_area, &form.date, "date (YYYY-MM-DD)", FormField::Date);
    draw(
        note_area,
        &form.note,
        "note: what was checked, where the evidence is",
        FormField::Note,
    );
    let message = match &form.error {
        Some(error) => Span::styled(format!(" {}", for_terminal(error)), style::bad()),
        None => Span::styled(format!(" counts for {} days", state.validity_days), style::dim()),
    };
    frame.render_widget(Paragraph::new(Line::from(message)), error_area);
}

/// The fix request for the first failing resource (the template when none is loaded).
fn first_request(state: &State, control: &checks::Control, open: &[usize]) -> String {
    let resource = open
        .iter()
        .find_map(|i| state.snapshot.resource_of(&state.snapshot.findings[*i]));
    match resource {
        Some(resource) => {
            let preview = crate::remediation::preview(control, resource, &state.arm_base);
            for_terminal(&format!("{} {}  (for {})", preview.method, preview.url, resource.name)).into_owned()
        }
        None => format!("{} {}", control.fix.method, control.fix.url_template),
    }
}

//! Render snapshots of every pane with ratatui's TestBackend + insta, and frame invariants.

mod common;

use std::sync::Arc;

use aisec::app::keymap::Keymap;
use aisec::app::{Event, State, update};
use aisec::model::{LogRow, RefreshCost, Snapshot, SourceKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn state_with(snapshot: Snapshot) -> State {
    let mut state = State::new(Keymap::default(), "https://management.azure.com", common::NOW);
    update(&mut state, Event::Snapshot(Arc::new(snapshot)));
    state
}

fn press(state: &mut State, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        update(state, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

/// Draws twice, as the event loop does: the first frame reports pane heights back through `update`.
fn render(state: &mut State, width: u16, height: u16) -> (Terminal<TestBackend>, aisec::ui::FrameReport) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut report = Default::default();
    for _ in 0..2 {
        terminal.draw(|frame| report = aisec::ui::draw(frame, state)).unwrap();
        update(state, Event::Layout(report.heights));
        if let Some(max) = report.overlay_scroll_max {
            update(state, Event::OverlayScrollLimit(max));
        }
    }
    (terminal, report)
}

#[test]
fn every_pane_at_80x24_and_160x48() {
    for (width, height) in [(80u16, 24u16), (160, 48)] {
        for (pane_key, name) in [
            ('1', "checklist"),
            ('2', "alerts"),
            ('3', "incident"),
            ('4', "actions"),
            ('5', "logs"),
        ] {
            let mut state = state_with(common::sample_snapshot());
            press(&mut state, &pane_key.to_string());
            let (terminal, _) = render(&mut state, width, height);
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
        }
    }
}

#[test]
fn help_overlay_and_details() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "?");
    let (terminal, _) = render(&mut state, 100, 40);
    insta::assert_snapshot!("help_100x40", terminal.backend());

    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "2\n");
    let (terminal, _) = render(&mut state, 100, 30);
    insta::assert_snapshot!("alert_details_100x30", terminal.backend());
}

/// Two sources failing at once, as in a throttle storm: the header names one, the sources overlay both, with
/// the Azure-supplied text of the errors stripped of terminal controls.
#[test]
fn sources_overlay_shows_every_failing_source() {
    let mut snapshot = common::sample_snapshot();
    for source in &mut snapshot.sources {
        match source.kind {
            SourceKind::Metrics => {
                source.last_refresh = Some(RefreshCost {
                    requests: 1_493,
                    retries: 12,
                    waited_ms: 4_100,
                });
                source.last_error = Some("throttled, retry after 30s: westeurope.metrics.monitor.azure.com/subscriptions/sub-prod/metrics:getBatch".into());
                source.stale = true;
                source.last_ok = Some(common::NOW - 600);
            }
            SourceKind::Cost => {
                source.last_error = Some(
                    "403 AuthorizationFailed from management.azure.com: \u{1b}[31mno\u{1b}[0m Cost Management Reader"
                        .into(),
                );
                source.last_ok = None;
            }
            SourceKind::Inventory => source.in_flight = true,
            _ => {}
        }
    }
    let mut state = state_with(snapshot);
    press(&mut state, "S");
    let (terminal, _) = render(&mut state, 100, 30);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("retry after 30s"), "{screen}");
    assert!(screen.contains("AuthorizationFailed"), "{screen}");
    assert!(
        screen.contains("last refresh: 1,493 requests · 12 retries · waited 4.1 s"),
        "throttling shows: {screen}"
    );
    assert!(screen.contains("⚠ stale") && screen.contains("✗ failed") && screen.contains("never succeeded"));
    // A wrapped error continues under its own text, not at the border where the source names stand.
    let column_of = |line: &str, text: &str| line.find(text).map(|at| line[..at].chars().count());
    let rows: Vec<&str> = screen.lines().collect();
    let first = rows
        .iter()
        .position(|row| row.contains("403 AuthorizationFailed"))
        .expect("cost error");
    assert_eq!(
        column_of(rows[first + 1], "Management Reader"),
        column_of(rows[first], "403"),
        "{screen}"
    );
    assert!(
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .all(|cell| !cell.symbol().chars().any(char::is_control))
    );
    insta::assert_snapshot!("sources_100x30", terminal.backend());

    // Closed again, at full width: the header gives the first error and the key to all of them.
    press(&mut state, "S");
    let (terminal, _) = render(&mut state, 160, 48);
    let screen = format!("{}", terminal.backend());
    let header = screen.lines().nth(1).unwrap_or_default();
    assert!(
        header.contains("metrics: throttled, retry after 30s") && header.contains("[S] all errors"),
        "{header}"
    );
    assert!(!screen.contains("Data sources"), "the overlay closed");
}

#[test]
fn help_lists_every_action_of_the_registry_with_its_keys() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "?");
    let (terminal, _) = render(&mut state, 160, 60);
    let screen = format!("{}", terminal.backend());
    for spec in aisec::app::actions::REGISTRY {
        assert!(screen.contains(spec.name), "help misses {}", spec.name);
    }
}

#[test]
fn hostile_text_from_azure_never_reaches_the_screen() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "2");
    let (terminal, _) = render(&mut state, 160, 48);
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content()
            .iter()
            .all(|cell| !cell.symbol().chars().any(char::is_control))
    );
    assert!(!format!("{}", terminal.backend()).contains("aoai-prod-weu[31m"));
}

#[test]
fn rows_built_per_frame_never_exceed_the_viewport() {
    let mut snapshot = common::sample_snapshot();
    let row = snapshot.logs[0].clone();
    snapshot.logs = Arc::new(
        (0..100_000)
            .map(|i| LogRow {
                time: format!("{i:08}"),
                ..row.clone()
            })
            .collect(),
    );
    let mut state = state_with(snapshot);
    press(&mut state, "5");
    for (width, height) in [(80u16, 24u16), (160, 48)] {
        let (_, report) = render(&mut state, width, height);
        let viewport: usize = report.heights.iter().sum();
        assert!(
            report.rows_built <= viewport,
            "{} rows built for {viewport} visible",
            report.rows_built
        );
        assert!(report.rows_built > 0);
        assert!(viewport < height as usize);
    }
    press(&mut state, "G");
    let (terminal, report) = render(&mut state, 80, 24);
    assert!(report.rows_built <= report.heights.iter().sum());
    assert!(
        format!("{}", terminal.backend()).contains("00099999"),
        "the last row is on screen after G"
    );
}

#[test]
fn walkthrough_findings_and_attestation_form() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "w");
    let (terminal, _) = render(&mut state, 120, 40);
    insta::assert_snapshot!("walkthrough_120x40", terminal.backend());

    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "jj\n");
    let (terminal, report) = render(&mut state, 160, 48);
    insta::assert_snapshot!("findings_160x48", terminal.backend());
    assert!(report.rows_built <= report.heights.iter().sum::<usize>());

    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "G\nAna\tx");
    let (terminal, _) = render(&mut state, 100, 30);
    insta::assert_snapshot!("attestation_form_100x30", terminal.backend());
}

#[test]
fn the_read_only_and_paused_badges_show_at_every_width() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "p");
    assert!(state.paused);
    for width in [40u16, 60, 80, 120, 200] {
        let (terminal, _) = render(&mut state, width, 24);
        let screen = format!("{}", terminal.backend());
        let header = screen.lines().next().unwrap_or_default();
        assert!(
            header.contains(" RO read-only ") && header.contains(" PAUSED "),
            "{width} columns: {header}"
        );
        if width >= 120 {
            assert!(header.contains("score") && header.contains("resources"), "{header}");
        }
    }
}

/// The event loop's only timer: it wakes when a shown age would read differently (the header's to the minute,
/// the sources overlay's to the second while it is open), and never without an age.
#[test]
fn the_screen_changes_next_when_a_shown_age_would() {
    let mut snapshot = common::sample_snapshot();
    let at = |snapshot: &Snapshot, now: i64, keys: &str| {
        let mut state = state_with(snapshot.clone());
        press(&mut state, keys);
        state.now = now;
        aisec::ui::next_change_in(&state).map(|d| d.as_secs())
    };
    let ok = common::NOW - 30;
    assert!(snapshot.sources.iter().all(|s| s.last_ok == Some(ok)));
    assert_eq!(at(&snapshot, ok + 42, ""), Some(18), "the header's <1m becomes 1m");
    assert_eq!(
        at(&snapshot, ok + 42, "S"),
        Some(1),
        "the overlay's seconds tick each second"
    );
    assert_eq!(at(&snapshot, ok + 125, ""), Some(55), "minutes tick at the next minute");
    snapshot.sources[0].last_ok = Some(ok + 100);
    assert_eq!(at(&snapshot, ok + 125, ""), Some(35), "the youngest age sets the pace");
    for source in &mut snapshot.sources {
        source.last_ok = None;
    }
    assert_eq!(at(&snapshot, ok + 125, "S"), None, "no age shown: no timer");
}

/// A pane left empty by a source that never succeeded says so (zero alerts in a throttle storm is not "all
/// quiet"); one whose source has not answered yet says it is loading.
#[test]
fn an_empty_pane_says_why_it_is_empty() {
    let mut snapshot = common::sample_snapshot();
    snapshot.alerts = Arc::new(Vec::new());
    snapshot.logs = Arc::new(Vec::new());
    snapshot.costs = Arc::new(Vec::new());
    for source in &mut snapshot.sources {
        match source.kind {
            SourceKind::Metrics => {
                source.last_ok = None;
                source.last_error = Some("throttled, retry after 30s: metrics:getBatch".into());
            }
            SourceKind::Cost => {
                source.last_ok = None;
                source.last_error = Some("503 ServiceUnavailable from Cost Management".into());
            }
            SourceKind::Logs => {
                source.last_ok = None;
                source.in_flight = true;
            }
            _ => {}
        }
    }
    let mut state = state_with(snapshot.clone());
    press(&mut state, "2");
    let (terminal, _) = render(&mut state, 120, 30);
    let screen = format!("{}", terminal.backend());
    assert!(
        screen.contains("metrics unavailable, so nothing can be shown: throttled, retry after 30s"),
        "{screen}"
    );
    press(&mut state, "5");
    let (terminal, _) = render(&mut state, 120, 30);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("Daily cost · cost unavailable"), "{screen}");
    assert!(screen.contains("loading logs…"), "{screen}");

    // Answered with nothing: nothing to explain.
    for source in &mut snapshot.sources {
        source.last_ok = Some(common::NOW - 30);
        source.last_error = None;
        source.in_flight = false;
    }
    let mut state = state_with(snapshot);
    press(&mut state, "2");
    let (terminal, _) = render(&mut state, 120, 30);
    let screen = format!("{}", terminal.backend());
    assert!(
        screen.contains("nothing here") && !screen.contains("unavailable"),
        "{screen}"
    );
}

/// An overlay scrolls as far as its text goes: many `j` leave its last lines on screen, and one `k` moves.
#[test]
fn an_overlay_scrolls_no_further_than_its_text() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "?");
    let (_, report) = render(&mut state, 80, 24);
    let max = report.overlay_scroll_max.expect("help is open");
    assert!(max > 0, "the help is longer than 24 rows");
    press(&mut state, &"j".repeat(500));
    let (terminal, _) = render(&mut state, 80, 24);
    assert_eq!(state.overlay, aisec::app::Overlay::Help { scroll: max });
    let bottom = format!("{}", terminal.backend());
    press(&mut state, "k");
    let (terminal, _) = render(&mut state, 80, 24);
    assert_eq!(state.overlay, aisec::app::Overlay::Help { scroll: max - 1 });
    assert_ne!(format!("{}", terminal.backend()), bottom, "one k scrolls back at once");
}

/// The selected runbook step is written out whole, wrapped, even where its row is cut at the pane's edge.
#[test]
fn the_selected_runbook_step_is_shown_whole() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "3");
    let (terminal, _) = render(&mut state, 80, 24);
    let screen = format!("{}", terminal.backend());
    let step = state.playbook[0].text.clone();
    let cut = step.chars().count() > 70;
    assert!(cut, "the first step is longer than its row at 80 columns: {step}");
    let words: Vec<&str> = step.split_whitespace().collect();
    let last_words = words[words.len() - 3..].join(" ");
    assert!(screen.contains(&last_words), "`{last_words}` is on screen:\n{screen}");
}

/// A filter shows at the front of the pane's title with how many rows match, even where a long title is cut.
#[test]
fn a_filter_shows_first_in_the_title_with_its_match_count() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "1/aoai\n");
    let (terminal, _) = render(&mut state, 80, 24);
    let screen = format!("{}", terminal.backend());
    let matching = state.pane(aisec::app::Pane::Checklist).visible.len();
    let title = screen.lines().nth(3).unwrap_or_default();
    assert!(title.contains(&format!("/aoai · {matching} match · ")), "{title}");
}

/// Whether a fix can be undone and what it can break are on screen at 80x24, before the request body.
#[test]
fn the_fix_preview_says_what_it_can_break_on_a_small_terminal() {
    let mut state = state_with(common::sample_snapshot());
    press(&mut state, "4");
    let (terminal, _) = render(&mut state, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(
        screen.contains("Reversible:") && screen.contains("Can break:"),
        "{screen}"
    );
}

/// Two long resource names that differ at the end stay told apart at 80 columns (the middle gives way).
#[test]
fn long_resource_names_keep_the_end_that_tells_them_apart() {
    let mut snapshot = common::sample_snapshot();
    let alert = snapshot.alerts[0].clone();
    snapshot.alerts = Arc::new(
        ["aoai-rag-prod-eastus2-00040", "aoai-rag-prod-eastus2-08713"]
            .iter()
            .enumerate()
            .map(|(i, name)| aisec::model::Alert {
                key: format!("{}{i}", alert.key),
                resource_name: (*name).into(),
                ..alert.clone()
            })
            .collect(),
    );
    let mut state = state_with(snapshot);
    press(&mut state, "2");
    let (terminal, _) = render(&mut state, 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("00040") && screen.contains("08713"), "{screen}");
    assert!(screen.contains("requests"), "the metric's short name: {screen}");
}

/// A terminal too small for any pane says so instead of drawing empty frames.
#[test]
fn a_terminal_too_small_says_so() {
    let mut state = state_with(common::sample_snapshot());
    for (width, height) in [(30u16, 24u16), (80, 8), (20, 5), (1, 1)] {
        let (terminal, report) = render(&mut state, width, height);
        let screen: String = format!("{}", terminal.backend())
            .chars()
            .filter(|c| *c != '"' && *c != '\n')
            .collect();
        if width >= 20 && height >= 5 {
            assert!(screen.contains("aisec needs at least"), "{width}×{height}: {screen}");
        }
        assert_eq!(report.rows_built, 0);
    }
    let (terminal, _) = render(&mut state, 40, 10);
    assert!(!format!("{}", terminal.backend()).contains("needs at least"));
}

//! `update()` driven by injected key events: no terminal, no network.

mod common;

use std::sync::Arc;

use aisec::app::keymap::Keymap;
use aisec::app::{Effect, Event, Overlay, Pane, State, update};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

fn state() -> State {
    let mut state = State::new(Keymap::default(), "https://management.azure.com", common::NOW);
    update(&mut state, Event::Snapshot(Arc::new(common::sample_snapshot())));
    update(&mut state, Event::Layout([10; 6]));
    state
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut s = state();
    assert_eq!(update(&mut s, ch('q')), vec![Effect::Quit]);
    assert!(s.should_quit);
    let mut s = state();
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut s, ctrl_c.clone()), vec![Effect::Quit]);
    // Ctrl-C quits even while a filter is being typed, where `q` is just a letter.
    let mut s = state();
    update(&mut s, ch('/'));
    assert!(update(&mut s, ch('q')).is_empty());
    assert_eq!(update(&mut s, ctrl_c), vec![Effect::Quit]);
}

#[test]
fn tab_and_digits_switch_panes() {
    let mut s = state();
    assert_eq!(s.focus, Pane::Checklist);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Pane::Alerts);
    update(&mut s, key(KeyCode::BackTab));
    assert_eq!(s.focus, Pane::Checklist);
    for (digit, pane) in [
        ('5', Pane::Logs),
        ('3', Pane::Incident),
        ('4', Pane::Actions),
        ('2', Pane::Alerts),
        ('1', Pane::Checklist),
    ] {
        update(&mut s, ch(digit));
        assert_eq!(s.focus, pane);
    }
    for _ in 0..5 {
        update(&mut s, key(KeyCode::Tab));
    }
    assert_eq!(s.focus, Pane::Checklist, "Tab wraps around");
}

#[test]
fn moving_stays_in_range_and_scrolls_minimally() {
    let mut s = state();
    update(&mut s, ch('5'));
    let rows = s.pane(Pane::Logs).visible.len();
    assert_eq!(rows, 40);
    update(&mut s, ch('k'));
    assert_eq!(s.pane(Pane::Logs).selected, 0, "cannot move above the first row");
    for _ in 0..12 {
        update(&mut s, ch('j'));
    }
    assert_eq!(s.pane(Pane::Logs).selected, 12);
    assert_eq!(
        s.pane(Pane::Logs).offset,
        3,
        "the window moved just enough to show row 12 of a 10-row pane"
    );
    update(&mut s, key(KeyCode::Down));
    assert_eq!(s.pane(Pane::Logs).selected, 13);
    update(&mut s, ch('G'));
    assert_eq!(s.pane(Pane::Logs).selected, rows - 1);
    update(&mut s, ch('j'));
    assert_eq!(s.pane(Pane::Logs).selected, rows - 1, "cannot move below the last row");
    update(&mut s, ch('g'));
    assert_eq!(s.pane(Pane::Logs).selected, 0);
    update(
        &mut s,
        Event::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    );
    assert_eq!(s.pane(Pane::Logs).selected, 5, "half a page of a 10-row pane");
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.pane(Pane::Logs).selected, 4);
}

#[test]
fn slash_filters_the_focused_pane_live_and_esc_goes_back() {
    let mut s = state();
    let all = s.pane(Pane::Checklist).visible.len();
    update(&mut s, ch('/'));
    assert!(s.filter_editor.is_some());
    for c in "iam".chars() {
        update(&mut s, ch(c));
    }
    let filtered = s.pane(Pane::Checklist).visible.len();
    assert!(filtered > 0 && filtered < all, "{filtered} of {all}");
    assert_eq!(s.pane(Pane::Checklist).filter, "iam");
    update(&mut s, key(KeyCode::Enter));
    assert!(s.filter_editor.is_none());
    assert_eq!(
        s.pane(Pane::Checklist).visible.len(),
        filtered,
        "Enter keeps the filter"
    );
    // The other panes are not filtered.
    assert_eq!(s.pane(Pane::Logs).visible.len(), 40);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.pane(Pane::Checklist).visible.len(), all, "Esc clears the filter");

    update(&mut s, ch('/'));
    for c in "zzz-no-match".chars() {
        update(&mut s, ch(c));
    }
    assert!(s.pane(Pane::Checklist).visible.is_empty());
    update(&mut s, key(KeyCode::Esc));
    assert!(s.filter_editor.is_none());
    assert_eq!(s.pane(Pane::Checklist).visible.len(), all);
}

#[test]
fn enter_opens_details_help_opens_and_esc_closes() {
    let mut s = state();
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.overlay, Overlay::Details { scroll: 0 });
    update(&mut s, ch('j'));
    assert_eq!(s.overlay, Overlay::Details { scroll: 1 });
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    update(&mut s, ch('?'));
    assert_eq!(s.overlay, Overlay::Help { scroll: 0 });
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn shift_s_opens_the_sources_scrolls_and_closes_with_s_or_esc() {
    let mut s = state();
    update(&mut s, ch('S'));
    assert_eq!(s.overlay, Overlay::Sources { scroll: 0 });
    update(&mut s, ch('j'));
    update(&mut s, ch('j'));
    update(&mut s, ch('k'));
    assert_eq!(s.overlay, Overlay::Sources { scroll: 1 });
    update(&mut s, ch('S'));
    assert_eq!(s.overlay, Overlay::None);
    update(&mut s, ch('S'));
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    // Lower-case `s` is not the sources key (it skips in the walkthrough).
    update(&mut s, ch('s'));
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn actions_follow_the_selected_control_and_incident_follows_the_alert() {
    let mut s = state();
    let control = s.selected_control().expect("a failing control exists");
    assert!(!s.action_findings.is_empty());
    let finding = s.selected_action_finding().unwrap();
    assert_eq!(finding.control_id, control);
    // Select the checklist row of AI-IAM-01 and check the Actions pane follows it.
    let row = s.checklist.iter().position(|r| r.key() == "AI-IAM-01").unwrap();
    let position = s.pane(Pane::Checklist).visible.iter().position(|v| *v == row).unwrap();
    for _ in 0..position {
        update(&mut s, ch('j'));
    }
    assert_eq!(s.selected_control(), Some("AI-IAM-01"));
    assert!(
        s.action_findings
            .iter()
            .all(|i| s.snapshot.findings[*i].control_id() == "AI-IAM-01")
    );
    assert!(
        s.playbook[0].text.contains("4,210"),
        "the runbook quotes the alert as the table shows it"
    );
}

#[test]
fn selection_survives_a_new_snapshot_and_pause_freezes_the_screen() {
    let mut s = state();
    for _ in 0..3 {
        update(&mut s, ch('j'));
    }
    let key_before = s.checklist[s.pane(Pane::Checklist).selected_row().unwrap()].key();
    let mut next = common::sample_snapshot();
    next.generation = 2;
    update(&mut s, Event::Snapshot(Arc::new(next)));
    assert_eq!(
        s.checklist[s.pane(Pane::Checklist).selected_row().unwrap()].key(),
        key_before
    );

    update(&mut s, ch('p'));
    assert!(s.paused);
    let mut third = common::sample_snapshot();
    third.generation = 3;
    update(&mut s, Event::Snapshot(Arc::new(third)));
    assert_eq!(s.snapshot.generation, 2, "paused: the new snapshot waits");
    update(&mut s, ch('p'));
    assert_eq!(s.snapshot.generation, 3, "resume applies the held snapshot");
}

#[test]
fn refresh_is_an_effect_and_the_screen_stays_read_only() {
    let mut s = state();
    assert_eq!(update(&mut s, ch('r')), vec![Effect::Refresh]);
    assert!(s.read_only);
}

fn select_checklist_key(s: &mut State, key: &str) {
    update(s, ch('g'));
    let row = s.checklist.iter().position(|r| r.key() == key).unwrap();
    let position = s.pane(Pane::Checklist).visible.iter().position(|v| *v == row).unwrap();
    for _ in 0..position {
        update(s, ch('j'));
    }
    assert_eq!(s.checklist[s.pane(Pane::Checklist).selected_row().unwrap()].key(), key);
}

#[test]
fn enter_on_a_control_drills_into_its_findings_and_esc_comes_back() {
    let mut s = state();
    select_checklist_key(&mut s, "AI-NET-01");
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.focus, Pane::Findings);
    assert_eq!(s.drill, Some("AI-NET-01"));
    let statuses: Vec<_> = s
        .drill_findings
        .iter()
        .map(|i| s.snapshot.findings[*i].status)
        .collect();
    assert_eq!(statuses.len(), 2, "one finding per Cognitive Services account");
    assert!(statuses.windows(2).all(|w| w[0] <= w[1]), "failing first: {statuses:?}");
    assert!(
        s.drill_findings
            .iter()
            .all(|i| s.snapshot.findings[*i].control_id() == "AI-NET-01")
    );
    // Enter on a finding shows its evidence; Esc closes it, a second Esc returns to the checklist.
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.overlay, Overlay::Details { scroll: 0 });
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(s.focus, Pane::Findings);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Pane::Checklist);
}

#[test]
fn walkthrough_goes_through_failing_controls_by_severity_and_marks_reviews() {
    let mut s = state();
    update(&mut s, ch('w'));
    let Overlay::Walkthrough { index, .. } = s.overlay else {
        panic!("walkthrough did not open: {:?}", s.overlay)
    };
    assert_eq!(index, 0);
    let severities: Vec<_> = s
        .walkthrough
        .iter()
        .map(|id| aisec::checks::control(id).unwrap().severity)
        .collect();
    assert!(!severities.is_empty());
    assert!(
        severities.windows(2).all(|w| w[0] <= w[1]),
        "high first: {severities:?}"
    );
    for id in &s.walkthrough {
        assert!(
            s.snapshot
                .findings
                .iter()
                .any(|f| f.control_id() == *id && f.status == aisec::model::Status::Fail)
        );
    }
    update(&mut s, ch('n'));
    assert!(matches!(s.overlay, Overlay::Walkthrough { index: 1, .. }));
    update(&mut s, ch('b'));
    assert!(matches!(s.overlay, Overlay::Walkthrough { index: 0, .. }));
    let first = s.walkthrough[0].to_string();
    assert_eq!(update(&mut s, ch('m')), vec![Effect::MarkReviewed(first.clone())]);
    assert!(s.reviewed.contains(&first));
    assert!(
        matches!(s.overlay, Overlay::Walkthrough { index: 1, .. }),
        "marking moves on"
    );
    update(&mut s, ch('s'));
    assert!(matches!(s.overlay, Overlay::Walkthrough { index: 2, .. }) || s.walkthrough.len() <= 2);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.overlay, Overlay::None);
    // Reopening starts at the first control not reviewed yet.
    update(&mut s, ch('w'));
    assert!(matches!(s.overlay, Overlay::Walkthrough { index: 1, .. }));
}

#[test]
fn attestation_form_validates_saves_and_cancels() {
    let mut s = state();
    select_checklist_key(&mut s, "ATT-IR-PLAN");
    update(&mut s, key(KeyCode::Enter));
    assert!(s.form.is_some(), "Enter on an attestation opens the form");
    // Saving with no name is refused with a message naming the field; nothing is emitted.
    let save = Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    assert!(update(&mut s, save.clone()).is_empty());
    assert!(s.form.as_ref().unwrap().error.as_deref().unwrap().starts_with("name"));
    for c in "Ana Ruiz".chars() {
        update(&mut s, ch(c));
    }
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(
        s.form.as_ref().unwrap().name.lines().len(),
        1,
        "Enter does not add a line to the name"
    );
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Tab));
    for c in "Runbook v3 in the wiki".chars() {
        update(&mut s, ch(c));
    }
    update(&mut s, key(KeyCode::Enter));
    for c in "reviewed with on-call".chars() {
        update(&mut s, ch(c));
    }
    // `q` is text inside the form, not quit.
    update(&mut s, ch('q'));
    assert!(!s.should_quit);
    let effects = update(&mut s, save);
    assert!(s.form.is_none());
    let [Effect::SaveAttestation(saved)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(saved.item_id, "ATT-IR-PLAN");
    assert_eq!(saved.attested_by, "Ana Ruiz");
    assert_eq!(saved.note, "Runbook v3 in the wiki\nreviewed with on-callq");
    assert_eq!(saved.attested_on, aisec::attestation::today(common::NOW));

    // The stored result comes back and the row shows it.
    update(&mut s, Event::Attestations(vec![saved.clone()]));
    assert!(s.checklist.iter().any(|r| matches!(
        r,
        aisec::app::view::ChecklistRow::Attestation {
            item: "ATT-IR-PLAN",
            standing: aisec::attestation::Standing::Valid { age_days: 0 },
            ..
        }
    )));

    // Esc cancels without an effect.
    update(&mut s, key(KeyCode::Enter));
    assert!(s.form.is_some());
    assert!(update(&mut s, key(KeyCode::Esc)).is_empty());
    assert!(s.form.is_none());
}

#[test]
fn marking_the_last_control_goes_back_to_the_first_unreviewed_and_says_all_only_when_all_are() {
    let mut s = state();
    update(&mut s, ch('w'));
    let count = s.walkthrough.len();
    assert!(count >= 2, "the sample has several failing controls");
    for _ in 1..count {
        update(&mut s, ch('n'));
    }
    assert!(matches!(s.overlay, Overlay::Walkthrough { index, .. } if index == count - 1));
    update(&mut s, ch('m'));
    assert!(
        matches!(s.overlay, Overlay::Walkthrough { index: 0, .. }),
        "back to the first one still to review: {:?}",
        s.overlay
    );
    assert_ne!(
        s.status_line.as_deref(),
        Some("every failing control has been reviewed")
    );
    for _ in 0..count - 1 {
        update(&mut s, ch('m'));
    }
    assert_eq!(s.reviewed.len(), count);
    assert_eq!(
        s.status_line.as_deref(),
        Some("every failing control has been reviewed")
    );
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.status_line, None, "the walkthrough's note leaves with it");
}

#[test]
fn the_refresh_note_lasts_while_the_refresh_runs() {
    let mut s = state();
    assert_eq!(update(&mut s, ch('r')), vec![Effect::Refresh]);
    assert_eq!(s.status_line.as_deref(), Some("refresh requested"));
    let mut running = common::sample_snapshot();
    running.sources[2].in_flight = true;
    update(&mut s, Event::Snapshot(Arc::new(running)));
    assert_eq!(s.status_line.as_deref(), Some("refreshing every source…"));
    update(&mut s, Event::Snapshot(Arc::new(common::sample_snapshot())));
    assert_eq!(s.status_line, None, "gone once every source is done");
}

#[test]
fn refresh_and_pause_work_with_an_overlay_open_and_leave_it_open() {
    let mut s = state();
    update(&mut s, ch('S'));
    assert!(matches!(s.overlay, Overlay::Sources { .. }));
    assert_eq!(
        update(&mut s, ch('r')),
        vec![Effect::Refresh],
        "the overlay's own hint says r refreshes"
    );
    assert!(matches!(s.overlay, Overlay::Sources { .. }));
    update(&mut s, ch('p'));
    assert!(s.paused);
    assert!(matches!(s.overlay, Overlay::Sources { .. }));
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch('w'));
    assert_eq!(update(&mut s, ch('r')), vec![Effect::Refresh]);
    assert!(matches!(s.overlay, Overlay::Walkthrough { .. }));
}

//! The real binary in a pseudo-terminal: it draws, exits 0 on `q` and Ctrl-C, and leaves the alternate
//! screen on every path, a panic included.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

struct Session {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    _home: std::path::PathBuf,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn position(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn start(name: &str, extra_env: &[(&str, &str)]) -> Session {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let home = std::env::temp_dir().join(format!("aisec-pty-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_aisec"));
    command.arg("--demo");
    command.env("AISEC_HOME", &home);
    command.env("TERM", "xterm-256color");
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let child = pty.slave.spawn_command(command).unwrap();
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().unwrap();
    let writer = pty.master.take_writer().unwrap();
    let output = Arc::new(Mutex::new(Vec::new()));
    let sink = output.clone();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buffer[..n]);
        }
    });
    // Keep the master open for the child's lifetime: dropping it would hang up the terminal.
    std::mem::forget(pty.master);
    Session {
        child,
        writer,
        output,
        _home: home,
    }
}

impl Session {
    fn wait_for_output(&self, needle: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if contains(&self.output.lock().unwrap(), needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "never saw {:?} in {:?}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(&self.output.lock().unwrap())
        );
    }

    fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Give the reader thread a moment to drain the last bytes.
                std::thread::sleep(Duration::from_millis(200));
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        panic!("the process did not exit");
    }

    fn assert_restored(&self) {
        let output = self.output.lock().unwrap();
        let entered = position(&output, ENTER_ALT).expect("entered the alternate screen");
        let left = output
            .windows(LEAVE_ALT.len())
            .rposition(|w| w == LEAVE_ALT)
            .expect("left the alternate screen");
        assert!(left > entered, "left after entering");
        assert!(
            contains(&output[left..], SHOW_CURSOR) || contains(&output[entered..], SHOW_CURSOR),
            "cursor shown again"
        );
    }
}

#[test]
fn q_exits_zero_and_restores_the_terminal() {
    let mut session = start("q", &[]);
    session.wait_for_output(b"Checklist");
    session.wait_for_output(b"inventory");
    session.writer.write_all(b"q").unwrap();
    assert_eq!(session.wait_exit(), 0);
    session.assert_restored();
}

#[test]
fn ctrl_c_exits_zero_and_restores_the_terminal() {
    let mut session = start("ctrlc", &[]);
    session.wait_for_output(b"Checklist");
    session.writer.write_all(b"\x03").unwrap();
    assert_eq!(session.wait_exit(), 0);
    session.assert_restored();
}

#[test]
fn a_panic_still_restores_the_terminal() {
    let mut session = start("panic", &[("AISEC_TEST_PANIC_AFTER_DRAW", "1")]);
    let code = session.wait_exit();
    assert_ne!(code, 0);
    session.assert_restored();
    let output = session.output.lock().unwrap();
    let left = output.windows(LEAVE_ALT.len()).rposition(|w| w == LEAVE_ALT).unwrap();
    assert!(
        contains(&output[left..], b"test panic requested"),
        "the panic message is printed after the restore"
    );
}

#[test]
fn nothing_is_redrawn_while_idle() {
    let mut session = start("idle", &[]);
    session.wait_for_output(b"cost");
    // Sources finish one after another during the first seconds; what must exist is a two-second window with
    // no byte written at all. A fixed-rate redraw (a tick loop, a clock) never leaves such a window.
    let mut quiet = false;
    for _ in 0..15 {
        let before = session.output.lock().unwrap().len();
        std::thread::sleep(Duration::from_secs(2));
        if session.output.lock().unwrap().len() == before {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "bytes were written in every two-second window for 30 seconds");
    session.writer.write_all(b"q").unwrap();
    assert_eq!(session.wait_exit(), 0);
}

#[test]
fn an_attestation_typed_in_the_cockpit_is_stored() {
    let mut session = start("attest", &[]);
    session.wait_for_output(b"score");
    // The last checklist row is an attestation item: open its form, fill it in, save, quit.
    session.writer.write_all(b"G").unwrap();
    session.wait_for_output(b"PROMPT-INJ");
    session.writer.write_all(b"\r").unwrap();
    session.wait_for_output(b"attested by");
    session
        .writer
        .write_all(b"Ana Ruiz\t\tRed-team prompts run on 2026-11-20")
        .unwrap();
    session.writer.write_all(b"\x13").unwrap(); // Ctrl-S
    session.wait_for_output(b"saved");
    session.writer.write_all(b"q").unwrap();
    assert_eq!(session.wait_exit(), 0);
    let store = aisec::store::Store::open(&session._home.join("aisec.db")).unwrap();
    let stored = store.latest_attestations().unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].item_id, "ATT-PROMPT-INJECTION");
    assert_eq!(stored[0].attested_by, "Ana Ruiz");
    assert_eq!(stored[0].note, "Red-team prompts run on 2026-11-20");
}

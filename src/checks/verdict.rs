//! The small builder every evaluator uses: it records evidence as properties are read and folds partial
//! verdicts into one status. Folding order: any `fail` wins (a definite violation stays a violation even when
//! another part could not be read), then any `unknown`, then `pass`. A check that recorded no verdict at all
//! is `unknown`, so a forgotten branch can never turn into a silent pass.

use std::cell::Cell;

use crate::model::Doc;

use super::catalog::Outcome;
use super::value::{self, Got, Typed};
use crate::model::{Evidence, EvidenceList, EvidenceText, Fetched, Resource, Status};

/// Text that becomes part of an evidence line without a needless copy: a `&'static str` is referenced, a
/// `String` gives its buffer (or is inlined when short), an [`EvidenceText`] is moved.
pub(super) trait IntoText {
    fn into_text(self) -> EvidenceText;
}

impl IntoText for &'static str {
    fn into_text(self) -> EvidenceText {
        EvidenceText::const_new(self)
    }
}

impl IntoText for String {
    fn into_text(self) -> EvidenceText {
        EvidenceText::from(self)
    }
}

impl IntoText for EvidenceText {
    fn into_text(self) -> EvidenceText {
        self
    }
}

thread_local! {
    /// The line buffer of the check being built on this thread, handed from check to check: an item's line is
    /// written there and copied out once complete (inline when short, else one exactly sized allocation).
    static SCRATCH: Cell<String> = const { Cell::new(String::new()) };
    /// Whether checks started on this thread record evidence (see [`without_evidence`]).
    static RECORDING: Cell<bool> = const { Cell::new(true) };
}

/// Runs `evaluate` with evidence recording off for every check it starts on this thread: verdicts only. The
/// evaluators read and decide exactly as they do with it on; only the writing of evidence text is skipped.
pub(super) fn without_evidence<T>(evaluate: impl FnOnce() -> T) -> T {
    /// Restores the previous mode however `evaluate` ends (a panic included).
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            RECORDING.set(self.0);
        }
    }
    let _restore = Restore(RECORDING.replace(false));
    evaluate()
}

#[derive(Debug)]
pub(super) struct Check {
    /// Off: verdicts only; every evidence write is skipped.
    recording: bool,
    /// The finding's own list, built in place: one or two lines stay inside the finding, more are allocated.
    evidence: EvidenceList,
    /// The path of the item line being written (in `line`), not yet among `evidence`.
    item: Option<EvidenceText>,
    line: String,
    failed: bool,
    unknown: bool,
    passed: bool,
}

impl Drop for Check {
    fn drop(&mut self) {
        let mut line = std::mem::take(&mut self.line);
        if line.capacity() > 0 {
            line.clear();
            SCRATCH.set(line);
        }
    }
}

impl Check {
    pub fn new() -> Self {
        let recording = RECORDING.get();
        Self {
            recording,
            evidence: EvidenceList::new(),
            item: None,
            line: if recording { SCRATCH.take() } else { String::new() },
            failed: false,
            unknown: false,
            passed: false,
        }
    }

    /// Moves the item line being written, if any, to the evidence.
    fn close_item(&mut self) {
        if let Some(path) = self.item.take() {
            self.evidence.push(Evidence {
                path,
                observed: EvidenceText::new(&self.line),
            });
            self.line.clear();
        }
    }

    /// The recorded lines; a heap list keeps no spare capacity in the snapshot.
    fn take_evidence(&mut self) -> EvidenceList {
        self.close_item();
        let mut evidence = std::mem::take(&mut self.evidence);
        if evidence.spilled() {
            evidence.shrink_to_fit();
        }
        evidence
    }

    fn is_empty(&self) -> bool {
        self.evidence.is_empty() && self.item.is_none()
    }

    pub fn note(&mut self, path: impl IntoText, observed: impl IntoText) {
        if !self.recording {
            return;
        }
        self.close_item();
        self.evidence.push(Evidence {
            path: path.into_text(),
            observed: observed.into_text(),
        });
    }

    /// Records that a child list is empty (`{label}` → `none`). Non-empty lists are described by their items.
    pub fn note_if_empty(&mut self, label: &'static str, len: usize) {
        if len == 0 {
            self.note(label, "none");
        }
    }

    pub fn pass(&mut self) {
        self.passed = true;
    }

    pub fn fail(&mut self) {
        self.failed = true;
    }

    pub fn unknown(&mut self) {
        self.unknown = true;
    }

    /// Records a partial verdict.
    pub fn verdict(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass(),
            Status::Fail => self.fail(),
            Status::Unknown => self.unknown(),
            Status::NotApplicable => {}
        }
    }

    /// Runs a part of the check on its own verdicts (its evidence joins this check's) and returns the part's
    /// status without recording it, so the caller decides how partial results combine (e.g. "any setting
    /// passes" instead of "all must").
    pub fn part(&mut self, run: impl FnOnce(&mut Check)) -> Status {
        let saved = (self.failed, self.unknown, self.passed);
        (self.failed, self.unknown, self.passed) = (false, false, false);
        run(self);
        let status = self.status();
        (self.failed, self.unknown, self.passed) = saved;
        status
    }

    /// Whether an unreadable part has been recorded so far.
    pub fn has_unknown(&self) -> bool {
        self.unknown
    }

    /// Whether a failing part has been recorded so far.
    pub fn has_failed(&self) -> bool {
        self.failed
    }

    pub fn status(&self) -> Status {
        if self.failed {
            Status::Fail
        } else if self.unknown || !self.passed {
            Status::Unknown
        } else {
            Status::Pass
        }
    }

    pub fn done(mut self) -> Outcome {
        let status = self.status();
        if self.is_empty() {
            self.note("<check>", "no property was read");
        }
        Outcome {
            status,
            evidence: self.take_evidence(),
        }
    }

    pub fn not_applicable(mut self) -> Outcome {
        if self.is_empty() {
            self.note("<check>", "not applicable");
        }
        Outcome {
            status: Status::NotApplicable,
            evidence: self.take_evidence(),
        }
    }

    fn record<T>(&mut self, path: &'static str, got: Got<'_>, typed: Typed<T>, expected: &str) -> Typed<T> {
        if self.recording {
            let well_typed = matches!(typed, Typed::Ok(_));
            self.note(path, value::observed_got(got, well_typed, expected));
        }
        typed
    }

    /// Reads a string property of the resource and records it.
    pub fn text<'a>(&mut self, resource: &'a Resource, path: &'static str) -> Typed<&'a str> {
        let got = value::resource_get(resource, path);
        self.record(path, got, value::text(got), "a string")
    }

    pub fn flag(&mut self, resource: &Resource, path: &'static str) -> Typed<bool> {
        let got = value::resource_get(resource, path);
        self.record(path, got, value::boolean(got), "a boolean")
    }

    pub fn list<'a>(&mut self, resource: &'a Resource, path: &'static str) -> Typed<&'a [Doc]> {
        let got = value::resource_get(resource, path);
        self.record(path, got, value::array(got), "an array")
    }

    /// Reads a string inside a child document. Reads of one child item are gathered into one evidence line:
    /// path `{label}` (e.g. `computes[name=ci-1]`), observed `path=value; path=value` — every property read,
    /// with its value, at a fraction of the allocations of one line per property.
    pub fn item_text<'a>(&mut self, item: &'a Doc, label: &EvidenceText, path: &str) -> Typed<&'a str> {
        self.item_text_at(value::walk(item, path), label, path)
    }

    pub fn item_flag(&mut self, item: &Doc, label: &EvidenceText, path: &str) -> Typed<bool> {
        self.item_flag_at(value::walk(item, path), label, path)
    }

    /// [`Check::item_text`] with the value already walked to (`got` is `walk(item, path)`, e.g. continued from
    /// a parent object read once for several fields).
    pub fn item_text_at<'a>(&mut self, got: Got<'a>, label: &EvidenceText, path: &str) -> Typed<&'a str> {
        self.record_item(label, path, got, value::text(got), "a string")
    }

    /// [`Check::item_flag`] with the value already walked to.
    pub fn item_flag_at(&mut self, got: Got<'_>, label: &EvidenceText, path: &str) -> Typed<bool> {
        self.record_item(label, path, got, value::boolean(got), "a boolean")
    }

    pub fn item_integer(&mut self, item: &Doc, label: &EvidenceText, path: &str) -> Typed<u64> {
        let got = value::walk(item, path);
        self.record_item(label, path, got, value::integer(got), "an integer")
    }

    /// Appends free text about a child item to its evidence line (`{label}`).
    pub fn item_note(&mut self, label: &EvidenceText, text: &str) {
        self.with_item_line(label, |line| line.push_str(text));
    }

    fn record_item<T>(
        &mut self,
        label: &EvidenceText,
        path: &str,
        got: Got<'_>,
        typed: Typed<T>,
        expected: &str,
    ) -> Typed<T> {
        let well_typed = matches!(typed, Typed::Ok(_));
        self.with_item_line(label, |line| {
            line.push_str(path);
            line.push('=');
            value::push_observed(line, got, well_typed, expected);
        });
        typed
    }

    /// Writes into the evidence line of a child item: the last line when it belongs to the same item (after a
    /// `; ` separator), a new line otherwise.
    fn with_item_line(&mut self, label: &EvidenceText, write: impl FnOnce(&mut String)) {
        if !self.recording {
            return;
        }
        if self.item.as_ref() == Some(label) {
            self.line.push_str("; ");
        } else {
            self.close_item();
            match self.evidence.pop() {
                // The last line already has this path (a note about the item): it continues.
                Some(last) if last.path == *label => {
                    self.line.push_str(&last.observed);
                    self.line.push_str("; ");
                    self.item = Some(last.path);
                }
                other => {
                    self.evidence.extend(other);
                    self.item = Some(label.clone());
                }
            }
        }
        write(&mut self.line);
    }

    /// Unwraps separately fetched data. `Missing` and `Denied` are recorded as evidence and make the check
    /// `unknown`; the caller gets `None` and must not decide `pass` on that part.
    pub fn fetched<'a, T>(&mut self, label: impl IntoText, fetched: &'a Fetched<T>) -> Option<&'a T> {
        match fetched {
            Fetched::Value(value) => Some(value),
            Fetched::Missing => {
                self.note(label, "<not collected>");
                self.unknown();
                None
            }
            Fetched::Denied(reason) => {
                self.note(label, value::concat(&["<denied: ", &value::truncate(reason), ">"]));
                self.unknown();
                None
            }
        }
    }
}

/// A readable label for the n-th item of a child list: `{list}[name=x]`, falling back to the id's last
/// segment, then to the position.
pub(super) fn item_label(list: &str, index: usize, item: &Doc) -> EvidenceText {
    let name = value::member(item, "name")
        .and_then(Doc::as_str)
        .filter(|n| !n.is_empty())
        .or_else(|| {
            value::member(item, "id")
                .and_then(Doc::as_str)
                .map(value::last_segment)
                .filter(|n| !n.is_empty())
        });
    match name {
        Some(name) if name.len() <= 120 => value::concat(&[list, "[name=", name, "]"]),
        Some(name) => {
            let (name, cut) = value::cut(name);
            value::concat(&[list, "[name=", name, cut, "]"])
        }
        None => compact_str::format_compact!("{list}[{index}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_dominates_unknown_and_nothing_recorded_is_unknown() {
        let mut check = Check::new();
        check.pass();
        check.unknown();
        assert_eq!(check.status(), Status::Unknown);
        check.fail();
        assert_eq!(check.status(), Status::Fail);
        let empty = Check::new().done();
        assert_eq!(empty.status, Status::Unknown);
        assert!(!empty.evidence.is_empty());
    }

    #[test]
    fn fetched_missing_or_denied_is_unknown_with_evidence() {
        let mut check = Check::new();
        let missing: Fetched<Vec<Doc>> = Fetched::Missing;
        assert!(check.fetched("diagnosticSettings", &missing).is_none());
        let denied: Fetched<Vec<Doc>> = Fetched::Denied("403 AuthorizationFailed".into());
        assert!(check.fetched("roleAssignments", &denied).is_none());
        check.pass();
        let outcome = check.done();
        assert_eq!(outcome.status, Status::Unknown);
        assert_eq!(outcome.evidence[0].observed, "<not collected>");
        assert!(outcome.evidence[1].observed.contains("403"));
    }
}

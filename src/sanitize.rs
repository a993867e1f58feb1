//! Text from Azure (names, tags, log rows, error messages) is untrusted: a resource tag can carry an escape
//! sequence that rewrites the screen or the clipboard. Everything drawn goes through `for_terminal` first.

use std::borrow::Cow;

/// Removes ANSI/VT escape sequences (CSI, OSC, DCS, …) and every other control character except tab, which
/// becomes a space. Printable Unicode is kept as is.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut clean = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers (CSI, OSC, DCS, SOS, PM, APC) start a sequence on their own.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' => clean.push(' '),
            c if c.is_control() => {}
            c => clean.push(c),
        }
    }
    Cow::Owned(clean)
}

/// Like `for_terminal`, but keeps line breaks: for multi-line text printed by the headless commands.
pub fn for_terminal_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| for_terminal(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => skip_string(chars),
        // Two-character sequences (ESC c, ESC 7, …) and charset designations (ESC ( B) end here or next char.
        Some('(') | Some(')') | Some('*') | Some('+') => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then one final byte in 0x40..=0x7e.
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// OSC/DCS/…: runs until BEL, ST (ESC \) or the C1 ST.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::for_terminal;
    use proptest::prelude::*;

    #[test]
    fn strips_csi_osc_and_controls() {
        assert_eq!(for_terminal("plain-name"), "plain-name");
        assert_eq!(for_terminal("\u{1b}[31mred\u{1b}[0m"), "red");
        assert_eq!(for_terminal("a\u{1b}]52;c;ZXZpbA==\u{7}b"), "ab");
        assert_eq!(for_terminal("a\u{1b}]0;title\u{1b}\\b"), "ab");
        assert_eq!(for_terminal("line\r\nnext\tcol\u{8}"), "linenext col");
        assert_eq!(for_terminal("x\u{9b}2Jy"), "xy");
        assert_eq!(for_terminal("zürich-ü-東京"), "zürich-ü-東京");
    }

    proptest! {
        #[test]
        fn output_never_contains_control_characters(input in ".*") {
            let clean = for_terminal(&input);
            prop_assert!(!clean.chars().any(char::is_control));
        }
    }
}

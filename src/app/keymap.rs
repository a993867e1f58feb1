//! Key map built from the action registry plus user overrides (`[keys]` in config.toml, by action name).
//! Bad overrides become warnings, never a crash.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::actions::{Action, Context, REGISTRY};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn from_event(event: &KeyEvent) -> Self {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            // Terminals disagree on whether Shift is reported with an upper-case letter; the letter says it all.
            KeyCode::Char(c) => KeyCode::Char(c),
            KeyCode::BackTab => {
                modifiers = KeyModifiers::NONE;
                KeyCode::BackTab
            }
            other => {
                modifiers |= event.modifiers & KeyModifiers::SHIFT;
                other
            }
        };
        Self { code, modifiers }
    }

    /// Parses `q`, `G`, `ctrl-c`, `alt-x`, `enter`, `esc`, `tab`, `backtab`, `up`, `pagedown`, `f5`, `space`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(stripped) = lower.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - stripped.len()..];
            } else if let Some(stripped) = lower.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[rest.len() - stripped.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key `{text}`")),
                }
            }
        };
        Ok(Self { code, modifiers })
    }

    pub fn display(&self) -> String {
        let mut text = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            text.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            text.push_str("Alt-");
        }
        match self.code {
            KeyCode::Char(' ') => text.push_str("Space"),
            KeyCode::Char(c) if self.modifiers.contains(KeyModifiers::CONTROL) => text.push(c.to_ascii_uppercase()),
            KeyCode::Char(c) => text.push(c),
            KeyCode::Enter => text.push_str("Enter"),
            KeyCode::Esc => text.push_str("Esc"),
            KeyCode::Tab => text.push_str("Tab"),
            KeyCode::BackTab => text.push_str("Shift-Tab"),
            KeyCode::Up => text.push('↑'),
            KeyCode::Down => text.push('↓'),
            KeyCode::Left => text.push('←'),
            KeyCode::Right => text.push('→'),
            KeyCode::Home => text.push_str("Home"),
            KeyCode::End => text.push_str("End"),
            KeyCode::PageUp => text.push_str("PgUp"),
            KeyCode::PageDown => text.push_str("PgDn"),
            KeyCode::F(n) => text.push_str(&format!("F{n}")),
            _ => text.push('?'),
        }
        text
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<(Context, KeyChord), Action>,
    /// Keys per action name, in display order, for help and hints.
    keys_by_name: HashMap<&'static str, Vec<KeyChord>>,
    pub warnings: Vec<String>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self::new(&HashMap::new())
    }
}

impl Keymap {
    /// `overrides`: action name → keys, replacing that action's defaults.
    pub fn new(overrides: &HashMap<String, Vec<String>>) -> Self {
        let mut warnings = Vec::new();
        for name in overrides.keys() {
            if super::actions::by_name(name).is_none() {
                warnings.push(format!(
                    "config [keys]: no action named `{name}` (see `?` for the names)"
                ));
            }
        }
        let mut bindings = HashMap::new();
        let mut keys_by_name: HashMap<&'static str, Vec<KeyChord>> = HashMap::new();
        for spec in REGISTRY {
            let texts: Vec<String> = match overrides.get(spec.name) {
                Some(keys) => keys.clone(),
                None => spec.default_keys.iter().map(|k| k.to_string()).collect(),
            };
            for text in texts {
                match KeyChord::parse(&text) {
                    Ok(chord) => {
                        if let Some(existing) = bindings.get(&(spec.context, chord))
                            && *existing != spec.action
                        {
                            warnings.push(format!(
                                "config [keys]: `{text}` is bound twice in {}; keeping the first",
                                spec.context.label()
                            ));
                            continue;
                        }
                        bindings.insert((spec.context, chord), spec.action);
                        keys_by_name.entry(spec.name).or_default().push(chord);
                    }
                    Err(reason) => warnings.push(format!("config [keys] {}: {reason}", spec.name)),
                }
            }
        }
        Self {
            bindings,
            keys_by_name,
            warnings,
        }
    }

    /// Context-specific bindings win over global ones.
    pub fn resolve(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(event);
        self.bindings
            .get(&(context, chord))
            .or_else(|| self.bindings.get(&(Context::Global, chord)))
            .copied()
    }

    pub fn keys_for(&self, name: &str) -> String {
        self.keys_by_name
            .get(name)
            .map(|keys| keys.iter().map(KeyChord::display).collect::<Vec<_>>().join(" "))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn every_default_binding_resolves_and_no_context_has_conflicts() {
        let keymap = Keymap::default();
        assert!(keymap.warnings.is_empty(), "{:?}", keymap.warnings);
        for spec in REGISTRY {
            for text in spec.default_keys {
                let chord = KeyChord::parse(text).unwrap();
                let event = key(chord.code, chord.modifiers);
                assert_eq!(
                    keymap.resolve(spec.context, &event),
                    Some(spec.action),
                    "{text} in {:?}",
                    spec.context
                );
            }
        }
    }

    #[test]
    fn shifted_letters_and_ctrl_chords_resolve() {
        let keymap = Keymap::default();
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::HalfPageDown)
        );
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::Char('d'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn overrides_replace_defaults_and_bad_ones_warn() {
        let overrides = HashMap::from([
            ("quit".to_string(), vec!["ctrl-q".to_string()]),
            ("no_such_action".to_string(), vec!["x".to_string()]),
            ("refresh".to_string(), vec!["notakey".to_string(), "f5".to_string()]),
        ]);
        let keymap = Keymap::new(&overrides);
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            keymap.resolve(Context::List, &key(KeyCode::F(5), KeyModifiers::NONE)),
            Some(Action::Refresh)
        );
        assert_eq!(keymap.warnings.len(), 2, "{:?}", keymap.warnings);
        assert_eq!(keymap.keys_for("quit"), "Ctrl-Q");
    }
}

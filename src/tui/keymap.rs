//! Keymap: TOML (embedded default, user file merged over it) -> Action per context,
//! and the reverse lookup that writes the hints, so help never drifts from dispatch.

use std::collections::HashMap;

use indexmap::IndexMap;

use super::action::Action;
use super::event::Key;

pub const DEFAULT_KEYMAP: &str = include_str!("keymap.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Main,
    Form,
    /// A multi-select list inside a form: keys here come before the form's.
    List,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: HashMap<(Context, Key), Action>,
    /// Action -> its keys in file order, per context (for hints and help).
    keys: HashMap<(Context, Action), Vec<Key>>,
    /// The actions in keymap-file order: the help lists them so.
    order: Vec<(Context, Action)>,
}

type RawKeymap = IndexMap<String, IndexMap<String, Vec<String>>>;

fn parse_context(name: &str) -> Result<Context, String> {
    match name {
        "main" => Ok(Context::Main),
        "form" => Ok(Context::Form),
        "list" => Ok(Context::List),
        other => Err(format!(
            "[{other}] is not a keymap section: use [main], [form] or [list]"
        )),
    }
}

fn parse_action(name: &str) -> Result<Action, String> {
    let wrapped = format!("\"{name}\"");
    serde_json::from_str::<Action>(&wrapped)
        .map_err(|_| format!("`{name}` is not an action apple-conn knows"))
}

impl Keymap {
    pub fn default_keymap() -> Keymap {
        // The embedded keymap is tested; an error here would be a build defect.
        Keymap::parse(DEFAULT_KEYMAP, None).unwrap_or_else(|_| Keymap {
            bindings: HashMap::new(),
            keys: HashMap::new(),
            order: Vec::new(),
        })
    }

    /// The default keymap with a user file merged over it, action by action.
    pub fn parse(default: &str, user: Option<&str>) -> Result<Keymap, String> {
        let mut raw: RawKeymap = toml::from_str(default).map_err(|e| e.message().to_string())?;
        if let Some(user) = user {
            let over: RawKeymap =
                toml::from_str(user).map_err(|e| format!("keymap: {}", e.message()))?;
            for (section, actions) in over {
                parse_context(&section)?;
                let target = raw.entry(section).or_default();
                for (action, keys) in actions {
                    parse_action(&action)?;
                    target.insert(action, keys);
                }
            }
        }
        let mut bindings = HashMap::new();
        let mut keys: HashMap<(Context, Action), Vec<Key>> = HashMap::new();
        let mut order = Vec::new();
        for (section, actions) in raw {
            let ctx = parse_context(&section)?;
            for (name, list) in actions {
                let action = parse_action(&name)?;
                order.push((ctx, action));
                for text in list {
                    let key =
                        Key::parse(&text).map_err(|e| format!("keymap [{section}] {name}: {e}"))?;
                    if let Some(previous) = bindings.insert((ctx, key), action)
                        && previous != action
                    {
                        return Err(format!(
                            "keymap [{section}]: `{text}` is bound to both {} and {}",
                            previous.label(),
                            action.label()
                        ));
                    }
                    keys.entry((ctx, action)).or_default().push(key);
                }
            }
        }
        Ok(Keymap {
            bindings,
            keys,
            order,
        })
    }

    pub fn action(&self, ctx: Context, key: Key) -> Option<Action> {
        self.bindings.get(&(ctx, key)).copied()
    }

    /// The first key of an action, as shown in hints ("a", "ctrl-r").
    pub fn key_for(&self, ctx: Context, action: Action) -> Option<String> {
        self.keys
            .get(&(ctx, action))
            .and_then(|k| k.first())
            .map(Key::to_string)
    }

    /// Every action of a context with at least one key, in keymap-file order.
    pub fn actions(&self, ctx: Context) -> impl Iterator<Item = Action> + '_ {
        self.order
            .iter()
            .filter(move |(c, a)| *c == ctx && self.keys.contains_key(&(ctx, *a)))
            .map(|(_, a)| *a)
    }

    pub fn keys_for(&self, ctx: Context, action: Action) -> Vec<String> {
        self.keys
            .get(&(ctx, action))
            .map(|k| k.iter().map(Key::to_string).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_parses_and_dispatches() {
        let km = Keymap::parse(DEFAULT_KEYMAP, None).unwrap();
        assert_eq!(
            km.action(Context::Main, Key::parse("q").unwrap()),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(Context::Main, Key::parse("T").unwrap()),
            Some(Action::Test)
        );
        assert_eq!(km.key_for(Context::Main, Action::Add).as_deref(), Some("a"));
        assert_eq!(
            km.action(Context::Form, Key::parse("shift-tab").unwrap()),
            Some(Action::PrevField)
        );
    }

    #[test]
    fn user_keys_replace_an_action() {
        let km = Keymap::parse(DEFAULT_KEYMAP, Some("[main]\nquit = [\"ctrl-q\"]\n")).unwrap();
        assert_eq!(
            km.action(Context::Main, Key::parse("ctrl-q").unwrap()),
            Some(Action::Quit)
        );
        assert_eq!(km.action(Context::Main, Key::parse("q").unwrap()), None);
        assert!(Keymap::parse(DEFAULT_KEYMAP, Some("[main]\nfly = [\"x\"]\n")).is_err());
        assert!(Keymap::parse(DEFAULT_KEYMAP, Some("[main]\nquit = [\"ctrl-\"]\n")).is_err());
        assert!(
            Keymap::parse(DEFAULT_KEYMAP, Some("[main]\nquit = [\"a\"]\n"))
                .unwrap_err()
                .contains("bound to both")
        );
    }
}

//! `bitrise push`, the pure half: which pulled apps' assignments differ from what apple-conn last
//! told Bitrise (`[apps.bitrise] pushed_api_key`, `pushed_apple_id_user`). Bitrise does not report
//! these fields back, so "what was pushed" is the only thing to compare with.

use super::workspace::{App, Workspace};

/// One app whose assignment differs from what was pushed; `None` inside a change clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDiff {
    pub slug: String,
    pub title: Option<String>,
    /// The Bitrise account that owns the app (a workspace slug, or a user's).
    pub owner: String,
    pub owner_name: String,
    /// The API key name to assign (`Some(None)`: no key here any more).
    pub key: Option<Option<String>>,
    /// The member (e-mail) whose Apple ID to assign (`Some(None)`: clear it).
    pub user: Option<Option<String>>,
    /// What was pushed before, kept for what is not changed now.
    pub pushed_key: Option<String>,
    pub pushed_user: Option<String>,
}

/// The apps to look at: `only` (in that order), else every pulled app in workspace order.
/// An app never pulled (no `[apps.bitrise]`) or unknown is named in the error.
pub fn selected<'a>(ws: &'a Workspace, only: &[String]) -> Result<Vec<&'a App>, String> {
    if only.is_empty() {
        return Ok(ws.apps.iter().filter(|a| a.bitrise.is_some()).collect());
    }
    let mut out: Vec<&App> = Vec::new();
    for slug in only {
        let app = ws.app(slug).ok_or_else(|| {
            format!("--app {slug}: no such app in the workspace (pull it first: `apple-conn bitrise pull --app {slug}`)")
        })?;
        if app.bitrise.is_none() {
            return Err(format!(
                "--app {slug}: it was never pulled from Bitrise, so apple-conn does not know its Bitrise workspace: run `apple-conn bitrise pull --app {slug}`"
            ));
        }
        if !out.iter().any(|a| a.slug == app.slug) {
            out.push(app);
        }
    }
    Ok(out)
}

/// The member whose Apple ID an app uses here: the Apple ID connection's owner.
pub fn wanted_user(ws: &Workspace, app: &App) -> Option<String> {
    let aid = app.apple_id.as_deref()?;
    Some(
        ws.apple_id(aid)
            .map(|a| a.owner(ws).to_string())
            .unwrap_or_else(|| ws.you.clone()),
    )
}

/// What the Apps pane marks an app with, about Bitrise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushMark {
    /// Never pulled: apple-conn does not know it on Bitrise.
    NotOnBitrise,
    /// Pulled; nothing assigned here and nothing pushed.
    Pulled,
    /// What is assigned here is what apple-conn last pushed.
    Pushed,
    /// The assignment here differs from what was pushed (or was never pushed).
    Differs,
    /// Its API key is not known to be on Bitrise: a push uploads it first.
    KeyNotUploaded,
}

impl PushMark {
    /// One cell in the Apps pane.
    pub fn symbol(self) -> &'static str {
        match self {
            PushMark::NotOnBitrise => " ",
            PushMark::Pulled => "⇣",
            PushMark::Pushed => "⇡",
            PushMark::Differs => "≠",
            PushMark::KeyNotUploaded => "!",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            PushMark::NotOnBitrise => "not on Bitrise (never pulled)",
            PushMark::Pulled => "pulled from Bitrise, nothing assigned",
            PushMark::Pushed => "as pushed",
            PushMark::Differs => "differs from what was pushed (P pushes)",
            PushMark::KeyNotUploaded => "its API key is not uploaded to Bitrise (P uploads it)",
        }
    }
}

/// The app's mark; `key_on_bitrise` says whether its API key is known to be on Bitrise.
pub fn mark(ws: &Workspace, app: &App, key_on_bitrise: impl Fn(&str) -> bool) -> PushMark {
    if app.bitrise.is_none() {
        return PushMark::NotOnBitrise;
    }
    let (d, _) = diffs(ws, &[app]);
    match d.first() {
        None if app.bitrise.as_ref().is_some_and(|b| b.pushed_at.is_some()) => PushMark::Pushed,
        None => PushMark::Pulled,
        Some(_) => match app.api_key.as_deref().and_then(|k| ws.api_key(k)) {
            Some(k) if k.bitrise.is_none() && !key_on_bitrise(&k.key_id) => {
                PushMark::KeyNotUploaded
            }
            _ => PushMark::Differs,
        },
    }
}

/// The apps whose key or Apple ID user differs from what was pushed, and how many do not.
pub fn diffs(ws: &Workspace, apps: &[&App]) -> (Vec<AppDiff>, usize) {
    let mut out = Vec::new();
    let mut unchanged = 0;
    for app in apps {
        let b = app.bitrise.clone().unwrap_or_default();
        let want_key = app.api_key.clone();
        let want_user = wanted_user(ws, app);
        let key = (want_key != b.pushed_api_key).then_some(want_key);
        let same_user = match (&want_user, &b.pushed_apple_id_user) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        };
        let user = (!same_user).then_some(want_user);
        if key.is_none() && user.is_none() {
            unchanged += 1;
            continue;
        }
        out.push(AppDiff {
            slug: app.slug.clone(),
            title: app.title.clone(),
            owner: b.owner.clone().unwrap_or_default(),
            owner_name: b.owner_name.clone().unwrap_or_default(),
            key,
            user,
            pushed_key: b.pushed_api_key.clone(),
            pushed_user: b.pushed_apple_id_user.clone(),
        });
    }
    (out, unchanged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws(text: &str) -> Workspace {
        toml::from_str(text).unwrap()
    }

    const WS: &str = r#"
version = 1
you = "me@example.com"

[[apple_ids]]
apple_id = "bob@icloud.example"
owner = "bob@example.com"

[[apps]]
slug = "a1"
api_key = "CI"
apple_id = "bob@icloud.example"
[apps.bitrise]
owner = "org-acme"

[[apps]]
slug = "a2"
api_key = "CI"
[apps.bitrise]
owner = "org-acme"
pushed_api_key = "CI"

[[apps]]
slug = "a3"
[apps.bitrise]
owner = "org-acme"
pushed_apple_id_user = "Bob@Example.com"

[[apps]]
slug = "local-only"
api_key = "CI"
"#;

    #[test]
    fn only_pulled_apps_that_differ_from_what_was_pushed() {
        let w = ws(WS);
        let apps = selected(&w, &[]).unwrap();
        assert_eq!(apps.len(), 3);
        let (d, unchanged) = diffs(&w, &apps);
        assert_eq!(unchanged, 1);
        assert_eq!(d[0].slug, "a1");
        assert_eq!(d[0].key, Some(Some("CI".into())));
        assert_eq!(d[0].user, Some(Some("bob@example.com".into())));
        assert_eq!(d[1].slug, "a3");
        assert_eq!(d[1].key, None);
        assert_eq!(d[1].user, Some(None));
    }

    #[test]
    fn an_unknown_or_unpulled_app_is_named() {
        let w = ws(WS);
        assert!(
            selected(&w, &["nope".into()])
                .unwrap_err()
                .contains("no such app")
        );
        assert!(
            selected(&w, &["local-only".into()])
                .unwrap_err()
                .contains("never pulled")
        );
        assert_eq!(selected(&w, &["a2".into(), "a2".into()]).unwrap().len(), 1);
    }
}

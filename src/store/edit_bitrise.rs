//! The workspace edits of `bitrise login` and `bitrise pull`, in place (toml_edit): only the values
//! Bitrise decides are written; local choices (`api_key`, `apple_id`, `admins`, `owner`, `map`),
//! comments and layout stay as they are.

use chrono::{DateTime, Utc};
use toml_edit::{Array, DocumentMut, Item, Table, Value};

use super::edit::{array_of_tables, datetime_value, secret_ref_value, set_in_place};
use crate::domain::secret_ref::SecretRef;

/// `[settings.bitrise] user` and `token`; `api_url` (a trusted, hand-written choice) stays.
pub fn set_login(doc: &mut DocumentMut, user: &str, token: &SecretRef) -> Result<(), String> {
    let settings = sub_table(doc.as_table_mut(), "settings", true)?;
    let bitrise = sub_table(settings, "bitrise", false)?;
    set_in_place(bitrise, "user", Value::from(user));
    set_in_place(bitrise, "token", secret_ref_value(token));
    Ok(())
}

/// What `bitrise pull` learned about one app.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledApp {
    pub slug: String,
    pub title: Option<String>,
    pub owner: String,
    pub owner_name: String,
    pub public: bool,
    pub repo_url: Option<String>,
    pub pulled_at: DateTime<Utc>,
    /// `[apps.bitrise_yml]` to set; None leaves the app's own (a file kept in its repository).
    pub yml: Option<PulledYml>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PulledYml {
    pub path: String,
    pub workflows: Vec<String>,
    pub pipelines: Vec<String>,
}

/// Adds the app (owned by `you`) or updates its entry in place.
pub fn apply_pulled_app(doc: &mut DocumentMut, you: &str, app: &PulledApp) -> Result<(), String> {
    let apps = array_of_tables(doc, "apps")?;
    let found = apps
        .iter()
        .position(|t| t.get("slug").and_then(Item::as_str) == Some(app.slug.as_str()));
    let index = match found {
        Some(i) => i,
        None => {
            let mut t = Table::new();
            t.insert("slug", Item::Value(Value::from(app.slug.as_str())));
            // Bitrise's owner is an account, not a member: a new entry is yours.
            t.insert("owner", Item::Value(Value::from(you)));
            apps.push(t);
            apps.len() - 1
        }
    };
    let t = apps
        .get_mut(index)
        .ok_or_else(|| format!("app {} vanished from the document", app.slug))?;
    if let Some(title) = &app.title {
        set_in_place(t, "title", Value::from(title.as_str()));
    }
    {
        let b = sub_table(t, "bitrise", false)?;
        set_in_place(b, "owner", Value::from(app.owner.as_str()));
        set_in_place(b, "owner_name", Value::from(app.owner_name.as_str()));
        set_in_place(b, "public", Value::from(app.public));
        match &app.repo_url {
            Some(u) => set_in_place(b, "repo_url", Value::from(u.as_str())),
            None => {
                b.remove("repo_url");
            }
        }
        set_in_place(b, "pulled_at", datetime_value(app.pulled_at));
    }
    if let Some(y) = &app.yml {
        let by = sub_table(t, "bitrise_yml", false)?;
        set_in_place(by, "path", Value::from(y.path.as_str()));
        set_in_place(by, "workflows", Value::Array(strings(&y.workflows)));
        // `pipelines` replaces the older single `pipeline` spelling.
        by.remove("pipeline");
        if y.pipelines.is_empty() {
            by.remove("pipelines");
        } else {
            set_in_place(by, "pipelines", Value::Array(strings(&y.pipelines)));
        }
    }
    Ok(())
}

/// `[api_keys.bitrise] org, slug, uploaded_at` for the key with `key_id` (`uploaded_at` None: found
/// already there, so an older `uploaded_at` of the same workspace and slug stays).
pub fn set_key_bitrise(
    doc: &mut DocumentMut,
    key_id: &str,
    org: &str,
    slug: &str,
    uploaded_at: Option<DateTime<Utc>>,
) -> Result<(), String> {
    let keys = array_of_tables(doc, "api_keys")?;
    let t = keys
        .iter_mut()
        .find(|t| t.get("key_id").and_then(Item::as_str) == Some(key_id))
        .ok_or_else(|| format!("no API key with key_id = \"{key_id}\" in the workspace"))?;
    let b = sub_table(t, "bitrise", false)?;
    let same = b.get("org").and_then(Item::as_str) == Some(org)
        && b.get("slug").and_then(Item::as_str) == Some(slug);
    set_in_place(b, "org", Value::from(org));
    set_in_place(b, "slug", Value::from(slug));
    match uploaded_at {
        Some(at) => set_in_place(b, "uploaded_at", datetime_value(at)),
        None if !same => {
            b.remove("uploaded_at");
        }
        None => {}
    }
    Ok(())
}

/// What `bitrise push` told Bitrise about one app: `[apps.bitrise] pushed_api_key`,
/// `pushed_apple_id_user` (None removes the line) and `pushed_at`.
pub fn set_pushed(
    doc: &mut DocumentMut,
    slug: &str,
    api_key: Option<&str>,
    apple_id_user: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), String> {
    let apps = array_of_tables(doc, "apps")?;
    let t = apps
        .iter_mut()
        .find(|t| t.get("slug").and_then(Item::as_str) == Some(slug))
        .ok_or_else(|| format!("no app {slug} in the workspace"))?;
    let b = sub_table(t, "bitrise", false)?;
    for (field, value) in [
        ("pushed_api_key", api_key),
        ("pushed_apple_id_user", apple_id_user),
    ] {
        match value {
            Some(v) => set_in_place(b, field, Value::from(v)),
            None => {
                b.remove(field);
            }
        }
    }
    set_in_place(b, "pushed_at", datetime_value(at));
    Ok(())
}

fn strings(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

/// The table under `key` (made when missing; an inline table becomes a `[table]`).
fn sub_table<'a>(
    parent: &'a mut Table,
    key: &str,
    implicit: bool,
) -> Result<&'a mut Table, String> {
    if !parent.contains_key(key) {
        let mut t = Table::new();
        t.set_implicit(implicit);
        parent.insert(key, Item::Table(t));
    }
    let item = parent
        .get_mut(key)
        .ok_or_else(|| format!("`{key}` could not be made"))?;
    if let Item::Value(Value::InlineTable(inline)) = item {
        let table = std::mem::take(inline).into_table();
        *item = Item::Table(table);
    }
    item.as_table_mut()
        .ok_or_else(|| format!("`{key}` in the workspace is not a table: fix it by hand first"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "# team file\nversion = 1\nyou = \"me@example.com\"\n\n[[apps]]\nslug = \"ios\"  # the store app\ntitle = \"Old\"\nowner = \"boss@example.com\"\napi_key = \"CI\"  # chosen here\nadmins = [\"a@example.com\"]\n\n[apps.bitrise_yml]\npath = \"mine.yml\"\npipeline = \"old\"\n\n[apps.bitrise_yml.map]\n\"git::x\" = \"fastlane\"\n";

    fn pulled(slug: &str) -> PulledApp {
        PulledApp {
            slug: slug.into(),
            title: Some("Shop".into()),
            owner: "org-acme".into(),
            owner_name: "Acme".into(),
            public: true,
            repo_url: Some("https://github.com/acme/shop".into()),
            pulled_at: "2026-12-01T10:00:00Z".parse().unwrap(),
            yml: Some(PulledYml {
                path: format!("bitrise/{slug}.yml"),
                workflows: vec!["primary".into()],
                pipelines: vec!["release".into()],
            }),
        }
    }

    #[test]
    fn an_update_keeps_local_choices_and_comments() {
        let mut doc: DocumentMut = WS.parse().unwrap();
        apply_pulled_app(&mut doc, "me@example.com", &pulled("ios")).unwrap();
        let text = doc.to_string();
        for kept in [
            "# team file",
            "slug = \"ios\"  # the store app",
            "owner = \"boss@example.com\"",
            "api_key = \"CI\"  # chosen here",
            "admins = [\"a@example.com\"]",
            "\"git::x\" = \"fastlane\"",
        ] {
            assert!(text.contains(kept), "{kept} lost:\n{text}");
        }
        assert!(text.contains("title = \"Shop\""), "{text}");
        assert!(
            text.contains("pipelines = [\"release\"]") && !text.contains("pipeline = \"old\""),
            "{text}"
        );
        let ws: crate::domain::workspace::Workspace = toml::from_str(&text).unwrap();
        let app = ws.app("ios").unwrap();
        let b = app.bitrise.as_ref().unwrap();
        assert_eq!((b.owner.as_deref(), b.public), (Some("org-acme"), true));
        assert_eq!(app.bitrise_yml.as_ref().unwrap().path, "bitrise/ios.yml");
        assert_eq!(app.bitrise_yml.as_ref().unwrap().map.len(), 1);
    }

    #[test]
    fn a_new_app_is_yours_and_a_second_pull_changes_only_the_time() {
        let mut doc: DocumentMut = WS.parse().unwrap();
        apply_pulled_app(&mut doc, "me@example.com", &pulled("android")).unwrap();
        let once = doc.to_string();
        let ws: crate::domain::workspace::Workspace = toml::from_str(&once).unwrap();
        assert_eq!(ws.app("android").unwrap().owner(&ws), "me@example.com");
        let mut again = pulled("android");
        again.pulled_at = "2026-12-02T10:00:00Z".parse().unwrap();
        apply_pulled_app(&mut doc, "me@example.com", &again).unwrap();
        assert_eq!(
            doc.to_string(),
            once.replace("2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z")
        );
    }

    #[test]
    fn login_writes_only_user_and_token() {
        let mut doc: DocumentMut = "version = 1\nyou = \"me@example.com\"\n\n[settings.bitrise]\napi_url = \"http://127.0.0.1:9/v0.1\" # mine\n".parse().unwrap();
        set_login(&mut doc, "u-1", &SecretRef::Keyring).unwrap();
        let text = doc.to_string();
        assert!(
            text.contains("api_url = \"http://127.0.0.1:9/v0.1\" # mine"),
            "{text}"
        );
        assert!(
            text.contains("user = \"u-1\"") && text.contains("token = { keyring = true }"),
            "{text}"
        );
    }
}

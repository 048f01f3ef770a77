//! Changes to the workspace document that keep the user's comments and layout (toml_edit).

use chrono::{DateTime, Utc};
use toml_edit::{ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value, value};

use crate::domain::secret_ref::{SecretRef, TomlScalar};
use crate::domain::workspace::{ApiKey, App, AppleId, Team};

pub(crate) fn secret_ref_value(r: &SecretRef) -> Value {
    let mut t = InlineTable::new();
    let (k, v) = r.toml_key_value();
    match v {
        TomlScalar::Bool(b) => t.insert(k, Value::from(b)),
        TomlScalar::Str(s) => t.insert(k, Value::from(s)),
        TomlScalar::Owned(s) => t.insert(k, Value::from(s)),
    };
    Value::InlineTable(t)
}

pub(crate) fn datetime_value(t: DateTime<Utc>) -> Value {
    let text = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match text.parse::<toml_edit::Datetime>() {
        Ok(dt) => Value::from(dt),
        Err(_) => Value::from(text),
    }
}

pub(crate) fn array_of_tables<'a>(
    doc: &'a mut DocumentMut,
    key: &str,
) -> Result<&'a mut ArrayOfTables, String> {
    if !doc.contains_key(key) {
        doc.insert(key, Item::ArrayOfTables(ArrayOfTables::new()));
    }
    doc.get_mut(key)
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| {
            format!(
                "`{key}` in the workspace is not written as [[{key}]] tables: fix it by hand first"
            )
        })
}

fn find_table<'a>(
    doc: &'a mut DocumentMut,
    key: &str,
    field: &str,
    wanted: &str,
) -> Result<&'a mut Table, String> {
    array_of_tables(doc, key)?
        .iter_mut()
        .find(|t| t.get(field).and_then(Item::as_str) == Some(wanted))
        .ok_or_else(|| format!("no {key} entry with {field} = \"{wanted}\""))
}

/// Sets one value in place: unchanged values are not touched, a changed one keeps its comment and spacing.
pub(crate) fn set_in_place(t: &mut Table, key: &str, new: Value) {
    match t.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) if old.to_string().trim() == new.to_string().trim() => {}
        Some(old) => {
            let decor = old.decor().clone();
            *old = new;
            *old.decor_mut() = decor;
        }
        None => {
            t.insert(key, Item::Value(new));
        }
    }
}

/// Edits an API key's name, issuer ID and Enterprise flag; a rename follows into the apps that use it.
/// Only changed values are written: comments and explicit default lines (`enterprise = false`) stay.
pub fn edit_api_key(
    doc: &mut DocumentMut,
    name: &str,
    new_name: &str,
    issuer_id: Option<&str>,
    enterprise: bool,
) -> Result<(), String> {
    let t = find_table(doc, "api_keys", "name", name)?;
    set_in_place(t, "name", Value::from(new_name));
    match issuer_id {
        Some(i) => set_in_place(t, "issuer_id", Value::from(i)),
        None => {
            t.remove("issuer_id");
        }
    }
    if enterprise || t.contains_key("enterprise") {
        set_in_place(t, "enterprise", Value::from(enterprise));
    }
    if new_name != name
        && let Some(apps) = doc.get_mut("apps").and_then(Item::as_array_of_tables_mut)
    {
        for app in apps.iter_mut() {
            if app.get("api_key").and_then(Item::as_str) == Some(name) {
                set_in_place(app, "api_key", Value::from(new_name));
            }
        }
    }
    Ok(())
}

pub fn add_api_key(doc: &mut DocumentMut, key: &ApiKey) -> Result<(), String> {
    let mut t = Table::new();
    t.insert("name", value(key.name.as_str()));
    t.insert("key_id", value(key.key_id.as_str()));
    if let Some(issuer) = &key.issuer_id {
        t.insert("issuer_id", value(issuer.as_str()));
    }
    t.insert("kind", value(key.kind.as_str()));
    if key.enterprise {
        t.insert("enterprise", value(true));
    }
    if let Some(owner) = &key.owner {
        t.insert("owner", value(owner.as_str()));
    }
    t.insert(
        "private_key",
        Item::Value(secret_ref_value(&key.private_key)),
    );
    // Computed once at import: the list shows this very value.
    if let Some(fp) = &key.fingerprint {
        t.insert("fingerprint", value(fp.as_str()));
    }
    array_of_tables(doc, "api_keys")?.push(t);
    Ok(())
}

pub fn add_apple_id(doc: &mut DocumentMut, aid: &AppleId) -> Result<(), String> {
    let mut t = Table::new();
    t.insert("apple_id", value(aid.apple_id.as_str()));
    if let Some(owner) = &aid.owner {
        t.insert("owner", value(owner.as_str()));
    }
    t.insert("password", Item::Value(secret_ref_value(&aid.password)));
    if let Some(asp) = &aid.app_specific_password {
        t.insert("app_specific_password", Item::Value(secret_ref_value(asp)));
    }
    if let Some(session) = &aid.session {
        t.insert("session", Item::Value(secret_ref_value(session)));
    }
    array_of_tables(doc, "apple_ids")?.push(t);
    set_session_fields(
        doc,
        &aid.apple_id,
        aid.authenticated_at,
        aid.session_expires_at,
        &aid.teams,
    )
}

/// Records a successful sign-in: when, until when, and the account's teams.
pub fn set_session_fields(
    doc: &mut DocumentMut,
    apple_id: &str,
    authenticated_at: Option<DateTime<Utc>>,
    session_expires_at: Option<DateTime<Utc>>,
    teams: &[Team],
) -> Result<(), String> {
    let t = find_table(doc, "apple_ids", "apple_id", apple_id)?;
    match authenticated_at {
        Some(at) => t.insert("authenticated_at", Item::Value(datetime_value(at))),
        None => t.remove("authenticated_at"),
    };
    match session_expires_at {
        Some(at) => t.insert("session_expires_at", Item::Value(datetime_value(at))),
        None => t.remove("session_expires_at"),
    };
    if teams.is_empty() {
        t.remove("teams");
    } else {
        let mut arr = toml_edit::Array::new();
        for team in teams {
            let mut it = InlineTable::new();
            it.insert("id", Value::from(team.id.as_str()));
            it.insert("name", Value::from(team.name.as_str()));
            arr.push(Value::InlineTable(it));
        }
        t.insert("teams", value(arr));
    }
    Ok(())
}

pub fn set_apple_id_ref(
    doc: &mut DocumentMut,
    apple_id: &str,
    field: &str,
    r: Option<&SecretRef>,
) -> Result<(), String> {
    let t = find_table(doc, "apple_ids", "apple_id", apple_id)?;
    match r {
        Some(r) => t.insert(field, Item::Value(secret_ref_value(r))),
        None => t.remove(field),
    };
    Ok(())
}

/// Points an API key's `private_key` somewhere else (`secrets move`).
pub fn set_api_key_ref(doc: &mut DocumentMut, key_id: &str, r: &SecretRef) -> Result<(), String> {
    let t = find_table(doc, "api_keys", "key_id", key_id)?;
    t.insert("private_key", Item::Value(secret_ref_value(r)));
    Ok(())
}

/// Sets or clears an app's `api_key` / `apple_id` assignment.
pub fn assign(
    doc: &mut DocumentMut,
    slug: &str,
    field: &str,
    to: Option<&str>,
) -> Result<(), String> {
    let t = find_table(doc, "apps", "slug", slug)?;
    match to {
        Some(v) => set_in_place(t, field, Value::from(v)),
        None => {
            t.remove(field);
        }
    }
    Ok(())
}

/// Removes a connection and clears it from every app; returns the apps that used it.
pub fn remove_connection(
    doc: &mut DocumentMut,
    kind: ConnectionKind,
    id: &str,
) -> Result<Vec<String>, String> {
    let (table, field, app_field) = match kind {
        ConnectionKind::ApiKey => ("api_keys", "name", "api_key"),
        ConnectionKind::AppleId => ("apple_ids", "apple_id", "apple_id"),
    };
    let tables = array_of_tables(doc, table)?;
    let index = tables
        .iter()
        .position(|t| t.get(field).and_then(Item::as_str) == Some(id))
        .ok_or_else(|| format!("no {table} entry with {field} = \"{id}\""))?;
    tables.remove(index);
    if tables.is_empty() {
        doc.remove(table);
    }
    let mut cleared = Vec::new();
    if let Some(apps) = doc.get_mut("apps").and_then(Item::as_array_of_tables_mut) {
        for app in apps.iter_mut() {
            if app.get(app_field).and_then(Item::as_str) == Some(id) {
                app.remove(app_field);
                if let Some(slug) = app.get("slug").and_then(Item::as_str) {
                    cleared.push(slug.to_string());
                }
            }
        }
    }
    Ok(cleared)
}

/// Appends a new `[[apps]]` table (after the others: comments and entries stay as they are).
pub fn add_app(doc: &mut DocumentMut, app: &App) -> Result<(), String> {
    let mut t = Table::new();
    t.insert("slug", value(app.slug.as_str()));
    if let Some(title) = &app.title {
        t.insert("title", value(title.as_str()));
    }
    if let Some(owner) = &app.owner {
        t.insert("owner", value(owner.as_str()));
    }
    if !app.admins.is_empty() {
        let admins: toml_edit::Array = app.admins.iter().map(String::as_str).collect();
        t.insert("admins", value(admins));
    }
    if let Some(k) = &app.api_key {
        t.insert("api_key", value(k.as_str()));
    }
    if let Some(a) = &app.apple_id {
        t.insert("apple_id", value(a.as_str()));
    }
    if let Some(b) = &app.bitrise_yml {
        let mut yml = Table::new();
        yml.insert("path", value(b.path.as_str()));
        if !b.workflows.is_empty() {
            let w: toml_edit::Array = b.workflows.iter().map(String::as_str).collect();
            yml.insert("workflows", value(w));
        }
        if let Some(p) = &b.pipeline {
            yml.insert("pipeline", value(p.as_str()));
        }
        if let Some(r) = &b.root {
            yml.insert("root", value(r.as_str()));
        }
        if !b.repositories.is_empty() {
            let mut repos = InlineTable::new();
            for (url, dir) in &b.repositories {
                repos.insert(url, Value::from(dir.as_str()));
            }
            yml.insert("repositories", value(repos));
        }
        t.insert("bitrise_yml", Item::Table(yml));
    }
    array_of_tables(doc, "apps")?.push(t);
    Ok(())
}

/// Removes one `[[apps]]` table with everything under it (its steps, its bitrise_yml).
pub fn remove_app(doc: &mut DocumentMut, slug: &str) -> Result<(), String> {
    let tables = array_of_tables(doc, "apps")?;
    let index = tables
        .iter()
        .position(|t| t.get("slug").and_then(Item::as_str) == Some(slug))
        .ok_or_else(|| format!("no apps entry with slug = \"{slug}\""))?;
    tables.remove(index);
    if tables.is_empty() {
        doc.remove("apps");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    ApiKey,
    AppleId,
}

/// Sets (or with None, removes) one input of one step of an app.
pub fn set_step_input(
    doc: &mut DocumentMut,
    slug: &str,
    step_index: usize,
    input: &str,
    to: Option<&str>,
) -> Result<(), String> {
    let app = find_table(doc, "apps", "slug", slug)?;
    let steps = app
        .get_mut("steps")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| format!("app {slug} has no [[apps.steps]]"))?;
    let step = steps
        .get_mut(step_index)
        .ok_or_else(|| format!("app {slug} has no step #{step_index}"))?;
    if !step.contains_key("inputs") {
        let mut inputs = Table::new();
        inputs.set_implicit(false);
        step.insert("inputs", Item::Table(inputs));
    }
    let inputs = step
        .get_mut("inputs")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| "the step's inputs are not a table".to_string())?;
    match to {
        Some(v) => {
            inputs.insert(input, value(v));
        }
        None => {
            inputs.remove(input);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMENTED: &str = r#"# my workspace
version = 1
you = "a@example.com"

[[api_keys]]
# the release key
name = "Release"   # shown in the TUI
key_id = "ABCDE12345"
issuer_id = "57246542-96fe-1a63-e053-0824d011072a"  # from ASC
enterprise = false  # not an Enterprise Program key

[[apps]]
slug = "ios"  # the app
api_key = "Release"  # assigned
"#;

    #[test]
    fn a_rename_touches_only_the_names() {
        let mut doc: DocumentMut = COMMENTED.parse().unwrap();
        edit_api_key(
            &mut doc,
            "Release",
            "Store",
            Some("57246542-96fe-1a63-e053-0824d011072a"),
            false,
        )
        .unwrap();
        let expected = COMMENTED
            .replace("name = \"Release\"   # shown", "name = \"Store\"   # shown")
            .replace(
                "api_key = \"Release\"  # assigned",
                "api_key = \"Store\"  # assigned",
            );
        assert_eq!(doc.to_string(), expected);
    }

    #[test]
    fn an_unchanged_edit_changes_nothing() {
        let mut doc: DocumentMut = COMMENTED.parse().unwrap();
        edit_api_key(
            &mut doc,
            "Release",
            "Release",
            Some("57246542-96fe-1a63-e053-0824d011072a"),
            false,
        )
        .unwrap();
        assert_eq!(doc.to_string(), COMMENTED);
    }
}

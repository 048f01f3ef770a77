//! `apple-conn list`: the workspace's connections and apps with kinds, owners, where each secret
//! lives (never its value) and the assignments. Reads no secret and no clock.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use super::CmdResult;
use crate::cli::{ListArgs, ListWhat, TableJson};
use crate::domain::workspace::{App, Workspace};
use crate::store::Loaded;

pub fn run(loaded: &Loaded, args: &ListArgs) -> CmdResult {
    let ws = &loaded.workspace;
    let connections = args.what != Some(ListWhat::Apps);
    let apps = args.what != Some(ListWhat::Connections);
    match args.format {
        TableJson::Json => {
            let doc = ListJson {
                schema_version: crate::domain::schema_version::SchemaVersion,
                workspace: loaded.path.display().to_string(),
                connections: connections.then(|| connections_json(ws)),
                apps: apps.then(|| ws.apps.iter().map(|a| app_json(ws, a)).collect()),
            };
            println!("{}", serde_json::to_string(&doc).unwrap_or_default());
        }
        TableJson::Table => {
            let mut out = String::new();
            if connections {
                connections_table(ws, &mut out);
            }
            if apps {
                if connections {
                    out.push('\n');
                }
                apps_table(ws, &mut out);
            }
            print!("{}", crate::terminal_text::clean(&out));
        }
    }
    // The table says "none yet" with the command itself: no second hint on stderr.
    Ok(0)
}

/// `list --format json`: `connections` and `apps` only when listed (`list apps`, `list connections`).
#[derive(Serialize, JsonSchema)]
pub struct ListJson<'a> {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    /// The workspace file.
    pub workspace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<Vec<ConnectionJson<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apps: Option<Vec<ListAppJson<'a>>>,
}

#[derive(Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConnectionJson<'a> {
    ApiKey {
        name: &'a str,
        key_id: &'a str,
        issuer_id: Option<&'a str>,
        key_kind: crate::domain::workspace::KeyKind,
        enterprise: bool,
        owner: &'a str,
        fingerprint: Option<&'a str>,
        /// Where the private key lives (`keyring`, `env:VAR`, `file:PATH`, `vault`...), never its value.
        stores: KeyStores,
        apps: Vec<&'a str>,
    },
    AppleId {
        name: &'a str,
        owner: &'a str,
        authenticated_at: Option<String>,
        session_expires_at: Option<String>,
        teams: Vec<TeamJson<'a>>,
        stores: AppleIdStores,
        apps: Vec<&'a str>,
    },
}

#[derive(Serialize, JsonSchema)]
pub struct KeyStores {
    pub private_key: String,
}

#[derive(Serialize, JsonSchema)]
pub struct AppleIdStores {
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_specific_password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

#[derive(Serialize, JsonSchema)]
pub struct TeamJson<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

#[derive(Serialize, JsonSchema)]
pub struct ListAppJson<'a> {
    pub slug: &'a str,
    pub title: Option<&'a str>,
    pub owner: &'a str,
    pub admins: &'a [String],
    pub api_key: Option<&'a str>,
    pub apple_id: Option<&'a str>,
    pub steps: ListSteps<'a>,
}

/// Where an app's steps come from: its bitrise.yml, or `[[apps.steps]]` (their count).
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ListSteps<'a> {
    File {
        bitrise_yml: &'a str,
        workflows: &'a [String],
        pipeline: Option<&'a str>,
    },
    Workspace {
        count: usize,
    },
}

fn connections_json(ws: &Workspace) -> Vec<ConnectionJson<'_>> {
    let keys = ws.api_keys.iter().map(|k| ConnectionJson::ApiKey {
        name: &k.name,
        key_id: &k.key_id,
        issuer_id: k.issuer_id.as_deref(),
        key_kind: k.kind,
        enterprise: k.enterprise,
        owner: k.owner(ws),
        fingerprint: k.fingerprint.as_deref(),
        stores: KeyStores {
            private_key: k.private_key.short(),
        },
        apps: ws.apps_using_api_key(&k.name),
    });
    let aids = ws.apple_ids.iter().map(|a| ConnectionJson::AppleId {
        name: &a.apple_id,
        owner: a.owner(ws),
        authenticated_at: a.authenticated_at.map(super::rfc3339),
        session_expires_at: a.session_expires_at().map(super::rfc3339),
        teams: a
            .teams
            .iter()
            .map(|t| TeamJson {
                id: &t.id,
                name: &t.name,
            })
            .collect(),
        stores: AppleIdStores {
            password: a.password.short(),
            app_specific_password: a.app_specific_password.as_ref().map(|r| r.short()),
            session: a
                .has_session()
                .then(|| a.session.clone().unwrap_or_default().short()),
        },
        apps: ws.apps_using_apple_id(&a.apple_id),
    });
    keys.chain(aids).collect()
}

fn app_json<'a>(ws: &'a Workspace, app: &'a App) -> ListAppJson<'a> {
    let steps = match &app.bitrise_yml {
        Some(b) => ListSteps::File {
            bitrise_yml: &b.path,
            workflows: &b.workflows,
            pipeline: b.pipeline.as_deref(),
        },
        None => ListSteps::Workspace {
            count: app.steps.len(),
        },
    };
    ListAppJson {
        slug: &app.slug,
        title: app.title.as_deref(),
        owner: app.owner(ws),
        admins: &app.admins,
        api_key: app.api_key.as_deref(),
        apple_id: app.apple_id.as_deref(),
        steps,
    }
}

/// Rows under headers, each column as wide as its widest cell; when that is wider than 80
/// columns the last column goes under its row instead (wrapped).
fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let widths = |n: usize| -> Vec<usize> {
        let mut w: Vec<usize> = headers[..n].iter().map(|h| h.chars().count()).collect();
        for row in rows {
            for (w, cell) in w.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        w
    };
    let all = headers.len();
    let full = widths(all);
    // One leading space plus each cell and its two spaces.
    let fits = full.iter().map(|w| w + 2).sum::<usize>() < super::fit::COLUMNS;
    let shown = if fits { all } else { all - 1 };
    let w = widths(shown);
    let line = |cells: &[String]| {
        let mut s = String::from(" ");
        for (cell, w) in cells.iter().zip(&w) {
            let _ = write!(s, " {cell:<w$} ");
        }
        s.trim_end().to_string()
    };
    let heads: Vec<String> = headers[..shown].iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&heads));
    for row in rows {
        let _ = writeln!(out, "{}", line(&row[..shown]));
        if !fits {
            let last = format!("{}: {}", headers[all - 1].to_lowercase(), row[all - 1]);
            for l in super::fit::wrap(&last, super::fit::COLUMNS, "      ", "        ") {
                let _ = writeln!(out, "{l}");
            }
        }
    }
}

fn or_dash(v: &[&str]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}

fn connections_table(ws: &Workspace, out: &mut String) {
    let n = ws.api_keys.len() + ws.apple_ids.len();
    let _ = writeln!(out, "connections ({n})");
    if n == 0 {
        let _ = writeln!(
            out,
            "  none yet: `apple-conn add api-key` or `apple-conn add apple-id`"
        );
        return;
    }
    let mut rows = Vec::new();
    for k in &ws.api_keys {
        let kind = match (k.kind.as_str(), k.enterprise) {
            (kind, true) => format!("{kind} key, enterprise"),
            (kind, false) => format!("{kind} key"),
        };
        rows.push(vec![
            k.identity(),
            kind,
            k.owner(ws).to_string(),
            k.private_key.short(),
            or_dash(&ws.apps_using_api_key(&k.name)),
        ]);
    }
    for a in &ws.apple_ids {
        let mut store = a.password.short();
        if let Some(r) = &a.app_specific_password
            && r.short() != store
        {
            let _ = write!(store, ", app-specific {}", r.short());
        }
        rows.push(vec![
            a.apple_id.clone(),
            "Apple ID".into(),
            a.owner(ws).to_string(),
            store,
            or_dash(&ws.apps_using_apple_id(&a.apple_id)),
        ]);
    }
    table(out, &["NAME", "KIND", "OWNER", "STORE", "APPS"], &rows);
}

fn apps_table(ws: &Workspace, out: &mut String) {
    let _ = writeln!(out, "apps ({})", ws.apps.len());
    if ws.apps.is_empty() {
        let _ = writeln!(out, "  none yet: `apple-conn add app SLUG`");
        return;
    }
    let rows: Vec<Vec<String>> = ws
        .apps
        .iter()
        .map(|app| {
            let steps = match &app.bitrise_yml {
                Some(b) => format!(
                    "{} ({})",
                    b.path,
                    crate::bitrise::run::describe(&crate::bitrise::run::configured(b))
                ),
                None => format!("{} step(s)", app.steps.len()),
            };
            vec![
                app.slug.clone(),
                app.title.clone().unwrap_or_else(|| "-".into()),
                app.owner(ws).to_string(),
                app.api_key.clone().unwrap_or_else(|| "-".into()),
                app.apple_id.clone().unwrap_or_else(|| "-".into()),
                steps,
            ]
        })
        .collect();
    table(
        out,
        &["SLUG", "TITLE", "OWNER", "API KEY", "APPLE ID", "STEPS"],
        &rows,
    );
}

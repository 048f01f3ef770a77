//! `export fastlane` and `env`: what a real build consumes.

use std::io::IsTerminal;

use super::connections::read_key_pem;
use super::tokens::find_key;
use super::{CmdResult, Failure};
use crate::cli::{EnvArgs, ExportFastlaneArgs, ShellJson};
use crate::domain::resolution::{Received, SecretOwner, SecretWhat};
use crate::domain::resolve::resolve;
use crate::secrets::references::write_private;
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets};
use crate::store::Loaded;

pub fn fastlane(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    args: &ExportFastlaneArgs,
) -> CmdResult {
    let key = find_key(loaded, &args.name)?;
    let pem = read_key_pem(&loaded.path, keyring, key)?;
    let mut doc = serde_json::Map::new();
    doc.insert("key_id".into(), key.key_id.clone().into());
    if let Some(issuer) = &key.issuer_id {
        doc.insert("issuer_id".into(), issuer.clone().into());
    }
    doc.insert("key".into(), pem.expose().into());
    doc.insert("duration".into(), crate::asc::jwt::MAX_TTL.into());
    doc.insert("in_house".into(), key.enterprise.into());
    let text = SecretValue::new(serde_json::Value::Object(doc).to_string());
    match &args.output {
        Some(path) => {
            write_private(path, format!("{}\n", text.expose()).as_bytes())
                .map_err(|e| Failure::new(1, format!("cannot write {}: {e}", path.display())))?;
            eprintln!(
                "wrote {}{}: pass it to fastlane as api_key_path",
                path.display(),
                crate::store::files::PRIVATE_MODE
            );
        }
        None => super::raw_out(&format!("{}\n", text.expose())), // raw: the API key JSON
    }
    Ok(0)
}

/// The secret behind a received value, for `env --reveal`.
pub fn reveal(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    what: SecretWhat,
    of: &SecretOwner,
) -> Result<SecretValue, Failure> {
    let ws = &loaded.workspace;
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    match of {
        SecretOwner::ApiKey(name) => {
            let key = find_key(loaded, name)?;
            read_key_pem(&loaded.path, keyring, key)
        }
        SecretOwner::AppleId(apple_id) => {
            let aid = ws
                .apple_id(apple_id)
                .ok_or_else(|| Failure::new(1, format!("no Apple ID connection {apple_id}")))?;
            let fail = |e: crate::secrets::SecretError| Failure::new(1, format!("{apple_id}: {e}"));
            match what {
                SecretWhat::Password => secrets
                    .get(&aid.password, &EntryName::password(apple_id))
                    .map_err(fail),
                SecretWhat::AppSpecificPassword => {
                    let r = aid.app_specific_password.clone().unwrap_or_default();
                    secrets
                        .get(&r, &EntryName::app_specific_password(apple_id))
                        .map_err(fail)
                }
                SecretWhat::Session | SecretWhat::SessionAllCookies => {
                    let stored = secrets
                        .get(
                            &aid.session.clone().unwrap_or_default(),
                            &EntryName::session(apple_id),
                        )
                        .map_err(fail)?;
                    let all = what == SecretWhat::SessionAllCookies;
                    crate::ops::session::fastlane_session_from_stored(&stored, all)
                        .map_err(|e| Failure::new(1, format!("{apple_id}: {e}")))
                }
                SecretWhat::PrivateKey => Err(Failure::new(1, "an Apple ID has no private key")),
            }
        }
        SecretOwner::Input(name) => Err(Failure::new(
            1,
            format!("the {name} input holds a literal secret in the workspace: move it to a $VAR"),
        )),
    }
}

pub fn env(loaded: &Loaded, keyring: &dyn SecretStore, args: &EnvArgs) -> CmdResult {
    let now = super::now(&args.now)?;
    let ws = &loaded.workspace;
    let app = ws
        .app(&args.app)
        .ok_or_else(|| Failure::new(1, ws.no_app(&args.app)))?;
    let env = args.environment.environment();
    // Every step the preview reads: the workspace's own, or the bitrise.yml's in run order.
    let steps: Vec<(
        String,
        Option<FileStep>,
        crate::domain::resolution::Resolution,
    )> = if app.bitrise_yml.is_some() {
        super::bitrise::app_file_steps(loaded, app, env, now)?
            .into_iter()
            .enumerate()
            .map(|(index, (e, id, r))| {
                let at = FileStep {
                    index,
                    workflow: e.workflow,
                    reference: e.reference,
                    line: e.line,
                };
                (id, Some(at), r)
            })
            .collect()
    } else {
        app.steps
            .iter()
            .map(|s| {
                let r = resolve(ws, &loaded.catalog, app, s, env, now);
                (s.id.clone(), None, r)
            })
            .collect()
    };
    let file = app.bitrise_yml.as_ref().map(|b| {
        crate::bitrise::run::file_path(&loaded.path, b)
            .display()
            .to_string()
    });
    let Some((_, at, r)) = steps
        .iter()
        .filter(|(id, _, _)| id == &args.step)
        .nth(args.occurrence)
    else {
        let ids: Vec<String> = steps
            .iter()
            .map(|(id, at, _)| match at {
                Some(at) => format!("{id} (#{} line {})", at.index, at.line),
                None => id.clone(),
            })
            .collect();
        return Err(Failure::new(
            1,
            format!(
                "app {} has no step `{}`{}: {}",
                app.slug,
                args.step,
                if args.occurrence > 0 {
                    format!(" (occurrence {})", args.occurrence)
                } else {
                    String::new()
                },
                if ids.is_empty() {
                    "it has no steps yet".to_string()
                } else {
                    format!("its steps are {}", ids.join(", "))
                }
            ),
        ));
    };
    if args.reveal && std::io::stdout().is_terminal() && !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::new(
                1,
                "--reveal to a terminal asks first; pass --yes to skip the question",
            ));
        }
        eprint!(
            "Print the secret values of {} / {} on this terminal? [y/N] ",
            app.slug, args.step
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::new(1, "nothing printed"));
        }
    }
    let mut rows: Vec<(String, Option<String>)> = Vec::new();
    for (name, value) in &r.receives {
        let text = match value {
            Received::Secret { what, of } if args.reveal => {
                Some(reveal(loaded, keyring, *what, of)?.expose().to_string())
            }
            Received::Unset => None,
            other => Some(other.redacted()),
        };
        rows.push((name.clone(), text));
    }
    match args.format {
        ShellJson::Json => {
            let receives: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.clone()
                            .map(serde_json::Value::String)
                            .unwrap_or(serde_json::Value::Null),
                    )
                })
                .collect();
            let mut doc = serde_json::json!({
                "app": app.slug,
                "step": args.step,
                "outcome": r.outcome.as_str(),
                "auth": r.auth.map(|a| a.as_str()),
                "source": r.origin.map(|o| o.as_str()),
                "identity": r.identity,
                "receives": receives,
                "messages": r.messages(),
            });
            if let (Some(at), Some(map)) = (at, doc.as_object_mut()) {
                map.insert("index".into(), at.index.into());
                map.insert("workflow".into(), at.workflow.clone().into());
                map.insert("ref".into(), at.reference.clone().into());
                map.insert("file".into(), file.clone().unwrap_or_default().into());
                map.insert("line".into(), at.line.into());
            }
            super::raw_out(&format!("{doc}\n")); // raw: JSON
        }
        ShellJson::Shell => {
            // Generated line by line: every text from the workspace is a quoted word or a comment.
            let mut script = crate::shell_script::Script::new();
            script.comment(&format!(
                "{} / {}: {} ({})",
                app.slug,
                args.step,
                r.outcome.as_str(),
                r.reason()
            ));
            if let Some(at) = at {
                script.comment(&format!(
                    "step #{} of {}, workflow {}: {} at {}:{}",
                    at.index,
                    app.slug,
                    at.workflow,
                    at.reference,
                    file.clone().unwrap_or_default(),
                    at.line
                ));
            }
            for (name, value) in rows {
                let is_env = crate::shell_script::is_name(&name)
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                match (is_env, value) {
                    (true, Some(v)) => script.export(&name, &v),
                    (true, None) => script.unset(&name),
                    (false, Some(v)) if v.is_empty() => {
                        script.comment(&format!("argument: {name}"))
                    }
                    (false, Some(v)) => script.comment(&format!(
                        "argument: {name} {}",
                        if v.contains('\n') {
                            "<multi-line value>".to_string()
                        } else {
                            v
                        }
                    )),
                    (false, None) => script.comment(&format!("{name}: unset")),
                }
            }
            super::raw_out(&script.finish()); // raw: shell code, quoted by shell_script
        }
    }
    Ok(0)
}

/// Where a bitrise.yml app's step is: its place in the run and in the file.
struct FileStep {
    index: usize,
    workflow: String,
    reference: String,
    line: usize,
}

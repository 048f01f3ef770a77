//! `export fastlane` and `env`: what a real build consumes.

use std::io::IsTerminal;

use super::connections::read_key_pem;
use super::tokens::find_key;
use super::{CmdResult, Failure};
use crate::cli::{EnvArgs, ExportFastlaneArgs, ShellJson};
use crate::domain::resolution::{KeyFileFormat, Received, SecretOwner, SecretWhat};
use crate::domain::resolve::resolve;
use crate::domain::shell_env::{self, Verdict};
use crate::secrets::references::write_private;
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets};
use crate::store::Loaded;

pub fn fastlane(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    args: &ExportFastlaneArgs,
) -> CmdResult {
    let key = find_key(loaded, &args.name)?;
    let text = api_key_json(loaded, keyring, key)?;
    match &args.output {
        Some(path) => {
            write_private(
                path,
                zeroize::Zeroizing::new(format!("{}\n", text.expose())).as_bytes(),
            )
            .map_err(|e| Failure::new(1, format!("cannot write {}: {e}", path.display())))?;
            eprintln!(
                "wrote {}{}: pass it to fastlane as api_key_path",
                path.display(),
                crate::store::files::PRIVATE_MODE
            );
        }
        None => super::raw_out(&zeroize::Zeroizing::new(format!("{}\n", text.expose()))), // raw: the API key JSON
    }
    Ok(0)
}

/// The API key JSON fastlane reads as `api_key_path` (key_id, issuer_id, key, duration,
/// in_house), as the steps write it from the connection's key.
fn api_key_json(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    key: &crate::domain::workspace::ApiKey,
) -> Result<SecretValue, Failure> {
    let pem = read_key_pem(&loaded.path, keyring, key)?;
    let mut doc = serde_json::Map::new();
    doc.insert("key_id".into(), key.key_id.clone().into());
    if let Some(issuer) = &key.issuer_id {
        doc.insert("issuer_id".into(), issuer.clone().into());
    }
    doc.insert("key".into(), pem.expose().into());
    doc.insert("duration".into(), crate::asc::jwt::MAX_TTL.into());
    doc.insert("in_house".into(), key.enterprise.into());
    // The document holds the key: its text and its parts are wiped (issue 33).
    let mut doc = serde_json::Value::Object(doc);
    let text = SecretValue::new(std::mem::take(&mut *crate::secrets::secret_json(&doc)));
    crate::secrets::wipe_json(&mut doc);
    Ok(text)
}

/// `env --reveal`: the key files written in this run (one per key and format), in one private
/// folder: a new one in the temp folder, or `--key-dir`. The user removes them.
struct KeyFiles<'a> {
    named: Option<&'a std::path::Path>,
    dir: Option<std::path::PathBuf>,
    written: Vec<(String, KeyFileFormat, std::path::PathBuf)>,
}

impl<'a> KeyFiles<'a> {
    fn new(named: Option<&'a std::path::Path>) -> Self {
        KeyFiles {
            named,
            dir: None,
            written: Vec::new(),
        }
    }

    /// The path of `name`'s key file in `format`, written on first use.
    fn path_for(
        &mut self,
        loaded: &Loaded,
        keyring: &dyn SecretStore,
        name: &str,
        format: KeyFileFormat,
    ) -> Result<String, Failure> {
        if let Some((_, _, path)) = self
            .written
            .iter()
            .find(|(n, f, _)| n == name && *f == format)
        {
            return Ok(path.display().to_string());
        }
        let key = find_key(loaded, name)?;
        let text = match format {
            KeyFileFormat::FastlaneJson => api_key_json(loaded, keyring, key)?,
            KeyFileFormat::P8 => read_key_pem(&loaded.path, keyring, key)?,
        };
        let dir = match &self.dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = match self.named {
                    Some(named) => crate::store::private_dir::named(named)
                        .map_err(|e| Failure::new(1, format!("--key-dir: {e}")))?,
                    None => crate::store::private_dir::new_in_temp("apple-conn-key-").map_err(
                        |e| {
                            Failure::new(
                                1,
                                format!("cannot make a private folder in the temp folder ({e}): name one with --key-dir DIR"),
                            )
                        },
                    )?,
                };
                // Absolute, so the path works from wherever the build runs.
                let dir = std::path::absolute(&dir).unwrap_or(dir);
                self.dir = Some(dir.clone());
                dir
            }
        };
        let id: String = key
            .key_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let path = dir.join(match format {
            KeyFileFormat::FastlaneJson => format!("api_key_{id}.json"),
            KeyFileFormat::P8 => format!("AuthKey_{id}.p8"),
        });
        let body = text.expose().trim_end();
        write_private(
            &path,
            zeroize::Zeroizing::new(format!("{body}\n")).as_bytes(),
        )
        .map_err(|e| Failure::new(1, format!("cannot write {}: {e}", path.display())))?;
        self.written.push((name.to_string(), format, path.clone()));
        Ok(path.display().to_string())
    }

    /// Says on stderr what was written and who removes it (stdout stays the script or JSON).
    fn tell(&self) {
        let Some(dir) = &self.dir else {
            return;
        };
        for (name, format, path) in &self.written {
            let what = match format {
                KeyFileFormat::FastlaneJson => "the API key JSON",
                KeyFileFormat::P8 => "the .p8",
            };
            crate::terminal_text::say(&format!(
                "wrote {}{}: {what} of `{name}`, private key included; apple-conn does not remove it",
                path.display(),
                crate::store::files::PRIVATE_MODE
            ));
        }
        let remove = if self.named.is_some() {
            let files: Vec<String> = self
                .written
                .iter()
                .map(|(_, _, p)| crate::store::trust::shell_word(&p.to_string_lossy()))
                .collect();
            format!("rm {}", files.join(" "))
        } else {
            format!(
                "rm -r {}",
                crate::store::trust::shell_word(&dir.to_string_lossy())
            )
        };
        crate::terminal_text::say(&format!("remove it when the build is done: {remove}"));
    }

    /// A run that fails after writing leaves no key behind.
    fn discard(&self) {
        for (_, _, path) in &self.written {
            let _ = std::fs::remove_file(path);
        }
        if self.named.is_none()
            && let Some(dir) = &self.dir
        {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// A key file placeholder the catalog names (`<api_key.json>`, `<tmp AuthKey_…_*.p8>`).
fn names_key_file(text: &str) -> bool {
    text == crate::domain::resolution::KEY_JSON
        || (text.starts_with("<tmp AuthKey_") && text.ends_with(".p8>"))
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
                    file: e.file.to_string(),
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
        let files = r
            .receives
            .iter()
            .any(|(_, v)| matches!(v, Received::KeyFile { .. }));
        eprint!(
            "Print the secret values of {} / {} on this terminal{}? [y/N] ",
            app.slug,
            args.step,
            if files {
                " (and write its key files, private keys included)"
            } else {
                ""
            }
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::new(1, "nothing printed"));
        }
    }
    let mut key_files = KeyFiles::new(args.key_dir.as_deref());
    let mut rows: Vec<(String, Option<String>)> = Vec::new();
    for (name, value) in &r.receives {
        let text = match value {
            Received::Secret { what, of } if args.reveal => Some(
                reveal(loaded, keyring, *what, of)
                    .inspect_err(|_| key_files.discard())?
                    .expose()
                    .to_string(),
            ),
            Received::KeyFile {
                of: SecretOwner::ApiKey(key),
                format,
                ..
            } if args.reveal => Some(
                key_files
                    .path_for(loaded, keyring, key, *format)
                    .inspect_err(|_| key_files.discard())?,
            ),
            Received::Text(t) if args.reveal && names_key_file(t) => {
                crate::terminal_text::say(&format!(
                    "note: {name} stays {t}: the step builds that file from the key its inputs name (downloaded at build time); --reveal writes it only for a connection's API key"
                ));
                Some(t.clone())
            }
            Received::Unset => None,
            other => Some(other.redacted()),
        };
        rows.push((name.clone(), text));
    }
    key_files.tell();
    match args.format {
        ShellJson::Json => {
            let doc = EnvJson {
                schema_version: crate::domain::schema_version::SchemaVersion,
                app: app.slug.clone(),
                step: args.step.clone(),
                outcome: r.outcome,
                auth: r.auth,
                source: r.origin,
                identity: r.identity.clone(),
                receives: rows.into_iter().collect(),
                messages: r.messages(),
                at: at.as_ref().map(|at| EnvAt {
                    index: at.index,
                    workflow: at.workflow.clone(),
                    reference: at.reference.clone(),
                    file: at.file.clone(),
                    line: at.line,
                }),
            };
            let text = serde_json::to_string(&doc).unwrap_or_default();
            super::raw_out(&format!("{text}\n")); // raw: JSON
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
                    at.index, app.slug, at.workflow, at.reference, at.file, at.line
                ));
            }
            // Issue 33: only names the steps read; others from a trusted file; never the deny-list.
            let mut consented: Option<Vec<String>> = None;
            for (name, value) in rows {
                let is_env = shell_env::is_env_name(&name);
                if is_env {
                    let refusal = match shell_env::verdict(&name) {
                        Verdict::Known => None,
                        Verdict::Denied => Some(shell_env::denied_reason(&name)),
                        Verdict::NeedsTrust => {
                            let names = consented.get_or_insert_with(|| {
                                crate::store::trust::trusted_env(&loaded.path, &ws.settings)
                            });
                            (!names.contains(&name)).then(|| shell_env::needs_trust_reason(&name))
                        }
                    };
                    if let Some(why) = refusal {
                        crate::terminal_text::say(&format!("warning: {why}"));
                        script.comment(&format!("not exported: {why}"));
                        continue;
                    }
                }
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
    /// The file the step is written in (an included file for a modular config).
    file: String,
    line: usize,
}

/// `env --format json`: what one step receives. `source` is the auth source; a bitrise.yml
/// step also says where it is written (`index`, `workflow`, `ref`, `file`, `line`).
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(extend("dependentRequired" = {
    "index": ["workflow", "ref", "file", "line"],
    "workflow": ["index", "ref", "file", "line"],
    "ref": ["index", "workflow", "file", "line"],
    "file": ["index", "workflow", "ref", "line"],
    "line": ["index", "workflow", "ref", "file"]
}))]
pub struct EnvJson {
    pub schema_version: crate::domain::schema_version::SchemaVersion,
    pub app: String,
    pub step: String,
    pub outcome: crate::domain::resolution::Outcome,
    pub auth: Option<crate::domain::resolution::AuthKind>,
    pub source: Option<crate::domain::resolution::Origin>,
    pub identity: Option<String>,
    /// Each env var or argument and its value (secrets `***` unless `--reveal`; null: unset).
    pub receives: indexmap::IndexMap<String, Option<String>>,
    pub messages: Vec<String>,
    #[serde(flatten)]
    pub at: Option<EnvAt>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
pub struct EnvAt {
    /// The step's place in the app's run (as `preview` numbers it).
    pub index: usize,
    pub workflow: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub file: String,
    pub line: usize,
}

//! `init`, `add api-key`, `assign`, `remove`: scripted edits with the TUI's validation.

use std::io::IsTerminal;
use std::path::Path;

use super::secret_input::SecretSource;
use super::{CmdResult, Failure};
use crate::cli::{AddApiKeyArgs, AssignArgs, InitArgs, KeyStorage, RemoveCommand};
use crate::domain::rules::KeyRefusal;
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::{ApiKey, KeyKind, MAX_API_KEYS, Workspace};
use crate::ops::edits::{self, Change, ConnectionKind};
use crate::ops::keys::{self, AddKeyError, Storage};
use crate::ops::save::Target;
use crate::secrets::{SecretStore, SecretValue};
use crate::store::{self, UpdateError};

pub fn update_failure(e: UpdateError) -> Failure {
    let code = match e {
        UpdateError::Load(store::LoadError::Read { .. } | store::LoadError::Parse { .. }) => 2,
        _ => 1,
    };
    Failure::new(code, e.to_string())
}

pub fn init(path: &Path, args: &InitArgs) -> CmdResult {
    // The same operation as the TUI's first run.
    crate::ops::init::create_workspace(path, &args.you).map_err(|e| match e {
        crate::ops::init::InitError::You(e) => Failure::new(2, format!("--you: {e}")),
        crate::ops::init::InitError::Store(e) => update_failure(e),
    })?;
    eprintln!(
        "created {}{} for {}",
        path.display(),
        crate::store::files::PRIVATE_MODE,
        args.you
    );
    Ok(0)
}

/// The workspace's rules (`Workspace::may_add_api_key`), worded with this command's flags.
pub fn validate_new_api_key(ws: &Workspace, key: &ApiKey) -> Result<(), String> {
    ws.may_add_api_key(key).map_err(|r| key_refusal_words(&r))
}

fn key_refusal_words(r: &KeyRefusal) -> String {
    match r {
        KeyRefusal::Shape(_, e) => e.clone(),
        KeyRefusal::IssuerMissing => "a team key needs --issuer-id (App Store Connect › Users and Access › Integrations); for an individual key pass --individual".into(),
        KeyRefusal::IssuerOnIndividual => {
            "an individual key has no issuer ID: drop --issuer-id, or drop --individual".into()
        }
        KeyRefusal::EnterpriseIndividual => {
            "Enterprise Program keys are team keys: drop --individual and give --issuer-id".into()
        }
        KeyRefusal::TooMany => format!(
            "the workspace already has {MAX_API_KEYS} API keys, Bitrise's limit: remove one first (`apple-conn remove api-key NAME`)"
        ),
        KeyRefusal::NameTaken(n) => {
            format!("an API key named `{n}` already exists: choose another name")
        }
        KeyRefusal::KeyIdTaken { key_id, by } => {
            format!("key {key_id} is already in the workspace as `{by}`")
        }
    }
}

pub fn add_api_key(path: &Path, keyring: &dyn SecretStore, args: &AddApiKeyArgs) -> CmdResult {
    // From the first check through the save: a second `add` waits, then fails before writing.
    let _lock = lock_workspace(path)?;
    if let Some(json) = &args.from_fastlane_json {
        return add_from_fastlane_json(path, keyring, args, json);
    }
    let (Some(p8), Some(key_id)) = (args.p8.as_deref(), args.key_id.as_deref()) else {
        return Err(Failure::new(
            2,
            "give --p8 and --key-id, or --from-fastlane-json FILE",
        ));
    };
    let loaded = super::load_path(path)?;
    let source: Option<SecretSource> = match p8 {
        "stdin" | "-" => Some(SecretSource::Stdin),
        s if s.starts_with("env:") => Some(
            s.parse()
                .map_err(|e: String| Failure::new(2, format!("--p8: {e}")))?,
        ),
        _ => None,
    };
    let file_path = source.is_none().then(|| Path::new(p8).to_path_buf());
    let key = ApiKey {
        name: args.name.clone(),
        key_id: key_id.to_string(),
        issuer_id: args.issuer_id.clone(),
        kind: if args.individual {
            KeyKind::Individual
        } else {
            KeyKind::Team
        },
        enterprise: args.enterprise,
        owner: None,
        private_key: SecretRef::Keyring,
        fingerprint: None,
        bitrise: None,
    };
    validate_new_api_key(&loaded.workspace, &key).map_err(|e| Failure::new(1, e))?;
    // Where the key goes is settled (and checked) before a key is read.
    let referenceable = !matches!(source, Some(SecretSource::Stdin));
    let (store, fell_back) = super::storage::choose(
        args.store,
        keyring,
        referenceable,
        "Pass --store reference with --p8 PATH or env:VAR (the workspace keeps where the key is), or --store vault",
    )?;
    let storage = match store {
        KeyStorage::Keyring => Storage::Keyring,
        KeyStorage::Vault => Storage::Vault,
        KeyStorage::Reference => Storage::Reference(match (&source, &file_path) {
            (Some(src), _) => src.as_reference().ok_or_else(|| {
                Failure::new(
                    2,
                    "--store reference needs --p8 PATH or env:VAR (stdin cannot be referenced)",
                )
            })?,
            (None, Some(p)) => {
                let written = store::portable_path(path, p);
                if written.outside {
                    eprintln!(
                        "warning: {} is outside the workspace's folder: the workspace names it by its absolute path and no longer works when moved or cloned elsewhere (keep the key beside the workspace, or use --store keyring)",
                        written.written
                    );
                }
                SecretRef::Path(written.written)
            }
            (None, None) => return Err(Failure::new(2, "--p8 is required")),
        }),
    };

    if let Storage::Keyring | Storage::Vault = storage {
        let at = if store == KeyStorage::Vault {
            SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry)
        } else {
            SecretRef::Keyring
        };
        super::storage::check(
            keyring,
            path,
            &at,
            &crate::secrets::EntryName::api_key(key_id),
            store,
        )?;
    }
    if let (true, Storage::Reference(r)) = (fell_back, &storage) {
        eprintln!(
            "warning: no OS keyring is reachable, so --store reference: the workspace keeps {} and the key stays there",
            match r {
                SecretRef::Env(v) => format!("env:{v}"),
                SecretRef::Path(p) => p.clone(),
                other => other.describe(),
            }
        );
    }

    let (content, file_name) = match (&source, &file_path) {
        (Some(src), _) => (src.read("the .p8 key")?.expose().as_bytes().to_vec(), None),
        (None, Some(p)) => {
            let bytes = crate::store::files::read_capped(p, crate::store::files::KEY_CAP, "key")
                .map_err(|e| {
                    Failure::new(1, format!("cannot read the .p8 at {}: {e}", p.display()))
                })?;
            (
                bytes,
                p.file_name().map(|n| n.to_string_lossy().into_owned()),
            )
        }
        (None, None) => return Err(Failure::new(2, "--p8 is required")),
    };
    if let Some(p) = &file_path
        && let Some(mode) = loose_mode(p)
    {
        eprintln!(
            "warning: {} is readable by group or others (mode {mode:o}): run chmod 600 {}",
            p.display(),
            p.display()
        );
    }

    let added = keys::add_api_key(
        Target::Disk(path),
        keyring,
        &loaded.workspace,
        key,
        &content,
        file_name.as_deref(),
        storage,
    )
    .map_err(|e| add_key_failure(e, p8))?;
    report_added(&added);
    Ok(0)
}

fn add_key_failure(e: AddKeyError, what: &str) -> Failure {
    match e {
        AddKeyError::Refused(r) => Failure::new(1, key_refusal_words(&r)),
        AddKeyError::Import(e) => Failure::new(1, format!("{what}: {e}")),
        AddKeyError::Keyring(e) => Failure::new(1, format!("could not store the private key: {e}")),
        AddKeyError::Workspace(error) => update_failure(error),
        AddKeyError::Save {
            error,
            leftover: None,
        } => update_failure(error),
        AddKeyError::Save {
            error,
            leftover: Some((entry, cleanup)),
        } => Failure::new(
            1,
            format!(
                "{error}\nThe key was stored as {entry} but could not be removed again ({cleanup}): delete that keyring entry by hand"
            ),
        ),
    }
}

fn report_added(added: &keys::AddedKey) {
    eprintln!(
        "added API key `{}` ({}), fingerprint {}, private key in {}",
        added.key.name,
        added.key.key_id,
        &added.fingerprint[..16.min(added.fingerprint.len())],
        added.place
    );
    for w in &added.warnings {
        eprintln!("warning: {w}");
    }
}

/// fastlane's API key JSON (`export fastlane` writes it): `key` is the secret, read and never shown.
#[derive(serde::Deserialize)]
struct FastlaneKeyJson {
    key_id: String,
    #[serde(default)]
    issuer_id: Option<String>,
    key: String,
    #[serde(default)]
    in_house: Option<bool>,
}

fn add_from_fastlane_json(
    path: &Path,
    keyring: &dyn SecretStore,
    args: &AddApiKeyArgs,
    json: &Path,
) -> CmdResult {
    if args.store == Some(KeyStorage::Reference) {
        return Err(Failure::new(
            2,
            "--store reference cannot point inside a fastlane JSON: use --store keyring or --store vault (or --p8 with the .p8 file)",
        ));
    }
    let loaded = super::load_path(path)?;
    let raw = zeroize::Zeroizing::new(
        crate::store::files::read_capped(json, crate::store::files::KEY_CAP, "fastlane JSON")
            .map_err(|e| Failure::new(1, format!("cannot read {}: {e}", json.display())))?,
    );
    // serde_json's messages name a line and column, never the text: safe with a key inside.
    let parsed: FastlaneKeyJson = serde_json::from_slice(&raw).map_err(|e| {
        Failure::new(
            1,
            format!(
                "{}: not fastlane's API key JSON ({e}): it needs \"key_id\", \"key\" and, for a team key, \"issuer_id\"",
                json.display()
            ),
        )
    })?;
    let FastlaneKeyJson {
        key_id,
        issuer_id,
        key: pem,
        in_house,
    } = parsed;
    let pem = SecretValue::new(pem);
    let key = ApiKey {
        name: args.name.clone(),
        kind: if issuer_id.is_some() {
            KeyKind::Team
        } else {
            KeyKind::Individual
        },
        key_id,
        issuer_id,
        enterprise: in_house.unwrap_or(false),
        owner: None,
        private_key: SecretRef::Keyring,
        fingerprint: None,
        bitrise: None,
    };
    if let Some(mode) = loose_mode(json) {
        eprintln!(
            "warning: {} holds a private key and is readable by group or others (mode {mode:o}): run chmod 600 {}",
            json.display(),
            json.display()
        );
    }
    validate_new_api_key(&loaded.workspace, &key)
        .map_err(|e| Failure::new(1, format!("{}: {e}", json.display())))?;
    let (store, _) = super::storage::choose(
        args.store,
        keyring,
        false,
        "Pass --store vault, or --p8 PATH with --store reference (a fastlane JSON cannot be referenced)",
    )?;
    let storage = match store {
        KeyStorage::Vault => Storage::Vault,
        _ => Storage::Keyring,
    };
    let at = match storage {
        Storage::Vault => SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry),
        _ => SecretRef::Keyring,
    };
    super::storage::check(
        keyring,
        path,
        &at,
        &crate::secrets::EntryName::api_key(&key.key_id),
        store,
    )?;
    let added = keys::add_api_key(
        Target::Disk(path),
        keyring,
        &loaded.workspace,
        key,
        pem.expose().as_bytes(),
        None,
        storage,
    )
    .map_err(|e| add_key_failure(e, &format!("{} (its \"key\")", json.display())))?;
    report_added(&added);
    Ok(0)
}

pub fn loose_mode(p: &Path) -> Option<u32> {
    std::fs::metadata(p)
        .ok()
        .as_ref()
        .and_then(super::references::group_or_other_readable)
}

/// The workspace lock for a whole command (re-entrant: its saves take it again).
pub fn lock_workspace(path: &Path) -> Result<store::save::WorkspaceLock, Failure> {
    store::save::lock(path).map_err(|e| update_failure(UpdateError::Save(e)))
}

pub fn assign(path: &Path, args: &AssignArgs) -> CmdResult {
    let _lock = lock_workspace(path)?;
    let (field, to) = if let Some(name) = &args.api_key {
        ("api_key", Some(name.clone()))
    } else if let Some(aid) = &args.apple_id {
        ("apple_id", Some(aid.clone()))
    } else if args.none_api_key {
        ("api_key", None)
    } else {
        ("apple_id", None)
    };
    let slug = args.slug.clone();
    let change = Change::Assign {
        slug: slug.clone(),
        field,
        to: to.clone(),
    };
    edits::apply(Target::Disk(path), &change).map_err(update_failure)?;
    match &to {
        Some(v) => eprintln!("{slug}: {field} = {v}"),
        None => eprintln!("{slug}: {field} cleared"),
    }
    Ok(0)
}

pub fn remove(path: &Path, keyring: &dyn SecretStore, what: &RemoveCommand) -> CmdResult {
    let (kind, id, yes) = match what {
        RemoveCommand::ApiKey { name, yes } => (ConnectionKind::ApiKey, name.clone(), *yes),
        RemoveCommand::AppleId { apple_id, yes } => {
            (ConnectionKind::AppleId, apple_id.clone(), *yes)
        }
        RemoveCommand::App { slug, yes } => return super::apps::remove_app(path, slug, *yes),
    };
    let _lock = lock_workspace(path)?;
    let before = super::load_path(path)?;
    // An unknown name is worded here with suggestions; the op removes what is found.
    crate::secrets::connection_secrets(&before.workspace, kind, &id).ok_or_else(|| {
        let known = match kind {
            ConnectionKind::ApiKey => crate::domain::check::suggest(
                &id,
                before.workspace.api_keys.iter().map(|k| k.name.as_str()),
            ),
            ConnectionKind::AppleId => String::new(),
        };
        match kind {
            ConnectionKind::ApiKey => Failure::new(1, format!("no API key named `{id}`{known}")),
            ConnectionKind::AppleId => Failure::new(1, format!("no Apple ID connection {id}")),
        }
    })?;
    let users = match kind {
        ConnectionKind::ApiKey => before.workspace.apps_using_api_key(&id),
        ConnectionKind::AppleId => before.workspace.apps_using_apple_id(&id),
    };
    if !yes
        && !users.is_empty()
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
    {
        eprint!(
            "{id} is used by {}: remove it and clear it from them? [y/N] ",
            users.join(", ")
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(Failure::new(1, "nothing removed"));
        }
    }
    let removed =
        crate::ops::remove::remove(Target::Disk(path), keyring, &before.workspace, kind, &id)
            .map_err(|e| match e {
                crate::ops::remove::RemoveError::NotFound => {
                    Failure::new(1, format!("no connection {id}"))
                }
                crate::ops::remove::RemoveError::Save(e) => update_failure(e),
            })?;
    let (cleared, orphans) = (removed.cleared, removed.leftovers);
    if !cleared.is_empty() {
        eprintln!("cleared from: {}", cleared.join(", "));
    }
    for kept in &removed.kept {
        crate::terminal_text::say(&format!("not this workspace's, kept: {kept}"));
    }
    if !orphans.is_empty() {
        return Err(Failure::new(
            1,
            format!(
                "{id} was removed from the workspace, but its secrets could not be deleted; delete them by hand: {}",
                orphans
                    .iter()
                    .map(|(reason, entries)| format!("{} ({reason})", entries.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    eprintln!("removed {id}");
    Ok(0)
}

/// Reads the secret behind a reference for a connection (used by token, export, env).
pub fn read_key_pem(
    path: &Path,
    keyring: &dyn SecretStore,
    key: &ApiKey,
) -> Result<SecretValue, Failure> {
    keys::read_key_pem(path, keyring, key).map_err(|e| Failure::new(1, e))
}

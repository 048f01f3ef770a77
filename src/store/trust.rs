//! Workspace trust (issue 25): the settings of a shared file that decide where secrets go take effect
//! only after this host consents with `apple-conn trust`, as `direnv allow` and `mise trust` do it.
//!
//! The host records the file's canonical path and a SHA-256 of exactly its guarded settings in its own
//! state (`$XDG_STATE_HOME/apple-conn/trusted.toml`); any change to one of them needs trust again.
//! A guarded setting equal to its default needs no trust and is not part of the hash.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::workspace::{Settings, Workspace};

pub use crate::domain::guarded::{
    API_BASE_URL, APPLE_AUTH_URL, BITRISE_API_DEFAULT, BITRISE_API_URL, Guarded, VAULT_ADDRESS,
    VAULT_CA_CERT, VAULT_MOUNT, VAULT_NAMESPACE, VAULT_PREFIX, guarded,
};

/// Why a file's guarded settings are not in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// This host never trusted the file (or forgot it with `untrust`).
    NeverTrusted,
    /// Trusted once, but a guarded setting changed since.
    Changed,
    /// The host's trust record could not be read: nothing from it is believed.
    State(String),
}

/// A guarded setting was read from a file this host has not trusted (or that changed since).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    pub workspace: PathBuf,
    /// The guarded settings the file sets, as TOML keys (`settings.bitrise.api_url`).
    pub settings: Vec<String>,
    pub why: Why,
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A path is text from outside: no control character reaches a terminal through it.
        let file = crate::terminal_text::clean_line(&self.workspace.display().to_string());
        let quoted =
            crate::terminal_text::clean_line(&shell_word(&self.workspace.to_string_lossy()));
        let settings = self.settings.join(", ");
        match &self.why {
            Why::NeverTrusted => write!(
                f,
                "{file} sets {settings}, which {NEVER_TRUSTED} (a shared file must not choose where secrets go): check it with `apple-conn trust --show -c {quoted}`, then run `apple-conn trust -c {quoted}`"
            ),
            Why::Changed => write!(
                f,
                "{file} sets {settings}, and its guarded settings {CHANGED}: check them with `apple-conn trust --show -c {quoted}`, then run `apple-conn trust -c {quoted}` again"
            ),
            Why::State(e) => write!(
                f,
                "{file} sets {settings}, and {STATE_UNREADABLE} ({e}): fix or remove it, then run `apple-conn trust -c {quoted}`"
            ),
        }
    }
}

impl std::error::Error for Untrusted {}

// The words each refusal is told by, kept in one place so `is_refusal` recognises them.
const NEVER_TRUSTED: &str = "this host has not trusted";
const CHANGED: &str = "changed since this host trusted it";
const STATE_UNREADABLE: &str = "this host's trust record cannot be read";

/// Whether a message (as shown, perhaps with words around it) carries an `Untrusted` refusal:
/// the TUI clears such a message once `apple-conn trust` makes it no longer true.
pub fn is_refusal(text: &str) -> bool {
    [NEVER_TRUSTED, CHANGED, STATE_UNREADABLE]
        .iter()
        .any(|words| text.contains(words))
        && text.contains("apple-conn trust")
}

/// A path as one shell word, so the command in a message can be pasted.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,=".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// SHA-256 of exactly the guarded settings: one `key=<JSON string>` line each, in the fixed order.
pub fn digest(guarded: &[Guarded]) -> String {
    let mut h = Sha256::new();
    for g in guarded {
        h.update(g.key.as_bytes());
        h.update(b"=");
        h.update(
            serde_json::Value::String(g.value.clone())
                .to_string()
                .as_bytes(),
        );
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// Largest file a guarded setting may name (a CA bundle is a few KB).
const NAMED_FILE_CAP: u64 = 1024 * 1024;

/// SHA-256 of the file a guarded setting names (relative to the workspace file), or why there is none.
pub fn file_sha256(workspace_file: &Path, value: &str) -> Result<String, String> {
    let path = super::resolve_path(workspace_file, value);
    super::files::read_text_capped(&path, NAMED_FILE_CAP, "file a guarded setting names")
        .map(|text| text_sha256(&text))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `digest`, plus the SHA-256 of every file a guarded setting names (the vault CA): replacing the
/// file behind a trusted name is a change like any other. A file that cannot be read hashes as
/// such, so it is never trusted by its name alone.
pub fn digest_for(workspace_file: &Path, guarded: &[Guarded]) -> String {
    digest_with(workspace_file, guarded, None)
}

/// `digest_for`, with the SHA-256 of one named file given (`(key, sha)`: the bytes a caller
/// already read and is about to use) instead of read again, so what is judged is what is used.
fn digest_with(workspace_file: &Path, guarded: &[Guarded], known: Option<(&str, &str)>) -> String {
    let named: Vec<&Guarded> = guarded.iter().filter(|g| g.names_file()).collect();
    if named.is_empty() {
        return digest(guarded);
    }
    let mut h = Sha256::new();
    h.update(digest(guarded).as_bytes());
    for g in named {
        h.update(b"\nfile ");
        h.update(g.key.as_bytes());
        h.update(b"=");
        let sum = match known {
            Some((key, sha)) if key == g.key => Ok(sha.to_string()),
            _ => file_sha256(workspace_file, &g.value),
        };
        match sum {
            Ok(sum) => h.update(sum.as_bytes()),
            Err(_) => h.update(b"unreadable"),
        }
    }
    hex::encode(h.finalize())
}

/// SHA-256 of text already read, as `file_sha256` gives it.
pub fn text_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One trusted file in trusted.toml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The file's canonical path.
    pub path: String,
    /// `digest` of its guarded settings when it was trusted.
    pub sha256: String,
    /// The keys it set then (for a reader of the file; the hash decides).
    #[serde(default)]
    pub settings: Vec<String>,
    /// Environment names outside the built-in steps' own that `env --format shell` may export
    /// from this file (issue 33); a name added later is refused until `trust` again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TrustFile {
    #[serde(default)]
    workspace: Vec<Record>,
}

const HEADER: &str = "# Workspace files this host trusts (`apple-conn trust`, `apple-conn untrust`).\n# Written by apple-conn; a file's entry holds a hash of its guarded settings, so any change needs trust again.\n\n";

/// `$XDG_STATE_HOME/apple-conn/trusted.toml`; else ~/.local/state (Linux), the platform's data dir
/// (macOS: ~/Library/Application Support/apple-conn, Windows: %LOCALAPPDATA%).
pub fn state_file() -> Result<PathBuf, String> {
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(p) => p,
        None => {
            let dirs = directories::BaseDirs::new().ok_or(
                "cannot find a home folder for this host's trust record: set XDG_STATE_HOME",
            )?;
            match dirs.state_dir() {
                Some(d) => d.to_path_buf(),
                None => dirs.data_local_dir().to_path_buf(),
            }
        }
    };
    Ok(base.join("apple-conn").join("trusted.toml"))
}

/// The path a record names: canonical (links and `..` resolved), so a copy elsewhere is another file.
pub fn canonical(workspace_file: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(workspace_file)
        .map_err(|e| format!("cannot resolve {}: {e}", workspace_file.display()))
}

pub(super) fn refuse_link(state: &Path) -> Result<(), String> {
    super::files::refuse_link_or_special(state)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", state.display()))
}

/// The start of a parser's message on one line (the record is the host's own, but it is shown).
fn first_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

fn read_state(state: &Path) -> Result<TrustFile, String> {
    refuse_link(state)?;
    let text = match super::files::read_text_capped(state, super::files::SMALL_CAP, "trust record")
    {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TrustFile::default()),
        Err(e) => return Err(format!("{}: {e}", state.display())),
    };
    toml::from_str(&text).map_err(|e| {
        format!(
            "{} is not a trust record ({})",
            state.display(),
            first_line(&e.to_string(), 160)
        )
    })
}

/// Where a file stands with this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It sets no guarded setting (or each equals its default): nothing needs trust.
    NothingGuarded,
    Trusted,
    Untrusted(Why),
}

/// The file's guarded settings and this host's verdict on them.
pub fn status(workspace_file: &Path, settings: &Settings) -> (Vec<Guarded>, Status) {
    let guarded = guarded(settings);
    if guarded.is_empty() {
        return (guarded, Status::NothingGuarded);
    }
    let verdict = verdict(workspace_file, &guarded);
    (guarded, verdict)
}

fn verdict(workspace_file: &Path, guarded: &[Guarded]) -> Status {
    verdict_with(workspace_file, guarded, None)
}

fn verdict_with(workspace_file: &Path, guarded: &[Guarded], known: Option<(&str, &str)>) -> Status {
    let path = match canonical(workspace_file) {
        Ok(p) => p,
        Err(e) => return Status::Untrusted(Why::State(e)),
    };
    let state = match state_file().and_then(|s| read_state(&s)) {
        Ok(s) => s,
        Err(e) => return Status::Untrusted(Why::State(e)),
    };
    let wanted = digest_with(workspace_file, guarded, known);
    let path = path.to_string_lossy();
    match state.workspace.iter().find(|r| r.path == path) {
        Some(r) if r.sha256 == wanted => Status::Trusted,
        Some(_) => Status::Untrusted(Why::Changed),
        None => Status::Untrusted(Why::NeverTrusted),
    }
}

/// Ok when this host trusts the file's guarded settings as they are now; `setting` names the one the
/// caller is about to use (a TOML key such as `settings.bitrise.api_url`). A setting the file leaves
/// at its default (or does not set) needs no trust.
pub fn require(workspace_file: &Path, ws: &Workspace, setting: &str) -> Result<(), Untrusted> {
    require_settings(workspace_file, &ws.settings, setting)
}

/// `require` for a `[settings]` table read without the rest of the workspace (the vault store).
pub fn require_settings(
    workspace_file: &Path,
    settings: &Settings,
    setting: &str,
) -> Result<(), Untrusted> {
    let guarded = guarded(settings);
    if !guarded.iter().any(|g| g.key == setting) {
        return Ok(());
    }
    match verdict(workspace_file, &guarded) {
        Status::Trusted | Status::NothingGuarded => Ok(()),
        Status::Untrusted(why) => Err(Untrusted {
            workspace: workspace_file.to_path_buf(),
            settings: guarded.iter().map(|g| g.key.to_string()).collect(),
            why,
        }),
    }
}

/// The environment names this host consented to export from the file when it trusted it; none
/// when it never did, or its guarded settings changed since (then nothing from it is believed).
pub fn trusted_env(workspace_file: &Path, settings: &Settings) -> Vec<String> {
    let Ok(path) = canonical(workspace_file) else {
        return Vec::new();
    };
    let Ok(state) = state_file().and_then(|s| read_state(&s)) else {
        return Vec::new();
    };
    let wanted = digest_for(workspace_file, &guarded(settings));
    let path = path.to_string_lossy();
    state
        .workspace
        .into_iter()
        .find(|r| r.path == path && r.sha256 == wanted)
        .map(|r| r.env)
        .unwrap_or_default()
}

/// `require_settings` for a setting that names a file whose contents the caller has read
/// (`text`): trusted only when those very bytes are the ones this host trusted.
pub fn require_file_contents(
    workspace_file: &Path,
    settings: &Settings,
    setting: &str,
    text: &str,
) -> Result<(), Untrusted> {
    let guarded = guarded(settings);
    if !guarded.iter().any(|g| g.key == setting) {
        return Ok(());
    }
    let sha = text_sha256(text);
    match verdict_with(workspace_file, &guarded, Some((setting, &sha))) {
        Status::Trusted | Status::NothingGuarded => Ok(()),
        Status::Untrusted(why) => Err(Untrusted {
            workspace: workspace_file.to_path_buf(),
            settings: guarded.iter().map(|g| g.key.to_string()).collect(),
            why,
        }),
    }
}

/// Runs `change` on the records under the state file's lock and writes them back atomically (0600).
fn update_state<T>(change: impl FnOnce(&mut Vec<Record>) -> T) -> Result<T, String> {
    let state = state_file()?;
    if let Some(dir) = state.parent() {
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    refuse_link(&state)?;
    let _lock = super::save::lock(&state).map_err(|e| e.to_string())?;
    let mut file = read_state(&state)?;
    let out = change(&mut file.workspace);
    let body = toml::to_string(&file).map_err(|e| format!("cannot write the trust record: {e}"))?;
    super::save::write_atomic(&state, format!("{HEADER}{body}").as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(out)
}

pub(super) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// `apple-conn trust`: records the file's canonical path and the hash of its guarded settings now.
/// `env` lists the file's environment names that only a trusted file may export (issue 33).
pub fn trust(
    workspace_file: &Path,
    settings: &Settings,
    env: &[String],
) -> Result<(Record, Vec<Guarded>), String> {
    let path = canonical(workspace_file)?;
    let guarded = guarded(settings);
    let record = Record {
        path: path.to_string_lossy().into_owned(),
        sha256: digest_for(workspace_file, &guarded),
        settings: guarded.iter().map(|g| g.key.to_string()).collect(),
        env: env.to_vec(),
    };
    let kept = record.clone();
    update_state(move |records| {
        records.retain(|r| r.path != record.path);
        records.push(record);
    })?;
    Ok((kept, guarded))
}

/// `apple-conn untrust`: forgets the file; true when there was something to forget.
pub fn untrust(workspace_file: &Path) -> Result<bool, String> {
    // A file that is gone can still be forgotten by the path it had.
    let path = canonical(workspace_file)
        .or_else(|_| std::path::absolute(workspace_file).map_err(|e| e.to_string()))?;
    let path = path.to_string_lossy().into_owned();
    update_state(move |records| {
        let before = records.len();
        records.retain(|r| r.path != path);
        before != records.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workspace::{BitriseSettings, VaultSettings};

    #[test]
    fn every_refusal_is_recognised_in_other_words_and_nothing_else_is() {
        for why in [
            Why::NeverTrusted,
            Why::Changed,
            Why::State("bad toml".into()),
        ] {
            let text = Untrusted {
                workspace: PathBuf::from("/tmp/team ws.toml"),
                settings: vec![BITRISE_API_URL.to_string()],
                why,
            }
            .to_string();
            assert!(is_refusal(&format!("pull: {text}")), "{text}");
        }
        assert!(!is_refusal("pulled 5 app(s) from Bitrise"));
        assert!(!is_refusal(
            "the vault at https://v.example is not trusted: unknown issuer; apple-conn trust"
        ));
    }

    #[test]
    fn defaults_need_no_trust_and_every_other_value_does() {
        let mut s = Settings {
            apple_auth_url: Some("https://idmsa.apple.com/".into()),
            api_base_url: Some("https://api.appstoreconnect.apple.com".into()),
            vault: Some(VaultSettings::default()),
            bitrise: Some(BitriseSettings {
                api_url: Some("https://api.bitrise.io/v0.1".into()),
                ..BitriseSettings::default()
            }),
            ..Settings::default()
        };
        assert!(guarded(&s).is_empty());
        s.apple_auth_url = Some("https://idmsa.apple.com.evil.example".into());
        s.api_base_url = Some("http://127.0.0.1:9".into());
        s.vault = Some(VaultSettings {
            prefix: "other".into(),
            ca_cert: Some("ca.pem".into()),
            ..VaultSettings::default()
        });
        let keys: Vec<&str> = guarded(&s).iter().map(|g| g.key).collect();
        assert_eq!(
            keys,
            [APPLE_AUTH_URL, API_BASE_URL, VAULT_PREFIX, VAULT_CA_CERT]
        );
    }

    #[test]
    fn the_hash_covers_each_value_and_nothing_else() {
        let a = Settings {
            api_base_url: Some("http://127.0.0.1:9".into()),
            theme: Some("light".into()),
            ..Settings::default()
        };
        let mut b = a.clone();
        b.theme = Some("mono".into());
        assert_eq!(digest(&guarded(&a)), digest(&guarded(&b)));
        b.api_base_url = Some("http://127.0.0.1:10".into());
        assert_ne!(digest(&guarded(&a)), digest(&guarded(&b)));
        // Values cannot run into each other's keys.
        let x = vec![Guarded {
            key: VAULT_MOUNT,
            value: "a\nsettings.vault.prefix=\"b\"".into(),
        }];
        let y = vec![
            Guarded {
                key: VAULT_MOUNT,
                value: "a".into(),
            },
            Guarded {
                key: VAULT_PREFIX,
                value: "b".into(),
            },
        ];
        assert_ne!(digest(&x), digest(&y));
    }

    #[test]
    fn the_digest_covers_the_contents_of_a_named_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws.toml");
        let g = vec![Guarded {
            key: VAULT_CA_CERT,
            value: "ca.pem".into(),
        }];
        let missing = digest_for(&ws, &g);
        std::fs::write(dir.path().join("ca.pem"), "one").unwrap();
        let one = digest_for(&ws, &g);
        std::fs::write(dir.path().join("ca.pem"), "two").unwrap();
        let two = digest_for(&ws, &g);
        assert!(missing != one && one != two && missing != two);
        // Bytes already read are judged as given, not read again.
        assert_eq!(
            digest_with(&ws, &g, Some((VAULT_CA_CERT, &text_sha256("one")))),
            one
        );
        // A setting that names no file keeps the digest it always had.
        let url = vec![Guarded {
            key: API_BASE_URL,
            value: "http://127.0.0.1:9".into(),
        }];
        assert_eq!(digest_for(&ws, &url), digest(&url));
    }

    #[test]
    fn a_path_in_a_message_can_be_pasted() {
        assert_eq!(shell_word("/ws/a.toml"), "/ws/a.toml");
        assert_eq!(shell_word("/w s/it's.toml"), "'/w s/it'\\''s.toml'");
    }
}

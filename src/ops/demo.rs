//! The embedded demo workspace (`--demo`): the TUI and the read-only commands (preview, check,
//! doctor, list) open the same one. Secrets in memory, throwaway keys, nothing saved.

use std::path::Path;

use crate::secrets::{EntryName, MemoryStore, SecretStore, SecretValue};
use crate::store::{self, Loaded};

// The files live beside the TUI, which showed the demo first; every face reads them from here.
pub const DEMO_WORKSPACE: &str = include_str!("../tui/demo.toml");
pub const DEMO_BITRISE_YML: &str = include_str!("../tui/demo-bitrise.yml");

/// The demo: the embedded workspace, a memory store, a throwaway key made now.
pub fn demo_workspace() -> Result<(Loaded, MemoryStore), String> {
    demo_workspace_seeded(None)
}

/// With a seed, the demo keys are fixed (tests and screenshots stay stable).
pub fn demo_workspace_seeded(seed: Option<u8>) -> Result<(Loaded, MemoryStore), String> {
    use p256::pkcs8::{EncodePrivateKey, LineEnding};
    let base = store::parse(Path::new("demo.toml"), DEMO_WORKSPACE.to_string())
        .map_err(|e| e.to_string())?;
    let memory = MemoryStore::new();
    let mut doc: toml_edit::DocumentMut = DEMO_WORKSPACE
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    for (i, key) in base.workspace.api_keys.iter().enumerate() {
        let secret = match seed {
            Some(n) => p256::SecretKey::from_slice(&[n.wrapping_add(i as u8).max(1); 32])
                .map_err(|e| e.to_string())?,
            None => <p256::SecretKey as p256::elliptic_curve::Generate>::try_generate()
                .map_err(|e| format!("the system's random source failed: {e}"))?,
        };
        let pem = SecretValue::new(
            secret
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| e.to_string())?
                .to_string(),
        );
        let fingerprint = crate::asc::p8::fingerprint(&pem).map_err(|e| e.to_string())?;
        if let Some(t) = doc
            .get_mut("api_keys")
            .and_then(toml_edit::Item::as_array_of_tables_mut)
            .and_then(|a| a.get_mut(i))
        {
            t.insert("fingerprint", toml_edit::value(fingerprint));
        }
        memory
            .set(&EntryName::api_key(&key.key_id), &pem)
            .map_err(|e| e.to_string())?;
    }
    for aid in &base.workspace.apple_ids {
        let _ = memory.set(
            &EntryName::password(&aid.apple_id),
            &SecretValue::new("demo-password".into()),
        );
    }
    let loaded =
        store::parse(Path::new("demo.toml"), doc.to_string()).map_err(|e| e.to_string())?;
    Ok((loaded, memory))
}

/// The demo for a one-shot command: its bitrise.yml app reads the embedded file, not the disk.
pub fn for_commands() -> Result<(Loaded, MemoryStore), String> {
    let (loaded, memory) = demo_workspace()?;
    for app in &loaded.workspace.apps {
        if let Some(b) = &app.bitrise_yml {
            crate::bitrise::run::serve_from_memory(
                crate::bitrise::run::file_path(&loaded.path, b),
                DEMO_BITRISE_YML,
            );
        }
    }
    Ok((loaded, memory))
}

//! In-memory secrets for `--demo` and unit tests only: nothing persists.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{EntryName, SecretError, SecretStore, SecretValue};

#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, SecretValue>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        let entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        entries
            .get(name.as_str())
            .cloned()
            .ok_or_else(|| SecretError::NotFound(format!("{name} in memory")))
    }

    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        entries.insert(name.as_str().to_string(), value.clone());
        Ok(())
    }

    fn delete(&self, name: &EntryName) -> Result<(), SecretError> {
        let mut entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        entries.remove(name.as_str());
        Ok(())
    }

    fn describe(&self) -> String {
        "memory (demo: nothing is saved)".into()
    }

    fn list(&self) -> Result<Vec<EntryName>, SecretError> {
        let entries = self
            .entries
            .lock()
            .map_err(|_| SecretError::Failed("memory store poisoned".into()))?;
        let mut names: Vec<EntryName> = entries
            .keys()
            .map(|k| EntryName::from_rest(k.strip_prefix("apple-conn/").unwrap_or(k)))
            .collect();
        names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        Ok(names)
    }
}

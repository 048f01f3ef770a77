//! `bitrise keys upload NAME`: one API key's `.p8` to a Bitrise workspace. The private key leaves
//! this host, so the URL is Bitrise's own or one this host chose or trusts (`api_url`), the face
//! asks first, and a key whose key ID the workspace already holds is never sent again: its slug
//! is recorded instead (`[api_keys.bitrise] org, slug, uploaded_at`).

use std::path::Path;

use chrono::{DateTime, Utc};

use super::workspaces::{self, Workspace};
use super::{BitriseError, Connection};
use crate::bitrise::api::{ApiError, NewKey};
use crate::domain::workspace::ApiKey;
use crate::secrets::{SecretStore, SecretValue};
use crate::store::Loaded;

/// What an upload would do, for the confirmation (asked before anything is read or sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    pub key_name: String,
    pub key_id: String,
    pub workspace: Workspace,
    /// Where the key goes: `api.bitrise.io`.
    pub host: String,
    /// The key's slug when the workspace already holds its key ID: nothing is sent.
    pub existing_slug: Option<String>,
}

impl UploadPlan {
    pub fn needs_upload(&self) -> bool {
        self.existing_slug.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOutcome {
    Uploaded {
        slug: String,
    },
    /// Already in the workspace (found before, or found after an answer that never came).
    Found {
        slug: String,
    },
}

impl UploadOutcome {
    pub fn slug(&self) -> &str {
        match self {
            UploadOutcome::Uploaded { slug } | UploadOutcome::Found { slug } => slug,
        }
    }
}

/// The key named `name`, with what Bitrise needs of it.
pub(super) fn uploadable<'a>(loaded: &'a Loaded, name: &str) -> Result<&'a ApiKey, BitriseError> {
    let ws = &loaded.workspace;
    let key = ws.api_key(name).ok_or_else(|| {
        let names: Vec<String> = ws.api_keys.iter().map(|k| k.name.clone()).collect();
        BitriseError::BadInput(format!(
            "no API key named `{}` in the workspace{}",
            crate::terminal_text::clean_line(name),
            if names.is_empty() {
                String::from(" (it has none: add one with `apple-conn add api-key`)")
            } else {
                format!(
                    "; it has: {}",
                    crate::terminal_text::clean_line(&names.join(", "))
                )
            }
        ))
    })?;
    if key.issuer_id.as_deref().is_none_or(|i| i.trim().is_empty()) {
        return Err(BitriseError::BadInput(format!(
            "API key `{}` has no issuer ID (an individual key): Bitrise's Apple Service connection needs a team key's issuer ID",
            crate::terminal_text::clean_line(&key.name)
        )));
    }
    Ok(key)
}

/// Which workspace the key goes to: `org`, else the only one the token sees.
pub(super) fn one_workspace(
    conn: &Connection,
    org: Option<&str>,
) -> Result<Workspace, BitriseError> {
    let mut all = workspaces::workspaces(conn, org)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => Err(BitriseError::BadInput(
            "the token's user is in no Bitrise workspace: API keys are uploaded to a workspace (create or join one on bitrise.io)".into(),
        )),
        _ => Err(BitriseError::BadInput(format!(
            "the token sees {} Bitrise workspaces: name one with --org SLUG ({})",
            all.len(),
            workspaces::seen(&all)
        ))),
    }
}

/// Finds the workspace and whether it already holds the key ID; nothing is read or sent yet.
pub fn plan_upload(
    loaded: &Loaded,
    conn: &Connection,
    name: &str,
    org: Option<&str>,
) -> Result<UploadPlan, BitriseError> {
    let key = uploadable(loaded, name)?;
    let workspace = one_workspace(conn, org)?;
    let existing_slug = find(conn, &workspace.slug, &key.key_id)?;
    Ok(UploadPlan {
        key_name: key.name.clone(),
        key_id: key.key_id.clone(),
        workspace,
        host: conn.host(),
        existing_slug,
    })
}

/// The slug of the workspace's key with `key_id`, if it holds one.
pub(super) fn find(
    conn: &Connection,
    org: &str,
    key_id: &str,
) -> Result<Option<String>, BitriseError> {
    Ok(conn
        .client
        .workspace_credentials(org)?
        .into_iter()
        .find(|c| c.key_id.eq_ignore_ascii_case(key_id))
        .and_then(|c| c.slug))
}

/// Sends the key (unless the plan found it) and records where it is.
pub fn upload(
    path: &Path,
    keyring: &dyn SecretStore,
    conn: &Connection,
    plan: &UploadPlan,
    now: DateTime<Utc>,
) -> Result<UploadOutcome, BitriseError> {
    let loaded = crate::store::load(path)
        .map_err(|e| BitriseError::Save(crate::store::UpdateError::Load(e)))?;
    let outcome = match &plan.existing_slug {
        Some(slug) => UploadOutcome::Found { slug: slug.clone() },
        None => {
            let key = uploadable(&loaded, &plan.key_name)?;
            let pem = key_text(path, keyring, key)?;
            send(conn, key, &pem, plan)?
        }
    };
    record(path, &plan.key_id, &plan.workspace.slug, &outcome, now)?;
    Ok(outcome)
}

/// The POST; an answer that never came (a timeout, a 5xx) is settled by listing the workspace.
pub(super) fn send(
    conn: &Connection,
    key: &ApiKey,
    pem: &SecretValue,
    plan: &UploadPlan,
) -> Result<UploadOutcome, BitriseError> {
    let issuer = key.issuer_id.clone().unwrap_or_default();
    let new = NewKey {
        name: &key.name,
        key_id: &key.key_id,
        issuer_id: &issuer,
        enterprise: key.enterprise,
        private_key: pem,
    };
    match conn.client.upload_credential(&plan.workspace.slug, &new) {
        Ok(created) => Ok(UploadOutcome::Uploaded { slug: created.slug }),
        Err(
            e @ (ApiError::Server { .. } | ApiError::Timeout { .. } | ApiError::Unreachable { .. }),
        ) => match find(conn, &plan.workspace.slug, &key.key_id) {
            Ok(Some(slug)) => Ok(UploadOutcome::Uploaded { slug }),
            _ => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// The key's `.p8` text, read where the workspace keeps it (zeroized when dropped).
pub(super) fn key_text(
    path: &Path,
    keyring: &dyn SecretStore,
    key: &ApiKey,
) -> Result<SecretValue, BitriseError> {
    crate::ops::keys::read_key_pem(path, keyring, key)
        .map_err(|e| BitriseError::BadInput(format!("{e}: nothing was sent")))
}

/// `[api_keys.bitrise] org, slug, uploaded_at`.
pub(super) fn record(
    path: &Path,
    key_id: &str,
    org: &str,
    outcome: &UploadOutcome,
    now: DateTime<Utc>,
) -> Result<(), BitriseError> {
    let at = matches!(outcome, UploadOutcome::Uploaded { .. }).then_some(now);
    crate::store::update(path, |_, doc| {
        crate::store::edit_bitrise::set_key_bitrise(doc, key_id, org, outcome.slug(), at)
    })?;
    Ok(())
}

//! The Bitrise workspaces (organizations) the token sees, and the API keys each holds beside the
//! user's own: the read half of `bitrise keys`, `doctor --bitrise`, `keys upload` and `push`.

use super::{BitriseError, Connection, is_safe_slug};
use crate::bitrise::api::model::AppleApiCredential;
use crate::domain::bitrise_keys::{self, KeyRow, Place, RemoteKey};
use crate::store::Loaded;

/// A workspace as `GET /organizations` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub slug: String,
    pub name: String,
}

impl Workspace {
    /// `Acme Ltd (org-acme)`.
    pub fn describe(&self) -> String {
        if self.name.is_empty() || self.name == self.slug {
            self.slug.clone()
        } else {
            format!(
                "{} ({})",
                crate::terminal_text::clean_line(&self.name),
                self.slug
            )
        }
    }
}

/// Every workspace the token sees, or only `org` (refused when the token does not see it).
pub fn workspaces(conn: &Connection, org: Option<&str>) -> Result<Vec<Workspace>, BitriseError> {
    if let Some(o) = org
        && !is_safe_slug(o)
    {
        return Err(BitriseError::BadInput(format!(
            "--org `{}` is not a workspace slug (letters, digits, - and _)",
            crate::terminal_text::clean_line(o)
        )));
    }
    let all: Vec<Workspace> = conn
        .client
        .organizations()?
        .into_iter()
        .filter(|o| is_safe_slug(&o.slug))
        .map(|o| Workspace {
            slug: o.slug,
            name: o.name,
        })
        .collect();
    match org {
        None => Ok(all),
        Some(o) => match all.iter().find(|w| w.slug == o) {
            Some(w) => Ok(vec![w.clone()]),
            None => Err(BitriseError::BadInput(format!(
                "--org {o}: the token's user is not in that Bitrise workspace; it sees {}",
                seen(&all)
            ))),
        },
    }
}

/// `org-a (Acme), org-b`, or `no workspace`.
pub(super) fn seen(all: &[Workspace]) -> String {
    if all.is_empty() {
        "no workspace".into()
    } else {
        all.iter()
            .map(Workspace::describe)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn remote(c: AppleApiCredential, place: Place) -> RemoteKey {
    RemoteKey {
        name: c.name,
        key_id: c.key_id,
        issuer_id: c.issuer_id,
        enterprise: c.is_enterprise_account,
        slug: c.slug,
        place,
    }
}

/// A workspace's keys as places of the comparison.
pub(super) fn workspace_keys(
    conn: &Connection,
    w: &Workspace,
) -> Result<Vec<RemoteKey>, BitriseError> {
    Ok(conn
        .client
        .workspace_credentials(&w.slug)?
        .into_iter()
        .map(|c| {
            remote(
                c,
                Place::Workspace {
                    org: w.slug.clone(),
                    org_name: w.name.clone(),
                },
            )
        })
        .collect())
}

/// The user's own keys.
pub(super) fn user_keys(conn: &Connection, user: &str) -> Result<Vec<RemoteKey>, BitriseError> {
    Ok(conn
        .client
        .apple_api_credentials(user)?
        .into_iter()
        .map(|c| {
            remote(
                c,
                Place::User {
                    user: user.to_string(),
                },
            )
        })
        .collect())
}

/// The keys of every workspace the token sees (or `org`'s), then the user's own, held against
/// the workspace file's by key ID.
pub fn keys_in(
    loaded: &Loaded,
    conn: &Connection,
    org: Option<&str>,
) -> Result<Vec<KeyRow>, BitriseError> {
    let user = conn.user_slug()?;
    let mut remote = Vec::new();
    for w in workspaces(conn, org)? {
        remote.extend(workspace_keys(conn, &w)?);
    }
    remote.extend(user_keys(conn, &user)?);
    Ok(bitrise_keys::compare(&loaded.workspace.api_keys, &remote))
}

//! Why a new connection may not be added: typed reasons each face words for itself
//! (`check` names TOML keys, the CLI names flags, the TUI names form fields). Pure.

use super::fields;
use super::workspace::{ApiKey, App, AppleId, KeyKind, MAX_API_KEYS, Workspace};

/// The part of an API key a refusal is about (a face maps it to a flag or a field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyField {
    Name,
    KeyId,
    IssuerId,
    Kind,
    Enterprise,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRefusal {
    /// A field's shape is wrong; the message says what to write.
    Shape(KeyField, String),
    /// A team key without an issuer ID.
    IssuerMissing,
    /// An individual key with an issuer ID.
    IssuerOnIndividual,
    /// An individual key marked Enterprise Program.
    EnterpriseIndividual,
    /// The workspace holds `MAX_API_KEYS` already.
    TooMany,
    NameTaken(String),
    KeyIdTaken {
        key_id: String,
        by: String,
    },
}

impl KeyRefusal {
    /// The field a face points at.
    pub fn field(&self) -> Option<KeyField> {
        match self {
            KeyRefusal::Shape(f, _) => Some(*f),
            KeyRefusal::IssuerMissing | KeyRefusal::IssuerOnIndividual => Some(KeyField::IssuerId),
            KeyRefusal::EnterpriseIndividual => Some(KeyField::Enterprise),
            KeyRefusal::TooMany => None,
            KeyRefusal::NameTaken(_) => Some(KeyField::Name),
            KeyRefusal::KeyIdTaken { .. } => Some(KeyField::KeyId),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppleIdRefusal {
    /// Not an email address; the message says what to write.
    Shape(String),
    AlreadyConnected(String),
    /// One Apple ID per member, as on Bitrise.
    OwnerHasOne {
        owner: String,
        existing: String,
    },
}

/// What is wrong with one API key on its own (shapes, issuer and kind): `check` and `may_add_api_key`.
pub fn api_key_shape(key: &ApiKey) -> Vec<KeyRefusal> {
    let mut out = Vec::new();
    if let Err(e) = fields::connection_name(&key.name) {
        out.push(KeyRefusal::Shape(KeyField::Name, e));
    }
    if let Err(e) = fields::key_id(&key.key_id) {
        out.push(KeyRefusal::Shape(KeyField::KeyId, e));
    }
    match (key.kind, &key.issuer_id) {
        (KeyKind::Team, None) => out.push(KeyRefusal::IssuerMissing),
        (KeyKind::Individual, Some(_)) => out.push(KeyRefusal::IssuerOnIndividual),
        (_, Some(issuer)) => {
            if let Err(e) = fields::issuer_id(issuer) {
                out.push(KeyRefusal::Shape(KeyField::IssuerId, e));
            }
        }
        (KeyKind::Individual, None) => {}
    }
    if key.kind == KeyKind::Individual && key.enterprise {
        out.push(KeyRefusal::EnterpriseIndividual);
    }
    out
}

impl Workspace {
    /// Whether `key` may join the workspace: the first reason it may not.
    pub fn may_add_api_key(&self, key: &ApiKey) -> Result<(), KeyRefusal> {
        if let Some(r) = api_key_shape(key).into_iter().next() {
            return Err(r);
        }
        if self.api_keys.len() >= MAX_API_KEYS {
            return Err(KeyRefusal::TooMany);
        }
        if self.api_key(&key.name).is_some() {
            return Err(KeyRefusal::NameTaken(key.name.clone()));
        }
        if let Some(other) = self.api_keys.iter().find(|k| k.key_id == key.key_id) {
            return Err(KeyRefusal::KeyIdTaken {
                key_id: key.key_id.clone(),
                by: other.name.clone(),
            });
        }
        Ok(())
    }

    /// Whether `aid` may join the workspace: the first reason it may not.
    pub fn may_add_apple_id(&self, aid: &AppleId) -> Result<(), AppleIdRefusal> {
        fields::apple_id(&aid.apple_id).map_err(AppleIdRefusal::Shape)?;
        if self.apple_id(&aid.apple_id).is_some() {
            return Err(AppleIdRefusal::AlreadyConnected(aid.apple_id.clone()));
        }
        let owner = aid.owner(self);
        if let Some(existing) = self.apple_ids.iter().find(|a| a.owner(self) == owner) {
            return Err(AppleIdRefusal::OwnerHasOne {
                owner: owner.to_string(),
                existing: existing.apple_id.clone(),
            });
        }
        Ok(())
    }
}

/// The part of a new app a refusal is about (a face maps it to a flag or a field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppField {
    Slug,
    Title,
    Owner,
    Admins,
    BitriseYml,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRefusal {
    /// A field's shape is wrong; the message says what to write.
    Shape(AppField, String),
    SlugTaken(String),
    /// `[apps.bitrise_yml]` names both workflows and a pipeline, or neither.
    RunsNotOne,
}

impl AppRefusal {
    pub fn field(&self) -> AppField {
        match self {
            AppRefusal::Shape(f, _) => *f,
            AppRefusal::SlugTaken(_) => AppField::Slug,
            AppRefusal::RunsNotOne => AppField::BitriseYml,
        }
    }

    /// The message with the workspace's own words (a face may word the flags itself).
    pub fn message(&self) -> String {
        match self {
            AppRefusal::Shape(_, m) => m.clone(),
            AppRefusal::SlugTaken(s) => {
                format!("an app with the slug `{s}` already exists: choose another slug")
            }
            AppRefusal::RunsNotOne => {
                "a bitrise.yml app runs either workflows or one pipeline: give one of the two"
                    .into()
            }
        }
    }
}

impl Workspace {
    /// Whether `app` may join the workspace: the first reason it may not.
    /// The bitrise.yml file itself is read by the caller (the domain does no I/O).
    pub fn may_add_app(&self, app: &App) -> Result<(), AppRefusal> {
        fields::app_slug(&app.slug).map_err(|e| AppRefusal::Shape(AppField::Slug, e))?;
        if self.app(&app.slug).is_some() {
            return Err(AppRefusal::SlugTaken(app.slug.clone()));
        }
        if let Some(title) = &app.title
            && (title.trim().is_empty() || title.chars().any(char::is_control))
        {
            return Err(AppRefusal::Shape(
                AppField::Title,
                "the title is empty or has control characters: write plain text, e.g. \"Shop iOS\""
                    .into(),
            ));
        }
        if let Some(owner) = &app.owner {
            fields::member(owner).map_err(|e| AppRefusal::Shape(AppField::Owner, e))?;
        }
        for admin in &app.admins {
            fields::member(admin).map_err(|e| AppRefusal::Shape(AppField::Admins, e))?;
        }
        if let Some(b) = &app.bitrise_yml {
            if b.path.trim().is_empty() {
                return Err(AppRefusal::Shape(
                    AppField::BitriseYml,
                    "the bitrise.yml path is empty: give the file's path".into(),
                ));
            }
            if b.workflows.is_empty() == b.pipeline.is_none() {
                return Err(AppRefusal::RunsNotOne);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secret_ref::SecretRef;

    fn key(name: &str, id: &str) -> ApiKey {
        ApiKey {
            name: name.into(),
            key_id: id.into(),
            issuer_id: Some("57246542-96fe-1a63-e053-0824d011072a".into()),
            kind: KeyKind::Team,
            enterprise: false,
            owner: None,
            private_key: SecretRef::Keyring,
            fingerprint: None,
            bitrise: None,
        }
    }

    #[test]
    fn the_first_reason_is_returned_typed() {
        let mut ws = Workspace {
            version: 1,
            you: "a@example.com".into(),
            ..Workspace::default()
        };
        assert_eq!(ws.may_add_api_key(&key("A", "ABCDEFGHIJ")), Ok(()));
        ws.api_keys.push(key("A", "ABCDEFGHIJ"));
        assert_eq!(
            ws.may_add_api_key(&key("A", "ZZZZZZZZZZ")),
            Err(KeyRefusal::NameTaken("A".into()))
        );
        assert!(matches!(
            ws.may_add_api_key(&key("B", "ABCDEFGHIJ")),
            Err(KeyRefusal::KeyIdTaken { .. })
        ));
        let mut no_issuer = key("C", "CCCCCCCCCC");
        no_issuer.issuer_id = None;
        assert_eq!(
            ws.may_add_api_key(&no_issuer),
            Err(KeyRefusal::IssuerMissing)
        );
        for i in 0..MAX_API_KEYS {
            ws.api_keys
                .push(key(&format!("k{i}"), &format!("{i:0>10}")));
        }
        assert_eq!(
            ws.may_add_api_key(&key("D", "DDDDDDDDDD")),
            Err(KeyRefusal::TooMany)
        );
    }
}

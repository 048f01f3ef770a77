//! Why a new connection may not be added: typed reasons each face words for itself
//! (`check` names TOML keys, the CLI names flags, the TUI names form fields). Pure.

use super::fields;
use super::workspace::{ApiKey, AppleId, KeyKind, MAX_API_KEYS, Workspace};

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

//! The workspace edits the faces ask for (assign, a step input, an API key's fields, an Apple ID's
//! references, where moved secrets now live): each checked and written here, once, so no face
//! holds a TOML document and every write to the file has one path (`save::apply`, under the lock).

use crate::domain::secret_ref::SecretRef;
use crate::store::edit;
use crate::store::{Loaded, UpdateError};

use super::save::{self, Target};

/// Which kind of connection a remove or a confirmation names (re-exported for the faces).
pub use crate::store::edit::ConnectionKind;

/// One change to the workspace file, as a face describes it.
#[derive(Debug, Clone)]
pub enum Change {
    /// Sets (`Some`) or clears an app's `api_key` / `apple_id`.
    Assign {
        slug: String,
        field: &'static str,
        to: Option<String>,
    },
    /// Sets (`Some`) or removes one input of one step of an app.
    SetInput {
        slug: String,
        step_index: usize,
        input: String,
        value: Option<String>,
    },
    /// An API key's name (a rename follows into the apps), issuer ID and Enterprise flag.
    EditApiKey {
        name: String,
        new_name: String,
        issuer_id: Option<String>,
        enterprise: bool,
    },
    /// Where an Apple ID's password and app-specific password are read from.
    AppleIdRefs {
        apple_id: String,
        password: SecretRef,
        app_specific_password: Option<SecretRef>,
    },
    /// Secrets copied elsewhere (`secrets move`): each field now points at `to`.
    PointSecretsAt {
        fields: Vec<SecretField>,
        to: SecretRef,
    },
}

/// A field of a connection that names where a secret lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretField {
    /// The API key with this key ID: its `private_key`.
    ApiKey(String),
    /// The Apple ID's `password`, `app_specific_password` or `session`.
    AppleId(String, &'static str),
}

/// Applies one change (refused with the rule's words when it breaks one; nothing is then written)
/// and returns the workspace as it is afterwards.
pub fn apply(target: Target<'_>, change: &Change) -> Result<Loaded, UpdateError> {
    save::apply(target, |l, doc| write(l, doc, change)).map(|((), l)| l)
}

fn write(l: &Loaded, doc: &mut toml_edit::DocumentMut, change: &Change) -> Result<(), String> {
    let ws = &l.workspace;
    match change {
        Change::Assign { slug, field, to } => {
            ws.may_assign(slug, field, to.as_deref())?;
            edit::assign(doc, slug, field, to.as_deref())
        }
        Change::SetInput {
            slug,
            step_index,
            input,
            value,
        } => edit::set_step_input(doc, slug, *step_index, input, value.as_deref()),
        Change::EditApiKey {
            name,
            new_name,
            issuer_id,
            enterprise,
        } => {
            if new_name != name && ws.api_key(new_name).is_some() {
                return Err(format!(
                    "an API key named `{new_name}` already exists: choose another Name"
                ));
            }
            edit::edit_api_key(doc, name, new_name, issuer_id.as_deref(), *enterprise)
        }
        Change::AppleIdRefs {
            apple_id,
            password,
            app_specific_password,
        } => {
            edit::set_apple_id_ref(doc, apple_id, "password", Some(password))?;
            edit::set_apple_id_ref(
                doc,
                apple_id,
                "app_specific_password",
                app_specific_password.as_ref(),
            )
        }
        Change::PointSecretsAt { fields, to } => {
            for field in fields {
                match field {
                    SecretField::ApiKey(key_id) => edit::set_api_key_ref(doc, key_id, to)?,
                    // A session in the keyring is the default: the field is left out.
                    SecretField::AppleId(id, "session") => {
                        let r = (*to != SecretRef::Keyring).then_some(to);
                        edit::set_apple_id_ref(doc, id, "session", r)?
                    }
                    SecretField::AppleId(id, field) => {
                        edit::set_apple_id_ref(doc, id, field, Some(to))?
                    }
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = r#"version = 1
you = "alice@example.com"

[[api_keys]]
name = "CI key"
key_id = "2X9R4HXF34"
issuer_id = "57246542-96fe-1a63-e053-0824d011072a"
kind = "team"
owner = "alice@example.com"

[[apple_ids]]
apple_id = "alice@example.com"
owner = "alice@example.com"
password = { env = "APPLE_PASSWORD" }

[[apps]]
slug = "shop-ios"
owner = "alice@example.com"
"#;

    fn loaded() -> Loaded {
        crate::store::parse(std::path::Path::new("/nowhere/ws.toml"), WS.to_string()).unwrap()
    }

    #[test]
    fn an_assignment_is_checked_then_written() {
        let l = loaded();
        let to = |name: &str| Change::Assign {
            slug: "shop-ios".into(),
            field: "api_key",
            to: Some(name.into()),
        };
        let after = apply(Target::Memory(&l), &to("CI key")).unwrap();
        assert!(
            after.text.contains("api_key = \"CI key\""),
            "{}",
            after.text
        );
        let refused = apply(Target::Memory(&l), &to("no such key")).unwrap_err();
        assert!(matches!(refused, UpdateError::Refused(_)), "{refused}");
    }

    #[test]
    fn a_rename_onto_another_key_is_refused() {
        let l = loaded();
        let same = Change::EditApiKey {
            name: "CI key".into(),
            new_name: "CI key".into(),
            issuer_id: None,
            enterprise: true,
        };
        let after = apply(Target::Memory(&l), &same).unwrap();
        assert!(after.text.contains("enterprise = true"), "{}", after.text);
        let mut two = after.clone();
        two.text.push_str(
            "\n[[api_keys]]\nname = \"Other\"\nkey_id = \"ZZZ123DEFG\"\nissuer_id = \"57246542-96fe-1a63-e053-0824d011072a\"\nkind = \"team\"\nowner = \"alice@example.com\"\n",
        );
        let two = crate::store::parse(&two.path, two.text).unwrap();
        let clash = Change::EditApiKey {
            name: "Other".into(),
            new_name: "CI key".into(),
            issuer_id: None,
            enterprise: false,
        };
        let e = apply(Target::Memory(&two), &clash).unwrap_err().to_string();
        assert!(e.contains("already exists"), "{e}");
    }

    #[test]
    fn moved_secrets_point_at_their_new_home_and_a_keyring_session_is_left_implicit() {
        let l = loaded();
        let vault = SecretRef::Vault(crate::domain::secret_ref::VaultRef::Entry);
        let moved = Change::PointSecretsAt {
            fields: vec![
                SecretField::ApiKey("2X9R4HXF34".into()),
                SecretField::AppleId("alice@example.com".into(), "password"),
                SecretField::AppleId("alice@example.com".into(), "session"),
            ],
            to: vault.clone(),
        };
        let after = apply(Target::Memory(&l), &moved).unwrap();
        let ws = &after.workspace;
        assert_eq!(ws.api_keys[0].private_key, vault);
        assert_eq!(ws.apple_ids[0].password, vault);
        assert_eq!(ws.apple_ids[0].session, Some(vault));
        let back = Change::PointSecretsAt {
            fields: vec![SecretField::AppleId("alice@example.com".into(), "session")],
            to: SecretRef::Keyring,
        };
        let after = apply(Target::Memory(&after), &back).unwrap();
        assert!(!after.text.contains("session"), "{}", after.text);
    }
}

//! The domain's refusals in the TUI's words: they name the form's fields, never CLI flags.

use crate::domain::rules::{AppleIdRefusal, KeyRefusal};
use crate::domain::workspace::MAX_API_KEYS;
use crate::secrets::SecretError;

pub fn key_refusal(r: &KeyRefusal) -> String {
    match r {
        KeyRefusal::Shape(_, e) => e.clone(),
        KeyRefusal::IssuerMissing => "a team key needs its Issuer ID (App Store Connect › Users and Access › Integrations); for an individual key choose Kind: individual".into(),
        KeyRefusal::IssuerOnIndividual => {
            "an individual key has no Issuer ID: empty the Issuer ID field, or choose Kind: team".into()
        }
        KeyRefusal::EnterpriseIndividual => {
            "Enterprise Program keys are team keys: choose Kind: team and fill in the Issuer ID".into()
        }
        KeyRefusal::TooMany => format!(
            "the workspace already has {MAX_API_KEYS} API keys, Bitrise's limit: remove one first (d on a key)"
        ),
        KeyRefusal::NameTaken(n) => {
            format!("an API key named `{n}` already exists: choose another Name")
        }
        KeyRefusal::KeyIdTaken { key_id, by } => {
            format!("key {key_id} is already in the workspace as `{by}`")
        }
    }
}

pub fn apple_id_refusal(r: &AppleIdRefusal) -> String {
    match r {
        AppleIdRefusal::Shape(e) => e.clone(),
        AppleIdRefusal::AlreadyConnected(id) => {
            format!("{id} is already connected: to renew its session select it and press r")
        }
        AppleIdRefusal::OwnerHasOne { owner, existing } => format!(
            "{owner} already has an Apple ID connection ({existing}): one Apple ID per member, as on Bitrise; remove it first"
        ),
    }
}

/// A secret store's failure; a missing keyring names the form's way out, not the CLI's flags.
pub fn secret_error(e: &SecretError) -> String {
    match e {
        SecretError::NoKeyring(why) => format!(
            "no OS keyring is reachable ({why}). Either start apple-conn inside a Secret Service session (on a desktop log in normally; over SSH run it inside `dbus-run-session` with gnome-keyring unlocked), or choose Store: reference and write where each secret is (env:VAR or file:PATH)"
        ),
        other => other.to_string(),
    }
}

/// Why the keyring could not be reached, without the ways out (the caller names its own).
pub fn keyring_reason(e: &SecretError) -> String {
    match e {
        SecretError::NoKeyring(why) => why.clone(),
        other => other.to_string(),
    }
}

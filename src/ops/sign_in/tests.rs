//! The sign-in job with the demo service and in-memory stores (fakes: unit tests only).

use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::apple::signin::{CodeAnswer, CodeRequest};
use crate::domain::secret_ref::SecretRef;
use crate::ops::save::Target;
use crate::secrets::MemoryStore;

struct Codes(Vec<&'static str>, usize);

impl CodeSource for Codes {
    fn answer(&mut self, _r: &CodeRequest) -> Result<CodeAnswer, SignInError> {
        self.1 += 1;
        self.0
            .pop()
            .map(|c| CodeAnswer::Code(c.into()))
            .ok_or(SignInError::Cancelled)
    }
}

/// A keyring that keeps passwords but refuses sessions, and never deletes.
struct Stubborn(MemoryStore);

impl SecretStore for Stubborn {
    fn get(&self, name: &EntryName) -> Result<SecretValue, SecretError> {
        self.0.get(name)
    }
    fn set(&self, name: &EntryName, value: &SecretValue) -> Result<(), SecretError> {
        if name.as_str().ends_with("/session") {
            return Err(SecretError::Unavailable("the keyring is locked".into()));
        }
        self.0.set(name, value)
    }
    fn delete(&self, _name: &EntryName) -> Result<(), SecretError> {
        Err(SecretError::Unavailable("the keyring is locked".into()))
    }
    fn describe(&self) -> String {
        "a stubborn keyring".into()
    }
}

fn at() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn loaded(text: &str) -> Loaded {
    crate::store::parse(Path::new("/nonexistent/ws.toml"), text.to_string()).unwrap()
}

fn new_id() -> NewAppleId {
    NewAppleId {
        apple_id: "dev@example.com".into(),
        password: SecretValue::new("pw".into()),
        password_at: SecretRef::Keyring,
        app_specific_password: None,
        session_at: SecretRef::Keyring,
    }
}

fn add(keyring: &dyn SecretStore, l: &Loaded, codes: &mut Codes) -> Result<Added, SignInOpError> {
    let mut quiet = |_: &str| {};
    add_apple_id(
        Target::Memory(l),
        keyring,
        &l.workspace,
        &new_id(),
        Job {
            service: &Service::Demo,
            sms: None,
            clock: Clock::Fixed(at()),
            codes,
            progress: &mut quiet,
        },
    )
}

const EMPTY: &str = "version = 1\nyou = \"dev@example.com\"\n";

#[test]
fn a_new_apple_id_is_stamped_by_the_clock_passed_in() {
    let l = loaded(EMPTY);
    let keyring = MemoryStore::new();
    let added = add(&keyring, &l, &mut Codes(vec!["123456", "000000"], 0)).unwrap();
    let aid = added.loaded.workspace.apple_id("dev@example.com").unwrap();
    assert_eq!(aid.authenticated_at, Some(at()));
    assert_eq!(aid.session_expires_at, Some(at() + Duration::days(30)));
    assert!(keyring.get(&EntryName::password("dev@example.com")).is_ok());
    assert!(keyring.get(&EntryName::session("dev@example.com")).is_ok());
}

#[test]
fn the_rules_refuse_before_any_code_is_asked() {
    let l = loaded(EMPTY);
    let first = add(&MemoryStore::new(), &l, &mut Codes(vec!["123456"], 0)).unwrap();
    let mut codes = Codes(vec!["123456"], 0);
    let again = add(&MemoryStore::new(), &first.loaded, &mut codes);
    assert!(
        matches!(again, Err(SignInOpError::Refused(AppleIdRefusal::AlreadyConnected(ref id))) if id == "dev@example.com"),
        "{:?}",
        again.err()
    );
    assert_eq!(codes.1, 0, "no code was asked for");
}

#[test]
fn a_secret_that_cannot_be_kept_reports_what_could_not_be_removed_again() {
    let l = loaded(EMPTY);
    let keyring = Stubborn(MemoryStore::new());
    let err = add(&keyring, &l, &mut Codes(vec!["123456"], 0)).err();
    match err {
        Some(SignInOpError::Secret { leftovers, .. }) => {
            assert_eq!(leftovers.len(), 1, "{leftovers:?}");
            assert!(leftovers[0].entry.contains("password"), "{leftovers:?}");
            assert!(leftovers[0].error.contains("locked"), "{leftovers:?}");
        }
        other => panic!("expected a Secret error, got {other:?}"),
    }
}

#[test]
fn a_reauth_that_moves_the_session_warns_when_the_old_copy_stays() {
    let l = loaded(EMPTY);
    let keyring = MemoryStore::new();
    let added = add(&keyring, &l, &mut Codes(vec!["123456"], 0)).unwrap();
    let stubborn = Stubborn(keyring);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.json").display().to_string();
    let mut quiet = |_: &str| {};
    let later = at() + Duration::days(10);
    let kept = reauth(
        Target::Memory(&added.loaded),
        &stubborn,
        &added.loaded,
        Reauth {
            apple_id: "dev@example.com".into(),
            password: None,
            session_at: Some(SecretRef::Path(file.clone())),
        },
        Job {
            service: &Service::Demo,
            sms: None,
            clock: Clock::Fixed(later),
            codes: &mut Codes(vec!["123456"], 0),
            progress: &mut quiet,
        },
    )
    .unwrap();
    let aid = kept.loaded.workspace.apple_id("dev@example.com").unwrap();
    assert_eq!(aid.authenticated_at, Some(later));
    assert_eq!(aid.session, Some(SecretRef::Path(file)));
    assert!(
        kept.warnings
            .iter()
            .any(|w| w.contains("old session copy") && w.contains("delete it by hand")),
        "{:?}",
        kept.warnings
    );
}

//! The forms, one struct each, and which of their fields show in which order.

use super::{Field, Fields, KeyStore};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddApiKeyFocus {
    Name,
    IssuerId,
    KeyId,
    Kind,
    Enterprise,
    PrivateKey,
    Store,
}

#[derive(Debug, Clone)]
pub struct AddApiKey {
    pub name: Field,
    pub issuer_id: Field,
    pub key_id: Field,
    pub kind: Field,
    pub enterprise: Field,
    pub private_key: Field,
    pub store: Field,
    pub focus: AddApiKeyFocus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAppleIdFocus {
    AppleId,
    /// Store: keyring: the password itself.
    Password,
    /// Store: reference: where the password is read from.
    PasswordFrom,
    Store,
    /// Store: reference: the file the session is written to.
    SessionFile,
}

#[derive(Debug, Clone)]
pub struct AddAppleId {
    pub apple_id: Field,
    pub password: Field,
    pub password_from: Field,
    pub store: Field,
    pub session_file: Field,
    pub focus: AddAppleIdFocus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFocus {
    Code,
}

/// The code step of a sign-in (add or re-authenticate).
#[derive(Debug, Clone)]
pub struct TwoFactor {
    pub apple_id: String,
    pub code: Field,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AspFocus {
    Password,
}

/// After a successful sign-in: the optional app-specific password.
#[derive(Debug, Clone)]
pub struct AppSpecificPassword {
    pub apple_id: String,
    pub password: Field,
    /// Store: reference: the field says where the password is read from.
    pub by_reference: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditApiKeyFocus {
    Name,
    IssuerId,
    Enterprise,
}

#[derive(Debug, Clone)]
pub struct EditApiKey {
    /// The key's name before the edit.
    pub original: String,
    pub name: Field,
    pub issuer_id: Field,
    pub enterprise: Field,
    pub focus: EditApiKeyFocus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditAppleIdFocus {
    Password,
    AppSpecificPassword,
    NewAppSpecificPassword,
}

/// Where an Apple ID's secrets are (no sign-in: that is `r`).
#[derive(Debug, Clone)]
pub struct EditAppleId {
    pub apple_id: String,
    pub password: Field,
    pub app_specific_password: Field,
    pub new_app_specific_password: Field,
    pub focus: EditAppleIdFocus,
}

/// A step's inputs: one field per input the catalog knows, named by the input.
#[derive(Debug, Clone)]
pub struct EditInputs {
    pub slug: String,
    pub step_index: usize,
    pub step_id: String,
    pub inputs: Vec<Field>,
    pub focus: usize,
}

impl Fields for AddApiKey {
    type Focus = AddApiKeyFocus;
    fn order(&self) -> Vec<AddApiKeyFocus> {
        use AddApiKeyFocus::*;
        vec![Name, IssuerId, KeyId, Kind, Enterprise, PrivateKey, Store]
    }
    fn focus(&self) -> AddApiKeyFocus {
        self.focus
    }
    fn set_focus(&mut self, f: AddApiKeyFocus) {
        self.focus = f;
    }
    fn field(&self, f: AddApiKeyFocus) -> Option<&Field> {
        Some(match f {
            AddApiKeyFocus::Name => &self.name,
            AddApiKeyFocus::IssuerId => &self.issuer_id,
            AddApiKeyFocus::KeyId => &self.key_id,
            AddApiKeyFocus::Kind => &self.kind,
            AddApiKeyFocus::Enterprise => &self.enterprise,
            AddApiKeyFocus::PrivateKey => &self.private_key,
            AddApiKeyFocus::Store => &self.store,
        })
    }
    fn field_mut(&mut self, f: AddApiKeyFocus) -> Option<&mut Field> {
        Some(match f {
            AddApiKeyFocus::Name => &mut self.name,
            AddApiKeyFocus::IssuerId => &mut self.issuer_id,
            AddApiKeyFocus::KeyId => &mut self.key_id,
            AddApiKeyFocus::Kind => &mut self.kind,
            AddApiKeyFocus::Enterprise => &mut self.enterprise,
            AddApiKeyFocus::PrivateKey => &mut self.private_key,
            AddApiKeyFocus::Store => &mut self.store,
        })
    }
}

impl Fields for AddAppleId {
    type Focus = AddAppleIdFocus;
    fn order(&self) -> Vec<AddAppleIdFocus> {
        use AddAppleIdFocus::*;
        match KeyStore::of(&self.store) {
            KeyStore::Keyring => vec![AppleId, Password, Store],
            KeyStore::Reference => vec![AppleId, PasswordFrom, Store, SessionFile],
        }
    }
    fn focus(&self) -> AddAppleIdFocus {
        self.focus
    }
    fn set_focus(&mut self, f: AddAppleIdFocus) {
        self.focus = f;
    }
    fn field(&self, f: AddAppleIdFocus) -> Option<&Field> {
        Some(match f {
            AddAppleIdFocus::AppleId => &self.apple_id,
            AddAppleIdFocus::Password => &self.password,
            AddAppleIdFocus::PasswordFrom => &self.password_from,
            AddAppleIdFocus::Store => &self.store,
            AddAppleIdFocus::SessionFile => &self.session_file,
        })
    }
    fn field_mut(&mut self, f: AddAppleIdFocus) -> Option<&mut Field> {
        Some(match f {
            AddAppleIdFocus::AppleId => &mut self.apple_id,
            AddAppleIdFocus::Password => &mut self.password,
            AddAppleIdFocus::PasswordFrom => &mut self.password_from,
            AddAppleIdFocus::Store => &mut self.store,
            AddAppleIdFocus::SessionFile => &mut self.session_file,
        })
    }
}

impl Fields for TwoFactor {
    type Focus = CodeFocus;
    fn order(&self) -> Vec<CodeFocus> {
        vec![CodeFocus::Code]
    }
    fn focus(&self) -> CodeFocus {
        CodeFocus::Code
    }
    fn set_focus(&mut self, _: CodeFocus) {}
    fn field(&self, _: CodeFocus) -> Option<&Field> {
        Some(&self.code)
    }
    fn field_mut(&mut self, _: CodeFocus) -> Option<&mut Field> {
        Some(&mut self.code)
    }
}

impl Fields for AppSpecificPassword {
    type Focus = AspFocus;
    fn order(&self) -> Vec<AspFocus> {
        vec![AspFocus::Password]
    }
    fn focus(&self) -> AspFocus {
        AspFocus::Password
    }
    fn set_focus(&mut self, _: AspFocus) {}
    fn field(&self, _: AspFocus) -> Option<&Field> {
        Some(&self.password)
    }
    fn field_mut(&mut self, _: AspFocus) -> Option<&mut Field> {
        Some(&mut self.password)
    }
}

impl Fields for EditApiKey {
    type Focus = EditApiKeyFocus;
    fn order(&self) -> Vec<EditApiKeyFocus> {
        use EditApiKeyFocus::*;
        vec![Name, IssuerId, Enterprise]
    }
    fn focus(&self) -> EditApiKeyFocus {
        self.focus
    }
    fn set_focus(&mut self, f: EditApiKeyFocus) {
        self.focus = f;
    }
    fn field(&self, f: EditApiKeyFocus) -> Option<&Field> {
        Some(match f {
            EditApiKeyFocus::Name => &self.name,
            EditApiKeyFocus::IssuerId => &self.issuer_id,
            EditApiKeyFocus::Enterprise => &self.enterprise,
        })
    }
    fn field_mut(&mut self, f: EditApiKeyFocus) -> Option<&mut Field> {
        Some(match f {
            EditApiKeyFocus::Name => &mut self.name,
            EditApiKeyFocus::IssuerId => &mut self.issuer_id,
            EditApiKeyFocus::Enterprise => &mut self.enterprise,
        })
    }
}

impl Fields for EditAppleId {
    type Focus = EditAppleIdFocus;
    fn order(&self) -> Vec<EditAppleIdFocus> {
        use EditAppleIdFocus::*;
        vec![Password, AppSpecificPassword, NewAppSpecificPassword]
    }
    fn focus(&self) -> EditAppleIdFocus {
        self.focus
    }
    fn set_focus(&mut self, f: EditAppleIdFocus) {
        self.focus = f;
    }
    fn field(&self, f: EditAppleIdFocus) -> Option<&Field> {
        Some(match f {
            EditAppleIdFocus::Password => &self.password,
            EditAppleIdFocus::AppSpecificPassword => &self.app_specific_password,
            EditAppleIdFocus::NewAppSpecificPassword => &self.new_app_specific_password,
        })
    }
    fn field_mut(&mut self, f: EditAppleIdFocus) -> Option<&mut Field> {
        Some(match f {
            EditAppleIdFocus::Password => &mut self.password,
            EditAppleIdFocus::AppSpecificPassword => &mut self.app_specific_password,
            EditAppleIdFocus::NewAppSpecificPassword => &mut self.new_app_specific_password,
        })
    }
}

/// The focus is the input's position: the inputs are the step's, not fixed by the form.
impl Fields for EditInputs {
    type Focus = usize;
    fn order(&self) -> Vec<usize> {
        (0..self.inputs.len()).collect()
    }
    fn focus(&self) -> usize {
        self.focus
    }
    fn set_focus(&mut self, f: usize) {
        self.focus = f;
    }
    fn field(&self, f: usize) -> Option<&Field> {
        self.inputs.get(f)
    }
    fn field_mut(&mut self, f: usize) -> Option<&mut Field> {
        self.inputs.get_mut(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAppFocus {
    Slug,
    Title,
    Owner,
    Admins,
    BitriseYml,
    Runs,
    RepoRoot,
    RepoMap,
}

/// A new app: by hand, or from a bitrise.yml (its path, then the workflows to preview).
#[derive(Debug, Clone)]
pub struct AddApp {
    pub slug: Field,
    pub title: Field,
    pub owner: Field,
    /// Comma-separated e-mail addresses.
    pub admins: Field,
    pub bitrise_yml: Field,
    /// The Workflows list's filter text (a `Pick` field); shown once a bitrise.yml is given.
    pub runs: Field,
    /// The Workflows list itself: the file's runs, which are chosen, where the cursor is.
    pub pick: RunPick,
    /// Where the file's `include:` paths resolve (`add app --repo-root`); with a bitrise.yml.
    pub repo_root: Field,
    /// `URL=DIR`, comma-separated: checkouts of included repositories (`--repo-map`).
    pub repo_map: Field,
    pub focus: AddAppFocus,
}

impl Fields for AddApp {
    type Focus = AddAppFocus;
    fn order(&self) -> Vec<AddAppFocus> {
        use AddAppFocus::*;
        let mut v = vec![Slug, Title, Owner, Admins, BitriseYml];
        // The list comes last: it is read with the file's include options.
        if !self.bitrise_yml.value().trim().is_empty() {
            v.extend([RepoRoot, RepoMap, Runs]);
        }
        v
    }
    fn focus(&self) -> AddAppFocus {
        self.focus
    }
    fn set_focus(&mut self, f: AddAppFocus) {
        self.focus = f;
    }
    fn field(&self, f: AddAppFocus) -> Option<&Field> {
        Some(match f {
            AddAppFocus::Slug => &self.slug,
            AddAppFocus::Title => &self.title,
            AddAppFocus::Owner => &self.owner,
            AddAppFocus::Admins => &self.admins,
            AddAppFocus::BitriseYml => &self.bitrise_yml,
            AddAppFocus::Runs => &self.runs,
            AddAppFocus::RepoRoot => &self.repo_root,
            AddAppFocus::RepoMap => &self.repo_map,
        })
    }
    fn field_mut(&mut self, f: AddAppFocus) -> Option<&mut Field> {
        Some(match f {
            AddAppFocus::Slug => &mut self.slug,
            AddAppFocus::Title => &mut self.title,
            AddAppFocus::Owner => &mut self.owner,
            AddAppFocus::Admins => &mut self.admins,
            AddAppFocus::BitriseYml => &mut self.bitrise_yml,
            AddAppFocus::Runs => &mut self.runs,
            AddAppFocus::RepoRoot => &mut self.repo_root,
            AddAppFocus::RepoMap => &mut self.repo_map,
        })
    }
}

/// What the Workflows list was read for: the path, repo root and repo map as typed.
pub type PickSource = [String; 3];

/// The add-app form's Workflows list: a bitrise.yml's runs, several chosen (or one pipeline).
#[derive(Debug, Clone, Default)]
pub struct RunPick {
    /// The inputs the list was asked for (None: not yet, or the read failed).
    pub read_for: Option<PickSource>,
    /// Whether the answer for `read_for` came back.
    pub read: bool,
    pub choices: Vec<crate::ops::apps::RunChoice>,
    /// Parallel to `choices`.
    pub chosen: Vec<bool>,
    /// The cursor: a position in `visible`.
    pub cursor: usize,
    /// `/` was pressed: every letter goes to the filter, j and k too.
    pub filtering: bool,
    /// One line under the list (why a choice changed, why a row cannot be chosen).
    pub note: Option<String>,
}

impl RunPick {
    /// The choices the filter keeps (case-insensitive substring), as indices into `choices`.
    pub fn visible(&self, filter: &str) -> Vec<usize> {
        let f = filter.trim().to_lowercase();
        self.choices
            .iter()
            .enumerate()
            .filter(|(_, c)| f.is_empty() || label(&c.target).to_lowercase().contains(&f))
            .map(|(i, _)| i)
            .collect()
    }

    /// The chosen runs, in the file's order.
    pub fn chosen_targets(&self) -> Vec<crate::bitrise::run::Target> {
        self.choices
            .iter()
            .zip(&self.chosen)
            .filter(|(_, on)| **on)
            .map(|(c, _)| c.target.clone())
            .collect()
    }

    /// A new list for the same form: what was chosen stays chosen where the file still has it.
    pub fn replace(&mut self, choices: Vec<crate::ops::apps::RunChoice>) {
        let before = self.chosen_targets();
        self.chosen = choices
            .iter()
            .map(|c| c.choosable && before.contains(&c.target))
            .collect();
        self.choices = choices;
        self.cursor = 0;
        self.read = true;
    }

    /// Space on a row: a pipeline runs alone (the workspace keeps workflows or one pipeline),
    /// so choosing one unchooses the rest, and choosing a workflow unchooses a pipeline.
    pub fn toggle(&mut self, i: usize) {
        use crate::bitrise::run::Target;
        let Some(c) = self.choices.get(i) else {
            return;
        };
        self.note = None;
        if !c.choosable {
            self.note = Some(format!("{}: {}", label(&c.target), c.mark));
            return;
        }
        let on = !self.chosen.get(i).copied().unwrap_or(false);
        if on {
            let pipeline = matches!(c.target, Target::Pipeline(_));
            let mut dropped = Vec::new();
            for (j, other) in self.choices.iter().enumerate() {
                let other_pipeline = matches!(other.target, Target::Pipeline(_));
                if j != i && self.chosen[j] && (pipeline || other_pipeline) {
                    self.chosen[j] = false;
                    dropped.push(label(&other.target));
                }
            }
            if !dropped.is_empty() {
                self.note = Some(format!(
                    "an app runs workflows or one pipeline: unchose {}",
                    dropped.join(", ")
                ));
            }
        }
        if let Some(x) = self.chosen.get_mut(i) {
            *x = on;
        }
    }
}

/// A run as the list and the summary name it: `deploy`, `pipeline:release`.
pub fn label(t: &crate::bitrise::run::Target) -> String {
    match t {
        crate::bitrise::run::Target::Workflow(w) => w.clone(),
        crate::bitrise::run::Target::Pipeline(p) => format!("pipeline:{p}"),
    }
}

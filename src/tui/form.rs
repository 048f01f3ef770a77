//! Forms as types: each form a struct of named fields with a focus enum; `Form` adds what
//! every form has (title, notes, error, spinner). Behaviour lives in `update::forms`.

use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Secret,
    /// A path with Tab completion, or pasted key content.
    Path,
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    Name,
    KeyId,
    IssuerOptional,
    AppleId,
    Code,
    AppSpecificPasswordOptional,
    NonEmpty,
    InputValue,
    /// `env:VAR` or `file:PATH`: where a secret is read from (Store: reference).
    Reference,
    ReferenceOptional,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: String,
    pub input: Input,
    pub kind: FieldKind,
    pub check: Check,
    /// For Choice fields: accepted values of a step input (EditInputs).
    pub values: Vec<String>,
    pub hint: String,
}

impl Field {
    pub fn new(label: &str, kind: FieldKind, check: Check) -> Field {
        Field {
            label: label.into(),
            input: Input::default(),
            kind,
            check,
            values: Vec::new(),
            hint: String::new(),
        }
    }

    pub fn with_value(mut self, v: &str) -> Field {
        self.input = Input::new(v.to_string());
        self
    }

    pub fn with_hint(mut self, hint: &str) -> Field {
        self.hint = hint.into();
        self
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn set(&mut self, v: impl Into<String>) {
        self.input = Input::new(v.into());
    }
}

/// Where a form's secret goes: the workspace's own store (OS keyring, or its vault), or a
/// reference to the file / env var it came from (hosts without a keyring).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStore {
    Keyring,
    Reference,
}

impl KeyStore {
    pub const CHOICES: &'static [&'static str] = &["keyring", "reference"];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyStore::Keyring => "keyring",
            KeyStore::Reference => "reference",
        }
    }

    pub fn of(field: &Field) -> KeyStore {
        if field.value() == KeyStore::Reference.as_str() {
            KeyStore::Reference
        } else {
            KeyStore::Keyring
        }
    }
}

/// The fields of one form in screen order, and which one has the focus.
pub trait Fields {
    type Focus: Copy + PartialEq;
    /// The fields shown, in order (a form may show a field only for some choices).
    fn order(&self) -> Vec<Self::Focus>;
    fn focus(&self) -> Self::Focus;
    fn set_focus(&mut self, f: Self::Focus);
    fn field(&self, f: Self::Focus) -> Option<&Field>;
    fn field_mut(&mut self, f: Self::Focus) -> Option<&mut Field>;
}

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

/// The larger forms are boxed: a layer stays small whichever form it holds.
#[derive(Debug, Clone)]
pub enum FormBody {
    AddApiKey(Box<AddApiKey>),
    AddAppleId(Box<AddAppleId>),
    TwoFactor(Box<TwoFactor>),
    AppSpecificPassword(Box<AppSpecificPassword>),
    EditApiKey(Box<EditApiKey>),
    EditAppleId(Box<EditAppleId>),
    EditInputs(EditInputs),
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub body: FormBody,
    pub error: Option<String>,
    /// Shown under the fields: where the code went, the numbers, a note.
    pub notes: Vec<String>,
    /// A message shown whole, wrapped (why Store is reference, with the ways out).
    pub notice: Option<String>,
    /// A background job runs: the spinner text.
    pub busy: Option<String>,
}

impl Form {
    pub fn new(title: impl Into<String>, body: FormBody, notes: Vec<String>) -> Form {
        Form {
            title: title.into(),
            body,
            error: None,
            notes,
            notice: None,
            busy: None,
        }
    }
}

/// Calls `$e` with `$b` bound to the form struct inside a `FormBody`.
macro_rules! each_body {
    ($body:expr, $b:ident => $e:expr) => {
        match $body {
            FormBody::AddApiKey($b) => $e,
            FormBody::AddAppleId($b) => $e,
            FormBody::TwoFactor($b) => $e,
            FormBody::AppSpecificPassword($b) => $e,
            FormBody::EditApiKey($b) => $e,
            FormBody::EditAppleId($b) => $e,
            FormBody::EditInputs($b) => $e,
        }
    };
}

fn shown<F: Fields>(b: &F) -> Vec<&Field> {
    b.order().into_iter().filter_map(|f| b.field(f)).collect()
}

fn index_of<F: Fields>(b: &F) -> usize {
    let focus = b.focus();
    b.order().iter().position(|f| *f == focus).unwrap_or(0)
}

fn focus_at<F: Fields>(b: &mut F, i: usize) {
    if let Some(f) = b.order().get(i).copied() {
        b.set_focus(f);
    }
}

fn at_mut<F: Fields>(b: &mut F, i: usize) -> Option<&mut Field> {
    let f = b.order().get(i).copied()?;
    b.field_mut(f)
}

impl FormBody {
    /// The fields shown, in screen order.
    pub fn fields(&self) -> Vec<&Field> {
        each_body!(self, b => shown(b))
    }

    pub fn focus_index(&self) -> usize {
        each_body!(self, b => index_of(b))
    }

    pub fn set_focus_index(&mut self, i: usize) {
        each_body!(self, b => focus_at(b, i))
    }

    pub fn field_at_mut(&mut self, i: usize) -> Option<&mut Field> {
        each_body!(self, b => at_mut(b, i))
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields().get(self.focus_index()).copied()
    }

    pub fn focused_mut(&mut self) -> Option<&mut Field> {
        let i = self.focus_index();
        self.field_at_mut(i)
    }
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

/// A boxed form is still its form.
impl<T: Fields> Fields for Box<T> {
    type Focus = T::Focus;
    fn order(&self) -> Vec<T::Focus> {
        (**self).order()
    }
    fn focus(&self) -> T::Focus {
        (**self).focus()
    }
    fn set_focus(&mut self, f: T::Focus) {
        (**self).set_focus(f)
    }
    fn field(&self, f: T::Focus) -> Option<&Field> {
        (**self).field(f)
    }
    fn field_mut(&mut self, f: T::Focus) -> Option<&mut Field> {
        (**self).field_mut(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add_apple_id(store: KeyStore) -> FormBody {
        let field = |l: &str| Field::new(l, FieldKind::Text, Check::None);
        FormBody::AddAppleId(Box::new(AddAppleId {
            apple_id: field("Apple ID"),
            password: field("Password"),
            password_from: field("Password from"),
            store: Field::new("Store", FieldKind::Choice(KeyStore::CHOICES), Check::None)
                .with_value(store.as_str()),
            session_file: field("Session file"),
            focus: AddAppleIdFocus::AppleId,
        }))
    }

    fn labels(b: &FormBody) -> Vec<&str> {
        b.fields().iter().map(|f| f.label.as_str()).collect()
    }

    #[test]
    fn the_store_choice_decides_which_fields_show_and_the_focus_follows_the_field() {
        let mut b = add_apple_id(KeyStore::Keyring);
        assert_eq!(labels(&b), ["Apple ID", "Password", "Store"]);
        b.set_focus_index(2);
        if let Some(f) = b.focused_mut() {
            f.set("reference");
        }
        assert_eq!(
            labels(&b),
            ["Apple ID", "Password from", "Store", "Session file"]
        );
        // The focus is a field, not a position: it stays on Store when the fields change.
        assert_eq!(b.focused().map(|f| f.label.as_str()), Some("Store"));
        b.set_focus_index(3);
        assert_eq!(b.focused().map(|f| f.label.as_str()), Some("Session file"));
        b.set_focus_index(9);
        assert_eq!(b.focus_index(), 3, "an index past the end changes nothing");
    }

    #[test]
    fn a_step_with_no_inputs_has_no_focused_field() {
        let mut b = FormBody::EditInputs(EditInputs {
            slug: "app".into(),
            step_index: 0,
            step_id: "fastlane".into(),
            inputs: Vec::new(),
            focus: 0,
        });
        assert!(b.fields().is_empty());
        assert!(b.focused_mut().is_none());
    }
}

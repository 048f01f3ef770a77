//! Forms as types: each form a struct of named fields with a focus enum (`bodies`); `Form` adds
//! what every form has (title, notes, error, spinner). Behaviour lives in `update::forms`.

mod bodies;

pub use bodies::*;

use tui_input::{Input, InputRequest};
use zeroize::Zeroize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Secret,
    /// A path with Tab completion, or pasted key content.
    Path,
    Choice(&'static [&'static str]),
    /// A multi-select list (the form holds it); the field's text is the list's filter.
    Pick,
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

#[derive(Clone)]
pub struct Field {
    pub label: String,
    /// What is drawn and where the cursor is; for a Secret field, one `•` per character.
    pub input: Input,
    /// A Secret field's text, kept out of `input` (whose edits leave copies nobody wipes).
    secret: Option<SecretText>,
    pub kind: FieldKind,
    pub check: Check,
    /// For Choice fields: accepted values of a step input (EditInputs).
    pub values: Vec<String>,
    pub hint: String,
}

/// A Secret field's value never reaches Debug output (a form in a panic or a log line).
impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = if self.kind == FieldKind::Secret {
            format!("<{} chars, redacted>", self.value().chars().count())
        } else {
            format!("{:?}", self.value())
        };
        f.debug_struct("Field")
            .field("label", &self.label)
            .field("value", &format_args!("{value}"))
            .field("kind", &self.kind)
            .field("check", &self.check)
            .finish_non_exhaustive()
    }
}

impl Field {
    pub fn new(label: &str, kind: FieldKind, check: Check) -> Field {
        Field {
            label: label.into(),
            input: Input::default(),
            secret: (kind == FieldKind::Secret).then(SecretText::default),
            kind,
            check,
            values: Vec::new(),
            hint: String::new(),
        }
    }

    pub fn with_value(mut self, v: &str) -> Field {
        self.set(v);
        self
    }

    pub fn with_hint(mut self, hint: &str) -> Field {
        self.hint = hint.into();
        self
    }

    pub fn value(&self) -> &str {
        match &self.secret {
            Some(secret) => secret.as_str(),
            None => self.input.value(),
        }
    }

    pub fn set(&mut self, v: impl Into<String>) {
        let v = v.into();
        match &mut self.secret {
            Some(secret) => {
                let mut v = zeroize::Zeroizing::new(v);
                secret.replace(&v);
                self.input = Input::new(MASK.repeat(secret.chars()));
                v.zeroize();
            }
            None => self.input = Input::new(v),
        }
    }

    /// An edit key: a Secret field mirrors it on its own text, the drawn `•`s take it as typed.
    pub fn edit(&mut self, req: InputRequest) {
        let Some(secret) = &mut self.secret else {
            self.input.handle(req);
            return;
        };
        let at = self.input.cursor();
        // The text is edited here and the `•`s redrawn from it (tui-input's word edits would
        // treat `•` as punctuation and leave the two out of step).
        let cursor = match req {
            InputRequest::InsertChar(c) => {
                secret.insert(at, c);
                at + 1
            }
            InputRequest::DeletePrevChar => {
                secret.remove(at.saturating_sub(1)..at);
                at.saturating_sub(1)
            }
            InputRequest::DeleteNextChar => {
                secret.remove(at..at + 1);
                at
            }
            // A secret is one word: the word before the cursor is all of it.
            InputRequest::DeletePrevWord | InputRequest::DeleteFromStart => {
                secret.remove(0..at);
                0
            }
            InputRequest::DeleteLine => {
                secret.remove(0..usize::MAX);
                0
            }
            InputRequest::DeleteNextWord | InputRequest::DeleteTillEnd => {
                secret.remove(at..usize::MAX);
                at
            }
            // Yank would bring back `•`s, not the text: a Secret field has no yank.
            InputRequest::Yank => return,
            moving => {
                self.input.handle(moving);
                return;
            }
        };
        self.input = Input::new(MASK.repeat(secret.chars())).with_cursor(cursor);
    }

    /// Pasted text added at the end.
    pub fn append(&mut self, text: &str) {
        match &mut self.secret {
            Some(secret) => {
                for c in text.chars() {
                    secret.insert(secret.chars(), c);
                }
                self.input = Input::new(MASK.repeat(secret.chars()));
            }
            None => {
                let mut v = self.input.value().to_string();
                v.push_str(text);
                self.input = Input::new(v);
            }
        }
    }
}

const MASK: &str = "•";

/// A secret's text in one buffer that is wiped when it grows, shrinks or goes: no copy of it is
/// left in freed memory (a String's growth copies and frees the old buffer unwiped).
#[derive(Clone, Default)]
struct SecretText(zeroize::Zeroizing<String>);

impl SecretText {
    fn as_str(&self) -> &str {
        self.0.as_str()
    }

    fn chars(&self) -> usize {
        self.0.chars().count()
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.0
            .char_indices()
            .nth(char_index)
            .map_or(self.0.len(), |(b, _)| b)
    }

    /// Room for `extra` more bytes, moving to a bigger buffer by hand so the old one is wiped.
    fn reserve(&mut self, extra: usize) {
        let need = self.0.len() + extra;
        if need > self.0.capacity() {
            let mut bigger = String::with_capacity(need.max(64).next_power_of_two());
            bigger.push_str(&self.0);
            self.0 = zeroize::Zeroizing::new(bigger);
        }
    }

    fn insert(&mut self, char_index: usize, c: char) {
        self.reserve(c.len_utf8());
        let at = self.byte_at(char_index);
        self.0.insert(at, c);
    }

    /// Removes the characters in `range` (clamped); the bytes shifted past the end stay in the
    /// buffer's spare room until it is wiped with the rest.
    fn remove(&mut self, range: std::ops::Range<usize>) {
        let start = self.byte_at(range.start);
        let end = self.byte_at(range.end.min(self.chars()));
        if start < end {
            self.0.replace_range(start..end, "");
        }
    }

    fn replace(&mut self, text: &str) {
        self.0.zeroize();
        self.reserve(text.len());
        self.0.push_str(text);
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
    AddApp(Box<AddApp>),
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
            FormBody::AddApp($b) => $e,
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

    #[test]
    fn a_secret_field_edits_its_own_text_and_draws_dots() {
        let mut f = Field::new("Password", FieldKind::Secret, Check::NonEmpty);
        for c in "pässwörd".chars() {
            f.edit(InputRequest::InsertChar(c));
        }
        assert_eq!(f.value(), "pässwörd");
        assert_eq!(f.input.value(), "••••••••");
        f.edit(InputRequest::GoToPrevChar);
        f.edit(InputRequest::GoToPrevChar);
        f.edit(InputRequest::DeletePrevChar);
        f.edit(InputRequest::InsertChar('Ö'));
        f.edit(InputRequest::DeleteNextChar);
        assert_eq!(f.value(), "pässwÖd");
        assert_eq!(f.input.value().chars().count(), 7);
        f.edit(InputRequest::DeletePrevWord);
        assert_eq!(f.value(), "d");
        f.edit(InputRequest::Yank);
        assert_eq!((f.value(), f.input.value()), ("d", "•"));
        f.append(" pasted-long-text-".repeat(10).trim());
        assert_eq!(f.value().len(), 1 + 179);
        assert_eq!(f.input.value().chars().count(), f.value().chars().count());
        f.edit(InputRequest::DeleteLine);
        assert_eq!((f.value(), f.input.value()), ("", ""));
        let text = Field::new("Name", FieldKind::Text, Check::Name).with_value("CI");
        assert_eq!(text.input.value(), "CI");
        assert!(text.secret.is_none());
    }

    #[test]
    fn a_secret_fields_debug_shows_no_value() {
        let secret =
            Field::new("Password", FieldKind::Secret, Check::NonEmpty).with_value("hunter2-xyz");
        let shown = format!("{secret:?} {secret:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("11 chars, redacted"), "{shown}");
        let text = Field::new("Name", FieldKind::Text, Check::Name).with_value("CI key");
        assert!(format!("{text:?}").contains("\"CI key\""));
    }

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

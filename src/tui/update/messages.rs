//! What update asks the effects for (`Effect`) and what comes back (`Msg`).

use chrono::{DateTime, Utc};

use super::super::event::Key;
use super::super::form::KeyStore;
use super::super::state::{StatusKind, TokenView};
use crate::domain::secret_ref::SecretRef;
use crate::domain::workspace::ApiKey;
use crate::ops::edits::ConnectionKind;
use crate::ops::sign_in::{CodeAnswer, CodeRequest};
use crate::secrets::SecretValue;
use crate::store::Loaded;

/// A change to the workspace, applied by the effects under the file lock (or in memory for --demo).
pub use crate::ops::edits::Change;

/// The Apple ID edit form's result: references, and a new app-specific password for the keyring.
#[derive(Debug)]
pub struct AppleIdEdit {
    pub apple_id: String,
    pub password: SecretRef,
    pub app_specific_password: Option<SecretRef>,
    pub new_app_specific_password: Option<SecretValue>,
}

/// Where a new Apple ID's secrets go (the Add Apple ID form's Store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppleIdStore {
    /// The workspace's own store (the OS keyring, or its vault): copies of the secrets.
    Own,
    /// References the workspace records; only the session, which apple-conn writes, goes to a file.
    Reference {
        password: SecretRef,
        app_specific_password: Option<SecretRef>,
        session: SecretRef,
    },
}

#[derive(Debug)]
pub enum Effect {
    EditAppleId(AppleIdEdit),
    AddApiKey {
        key: ApiKey,
        /// A path, `env:VAR`, or the pasted key itself: a secret either way, never in Debug output.
        p8: SecretValue,
        store: KeyStore,
    },
    StartSignIn {
        apple_id: String,
        password: Option<SecretValue>,
        reauth: bool,
    },
    /// Adding with Store: reference: read the password where it is, then sign in with it.
    SignInFrom {
        apple_id: String,
        from: SecretRef,
    },
    Answer(CodeAnswer),
    CancelSignIn,
    FinishAppleId {
        apple_id: String,
        asp: Option<SecretValue>,
        store: AppleIdStore,
    },
    Apply(Change),
    AddApp(crate::ops::apps::NewApp),
    RemoveApp(String),
    Remove {
        kind: ConnectionKind,
        id: String,
    },
    MintToken(String),
    TestConnection(String),
    Copy(String),
    CompletePath {
        field: usize,
        value: String,
    },
    Reload,
    /// The add-app form's Workflows list: the runs of the file it names.
    ListRuns {
        read_for: crate::tui::form::PickSource,
        path: std::path::PathBuf,
        options: crate::bitrise::include::Options,
    },
    /// Whether the OS keyring can be reached: the secret-writing forms default to it only then.
    ProbeKeyring,
    /// `B`: pull every app from Bitrise, then compare the API keys uploaded there.
    BitrisePull,
    /// Esc during the pull: stop between requests (what is complete is saved).
    CancelBitrisePull,
    /// `P`: make the push plan (reads only) beside the UI.
    BitrisePushPlan,
    /// `y` on the plan: send it (uploads, then one PATCH per app), Esc cancelling between requests.
    BitrisePushApply(Box<crate::ops::bitrise::PushPlan>),

    /// `S`: read the app's local signing files and judge them (`apple-conn signing --app`).
    Signing(String),
}

#[derive(Debug)]
pub enum Msg {
    Key(Key),
    Paste(String),
    Tick(DateTime<Utc>),
    Resize,
    /// A save (or in-memory change) succeeded: the new workspace.
    Saved(Box<Loaded>, String),
    Failed(String),
    SignInProgress(String),
    NeedCode(CodeRequest),
    SignedIn {
        apple_id: String,
        reauth: bool,
        expires: String,
    },
    SignInFailed(String),
    Minted(TokenView),
    Completed {
        field: usize,
        value: String,
        /// The entries the typed prefix matches (names only), for an ambiguous Tab to list.
        candidates: Vec<String>,
    },
    DiskChanged,
    /// The runs of the add-app form's bitrise.yml (or why the file cannot be read).
    RunsListed {
        read_for: crate::tui::form::PickSource,
        result: Result<Vec<crate::ops::apps::RunChoice>, String>,
    },
    /// This host trusts the workspace's guarded settings now (an `apple-conn trust` ran).
    Trusted,
    /// An app's bitrise.yml was read (first time, or again because it changed on disk).
    BitriseFile(std::path::PathBuf, super::super::bitrise_files::BitriseFile),
    /// A bitrise.yml this TUI itself just wrote (a pull): read again without "changed on disk".
    OwnBitriseFile(std::path::PathBuf, super::super::bitrise_files::BitriseFile),
    /// A line for the status bar from a background job (the connection test).
    Status(StatusKind, String),
    /// The keyring probe: Err says why none is reachable (the full message, with the ways out).
    Keyring(Result<(), crate::secrets::SecretError>),
    /// How far the pull from Bitrise is: apps done, of how many (None while listing).
    BitriseProgress {
        done: usize,
        total: Option<usize>,
    },
    /// The pull ended: the workspace as saved (None when nothing was), and what to say.
    BitrisePulled {
        loaded: Option<Box<Loaded>>,
        kind: StatusKind,
        message: String,
    },
    /// The API keys on Bitrise against the workspace's (for the Connections pane's marks).
    BitriseKeys(Vec<crate::domain::bitrise_keys::KeyRow>),
    /// The push plan, or why none could be made.
    BitrisePushPlanned(Result<Box<crate::ops::bitrise::PushPlan>, String>),

    /// The app's signing report (or why it could not be made).
    Signing(Result<crate::domain::signing::report::Report, String>),
}

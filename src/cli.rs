//! Command-line interface (clap derive). Secrets never come from a flag value.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "apple-conn",
    // Not argv[0]: help reads `apple-conn`, not `apple-conn.exe`, on Windows too.
    bin_name = "apple-conn",
    version = crate::VERSION,
    about = "Apple credentials for mobile CI: see which auth every Bitrise step will receive, and why",
    long_about = None
)]
pub struct Cli {
    /// Workspace file (default: $APPLE_CONN_CONFIG, else apple-conn.toml or .apple-conn.toml here or in the nearest parent folder, else $XDG_CONFIG_HOME/apple-conn/workspace.toml)
    #[arg(short = 'c', long = "config", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The embedded demo workspace (in-memory secrets, a throwaway key, nothing saved): the TUI, preview, check, doctor, list
    #[arg(long, global = true)]
    pub demo: bool,
    /// Open the workspace without saving anything
    #[arg(long)]
    pub read_only: bool,
    /// Theme: default, light, high-contrast, mono, or a TOML file
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// No colours (also when NO_COLOR is set)
    #[arg(long)]
    pub no_color: bool,
    /// A TOML keymap merged over the default keys
    #[arg(long, value_name = "PATH")]
    pub keymap: Option<PathBuf>,
    /// Apple's sign-in endpoint for the TUI's sign-ins (proxies, tests)
    #[arg(long, value_name = "URL")]
    pub apple_auth_url: Option<String>,
    /// The TUI's clock, fixed at an RFC 3339 instant (tests, screenshots)
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The Vault/OpenBao server, when neither VAULT_ADDR nor BAO_ADDR is set
    #[arg(long, global = true, value_name = "URL")]
    pub vault_addr: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The command line as parsed, shown in help, completed and written in the manual: the global
/// options are shown only under the subcommands where they mean something.
pub fn command() -> clap::Command {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let hidden: Vec<clap::Arg> = globals
            .iter()
            .filter(|a| !global_applies(&name, a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect();
        // A subcommand that has the global already is skipped when clap propagates it: this
        // hidden copy (global too) is what it and its own subcommands get.
        cmd = cmd.mut_subcommand(&name, |sub| sub.args(hidden));
    }
    cmd
}

/// Whether a global option means something under a top-level subcommand.
fn global_applies(subcommand: &str, id: &str) -> bool {
    match id {
        "demo" => matches!(subcommand, "preview" | "check" | "doctor" | "list"),
        "config" | "vault_addr" => !matches!(subcommand, "completions" | "man" | "__complete"),
        _ => true,
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the workspace and every reference that can be checked without reading secrets
    Check(CheckArgs),
    /// Show which auth every step of every app will receive, and why
    Preview(PreviewArgs),
    /// Create a new workspace file
    Init(InitArgs),
    /// Add a connection (an App Store Connect API key or an Apple ID) or an app
    #[command(subcommand)]
    Add(AddCommand),
    /// Remove a connection (clearing it from the apps that use it) or an app
    #[command(subcommand)]
    Remove(RemoveCommand),
    /// List the workspace's connections and apps: kinds, owners, where secrets live, assignments
    List(ListArgs),
    /// Assign a connection to an app, or clear an assignment
    Assign(AssignArgs),
    /// Print a signed App Store Connect token (JWT) for an API key, and nothing else
    Token(TokenArgs),
    /// Decode a JWT and list every reason Apple would reject it
    #[command(subcommand)]
    Jwt(JwtCommand),
    /// Export a connection in the format another tool reads
    #[command(subcommand)]
    Export(ExportCommand),
    /// The env vars and arguments one step of an app would receive
    Env(EnvArgs),
    /// Sign in to an Apple ID again with a new 2FA code: renews the 30-day session
    Reauth(ReauthArgs),
    /// Test a connection against App Store Connect, as Bitrise's "Test connection" does
    Test(TestArgs),
    /// Apple ID sessions: export as FASTLANE_SESSION, import one, check it with Apple
    #[command(subcommand)]
    Session(SessionCommand),
    /// Bitrise: a bitrise.yml's workflows and pipelines, sign-in, your apps, pull them, the API keys uploaded
    #[command(subcommand)]
    Bitrise(BitriseCommand),
    /// Where the workspace's secrets are kept: move them between the keyring and a vault
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Look at every connection and app: one status (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)
    Doctor(DoctorArgs),
    /// Will the build sign? Each app's certificates and profiles (local, Bitrise, Apple) and what breaks (exit as doctor's)
    Signing(SigningArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) to stdout
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the manual page (roff) to stdout: `apple-conn man > apple-conn.1`
    Man,
    /// Let this workspace file's security settings (endpoints, vault address/mount/prefix/namespace/CA, Bitrise API) take effect on this host
    Trust(TrustArgs),
    /// Forget this host's trust in the workspace file: its security settings are refused again
    Untrust,
    /// For the completion scripts: the workspace's names (apps, connections) that fit the last word
    #[command(name = "__complete", hide = true)]
    Complete {
        /// The words after `apple-conn`, the one being completed last
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct TrustArgs {
    /// Print the settings that would be trusted, and whether they are, without trusting anything
    #[arg(long)]
    pub show: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only connections, or only apps (default: both)
    #[arg(value_enum)]
    pub what: Option<ListWhat>,
    #[arg(long, value_enum, default_value_t = TableJson::Table)]
    pub format: TableJson,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListWhat {
    Connections,
    Apps,
}

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Judge expiries at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// A session ending within this many days is a WARNING
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub warn_days: u32,
    /// Also ask Apple: the connection test of every API key, `session check` of every Apple ID
    #[arg(long)]
    pub live: bool,
    /// Refresh a session Apple ended while its trust cookie lives (asks Apple, as --live does)
    #[arg(long)]
    pub refresh: bool,
    /// Only this app and the connections it uses (a build's first step)
    #[arg(long, value_name = "SLUG")]
    pub app: Option<String>,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// When the status is not OK, POST the JSON report plus "text" here (https, or http to loopback); warns: the URL is a credential, prefer --notify-from
    #[arg(long, value_name = "URL", conflicts_with = "notify_from")]
    pub notify: Option<String>,
    /// One line per finding however long (the text fits 80 columns by default)
    #[arg(long)]
    pub wide: bool,
    /// As --notify, with the webhook URL read from an environment variable or a file (kept out of argv)
    #[arg(long, value_name = "env:VAR|file:PATH")]
    pub notify_from: Option<String>,
    /// Also ask Bitrise: API keys uploaded there and the workspace's that drifted apart (WARNING)
    #[arg(long)]
    pub bitrise: bool,
    /// Bitrise's API base URL for --bitrise (proxies, tests); also APPLE_CONN_BITRISE_API_URL
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// Also judge every app's signing files, as `apple-conn signing` does (with --bitrise: Bitrise's uploads; with --live: what Apple holds)
    #[arg(long)]
    pub signing: bool,
}

#[derive(Debug, clap::Args)]
pub struct SigningArgs {
    /// Only this app
    #[arg(long, value_name = "SLUG")]
    pub app: Option<String>,
    /// Also read the certificates and profiles uploaded to the app on Bitrise (downloaded into memory, never saved)
    #[arg(long)]
    pub bitrise: bool,
    /// Also ask App Store Connect, with the app's assigned API key, about the certificates and profiles
    #[arg(long)]
    pub apple: bool,
    /// Judge expiries at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = TableJson::Table)]
    pub format: TableJson,
    /// A certificate or profile ending within this many days is a WARNING (default: [settings.signing] warn_days, else 30)
    #[arg(long, value_name = "N")]
    pub warn_days: Option<u32>,
    /// Bitrise's API base URL for --bitrise (proxies, tests); also APPLE_CONN_BITRISE_API_URL
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// App Store Connect API base URL for --apple (proxies, tests); also APPLE_CONN_API_BASE_URL
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Apps read at once from Bitrise and Apple
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Move every secret of the workspace to another store, verifying each copy before deleting the old
    Move {
        /// Where the secrets go
        #[arg(long, value_enum)]
        to: MoveTarget,
    },
    /// Delete the keyring and vault entries no connection refers to (leftovers of a failed or killed run)
    Prune {
        /// Delete without asking (required without a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Make this file the owner of its workspace_id on this host and of the vault entries it refers to (for secrets kept before owners were recorded, or a moved file)
    Adopt,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MoveTarget {
    /// The team's Vault/OpenBao KV v2 engine
    Vault,
    /// This host's OS keyring
    Keyring,
}

#[derive(Debug, Subcommand)]
pub enum BitriseCommand {
    /// The workflows and pipelines of a bitrise.yml, with their steps as the CLI runs them
    Workflows {
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = TableJson::Table)]
        format: TableJson,
        #[command(flatten)]
        include: IncludeArgs,
        #[command(flatten)]
        api: BitriseApiArgs,
    },
    /// Sign in to your Bitrise account with a personal access token (checked with GET /me)
    Login(BitriseLoginArgs),
    /// Every app your Bitrise token sees (or one organization's)
    Apps {
        /// Only the apps of this organization (workspace) slug
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
        #[arg(long, value_enum, default_value_t = TableJson::Table)]
        format: TableJson,
        #[command(flatten)]
        api: BitriseApiArgs,
    },
    /// Pull apps and their bitrise.yml from Bitrise into the workspace (bitrise/<slug>.yml)
    Pull(BitrisePullArgs),
    /// The API keys uploaded to Bitrise (every workspace's and your own) held against the workspace's (exit 1 on drift)
    #[command(args_conflicts_with_subcommands = true)]
    Keys {
        #[command(subcommand)]
        action: Option<BitriseKeysCommand>,
        /// Only this Bitrise workspace (organization) slug's keys beside your own
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
        #[arg(long, value_enum, default_value_t = TableJson::Table)]
        format: TableJson,
        #[command(flatten)]
        api: BitriseApiArgs,
    },
    /// Tell Bitrise each pulled app's API key and Apple ID user as the workspace assigns them: a plan, then apply
    Push(BitrisePushArgs),
}

#[derive(Debug, Subcommand)]
pub enum BitriseKeysCommand {
    /// Upload an API key's .p8 to a Bitrise workspace (not sent again when its key ID is there)
    Upload(BitriseUploadArgs),
}

#[derive(Debug, clap::Args)]
pub struct BitriseUploadArgs {
    /// The API key's name in the workspace
    pub name: String,
    /// The Bitrise workspace (organization) slug; needed when the token sees more than one
    #[arg(long, value_name = "SLUG")]
    pub org: Option<String>,
    /// Upload without asking (scripts); without a terminal and without --yes nothing is sent
    #[arg(long)]
    pub yes: bool,
    /// Record the upload at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[command(flatten)]
    pub api: BitriseApiArgs,
}

#[derive(Debug, clap::Args)]
pub struct BitrisePushArgs {
    /// Only this app (repeatable); by default every pulled app
    #[arg(long = "app", value_name = "SLUG")]
    pub apps: Vec<String>,
    /// Print the plan and send nothing that changes Bitrise
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking (scripts); without a terminal and without --yes nothing is sent (exit 2)
    #[arg(long)]
    pub yes: bool,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// How many apps are sent at a time
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Record the push at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[command(flatten)]
    pub api: BitriseApiArgs,
}

/// Where Bitrise's API is, when not Bitrise's own.
#[derive(Debug, Clone, clap::Args)]
pub struct BitriseApiArgs {
    /// Bitrise's API base URL with its /v0.1 prefix (proxies, tests); also APPLE_CONN_BITRISE_API_URL
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct BitriseLoginArgs {
    /// Where to read the personal access token: env:VAR, file:PATH or stdin
    #[arg(long, value_name = "env:VAR|file:PATH|stdin")]
    pub token_from: String,
    /// Where the token is kept: a copy in the OS keyring or the vault, or the env var / file as given [default: keyring; reference when no keyring is reachable and the token comes from env:VAR or file:PATH]
    #[arg(long, value_enum)]
    pub store: Option<KeyStorage>,
    #[command(flatten)]
    pub api: BitriseApiArgs,
}

#[derive(Debug, clap::Args)]
pub struct BitrisePullArgs {
    /// Only this app (repeatable); by default every app the token sees except Android-only ones
    #[arg(long = "app", value_name = "SLUG")]
    pub apps: Vec<String>,
    /// Only the apps of this organization (workspace) slug
    #[arg(long, value_name = "SLUG")]
    pub org: Option<String>,
    /// How many apps are pulled at a time
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Record the pull at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[command(flatten)]
    pub api: BitriseApiArgs,
}

/// Where a modular bitrise.yml's `include:` files are.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct IncludeArgs {
    /// The repository root `include:` paths resolve against (default: the bitrise.yml's folder)
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,
    /// A local checkout of a repository named by `include: - repository:` (repeatable)
    #[arg(long, value_name = "URL=DIR")]
    pub repo_map: Vec<String>,
    /// A value the build has (repeatable), for run_if, templates and $VARs; PR=true and CI=false set the run modes
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// A .bitrise.secrets.yml, as `bitrise run -i` reads it (its values feed run_if and inputs)
    #[arg(short = 'i', long = "inventory", value_name = "FILE")]
    pub inventory: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Your email: you own the API keys you add
    #[arg(long)]
    pub you: String,
    /// Create ./apple-conn.toml (the project's workspace, found from this folder and below) instead of your default
    #[arg(long)]
    pub here: bool,
}

#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Add an App Store Connect API key from its .p8 file
    ApiKey(AddApiKeyArgs),
    /// Add an Apple ID: signs in to Apple for real and keeps the 2FA session
    AppleId(AddAppleIdArgs),
    /// Add an app, by hand or reading its steps from a bitrise.yml
    App(AddAppArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddAppArgs {
    /// The app's slug, unique in the workspace (letters, digits, `-`, `_`, `.`)
    pub slug: String,
    /// A title shown next to the slug
    #[arg(long)]
    pub title: Option<String>,
    /// The app's owner (default: you)
    #[arg(long, value_name = "EMAIL")]
    pub owner: Option<String>,
    /// An admin, whose Apple ID may be assigned to the app (repeatable)
    #[arg(long = "admin", value_name = "EMAIL")]
    pub admins: Vec<String>,
    /// Take the app's steps from this bitrise.yml (saved relative to the workspace when inside its folder)
    #[arg(long, value_name = "PATH")]
    pub bitrise_yml: Option<PathBuf>,
    /// A workflow of the bitrise.yml the app runs (repeatable)
    #[arg(
        long = "workflow",
        value_name = "ID",
        requires = "bitrise_yml",
        conflicts_with = "pipeline"
    )]
    pub workflows: Vec<String>,
    /// The pipeline of the bitrise.yml the app runs
    #[arg(long, value_name = "ID", requires = "bitrise_yml")]
    pub pipeline: Option<String>,
    /// Where the bitrise.yml's `include:` files are (saved in [apps.bitrise_yml] root / repositories)
    #[command(flatten)]
    pub include: IncludeArgs,
}

#[derive(Debug, clap::Args)]
pub struct AddAppleIdArgs {
    /// The Apple ID (an email address)
    #[arg(long)]
    pub apple_id: String,
    /// Where to read the password: env:VAR, file:PATH or stdin (default at a terminal: asked for, not echoed)
    #[arg(long, value_name = "env:VAR|file:PATH|stdin")]
    pub password_from: Option<String>,
    /// Where to read the app-specific password (xxxx-xxxx-xxxx-xxxx)
    #[arg(long, value_name = "env:VAR|file:PATH|stdin")]
    pub app_specific_password_from: Option<String>,
    /// Where the passwords are kept: a copy in the OS keyring or the vault, or a reference to the env var / file (with --session-file) [default: keyring; reference when no keyring is reachable and every secret can be referenced]
    #[arg(long, value_enum)]
    pub store: Option<KeyStorage>,
    #[command(flatten)]
    pub signin: SignInArgs,
}

/// How a sign-in gets its 2FA code and where it talks to Apple.
#[derive(Debug, Clone, clap::Args)]
pub struct SignInArgs {
    /// A code you already have (e.g. from a trusted device's "Get Verification Code"); prefer --code-from (warns)
    #[arg(long, conflicts_with = "code_from")]
    pub code: Option<String>,
    /// Read the code when Apple asks for it: stdin or env:VAR
    #[arg(long, value_name = "stdin|env:VAR")]
    pub code_from: Option<String>,
    /// Ask Apple to send the code by SMS (or voice) to this trusted number id
    #[arg(long, value_name = "ID")]
    pub sms: Option<i64>,
    /// Keep the session cookies in this file (0600) instead of the OS keyring
    #[arg(long, value_name = "PATH")]
    pub session_file: Option<PathBuf>,
    /// Apple's sign-in endpoint (proxies, tests); also APPLE_CONN_APPLE_AUTH_URL; [settings] apple_auth_url only once this host trusts the file (apple-conn trust)
    #[arg(long, value_name = "URL")]
    pub apple_auth_url: Option<String>,
    /// Record the sign-in at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ReauthArgs {
    /// The Apple ID to sign in again
    pub apple_id: String,
    /// Read the password from here instead of its stored reference
    #[arg(long, value_name = "env:VAR|file:PATH|stdin")]
    pub password_from: Option<String>,
    /// Keep the new session here (keyring or vault) instead of where it was
    #[arg(long, value_enum)]
    pub store: Option<KeyStorage>,
    #[command(flatten)]
    pub signin: SignInArgs,
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// An API key's name (or key ID), or an Apple ID
    pub name: String,
    /// App Store Connect API base URL (proxies, tests); also APPLE_CONN_API_BASE_URL; [settings] api_base_url only once this host trusts the file (apple-conn trust)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Seconds to wait for Apple
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
    /// Sign the test token and judge an Apple ID's session at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Print the FASTLANE_SESSION value of an Apple ID (single line; --raw for YAML)
    Export {
        apple_id: String,
        /// Multi-line YAML instead of the single-line form
        #[arg(long)]
        raw: bool,
    },
    /// Store a session printed by `fastlane spaceauth` (either form) or by `session export`
    Import {
        apple_id: String,
        /// Where to read it: env:VAR, file:PATH or stdin
        #[arg(long, value_name = "env:VAR|file:PATH|stdin")]
        from: String,
        /// Keep the session here (keyring or vault) instead of where it was
        #[arg(long, value_enum)]
        store: Option<KeyStorage>,
        /// Judge the cookies and record the import at this instant (RFC 3339) instead of the clock
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
    /// Ask Apple whether the stored session is still alive
    Check {
        apple_id: String,
        /// Apple's endpoint override (proxies, tests)
        #[arg(long, value_name = "URL")]
        apple_auth_url: Option<String>,
        /// Leave out the cookies that ended by this instant (RFC 3339) instead of the clock
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
    /// Renew the session without a code while the 30-day trust cookie lives (reauth renews the 30 days)
    Refresh(SessionRefreshArgs),
}

#[derive(Debug, clap::Args)]
pub struct SessionRefreshArgs {
    pub apple_id: String,
    /// Sign in even when the stored session is still valid (Apple rate-limits sign-ins)
    #[arg(long)]
    pub force: bool,
    /// Read the password from here instead of its stored reference
    #[arg(long, value_name = "env:VAR|file:PATH|stdin")]
    pub password_from: Option<String>,
    /// Apple's sign-in endpoint override (proxies, tests)
    #[arg(long, value_name = "URL")]
    pub apple_auth_url: Option<String>,
    /// Where the refreshed session goes (default: where the current one is)
    #[arg(long, value_enum)]
    pub store: Option<KeyStorage>,
    /// Judge the trust cookie and stamp the new session at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AddApiKeyArgs {
    /// A name you will recognise, unique in the workspace
    #[arg(long)]
    pub name: String,
    /// The key ID (10 characters, A-Z and 0-9)
    #[arg(long, required_unless_present = "from_fastlane_json")]
    pub key_id: Option<String>,
    /// The issuer ID (a UUID); required for team keys
    #[arg(long)]
    pub issuer_id: Option<String>,
    /// An individual key (no issuer ID; tokens carry sub = "user")
    #[arg(long)]
    pub individual: bool,
    /// A key for the Apple Enterprise Program API
    #[arg(long)]
    pub enterprise: bool,
    /// The .p8: a file path, env:VAR or stdin
    #[arg(
        long,
        value_name = "PATH|env:VAR|stdin",
        required_unless_present = "from_fastlane_json"
    )]
    pub p8: Option<String>,
    /// fastlane's API key JSON (key_id, issuer_id, key, in_house), e.g. from `export fastlane`
    #[arg(long, value_name = "FILE", conflicts_with_all = ["p8", "key_id", "issuer_id", "individual", "enterprise"])]
    pub from_fastlane_json: Option<PathBuf>,
    /// Where the private key is kept: the OS keyring or the vault (a copy), or a reference to the file / variable [default: keyring; reference when no keyring is reachable and the key is a file or env:VAR]
    #[arg(long, value_enum)]
    pub store: Option<KeyStorage>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum KeyStorage {
    /// Copy the key into the OS keyring
    Keyring,
    /// Keep only a reference to the file or environment variable (headless hosts)
    Reference,
    /// Copy into the team's Vault/OpenBao KV v2 engine (VAULT_ADDR, VAULT_TOKEN, [settings.vault])
    Vault,
}

#[derive(Debug, Subcommand)]
pub enum RemoveCommand {
    /// Remove an API key connection and its keyring entry
    ApiKey {
        name: String,
        /// Do not ask, even when apps use it
        #[arg(long)]
        yes: bool,
    },
    /// Remove an Apple ID connection and its keyring entries
    AppleId {
        apple_id: String,
        /// Do not ask, even when apps use it
        #[arg(long)]
        yes: bool,
    },
    /// Remove an app with its steps and assignments (the connections stay)
    App {
        slug: String,
        /// Do not ask, even when the app has steps or assignments
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["api_key", "apple_id", "none_api_key", "none_apple_id"])))]
pub struct AssignArgs {
    /// The app's slug
    pub slug: String,
    /// Assign this API key (only your own keys can be assigned)
    #[arg(long)]
    pub api_key: Option<String>,
    /// Assign this Apple ID (the app owner's or an admin's)
    #[arg(long)]
    pub apple_id: Option<String>,
    /// Clear the app's API key
    #[arg(long)]
    pub none_api_key: bool,
    /// Clear the app's Apple ID
    #[arg(long)]
    pub none_apple_id: bool,
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// The API key's name (or key ID)
    pub name: String,
    /// Lifetime in seconds (over 1200 only with GET scopes)
    #[arg(long, default_value_t = 600)]
    pub ttl: i64,
    /// Limit the token to one request, e.g. "GET /v1/apps" (repeatable)
    #[arg(long = "scope")]
    pub scopes: Vec<String>,
    /// Issue the token at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum JwtCommand {
    /// Decode a token without trusting it and report what Apple would reject
    Inspect(JwtInspectArgs),
}

#[derive(Debug, clap::Args)]
pub struct JwtInspectArgs {
    /// - (the default) reads the token from stdin, the safe way; a token here is accepted with a warning
    #[arg(default_value = "-")]
    pub token: String,
    /// Also verify the signature with this API key of the workspace
    #[arg(long, conflicts_with = "key_file")]
    pub key: Option<String>,
    /// Also verify the signature with this .p8 (or public key PEM) file
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// Judge expiry at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// fastlane's API key JSON (key_id, issuer_id, key, duration, in_house), written 0600
    Fastlane(ExportFastlaneArgs),
    /// The apple_developer_portal_data.json the steps fetch on bitrise.io, for local runs
    BitrisePortalData {
        /// The app whose connections go in
        #[arg(long)]
        app: String,
        /// Write to this file (mode 0600) instead of stdout
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Sign the token and judge the session at this instant (RFC 3339) instead of the clock
        #[arg(long, value_name = "RFC3339")]
        now: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct ExportFastlaneArgs {
    /// The API key's name
    pub name: String,
    /// Write to this file (mode 0600) instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct EnvArgs {
    /// The app's slug
    #[arg(long)]
    pub app: String,
    /// The step id (the first step of the app with this id)
    #[arg(long)]
    pub step: String,
    /// Which occurrence of the step, when the app runs it more than once (0-based)
    #[arg(long, default_value_t = 0)]
    pub occurrence: usize,
    #[arg(long = "env", value_enum, default_value_t = EnvArg::Bitrise)]
    pub environment: EnvArg,
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = ShellJson::Shell)]
    pub format: ShellJson,
    /// Print secret values instead of *** (asks first on a terminal). A key file path
    /// (`<api_key.json>` as `export fastlane` writes it, `<tmp AuthKey_…_*.p8>`) becomes a real
    /// file: mode 0600, in a new private folder in the temp folder (or --key-dir); apple-conn never
    /// removes it, you do
    #[arg(long)]
    pub reveal: bool,
    /// Do not ask before revealing
    #[arg(long, requires = "reveal")]
    pub yes: bool,
    /// With --reveal: write the key files into this folder (made 0700 if missing; an existing one must be private)
    #[arg(long, value_name = "DIR", requires = "reveal")]
    pub key_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ShellJson {
    Shell,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Also read every secret reference (keyring, env, files) and report the missing ones
    #[arg(long)]
    pub secrets: bool,
    /// Evaluate sessions at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = TextJson::Text)]
    pub format: TextJson,
}

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Only this app
    #[arg(long, value_name = "SLUG")]
    pub app: Option<String>,
    /// Where the build runs
    #[arg(long = "env", value_enum, default_value_t = EnvArg::Bitrise)]
    pub environment: EnvArg,
    /// Evaluate sessions at this instant (RFC 3339) instead of the clock
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = TableJson::Table)]
    pub format: TableJson,
    /// Preview the steps of this bitrise.yml (with --app and --workflow or --pipeline)
    #[arg(long, value_name = "PATH", requires = "app")]
    pub bitrise_yml: Option<PathBuf>,
    /// The workflow to run (with --bitrise-yml)
    #[arg(long, requires = "bitrise_yml", conflicts_with = "pipeline")]
    pub workflow: Option<String>,
    /// The pipeline to run (with --bitrise-yml)
    #[arg(long, requires = "bitrise_yml")]
    pub pipeline: Option<String>,
    /// One line per step however long (the table fits 80 columns by default)
    #[arg(long)]
    pub wide: bool,
    /// Every bitrise.yml step on its own row (steps without Apple auth are folded by default)
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub include: IncludeArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TextJson {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TableJson {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EnvArg {
    /// On bitrise.io: the connection is fetched
    Bitrise,
    /// A local run: no connection
    Local,
    /// A public app's pull-request build: the connection fetch answers 401
    PublicPr,
}

impl EnvArg {
    pub fn environment(self) -> crate::domain::resolution::Environment {
        use crate::domain::resolution::Environment;
        match self {
            EnvArg::Bitrise => Environment::Bitrise,
            EnvArg::Local => Environment::Local,
            EnvArg::PublicPr => Environment::PublicPr,
        }
    }
}

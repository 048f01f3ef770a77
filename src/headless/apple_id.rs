//! `add apple-id`, `reauth`, `session export|import|check`: real sign-in from a script or a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::connections::update_failure;
use super::secret_input::SecretSource;
use super::{CmdResult, Failure};
use crate::cli::{AddAppleIdArgs, KeyStorage, ReauthArgs, SessionCommand, SignInArgs};
use crate::domain::fields;
use crate::domain::rules::AppleIdRefusal;
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::domain::workspace::{AppleId, Workspace};
use crate::ops::save::Target;
use crate::ops::session::{self, Session};
use crate::ops::sign_in::{
    self, Job, KeepError, Leftover, NewAppleId, Reauth, Service, SignInOpError, StoredError,
};
use crate::ops::sign_in::{CodeAnswer, CodeRequest, CodeSource, Endpoints, Retry, SignInError};
use crate::secrets::{EntryName, SecretStore, SecretValue};
use crate::store::Loaded;

/// Flag over environment variable over workspace setting (from the file only once it is trusted).
pub fn endpoints(flag: Option<&str>, loaded: Option<&Loaded>) -> Result<Endpoints, Failure> {
    sign_in::endpoints(flag, loaded).map_err(|e| Failure::new(2, format!("apple auth URL: {e}")))
}

pub(super) fn signin_failure(e: SignInError) -> Failure {
    Failure::new(1, e.to_string())
}

fn print_request(request: &CodeRequest) {
    eprintln!("{}.", request.delivery.describe());
    if !request.phones.is_empty() {
        eprintln!("Trusted numbers (use --sms ID to get the code by SMS or voice instead):");
        for p in &request.phones {
            eprintln!("  {}  {} ({})", p.id, p.number, p.push_mode);
        }
    }
}

/// `--code`: one code, used once; a wrong one ends the sign-in.
struct FixedCode(Option<String>);

impl CodeSource for FixedCode {
    fn answer(&mut self, request: &CodeRequest) -> Result<CodeAnswer, SignInError> {
        print_request(request);
        match request.retry {
            Some(Retry::ChooseNumber) => {
                return Err(SignInError::NoCodeSource(
                    "Apple needs to know which number to send the code to: pass --sms ID".into(),
                ));
            }
            Some(Retry::WrongCode) if self.0.is_none() => return Err(SignInError::WrongCode),
            Some(Retry::BadLength) if self.0.is_none() => {
                return Err(SignInError::NoCodeSource(format!(
                    "{}: pass it with --code-from",
                    Retry::BadLength.message(request.length)
                )));
            }
            _ => {}
        }
        self.0
            .take()
            .map(CodeAnswer::Code)
            .ok_or(SignInError::WrongCode)
    }
}

/// `--code-from stdin|env:VAR` and the terminal prompt: read when Apple asks.
struct ReadCode {
    source: CodeInput,
    used_env: bool,
}

enum CodeInput {
    Stdin,
    Env(String),
    Terminal,
}

impl CodeSource for ReadCode {
    fn answer(&mut self, request: &CodeRequest) -> Result<CodeAnswer, SignInError> {
        print_request(request);
        // At a terminal the reason comes before the next prompt; from stdin or a variable the
        // error that ends the sign-in says it (once, not twice).
        if let Some(reason) = &request.retry
            && matches!(self.source, CodeInput::Terminal)
        {
            eprintln!("{}", reason.message(request.length));
        }
        let choose = request.retry == Some(Retry::ChooseNumber);
        match &self.source {
            CodeInput::Env(var) => {
                if choose {
                    return Err(SignInError::NoCodeSource(
                        "Apple needs to know which number to send the code to: pass --sms ID"
                            .into(),
                    ));
                }
                if self.used_env {
                    return Err(SignInError::WrongCode);
                }
                self.used_env = true;
                std::env::var(var).map(CodeAnswer::Code).map_err(|_| {
                    SignInError::NoCodeSource(format!("environment variable {var} is not set"))
                })
            }
            CodeInput::Stdin | CodeInput::Terminal => {
                if matches!(self.source, CodeInput::Terminal) {
                    if choose {
                        eprint!("Number id to send the code to: ");
                    } else {
                        eprint!(
                            "Verification code ({} digits, or `sms ID` to get it by SMS, empty to cancel): ",
                            request.length
                        );
                    }
                    let _ = std::io::stderr().flush(); // raw: flushes the prompt written above
                }
                let mut line = String::new();
                let n = std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| SignInError::NoCodeSource(e.to_string()))?;
                let line = line.trim();
                if n == 0 {
                    return Err(if request.retry.is_some() {
                        SignInError::WrongCode
                    } else {
                        SignInError::NoCodeSource("stdin ended before a code arrived".into())
                    });
                }
                // From stdin the reason is said when another code follows (at its end the
                // error that ends the sign-in says it).
                if let Some(reason) = &request.retry
                    && matches!(self.source, CodeInput::Stdin)
                {
                    eprintln!("{}", reason.message(request.length));
                }
                if line.is_empty() {
                    return Ok(CodeAnswer::Cancel);
                }
                if choose {
                    return line.parse().map(CodeAnswer::SendToPhone).map_err(|_| {
                        SignInError::NoCodeSource(format!("`{line}` is not a number id"))
                    });
                }
                if let Some(id) = line.strip_prefix("sms").map(str::trim)
                    && let Ok(id) = id.parse()
                {
                    return Ok(CodeAnswer::SendToPhone(id));
                }
                Ok(CodeAnswer::Code(line.to_string()))
            }
        }
    }
}

fn code_source(args: &SignInArgs) -> Result<Box<dyn CodeSource>, Failure> {
    if let Some(code) = &args.code {
        fields::two_factor_code(code).map_err(|e| Failure::new(2, format!("--code: {e}")))?;
        eprintln!(
            "warning: --code puts the code in the shell history and the process list; prefer --code-from stdin or --code-from env:VAR"
        );
        return Ok(Box::new(FixedCode(Some(code.clone()))));
    }
    if let Some(from) = &args.code_from {
        let source = match from.as_str() {
            "stdin" | "-" => CodeInput::Stdin,
            s if s.starts_with("env:") && s.len() > 4 => CodeInput::Env(s[4..].to_string()),
            _ => return Err(Failure::new(2, "--code-from takes stdin or env:VAR")),
        };
        return Ok(Box::new(ReadCode {
            source,
            used_env: false,
        }));
    }
    if std::io::stdin().is_terminal() {
        return Ok(Box::new(ReadCode {
            source: CodeInput::Terminal,
            used_env: false,
        }));
    }
    Ok(Box::new(NoCode))
}

/// No terminal and no code flag: an account that needs a code cannot sign in.
struct NoCode;

impl CodeSource for NoCode {
    fn answer(&mut self, request: &CodeRequest) -> Result<CodeAnswer, SignInError> {
        print_request(request);
        Err(SignInError::NoCodeSource(
            "pass --code CODE, or --code-from stdin|env:VAR (read when Apple asks), or run on a terminal".into(),
        ))
    }
}

fn progress(text: &str) {
    eprintln!("{}", crate::terminal_text::clean(text));
}

/// `--store keyring|vault` for a session (reauth, session import, session refresh): the shared choice.
pub fn session_ref_for(
    workspace_file: &Path,
    store: Option<KeyStorage>,
    session_file: Option<&Path>,
    existing: Option<&SecretRef>,
) -> Result<SecretRef, Failure> {
    match (store, session_file) {
        (Some(KeyStorage::Reference), _) => Err(Failure::new(
            2,
            "a session is written by apple-conn, so it cannot be a reference: use --store keyring|vault, or --session-file PATH",
        )),
        (Some(_), Some(_)) => Err(Failure::new(
            2,
            "--store and --session-file both say where the session goes: pass one",
        )),
        (Some(KeyStorage::Vault), None) => Ok(SecretRef::Vault(VaultRef::Entry)),
        (Some(KeyStorage::Keyring), None) => Ok(SecretRef::Keyring),
        (None, Some(p)) => Ok(session_file_ref(workspace_file, p)),
        (None, None) => Ok(existing.cloned().unwrap_or_default()),
    }
}

/// A session file as the workspace records it: relative to the workspace's folder when inside
/// it (as the TUI writes it), else absolute.
fn session_file_ref(workspace_file: &Path, p: &Path) -> SecretRef {
    SecretRef::Path(crate::store::portable_path(workspace_file, p).written)
}

/// `--password-from`, else (at a terminal) a hidden prompt.
fn password_source(from: Option<&str>) -> Result<SecretSource, Failure> {
    match from {
        Some(f) => f
            .parse()
            .map_err(|e: String| Failure::new(2, format!("--password-from: {e}"))),
        None if std::io::stdin().is_terminal() => Ok(SecretSource::Stdin),
        None => Err(Failure::new(
            2,
            "no terminal to ask for the password: pass --password-from env:VAR|file:PATH|stdin",
        )),
    }
}

/// Where a new Apple ID's secrets go.
struct StoragePlan {
    password_at: SecretRef,
    asp_at: Option<SecretRef>,
    session_at: SecretRef,
}

/// `--store` and `--session-file` settled, each place that will be written checked, and the
/// fallback to references (no keyring) said in one line naming what is kept where.
fn plan_storage(
    path: &Path,
    keyring: &dyn SecretStore,
    args: &AddAppleIdArgs,
    pw: &SecretSource,
    asp: Option<&SecretSource>,
) -> Result<StoragePlan, Failure> {
    let session_file = args.signin.session_file.as_deref();
    let referenceable =
        pw.as_reference().is_some() && asp.is_none_or(|a| a.as_reference().is_some());
    let (store, fell_back) = super::storage::choose(
        args.store,
        keyring,
        referenceable,
        "Pass --password-from env:VAR|file:PATH (kept as a reference; the session is written to --session-file PATH, by default <apple-id>.session.json next to the workspace, 0600), or --store vault",
    )?;
    let reference = |src: &SecretSource, flag: &str| -> Result<SecretRef, Failure> {
        match store {
            KeyStorage::Keyring => Ok(SecretRef::Keyring),
            KeyStorage::Vault => Ok(SecretRef::Vault(VaultRef::Entry)),
            KeyStorage::Reference => src.as_reference().ok_or_else(|| {
                Failure::new(
                    2,
                    format!(
                        "--store reference keeps where the secret is: give {flag} env:VAR or file:PATH (a typed or piped secret cannot be referenced); nothing was read"
                    ),
                )
            }),
        }
    };
    let password_at = reference(pw, "--password-from")?;
    let asp_at = asp
        .map(|a| reference(a, "--app-specific-password-from"))
        .transpose()?;
    let session_at = match (store, session_file) {
        (_, Some(p)) => session_file_ref(path, p),
        (KeyStorage::Vault, None) => SecretRef::Vault(VaultRef::Entry),
        // The passwords by reference, the session in the keyring as before when there is one;
        // without one, as the TUI's empty Session file: next to the workspace, by Apple ID.
        (KeyStorage::Reference, None) if keyring.reachable().is_ok() => SecretRef::Keyring,
        (KeyStorage::Reference, None) => SecretRef::Path(format!("{}.session.json", args.apple_id)),
        (KeyStorage::Keyring, None) => SecretRef::Keyring,
    };
    let id = &args.apple_id;
    let mut writes = vec![(&session_at, EntryName::session(id))];
    if matches!(
        password_at,
        SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry)
    ) {
        writes.push((&password_at, EntryName::password(id)));
    }
    if let Some(at) = &asp_at
        && matches!(at, SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry))
    {
        writes.push((at, EntryName::app_specific_password(id)));
    }
    for (at, name) in writes {
        super::storage::check(keyring, path, at, &name, store)?;
    }
    if fell_back {
        let place = |r: &SecretRef| match r {
            SecretRef::Env(v) => format!("env:{v}"),
            SecretRef::Path(p) => p.clone(),
            other => other.describe(),
        };
        let mut kept = vec![format!("the password stays in {}", place(&password_at))];
        if let Some(at) = &asp_at {
            kept.push(format!("the app-specific password in {}", place(at)));
        }
        kept.push(format!("the session is written to {}", place(&session_at)));
        eprintln!(
            "warning: no OS keyring is reachable, so --store reference: {}",
            kept.join(", ")
        );
    }
    Ok(StoragePlan {
        password_at,
        asp_at,
        session_at,
    })
}

/// A sign-in operation that failed, in the CLI's words (flags named, exit codes per kind).
fn op_failure(e: SignInOpError) -> Failure {
    match e {
        SignInOpError::Refused(r) => Failure::new(1, apple_id_refusal_words(&r)),
        SignInOpError::NoAppleId(id) => Failure::new(
            1,
            format!("no Apple ID connection {id}: add it with `apple-conn add apple-id`"),
        ),
        SignInOpError::Password(e) => {
            Failure::new(1, format!("the password: {e} (or pass --password-from)"))
        }
        SignInOpError::SignIn(e) => signin_failure(e),
        SignInOpError::NotASession(e) => Failure::new(1, e),
        SignInOpError::Secret { error, leftovers } => {
            print_leftovers(&leftovers);
            Failure::new(
                1,
                format!("signed in, but could not keep the secret ({error}); nothing was saved"),
            )
        }
        SignInOpError::Save { error, leftovers } => {
            print_leftovers(&leftovers);
            update_failure(error)
        }
        SignInOpError::Keep(KeepError::Secret(e)) => Failure::new(
            1,
            format!("signed in, but could not keep the session ({e}); the workspace is unchanged"),
        ),
        SignInOpError::Keep(KeepError::Workspace(u)) => update_failure(u),
        SignInOpError::Keep(e @ KeepError::NoAppleId(_)) => Failure::new(1, e.to_string()),
    }
}

fn print_leftovers(leftovers: &[Leftover]) {
    for l in leftovers {
        eprintln!(
            "warning: could not remove {} again ({}): delete it by hand",
            l.entry, l.error
        );
    }
}

fn read_secret(from: &str, flag: &str, what: &str) -> Result<(SecretSource, SecretValue), Failure> {
    let src: SecretSource = from
        .parse()
        .map_err(|e: String| Failure::new(2, format!("{flag}: {e}")))?;
    let value = src.read(what)?;
    Ok((src, value))
}

pub fn add_apple_id(path: &Path, keyring: &dyn SecretStore, args: &AddAppleIdArgs) -> CmdResult {
    // From the first check through the save (the sign-in included): a second process fails first.
    let _lock = super::connections::lock_workspace(path)?;
    let loaded = super::load_path(path)?;
    let ws = &loaded.workspace;
    fields::apple_id(&args.apple_id).map_err(|e| Failure::new(2, format!("--apple-id: {e}")))?;
    let clock = super::clock(&args.signin.now)?;
    // The rules before anything is read from a terminal or sent to Apple.
    validate_new_apple_id(ws, &args.apple_id).map_err(|e| Failure::new(1, e))?;
    // Where the password would go is settled (and an untrusted file refused) before it is asked for.
    let service = Service::Apple(endpoints(
        args.signin.apple_auth_url.as_deref(),
        Some(&loaded),
    )?);
    // Where each secret goes is settled, and each place checked, before a password is read or
    // Apple is asked: a sign-in whose session cannot be kept wastes a 2FA code.
    // The flags' own shapes first (a five-digit --code is a usage error wherever it goes).
    let mut codes = code_source(&args.signin)?;
    let pw_source = password_source(args.password_from.as_deref())?;
    let asp_source = args
        .app_specific_password_from
        .as_deref()
        .map(|f| {
            f.parse::<SecretSource>()
                .map_err(|e| Failure::new(2, format!("--app-specific-password-from: {e}")))
        })
        .transpose()?;
    let plan = plan_storage(path, keyring, args, &pw_source, asp_source.as_ref())?;
    let password = pw_source.read("password")?;
    let password_at = plan.password_at;
    let app_specific_password = match &asp_source {
        Some(src) => {
            let value = src.read("app-specific password")?;
            fields::app_specific_password(value.expose()).map_err(|e| Failure::new(1, e))?;
            Some((Some(value), plan.asp_at.clone().unwrap_or_default()))
        }
        None => None,
    };
    let session_at = plan.session_at;
    let new = NewAppleId {
        apple_id: args.apple_id.clone(),
        password,
        password_at,
        app_specific_password,
        session_at,
    };
    let added = sign_in::add_apple_id(
        Target::Disk(path),
        keyring,
        ws,
        &new,
        Job {
            service: &service,
            sms: args.signin.sms,
            clock,
            codes: codes.as_mut(),
            progress: &mut progress,
        },
    )
    .map_err(op_failure)?;
    report_signed_in(
        &new.apple_id,
        added.apple_id.session_expires_at,
        &added.apple_id.teams,
        &added.warnings,
        &added.session_at,
        keyring,
        path,
    );
    Ok(0)
}

fn report_signed_in(
    apple_id: &str,
    expires_at: Option<DateTime<Utc>>,
    teams: &[crate::domain::workspace::Team],
    warnings: &[String],
    place: &SecretRef,
    keyring: &dyn SecretStore,
    workspace_file: &Path,
) {
    let expiry = expires_at
        .map(session::rfc3339)
        .unwrap_or_else(|| "in about 30 days (Apple gave no expiry)".into());
    let kept = crate::secrets::describe_place(place, keyring, workspace_file);
    eprintln!(
        "{}",
        crate::terminal_text::clean(&format!(
            "signed in as {apple_id}; the session expires {expiry}; kept in {kept}"
        ))
    );
    for w in warnings {
        eprintln!("warning: {}", crate::terminal_text::clean(w));
    }
    if !teams.is_empty() {
        eprintln!(
            "teams: {}",
            crate::terminal_text::clean_line(
                &teams
                    .iter()
                    .map(|t| format!("{} ({})", t.name, t.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
}

/// The workspace's rules for a new Apple ID, worded with this command's names.
pub fn validate_new_apple_id(ws: &Workspace, apple_id: &str) -> Result<(), String> {
    let aid = AppleId {
        apple_id: apple_id.to_string(),
        owner: None,
        password: SecretRef::Keyring,
        app_specific_password: None,
        authenticated_at: None,
        session_expires_at: None,
        session: None,
        teams: Vec::new(),
    };
    ws.may_add_apple_id(&aid)
        .map_err(|r| apple_id_refusal_words(&r))
}

fn apple_id_refusal_words(r: &AppleIdRefusal) -> String {
    match r {
        AppleIdRefusal::Shape(e) => e.clone(),
        AppleIdRefusal::AlreadyConnected(id) => {
            format!("{id} is already connected: to renew its session run `apple-conn reauth {id}`")
        }
        AppleIdRefusal::OwnerHasOne { owner, existing } => format!(
            "{owner} already has an Apple ID connection ({existing}): one Apple ID per member, as on Bitrise; remove it first"
        ),
    }
}

pub fn reauth(path: &Path, keyring: &dyn SecretStore, args: &ReauthArgs) -> CmdResult {
    let loaded = super::load_path(path)?;
    let clock = super::clock(&args.signin.now)?;
    let aid = loaded
        .workspace
        .apple_id(&args.apple_id)
        .ok_or_else(|| op_failure(SignInOpError::NoAppleId(args.apple_id.clone())))?;
    let service = Service::Apple(endpoints(
        args.signin.apple_auth_url.as_deref(),
        Some(&loaded),
    )?);
    let password = match &args.password_from {
        Some(from) => Some(read_secret(from, "--password-from", "password")?.1),
        None => None,
    };
    let place = session_ref_for(
        path,
        args.store,
        args.signin.session_file.as_deref(),
        aid.session.as_ref(),
    )?;
    // The new session's place answers before Apple is asked (a 2FA code is not wasted).
    let store = match &place {
        SecretRef::Vault(_) => KeyStorage::Vault,
        SecretRef::Keyring => KeyStorage::Keyring,
        _ => KeyStorage::Reference,
    };
    super::storage::check(
        keyring,
        path,
        &place,
        &EntryName::session(&aid.apple_id),
        store,
    )?;
    let mut codes = code_source(&args.signin)?;
    let inputs = Reauth {
        apple_id: aid.apple_id.clone(),
        password,
        session_at: Some(place.clone()),
    };
    let kept = sign_in::reauth(
        Target::Disk(path),
        keyring,
        &loaded,
        inputs,
        Job {
            service: &service,
            sms: args.signin.sms,
            clock,
            codes: codes.as_mut(),
            progress: &mut progress,
        },
    )
    .map_err(|e| match e {
        SignInOpError::Password(e) => Failure::new(
            1,
            format!(
                "the password of {}: {e} (or pass --password-from)",
                args.apple_id
            ),
        ),
        other => op_failure(other),
    })?;
    if let Some(why) = &kept.superseded {
        crate::terminal_text::say(&format!(
            "signed in as {}, but this session was not kept: {why}",
            args.apple_id
        ));
        return Ok(0);
    }
    let teams = kept
        .loaded
        .workspace
        .apple_id(&args.apple_id)
        .map(|a| a.teams.clone())
        .unwrap_or_default();
    report_signed_in(
        &args.apple_id,
        kept.expires_at,
        &teams,
        &kept.warnings,
        &place,
        keyring,
        path,
    );
    Ok(0)
}

pub fn stored_session(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    apple_id: &str,
) -> Result<Session, Failure> {
    sign_in::stored_session(loaded, keyring, apple_id).map_err(|e| match e {
        StoredError::Unreadable(e) => Failure::new(1, format!("no stored session for {apple_id} ({e}): sign in with `apple-conn reauth {apple_id}` or import one")),
        StoredError::Damaged(e) => Failure::new(1, e),
        other => Failure::new(1, other.to_string()),
    })
}

pub fn session(path: &Path, keyring: &dyn SecretStore, cmd: &SessionCommand) -> CmdResult {
    let loaded = super::load_path(path)?;
    match cmd {
        SessionCommand::Export { apple_id, raw } => {
            let s = stored_session(&loaded, keyring, apple_id)?;
            let yaml = SecretValue::new(session::to_fastlane_yaml(&s, false));
            if *raw {
                super::raw_out(yaml.expose()); // raw: the session (what --raw asks for)
            } else {
                super::raw_out(&format!("{}\n", session::single_line(yaml.expose()))); // raw: the session
            }
            Ok(0)
        }
        SessionCommand::Import {
            apple_id,
            from,
            store,
            now,
        } => {
            let clock = super::clock(now)?;
            let aid = loaded.workspace.apple_id(apple_id).ok_or_else(|| {
                Failure::new(
                    1,
                    format!("no Apple ID connection {apple_id}: add it first"),
                )
            })?;
            let place = session_ref_for(path, *store, None, aid.session.as_ref())?;
            let (_, text) = read_secret(from, "--from", "session")?;
            let imported = sign_in::import_session(
                Target::Disk(path),
                keyring,
                &loaded,
                clock,
                apple_id,
                &text,
                Some(place),
            )
            .map_err(|e| match e {
                SignInOpError::Keep(KeepError::Secret(e)) => {
                    Failure::new(1, format!("could not keep the session: {e}"))
                }
                other => op_failure(other),
            })?;
            if let Some(why) = &imported.kept.superseded {
                return Err(Failure::new(
                    1,
                    format!("the session was not imported: {why}"),
                ));
            }
            for w in &imported.kept.warnings {
                eprintln!("warning: {}", crate::terminal_text::clean(w));
            }
            eprintln!(
                "imported a session of {} cookies for {apple_id}{}",
                imported.cookies,
                imported
                    .expires_at
                    .map(|e| format!("; it expires {}", session::rfc3339(e)))
                    .unwrap_or_default()
            );
            Ok(0)
        }
        SessionCommand::Refresh(args) => super::session_refresh::run(&loaded, keyring, args),
        SessionCommand::Check {
            apple_id,
            apple_auth_url,
            now,
        } => {
            let now = super::now(now)?;
            let s = stored_session(&loaded, keyring, apple_id)?;
            let ep = endpoints(apple_auth_url.as_deref(), Some(&loaded))?;
            match sign_in::check_session(&ep, &s.to_stored(), now) {
                Ok(Some(info)) => {
                    let text = format!(
                        "valid: {} signed in{}",
                        if info.account.is_empty() {
                            apple_id.as_str()
                        } else {
                            info.account.as_str()
                        },
                        if info.teams.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; teams: {}",
                                info.teams
                                    .iter()
                                    .map(|t| format!("{} ({})", t.name, t.id))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    );
                    println!("{}", crate::terminal_text::clean(&text));
                    Ok(0)
                }
                Ok(None) => {
                    println!(
                        "expired: Apple no longer accepts the session of {apple_id}; run `apple-conn reauth {apple_id}`"
                    );
                    Ok(1)
                }
                Err(e) => Err(Failure::new(2, format!("could not check the session: {e}"))),
            }
        }
    }
}

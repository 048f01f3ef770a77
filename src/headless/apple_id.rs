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
use crate::secrets::{SecretStore, SecretValue};
use crate::store::Loaded;

/// Flag over environment variable over workspace setting (Apple or loopback only from the file).
pub fn endpoints(flag: Option<&str>, ws: Option<&Workspace>) -> Result<Endpoints, Failure> {
    let setting = ws.and_then(|w| w.settings.apple_auth_url.as_deref());
    let chosen = crate::ops::endpoints::choose(&crate::ops::endpoints::APPLE_AUTH, flag, setting)
        .map_err(|e| Failure::new(2, format!("apple auth URL: {e}")))?;
    let url = chosen.overridden.then(|| chosen.url.to_string());
    Endpoints::new(url.as_deref()).map_err(|e| Failure::new(2, format!("apple auth URL: {e}")))
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
        if let Some(reason) = &request.retry {
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
                    let _ = std::io::stderr().flush();
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
        (None, Some(p)) => Ok(session_file_ref(p)),
        (None, None) => Ok(existing.cloned().unwrap_or_default()),
    }
}

fn session_file_ref(p: &Path) -> SecretRef {
    SecretRef::Path(
        std::path::absolute(p)
            .unwrap_or(p.to_path_buf())
            .display()
            .to_string(),
    )
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
    let loaded = super::load_path(path)?;
    let ws = &loaded.workspace;
    fields::apple_id(&args.apple_id).map_err(|e| Failure::new(2, format!("--apple-id: {e}")))?;
    let clock = super::clock(&args.signin.now)?;
    // The rules before anything is read from a terminal or sent to Apple.
    validate_new_apple_id(ws, &args.apple_id).map_err(|e| Failure::new(1, e))?;
    let reference = |src: &SecretSource| -> Result<SecretRef, Failure> {
        match args.store {
            KeyStorage::Keyring => Ok(SecretRef::Keyring),
            KeyStorage::Vault => Ok(SecretRef::Vault(VaultRef::Entry)),
            KeyStorage::Reference => src.as_reference().ok_or_else(|| {
                Failure::new(
                    2,
                    "--store reference needs env:VAR or file:PATH (stdin cannot be referenced)",
                )
            }),
        }
    };
    let (pw_source, password) = read_secret(&args.password_from, "--password-from", "password")?;
    let password_at = reference(&pw_source)?;
    let app_specific_password = match &args.app_specific_password_from {
        Some(from) => {
            let (src, value) = read_secret(
                from,
                "--app-specific-password-from",
                "app-specific password",
            )?;
            fields::app_specific_password(value.expose()).map_err(|e| Failure::new(1, e))?;
            let at = reference(&src)?;
            Some((Some(value), at))
        }
        None => None,
    };
    let session_at = match (args.store, &args.signin.session_file) {
        (_, Some(p)) => session_file_ref(p),
        (KeyStorage::Vault, None) => SecretRef::Vault(VaultRef::Entry),
        _ => SecretRef::Keyring,
    };
    let new = NewAppleId {
        apple_id: args.apple_id.clone(),
        password,
        password_at,
        app_specific_password,
        session_at,
    };
    let service = Service::Apple(endpoints(args.signin.apple_auth_url.as_deref(), Some(ws))?);
    let mut codes = code_source(&args.signin)?;
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
    let password = match &args.password_from {
        Some(from) => Some(read_secret(from, "--password-from", "password")?.1),
        None => None,
    };
    let place = session_ref_for(
        args.store,
        args.signin.session_file.as_deref(),
        aid.session.as_ref(),
    )?;
    let service = Service::Apple(endpoints(
        args.signin.apple_auth_url.as_deref(),
        Some(&loaded.workspace),
    )?);
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
                print!("{}", yaml.expose());
            } else {
                println!("{}", session::single_line(yaml.expose()));
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
            let place = session_ref_for(*store, None, aid.session.as_ref())?;
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
            let ep = endpoints(apple_auth_url.as_deref(), Some(&loaded.workspace))?;
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

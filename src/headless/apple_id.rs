//! `add apple-id`, `reauth`, `session export|import|check`: real sign-in from a script or a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::connections::update_failure;
use super::secret_input::SecretSource;
use super::{CmdResult, Failure};
use crate::apple::session::{self, Session};
use crate::apple::signin::{
    self, CodeAnswer, CodeRequest, CodeSource, Endpoints, Retry, SignInError,
};
use crate::cli::{AddAppleIdArgs, KeyStorage, ReauthArgs, SessionCommand, SignInArgs};
use crate::domain::fields;
use crate::domain::rules::AppleIdRefusal;
use crate::domain::secret_ref::{SecretRef, VaultRef};
use crate::domain::workspace::{AppleId, Workspace};
use crate::secrets::{EntryName, SecretStore, SecretValue, Secrets};
use crate::store::{self, Loaded, edit};

/// Flag over environment variable over workspace setting (Apple or loopback only from the file).
pub fn endpoints(flag: Option<&str>, ws: Option<&Workspace>) -> Result<Endpoints, Failure> {
    let setting = ws.and_then(|w| w.settings.apple_auth_url.as_deref());
    let chosen = crate::apple::endpoint::choose(&crate::apple::endpoint::APPLE_AUTH, flag, setting)
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

struct SessionPlace {
    r: SecretRef,
}

fn session_place(args: &SignInArgs, existing: Option<&SecretRef>) -> SessionPlace {
    match (&args.session_file, existing) {
        (Some(p), _) => SessionPlace {
            r: SecretRef::Path(
                std::path::absolute(p)
                    .unwrap_or(p.clone())
                    .display()
                    .to_string(),
            ),
        },
        (None, Some(r)) => SessionPlace { r: r.clone() },
        (None, None) => SessionPlace {
            r: SecretRef::Keyring,
        },
    }
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
        (None, Some(p)) => Ok(SecretRef::Path(
            std::path::absolute(p)
                .unwrap_or(p.to_path_buf())
                .display()
                .to_string(),
        )),
        (None, None) => Ok(existing.cloned().unwrap_or_default()),
    }
}

/// After a session moved stores, the old copy goes (a warning when it cannot).
pub(super) fn drop_old_session(secrets: &Secrets, old: &SecretRef, new: &SecretRef, apple_id: &str) {
    if old != new
        && matches!(old, SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry))
        && let Err(e) = secrets.delete(old, &EntryName::session(apple_id))
    {
        eprintln!(
            "warning: the old session copy in {} could not be deleted ({e}): delete it by hand",
            old.describe()
        );
    }
}

pub fn add_apple_id(path: &Path, keyring: &dyn SecretStore, args: &AddAppleIdArgs) -> CmdResult {
    let loaded = super::load_path(path)?;
    let ws = &loaded.workspace;
    fields::apple_id(&args.apple_id).map_err(|e| Failure::new(2, format!("--apple-id: {e}")))?;
    let new = AppleId {
        apple_id: args.apple_id.clone(),
        owner: None,
        password: SecretRef::Keyring,
        app_specific_password: None,
        authenticated_at: None,
        session_expires_at: None,
        session: None,
        teams: Vec::new(),
    };
    validate_new_apple_id(ws, &new).map_err(|e| Failure::new(1, e))?;
    let pw_source: SecretSource = args
        .password_from
        .parse()
        .map_err(|e: String| Failure::new(2, format!("--password-from: {e}")))?;
    let password = pw_source.read("password")?;
    let asp = match &args.app_specific_password_from {
        Some(from) => {
            let src: SecretSource = from.parse().map_err(|e: String| {
                Failure::new(2, format!("--app-specific-password-from: {e}"))
            })?;
            let value = src.read("app-specific password")?;
            fields::app_specific_password(value.expose()).map_err(|e| Failure::new(1, e))?;
            Some((src, value))
        }
        None => None,
    };
    let ep = endpoints(args.signin.apple_auth_url.as_deref(), Some(ws))?;
    let mut codes = code_source(&args.signin)?;
    let signed = signin::sign_in(
        &ep,
        &args.apple_id,
        &password,
        None,
        args.signin.sms,
        codes.as_mut(),
        &mut progress,
    )
    .map_err(signin_failure)?;

    // Signed in: now keep the secrets, then the workspace; undo the secrets if that fails.
    let secrets = Secrets {
        keyring,
        workspace_file: path,
    };
    let mut written: Vec<(SecretRef, EntryName)> = Vec::new();
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
    let mut aid = new;
    aid.password = reference(&pw_source)?;
    if let Some((src, _)) = &asp {
        aid.app_specific_password = Some(reference(src)?);
    }
    let place = match (args.store, &args.signin.session_file) {
        (KeyStorage::Vault, None) => SessionPlace {
            r: SecretRef::Vault(VaultRef::Entry),
        },
        _ => session_place(&args.signin, None),
    };
    aid.session = match &place.r {
        SecretRef::Keyring => None,
        other => Some(other.clone()),
    };
    aid.authenticated_at = Some(Utc::now());
    aid.session_expires_at = signed.expires_at;
    aid.teams = signed.teams.clone();
    let mut store_all = || -> Result<(), Failure> {
        let mut put =
            |r: &SecretRef, name: EntryName, value: &SecretValue| -> Result<(), Failure> {
                if matches!(r, SecretRef::Keyring | SecretRef::Vault(VaultRef::Entry))
                    || matches!(name.as_str(), n if n.ends_with("/session"))
                {
                    secrets.set(r, &name, value).map_err(|e| {
                        Failure::new(
                            1,
                            format!(
                                "signed in, but could not keep the secret ({e}); nothing was saved"
                            ),
                        )
                    })?;
                    written.push((r.clone(), name));
                }
                Ok(())
            };
        put(&aid.password, EntryName::password(&aid.apple_id), &password)?;
        if let (Some(r), Some((_, v))) = (&aid.app_specific_password, &asp) {
            put(r, EntryName::app_specific_password(&aid.apple_id), v)?;
        }
        put(
            &place.r,
            EntryName::session(&aid.apple_id),
            &signed.session.to_secret(),
        )?;
        Ok(())
    };
    let saved = store_all().and_then(|()| {
        store::update(path, |l, doc| {
            validate_new_apple_id(&l.workspace, &aid)?;
            edit::add_apple_id(doc, &aid)
        })
        .map_err(update_failure)
    });
    if let Err(e) = saved {
        for (r, name) in &written {
            if let Err(cleanup) = secrets.delete(r, name) {
                eprintln!("warning: could not remove {name} again ({cleanup}): delete it by hand");
            }
        }
        return Err(e);
    }
    report_signed_in(&aid.apple_id, &signed, &place.r, keyring, path);
    Ok(0)
}

fn report_signed_in(
    apple_id: &str,
    signed: &signin::SignedIn,
    place: &SecretRef,
    keyring: &dyn SecretStore,
    workspace_file: &Path,
) {
    let expiry = signed
        .expires_at
        .map(session::rfc3339)
        .unwrap_or_else(|| "in about 30 days (Apple gave no expiry)".into());
    let kept = crate::secrets::describe_place(place, keyring, workspace_file);
    eprintln!(
        "{}",
        crate::terminal_text::clean(&format!(
            "signed in as {apple_id}; the session expires {expiry}; kept in {kept}"
        ))
    );
    for w in &signed.warnings {
        eprintln!("warning: {}", crate::terminal_text::clean(w));
    }
    if !signed.teams.is_empty() {
        eprintln!(
            "teams: {}",
            crate::terminal_text::clean_line(
                &signed
                    .teams
                    .iter()
                    .map(|t| format!("{} ({})", t.name, t.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
    }
}

pub fn validate_new_apple_id(ws: &Workspace, aid: &AppleId) -> Result<(), String> {
    ws.may_add_apple_id(aid).map_err(|r| match r {
        AppleIdRefusal::Shape(e) => e,
        AppleIdRefusal::AlreadyConnected(id) => format!(
            "{id} is already connected: to renew its session run `apple-conn reauth {id}`"
        ),
        AppleIdRefusal::OwnerHasOne { owner, existing } => format!(
            "{owner} already has an Apple ID connection ({existing}): one Apple ID per member, as on Bitrise; remove it first"
        ),
    })
}

pub fn reauth(path: &Path, keyring: &dyn SecretStore, args: &ReauthArgs) -> CmdResult {
    let loaded = super::load_path(path)?;
    let aid = loaded
        .workspace
        .apple_id(&args.apple_id)
        .ok_or_else(|| {
            Failure::new(
                1,
                format!(
                    "no Apple ID connection {}: add it with `apple-conn add apple-id`",
                    args.apple_id
                ),
            )
        })?
        .clone();
    let secrets = Secrets {
        keyring,
        workspace_file: path,
    };
    let password = match &args.password_from {
        Some(from) => {
            let src: SecretSource = from
                .parse()
                .map_err(|e: String| Failure::new(2, format!("--password-from: {e}")))?;
            src.read("password")?
        }
        None => secrets
            .get(&aid.password, &EntryName::password(&aid.apple_id))
            .map_err(|e| {
                Failure::new(
                    1,
                    format!(
                        "the password of {}: {e} (or pass --password-from)",
                        aid.apple_id
                    ),
                )
            })?,
    };
    let place = SessionPlace {
        r: session_ref_for(
            args.store,
            args.signin.session_file.as_deref(),
            aid.session.as_ref(),
        )?,
    };
    if matches!(place.r, SecretRef::Vault(_)) {
        // The version this renewal replaces: its check-and-set write detects a concurrent one.
        let _ = secrets.get(&place.r, &EntryName::session(&aid.apple_id));
    }
    let ep = endpoints(
        args.signin.apple_auth_url.as_deref(),
        Some(&loaded.workspace),
    )?;
    let mut codes = code_source(&args.signin)?;
    let signed = signin::sign_in(
        &ep,
        &aid.apple_id,
        &password,
        None,
        args.signin.sms,
        codes.as_mut(),
        &mut progress,
    )
    .map_err(signin_failure)?;
    secrets
        .set(
            &place.r,
            &EntryName::session(&aid.apple_id),
            &signed.session.to_secret(),
        )
        .map_err(|e| {
            Failure::new(
                1,
                format!(
                    "signed in, but could not keep the session ({e}); the workspace is unchanged"
                ),
            )
        })?;
    let now = Utc::now();
    record_session(
        path,
        &aid.apple_id,
        &place.r,
        Some(now),
        signed.expires_at,
        &signed.teams,
    )?;
    drop_old_session(
        &secrets,
        &aid.session.clone().unwrap_or_default(),
        &place.r,
        &aid.apple_id,
    );
    report_signed_in(&aid.apple_id, &signed, &place.r, keyring, path);
    Ok(0)
}

pub(super) fn record_session(
    path: &Path,
    apple_id: &str,
    place: &SecretRef,
    at: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
    teams: &[crate::domain::workspace::Team],
) -> Result<(), Failure> {
    store::update(path, |_, doc| {
        let r = match place {
            SecretRef::Keyring => None,
            other => Some(other),
        };
        edit::set_apple_id_ref(doc, apple_id, "session", r)?;
        edit::set_session_fields(doc, apple_id, at, expires, teams)
    })
    .map(|_| ())
    .map_err(update_failure)
}

pub fn stored_session(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    apple_id: &str,
) -> Result<Session, Failure> {
    let aid = loaded
        .workspace
        .apple_id(apple_id)
        .ok_or_else(|| Failure::new(1, format!("no Apple ID connection {apple_id}")))?;
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    let value = secrets
        .get(&aid.session.clone().unwrap_or_default(), &EntryName::session(apple_id))
        .map_err(|e| Failure::new(1, format!("no stored session for {apple_id} ({e}): sign in with `apple-conn reauth {apple_id}` or import one")))?;
    Session::from_secret(&value).map_err(|e| Failure::new(1, e))
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
        } => {
            let aid = loaded
                .workspace
                .apple_id(apple_id)
                .ok_or_else(|| {
                    Failure::new(
                        1,
                        format!("no Apple ID connection {apple_id}: add it first"),
                    )
                })?
                .clone();
            let src: SecretSource = from
                .parse()
                .map_err(|e: String| Failure::new(2, format!("--from: {e}")))?;
            let text = src.read("session")?;
            let now = Utc::now();
            let parsed = session::parse_fastlane_session(text.expose(), now)
                .map_err(|e| Failure::new(1, e))?;
            let old = aid.session.clone().unwrap_or_default();
            let place = session_ref_for(*store, None, Some(&old))?;
            let secrets = Secrets {
                keyring,
                workspace_file: path,
            };
            secrets
                .set(&place, &EntryName::session(apple_id), &parsed.to_secret())
                .map_err(|e| Failure::new(1, format!("could not keep the session: {e}")))?;
            let expires = parsed.trust_expires_at();
            let signed_in = parsed.authenticated_at().unwrap_or(now);
            record_session(path, apple_id, &place, Some(signed_in), expires, &aid.teams)?;
            drop_old_session(&secrets, &old, &place, apple_id);
            eprintln!(
                "imported a session of {} cookies for {apple_id}{}",
                parsed.cookies.len(),
                expires
                    .map(|e| format!("; it expires {}", session::rfc3339(e)))
                    .unwrap_or_default()
            );
            Ok(0)
        }
        SessionCommand::Refresh(args) => super::session_refresh::run(&loaded, keyring, args),
        SessionCommand::Check {
            apple_id,
            apple_auth_url,
        } => {
            let s = stored_session(&loaded, keyring, apple_id)?;
            let ep = endpoints(apple_auth_url.as_deref(), Some(&loaded.workspace))?;
            match signin::check_session(&ep, &s.to_stored()) {
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

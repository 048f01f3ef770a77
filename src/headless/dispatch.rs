//! Runs one subcommand.

use anyhow::Context;

use super::{CmdResult, Failure, config_path, load};
use crate::cli::{AddCommand, Cli, Command, ExportCommand, JwtCommand};
use crate::secrets::LazyKeyring;

/// The headless face's top level: the command's exit code, or its `Failure` (exit code and
/// message) inside an error that says what was being done.
pub fn run(cli: &Cli) -> anyhow::Result<u8> {
    let Some(command) = &cli.command else {
        return Err(super::Failure::new(2, "no subcommand").into());
    };
    run_command(cli, command)
        .map_err(anyhow::Error::from)
        .with_context(|| doing(command))
}

/// What a command was doing when it failed, for the line under the error.
fn doing(command: &Command) -> String {
    match command {
        Command::Check(_) => "checking the workspace (apple-conn check)".into(),
        Command::Preview(_) => "previewing every step's auth (apple-conn preview)".into(),
        Command::Init(_) => "creating a workspace (apple-conn init)".into(),
        Command::Add(AddCommand::ApiKey(a)) => format!("adding API key `{}`", a.name),
        Command::Add(AddCommand::AppleId(a)) => format!("adding Apple ID {}", a.apple_id),
        Command::Test(_) => "testing a connection (apple-conn test)".into(),
        Command::Reauth(_) => "signing in again (apple-conn reauth)".into(),
        Command::Session(_) => "handling an Apple ID session (apple-conn session)".into(),
        Command::Remove(_) => "removing from the workspace (apple-conn remove)".into(),
        Command::Assign(_) => "assigning a connection (apple-conn assign)".into(),
        Command::Token(a) => format!("minting a token for `{}` (apple-conn token)", a.name),
        Command::Jwt(_) => "inspecting a token (apple-conn jwt inspect)".into(),
        Command::Bitrise(_) => "working with Bitrise (apple-conn bitrise)".into(),
        Command::Export(_) => "exporting a connection (apple-conn export)".into(),
        Command::Secrets(_) => "handling the workspace's secrets (apple-conn secrets)".into(),
        Command::Doctor(_) => "looking at every connection (apple-conn doctor)".into(),
        Command::Signing(_) => "looking at the signing files (apple-conn signing)".into(),
        Command::Env(_) => "listing a step's env vars (apple-conn env)".into(),
        Command::Add(AddCommand::App(a)) => format!("adding app `{}`", a.slug),
        Command::List(_) => "listing the workspace (apple-conn list)".into(),
        Command::Completions { .. } => "printing shell completions".into(),
        Command::Man => "printing the manual".into(),
        Command::Trust(_) => "trusting the workspace's settings (apple-conn trust)".into(),
        Command::Untrust => "forgetting the trust in the workspace (apple-conn untrust)".into(),
        Command::Complete { .. } => "completing a word".into(),
    }
}

fn run_command(cli: &Cli, command: &Command) -> CmdResult {
    // Commands that open no workspace do not look for one (nor say which they found).
    let opens = !matches!(
        command,
        Command::Init(_) | Command::Completions { .. } | Command::Man | Command::Complete { .. }
    );
    let keyring = match opens.then(|| config_path(&cli.config).ok()).flatten() {
        Some(path) => LazyKeyring::for_workspace(&path),
        None => LazyKeyring::new(),
    };
    crate::secrets::vault::set_flag_address(cli.vault_addr.as_deref());
    if cli.demo {
        return demo(command);
    }
    match command {
        Command::List(args) => load(&cli.config).and_then(|l| super::list::run(&l, args)),
        Command::Completions { shell } => super::complete::completions(*shell),
        Command::Complete { words } => super::complete::run(words),
        Command::Man => super::manual::man(),
        Command::Add(AddCommand::App(args)) => {
            super::apps::add_app(&config_path(&cli.config)?, args)
        }
        Command::Check(args) => {
            load(&cli.config).and_then(|l| super::check::run(&l, &keyring, args))
        }
        Command::Preview(args) => load(&cli.config).and_then(|l| super::preview::run(&l, args)),
        Command::Init(args) => {
            super::connections::init(&super::init_path(&cli.config, args.here)?, args)
        }
        Command::Add(AddCommand::ApiKey(args)) => {
            super::connections::add_api_key(&config_path(&cli.config)?, &keyring, args)
        }
        Command::Add(AddCommand::AppleId(args)) => {
            super::apple_id::add_apple_id(&config_path(&cli.config)?, &keyring, args)
        }
        Command::Test(args) => {
            load(&cli.config).and_then(|l| super::test_connection::run(&l, &keyring, args))
        }
        Command::Reauth(args) => {
            super::apple_id::reauth(&config_path(&cli.config)?, &keyring, args)
        }
        Command::Session(cmd) => {
            super::apple_id::session(&config_path(&cli.config)?, &keyring, cmd)
        }
        Command::Remove(what) => {
            super::connections::remove(&config_path(&cli.config)?, &keyring, what)
        }
        Command::Assign(args) => super::connections::assign(&config_path(&cli.config)?, args),
        Command::Token(args) => {
            load(&cli.config).and_then(|l| super::tokens::token(&l, &keyring, args))
        }
        Command::Jwt(JwtCommand::Inspect(args)) => {
            super::tokens::inspect(&cli.config, &keyring, args)
        }
        Command::Bitrise(cmd) => super::bitrise_account::run(&cli.config, &keyring, cmd),
        Command::Export(ExportCommand::BitrisePortalData { app, output, now }) => {
            let now = super::now(now)?;
            load(&cli.config).and_then(|l| {
                super::bitrise::portal_data(&l, &keyring, app, output.as_deref(), now)
            })
        }
        Command::Export(ExportCommand::Fastlane(args)) => {
            load(&cli.config).and_then(|l| super::export::fastlane(&l, &keyring, args))
        }
        Command::Secrets(crate::cli::SecretsCommand::Move { to }) => {
            super::secrets_move::run(&config_path(&cli.config)?, &keyring, *to)
        }
        Command::Secrets(crate::cli::SecretsCommand::Prune { yes }) => {
            super::secrets_prune::run(&config_path(&cli.config)?, &keyring, *yes)
        }
        Command::Secrets(crate::cli::SecretsCommand::Adopt) => {
            super::secrets_adopt::run(&config_path(&cli.config)?)
        }
        Command::Doctor(args) => super::doctor::run(&cli.config, &keyring, args, None),
        Command::Signing(args) => super::signing::run(&cli.config, &keyring, args, None),
        Command::Trust(args) => super::trust::trust(&config_path(&cli.config)?, args),
        Command::Untrust => super::trust::untrust(&config_path(&cli.config)?),
        Command::Env(args) => {
            load(&cli.config).and_then(|l| super::export::env(&l, &keyring, args))
        }
    }
}

/// `--demo` with a command: the read-only ones look at the embedded demo; the others are refused.
fn demo(command: &Command) -> CmdResult {
    let open = || crate::ops::demo::for_commands().map_err(|e| Failure::new(2, e));
    match command {
        Command::Check(args) => {
            let (l, memory) = open()?;
            super::check::run(&l, &memory, args)
        }
        Command::Preview(args) => open().and_then(|(l, _)| super::preview::run(&l, args)),
        Command::Doctor(args) => {
            let (l, memory) = open()?;
            super::doctor::run(&None, &memory, args, Some(&l))
        }
        Command::List(args) => open().and_then(|(l, _)| super::list::run(&l, args)),
        Command::Signing(args) => {
            let (l, memory) = open()?;
            super::signing::run(&None, &memory, args, Some(&l))
        }
        _ => Err(Failure::new(
            2,
            "--demo works with the terminal UI and with preview, check, doctor and list; this command reads or changes a real workspace: drop --demo",
        )),
    }
}

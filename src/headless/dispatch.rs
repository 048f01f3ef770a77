//! Runs one subcommand.

use super::{CmdResult, Failure, config_path, load};
use crate::cli::{AddCommand, Cli, Command, ExportCommand, JwtCommand};
use crate::secrets::LazyKeyring;

pub fn run(cli: &Cli) -> CmdResult {
    let keyring = match config_path(&cli.config) {
        Ok(path) => LazyKeyring::for_workspace(&path),
        Err(_) => LazyKeyring::new(),
    };
    crate::secrets::vault::set_flag_address(cli.vault_addr.as_deref());
    let Some(command) = &cli.command else {
        return Err(super::Failure::new(2, "no subcommand"));
    };
    if cli.demo {
        return demo(command);
    }
    match command {
        Command::List(args) => load(&cli.config).and_then(|l| super::list::run(&l, args)),
        Command::Completions { shell } => super::manual::completions(*shell),
        Command::Man => super::manual::man(),
        Command::Add(AddCommand::App(args)) => {
            super::apps::add_app(&config_path(&cli.config)?, args)
        }
        Command::Check(args) => {
            load(&cli.config).and_then(|l| super::check::run(&l, &keyring, args))
        }
        Command::Preview(args) => load(&cli.config).and_then(|l| super::preview::run(&l, args)),
        Command::Init(args) => super::connections::init(&config_path(&cli.config)?, args),
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
        Command::Doctor(args) => super::doctor::run(&cli.config, &keyring, args, None),
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
        _ => Err(Failure::new(
            2,
            "--demo works with the terminal UI and with preview, check, doctor and list; this command reads or changes a real workspace: drop --demo",
        )),
    }
}

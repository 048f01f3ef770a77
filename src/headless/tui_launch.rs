//! `apple-conn` with no subcommand: checks everything the TUI needs, then opens it.

use super::{CmdResult, Failure};
use crate::cli::Cli;
use crate::theme::Theme;
use crate::tui::{self, Options, effects::Service, keymap::Keymap};

pub fn run(cli: &Cli) -> CmdResult {
    crate::secrets::vault::set_flag_address(cli.vault_addr.as_deref());
    let config = if cli.demo {
        std::path::PathBuf::from("demo.toml")
    } else {
        super::config_path(&cli.config)?
    };
    // Load and validate before the terminal changes mode, so errors print on a normal screen.
    let setting = if cli.demo {
        None
    } else {
        Some(super::load_path(&config)?)
    };
    let ws = setting.as_ref().map(|l| &l.workspace);
    let no_color = cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::choose(
        cli.theme.as_deref(),
        ws.and_then(|w| w.settings.theme.as_deref()),
        no_color,
    )
    .map_err(|e| Failure::new(2, e))?;
    let keymap_path = cli.keymap.clone().or_else(|| {
        ws.and_then(|w| w.settings.keymap.clone())
            .map(std::path::PathBuf::from)
    });
    let user_keymap = match &keymap_path {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| Failure::new(2, format!("keymap {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let keymap = Keymap::parse(tui::keymap::DEFAULT_KEYMAP, user_keymap.as_deref())
        .map_err(|e| Failure::new(2, e))?;
    let service = if cli.demo {
        Service::Demo
    } else {
        Service::Apple(super::apple_id::endpoints(
            cli.apple_auth_url.as_deref(),
            ws,
        )?)
    };
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(Failure::new(
            2,
            "the terminal UI needs a terminal: use a subcommand for scripts (see --help)",
        ));
    }
    tui::run(Options {
        loaded: setting,
        config,
        demo: cli.demo,
        read_only: cli.read_only,
        theme,
        keymap,
        service,
    })
    .map_err(|e| Failure::new(1, e))?;
    Ok(0)
}

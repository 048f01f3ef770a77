use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use apple_conn::cli::Cli;
use apple_conn::headless::{self, Failure};
use apple_conn::theme::Theme;
use apple_conn::tui::{self, Options, effects::Service, keymap::Keymap};

// Many small allocations per resolved step: mimalloc keeps the 1,000-app preview fast.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `main` reports errors itself rather than returning `anyhow::Result`: std would print the
/// Debug form and exit 1, and the exit codes are a contract (doctor's 0-3, usage errors 2).
fn main() -> ExitCode {
    // Before any secret is read: no core file, no same-user debugger (issue 33).
    apple_conn::secrets::no_dump::forbid_dumps();
    let code = match run() {
        Ok(code) => code,
        Err(error) => report(&error),
    };
    #[cfg(feature = "test-support")]
    apple_conn::secrets::no_dump::test_pause_at_exit();
    code
}

/// The first line is the failure itself, as it always was; the lines under it say what
/// apple-conn was doing. The exit code is the `Failure`'s, else 1.
fn report(error: &anyhow::Error) -> ExitCode {
    let code = error.downcast_ref::<Failure>().map_or(1, |f| f.code);
    let mut chain: Vec<String> = error.chain().map(|e| e.to_string()).collect();
    let root = chain.pop().unwrap_or_default();
    let mut text = format!("error: {}\n", apple_conn::terminal_text::clean(&root));
    for doing in chain.iter().rev() {
        text.push_str(&format!(
            "  while {}\n",
            apple_conn::terminal_text::clean(doing)
        ));
    }
    // `let _`: a closed stderr (lost terminal) must not turn the error into a panic.
    let _ = std::io::stderr().write_all(text.as_bytes());
    ExitCode::from(code)
}

fn run() -> anyhow::Result<ExitCode> {
    apple_conn::secrets::migrate::install();
    let parsed = apple_conn::cli::command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // `doctor`'s usage errors are UNKNOWN (3), the monitoring-plugin convention.
            let args: Vec<String> = std::env::args().collect();
            let code = headless::doctor::usage_exit_code(&args, e.exit_code());
            let _ = e.print();
            return Ok(ExitCode::from(u8::try_from(code).unwrap_or(2)));
        }
    };
    if cli.command.is_some() {
        apple_conn::terminal_text::die_quietly_on_closed_pipe();
        return headless::dispatch::run(&cli).map(ExitCode::from);
    }
    launch_tui(&cli)?;
    Ok(ExitCode::SUCCESS)
}

/// `apple-conn` with no subcommand: checks everything the TUI needs, then opens it.
fn launch_tui(cli: &Cli) -> anyhow::Result<()> {
    apple_conn::secrets::vault::set_flag_address(cli.vault_addr.as_deref());
    let config = if cli.demo {
        std::path::PathBuf::from("demo.toml")
    } else {
        headless::config_path(&cli.config)?
    };
    // Load and validate before the terminal changes mode, so errors print on a normal screen.
    // No workspace yet, at a terminal: the TUI offers to create it (first run).
    let first_run = !cli.demo
        && !cli.read_only
        && !config.exists()
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let setting = if cli.demo || first_run {
        None
    } else {
        Some(headless::load_path(&config).context("loading the workspace for the terminal UI")?)
    };
    let ws = setting.as_ref().map(|l| &l.workspace);
    let no_color = cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::choose(
        cli.theme.as_deref(),
        ws.and_then(|w| w.settings.theme.as_deref()),
        no_color,
    )
    .map_err(|e| Failure::new(2, e))
    .context("choosing the colour theme")?;
    let keymap_path = cli.keymap.clone().or_else(|| {
        ws.and_then(|w| w.settings.keymap.clone())
            .map(std::path::PathBuf::from)
    });
    let user_keymap = match &keymap_path {
        Some(p) => Some(
            apple_conn::store::files::read_text_capped(
                p,
                apple_conn::store::files::SMALL_CAP,
                "keymap",
            )
            .map_err(|e| Failure::new(2, format!("keymap {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let keymap = Keymap::parse(tui::keymap::DEFAULT_KEYMAP, user_keymap.as_deref())
        .map_err(|e| Failure::new(2, e))
        .context("reading the keymap")?;
    let service = if cli.demo {
        Service::Demo
    } else {
        // The flag and the environment are checked now; the file's setting at each sign-in.
        Service::Apple(headless::apple_id::endpoints(
            cli.apple_auth_url.as_deref(),
            None,
        )?)
    };
    let clock = apple_conn::ops::Clock::from_option(
        cli.now
            .as_ref()
            .map(|_| headless::now(&cli.now))
            .transpose()?,
    );
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(Failure::new(
            2,
            "the terminal UI needs a terminal: use a subcommand for scripts (see --help)",
        )
        .into());
    }
    tui::run(Options {
        loaded: setting,
        config,
        demo: cli.demo,
        read_only: cli.read_only,
        theme,
        keymap,
        service,
        apple_auth_url: cli.apple_auth_url.clone(),
        clock,
    })
}

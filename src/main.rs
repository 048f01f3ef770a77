use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use apple_conn::cli::Cli;
use apple_conn::headless::{self, CmdResult};

// Many small allocations per resolved step: mimalloc keeps the 1,000-app preview fast.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_some() {
        apple_conn::terminal_text::die_quietly_on_closed_pipe();
    }
    let result: CmdResult = if cli.command.is_none() {
        headless::tui_launch::run(&cli)
    } else {
        headless::dispatch::run(&cli)
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            // `let _`: a closed stderr (lost terminal) must not turn the error into a panic.
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                apple_conn::terminal_text::clean(&failure.message)
            );
            ExitCode::from(failure.code)
        }
    }
}

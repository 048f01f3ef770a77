use std::process::ExitCode;

use clap::Parser;

use apple_conn::cli::{Cli, Command};
use apple_conn::headless::{self, CmdResult};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: CmdResult = match &cli.command {
        Some(Command::Check(args)) => {
            headless::load(&cli.config).and_then(|l| headless::check::run(&l, args))
        }
        Some(Command::Preview(args)) => {
            headless::load(&cli.config).and_then(|l| headless::preview::run(&l, args))
        }
        None => Err(headless::Failure::new(
            2,
            "the terminal UI is not built yet: use a subcommand (see --help)",
        )),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

// Many small allocations per resolved step: mimalloc keeps the 1,000-app preview fast.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

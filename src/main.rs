use std::process::ExitCode;

use clap::Parser;

use apple_conn::cli::Cli;
use apple_conn::headless::{self, CmdResult};

// Many small allocations per resolved step: mimalloc keeps the 1,000-app preview fast.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `doctor`'s usage errors are UNKNOWN (3), the monitoring-plugin convention.
            let args: Vec<String> = std::env::args().collect();
            let code = headless::doctor::usage_exit_code(&args, e.exit_code());
            let _ = e.print();
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    let result: CmdResult = if cli.command.is_none() {
        headless::tui_launch::run(&cli)
    } else {
        headless::dispatch::run(&cli)
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

//! `completions` and `man`: generated from the same clap definitions that parse the command line.

use std::io::Write as _;

use clap::CommandFactory;

use super::{CmdResult, Failure};
use crate::cli::{Cli, CompletionShell};

pub fn completions(shell: CompletionShell) -> CmdResult {
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "apple-conn", &mut out);
    write(&out)
}

/// The whole manual in one page: the main command, then each subcommand's synopsis and options.
pub fn man() -> CmdResult {
    let mut out = Vec::new();
    let cmd = Cli::command();
    let render = |cmd: clap::Command, out: &mut Vec<u8>| -> Result<(), Failure> {
        clap_mangen::Man::new(cmd)
            .render(out)
            .map_err(|e| Failure::new(1, format!("cannot render the manual: {e}")))
    };
    render(cmd.clone(), &mut out)?;
    for sub in cmd.get_subcommands() {
        sections(sub, "apple-conn", &mut out)?;
    }
    write(&out)
}

/// One section per subcommand (and nested subcommand), with its options.
fn sections(cmd: &clap::Command, parent: &str, out: &mut Vec<u8>) -> Result<(), Failure> {
    let name = format!("{parent} {}", cmd.get_name());
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands() {
            sections(sub, &name, out)?;
        }
        return Ok(());
    }
    let man = clap_mangen::Man::new(cmd.clone().bin_name(name.clone()));
    let _ = writeln!(out, ".SH \"{}\"", name.to_uppercase().replace('-', "\\-"));
    man.render_synopsis_section(out)
        .and_then(|()| man.render_description_section(out))
        .and_then(|()| man.render_options_section(out))
        .map_err(|e| Failure::new(1, format!("cannot render the manual: {e}")))
}

fn write(bytes: &[u8]) -> CmdResult {
    // raw: generated shell code and roff from our own clap definitions, no outside text
    super::raw_out(&String::from_utf8_lossy(bytes));
    Ok(0)
}

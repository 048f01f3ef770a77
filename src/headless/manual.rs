//! `completions` and `man`: generated from the same clap definitions that parse the command line.

use std::io::Write as _;

use super::{CmdResult, Failure};

/// The whole manual in one page: the main command, then each subcommand's synopsis and options.
/// It names no `apple-conn-check(1)` pages: the subcommands are sections of this one.
pub fn man() -> CmdResult {
    let mut out = Vec::new();
    let cmd = crate::cli::command();
    let failed = |e: std::io::Error| Failure::new(1, format!("cannot render the manual: {e}"));
    let top = clap_mangen::Man::new(cmd.clone());
    top.render_title(&mut out)
        .and_then(|()| top.render_name_section(&mut out))
        .and_then(|()| top.render_synopsis_section(&mut out))
        .and_then(|()| top.render_description_section(&mut out))
        .and_then(|()| top.render_options_section(&mut out))
        .map_err(failed)?;
    let _ = writeln!(out, ".SH SUBCOMMANDS");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let _ = writeln!(
            out,
            ".TP\n\\fBapple\\-conn {}\\fR\n{}",
            roff_text(sub.get_name()),
            roff_text(&sub.get_about().map(|a| a.to_string()).unwrap_or_default())
        );
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        sections(sub, "apple-conn", &mut out)?;
    }
    top.render_version_section(&mut out).map_err(failed)?;
    write(&out)
}

/// Text for a roff line: backslashes and hyphens escaped, no line starting as a request.
fn roff_text(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with(['.', '\'']) {
        format!("\\&{t}")
    } else {
        t
    }
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

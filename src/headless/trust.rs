//! `apple-conn trust [--show]` and `apple-conn untrust`: this host's consent to a workspace file's
//! guarded settings (`store::trust`).

use std::path::Path;

use super::{CmdResult, Failure};
use crate::cli::TrustArgs;
use crate::store::trust::{self, Guarded, Status, Why};
use crate::terminal_text::clean_line;

/// `key = "value"`, every control character of the value shown escaped (`\x1b`) by the one sanitizer;
/// a URL's host in the ASCII (Punycode) form that is contacted, a non-ASCII host marked; a named
/// file with the SHA-256 of its contents (what trust covers).
fn line(path: &Path, g: &Guarded) -> String {
    let shown = g.shown();
    let mut out = format!("  {} = \"{}\"", g.key, clean_line(&shown.value));
    if let Some(written) = &shown.non_ascii_host {
        out.push_str(&format!(
            "\n    ! non-ASCII host: the file writes {}, which is contacted as the ASCII host above; make sure it is the one you mean",
            clean_line(written)
        ));
    }
    if g.names_file() {
        match trust::file_sha256(path, &g.value) {
            Ok(sum) => out.push_str(&format!("\n    file SHA-256 {sum}")),
            Err(e) => out.push_str(&format!(
                "\n    ! the file cannot be read ({}): it is not trusted",
                clean_line(&e)
            )),
        }
    }
    out
}

fn shown(path: &Path) -> String {
    clean_line(&path.display().to_string())
}

/// The file's `[[steps]]` environment names that only a trusted file may export (issue 33).
fn env_names(ws: &crate::domain::workspace::Workspace) -> Vec<String> {
    use crate::domain::shell_env::{Verdict, declared};
    let mut out: Vec<String> = ws
        .steps
        .iter()
        .flat_map(declared)
        .filter(|(_, v)| *v == Verdict::NeedsTrust)
        .map(|(n, _)| n)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The lines that say which extra names the shell output exports.
fn print_env(names: &[String], trusted: bool) {
    if names.is_empty() {
        return;
    }
    println!(
        "its [[steps]] declare environment names the built-in steps never read; `env --format shell` exports them {}:",
        if trusted {
            "on this host"
        } else {
            "only after `apple-conn trust`"
        }
    );
    for n in names {
        println!("  {}", clean_line(n));
    }
}

pub fn trust(path: &Path, args: &TrustArgs) -> CmdResult {
    let loaded = super::load_path(path)?;
    let settings = &loaded.workspace.settings;
    let env = env_names(&loaded.workspace);
    if args.show {
        return show(path, settings, &env);
    }
    let (record, guarded) = trust::trust(path, settings, &env).map_err(|e| Failure::new(1, e))?;
    print_env(&env, true);
    if guarded.is_empty() {
        println!(
            "trusted {}: it sets no guarded setting to anything but its default, so nothing changes until it does (then trust it again)",
            clean_line(&record.path)
        );
        return Ok(0);
    }
    println!(
        "trusted {}: these settings now take effect on this host, as they are now:",
        clean_line(&record.path)
    );
    for g in &guarded {
        println!("{}", line(path, g));
    }
    println!(
        "Any change to them needs `apple-conn trust` again; `apple-conn untrust` forgets the file."
    );
    Ok(0)
}

fn show(path: &Path, settings: &crate::domain::workspace::Settings, env: &[String]) -> CmdResult {
    let (guarded, status) = trust::status(path, settings);
    let canonical = trust::canonical(path).unwrap_or_else(|_| path.to_path_buf());
    let quoted = clean_line(&trust::shell_word(&canonical.to_string_lossy()));
    let canonical = shown(&canonical);
    let consented = trust::trusted_env(path, settings);
    print_env(env, env.iter().all(|n| consented.contains(n)));
    if status == Status::NothingGuarded {
        println!(
            "{canonical} sets no guarded setting to anything but its default: nothing needs trust"
        );
        return Ok(0);
    }
    println!("{canonical} sets these guarded settings:");
    for g in &guarded {
        println!("{}", line(path, g));
    }
    let verdict = match &status {
        Status::Trusted => "trusted on this host: they take effect".to_string(),
        Status::Untrusted(Why::NeverTrusted) => {
            "not trusted on this host: commands that would use them refuse".to_string()
        }
        Status::Untrusted(Why::Changed) => {
            "changed since this host trusted the file: commands that would use them refuse"
                .to_string()
        }
        Status::Untrusted(Why::State(e)) => format!(
            "not trusted: this host's trust record cannot be read ({})",
            clean_line(e)
        ),
        Status::NothingGuarded => String::new(),
    };
    println!("{verdict}");
    if status != Status::Trusted {
        println!("Check each value; `apple-conn trust -c {quoted}` makes them take effect.");
    }
    Ok(0)
}

pub fn untrust(path: &Path) -> CmdResult {
    let forgot = trust::untrust(path).map_err(|e| Failure::new(1, e))?;
    if forgot {
        println!(
            "forgot {}: its guarded settings are refused on this host until `apple-conn trust`",
            shown(path)
        );
    } else {
        println!("{} was not trusted on this host", shown(path));
    }
    Ok(0)
}

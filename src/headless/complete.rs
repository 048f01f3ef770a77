//! Shell completion: clap's generated scripts, their hyphenated-name bug fixed, and the hidden
//! `__complete` subcommand they call for the workspace's own names (apps, API keys, Apple IDs).

use super::{CmdResult, Failure};
use crate::cli::CompletionShell;

/// The names one argument takes from the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    Apps,
    ApiKeys,
    AppleIds,
    Connections,
}

/// Which arguments take workspace names: (subcommand path, clap argument id).
fn names_for(path: &str, arg: &str) -> Option<Names> {
    match (path, arg) {
        ("bitrise pull" | "bitrise apps", _) => None,
        ("assign" | "remove app", "slug") | (_, "app") => Some(Names::Apps),
        ("assign", "api_key")
        | ("token" | "export fastlane" | "remove api-key", "name")
        | ("jwt inspect", "key") => Some(Names::ApiKeys),
        ("assign" | "remove apple-id" | "reauth", "apple_id") => Some(Names::AppleIds),
        (p, "apple_id") if p.starts_with("session ") => Some(Names::AppleIds),
        ("test", "name") => Some(Names::Connections),
        _ => None,
    }
}

/// `apple-conn __complete -- WORD... CURRENT`: the candidates for CURRENT, one a line, when it is
/// a workspace name; exit 1 (nothing printed) when the static script should answer instead.
pub fn run(words: &[String]) -> CmdResult {
    let Some((current, before)) = words.split_last() else {
        return Ok(1);
    };
    if current.starts_with('-') {
        return Ok(1);
    }
    let Some((names, config)) = locate(before) else {
        return Ok(1);
    };
    let Ok(path) = super::config_path(&config) else {
        return Ok(1);
    };
    let Ok(loaded) = crate::store::load(&path) else {
        return Ok(1);
    };
    let ws = &loaded.workspace;
    let apps = || ws.apps.iter().map(|a| a.slug.clone());
    let keys = || ws.api_keys.iter().map(|k| k.name.clone());
    let ids = || ws.apple_ids.iter().map(|a| a.apple_id.clone());
    let all: Vec<String> = match names {
        Names::Apps => apps().collect(),
        Names::ApiKeys => keys().collect(),
        Names::AppleIds => ids().collect(),
        Names::Connections => keys().chain(ids()).collect(),
    };
    let fitting: Vec<String> = all
        .into_iter()
        .filter(|n| n.starts_with(current.as_str()))
        // One per line: a name with a newline would be two candidates, so it is left out.
        .filter(|n| !n.contains(['\n', '\r']))
        .collect();
    // raw: candidates for the shell's completion, read by a script, never shown as they are
    super::raw_out(&fitting.iter().map(|n| format!("{n}\n")).collect::<String>());
    Ok(0)
}

/// The argument the next word fills (when it takes names) and the `-c` given on the line.
fn locate(before: &[String]) -> Option<(Names, Option<std::path::PathBuf>)> {
    let cmd = crate::cli::command();
    let mut path: Vec<String> = Vec::new();
    let mut config = None;
    let mut positionals = 0usize;
    let mut pending: Option<String> = None;
    let mut current = cmd.clone();
    for word in before {
        if let Some(id) = pending.take() {
            if id == "config" {
                config = Some(std::path::PathBuf::from(word));
            }
            continue;
        }
        if let Some(flag) = word.strip_prefix("--") {
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (flag, None),
            };
            let arg = current
                .get_arguments()
                .find(|a| a.get_long() == Some(name))
                .cloned();
            if let Some(arg) = arg
                && arg.get_action().takes_values()
            {
                match inline {
                    Some(v) if arg.get_id() == "config" => config = Some(v.into()),
                    Some(_) => {}
                    None => pending = Some(arg.get_id().to_string()),
                }
            }
            continue;
        }
        if let Some(short) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            let c = short.chars().next()?;
            let arg = current
                .get_arguments()
                .find(|a| a.get_short() == Some(c))
                .cloned();
            if let Some(arg) = arg.filter(|a| a.get_action().takes_values()) {
                let attached = &short[c.len_utf8()..];
                if attached.is_empty() {
                    pending = Some(arg.get_id().to_string());
                } else if arg.get_id() == "config" {
                    config = Some(attached.into());
                }
            }
            continue;
        }
        let sub = current.find_subcommand(word).cloned();
        match sub {
            Some(sub) if positionals == 0 => {
                path.push(word.clone());
                current = sub;
            }
            _ => positionals += 1,
        }
    }
    let path = path.join(" ");
    let id = match pending {
        Some(id) => id,
        None => current
            .get_positionals()
            .nth(positionals)
            .map(|a| a.get_id().to_string())?,
    };
    names_for(&path, &id).map(|n| (n, config))
}

pub fn completions(shell: CompletionShell) -> CmdResult {
    use clap_complete::Shell;
    let generator = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
        CompletionShell::Powershell => Shell::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut shown(), "apple-conn", &mut out);
    let script = String::from_utf8(out)
        .map_err(|e| Failure::new(1, format!("cannot generate the completions: {e}")))?;
    let script = match shell {
        CompletionShell::Bash => format!("{}{BASH_NAMES}", fix_bash_names(&script)),
        CompletionShell::Zsh => format!("{script}{ZSH_NAMES}"),
        CompletionShell::Fish => format!("{script}{FISH_NAMES}"),
        CompletionShell::Powershell => script,
    };
    // raw: generated shell code from our own clap definitions, no outside text
    super::raw_out(&script);
    Ok(0)
}

/// The command line as completed: without the hidden `__complete`, which clap_complete's
/// generators would offer like any other subcommand.
fn shown() -> clap::Command {
    let cmd = crate::cli::command();
    clap::Command::new("apple-conn")
        .args(cmd.get_arguments().cloned())
        .subcommands(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// clap_complete names bash's case branches from the command path with `-` turned into
/// `__subcmd__` once too often (`apple__subcmd__conn__subcmd__add`) while the dispatcher builds
/// `apple__conn__subcmd__add`: every branch below the top level was dead. One spelling for both.
fn fix_bash_names(script: &str) -> String {
    script.replace("apple__subcmd__conn", "apple__conn")
}

/// Bash: the workspace's names first (`__complete` answers), else clap's script.
const BASH_NAMES: &str = r#"
_apple_conn_names() {
    local out
    if out=$("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null); then
        local IFS=$'\n'
        COMPREPLY=($out)
        return 0
    fi
    _apple__conn "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _apple_conn_names -o nosort -o bashdefault -o default apple-conn
else
    complete -F _apple_conn_names -o bashdefault -o default apple-conn
fi
"#;

/// Zsh: the same, through `compadd`.
const ZSH_NAMES: &str = r#"
_apple_conn_names() {
    local -a names
    local out
    if out=$("${words[1]}" __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null); then
        names=("${(@f)out}")
        compadd -a names
        return 0
    fi
    _apple-conn "$@"
}
if [ "$funcstack[1]" != "_apple-conn" ]; then
    compdef _apple_conn_names apple-conn
fi
"#;

/// Fish: the names as candidates wherever `__complete` has some (it prints nothing elsewhere).
/// An option's value is completed only from the option's own rules: one per option naming them.
const FISH_NAMES: &str = r#"
complete -c apple-conn -f -a '(apple-conn __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
complete -c apple-conn -l app -x -a '(apple-conn __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
complete -c apple-conn -l api-key -x -a '(apple-conn __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
complete -c apple-conn -l apple-id -x -a '(apple-conn __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
complete -c apple-conn -l key -x -a '(apple-conn __complete -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
"#;

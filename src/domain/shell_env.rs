//! Which environment names `env --format shell` may export (issue 33). Output made for `eval`
//! must not set what the shell itself, the dynamic loader or an interpreter reads: a workspace's
//! `[[steps]]` could otherwise run code in the next shell of whoever evaluates it.
//!
//! Three verdicts: a name the built-in steps receive or read is exported; any other name is
//! exported only when this host trusts the file; a name on the deny-list (sudo's `env_delete`
//! idea) is never exported, trusted or not. Pure: the caller brings the trust verdict.

/// Names the built-in catalog's steps receive (catalog.toml `[steps.receives.*]`) and the env
/// inputs the steps read (steplib.toml `$VAR` defaults, bitrise-steps-auth.md §1/§4.6). A unit
/// test keeps this list equal to what those two files name.
pub const KNOWN: &[&str] = &[
    // catalog.toml receives (§4.8)
    "APP_STORE_CONNECT_API_KEY_PATH",
    "DELIVER_API_KEY_PATH",
    "DELIVER_PASSWORD",
    "DELIVER_USERNAME",
    "FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD",
    "FASTLANE_PASSWORD",
    "FASTLANE_SESSION",
    "FASTLANE_USER",
    "FL_BUILDLOG_PATH",
    "PILOT_API_KEY_PATH",
    "PILOT_PASSWORD",
    "PILOT_USERNAME",
    "PRECHECK_INCLUDE_IN_APP_PURCHASES",
    "SPACESHIP_AVOID_XCODE_API",
    "SPACESHIP_SKIP_2FA_UPGRADE",
    // env the steps read: step.yml defaults (steplib.toml) and the portal-data override (§4.6)
    "BITRISE_BUILD_API_TOKEN",
    "BITRISE_BUILD_URL",
    "BITRISE_CERTIFICATE_PASSPHRASE",
    "BITRISE_CERTIFICATE_URL",
    "BITRISE_DEPLOY_DIR",
    "BITRISE_IPA_PATH",
    "BITRISE_KEYCHAIN_PASSWORD",
    "BITRISE_PKG_PATH",
    "BITRISE_PORTAL_DATA_JSON",
    "BITRISE_PROJECT_PATH",
    "BITRISE_SCHEME",
    "BITRISE_SOURCE_DIR",
    "BITRISE_XCARCHIVE_PATH",
];

/// Names a shell, the loader, an interpreter or a tool reads to decide what runs or whom it
/// trusts: never exported (sudo's env_delete list, plus Ruby/Bundler for fastlane and TLS/proxy).
const DENIED: &[&str] = &[
    "BASH_ENV",
    "BASHOPTS",
    "CDPATH",
    "CURL_CA_BUNDLE",
    "EDITOR",
    "ENV",
    "FPATH",
    "GCONV_PATH",
    "GLIBC_TUNABLES",
    "GLOBIGNORE",
    "HISTFILE",
    "HOME",
    "HOSTALIASES",
    "IFS",
    "JAVA_TOOL_OPTIONS",
    "KRB5_CONFIG",
    "KRB5_KTNAME",
    "LOCALDOMAIN",
    "LOCPATH",
    "MAIL",
    "MAILPATH",
    "NLSPATH",
    "NULLCMD",
    "PAGER",
    "PATH",
    "PATH_LOCALE",
    "PROMPT_COMMAND",
    "PS0",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "READNULLCMD",
    "REQUESTS_CA_BUNDLE",
    "RES_OPTIONS",
    "SHELL",
    "SHELLOPTS",
    "TERM",
    "TERMCAP",
    "TERMINFO",
    "TERMINFO_DIRS",
    "TERMPATH",
    "TMPDIR",
    "TMPPREFIX",
    "TZDIR",
    "VISUAL",
    "ZDOTDIR",
    "_JAVA_OPTIONS",
];

/// Prefixes of whole families of such names (`LD_PRELOAD`, `DYLD_INSERT_LIBRARIES`, `GIT_SSH`…).
const DENIED_PREFIXES: &[&str] = &[
    "BASH_", "BUNDLE_", "DYLD_", "GEM_", "GIT_", "LD_", "MALLOC_", "NODE_", "PERL", "PYTHON",
    "RUBY", "SSH_", "SSL_", "ZSH_", "_RLD",
];

/// What `env --format shell` does with one environment name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A name the built-in steps receive or read: exported.
    Known,
    /// Another name a workspace's `[[steps]]` declares: exported only from a trusted file.
    NeedsTrust,
    /// Read by the shell, the loader or an interpreter: never exported.
    Denied,
}

pub fn verdict(name: &str) -> Verdict {
    if is_denied(name) {
        Verdict::Denied
    } else if KNOWN.contains(&name) {
        Verdict::Known
    } else {
        Verdict::NeedsTrust
    }
}

/// Deny-listed, whatever the case (a shell on a case-insensitive system reads `Path` as `PATH`).
pub fn is_denied(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    DENIED.contains(&upper.as_str())
        || DENIED_PREFIXES.iter().any(|p| upper.starts_with(p))
        // http_proxy, HTTPS_PROXY, ALL_PROXY, NO_PROXY: where a tool's traffic goes.
        || upper.ends_with("_PROXY")
}

/// An environment name as the shell output treats it: upper-case letters, digits and `_`.
pub fn is_env_name(name: &str) -> bool {
    crate::shell_script::is_name(name)
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Why a denied name is refused, for `check` and the shell output's comment.
pub fn denied_reason(name: &str) -> String {
    format!(
        "{name} is never exported by `env --format shell`, trusted file or not: the shell, the dynamic loader or an interpreter reads it, so a value could run code in the shell that evaluates the output"
    )
}

/// Why a name outside the steps' own needs trust, for `check` and the shell output's comment.
pub fn needs_trust_reason(name: &str) -> String {
    format!(
        "{name} is not a name the built-in steps receive or read: `env --format shell` exports it only after this host trusts the file (`apple-conn trust`)"
    )
}

/// The environment names of a workspace step's `receives` tables that are not built-in ones,
/// with their verdict (placeholders in a name are judged as written).
pub fn declared(step: &super::catalog::StepDef) -> Vec<(String, Verdict)> {
    let r = &step.receives;
    let mut out: Vec<(String, Verdict)> = Vec::new();
    for name in r
        .api_key
        .keys()
        .chain(r.api_key_xcode.keys())
        .chain(r.apple_id.keys())
        .chain(r.none.keys())
    {
        if !looks_like_env(name) || out.iter().any(|(n, _)| n == name) {
            continue;
        }
        let v = verdict(name);
        if v != Verdict::Known {
            out.push((name.clone(), v));
        }
    }
    out
}

/// An upper-case name (placeholders allowed): what the shell output would export, not an
/// argument (`--x`) or a file (`~/…`).
fn looks_like_env(name: &str) -> bool {
    let bare: String = name.chars().filter(|c| !matches!(c, '{' | '}')).collect();
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every quoted upper-case name in `text` (`"NAME" =`) and every `$NAME`.
    fn names_in(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts = bytes[i] == b'$' || bytes[i] == b'"';
            if starts {
                let rest = &text[i + 1..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                    .unwrap_or(rest.len());
                let name = &rest[..len];
                let closed = bytes[i] == b'$' || rest[len..].starts_with("\" =");
                // `$BITRISE_{…}` and the like are templates, not names.
                if len >= 2 && closed && !name.ends_with('_') {
                    out.push(name.to_string());
                }
                i += len + 1;
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn the_known_list_is_what_the_catalog_and_the_steplib_name() {
        let mut wanted: Vec<String> = names_in(super::super::catalog::BUILTIN_CATALOG)
            .into_iter()
            .chain(names_in(super::super::steplib::BUILTIN_STEPLIB))
            .chain(["BITRISE_PORTAL_DATA_JSON".to_string()])
            .filter(|n| !is_denied(n))
            .collect();
        wanted.sort();
        wanted.dedup();
        let mut known: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
        known.sort();
        assert_eq!(known, wanted);
        for k in KNOWN {
            assert_eq!(verdict(k), Verdict::Known, "{k}");
        }
    }

    #[test]
    fn the_deny_list_holds_for_what_a_shell_or_loader_reads() {
        for name in [
            "BASH_ENV",
            "ENV",
            "PROMPT_COMMAND",
            "PS1",
            "PS4",
            "IFS",
            "PATH",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "DYLD_INSERT_LIBRARIES",
            "GIT_SSH_COMMAND",
            "SHELLOPTS",
            "BASHOPTS",
            "BASH_FUNC_ls%%",
            "RUBYOPT",
            "BUNDLE_GEMFILE",
            "HTTPS_PROXY",
            "https_proxy",
            "Path",
        ] {
            assert!(is_denied(name), "{name}");
        }
        assert_eq!(verdict("MY_TOOL_FLAG"), Verdict::NeedsTrust);
        assert_eq!(verdict("FASTLANE_SESSION"), Verdict::Known);
        assert_eq!(verdict("LD_PRELOAD"), Verdict::Denied);
    }
}

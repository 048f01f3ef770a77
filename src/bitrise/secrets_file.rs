//! `.bitrise.secrets.yml` (`bitrise run -i`): an `envs:` list the CLI declares before the app
//! envs (bitrise/util.go:152 CollectEnvironmentsFromFileContent, cli/run.go runWorkflows).

use std::path::Path;

use super::load;

/// The (name, value) pairs of a secrets file, in order; values as yaml.v2 reads them.
pub fn read(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = crate::store::files::read_text_capped(
        path,
        crate::store::files::BITRISE_YML_CAP,
        "secrets file",
    )
    .map_err(|e| format!("{}: cannot read the secrets file: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

pub fn parse(file: &str, text: &str) -> Result<Vec<(String, String)>, String> {
    let envs = load::env_file(file, text).map_err(|e| {
        format!("{e} (a secrets file is `envs:` followed by `- NAME: value` items)")
    })?;
    Ok(envs
        .into_iter()
        .filter(|e| !(e.unset || e.skip_if_empty && e.value.is_empty()))
        .map(|e| (e.name, e.value))
        .collect())
}

/// `NAME=VALUE` of `--set`: a clear message for anything else.
pub fn parse_set(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v))
            if !k.is_empty()
                && k.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                && !k.as_bytes()[0].is_ascii_digit() =>
        {
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!(
            "--set {text}: give a variable as NAME=VALUE (letters, digits and _ in the name), e.g. --set PR=true"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_sets() {
        let v = parse(
            "s.yml",
            "envs:\n- A: \"1\"\n- B: yes\n- C:\n  opts:\n    unset: true\n",
        )
        .unwrap();
        assert_eq!(
            v,
            vec![("A".into(), "1".into()), ("B".into(), "true".into())]
        );
        assert!(parse("s.yml", "envs: 3\n").is_err());
        assert_eq!(parse_set("PR=true").unwrap(), ("PR".into(), "true".into()));
        assert_eq!(parse_set("X=a=b").unwrap(), ("X".into(), "a=b".into()));
        assert!(parse_set("=x").is_err());
        assert!(parse_set("nope").is_err());
        assert!(parse_set("1A=x").is_err());
    }
}

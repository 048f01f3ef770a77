//! Step references parsed as stepman parses them: `[SOURCE::]ID_OR_URI[@VERSION]`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKind {
    StepLib,
    Git,
    Path,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    pub source: String,
    pub id_or_uri: String,
    pub version: String,
    pub kind: RefKind,
}

impl StepRef {
    /// The StepLib step id; git:: and path:: references carry none.
    pub fn step_id(&self) -> Option<&str> {
        (self.kind == RefKind::StepLib).then_some(self.id_or_uri.as_str())
    }

    /// The major version a StepLib constraint pins, if any (`4`, `4.3`, `4.3.1`).
    pub fn major(&self) -> Option<u64> {
        if self.kind != RefKind::StepLib {
            return None;
        }
        self.version.split('.').next().and_then(|m| m.parse().ok())
    }
}

pub fn parse(reference: &str) -> StepRef {
    let (source, composite) = match reference.split_once("::") {
        Some((s, rest)) if !s.is_empty() => (s.to_string(), rest),
        Some((_, rest)) => (String::new(), rest),
        None => (String::new(), reference),
    };
    let mut pieces: Vec<String> = composite.split('@').map(str::to_string).collect();
    if pieces.len() >= 2 && pieces[0] == "git" {
        let glued = format!("git@{}", pieces[1]);
        pieces.splice(0..2, [glued]);
    }
    let id_or_uri = pieces.first().cloned().unwrap_or_default();
    let version = if pieces.len() >= 2 {
        pieces.last().cloned().unwrap_or_default()
    } else {
        String::new()
    };
    let kind = match source.as_str() {
        "git" => RefKind::Git,
        "path" => RefKind::Path,
        _ => RefKind::StepLib,
    };
    StepRef {
        source,
        id_or_uri,
        version,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_table() {
        let r = parse("script");
        assert_eq!((r.step_id(), r.version.as_str()), (Some("script"), ""));
        assert_eq!(parse("script@").version, "");
        assert_eq!(parse("xcode-archive@4").major(), Some(4));
        assert_eq!(parse("::script@0.9.0").step_id(), Some("script"));
        let full = parse("https://github.com/bitrise-io/bitrise-steplib.git::script@0.9.0");
        assert_eq!(
            (full.source.as_str(), full.step_id(), full.version.as_str()),
            (
                "https://github.com/bitrise-io/bitrise-steplib.git",
                Some("script"),
                "0.9.0"
            )
        );
        let git = parse("git::https://github.com/org/steps-foo.git@master");
        assert_eq!(
            (
                git.kind.clone(),
                git.id_or_uri.as_str(),
                git.version.as_str()
            ),
            (
                RefKind::Git,
                "https://github.com/org/steps-foo.git",
                "master"
            )
        );
        assert_eq!(git.step_id(), None);
        let ssh = parse("git::git@github.com:org/steps-foo.git@v1.2");
        assert_eq!(
            (ssh.id_or_uri.as_str(), ssh.version.as_str()),
            ("git@github.com:org/steps-foo.git", "v1.2")
        );
        let p = parse("path::./");
        assert_eq!((p.kind, p.id_or_uri.as_str()), (RefKind::Path, "./"));
        assert_eq!(
            parse("git::https://user@host/x.git@main").id_or_uri,
            "https://user"
        );
    }
}

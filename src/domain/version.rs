//! Step versions as the StepLib publishes them (`2.19.0`) and how a reference picks one.

use std::fmt;

/// A published step version: major.minor.patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// Reads `2.19.0`; None for anything else.
    pub fn parse(text: &str) -> Option<Version> {
        let parts = parse_parts(text)?;
        match parts.as_slice() {
            [a, b, c] => Some(Version(*a, *b, *c)),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

fn parse_parts(text: &str) -> Option<Vec<u64>> {
    let parts: Option<Vec<u64>> = text
        .trim()
        .split('.')
        .map(|p| {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 9 {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    parts.filter(|p| (1..=3).contains(&p.len()))
}

/// The version a reference runs, and what apple-conn tells about the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    pub version: Version,
    /// Set when the reference names no published version (newer, older, unknown, unreadable).
    pub note: Option<String>,
}

/// Picks from `published` (ascending) as stepman does: `2.19.0` exactly, `2.19` the newest
/// 2.19.x, `2` the newest 2.x.x, nothing the newest of all.
pub fn pick(step: &str, published: &[Version], reference: &str) -> Option<Picked> {
    let newest = *published.last()?;
    let oldest = *published.first()?;
    let reference = reference.trim();
    if reference.is_empty() {
        return Some(Picked {
            version: newest,
            note: None,
        });
    }
    let Some(parts) = parse_parts(reference) else {
        return Some(Picked {
            version: newest,
            note: Some(format!(
                "{step}@{reference} is not a version apple-conn can read (write e.g. 2, 2.19 or 2.19.0): previewed as the newest, {newest}"
            )),
        });
    };
    let prefix = |v: &Version| {
        let all = [v.0, v.1, v.2];
        all[..parts.len()] == parts[..]
    };
    if let Some(v) = published.iter().rev().find(|v| prefix(v)) {
        return Some(Picked {
            version: *v,
            note: None,
        });
    }
    let cut = |v: &Version| [v.0, v.1, v.2][..parts.len()].to_vec();
    if parts > cut(&newest) {
        return Some(Picked {
            version: newest,
            note: Some(format!(
                "{step}@{reference} is newer than the newest version apple-conn knows ({newest}): previewed as {newest}; it may pick its auth differently"
            )),
        });
    }
    if parts < cut(&oldest) {
        return Some(Picked {
            version: oldest,
            note: Some(format!(
                "{step}@{reference} is older than the oldest published version ({oldest}): previewed as {oldest}"
            )),
        });
    }
    let below = published
        .iter()
        .rev()
        .find(|v| cut(v) < parts)
        .copied()
        .unwrap_or(oldest);
    Some(Picked {
        version: below,
        note: Some(format!(
            "{step}@{reference} is not a published version (the StepLib has no such release): previewed as {below}"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vs(list: &[&str]) -> Vec<Version> {
        list.iter().filter_map(|v| Version::parse(v)).collect()
    }

    #[test]
    fn references_pick_as_stepman_does() {
        let p = vs(&["2.18.1", "2.19.0", "2.20.0", "2.20.2", "2.23.0"]);
        let at =
            |r: &str| pick("deliver", &p, r).map(|x| (x.version.to_string(), x.note.is_some()));
        assert_eq!(at(""), Some(("2.23.0".into(), false)));
        assert_eq!(at("2"), Some(("2.23.0".into(), false)));
        assert_eq!(at("2.20"), Some(("2.20.2".into(), false)));
        assert_eq!(at("2.19.0"), Some(("2.19.0".into(), false)));
        assert_eq!(at("2.19"), Some(("2.19.0".into(), false)));
        assert_eq!(at("3"), Some(("2.23.0".into(), true)));
        assert_eq!(at("2.30.1"), Some(("2.23.0".into(), true)));
        assert_eq!(at("1"), Some(("2.18.1".into(), true)));
        assert_eq!(at("2.19.5"), Some(("2.19.0".into(), true)));
        assert_eq!(at("latest"), Some(("2.23.0".into(), true)));
    }
}

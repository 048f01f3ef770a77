//! A large workspace parses on every core: its text is cut before `[[apps]]` headers and the
//! pieces parse at once. Any doubt (an error, a key other than `apps` after a cut) falls back
//! to the one-piece parse, whose result and error messages are the reference.

use serde::Deserialize;

use crate::domain::workspace::{App, Workspace};

/// Below this size one piece is faster than starting threads.
const MIN_BYTES: usize = 64 * 1024;

/// About this much text per piece (a piece ends before an `[[apps]]` header).
const PIECE_BYTES: usize = 256 * 1024;

/// The apps after a cut; any other top-level key fails it (and so falls back).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tail {
    apps: Vec<App>,
}

pub fn parse(text: &str) -> Option<Workspace> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if text.len() < MIN_BYTES || threads < 2 {
        return None;
    }
    // Many small pieces, a few at a time: a piece's parse tree (several times its text) is freed
    // as soon as its apps are out, so the peak is the apps plus one tree per thread, not a tree
    // of the whole file.
    let cuts = cuts(text, (text.len() / PIECE_BYTES).max(threads));
    if cuts.is_empty() {
        return None;
    }
    let head_text = &text[..cuts[0]];
    // `apps = [...]` written inline before a cut could not take more [[apps]] in one piece.
    if head_text.lines().any(|l| {
        let l = l.trim_start();
        l.strip_prefix("apps")
            .is_some_and(|rest| rest.trim_start().starts_with('='))
    }) {
        return None;
    }
    let mut bounds = cuts.clone();
    bounds.push(text.len());
    let pieces: Vec<&str> = bounds.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let parsed: Vec<(usize, Option<Vec<App>>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(pieces.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(piece) = pieces.get(i) else { break };
                        done.push((i, toml::from_str::<Tail>(piece).ok().map(|t| t.apps)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut ws: Workspace = toml::from_str(head_text).ok()?;
    let mut ordered: Vec<Option<Vec<App>>> = (0..pieces.len()).map(|_| None).collect();
    for (i, apps) in parsed {
        ordered[i] = Some(apps?);
    }
    for apps in ordered {
        ws.apps.extend(apps?);
    }
    Some(ws)
}

/// Byte offsets of `[[apps]]` header lines near each 1/parts of the text, never the first one
/// (so the pieces before a cut have opened the array of tables themselves).
fn cuts(text: &str, parts: usize) -> Vec<usize> {
    let headers: Vec<usize> = text
        .match_indices("\n[[apps]]")
        .map(|(i, _)| i + 1)
        .filter(|&i| {
            let after = &text[i + "[[apps]]".len()..];
            after.starts_with(['\n', '\r', ' ', '\t', '#']) || after.is_empty()
        })
        .collect();
    let mut out: Vec<usize> = Vec::new();
    for k in 1..parts {
        let target = text.len() * k / parts;
        if let Some(&h) = headers.iter().skip(1).find(|&&h| h >= target)
            && out.last().is_none_or(|&last| h > last)
        {
            out.push(h);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_only_before_later_app_headers() {
        let text = format!("version = 1\n{}", "[[apps]]\nslug = \"a\"\n".repeat(4));
        let c = cuts(&text, 2);
        assert_eq!(c.len(), 1);
        assert!(text[c[0]..].starts_with("[[apps]]"));
        assert!(c[0] > text.find("[[apps]]").unwrap());
        assert!(cuts("version = 1\n[[apps]]\nslug = \"a\"\n", 2).is_empty());
    }

    fn same_as_one_piece(text: &str) -> Option<Workspace> {
        let one: Result<Workspace, _> = toml::from_str(text);
        let many = parse(text);
        if let (Ok(one), Some(many)) = (&one, &many) {
            assert_eq!(format!("{one:?}"), format!("{many:?}"));
        }
        if one.is_err() {
            assert!(many.is_none(), "an invalid file never parses in pieces");
        }
        many
    }

    #[test]
    fn pieces_give_the_one_piece_result_or_none() {
        if std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            < 2
        {
            return;
        }
        let big = crate::bench_support::large_workspace_toml(400);
        let ws = same_as_one_piece(&big).expect("a plain large workspace parses in pieces");
        assert_eq!(ws.apps.len(), 400);
        // Many more pieces than threads: the apps stay in the file's order.
        let bigger = crate::bench_support::large_workspace_toml(1500);
        assert!(cuts(&bigger, bigger.len() / PIECE_BYTES).len() >= 4);
        let ws = same_as_one_piece(&bigger).expect("parses in many pieces");
        assert_eq!(ws.apps.len(), 1500);
        // A table after the apps is not `apps`: one piece.
        assert!(same_as_one_piece(&format!("{big}\n[settings]\ntheme = \"mono\"\n")).is_none());
        assert!(same_as_one_piece(&format!("{big}\n[[steps]]\nid = \"x\"\n")).is_none());
        // A multi-line string holding a header line, across the middle.
        let mid = big.len() / 2;
        let at = big[mid..].find("\n[[apps]]\n").unwrap() + mid + 1;
        let tricky = format!(
            "{}[[apps]]\nslug = \"odd\"\ntitle = \"\"\"\n[[apps]]\nslug = \"\"\"\n{}",
            &big[..at],
            &big[at..]
        );
        let ws: Workspace = toml::from_str(&tricky).unwrap();
        same_as_one_piece(&tricky);
        assert_eq!(ws.apps.iter().filter(|a| a.slug == "odd").count(), 1);
        // An error after a cut: no result in pieces, so the one-piece error (with its line) is used.
        let broken = format!("{big}\n[[apps]]\nslug = \n");
        assert!(same_as_one_piece(&broken).is_none());
        // Inline apps before a cut cannot take [[apps]] later.
        let inline = big.replacen("\n[[apps]]\n", "\napps = []\n[[apps]]\n", 1);
        same_as_one_piece(&inline);
    }
}

//! Text output that fits 80 columns: words wrapped under a hanging indent, over-long words cut
//! into pieces (`--wide` keeps one line per row instead).

/// The width the text outputs fit by default.
pub const COLUMNS: usize = 80;

/// `text` as lines of at most `width` characters: the first starts with `first`, the rest with
/// `rest` (a hanging indent). Breaks at spaces; a word longer than a line is cut where the line ends.
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut has_word = false;
    let rest_room = width.saturating_sub(rest.chars().count());
    for whole in text.split_whitespace() {
        let mut word = whole;
        loop {
            let used = line.chars().count();
            let sep = usize::from(has_word);
            let len = word.chars().count();
            if used + sep + len <= width {
                if has_word {
                    line.push(' ');
                }
                line.push_str(word);
                has_word = true;
                break;
            }
            let free = width.saturating_sub(used + sep);
            if has_word && (len <= rest_room || free < 8) {
                lines.push(std::mem::replace(&mut line, rest.to_string()));
                has_word = false;
                continue;
            }
            // Longer than any line: cut where this line ends (a URL stays readable in pieces).
            let split = word
                .char_indices()
                .nth(free.max(1))
                .map_or(word.len(), |(i, _)| i);
            if has_word {
                line.push(' ');
            }
            line.push_str(&word[..split]);
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            has_word = false;
            word = &word[split..];
            if word.is_empty() {
                break;
            }
        }
    }
    if has_word || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `cell` cut to `width` characters with `…` at the end when longer.
pub fn abbreviate(cell: &str, width: usize) -> String {
    if cell.chars().count() <= width {
        return cell.to_string();
    }
    let mut out: String = cell.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_and_nothing_is_lost() {
        let text = "Bitrise Apple Service connection not found. Read more: https://devcenter.bitrise.io/getting-started/configuring-bitrise-steps-that-require-apple-developer-account-data/ and then some";
        let lines = wrap(text, 80, "      - ", "        ");
        for l in &lines {
            assert!(l.chars().count() <= 80, "{l:?} in {lines:#?}");
        }
        assert!(lines[0].starts_with("      - Bitrise"));
        assert!(lines[1..].iter().all(|l| l.starts_with("        ")));
        let joined: String = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        let squeezed = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squeezed(&joined), squeezed(&format!("- {text}")));
    }

    #[test]
    fn short_text_is_one_line() {
        assert_eq!(wrap("ok then", 80, "  ", "    "), vec!["  ok then"]);
        assert_eq!(abbreviate("abcdef", 4), "abc…");
        assert_eq!(abbreviate("abc", 4), "abc");
    }
}

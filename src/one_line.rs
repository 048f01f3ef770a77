//! One sanitizer for one-line fields from servers (titles, owners, names, ids, messages), applied
//! where the data enters (issue 33): a line break in a title must not forge a row in `bitrise
//! apps` or a `preview` header, and a bidi control must not reorder what a reader sees. Every
//! control character, line or paragraph separator and bidi control becomes a space, runs of
//! white space become one, and the text is cut to a bounded length.

/// The longest one-line field kept from a server (far above any real title or name).
pub const MAX_CHARS: usize = 512;

fn breaks_the_line(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` on one line, at most `MAX_CHARS` characters.
pub fn one_line(text: &str) -> String {
    cut(text, MAX_CHARS)
}

/// `text` on one line, at most `max` characters (then `…`).
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max && !text.chars().any(breaks_the_line) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len().min(max * 4));
    let mut count = 0usize;
    let mut space = false;
    for c in text.chars() {
        if breaks_the_line(c) {
            space = !out.is_empty();
            continue;
        }
        if count >= max {
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// serde `deserialize_with` for a one-line `String` field.
pub fn de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text: String = serde::Deserialize::deserialize(d)?;
    Ok(one_line(&text))
}

/// serde `deserialize_with` for an optional one-line field (with `#[serde(default)]`).
pub fn de_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(text.map(|t| one_line(&t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_leaves_the_line() {
        assert_eq!(one_line("Shop iOS"), "Shop iOS");
        assert_eq!(
            one_line("Shop\nforged-app  x\r\n\u{2028}y\u{202e}z\u{85}w\tv\x1b[2J"),
            "Shop forged-app x y z w v [2J"
        );
        assert_eq!(one_line("\n lead and trail \n"), "lead and trail");
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(one_line(&"é".repeat(600)).chars().count(), MAX_CHARS + 1);
        for s in ["a\u{2029}b", "a\u{b}b", "a\u{c}b", "a\u{2066}b"] {
            assert!(
                !one_line(s).contains(|c: char| breaks_the_line(c) && c != ' '),
                "{s:?}"
            );
        }
    }
}

//! Shell code for `eval` (`env --format shell`): built from parts by one quoting function, never
//! concatenated from text. A value is one single-quoted word; a comment is one line whatever it says.

/// `value` as one shell word that no shell expands: `'…'`, each `'` written as `'\''`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A POSIX variable name (`[A-Za-z_][A-Za-z0-9_]*`): the only names `export`/`unset` are given.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A script for `eval`, line by line.
#[derive(Default)]
pub struct Script {
    text: String,
}

impl Script {
    pub fn new() -> Self {
        Self::default()
    }

    /// `# text` on one line: every control character (newline and carriage return included) and
    /// bidi override is shown escaped, so nothing in `text` can end the comment.
    pub fn comment(&mut self, text: &str) {
        let line = crate::terminal_text::clean_line(text);
        // clean_line escapes every control character; this keeps the promise if it ever changes.
        let line = line.replace(['\n', '\r'], " ");
        self.text.push_str("# ");
        self.text.push_str(&line);
        self.text.push('\n');
    }

    /// `export NAME='value'`; a name that is not a variable name or a value no variable can hold
    /// (a NUL byte) becomes a comment instead.
    pub fn export(&mut self, name: &str, value: &str) {
        if !is_name(name) {
            return self.comment(&format!("{name}: not a shell variable name, not exported"));
        }
        if value.contains('\0') {
            return self.comment(&format!(
                "{name}: the value holds a NUL byte, which no shell variable can hold; not exported"
            ));
        }
        self.text.push_str("export ");
        self.text.push_str(name);
        self.text.push('=');
        self.text.push_str(&quote(value));
        self.text.push('\n');
    }

    /// `unset NAME` (a name that is not a variable name becomes a comment).
    pub fn unset(&mut self, name: &str) {
        if !is_name(name) {
            return self.comment(&format!("{name}: unset"));
        }
        self.text.push_str("unset ");
        self.text.push_str(name);
        self.text.push('\n');
    }

    pub fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_stay_on_one_line_and_values_stay_one_word() {
        let mut s = Script::new();
        s.comment("team 111\ntouch /tmp/x\n#\r\u{2028}\x1b]52;c;x\x07");
        s.export("A_1", "it's $(id) `id` \n ${X}");
        s.export("1BAD", "x");
        s.unset("B");
        s.unset("a;b");
        let text = s.finish();
        assert_eq!(
            text,
            "# team 111\\x0atouch /tmp/x\\x0a#\\x0d\u{2028}\\x1b]52;c;x\\x07\n\
             export A_1='it'\\''s $(id) `id` \n ${X}'\n\
             # 1BAD: not a shell variable name, not exported\n\
             unset B\n\
             # a;b: unset\n"
        );
    }
}

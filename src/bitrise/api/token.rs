//! The personal access token: sent only in the `Authorization` header, never shown.

use crate::secrets::SecretValue;

/// Zeroized when dropped (SecretValue), `Token(***)` in Debug output.
#[derive(Clone)]
pub struct Token(SecretValue);

impl Token {
    pub fn new(value: SecretValue) -> Self {
        Token(value)
    }

    /// The header value as Bitrise expects it: the token itself, no `Bearer`.
    pub(super) fn header_value(&self) -> &str {
        self.0.expose().trim()
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = Token::new(SecretValue::new("bitrise-pat-1234".into()));
        assert_eq!(format!("{t:?}"), "Token(***)");
        assert_eq!(t.header_value(), "bitrise-pat-1234");
    }
}

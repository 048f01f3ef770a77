//! Field validators shared by the workspace check, the headless commands and the TUI forms.
//! Each returns `Err(message)` saying what is wrong and what to write instead.

pub fn key_id(value: &str) -> Result<(), String> {
    if value.len() == 10
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(format!(
            "key ID `{value}` must be 10 characters, A-Z and 0-9 (as App Store Connect shows it, e.g. 2X9R4HXF34)"
        ))
    }
}

pub fn issuer_id(value: &str) -> Result<(), String> {
    let groups: Vec<&str> = value.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "issuer ID `{value}` must be a UUID like 57246542-96fe-1a63-e053-0824d011072a (App Store Connect › Users and Access › Integrations)"
        ))
    }
}

/// An e-mail address: one `@`, a dotted domain of letters, digits and `-`, and none of the
/// characters that could make two ids share a secret's name (`/ % ? # \\`, whitespace, controls).
pub fn apple_id(value: &str) -> Result<(), String> {
    let mut parts = value.splitn(2, '@');
    let local = parts.next().unwrap_or_default();
    let domain = parts.next().unwrap_or_default();
    let forbidden = |c: char| {
        matches!(c, '/' | '%' | '?' | '#' | '\\' | '@' | '"')
            || c.is_whitespace()
            || c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if let Some(c) = value.chars().filter(|c| *c != '@').find(|c| forbidden(*c)) {
        return Err(format!(
            "Apple ID `{value}` holds {c:?}, which an email address cannot: write the address alone, e.g. alice@example.com"
        ));
    }
    if !local.is_empty() && domain_ok {
        Ok(())
    } else {
        Err(format!(
            "Apple ID `{value}` must be an email address, e.g. alice@example.com"
        ))
    }
}

pub fn two_factor_code(value: &str) -> Result<(), String> {
    // Four digits: accounts on Apple's old two-step verification.
    if matches!(value.len(), 4 | 6) && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err("the verification code must be the six digits Apple sent, e.g. 123456 (four for an account on Apple's old two-step verification)".into())
    }
}

/// Apple's format: four groups of four lowercase letters, e.g. abcd-efgh-ijkl-mnop.
pub fn app_specific_password(value: &str) -> Result<(), String> {
    let groups: Vec<&str> = value.split('-').collect();
    let ok = groups.len() == 4
        && groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_lowercase()));
    if ok {
        Ok(())
    } else {
        // The value is a secret: the message never repeats it.
        Err("an app-specific password is four groups of four lowercase letters, xxxx-xxxx-xxxx-xxxx (appleid.apple.com › Sign-In and Security)".into())
    }
}

pub fn connection_name(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("the name is empty: give the key a name you will recognise, e.g. \"CI key\"".into())
    } else if value.trim() != value {
        Err(format!(
            "the name `{value}` starts or ends with spaces: remove them"
        ))
    } else if value.chars().count() > 64 {
        Err("the name is longer than 64 characters: shorten it".into())
    } else if value.chars().any(char::is_control) {
        Err("the name contains control characters: use plain text".into())
    } else {
        Ok(())
    }
}

pub fn app_slug(value: &str) -> Result<(), String> {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Ok(())
    } else {
        Err(format!(
            "app slug `{value}` must be letters, digits, `-`, `_` or `.`, e.g. shop-ios"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids() {
        assert!(key_id("2X9R4HXF34").is_ok());
        assert!(key_id("2x9r4hxf34").is_err());
        assert!(key_id("2X9R4HXF3").is_err());
        assert!(key_id("2X9R4HXF34A").is_err());
    }

    #[test]
    fn issuer_ids() {
        assert!(issuer_id("57246542-96fe-1a63-e053-0824d011072a").is_ok());
        assert!(issuer_id("57246542-96fe-1a63-e053-0824d011072").is_err());
        assert!(issuer_id("57246542_96fe_1a63_e053_0824d011072a").is_err());
        assert!(issuer_id("").is_err());
    }

    #[test]
    fn codes_and_passwords() {
        assert!(two_factor_code("123456").is_ok());
        assert!(two_factor_code("12345").is_err());
        assert!(two_factor_code("12345a").is_err());
        assert!(app_specific_password("abcd-efgh-ijkl-mnop").is_ok());
        assert!(app_specific_password("ABCD-efgh-ijkl-mnop").is_err());
        assert!(app_specific_password("abcdefghijklmnop").is_err());
        let err = app_specific_password("secret-value").unwrap_err();
        assert!(!err.contains("secret-value"));
    }

    #[test]
    fn apple_ids() {
        assert!(apple_id("alice@example.com").is_ok());
        assert!(apple_id("alice").is_err());
        assert!(apple_id("alice@example").is_err());
        assert!(apple_id("a b@example.com").is_err());
    }
}

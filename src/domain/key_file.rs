//! Key ID from a `.p8` file name, exactly as go-xcode's `AuthKey_(.+)\.p8` pattern reads it.

/// The key ID in the last path segment (query ignored), or None ("Bitrise" in the steps).
/// Unanchored, greedy, case-sensitive: `AuthKey_A_B.p8.p8` -> `A_B.p8`, `MyAuthKey_X.p8` -> `X`.
pub fn key_id_from_file_name(path_or_url: &str) -> Option<String> {
    let without_query = path_or_url.split(['?', '#']).next().unwrap_or_default();
    let segment = without_query.rsplit('/').next().unwrap_or_default();
    let mut search_from = 0;
    while let Some(found) = segment[search_from..].find("AuthKey_") {
        let start = search_from + found + "AuthKey_".len();
        let rest = &segment[start..];
        // Greedy `.+`: the last `.p8` that leaves at least one character before it.
        if let Some(end) = rest.rfind(".p8").filter(|&end| end >= 1) {
            return Some(rest[..end].to_string());
        }
        search_from = search_from + found + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::key_id_from_file_name as id;

    #[test]
    fn the_cases_of_the_steps_own_tests() {
        assert_eq!(id("file:///keys/AuthKey_ABC.p8").as_deref(), Some("ABC"));
        assert_eq!(id("AuthKey_ABC.p8.bak").as_deref(), Some("ABC"));
        assert_eq!(id("MyAuthKey_X.p8").as_deref(), Some("X"));
        assert_eq!(id("AuthKey_A_B.p8.p8").as_deref(), Some("A_B.p8"));
        assert_eq!(id("AuthKey_.p8"), None);
        assert_eq!(id("authkey_abc.p8"), None);
        assert_eq!(id("https://host/file.json?test_param=.p8"), None);
        assert_eq!(
            id("https://host/AuthKey_MyID.p8?x=AuthKey").as_deref(),
            Some("MyID")
        );
        assert_eq!(id("https://host/AuthKey_DIR/key.p8"), None);
    }
}

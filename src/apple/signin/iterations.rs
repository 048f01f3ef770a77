//! The PBKDF2 iteration count the server asks for in `signin/init`: bounded before the password is used.

use serde_json::Value;

use super::SignInError;

/// Fewer makes the verifier the server sees cheap to attack offline (Apple asks for 20,000).
pub const MIN_ITERATIONS: u64 = 1_000;
/// More only burns this host's CPU (a hostile server's denial of service).
pub const MAX_ITERATIONS: u64 = 10_000_000;

/// `iteration` of the init answer, refused outside 1,000..=10,000,000 before anything is derived.
pub fn from_init(init: &Value) -> Result<u32, SignInError> {
    let n = init
        .get("iteration")
        .and_then(Value::as_u64)
        .ok_or_else(|| SignInError::Protocol("signin/init has no usable `iteration`".into()))?;
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&n) {
        return Err(SignInError::Protocol(format!(
            "the sign-in server asked for {n} PBKDF2 iterations; apple-conn accepts {MIN_ITERATIONS} to {MAX_ITERATIONS} (Apple asks for 20000): a server asking for so few would make your password cheap to crack offline. Nothing derived from the password was sent; check --apple-auth-url / APPLE_CONN_APPLE_AUTH_URL / [settings] apple_auth_url"
        )));
    }
    u32::try_from(n)
        .map_err(|_| SignInError::Protocol("signin/init: `iteration` is too large".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sane_iteration_count_is_accepted() {
        let at = |n: Value| from_init(&serde_json::json!({ "iteration": n }));
        assert_eq!(at(20_000.into()).unwrap(), 20_000);
        assert_eq!(at(1_000.into()).unwrap(), 1_000);
        assert_eq!(at(10_000_000.into()).unwrap(), 10_000_000);
        for bad in [0u64, 1, 999, 10_000_001, u64::MAX] {
            let e = at(bad.into()).unwrap_err().to_string();
            assert!(e.contains("1000 to 10000000"), "{bad}: {e}");
        }
        assert!(at("20000".into()).is_err());
        assert!(at((-5).into()).is_err());
    }
}

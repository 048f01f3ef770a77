//! A secret value: never printed, zeroized when dropped.

use zeroize::Zeroizing;

#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(value: String) -> Self {
        SecretValue(Zeroizing::new(value))
    }

    /// The only way to the text: call sites that use it are easy to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Zeroizes every string of a JSON document in place (a request or answer that carried a
/// secret: a proof, a code, a token), before it is dropped (issue 33).
pub fn wipe_json(value: &mut serde_json::Value) {
    use zeroize::Zeroize;
    match value {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(wipe_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(wipe_json),
        _ => {}
    }
}

/// JSON text of a document that carries a secret, written into one buffer of exactly its size
/// (counted first), so no grown copy is freed unwiped; the text is wiped when dropped.
pub fn secret_json(value: &serde_json::Value) -> zeroize::Zeroizing<String> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    let mut bytes = Vec::with_capacity(count.0);
    let _ = serde_json::to_writer(&mut bytes, value);
    // serde_json writes UTF-8; an impossible failure gives an empty text, never a panic.
    zeroize::Zeroizing::new(String::from_utf8(bytes).unwrap_or_default())
}

impl From<String> for SecretValue {
    fn from(value: String) -> Self {
        SecretValue::new(value)
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = SecretValue::new("hunter2".into());
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
        assert_eq!(s.expose(), "hunter2");
    }
}

//! Apple's hashcash (`X-Apple-HC`): `1:<bits>:<date>:<challenge>::<counter>`, SHA-1 with `bits` leading zero bits.

use std::time::{Duration, Instant};

use sha1::{Digest, Sha1};

/// Apple asks for 10-12 bits; 20 bits is about a million hashes (a fraction of a second).
pub const MAX_BITS: u32 = 20;
/// Far above what 20 bits needs on a slow machine; a hostile server can't hold the CLI longer.
pub const TIME_LIMIT: Duration = Duration::from_secs(5);

/// The first stamp with `bits` leading zero bits (no limit: for tests and the vectors).
pub fn stamp(bits: u32, challenge: &str, date: &str) -> String {
    let mut counter: u64 = 0;
    loop {
        let candidate = format!("1:{bits}:{date}:{challenge}::{counter}");
        if leading_zero_bits(&Sha1::digest(candidate.as_bytes())) >= bits {
            return candidate;
        }
        counter += 1;
    }
}

/// As `stamp`, but None when `bits` is over MAX_BITS or the search outlasts `limit`.
pub fn stamp_within(bits: u32, challenge: &str, date: &str, limit: Duration) -> Option<String> {
    if bits > MAX_BITS {
        return None;
    }
    let started = Instant::now();
    let prefix = format!("1:{bits}:{date}:{challenge}::");
    let mut candidate = String::with_capacity(prefix.len() + 20);
    let mut counter: u64 = 0;
    loop {
        candidate.clear();
        candidate.push_str(&prefix);
        candidate.push_str(&counter.to_string());
        if leading_zero_bits(&Sha1::digest(candidate.as_bytes())) >= bits {
            return Some(candidate);
        }
        counter += 1;
        // The clock is read once per 64 Ki hashes: a few ms apart.
        if counter.is_multiple_of(1 << 16) && started.elapsed() > limit {
            return None;
        }
    }
}

fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut n = 0;
    for byte in digest {
        if *byte == 0 {
            n += 8;
        } else {
            return n + byte.leading_zeros();
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fastlane_vectors() {
        assert!(
            stamp(11, "4d74fb15eb23f465f1f6fcbf534e5877", "20230223170600").ends_with("::6373")
        );
        assert!(
            stamp(12, "f8b58554b2f22960fc0dc99aea342276", "20230223213732").ends_with("::2381")
        );
        assert_eq!(
            stamp_within(
                11,
                "4d74fb15eb23f465f1f6fcbf534e5877",
                "20230223170600",
                TIME_LIMIT
            )
            .as_deref(),
            Some("1:11:20230223170600:4d74fb15eb23f465f1f6fcbf534e5877::6373")
        );
    }

    #[test]
    fn too_many_bits_or_too_long_is_refused() {
        assert_eq!(stamp_within(21, "c", "d", TIME_LIMIT), None);
        assert_eq!(stamp_within(32, "c", "d", TIME_LIMIT), None);
        // 20 bits with no time at all: gives up at the first clock reading.
        assert_eq!(stamp_within(20, "c", "d", Duration::ZERO), None);
    }
}

//! Apple's hashcash (`X-Apple-HC`): `1:<bits>:<date>:<challenge>::<counter>`, SHA-1 with `bits` leading zero bits.

use sha1::{Digest, Sha1};

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
    }
}

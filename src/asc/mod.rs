//! App Store Connect keys: `.p8` import (p256), tokens minted and verified by jsonwebtoken
//! (its RustCrypto backend, ES256 on p256), token inspection.

pub mod jwt;
pub mod p8;

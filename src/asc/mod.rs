//! App Store Connect keys: `.p8` import (p256), tokens (jsonwebtoken), token inspection.

pub mod jwt;
pub mod p8;

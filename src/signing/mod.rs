//! Reading signing files: a `.p12` (PKCS#12) and a `.mobileprovision` (CMS SignedData around a
//! plist), with RustCrypto's `cms`/`x509-cert`, `p12-keystore` and `plist`. Bytes in, public facts
//! out: no I/O here, and no private key or password leaves these functions.

pub mod cert;
pub mod p12;
pub mod profile;

pub use p12::read_p12;
pub use profile::read_profile;

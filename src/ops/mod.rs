//! Operations both faces call (the CLI prints their results, the TUI turns them into messages).
//! Plain inputs, typed results; every clock read goes through the `Clock` passed in.
//! Sign-in (add Apple ID, re-authenticate) runs `apple::signin` with each face's `CodeSource`;
//! `refresh` keeps a session won with the trust cookie (`session refresh` and the TUI's `r`).

pub mod adopt;
pub mod apps;
pub mod bitrise;
pub mod clock;
pub mod demo;
pub mod edits;
pub mod endpoints;
pub mod init;
pub mod keys;
pub mod prune;
pub mod refresh;
pub mod remove;
pub mod save;
pub mod session;
pub mod sign_in;
pub mod signing;
pub mod storage;
pub mod test;

pub use clock::Clock;

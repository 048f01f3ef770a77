//! Operations both faces call (the CLI prints their results, the TUI turns them into messages).
//! Plain inputs, typed results; every clock read goes through the `Clock` passed in.

pub mod clock;

pub use clock::Clock;

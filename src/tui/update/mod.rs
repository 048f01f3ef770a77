//! update(state, msg) -> effects. Changes state only; every read of disk, keyring, clock or
//! network is an Effect whose result comes back as a Msg.
//!
//! One file per concern: `routing` (key -> action per mode), `layers` (modals), `connections`,
//! `apps` and `navigation` (the panes), `forms` (one file per form), `results` (messages from effects).

mod apps;
mod bitrise;
mod connections;
mod forms;
mod layers;
mod messages;
mod navigation;
mod results;
mod routing;

pub use forms::field_error;
pub use messages::{AppleIdEdit, AppleIdStore, Change, Effect, Msg};
// The Store choice is a form type; effects still name it from here.
pub use super::form::KeyStore;

use super::state::AppState;

pub fn update(s: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => routing::on_key(s, key),
        Msg::Paste(text) => {
            // A paste may be a password or a key: its text is wiped once the field has it.
            let text = zeroize::Zeroizing::new(text);
            routing::on_paste(s, &text)
        }
        Msg::Resize => Vec::new(),
        other => results::on_result(s, other),
    }
}

//! The TUI's look at its console on Windows: crossterm's own poll (WaitForMultipleObjects on the
//! console input handle). A console has no hang-up to detect; a failed wait is a lost console.

use std::time::Duration;

use ratatui::crossterm::event;

use super::event::Input;

pub struct InputWatch;

impl InputWatch {
    pub fn new() -> std::io::Result<InputWatch> {
        Ok(InputWatch)
    }

    /// Waits up to `timeout` for an input record; an error from the console is `Lost`.
    pub fn wait(&self, timeout: Duration) -> Input {
        match event::poll(timeout) {
            Ok(true) => Input::Ready,
            Ok(false) => Input::Idle,
            Err(_) => Input::Lost,
        }
    }
}

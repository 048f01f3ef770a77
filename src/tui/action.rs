//! Actions: what a key asks for. The keymap TOML names these in snake_case.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    NextPane,
    PrevPane,
    Pane1,
    Pane2,
    Pane3,
    Pane4,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Close,
    Add,
    Edit,
    Delete,
    Reauth,
    Token,
    Assign,
    CycleEnv,
    Filter,
    Test,
    Copy,
    EditInputs,
    Reload,
    Workflow,
    Doctor,
    BitrisePull,
    BitrisePush,

    Signing,
    // Form keys
    NextField,
    PrevField,
    Submit,
    Cancel,
}

impl Action {
    /// The words shown in hints and help.
    pub fn label(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::Pane1 => "connections",
            Action::Pane2 => "apps",
            Action::Pane3 => "step matrix",
            Action::Pane4 => "preview",
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left / previous value",
            Action::Right => "right / next value",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top (first row)",
            Action::Bottom => "end (last row)",
            Action::Open => "open",
            Action::Close => "close",
            Action::Add => "add",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::Reauth => "re-authenticate",
            Action::Token => "token",
            Action::Assign => "assign",
            Action::CycleEnv => "environment",
            Action::Filter => "filter",
            Action::Test => "test connection",
            Action::Copy => "copy",
            Action::EditInputs => "edit inputs",
            Action::Reload => "reload",
            Action::Workflow => "switch workflow",
            Action::Doctor => "doctor (every finding)",
            Action::BitrisePull => "pull from Bitrise",
            Action::BitrisePush => "push to Bitrise",

            Action::Signing => "signing files",
            Action::NextField => "next field",
            Action::PrevField => "previous field",
            Action::Submit => "submit",
            Action::Cancel => "cancel",
        }
    }
}

//! A scrolled text view's position: moved by keys in `update`, bounded by what `render` last drew.

use std::cell::Cell;

use super::action::Action;

/// The first row shown. `render` records how far it can go and how tall a page is, so keys
/// stop at the end instead of scrolling into blank rows. Keys that arrive before the first
/// frame (a burst: `? End`) move freely; the render bounds them.
#[derive(Debug, Clone, Default)]
pub struct Scroll {
    pub offset: Cell<usize>,
    /// The last offset that still fills the view (None until a frame was drawn).
    pub max: Cell<Option<usize>>,
    /// Rows in the view (set by the render); PageUp/PageDown move by one page less a row.
    pub page: Cell<usize>,
}

impl Scroll {
    /// j/k, PageUp/PageDown, Home/End; true if the action was a scrolling one.
    pub fn key(&mut self, action: Option<Action>) -> bool {
        let max = self.max.get().unwrap_or(usize::MAX);
        let page = self.page.get().saturating_sub(1).max(1);
        let offset = self.offset.get().min(max);
        let next = match action {
            Some(Action::Up) => offset.saturating_sub(1),
            Some(Action::Down) => offset.saturating_add(1).min(max),
            Some(Action::PageUp) => offset.saturating_sub(page),
            Some(Action::PageDown) => offset.saturating_add(page).min(max),
            Some(Action::Top) => 0,
            Some(Action::Bottom) => max,
            _ => return false,
        };
        self.offset.set(next);
        true
    }

    /// The offset to draw at for `total` rows in `height`, recording the bounds for the keys.
    pub fn place(&self, total: usize, height: usize) -> usize {
        let max = total.saturating_sub(height);
        self.max.set(Some(max));
        self.page.set(height);
        let offset = self.offset.get().min(max);
        self.offset.set(offset);
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stop_at_both_ends() {
        let mut s = Scroll::default();
        // Before the first frame (keys in one burst): End goes to the end the render finds.
        s.key(Some(Action::Bottom));
        assert_eq!(s.place(40, 12), 28);
        s.key(Some(Action::Down));
        assert_eq!(s.offset.get(), 28);
        s.key(Some(Action::PageUp));
        assert_eq!(s.offset.get(), 17);
        s.key(Some(Action::Top));
        s.key(Some(Action::Up));
        assert_eq!(s.offset.get(), 0);
        assert!(!s.key(Some(Action::Open)));
        // A shorter text after a resize: the offset drawn is bounded, the keys follow.
        s.offset.set(28);
        assert_eq!(s.place(20, 12), 8);
        s.key(Some(Action::Up));
        assert_eq!(s.offset.get(), 7);
    }
}

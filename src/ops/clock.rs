//! The one clock every operation reads: the system's, or a fixed instant (`--now`, test harnesses).

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// `--now` when given, else the system clock.
    pub fn from_option(now: Option<DateTime<Utc>>) -> Clock {
        now.map_or(Clock::System, Clock::Fixed)
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_does_not_move() {
        let t: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let c = Clock::Fixed(t);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(c.now(), t);
        assert_eq!(Clock::from_option(None), Clock::System);
    }
}

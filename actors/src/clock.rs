//! Wall-clock milliseconds that follow tokio's clock.
//!
//! Stored timestamps are epoch milliseconds. They are derived from one wall-clock
//! reading taken at start plus the elapsed time on tokio's [`Instant`], so that tests
//! which pause and advance tokio time see retention windows and leases move with it.

use std::time::{SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Epoch milliseconds, the unit of every stored timestamp.
pub type Millis = u64;

/// A clock anchored to the wall clock at creation and advanced by tokio time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Wall-clock epoch milliseconds when the clock was created.
    base_ms: Millis,
    /// tokio instant at creation; elapsed time is added to `base_ms`.
    base: Instant,
}

impl Clock {
    /// Anchors a new clock at the current wall-clock time.
    pub fn new() -> Self {
        let base_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as Millis)
            .unwrap_or(0);
        Clock {
            base_ms,
            base: Instant::now(),
        }
    }

    /// Current time in epoch milliseconds.
    pub fn now_ms(&self) -> Millis {
        self.base_ms + self.base.elapsed().as_millis() as Millis
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

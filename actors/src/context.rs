//! What every actor of one service instance shares.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::store::Store;

/// Tunables of delivery and the pool, from configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How long an undelivered message stays deliverable to `wait` (older codes are stale).
    pub inbox_retention: Duration,
    /// How long a claimed (long-poll) message stays invisible before it is offered again.
    pub claim_lease: Duration,
    /// How long a released number is kept from other passports.
    pub quarantine: Duration,
    /// Buy numbers when the pool is exhausted.
    pub auto_provision: bool,
    /// Cap on pool size, whichever the provider.
    pub max_numbers: u32,
    /// Cap on purchases per rolling hour for billable providers.
    pub max_provisions_per_hour: u32,
    /// Give bought numbers back to the provider after they sat unused this long.
    pub release_idle_after: Option<Duration>,
    /// Country and area code to search when buying.
    pub search: crate::provider::SearchQuery,
    /// The pool's real-SIM numbers (line type `mobile`): configured, never bought.
    pub sim_numbers: std::collections::HashSet<String>,
    /// Numbers whose line is down now (an SMS Gate phone that stopped answering): not
    /// handed to new passports until it is back; their holders keep them. Written by
    /// whoever watches the line, read by the pool.
    pub unavailable: Arc<std::sync::RwLock<std::collections::HashSet<String>>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            inbox_retention: Duration::from_secs(300),
            claim_lease: Duration::from_secs(30),
            quarantine: Duration::from_secs(600),
            auto_provision: true,
            max_numbers: 20,
            max_provisions_per_hour: 5,
            release_idle_after: None,
            search: crate::provider::SearchQuery {
                country: "US".into(),
                area_code: None,
                calling_code: Some("1".into()),
            },
            sim_numbers: Default::default(),
            unavailable: Default::default(),
        }
    }
}

/// Shared state of one service: store, clock and settings.
pub(crate) struct Context {
    /// The source of truth.
    pub store: Arc<dyn Store>,
    /// Time source that follows tokio's (pausable) clock.
    pub clock: Clock,
    /// Tunables.
    pub settings: Settings,
}

impl Context {
    /// The inbox retention in milliseconds.
    pub fn retention_ms(&self) -> u64 {
        self.settings.inbox_retention.as_millis() as u64
    }
}

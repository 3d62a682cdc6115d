//! Rate limits, consulted only where a request failed or per API key — never for a
//! correctly signed webhook: a provider does not retry a 429, and the SMS would be lost
//! (the original design's one global bucket capped the whole platform at ~60 SMS/min).
//!
//! - failed signatures, per source address: past the limit the answer is 429 with
//!   `Retry-After` instead of 403;
//! - failed API keys, per source address: past the limit every API request from that
//!   address is 429 until the limit frees up, so a guessed key is of no use meanwhile;
//! - requests per API key.
//!
//! A limited source is logged once per [`LOG_EVERY`], not once per request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::LimitsConfig;

/// How often a limited source is logged at most.
pub const LOG_EVERY: Duration = Duration::from_secs(60);

/// Past this many tracked keys, forgotten ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// The service's limiters.
pub struct Limits {
    failed_signatures: DefaultKeyedRateLimiter<IpAddr>,
    failed_auth: DefaultKeyedRateLimiter<IpAddr>,
    per_key: DefaultKeyedRateLimiter<[u8; 20]>,
    /// Addresses refused for failed API keys, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    /// Whether `blocked` may hold anyone: every API request asks, and almost always
    /// the answer is no — without taking the lock.
    any_blocked: AtomicBool,
    /// When each (kind, source) was last logged as limited.
    logged: Mutex<HashMap<(&'static str, String), Instant>>,
    clock: DefaultClock,
    events: AtomicU64,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Limits {
    /// Limiters with the configured rates.
    pub fn new(config: &LimitsConfig) -> Self {
        let per_minute = |n| Quota::per_minute(nonzero(n));
        Limits {
            failed_signatures: RateLimiter::keyed(per_minute(config.failed_signatures_per_minute)),
            failed_auth: RateLimiter::keyed(per_minute(config.failed_auth_per_minute)),
            per_key: RateLimiter::keyed(Quota::per_second(nonzero(
                config.requests_per_key_per_second,
            ))),
            blocked: Mutex::new(HashMap::new()),
            any_blocked: AtomicBool::new(false),
            logged: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
            events: AtomicU64::new(0),
        }
    }

    /// A webhook from `source` failed its signature check: `Some(wait)` when the source
    /// is over its limit (answer 429), `None` to answer 403 as usual.
    pub fn signature_failed(&self, source: Option<IpAddr>) -> Option<Duration> {
        let ip = source?;
        let limited = self.check(&self.failed_signatures, &ip);
        if limited.is_some() {
            self.log_once("bad webhook signatures", ip.to_string());
        }
        limited
    }

    /// Whether `source` is refused for earlier failed API keys, and for how long.
    pub fn auth_blocked(&self, source: Option<IpAddr>) -> Option<Duration> {
        let ip = source?;
        if !self.any_blocked.load(Ordering::Relaxed) {
            return None;
        }
        let now = Instant::now();
        let mut blocked = self.blocked.lock().expect("limits lock");
        let wait = match blocked.get(&ip) {
            Some(until) if *until > now => Some(*until - now),
            Some(_) => {
                blocked.remove(&ip);
                None
            }
            None => None,
        };
        if blocked.is_empty() {
            self.any_blocked.store(false, Ordering::Relaxed);
        }
        wait
    }

    /// A request from `source` had a missing or unknown API key: `Some(wait)` when the
    /// source is now over its limit (it is then refused until the wait is over).
    pub fn auth_failed(&self, source: Option<IpAddr>) -> Option<Duration> {
        let ip = source?;
        let wait = self.check(&self.failed_auth, &ip)?;
        let mut blocked = self.blocked.lock().expect("limits lock");
        if blocked.len() > PRUNE_ABOVE {
            let now = Instant::now();
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(ip, Instant::now() + wait);
        self.any_blocked.store(true, Ordering::Relaxed);
        drop(blocked);
        self.log_once("failed API keys", ip.to_string());
        Some(wait)
    }

    /// A request with the key whose digest is `key`: `Some(wait)` when the key is over
    /// its rate.
    pub fn key_used(&self, key: &[u8; 20], name: &str) -> Option<Duration> {
        let limited = self.check(&self.per_key, key);
        if limited.is_some() {
            self.log_once("an API key over its rate", name.to_owned());
        }
        limited
    }

    fn check<K>(&self, limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Option<Duration>
    where
        K: std::hash::Hash + Eq + Clone,
    {
        if self.events.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 && limiter.len() > PRUNE_ABOVE
        {
            limiter.retain_recent();
        }
        match limiter.check_key(key) {
            Ok(()) => None,
            Err(not_until) => Some(not_until.wait_time_from(self.clock.now())),
        }
    }

    fn log_once(&self, what: &'static str, who: String) {
        let now = Instant::now();
        let mut logged = self.logged.lock().expect("limits lock");
        if logged.len() > PRUNE_ABOVE {
            logged.retain(|_, at| now.duration_since(*at) < LOG_EVERY);
        }
        let key = (what, who);
        if logged
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < LOG_EVERY)
        {
            return;
        }
        tracing::warn!(
            "rate limited {} from {} (logged at most once a minute)",
            key.0,
            key.1
        );
        logged.insert(key, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(n: u32) -> Limits {
        Limits::new(&LimitsConfig {
            failed_signatures_per_minute: n,
            failed_auth_per_minute: n,
            requests_per_key_per_second: n,
        })
    }

    #[test]
    fn failures_are_limited_per_source() {
        let l = limits(3);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(l.signature_failed(Some(a)), None);
        }
        let wait = l
            .signature_failed(Some(a))
            .expect("fourth failure is limited");
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(l.signature_failed(Some(b)), None, "another source is not");
        assert_eq!(l.signature_failed(None), None, "no address, no limit");
    }

    #[test]
    fn a_source_over_its_auth_limit_is_blocked_and_keys_have_their_own_rate() {
        let l = limits(2);
        let ip: IpAddr = "10.0.0.3".parse().unwrap();
        assert_eq!(l.auth_blocked(Some(ip)), None);
        assert_eq!(l.auth_failed(Some(ip)), None);
        assert_eq!(l.auth_failed(Some(ip)), None);
        assert!(l.auth_failed(Some(ip)).is_some());
        assert!(
            l.auth_blocked(Some(ip)).is_some(),
            "blocked after the limit"
        );
        let key = [7u8; 20];
        assert_eq!(l.key_used(&key, "k"), None);
        assert_eq!(l.key_used(&key, "k"), None);
        assert!(l.key_used(&key, "k").is_some());
        assert_eq!(l.key_used(&[8u8; 20], "other"), None);
    }
}

//! Backoff for rate-limited calls: exponential delays with "equal jitter" (a random
//! point in the upper half of the exponential step) and `Retry-After` parsing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;

use super::config::RetryPolicy;
use super::dates::parse_rfc2822;

/// What to do after a rate-limited reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Stop: attempts used up, or Twilio asked for a longer wait than the policy allows.
    GiveUp,
}

/// Decides after failed attempt number `attempt` (1-based) with the reply's
/// `Retry-After`, if any.
pub(crate) fn decide(
    policy: &RetryPolicy,
    attempt: u32,
    retry_after: Option<Duration>,
) -> Decision {
    if attempt >= policy.max_attempts {
        return Decision::GiveUp;
    }
    let step = exponential(policy, attempt - 1);
    let jittered = if step.is_zero() {
        step
    } else {
        let half = step / 2;
        half + rand::rng().random_range(Duration::ZERO..=step - half)
    };
    match retry_after {
        Some(asked) if asked > policy.max_delay => Decision::GiveUp,
        Some(asked) => Decision::Retry(jittered.max(asked)),
        None => Decision::Retry(jittered),
    }
}

/// `base * 2^retry`, capped at `max_delay`.
fn exponential(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX);
    policy
        .base_delay
        .checked_mul(factor)
        .unwrap_or(policy.max_delay)
        .min(policy.max_delay)
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at_ms = parse_rfc2822(value)?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis() as u64;
    Some(Duration::from_millis(at_ms.saturating_sub(now_ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
        }
    }

    #[test]
    fn backs_off_exponentially_with_jitter_and_caps() {
        let p = policy();
        for _ in 0..50 {
            let Decision::Retry(d1) = decide(&p, 1, None) else {
                panic!()
            };
            assert!((50..=100).contains(&(d1.as_millis() as u64)), "{d1:?}");
            let Decision::Retry(d2) = decide(&p, 2, None) else {
                panic!()
            };
            assert!((100..=200).contains(&(d2.as_millis() as u64)), "{d2:?}");
            let Decision::Retry(d3) = decide(&p, 3, None) else {
                panic!()
            };
            assert!((150..=300).contains(&(d3.as_millis() as u64)), "{d3:?}");
        }
        assert_eq!(decide(&p, 4, None), Decision::GiveUp);
    }

    #[test]
    fn honours_retry_after_within_bounds() {
        let p = policy();
        let asked = Duration::from_millis(250);
        assert_eq!(decide(&p, 1, Some(asked)), Decision::Retry(asked));
        assert_eq!(
            decide(&p, 1, Some(Duration::from_secs(5))),
            Decision::GiveUp
        );
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}

//! Timestamps at the edges: stored epoch milliseconds ↔ RFC 3339 text.

use agentpass_actors::Millis;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Formats epoch milliseconds as RFC 3339 UTC with millisecond precision.
pub fn rfc3339(ms: Millis) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let t = OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let t = t
        .replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// Parses a `since` value: RFC 3339 (any offset) or epoch milliseconds.
pub fn parse_since(s: &str) -> Result<Millis, String> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| format!("since: {s:?} is too large"));
    }
    let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| {
        format!("since: {s:?} is neither an RFC 3339 timestamp (2026-01-31T12:00:00Z) nor epoch milliseconds")
    })?;
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    Millis::try_from(ms).map_err(|_| format!("since: {s:?} is before 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_accepts_offsets_and_epoch_ms() {
        assert_eq!(rfc3339(1_770_892_200_123), "2026-02-12T10:30:00.123Z");
        assert_eq!(
            parse_since("2026-02-12T10:30:00.123Z"),
            Ok(1_770_892_200_123)
        );
        assert_eq!(
            parse_since("2026-02-12T11:30:00+01:00"),
            Ok(1_770_892_200_000)
        );
        assert_eq!(parse_since("1770892200123"), Ok(1_770_892_200_123));
        assert!(parse_since("yesterday").unwrap_err().contains("RFC 3339"));
    }
}

//! Timestamps at the edges: stored epoch milliseconds ↔ RFC 3339 text. Every RFC 3339
//! timestamp the service writes (API, MCP, Twilio filters) comes from here.

use agentpass_actors::Millis;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn utc(ms: Millis) -> OffsetDateTime {
    let nanos = i128::from(ms) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Epoch milliseconds as RFC 3339 UTC with exactly three fraction digits:
/// `2026-02-12T10:30:00.120Z`.
pub fn rfc3339(ms: Millis) -> String {
    let t = utc(ms);
    format!("{}.{:03}Z", date_time(t), t.millisecond())
}

/// Epoch milliseconds as RFC 3339 UTC truncated to whole seconds: `2019-05-24T17:44:50Z`.
pub fn rfc3339_secs(ms: Millis) -> String {
    format!("{}Z", date_time(utc(ms)))
}

/// `YYYY-MM-DDThh:mm:ss`.
fn date_time(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
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

    #[test]
    fn milliseconds_always_have_three_digits() {
        assert_eq!(rfc3339(1_770_892_200_300), "2026-02-12T10:30:00.300Z");
        assert_eq!(rfc3339(1_770_892_200_840), "2026-02-12T10:30:00.840Z");
        assert_eq!(rfc3339(1_770_892_200_000), "2026-02-12T10:30:00.000Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn whole_seconds_for_twilio_filters() {
        assert_eq!(rfc3339_secs(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_secs(1_558_719_890_999), "2019-05-24T17:44:50Z");
        assert_eq!(rfc3339_secs(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}

//! Value types shared by the configuration: [`Secret`], and the serde
//! helpers that read and write durations as human strings.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret prints as, everywhere.
pub(crate) const REDACTED: &str = "[redacted]";

/// The message for a duration that does not parse; names no value.
pub(crate) const DURATION_HINT: &str = "expected a duration like 500ms, 30s or 10m";

/// A credential (auth token, API key, signing key) that must never reach a
/// log line, an error message or `config show`.
///
/// `Debug`, `Display` and `Serialize` all produce `[redacted]`, so a
/// serialized [`super::Config`] cannot be read back with its secrets; call
/// [`Secret::expose`] where the value is really needed. `==` is not
/// constant-time: compare presented credentials with a constant-time check.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, for the one place that must send or check it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

/// Parses `"500ms"`, `"30s"`, `"10m"`, `"7d"`... with [`humantime`].
pub(crate) fn parse_duration(text: &str) -> Result<Duration, &'static str> {
    humantime::parse_duration(text.trim()).map_err(|_| DURATION_HINT)
}

/// Writes a duration as the config file does: `500ms`, `30s`, `10m`, `7d`, `1h30m`.
pub(crate) fn format_duration(value: Duration) -> String {
    let mut ms = value.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
        ("ms", 1),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

/// Serde helpers for a `Duration` written as a human string.
pub(crate) mod human_duration {
    use super::*;
    use serde::de::Error;

    /// Writes `"30s"`, `"10m"`, `"7d"`...
    pub(crate) fn serialize<S: Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_duration(*value))
    }

    /// Reads a human duration string; anything else is a [`DURATION_HINT`].
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d).map_err(|_| D::Error::custom(DURATION_HINT))?;
        parse_duration(&text).map_err(D::Error::custom)
    }
}

/// Serde helpers for an optional `Duration`, where `"off"` means `None`.
pub(crate) mod optional_duration {
    use super::*;
    use serde::de::Error;

    /// The word that switches the setting off.
    const OFF: &str = "off";

    /// Writes `"off"` for `None`, else a human duration.
    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => human_duration::serialize(duration, s),
            None => s.serialize_str(OFF),
        }
    }

    /// Reads `"off"` as `None`, else a human duration.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        let hint = || D::Error::custom(format!("{DURATION_HINT}, or \"{OFF}\""));
        let text = String::deserialize(d).map_err(|_| hint())?;
        if text.trim().eq_ignore_ascii_case(OFF) {
            return Ok(None);
        }
        parse_duration(&text).map(Some).map_err(|_| hint())
    }
}

/// Writes a path as a string even when it is not valid UTF-8, so
/// rendering the configuration cannot fail on it.
pub(crate) fn serialize_path<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_as_the_config_file_writes_them() {
        for (ms, text) in [
            (0, "0s"),
            (500, "500ms"),
            (30_000, "30s"),
            (600_000, "10m"),
            (5_400_000, "1h30m"),
            (7 * 86_400_000, "7d"),
            (90_061_001, "1d1h1m1s1ms"),
        ] {
            let d = Duration::from_millis(ms);
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text), Ok(d), "{text} reads back");
        }
    }
}

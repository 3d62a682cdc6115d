//! The delivery rules the HTTP API and the MCP tools share: one filter builder for every
//! wait, whichever door it comes through (`/v1 … /wait`, embedded MCP, remote MCP, which
//! sends the same fields over `/v1`). Who sees which history is the actor crate's one
//! visibility rule, [`Viewer`](agentpass_actors::Viewer).

use agentpass_actors::{Filter, Millis};
use serde::{Deserialize, Serialize};

use crate::timefmt::parse_since;

/// What a waiter asks of the message it wants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterSpec {
    /// Exact sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Case-insensitive substring of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Only messages received at or after this time (epoch milliseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<Millis>,
    /// Only messages whose body matches this regular expression.
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Only messages that carry a one-time code; others stay for plain waits.
    #[serde(default)]
    pub with_code: bool,
}

/// Largest compiled `match` pattern, so that a pattern cannot take the service's memory
/// or time: 1 MiB of compiled program (Unicode classes are large: `\w{2,4}\W+\S` needs
/// more than 64 KiB).
const MAX_PATTERN_BYTES: usize = 1024 * 1024;

/// Longest `match` pattern text.
const MAX_PATTERN_LEN: usize = 1024;

impl FilterSpec {
    /// The actor crate's filter for this spec; a `match` pattern that does not compile
    /// (or is too large) is an error naming it.
    pub fn build(&self) -> Result<Filter, String> {
        let filter = Filter::new(self.from.clone(), self.contains.clone(), self.since);
        let pattern = match &self.pattern {
            None => None,
            Some(p) if p.len() > MAX_PATTERN_LEN => {
                return Err(format!(
                    "match: the pattern is longer than {MAX_PATTERN_LEN} characters"
                ))
            }
            Some(p) => Some(
                regex::RegexBuilder::new(p)
                    .size_limit(MAX_PATTERN_BYTES)
                    .dfa_size_limit(MAX_PATTERN_BYTES)
                    .build()
                    .map_err(|e| format!("match: {p:?} is not a usable regular expression: {e}"))?,
            ),
        };
        let with_code = self.with_code;
        Ok(match (pattern, with_code) {
            (None, false) => filter,
            (pattern, _) => filter.with_body_test(move |body| {
                pattern.as_ref().is_none_or(|re| re.is_match(body))
                    && (!with_code || crate::otp::extract_code(body).is_some())
            }),
        })
    }
}

/// A JSON number that is a non-negative whole number, as `u64`: `10` and `10.0` alike
/// (JSON Schema's `integer` admits both, and some clients send every number as a float).
pub fn whole_number(n: &serde_json::Number) -> Option<u64> {
    if let Some(n) = n.as_u64() {
        return Some(n);
    }
    let f = n.as_f64()?;
    // Below 2^53 every whole f64 is exact.
    (f >= 0.0 && f.fract() == 0.0 && f < 9_007_199_254_740_992.0).then_some(f as u64)
}

/// Deserializes an optional non-negative whole number (see [`whole_number`]).
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    use serde::Deserialize;
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(n) => whole_number(&n).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!("{n} is not a non-negative whole number"))
        }),
    }
}

/// A `since` given as JSON: epoch milliseconds, an RFC 3339 string (or digits), or null.
pub fn since_of_json(value: Option<&serde_json::Value>) -> Result<Option<Millis>, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => whole_number(n)
            .map(Some)
            .ok_or_else(|| "since: epoch milliseconds must be a non-negative integer".into()),
        Some(serde_json::Value::String(s)) => parse_since(s).map(Some),
        Some(_) => Err("since must be an RFC 3339 string or epoch milliseconds".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentpass_actors::SmsRecord;

    fn sms(body: &str) -> SmsRecord {
        SmsRecord {
            sender: "ACME".into(),
            body: body.into(),
            received_at: 100,
            ..SmsRecord::default()
        }
    }

    #[test]
    fn with_code_skips_messages_without_a_code() {
        let spec = FilterSpec {
            with_code: true,
            ..FilterSpec::default()
        };
        let f = spec.build().unwrap();
        assert!(!f.matches(&sms("Welcome to Acme")));
        assert!(f.matches(&sms("Your Acme code is 482913")));
        assert!(FilterSpec::default()
            .build()
            .unwrap()
            .matches(&sms("Welcome to Acme")));
    }

    #[test]
    fn every_field_applies() {
        let spec = FilterSpec {
            from: Some("ACME".into()),
            contains: Some("CODE".into()),
            since: Some(100),
            pattern: None,
            with_code: false,
        };
        assert!(spec.build().unwrap().matches(&sms("your code is 1234")));
        let later = FilterSpec {
            since: Some(101),
            ..spec.clone()
        };
        assert!(!later.build().unwrap().matches(&sms("your code is 1234")));
        let other = FilterSpec {
            from: Some("OTHER".into()),
            ..spec
        };
        assert!(!other.build().unwrap().matches(&sms("your code is 1234")));
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).unwrap();
        assert_eq!(whole_number(&n("10")), Some(10));
        assert_eq!(whole_number(&n("10.0")), Some(10));
        assert_eq!(whole_number(&n("1e3")), Some(1000));
        assert_eq!(whole_number(&n("10.5")), None);
        assert_eq!(whole_number(&n("-1")), None);
        assert_eq!(whole_number(&n("1e300")), None);
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "optional_whole_number")]
            ms: Option<u64>,
        }
        let body: Body = serde_json::from_str(r#"{"ms": 2500.0}"#).unwrap();
        assert_eq!(body.ms, Some(2500));
        assert!(serde_json::from_str::<Body>(r#"{"ms": 2.5}"#).is_err());
        assert_eq!(serde_json::from_str::<Body>("{}").unwrap().ms, None);
    }

    #[test]
    fn since_accepts_numbers_strings_and_null() {
        let v = serde_json::json!(1234);
        assert_eq!(since_of_json(Some(&v)), Ok(Some(1234)));
        let v = serde_json::json!("1970-01-01T00:00:01Z");
        assert_eq!(since_of_json(Some(&v)), Ok(Some(1000)));
        assert_eq!(since_of_json(Some(&serde_json::Value::Null)), Ok(None));
        assert!(since_of_json(Some(&serde_json::json!(-1))).is_err());
        assert!(since_of_json(Some(&serde_json::json!([1]))).is_err());
    }

    #[test]
    fn match_is_a_regular_expression_and_a_bad_one_is_an_error_naming_it() {
        let spec = |p: &str| FilterSpec {
            pattern: Some(p.into()),
            ..FilterSpec::default()
        };
        let f = spec(r"(?i)acme.*\d{6}").build().unwrap();
        assert!(f.matches(&sms("ACME: 482913")));
        assert!(!f.matches(&sms("Welcome to Acme")));
        let err = spec("(unclosed").build().unwrap_err();
        assert!(err.starts_with("match: "), "{err}");
        let huge = spec(r"\w{1000}{1000}").build().unwrap_err();
        assert!(huge.contains("match"), "{huge}");
        // Unicode classes with small repeats, as agents write them, fit.
        let f = spec(r"^\w{2,4}a{1}\W+\S{1}÷'*?$").build().unwrap();
        assert!(f.matches(&sms("éta: x÷")));
        assert!(spec(&"a".repeat(2000)).build().is_err());
        let both = FilterSpec {
            pattern: Some("Acme".into()),
            with_code: true,
            ..FilterSpec::default()
        };
        let f = both.build().unwrap();
        assert!(!f.matches(&sms("Welcome to Acme")), "needs a code too");
        assert!(f.matches(&sms("Your Acme code is 482913")));
    }
}

//! Lenient serde helpers for Twilio's JSON, which is looser than its schema: numbers
//! sent as strings (`"latitude": "19.720000"`), strings sent as numbers, `null` and
//! `""` where a value is absent. Each helper maps what it cannot use to `None`
//! instead of failing the whole reply.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A string; numbers and booleans are turned into their text; `null`/`""` → `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

/// A float from a number or a numeric string.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A non-negative integer (Twilio error codes) from a number or a numeric string.
pub fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64().and_then(|v| u32::try_from(v).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A boolean from `true`/`false` or their strings.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => Some(b),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// A list that may be `null` or missing (→ empty).
pub fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "opt_u32")]
        u: Option<u32>,
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn accepts_strings_numbers_and_nulls() {
        let p = probe(r#"{"f": "19.720000", "u": "30038", "s": 5, "b": "true"}"#);
        assert_eq!(
            (p.f, p.u, p.s.as_deref(), p.b),
            (Some(19.72), Some(30038), Some("5"), Some(true))
        );
        let p = probe(r#"{"f": -155.09, "u": 21422, "s": "", "b": null}"#);
        assert_eq!(
            (p.f, p.u, p.s, p.b),
            (Some(-155.09), Some(21422), None, None)
        );
        let p = probe(r#"{"f": null, "u": "x", "s": null}"#);
        assert_eq!((p.f, p.u, p.s, p.b), (None, None, None, None));
    }
}

//! The tools' arguments as clients send them: the input schemas (held to what strict
//! function-calling modes accept) and lenient parsing (numbers as numeric strings,
//! errors that name the argument).

use schemars::JsonSchema;
use serde::Deserialize;

/// Arguments naming a passport.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = strict_schema)]
pub struct PassportArgs {
    /// The agent's AgentPass passport id, e.g. `ap_abc123`.
    pub passport_id: String,
}

/// Arguments of `get_phone_number`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = strict_schema)]
pub struct GetNumberArgs {
    /// The agent's AgentPass passport id, e.g. `ap_abc123`.
    pub passport_id: String,
    /// Country the number should be in, if the passport has none yet: ISO 3166-1
    /// alpha-2, e.g. `US`, `GB`, `DE`.
    #[serde(default)]
    #[schemars(with = "String")]
    pub country: Option<String>,
    /// Area code the number should have, if the passport has none yet: 1 to 5 digits,
    /// e.g. `415` (in `country`, or the service's default country).
    #[serde(default)]
    #[schemars(with = "String")]
    pub area_code: Option<String>,
    /// Line type, if the passport has no number yet: `mobile` (a real SIM: for services
    /// that refuse virtual numbers or where codes must not be filtered), `local`, or
    /// `any` (default).
    #[serde(default)]
    #[schemars(with = "String")]
    pub line_type: Option<String>,
}

/// Arguments of `wait_for_sms` and `wait_for_otp`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = strict_schema)]
pub struct WaitArgs {
    /// The number to wait on, as returned by get_phone_number (E.164, e.g. +15550000001).
    pub phone_number: String,
    /// How long to wait, in milliseconds: 1 to 600000 (10 minutes); default 30000.
    #[serde(default, deserialize_with = "lenient::timeout")]
    #[schemars(with = "u64", range(min = 1, max = 600_000))]
    pub timeout: Option<u64>,
    /// Only a message from exactly this sender (phone number, short code or name).
    #[serde(default)]
    #[schemars(with = "String")]
    pub from: Option<String>,
    /// Only a message whose body contains this text (case-insensitive).
    #[serde(default)]
    #[schemars(with = "String")]
    pub contains: Option<String>,
    /// Only a message whose body matches this regular expression (Rust regex syntax,
    /// e.g. `(?i)acme`).
    #[serde(default, rename = "match")]
    #[schemars(with = "String")]
    pub pattern: Option<String>,
    /// Only a message received at or after this time: an RFC 3339 timestamp
    /// (2026-01-31T12:00:00Z) or epoch milliseconds.
    #[serde(default, deserialize_with = "lenient::since")]
    #[schemars(with = "String")]
    pub since: Option<String>,
}

/// Arguments of `extract_otp_from_sms`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = strict_schema)]
pub struct ExtractArgs {
    /// The full text of the SMS.
    pub sms_body: String,
}

/// Arguments of `list_sms`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = strict_schema)]
pub struct ListArgs {
    /// The number whose messages to list (E.164).
    pub phone_number: String,
    /// Messages per page: 1 to 100; default 20.
    #[serde(default, deserialize_with = "lenient::limit")]
    #[schemars(with = "u64", range(min = 1, max = 100))]
    pub limit: Option<u64>,
    /// `next_cursor` from the previous page.
    #[serde(default)]
    #[schemars(with = "String")]
    pub cursor: Option<String>,
}

/// Input schemas every client and model accepts: strict function-calling modes refuse
/// `anyOf`, `$ref`/`$defs` and type arrays, so an optional field is a plain type that
/// is simply not `required`.
fn strict_schema(schema: &mut schemars::Schema) {
    let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for prop in props.values_mut() {
        if let Some(types) = prop.get("type").and_then(|t| t.as_array()).cloned() {
            let one = types.into_iter().find(|t| t != "null");
            if let (Some(one), Some(obj)) = (one, prop.as_object_mut()) {
                obj.insert("type".into(), one);
            }
        }
        if let Some(obj) = prop.as_object_mut() {
            // `format: uint64` is schemars' own; strict validators reject unknown formats.
            obj.remove("format");
        }
    }
}

/// Arguments as clients send them: numbers may come as numeric strings (MCP Inspector's
/// CLI sends every argument as a string), and each error names its argument.
pub(crate) mod lenient {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(u64),
        Text(String),
    }

    fn whole<'de, D: Deserializer<'de>>(d: D, what: &str) -> Result<Option<u64>, D::Error> {
        match Option::<NumberOrText>::deserialize(d) {
            Ok(None) => Ok(None),
            Ok(Some(NumberOrText::Number(n))) => Ok(Some(n)),
            Ok(Some(NumberOrText::Text(t))) => {
                t.trim().parse().map(Some).map_err(|_| {
                    D::Error::custom(format!("{what} must be a whole number, not {t:?}"))
                })
            }
            Err(_) => Err(D::Error::custom(format!("{what} must be a whole number"))),
        }
    }

    pub fn timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        whole(d, "timeout (milliseconds)")
    }

    pub fn limit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        whole(d, "limit")
    }

    /// `since` as text: an RFC 3339 timestamp, or epoch milliseconds as a number or
    /// digits (parsed later by the one `since` parser).
    pub fn since<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Option::<NumberOrText>::deserialize(d) {
            Ok(None) => Ok(None),
            Ok(Some(NumberOrText::Number(n))) => Ok(Some(n.to_string())),
            Ok(Some(NumberOrText::Text(t))) => Ok(Some(t)),
            Err(_) => Err(D::Error::custom(
                "since must be an RFC 3339 timestamp or epoch milliseconds",
            )),
        }
    }
}

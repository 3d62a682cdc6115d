//! The environment layer: one explicit table of every key and the variables
//! that set it, and the reading of those variables into TOML values.
//!
//! Key names contain `_` (`claim_lease`), so variable names are never split
//! back into paths: every mapping is written out in [`ENV_KEYS`].

use super::error::ConfigError;

/// Names the config file to read, before `./config.toml`.
pub const CONFIG_FILE_VAR: &str = "AGENTPASS_CONFIG";

/// How a variable's text becomes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Used as written (addresses, paths, URLs, durations, names).
    Text,
    /// Used as written, and never shown in an error.
    Secret,
    /// A whole number.
    Integer,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    Bool,
    /// Comma-separated; spaces around items are trimmed, empty items dropped.
    List,
}

/// One configuration key and the environment variables that set it.
#[derive(Debug, Clone, Copy)]
pub struct EnvKey {
    /// Dotted path of the key in the config file, e.g. `delivery.claim_lease`.
    pub key: &'static str,
    /// Its `AGENTPASS_` variable, e.g. `AGENTPASS_DELIVERY_CLAIM_LEASE`.
    pub var: &'static str,
    /// An older seed variable with the same meaning, e.g. `TWILIO_AUTH_TOKEN`.
    pub alias: Option<&'static str>,
    /// How the variable's text is read.
    pub(crate) kind: Kind,
}

const fn key(key: &'static str, var: &'static str, kind: Kind) -> EnvKey {
    EnvKey {
        key,
        var,
        alias: None,
        kind,
    }
}

const fn aliased(key: &'static str, var: &'static str, alias: &'static str, kind: Kind) -> EnvKey {
    EnvKey {
        key,
        var,
        alias: Some(alias),
        kind,
    }
}

/// Every configuration key that an environment variable can set; that is,
/// all of them except `api_keys`, which only the file can hold.
#[rustfmt::skip]
pub const ENV_KEYS: &[EnvKey] = {
    use Kind::*;
    &[
        key("listen", "AGENTPASS_LISTEN", Text),
        key("data_dir", "AGENTPASS_DATA_DIR", Text),
        key("public_base_url", "AGENTPASS_PUBLIC_BASE_URL", Text),
        key("log_format", "AGENTPASS_LOG_FORMAT", Text),
        key("api_url", "AGENTPASS_API_URL", Text),
        key("api_key", "AGENTPASS_API_KEY", Secret),
        aliased("twilio.account_sid", "AGENTPASS_TWILIO_ACCOUNT_SID", "TWILIO_ACCOUNT_SID", Text),
        aliased("twilio.auth_token", "AGENTPASS_TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN", Secret),
        aliased(
            "twilio.previous_auth_token",
            "AGENTPASS_TWILIO_PREVIOUS_AUTH_TOKEN",
            "TWILIO_PREVIOUS_AUTH_TOKEN",
            Secret,
        ),
        aliased("twilio.phone_numbers", "AGENTPASS_TWILIO_PHONE_NUMBERS", "TWILIO_PHONE_NUMBERS", List),
        key("twilio.api_base", "AGENTPASS_TWILIO_API_BASE", Text),
        key("twilio.country", "AGENTPASS_TWILIO_COUNTRY", Text),
        key("twilio.area_code", "AGENTPASS_TWILIO_AREA_CODE", Text),
        key("twilio.reconcile_interval", "AGENTPASS_TWILIO_RECONCILE_INTERVAL", Text),
        aliased("webhook.secret", "AGENTPASS_WEBHOOK_SECRET", "WEBHOOK_SECRET", Secret),
        key("webhook.shared_key", "AGENTPASS_WEBHOOK_SHARED_KEY", Secret),
        key(
            "webhook.previous_shared_key",
            "AGENTPASS_WEBHOOK_PREVIOUS_SHARED_KEY",
            Secret,
        ),
        key("webhook.max_body_bytes", "AGENTPASS_WEBHOOK_MAX_BODY_BYTES", Integer),
        key("pool.auto_provision", "AGENTPASS_POOL_AUTO_PROVISION", Bool),
        key("pool.max_numbers", "AGENTPASS_POOL_MAX_NUMBERS", Integer),
        key("pool.max_provisions_per_hour", "AGENTPASS_POOL_MAX_PROVISIONS_PER_HOUR", Integer),
        key("pool.quarantine", "AGENTPASS_POOL_QUARANTINE", Text),
        key("pool.release_idle_after", "AGENTPASS_POOL_RELEASE_IDLE_AFTER", Text),
        key("delivery.inbox_retention", "AGENTPASS_DELIVERY_INBOX_RETENTION", Text),
        key("delivery.default_wait_timeout", "AGENTPASS_DELIVERY_DEFAULT_WAIT_TIMEOUT", Text),
        key("delivery.max_wait_timeout", "AGENTPASS_DELIVERY_MAX_WAIT_TIMEOUT", Text),
        key("delivery.claim_lease", "AGENTPASS_DELIVERY_CLAIM_LEASE", Text),
        key("store.history_retention", "AGENTPASS_STORE_HISTORY_RETENTION", Text),
        key("store.purge_interval", "AGENTPASS_STORE_PURGE_INTERVAL", Text),
        key("store.cache_capacity", "AGENTPASS_STORE_CACHE_CAPACITY", Integer),
        key("store.min_free_bytes", "AGENTPASS_STORE_MIN_FREE_BYTES", Integer),
        key("store.write_timeout", "AGENTPASS_STORE_WRITE_TIMEOUT", Text),
        key("limits.failed_signatures_per_minute", "AGENTPASS_LIMITS_FAILED_SIGNATURES_PER_MINUTE", Integer),
        key("limits.failed_auth_per_minute", "AGENTPASS_LIMITS_FAILED_AUTH_PER_MINUTE", Integer),
        key("limits.requests_per_key_per_second", "AGENTPASS_LIMITS_REQUESTS_PER_KEY_PER_SECOND", Integer),
        key("server.max_connections", "AGENTPASS_SERVER_MAX_CONNECTIONS", Integer),
        key("server.header_read_timeout", "AGENTPASS_SERVER_HEADER_READ_TIMEOUT", Text),
        key("server.body_read_timeout", "AGENTPASS_SERVER_BODY_READ_TIMEOUT", Text),
    ]
};

/// The table entry for a dotted key path, if the key exists.
pub(crate) fn lookup(key: &str) -> Option<&'static EnvKey> {
    ENV_KEYS.iter().find(|entry| entry.key == key)
}

/// Whether `key`'s value must never appear in an error.
pub(crate) fn is_secret(key: &str) -> bool {
    lookup(key).is_some_and(|entry| entry.kind == Kind::Secret)
}

/// One key's value as read from the environment.
pub(crate) struct EnvValue {
    /// The key it sets.
    pub(crate) entry: &'static EnvKey,
    /// The variable it was read from.
    pub(crate) var: &'static str,
    /// The value, typed as it would be in the file.
    pub(crate) value: toml::Value,
}

/// Reads every variable in [`ENV_KEYS`] through `env`.
///
/// Empty (or all-space) variables count as unset and surrounding spaces are
/// ignored. A seed variable and its `AGENTPASS_` twin may both be set only
/// to the same value.
pub(crate) fn read(env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<EnvValue>, ConfigError> {
    let get = |name: &'static str| {
        env(name)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
            .map(|value| (name, value))
    };
    let mut values = Vec::new();
    for entry in ENV_KEYS {
        let primary = get(entry.var);
        let alias = entry.alias.and_then(get);
        let (var, text) = match (primary, alias) {
            (Some(primary), Some(alias)) => {
                if !same_value(entry.kind, &primary.1, &alias.1) {
                    return Err(ConfigError::ConflictingEnv {
                        key: entry.key,
                        var: primary.0,
                        alias: alias.0,
                    });
                }
                primary
            }
            (Some(found), None) | (None, Some(found)) => found,
            (None, None) => continue,
        };
        let value = to_value(entry.kind, &text).map_err(|message| {
            ConfigError::invalid(entry.key, Some(&super::Origin::Env(var)), message)
        })?;
        values.push(EnvValue { entry, var, value });
    }
    Ok(values)
}

/// Whether two variables hold the same setting (lists compare item by item).
fn same_value(kind: Kind, a: &str, b: &str) -> bool {
    match kind {
        Kind::List => split_list(a) == split_list(b),
        _ => a == b,
    }
}

/// Splits `"+1555..., +1666..."` into trimmed, non-empty items.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Types a variable's text as the file would hold it.
fn to_value(kind: Kind, text: &str) -> Result<toml::Value, &'static str> {
    Ok(match kind {
        Kind::Text | Kind::Secret => toml::Value::String(text.to_string()),
        Kind::Integer => toml::Value::Integer(
            text.parse()
                .map_err(|_| "expected a whole number, like 65536")?,
        ),
        Kind::Bool => toml::Value::Boolean(match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err("expected true or false"),
        }),
        Kind::List => toml::Value::Array(
            split_list(text)
                .into_iter()
                .map(toml::Value::String)
                .collect(),
        ),
    })
}

/// Warnings for `AGENTPASS_*` variables in `names` that are not settings (a typo is
/// otherwise ignored silently), each with the closest real name when one is near.
pub fn unknown_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let known: Vec<&str> = ENV_KEYS
        .iter()
        .map(|e| e.var)
        .chain([CONFIG_FILE_VAR])
        .collect();
    names
        .into_iter()
        .filter(|n| n.starts_with("AGENTPASS_") && !known.contains(n))
        .map(|name| {
            let closest = known
                .iter()
                .map(|k| (edit_distance(name, k), *k))
                .min()
                .filter(|(d, _)| *d <= 3);
            match closest {
                Some((_, k)) => {
                    format!("{name} is not a setting and is ignored (did you mean {k}?)")
                }
                None => format!(
                    "{name} is not a setting and is ignored (see config.toml for the names)"
                ),
            }
        })
        .collect()
}

/// Levenshtein distance, by bytes (variable names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod unknown_tests {
    use super::*;

    #[test]
    fn a_misspelled_variable_gets_a_did_you_mean() {
        let warnings = unknown_variables([
            "AGENTPASS_LISTN",
            "AGENTPASS_LISTEN",
            "AGENTPASS_CONFIG",
            "AGENTPASS_NOTHING_LIKE_IT_AT_ALL",
            "HOME",
        ]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("did you mean AGENTPASS_LISTEN?"),
            "{warnings:?}"
        );
        assert!(warnings[1].contains("AGENTPASS_NOTHING_LIKE_IT_AT_ALL is not a setting"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

//! Rules a configuration must follow beyond its types, checked once all
//! layers are stacked so that a bad setting fails at start-up.

use std::collections::HashSet;
use std::time::Duration;

use super::error::{ConfigError, Origins};
use super::Config;

/// Tidies values in place: trailing slashes come off URLs, and an empty
/// string for an optional setting means unset.
pub(crate) fn normalize(config: &mut Config) {
    fn unset_if_empty(value: &mut Option<String>) {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    }
    fn unset_secret_if_empty(value: &mut Option<super::Secret>) {
        if value.as_ref().is_some_and(|v| v.expose().trim().is_empty()) {
            *value = None;
        }
    }
    unset_if_empty(&mut config.public_base_url);
    unset_if_empty(&mut config.api_url);
    unset_if_empty(&mut config.twilio.account_sid);
    unset_if_empty(&mut config.twilio.area_code);
    unset_secret_if_empty(&mut config.api_key);
    unset_secret_if_empty(&mut config.twilio.auth_token);
    unset_secret_if_empty(&mut config.webhook.secret);
    for url in [&mut config.public_base_url, &mut config.api_url]
        .into_iter()
        .flatten()
        .chain([&mut config.twilio.api_base])
    {
        let trimmed = url.trim_end_matches('/').len();
        url.truncate(trimmed);
    }
}

/// Checks every rule; errors name the key and, via `origins`, who set it.
pub(crate) fn check(config: &Config, origins: &Origins) -> Result<(), ConfigError> {
    let invalid = |key: &str, message: String| origins.invalid(key, message);

    for (key, url) in [
        ("public_base_url", &config.public_base_url),
        ("api_url", &config.api_url),
    ] {
        if let Some(url) = url {
            let host = after_scheme(url).and_then(|rest| rest.split(['/', '?', '#']).next());
            if host.is_none_or(str::is_empty) {
                return Err(invalid(
                    key,
                    format!("`{url}` must start with http:// or https:// and name a host"),
                ));
            }
        }
    }

    let api_base = &config.twilio.api_base;
    match after_scheme(api_base).map(|rest| rest.trim_end_matches('/')) {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#']) => {}
        _ => {
            let message =
                format!("`{api_base}` must be a scheme and host only, like https://api.twilio.com");
            return Err(invalid("twilio.api_base", message));
        }
    }

    let country = &config.twilio.country;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        let message = format!("`{country}` must be a two-letter ISO country code, like US");
        return Err(invalid("twilio.country", message));
    }

    if let Some(area_code) = &config.twilio.area_code {
        if !area_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "twilio.area_code",
                format!("`{area_code}` must be digits only"),
            ));
        }
    }

    let mut seen = HashSet::new();
    for number in &config.twilio.phone_numbers {
        if !crate::phone::is_e164(number) {
            let message =
                format!("`{number}` is not an E.164 number (+ then 2 to 15 digits, the first 1-9)");
            return Err(invalid("twilio.phone_numbers", message));
        }
        if !seen.insert(number) {
            return Err(invalid(
                "twilio.phone_numbers",
                format!("`{number}` is listed twice"),
            ));
        }
    }

    let (delivery, store) = (&config.delivery, &config.store);
    for (key, value) in [
        (
            "twilio.reconcile_interval",
            config.twilio.reconcile_interval,
        ),
        ("delivery.inbox_retention", delivery.inbox_retention),
        (
            "delivery.default_wait_timeout",
            delivery.default_wait_timeout,
        ),
        ("delivery.max_wait_timeout", delivery.max_wait_timeout),
        ("delivery.claim_lease", delivery.claim_lease),
        ("store.history_retention", store.history_retention),
        ("store.purge_interval", store.purge_interval),
        ("store.write_timeout", store.write_timeout),
    ] {
        if value.is_zero() {
            return Err(invalid(key, "must be greater than zero".into()));
        }
    }
    if config.pool.release_idle_after.is_some_and(|d| d.is_zero()) {
        let message = "must be greater than zero (write \"off\" to keep numbers)".into();
        return Err(invalid("pool.release_idle_after", message));
    }
    if delivery.default_wait_timeout > delivery.max_wait_timeout {
        let message = format!(
            "{} is longer than delivery.max_wait_timeout ({})",
            human(delivery.default_wait_timeout),
            human(delivery.max_wait_timeout)
        );
        return Err(invalid("delivery.default_wait_timeout", message));
    }

    if config.webhook.max_body_bytes == 0 {
        return Err(invalid(
            "webhook.max_body_bytes",
            "must be greater than zero".into(),
        ));
    }

    for (key, value) in [
        (
            "limits.failed_signatures_per_minute",
            config.limits.failed_signatures_per_minute,
        ),
        (
            "limits.failed_auth_per_minute",
            config.limits.failed_auth_per_minute,
        ),
        (
            "limits.requests_per_key_per_second",
            config.limits.requests_per_key_per_second,
        ),
        ("server.max_connections", config.server.max_connections),
    ] {
        if value == 0 {
            return Err(invalid(key, "must be greater than zero".into()));
        }
    }

    check_api_keys(config, origins)?;
    super::sms_gate::check(&config.sms_gate, &config.twilio.phone_numbers, origins)?;
    config.mode().map(drop)
}

/// Every API key is non-empty and used once (messages never show a key).
fn check_api_keys(config: &Config, origins: &Origins) -> Result<(), ConfigError> {
    let mut seen = HashSet::new();
    if let Some(key) = &config.api_key {
        seen.insert(key.expose());
    }
    for (index, entry) in config.api_keys.iter().enumerate() {
        let key = format!("api_keys[{index}].key");
        let message = if entry.key.expose().trim().is_empty() {
            "must not be empty"
        } else if !seen.insert(entry.key.expose()) {
            "repeats api_key or an earlier api_keys entry"
        } else {
            continue;
        };
        return Err(ConfigError::invalid(key, origins.of("api_keys"), message));
    }
    Ok(())
}

/// What follows `http://` or `https://`; `None` for any other scheme.
fn after_scheme(url: &str) -> Option<&str> {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
}

/// A duration as the config file writes it.
fn human(value: Duration) -> String {
    super::types::format_duration(value)
}

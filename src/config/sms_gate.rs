//! `[[sms_gate.devices]]`: Android phones running SMS Gate, each a real SIM (or two)
//! whose numbers join the pool. Only the file can list devices (a list of records does
//! not fit one environment variable), but each device's secrets can come from the
//! environment: `AGENTPASS_SMS_GATE_<NAME>_USERNAME`, `…_PASSWORD`, `…_SIGNING_KEY`, with
//! the name upper-cased and `-` written `_` (device `pixel-1` →
//! `AGENTPASS_SMS_GATE_PIXEL_1_SIGNING_KEY`). The environment wins over the file.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::{ConfigError, Origin, Origins};
use super::types::{human_duration, Secret};

/// The fields a `[[sms_gate.devices]]` entry may have.
pub(crate) const DEVICE_FIELDS: &[&str] = &[
    "name",
    "api_url",
    "username",
    "password",
    "signing_key",
    "numbers",
];

/// `[sms_gate]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsGateConfig {
    /// How often each device is asked for its health and to re-send SMS whose webhook
    /// never arrived (the app's inbox export); a device that does not answer is down.
    #[serde(with = "human_duration")]
    pub poll_interval: Duration,
    /// The phones, each with its SIM numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<SmsGateDevice>,
}

impl Default for SmsGateConfig {
    fn default() -> Self {
        SmsGateConfig {
            poll_interval: Duration::from_secs(60),
            devices: Vec::new(),
        }
    }
}

/// One SMS Gate phone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsGateDevice {
    /// `[a-z0-9-]+`, unique: names the device in logs and in its webhook path
    /// (`/webhook/sms-gate/<name>`).
    pub name: String,
    /// The app's API: its local-server address (`https://192.168.1.10:8080`) or the
    /// cloud / private server URL; used by `sms-gate check` and `sync-webhooks`.
    pub api_url: String,
    /// The app's API user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The app's API password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// The app's webhook signing key (Settings → Webhooks → Signing Key): every webhook
    /// from the device is checked against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<Secret>,
    /// The number of SIM slot 1, 2, … (E.164).
    pub numbers: Vec<String>,
}

/// The environment variable of `field` for device `name`.
pub fn env_var(name: &str, field: &str) -> String {
    let name = name.to_ascii_uppercase().replace('-', "_");
    format!("AGENTPASS_SMS_GATE_{name}_{}", field.to_ascii_uppercase())
}

/// Takes each device's secrets from the environment where set.
pub(crate) fn apply_env(
    config: &mut SmsGateConfig,
    env: &dyn Fn(&str) -> Option<String>,
    origins: &mut Origins,
) {
    for (index, device) in config.devices.iter_mut().enumerate() {
        let read = |field: &str| {
            let var = env_var(&device.name, field);
            env(&var).map(|value| (value, var))
        };
        let mut set = |field: &str, var: String| {
            let key = format!("sms_gate.devices[{index}].{field}");
            origins.set(&key, Origin::DeviceEnv(var));
        };
        if let Some((value, var)) = read("username") {
            device.username = Some(value);
            set("username", var);
        }
        if let Some((value, var)) = read("password") {
            device.password = Some(value.into());
            set("password", var);
        }
        if let Some((value, var)) = read("signing_key") {
            device.signing_key = Some(value.into());
            set("signing_key", var);
        }
    }
}

/// Every device has a good unique name, a URL, a signing key and E.164 numbers no other
/// device (and not `twilio.phone_numbers`) has. Errors name the device; never a secret.
pub(crate) fn check(
    config: &SmsGateConfig,
    twilio_numbers: &[String],
    origins: &Origins,
) -> Result<(), ConfigError> {
    if config.poll_interval.is_zero() {
        let origin = origins.of("sms_gate.poll_interval");
        return Err(ConfigError::invalid(
            "sms_gate.poll_interval",
            origin,
            "must be greater than zero",
        ));
    }
    let mut names = HashSet::new();
    let mut numbers: HashSet<&str> = twilio_numbers.iter().map(String::as_str).collect();
    for (index, device) in config.devices.iter().enumerate() {
        let at = |field: &str| format!("sms_gate.devices[{index}].{field}");
        let fail = |field: &str, message: String| {
            let key = at(field);
            let origin = origins.of(&key).or(origins.of("sms_gate.devices"));
            Err(ConfigError::invalid(key, origin, message))
        };
        let name = &device.name;
        let good_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !good_name {
            return fail("name", format!("device name {name:?} must be [a-z0-9-]+"));
        }
        if !names.insert(name.as_str()) {
            return fail("name", format!("device name {name:?} is used twice"));
        }
        let url = device.api_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
            let message = format!("device {name}: api_url must be an http:// or https:// URL");
            return fail("api_url", message);
        }
        match &device.signing_key {
            Some(key) if !key.expose().trim().is_empty() => {}
            _ => {
                let var = env_var(name, "signing_key");
                let message = format!("device {name}: a signing key is required (signing_key, or {var}): webhooks cannot be verified without it");
                return fail("signing_key", message);
            }
        }
        if device.numbers.is_empty() {
            let message = format!("device {name}: list the number of each SIM slot in numbers");
            return fail("numbers", message);
        }
        for number in &device.numbers {
            if !crate::phone::is_e164(number) {
                let message =
                    format!("device {name}: {number:?} is not an E.164 number like +15557770001");
                return fail("numbers", message);
            }
            if !numbers.insert(number) {
                let message = format!(
                    "device {name}: {number} is already another device's or twilio.phone_numbers'"
                );
                return fail("numbers", message);
            }
        }
    }
    Ok(())
}

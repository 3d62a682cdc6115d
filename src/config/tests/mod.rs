//! Tests for the configuration module, with shared helpers and fixtures.
//! They never read the process environment or `./config.toml`.

mod env_vars;
mod layering;
mod rules;
mod sms_gate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::load::load_with_default;
use super::*;

/// A fallback config path that never exists, so the example `config.toml`
/// in the crate root is never picked up by accident.
const NO_DEFAULT_FILE: &str = "/nonexistent/agentpass-sms-test/config.toml";

/// Test credentials; no test output may ever contain them.
const SID: &str = "ACfeedfacefeedfacefeedfacefeedface";
const TOKEN: &str = "token-9f8e7d6c5b4a";
const WEBHOOK_SECRET: &str = "whsec-1a2b3c4d5e";
const ADMIN_KEY: &str = "admin-key-0d0e0a0d";
const SCOPED_KEY: &str = "scoped-key-c0ffee";
const OLD_TOKEN: &str = "old-token-77aa66bb";
const SHARED_KEY: &str = "shared-key-5e5e5e";
const OLD_SHARED_KEY: &str = "old-shared-key-4d4d";

/// A config file in the temp directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "agentpass-config-test-{}-{}.toml",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, contents).expect("write temp config");
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// The path as error messages print it.
    fn shown(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An environment holding exactly `pairs`.
fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

/// Loads `file` (if any) and `vars`, with no fallback file.
fn load_file(
    file: Option<&TempFile>,
    vars: &[(&str, &str)],
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let file = file.map(TempFile::path);
    load_with_default(file, &env_of(vars), overrides, Path::new(NO_DEFAULT_FILE))
}

/// Loads the TOML text `toml` (if any) and `vars`, with no overrides.
fn load_from(toml: Option<&str>, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let file = toml.map(TempFile::new);
    load_file(file.as_ref(), vars, &Overrides::default())
}

/// The message of the error `result` must be.
fn error_text(result: Result<Config, ConfigError>) -> String {
    result.expect_err("expected a config error").to_string()
}

/// Asserts that `text` shows none of the test secrets.
fn assert_no_secret(text: &str) {
    for secret in [
        TOKEN,
        WEBHOOK_SECRET,
        ADMIN_KEY,
        SCOPED_KEY,
        OLD_TOKEN,
        SHARED_KEY,
        OLD_SHARED_KEY,
    ] {
        assert!(!text.contains(secret), "secret leaked in: {text}");
    }
}

/// A file setting every key to something other than its default.
const FULL_TOML: &str = r#"
listen = "0.0.0.0:9000"
data_dir = "/var/lib/agentpass"
public_base_url = "https://sms.example.com/hooks/"
log_format = "json"
api_url = "http://127.0.0.1:9000/"
api_key = "admin-key-0d0e0a0d"

[[api_keys]]
key = "scoped-key-c0ffee"
name = "ci"
passports = ["pp-1", "pp-2"]

[twilio]
account_sid = "ACfeedfacefeedfacefeedfacefeedface"
auth_token = "token-9f8e7d6c5b4a"
previous_auth_token = "old-token-77aa66bb"
phone_numbers = ["+15551230001", "+15551230002"]
api_base = "http://127.0.0.1:4010/"
country = "CA"
area_code = "604"
reconcile_interval = "1m"

[webhook]
secret = "whsec-1a2b3c4d5e"
shared_key = "shared-key-5e5e5e"
previous_shared_key = "old-shared-key-4d4d"
max_body_bytes = 1024

[pool]
auto_provision = false
max_numbers = 3
max_provisions_per_hour = 1
quarantine = "1h"
release_idle_after = "30d"

[delivery]
inbox_retention = "1m"
default_wait_timeout = "5s"
max_wait_timeout = "2m"
claim_lease = "500ms"

[store]
history_retention = "1d"
purge_interval = "10m"
cache_capacity = 1048576
min_free_bytes = 1000
write_timeout = "2s"

[limits]
failed_signatures_per_minute = 5
failed_auth_per_minute = 4
requests_per_key_per_second = 3

[server]
max_connections = 100
header_read_timeout = "2s"
body_read_timeout = "3s"
"#;

/// The same settings as environment variables (no `api_keys`: file only).
const FULL_ENV: &[(&str, &str)] = &[
    ("AGENTPASS_LISTEN", "0.0.0.0:9000"),
    ("AGENTPASS_DATA_DIR", "/var/lib/agentpass"),
    (
        "AGENTPASS_PUBLIC_BASE_URL",
        "https://sms.example.com/hooks/",
    ),
    ("AGENTPASS_LOG_FORMAT", "json"),
    ("AGENTPASS_API_URL", "http://127.0.0.1:9000/"),
    ("AGENTPASS_API_KEY", ADMIN_KEY),
    ("AGENTPASS_TWILIO_ACCOUNT_SID", SID),
    ("AGENTPASS_TWILIO_AUTH_TOKEN", TOKEN),
    ("AGENTPASS_TWILIO_PREVIOUS_AUTH_TOKEN", OLD_TOKEN),
    (
        "AGENTPASS_TWILIO_PHONE_NUMBERS",
        "+15551230001,+15551230002",
    ),
    ("AGENTPASS_TWILIO_API_BASE", "http://127.0.0.1:4010/"),
    ("AGENTPASS_TWILIO_COUNTRY", "CA"),
    ("AGENTPASS_TWILIO_AREA_CODE", "604"),
    ("AGENTPASS_TWILIO_RECONCILE_INTERVAL", "1m"),
    ("AGENTPASS_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ("AGENTPASS_WEBHOOK_SHARED_KEY", SHARED_KEY),
    ("AGENTPASS_WEBHOOK_PREVIOUS_SHARED_KEY", OLD_SHARED_KEY),
    ("AGENTPASS_WEBHOOK_MAX_BODY_BYTES", "1024"),
    ("AGENTPASS_POOL_AUTO_PROVISION", "false"),
    ("AGENTPASS_POOL_MAX_NUMBERS", "3"),
    ("AGENTPASS_POOL_MAX_PROVISIONS_PER_HOUR", "1"),
    ("AGENTPASS_POOL_QUARANTINE", "1h"),
    ("AGENTPASS_POOL_RELEASE_IDLE_AFTER", "30d"),
    ("AGENTPASS_DELIVERY_INBOX_RETENTION", "1m"),
    ("AGENTPASS_DELIVERY_DEFAULT_WAIT_TIMEOUT", "5s"),
    ("AGENTPASS_DELIVERY_MAX_WAIT_TIMEOUT", "2m"),
    ("AGENTPASS_DELIVERY_CLAIM_LEASE", "500ms"),
    ("AGENTPASS_STORE_HISTORY_RETENTION", "1d"),
    ("AGENTPASS_STORE_PURGE_INTERVAL", "10m"),
    ("AGENTPASS_STORE_CACHE_CAPACITY", "1048576"),
    ("AGENTPASS_STORE_MIN_FREE_BYTES", "1000"),
    ("AGENTPASS_STORE_WRITE_TIMEOUT", "2s"),
    ("AGENTPASS_LIMITS_FAILED_SIGNATURES_PER_MINUTE", "5"),
    ("AGENTPASS_LIMITS_FAILED_AUTH_PER_MINUTE", "4"),
    ("AGENTPASS_LIMITS_REQUESTS_PER_KEY_PER_SECOND", "3"),
    ("AGENTPASS_SERVER_MAX_CONNECTIONS", "100"),
    ("AGENTPASS_SERVER_HEADER_READ_TIMEOUT", "2s"),
    ("AGENTPASS_SERVER_BODY_READ_TIMEOUT", "3s"),
];

/// What [`FULL_TOML`] loads as (normalized: trailing slashes trimmed).
fn full_config() -> Config {
    let secs = Duration::from_secs;
    Config {
        listen: "0.0.0.0:9000".parse().unwrap(),
        data_dir: PathBuf::from("/var/lib/agentpass"),
        public_base_url: Some("https://sms.example.com/hooks".into()),
        log_format: LogFormat::Json,
        api_url: Some("http://127.0.0.1:9000".into()),
        api_key: Some(Secret::new(ADMIN_KEY)),
        api_keys: vec![ApiKey {
            key: Secret::new(SCOPED_KEY),
            name: Some("ci".into()),
            passports: vec!["pp-1".into(), "pp-2".into()],
        }],
        twilio: TwilioConfig {
            account_sid: Some(SID.into()),
            auth_token: Some(Secret::new(TOKEN)),
            previous_auth_token: Some(Secret::new(OLD_TOKEN)),
            phone_numbers: vec!["+15551230001".into(), "+15551230002".into()],
            api_base: "http://127.0.0.1:4010".into(),
            country: "CA".into(),
            area_code: Some("604".into()),
            reconcile_interval: secs(60),
        },
        webhook: WebhookConfig {
            secret: Some(Secret::new(WEBHOOK_SECRET)),
            shared_key: Some(Secret::new(SHARED_KEY)),
            previous_shared_key: Some(Secret::new(OLD_SHARED_KEY)),
            max_body_bytes: 1024,
        },
        pool: PoolConfig {
            auto_provision: Some(false),
            max_numbers: Some(3),
            max_provisions_per_hour: 1,
            quarantine: secs(3600),
            release_idle_after: Some(secs(30 * 86_400)),
        },
        delivery: DeliveryConfig {
            inbox_retention: secs(60),
            default_wait_timeout: secs(5),
            max_wait_timeout: secs(120),
            claim_lease: Duration::from_millis(500),
        },
        store: StoreConfig {
            history_retention: secs(86_400),
            purge_interval: secs(600),
            cache_capacity: 1_048_576,
            min_free_bytes: 1000,
            write_timeout: secs(2),
        },
        limits: LimitsConfig {
            failed_signatures_per_minute: 5,
            failed_auth_per_minute: 4,
            requests_per_key_per_second: 3,
        },
        server: ServerConfig {
            max_connections: 100,
            header_read_timeout: secs(2),
            body_read_timeout: secs(3),
        },
        sms_gate: SmsGateConfig::default(),
    }
}

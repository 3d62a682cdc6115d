//! The environment table, seed variables and their `AGENTPASS_` twins.

use std::collections::BTreeSet;

use super::*;

/// Each seed variable and its twin.
const TWINS: &[(&str, &str)] = &[
    ("TWILIO_ACCOUNT_SID", "AGENTPASS_TWILIO_ACCOUNT_SID"),
    ("TWILIO_AUTH_TOKEN", "AGENTPASS_TWILIO_AUTH_TOKEN"),
    (
        "TWILIO_PREVIOUS_AUTH_TOKEN",
        "AGENTPASS_TWILIO_PREVIOUS_AUTH_TOKEN",
    ),
    ("TWILIO_PHONE_NUMBERS", "AGENTPASS_TWILIO_PHONE_NUMBERS"),
    ("WEBHOOK_SECRET", "AGENTPASS_WEBHOOK_SECRET"),
];

#[test]
fn every_variable_follows_the_naming_rule() {
    for entry in ENV_KEYS {
        let expected = format!("AGENTPASS_{}", entry.key.replace('.', "_").to_uppercase());
        assert_eq!(entry.var, expected, "variable for {}", entry.key);
    }
    let aliases: Vec<_> = ENV_KEYS
        .iter()
        .filter_map(|e| e.alias.map(|a| (a, e.var)))
        .collect();
    assert_eq!(aliases, TWINS.to_vec());
}

#[test]
fn table_covers_every_key_but_api_keys() {
    fn leaves(prefix: &str, table: &toml::Table, out: &mut BTreeSet<String>) {
        for (name, value) in table {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            match value {
                toml::Value::Table(inner) => leaves(&path, inner, out),
                _ => {
                    out.insert(path);
                }
            }
        }
    }
    let shown: toml::Table = toml::from_str(&full_config().redacted_toml()).unwrap();
    let mut keys = BTreeSet::new();
    leaves("", &shown, &mut keys);
    assert!(keys.remove("api_keys"));
    let table: BTreeSet<String> = ENV_KEYS.iter().map(|e| e.key.to_string()).collect();
    assert_eq!(keys, table);
    assert_eq!(table.len(), ENV_KEYS.len(), "no key twice");
}

#[test]
fn each_seed_variable_and_its_twin() {
    for var in ["TWILIO_ACCOUNT_SID", "AGENTPASS_TWILIO_ACCOUNT_SID"] {
        let config = load_from(None, &[(var, SID), ("TWILIO_AUTH_TOKEN", TOKEN)]).unwrap();
        assert_eq!(config.twilio.account_sid.as_deref(), Some(SID), "{var}");
        assert_eq!(config.mode().unwrap(), Mode::Twilio, "{var}");
    }
    for var in ["TWILIO_AUTH_TOKEN", "AGENTPASS_TWILIO_AUTH_TOKEN"] {
        let config = load_from(None, &[("TWILIO_ACCOUNT_SID", SID), (var, TOKEN)]).unwrap();
        let token = config.twilio.auth_token.as_ref().map(Secret::expose);
        assert_eq!(token, Some(TOKEN), "{var}");
    }
    for var in ["TWILIO_PHONE_NUMBERS", "AGENTPASS_TWILIO_PHONE_NUMBERS"] {
        let config = load_from(None, &[(var, "+15551230001,+15551230002")]).unwrap();
        assert_eq!(
            config.twilio.phone_numbers,
            ["+15551230001", "+15551230002"],
            "{var}"
        );
    }
    for var in ["WEBHOOK_SECRET", "AGENTPASS_WEBHOOK_SECRET"] {
        let config = load_from(None, &[(var, WEBHOOK_SECRET)]).unwrap();
        let secret = config.webhook.secret.as_ref().map(Secret::expose);
        assert_eq!(secret, Some(WEBHOOK_SECRET), "{var}");
    }
    let config = load_from(None, &[("AGENTPASS_API_URL", "http://127.0.0.1:8788/")]).unwrap();
    assert_eq!(config.api_url.as_deref(), Some("http://127.0.0.1:8788"));
    let config = load_from(None, &[("AGENTPASS_API_KEY", ADMIN_KEY)]).unwrap();
    assert_eq!(config.api_key.as_ref().map(Secret::expose), Some(ADMIN_KEY));
}

#[test]
fn twins_may_agree() {
    let values = [SID, TOKEN, OLD_TOKEN, "+15551230001", WEBHOOK_SECRET];
    let vars: Vec<(&str, &str)> = TWINS
        .iter()
        .zip(values)
        .flat_map(|((seed, twin), value)| [(*seed, value), (*twin, value)])
        .collect();
    let config = load_from(None, &vars).expect("twins holding the same value");
    assert_eq!(config.twilio.account_sid.as_deref(), Some(SID));
    assert_eq!(config.mode().unwrap(), Mode::Twilio);
    let spaced = [
        ("TWILIO_PHONE_NUMBERS", "+15551230001, +15551230002"),
        (
            "AGENTPASS_TWILIO_PHONE_NUMBERS",
            "+15551230001,+15551230002,",
        ),
    ];
    load_from(None, &spaced).expect("the same list, spaced differently");
}

#[test]
fn conflicting_twins_name_both_variables() {
    for (seed, twin) in TWINS {
        let (a, b) = match *seed {
            "TWILIO_PHONE_NUMBERS" => ("+15551230001", "+15551230002"),
            "TWILIO_AUTH_TOKEN" => (TOKEN, "token-other"),
            _ => (WEBHOOK_SECRET, "other-value"),
        };
        let text = error_text(load_from(None, &[(seed, a), (twin, b)]));
        assert!(text.contains(seed) && text.contains(twin), "{text}");
        assert!(
            !text.contains(a) && !text.contains(b),
            "values leaked: {text}"
        );
        assert_no_secret(&text);
    }
}

#[test]
fn twilio_phone_numbers_parsing() {
    let vars = [("TWILIO_PHONE_NUMBERS", " +15551230001 , ,+442071234567,, ")];
    let config = load_from(None, &vars).unwrap();
    assert_eq!(
        config.twilio.phone_numbers,
        ["+15551230001", "+442071234567"]
    );

    let config = load_from(None, &[("TWILIO_PHONE_NUMBERS", " , ")]).unwrap();
    assert!(
        config.twilio.phone_numbers.is_empty(),
        "only separators: empty pool"
    );

    let text = error_text(load_from(
        None,
        &[("TWILIO_PHONE_NUMBERS", "+15551230001,5551230002")],
    ));
    assert_eq!(
        text,
        "invalid value for twilio.phone_numbers (from TWILIO_PHONE_NUMBERS): `5551230002` \
         is not an E.164 number (+ then 2 to 15 digits, the first 1-9)"
    );
}

#[test]
fn empty_variables_count_as_unset() {
    let file = "listen = \"0.0.0.0:9000\"\n";
    let config = load_from(
        Some(file),
        &[("AGENTPASS_LISTEN", ""), ("AGENTPASS_DATA_DIR", "  ")],
    );
    let config = config.unwrap();
    assert_eq!(config.listen, "0.0.0.0:9000".parse().unwrap());
    assert_eq!(config.data_dir, PathBuf::from("./data"));

    let vars = [
        ("TWILIO_AUTH_TOKEN", ""),
        ("AGENTPASS_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    let config = load_from(None, &vars).unwrap();
    assert_eq!(config.twilio.auth_token, None);
    let vars = [
        ("WEBHOOK_SECRET", ""),
        ("AGENTPASS_WEBHOOK_SECRET", WEBHOOK_SECRET),
    ];
    load_from(None, &vars).expect("an empty twin is no conflict");
}

#[test]
fn numbers_and_switches_from_env() {
    for (text, expected) in [
        ("true", true),
        ("ON", true),
        ("1", true),
        ("no", false),
        ("0", false),
    ] {
        let config = load_from(None, &[("AGENTPASS_POOL_AUTO_PROVISION", text)]).unwrap();
        assert_eq!(config.pool.auto_provision, Some(expected), "{text}");
    }
    let text = error_text(load_from(
        None,
        &[("AGENTPASS_POOL_AUTO_PROVISION", "maybe")],
    ));
    assert_eq!(
        text,
        "invalid value for pool.auto_provision (from AGENTPASS_POOL_AUTO_PROVISION): \
         expected true or false"
    );
    let text = error_text(load_from(
        None,
        &[("AGENTPASS_STORE_CACHE_CAPACITY", "64MB")],
    ));
    assert!(
        text.starts_with(
            "invalid value for store.cache_capacity (from AGENTPASS_STORE_CACHE_CAPACITY)"
        ),
        "{text}"
    );
    let text = error_text(load_from(None, &[("AGENTPASS_POOL_MAX_NUMBERS", "-1")]));
    assert!(
        text.starts_with("invalid value for pool.max_numbers (from AGENTPASS_POOL_MAX_NUMBERS)"),
        "{text}"
    );
}

#[test]
fn zero_durations_are_rejected() {
    for var in [
        "AGENTPASS_TWILIO_RECONCILE_INTERVAL",
        "AGENTPASS_POOL_RELEASE_IDLE_AFTER",
        "AGENTPASS_DELIVERY_INBOX_RETENTION",
        "AGENTPASS_DELIVERY_DEFAULT_WAIT_TIMEOUT",
        "AGENTPASS_DELIVERY_MAX_WAIT_TIMEOUT",
        "AGENTPASS_DELIVERY_CLAIM_LEASE",
        "AGENTPASS_STORE_HISTORY_RETENTION",
        "AGENTPASS_STORE_PURGE_INTERVAL",
    ] {
        let key = ENV_KEYS.iter().find(|e| e.var == var).unwrap().key;
        let text = error_text(load_from(None, &[(var, "0s")]));
        let expected = format!("invalid value for {key} (from {var}): must be greater than zero");
        assert!(text.starts_with(&expected), "{text}");
    }
    let config = load_from(None, &[("AGENTPASS_POOL_QUARANTINE", "0s")]).unwrap();
    assert_eq!(
        config.pool.quarantine,
        Duration::ZERO,
        "no quarantine is allowed"
    );
}

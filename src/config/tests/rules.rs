//! The mode rule, value rules, URLs and redacted output.

use super::*;

/// A configuration with the given Twilio settings and everything else default.
fn twilio(sid: bool, token: bool, numbers: &[&str], auto_provision: Option<bool>) -> Config {
    let mut config = Config::default();
    config.twilio.account_sid = sid.then(|| SID.to_string());
    config.twilio.auth_token = token.then(|| Secret::new(TOKEN));
    config.twilio.phone_numbers = numbers.iter().map(|n| n.to_string()).collect();
    config.pool.auto_provision = auto_provision;
    config
}

#[test]
fn mode_rule() {
    let pool = &["+15551230001"];
    for auto in [None, Some(true), Some(false)] {
        let config = twilio(false, false, &[], auto);
        assert_eq!(
            config.mode().unwrap(),
            Mode::Mock,
            "no credentials, {auto:?}"
        );
        assert!(
            config.auto_provision(),
            "mock numbers are always made, {auto:?}"
        );
        assert_eq!(twilio(true, true, pool, auto).mode().unwrap(), Mode::Twilio);
    }
    assert_eq!(twilio(false, false, pool, None).mode().unwrap(), Mode::Mock);
    assert!(twilio(true, true, pool, None).auto_provision());
    assert!(!twilio(true, true, pool, Some(false)).auto_provision());

    for auto in [None, Some(true)] {
        let config = twilio(true, true, &[], auto);
        assert_eq!(
            config.mode().unwrap(),
            Mode::Twilio,
            "buys numbers, {auto:?}"
        );
        assert!(config.auto_provision());
    }

    let err = twilio(true, true, &[], Some(false)).mode().unwrap_err();
    assert!(matches!(err, ConfigError::EmptyPool));
    assert!(err.to_string().starts_with(
        "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set but the pool is empty and \
         pool.auto_provision is off"
    ));

    let text = twilio(true, false, pool, None)
        .mode()
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with(
            "twilio.account_sid is set but twilio.auth_token (TWILIO_AUTH_TOKEN) is not"
        ),
        "{text}"
    );
    assert_no_secret(&text);
    // A token alone is mock mode: it signs the webhooks, as the original design has it.
    assert_eq!(twilio(false, true, pool, None).mode().unwrap(), Mode::Mock);
}

#[test]
fn mode_rule_is_checked_at_load() {
    let text = error_text(load_from(None, &[("TWILIO_ACCOUNT_SID", SID)]));
    assert!(
        text.contains("twilio.auth_token (TWILIO_AUTH_TOKEN) is not"),
        "{text}"
    );
    assert_no_secret(&text);
    let token_only = load_from(None, &[("AGENTPASS_TWILIO_AUTH_TOKEN", TOKEN)]).unwrap();
    assert_eq!(token_only.mode().unwrap(), Mode::Mock);

    let vars = [
        ("TWILIO_ACCOUNT_SID", SID),
        ("TWILIO_AUTH_TOKEN", TOKEN),
        ("AGENTPASS_POOL_AUTO_PROVISION", "false"),
    ];
    assert!(matches!(
        load_from(None, &vars),
        Err(ConfigError::EmptyPool)
    ));
    let config = load_from(None, &vars[..2]).unwrap();
    assert_eq!(config.mode().unwrap(), Mode::Twilio);
    assert!(config.auto_provision(), "unset means on in Twilio mode");
    let empty_sid = [
        ("TWILIO_ACCOUNT_SID", ""),
        ("AGENTPASS_TWILIO_ACCOUNT_SID", ""),
    ];
    assert_eq!(
        load_from(None, &empty_sid).unwrap().mode().unwrap(),
        Mode::Mock
    );
}

#[test]
fn pool_numbers_must_be_e164() {
    let good = ["+15551230001", "+442071234567", "+12", "+123456789012345"];
    twilio(true, true, &good, None).validate().unwrap();
    for bad in [
        "15551230001",
        "+05551230001",
        "+1",
        "+1234567890123456",
        "+1555-123",
        "+",
        " +1555",
    ] {
        let text = twilio(true, true, &[bad], None)
            .validate()
            .unwrap_err()
            .to_string();
        let expected =
            format!("invalid value for twilio.phone_numbers: `{bad}` is not an E.164 number");
        assert!(text.starts_with(&expected), "{text}");
    }
    let file = TempFile::new("[twilio]\nphone_numbers = [\"+15551230001\", \"+15551230001\"]\n");
    let text = error_text(load_file(Some(&file), &[], &Overrides::default()));
    let prefix = format!(
        "invalid value for twilio.phone_numbers (from {}): ",
        file.shown()
    );
    assert_eq!(text, format!("{prefix}`+15551230001` is listed twice"));
}

#[test]
fn twilio_api_base_is_scheme_and_host() {
    for (given, kept) in [
        ("https://api.twilio.com/", "https://api.twilio.com"),
        ("http://127.0.0.1:4010", "http://127.0.0.1:4010"),
    ] {
        let file = format!("[twilio]\napi_base = \"{given}\"\n");
        assert_eq!(load_from(Some(&file), &[]).unwrap().twilio.api_base, kept);
    }
    for bad in [
        "api.twilio.com",
        "ftp://api.twilio.com",
        "https://",
        "https://api.twilio.com/2010-04-01",
        "https://h?x=1",
    ] {
        let text = error_text(load_from(None, &[("AGENTPASS_TWILIO_API_BASE", bad)]));
        let prefix = "invalid value for twilio.api_base (from AGENTPASS_TWILIO_API_BASE): ";
        assert!(text.starts_with(prefix), "{bad}: {text}");
    }
}

#[test]
fn public_base_url_defaults_to_listen() {
    let mut config = Config::default();
    assert_eq!(config.public_base_url(), "http://127.0.0.1:8787");
    config.listen = "[::1]:9000".parse().unwrap();
    assert_eq!(config.public_base_url(), "http://[::1]:9000");
    config.public_base_url = Some("https://sms.example.com/".into());
    assert_eq!(config.public_base_url(), "https://sms.example.com");

    let config = load_from(None, &[("AGENTPASS_LISTEN", "0.0.0.0:9000")]).unwrap();
    assert_eq!(config.public_base_url(), "http://0.0.0.0:9000");
    let vars = [(
        "AGENTPASS_PUBLIC_BASE_URL",
        "https://sms.example.com/twilio/",
    )];
    let config = load_from(None, &vars).unwrap();
    assert_eq!(
        config.public_base_url.as_deref(),
        Some("https://sms.example.com/twilio")
    );
    let text = error_text(load_from(None, &[("AGENTPASS_API_URL", "localhost:8787")]));
    assert!(
        text.starts_with("invalid value for api_url (from AGENTPASS_API_URL): "),
        "{text}"
    );
}

#[test]
fn other_value_rules() {
    let vars = [("AGENTPASS_DELIVERY_DEFAULT_WAIT_TIMEOUT", "20m")];
    let text = error_text(load_from(None, &vars));
    let expected = "invalid value for delivery.default_wait_timeout \
                    (from AGENTPASS_DELIVERY_DEFAULT_WAIT_TIMEOUT): \
                    20m is longer than delivery.max_wait_timeout (10m)";
    assert_eq!(text, expected);
    let text = error_text(load_from(None, &[("AGENTPASS_TWILIO_COUNTRY", "usa")]));
    assert!(
        text.starts_with("invalid value for twilio.country"),
        "{text}"
    );
    let text = error_text(load_from(None, &[("AGENTPASS_TWILIO_AREA_CODE", "41x")]));
    assert!(
        text.starts_with("invalid value for twilio.area_code"),
        "{text}"
    );
    let text = error_text(load_from(
        None,
        &[("AGENTPASS_WEBHOOK_MAX_BODY_BYTES", "0")],
    ));
    assert!(
        text.starts_with("invalid value for webhook.max_body_bytes"),
        "{text}"
    );
    let text = error_text(load_from(Some("[[api_keys]]\nkey = \"\"\n"), &[]));
    assert!(
        text.contains("api_keys[0].key") && text.ends_with("must not be empty"),
        "{text}"
    );
}

#[test]
fn secrets_print_redacted() {
    let secret = Secret::new(TOKEN);
    assert_eq!(format!("{secret} {secret:?}"), "[redacted] [redacted]");
    assert_eq!(secret.expose(), TOKEN);
    assert_no_secret(&format!("{:?}", full_config()));
}

#[test]
fn redacted_toml_shows_effective_config_without_secrets() {
    let config = full_config();
    let shown = config.redacted_toml();
    assert_no_secret(&shown);
    assert!(shown.contains("auth_token = \"[redacted]\""), "{shown}");
    assert!(shown.contains("claim_lease = \"500ms\""), "{shown}");
    assert!(shown.contains("release_idle_after = \"30d\""), "{shown}");
    assert!(shown.contains("history_retention = \"1d\""), "{shown}");

    let mut reread: Config = toml::from_str(&shown).expect("redacted output is valid config");
    assert_eq!(
        reread
            .api_key
            .take()
            .map(|k| k.expose().to_string())
            .as_deref(),
        Some("[redacted]")
    );
    let mut expected = config;
    for (a, b) in [
        (
            &mut reread.twilio.auth_token,
            &mut expected.twilio.auth_token,
        ),
        (
            &mut reread.twilio.previous_auth_token,
            &mut expected.twilio.previous_auth_token,
        ),
        (&mut reread.webhook.secret, &mut expected.webhook.secret),
        (
            &mut reread.webhook.shared_key,
            &mut expected.webhook.shared_key,
        ),
        (
            &mut reread.webhook.previous_shared_key,
            &mut expected.webhook.previous_shared_key,
        ),
    ] {
        assert!(a.is_some());
        *a = b.clone();
    }
    reread.api_keys[0].key = expected.api_keys[0].key.clone();
    expected.api_key = None;
    assert_eq!(
        reread, expected,
        "everything but secrets survives the round trip"
    );

    let defaults = Config::default().redacted_toml();
    assert!(
        defaults.contains("public_base_url = \"http://127.0.0.1:8787\""),
        "{defaults}"
    );
    assert!(
        defaults.contains("auto_provision = true"),
        "mock mode provisions, and says so: {defaults}"
    );
    assert!(
        defaults.contains("history_retention = \"7d\""),
        "{defaults}"
    );
    assert!(
        defaults.contains("release_idle_after = \"off\""),
        "{defaults}"
    );
    assert!(
        !defaults.contains("auth_token"),
        "unset secrets are left out: {defaults}"
    );
}

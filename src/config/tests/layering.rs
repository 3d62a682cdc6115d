//! Defaults, the config file, file resolution and layer precedence.

use super::*;

#[test]
fn defaults() {
    let config = Config::default();
    assert_eq!(config.listen, "127.0.0.1:8787".parse().unwrap());
    assert_eq!(config.data_dir, PathBuf::from("./data"));
    assert_eq!(config.public_base_url, None);
    assert_eq!(config.log_format, LogFormat::Human);
    assert_eq!(
        (config.api_url.clone(), config.api_key.clone()),
        (None, None)
    );
    assert!(config.api_keys.is_empty());
    let t = &config.twilio;
    assert_eq!((t.account_sid.clone(), t.auth_token.clone()), (None, None));
    assert!(t.phone_numbers.is_empty());
    assert_eq!(t.api_base, "https://api.twilio.com");
    assert_eq!((t.country.as_str(), t.area_code.clone()), ("US", None));
    assert_eq!(t.reconcile_interval, Duration::from_secs(15));
    assert_eq!(config.webhook.secret, None);
    assert_eq!(config.webhook.max_body_bytes, 65_536);
    let p = &config.pool;
    assert_eq!(p.auto_provision, None);
    assert_eq!((p.max_numbers, p.max_provisions_per_hour), (None, 5));
    // Unset: no bound in mock mode (the defaults), 20 in Twilio mode.
    assert_eq!(config.max_numbers(), u32::MAX);
    let mut twilio = config.clone();
    twilio.twilio.account_sid = Some("AC0123".into());
    twilio.twilio.auth_token = Some(Secret::new("token"));
    assert_eq!(twilio.max_numbers(), crate::config::DEFAULT_MAX_NUMBERS);
    assert_eq!(p.quarantine, Duration::from_secs(600));
    assert_eq!(p.release_idle_after, None);
    let d = &config.delivery;
    assert_eq!(d.inbox_retention, Duration::from_secs(300));
    assert_eq!(d.default_wait_timeout, Duration::from_secs(30));
    assert_eq!(d.max_wait_timeout, Duration::from_secs(600));
    assert_eq!(d.claim_lease, Duration::from_secs(30));
    let s = &config.store;
    assert_eq!(s.history_retention, Duration::from_secs(7 * 86_400));
    assert_eq!(s.purge_interval, Duration::from_secs(3600));
    assert_eq!(s.cache_capacity, 67_108_864);
    assert_eq!(s.min_free_bytes, 67_108_864);
    assert_eq!(s.write_timeout, Duration::from_secs(5));

    assert_eq!(load_from(None, &[]).unwrap(), config, "no file, no env");
    assert_eq!(load_from(Some(""), &[]).unwrap(), config, "empty file");
    assert_eq!(config.mode().unwrap(), Mode::Mock);
    config.validate().unwrap();
}

#[test]
fn file_overrides_defaults() {
    assert_eq!(load_from(Some(FULL_TOML), &[]).unwrap(), full_config());
    let partial = load_from(Some("[delivery]\nclaim_lease = \"2m\"\n"), &[]).unwrap();
    let mut expected = Config::default();
    expected.delivery.claim_lease = Duration::from_secs(120);
    assert_eq!(partial, expected, "keys the file leaves out keep defaults");
}

#[test]
fn env_overrides_file() {
    let file = "listen = \"0.0.0.0:9000\"\n[twilio]\ncountry = \"CA\"\n\
                [delivery]\nclaim_lease = \"2m\"\n[pool]\nrelease_idle_after = \"30d\"\n";
    let vars = [
        ("AGENTPASS_LISTEN", "127.0.0.1:7000"),
        ("AGENTPASS_DELIVERY_CLAIM_LEASE", "45s"),
        ("AGENTPASS_POOL_RELEASE_IDLE_AFTER", "off"),
    ];
    let config = load_from(Some(file), &vars).unwrap();
    assert_eq!(config.listen, "127.0.0.1:7000".parse().unwrap());
    assert_eq!(config.delivery.claim_lease, Duration::from_secs(45));
    assert_eq!(
        config.pool.release_idle_after, None,
        "env can switch it off"
    );
    assert_eq!(config.twilio.country, "CA", "untouched file value stays");

    let from_env_only = load_from(None, FULL_ENV).unwrap();
    let mut expected = full_config();
    expected.api_keys.clear();
    assert_eq!(from_env_only, expected, "every variable sets its key");
}

#[test]
fn overrides_beat_env() {
    let file = TempFile::new("listen = \"0.0.0.0:9000\"\ndata_dir = \"/file\"\n");
    let vars = [
        ("AGENTPASS_LISTEN", "127.0.0.1:7000"),
        ("AGENTPASS_DATA_DIR", "/env"),
        ("AGENTPASS_PUBLIC_BASE_URL", "https://env.example.com"),
    ];
    let overrides = Overrides {
        listen: Some("127.0.0.1:6000".parse().unwrap()),
        data_dir: Some(PathBuf::from("/cli")),
        public_base_url: Some("https://cli.example.com/".into()),
    };
    let config = load_file(Some(&file), &vars, &overrides).unwrap();
    assert_eq!(config.listen, "127.0.0.1:6000".parse().unwrap());
    assert_eq!(config.data_dir, PathBuf::from("/cli"));
    assert_eq!(config.public_base_url(), "https://cli.example.com");

    let bad = Overrides {
        public_base_url: Some("ftp://cli.example.com".into()),
        ..Overrides::default()
    };
    let text = error_text(load_file(None, &vars, &bad));
    assert!(
        text.starts_with("invalid value for public_base_url (from command line)"),
        "{text}"
    );
}

#[test]
fn file_resolution() {
    let chosen = TempFile::new("listen = \"127.0.0.1:1111\"\n");
    let other = TempFile::new("listen = \"127.0.0.1:2222\"\n");
    let no_overrides = Overrides::default();
    let load = |file: Option<&Path>, vars: &[(&str, &str)], fallback: &Path| {
        load_with_default(file, &env_of(vars), &no_overrides, fallback)
    };
    let none = Path::new(NO_DEFAULT_FILE);
    let named = [("AGENTPASS_CONFIG", other.shown())];
    let named: Vec<(&str, &str)> = named.iter().map(|(k, v)| (*k, v.as_str())).collect();

    let port = |config: Result<Config, ConfigError>| config.unwrap().listen.port();
    assert_eq!(
        port(load(Some(chosen.path()), &named, none)),
        1111,
        "explicit wins"
    );
    assert_eq!(port(load(None, &named, none)), 2222, "AGENTPASS_CONFIG");
    assert_eq!(
        port(load(None, &[], chosen.path())),
        1111,
        "./config.toml fallback"
    );
    assert_eq!(
        port(load(None, &[("AGENTPASS_CONFIG", "")], none)),
        8787,
        "empty = unset"
    );
    assert_eq!(port(load(None, &[], none)), 8787, "defaults only");

    let missing = "/nonexistent/agentpass.toml";
    let text = error_text(load(Some(Path::new(missing)), &[], none));
    assert_eq!(
        text,
        format!("config file {missing} (from command line) does not exist")
    );
    let text = error_text(load(None, &[("AGENTPASS_CONFIG", missing)], none));
    assert_eq!(
        text,
        format!("config file {missing} (from AGENTPASS_CONFIG) does not exist")
    );
}

#[test]
fn unknown_keys_are_named() {
    for (toml, key) in [
        ("colour = \"red\"\n", "colour"),
        ("[twilio]\nacount_sid = \"AC1\"\n", "twilio.acount_sid"),
        ("[twilo]\naccount_sid = \"AC1\"\n", "twilo"),
        ("[twilio.extra]\nx = 1\n", "twilio.extra"),
        (
            "[[api_keys]]\nkey = \"k\"\nscope = \"all\"\n",
            "api_keys[0].scope",
        ),
    ] {
        let file = TempFile::new(toml);
        let text = error_text(load_file(Some(&file), &[], &Overrides::default()));
        assert_eq!(
            text,
            format!("unknown key {key} in config file {}", file.shown())
        );
    }
}

#[test]
fn bad_values_name_key_and_source() {
    let file = TempFile::new("[delivery]\nclaim_lease = \"soon\"\n");
    let text = error_text(load_file(Some(&file), &[], &Overrides::default()));
    let hint = "expected a duration like 500ms, 30s or 10m";
    let expected = format!(
        "invalid value for delivery.claim_lease (from {}): {hint}",
        file.shown()
    );
    assert_eq!(text, expected);

    let text = error_text(load_from(
        None,
        &[("AGENTPASS_DELIVERY_CLAIM_LEASE", "soon")],
    ));
    let expected = format!(
        "invalid value for delivery.claim_lease (from AGENTPASS_DELIVERY_CLAIM_LEASE): {hint}"
    );
    assert_eq!(text, expected);

    let number = error_text(load_from(Some("[store]\npurge_interval = 30\n"), &[]));
    assert!(
        number.ends_with(hint),
        "a bare number is not a duration: {number}"
    );

    let file = TempFile::new("listen = \"localhost\"\n");
    let text = error_text(load_file(Some(&file), &[], &Overrides::default()));
    assert!(
        text.starts_with(&format!(
            "invalid value for listen (from {}): ",
            file.shown()
        )),
        "{text}"
    );

    let text = error_text(load_from(Some("log_format = \"xml\"\n"), &[]));
    assert!(
        text.starts_with("invalid value for log_format") && text.contains("json"),
        "{text}"
    );

    let text = error_text(load_from(Some("twilio = 1\n"), &[]));
    assert!(text.starts_with("invalid value for twilio (from"), "{text}");
    let text = error_text(load_from(Some("[[api_keys]]\nname = \"ci\"\n"), &[]));
    assert!(
        text.starts_with("invalid value for api_keys[0].key (from"),
        "{text}"
    );
}

#[test]
fn errors_never_show_secrets() {
    let file = format!("[twilio]\nauth_token = \"{TOKEN}\ncountry = \"US\"\n");
    let text = error_text(load_from(Some(&file), &[]));
    assert!(text.contains("is not valid TOML: line 2, column"), "{text}");
    assert_no_secret(&text);

    let text = error_text(load_from(Some("api_key = 20250101\n"), &[]));
    assert!(
        text.starts_with("invalid value for api_key (from"),
        "{text}"
    );
    assert!(!text.contains("20250101"), "{text}");
    let text = error_text(load_from(Some("[[api_keys]]\nkey = 4242\n"), &[]));
    assert!(
        text.starts_with("invalid value for api_keys[0].key"),
        "{text}"
    );
    assert!(!text.contains("4242"), "{text}");

    let keys = format!("api_key = \"{ADMIN_KEY}\"\n[[api_keys]]\nkey = \"{ADMIN_KEY}\"\n");
    let text = error_text(load_from(Some(&keys), &[]));
    assert!(
        text.starts_with("invalid value for api_keys[0].key (from"),
        "{text}"
    );
    assert_no_secret(&text);
}

#[test]
fn example_file_lists_every_key_with_its_default() {
    let text = include_str!("../../../config.toml");
    let file = TempFile::new(text);
    let config = load_file(Some(&file), &[], &Overrides::default()).unwrap();
    assert_eq!(
        config,
        Config::default(),
        "uncommented values are the defaults"
    );
    for entry in ENV_KEYS {
        let leaf = entry.key.rsplit('.').next().unwrap();
        let listed = text.lines().any(|line| {
            line.trim_start_matches(['#', ' '])
                .starts_with(&format!("{leaf} ="))
        });
        assert!(listed, "{} is not in config.toml", entry.key);
        for var in std::iter::once(entry.var).chain(entry.alias) {
            assert!(text.contains(var), "{var} is not named in config.toml");
        }
    }
    assert!(text.contains("[[api_keys]]") && text.contains("AGENTPASS_CONFIG"));
}

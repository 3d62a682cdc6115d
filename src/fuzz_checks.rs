//! The properties the fuzz targets (`fuzz/`, run with `cargo fuzz`) check on arbitrary
//! input, one function per target: each panics when a property fails. They live in the
//! library so that `tests/fuzz_replay.rs` runs the same checks on stable Rust, over the
//! committed corpus and random input, in the normal test command.

use crate::config::{self, Overrides};
use crate::twilio::{form, keys, signature};

/// Splits fuzz input into `n` text fields at NUL bytes (missing fields are empty).
fn fields(data: &[u8], n: usize) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut parts: Vec<String> = text.splitn(n, '\0').map(str::to_owned).collect();
    parts.resize(n, String::new());
    parts
}

/// The form parser never panics, and what it parses re-encodes to the same pairs.
pub fn form(data: &[u8]) {
    let Ok(pairs) = form::parse(data) else {
        return;
    };
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let again = form::parse(encoded.join("&").as_bytes()).expect("re-encoded form parses");
    assert_eq!(again, pairs, "form round trip");
    // JSON bodies never panic either.
    let _ = form::parse_json(data);
}

fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Signatures: a request signed with a key validates under that key (and the other
/// algorithm does not take it); a changed signature or parameter does not; no input
/// panics the settings header or `bodySHA256` parsers.
pub fn signature(data: &[u8]) {
    let f = fields(data, 5);
    let (key, url, body, header, other) = (&f[0], &f[1], &f[2], &f[3], &f[4]);
    let params: Vec<(String, String)> = body
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    for algorithm in [signature::Algorithm::Sha1, signature::Algorithm::Sha256] {
        let sig = signature::compute_with(algorithm, key, url, &params);
        assert!(signature::validate_with(
            algorithm,
            &[other, key],
            url,
            &params,
            &sig
        ));
        let mut tampered = sig.clone().into_bytes();
        tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("base64 is ASCII");
        assert!(!signature::validate_with(
            algorithm,
            &[key],
            url,
            &params,
            &tampered
        ));
        let mut changed = params.clone();
        changed.push(("Extra".into(), "1".into()));
        assert!(!signature::validate_with(
            algorithm,
            &[key],
            url,
            &changed,
            &sig
        ));
    }
    let _ = keys::settings_algorithm(header);
    if let Some(hash) = keys::body_sha256(url) {
        let _ = keys::body_matches(body.as_bytes(), hash);
    }
}

/// The OTP extractor never panics, is deterministic, and a code it returns is 1 to 32
/// ASCII letters or digits (origin-bound codes may be that long) with a confidence
/// between 0 and 1.
pub fn otp(data: &[u8]) {
    let body = String::from_utf8_lossy(data);
    let first = crate::otp::extract(&body);
    let second = crate::otp::extract(&body);
    assert_eq!(
        first.as_ref().map(|o| &o.code),
        second.as_ref().map(|o| &o.code)
    );
    if let Some(otp) = first {
        assert!((1..=32).contains(&otp.code.len()), "{:?}", otp.code);
        assert!(
            otp.code.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{:?}",
            otp.code
        );
        assert!((0.0..=1.0).contains(&otp.confidence), "{}", otp.confidence);
    }
}

/// The config loader never panics on any file text and environment; a configuration
/// it accepts shows (`config show`) as TOML that loads again, with every secret
/// redacted.
pub fn config(data: &[u8]) {
    let f = fields(data, 3);
    let (text, var, value) = (&f[0], &f[1], &f[2]);
    let env = |name: &str| (name == var.as_str()).then(|| value.clone());
    let Ok(config) = config::from_text(text, &env, &Overrides::default()) else {
        return;
    };
    let shown = config.redacted_toml();
    let none = |_: &str| None;
    let again = config::from_text(&shown, &none, &Overrides::default())
        .unwrap_or_else(|e| panic!("config show output does not load: {e}\n{shown}"));
    let secrets = [
        again.twilio.auth_token.as_ref(),
        again.twilio.previous_auth_token.as_ref(),
        again.webhook.secret.as_ref(),
        again.webhook.shared_key.as_ref(),
        again.webhook.previous_shared_key.as_ref(),
        again.api_key.as_ref(),
    ];
    for secret in secrets.into_iter().flatten() {
        assert_eq!(secret.expose(), "[redacted]");
    }
}

//! Twilio request signatures (`X-Twilio-Signature`).
//!
//! Twilio signs every webhook request with
//! `base64(HMAC(key, url + k1 + v1 + k2 + v2 + ...))`, where the POST parameters are
//! sorted by key. The HMAC is SHA-1 keyed with the auth token, or, when the account has
//! a webhook shared key (the request then names the algorithm in
//! `X-Twilio-Webhooks-Signature-Settings`), SHA-256 keyed with its secret: only the
//! hash changes. This matches Twilio's own validators (e.g. `twilio-python`'s
//! `RequestValidator`): a repeated key contributes one `key + value` per occurrence,
//! and the values of one key are sorted too, so the pairs are effectively sorted by
//! `(key, value)`.
//!
//! Twilio is inconsistent about whether the signed URL carries the scheme's
//! default port, so [`validate`] accepts the URL as given and the same URL
//! with the default port (`:443` for https, `:80` for http) added or removed.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

/// The HMAC a request is signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA1, keyed with the auth token: Twilio's default.
    Sha1,
    /// HMAC-SHA256, keyed with a webhook shared key's secret.
    Sha256,
}

/// Computes the `X-Twilio-Signature` value for a request signed with the auth token.
///
/// `url` is the full URL Twilio requested (including any query string) and
/// `params` the decoded POST parameters, in any order; repeated keys are kept.
pub fn compute(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    compute_with(Algorithm::Sha1, auth_token, url, params)
}

/// Computes the signature of a request with `algorithm` keyed with `key`.
pub fn compute_with(
    algorithm: Algorithm,
    key: &str,
    url: &str,
    params: &[(String, String)],
) -> String {
    sign_sorted(algorithm, key, url, &sorted(params))
}

/// The parameters in signing order: by key, then by value for repeated keys (byte order
/// of UTF-8 is code-point order, which is what Twilio's libraries use).
fn sorted(params: &[(String, String)]) -> Vec<&(String, String)> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_unstable();
    sorted
}

fn sign_sorted(algorithm: Algorithm, key: &str, url: &str, sorted: &[&(String, String)]) -> String {
    match algorithm {
        Algorithm::Sha1 => mac::<Hmac<Sha1>>(key, url, sorted),
        Algorithm::Sha256 => mac::<Hmac<Sha256>>(key, url, sorted),
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(
    key: &str,
    url: &str,
    sorted: &[&(String, String)],
) -> String {
    let mut mac =
        <M as Mac>::new_from_slice(key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(url.as_bytes());
    for (key, value) in sorted {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks an `X-Twilio-Signature` header value signed with the auth token (HMAC-SHA1),
/// in constant time; see [`validate_with`].
pub fn validate(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    validate_with(Algorithm::Sha1, &[auth_token], url, params, signature)
}

/// Checks an `X-Twilio-Signature` header value in constant time against every key in
/// `keys` (two during a rotation).
///
/// Returns `true` if `signature` matches `url` as given, or `url` with the
/// scheme's default port added (when it has no port) or removed (when it has
/// the default port), under one of the keys. Other ports are never changed. An empty
/// signature is always rejected.
pub fn validate_with(
    algorithm: Algorithm,
    keys: &[impl AsRef<str>],
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    if signature.is_empty() {
        return false;
    }
    // Sorted once for every key and URL variant tried.
    let sorted = sorted(params);
    let variant = port_variant(url);
    let mut ok = Choice::from(0);
    for key in keys {
        let matches = |candidate: &str| -> Choice {
            sign_sorted(algorithm, key.as_ref(), candidate, &sorted)
                .as_bytes()
                .ct_eq(signature.as_bytes())
        };
        ok |= matches(url);
        if let Some(variant) = &variant {
            ok |= matches(variant);
        }
    }
    ok.into()
}

/// Returns `url` with the default port added or removed, or `None` when the
/// scheme is not http(s), the URL has userinfo, or it has a non-default port.
fn port_variant(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        "443"
    } else if scheme.eq_ignore_ascii_case("http") {
        "80"
    } else {
        return None;
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return None;
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (port == default_port).then(|| format!("{scheme}://{host}{tail}"))
        }
        _ => Some(format!("{scheme}://{authority}:{default_port}{tail}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn example_params() -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ])
    }

    #[test]
    fn twilio_published_example() {
        assert_eq!(compute(TOKEN, URL, &example_params()), EXPECTED);
        assert!(validate(TOKEN, URL, &example_params(), EXPECTED));
    }

    #[test]
    fn sha256_signs_the_same_string_with_the_other_hash() {
        // Computed independently with Python's hmac module over Twilio's example.
        let want = "033hgUJA9M/hXIZsYjwkerEP/DBm35nEri5FhCYjA5s=";
        let params = example_params();
        assert_eq!(compute_with(Algorithm::Sha256, TOKEN, URL, &params), want);
        assert!(validate_with(
            Algorithm::Sha256,
            &["other", TOKEN],
            URL,
            &params,
            want
        ));
        assert!(!validate_with(
            Algorithm::Sha1,
            &[TOKEN],
            URL,
            &params,
            want
        ));
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert_eq!(
            compute_with(Algorithm::Sha256, TOKEN, with_port, &params),
            "grxRoa/VNtXxd524NGLxIdev83nh23xhrRUVm50Umq4="
        );
        assert!(validate_with(
            Algorithm::Sha256,
            &[TOKEN],
            with_port,
            &params,
            want
        ));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut params = example_params();
        params.reverse();
        params.swap(0, 2);
        assert_eq!(compute(TOKEN, URL, &params), EXPECTED);
    }

    #[test]
    fn repeated_keys_sorted_by_key_then_value() {
        // Vector from twilio-python's tests (MultiDict / Django QueryDict).
        let params = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]);
        assert_eq!(compute(TOKEN, URL, &params), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn dropping_a_repeated_key_fails() {
        let params = pairs(&[("Digits", "5678"), ("Digits", "1234"), ("To", "+1800")]);
        let sig = compute(TOKEN, URL, &params);
        assert!(validate(TOKEN, URL, &params, &sig));
        assert!(!validate(TOKEN, URL, &params[1..], &sig));
        assert!(!validate(TOKEN, URL, &params[..2], &sig));
    }

    #[test]
    fn default_port_removed_when_present() {
        let url = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        assert!(validate(TOKEN, url, &example_params(), EXPECTED));
    }

    #[test]
    fn default_port_added_when_absent() {
        // Vectors from twilio-python's tests: signatures of the URL with :443 / :80.
        assert!(validate(
            TOKEN,
            URL,
            &example_params(),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
        let http = URL.replace("https", "http");
        assert!(validate(
            TOKEN,
            &http,
            &example_params(),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
    }

    #[test]
    fn non_default_port_is_kept() {
        let url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(validate(
            TOKEN,
            url,
            &example_params(),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ));
        let https = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(!validate(TOKEN, https, &example_params(), EXPECTED));
    }

    #[test]
    fn port_variants() {
        let v = |u| port_variant(u);
        assert_eq!(v("https://h?x=1").as_deref(), Some("https://h:443?x=1"));
        assert_eq!(v("http://h:80/p?q").as_deref(), Some("http://h/p?q"));
        assert_eq!(v("https://h").as_deref(), Some("https://h:443"));
        assert_eq!(v("https://[::1]/p").as_deref(), Some("https://[::1]:443/p"));
        assert_eq!(v("https://[::1]:443/p").as_deref(), Some("https://[::1]/p"));
        assert_eq!(v("https://h:8443/p"), None);
        assert_eq!(v("https://u:p@h/p"), None);
        assert_eq!(v("ftp://h/p"), None);
        assert_eq!(v("not a url"), None);
    }

    #[test]
    fn wrong_token_fails() {
        assert!(!validate("54321", URL, &example_params(), EXPECTED));
    }

    #[test]
    fn tampered_value_fails() {
        let mut params = example_params();
        params[2].1 = "9999".into();
        assert!(!validate(TOKEN, URL, &params, EXPECTED));
    }

    #[test]
    fn empty_or_garbage_signature_fails() {
        assert!(!validate(TOKEN, URL, &example_params(), ""));
        assert!(!validate(
            TOKEN,
            URL,
            &example_params(),
            "RSOYDt4T1cUTdK1PDd93"
        ));
        assert!(!validate(TOKEN, "", &[], ""));
    }
}

//! Twilio request signatures (`X-Twilio-Signature`).
//!
//! Twilio signs every webhook request with
//! `base64(HMAC-SHA1(auth_token, url + k1 + v1 + k2 + v2 + ...))`, where the
//! POST parameters are sorted by key. This matches Twilio's own validators
//! (e.g. `twilio-python`'s `RequestValidator`): a repeated key contributes one
//! `key + value` per occurrence, and the values of one key are sorted too, so
//! the pairs are effectively sorted by `(key, value)`.
//!
//! Twilio is inconsistent about whether the signed URL carries the scheme's
//! default port, so [`validate`] accepts the URL as given and the same URL
//! with the default port (`:443` for https, `:80` for http) added or removed.

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::{Choice, ConstantTimeEq};

type HmacSha1 = Hmac<Sha1>;

/// Computes the `X-Twilio-Signature` value for a request.
///
/// `url` is the full URL Twilio requested (including any query string) and
/// `params` the decoded POST parameters, in any order; repeated keys are kept.
pub fn compute(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // Sort by key, then by value for repeated keys (byte order of UTF-8 is
    // code-point order, which is what Twilio's libraries use).
    sorted.sort_unstable();

    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(url.as_bytes());
    for (key, value) in sorted {
        mac.update(key.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks an `X-Twilio-Signature` header value in constant time.
///
/// Returns `true` if `signature` matches `url` as given, or `url` with the
/// scheme's default port added (when it has no port) or removed (when it has
/// the default port). Other ports are never changed. An empty signature is
/// always rejected.
pub fn validate(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    if signature.is_empty() {
        return false;
    }
    let matches = |candidate: &str| -> Choice {
        compute(auth_token, candidate, params)
            .as_bytes()
            .ct_eq(signature.as_bytes())
    };
    let mut ok = matches(url);
    if let Some(variant) = port_variant(url) {
        ok |= matches(&variant);
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

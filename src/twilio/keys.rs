//! Which key and algorithm a Twilio webhook is checked with, and JSON bodies' hash.
//!
//! - No `X-Twilio-Webhooks-Signature-Settings` header: HMAC-SHA1 keyed with the auth
//!   token (and the previous one during a rotation).
//! - With it (`key=…,algorithm=HMAC_SHA256`): the algorithm it names, keyed with the
//!   webhook shared key's secret (and the previous one). Never the auth token: a request
//!   that says it is signed with a shared key is not accepted on the weaker default.
//! - A URL with `bodySHA256` (Twilio's JSON bodies): the signature covers the URL alone
//!   and the body must hash (SHA-256, lowercase hex) to that value.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::signature::{self, Algorithm};

/// The settings header that names a shared key's algorithm.
pub const SETTINGS_HEADER: &str = "x-twilio-webhooks-signature-settings";

/// The secrets a webhook may be signed with; the first of each list is the current one.
pub struct WebhookKeys {
    /// Auth tokens (HMAC-SHA1 by default).
    pub tokens: Vec<String>,
    /// Webhook shared key secrets (the algorithm the settings header names).
    pub shared: Vec<String>,
}

impl WebhookKeys {
    /// Checks `signature` over `url` and `params` (empty for a JSON body) with the key
    /// set and algorithm that `settings` (the settings header, if any) selects.
    pub fn verify(
        &self,
        settings: Option<&str>,
        url: &str,
        params: &[(String, String)],
        signature: &str,
    ) -> Result<(), String> {
        let (algorithm, keys) = match settings {
            None => (Algorithm::Sha1, &self.tokens),
            Some(header) => {
                let algorithm = settings_algorithm(header)?;
                if self.shared.is_empty() {
                    return Err(
                        "the request is signed with a webhook shared key, and no webhook.shared_key is configured"
                            .into(),
                    );
                }
                (algorithm, &self.shared)
            }
        };
        if signature::validate_with(algorithm, keys, url, params, signature) {
            Ok(())
        } else {
            Err("X-Twilio-Signature does not match".into())
        }
    }
}

/// The algorithm named by a `X-Twilio-Webhooks-Signature-Settings` value: comma-separated
/// `name=value` pairs, of which `algorithm` matters (`HMAC_SHA256` or `HMAC_SHA1`).
pub fn settings_algorithm(header: &str) -> Result<Algorithm, String> {
    let named = header
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("algorithm"))
        .map(|(_, value)| value.trim());
    match named {
        Some(a) if a.eq_ignore_ascii_case("HMAC_SHA256") => Ok(Algorithm::Sha256),
        Some(a) if a.eq_ignore_ascii_case("HMAC_SHA1") => Ok(Algorithm::Sha1),
        Some(_) => {
            Err("X-Twilio-Webhooks-Signature-Settings names an unsupported algorithm".into())
        }
        None => Err("X-Twilio-Webhooks-Signature-Settings names no algorithm".into()),
    }
}

/// The `bodySHA256` query parameter of `url`, if it has one.
pub fn body_sha256(url: &str) -> Option<&str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == "bodySHA256")
        .map(|(_, value)| value)
}

/// Whether `body` hashes to `expected` (lowercase or uppercase hex), in constant time.
pub fn body_matches(body: &[u8], expected: &str) -> bool {
    let actual = hex(&Sha256::digest(body));
    actual
        .as_bytes()
        .ct_eq(expected.to_ascii_lowercase().as_bytes())
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn keys() -> WebhookKeys {
        WebhookKeys {
            tokens: vec!["token-new".into(), "token-old".into()],
            shared: vec!["shared-new".into(), "shared-old".into()],
        }
    }

    fn params() -> Vec<(String, String)> {
        vec![("To".into(), "+15550000001".into())]
    }

    #[test]
    fn both_tokens_verify_during_a_rotation_and_a_third_does_not() {
        let k = keys();
        for token in ["token-new", "token-old"] {
            let sig = signature::compute(token, URL, &params());
            assert_eq!(k.verify(None, URL, &params(), &sig), Ok(()));
        }
        let sig = signature::compute("token-other", URL, &params());
        assert!(k.verify(None, URL, &params(), &sig).is_err());
    }

    #[test]
    fn a_shared_key_signature_needs_the_settings_header_and_a_shared_key() {
        let k = keys();
        let settings = Some("key=KS0123,algorithm=HMAC_SHA256");
        for key in ["shared-new", "shared-old"] {
            let sig = signature::compute_with(Algorithm::Sha256, key, URL, &params());
            assert_eq!(k.verify(settings, URL, &params(), &sig), Ok(()));
            assert!(
                k.verify(None, URL, &params(), &sig).is_err(),
                "not as SHA-1"
            );
        }
        // No downgrade: with the header, the auth token is not accepted.
        let sha1 = signature::compute("token-new", URL, &params());
        assert!(k.verify(settings, URL, &params(), &sha1).is_err());
        let sha256_token = signature::compute_with(Algorithm::Sha256, "token-new", URL, &params());
        assert!(k.verify(settings, URL, &params(), &sha256_token).is_err());
        let none = WebhookKeys {
            shared: Vec::new(),
            ..keys()
        };
        let sig = signature::compute_with(Algorithm::Sha256, "shared-new", URL, &params());
        let err = none.verify(settings, URL, &params(), &sig).unwrap_err();
        assert!(err.contains("webhook.shared_key"), "{err}");
    }

    #[test]
    fn the_settings_header_names_the_algorithm() {
        assert_eq!(
            settings_algorithm("key=KS1,algorithm=HMAC_SHA256"),
            Ok(Algorithm::Sha256)
        );
        assert_eq!(
            settings_algorithm(" algorithm = hmac_sha1 "),
            Ok(Algorithm::Sha1)
        );
        assert!(settings_algorithm("key=KS1,algorithm=HMAC_MD5").is_err());
        assert!(settings_algorithm("key=KS1").is_err());
    }

    #[test]
    fn json_bodies_are_checked_against_body_sha256() {
        // twilio-python's and twilio-node's published JSON body vector.
        let body = br#"{"property": "value", "boolean": true}"#;
        let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        let url = format!("{URL}&bodySHA256={hash}");
        assert_eq!(body_sha256(&url), Some(hash));
        assert_eq!(body_sha256(URL), None);
        assert!(body_matches(body, hash));
        assert!(body_matches(body, &hash.to_uppercase()));
        assert!(!body_matches(b"{}", hash));
        let k = WebhookKeys {
            tokens: vec!["12345".into()],
            shared: Vec::new(),
        };
        assert_eq!(
            k.verify(None, &url, &[], "a9nBmqA0ju/hNViExpshrM61xv4="),
            Ok(())
        );
    }
}

//! The paths the server has routes for, by shape, so that an unknown path is a 404 and
//! a 405 only ever means a known path asked with another method. Keep in step with the
//! route modules (tests/bad_input.rs and the route tests hold both to it).

use agentpass_actors::WEBHOOK_PREFIX;

/// Whether some route serves `path` (for some method). `webhooks` are the inbound
/// providers' path segments.
pub fn is_known(path: &str, webhooks: &[String]) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["healthz"] => true,
        [prefix, "sms-notifications", _] if *prefix == WEBHOOK_PREFIX => true,
        [prefix, name] if *prefix == WEBHOOK_PREFIX => webhooks.iter().any(|w| w == name),
        ["v1", "numbers"] | ["v1", "otp"] => true,
        ["v1", "passports", _, "number" | "messages"] => true,
        ["v1", "numbers", _, "wait" | "messages"] => true,
        ["v1", "numbers", _, "messages", _, "ack"] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_shape_is_known_and_nothing_else() {
        let hooks = ["sms-received".to_owned()];
        for known in [
            "/healthz",
            "/webhook/sms-received",
            "/webhook/sms-notifications/%2B15550000001",
            "/v1/numbers",
            "/v1/otp",
            "/v1/passports/ap_1/number",
            "/v1/passports/ap_1/messages",
            "/v1/numbers/+15550000001/wait",
            "/v1/numbers/+15550000001/messages",
            "/v1/numbers/+15550000001/messages/SM1/ack",
        ] {
            assert!(is_known(known, &hooks), "{known}");
        }
        for unknown in [
            "/",
            "/nope",
            "/metrics",
            "/healthz/x",
            "/webhook/other",
            "/v1",
            "/v1/numbers/+1/other",
            "/v1/passports/ap_1",
        ] {
            assert!(!is_known(unknown, &hooks), "{unknown}");
        }
    }
}

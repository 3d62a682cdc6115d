//! Rate limits: failing sources and busy keys are slowed down with 429 and
//! `Retry-After`; a correctly signed webhook is never refused, whatever floods beside it;
//! a limited source is logged once, not once per request.

mod common;

use common::*;

async fn get_with_key(s: &Server, key: &str) -> reqwest::Response {
    client()
        .get(format!("{}/v1/numbers", s.base))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_signatures_are_limited_per_source_and_signed_webhooks_never_are() {
    let s = Server::start(&[("AGENTPASS_LIMITS_FAILED_SIGNATURES_PER_MINUTE", "3")]);
    let n = s.assign("ap_1").await;
    let url = s.webhook_url();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let forged = twilio_params(&sid(&format!("SMbad{i}")), "+14155550100", &n, "forged");
        let r = post_signed(&url, &url, "not-the-token", &forged).await;
        if r.status() == 429 {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
        }
        statuses.push(r.status().as_u16());
        // A genuine webhook in the middle of the flood, from the same address.
        let r = s.sms(&sid(&format!("SMgood{i}")), &n, "genuine").await;
        assert_eq!(r.status(), 200, "signed webhook {i} refused");
    }
    assert_eq!(&statuses[..3], [403, 403, 403]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
    let (_, v) = s
        .get(&format!("/v1/numbers/{}/messages?limit=100", enc(&n)))
        .await;
    let stored = v["messages"].as_array().unwrap();
    assert_eq!(stored.len(), 12, "every genuine one stored, no forged one");
    assert!(
        s.log_contains("rate limited bad webhook signatures from 127.0.0.1")
            .await
    );
    let log = s.log();
    assert_eq!(
        log.matches("rate limited bad webhook signatures").count(),
        1,
        "{log}"
    );
    assert_eq!(
        log.matches("webhook rejected").count(),
        3,
        "one line per unlimited failure"
    );
}

#[tokio::test]
async fn failed_keys_block_the_source_for_a_while_even_with_a_good_key() {
    let s = Server::start(&[("AGENTPASS_LIMITS_FAILED_AUTH_PER_MINUTE", "2")]);
    assert_eq!(get_with_key(&s, &s.key).await.status(), 200);
    assert_eq!(get_with_key(&s, "guess-1").await.status(), 401);
    assert_eq!(get_with_key(&s, "guess-2").await.status(), 401);
    let r = get_with_key(&s, "guess-3").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let (status, v) = status_json(get_with_key(&s, &s.key).await).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (429, Some("rate_limited")),
        "{v}"
    );
    assert!(!s.log().contains(&s.key), "the key is never logged");
}

#[tokio::test]
async fn one_key_is_held_to_its_rate() {
    let s = Server::start(&[("AGENTPASS_LIMITS_REQUESTS_PER_KEY_PER_SECOND", "5")]);
    // All at once, so that a slow machine cannot spread them over seconds.
    let url = format!("{}/v1/numbers", s.base);
    let requests: Vec<_> = (0..30)
        .map(|_| tokio::spawn(client().get(&url).bearer_auth(&s.key).send()))
        .collect();
    let mut limited = 0;
    for r in requests {
        let r = r.await.unwrap().unwrap();
        match r.status().as_u16() {
            200 => {}
            429 => limited += 1,
            other => panic!("status {other}"),
        }
    }
    assert!(
        limited >= 10,
        "30 quick requests against 5/s: {limited} limited"
    );
}

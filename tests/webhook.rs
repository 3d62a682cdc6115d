//! The Twilio webhook end to end: signatures, idempotency, bad input, TwiML.

mod common;

use common::*;

#[tokio::test]
async fn signed_webhook_is_stored_and_answered_with_twiml() {
    let s = Server::start(&[]);
    let health = client()
        .get(format!("{}/healthz", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let n = s.assign("ap_1").await;
    let r = s.sms(&sid("SM1"), &n, "Your code is 123456").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/xml");
    assert_eq!(
        r.text().await.unwrap(),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
    );
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(v["messages"][0]["body"], "Your code is 123456");
    assert!(
        s.log_contains(&format!("Stored SMS {} for {n}", sid("SM1")))
            .await
    );
    assert!(!s.log().contains("123456"), "bodies are not logged at info");
}

#[tokio::test]
async fn bad_signatures_are_403_and_store_nothing() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let url = s.webhook_url();
    let params = twilio_params(&sid("SM1"), "+14155550100", &n, "code 111111");
    // Wrong token.
    let r = post_signed(&url, &url, "not-the-token", &params).await;
    assert_eq!(r.status(), 403);
    // Signed over different parameters (tampered body).
    let sig = agentpass_sms::twilio::signature::compute(&s.token, &url, &params);
    let mut tampered = params.clone();
    tampered[4].1 = "code 999999".into();
    let r = client()
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Missing header.
    let r = client().post(&url).form(&params).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Signed over another URL (e.g. the Host header behind a proxy).
    let r = post_signed(
        &url,
        "https://evil.example/webhook/sms-received",
        &s.token,
        &params,
    )
    .await;
    assert_eq!(r.status(), 403);
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(
        v["messages"].as_array().unwrap().len(),
        0,
        "nothing stored: {v}"
    );
}

#[tokio::test]
async fn reordered_and_repeated_keys_and_default_port_variants_validate() {
    let public = "https://sms.example.com";
    let s = Server::start(&[
        ("AGENTPASS_PUBLIC_BASE_URL", public),
        ("WEBHOOK_SECRET", "s3cret"),
    ]);
    let n = s.assign("ap_1").await;
    let url = s.webhook_url();
    let mut params = twilio_params(&sid("SM1"), "+14155550100", &n, "hello");
    params.reverse();
    params.push(("MediaUrl".into(), "b".into()));
    params.push(("MediaUrl".into(), "a".into()));
    let r = post_signed(
        &url,
        &format!("{public}/webhook/sms-received"),
        "s3cret",
        &params,
    )
    .await;
    assert_eq!(
        r.status(),
        200,
        "signed over the public URL, not the local one"
    );
    let params = twilio_params(&sid("SM2"), "+14155550100", &n, "hello");
    let r = post_signed(
        &url,
        &format!("{public}:443/webhook/sms-received"),
        "s3cret",
        &params,
    )
    .await;
    assert_eq!(r.status(), 200, "Twilio may sign with the default port");
    let r = post_signed(&url, &url, "s3cret", &params).await;
    assert_eq!(r.status(), 403, "the local URL is not what Twilio signs");
}

#[tokio::test]
async fn retried_message_sid_is_a_200_no_op() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    for _ in 0..3 {
        assert_eq!(s.sms(&sid("SM1"), &n, "code 123456").await.status(), 200);
    }
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(v["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_reason() {
    let s = Server::start(&[("AGENTPASS_WEBHOOK_MAX_BODY_BYTES", "2048")]);
    let url = s.webhook_url();
    let p = |to: &str, body: &str| twilio_params(&sid("SM1"), "22000", to, body);
    let (status, v) =
        status_json(post_signed(&url, &url, &s.token, &p("5550000001", "x")).await).await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("E.164"),
        "{v}"
    );
    let mut missing = p("+15550000001", "x");
    missing.retain(|(k, _)| k != "Body");
    let (status, v) = status_json(post_signed(&url, &url, &s.token, &missing).await).await;
    assert_eq!(
        (status, v["error"]["message"].as_str().unwrap()),
        (400, "missing required parameter Body")
    );
    let big = "x".repeat(4096);
    let r = post_signed(&url, &url, &s.token, &p("+15550000001", &big)).await;
    assert_eq!(r.status(), 413);
    let r = client()
        .post(&url)
        .header("X-Twilio-Signature", "x")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("MessageSid=SM9&Body=%FF")
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("UTF-8"),
        "{v}"
    );
}

#[tokio::test]
async fn sms_to_an_unassigned_number_is_kept() {
    let s = Server::start(&[]);
    assert_eq!(
        s.sms(&sid("SM1"), "+15557654321", "to nobody")
            .await
            .status(),
        200
    );
    let (_, v) = s.get("/webhook/sms-notifications/%2B15557654321").await;
    assert_eq!(v["notifications"][0]["body"], "to nobody");
}

#[tokio::test]
async fn sms_send_cli_posts_a_twilio_signed_webhook() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let sms = [
        "sms",
        "send",
        "--to",
        &n,
        "--from",
        "VERIFY",
        "--body",
        "G-482913 is your code",
    ];
    let sid = succeeds(
        command(s.dir.path(), &[])
            .args(sms)
            .args(["--url", &s.webhook_url()]),
    );
    let (status, v) = s.wait(&n, 5000).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["message"]["from"], "VERIFY");
    assert_eq!(v["message"]["id"], sid.trim());
}

#[tokio::test]
async fn a_signed_request_spliced_into_another_message_sid_is_refused() {
    let s = Server::start(&[]);
    let n = s.assign("ap_1").await;
    let url = s.webhook_url();
    let id = sid("SMsplice");
    let params = twilio_params(&id, "+14155550100", &n, "code 111111");
    assert_eq!(
        post_signed(&url, &url, &s.token, &params).await.status(),
        200
    );
    // Drop NumMedia and glue it onto the id: Twilio's signed string is the same.
    let sig = agentpass_sms::twilio::signature::compute(&s.token, &url, &params);
    let spliced: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "NumMedia")
        .map(|(k, v)| match k.as_str() {
            "MessageSid" => (k.clone(), format!("{v}NumMedia0")),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let r = client()
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&spliced)
        .send()
        .await
        .unwrap();
    let (status, v) = status_json(r).await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("MessageSid"),
        "{v}"
    );
    let (_, v) = s.get(&format!("/v1/numbers/{}/messages", enc(&n))).await;
    assert_eq!(
        v["messages"].as_array().unwrap().len(),
        1,
        "one message stored: {v}"
    );
}

#[tokio::test]
async fn sha256_shared_keys_json_bodies_and_two_keys_during_a_rotation_are_accepted() {
    use agentpass_sms::twilio::signature::{compute_with, Algorithm};
    let s = Server::start(&[
        ("TWILIO_AUTH_TOKEN", "token-current"),
        ("TWILIO_PREVIOUS_AUTH_TOKEN", "token-previous"),
        ("AGENTPASS_WEBHOOK_SHARED_KEY", "shared-current"),
        ("AGENTPASS_WEBHOOK_PREVIOUS_SHARED_KEY", "shared-previous"),
    ]);
    let n = s.assign("ap_1").await;
    let url = s.webhook_url();
    let settings = "key=KS00000000000000000000000000000000,algorithm=HMAC_SHA256";
    let post =
        |signature: String, settings: Option<&'static str>, params: Vec<(String, String)>| {
            let mut request = client()
                .post(&url)
                .header("X-Twilio-Signature", signature)
                .form(&params);
            if let Some(value) = settings {
                request = request.header("X-Twilio-Webhooks-Signature-Settings", value);
            }
            async move { request.send().await.unwrap().status().as_u16() }
        };
    let params = |tag: &str| twilio_params(&sid(tag), "+14155550100", &n, "code 246810");
    let cases = [
        ("SHA1CUR", Algorithm::Sha1, "token-current", None, 200),
        ("SHA1PREV", Algorithm::Sha1, "token-previous", None, 200),
        ("SHA1OTHER", Algorithm::Sha1, "token-other", None, 403),
        (
            "SHA256CUR",
            Algorithm::Sha256,
            "shared-current",
            Some(settings),
            200,
        ),
        (
            "SHA256PREV",
            Algorithm::Sha256,
            "shared-previous",
            Some(settings),
            200,
        ),
        // Not a downgrade: with the settings header the auth token does not count.
        (
            "SHA256TOKEN",
            Algorithm::Sha256,
            "token-current",
            Some(settings),
            403,
        ),
        (
            "SHA1TOKENHDR",
            Algorithm::Sha1,
            "token-current",
            Some(settings),
            403,
        ),
        // And a shared-key signature is not accepted without the header.
        (
            "SHA256NOHDR",
            Algorithm::Sha256,
            "shared-current",
            None,
            403,
        ),
    ];
    for (tag, algorithm, key, settings, want) in cases {
        let p = params(tag);
        let signature = compute_with(algorithm, key, &url, &p);
        assert_eq!(post(signature, settings, p).await, want, "{tag}");
    }
    let bad = "key=KS1,algorithm=HMAC_MD5";
    let p = params("MD5");
    let signature = compute_with(Algorithm::Sha256, "shared-current", &url, &p);
    assert_eq!(
        post(signature, Some(bad), p).await,
        403,
        "unknown algorithm"
    );

    // A JSON body: signed over the URL with bodySHA256, the body checked against it.
    let body = serde_json::json!({
        "MessageSid": sid("JSON1"), "From": "+14155550100", "To": n, "Body": "json code 135790",
        "NumMedia": 0,
    })
    .to_string();
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(body.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    let json_url = format!("{url}?bodySHA256={hash}");
    let signature = compute_with(Algorithm::Sha1, "token-current", &json_url, &[]);
    let send_json = |body: String, signature: String| {
        let request = client()
            .post(&json_url)
            .header("X-Twilio-Signature", signature)
            .header("content-type", "application/json")
            .body(body);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let tampered = body.replace("135790", "999999");
    assert_eq!(
        send_json(tampered, signature.clone()).await,
        403,
        "body hash"
    );
    assert_eq!(send_json(body, signature).await, 200);

    let (_, v) = s
        .get(&format!("/v1/numbers/{}/messages?limit=100", enc(&n)))
        .await;
    let mut stored: Vec<&str> = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    stored.sort_unstable();
    let mut want: Vec<String> = ["SHA1CUR", "SHA1PREV", "SHA256CUR", "SHA256PREV", "JSON1"]
        .iter()
        .map(|t| sid(t))
        .collect();
    want.sort_unstable();
    assert_eq!(stored, want, "exactly the accepted ones are stored");
    let json = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == sid("JSON1").as_str())
        .unwrap();
    assert_eq!(json["body"], "json code 135790");
    assert!(!s.log().contains("shared-current") && !s.log().contains("token-previous"));
}

//! The Twilio client and provider against an in-test fake Twilio speaking Twilio's
//! wire format (see `fake_twilio`).

mod fake_twilio;

use std::time::{Duration, Instant};

use agentpass_actors::provider::{
    provision, NumberProvider, OwnedNumber, ProviderError, SearchQuery,
};
use agentpass_sms::twilio::dates::parse_rfc2822;
use agentpass_sms::twilio::{
    AuthToken, TwilioApiError, TwilioClient, TwilioConfig, TwilioError, TwilioProvider,
};
use fake_twilio::{basic_auth, message, FakeTwilio, PUBLIC, SID, TOKEN};
use serde_json::json;

fn us(area: Option<&str>) -> SearchQuery {
    SearchQuery {
        country: "US".into(),
        area_code: area.map(Into::into),
        calling_code: Some("1".into()),
    }
}

fn webhook() -> String {
    format!("{PUBLIC}/webhook/sms-received")
}

#[tokio::test]
async fn search_then_buy_speaks_twilio_wire_format() {
    let fake = FakeTwilio::start().await;
    let provider = fake.provider();
    assert_eq!((provider.name(), provider.billable()), ("twilio", true));

    let owned = provision(&provider, &us(Some("415"))).await.unwrap();
    assert_eq!(owned.phone_number, "+14155550101");
    assert!(owned.provider_id.starts_with("PN") && owned.provider_id.len() == 34);

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2, "{reqs:#?}");
    let (search, buy) = (&reqs[0], &reqs[1]);
    assert_eq!(search.method, "GET");
    assert_eq!(
        search.path,
        format!("/2010-04-01/Accounts/{SID}/AvailablePhoneNumbers/US/Local.json")
    );
    assert_eq!(search.query("SmsEnabled"), Some("true"));
    assert_eq!(search.query("AreaCode"), Some("415"));
    assert_eq!(buy.method, "POST");
    assert_eq!(
        buy.path,
        format!("/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers.json")
    );
    assert_eq!(
        buy.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(buy.form("PhoneNumber"), Some("+14155550101"));
    assert_eq!(buy.form("SmsUrl"), Some(webhook().as_str()));
    assert_eq!(buy.form("SmsMethod"), Some("POST"));
    for r in &reqs {
        assert_eq!(
            r.authorization.as_deref(),
            Some(basic_auth(SID, TOKEN).as_str())
        );
    }
    assert_eq!(fake.state().owned[0].sms_url, webhook());
}

#[tokio::test]
async fn search_reads_lenient_fields_and_no_area_code() {
    let fake = FakeTwilio::start().await;
    let found = fake.client().search_local("us", None).await.unwrap();
    assert_eq!(found.len(), 2);
    // One candidate has string coordinates, the other numbers; both parse.
    assert!(found
        .iter()
        .all(|n| n.latitude == Some(37.77) && n.longitude == Some(-122.42)));
    assert!(found
        .iter()
        .all(|n| n.capabilities.as_ref().unwrap().sms == Some(true)));
    assert_eq!(fake.requests()[0].query("AreaCode"), None);
    let bad = fake
        .client()
        .search_local("US", Some("4a5"))
        .await
        .unwrap_err();
    assert!(matches!(bad, TwilioError::InvalidInput(_)), "{bad}");
}

#[tokio::test]
async fn number_taken_21422_moves_on_to_the_next_candidate() {
    let fake = FakeTwilio::start().await;
    fake.state().unavailable = vec!["+14155550100".into()];
    let provider = fake.provider();
    assert_eq!(
        provider.buy("+14155550100").await,
        Err(ProviderError::NumberUnavailable("+14155550100".into()))
    );
    let owned = provision(&provider, &us(None)).await.unwrap();
    assert_eq!(owned.phone_number, "+14155550101");
    let buys: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    let asked: Vec<_> = buys
        .iter()
        .map(|r| r.form("PhoneNumber").unwrap().to_owned())
        .collect();
    assert_eq!(asked, ["+14155550100", "+14155550100", "+14155550101"]);
}

#[tokio::test]
async fn purchase_reply_names_the_number_bought() {
    let fake = FakeTwilio::start().await;
    let sid = format!("PN{}", "b".repeat(32));
    fake.state().fail_next = Some((
        201,
        json!({"sid": sid, "phone_number": "+18089255327", "sms_url": ""}),
    ));
    let owned = fake.provider().buy("+14155550101").await.unwrap();
    assert_eq!(
        owned,
        OwnedNumber {
            phone_number: "+18089255327".into(),
            provider_id: sid
        }
    );
}

#[tokio::test]
async fn refused_credentials_are_unauthorized_with_a_clear_message() {
    let fake = FakeTwilio::start().await;
    let client = TwilioClient::new(fake.config("wrong-token-1234")).unwrap();
    let provider = TwilioProvider::new(client.clone(), PUBLIC);
    assert_eq!(
        provider.search(&us(None)).await,
        Err(ProviderError::Unauthorized)
    );
    let err = client.fetch_account().await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, TwilioError::Unauthorized { .. }), "{err:?}");
    assert!(
        text.contains("check the account SID and auth token"),
        "{text}"
    );
    assert!(
        text.contains(SID) && text.contains("HTTP 401") && text.contains("20003"),
        "{text}"
    );
    let report = client.check(&["+14155550101".into()], PUBLIC).await;
    assert!(!report.is_ok() && report.account.is_err() && report.numbers.is_empty());
    for shown in [
        text,
        format!("{err:?}"),
        format!("{client:?}"),
        format!("{report:?}"),
    ] {
        assert!(!shown.contains("wrong-token-1234"), "{shown}");
    }
}

#[tokio::test]
async fn rate_limited_twice_then_success_backs_off() {
    let fake = FakeTwilio::start().await;
    fake.state().rate_limit_next = 2;
    let started = Instant::now();
    let found = fake.provider().search(&us(None)).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(fake.requests().len(), 3);
    // Backoff base 10 ms: ≥ 5 ms + 10 ms with jitter, far below a second.
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(15) && elapsed < Duration::from_secs(1),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn rate_limit_gives_up_after_bounded_attempts() {
    let fake = FakeTwilio::start().await;
    fake.state().rate_limit_next = 100;
    let err = fake.client().fetch_account().await.unwrap_err();
    assert_eq!(
        err,
        TwilioError::RateLimited {
            attempts: 4,
            retry_after: None
        }
    );
    assert_eq!(fake.requests().len(), 4);
    assert_eq!(
        fake.provider().search(&us(None)).await,
        Err(ProviderError::RateLimited)
    );
}

#[tokio::test]
async fn retry_after_is_honoured_or_ends_retries_when_too_long() {
    let fake = FakeTwilio::start().await;
    {
        let mut state = fake.state();
        state.rate_limit_next = 1;
        state.retry_after = Some("1".into());
    }
    let started = Instant::now();
    fake.client().fetch_account().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );

    // Longer than the policy's max_delay (2 s): give up at once, say how long.
    {
        let mut state = fake.state();
        state.rate_limit_next = 1;
        state.retry_after = Some("30".into());
        state.requests.clear();
    }
    let err = fake.client().fetch_account().await.unwrap_err();
    assert_eq!(
        err,
        TwilioError::RateLimited {
            attempts: 1,
            retry_after: Some(Duration::from_secs(30))
        }
    );
    assert!(err.to_string().contains("asked to wait 30s"), "{err}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn other_errors_carry_twilio_code_and_message() {
    let fake = FakeTwilio::start().await;
    let body = json!({"code": 21452, "message": "No international authorization",
        "more_info": "https://www.twilio.com/docs/errors/21452", "status": 400});
    fake.state().fail_next = Some((400, body.clone()));
    let err = fake
        .client()
        .buy_number("+14155550101", &webhook())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        TwilioError::Api(TwilioApiError {
            status: 400,
            code: Some(21452),
            message: "No international authorization".into(),
            more_info: Some("https://www.twilio.com/docs/errors/21452".into()),
        })
    );
    fake.state().fail_next = Some((400, body));
    let Err(ProviderError::Other(text)) = fake.provider().buy("+14155550101").await else {
        panic!("expected Other");
    };
    assert!(
        text.contains("21452") && text.contains("No international authorization"),
        "{text}"
    );

    // A body that is not Twilio's (a proxy page) still yields status and text.
    fake.state().fail_next = Some((502, json!("Bad gateway")));
    let err = fake.client().fetch_account().await.unwrap_err();
    assert!(
        matches!(&err, TwilioError::Api(e) if e.status == 502 && e.code.is_none() && e.message.contains("Bad gateway")),
        "{err:?}"
    );
}

#[tokio::test]
async fn auth_token_never_shows_in_debug_errors_or_account() {
    let fake = FakeTwilio::start().await;
    let client = fake.client();
    fake.state().fail_next = Some((
        400,
        json!({"code": 20001, "message": format!("bad value {TOKEN}")}),
    ));
    let err = client.fetch_account().await.unwrap_err();
    // Twilio's account reply includes the auth token; it is dropped while parsing.
    let account = client.fetch_account().await.unwrap();
    assert_eq!(account.sid.as_deref(), Some(SID));
    let shown = [
        err.to_string(),
        format!("{err:?}"),
        format!("{client:?}"),
        format!("{account:?}"),
        format!("{:?}", fake.config(TOKEN)),
        format!("{:?}", fake.provider()),
    ];
    for s in shown {
        assert!(!s.contains(TOKEN), "{s}");
    }
    assert!(err.to_string().contains("<redacted>"));
}

#[tokio::test]
async fn lists_inbound_messages_across_pages() {
    let fake = FakeTwilio::start().await;
    let to = "+14155550101";
    let at = "Fri, 24 May 2019 17:44:50 +0000";
    {
        let mut state = fake.state();
        state.page_size = 2;
        let mut filtered = message("SM3", "inbound", "failed", to, at);
        filtered["error_code"] = json!(30038);
        filtered["error_message"] = json!("OTP message body filtered");
        filtered["body"] = json!("");
        state.messages = vec![
            message("SM1", "inbound", "received", to, at),
            message("SM2", "outbound-api", "sent", "+12019235161", at),
            filtered,
            message(
                "SM4",
                "inbound",
                "received",
                to,
                "Thu, 23 May 2019 10:00:00 +0000",
            ),
            message("SM5", "inbound", "receiving", to, at),
            message("MM6", "inbound", "received", to, at),
        ];
    }
    let since = parse_rfc2822("Fri, 24 May 2019 17:00:00 +0000").unwrap() + 123;
    let inbound = fake.provider().list_recent_inbound(since).await.unwrap();
    let ids: Vec<_> = inbound.iter().map(|m| m.sms_id.as_str()).collect();
    assert_eq!(ids, ["SM1", "SM3", "MM6"]);
    assert_eq!(
        (inbound[0].to.as_str(), inbound[0].from.as_str()),
        (to, "+12019235161")
    );
    assert_eq!(inbound[0].body, "body of SM1");
    let extra = |k: &str| {
        inbound[1]
            .extra
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(extra("ErrorCode"), Some("30038"));
    assert_eq!(extra("ErrorMessage"), Some("OTP message body filtered"));
    assert_eq!(extra("SmsStatus"), Some("failed"));

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3, "one listing, three pages");
    for (i, r) in reqs.iter().enumerate() {
        assert_eq!(r.path, format!("/2010-04-01/Accounts/{SID}/Messages.json"));
        assert_eq!(
            r.query("DateSent>"),
            Some("2019-05-24T17:00:00Z"),
            "page {i}"
        );
    }
    assert_eq!(reqs[2].query("Page"), Some("2"));
}

#[tokio::test]
async fn check_and_sync_webhooks_update_sms_url() {
    let fake = FakeTwilio::start().await;
    let (a, b, c, d) = (
        "+14155550201",
        "+14155550202",
        "+14155550203",
        "+14155550204",
    );
    {
        let mut state = fake.state();
        state.page_size = 2;
        state.own(a, "https://old.example.com/sms");
        state.own(b, &webhook());
        state.own(d, &webhook());
        state.owned[2].sms_application_sid = format!("AP{}", "c".repeat(32));
        state.own("+14155550299", "https://other.example.com");
    }
    let pool: Vec<String> = [a, b, c, d].map(String::from).to_vec();
    let client = fake.client();
    let report = client.check(&pool, PUBLIC).await;
    assert!(report.account.is_ok() && !report.is_ok());
    assert_eq!(report.expected_sms_url, webhook());
    let ok: Vec<_> = report
        .numbers
        .iter()
        .map(|n| (n.found.is_some(), n.is_ok()))
        .collect();
    assert_eq!(
        ok,
        [(true, false), (true, true), (false, false), (true, false)]
    );
    assert!(report.numbers[0]
        .to_string()
        .contains("https://old.example.com/sms"));
    assert!(report.numbers[3].to_string().contains("overrides SmsUrl"));

    let sync = client
        .sync_webhooks(&pool, &format!("{PUBLIC}/"))
        .await
        .unwrap();
    assert_eq!(
        (sync.updated, sync.unchanged),
        (vec![a.to_owned()], vec![b.to_owned(), d.to_owned()])
    );
    assert_eq!(
        (sync.missing, sync.application_overrides),
        (vec![c.to_owned()], vec![d.to_owned()])
    );
    assert!(sync.failed.is_empty());
    let update = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let a_sid = fake.state().owned[0].sid.clone();
    assert_eq!(
        update.path,
        format!("/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers/{a_sid}.json")
    );
    assert_eq!(
        (update.form("SmsUrl"), update.form("SmsMethod")),
        (Some(webhook().as_str()), Some("POST"))
    );
    assert!(client.check(&pool, PUBLIC).await.numbers[0].is_ok());
}

#[tokio::test]
async fn release_deletes_and_is_idempotent() {
    let fake = FakeTwilio::start().await;
    let sid = fake.state().own("+14155550301", &webhook());
    let number = OwnedNumber {
        phone_number: "+14155550301".into(),
        provider_id: sid.clone(),
    };
    let provider = fake.provider();
    provider.release(&number).await.unwrap();
    assert!(fake.state().owned.is_empty());
    let del = fake.requests().pop().unwrap();
    assert_eq!(
        (del.method.as_str(), del.path),
        (
            "DELETE",
            format!("/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers/{sid}.json")
        )
    );
    provider.release(&number).await.unwrap(); // 404 20404: already gone
    let mock = OwnedNumber {
        phone_number: "+15550000001".into(),
        provider_id: "mock-+15550000001".into(),
    };
    assert!(matches!(
        provider.release(&mock).await,
        Err(ProviderError::Other(_))
    ));
    assert_eq!(fake.requests().len(), 2, "an invalid SID is never sent");
}

#[tokio::test]
async fn request_timeout_is_a_transport_error() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config =
        TwilioConfig::new(SID, AuthToken::new(TOKEN)).with_api_base(format!("http://{addr}"));
    config.request_timeout = Duration::from_millis(200);
    let err = TwilioClient::new(config)
        .unwrap()
        .fetch_account()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TwilioError::Transport(t) if t.contains("timed out")),
        "{err}"
    );
}

#[test]
fn invalid_configuration_is_refused() {
    let token = || AuthToken::new(TOKEN);
    let bad = [
        TwilioConfig::new("AC123", token()),
        TwilioConfig::new(SID, AuthToken::new("")),
        TwilioConfig::new(SID, token()).with_api_base("https://api.twilio.com/2010-04-01"),
        TwilioConfig::new(SID, token()).with_api_base("api.twilio.com"),
    ];
    for config in bad {
        let err = TwilioClient::new(config).unwrap_err();
        assert!(matches!(err, TwilioError::Config(_)), "{err}");
    }
    let ok = TwilioConfig::new(SID, token()).with_api_base("https://api.twilio.com/");
    assert!(TwilioClient::new(ok).is_ok());
}

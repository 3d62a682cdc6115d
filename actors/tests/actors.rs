//! In-process tests of the actor system on tokio's paused clock.

use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::store::sled::SledStore;
use agentpass_actors::{
    Filter, InboundSms, Ingested, LineType, MockProvider, PoolError, SearchQuery, Service,
    ServiceConfig, Settings, Store, WaitError,
};
use tempfile::TempDir;

const SEC: Duration = Duration::from_secs(1);

async fn start(dir: &TempDir) -> Service {
    start_with(dir, Duration::from_secs(7 * 86400)).await
}

async fn start_with(dir: &TempDir, history_retention: Duration) -> Service {
    let config = ServiceConfig {
        settings: Settings::default(),
        numbers: Vec::new(),
        history_retention,
        purge_interval: Duration::from_secs(600),
    };
    let store = SledStore::open(dir.path(), 8 << 20).unwrap();
    let numbers = store.numbers().await.unwrap();
    let provider = MockProvider::after(numbers.iter().map(|(n, _)| n.as_str()));
    Service::start(Arc::new(store), config, Arc::new(provider))
        .await
        .unwrap()
}

fn sms(id: &str, to: &str, body: &str) -> InboundSms {
    InboundSms {
        sms_id: id.into(),
        to: to.into(),
        from: "+14155550100".into(),
        body: body.into(),
        extra: vec![],
        received_at: None,
        failure: None,
    }
}

async fn wait(svc: &Service, number: &str, secs: u64) -> Result<String, WaitError> {
    let d = svc
        .wait(number, Filter::default(), Duration::from_secs(secs), None)
        .await?;
    Ok(d.sms.body)
}

#[tokio::test(start_paused = true)]
async fn assignment_is_sticky_distinct_and_in_allocation_order() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let a = svc.assign("ap_a").await.unwrap();
    let b = svc.assign("ap_b").await.unwrap();
    assert_eq!(a.phone_number, "+15550000001");
    assert_eq!(b.phone_number, "+15550000002");
    assert_eq!(svc.assign("ap_a").await.unwrap(), a);
    assert!(matches!(
        svc.assign("").await,
        Err(PoolError::InvalidPassport(_))
    ));
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn message_before_wait_is_delivered_once_and_never_again() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    assert!(matches!(
        svc.ingest(sms("SM1", &n, "code 111111")).await,
        Ok(Ingested::Stored(_))
    ));
    assert!(matches!(
        svc.ingest(sms("SM1", &n, "code 111111")).await,
        Ok(Ingested::Duplicate(_))
    ));
    assert_eq!(wait(&svc, &n, 30).await.unwrap(), "code 111111");
    let err = wait(&svc, &n, 30).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Wait for SMS failed: Timed out waiting for SMS to {n}")
    );
    assert!(svc
        .store()
        .message(&n, "SM1")
        .await
        .unwrap()
        .unwrap()
        .retrieved_at
        .is_some());
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn waiter_gets_message_pushed_and_actor_stops_when_idle() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let (s2, n2) = (svc.clone(), n.clone());
    let waiting = tokio::spawn(async move { wait(&s2, &n2, 30).await });
    tokio::time::sleep(SEC).await;
    assert_eq!(
        svc.live_actors(),
        1,
        "a waiter keeps its number's actor alive"
    );
    svc.ingest(sms("SM1", &n, "hello")).await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap(), "hello");
    tokio::time::sleep(SEC).await;
    assert!(!svc.is_active(&n), "idle actor stopped");
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn two_waiters_one_message_exactly_one_gets_it() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let spawn_wait =
        |s: Arc<Service>, n: String| tokio::spawn(async move { wait(&s, &n, 10).await });
    let w1 = spawn_wait(svc.clone(), n.clone());
    let w2 = spawn_wait(svc.clone(), n.clone());
    tokio::time::sleep(SEC).await;
    svc.ingest(sms("SM1", &n, "only one")).await.unwrap();
    let results = [w1.await.unwrap(), w2.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(WaitError::Timeout(_)))));
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cancelled_waiter_does_not_use_a_message_up() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let (s2, n2) = (svc.clone(), n.clone());
    let cancelled = tokio::spawn(async move { wait(&s2, &n2, 30).await });
    tokio::time::sleep(SEC).await;
    cancelled.abort();
    let _ = cancelled.await;
    svc.ingest(sms("SM1", &n, "for the next one"))
        .await
        .unwrap();
    assert_eq!(wait(&svc, &n, 5).await.unwrap(), "for the next one");
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn filters_select_by_sender_substring_and_time() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let mut other = sms("SM1", &n, "Promo");
    other.from = "22000".into();
    svc.ingest(other).await.unwrap();
    svc.ingest(sms("SM2", &n, "Your CODE is 123456"))
        .await
        .unwrap();
    let f = Filter::new(Some("+14155550100".into()), Some("code".into()), None);
    let got = svc.wait(&n, f, 5 * SEC, None).await.unwrap();
    assert_eq!(got.sms.sms_id, "SM2");
    let later = svc.clock().now_ms() + 1;
    let f = Filter::new(None, None, Some(later));
    assert!(matches!(
        svc.wait(&n, f, 5 * SEC, None).await,
        Err(WaitError::Timeout(_))
    ));
    assert_eq!(wait(&svc, &n, 5).await.unwrap(), "Promo");
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn stale_messages_are_not_waited_for_but_stay_in_the_poll_route() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    svc.ingest(sms("SM1", &n, "old code 111111")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(301)).await;
    assert!(matches!(
        wait(&svc, &n, 5).await,
        Err(WaitError::Timeout(_))
    ));
    let drained = svc.drain(&n).await.unwrap();
    assert_eq!(drained.len(), 1);
    assert!(
        svc.drain(&n).await.unwrap().is_empty(),
        "drain marks retrieved"
    );
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn release_ends_waiters_and_quarantine_hides_old_messages() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let (s2, n2) = (svc.clone(), n.clone());
    let waiting = tokio::spawn(async move { wait(&s2, &n2, 60).await });
    tokio::time::sleep(SEC).await;
    svc.release("ap_a").await.unwrap();
    assert_eq!(waiting.await.unwrap(), Err(WaitError::Released(n.clone())));
    // Late SMS for the old owner, during quarantine.
    svc.ingest(sms("SM_LATE", &n, "old owner's code 999999"))
        .await
        .unwrap();
    let late = svc.store().message(&n, "SM_LATE").await.unwrap().unwrap();
    assert_eq!(late.passport.as_deref(), Some("ap_a"));
    // Another passport gets a different number while quarantine lasts.
    assert_ne!(svc.assign("ap_b").await.unwrap().phone_number, n);
    svc.release("ap_b").await.unwrap();
    tokio::time::sleep(Duration::from_secs(601)).await;
    let c = svc.assign("ap_c").await.unwrap();
    assert_eq!(
        c.phone_number, n,
        "quarantine over: lowest-ordered number reused"
    );
    assert!(
        matches!(wait(&svc, &n, 2).await, Err(WaitError::Timeout(_))),
        "no old SMS for new owner"
    );
    assert!(svc.drain(&n).await.unwrap().is_empty());
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn passport_asking_again_in_quarantine_gets_its_number_back() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let a = svc.assign("ap_a").await.unwrap();
    svc.release("ap_a").await.unwrap();
    assert_eq!(svc.assign("ap_a").await.unwrap(), a);
    assert!(matches!(
        svc.release("ap_x").await,
        Err(PoolError::NotAssigned(_))
    ));
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn killed_actor_is_respawned_and_its_waiter_still_gets_the_message() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let (s2, n2) = (svc.clone(), n.clone());
    let waiting = tokio::spawn(async move { wait(&s2, &n2, 30).await });
    tokio::time::sleep(SEC).await;
    assert!(svc.kill_actor(&n), "the waiter's actor is live");
    tokio::time::sleep(SEC).await;
    svc.ingest(sms("SM1", &n, "survives")).await.unwrap();
    assert_eq!(waiting.await.unwrap().unwrap(), "survives");
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn unacknowledged_claim_is_offered_again_and_ack_records_delivery() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    svc.ingest(sms("SM1", &n, "leased")).await.unwrap();
    let lease = Some(10 * SEC);
    let first = svc
        .wait(&n, Filter::default(), 5 * SEC, lease)
        .await
        .unwrap();
    assert!(first.claim.is_some());
    assert!(matches!(
        svc.wait(&n, Filter::default(), 5 * SEC, lease).await,
        Err(WaitError::Timeout(_))
    ));
    tokio::time::sleep(6 * SEC).await; // lease (10 s) has now expired
    let again = svc
        .wait(&n, Filter::default(), 5 * SEC, lease)
        .await
        .unwrap();
    assert_eq!(again.sms.sms_id, "SM1");
    let stale = first.claim.unwrap();
    assert!(
        svc.ack(&n, "SM1", &stale.id).await.is_err(),
        "expired claim cannot be acked"
    );
    let acked = svc.ack(&n, "SM1", &again.claim.unwrap().id).await.unwrap();
    assert!(acked.retrieved_at.is_some());
    assert!(matches!(
        svc.wait(&n, Filter::default(), 2 * SEC, lease).await,
        Err(WaitError::Timeout(_))
    ));
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn cleanup_timer_empties_the_inbox_and_stops_the_actor() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    assert!(matches!(
        wait(&svc, &n, 1).await,
        Err(WaitError::Timeout(_))
    ));
    tokio::time::sleep(SEC).await;
    assert!(!svc.is_active(&n));
    // A message arriving while the actor runs is held until retention ends.
    let svc = Arc::new(svc);
    let (s2, n2) = (svc.clone(), n.clone());
    let f = Filter::new(Some("nobody".into()), None, None);
    let waiting = tokio::spawn(async move { s2.wait(&n2, f, SEC, None).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    svc.ingest(sms("SM1", &n, "unclaimed")).await.unwrap();
    assert!(waiting.await.unwrap().is_err());
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(svc.is_active(&n), "inbox holds a message: actor stays");
    tokio::time::sleep(Duration::from_secs(300)).await;
    assert!(
        !svc.is_active(&n),
        "retention passed: inbox empty, actor stopped"
    );
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn restart_keeps_assignments_and_undelivered_messages() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    svc.release(&svc.assign("ap_b").await.unwrap().passport_id)
        .await
        .unwrap();
    svc.ingest(sms("SM1", &n, "kept")).await.unwrap();
    svc.shutdown().await;
    drop(svc);
    let svc = start(&dir).await;
    assert_eq!(svc.assign("ap_a").await.unwrap().phone_number, n);
    assert_eq!(wait(&svc, &n, 5).await.unwrap(), "kept");
    let c = svc.assign("ap_c").await.unwrap().phone_number;
    assert_eq!(
        c, "+15550000003",
        "quarantined number stays quarantined across restart"
    );
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_ends_waiters_with_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let (s2, n2) = (svc.clone(), n.clone());
    let waiting = tokio::spawn(async move { wait(&s2, &n2, 30).await });
    tokio::time::sleep(SEC).await;
    svc.shutdown().await;
    assert_eq!(waiting.await.unwrap(), Err(WaitError::Shutdown));
}

#[tokio::test(start_paused = true)]
async fn unassigned_number_messages_are_kept_unattributed() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    svc.ingest(sms("SM1", "+15559999999", "to nobody"))
        .await
        .unwrap();
    let stored = svc
        .store()
        .message("+15559999999", "SM1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.passport, None);
    assert_eq!(svc.drain("+15559999999").await.unwrap().len(), 1);
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn history_older_than_the_retention_is_purged() {
    let dir = TempDir::new().unwrap();
    let svc = start_with(&dir, Duration::from_secs(3600)).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    svc.ingest(sms("SM_OLD", &n, "old")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1800)).await;
    svc.ingest(sms("SM_NEW", &n, "new")).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2500)).await; // past the purge at 4200 s
    assert!(
        svc.store().message(&n, "SM_OLD").await.unwrap().is_none(),
        "older than 1h: purged"
    );
    assert!(
        svc.store().message(&n, "SM_NEW").await.unwrap().is_some(),
        "40 min old: kept"
    );
    let page = svc.passport_history("ap_a", None, 10).await.unwrap();
    assert_eq!(page.messages.len(), 1, "indexes purged too");
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_body_test_leaves_other_messages_for_other_waiters() {
    let dir = TempDir::new().unwrap();
    let svc = start(&dir).await;
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    svc.ingest(sms("SM1", &n, "Welcome aboard")).await.unwrap();
    svc.ingest(sms("SM2", &n, "Your code is 123456"))
        .await
        .unwrap();
    let with_digits = Filter::default().with_body_test(|b| b.chars().any(|c| c.is_ascii_digit()));
    let got = svc.wait(&n, with_digits, 5 * SEC, None).await.unwrap();
    assert_eq!(got.sms.sms_id, "SM2");
    assert_eq!(wait(&svc, &n, 5).await.unwrap(), "Welcome aboard");
    svc.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_message_the_provider_filtered_ends_the_wait_with_a_distinct_error() {
    let dir = TempDir::new().unwrap();
    let svc = Arc::new(start(&dir).await);
    let n = svc.assign("ap_a").await.unwrap().phone_number;
    let (s2, n2) = (svc.clone(), n.clone());
    let f = Filter::new(None, Some("code".into()), None);
    let waiting = tokio::spawn(async move { s2.wait(&n2, f, 30 * SEC, None).await });
    tokio::time::sleep(SEC).await;
    let mut filtered = sms("SM_F", &n, "");
    filtered.failure = Some(agentpass_actors::ProviderFailure {
        code: Some(30038),
        message: "OTP message body filtered".into(),
    });
    svc.ingest(filtered).await.unwrap();
    let err = waiting.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            WaitError::ProviderFiltered {
                code: Some(30038),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("30038") && err.to_string().contains(&n),
        "{err}"
    );
    assert!(
        matches!(wait(&svc, &n, 1).await, Err(WaitError::Timeout(_))),
        "reported once"
    );
    svc.shutdown().await;
}

/// A service whose pool starts with `numbers` (mock numbers are bought after them).
async fn start_with_numbers(dir: &TempDir, numbers: &[&str], settings: Settings) -> Service {
    let config = ServiceConfig {
        settings,
        numbers: numbers.iter().map(|n| n.to_string()).collect(),
        history_retention: Duration::from_secs(86400),
        purge_interval: Duration::from_secs(600),
    };
    let store = SledStore::open(dir.path(), 8 << 20).unwrap();
    let provider = MockProvider::after(numbers.iter().copied());
    Service::start(Arc::new(store), config, Arc::new(provider))
        .await
        .unwrap()
}

fn query(country: &str, calling_code: &str, area_code: Option<&str>) -> SearchQuery {
    SearchQuery {
        country: country.into(),
        area_code: area_code.map(Into::into),
        calling_code: Some(calling_code.into()),
    }
}

#[tokio::test(start_paused = true)]
async fn a_wanted_country_picks_a_fitting_free_number_or_buys_one_there_and_stickiness_wins() {
    let dir = TempDir::new().unwrap();
    let numbers = ["+15550000001", "+442071234567"];
    let svc = start_with_numbers(&dir, &numbers, Settings::default()).await;
    let gb = query("GB", "44", None);
    // A free number in the country is taken before an earlier one elsewhere.
    let a = svc
        .assign_fitting("ap_gb", Some(gb.clone()), LineType::Any)
        .await
        .unwrap();
    assert_eq!(a.phone_number, "+442071234567");
    // None free there: one is bought in that country (mock: its calling code) ...
    let b = svc
        .assign_fitting("ap_gb2", Some(gb.clone()), LineType::Any)
        .await
        .unwrap();
    assert!(b.phone_number.starts_with("+44555"), "{b:?}");
    let sf = query("US", "1", Some("415"));
    let c = svc
        .assign_fitting("ap_sf", Some(sf), LineType::Any)
        .await
        .unwrap();
    assert!(c.phone_number.starts_with("+1415"), "{c:?}");
    // ... and the free US number was left for a request that does not care.
    assert_eq!(
        svc.assign("ap_any").await.unwrap().phone_number,
        "+15550000001"
    );
    // A passport keeps its number whatever it asks for next.
    let again = svc
        .assign_fitting("ap_gb", Some(query("DE", "49", None)), LineType::Any)
        .await;
    assert_eq!(again.unwrap(), a);
    assert_eq!(svc.numbers().await.unwrap().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_mobile_line_is_only_a_sim_never_bought_and_local_never_a_sim() {
    let dir = TempDir::new().unwrap();
    let sims = ["+15557770001".to_owned()];
    let settings = Settings {
        sim_numbers: sims.iter().cloned().collect(),
        ..Settings::default()
    };
    let svc = start_with_numbers(&dir, &["+15557770001", "+15550000009"], settings).await;
    // `local` passes over the free SIM (first in pool order) for the other number.
    let local = svc.assign_fitting("ap_local", None, LineType::Local).await;
    assert_eq!(local.unwrap().phone_number, "+15550000009");
    let sim = svc.assign_fitting("ap_sim", None, LineType::Mobile).await;
    assert_eq!(sim.unwrap().phone_number, "+15557770001");
    // No SIM left: a clear refusal, and nothing bought.
    let none = svc.assign_fitting("ap_sim2", None, LineType::Mobile).await;
    assert_eq!(none, Err(PoolError::NoSimFree));
    assert_eq!(svc.numbers().await.unwrap().len(), 2);
    // `local` with nothing free buys one, which is never a SIM.
    let bought = svc.assign_fitting("ap_local2", None, LineType::Local).await;
    assert!(!sims.contains(&bought.unwrap().phone_number));
}

//! The conformance suite: what every [`Store`] backend must do, as async cases that take
//! a fresh, empty store. A backend's tests run them all with
//! [`store_conformance_suite!`](crate::store_conformance_suite):
//!
//! ```ignore
//! agentpass_actors::store_conformance_suite!(|| async { Fixture::new(MemoryStore::new()) });
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use super::{history, Cursor, HistoryScope, Ingested, Store, StoreError};
use crate::clock::Millis;
use crate::record::{NumberRecord, NumberState, SmsRecord};

/// A store under test and whatever must live as long as it (a temporary directory).
pub struct Fixture {
    /// The store, empty.
    pub store: Arc<dyn Store>,
    /// Dropped after the case.
    pub keep: Option<Box<dyn std::any::Any + Send>>,
}

impl Fixture {
    /// A fixture with nothing to keep alive.
    pub fn new(store: impl Store) -> Fixture {
        Fixture {
            store: Arc::new(store),
            keep: None,
        }
    }
}

/// Runs every case of the suite as its own `#[tokio::test]`. `$make` is a closure that
/// returns a future of a fresh [`Fixture`].
#[macro_export]
macro_rules! store_conformance_suite {
    ($make:expr) => {
        $crate::store_conformance_suite!(@cases $make;
            inserts_are_idempotent_by_message_id,
            undelivered_messages_come_oldest_first_and_delivery_can_be_undone,
            writes_apply_in_the_order_they_were_issued,
            concurrent_compare_and_set_gives_a_number_to_one_passport,
            a_stale_compare_and_set_changes_nothing,
            passport_history_covers_every_number_it_held_and_nothing_else,
            a_message_written_just_before_a_hand_over_stays_with_the_old_holder,
            a_number_given_back_ends_its_tenure_on_the_service_clock,
            history_pages_never_repeat_or_skip_a_message,
            purge_steps_resume_across_numbers_and_keep_recent_messages,
            watch_sees_every_stored_message_once,
            a_closed_store_refuses_writes
        );
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let fixture: $crate::store::conformance::Fixture = ($make)().await;
                $crate::store::conformance::$case(fixture.store.clone()).await;
                fixture.store.close().await;
            }
        )+
    };
}

const N1: &str = "+15550000001";
const N2: &str = "+15550000002";
const N3: &str = "+15550000003";

/// A message with id `id` to `to` received at `at`, as the suite stores them.
pub fn record(id: &str, to: &str, at: Millis) -> SmsRecord {
    SmsRecord {
        sms_id: id.into(),
        phone_number: to.into(),
        sender: "+14155550100".into(),
        body: format!("body of {id}"),
        received_at: at,
        notified_at: at,
        extra: vec![("NumMedia".into(), "0".into())],
        ..SmsRecord::default()
    }
}

async fn insert(store: &dyn Store, id: &str, to: &str, at: Millis) -> Ingested {
    store.insert_sms(record(id, to, at)).await.unwrap()
}

fn number(state: NumberState) -> NumberRecord {
    NumberRecord {
        seq: 1,
        provisioned: false,
        provider_id: None,
        state,
    }
}

async fn current(store: &dyn Store, n: &str) -> Option<NumberRecord> {
    let all = store.numbers().await.unwrap();
    all.into_iter().find(|(k, _)| k == n).map(|(_, r)| r)
}

/// Sets `n`'s state, expecting whatever the store holds now.
async fn hand(store: &dyn Store, n: &str, state: NumberState) {
    let expected = current(store, n).await;
    store.put_number(n, expected, number(state)).await.unwrap();
}

fn assigned(passport: &str, since: Millis) -> NumberState {
    let passport = passport.into();
    NumberState::Assigned { passport, since }
}

fn ids(messages: &[SmsRecord]) -> Vec<&str> {
    messages.iter().map(|m| m.sms_id.as_str()).collect()
}

/// Every page of a history, as message ids, paging as a client does (the cursor as
/// text and back).
pub async fn pages(store: &dyn Store, scope: HistoryScope<'_>, limit: usize) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cursor: Option<Cursor> = None;
    loop {
        let page = history::page(store, scope, cursor.as_ref(), limit, &|_| true)
            .await
            .unwrap();
        out.push(page.messages.iter().map(|m| m.sms_id.clone()).collect());
        match page.next_cursor {
            // Clients get the cursor as text and pass it back.
            Some(c) => cursor = Some(Cursor::parse(&c.to_string()).unwrap()),
            None => return out,
        }
    }
}

/// A retried message is a no-op that returns what was stored first; the same id on
/// another number is another message.
pub async fn inserts_are_idempotent_by_message_id(store: Arc<dyn Store>) {
    let Ingested::Stored(first) = insert(&*store, "SM1", N1, 1000).await else {
        panic!("first insert is new");
    };
    let mut retry = record("SM1", N1, 2000);
    retry.body = "changed".into();
    let again = store.insert_sms(retry).await.unwrap();
    assert_eq!(again, Ingested::Duplicate(first.clone()));
    assert_eq!(store.message(N1, "SM1").await.unwrap(), Some(first));
    assert!(matches!(
        insert(&*store, "SM1", N2, 1000).await,
        Ingested::Stored(_)
    ));
    // Concurrent retries of one message: exactly one is new.
    let tries: Vec<_> = (0..16)
        .map(|_| store.insert_sms(record("SM2", N1, 3000)))
        .collect();
    let mut new = 0;
    for t in tries {
        new += matches!(t.await.unwrap(), Ingested::Stored(_)) as usize;
    }
    assert_eq!(new, 1);
    assert_eq!(store.undelivered_since(N1, 0).await.unwrap().len(), 2);
}

/// Oldest first, delivered ones left out, `from` respected, delivery undone on request.
pub async fn undelivered_messages_come_oldest_first_and_delivery_can_be_undone(
    store: Arc<dyn Store>,
) {
    for (id, at) in [("SMc", 300), ("SMa", 100), ("SMb", 200), ("SMd", 400)] {
        insert(&*store, id, N1, at).await;
    }
    insert(&*store, "SMother", N2, 150).await;
    let all = store.undelivered_since(N1, 0).await.unwrap();
    assert_eq!(ids(&all), ["SMa", "SMb", "SMc", "SMd"]);
    assert_eq!(all[0].extra, record("SMa", N1, 100).extra, "kept verbatim");
    assert_eq!(
        ids(&store.undelivered_since(N1, 200).await.unwrap()),
        ["SMb", "SMc", "SMd"]
    );
    let ids_bc = vec!["SMb".to_owned(), "SMc".to_owned(), "SMnone".to_owned()];
    store.set_delivered(N1, ids_bc, Some(500)).await.unwrap();
    assert_eq!(
        ids(&store.undelivered_since(N1, 0).await.unwrap()),
        ["SMa", "SMd"]
    );
    let b = store.message(N1, "SMb").await.unwrap().unwrap();
    assert_eq!(b.retrieved_at, Some(500));
    store
        .set_delivered(N1, vec!["SMb".into()], None)
        .await
        .unwrap();
    assert_eq!(
        ids(&store.undelivered_since(N1, 0).await.unwrap()),
        ["SMa", "SMb", "SMd"]
    );
    assert_eq!(store.message(N1, "SMnone").await.unwrap(), None);
}

/// Writes issued one after the other apply in that order, whatever order their futures
/// are awaited in.
pub async fn writes_apply_in_the_order_they_were_issued(store: Arc<dyn Store>) {
    insert(&*store, "SM1", N1, 100).await;
    let deliver = store.set_delivered(N1, vec!["SM1".into()], Some(200));
    let undo = store.set_delivered(N1, vec!["SM1".into()], None);
    undo.await.unwrap();
    deliver.await.unwrap();
    assert_eq!(
        store
            .message(N1, "SM1")
            .await
            .unwrap()
            .unwrap()
            .retrieved_at,
        None
    );
    // Two compare-and-set writes pipelined: the second expects what the first writes.
    let a = number(assigned("ap_a", 10));
    let b = number(assigned("ap_b", 20));
    let first = store.put_number(N2, None, a.clone());
    let second = store.put_number(N2, Some(a), b.clone());
    second.await.unwrap();
    first.await.unwrap();
    assert_eq!(current(&*store, N2).await, Some(b));
}

/// Many callers race to assign one free number: exactly one wins, the store holds the
/// winner's record, the losers are told of the conflict.
pub async fn concurrent_compare_and_set_gives_a_number_to_one_passport(store: Arc<dyn Store>) {
    let free = number(NumberState::Free { since: 1 });
    store.put_number(N1, None, free.clone()).await.unwrap();
    let racers: Vec<_> = (0..32)
        .map(|i| {
            let (store, free) = (store.clone(), free.clone());
            tokio::spawn(async move {
                let mine = number(assigned(&format!("ap_{i}"), 100));
                let result = store.put_number(N1, Some(free), mine.clone()).await;
                (mine, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for r in racers {
        let (mine, result) = r.await.unwrap();
        match result {
            Ok(()) => winners.push(mine),
            Err(StoreError::Conflict { number }) => assert_eq!(number, N1),
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "one number, one passport");
    assert_eq!(current(&*store, N1).await.as_ref(), winners.first());
    // A number not yet in the pool can be added once.
    let adds: Vec<_> = (0..8)
        .map(|_| store.put_number(N2, None, free.clone()))
        .collect();
    let mut added = 0;
    for a in adds {
        added += a.await.is_ok() as usize;
    }
    assert_eq!(added, 1);
}

/// A compare-and-set against a record that is no longer stored writes nothing, for puts
/// and removals alike.
pub async fn a_stale_compare_and_set_changes_nothing(store: Arc<dyn Store>) {
    let free = number(NumberState::Free { since: 1 });
    let held = number(assigned("ap_a", 5));
    store.put_number(N1, None, free.clone()).await.unwrap();
    store
        .put_number(N1, Some(free.clone()), held.clone())
        .await
        .unwrap();
    let stale = store.put_number(N1, Some(free.clone()), number(assigned("ap_b", 6)));
    assert!(matches!(stale.await, Err(StoreError::Conflict { .. })));
    let stale = store.remove_number(N1, free, 7);
    assert!(matches!(stale.await, Err(StoreError::Conflict { .. })));
    assert_eq!(current(&*store, N1).await, Some(held.clone()));
    store.remove_number(N1, held, 8).await.unwrap();
    assert_eq!(current(&*store, N1).await, None);
}

/// Attribution follows the holder (and the quarantined previous holder) in write order;
/// a passport's history spans every number it held.
pub async fn passport_history_covers_every_number_it_held_and_nothing_else(store: Arc<dyn Store>) {
    let s = &*store;
    hand(s, N1, assigned("ap_a", 1000)).await;
    insert(s, "A1", N1, 1100).await;
    insert(s, "A2", N1, 1200).await;
    let (passport, since, until) = ("ap_a".into(), 2000, 3000);
    let quarantined = NumberState::Quarantined {
        passport,
        since,
        until,
    };
    hand(s, N1, quarantined).await;
    insert(s, "A3", N1, 2500).await; // in quarantine: still ap_a's
    hand(s, N2, assigned("ap_a", 2000)).await;
    insert(s, "A4", N2, 2600).await;
    hand(s, N1, assigned("ap_b", 3000)).await;
    insert(s, "B1", N1, 3100).await;
    // Backfilled by reconciliation, dated before ap_b's tenure began: still ap_b's.
    insert(s, "B0", N1, 2900).await;
    insert(s, "A5", N2, 4000).await;

    let a = pages(s, HistoryScope::Passport("ap_a"), 2).await;
    assert_eq!(a, [vec!["A5", "A4"], vec!["A3", "A2"], vec!["A1"]]);
    let b = pages(s, HistoryScope::Passport("ap_b"), 10).await;
    assert_eq!(b, [vec!["B1", "B0"]]);
    let n1 = pages(s, HistoryScope::Number(N1), 3).await;
    assert_eq!(n1, [vec!["B1", "B0", "A3"], vec!["A2", "A1"]]);
    let none = pages(s, HistoryScope::Passport("ap_x"), 5).await;
    assert_eq!(none, [Vec::<String>::new()]);
    let b1 = s.message(N1, "B1").await.unwrap().unwrap();
    assert_eq!(b1.passport.as_deref(), Some("ap_b"));
}

/// A message stamped just after a hand-over but written before it stays with the old
/// holder.
pub async fn a_message_written_just_before_a_hand_over_stays_with_the_old_holder(
    store: Arc<dyn Store>,
) {
    let s = &*store;
    hand(s, N3, assigned("ap_c", 1000)).await;
    insert(s, "C1", N3, 5005).await;
    hand(s, N3, assigned("ap_d", 5000)).await;
    insert(s, "D1", N3, 5010).await;
    assert_eq!(
        pages(s, HistoryScope::Passport("ap_c"), 5).await,
        [vec!["C1"]]
    );
    assert_eq!(
        pages(s, HistoryScope::Passport("ap_d"), 5).await,
        [vec!["D1"]]
    );
}

/// The service clock, not the wall clock, dates the end of a tenure when a number is
/// given back (tests run the clock days ahead).
pub async fn a_number_given_back_ends_its_tenure_on_the_service_clock(store: Arc<dyn Store>) {
    let s = &*store;
    let later: Millis = 10_000_000_000_000; // year 2286
    hand(s, N2, assigned("ap_e", later)).await;
    insert(s, "E1", N2, later + 5).await;
    let held = current(s, N2).await.unwrap();
    s.remove_number(N2, held, later + 10).await.unwrap();
    assert_eq!(
        pages(s, HistoryScope::Passport("ap_e"), 5).await,
        [vec!["E1"]]
    );
}

/// Paging with messages that share a timestamp: every message once, newest first.
pub async fn history_pages_never_repeat_or_skip_a_message(store: Arc<dyn Store>) {
    let s = &*store;
    let mut expected = Vec::new();
    for i in 0..11u64 {
        let id = format!("SM{i:02}");
        insert(s, &id, N1, 1000 + i / 3).await; // three per millisecond
        expected.push(id);
    }
    expected.reverse();
    for limit in [1, 2, 3, 4, 100] {
        let got: Vec<String> = pages(s, HistoryScope::Number(N1), limit)
            .await
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(got, expected, "limit {limit}");
    }
    let keep_odd = |m: &SmsRecord| m.sms_id.ends_with(['1', '3', '5', '7', '9']);
    let page = history::page(s, HistoryScope::Number(N1), None, 2, &keep_odd)
        .await
        .unwrap();
    assert_eq!(
        ids(&page.messages),
        ["SM09", "SM07"],
        "a filter does not end a page"
    );
}

/// A purge in small steps resumes where it stopped, across numbers, and removes the
/// id entries with the messages.
pub async fn purge_steps_resume_across_numbers_and_keep_recent_messages(store: Arc<dyn Store>) {
    let s = &*store;
    let numbers = [
        "+15550000011",
        "+15550000012",
        "+15550000013",
        "+15550000014",
    ];
    for (i, n) in numbers.iter().enumerate() {
        for t in 0..5 {
            insert(s, &format!("OLD{i}{t}"), n, 100 + t).await;
        }
        insert(s, &format!("NEW{i}"), n, 10_000).await;
    }
    let (mut resume, mut removed, mut steps) = (None, 0, 0);
    loop {
        let step = s.purge_step(1000, resume.take(), 3).await.unwrap();
        (removed, steps, resume) = (removed + step.removed, steps + 1, step.resume);
        if resume.is_none() {
            break;
        }
    }
    assert_eq!(removed, 20);
    assert!(steps >= 8, "3 keys per step over 24 keys: {steps} steps");
    for (i, n) in numbers.iter().enumerate() {
        assert!(s.message(n, &format!("OLD{i}0")).await.unwrap().is_none());
        assert!(s.message(n, &format!("NEW{i}")).await.unwrap().is_some());
        assert_eq!(s.undelivered_since(n, 0).await.unwrap().len(), 1);
    }
    // The id entries went with their messages: the id is new again.
    let again = insert(s, "OLD00", numbers[0], 50_000).await;
    assert!(matches!(again, Ingested::Stored(_)), "{again:?}");
}

/// A watcher sees every message stored for its number after it subscribed, once: not
/// retries, not other numbers, not what came before.
pub async fn watch_sees_every_stored_message_once(store: Arc<dyn Store>) {
    insert(&*store, "SMbefore", N1, 1).await;
    let mut watch = store.watch(N1);
    let mut other = store.watch(N2);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    let id = format!("SM{w}-{i}");
                    store.insert_sms(record(&id, N1, 10 + i)).await.unwrap();
                    // A retry of the same message, and one to another number.
                    store.insert_sms(record(&id, N1, 10 + i)).await.unwrap();
                    if i % 5 == 0 {
                        let id = format!("OTHER{w}-{i}");
                        store.insert_sms(record(&id, N2, 10)).await.unwrap();
                    }
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    while seen.len() < 200 {
        let sms = watch.next().await.expect("feed open");
        assert_eq!(sms.phone_number, N1);
        assert!(sms.sms_id != "SMbefore", "nothing from before the watch");
        *seen.entry(sms.sms_id.clone()).or_default() += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "each once: {seen:?}");
    // Nothing else is pending for N1 (a retry would show up now).
    insert(&*store, "SMlast", N1, 500).await;
    assert_eq!(watch.next().await.unwrap().sms_id, "SMlast");
    for _ in 0..40 {
        assert_eq!(other.next().await.unwrap().phone_number, N2);
    }
    // A second watcher of the same number gets its own copy.
    let mut again = store.watch(N1);
    insert(&*store, "SMtwice", N1, 600).await;
    assert_eq!(watch.next().await.unwrap().sms_id, "SMtwice");
    assert_eq!(again.next().await.unwrap().sms_id, "SMtwice");
}

/// After `close`, writes fail with [`StoreError::Closed`] instead of hanging.
pub async fn a_closed_store_refuses_writes(store: Arc<dyn Store>) {
    insert(&*store, "SM1", N1, 1).await;
    store.close().await;
    let late = store.insert_sms(record("SM2", N1, 2)).await;
    assert!(matches!(late, Err(StoreError::Closed)), "{late:?}");
}

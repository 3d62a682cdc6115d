//! The store on real sled files: passport history across tenures, purge steps, the
//! upgrade from schema version 1.

use agentpass_actors::writer::{WriteOp, WriteOutcome};
use agentpass_actors::{HistoryScope, Millis, NumberRecord, NumberState, SmsRecord, Store};
use tempfile::TempDir;

const N1: &str = "+15550000001";
const N2: &str = "+15550000002";
const N3: &str = "+15550000003";

fn open(dir: &TempDir) -> Store {
    Store::open(dir.path(), 8 << 20).unwrap()
}

fn record(id: &str, to: &str, at: Millis) -> SmsRecord {
    SmsRecord {
        sms_id: id.into(),
        phone_number: to.into(),
        sender: "+14155550100".into(),
        body: format!("body of {id}"),
        received_at: at,
        notified_at: at,
        ..SmsRecord::default()
    }
}

async fn insert(store: &Store, id: &str, to: &str, at: Millis) -> WriteOutcome {
    let op = WriteOp::InsertSms(record(id, to, at));
    store.write(op).await.unwrap()
}

async fn hand(store: &Store, number: &str, state: NumberState) {
    let record = NumberRecord {
        seq: 1,
        provisioned: false,
        provider_id: None,
        state,
    };
    let number = number.to_owned();
    store
        .write(WriteOp::PutNumber { number, record })
        .await
        .unwrap();
}

fn assigned(passport: &str, since: Millis) -> NumberState {
    let passport = passport.into();
    NumberState::Assigned { passport, since }
}

/// Every page of a history, as message ids.
fn pages(store: &Store, scope: HistoryScope<'_>, limit: usize) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .history(scope, cursor.as_deref(), limit, |_| true)
            .unwrap();
        out.push(page.messages.iter().map(|m| m.sms_id.clone()).collect());
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn passport_history_covers_every_number_it_held_and_nothing_else() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    hand(&store, N1, assigned("ap_a", 1000)).await;
    insert(&store, "A1", N1, 1100).await;
    insert(&store, "A2", N1, 1200).await;
    let (passport, since, until) = ("ap_a".into(), 2000, 3000);
    hand(
        &store,
        N1,
        NumberState::Quarantined {
            passport,
            since,
            until,
        },
    )
    .await;
    insert(&store, "A3", N1, 2500).await; // in quarantine: still ap_a's
    hand(&store, N2, assigned("ap_a", 2000)).await;
    insert(&store, "A4", N2, 2600).await;
    hand(&store, N1, assigned("ap_b", 3000)).await;
    insert(&store, "B1", N1, 3100).await;
    // Backfilled by reconciliation, dated before ap_b's tenure began: still ap_b's.
    insert(&store, "B0", N1, 2900).await;
    insert(&store, "A5", N2, 4000).await;

    let a = pages(&store, HistoryScope::Passport("ap_a"), 2);
    assert_eq!(a, [vec!["A5", "A4"], vec!["A3", "A2"], vec!["A1"]]);
    let b = pages(&store, HistoryScope::Passport("ap_b"), 10);
    assert_eq!(b, [vec!["B1", "B0"]]);
    let n1 = pages(&store, HistoryScope::Number(N1), 3);
    assert_eq!(n1, [vec!["B1", "B0", "A3"], vec!["A2", "A1"]]);
    assert_eq!(
        pages(&store, HistoryScope::Passport("ap_x"), 5),
        [Vec::<String>::new()]
    );
}

#[tokio::test]
async fn a_message_written_just_before_a_hand_over_stays_with_the_old_holder() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    hand(&store, N3, assigned("ap_c", 1000)).await;
    // Stamped after the hand-over's own stamp (5000) but written before it.
    insert(&store, "C1", N3, 5005).await;
    hand(&store, N3, assigned("ap_d", 5000)).await;
    insert(&store, "D1", N3, 5010).await;
    assert_eq!(
        pages(&store, HistoryScope::Passport("ap_c"), 5),
        [vec!["C1"]]
    );
    assert_eq!(
        pages(&store, HistoryScope::Passport("ap_d"), 5),
        [vec!["D1"]]
    );
}

#[tokio::test]
async fn purge_steps_resume_across_numbers_and_keep_recent_messages() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let numbers = [
        "+15550000011",
        "+15550000012",
        "+15550000013",
        "+15550000014",
    ];
    for (i, n) in numbers.iter().enumerate() {
        for t in 0..5 {
            insert(&store, &format!("OLD{i}{t}"), n, 100 + t).await;
        }
        insert(&store, &format!("NEW{i}"), n, 10_000).await;
    }
    let (mut resume, mut removed, mut steps) = (None, 0, 0);
    loop {
        let step = WriteOp::Purge {
            before: 1000,
            resume: resume.take(),
            max_scan: 3,
        };
        let WriteOutcome::Purged {
            removed: r,
            resume: next,
        } = store.write(step).await.unwrap()
        else {
            panic!("not a purge outcome");
        };
        (removed, steps, resume) = (removed + r, steps + 1, next);
        if resume.is_none() {
            break;
        }
    }
    assert_eq!(removed, 20);
    assert!(steps >= 8, "3 keys per step over 24 keys: {steps} steps");
    for (i, n) in numbers.iter().enumerate() {
        assert!(store.sms(n, &format!("OLD{i}0")).unwrap().is_none());
        assert!(store.sms(n, &format!("NEW{i}")).unwrap().is_some());
        assert_eq!(store.undelivered_since(n, 0).unwrap().len(), 1);
    }
    // The id entries went with their messages: the id is new again.
    let again = insert(&store, "OLD00", numbers[0], 50_000).await;
    assert!(matches!(again, WriteOutcome::Inserted(_)), "{again:?}");
}

#[tokio::test]
async fn a_version_1_store_is_upgraded_in_place() {
    let dir = TempDir::new().unwrap();
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.insert("schema_version", &1u32.to_be_bytes()).unwrap();
        let sms = db.open_tree("sms").unwrap();
        for (id, at, delivered) in [("M1", 1100, true), ("M2", 1200, false), ("M3", 1300, false)] {
            let mut r = record(id, N1, at);
            r.passport = Some("ap_a".into());
            r.retrieved_at = delivered.then_some(at + 1);
            sms.insert(id, postcard::to_stdvec(&r).unwrap()).unwrap();
        }
        db.open_tree("sms_by_time")
            .unwrap()
            .insert("x", "y")
            .unwrap();
        let numbers = db.open_tree("numbers").unwrap();
        let rec = NumberRecord {
            seq: 1,
            provisioned: false,
            provider_id: None,
            state: assigned("ap_a", 1000),
        };
        numbers
            .insert(N1, postcard::to_stdvec(&rec).unwrap())
            .unwrap();
        db.flush().unwrap();
    }
    for _ in 0..2 {
        let store = open(&dir);
        assert_eq!(store.numbers().unwrap().len(), 1);
        assert_eq!(store.sms(N1, "M2").unwrap().unwrap().body, "body of M2");
        let undelivered = store.undelivered_since(N1, 0).unwrap();
        let ids: Vec<_> = undelivered.iter().map(|m| m.sms_id.as_str()).collect();
        assert_eq!(ids, ["M2", "M3"]);
        let a = pages(&store, HistoryScope::Passport("ap_a"), 10);
        assert_eq!(a, [vec!["M3", "M2", "M1"]]);
        assert!(matches!(
            insert(&store, "M1", N1, 9999).await,
            WriteOutcome::Duplicate(_)
        ));
        store.close();
    }
    let db = sled::open(dir.path().join("db")).unwrap();
    assert!(!db
        .tree_names()
        .iter()
        .any(|t| t.as_ref() == b"sms" || t.as_ref() == b"sms_by_time"));
}

#[tokio::test]
async fn a_store_from_a_newer_version_is_refused() {
    let dir = TempDir::new().unwrap();
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.insert("schema_version", &99u32.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let err = Store::open(dir.path(), 8 << 20).err().expect("refused");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[tokio::test]
async fn an_id_written_without_its_message_reads_as_not_stored() {
    // What a crash between a message's two writes (id entry first) leaves behind.
    let dir = TempDir::new().unwrap();
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.insert("schema_version", &2u32.to_be_bytes()).unwrap();
        let mut id_key = N1.as_bytes().to_vec();
        id_key.extend_from_slice(&[0, 2]);
        id_key.extend_from_slice(b"SMX");
        let ids = db.open_tree("message_ids").unwrap();
        ids.insert(id_key, &1000u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let store = open(&dir);
    assert!(store.sms(N1, "SMX").unwrap().is_none());
    let retried = insert(&store, "SMX", N1, 2000).await;
    assert!(matches!(retried, WriteOutcome::Inserted(_)), "{retried:?}");
    assert_eq!(store.sms(N1, "SMX").unwrap().unwrap().received_at, 2000);
    assert_eq!(store.undelivered_since(N1, 0).unwrap().len(), 1);
}

#[tokio::test]
async fn a_number_given_back_ends_its_tenure_on_the_service_clock() {
    // The service clock, not the wall clock, dates the end (tests run it days ahead).
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let later: Millis = 10_000_000_000_000; // year 2286
    hand(&store, N2, assigned("ap_e", later)).await;
    insert(&store, "E1", N2, later + 5).await;
    let (number, at) = (N2.to_owned(), later + 10);
    store
        .write(WriteOp::DeleteNumber { number, at })
        .await
        .unwrap();
    assert_eq!(
        pages(&store, HistoryScope::Passport("ap_e"), 5),
        [vec!["E1"]]
    );
}

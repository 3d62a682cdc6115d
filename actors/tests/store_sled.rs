//! What only the sled backend does, on real sled files: the upgrade from schema
//! version 1, refusing a newer store, and reading a half-written message after a crash.
//! (Everything every backend does is in the conformance suite.)

use agentpass_actors::store::conformance::{pages, record};
use agentpass_actors::store::history::HistoryScope;
use agentpass_actors::store::sled::SledStore;
use agentpass_actors::{Ingested, Millis, NumberRecord, NumberState, Store};
use tempfile::TempDir;

const N1: &str = "+15550000001";

fn open(dir: &TempDir) -> SledStore {
    SledStore::open(dir.path(), 8 << 20).unwrap()
}

async fn insert(store: &SledStore, id: &str, to: &str, at: Millis) -> Ingested {
    store.insert_sms(record(id, to, at)).await.unwrap()
}

fn assigned(passport: &str, since: Millis) -> NumberState {
    let passport = passport.into();
    NumberState::Assigned { passport, since }
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
        assert_eq!(store.numbers().await.unwrap().len(), 1);
        assert_eq!(
            store.message(N1, "M2").await.unwrap().unwrap().body,
            "body of M2"
        );
        let undelivered = store.undelivered_since(N1, 0).await.unwrap();
        let ids: Vec<_> = undelivered.iter().map(|m| m.sms_id.as_str()).collect();
        assert_eq!(ids, ["M2", "M3"]);
        let a = pages(&store, HistoryScope::Passport("ap_a"), 10).await;
        assert_eq!(a, [vec!["M3", "M2", "M1"]]);
        assert!(matches!(
            insert(&store, "M1", N1, 9999).await,
            Ingested::Duplicate(_)
        ));
        store.close().await;
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
    let err = SledStore::open(dir.path(), 8 << 20).err().expect("refused");
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
    assert!(store.message(N1, "SMX").await.unwrap().is_none());
    let retried = insert(&store, "SMX", N1, 2000).await;
    assert!(matches!(retried, Ingested::Stored(_)), "{retried:?}");
    assert_eq!(
        store.message(N1, "SMX").await.unwrap().unwrap().received_at,
        2000
    );
    assert_eq!(store.undelivered_since(N1, 0).await.unwrap().len(), 1);
}

//! A model-based property test of delivery: random sequences of assign / release /
//! webhook (new or retried) / wait (claimed or not) / ack / time passing (leases and
//! quarantines expire) / restart, run against the real service (sled on real files,
//! tokio's paused clock) and a small reference model. A restart stops every actor and
//! starts a new service on the same store: the pool, inboxes and claims are rebuilt
//! from what the store holds (`kill -9` of the real process is `tests/durability.rs`). After every step, and in a final
//! drain: nothing acknowledged is lost, nothing is given out again while its claim is
//! live or after it was acknowledged, and nothing reaches another passport.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::store::sled::SledStore;
use agentpass_actors::{
    AckError, Clock, Filter, InboundSms, Ingested, MockProvider, PoolError, Service, ServiceConfig,
    Settings, Store, WaitError,
};
use proptest::prelude::*;
use tempfile::TempDir;

const PASSPORTS: [&str; 3] = ["ap_a", "ap_b", "ap_c"];
const LEASE: Duration = Duration::from_secs(5);
const QUARANTINE: Duration = Duration::from_secs(30);
/// Timers near a step's clock reading may or may not have fired: either outcome is right.
const SLACK_MS: u64 = 100;
const UNKNOWN_NUMBER: &str = "+15559999999";

#[derive(Clone, Debug)]
enum Op {
    Assign(usize),
    Release(usize),
    /// To the number of the n-th passport (or, without one, a number outside the
    /// pool); a retry of an earlier id.
    Webhook {
        number: usize,
        retry: Option<usize>,
    },
    Wait {
        passport: usize,
        claim: bool,
    },
    Ack(usize),
    Advance(u64),
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..3usize).prop_map(Op::Assign),
        1 => (0..3usize).prop_map(Op::Release),
        5 => (0..3usize, proptest::option::weighted(0.2, 0..50usize))
            .prop_map(|(number, retry)| Op::Webhook { number, retry }),
        4 => (0..3usize, any::<bool>()).prop_map(|(passport, claim)| Op::Wait { passport, claim }),
        2 => (0..8usize).prop_map(Op::Ack),
        2 => (1..20u64).prop_map(Op::Advance),
        1 => Just(Op::Restart),
    ]
}

#[derive(Clone, Debug, PartialEq)]
enum Holder {
    Assigned {
        passport: usize,
        since: u64,
    },
    Quarantined {
        passport: usize,
        since: u64,
        until: u64,
    },
}

#[derive(Debug)]
struct Msg {
    number: String,
    owner: Option<usize>,
    received: u64,
    delivered: bool,
}

#[derive(Debug)]
struct Claim {
    number: String,
    sms_id: String,
    claim_id: String,
    passport: usize,
    expires: u64,
}

/// What the service should hold.
#[derive(Default, Debug)]
struct Model {
    numbers: BTreeMap<String, Option<Holder>>,
    messages: BTreeMap<String, Msg>,
    ids: Vec<String>,
    claims: Vec<Claim>,
}

impl Model {
    fn number_of(&self, p: usize) -> Option<(&String, &Holder)> {
        self.numbers.iter().find_map(|(n, h)| match h {
            Some(h @ Holder::Assigned { passport, .. })
            | Some(h @ Holder::Quarantined { passport, .. })
                if *passport == p =>
            {
                Some((n, h))
            }
            _ => None,
        })
    }

    /// Messages `p` may be given on its assigned number now: `definite` for sure, and
    /// `maybe` those whose claim expires about now.
    fn deliverable(&self, p: usize, now: u64) -> Option<(String, Vec<String>, Vec<String>)> {
        let (n, holder) = self.number_of(p)?;
        let Holder::Assigned { since, .. } = holder else {
            return None;
        };
        let (mut definite, mut maybe) = (Vec::new(), Vec::new());
        for (id, m) in &self.messages {
            if m.number != *n || m.owner != Some(p) || m.received < *since || m.delivered {
                continue;
            }
            match self
                .claims
                .iter()
                .find(|c| c.sms_id == *id)
                .map(|c| c.expires)
            {
                Some(expires) if now + SLACK_MS < expires => {}
                Some(expires) if now < expires + SLACK_MS => maybe.push(id.clone()),
                _ => definite.push(id.clone()),
            }
        }
        Some((n.clone(), definite, maybe))
    }
}

async fn start(store: &Arc<dyn Store>, clock: Clock) -> Service {
    let settings = Settings {
        inbox_retention: Duration::from_secs(86_400),
        claim_lease: LEASE,
        quarantine: QUARANTINE,
        ..Settings::default()
    };
    let config = ServiceConfig {
        settings,
        numbers: Vec::new(),
        history_retention: Duration::from_secs(7 * 86_400),
        purge_interval: Duration::from_secs(86_400),
    };
    let known = store.numbers().await.unwrap();
    let provider = MockProvider::after(known.iter().map(|(n, _)| n.as_str()));
    Service::start_with_clock(store.clone(), config, Arc::new(provider), clock)
        .await
        .unwrap()
}

fn sms(id: &str, to: &str) -> InboundSms {
    InboundSms {
        sms_id: id.into(),
        to: to.into(),
        from: "+14155550100".into(),
        body: format!("code for {id}"),
        extra: vec![],
        received_at: None,
        failure: None,
    }
}

async fn step(svc: &mut Service, store: &Arc<dyn Store>, m: &mut Model, op: &Op) {
    let now = svc.clock().now_ms();
    match op {
        Op::Assign(p) => {
            let got = svc.assign(PASSPORTS[*p]).await.unwrap();
            let n = got.phone_number.clone();
            match m.number_of(*p).map(|(n, h)| (n.clone(), h.clone())) {
                Some((
                    held,
                    Holder::Assigned { since, .. } | Holder::Quarantined { since, .. },
                )) => {
                    assert_eq!(n, held, "sticky");
                    assert_eq!(got.assigned_at, since, "the tenure goes on");
                }
                None => match m.numbers.get(&n).cloned().flatten() {
                    None => {}
                    Some(Holder::Quarantined { until, .. }) => {
                        assert!(until <= now + SLACK_MS, "{n} handed out in quarantine")
                    }
                    Some(other) => panic!("{n} given to {p} while {other:?}"),
                },
            }
            m.numbers.insert(
                n,
                Some(Holder::Assigned {
                    passport: *p,
                    since: got.assigned_at,
                }),
            );
        }
        Op::Release(p) => {
            let result = svc.release(PASSPORTS[*p]).await;
            match m.number_of(*p).map(|(n, h)| (n.clone(), h.clone())) {
                Some((n, Holder::Assigned { since, .. })) => {
                    assert_eq!(result.unwrap().phone_number, n);
                    let until = svc.clock().now_ms() + QUARANTINE.as_millis() as u64;
                    let holder = Holder::Quarantined {
                        passport: *p,
                        since,
                        until,
                    };
                    // Giving the number back ends its claims: their messages are
                    // offered again if the passport takes the number back.
                    m.claims.retain(|c| c.number != n);
                    m.numbers.insert(n, Some(holder));
                }
                _ => assert!(
                    matches!(result, Err(PoolError::NotAssigned(_))),
                    "{result:?}"
                ),
            }
        }
        Op::Webhook { number, retry } => {
            let retried = retry.and_then(|i| m.ids.get(i % m.ids.len().max(1)).cloned());
            let (id, to) = match retried {
                Some(id) => (id.clone(), m.messages[&id].number.clone()),
                None => {
                    let to = m
                        .number_of(*number)
                        .map(|(n, _)| n.clone())
                        .unwrap_or_else(|| UNKNOWN_NUMBER.to_owned());
                    (format!("SM{:032x}", m.ids.len()), to)
                }
            };
            let result = svc.ingest(sms(&id, &to)).await.unwrap();
            if m.messages.contains_key(&id) {
                assert!(matches!(result, Ingested::Duplicate(_)), "{id} retried");
            } else {
                assert!(matches!(result, Ingested::Stored(_)), "{id} new");
                let owner = match m.numbers.get(&to).cloned().flatten() {
                    Some(
                        Holder::Assigned { passport, .. } | Holder::Quarantined { passport, .. },
                    ) => Some(passport),
                    None => None,
                };
                let received = svc.clock().now_ms();
                m.messages.insert(
                    id.clone(),
                    Msg {
                        number: to,
                        owner,
                        received,
                        delivered: false,
                    },
                );
                m.ids.push(id);
            }
        }
        Op::Wait { passport, claim } => {
            let Some((n, definite, maybe)) = m.deliverable(*passport, now) else {
                return;
            };
            let lease = claim.then_some(LEASE);
            let wait = Duration::from_millis(20);
            match svc.wait(&n, Filter::default(), wait, lease).await {
                Ok(d) => {
                    let id = d.sms.sms_id.clone();
                    assert!(
                        definite.contains(&id) || maybe.contains(&id),
                        "{id} given to {passport}; deliverable {definite:?} {maybe:?}\n{m:#?}"
                    );
                    assert_eq!(d.sms.passport.as_deref(), Some(PASSPORTS[*passport]));
                    m.claims.retain(|c| c.sms_id != id);
                    match d.claim {
                        Some(c) => m.claims.push(Claim {
                            number: n,
                            sms_id: id,
                            claim_id: c.id,
                            passport: *passport,
                            expires: c.expires_at,
                        }),
                        None => m.messages.get_mut(&id).unwrap().delivered = true,
                    }
                }
                Err(WaitError::Timeout(_)) => {
                    assert!(
                        definite.is_empty(),
                        "nothing given though {definite:?} waits"
                    )
                }
                Err(e) => panic!("wait: {e}"),
            }
        }
        Op::Ack(i) => {
            if m.claims.is_empty() {
                return;
            }
            let c = m.claims.remove(i % m.claims.len());
            let result = svc.ack(&c.number, &c.sms_id, &c.claim_id).await;
            let still_held = matches!(
                m.number_of(c.passport),
                Some((n, Holder::Assigned { .. })) if *n == c.number
            );
            let live = now + SLACK_MS < c.expires;
            let expired = now >= c.expires + SLACK_MS;
            match result {
                Ok(sms) => {
                    assert!(!expired, "ack of a claim expired at {} at {now}", c.expires);
                    assert_eq!(sms.sms_id, c.sms_id);
                    m.messages.get_mut(&c.sms_id).unwrap().delivered = true;
                }
                Err(AckError::UnknownClaim { .. }) => {
                    assert!(!(live && still_held), "a live claim was refused");
                }
                Err(e) => panic!("ack: {e}"),
            }
        }
        Op::Advance(secs) => tokio::time::advance(Duration::from_secs(*secs)).await,
        Op::Restart => {
            let clock = svc.clock();
            svc.stop_actors().await;
            *svc = start(store, clock).await;
            // Claims live in memory: after a restart their messages are offered again.
            m.claims.clear();
        }
    }
}

/// Every passport's undelivered messages, taken until none is left, are exactly the
/// model's: nothing acknowledged is lost.
async fn drain(svc: &Service, m: &mut Model) {
    tokio::time::advance(LEASE + Duration::from_secs(1)).await;
    m.claims.clear();
    for (p, passport) in PASSPORTS.iter().enumerate() {
        let Some((n, want, _)) = m.deliverable(p, svc.clock().now_ms()) else {
            continue;
        };
        let mut got = Vec::new();
        loop {
            match svc
                .wait(&n, Filter::default(), Duration::from_millis(20), None)
                .await
            {
                Ok(d) => got.push(d.sms.sms_id),
                Err(WaitError::Timeout(_)) => break,
                Err(e) => panic!("drain: {e}"),
            }
        }
        got.sort();
        assert_eq!(
            got, want,
            "{passport} gets exactly its undelivered messages"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn delivery_matches_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let dir = TempDir::new().unwrap();
            let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path(), 4 << 20).unwrap());
            let mut svc = start(&store, Clock::new()).await;
            let mut model = Model::default();
            for op in &ops {
                step(&mut svc, &store, &mut model, op).await;
            }
            drain(&svc, &mut model).await;
            svc.shutdown().await;
        });
    }
}

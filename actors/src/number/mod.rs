//! NumberActor: one per phone number while it has work.
//!
//! It owns the number's inbox of recent undelivered messages, the one-shot cleanup timer
//! (armed only while the inbox holds messages), pending waiters and claims, and it is the
//! only writer of the number's delivery state. With no waiters, claims or messages it
//! stops; the store holds everything, and the next message or wait starts it again.
//!
//! It learns of arriving messages through a [`Subscription`] to the store's change feed,
//! made in `pre_start` before it reads the store, so a message stored after that read
//! arrives through the subscription and one stored before it is in what it read.
//! Store I/O never runs inside `handle`: reads run in spawned tasks that report back
//! ([`NumberMsg::Loaded`], [`NumberMsg::Checked`], [`NumberMsg::Drained`]); for writes the
//! actor reserves a message (so no other waiter can get it), a task records the delivery
//! and answers the waiter, and reports back with [`NumberMsg::Committed`] or
//! [`NumberMsg::Returned`].
//!
//! This file is the actor (messages, state, `pre_start`, one `match` in `handle`);
//! [`inbox`] holds what the state does with each message.

mod inbox;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::context::Context;
use crate::delivery::{AckError, Delivered, Owner, WaitError, WaitRequest};
use crate::record::{Filter, SmsRecord};
use crate::registry::Registry;
use crate::store::StoreError;
use crate::subscription::Subscription;

/// A pending `send_after` timer.
type Timer = JoinHandle<Result<(), ractor::MessagingErr<NumberMsg>>>;

/// Reply channel of a wait.
pub type WaitReply = oneshot::Sender<Result<Delivered, WaitError>>;

/// Reply channel of the seed poll route's drain.
type DrainReply = RpcReplyPort<Result<Vec<SmsRecord>, StoreError>>;

/// Messages a number actor handles.
pub(crate) enum NumberMsg {
    /// The startup read of the number's undelivered messages finished.
    Loaded(Result<Vec<SmsRecord>, StoreError>),
    /// The change feed reports a message to this number, durable in the store.
    Arrived(Arc<SmsRecord>),
    /// The store's word on an arrived message: `true` if it is still undelivered.
    Checked(SmsRecord, bool),
    /// Deliver (or claim) the next matching message.
    Wait(WaitRequest, WaitReply),
    /// The caller gave up on wait `id`.
    CancelWait(u64),
    /// Wait `id` reached its timeout.
    WaitExpired(u64),
    /// Acknowledge a claimed message: record it delivered.
    Ack {
        sms_id: String,
        claim_id: String,
        reply: RpcReplyPort<Result<SmsRecord, AckError>>,
    },
    /// A claim's lease ran out.
    LeaseExpired { sms_id: String, claim_id: String },
    /// Deliveries recorded: forget the reservations.
    Committed(Vec<String>),
    /// A reserved message could not be handed over; it is undelivered again.
    Returned(SmsRecord),
    /// Deliver every undelivered message of the current owner at once (seed poll route).
    Drain(DrainReply),
    /// The drain's read of undelivered messages finished.
    Drained(Result<Vec<SmsRecord>, StoreError>, DrainReply),
    /// The pool changed who holds the number.
    SetOwner(Owner),
    /// The cleanup timer fired.
    Cleanup,
    /// A just-started actor's grace period ended (see [`SETTLE`]).
    Settle,
}

/// How long a new actor stays up without work. It is started for a request (a wait, an
/// ack, a drain) that is sent to it right after; its startup read may finish first, and
/// it must not stop as idle before that request arrives.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// Startup arguments.
pub(crate) struct NumberArgs {
    /// The phone number this actor serves.
    pub number: String,
    /// Its holder at spawn time.
    pub owner: Owner,
    /// Shared service state.
    pub ctx: Arc<Context>,
    /// Where the service finds this actor.
    pub registry: Arc<Registry<NumberMsg>>,
}

/// The actor (stateless; its state is [`Inbox`]).
pub(crate) struct NumberActor;

struct Waiter {
    req: WaitRequest,
    reply: WaitReply,
    timer: Timer,
}

struct Leased {
    claim_id: String,
    /// When the lease ends (epoch ms); an acknowledgement from then on is refused.
    expires_at: crate::clock::Millis,
    sms: SmsRecord,
    timer: Timer,
}

/// A number actor's state.
pub(crate) struct Inbox {
    number: String,
    owner: Owner,
    ctx: Arc<Context>,
    registry: Arc<Registry<NumberMsg>>,
    /// Forwards the change feed's messages to this actor.
    feed: JoinHandle<()>,
    /// Store reads in flight (the startup read, drains): the actor is not idle.
    reads: usize,
    /// Arrived messages whose delivery state is being read from the store.
    checking: HashSet<String>,
    /// Started and not yet given the request it was started for (nor settled).
    fresh: bool,
    /// Undelivered, unclaimed messages within retention, oldest first.
    messages: Vec<SmsRecord>,
    waiters: Vec<Waiter>,
    claims: HashMap<String, Leased>,
    /// Messages whose delivery is being recorded.
    reserved: HashSet<String>,
    /// The cleanup timer and the time it fires (epoch ms).
    cleanup: Option<(Timer, u64)>,
}

impl Actor for NumberActor {
    type Msg = NumberMsg;
    type State = Inbox;
    type Arguments = NumberArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<NumberMsg>,
        args: NumberArgs,
    ) -> Result<Inbox, ActorProcessingErr> {
        let NumberArgs {
            number,
            owner,
            ctx,
            registry,
        } = args;
        registry.register(&number, myself.clone());
        // Subscribe first, then read: nothing stored in between is missed.
        let mut sub = Subscription::new(ctx.store.watch(&number), Filter::default());
        let me = myself.clone();
        let feed = tokio::spawn(async move {
            while let Some(sms) = sub.next().await {
                if me.cast(NumberMsg::Arrived(sms)).is_err() {
                    break;
                }
            }
        });
        let since = owner.since();
        let window = ctx.clock.now_ms().saturating_sub(ctx.retention_ms());
        let (store, me, n) = (ctx.store.clone(), myself.clone(), number.clone());
        tokio::spawn(async move {
            let read = store.undelivered_since(&n, window.max(since)).await;
            let _ = me.cast(NumberMsg::Loaded(read));
        });
        myself.send_after(SETTLE, || NumberMsg::Settle);
        Ok(Inbox {
            number,
            owner,
            ctx,
            registry,
            feed,
            reads: 1,
            checking: HashSet::new(),
            fresh: true,
            messages: Vec::new(),
            waiters: Vec::new(),
            claims: HashMap::new(),
            reserved: HashSet::new(),
            cleanup: None,
        })
    }

    async fn post_stop(
        &self,
        myself: ActorRef<NumberMsg>,
        inbox: &mut Inbox,
    ) -> Result<(), ActorProcessingErr> {
        inbox.feed.abort();
        for w in inbox.waiters.drain(..) {
            w.timer.abort();
            let _ = w.reply.send(Err(WaitError::Shutdown));
        }
        inbox.registry.unregister(&inbox.number, &myself);
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<NumberMsg>,
        msg: NumberMsg,
        inbox: &mut Inbox,
    ) -> Result<(), ActorProcessingErr> {
        if matches!(
            msg,
            NumberMsg::Wait(..) | NumberMsg::Ack { .. } | NumberMsg::Drain(_)
        ) {
            inbox.fresh = false;
        }
        match msg {
            NumberMsg::Loaded(read) => inbox.loaded(&myself, read),
            NumberMsg::Arrived(sms) => inbox.arrived(&myself, &sms),
            NumberMsg::Checked(sms, undelivered) => {
                inbox.checking.remove(&sms.sms_id);
                if undelivered && !inbox.known(&sms.sms_id) {
                    inbox.offer(&myself, sms);
                }
            }
            NumberMsg::Wait(req, reply) => inbox.wait(&myself, req, reply),
            NumberMsg::CancelWait(id) => inbox.drop_waiter(id, None),
            NumberMsg::WaitExpired(id) => {
                let err = WaitError::Timeout(inbox.number.clone());
                inbox.drop_waiter(id, Some(err));
            }
            NumberMsg::Ack {
                sms_id,
                claim_id,
                reply,
            } => inbox.ack(&myself, sms_id, claim_id, reply),
            NumberMsg::LeaseExpired { sms_id, claim_id } => {
                if inbox
                    .claims
                    .get(&sms_id)
                    .is_some_and(|c| c.claim_id == claim_id)
                {
                    let leased = inbox.claims.remove(&sms_id).expect("checked");
                    inbox.offer(&myself, leased.sms);
                }
            }
            NumberMsg::Committed(ids) => {
                for id in ids {
                    inbox.reserved.remove(&id);
                }
            }
            NumberMsg::Returned(sms) => {
                inbox.reserved.remove(&sms.sms_id);
                inbox.offer(&myself, sms);
            }
            NumberMsg::Drain(reply) => inbox.drain(&myself, reply),
            NumberMsg::Drained(read, reply) => inbox.drained(&myself, read, reply),
            NumberMsg::SetOwner(owner) => inbox.set_owner(&myself, owner),
            NumberMsg::Cleanup => {
                inbox.cleanup = None;
                inbox.arm_cleanup(&myself);
            }
            NumberMsg::Settle => inbox.fresh = false,
        }
        if inbox.is_idle() {
            // Leave the map first, so new work starts a fresh actor instead of queueing
            // behind this one's stop (what is already queued is re-sent by callers).
            inbox.registry.unregister(&inbox.number, &myself);
            myself.stop(Some("idle".into()));
        }
        Ok(())
    }
}

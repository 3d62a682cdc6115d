//! NumberActor: one per phone number while it has work.
//!
//! It owns the number's inbox of recent undelivered messages, the one-shot cleanup timer
//! (armed only while the inbox holds messages), pending waiters and claims, and it is the
//! only writer of the number's delivery state. With no waiters, claims or messages it
//! stops; the store holds everything, and the next message or wait starts it again.
//! Durable writes happen in spawned tasks, never inside `handle`: the actor reserves a
//! message (so no other waiter can get it), the task records the delivery and answers
//! the waiter, and reports back with [`NumberMsg::Committed`] or [`NumberMsg::Returned`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::context::Context;
use crate::delivery::{AckError, Claim, Delivered, Owner, WaitError, WaitRequest};
use crate::record::{ProviderFailure, SmsRecord};
use crate::store::StoreError;
use crate::writer::WriteOp;

/// A pending `send_after` timer.
type Timer = JoinHandle<Result<(), ractor::MessagingErr<NumberMsg>>>;

/// Reply channel of a wait.
pub type WaitReply = oneshot::Sender<Result<Delivered, WaitError>>;

/// Messages a number actor handles.
pub enum NumberMsg {
    /// A message to this number is durable in the store.
    Arrived(SmsRecord),
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
    Drain(RpcReplyPort<Result<Vec<SmsRecord>, StoreError>>),
    /// The pool changed who holds the number.
    SetOwner(Owner),
    /// The cleanup timer fired.
    Cleanup,
}

/// Startup arguments.
pub struct NumberArgs {
    /// The phone number this actor serves.
    pub number: String,
    /// Its holder at spawn time.
    pub owner: Owner,
    /// Shared service state.
    pub ctx: Arc<Context>,
}

/// The actor (stateless; its state is [`Inbox`]).
pub struct NumberActor;

struct Waiter {
    req: WaitRequest,
    reply: WaitReply,
    timer: Timer,
}

struct Leased {
    claim_id: String,
    sms: SmsRecord,
    timer: Timer,
}

/// A number actor's state.
pub struct Inbox {
    number: String,
    owner: Owner,
    ctx: Arc<Context>,
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
        let NumberArgs { number, owner, ctx } = args;
        ctx.registry.register(&number, myself.clone());
        let window = ctx.clock.now_ms().saturating_sub(retention_ms(&ctx));
        let messages = ctx
            .store
            .undelivered_since(&number, window.max(owner.since()))?
            .into_iter()
            .filter(|m| m.retrieved_at.is_none())
            .map(SmsRecord::for_inbox)
            .collect();
        let mut inbox = Inbox {
            number,
            owner,
            ctx,
            messages,
            waiters: Vec::new(),
            claims: HashMap::new(),
            reserved: HashSet::new(),
            cleanup: None,
        };
        inbox.arm_cleanup(&myself);
        Ok(inbox)
    }

    async fn post_stop(
        &self,
        myself: ActorRef<NumberMsg>,
        inbox: &mut Inbox,
    ) -> Result<(), ActorProcessingErr> {
        for w in inbox.waiters.drain(..) {
            w.timer.abort();
            let _ = w.reply.send(Err(WaitError::Shutdown));
        }
        inbox.ctx.registry.unregister(&inbox.number, &myself);
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<NumberMsg>,
        msg: NumberMsg,
        inbox: &mut Inbox,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            NumberMsg::Arrived(sms) => inbox.arrived(&myself, sms),
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
            NumberMsg::Drain(reply) => inbox.drain(&myself, reply)?,
            NumberMsg::SetOwner(owner) => inbox.set_owner(&myself, owner),
            NumberMsg::Cleanup => {
                inbox.cleanup = None;
                inbox.arm_cleanup(&myself);
            }
        }
        if inbox.is_idle() {
            // Leave the map first, so new work starts a fresh actor instead of queueing
            // behind this one's stop (what is already queued is re-sent by callers).
            inbox.ctx.registry.unregister(&inbox.number, &myself);
            myself.stop(Some("idle".into()));
        }
        Ok(())
    }
}

fn retention_ms(ctx: &Context) -> u64 {
    ctx.settings.inbox_retention.as_millis() as u64
}

impl Inbox {
    fn is_idle(&self) -> bool {
        self.messages.is_empty()
            && self.waiters.is_empty()
            && self.claims.is_empty()
            && self.reserved.is_empty()
    }

    fn known(&self, id: &str) -> bool {
        self.reserved.contains(id)
            || self.claims.contains_key(id)
            || self.messages.iter().any(|m| m.sms_id == id)
    }

    /// A message committed by a webhook. It may already be here: this actor's startup
    /// read can see a write before its flush completes and the webhook casts it — and
    /// by then it may even have been delivered, possibly by an earlier actor of this
    /// number that has stopped since, so the store has the last word. (Remembering only
    /// the ids this actor itself read misses that case: 1 duplicate in 50,000 deliveries
    /// under load.)
    fn arrived(&mut self, myself: &ActorRef<NumberMsg>, sms: SmsRecord) {
        if self.known(&sms.sms_id) {
            return;
        }
        let delivered = self
            .ctx
            .store
            .sms(&self.number, &sms.sms_id)
            .ok()
            .flatten()
            .is_none_or(|s| s.retrieved_at.is_some());
        if !delivered {
            self.offer(myself, sms);
        }
    }

    /// Hands `sms` to the first waiter that wants it, else keeps it in the inbox.
    fn offer(&mut self, myself: &ActorRef<NumberMsg>, sms: SmsRecord) {
        self.waiters.retain(|w| !w.reply.is_closed());
        let fresh = self.is_fresh(&sms);
        let taker = self
            .waiters
            .iter()
            .position(|w| fresh && self.owner.owns(&sms) && w.req.filter.matches(&sms));
        match taker {
            Some(i) => {
                let waiter = self.waiters.remove(i);
                self.hand_over(myself, sms, waiter);
            }
            None if fresh => {
                let at = self
                    .messages
                    .partition_point(|m| m.received_at <= sms.received_at);
                self.messages.insert(at, sms);
                self.arm_cleanup(myself);
            }
            None => {}
        }
    }

    fn is_fresh(&self, sms: &SmsRecord) -> bool {
        let now = self.ctx.clock.now_ms();
        sms.received_at + retention_ms(&self.ctx) > now
    }

    fn wait(&mut self, myself: &ActorRef<NumberMsg>, req: WaitRequest, reply: WaitReply) {
        if reply.is_closed() {
            return;
        }
        let found = self
            .messages
            .iter()
            .position(|m| self.owner.owns(m) && req.filter.matches(m) && self.is_fresh(m));
        let id = req.id;
        let timer = myself.send_after(req.timeout, move || NumberMsg::WaitExpired(id));
        let waiter = Waiter { req, reply, timer };
        match found {
            Some(i) => {
                let sms = self.messages.remove(i);
                self.hand_over(myself, sms, waiter);
            }
            None => self.waiters.push(waiter),
        }
    }

    /// Gives `sms` to `waiter`: as a claim for leased waits, else recorded as delivered
    /// (durably) before the waiter sees it.
    fn hand_over(&mut self, myself: &ActorRef<NumberMsg>, sms: SmsRecord, waiter: Waiter) {
        waiter.timer.abort();
        if let Some(failure) = sms.failure.clone() {
            return self.report_failure(myself, sms, failure, waiter);
        }
        if let Some(lease) = waiter.req.lease {
            let claim = Claim {
                id: format!("{:016x}", rand::random::<u64>()),
                expires_at: self.ctx.clock.now_ms() + lease.as_millis() as u64,
            };
            let delivered = Delivered {
                sms: sms.clone(),
                claim: Some(claim.clone()),
            };
            if waiter.reply.send(Ok(delivered)).is_err() {
                return self.offer(myself, sms);
            }
            let (sms_id, claim_id) = (sms.sms_id.clone(), claim.id.clone());
            let timer =
                myself.send_after(lease, move || NumberMsg::LeaseExpired { sms_id, claim_id });
            let leased = Leased {
                claim_id: claim.id,
                sms,
                timer,
            };
            self.claims.insert(leased.sms.sms_id.clone(), leased);
            return;
        }
        self.reserved.insert(sms.sms_id.clone());
        let (store, myself) = (self.ctx.store.clone(), myself.clone());
        let at = self.ctx.clock.now_ms();
        let written = store.write(WriteOp::SetRetrieved {
            number: sms.phone_number.clone(),
            sms_id: sms.sms_id.clone(),
            at: Some(at),
        });
        tokio::spawn(async move {
            if let Err(e) = written.await {
                let _ = waiter.reply.send(Err(WaitError::Store(e.to_string())));
                let _ = myself.cast(NumberMsg::Returned(sms));
                return;
            }
            let delivered = Delivered {
                sms: SmsRecord {
                    retrieved_at: Some(at),
                    ..sms.clone()
                },
                claim: None,
            };
            if waiter.reply.send(Ok(delivered)).is_ok() {
                let _ = myself.cast(NumberMsg::Committed(vec![sms.sms_id]));
                return;
            }
            // The waiter left while we recorded it: undo, and offer it again.
            let op = WriteOp::SetRetrieved {
                number: sms.phone_number.clone(),
                sms_id: sms.sms_id.clone(),
                at: None,
            };
            if store.write(op).await.is_ok() {
                let _ = myself.cast(NumberMsg::Returned(sms));
            }
        });
    }

    /// A message the provider failed or filtered: the waiter is told (a distinct error,
    /// not a silent timeout) and the message is recorded as reported.
    fn report_failure(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        sms: SmsRecord,
        failure: ProviderFailure,
        waiter: Waiter,
    ) {
        self.reserved.insert(sms.sms_id.clone());
        let at = self.ctx.clock.now_ms();
        let written = self.ctx.store.write(WriteOp::SetRetrieved {
            number: sms.phone_number.clone(),
            sms_id: sms.sms_id.clone(),
            at: Some(at),
        });
        let (myself, number) = (myself.clone(), self.number.clone());
        tokio::spawn(async move {
            let err = match written.await {
                Ok(_) => WaitError::ProviderFiltered {
                    number,
                    code: failure.code,
                    message: failure.message,
                },
                Err(e) => WaitError::Store(e.to_string()),
            };
            let _ = waiter.reply.send(Err(err));
            let _ = myself.cast(NumberMsg::Committed(vec![sms.sms_id]));
        });
    }

    fn drop_waiter(&mut self, id: u64, err: Option<WaitError>) {
        if let Some(i) = self.waiters.iter().position(|w| w.req.id == id) {
            let w = self.waiters.remove(i);
            w.timer.abort();
            if let Some(err) = err {
                let _ = w.reply.send(Err(err));
            }
        }
    }

    fn ack(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        sms_id: String,
        claim_id: String,
        reply: RpcReplyPort<Result<SmsRecord, AckError>>,
    ) {
        let Some(leased) = self.claims.get(&sms_id).filter(|c| c.claim_id == claim_id) else {
            let _ = reply.send(Err(AckError::UnknownClaim { sms_id, claim_id }));
            return;
        };
        leased.timer.abort();
        let leased = self.claims.remove(&sms_id).expect("checked");
        self.reserved.insert(sms_id.clone());
        let myself = myself.clone();
        let at = self.ctx.clock.now_ms();
        let written = self.ctx.store.write(WriteOp::SetRetrieved {
            number: self.number.clone(),
            sms_id: sms_id.clone(),
            at: Some(at),
        });
        tokio::spawn(async move {
            match written.await {
                Ok(_) => {
                    let _ = reply.send(Ok(SmsRecord {
                        retrieved_at: Some(at),
                        ..leased.sms
                    }));
                    let _ = myself.cast(NumberMsg::Committed(vec![sms_id]));
                }
                Err(e) => {
                    let _ = reply.send(Err(AckError::Store(e.to_string())));
                    let _ = myself.cast(NumberMsg::Returned(leased.sms));
                }
            }
        });
    }

    /// Seed poll route: every undelivered message of the current owner, any age.
    fn drain(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        reply: RpcReplyPort<Result<Vec<SmsRecord>, StoreError>>,
    ) -> Result<(), StoreError> {
        let stored = self
            .ctx
            .store
            .undelivered_since(&self.number, self.owner.since())?;
        let taken: Vec<SmsRecord> = stored
            .into_iter()
            .filter(|m| m.retrieved_at.is_none() && self.owner.owns(m))
            .filter(|m| !self.reserved.contains(&m.sms_id) && !self.claims.contains_key(&m.sms_id))
            .collect();
        let ids: Vec<String> = taken.iter().map(|m| m.sms_id.clone()).collect();
        self.messages.retain(|m| !ids.contains(&m.sms_id));
        self.reserved.extend(ids.iter().cloned());
        let myself = myself.clone();
        let at = self.ctx.clock.now_ms();
        let written = self.ctx.store.write(WriteOp::SetRetrievedMany {
            number: self.number.clone(),
            sms_ids: ids.clone(),
            at,
        });
        tokio::spawn(async move {
            match written.await {
                Ok(_) => {
                    let taken = taken.into_iter().map(|m| SmsRecord {
                        retrieved_at: Some(at),
                        ..m
                    });
                    let _ = reply.send(Ok(taken.collect()));
                    let _ = myself.cast(NumberMsg::Committed(ids));
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                    for sms in taken {
                        let _ = myself.cast(NumberMsg::Returned(sms));
                    }
                }
            }
        });
        Ok(())
    }

    fn set_owner(&mut self, myself: &ActorRef<NumberMsg>, owner: Owner) {
        if owner == self.owner {
            return;
        }
        for w in self.waiters.drain(..) {
            w.timer.abort();
            let _ = w.reply.send(Err(WaitError::Released(self.number.clone())));
        }
        for (_, leased) in self.claims.drain() {
            leased.timer.abort();
            self.messages.push(leased.sms);
        }
        self.messages.sort_by_key(|m| m.received_at);
        self.owner = owner;
        self.arm_cleanup(myself);
    }

    /// Drops expired messages and re-arms the one-shot timer for the oldest remaining one.
    fn arm_cleanup(&mut self, myself: &ActorRef<NumberMsg>) {
        let now = self.ctx.clock.now_ms();
        let retention = retention_ms(&self.ctx);
        self.messages.retain(|m| m.received_at + retention > now);
        let due = self.messages.first().map(|m| m.received_at + retention);
        if due == self.cleanup.as_ref().map(|(_, at)| *at) {
            return;
        }
        if let Some((timer, _)) = self.cleanup.take() {
            timer.abort();
        }
        if let Some(at) = due {
            let delay = std::time::Duration::from_millis(at - now);
            self.cleanup = Some((myself.send_after(delay, || NumberMsg::Cleanup), at));
        }
    }
}

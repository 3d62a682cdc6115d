//! What a number actor's [`Inbox`] does with each message: offer arrivals to waiters,
//! hand messages over (delivered or claimed), acknowledge claims, drain for the poll
//! route, follow owner changes, and expire what is stale.

use ractor::{ActorRef, RpcReplyPort};

use super::{DrainReply, Inbox, Leased, NumberMsg, WaitReply, Waiter};
use crate::delivery::{AckError, Claim, Delivered, Owner, WaitError, WaitRequest};
use crate::record::{ProviderFailure, SmsRecord};
use crate::store::StoreError;

impl Inbox {
    pub(super) fn is_idle(&self) -> bool {
        !self.fresh
            && self.reads == 0
            && self.checking.is_empty()
            && self.messages.is_empty()
            && self.waiters.is_empty()
            && self.claims.is_empty()
            && self.reserved.is_empty()
    }

    pub(super) fn known(&self, id: &str) -> bool {
        self.reserved.contains(id)
            || self.claims.contains_key(id)
            || self.messages.iter().any(|m| m.sms_id == id)
    }

    /// The startup read: every undelivered message of the current assignment within
    /// retention. Some may have arrived through the feed meanwhile.
    pub(super) fn loaded(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        read: Result<Vec<SmsRecord>, StoreError>,
    ) {
        self.reads -= 1;
        match read {
            Ok(stored) => {
                for sms in stored {
                    if sms.retrieved_at.is_none() && !self.known(&sms.sms_id) {
                        self.offer(myself, sms.for_inbox());
                    }
                }
            }
            Err(e) => {
                tracing::error!(number = %self.number, error = %e, "could not read the number's messages");
                for w in self.waiters.drain(..) {
                    w.timer.abort();
                    let _ = w.reply.send(Err(WaitError::Store(e.to_string())));
                }
            }
        }
    }

    /// A message the feed reports. It may already be here: the startup read can see a
    /// write before it is durable and published — and by then it may even have been
    /// delivered, possibly by an earlier actor of this number that has stopped since, so
    /// the store has the last word, read off the mailbox. (Remembering only the ids this
    /// actor itself read misses that case: 1 duplicate in 50,000 deliveries under load.)
    pub(super) fn arrived(&mut self, myself: &ActorRef<NumberMsg>, sms: &SmsRecord) {
        if self.known(&sms.sms_id) || !self.checking.insert(sms.sms_id.clone()) {
            return;
        }
        let (store, me, sms) = (self.ctx.store.clone(), myself.clone(), sms.inbox_copy());
        tokio::spawn(async move {
            let stored = store.message(&sms.phone_number, &sms.sms_id).await;
            let undelivered = matches!(stored, Ok(Some(s)) if s.retrieved_at.is_none());
            let _ = me.cast(NumberMsg::Checked(sms, undelivered));
        });
    }

    /// Hands `sms` to the first waiter that wants it, else keeps it in the inbox.
    pub(super) fn offer(&mut self, myself: &ActorRef<NumberMsg>, sms: SmsRecord) {
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

    pub(super) fn is_fresh(&self, sms: &SmsRecord) -> bool {
        let now = self.ctx.clock.now_ms();
        sms.received_at + self.ctx.retention_ms() > now
    }

    pub(super) fn wait(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        req: WaitRequest,
        reply: WaitReply,
    ) {
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
    pub(super) fn hand_over(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        sms: SmsRecord,
        waiter: Waiter,
    ) {
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
                expires_at: claim.expires_at,
                sms,
                timer,
            };
            self.claims.insert(leased.sms.sms_id.clone(), leased);
            return;
        }
        self.reserved.insert(sms.sms_id.clone());
        let (store, myself) = (self.ctx.store.clone(), myself.clone());
        let at = self.ctx.clock.now_ms();
        let written = store.set_delivered(&self.number, vec![sms.sms_id.clone()], Some(at));
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
            let undo = store.set_delivered(&sms.phone_number, vec![sms.sms_id.clone()], None);
            if undo.await.is_ok() {
                let _ = myself.cast(NumberMsg::Returned(sms));
            }
        });
    }

    /// A message the provider failed or filtered: the waiter is told (a distinct error,
    /// not a silent timeout) and the message is recorded as reported.
    pub(super) fn report_failure(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        sms: SmsRecord,
        failure: ProviderFailure,
        waiter: Waiter,
    ) {
        self.reserved.insert(sms.sms_id.clone());
        let at = self.ctx.clock.now_ms();
        let written =
            self.ctx
                .store
                .set_delivered(&self.number, vec![sms.sms_id.clone()], Some(at));
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

    pub(super) fn drop_waiter(&mut self, id: u64, err: Option<WaitError>) {
        if let Some(i) = self.waiters.iter().position(|w| w.req.id == id) {
            let w = self.waiters.remove(i);
            w.timer.abort();
            if let Some(err) = err {
                let _ = w.reply.send(Err(err));
            }
        }
    }

    pub(super) fn ack(
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
        // Expired even if its timer has not been handled yet: the lease is what the
        // claimant was promised, not when this actor got round to the timer.
        if self.ctx.clock.now_ms() >= leased.expires_at {
            self.offer(myself, leased.sms);
            let _ = reply.send(Err(AckError::UnknownClaim { sms_id, claim_id }));
            return;
        }
        self.reserved.insert(sms_id.clone());
        let myself = myself.clone();
        let at = self.ctx.clock.now_ms();
        let written = self
            .ctx
            .store
            .set_delivered(&self.number, vec![sms_id.clone()], Some(at));
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

    /// Seed poll route: every undelivered message of the current owner, any age, read
    /// off the mailbox; [`drained`](Self::drained) takes them.
    pub(super) fn drain(&mut self, myself: &ActorRef<NumberMsg>, reply: DrainReply) {
        self.reads += 1;
        let (store, me, number) = (self.ctx.store.clone(), myself.clone(), self.number.clone());
        let since = self.owner.since();
        tokio::spawn(async move {
            let read = store.undelivered_since(&number, since).await;
            let _ = me.cast(NumberMsg::Drained(read, reply));
        });
    }

    pub(super) fn drained(
        &mut self,
        myself: &ActorRef<NumberMsg>,
        read: Result<Vec<SmsRecord>, StoreError>,
        reply: DrainReply,
    ) {
        self.reads -= 1;
        let stored = match read {
            Ok(stored) => stored,
            Err(e) => {
                let _ = reply.send(Err(e));
                return;
            }
        };
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
        let written = self
            .ctx
            .store
            .set_delivered(&self.number, ids.clone(), Some(at));
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
    }

    pub(super) fn set_owner(&mut self, myself: &ActorRef<NumberMsg>, owner: Owner) {
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
    pub(super) fn arm_cleanup(&mut self, myself: &ActorRef<NumberMsg>) {
        let now = self.ctx.clock.now_ms();
        let retention = self.ctx.retention_ms();
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

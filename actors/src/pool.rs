//! PoolActor: the number pool and supervisor of the number actors.
//!
//! It owns passport → number assignments, free and quarantined numbers and
//! provisioning, and spawns (linked) the NumberActor of a number when one is needed.
//! State changes are applied in memory at once, so later requests see them; the reply
//! waits for the durable write in a spawned task, never inside `handle`. A purchase runs
//! in a task too, so other passports are answered while it is in flight.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use crate::clock::Millis;
use crate::context::{Context, Settings};
use crate::delivery::Owner;
use crate::number::{NumberActor, NumberArgs, NumberMsg};
use crate::pool_state::{Assignment, Change, NumberInfo, PoolError, PoolState};
use crate::provider::{self, LineType, NumberProvider, OwnedNumber, ProviderError, SearchQuery};
use crate::record::{NumberRecord, NumberState};
use crate::registry::Registry;
use crate::store::StoreError;

type Reply<T> = RpcReplyPort<Result<T, PoolError>>;

/// Messages the pool handles.
pub(crate) enum PoolMsg {
    /// The passport's number, assigning (or buying) one that fits `want` if it has none
    /// (a number already held is kept).
    Assign {
        passport: String,
        want: Want,
        reply: Reply<Assignment>,
    },
    /// Put the passport's number into quarantine.
    Release {
        passport: String,
        reply: Reply<Assignment>,
    },
    /// Every pool number.
    List(RpcReplyPort<Vec<NumberInfo>>),
    /// One number's record, if it is in the pool.
    Lookup(String, RpcReplyPort<Option<NumberRecord>>),
    /// The number's live actor, spawning it if needed.
    Activate(String, Reply<ActorRef<NumberMsg>>),
    /// A purchase for the passport finished.
    Provisioned(String, Result<OwnedNumber, ProviderError>),
    /// Give back bought numbers idle for `release_idle_after` (timer).
    SweepIdle,
    /// A number given back to the provider (or not, with why).
    GaveBack(String, NumberRecord, Result<(), ProviderError>),
    /// The store holds another record for the number than the pool thought (another
    /// writer changed it): take the store's.
    Refresh(String, Option<NumberRecord>),
}

/// Startup arguments.
pub(crate) struct PoolArgs {
    /// Shared service state.
    pub ctx: Arc<Context>,
    /// The live number actors, which the pool spawns and tells of owner changes.
    pub registry: Arc<Registry<NumberMsg>>,
    /// Where numbers are bought.
    pub provider: Arc<dyn NumberProvider>,
    /// Numbers from configuration, added to the pool if new.
    pub configured: Vec<String>,
}

/// What a new number must be.
#[derive(Clone, Debug, Default)]
pub(crate) struct Want {
    /// Where (`None`: anywhere, bought with the configured search).
    pub search: Option<SearchQuery>,
    /// Which line type.
    pub line: LineType,
}

impl Want {
    /// Whether `number` may be handed out for this want: it fits the search and the
    /// line type, and its line is not down.
    fn admits(&self, number: &str, settings: &Settings, down: &HashSet<String>) -> bool {
        self.search.as_ref().is_none_or(|w| w.fits(number))
            && self.line.admits(number, &settings.sim_numbers)
            && !down.contains(number)
    }
}

/// Reads a lock shared with other threads (a poisoned one still holds the last value).
fn read<T>(lock: &std::sync::RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|p| p.into_inner())
}

/// A passport waiting for a number to be bought.
struct Pending {
    passport: String,
    /// What the number must be (never a `Mobile` line: SIMs are not bought).
    want: Want,
    /// Every reply owed to the passport.
    replies: Vec<Reply<Assignment>>,
    /// Whether a purchase is under way for it.
    buying: bool,
}

/// The actor (stateless; its state is [`Pool`]).
pub(crate) struct PoolActor;

/// The pool actor's state.
pub(crate) struct Pool {
    ctx: Arc<Context>,
    registry: Arc<Registry<NumberMsg>>,
    provider: Arc<dyn NumberProvider>,
    state: PoolState,
    /// Passports waiting for a purchase, oldest first.
    pending: VecDeque<Pending>,
    /// Purchases under way.
    in_flight: usize,
    /// Times of recent purchases, for the hourly cap.
    purchases: VecDeque<Millis>,
    /// Number of each linked child actor, by actor id.
    children: HashMap<ractor::ActorId, String>,
}

impl Actor for PoolActor {
    type Msg = PoolMsg;
    type State = Pool;
    type Arguments = PoolArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<PoolMsg>,
        args: PoolArgs,
    ) -> Result<Pool, ActorProcessingErr> {
        let PoolArgs {
            ctx,
            registry,
            provider,
            configured,
        } = args;
        let mut state = PoolState::restore(ctx.store.numbers().await?);
        let now = ctx.clock.now_ms();
        for number in configured {
            if let Some(record) = state.add(&number, None, now) {
                match ctx.store.put_number(&number, None, record).await {
                    // Another node added it first: take its record.
                    Err(StoreError::Conflict { .. }) => {
                        let stored = ctx.store.numbers().await?;
                        let record = stored.into_iter().find(|(n, _)| *n == number);
                        state.replace(&number, record.map(|(_, r)| r));
                    }
                    other => other?,
                }
            }
        }
        tracing::info!("Initialized with {} phone numbers", state.len());
        if let Some(idle) = ctx.settings.release_idle_after {
            let period = (idle / 2).max(std::time::Duration::from_millis(100));
            myself.send_interval(period, || PoolMsg::SweepIdle);
        }
        Ok(Pool {
            ctx,
            registry,
            provider,
            state,
            pending: VecDeque::new(),
            in_flight: 0,
            purchases: VecDeque::new(),
            children: HashMap::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<PoolMsg>,
        msg: PoolMsg,
        pool: &mut Pool,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PoolMsg::Assign {
                passport,
                want,
                reply,
            } => pool.assign(&myself, passport, want, reply),
            PoolMsg::Release { passport, reply } => pool.release(&myself, passport, reply),
            PoolMsg::List(reply) => {
                let _ = reply.send(pool.state.list());
            }
            PoolMsg::Lookup(number, reply) => {
                let _ = reply.send(pool.state.record(&number).cloned());
            }
            PoolMsg::Activate(number, reply) => {
                let _ = reply.send(pool.activate(&myself, &number).await);
            }
            PoolMsg::Provisioned(passport, result) => pool.provisioned(&myself, passport, result),
            PoolMsg::SweepIdle => pool.sweep_idle(&myself),
            PoolMsg::GaveBack(number, record, result) => pool.gave_back(number, record, result),
            PoolMsg::Refresh(number, record) => {
                pool.state.replace(&number, record.clone());
                if let Some(actor) = pool.registry.get(&number) {
                    let owner = record.as_ref().map_or(Owner::Nobody, owner_of);
                    let _ = actor.cast(NumberMsg::SetOwner(owner));
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<PoolMsg>,
        evt: SupervisionEvent,
        pool: &mut Pool,
    ) -> Result<(), ActorProcessingErr> {
        match evt {
            SupervisionEvent::ActorTerminated(cell, _, _) => {
                pool.children.remove(&cell.get_id());
            }
            SupervisionEvent::ActorFailed(cell, err) => {
                if let Some(number) = pool.children.remove(&cell.get_id()) {
                    tracing::error!(%number, error = %err, "number actor failed; respawning from the store");
                    if let Err(e) = pool.activate(&myself, &number).await {
                        tracing::error!(%number, error = %e, "respawn failed");
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

impl Pool {
    fn assign(
        &mut self,
        myself: &ActorRef<PoolMsg>,
        passport: String,
        want: Want,
        reply: Reply<Assignment>,
    ) {
        if let Err(e) = crate::pool_state::check_passport(&passport) {
            let _ = reply.send(Err(e));
            return;
        }
        let now = self.ctx.clock.now_ms();
        let settings = &self.ctx.settings;
        let down = read(&settings.unavailable);
        let assigned = self
            .state
            .assign(&passport, now, |n| want.admits(n, settings, &down));
        drop(down);
        match assigned {
            Some((assignment, None)) => {
                let _ = reply.send(Ok(assignment));
            }
            Some((assignment, Some(record))) => {
                tracing::info!(
                    "Assigned {} to passport {}",
                    assignment.phone_number,
                    passport
                );
                self.commit(myself, assignment, record, reply);
            }
            // SIMs cannot be bought: none free is the answer.
            None if want.line == LineType::Mobile => drop(reply.send(Err(PoolError::NoSimFree))),
            None => self.enqueue(myself, passport, want, reply, now),
        }
    }

    fn release(&mut self, myself: &ActorRef<PoolMsg>, passport: String, reply: Reply<Assignment>) {
        if let Err(e) = crate::pool_state::check_passport(&passport) {
            let _ = reply.send(Err(e));
            return;
        }
        let now = self.ctx.clock.now_ms();
        let until = now + self.ctx.settings.quarantine.as_millis() as u64;
        match self.state.release(&passport, until) {
            Some((assignment, record)) => {
                tracing::info!(
                    "Released {} from passport {}",
                    assignment.phone_number,
                    passport
                );
                self.commit(myself, assignment, record, reply);
            }
            None => {
                let _ = reply.send(Err(PoolError::NotAssigned(passport)));
            }
        }
    }

    /// Tells the live actor, persists the change (compare-and-set against the record it
    /// replaces), then replies.
    fn commit(
        &mut self,
        myself: &ActorRef<PoolMsg>,
        assignment: Assignment,
        change: Change,
        reply: Reply<Assignment>,
    ) {
        let number = assignment.phone_number.clone();
        if let Some(actor) = self.registry.get(&number) {
            let _ = actor.cast(NumberMsg::SetOwner(owner_of(&change.after)));
        }
        let written = self
            .ctx
            .store
            .put_number(&number, Some(change.before), change.after);
        let (store, myself) = (self.ctx.store.clone(), myself.clone());
        tokio::spawn(async move {
            let result = match written.await {
                Ok(()) => Ok(assignment),
                Err(StoreError::Conflict { number }) => {
                    refresh(&*store, &myself, &number).await;
                    Err(PoolError::Store(format!(
                        "{number} was changed by another node meanwhile; try again"
                    )))
                }
                Err(e) => {
                    // The write may or may not have happened (refused, timed out):
                    // the store decides, as after a conflict.
                    refresh(&*store, &myself, &number).await;
                    Err(PoolError::Store(e.to_string()))
                }
            };
            let _ = reply.send(result);
        });
    }

    fn enqueue(
        &mut self,
        myself: &ActorRef<PoolMsg>,
        passport: String,
        want: Want,
        reply: Reply<Assignment>,
        now: Millis,
    ) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.passport == passport) {
            p.replies.push(reply);
            return;
        }
        self.pending.push_back(Pending {
            passport,
            want,
            replies: vec![reply],
            buying: false,
        });
        self.buy_for_waiting(myself, now);
    }

    /// Starts a purchase for each waiting passport without one, or tells it why none
    /// can be made.
    fn buy_for_waiting(&mut self, myself: &ActorRef<PoolMsg>, now: Millis) {
        for i in 0..self.pending.len() {
            if self.pending[i].buying {
                continue;
            }
            if let Err(e) = self.may_buy(now) {
                for r in std::mem::take(&mut self.pending[i].replies) {
                    let _ = r.send(Err(e.clone()));
                }
                continue;
            }
            let p = &mut self.pending[i];
            p.buying = true;
            self.in_flight += 1;
            self.purchases.push_back(now);
            let query = p
                .want
                .search
                .clone()
                .unwrap_or_else(|| self.ctx.settings.search.clone());
            let (provider, passport, myself) =
                (self.provider.clone(), p.passport.clone(), myself.clone());
            tokio::spawn(async move {
                let result = provider::provision(provider.as_ref(), &query).await;
                let _ = myself.cast(PoolMsg::Provisioned(passport, result));
            });
        }
        self.pending.retain(|p| !p.replies.is_empty());
    }

    /// Whether one more purchase is allowed now.
    fn may_buy(&mut self, now: Millis) -> Result<(), PoolError> {
        let s = &self.ctx.settings;
        if !s.auto_provision {
            return Err(PoolError::Exhausted);
        }
        let planned = self.state.len() + self.in_flight;
        if planned >= s.max_numbers as usize {
            return Err(PoolError::MaxNumbers(s.max_numbers));
        }
        if !self.provider.billable() {
            return Ok(());
        }
        let hour_ago = now.saturating_sub(3_600_000);
        while self.purchases.front().is_some_and(|t| *t < hour_ago) {
            self.purchases.pop_front();
        }
        if self.purchases.len() >= s.max_provisions_per_hour as usize {
            return Err(PoolError::MaxPerHour(s.max_provisions_per_hour));
        }
        Ok(())
    }

    fn provisioned(
        &mut self,
        myself: &ActorRef<PoolMsg>,
        bought_for: String,
        result: Result<OwnedNumber, ProviderError>,
    ) {
        self.in_flight -= 1;
        let now = self.ctx.clock.now_ms();
        let waiting = self.pending.iter_mut().find(|p| p.passport == bought_for);
        match result {
            Ok(owned) => {
                if let Some(p) = waiting {
                    p.buying = false;
                }
                tracing::info!(number = %owned.phone_number, provider = self.provider.name(), "Provisioned {}", owned.phone_number);
                if let Some(record) =
                    self.state
                        .add(&owned.phone_number, Some(owned.provider_id.clone()), now)
                {
                    // Queued now: applied before the assignment written just below.
                    let added = self.ctx.store.put_number(&owned.phone_number, None, record);
                    let number = owned.phone_number.clone();
                    let (store, myself) = (self.ctx.store.clone(), myself.clone());
                    tokio::spawn(async move {
                        if let Err(e) = added.await {
                            tracing::error!(%number, error = %e, "could not record a provisioned number");
                            refresh(&*store, &myself, &number).await;
                        }
                    });
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "provisioning failed");
                if let Some(p) = waiting {
                    for r in std::mem::take(&mut p.replies) {
                        let _ = r.send(Err(PoolError::Provider(e.clone())));
                    }
                }
                self.pending.retain(|p| !p.replies.is_empty());
            }
        }
        // Serve waiting passports from whatever fits and is free now: the new number goes
        // to the passport it was bought for (it fits what that one asked for), then the
        // others, oldest first; one left without a purchase under way buys again.
        let mut waiting = std::mem::take(&mut self.pending);
        if let Some(p) = waiting
            .iter()
            .position(|p| p.passport == bought_for)
            .and_then(|i| waiting.remove(i))
        {
            waiting.push_front(p);
        }
        for mut p in waiting {
            let settings = &self.ctx.settings;
            let down = read(&settings.unavailable);
            let assigned = self
                .state
                .assign(&p.passport, now, |n| p.want.admits(n, settings, &down));
            drop(down);
            let Some((assignment, record)) = assigned else {
                self.pending.push_back(p);
                continue;
            };
            let mut replies = std::mem::take(&mut p.replies).into_iter();
            let first = replies.next().expect("at least one reply");
            for r in replies {
                let _ = r.send(Ok(assignment.clone()));
            }
            match record {
                Some(record) => {
                    tracing::info!(
                        "Assigned {} to passport {}",
                        assignment.phone_number,
                        p.passport
                    );
                    self.commit(myself, assignment, record, first);
                }
                None => drop(first.send(Ok(assignment))),
            }
        }
        self.buy_for_waiting(myself, now);
    }

    /// Takes bought numbers that sat unused for `release_idle_after` out of the pool and
    /// gives them back to the provider, so the pool shrinks when demand falls.
    fn sweep_idle(&mut self, myself: &ActorRef<PoolMsg>) {
        let Some(idle) = self.ctx.settings.release_idle_after else {
            return;
        };
        let now = self.ctx.clock.now_ms();
        for number in self.state.idle_bought(now, idle.as_millis() as u64) {
            let Some(record) = self.state.remove(&number) else {
                continue;
            };
            let owned = OwnedNumber {
                phone_number: number.clone(),
                provider_id: record.provider_id.clone().unwrap_or_default(),
            };
            let (provider, myself) = (self.provider.clone(), myself.clone());
            tokio::spawn(async move {
                let result = provider.release(&owned).await;
                let _ = myself.cast(PoolMsg::GaveBack(number, record, result));
            });
        }
    }

    fn gave_back(
        &mut self,
        number: String,
        record: NumberRecord,
        result: Result<(), ProviderError>,
    ) {
        match result {
            Ok(()) => {
                tracing::info!(
                    "Gave {number} back to {} after it sat idle",
                    self.provider.name()
                );
                let at = self.ctx.clock.now_ms();
                let removed = self.ctx.store.remove_number(&number, record, at);
                tokio::spawn(async move {
                    if let Err(e) = removed.await {
                        tracing::error!(%number, error = %e, "could not record a number given back");
                    }
                });
            }
            Err(e) => {
                tracing::warn!(%number, error = %e, "could not give an idle number back; keeping it");
                self.state.restore_number(&number, record);
            }
        }
    }

    async fn activate(
        &mut self,
        myself: &ActorRef<PoolMsg>,
        number: &str,
    ) -> Result<ActorRef<NumberMsg>, PoolError> {
        if let Some(actor) = self.registry.get(number) {
            return Ok(actor);
        }
        let owner = self.state.record(number).map_or(Owner::Nobody, owner_of);
        let args = NumberArgs {
            number: number.to_owned(),
            owner,
            ctx: self.ctx.clone(),
            registry: self.registry.clone(),
        };
        let (actor, _) = Actor::spawn_linked(None, NumberActor, args, myself.get_cell())
            .await
            .map_err(|e| PoolError::Spawn(e.to_string()))?;
        self.children.insert(actor.get_id(), number.to_owned());
        Ok(actor)
    }
}

/// Re-reads `number`'s record and hands it to the pool.
async fn refresh(store: &dyn crate::store::Store, pool: &ActorRef<PoolMsg>, number: &str) {
    match store.numbers().await {
        Ok(all) => {
            let record = all.into_iter().find(|(n, _)| n == number).map(|(_, r)| r);
            let _ = pool.cast(PoolMsg::Refresh(number.to_owned(), record));
        }
        Err(e) => tracing::error!(%number, error = %e, "could not re-read a changed number"),
    }
}

/// Who may receive the number's messages, from its record.
pub(crate) fn owner_of(record: &NumberRecord) -> Owner {
    match &record.state {
        NumberState::Assigned { passport, since } => Owner::Passport {
            passport: passport.clone(),
            since: *since,
        },
        _ => Owner::Nobody,
    }
}

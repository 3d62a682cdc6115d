//! [`Service`]: the running actor system and store, behind typed methods.
//!
//! `serve`, embedded `mcp` and tests all start one with [`Service::start`] and stop it
//! with [`Service::shutdown`]. Callers never see actor messages.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ractor::rpc::CallResult;
use ractor::{Actor, ActorRef};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::context::{Context, Settings};
use crate::delivery::{AckError, Delivered, Viewer, WaitError, WaitRequest};
use crate::number::NumberMsg;
use crate::pool::{owner_of, PoolActor, PoolArgs, PoolMsg, Want};
use crate::pool_state::{Assignment, NumberInfo, PoolError};
use crate::provider::{LineType, NumberProvider, SearchQuery};
use crate::record::{Filter, InboundSms, NumberRecord, SmsRecord};
use crate::registry::Registry;
use crate::store::{history, Cursor, HistoryScope, Ingested, Page, Store, StoreError};
use crate::subscription::Subscription;

/// Everything needed to start a service besides its store and provider.
pub struct ServiceConfig {
    /// Delivery and pool tunables.
    pub settings: Settings,
    /// Pool numbers from configuration.
    pub numbers: Vec<String>,
    /// How long history is kept.
    pub history_retention: Duration,
    /// How often the purge runs.
    pub purge_interval: Duration,
}

/// Startup failures.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The pool actor did not start (its restore from the store failed).
    #[error("could not start the pool: {0}")]
    Pool(String),
}

/// Why a history page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The pool could not say who holds the number.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A running AgentPass SMS core. Cheap to share behind an `Arc`.
pub struct Service {
    ctx: Arc<Context>,
    registry: Arc<Registry<NumberMsg>>,
    pool: ActorRef<PoolMsg>,
    pool_task: std::sync::Mutex<Option<JoinHandle<()>>>,
    purge: JoinHandle<()>,
    next_wait: AtomicU64,
}

/// How many times a call is re-sent to a number actor that stopped under it.
const MAX_ATTEMPTS: usize = 8;

impl Service {
    /// Restores the pool from `store` and starts the actors. The caller opens the store
    /// first (before binding any port), so a second process on the same data directory
    /// fails early with [`StoreError::Locked`]; it also closes it if this fails.
    pub async fn start(
        store: Arc<dyn Store>,
        config: ServiceConfig,
        provider: Arc<dyn NumberProvider>,
    ) -> Result<Service, StartError> {
        Service::start_with_clock(store, config, provider, Clock::new()).await
    }

    /// [`start`](Self::start) on a given clock: a test that restarts the service on
    /// tokio's paused time passes the old service's clock, so time does not jump back to
    /// the wall clock.
    pub async fn start_with_clock(
        store: Arc<dyn Store>,
        config: ServiceConfig,
        provider: Arc<dyn NumberProvider>,
        clock: Clock,
    ) -> Result<Service, StartError> {
        let ctx = Arc::new(Context {
            store,
            clock,
            settings: config.settings,
        });
        let registry = Arc::new(Registry::default());
        let args = PoolArgs {
            ctx: ctx.clone(),
            registry: registry.clone(),
            provider,
            configured: config.numbers,
        };
        let (pool, pool_task) = Actor::spawn(None, PoolActor, args)
            .await
            .map_err(|e| StartError::Pool(e.to_string()))?;
        let purge = tokio::spawn(purge_loop(
            ctx.clone(),
            config.history_retention,
            config.purge_interval,
        ));
        Ok(Service {
            ctx,
            registry,
            pool,
            pool_task: std::sync::Mutex::new(Some(pool_task)),
            purge,
            next_wait: AtomicU64::new(1),
        })
    }

    /// The store (for reads, diagnostics and tests).
    pub fn store(&self) -> &dyn Store {
        &*self.ctx.store
    }

    /// The pool's settings (the configured search among them).
    pub fn settings(&self) -> &crate::context::Settings {
        &self.ctx.settings
    }

    /// The service clock.
    pub fn clock(&self) -> Clock {
        self.ctx.clock
    }

    /// How many number actors are live (idle numbers have none).
    pub fn live_actors(&self) -> usize {
        self.registry.len()
    }

    /// Whether `number` has a live actor.
    pub fn is_active(&self, number: &str) -> bool {
        self.registry.get(number).is_some()
    }

    /// Kills `number`'s live actor as a crash would (fault injection for tests); its
    /// supervisor respawns it from the store. `false` if it had none.
    #[doc(hidden)]
    pub fn kill_actor(&self, number: &str) -> bool {
        self.registry.get(number).map(|a| a.kill()).is_some()
    }

    /// Observes `number`'s arriving messages that pass `filter`, from now on, without
    /// using any up: the seam waits, live streams and other nodes build on.
    pub fn subscribe(&self, number: &str, filter: Filter) -> Subscription {
        Subscription::new(self.ctx.store.watch(number), filter)
    }

    /// The passport's number (sticky), assigning or buying one if needed.
    pub async fn assign(&self, passport: &str) -> Result<Assignment, PoolError> {
        self.assign_fitting(passport, None, LineType::Any).await
    }

    /// [`assign`](Self::assign), choosing (or buying) a number that fits `want` and
    /// `line` when the passport holds none (a SIM is never bought: none free is
    /// [`PoolError::NoSimFree`]). A number it already holds is returned as it is: compare
    /// it with [`SearchQuery::fits`] and [`LineType::admits`] to tell the caller.
    pub async fn assign_fitting(
        &self,
        passport: &str,
        want: Option<SearchQuery>,
        line: LineType,
    ) -> Result<Assignment, PoolError> {
        let passport = passport.to_owned();
        let want = Want { search: want, line };
        self.pool_call(|reply| PoolMsg::Assign {
            passport,
            want,
            reply,
        })
        .await?
    }

    /// Releases the passport's number into quarantine.
    pub async fn release(&self, passport: &str) -> Result<Assignment, PoolError> {
        let passport = passport.to_owned();
        self.pool_call(|reply| PoolMsg::Release { passport, reply })
            .await?
    }

    /// Every pool number.
    pub async fn numbers(&self) -> Result<Vec<NumberInfo>, PoolError> {
        self.pool_call(PoolMsg::List).await
    }

    /// The pool record of `number`, if it is a pool number.
    pub async fn lookup(&self, number: &str) -> Result<Option<NumberRecord>, PoolError> {
        let number = number.to_owned();
        self.pool_call(|reply| PoolMsg::Lookup(number, reply)).await
    }

    /// Stores an inbound message durably (idempotent on its id); the store's change feed
    /// tells whoever observes the number. When this returns `Ok`, the message survives a
    /// crash.
    pub async fn ingest(&self, sms: InboundSms) -> Result<Ingested, StoreError> {
        let now = self.ctx.clock.now_ms();
        let record = SmsRecord {
            sms_id: sms.sms_id,
            phone_number: sms.to,
            sender: sms.from,
            body: sms.body,
            received_at: sms.received_at.map_or(now, |t| t.min(now)),
            notified_at: now,
            retrieved_at: None,
            passport: None,
            extra: sms.extra,
            failure: sms.failure,
        };
        self.ctx.store.insert_sms(record).await
    }

    /// Waits for the next matching undelivered message to `number`. With
    /// `lease`, the message is claimed and must be acknowledged with [`ack`](Self::ack).
    /// Dropping the future cancels the wait without using a message up.
    pub async fn wait(
        &self,
        number: &str,
        filter: Filter,
        timeout: Duration,
        lease: Option<Duration>,
    ) -> Result<Delivered, WaitError> {
        let id = self.next_wait.fetch_add(1, Ordering::Relaxed);
        let deadline = tokio::time::Instant::now() + timeout;
        for _ in 0..MAX_ATTEMPTS {
            let actor = self
                .activate(number)
                .await
                .map_err(|_| WaitError::Shutdown)?;
            let (tx, rx) = oneshot::channel();
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let req = WaitRequest {
                id,
                filter: filter.clone(),
                timeout: remaining,
                lease,
            };
            if actor.cast(NumberMsg::Wait(req, tx)).is_err() {
                retry_pause().await;
                continue;
            }
            let mut guard = CancelGuard {
                actor: Some(actor),
                id,
            };
            let result = rx.await;
            guard.actor = None;
            match result {
                Ok(result) => return result,
                // The actor stopped without answering (it failed or went idle under us):
                // the store still has everything; ask its successor.
                Err(_) => retry_pause().await,
            }
        }
        Err(WaitError::Timeout(number.to_owned()))
    }

    /// Acknowledges a claimed message: it is recorded as delivered.
    pub async fn ack(
        &self,
        number: &str,
        sms_id: &str,
        claim_id: &str,
    ) -> Result<SmsRecord, AckError> {
        for _ in 0..MAX_ATTEMPTS {
            let actor = self
                .activate(number)
                .await
                .map_err(|_| AckError::Shutdown)?;
            let (sms_id, claim_id) = (sms_id.to_owned(), claim_id.to_owned());
            match actor
                .call(
                    |reply| NumberMsg::Ack {
                        sms_id,
                        claim_id,
                        reply,
                    },
                    None,
                )
                .await
            {
                Ok(CallResult::Success(result)) => return result,
                _ => retry_pause().await,
            }
        }
        Err(AckError::Shutdown)
    }

    /// Delivers, at once, every undelivered message of the number's current owner (the
    /// seed poll route), marking them retrieved.
    pub async fn drain(&self, number: &str) -> Result<Vec<SmsRecord>, StoreError> {
        for _ in 0..MAX_ATTEMPTS {
            let actor = self
                .activate(number)
                .await
                .map_err(|_| StoreError::Closed)?;
            match actor.call(NumberMsg::Drain, None).await {
                Ok(CallResult::Success(result)) => return result,
                _ => retry_pause().await,
            }
        }
        Err(StoreError::Closed)
    }

    /// A page of `number`'s history (newest first) as `viewer` may see it: the one
    /// visibility rule of the HTTP API and the MCP tools.
    pub async fn number_history(
        &self,
        number: &str,
        viewer: Viewer,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page, HistoryError> {
        let holder = match self.lookup(number).await?.map(|r| owner_of(&r)) {
            Some(crate::delivery::Owner::Passport { passport, .. }) => Some(passport),
            _ => None,
        };
        let keep = |m: &SmsRecord| viewer.sees(holder.as_deref(), m);
        let scope = HistoryScope::Number(number);
        Ok(history::page(&*self.ctx.store, scope, cursor, limit, &keep).await?)
    }

    /// A page of the messages attributed to `passport` on every number it has held.
    pub async fn passport_history(
        &self,
        passport: &str,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page, HistoryError> {
        crate::pool_state::check_passport(passport)?;
        let scope = HistoryScope::Passport(passport);
        Ok(history::page(&*self.ctx.store, scope, cursor, limit, &|_| true).await?)
    }

    /// Stops every actor and flushes and closes the store: [`stop_actors`](Self::stop_actors)
    /// then [`close_store`](Self::close_store).
    pub async fn shutdown(&self) {
        self.stop_actors().await;
        self.close_store().await;
    }

    /// Stops every actor; pending waiters get [`WaitError::Shutdown`]. Ingest still works
    /// (messages are stored, nobody is told) until [`close_store`](Self::close_store).
    pub async fn stop_actors(&self) {
        self.purge.abort();
        let reason = Some("shutdown".to_owned());
        self.pool
            .stop_children_and_wait(reason.clone(), Some(Duration::from_secs(5)))
            .await;
        self.pool.stop(reason);
        let task = self.pool_task.lock().expect("pool task lock").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// Finishes what is queued and closes the store; later writes fail.
    pub async fn close_store(&self) {
        self.ctx.store.close().await;
    }

    async fn activate(&self, number: &str) -> Result<ActorRef<NumberMsg>, PoolError> {
        if let Some(actor) = self.registry.get(number) {
            return Ok(actor);
        }
        let number = number.to_owned();
        self.pool_call(|reply| PoolMsg::Activate(number, reply))
            .await?
    }

    async fn pool_call<T, F>(&self, msg: F) -> Result<T, PoolError>
    where
        T: Send + 'static,
        F: FnOnce(ractor::RpcReplyPort<T>) -> PoolMsg,
    {
        match self.pool.call(msg, None).await {
            Ok(CallResult::Success(value)) => Ok(value),
            _ => Err(PoolError::Shutdown),
        }
    }
}

/// A short pause before re-sending to a number actor that stopped under us, so its
/// successor can start.
async fn retry_pause() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// Cancels a pending wait when the caller's future is dropped.
struct CancelGuard {
    actor: Option<ActorRef<NumberMsg>>,
    id: u64,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if let Some(actor) = self.actor.take() {
            let _ = actor.cast(NumberMsg::CancelWait(self.id));
        }
    }
}

/// Most messages one purge step looks at, so that a purge never holds the store's
/// writer for long.
const PURGE_STEP: usize = 1000;

/// Deletes history older than the retention, every `interval`.
async fn purge_loop(ctx: Arc<Context>, retention: Duration, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    loop {
        tick.tick().await;
        let before = ctx
            .clock
            .now_ms()
            .saturating_sub(retention.as_millis() as u64);
        let (mut resume, mut purged) = (None, 0);
        loop {
            match ctx
                .store
                .purge_step(before, resume.take(), PURGE_STEP)
                .await
            {
                Ok(step) => {
                    purged += step.removed;
                    resume = step.resume;
                    if resume.is_some() {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "history purge failed"),
            }
            break;
        }
        if purged > 0 {
            tracing::info!(purged, "purged old messages");
        }
    }
}

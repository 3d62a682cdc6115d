//! The AgentPass SMS actor system and the store it owns.
//!
//! Callers use the [`Service`] handle and the types it speaks in; the actors behind it
//! are private:
//!
//! - `service`: [`Service`] starts and stops the whole core and is its typed API.
//! - `pool` / `pool_state`: the PoolActor supervisor — assignments, quarantine,
//!   provisioning — over plain bookkeeping.
//! - `number`: the NumberActor of each active number — inbox, waiters, claims.
//! - [`subscription`]: the one way to observe a number's arriving messages.
//! - [`store`]: the [`Store`] trait, its backends (sled, memory) and their rules.
//! - [`provider`]: the number-provider and inbound-webhook traits and the mock provider.
//!
//! Nothing here speaks HTTP, MCP or CLI; those adapters live in the `agentpass-sms` crate.

mod clock;
mod context;
mod delivery;
mod number;
mod pool;
mod pool_state;
pub mod provider;
mod record;
mod registry;
mod service;
pub mod store;
pub mod subscription;

pub use clock::{Clock, Millis};
pub use context::Settings;
pub use delivery::{AckError, Claim, Delivered, Owner, Viewer, WaitError};
pub use pool_state::{check_passport, Assignment, NumberInfo, PoolError, MAX_PASSPORT_LEN};
pub use provider::{
    Headers, InboundProvider, InboundReply, InboundRequest, LineType, MockProvider, NumberProvider,
    OwnedNumber, ProviderError, Rejected, SearchQuery, WEBHOOK_PREFIX,
};
pub use record::{Filter, InboundSms, NumberRecord, NumberState, ProviderFailure, SmsRecord};
pub use service::{HistoryError, Service, ServiceConfig, StartError};
pub use store::{Cursor, Ingested, Page, Store, StoreError};
pub use subscription::Subscription;

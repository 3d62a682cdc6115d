//! The AgentPass SMS actor system and the store it owns.
//!
//! - [`service::Service`]: start/stop the whole core; the typed API callers use.
//! - [`pool`]: the PoolActor supervisor — assignments, quarantine, provisioning.
//! - [`number`]: the NumberActor of each active number — inbox, waiters, claims.
//! - [`store`], [`layout`] and [`writer`]: sled trees, their keys, and the single
//!   group-commit writer.
//! - [`provider`]: the number-provider trait and the mock provider.
//!
//! Nothing here speaks HTTP, MCP or CLI; those adapters live in the `agentpass-sms` crate.

mod apply;
pub mod clock;
pub mod context;
pub mod delivery;
pub mod layout;
mod migrate;
pub mod number;
pub mod pool;
pub mod pool_state;
pub mod provider;
pub mod record;
pub mod registry;
pub mod service;
pub mod store;
pub mod writer;

pub use clock::{Clock, Millis};
pub use context::Settings;
pub use delivery::{AckError, Claim, Delivered, Owner, WaitError};
pub use pool_state::{Assignment, NumberInfo, PoolError};
pub use provider::{MockProvider, NumberProvider, OwnedNumber, ProviderError, SearchQuery};
pub use record::{Filter, InboundSms, NumberRecord, NumberState, ProviderFailure, SmsRecord};
pub use service::{Ingested, Service, ServiceConfig, StartError};
pub use store::{HistoryScope, Page, Store, StoreError};

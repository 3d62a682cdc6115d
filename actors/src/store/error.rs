//! The store's one error type: no engine's types in it, the engine's error kept as the
//! source.

use std::sync::Arc;

/// A failed store operation. Cheap to clone: a group commit answers many callers with
/// the same failure.
#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the data directory.
    #[error("the data directory {dir} is in use by another agentpass-sms process")]
    Locked {
        /// The data directory.
        dir: String,
    },
    /// The data was written by an incompatible version.
    #[error("the store in {dir} has schema version {found}, this build reads version {supported}")]
    Schema {
        /// The data directory.
        dir: String,
        /// Version found on disk.
        found: u32,
        /// Version this build reads and writes.
        supported: u32,
    },
    /// A compare-and-set write found another record than the caller expected: someone
    /// changed the number meanwhile. Nothing was written; re-read and decide again.
    #[error("{number} was changed by another writer meanwhile")]
    Conflict {
        /// The number whose record changed.
        number: String,
    },
    /// The storage engine failed (I/O, disk full, …).
    #[error("store I/O failed: {source}")]
    Io {
        /// The engine's error.
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The store cannot take writes now (disk short of space, a flush stuck or
    /// failed); nothing was written. Try again later.
    #[error("the store cannot take writes now: {reason}")]
    Unavailable {
        /// Why, for operators (logs, `/healthz`).
        reason: String,
    },
    /// A stored record could not be decoded.
    #[error("corrupt record in the store: {source}")]
    Corrupt {
        /// The decoder's error.
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// The store has been closed (shutdown).
    #[error("the store is shut down")]
    Closed,
}

impl StoreError {
    /// Wraps an engine failure.
    pub fn io(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Io {
            source: Arc::new(source),
        }
    }

    /// Wraps a decoding failure.
    pub fn corrupt(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Corrupt {
            source: Arc::new(source),
        }
    }
}

//! The open sled trees, shared by the readers and the writer thread.

use ::sled::{Db, Tree};

use crate::store::StoreError;

/// The open trees, shared by readers and the writer thread.
pub(crate) struct Trees {
    pub db: Db,
    /// (number, time, id) → delivered flag + record.
    pub messages: Tree,
    /// (number, id) → time.
    pub message_ids: Tree,
    /// (passport, number) → [`Tenure`].
    pub tenures: Tree,
    /// number → [`NumberRecord`].
    pub numbers: Tree,
}

/// A sled failure as the store's error.
pub(super) fn io(e: ::sled::Error) -> StoreError {
    StoreError::io(e)
}

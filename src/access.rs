//! Who may touch what: an API key's [`Scope`], and the one check of a number against
//! it. The `/v1` routes and the MCP tools served over Streamable HTTP both ask here,
//! so a scoped key reaches the same passports and numbers whichever way it comes in.

use std::collections::HashSet;

use agentpass_actors::{NumberState, PoolError, Service};

/// What a refused caller is told.
pub const FORBIDDEN: &str = "this API key is not allowed to access that passport or number";

/// What a key may touch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every passport and number (admin).
    All,
    /// Only these passports and the numbers they hold.
    Passports(HashSet<String>),
}

/// Why a caller may not go on.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Outside the key's scope.
    #[error("{FORBIDDEN}")]
    Forbidden,
    /// The pool could not say who holds the number.
    #[error(transparent)]
    Pool(#[from] PoolError),
}

impl Scope {
    /// Whether the key may act for `passport`.
    pub fn allows(&self, passport: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Passports(set) => set.contains(passport),
        }
    }

    /// [`AccessError::Forbidden`] unless the key may act for `passport`.
    pub fn check(&self, passport: &str) -> Result<(), AccessError> {
        if self.allows(passport) {
            Ok(())
        } else {
            Err(AccessError::Forbidden)
        }
    }

    /// For a scoped key, the passport (in its scope) that holds `number`, and
    /// [`AccessError::Forbidden`] if none does: a scoped key reaches a number only
    /// while one of its passports holds it. `None` for an admin key, which reaches
    /// every number.
    pub async fn holder(
        &self,
        service: &Service,
        number: &str,
    ) -> Result<Option<String>, AccessError> {
        if *self == Scope::All {
            return Ok(None);
        }
        let record = service.lookup(number).await?;
        match record.map(|r| r.state) {
            Some(NumberState::Assigned { passport, .. }) if self.allows(&passport) => {
                Ok(Some(passport))
            }
            _ => Err(AccessError::Forbidden),
        }
    }
}

//! Mock mode's number provider: no outside world, deterministic numbers.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::{NumberProvider, OwnedNumber, ProviderError, SearchQuery};
use crate::clock::Millis;
use crate::record::InboundSms;

/// Mock mode's provider: numbers handed out in allocation order, seven digits after the
/// searched calling code and area code (`+1555` when the search names neither):
/// `+15550000001`, `+44555` + 7 digits for GB, `+1415` + 7 digits for US area code 415.
#[derive(Debug, Default)]
pub struct MockProvider {
    /// Next seven-digit suffix to hand out.
    next: AtomicU64,
}

impl MockProvider {
    /// A provider whose next number comes after every number in `existing`: its
    /// seven-digit suffix is past theirs, so it is new whatever its prefix.
    pub fn after<'a>(existing: impl IntoIterator<Item = &'a str>) -> Self {
        let next = existing
            .into_iter()
            .filter_map(|n| n.get(n.len().checked_sub(7)?..)?.parse::<u64>().ok())
            .map(|n| n + 1)
            .max()
            .unwrap_or(1);
        MockProvider {
            next: AtomicU64::new(next),
        }
    }
}

#[async_trait]
impl NumberProvider for MockProvider {
    fn name(&self) -> &'static str {
        "mock"
    }

    fn billable(&self) -> bool {
        false
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<String>, ProviderError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        if n > 9_999_999 {
            return Err(ProviderError::NoneAvailable);
        }
        let code = query.calling_code.as_deref().unwrap_or("1");
        let area = query.area_code.as_deref().unwrap_or("555");
        Ok(vec![format!("+{code}{area}{n:07}")])
    }

    async fn buy(&self, phone_number: &str) -> Result<OwnedNumber, ProviderError> {
        Ok(OwnedNumber {
            phone_number: phone_number.to_owned(),
            provider_id: format!("mock-{phone_number}"),
        })
    }

    async fn release(&self, _number: &OwnedNumber) -> Result<(), ProviderError> {
        Ok(())
    }

    async fn list_recent_inbound(&self, _since: Millis) -> Result<Vec<InboundSms>, ProviderError> {
        Ok(Vec::new())
    }
}

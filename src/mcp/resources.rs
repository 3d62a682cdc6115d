//! MCP resources: each number the caller's passports hold is `sms://{number}/messages`,
//! its recent messages as JSON (the holder's view, as `list_sms` gives it). A client
//! hears of new messages either way the protocol offers: `resources/subscribe` (protocol
//! versions before 2026-07-28: `notifications/resources/updated` on the session) or a
//! `subscriptions/listen` stream naming the URIs (2026-07-28).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use rmcp::model::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceContents, ResourceTemplate, ResourceUpdatedNotificationParam, SubscriptionFilter,
};
use rmcp::service::{Peer, SubscriptionContext};
use rmcp::{ErrorData, RoleServer};
use tokio::task::AbortHandle;

use super::backend::Backend;

/// How many messages a resource shows, newest first.
const RECENT: usize = 20;

/// The resource URI of `number`'s messages.
pub fn uri(number: &str) -> String {
    format!("sms://{number}/messages")
}

/// The number a resource URI names, if it is one of ours.
pub fn number_of(uri: &str) -> Option<&str> {
    let number = uri.strip_prefix("sms://")?.strip_suffix("/messages")?;
    crate::phone::is_e164(number).then_some(number)
}

fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!("no such resource {uri:?}: resources are sms://<E.164 number>/messages"),
        None,
    )
}

/// `resources/list`: the numbers the caller's passports hold.
pub async fn list(backend: &dyn Backend) -> Result<ListResourcesResult, ErrorData> {
    let held = backend
        .held()
        .await
        .map_err(|e| ErrorData::internal_error(e, None))?;
    let resources = held
        .into_iter()
        .map(|h| {
            Resource::new(uri(&h.phone_number), format!("SMS to {}", h.phone_number))
                .with_description(format!(
                    "The {RECENT} most recent messages to {}, held by passport {}",
                    h.phone_number, h.passport_id
                ))
                .with_mime_type("application/json")
        })
        .collect();
    // Holdings change with every assignment: never serve this from a cache.
    Ok(ListResourcesResult::with_all_items(resources).with_ttl_ms(0))
}

/// `resources/templates/list`: the one URI shape.
pub fn templates() -> ListResourceTemplatesResult {
    let template = ResourceTemplate::new("sms://{number}/messages", "SMS to a number")
        .with_description("Recent messages to a number one of your passports holds (E.164)")
        .with_mime_type("application/json");
    ListResourceTemplatesResult::with_all_items(vec![template]).with_ttl_ms(0)
}

/// `resources/read`: the number's recent messages as its holder sees them.
pub async fn read(backend: &dyn Backend, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let number = number_of(uri).ok_or_else(|| not_found(uri))?;
    let page = backend
        .list(number, RECENT, None)
        .await
        .map_err(|e| ErrorData::invalid_params(format!("cannot read {uri}: {e}"), None))?;
    let json = serde_json::to_string(&page).expect("a page serialises");
    let contents = ResourceContents::text(json, uri).with_mime_type("application/json");
    Ok(ReadResourceResult::new(vec![contents]).with_ttl_ms(0))
}

/// Legacy subscriptions of one session, by URI: each a task that notifies the client.
/// Dropped with the session's handler, which ends them.
#[derive(Default)]
pub struct Subscriptions {
    tasks: Mutex<HashMap<String, AbortHandle>>,
}

impl Subscriptions {
    /// `resources/subscribe`: from now on, `notifications/resources/updated` for `uri`
    /// on each arriving message (subscribing twice is one subscription).
    pub async fn subscribe(
        self: &Arc<Self>,
        backend: &dyn Backend,
        uri: &str,
        peer: Peer<RoleServer>,
    ) -> Result<(), ErrorData> {
        let number = number_of(uri).ok_or_else(|| not_found(uri))?;
        let mut arrivals = backend.watch(number).await.map_err(|e| {
            ErrorData::invalid_params(format!("cannot subscribe to {uri}: {e}"), None)
        })?;
        let owned = uri.to_owned();
        let task = tokio::spawn(async move {
            while arrivals.next().await.is_some() {
                let update = ResourceUpdatedNotificationParam::new(owned.clone());
                if peer.notify_resource_updated(update).await.is_err() {
                    break;
                }
            }
        });
        let previous = self.lock().insert(uri.to_owned(), task.abort_handle());
        if let Some(previous) = previous {
            previous.abort();
        }
        Ok(())
    }

    /// `resources/unsubscribe`.
    pub fn unsubscribe(&self, uri: &str) {
        if let Some(task) = self.lock().remove(uri) {
            task.abort();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, AbortHandle>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        for task in self.lock().values() {
            task.abort();
        }
    }
}

/// What a `subscriptions/listen` request may have: updates of our resource URIs.
pub fn accepted(requested: &SubscriptionFilter) -> SubscriptionFilter {
    let ours: Vec<String> = requested
        .resource_subscriptions
        .iter()
        .flatten()
        .filter(|u| number_of(u).is_some())
        .cloned()
        .collect();
    SubscriptionFilter::builder()
        .resource_subscriptions(ours)
        .build()
}

/// Runs one `subscriptions/listen` stream until the client ends it: an update per
/// arriving message for each accepted URI the caller may watch.
pub async fn listen(backend: &dyn Backend, ctx: SubscriptionContext) -> Result<(), ErrorData> {
    let uris = ctx
        .accepted()
        .resource_subscriptions
        .clone()
        .unwrap_or_default();
    let mut streams = Vec::new();
    for uri in uris {
        let number = number_of(&uri).expect("accepted URIs are ours");
        let arrivals = backend
            .watch(number)
            .await
            .map_err(|e| ErrorData::invalid_params(format!("cannot listen to {uri}: {e}"), None))?;
        streams.push(arrivals.map(move |()| uri.clone()));
    }
    if streams.is_empty() {
        ctx.cancelled().await;
        return Ok(());
    }
    let mut updates = futures_util::stream::select_all(streams);
    loop {
        tokio::select! {
            () = ctx.cancelled() => return Ok(()),
            next = updates.next() => match next {
                Some(uri) => {
                    if ctx.sink().notify_resource_updated(uri).await.is_err() {
                        return Ok(());
                    }
                }
                // Every watched number's service went away.
                None => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_e164_numbers_only() {
        assert_eq!(uri("+15550000001"), "sms://+15550000001/messages");
        assert_eq!(
            number_of("sms://+15550000001/messages"),
            Some("+15550000001")
        );
        for bad in [
            "sms://5550000001/messages",
            "sms://+1555/other",
            "http://x/messages",
        ] {
            assert_eq!(number_of(bad), None, "{bad}");
        }
    }
}

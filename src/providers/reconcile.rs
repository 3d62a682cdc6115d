//! Reconciliation, for any number provider that can list what arrived: every interval,
//! one listing of recent inbound messages ingests any SMS to a pool number whose webhook
//! never arrived (idempotent on the provider's id), including messages the provider
//! failed or filtered (Twilio's 30038), so their waiters hear of it instead of timing out.

use std::sync::Arc;
use std::time::Duration;

use agentpass_actors::{Ingested, NumberProvider, Service};

/// How far back each listing looks, at least: overlapping windows catch messages that
/// were still `receiving` on one tick.
const MIN_LOOKBACK: Duration = Duration::from_secs(120);

/// Runs until aborted.
pub async fn run(provider: Arc<dyn NumberProvider>, service: Arc<Service>, interval: Duration) {
    let lookback = (interval * 4).max(MIN_LOOKBACK);
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let since = service
            .clock()
            .now_ms()
            .saturating_sub(lookback.as_millis() as u64);
        match provider.list_recent_inbound(since).await {
            Ok(messages) => once(&service, messages).await,
            Err(e) => tracing::warn!("reconciliation: could not list recent messages: {e}"),
        }
    }
}

/// Ingests the listed messages that are for pool numbers and not stored yet.
pub async fn once(service: &Service, messages: Vec<agentpass_actors::InboundSms>) {
    for sms in messages {
        if !matches!(service.lookup(&sms.to).await, Ok(Some(_))) {
            continue;
        }
        let (sid, to, failed) = (sms.sms_id.clone(), sms.to.clone(), sms.failure.is_some());
        match service.ingest(sms).await {
            Ok(Ingested::Stored(_)) if failed => {
                tracing::warn!("Reconciled SMS {sid} for {to}: the provider failed or filtered it")
            }
            Ok(Ingested::Stored(_)) => {
                tracing::info!("Reconciled SMS {sid} for {to} (its webhook never arrived)")
            }
            Ok(Ingested::Duplicate(_)) => {}
            Err(e) => tracing::error!("reconciliation: could not store SMS {sid}: {e}"),
        }
    }
}

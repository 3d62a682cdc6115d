//! Watching each SMS Gate phone while the service runs: every `sms_gate.poll_interval`
//! its `/health` is read; a phone that does not answer (or reports `fail`), and has not
//! sent a `system:ping` within three intervals either (a phone in cloud mode may not be
//! reachable from here), is down, and its numbers are not handed to new passports until
//! it is back (their holders keep them). A phone that answers is asked to re-send the SMS of the last intervals whose
//! webhook never arrived (the app's inbox export); they come in through the webhook
//! like any other, so duplicates are dropped there.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use agentpass_actors::Service;

use super::device::DeviceClient;
use crate::config::{Config, SmsGateDevice};

/// Each device's state, by name: `Ok(health status)` or why it is down.
pub type Statuses = Arc<RwLock<BTreeMap<String, Result<String, String>>>>;

/// Each device's last `system:ping` (Unix seconds, 0: none), by name.
pub type Pings = HashMap<String, Arc<AtomicI64>>;

/// Polls every device until the service stops (the task is aborted).
pub async fn run(config: Config, service: Arc<Service>, statuses: Statuses, pings: Pings) {
    let interval = config.sms_gate.poll_interval;
    let unavailable = service.settings().unavailable.clone();
    let devices: Vec<(SmsGateDevice, DeviceClient)> = config
        .sms_gate
        .devices
        .iter()
        .map(|d| (d.clone(), DeviceClient::new(d)))
        .collect();
    // The first export reaches back one interval before the start, later ones overlap
    // the previous by an interval: a message is never in no window.
    let mut since = time::OffsetDateTime::now_utc() - interval;
    loop {
        let until = time::OffsetDateTime::now_utc();
        for (device, client) in &devices {
            let mut state = match client.health().await {
                Ok(h) if h.status != "fail" => Ok(h.status),
                Ok(h) => Err(format!("the phone reports health {}", h.status)),
                Err(e) => Err(e.to_string()),
            };
            let pinged = pings
                .get(&device.name)
                .map_or(0, |p| p.load(Ordering::Relaxed));
            let recent = until.unix_timestamp() - pinged <= 3 * interval.as_secs().max(1) as i64;
            if state.is_err() && pinged > 0 && recent {
                state = Ok("pinged".into());
            }
            mark(&unavailable, &statuses, device, state.clone());
            if state.is_ok() {
                let (from, to) = (rfc3339(since), rfc3339(until));
                if let Err(e) = client.export(&from, &to).await {
                    tracing::warn!(device = %device.name, "SMS Gate backfill failed: {e}");
                }
            }
        }
        since = until - interval;
        tokio::time::sleep(interval.max(Duration::from_millis(50))).await;
    }
}

/// Records `device`'s state, logging each change, and keeps its numbers from new
/// passports while it is down.
fn mark(
    unavailable: &RwLock<HashSet<String>>,
    statuses: &Statuses,
    device: &SmsGateDevice,
    state: Result<String, String>,
) {
    let mut all = statuses.write().unwrap_or_else(|p| p.into_inner());
    let was_up = all.get(&device.name).is_none_or(Result::is_ok);
    let mut down = unavailable.write().unwrap_or_else(|p| p.into_inner());
    match &state {
        Ok(_) => {
            if !was_up {
                tracing::info!(device = %device.name, "SMS Gate device is back: its numbers are assigned again");
            }
            for n in &device.numbers {
                down.remove(n);
            }
        }
        Err(why) => {
            if was_up {
                tracing::warn!(device = %device.name, "SMS Gate device is down, its numbers are not assigned until it is back: {why}");
            }
            down.extend(device.numbers.iter().cloned());
        }
    }
    all.insert(device.name.clone(), state);
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    crate::timefmt::rfc3339((t.unix_timestamp_nanos() / 1_000_000) as u64)
}

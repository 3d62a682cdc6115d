//! Which providers a service runs, from its configuration: the pool's number provider,
//! the inbound webhooks to mount, and the background work each provider needs. `app`
//! starts what this hands it and knows no provider by name.
//!
//! - mock mode: [`MockProvider`] numbers and Twilio's webhook format signed with the mock
//!   key (what `agentpass-sms sms send` posts);
//! - Twilio mode: [`TwilioProvider`] numbers, [`TwilioWebhook`] with the auth token, the
//!   start-up check and [`reconcile`]-iation.

pub mod reconcile;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use agentpass_actors::{InboundProvider, MockProvider, NumberProvider, Service};

use crate::config::{Config, Mode};
use crate::sms_gate::SmsGateWebhook;
use crate::twilio::keys::WebhookKeys;
use crate::twilio::{TwilioProvider, TwilioWebhook};

/// Work a provider runs beside the service until shutdown.
pub type Background = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A job that needs the started service.
pub type BackgroundJob = Box<dyn FnOnce(Arc<Service>) -> Background + Send>;

/// The providers of one service.
pub struct Providers {
    /// Where the pool gets numbers.
    pub numbers: Arc<dyn NumberProvider>,
    /// The inbound webhooks to mount.
    pub inbound: Vec<Arc<dyn InboundProvider>>,
    /// Jobs to start once the service runs (checks, reconciliation).
    pub background: Vec<BackgroundJob>,
    /// SMS Gate devices' states, as their monitor last saw them (empty without devices).
    pub devices: crate::sms_gate::monitor::Statuses,
}

/// Builds the providers of `mode`. `keys` verify the webhooks; `existing`
/// are the pool's numbers (mock numbers continue after them); bought Twilio numbers are
/// pointed at `public_base_url`.
pub fn build(
    config: &Config,
    mode: Mode,
    keys: WebhookKeys,
    public_base_url: &str,
    existing: &[String],
) -> Result<Providers, crate::twilio::TwilioError> {
    let mut providers = match mode {
        Mode::Mock => Providers {
            numbers: Arc::new(MockProvider::after(existing.iter().map(String::as_str))),
            inbound: vec![Arc::new(TwilioWebhook::mock(keys))],
            background: Vec::new(),
            devices: Default::default(),
        },
        Mode::Twilio => {
            let client = crate::twilio::setup::client(config)?;
            let numbers: Arc<dyn NumberProvider> =
                Arc::new(TwilioProvider::new(client.clone(), public_base_url));
            let (base, interval) = (public_base_url.to_owned(), config.twilio.reconcile_interval);
            let check: BackgroundJob = Box::new(move |service| {
                Box::pin(crate::twilio::setup::check_and_warn(client, service, base))
            });
            let lister = numbers.clone();
            let reconcile: BackgroundJob =
                Box::new(move |service| Box::pin(reconcile::run(lister, service, interval)));
            Providers {
                numbers,
                inbound: vec![Arc::new(TwilioWebhook::new(keys))],
                background: vec![check, reconcile],
                devices: Default::default(),
            }
        }
    };
    // Real SIMs beside either: each SMS Gate device posts to its own webhook, and is
    // checked (reachable, credentials, webhook registered) once the service runs, then
    // watched (health, pings, backfill).
    let mut pings = crate::sms_gate::monitor::Pings::new();
    for device in &config.sms_gate.devices {
        let key = device
            .signing_key
            .as_ref()
            .map(|k| k.expose())
            .unwrap_or_default();
        let ping = pings.entry(device.name.clone()).or_default().clone();
        let webhook = SmsGateWebhook::new(&device.name, key, device.numbers.clone(), ping);
        providers.inbound.push(Arc::new(webhook));
    }
    if !config.sms_gate.devices.is_empty() {
        let (config, base) = (config.clone(), public_base_url.to_owned());
        let statuses = providers.devices.clone();
        let monitor: BackgroundJob = Box::new(move |service| {
            Box::pin(async move {
                crate::sms_gate::setup::check_and_warn(config.clone(), base).await;
                crate::sms_gate::monitor::run(config, service, statuses, pings).await;
            })
        });
        providers.background.push(monitor);
    }
    Ok(providers)
}

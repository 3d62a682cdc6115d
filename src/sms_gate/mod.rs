//! SMS Gate for Android: phones whose real SIMs receive SMS and POST each one to us.
//!
//! Each configured device (`[[sms_gate.devices]]`) adds its SIM numbers to the pool and
//! mounts its own webhook, `POST /webhook/sms-gate/<name>` ([`webhook`]), verified with
//! that device's signing key. [`setup`] checks each device through its API
//! ([`device`]) and registers that webhook.

pub mod device;
pub mod monitor;
pub mod setup;
pub mod webhook;

pub use webhook::SmsGateWebhook;

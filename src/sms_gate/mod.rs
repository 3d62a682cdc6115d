//! SMS Gate for Android: phones whose real SIMs receive SMS and POST each one to us.
//!
//! Each configured device (`[[sms_gate.devices]]`) adds its SIM numbers to the pool and
//! mounts its own webhook, `POST /webhook/sms-gate/<name>` ([`webhook`]), verified with
//! that device's signing key.

pub mod webhook;

pub use webhook::SmsGateWebhook;

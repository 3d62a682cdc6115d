//! Twilio: webhook signatures (REST client to come).

pub mod signature;

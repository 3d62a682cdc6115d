//! AgentPass SMS: phone numbers and SMS one-time codes for AI agents.
//!
//! This crate holds the adapters around the actor system in `agentpass-actors`:
//! configuration, the HTTP server (provider webhooks and `/v1` API), the MCP server,
//! the providers (Twilio, mock), the delivery rules HTTP and MCP share, OTP extraction
//! and the CLI. The binary is a thin `main` over [`cli::run`].

pub mod access;
pub mod app;
pub mod choice;
pub mod cli;
pub mod config;
pub mod countries;
pub mod fdlimit;
#[doc(hidden)]
pub mod fuzz_checks;
pub mod http;
pub mod http_client;
pub mod mcp;
pub mod memory;
pub mod otp;
pub mod phone;
pub mod providers;
pub mod rules;
pub mod secrets;
pub mod sms_gate;
pub mod timefmt;
pub mod twilio;
pub mod views;

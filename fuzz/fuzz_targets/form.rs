//! cargo fuzz target: the properties of `agentpass_sms::fuzz_checks::form`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| agentpass_sms::fuzz_checks::form(data));

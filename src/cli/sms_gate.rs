//! `agentpass-sms sms-gate check|sync-webhooks`: verify and fix each SMS Gate phone's
//! setup through its API.

use anyhow::bail;

use crate::config::Config;
use crate::sms_gate::setup;

/// `sms-gate check`: each device reachable, credentials accepted, `sms:received`
/// posted to us. Exit 1 when anything is wrong.
pub async fn check(config: &Config) -> anyhow::Result<i32> {
    need_devices(config)?;
    let reports = setup::check(config, &config.public_base_url()).await;
    for line in reports.iter().flat_map(|r| r.lines()) {
        println!("{line}");
    }
    Ok(if reports.iter().all(|r| r.is_ok()) {
        0
    } else {
        1
    })
}

/// `sms-gate sync-webhooks`: register (or move) our `sms:received` webhook on each
/// device. Exit 1 when a device could not be set up.
pub async fn sync(config: &Config) -> anyhow::Result<i32> {
    need_devices(config)?;
    let (lines, ok) = setup::sync(config, &config.public_base_url()).await;
    for line in lines {
        println!("{line}");
    }
    Ok(if ok { 0 } else { 1 })
}

fn need_devices(config: &Config) -> anyhow::Result<()> {
    if config.sms_gate.devices.is_empty() {
        bail!("no SMS Gate device is configured: add [[sms_gate.devices]] to the config file");
    }
    Ok(())
}

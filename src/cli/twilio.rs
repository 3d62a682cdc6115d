//! `agentpass-sms twilio check|sync-webhooks`: verify and fix the Twilio account setup.

use anyhow::bail;

use crate::config::{Config, Mode};
use crate::twilio::setup;

/// `twilio check`: credentials, pool numbers present, where their webhooks point.
/// Exit 1 when anything is wrong.
pub async fn check(config: &Config) -> anyhow::Result<i32> {
    let client = twilio_client(config)?;
    let numbers = pool(config).await;
    let report = client.check(&numbers, &config.public_base_url()).await;
    match &report.account {
        Ok(a) => println!(
            "credentials: ok ({})",
            a.friendly_name.as_deref().unwrap_or("account")
        ),
        Err(e) => {
            println!("credentials: {e}");
            return Ok(1);
        }
    }
    if let Some(e) = &report.listing_error {
        println!("numbers: could not list the account's numbers: {e}");
    }
    println!("expected SmsUrl: {}", report.expected_sms_url);
    for n in &report.numbers {
        println!("{n}");
    }
    Ok(if report.is_ok() { 0 } else { 1 })
}

/// `twilio sync-webhooks`: point every pool number at our webhook.
pub async fn sync(config: &Config) -> anyhow::Result<i32> {
    let client = twilio_client(config)?;
    let report = client
        .sync_webhooks(&pool(config).await, &config.public_base_url())
        .await?;
    for n in &report.updated {
        println!("{n}: SmsUrl updated");
    }
    for n in &report.unchanged {
        println!("{n}: already pointed at us");
    }
    for n in &report.missing {
        println!("{n}: not in this Twilio account");
    }
    for n in &report.application_overrides {
        println!("{n}: a Messaging application handles its SMS; detach it in the Twilio console");
    }
    for (n, e) in &report.failed {
        println!("{n}: update failed: {e}");
    }
    let ok = report.missing.is_empty()
        && report.failed.is_empty()
        && report.application_overrides.is_empty();
    Ok(if ok { 0 } else { 1 })
}

fn twilio_client(config: &Config) -> anyhow::Result<crate::twilio::TwilioClient> {
    if config.mode()? != Mode::Twilio {
        bail!("not in Twilio mode: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBERS");
    }
    Ok(setup::client(config)?)
}

/// The pool as configured plus the numbers the service bought (when its store is free).
async fn pool(config: &Config) -> Vec<String> {
    use agentpass_actors::Store;
    let mut numbers = config.twilio.phone_numbers.clone();
    let opened = agentpass_actors::store::sled::SledStore::open(&config.data_dir, 8 << 20);
    if let Ok(store) = opened {
        for (n, r) in store.numbers().await.unwrap_or_default() {
            if r.provisioned && !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        store.close().await;
    }
    numbers
}

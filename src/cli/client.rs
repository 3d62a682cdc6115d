//! Client commands that talk to a running service: `sms send` and `numbers`.

use anyhow::{bail, Context as _};
use clap::Args;

use super::NumbersCommand;
use crate::config::Config;
use crate::secrets;
use crate::twilio::signature;
use crate::twilio::sms_webhook_url;

/// Arguments of `sms send`.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Receiving number (E.164), e.g. the one `numbers assign` gave.
    #[arg(long)]
    pub to: String,
    /// Sender: E.164, short code (22000) or alphanumeric id (VERIFY).
    #[arg(long)]
    pub from: String,
    /// Message text.
    #[arg(long)]
    pub body: String,
    /// Webhook URL to post to (default: the local listener).
    #[arg(long)]
    pub url: Option<String>,
    /// MessageSid to use (default: a random `SM…`); reuse one to simulate a retry.
    #[arg(long)]
    pub sid: Option<String>,
}

/// Base URL of the local listener (0.0.0.0 / :: become loopback).
fn local_base(config: &Config) -> String {
    let mut addr = config.listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

/// Posts a webhook exactly as Twilio would: form fields plus `X-Twilio-Signature`
/// computed over the public URL (`public_base_url` when configured, else `--url`).
pub async fn send_sms(config: &Config, args: &SendArgs) -> anyhow::Result<()> {
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| sms_webhook_url(&local_base(config)));
    let signed_url = match &config.public_base_url {
        Some(base) => sms_webhook_url(base),
        None => url.clone(),
    };
    let key = client_signing_key(config)?;
    let sid = args
        .sid
        .clone()
        .unwrap_or_else(|| format!("SM{:032x}", rand::random::<u128>()));
    let account = config
        .twilio
        .account_sid
        .clone()
        .unwrap_or_else(|| format!("AC{:032x}", 0));
    let params: Vec<(String, String)> = [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid.as_str()),
        ("NumMedia", "0"),
        ("SmsSid", sid.as_str()),
        ("SmsStatus", "received"),
        ("Body", args.body.as_str()),
        ("To", args.to.as_str()),
        ("NumSegments", "1"),
        ("MessageSid", sid.as_str()),
        ("AccountSid", account.as_str()),
        ("From", args.from.as_str()),
        ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let sig = signature::compute(&key, &signed_url, &params);
    let resp = crate::http_client::client()
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&params)
        .send()
        .await
        .with_context(|| format!("could not reach {url}: is `agentpass-sms serve` running?"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if status == reqwest::StatusCode::FORBIDDEN && config.twilio.auth_token.is_none() {
        bail!(
            "webhook answered {status}: {text} (signed with the dev token in {}: is that the service's data dir?)",
            config.data_dir.display()
        );
    }
    if !status.is_success() {
        bail!("webhook answered {status}: {text}");
    }
    println!("{sid}");
    Ok(())
}

/// The key the service verifies webhooks with, as a client can know it: the auth token,
/// `WEBHOOK_SECRET`, or the service's dev token — read, never created, so that a client
/// run from the wrong directory says so instead of signing with a new key.
fn client_signing_key(config: &Config) -> anyhow::Result<String> {
    if let Some(token) = &config.twilio.auth_token {
        return Ok(token.expose().to_owned());
    }
    if let Some(secret) = &config.webhook.secret {
        return Ok(secret.expose().to_owned());
    }
    secrets::read(&config.data_dir, secrets::DEV_WEBHOOK_TOKEN).with_context(|| {
        format!(
            "no dev webhook token in {}: run from the service's directory, or set AGENTPASS_DATA_DIR to its data dir",
            config.data_dir.display()
        )
    })
}

/// `numbers list|assign|release` against `api_url` (default: the local listener).
pub async fn numbers(config: &Config, command: NumbersCommand) -> anyhow::Result<()> {
    let base = config.api_url.clone().unwrap_or_else(|| local_base(config));
    let key = match &config.api_key {
        Some(k) => k.expose().to_owned(),
        None => secrets::read(&config.data_dir, secrets::DEV_API_KEY).with_context(|| {
            format!(
                "no API key: set AGENTPASS_API_KEY (no dev key in {})",
                config.data_dir.display()
            )
        })?,
    };
    let client = crate::http_client::client();
    let enc = |p: &str| {
        percent_encoding::utf8_percent_encode(p, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let request = match &command {
        NumbersCommand::List => client.get(format!("{base}/v1/numbers")),
        NumbersCommand::Assign { passport_id } => {
            client.put(format!("{base}/v1/passports/{}/number", enc(passport_id)))
        }
        NumbersCommand::Release { passport_id } => {
            client.delete(format!("{base}/v1/passports/{}/number", enc(passport_id)))
        }
    };
    let resp =
        request.bearer_auth(key).send().await.with_context(|| {
            format!("could not reach {base}: is `agentpass-sms serve` running?")
        })?;
    let status = resp.status();
    let body: serde_json::Value = resp
        .json()
        .await
        .context("the service answered something that is not JSON")?;
    if !status.is_success() {
        let message = body["error"]["message"].as_str().unwrap_or("unknown error");
        bail!("{status}: {message}");
    }
    println!("{}", serde_json::to_string_pretty(&body)?);
    Ok(())
}

//! MCP delivery latency: webhook 200 → `wait_for_sms` tool result, over stdio and over
//! Streamable HTTP.
//!
//! ```text
//! cargo build --release --bin agentpass-sms --example mcp_latency
//! target/release/examples/mcp_latency --bin target/release/agentpass-sms --messages 1000 --mode all
//! ```
//!
//! For each message the program (an rmcp client) issues `wait_for_sms`, waits
//! `--delay-ms` so the call is in flight, then posts a correctly signed Twilio webhook.
//! It records when the webhook's 200 arrived and when the tool result arrived.
//!
//! - `embedded`: one `agentpass-sms mcp` child that runs the store, the actors and the
//!   webhook listener itself.
//! - `remote`: `agentpass-sms serve` plus an `agentpass-sms mcp` child pointed at it
//!   with `AGENTPASS_API_URL` (the tool long-polls `/v1` and acknowledges the claim).
//! - `http`: `agentpass-sms serve`, and this program as a Streamable HTTP client of its
//!   `/mcp` (rmcp's reqwest client, one connection per request as it does by default).
//!
//! Prints p50/p90/p99/max of webhook 200 → result (clamped at 0), call sent → result
//! (also for the first and last tenth of the run: each wait restarts the number's actor,
//! which reads back the messages of the inbox window) and webhook sent → 200. Child
//! processes are killed when the program ends.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use agentpass_sms::twilio::signature;
use anyhow::{bail, Context as _};
use clap::Parser;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::json;

#[derive(Parser, Debug)]
struct Args {
    /// The `agentpass-sms` binary to benchmark.
    #[arg(long, default_value = "target/release/agentpass-sms")]
    bin: PathBuf,
    /// Measured messages per mode.
    #[arg(long, default_value_t = 1000)]
    messages: usize,
    /// Unmeasured messages sent first in each mode.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Pause between issuing `wait_for_sms` and posting the webhook.
    #[arg(long, default_value_t = 5)]
    delay_ms: u64,
    /// Which deployment to measure.
    #[arg(long, default_value = "all", value_parser = ["embedded", "remote", "http", "all"])]
    mode: String,
}

/// A `serve` child, killed (and reaped) on drop.
struct ServeChild(std::process::Child);

impl Drop for ServeChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One mode's samples.
#[derive(Default)]
struct Samples {
    to_result: Vec<Duration>,
    call_to_result: Vec<Duration>,
    webhook_reply: Vec<Duration>,
    clamped: usize,
}

type Client = RunningService<RoleClient, ()>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    args.bin = std::fs::canonicalize(&args.bin)
        .with_context(|| format!("binary {} (build it with --release)", args.bin.display()))?;
    let run = async {
        let mut results = Vec::new();
        for mode in ["embedded", "remote", "http"] {
            if [mode, "all"].contains(&args.mode.as_str()) {
                results.push((mode, run_mode(&args, mode).await?));
            }
        }
        anyhow::Ok(results)
    };
    let results = tokio::select! {
        r = run => r?,
        _ = tokio::signal::ctrl_c() => bail!("interrupted"),
    };
    println!(
        "\n{:<9} {:<24} {:>7} {:>8} {:>8} {:>8} {:>8}",
        "mode", "latency", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    for (mode, mut s) in results {
        // The number's actor restarts for each wait and reads back the messages of the
        // inbox window: compare the first and last tenth of the run.
        let (calls, tenth) = (&s.call_to_result, s.call_to_result.len() / 10);
        let mut first = calls[..tenth].to_vec();
        let mut last = calls[calls.len() - tenth..].to_vec();
        row(mode, "webhook 200 -> result", &mut s.to_result);
        row(mode, "call sent -> result", &mut s.call_to_result);
        row(mode, "  first 10% of the run", &mut first);
        row(mode, "  last 10% of the run", &mut last);
        row(mode, "webhook sent -> 200", &mut s.webhook_reply);
        if s.clamped > 0 {
            println!("{mode}: {} results arrived before the 200", s.clamped);
        }
    }
    Ok(())
}

/// Starts the processes of `mode` (embedded or remote) and measures it.
async fn run_mode(args: &Args, mode: &str) -> anyhow::Result<Samples> {
    let dir = tempfile::TempDir::new()?;
    let (port, secret, key) = (free_port()?, random_hex(), random_hex());
    let (listen, data) = (format!("127.0.0.1:{port}"), dir.path().join("serve-data"));
    let api = format!("http://{listen}");
    let mut env = vec![
        ("AGENTPASS_LISTEN", listen.as_str()),
        ("WEBHOOK_SECRET", &secret),
    ];
    let mut _serve = None;
    if mode != "embedded" {
        let child = std::process::Command::new(&args.bin)
            .env_clear()
            .env("RUST_LOG", "warn")
            .env("AGENTPASS_DATA_DIR", &data)
            .env("AGENTPASS_API_KEY", &key)
            .env("WEBHOOK_SECRET", &secret)
            .current_dir(dir.path())
            .args(["serve", "--listen", &listen])
            .stdout(Stdio::null())
            .spawn()
            .context("spawn agentpass-sms serve")?;
        _serve = Some(ServeChild(child));
        wait_healthy(port).await?;
        env = vec![("AGENTPASS_API_URL", &api), ("AGENTPASS_API_KEY", &key)];
    }
    let client = if mode == "http" {
        let config = StreamableHttpClientTransportConfig::with_uri(format!("{api}/mcp"))
            .auth_header(key.clone());
        let transport = StreamableHttpClientTransport::from_config(config);
        ().serve(transport)
            .await
            .context("MCP initialize over HTTP")?
    } else {
        start_mcp(&args.bin, dir.path(), &env).await?
    };
    measure(args, mode, client, port, &secret).await
}

/// Spawns `agentpass-sms mcp` in `dir` (clean environment plus `env`) and initializes.
async fn start_mcp(bin: &Path, dir: &Path, env: &[(&str, &str)]) -> anyhow::Result<Client> {
    let mut cmd = tokio::process::Command::new(bin);
    cmd.env_clear()
        .env("RUST_LOG", "warn")
        .env("AGENTPASS_DATA_DIR", dir.join("mcp-data"))
        .current_dir(dir)
        .kill_on_drop(true)
        .arg("mcp");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::inherit())
        .spawn()
        .context("spawn agentpass-sms mcp")?;
    ().serve(transport).await.context("MCP initialize")
}

/// Gets a number, runs the warm-up and measured loops, and shuts the MCP child down.
async fn measure(
    args: &Args,
    mode: &str,
    client: Client,
    port: u16,
    secret: &str,
) -> anyhow::Result<Samples> {
    wait_healthy(port).await?;
    let http = agentpass_sms::http_client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let passport = json!({"passport_id": "ap_bench"});
    let got = call(&client, "get_phone_number", passport).await?;
    let number: String = serde_json::from_value(got["phone_number"].clone())?;
    let url = agentpass_sms::twilio::sms_webhook_url(&format!("http://127.0.0.1:{port}"));
    let delay = Duration::from_millis(args.delay_ms);
    let run = random_hex();
    let mut s = Samples::default();
    for i in 0..args.warmup + args.messages {
        let sid = format!("SM{}{i:016}", &run[..16]);
        let body = format!("Your verification code is {:06}", (i * 7919) % 1_000_000);
        let params = twilio_params(&sid, &number, &body);
        let sig = signature::compute(secret, &url, &params);
        let wait = json!({"phone_number": number, "timeout": 10000});
        let waiting = async {
            let t = Instant::now();
            let r = call(&client, "wait_for_sms", wait).await;
            (r, t, Instant::now())
        };
        let post = async {
            tokio::time::sleep(delay).await;
            let t = Instant::now();
            let r = http
                .post(&url)
                .header("X-Twilio-Signature", sig)
                .form(&params);
            (r.send().await, t, Instant::now())
        };
        let ((result, t_call, t_result), (reply, t_send, t_200)) = tokio::join!(waiting, post);
        let status = reply.map(|r| r.status().as_u16()).unwrap_or(0);
        if status != 200 {
            bail!("{mode}: webhook {i} answered {status}");
        }
        let result = result?;
        if result["id"] != sid.as_str() {
            bail!("{mode}: message {i}: expected {sid}, got {result}");
        }
        if i < args.warmup {
            continue;
        }
        s.clamped += usize::from(t_result < t_200);
        s.to_result.push(t_result.saturating_duration_since(t_200));
        s.call_to_result.push(t_result - t_call);
        s.webhook_reply.push(t_200 - t_send);
    }
    client.cancel().await?;
    Ok(s)
}

/// Calls a tool and returns its structured result; a tool error is an error.
async fn call(
    client: &Client,
    tool: &'static str,
    a: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let params =
        CallToolRequestParams::new(tool).with_arguments(a.as_object().cloned().unwrap_or_default());
    let r = client.call_tool(params).await?;
    if r.is_error == Some(true) {
        bail!("{tool} failed: {:?}", r.content);
    }
    r.structured_content.context("no structured content")
}

/// The 12 form fields Twilio posts for an inbound SMS (as `agentpass-sms sms send`).
fn twilio_params(sid: &str, to: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "US"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", to),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("From", "+14155550100"),
        ("ApiVersion", "2010-04-01"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn wait_healthy(port: u16) -> anyhow::Result<()> {
    let http = agentpass_sms::http_client::client();
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if matches!(http.get(&url).send().await, Ok(r) if r.status() == 200) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("no healthy listener on port {port} after 20 s")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn random_hex() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn row(mode: &str, name: &str, v: &mut [Duration]) {
    if v.is_empty() {
        return;
    }
    v.sort();
    let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{mode:<9} {name:<24} {:>7} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
        v.len(),
        ms(p(0.5)),
        ms(p(0.9)),
        ms(p(0.99)),
        ms(v[v.len() - 1]),
    );
}

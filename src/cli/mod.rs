//! The command line: `serve`, `sms send`, `numbers`, `otp`, `config show`.

mod client;
mod otp;
mod sms_gate;
mod twilio;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{self, Config, LogFormat, Overrides};

/// AgentPass SMS: phone numbers and SMS one-time codes for AI agents.
#[derive(Parser, Debug)]
#[command(name = "agentpass-sms", version, about)]
pub struct Cli {
    /// Config file (default: $AGENTPASS_CONFIG, else ./config.toml if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Listen address (overrides `listen` / AGENTPASS_LISTEN).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data directory (overrides `data_dir` / AGENTPASS_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Public base URL Twilio reaches us at (overrides `public_base_url`).
    #[arg(long, global = true, value_name = "URL")]
    pub public_base_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the service: webhook, API, actor system, store.
    Serve,
    /// MCP server on stdio (embedded, or a client of AGENTPASS_API_URL).
    Mcp,
    /// Simulated inbound SMS.
    Sms {
        #[command(subcommand)]
        command: SmsCommand,
    },
    /// Pool numbers, through the API of a running service.
    Numbers {
        #[command(subcommand)]
        command: NumbersCommand,
    },
    /// Extract the one-time code from an SMS body.
    Otp(otp::OtpArgs),
    /// Twilio account setup.
    Twilio {
        #[command(subcommand)]
        command: TwilioCommand,
    },
    /// SMS Gate (Android) phones' setup.
    SmsGate {
        #[command(subcommand)]
        command: SmsGateCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// `sms-gate` subcommands.
#[derive(Subcommand, Debug)]
pub enum SmsGateCommand {
    /// Check that each device answers, accepts its credentials and posts sms:received to {public_base_url}/webhook/sms-gate/<name>.
    Check,
    /// Register (or move) that sms:received webhook on each device through its API.
    SyncWebhooks,
}

/// `sms` subcommands.
#[derive(Subcommand, Debug)]
pub enum SmsCommand {
    /// Post a correctly signed Twilio webhook for an inbound SMS to a running service.
    Send(client::SendArgs),
}

/// `numbers` subcommands.
#[derive(Subcommand, Debug)]
pub enum NumbersCommand {
    /// List pool numbers and who holds them.
    List,
    /// Get (or assign) the number of a passport.
    Assign { passport_id: String },
    /// Release the number of a passport into quarantine.
    Release { passport_id: String },
}

/// `twilio` subcommands.
#[derive(Subcommand, Debug)]
pub enum TwilioCommand {
    /// Check the credentials, that every pool number is in the account, and where its SMS webhook points.
    Check,
    /// Point every pool number's SMS webhook at {public_base_url}/webhook/sms-received.
    SyncWebhooks,
}

/// `config` subcommands.
#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective configuration, secrets redacted.
    Show,
}

impl Cli {
    /// Loads the configuration: defaults ← file ← environment ← these flags. `mcp` in
    /// remote mode (`AGENTPASS_API_URL` set) reads no file: it needs only the URL and key.
    pub fn load_config(&self) -> Result<Config, config::ConfigError> {
        let overrides = Overrides {
            listen: self.listen,
            data_dir: self.data_dir.clone(),
            public_base_url: self.public_base_url.clone(),
        };
        let remote = std::env::var("AGENTPASS_API_URL").is_ok_and(|u| !u.trim().is_empty());
        if matches!(self.command, Command::Mcp) && remote && self.config.is_none() {
            return config::for_remote_client(&overrides);
        }
        config::from_process_env(self.config.as_deref(), &overrides)
    }
}

/// Runs the parsed command; the process exit code.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    if let Command::Otp(args) = &cli.command {
        return otp::run(args);
    }
    let config = match cli.load_config() {
        Ok(config) => config,
        Err(e) if matches!(cli.command, Command::Mcp) => {
            crate::mcp::refuse_session(&format!("{e}")).await;
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    // Client commands print their result; the service's INFO lines are not theirs.
    let quiet = !matches!(cli.command, Command::Serve | Command::Mcp);
    init_logging(config.log_format, if quiet { "warn" } else { "info" });
    let vars: Vec<String> = std::env::vars_os()
        .filter_map(|(k, _)| k.into_string().ok())
        .collect();
    for warning in crate::config::env::unknown_variables(vars.iter().map(String::as_str)) {
        tracing::warn!("{warning}");
    }
    match cli.command {
        Command::Serve => {
            crate::app::serve(config, shutdown_signal()).await?;
        }
        Command::Mcp => {
            if let Err(e) = crate::mcp::run(config).await {
                if e.before_session() {
                    let message = format!("{:#}", anyhow::Error::from(e));
                    eprintln!("error: {message}");
                    crate::mcp::refuse_session(&message).await;
                    return Ok(2);
                }
                return Err(e.into());
            }
        }
        Command::Sms {
            command: SmsCommand::Send(args),
        } => client::send_sms(&config, &args).await?,
        Command::Numbers { command } => client::numbers(&config, command).await?,
        Command::Config {
            command: ConfigCommand::Show,
        } => print!("{}", config.redacted_toml()),
        Command::Twilio { command } => {
            return match command {
                TwilioCommand::Check => twilio::check(&config).await,
                TwilioCommand::SyncWebhooks => twilio::sync(&config).await,
            }
        }
        Command::SmsGate { command } => {
            return match command {
                SmsGateCommand::Check => sms_gate::check(&config).await,
                SmsGateCommand::SyncWebhooks => sms_gate::sync(&config).await,
            }
        }
        Command::Otp(_) => unreachable!("handled above"),
    }
    Ok(0)
}

/// Logs to stderr (stdout is reserved for command output and, later, MCP).
fn init_logging(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

//! `agentpass-sms`: thin entry point; everything lives in the library.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = agentpass_sms::cli::Cli::parse();
    match agentpass_sms::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

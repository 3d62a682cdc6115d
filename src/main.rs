//! `agentpass-sms`: thin entry point; everything lives in the library.

use clap::Parser;

fn main() {
    agentpass_sms::memory::limit_arenas();
    let cli = agentpass_sms::cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: could not start the async runtime: {e}");
            std::process::exit(2);
        });
    match runtime.block_on(agentpass_sms::cli::run(cli)) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

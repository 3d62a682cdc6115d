//! The ingest baseline: a trivial warp server the load generator can drive exactly as it
//! drives `agentpass-sms serve`, so ingest is reported as a ratio to it.
//!
//! It answers `PUT /v1/passports/{p}/number` with a made-up number (the generator assigns
//! its numbers first) and every `POST` with 200 and the empty TwiML Twilio expects,
//! without reading the body's fields, checking the signature or storing anything.
//!
//! ```text
//! cargo build --release --example trivial_ingest --example loadgen
//! target/release/examples/trivial_ingest --listen 127.0.0.1:18788 &
//! target/release/examples/loadgen --url http://127.0.0.1:18788 --token t --key k \
//!     --numbers 100 --connections 64 --requests 50000
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use clap::Parser;
use warp::Filter;

const TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

#[derive(Parser, Debug)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:18788")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let next = Arc::new(AtomicU64::new(1));
    let assign = warp::put()
        .and(warp::path!("v1" / "passports" / String / "number"))
        .map(move |passport: String| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            warp::reply::json(&serde_json::json!({
                "phone_number": format!("+1555{n:07}"),
                "passport_id": passport,
            }))
        });
    // Reads the whole body, as the real webhook does, then ignores it.
    let webhook = warp::post()
        .and(warp::body::bytes())
        .map(|_body: bytes::Bytes| warp::reply::with_header(TWIML, "content-type", "text/xml"));
    let routes = assign.or(webhook);
    eprintln!("trivial ingest baseline on http://{}", args.listen);
    warp::serve(routes).run(args.listen).await;
}

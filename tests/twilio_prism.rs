//! Contract test: every call the client makes must be accepted by Twilio's own OpenAPI
//! description, served by the Prism mock server (which answers 422 to requests that
//! break the spec, and 401 to requests without Basic auth).
//!
//! Prism answers with the spec's fixed examples, not an echo of the request: a purchase
//! returns `+18089255327` whatever was asked, and list pages point at a next page that
//! is the same page again. The test accepts that.
//!
//! - `TWILIO_OPENAPI_SPEC`: the spec (default `../shared/twilio-openapi/twilio_api_v2010.json`
//!   next to this crate).
//! - `PRISM_INSTALL_DIR`: where `@stoplight/prism-cli` is installed once (default
//!   `target/prism-cli-<version>`).
//!
//! Skipped, with a printed reason, only when `node` or `npm` is missing.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use agentpass_actors::provider::{NumberProvider, SearchQuery};
use agentpass_sms::twilio::{AuthToken, TwilioClient, TwilioConfig, TwilioError, TwilioProvider};

const PRISM_VERSION: &str = "5.14.2";
const SID: &str = "AC0123456789abcdef0123456789abcdef";
const PUBLIC: &str = "https://sms.example.com";

fn spec_path() -> PathBuf {
    std::env::var_os("TWILIO_OPENAPI_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/twilio-openapi/twilio_api_v2010.json")
        })
}

fn install_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PRISM_INSTALL_DIR") {
        return PathBuf::from(dir);
    }
    // The test binary is target/<profile>/deps/prism-…: install beside the profiles.
    let exe = std::env::current_exe().unwrap();
    let target = exe
        .ancestors()
        .nth(3)
        .unwrap_or(Path::new("."))
        .to_path_buf();
    target.join(format!("prism-cli-{PRISM_VERSION}"))
}

fn tool_present(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs Prism once (into a temporary sibling, then renamed into place, so
/// concurrent runs never see half an install); returns the `prism` executable.
fn ensure_prism() -> PathBuf {
    let dir = install_dir();
    let bin = dir.join("node_modules/.bin/prism");
    if bin.exists() {
        eprintln!("prism: using the install cached in {}", dir.display());
        return bin;
    }
    let tmp = dir.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let started = Instant::now();
    let out = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&tmp)
        .arg(format!("@stoplight/prism-cli@{PRISM_VERSION}"))
        .output()
        .expect("run npm");
    assert!(
        out.status.success(),
        "npm install failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("prism: npm install took {:.1?}", started.elapsed());
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another run installed it first.
        let _ = std::fs::remove_dir_all(&tmp);
    }
    assert!(bin.exists(), "no prism executable at {}", bin.display());
    bin
}

/// A running Prism, killed on drop.
struct Prism {
    child: Child,
    base: String,
    log: mpsc::Receiver<String>,
}

impl Prism {
    fn start(bin: &Path, spec: &Path) -> Prism {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
            .arg(spec)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start prism");
        let (tx, log) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let prism = Prism {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "prism did not listen:\n{}",
                prism.drain_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("prism: listening after {:.1?}", started.elapsed());
        prism
    }

    fn drain_log(&self) -> String {
        self.log.try_iter().collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_calls_are_accepted_by_twilios_openapi_description() {
    if !tool_present("node") || !tool_present("npm") {
        println!(
            "SKIPPED prism contract test: node and npm are needed (install Node.js to run it)"
        );
        return;
    }
    let spec = spec_path();
    assert!(
        spec.exists(),
        "Twilio OpenAPI spec not found at {} (set TWILIO_OPENAPI_SPEC)",
        spec.display()
    );
    let bin = tokio::task::spawn_blocking(ensure_prism).await.unwrap();
    let prism = tokio::task::spawn_blocking(move || Prism::start(&bin, &spec))
        .await
        .unwrap();

    let config =
        TwilioConfig::new(SID, AuthToken::new("contract-test-token")).with_api_base(&prism.base);
    let client = TwilioClient::new(config).unwrap();
    let provider = TwilioProvider::new(client.clone(), PUBLIC);
    let log = |what: &str| format!("{what}; prism log:\n{}", prism.drain_log());

    let account = client
        .fetch_account()
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    assert!(account.sid.is_some());

    let query = SearchQuery {
        country: "US".into(),
        area_code: Some("415".into()),
        calling_code: Some("1".into()),
    };
    let found = provider
        .search(&query)
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    assert_eq!(found, ["+18089251571"], "the spec's example");

    // The example reply names another number than the one asked for: it is what we keep.
    let owned = provider
        .buy("+14155550100")
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    assert_eq!(owned.phone_number, "+18089255327");
    assert!(owned.provider_id.starts_with("PN"));

    client
        .update_sms_url(
            &owned.provider_id,
            &format!("{PUBLIC}/webhook/sms-received"),
        )
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    provider
        .release(&owned)
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));

    // Listing follows next_page_uri; Prism's points at the same page again, which ends it.
    let since_2019 = 1_546_300_800_000; // 2019-01-01T00:00:00Z
    let inbound = provider
        .list_recent_inbound(since_2019)
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    let ids: Vec<_> = inbound.iter().map(|m| m.sms_id.as_str()).collect();
    assert_eq!(
        ids,
        ["MMc26223853f8c46b4ab7dfaa6abba0a26"],
        "only the inbound example, once"
    );
    assert!(inbound[0]
        .extra
        .contains(&("ErrorCode".into(), "30004".into())));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let recent = provider
        .list_recent_inbound(now_ms)
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    assert!(recent.is_empty(), "2019 examples are older than `since`");

    let pool = vec!["+18089255327".to_owned()];
    let report = client.check(&pool, PUBLIC).await;
    assert!(
        report.account.is_ok() && report.listing_error.is_none(),
        "{report:?}"
    );
    assert!(
        report.numbers[0].found.is_some() && !report.numbers[0].is_ok(),
        "example SmsUrl is empty"
    );
    let sync = client
        .sync_webhooks(&pool, PUBLIC)
        .await
        .unwrap_or_else(|e| panic!("{}", log(&e.to_string())));
    assert_eq!(sync.updated, pool, "{sync:?}");

    // Prism logs each request's validation; none of ours may have failed it (it answers
    // 422 only to errors, while warnings would pass silently).
    std::thread::sleep(Duration::from_millis(300));
    let lines = prism.drain_log();
    let passed = lines
        .matches("The request passed the validation rules")
        .count();
    assert!(!lines.contains("Request did not pass"), "{lines}");
    // account, search, buy, update, release, 2 × 2 message pages, check 2, sync 2.
    assert_eq!(passed, 13, "one validated request per call:\n{lines}");

    // Prism does enforce the spec: a request that breaks it is refused with 422.
    let err = client
        .update_sms_url(&owned.provider_id, "not a url")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TwilioError::Api(e) if e.status == 422 && e.message.contains("SmsUrl")),
        "{err:?}"
    );
}

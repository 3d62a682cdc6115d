//! Test harness: the real `agentpass-sms` binary on 127.0.0.1:0 with a temp data dir.
#![allow(dead_code)]

pub mod venv;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use agentpass_sms::twilio::signature;
use serde_json::Value;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_agentpass-sms");

/// A command for the binary with a clean environment, run inside `dir`.
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().env("RUST_LOG", "info").current_dir(dir);
    cmd.env("AGENTPASS_DATA_DIR", dir.join("data"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `cmd`, asserts it failed, returns its stderr.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        !out.status.success(),
        "expected failure; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `cmd`, asserts it succeeded, returns its stdout.
pub fn succeeds(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `serve` process.
pub struct Server {
    pub dir: Arc<TempDir>,
    pub child: Child,
    pub base: String,
    pub key: String,
    pub token: String,
    pub env: Vec<(String, String)>,
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `serve` in a new temp dir.
    pub fn start(env: &[(&str, &str)]) -> Server {
        Server::start_in(Arc::new(TempDir::new().unwrap()), env)
    }

    /// Starts `serve` in `dir` (reusing its data).
    pub fn start_in(dir: Arc<TempDir>, env: &[(&str, &str)]) -> Server {
        Server::start_prepared(dir, env, |_| {})
    }

    /// Starts `serve` in a new temp dir with at most `limit` open files (soft and hard,
    /// so the service cannot raise it).
    pub fn start_with_fd_limit(env: &[(&str, &str)], limit: u64) -> Server {
        use std::os::unix::process::CommandExt;
        let dir = Arc::new(TempDir::new().unwrap());
        Server::start_prepared(dir, env, move |cmd| {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
            unsafe {
                cmd.pre_exec(move || {
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) == 0 {
                        Ok(())
                    } else {
                        Err(std::io::Error::last_os_error())
                    }
                });
            }
        })
    }

    fn start_prepared(
        dir: Arc<TempDir>,
        env: &[(&str, &str)],
        prepare: impl FnOnce(&mut Command),
    ) -> Server {
        let mut cmd = command(dir.path(), env);
        prepare(&mut cmd);
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        let mut child = cmd.spawn().expect("spawn agentpass-sms");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap().to_owned();
                    let _ = tx.send(addr);
                }
                log2.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("server did not start; log:\n{}", log.lock().unwrap()));
        let data = dir.path().join("data");
        let read = |name: &str, var: &str| {
            env.iter()
                .find(|(k, _)| *k == var)
                .map(|(_, v)| v.to_string())
                .or_else(|| std::fs::read_to_string(data.join(name)).ok())
                .unwrap_or_default()
        };
        let key = read("dev-api-key", "AGENTPASS_API_KEY");
        let token = read("dev-webhook-token", "TWILIO_AUTH_TOKEN");
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Server {
            dir,
            child,
            base: format!("http://{addr}"),
            key,
            token,
            env,
            log,
        }
    }

    /// SIGKILL, then start again on the same data dir.
    pub fn kill9_and_restart(mut self) -> Server {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let env: Vec<(String, String)> = self.env.clone();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Server::start_in(self.dir.clone(), &env)
    }

    /// SIGTERM and wait for exit; returns the exit status success.
    pub fn terminate(&mut self) -> bool {
        unsafe_kill(self.child.id(), "TERM");
        self.child.wait().unwrap().success()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Whether the server's log shows `needle` within 5 s. The log is read from the
    /// child's stderr by another thread, so a line the server has written may not be
    /// here yet when the test looks: poll instead of reading once.
    pub async fn log_contains(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !self.log().contains(needle) {
            if std::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        true
    }

    /// The URL Twilio would sign for this server.
    pub fn webhook_url(&self) -> String {
        format!("{}/webhook/sms-received", self.base)
    }

    /// Posts a webhook signed with this server's token.
    pub async fn sms(&self, sid: &str, to: &str, body: &str) -> reqwest::Response {
        let params = twilio_params(sid, "+14155550100", to, body);
        post_signed(
            &self.webhook_url(),
            &self.webhook_url(),
            &self.token,
            &params,
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await
            .unwrap();
        status_json(r).await
    }

    /// `method path` with the admin key and `body` as JSON (`Null`: no body).
    pub async fn send(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client()
            .request(m, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        if !body.is_null() {
            request = request.json(&body);
        }
        status_json(request.send().await.unwrap()).await
    }

    pub async fn assign(&self, passport: &str) -> String {
        let (status, v) = self
            .send(
                "PUT",
                &format!("/v1/passports/{passport}/number"),
                Value::Null,
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["phone_number"].as_str().unwrap().to_owned()
    }

    /// Starts a long-poll wait with `body` in the background.
    pub fn spawn_wait(&self, number: &str, body: Value) -> tokio::task::JoinHandle<(u16, Value)> {
        let url = format!("{}/v1/numbers/{}/wait", self.base, enc(number));
        let key = self.key.clone();
        tokio::spawn(async move {
            let r = client()
                .post(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .unwrap();
            status_json(r).await
        })
    }

    /// Long-poll wait with `auto_ack` (delivered before the reply).
    pub async fn wait(&self, number: &str, timeout_ms: u64) -> (u16, Value) {
        let body = serde_json::json!({ "timeout_ms": timeout_ms, "auto_ack": true });
        self.send("POST", &format!("/v1/numbers/{}/wait", enc(number)), body)
            .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unsafe_kill(pid: u32, sig: &str) {
    Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap();
}

pub fn enc(number: &str) -> String {
    number.replace('+', "%2B")
}

pub fn client() -> reqwest::Client {
    agentpass_sms::http_client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub async fn status_json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The form fields Twilio sends for an inbound SMS.
pub fn twilio_params(sid: &str, from: &str, to: &str, body: &str) -> Vec<(String, String)> {
    [
        ("MessageSid", sid),
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("From", from),
        ("To", to),
        ("Body", body),
        ("NumMedia", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Posts `params` to `url`, signed over `signed_url` with `token`.
pub async fn post_signed(
    url: &str,
    signed_url: &str,
    token: &str,
    params: &[(String, String)],
) -> reqwest::Response {
    let sig = signature::compute(token, signed_url, params);
    client()
        .post(url)
        .header("X-Twilio-Signature", sig)
        .form(params)
        .send()
        .await
        .unwrap()
}

/// A message id of Twilio's shape (`SM` + 32 hex digits) for a readable tag: the same
/// tag always gives the same id; an id that already has the shape is kept.
pub fn sid(tag: &str) -> String {
    let shaped = tag.len() == 34
        && (tag.starts_with("SM") || tag.starts_with("MM"))
        && tag[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if shaped {
        return tag.to_owned();
    }
    // FNV-1a, twice with different seeds: 128 bits.
    let hash = |seed: u64| {
        tag.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    };
    format!(
        "SM{:016x}{:016x}",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x6c62_272e_07bb_0142)
    )
}

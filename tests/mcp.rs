//! The MCP server over stdio, driven by rmcp's own client: embedded and remote modes.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, ProgressNotificationParam, ProgressToken,
    ReadResourceRequestParams, Request,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Records progress notifications.
#[derive(Clone, Default)]
struct Client {
    progress: Arc<Mutex<HashMap<ProgressToken, usize>>>,
}

impl ClientHandler for Client {
    async fn on_progress(&self, p: ProgressNotificationParam, _: NotificationContext<RoleClient>) {
        *self
            .progress
            .lock()
            .unwrap()
            .entry(p.progress_token)
            .or_default() += 1;
    }
}

struct Mcp {
    client: RunningService<RoleClient, Client>,
    handler: Client,
    log: Arc<Mutex<String>>,
    pid: u32,
}

impl Mcp {
    /// Starts `agentpass-sms mcp` in `dir` with `env` (embedded unless AGENTPASS_API_URL).
    async fn start(dir: &Path, env: &[(&str, &str)]) -> Mcp {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.env_clear().env("RUST_LOG", "info").current_dir(dir);
        cmd.env("AGENTPASS_DATA_DIR", dir.join("data"))
            .env("AGENTPASS_LISTEN", "127.0.0.1:0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.arg("mcp");
        let (transport, stderr) = TokioChildProcess::builder(cmd)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = transport.id().expect("child pid");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr.unwrap()).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                sink.lock().unwrap().push_str(&(l + "\n"));
            }
        });
        let handler = Client::default();
        let client = handler
            .clone()
            .serve(transport)
            .await
            .expect("MCP initialize");
        Mcp {
            client,
            handler,
            log,
            pid,
        }
    }

    /// SIGKILL: the process dies without any cleanup.
    fn kill9(&self) {
        std::process::Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status()
            .unwrap();
    }

    /// The embedded webhook listener's base URL (from the log).
    fn base(&self) -> String {
        let log = self.log.lock().unwrap();
        let rest = log
            .split("listening on ")
            .nth(1)
            .expect("embedded listener");
        rest.split_whitespace().next().unwrap().to_owned()
    }

    async fn call(&self, name: &'static str, args: Value) -> CallToolResult {
        let params =
            CallToolRequestParams::new(name).with_arguments(args.as_object().unwrap().clone());
        self.client.call_tool(params).await.unwrap()
    }

    /// `mcp` in remote mode against `s`, with its admin key.
    async fn remote(s: &Server, dir: &Path) -> Mcp {
        let remote = [
            ("AGENTPASS_API_URL", s.base.as_str()),
            ("AGENTPASS_API_KEY", s.key.as_str()),
        ];
        Mcp::start(dir, &remote).await
    }

    /// The passport's number, through `get_phone_number`.
    async fn number_of(&self, passport: &str) -> String {
        let v = self
            .ok("get_phone_number", json!({ "passport_id": passport }))
            .await;
        v["phone_number"].as_str().unwrap().to_owned()
    }

    async fn ok(&self, name: &'static str, args: Value) -> Value {
        let r = self.call(name, args).await;
        assert_ne!(r.is_error, Some(true), "{name} failed: {r:?}");
        r.structured_content.expect("structured content")
    }
}

fn err_text(r: &CallToolResult) -> String {
    assert_eq!(r.is_error, Some(true), "{r:?}");
    r.content[0].as_text().unwrap().text.clone()
}

/// Posts a signed webhook to the embedded listener (dev token in `dir/data`).
async fn inject(dir: &Path, base: &str, sid: &str, to: &str, body: &str) {
    let token = std::fs::read_to_string(dir.join("data/dev-webhook-token")).unwrap();
    let url = format!("{base}/webhook/sms-received");
    let r = post_signed(
        &url,
        &url,
        token.trim(),
        &twilio_params(sid, "+14155550100", to, body),
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn tools_have_object_schemas_with_descriptions_and_annotations() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[]).await;
    let tools = m.client.list_all_tools().await.unwrap();
    let mut names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "extract_otp_from_sms",
            "get_phone_number",
            "list_sms",
            "release_phone_number",
            "wait_for_otp",
            "wait_for_sms"
        ]
    );
    for t in &tools {
        let input = Value::Object((*t.input_schema).clone());
        assert_eq!(input["type"], "object", "{}", t.name);
        for (prop, schema) in input["properties"].as_object().unwrap() {
            assert!(
                schema["description"].is_string(),
                "{}.{prop} has no description",
                t.name
            );
        }
        let output = Value::Object((**t.output_schema.as_ref().expect("outputSchema")).clone());
        assert_eq!(output["type"], "object", "{}", t.name);
        let a = t.annotations.as_ref().expect("annotations");
        assert!(a.title.is_some(), "{}", t.name);
        let read_only = matches!(t.name.as_ref(), "extract_otp_from_sms" | "list_sms");
        assert_eq!(a.read_only_hint, Some(read_only), "{}", t.name);
        assert_eq!(
            a.destructive_hint,
            Some(t.name == "release_phone_number"),
            "{}",
            t.name
        );
        if t.name == "get_phone_number" {
            assert_eq!(a.idempotent_hint, Some(true));
        }
    }
    let code = m
        .ok(
            "extract_otp_from_sms",
            json!({"sms_body": "Your code is 123456"}),
        )
        .await;
    assert_eq!(code, json!({"code": "123456"}));
    assert_eq!(
        m.ok("extract_otp_from_sms", json!({"sms_body": "hello"}))
            .await,
        json!({"code": null})
    );
    let bad = m.call("wait_for_sms", json!({"phone_number": 5})).await;
    assert_eq!(bad.is_error, Some(true), "bad arguments are a tool error");
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn embedded_assign_wait_deliver_timeout_release() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[]).await;
    let a = m
        .ok("get_phone_number", json!({"passport_id": "ap_1"}))
        .await;
    assert_eq!(
        m.ok("get_phone_number", json!({"passport_id": "ap_1"}))
            .await,
        a,
        "sticky"
    );
    let b = m
        .ok("get_phone_number", json!({"passport_id": "ap_2"}))
        .await;
    assert_ne!(a, b, "distinct passports, distinct numbers");
    let (na, nb) = (
        a["phone_number"].as_str().unwrap().to_owned(),
        b["phone_number"].as_str().unwrap().to_owned(),
    );
    let r = m
        .call("wait_for_sms", json!({"phone_number": na, "timeout": 200}))
        .await;
    assert_eq!(
        err_text(&r),
        format!("Wait for SMS failed: Timed out waiting for SMS to {na}")
    );
    // Two concurrent waits in one session, messages injected while they wait.
    let base = m.base();
    let wa = m.call(
        "wait_for_sms",
        json!({"phone_number": na, "timeout": 10000}),
    );
    let wb = m.call(
        "wait_for_otp",
        json!({"phone_number": nb, "timeout": 10000}),
    );
    let inject_both = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        inject(dir.path(), &base, &sid("SMA"), &na, "hello a").await;
        inject(dir.path(), &base, &sid("SMB0"), &nb, "Welcome!").await;
        inject(dir.path(), &base, &sid("SMB1"), &nb, "Your code is 482913").await;
    };
    let (ra, rb, ()) = tokio::join!(wa, wb, inject_both);
    let ra = ra.structured_content.unwrap();
    assert_eq!(
        (ra["id"].as_str(), ra["body"].as_str(), ra["to"].as_str()),
        (
            Some(sid("SMA").as_str()),
            Some("hello a"),
            Some(na.as_str())
        )
    );
    let rb = rb.structured_content.unwrap();
    assert_eq!(
        (rb["code"].as_str(), rb["sms"]["id"].as_str()),
        (Some("482913"), Some(sid("SMB1").as_str()))
    );
    let left = m
        .ok("wait_for_sms", json!({"phone_number": nb, "timeout": 2000}))
        .await;
    assert_eq!(
        left["body"], "Welcome!",
        "wait_for_otp left the message without a code"
    );
    let page = m
        .ok("list_sms", json!({"phone_number": nb, "limit": 1}))
        .await;
    assert_eq!(page["messages"][0]["id"], sid("SMB1"), "newest first");
    let next = m
        .ok(
            "list_sms",
            json!({"phone_number": nb, "limit": 5, "cursor": page["next_cursor"]}),
        )
        .await;
    assert_eq!(next["messages"][0]["id"], sid("SMB0"));
    // Release ends a pending wait with a clear error.
    let waiting = m.call(
        "wait_for_sms",
        json!({"phone_number": na, "timeout": 10000}),
    );
    let release = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        m.ok("release_phone_number", json!({"passport_id": "ap_1"}))
            .await
    };
    let (w, rel) = tokio::join!(waiting, release);
    assert_eq!(rel, json!({"phone_number": na, "released": true}));
    assert!(err_text(&w).contains("released"), "{w:?}");
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_wait_leaves_the_sms_for_the_next_and_progress_is_reported() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[]).await;
    let n = m
        .ok("get_phone_number", json!({"passport_id": "ap_1"}))
        .await["phone_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let params = CallToolRequestParams::new("wait_for_sms").with_arguments(
        json!({"phone_number": n, "timeout": 60000})
            .as_object()
            .unwrap()
            .clone(),
    );
    let handle = m
        .client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(params)),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let token = handle.progress_token.clone();
    handle.cancel(Some("agent gave up".into())).await.unwrap();
    let progress = *m.handler.progress.lock().unwrap().get(&token).unwrap_or(&0);
    assert!(
        progress >= 2,
        "progress notifications during a long wait: {progress}"
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    inject(dir.path(), &m.base(), &sid("SM1"), &n, "for the next wait").await;
    let got = m
        .ok("wait_for_sms", json!({"phone_number": n, "timeout": 2000}))
        .await;
    assert_eq!(got["id"], sid("SM1"));
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn stdout_carries_only_json_rpc_and_unknown_methods_get_32601() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .env_clear()
        .env("RUST_LOG", "debug")
        .env("AGENTPASS_DATA_DIR", dir.path().join("data"))
        .env("AGENTPASS_LISTEN", "127.0.0.1:0")
        .current_dir(dir.path())
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
    for msg in [
        init,
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "get_phone_number", "arguments": {"passport_id": "ap_1"}}}),
    ] {
        stdin
            .write_all(format!("{msg}\n").as_bytes())
            .await
            .unwrap();
    }
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut by_id = HashMap::new();
    while by_id.len() < 4 {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("non-JSON on stdout ({e}): {line}"));
        assert_eq!(v["jsonrpc"], "2.0", "{line}");
        if let Some(id) = v["id"].as_i64() {
            by_id.insert(id, v);
        }
    }
    assert_eq!(by_id[&3]["error"]["code"], -32601);
    assert_eq!(
        by_id[&4]["result"]["structuredContent"]["phone_number"],
        "+15550000001"
    );
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "clean exit when stdin closes");
}

#[tokio::test]
async fn a_second_embedded_process_on_the_same_data_dir_says_to_use_the_api_url() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[]).await;
    let out = command(dir.path(), &[("AGENTPASS_LISTEN", "127.0.0.1:0")])
        .arg("mcp")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AGENTPASS_API_URL"), "{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout");
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn remote_mode_delivers_and_survives_a_killed_mcp_process() {
    let s = Server::start(&[("AGENTPASS_DELIVERY_CLAIM_LEASE", "1s")]);
    let remote = [
        ("AGENTPASS_API_URL", s.base.as_str()),
        ("AGENTPASS_API_KEY", s.key.as_str()),
    ];
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &remote).await;
    let n = m
        .ok("get_phone_number", json!({"passport_id": "ap_r"}))
        .await["phone_number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.assign("ap_r").await, n, "the pool lives in the service");
    let wait = m.call("wait_for_sms", json!({"phone_number": n, "timeout": 10000}));
    let send = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        s.sms(&sid("SM1"), &n, "via remote").await;
    };
    let (r, ()) = tokio::join!(wait, send);
    assert_eq!(r.structured_content.unwrap()["id"], sid("SM1"));
    let r = m
        .call("wait_for_sms", json!({"phone_number": n, "timeout": 300}))
        .await;
    assert_eq!(
        err_text(&r),
        format!("Wait for SMS failed: Timed out waiting for SMS to {n}")
    );
    // Kill the MCP process in the middle of a wait; the message still reaches the next one.
    let args = json!({"phone_number": n, "timeout": 20000})
        .as_object()
        .unwrap()
        .clone();
    let pending = m
        .client
        .call_tool(CallToolRequestParams::new("wait_for_sms").with_arguments(args));
    let kill = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        m.kill9();
    };
    let (died, ()) = tokio::join!(pending, kill);
    assert!(died.is_err(), "the MCP process is gone mid-wait");
    s.sms(&sid("SM2"), &n, "after the crash").await;
    let m2 = Mcp::start(dir.path(), &remote).await;
    let r = m2
        .ok("wait_for_sms", json!({"phone_number": n, "timeout": 5000}))
        .await;
    assert_eq!(r["id"], sid("SM2"));
    m2.client.cancel().await.unwrap();
}

#[tokio::test]
async fn remote_mode_enforces_the_api_keys_passport_scope() {
    let dir = tempfile::TempDir::new().unwrap();
    let cfg = dir.path().join("keys.toml");
    std::fs::write(
        &cfg,
        "api_key = \"admin\"\n[[api_keys]]\nkey = \"agent-key\"\npassports = [\"ap_mine\"]\n",
    )
    .unwrap();
    let s = Server::start(&[
        ("AGENTPASS_CONFIG", cfg.to_str().unwrap()),
        ("AGENTPASS_API_KEY", "admin"),
    ]);
    let theirs = s.assign("ap_theirs").await;
    let remote = [
        ("AGENTPASS_API_URL", s.base.as_str()),
        ("AGENTPASS_API_KEY", "agent-key"),
    ];
    let m = Mcp::start(dir.path(), &remote).await;
    let mine = m.number_of("ap_mine").await;
    // Resources: only the numbers the key's passports hold, read through `/v1`.
    let uris: Vec<String> = m
        .client
        .list_all_resources()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.uri.clone())
        .collect();
    assert_eq!(uris, [format!("sms://{mine}/messages")]);
    let read = |n: &str| {
        m.client
            .read_resource(ReadResourceRequestParams::new(format!(
                "sms://{n}/messages"
            )))
    };
    let page = read(&mine).await.unwrap();
    assert!(
        format!("{page:?}").contains("\\\"messages\\\":[]"),
        "{page:?}"
    );
    let refused = read(&theirs).await.unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    for (tool, args) in [
        ("get_phone_number", json!({"passport_id": "ap_theirs"})),
        ("release_phone_number", json!({"passport_id": "ap_theirs"})),
        (
            "wait_for_sms",
            json!({"phone_number": theirs, "timeout": 100}),
        ),
        ("list_sms", json!({"phone_number": theirs})),
    ] {
        let r = m.call(tool, args).await;
        assert!(err_text(&r).contains("not allowed"), "{tool}: {r:?}");
    }
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn list_sms_shows_the_new_owner_none_of_the_previous_owners_messages() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[("AGENTPASS_POOL_QUARANTINE", "100ms")]).await;
    let n = m
        .ok("get_phone_number", json!({"passport_id": "ap_old"}))
        .await["phone_number"]
        .as_str()
        .unwrap()
        .to_owned();
    inject(
        dir.path(),
        &m.base(),
        &sid("SM_OLD"),
        &n,
        "old owner's code 111111",
    )
    .await;
    assert_eq!(
        m.ok("list_sms", json!({"phone_number": n})).await["messages"][0]["id"],
        sid("SM_OLD")
    );
    m.ok("release_phone_number", json!({"passport_id": "ap_old"}))
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = m
        .ok("get_phone_number", json!({"passport_id": "ap_new"}))
        .await;
    assert_eq!(
        again["phone_number"],
        n.as_str(),
        "quarantine over: the number is reused"
    );
    let page = m.ok("list_sms", json!({"phone_number": n})).await;
    assert_eq!(page["messages"], json!([]), "{page}");
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn remote_wait_for_otp_skips_a_message_without_a_code_and_leaves_it_for_wait_for_sms() {
    let s = Server::start(&[]);
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::remote(&s, dir.path()).await;
    let n = m.number_of("ap_otp").await;
    let wait = m.call("wait_for_otp", json!({"phone_number": n, "timeout": 5000}));
    let send = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            s.sms(&sid("SM_WELCOME"), &n, "Welcome to Acme")
                .await
                .status(),
            200
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let code = "Your Acme code is 482913";
        assert_eq!(s.sms(&sid("SM_CODE"), &n, code).await.status(), 200);
    };
    let (r, ()) = tokio::join!(wait, send);
    assert_ne!(r.is_error, Some(true), "{r:?}");
    let otp = r.structured_content.unwrap();
    assert_eq!(
        (otp["code"].as_str(), otp["sms"]["id"].as_str()),
        (Some("482913"), Some(sid("SM_CODE").as_str()))
    );
    let welcome = m
        .ok("wait_for_sms", json!({"phone_number": n, "timeout": 2000}))
        .await;
    assert_eq!(
        welcome["id"],
        sid("SM_WELCOME"),
        "the code-less SMS was left: {welcome}"
    );
    m.client.cancel().await.unwrap();
}

/// Every place in `schema` that strict function-calling modes refuse.
fn strict_violations(path: &str, schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{path}.{k}");
                if ["anyOf", "oneOf", "allOf", "$ref", "$defs", "definitions"].contains(&k.as_str())
                {
                    out.push(here.clone());
                }
                if k == "type" && v.is_array() {
                    out.push(format!("{here} is a type array"));
                }
                strict_violations(&here, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                strict_violations(&format!("{path}[{i}]"), v, out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn input_schemas_suit_strict_clients_and_arguments_are_checked_at_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[]).await;
    for t in m.client.list_all_tools().await.unwrap() {
        let input = Value::Object((*t.input_schema).clone());
        let mut bad = Vec::new();
        strict_violations(&t.name, &input, &mut bad);
        assert!(bad.is_empty(), "{}: {bad:?} in {input}", t.name);
        let output = Value::Object((**t.output_schema.as_ref().unwrap()).clone());
        let text = format!(
            "{input} {output} {}",
            t.description.as_deref().unwrap_or_default()
        );
        for history in ["seed", "original"] {
            assert!(
                !text.contains(history),
                "{}: speaks of history: {text}",
                t.name
            );
        }
        if let Some(timeout) = input["properties"].get("timeout") {
            assert_eq!(
                (timeout["minimum"].as_u64(), timeout["maximum"].as_u64()),
                (Some(1), Some(600_000)),
                "{}",
                t.name
            );
        }
        if let Some(limit) = input["properties"].get("limit") {
            assert_eq!(
                (limit["minimum"].as_u64(), limit["maximum"].as_u64()),
                (Some(1), Some(100))
            );
        }
    }
    let n = m.number_of("ap_strict").await;
    // Numbers as strings, as MCP Inspector's CLI sends them.
    let r = m
        .call("wait_for_sms", json!({"phone_number": n, "timeout": "200"}))
        .await;
    assert_eq!(
        err_text(&r),
        format!("Wait for SMS failed: Timed out waiting for SMS to {n}")
    );
    let r = m
        .call("wait_for_otp", json!({"phone_number": n, "timeout": "200"}))
        .await;
    assert!(
        err_text(&r).starts_with("Wait for OTP failed: Timed out"),
        "{r:?}"
    );
    let page = m
        .ok("list_sms", json!({"phone_number": n, "limit": "5"}))
        .await;
    assert_eq!(page["messages"], json!([]));
    // Errors name the argument; unknown arguments and non-E.164 numbers are refused at once.
    let r = m
        .call(
            "wait_for_sms",
            json!({"phone_number": n, "timeout": "soon"}),
        )
        .await;
    assert!(format!("{r:?}").contains("timeout"), "{r:?}");
    let r = m
        .call("wait_for_sms", json!({"phone_number": n, "timout": 5}))
        .await;
    assert!(format!("{r:?}").contains("timout"), "{r:?}");
    let r = m
        .call(
            "wait_for_sms",
            json!({"phone_number": "5550001", "timeout": 60000}),
        )
        .await;
    assert!(
        err_text(&r).contains("phone_number \"5550001\" is not an E.164"),
        "{r:?}"
    );
    let r = m
        .call("list_sms", json!({"phone_number": n, "limit": 0}))
        .await;
    assert!(
        err_text(&r).contains("limit must be between 1 and 100"),
        "{r:?}"
    );
    // The code, and for origin-bound codes the origin, on every message.
    let code = m
        .ok(
            "extract_otp_from_sms",
            json!({"sms_body": "Your code is 482913\n\n@acme.example #482913"}),
        )
        .await;
    assert_eq!(code, json!({"code": "482913", "origin": "acme.example"}));
    inject(
        dir.path(),
        &m.base(),
        &sid("SMcode"),
        &n,
        "Your code is 482913\n\n@acme.example #482913",
    )
    .await;
    let got = m
        .ok("wait_for_sms", json!({"phone_number": n, "timeout": 5000}))
        .await;
    assert_eq!(
        (got["code"].as_str(), got["origin"].as_str()),
        (Some("482913"), Some("acme.example")),
        "{got}"
    );
    let page = m.ok("list_sms", json!({"phone_number": n})).await;
    assert_eq!(page["messages"][0]["code"], "482913", "{page}");
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn waits_take_contains_and_match_filters_and_refuse_a_bad_pattern() {
    let s = Server::start(&[]);
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::remote(&s, dir.path()).await;
    let n = m.number_of("ap_filters").await;
    s.sms(&sid("SM_GLOBEX"), &n, "Globex code 111111").await;
    s.sms(&sid("SM_ACME"), &n, "Acme code 222222").await;
    let otp = m
        .ok(
            "wait_for_otp",
            json!({"phone_number": n, "timeout": 2000, "match": "^Acme"}),
        )
        .await;
    assert_eq!(otp["code"], "222222", "{otp}");
    let got = m
        .ok(
            "wait_for_sms",
            json!({"phone_number": n, "timeout": 2000, "contains": "GLOBEX"}),
        )
        .await;
    assert_eq!(got["id"], sid("SM_GLOBEX"));
    let r = m
        .call(
            "wait_for_sms",
            json!({"phone_number": n, "timeout": 2000, "match": "(x"}),
        )
        .await;
    assert!(
        err_text(&r).starts_with("Wait for SMS failed: match: "),
        "{r:?}"
    );
    m.client.cancel().await.unwrap();
}

#[tokio::test]
async fn remote_mode_reads_no_config_file_and_startup_failures_reach_the_client() {
    let s = Server::start(&[]);
    let dir = tempfile::TempDir::new().unwrap();
    // A service's config in the directory the client is started in.
    let config = format!("[[api_keys]]\nkey = \"{}\"\n[store]\nbogus = 1\n", s.key);
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let m = Mcp::remote(&s, dir.path()).await;
    assert_eq!(m.number_of("ap_dir").await, s.assign("ap_dir").await);
    m.client.cancel().await.unwrap();

    // Embedded mode on a data dir another process holds: the client's initialize gets
    // a JSON-RPC error that says why, not a closed connection.
    let holder = Mcp::start(dir.path(), &[("AGENTPASS_CONFIG", "/dev/null")]).await;
    let mut child = tokio::process::Command::new(BIN)
        .env_clear()
        .current_dir(dir.path())
        .env("AGENTPASS_DATA_DIR", dir.path().join("data"))
        .env("AGENTPASS_CONFIG", "/dev/null")
        .env("AGENTPASS_LISTEN", "127.0.0.1:0")
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let init = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{init}\n").as_bytes())
        .await
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(!out.status.success());
    let reply: Value = serde_json::from_slice(&out.stdout).expect("one JSON-RPC reply");
    assert_eq!(reply["id"], 1, "{reply}");
    let message = reply["error"]["message"].as_str().unwrap();
    assert!(message.contains("AGENTPASS_API_URL"), "{message}");
    holder.client.cancel().await.unwrap();
}

#[tokio::test]
async fn get_phone_number_takes_a_country_and_an_area_code_and_the_held_number_wins() {
    let dir = tempfile::TempDir::new().unwrap();
    let m = Mcp::start(dir.path(), &[]).await;
    // Mock numbers carry the country's calling code (and the area code).
    let gb = m
        .ok(
            "get_phone_number",
            json!({"passport_id": "ap_gb", "country": "gb"}),
        )
        .await;
    let gb = gb["phone_number"].as_str().unwrap().to_owned();
    assert!(gb.starts_with("+44"), "{gb}");
    let sf = m
        .ok(
            "get_phone_number",
            json!({"passport_id": "ap_sf", "area_code": "415"}),
        )
        .await;
    assert!(
        sf["phone_number"].as_str().unwrap().starts_with("+1415"),
        "{sf}"
    );
    assert!(sf.get("note").is_none(), "{sf}");
    // Asking again elsewhere returns the held number, and says so.
    let again = m
        .ok(
            "get_phone_number",
            json!({"passport_id": "ap_gb", "country": "DE"}),
        )
        .await;
    assert_eq!(again["phone_number"], gb.as_str());
    let note = again["note"].as_str().unwrap();
    assert!(
        note.contains(&gb) && note.contains("DE") && note.contains("+49"),
        "{note}"
    );
    // Bad places and unknown arguments are tool errors naming them.
    for (args, needle) in [
        (
            json!({"passport_id": "ap_x", "country": "XX"}),
            "country \"XX\"",
        ),
        (
            json!({"passport_id": "ap_x", "area_code": "41a"}),
            "area_code",
        ),
        (json!({"passport_id": "ap_x", "region": "CA"}), "region"),
    ] {
        let r = m.call("get_phone_number", args).await;
        assert!(err_text(&r).contains(needle), "{needle}: {r:?}");
    }
    m.client.cancel().await.unwrap();

    // Remote mode passes the place to `serve`, whose `/v1` route takes it too.
    let s = Server::start(&[]);
    let remote_dir = tempfile::TempDir::new().unwrap();
    let r = Mcp::remote(&s, remote_dir.path()).await;
    let de = r
        .ok(
            "get_phone_number",
            json!({"passport_id": "ap_de", "country": "DE"}),
        )
        .await;
    assert!(
        de["phone_number"].as_str().unwrap().starts_with("+49"),
        "{de}"
    );
    let path = "/v1/passports/ap_de/number";
    let (status, v) = s.send("PUT", path, json!({"country": "FR"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["phone_number"], de["phone_number"]);
    assert!(v["note"].as_str().unwrap().contains("FR"), "{v}");
    let (status, v) = s
        .send(
            "PUT",
            "/v1/passports/ap_fr/number",
            json!({"country": "FR"}),
        )
        .await;
    assert!(
        v["phone_number"].as_str().unwrap().starts_with("+33"),
        "{status} {v}"
    );
    let (status, v) = s
        .send(
            "PUT",
            "/v1/passports/ap_zz/number",
            json!({"country": "ZZ"}),
        )
        .await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (400, Some("bad_request")),
        "{v}"
    );
    r.client.cancel().await.unwrap();
}

#[tokio::test]
async fn remote_mode_watches_a_number_by_polling_its_newest_message() {
    use agentpass_sms::mcp::backend::Backend;
    use futures_util::StreamExt;
    let s = Server::start(&[]);
    let number = s.assign("ap_watch").await;
    let remote = agentpass_sms::mcp::remote::Remote::new(&s.base, s.key.clone());
    let mut arrivals = remote.watch(&number).await.unwrap();
    assert_eq!(
        s.sms(&sid("SMWATCH"), &number, "Code 9999").await.status(),
        200
    );
    let heard = tokio::time::timeout(Duration::from_secs(20), arrivals.next()).await;
    assert_eq!(heard.expect("an arrival within 20 s"), Some(()));
    assert!(
        remote.watch("+15559999999").await.is_err(),
        "not in the pool"
    );
}

//! CLI behaviour: configuration errors, `config show`, listener safety, `otp`, `numbers`.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::*;
use tempfile::TempDir;

#[test]
fn a_bad_config_value_is_a_startup_error_naming_the_key() {
    let dir = TempDir::new().unwrap();
    let err =
        fails(command(dir.path(), &[("AGENTPASS_DELIVERY_CLAIM_LEASE", "soon")]).arg("serve"));
    assert!(
        err.contains("delivery.claim_lease") && err.contains("AGENTPASS_DELIVERY_CLAIM_LEASE"),
        "{err}"
    );
}

#[test]
fn twilio_credentials_without_a_pool_or_provisioning_are_refused() {
    let dir = TempDir::new().unwrap();
    let env = [
        ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"),
        ("TWILIO_AUTH_TOKEN", "tok"),
        ("AGENTPASS_POOL_AUTO_PROVISION", "false"),
    ];
    let err = fails(command(dir.path(), &env).arg("serve"));
    assert!(err.contains("auto_provision"), "{err}");
}

#[test]
fn refuses_a_non_loopback_listener_without_an_api_key() {
    let dir = TempDir::new().unwrap();
    let err = fails(command(dir.path(), &[]).args(["serve", "--listen", "0.0.0.0:0"]));
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0 without an API key"),
        "{err}"
    );
}

#[test]
fn config_show_prints_the_effective_config_without_secrets() {
    let dir = TempDir::new().unwrap();
    let env = [
        ("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000"),
        ("TWILIO_AUTH_TOKEN", "super-secret-token"),
        ("TWILIO_PHONE_NUMBERS", "+15551230001, +15551230002"),
        ("AGENTPASS_API_KEY", "super-secret-key"),
    ];
    let shown =
        succeeds(command(dir.path(), &env).args(["config", "show", "--listen", "127.0.0.1:9999"]));
    assert!(!shown.contains("super-secret"), "{shown}");
    assert!(
        shown.contains("[redacted]")
            && shown.contains("+15551230002")
            && shown.contains("127.0.0.1:9999"),
        "{shown}"
    );
}

#[test]
fn otp_prints_the_code_or_exits_1_and_jsonl_answers_every_line() {
    let dir = TempDir::new().unwrap();
    let out = command(dir.path(), &[])
        .args(["otp", "Your verification code is 482913"])
        .output()
        .unwrap();
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        (Some(0), "482913")
    );
    let out = command(dir.path(), &[])
        .args(["otp", "hello there"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut child = command(dir.path(), &[])
        .args(["otp", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = "{\"body\": \"Your code is 123456\"}\nnot json\n{\"body\": \"no code here\"}\n";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], serde_json::json!({"code": "123456"}));
    assert!(lines[1]["code"].is_null() && lines[1]["error"].is_string());
    assert_eq!(lines[2], serde_json::json!({"code": null}));
}

#[tokio::test]
async fn numbers_cli_assigns_lists_and_releases_through_the_api() {
    let s = Server::start(&[]);
    let run = |args: &[&str]| {
        let out = succeeds(
            command(s.dir.path(), &[])
                .args(["--listen", s.base.trim_start_matches("http://")])
                .args(args),
        );
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let a = run(&["numbers", "assign", "ap_cli"]);
    assert_eq!(a["phone_number"], "+15550000001");
    let list = run(&["numbers", "list"]);
    assert_eq!(list["numbers"][0]["passport_id"], "ap_cli");
    let r = run(&["numbers", "release", "ap_cli"]);
    assert_eq!(r["released"], true);
    let list = run(&["numbers", "list"]);
    assert_eq!(list["numbers"][0]["status"], "quarantined");
}

#[tokio::test]
async fn client_commands_are_quiet_and_sms_send_names_the_data_dir_it_read() {
    let s = Server::start(&[]);
    let n = s.assign("ap_cli").await;
    let listen = s.base.trim_start_matches("http://").to_owned();
    // From the service's directory: only the message id on stdout, nothing on stderr.
    let out = command(s.dir.path(), &[])
        .env_remove("RUST_LOG")
        .args([
            "--listen", &listen, "sms", "send", "--from", "ACME", "--to", &n, "--body", "hi",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim()
        .starts_with("SM"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("INFO"), "client INFO lines: {stderr}");
    // From elsewhere: a clear error naming the data dir, and no token created there.
    let elsewhere = tempfile::TempDir::new().unwrap();
    let mut cmd = command(elsewhere.path(), &[]);
    let err = fails(cmd.args([
        "--listen", &listen, "sms", "send", "--from", "ACME", "--to", &n, "--body", "hi",
    ]));
    let data = elsewhere.path().join("data");
    assert!(err.contains(&data.display().to_string()), "{err}");
    assert!(
        !data.join("dev-webhook-token").exists(),
        "no token made: {err}"
    );
}

#[test]
fn a_taken_port_is_reported_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::TempDir::new().unwrap();
    let err = fails(command(dir.path(), &[]).args(["serve", "--listen", &addr]));
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .expect("an error line");
    assert!(line.contains(&addr), "{line}");
    assert_eq!(line.matches("in use").count(), 1, "{line}");
}

#[test]
fn a_misspelled_variable_is_named_with_a_did_you_mean() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = command(dir.path(), &[("AGENTPASS_LISTN", "127.0.0.1:1")])
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "AGENTPASS_LISTN is not a setting and is ignored (did you mean AGENTPASS_LISTEN?)"
        ),
        "{stderr}"
    );
}

//! The official Python MCP SDK (default mode) against the real binary: over stdio
//! (`tests/mcp_client.py`) and over Streamable HTTP (`tests/mcp_http_client.py`). The
//! SDK is installed once into a virtual environment under `target/` (PyPI must be
//! reachable).

mod common;

use std::path::Path;
use std::process::Command;

const MCP_SDK: &str = "mcp==2.3.0";

/// Runs `tests/<script>` with `args` in the SDK's venv; fails with its output (and
/// `log`, the service's) unless it ends with "all checks passed".
fn run_script(script: &str, args: &[&str], log: impl Fn() -> String) {
    let python = common::venv::python_venv("mcp-venv", MCP_SDK).join("bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("all checks passed"),
        "python client failed:\n{stdout}\n{stderr}\nservice log:\n{}",
        log()
    );
}

#[test]
fn the_official_python_sdk_drives_every_tool() {
    let dir = tempfile::TempDir::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = dir.path().join("data");
    let args = [
        env!("CARGO_BIN_EXE_agentpass-sms"),
        data.to_str().unwrap(),
        &port.to_string(),
        "py-test-secret",
    ];
    // The MCP child's log is on the script's stderr, printed on failure.
    run_script("mcp_client.py", &args, String::new);
}

#[test]
fn the_official_python_sdk_drives_every_tool_over_streamable_http() {
    let dir = std::sync::Arc::new(tempfile::TempDir::new().unwrap());
    let config = "[[api_keys]]\nkey = \"scoped-py-key\"\npassports = [\"ap_h1\"]\n";
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let server = common::Server::start_in(dir, &[("AGENTPASS_API_KEY", "admin-py-key")]);
    let args = [
        server.base.as_str(),
        "admin-py-key",
        "scoped-py-key",
        &server.token,
    ];
    run_script("mcp_http_client.py", &args, || server.log());
}

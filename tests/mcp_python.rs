//! The official Python MCP SDK (default mode) against the real binary. The SDK is
//! installed once into a virtual environment under `target/` (PyPI must be reachable).

mod common;

use std::path::Path;
use std::process::Command;

const MCP_SDK: &str = "mcp==2.3.0";

#[test]
fn the_official_python_sdk_drives_every_tool() {
    let python = common::venv::python_venv("mcp-venv", MCP_SDK).join("bin/python");
    let dir = tempfile::TempDir::new().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_agentpass-sms"))
        .arg(dir.path().join("data"))
        .arg(port.to_string())
        .arg("py-test-secret")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    println!("{stdout}");
    assert!(
        out.status.success(),
        "python client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"));
}

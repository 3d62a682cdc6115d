//! The official Python MCP SDK (default mode) against the real binary. The SDK is
//! installed once into a virtual environment under `target/` (PyPI must be reachable).

use std::path::{Path, PathBuf};
use std::process::Command;

const MCP_SDK: &str = "mcp==2.3.0";

/// Creates `target/mcp-venv` with the SDK if it is not there yet; returns its python.
fn venv() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let dir = target.join("mcp-venv");
    let python = dir.join("bin/python");
    let marker = dir.join(format!("installed-{MCP_SDK}"));
    if marker.exists() {
        return python;
    }
    let tmp = target.join(format!("mcp-venv-{}", std::process::id()));
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run python3");
        assert!(
            out.status.success(),
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&tmp));
    run(Command::new(tmp.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        MCP_SDK,
    ]));
    std::fs::write(tmp.join(format!("installed-{MCP_SDK}")), "").unwrap();
    // A venv is not relocatable: recreate in place if another run won the race.
    if std::fs::rename(&tmp, &dir).is_err() && !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        run(Command::new("python3").args(["-m", "venv"]).arg(&dir));
        run(Command::new(dir.join("bin/pip")).args(["install", "--quiet", MCP_SDK]));
        std::fs::write(&marker, "").unwrap();
    }
    let _ = std::fs::remove_dir_all(&tmp);
    python
}

#[test]
fn the_official_python_sdk_drives_every_tool() {
    let python = venv();
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

//! schemathesis (property-based API testing from the OpenAPI description) against the
//! live server: every route is fuzzed from `GET /v1/openapi.json` with every check —
//! no 5xx, every status, header and body as described, schema-valid requests accepted,
//! invalid ones refused. Installed once into `target/schemathesis-venv` (PyPI).

mod common;

use std::path::Path;
use std::process::Command;

use common::venv::python_venv;
use common::*;

/// The version the hooks were written against (wheel sha256
/// 5ec7e532ebdf9b0e0239a943df2a565174aecda513b61e564d8ad2a3ac801f22).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

#[test]
fn schemathesis_finds_nothing_the_description_does_not_allow() {
    let venv = python_venv("schemathesis-venv", SCHEMATHESIS);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // Failure limits far up (the tool sends many requests without a key or signature)
    // and short waits (a valid wait that nothing matches lasts timeout_ms).
    let s = Server::start(&[
        ("AGENTPASS_LIMITS_FAILED_AUTH_PER_MINUTE", "1000000"),
        ("AGENTPASS_LIMITS_FAILED_SIGNATURES_PER_MINUTE", "1000000"),
        ("AGENTPASS_LIMITS_REQUESTS_PER_KEY_PER_SECOND", "1000000"),
        ("AGENTPASS_DELIVERY_DEFAULT_WAIT_TIMEOUT", "100ms"),
        ("AGENTPASS_DELIVERY_MAX_WAIT_TIMEOUT", "500ms"),
    ]);
    runtime.block_on(s.assign("ap_schemathesis"));
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/openapi.json");
    let reports = tempfile::TempDir::new().unwrap();
    // Through the venv's python: the entry-point script's shebang names the directory
    // the venv was built in, before it was moved into place.
    let cli = "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'schemathesis'; sys.exit(schemathesis())";
    let out = Command::new(venv.join("bin/python"))
        .args(["-c", cli])
        .arg("--no-color")
        .arg("--config-file")
        .arg(here.join("schemathesis.toml"))
        .args(["run", &format!("{}/v1/openapi.json", s.base)])
        .args(["--url", &s.base])
        .args(["-H", &format!("Authorization: Bearer {}", s.key)])
        .args(["--checks", "all", "--max-examples", "40", "--seed", "1"])
        .args(["--workers", "1"])
        .arg("--report-dir")
        .arg(reports.path())
        // Its example cache (.schemathesis/) goes there too, not into the repository.
        .current_dir(reports.path())
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", &here)
        .env("WEBHOOK_TOKEN_FILE", s.data_dir().join("dev-webhook-token"))
        .env("WEBHOOK_PUBLIC_URL", &s.base)
        .env("OPENAPI_SPEC", &spec)
        .output()
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    // Kept for a look after the run (CI artefact).
    let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/schemathesis-last.txt");
    let _ = std::fs::write(saved, stdout.as_bytes());
    assert!(
        out.status.success(),
        "schemathesis failed:\n{stdout}\n{}\nserver log tail:\n{}",
        String::from_utf8_lossy(&out.stderr),
        s.log()
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!s.log().contains("panicked"), "{}", s.log());
}

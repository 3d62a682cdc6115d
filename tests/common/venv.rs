//! Python tools the tests drive (the MCP SDK, schemathesis), each installed once into
//! its own virtual environment under `target/` (PyPI must be reachable the first time).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Creates `target/{name}` with `requirement` (`package==version`) if it is not there
/// yet; returns the environment's directory.
pub fn python_venv(name: &str, requirement: &str) -> PathBuf {
    // Tests of one binary run in threads of one process: one of them installs, the
    // others wait for it (other processes are told apart by the temp dir's pid).
    static INSTALLING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|p| p.into_inner());
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    let dir = target.join(name);
    let marker = dir.join(format!("installed-{requirement}"));
    if marker.exists() {
        return dir;
    }
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run python3");
        assert!(
            out.status.success(),
            "{cmd:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let install = |at: &Path| {
        run(Command::new("python3").args(["-m", "venv"]).arg(at));
        run(Command::new(at.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ]));
        std::fs::write(at.join(format!("installed-{requirement}")), "").unwrap();
    };
    let tmp = target.join(format!("{name}-{}", std::process::id()));
    install(&tmp);
    // A venv is not relocatable: recreate in place if another run won the race.
    if std::fs::rename(&tmp, &dir).is_err() && !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        install(&dir);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    dir
}

//! Development secrets generated in the data directory.
//!
//! With no configured webhook signing key (mock mode) or API key (loopback listener),
//! the service generates one, stores it in the data directory with mode 0600, and the
//! CLI (`sms send`, `numbers`) reads it from there. The value is never logged; only the
//! file's path is.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the generated webhook signing token.
pub const DEV_WEBHOOK_TOKEN: &str = "dev-webhook-token";
/// File name of the generated API key.
pub const DEV_API_KEY: &str = "dev-api-key";

/// Reads the secret in `dir/name`, creating it (0600) when absent.
pub fn read_or_create(dir: &Path, name: &str) -> std::io::Result<(String, PathBuf)> {
    let path = dir.join(name);
    if let Some(existing) = read(dir, name) {
        return Ok((existing, path));
    }
    fs::create_dir_all(dir)?;
    let value = format!("dev_{:032x}", rand::random::<u128>());
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(value.as_bytes())?;
            file.sync_all()?;
            Ok((value, path))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(dir, name).map(|v| (v, path)).ok_or(e)
        }
        Err(e) => Err(e),
    }
}

/// Reads the secret in `dir/name` if it exists and is not empty.
pub fn read(dir: &Path, name: &str) -> Option<String> {
    let value = fs::read_to_string(dir.join(name)).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_with_private_mode() {
        let dir = tempfile::TempDir::new().unwrap();
        let (a, path) = read_or_create(dir.path(), DEV_API_KEY).unwrap();
        let (b, _) = read_or_create(dir.path(), DEV_API_KEY).unwrap();
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

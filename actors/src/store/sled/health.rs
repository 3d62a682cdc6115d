//! Whether the sled store can take writes: free disk space, stuck or failed flushes.
//!
//! sled 0.34 does not survive a full disk: a flush that hits `ENOSPC` blocks for minutes
//! inside sled and leaves the database failing every later write, even once space is
//! freed. So the writer never lets sled get there: before it applies a batch it checks
//! the file system's free space against `min_free_bytes` plus room for the batch, and
//! refuses the batch (nothing applied, every caller told at once) while space is short.
//! Writes resume by themselves when space is back. A flush that fails anyway, or runs
//! longer than `stall_after`, also makes the writer refuse new batches instead of
//! queueing them behind it; [`Health::report`] says why, for `/healthz`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::StoreError;

/// Limits the writer keeps to, from [`super::SledOptions`].
pub(super) struct Health {
    dir: PathBuf,
    min_free_bytes: u64,
    stall_after: Duration,
    /// Reference point for `flush_started`.
    epoch: Instant,
    /// Microseconds after `epoch` + 1 at which the running flush began; 0 when idle.
    flush_started: AtomicU64,
    /// The size of the last batch refused for want of space, until one is admitted:
    /// health stays failing while that batch would still not fit.
    short_of_space: Mutex<Option<u64>>,
    /// The first flush error: sled refuses every write after one, so this is sticky.
    flush_failed: Mutex<Option<String>>,
}

impl Health {
    pub(super) fn new(dir: PathBuf, min_free_bytes: u64, stall_after: Duration) -> Self {
        Health {
            dir,
            min_free_bytes,
            stall_after,
            epoch: Instant::now(),
            flush_started: AtomicU64::new(0),
            short_of_space: Mutex::new(None),
            flush_failed: Mutex::new(None),
        }
    }

    /// Whether a batch of about `bytes` may be applied now; the error says why not.
    pub(super) fn admit(&self, bytes: u64) -> Result<(), StoreError> {
        self.engine_trouble().map_or(Ok(()), Err)?;
        let short = self.space_shortfall(bytes);
        let mut noted = self.short_of_space.lock().expect("health lock");
        match short {
            Some(reason) => {
                if noted.is_none() {
                    tracing::error!("store refuses writes: {reason}");
                }
                *noted = Some(bytes);
                Err(StoreError::Unavailable { reason })
            }
            None => {
                if noted.take().is_some() {
                    tracing::info!("store takes writes again: disk space is back");
                }
                Ok(())
            }
        }
    }

    /// Why a batch of about `bytes` would not fit in the space kept free, if it would not.
    fn space_shortfall(&self, bytes: u64) -> Option<String> {
        // Room for the batch several times over: sled writes each page to its log and
        // again when it compacts segments.
        let need = self.min_free_bytes.saturating_add(bytes.saturating_mul(4));
        let free = free_bytes(&self.dir)?;
        (free < need).then(|| {
            format!(
                "the disk holding {} has {} free, below the {} kept free (store.min_free_bytes)",
                self.dir.display(),
                mib(free),
                mib(need)
            )
        })
    }

    /// The flusher is about to call `flush()`.
    pub(super) fn flush_begins(&self) {
        let since = self.epoch.elapsed().as_micros() as u64 + 1;
        self.flush_started.store(since, Ordering::Release);
    }

    /// The flush returned; a failure is kept, since sled will not write again.
    pub(super) fn flush_ended(&self, result: &Result<(), StoreError>) {
        self.flush_started.store(0, Ordering::Release);
        if let Err(e) = result {
            let mut failed = self.flush_failed.lock().expect("health lock");
            if failed.is_none() {
                tracing::error!(error = %e, "store flush failed; restart the service once the cause is fixed");
                *failed = Some(format!("a flush failed ({e}); restart the service"));
            }
        }
    }

    /// `Ok` while writes can be taken; else why not.
    pub(super) fn report(&self) -> Result<(), StoreError> {
        if let Some(e) = self.engine_trouble() {
            return Err(e);
        }
        let refused = self
            .short_of_space
            .lock()
            .expect("health lock")
            .unwrap_or(0);
        match self.space_shortfall(refused) {
            Some(reason) => Err(StoreError::Unavailable { reason }),
            None => Ok(()),
        }
    }

    /// A failed flush, or one running past `stall_after`.
    fn engine_trouble(&self) -> Option<StoreError> {
        if let Some(reason) = self.flush_failed.lock().expect("health lock").clone() {
            return Some(StoreError::Unavailable { reason });
        }
        let started = self.flush_started.load(Ordering::Acquire);
        if started == 0 {
            return None;
        }
        let running = self
            .epoch
            .elapsed()
            .saturating_sub(Duration::from_micros(started - 1));
        (running > self.stall_after).then(|| StoreError::Unavailable {
            reason: format!("a flush has not finished for {} s", running.as_secs()),
        })
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Bytes an unprivileged writer may still use on the file system holding `dir`.
#[cfg(unix)]
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid C string and `stat` a writable statvfs.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(not(unix))]
fn free_bytes(_dir: &std::path::Path) -> Option<u64> {
    None
}

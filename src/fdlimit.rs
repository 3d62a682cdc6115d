//! The open-files limit: raised to its hard limit at start (many long-poll waiters and
//! their connections need descriptors), and read back so that the HTTP server's
//! connection cap stays below it.

/// Raises the soft `RLIMIT_NOFILE` to the hard limit where allowed; the soft limit in
/// force afterwards (`None` where it cannot be read).
pub fn raise() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed in.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        // rlim_t is u64 on Linux but not on every unix.
        #[allow(clippy::unnecessary_cast)]
        Some(lim.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    None
}

/// Descriptors kept free beside the connections: the store's files, the listener,
/// outgoing requests, and the connections answered 503 when the cap is reached.
pub const RESERVED: u64 = 64;

/// The connection cap: `configured`, lowered to fit under `soft_limit`.
pub fn connection_cap(configured: u32, soft_limit: Option<u64>) -> usize {
    let fits = soft_limit.map_or(u64::MAX, |l| l.saturating_sub(RESERVED).max(1));
    u64::from(configured).min(fits) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_limit_with_room() {
        assert_eq!(connection_cap(4096, Some(256)), 192);
        assert_eq!(connection_cap(100, Some(65_536)), 100);
        assert_eq!(connection_cap(100, None), 100);
        assert_eq!(connection_cap(100, Some(10)), 1);
        assert!(raise().is_some_and(|l| l > 0));
    }
}

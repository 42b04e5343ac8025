//! A process's `/proc/<pid>/status`, for the load programs (`bench-channels`,
//! `soak`). Included by path (`#[path = "../shared/procfs.rs"]`), not a
//! binary.

/// The text of one read of `/proc/<pid>/status` (`pid` may be `self`).
pub struct Status(String);

impl Status {
    /// Reads it once; empty if the process is gone.
    pub fn read(pid: &str) -> Status {
        Status(std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default())
    }

    /// The number on its `key:` line (kB for memory lines), 0 if missing.
    pub fn get(&self, key: &str) -> u64 {
        self.0
            .lines()
            .find_map(|line| {
                let value = line.strip_prefix(key)?.strip_prefix(':')?;
                value.trim().trim_end_matches(" kB").parse().ok()
            })
            .unwrap_or(0)
    }
}

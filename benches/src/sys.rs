//! What the process itself costs: CPU time and resident memory (Linux), and running one
//! measurement in a fresh child process so that memory figures do not inherit another side's
//! freed pages.

use std::process::Command;
use std::time::Duration;

/// User plus system CPU time of this process so far.
pub(crate) fn cpu_time() -> Duration {
    // SAFETY: `getrusage` fills the zeroed struct it is given; RUSAGE_SELF is always valid.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Resident set size of this process, in bytes (from `/proc/self/statm`).
pub(crate) fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm (Linux)");
    let resident: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("statm's second field");
    // SAFETY: sysconf with a valid name has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    resident * page
}

/// Runs `periodic-bench --child ARGS…` and returns the numbers it prints on its last line.
pub(crate) fn child(args: &[String]) -> Vec<f64> {
    let exe = std::env::current_exe().expect("the harness's own path");
    let out = Command::new(exe)
        .arg("--child")
        .args(args)
        .output()
        .expect("a child run of the harness");
    assert!(
        out.status.success(),
        "child {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    stdout
        .lines()
        .last()
        .expect("a result line")
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect()
}

//! What Linux says about a process and the machine: peak RSS (`VmHWM`), CPU time (the sum of
//! every thread's `schedstat` run time, in nanoseconds), CPU model, core count and memory.

use std::time::Duration;

/// Peak resident set size of `pid` in KiB (`VmHWM` of /proc/PID/status).
pub(crate) fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_field_kib(&status, "VmHWM:")
}

fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// CPU time used so far by the live threads of `pid`. Nanosecond resolution, unlike the
/// 10 ms ticks of /proc/PID/stat, which matters for the sub-millisecond cost of one poll.
/// Threads that already exited are not counted (the runtimes measured keep theirs).
pub(crate) fn cpu_time(pid: u32) -> Option<Duration> {
    let threads = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total_ns: u64 = 0;
    for thread in threads.flatten() {
        let Ok(schedstat) = std::fs::read_to_string(thread.path().join("schedstat")) else {
            continue;
        };
        if let Some(ns) = schedstat
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<u64>().ok())
        {
            total_ns += ns;
        }
    }
    Some(Duration::from_nanos(total_ns))
}

/// The machine the figures were measured on.
#[derive(Clone, Debug, Default)]
pub(crate) struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    pub memory_mib: u64,
    pub kernel: String,
    pub rustc: String,
}

pub(crate) fn machine() -> Machine {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let memory_mib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| status_field_kib(&info, "MemTotal:"))
        .map_or(0, |kib| kib / 1024);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    Machine {
        cores,
        cpu_model,
        memory_mib,
        kernel,
        rustc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kib_fields_of_proc_status() {
        let status = "Name:\tbench\nVmPeak:\t  20000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 9000 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(12345));
        assert_eq!(status_field_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn measures_this_process() {
        let me = std::process::id();
        assert!(peak_rss_kib(me).is_some_and(|kib| kib > 0));
        assert!(cpu_time(me).is_some_and(|t| t > Duration::ZERO));
    }
}

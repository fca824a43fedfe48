//! How much memory this process may use, so that a run too large for the
//! machine (or for its Slurm job or container) is refused before it starts
//! rather than killed part way through.

/// Whether `bytes` can be held: a probe of that size is allocated (and freed
/// untouched) and, where the system says how much memory the process may
/// use, they are within it. A system that overcommits memory grants a probe
/// far beyond what it can back, and would kill the process part way through
/// the run instead; the probe alone still finds an address-space limit
/// (`ulimit -v`).
pub(super) fn fits(bytes: usize) -> bool {
    Vec::<u8>::new().try_reserve_exact(bytes).is_ok() && memory_limit().is_none_or(|limit| bytes <= limit)
}

/// The memory this process may use, in bytes, where Linux tells it: the
/// machine's (`MemTotal` in `/proc/meminfo`), or less where the process's
/// control group is limited, as a Slurm job or a container is (the kernel
/// kills a process that goes past that limit).
fn memory_limit() -> Option<usize> {
    let machine = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| mem_total(&m));
    let group = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|c| cgroup_limit(&c, |path| std::fs::read_to_string(path).ok()));
    [machine, group].into_iter().flatten().min()
}

/// The smallest memory limit on the control groups of `/proc/self/cgroup`'s
/// text and their ancestors (a limit set on a parent binds its children),
/// reading each file with `read`: `memory.max` under `/sys/fs/cgroup` for
/// cgroup v2 (`0::/path`), `memory.limit_in_bytes` under
/// `/sys/fs/cgroup/memory` for v1 (`N:memory:/path`). `max` means none.
fn cgroup_limit(cgroup: &str, read: impl Fn(&std::path::Path) -> Option<String>) -> Option<usize> {
    let mut limit: Option<usize> = None;
    for line in cgroup.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (fields.next(), fields.next(), fields.next()) else { continue };
        let (root, file) = if controllers.is_empty() {
            ("/sys/fs/cgroup", "memory.max")
        } else if controllers.split(',').any(|c| c == "memory") {
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
        } else {
            continue;
        };
        // A group outside this cgroup namespace (`/../sibling`) is not under the mount.
        if path.split('/').any(|part| part == "..") {
            continue;
        }
        let mut group = Some(std::path::Path::new(path.trim_start_matches('/')));
        while let Some(g) = group {
            let value = read(&std::path::Path::new(root).join(g).join(file));
            if let Some(v) = value.and_then(|v| v.trim().parse::<usize>().ok()) {
                limit = Some(limit.map_or(v, |l| l.min(v)));
            }
            group = g.parent();
        }
    }
    limit
}

/// `MemTotal` of `/proc/meminfo`'s text, in bytes (the file gives KiB).
fn mem_total(meminfo: &str) -> Option<usize> {
    let line = meminfo.lines().find_map(|l| l.strip_prefix("MemTotal:"))?;
    let kib: usize = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::{cgroup_limit, mem_total};
    use std::path::Path;

    #[test]
    fn a_control_groups_memory_limit_is_the_smallest_on_its_path() {
        let files = |files: &'static [(&'static str, &'static str)]| {
            move |path: &Path| files.iter().find(|(p, _)| Path::new(p) == path).map(|(_, v)| v.to_string())
        };
        // cgroup v2: a Slurm job's limit set on the job, above its step.
        let v2 = files(&[
            ("/sys/fs/cgroup/memory.max", "max\n"),
            ("/sys/fs/cgroup/job_7/memory.max", "4294967296\n"),
            ("/sys/fs/cgroup/job_7/step_0/memory.max", "max\n"),
        ]);
        assert_eq!(cgroup_limit("0::/job_7/step_0\n", v2), Some(4_294_967_296));
        // cgroup v1: the memory controller's line, the others ignored.
        let v1 = files(&[
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"),
            ("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "2147483648\n"),
        ]);
        assert_eq!(cgroup_limit("4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n", v1), Some(2_147_483_648));
        // No limit anywhere, or no files to read: none.
        assert_eq!(cgroup_limit("0::/\n", files(&[("/sys/fs/cgroup/memory.max", "max")])), None);
        assert_eq!(cgroup_limit("0::/a/b\n", files(&[])), None);
        // Outside the namespace's root, the mount holds no ancestor: the root's
        // own limit does not bind this process.
        assert_eq!(cgroup_limit("0::/../sib/me\n", files(&[("/sys/fs/cgroup/memory.max", "1024")])), None);
    }

    /// Under cgroup v1 the group is the one on the memory controller's line:
    /// another controller's line, naming another group with a smaller limit,
    /// is not read.
    #[test]
    fn a_v1_limit_is_read_at_the_memory_controllers_path_only() {
        let files = [
            ("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "2147483648\n"),
            ("/sys/fs/cgroup/memory/elsewhere/memory.limit_in_bytes", "1024\n"),
        ];
        let read = |path: &Path| files.iter().find(|(p, _)| Path::new(p) == path).map(|(_, v)| v.to_string());
        assert_eq!(cgroup_limit("4:cpu,cpuacct:/elsewhere\n3:memory:/docker/abc\n", read), Some(2_147_483_648));
    }

    /// On Linux the process's memory limit is known, and is at most the
    /// machine's (`MemTotal`).
    #[test]
    #[cfg(target_os = "linux")]
    fn linux_tells_the_memory_limit_and_it_is_within_the_machines_memory() {
        let machine = mem_total(&std::fs::read_to_string("/proc/meminfo").unwrap()).unwrap();
        let limit = super::memory_limit().expect("a limit where /proc/meminfo exists");
        assert!(0 < limit && limit <= machine, "limit {limit}, MemTotal {machine} bytes");
    }

    #[test]
    fn the_machines_memory_is_read_in_bytes_from_meminfo() {
        let meminfo = "MemTotal:       24589620 kB\nMemFree:         1000 kB\nMemAvailable:   2000 kB\n";
        assert_eq!(mem_total(meminfo), Some(24_589_620 * 1024));
        assert_eq!(mem_total("MemFree: 1 kB\n"), None, "no MemTotal: no limit");
        assert_eq!(mem_total("MemTotal: lots\n"), None);
    }
}

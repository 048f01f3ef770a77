//! The process keeps its secrets (issue 33): no core file, no same-user debugger. A core of
//! `apple-conn --demo` held private-key PEMs and a password; ssh-agent and gpg-agent refuse the
//! same way. Called first thing in `main`, before any secret is read.

/// What was done, for `doctor`-style reporting and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Guard {
    /// RLIMIT_CORE is 0 (soft and hard): no core file, whatever core_pattern says.
    pub no_core: bool,
    /// Linux: PR_SET_DUMPABLE 0 (no ptrace by the same user, /proc/PID/mem owned by root);
    /// macOS: PT_DENY_ATTACH.
    pub no_attach: bool,
}

/// Turns off core dumps and debugger attachment for this process. Never fails the program: a
/// refusal (an exotic kernel) is reported in the returned `Guard`.
pub fn forbid_dumps() -> Guard {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut guard = Guard::default();
    #[cfg(unix)]
    {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: setrlimit reads the struct; lowering a limit is always allowed.
        guard.no_core = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) } == 0;
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: PR_SET_DUMPABLE takes one integer argument; the rest are ignored.
        guard.no_attach = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0;
    }
    #[cfg(target_os = "macos")]
    {
        // ssh-agent's platform_disable_tracing: PT_DENY_ATTACH (31) refuses ptrace from now on.
        const PT_DENY_ATTACH: libc::c_int = 31;
        // SAFETY: PT_DENY_ATTACH takes no address or data.
        guard.no_attach = unsafe { libc::ptrace(PT_DENY_ATTACH, 0, std::ptr::null_mut(), 0) } == 0;
    }
    guard
}

/// Whether the kernel says this process is dumpable (Linux; elsewhere None).
pub fn is_dumpable() -> Option<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: PR_GET_DUMPABLE takes no argument and returns the flag.
        let v = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
        return (v >= 0).then_some(v != 0);
    }
    #[allow(unreachable_code)]
    None
}

/// The memory tests' hook (test-support builds only): with `APPLE_CONN_TEST_PAUSE_AT_EXIT` set to
/// a path, the finished command writes that file and waits to be stopped and read, as a process
/// that did its work and dropped its secrets, before the kernel reclaims its memory.
#[cfg(feature = "test-support")]
pub fn test_pause_at_exit() {
    if let Some(path) = std::env::var_os("APPLE_CONN_TEST_PAUSE_AT_EXIT") {
        let _ = std::fs::write(path, std::process::id().to_string());
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn a_guarded_process_is_not_dumpable_and_has_no_core_limit() {
        // Test binaries share the process: run the guard in a child (fork would copy threads).
        let exe = std::env::current_exe().unwrap();
        if std::env::var_os("APPLE_CONN_NO_DUMP_CHILD").is_some() {
            let g = super::forbid_dumps();
            assert!(g.no_core && g.no_attach);
            assert_eq!(super::is_dumpable(), Some(false));
            let mut r = libc::rlimit {
                rlim_cur: 1,
                rlim_max: 1,
            };
            assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut r) }, 0);
            assert_eq!((r.rlim_cur, r.rlim_max), (0, 0));
            return;
        }
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "secrets::no_dump::tests::a_guarded_process_is_not_dumpable_and_has_no_core_limit",
                "--nocapture",
            ])
            .env("APPLE_CONN_NO_DUMP_CHILD", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

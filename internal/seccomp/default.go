package seccomp

import "syscall"

// Values the default profile compares arguments with. They are the same on
// every Linux architecture (include/uapi/linux/sched.h, linux/socket.h,
// linux/personality.h); a test checks them against golang.org/x/sys/unix.
const (
	// cloneNamespaceFlags are the clone(2) flags that create namespaces:
	// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
	// CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET.
	cloneNamespaceFlags = 0x7e020000

	afALG   = 38 // AF_ALG: the kernel crypto API.
	afNFC   = 39 // AF_NFC
	afVSOCK = 40 // AF_VSOCK: host/guest sockets.
	afKCM   = 41 // AF_KCM
	afQIPCR = 42 // AF_QIPCRTR
	afSMC   = 43 // AF_SMC
	afXDP   = 44 // AF_XDP
	afMCTP  = 45 // AF_MCTP

	perLinux        = 0x0000     // PER_LINUX
	perLinux32      = 0x0008     // PER_LINUX32
	perUname26      = 0x20000    // UNAME26
	perLinux32Uname = 0x20008    // PER_LINUX32 | UNAME26
	perQuery        = 0xffffffff // personality(0xffffffff) only reads the persona.
)

// Default returns Docker's default seccomp profile, transcribed from
// github.com/moby/profiles/seccomp v0.2.4 (default.json): syscalls fail with
// EPERM unless a rule allows them; about 360 syscalls are always allowed;
// others are allowed only with the capability that makes them meaningful
// (mount with CAP_SYS_ADMIN, reboot with CAP_SYS_BOOT, ...); clone may not
// create namespaces and clone3 fails with ENOSYS (so that libc falls back to
// clone) unless the container has CAP_SYS_ADMIN; socket may not open AF_ALG
// or AF_VSOCK sockets; personality may only select the Linux personas.
//
// Each call returns a new Profile the caller may change.
func Default() *Profile {
	return &Profile{
		DefaultAction: Errno(syscall.EPERM),
		Architectures: []Architecture{
			{Arch: "amd64", SubArches: []string{"x86", "x32"}},
			{Arch: "arm64", SubArches: []string{"arm"}},
			{Arch: "mips64", SubArches: []string{"mips", "mips64n32"}},
			{Arch: "mips64n32", SubArches: []string{"mips", "mips64"}},
			{Arch: "mipsel64", SubArches: []string{"mipsel", "mipsel64n32"}},
			{Arch: "mipsel64n32", SubArches: []string{"mipsel", "mipsel64"}},
			{Arch: "s390x", SubArches: []string{"s390"}},
			{Arch: "riscv64"},
			{Arch: "loong64"},
		},
		Rules: []Rule{
			{Names: []string{
				"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
				"cachestat", "capget", "capset", "chdir", "chmod", "chown", "chown32",
				"clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
				"clock_gettime", "clock_gettime64", "clock_nanosleep",
				"clock_nanosleep_time64", "close", "close_range", "connect",
				"copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
				"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
				"epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
				"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
				"fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir",
				"fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
				"fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock",
				"fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64",
				"fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
				"futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake",
				"futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
				"getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
				"getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
				"getppid", "getpriority", "getrandom", "getresgid", "getresgid32",
				"getresuid", "getresuid32", "getrlimit", "get_robust_list", "getrusage",
				"getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
				"gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat",
				"inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
				"io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
				"io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
				"io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
				"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link",
				"linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr",
				"_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64",
				"madvise", "map_shadow_stack", "membarrier", "memfd_create",
				"memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
				"mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr",
				"mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
				"mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "mseal",
				"msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall",
				"munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
				"open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal",
				"pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
				"ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
				"prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64",
				"pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat",
				"readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
				"remap_file_pages", "removexattr", "removexattrat", "rename", "renameat",
				"renameat2", "restart_syscall", "riscv_hwprobe", "rmdir", "rseq",
				"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
				"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
				"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity",
				"sched_getattr", "sched_getparam", "sched_get_priority_max",
				"sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
				"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
				"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select",
				"semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
				"sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid",
				"setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
				"setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
				"setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32",
				"setreuid", "setreuid32", "setrlimit", "set_robust_list", "setsid",
				"setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
				"setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
				"sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn",
				"socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
				"statfs64", "statmount", "statx", "symlink", "symlinkat", "sync",
				"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
				"timer_create", "timer_delete", "timer_getoverrun", "timer_gettime",
				"timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
				"timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
				"timerfd_settime64", "times", "tkill", "truncate", "truncate64",
				"ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
				"utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4",
				"waitid", "waitpid", "write", "writev",
			}, Action: Allow},
			{
				Names:    []string{"process_vm_readv", "process_vm_writev", "ptrace"},
				Action:   Allow,
				Includes: Condition{MinKernel: &KernelVersion{Major: 4, Minor: 8}},
			},

			// socket(2) for every address family below AF_ALG and the
			// later ones except AF_ALG and AF_VSOCK. socketcall(2), allowed
			// above, cannot be filtered by family.
			socketFamily(OpLessThan, afALG),
			socketFamily(OpEqualTo, afNFC),
			socketFamily(OpEqualTo, afKCM),
			socketFamily(OpEqualTo, afQIPCR),
			socketFamily(OpEqualTo, afSMC),
			socketFamily(OpEqualTo, afXDP),
			socketFamily(OpEqualTo, afMCTP),

			personality(perLinux),
			personality(perLinux32),
			personality(perUname26),
			personality(perLinux32Uname),
			personality(perQuery),

			{
				Names:    []string{"sync_file_range2", "swapcontext"},
				Action:   Allow,
				Includes: Condition{Arches: []string{"ppc64le"}},
			},
			{
				Names: []string{
					"arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
					"breakpoint", "cacheflush", "set_tls",
				},
				Action:   Allow,
				Includes: Condition{Arches: []string{"arm", "arm64"}},
			},
			{
				Names:    []string{"arch_prctl"},
				Action:   Allow,
				Includes: Condition{Arches: []string{"amd64", "x32"}},
			},
			{
				Names:    []string{"modify_ldt"},
				Action:   Allow,
				Includes: Condition{Arches: []string{"amd64", "x32", "x86"}},
			},
			{
				Names:    []string{"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"},
				Action:   Allow,
				Includes: Condition{Arches: []string{"s390", "s390x"}},
			},
			{
				Names:    []string{"riscv_flush_icache"},
				Action:   Allow,
				Includes: Condition{Arches: []string{"riscv64"}},
			},
			{
				Names:    []string{"open_by_handle_at"},
				Action:   Allow,
				Includes: Condition{Caps: []string{"CAP_DAC_READ_SEARCH"}},
			},
			{
				Names: []string{
					"bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount",
					"fsopen", "fspick", "lookup_dcookie", "lsm_get_self_attr",
					"lsm_list_modules", "lsm_set_self_attr", "mount", "mount_setattr",
					"move_mount", "open_tree", "perf_event_open", "quotactl",
					"quotactl_fd", "setdomainname", "sethostname", "setns", "syslog",
					"umount", "umount2", "unshare",
				},
				Action:   Allow,
				Includes: Condition{Caps: []string{"CAP_SYS_ADMIN"}},
			},
			{
				Names:    []string{"clone"},
				Action:   Allow,
				Args:     []Arg{{Index: 0, Value: cloneNamespaceFlags, ValueTwo: 0, Op: OpMaskedEqual}},
				Excludes: Condition{Caps: []string{"CAP_SYS_ADMIN"}, Arches: []string{"s390", "s390x"}},
			},
			{
				Names:    []string{"clone"},
				Action:   Allow,
				Args:     []Arg{{Index: 1, Value: cloneNamespaceFlags, ValueTwo: 0, Op: OpMaskedEqual}},
				Comment:  "s390 parameter ordering for clone is different",
				Includes: Condition{Arches: []string{"s390", "s390x"}},
				Excludes: Condition{Caps: []string{"CAP_SYS_ADMIN"}},
			},
			{
				Names:    []string{"clone3"},
				Action:   Errno(syscall.ENOSYS),
				Excludes: Condition{Caps: []string{"CAP_SYS_ADMIN"}},
			},
			capabilityRule("CAP_SYS_BOOT", "reboot"),
			capabilityRule("CAP_SYS_CHROOT", "chroot"),
			capabilityRule("CAP_SYS_MODULE", "delete_module", "init_module", "finit_module"),
			capabilityRule("CAP_SYS_PACCT", "acct"),
			capabilityRule("CAP_SYS_PTRACE",
				"kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"),
			capabilityRule("CAP_SYS_RAWIO", "iopl", "ioperm"),
			capabilityRule("CAP_SYS_TIME", "settimeofday", "stime", "clock_settime", "clock_settime64"),
			capabilityRule("CAP_SYS_TTY_CONFIG", "vhangup"),
			capabilityRule("CAP_SYS_NICE", "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
			capabilityRule("CAP_SYSLOG", "syslog"),
			capabilityRule("CAP_BPF", "bpf"),
			capabilityRule("CAP_PERFMON", "perf_event_open"),
		},
	}
}

// socketFamily allows socket(2) when its first argument, the address
// family, compares with family as op says.
func socketFamily(op Op, family uint64) Rule {
	return Rule{
		Names:  []string{"socket"},
		Action: Allow,
		Args:   []Arg{{Index: 0, Value: family, Op: op}},
	}
}

// personality allows personality(2) with exactly persona.
func personality(persona uint64) Rule {
	return Rule{
		Names:  []string{"personality"},
		Action: Allow,
		Args:   []Arg{{Index: 0, Value: persona, Op: OpEqualTo}},
	}
}

// capabilityRule allows names when the container has capability.
func capabilityRule(capability string, names ...string) Rule {
	return Rule{
		Names:    names,
		Action:   Allow,
		Includes: Condition{Caps: []string{capability}},
	}
}

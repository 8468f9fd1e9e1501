// Package seccomp builds and installs the seccomp-bpf filter that limits
// the syscalls a container may make, in pure Go (no libseccomp, no cgo).
//
// # Vocabulary
//
// A [Profile] is a policy as data, laid out like Docker's seccomp profiles: a
// default action, the architectures it covers and a list of [Rule]s. A rule
// gives an [Action] (allow, fail with an errno, kill, ...) to some syscalls,
// by name, optionally only when [Arg] conditions on their arguments hold.
// Whether a rule takes part at all depends on the container: a rule's
// Includes and Excludes [Condition]s name capabilities, architectures and a
// minimum kernel. [Default] is Docker's default profile.
//
// A filter is the classic BPF program ([]unix.SockFilter) the kernel runs
// on every syscall of the filtered thread and its descendants.
//
// # Lifecycle
//
// Describe, then execute. [Profile.Compile] is a pure function of the
// profile, the architecture and the container's capabilities (its bounding
// set, as in Docker); it runs in the parent, needs no privileges, and its
// output can be inspected and tested in a BPF interpreter. [Install] is the
// one privileged step: the re-executed child calls it on its locked OS
// thread after setting no_new_privs (or while it still has CAP_SYS_ADMIN),
// after every other setup step, right before execve:
//
//	filter, err := seccomp.Default().Compile(runtime.GOARCH, caps)
//	// ... in the child, on the locked thread:
//	unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
//	seccomp.Install(filter)
//	unix.Exec(path, argv, env)
//
// # The compiled program
//
// The filter first compares seccomp_data.arch with each architecture it
// covers: on amd64 that is amd64 itself and x86 (i386 binaries), on arm64
// arm64 and arm. Other architectures get the default action. Within one
// architecture it binary-searches the syscall number over ranges that are
// treated alike, so a syscall costs about ten comparisons, then checks
// argument conditions (64-bit arguments as two 32-bit halves). As runc
// does, syscalls numbered above every syscall the profile names fail with
// ENOSYS rather than the default EPERM, so that a program probing a syscall
// newer than the profile falls back instead of failing. The syscall tables
// are generated from golang.org/x/sys/unix (go generate runs
// internal/mksyscalls); names Docker uses that an architecture lacks are
// skipped for it.
//
// # What it does not do
//
// It does not load profiles from JSON, run notification listeners
// (SECCOMP_RET_USER_NOTIF), or support SCMP_ACT_TRACE. It filters x32
// syscalls on amd64 with the default action instead of an x32 table of
// their own, and covers no architectures besides amd64, arm64 and their
// 32-bit companions. When several rules name one syscall, the first whose
// conditions hold decides; in Docker's default profile such rules always
// share their action, so this matches libseccomp there.
package seccomp

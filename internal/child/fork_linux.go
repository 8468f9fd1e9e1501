package child

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/capability"
	"github.com/berth-dev/berth/internal/seccomp"
)

// The runtime's fork hooks, which package syscall uses around its own
// fork: before, signals are blocked and any stack growth is made fatal;
// after, in the parent, both are undone; in the child, signal handlers
// are reset and the signal mask restored. gVisor uses them the same way;
// the runtime keeps them for that (go.dev/issue/67401).
//
//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork()

//go:linkname afterFork syscall.runtime_AfterFork
func afterFork()

//go:linkname afterForkInChild syscall.runtime_AfterForkInChild
func afterForkInChild()

// Forkable reports whether StartInit can start s: not when a mount of the
// spec lies on /proc, which only the forked process mounts.
func Forkable(s *Init) bool {
	for _, m := range s.Mounts {
		if m.FSType == "proc" {
			continue
		}
		if m.Target == "/proc" || strings.HasPrefix(m.Target, "/proc/") {
			return false
		}
	}
	return true
}

// StartInit starts a container's first process without re-executing the
// binary, saving the child's runtime start (about 2 ms). The calling
// thread builds the root filesystem and enters it, as the re-executed
// child does (setupRoot), and forks; the forked process, in a new pid
// namespace, mounts /proc and what lies on it, joins the cgroup, installs
// the seccomp filter, takes the user and capabilities and execs the
// command, with raw system calls only, as package syscall's own forked
// child does. Nothing of this changes the calling thread's credentials,
// capabilities, seccomp filter or cgroup.
//
// The caller's goroutine must be locked to its OS thread, which must have
// left the program's filesystem attributes and mount, UTS, IPC and network
// namespaces (unshare(CLONE_FS|CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|
// CLONE_NEWNET)); afterwards it is in the container's root, so the
// goroutine must end locked and Go discards the thread. With
// s.Process.DieWithParent the process gets SIGKILL when that thread ends:
// the caller keeps it until the process has exited.
//
// stdio are the descriptors of the process's standard streams; ctty makes
// stdin its controlling terminal. cgroupFDs, called just before the fork,
// gives the cgroup files (tasks or cgroup.procs, open for writing) for the
// process to join: the caller makes the cgroup meanwhile. StartInit closes
// them. A failure is an *Error with Docker's exit code.
func StartInit(s *Init, stdio [3]int, ctty bool, cgroupFDs func() ([]int, error)) (int, error) {
	p := &s.Process
	a, err := newForkArgs(s, stdio, ctty)
	if err != nil {
		return 0, newError(125, err)
	}
	if err := setupRoot(s, true); err != nil {
		return 0, newError(125, err)
	}
	u, path, env, code, err := resolve(p)
	if err != nil {
		return 0, newError(code, err)
	}
	a.uid, a.gid, a.groups = uintptr(u.UID), uintptr(u.GID), u.AdditionalGIDs
	if err := a.setCommand(path, p.Args, env, p.Cwd); err != nil {
		return 0, newError(125, err)
	}
	fds, err := cgroupFDs()
	defer func() {
		for _, fd := range fds {
			_ = unix.Close(fd)
		}
	}()
	if err != nil {
		return 0, newError(125, fmt.Errorf("join cgroup: %w", err))
	}
	a.cgroupFDs = fds
	return a.start(p.Args[0])
}

// mask is a path to hide: a directory gets an empty read-only tmpfs, a
// file /dev/null.
type mask struct {
	path *byte
	dir  bool
}

type capHeader struct {
	version uint32
	pid     int32
}

type capData struct {
	effective, permitted, inheritable uint32
}

// forkArgs is everything the forked process needs, prepared beforehand:
// between fork and execve it may only make raw system calls on it.
type forkArgs struct {
	stdio [3]int
	ctty  bool
	pipe  int // the write end of the status pipe

	proc                       Mount
	procSrc, procDir, procType *byte
	masks                      []mask
	tmpfs, devNull, root       *byte
	readonly                   []*byte
	readonlyRoot               bool

	cgroupFDs  []int
	zero       *byte
	cgroupNS   bool
	cgroupfs   *rawCgroupfs
	noNewPrivs bool
	prog       *unix.SockFprog
	filter     []unix.SockFilter

	uid, gid  uintptr
	groups    []uint32
	capHeader capHeader
	raise     [2]capData // the permitted set made effective, after setuid
	final     [2]capData
	want      [2]uint32
	lastCap   uint
	ppid      uintptr // for the parent-death signal; 0 without

	path       *byte
	argv, envv []*byte
	cwd        *byte
}

// newForkArgs prepares what does not depend on the container's root: it
// runs before the pivot, with the host's /proc in sight.
func newForkArgs(s *Init, stdio [3]int, ctty bool) (*forkArgs, error) {
	p := &s.Process
	a := &forkArgs{stdio: stdio, ctty: ctty, cgroupNS: p.CgroupNS, noNewPrivs: p.NoNewPrivs, readonlyRoot: s.ReadonlyRootfs}
	for _, m := range s.Mounts {
		if m.FSType == "proc" {
			a.proc = m
		}
	}
	var err error
	cstr := func(s string) *byte {
		b, e := syscall.BytePtrFromString(s)
		if e != nil && err == nil {
			err = e
		}
		return b
	}
	if a.proc.FSType != "" {
		a.procSrc, a.procDir, a.procType = cstr(a.proc.Source), cstr(a.proc.Target), cstr(a.proc.FSType)
	}
	a.tmpfs, a.devNull, a.root, a.zero = cstr("tmpfs"), cstr("/dev/null"), cstr("/"), cstr("0")
	// The host's /proc and /sys have the same entries as the container's.
	for _, path := range s.Masked {
		fi, err := os.Stat(path)
		if err != nil {
			continue // as maskPath: nothing to hide
		}
		a.masks = append(a.masks, mask{path: cstr(path), dir: fi.IsDir()})
	}
	for _, path := range s.Readonly {
		a.readonly = append(a.readonly, cstr(path))
	}
	if err != nil {
		return nil, err
	}
	if len(p.Seccomp) > 0 {
		if a.filter, err = seccomp.Decode(p.Seccomp); err != nil {
			return nil, fmt.Errorf("seccomp: %w", err)
		}
		if len(a.filter) > 0xffff {
			return nil, fmt.Errorf("seccomp: %d instructions: %w", len(a.filter), seccomp.ErrInvalidFilter)
		}
		a.prog = &unix.SockFprog{Len: uint16(len(a.filter)), Filter: &a.filter[0]}
	}
	if p.CgroupNS && p.Cgroupfs != nil {
		if a.cgroupfs, err = newRawCgroupfs(p.Cgroupfs); err != nil {
			return nil, err
		}
	}
	if a.want, a.lastCap, err = capability.Mask(p.Caps); err != nil {
		return nil, err
	}
	a.capHeader = capHeader{version: unix.LINUX_CAPABILITY_VERSION_3}
	var have [2]capData
	if _, _, e := syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&a.capHeader)), uintptr(unsafe.Pointer(&have[0])), 0); e != 0 {
		return nil, fmt.Errorf("capget: %w", e)
	}
	for i := range have {
		a.raise[i] = capData{effective: have[i].permitted, permitted: have[i].permitted, inheritable: have[i].inheritable}
		a.final[i] = capData{effective: a.want[i], permitted: a.want[i]}
	}
	if p.DieWithParent {
		a.ppid = uintptr(unix.Getpid())
	}
	return a, nil
}

func (a *forkArgs) setCommand(path string, args, env []string, cwd string) (err error) {
	if a.path, err = syscall.BytePtrFromString(path); err != nil {
		return err
	}
	if a.argv, err = syscall.SlicePtrFromStrings(args); err != nil {
		return err
	}
	if a.envv, err = syscall.SlicePtrFromStrings(env); err != nil {
		return err
	}
	a.cwd, err = syscall.BytePtrFromString(cwd)
	return err
}

// Steps of the forked process, for its error message.
const (
	stepStdio = iota + 1
	stepProc
	stepMask
	stepReadonly
	stepReadonlyRoot
	stepCgroup
	stepCgroupNS
	stepCgroupfs
	stepNoNewPrivs
	stepSeccomp
	stepUser
	stepCaps
	stepParentDeath
	stepCwd
	stepExec
)

var stepNames = [...]string{
	stepStdio: "standard streams", stepProc: "mount /proc", stepMask: "mask paths",
	stepReadonly: "read-only paths", stepReadonlyRoot: "read-only root filesystem",
	stepCgroup: "join cgroup", stepCgroupNS: "cgroup namespace", stepCgroupfs: "mount cgroup filesystems",
	stepNoNewPrivs: "no_new_privs",
	stepSeccomp:    "seccomp", stepUser: "set user", stepCaps: "capabilities",
	stepParentDeath: "parent-death signal", stepCwd: "chdir to cwd", stepExec: "exec",
}

// start forks the process and returns its pid once it has exec'd the
// command, or its failure.
func (a *forkArgs) start(name string) (int, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 0, newError(125, fmt.Errorf("status pipe: %w", err))
	}
	a.pipe = p[1]
	pid, errno := a.fork()
	_ = unix.Close(p[1])
	runtime.KeepAlive(a)
	if errno != 0 {
		_ = unix.Close(p[0])
		return 0, newError(125, fmt.Errorf("fork: %w", errno))
	}
	var report [2]int32 // step, errno
	n, err := readFull(p[0], (*[8]byte)(unsafe.Pointer(&report))[:])
	_ = unix.Close(p[0])
	if n == 0 && err == nil {
		return pid, nil // closed by the exec
	}
	var ws unix.WaitStatus
	_, _ = unix.Wait4(pid, &ws, 0, nil)
	if err != nil || n != 8 || report[0] <= 0 || int(report[0]) >= len(stepNames) {
		return 0, newError(125, fmt.Errorf("container process: broken status (%d bytes): %v", n, err))
	}
	e := syscall.Errno(report[1])
	if report[0] == stepExec {
		return 0, newError(execError(name, e))
	}
	if report[0] == stepCwd {
		return 0, newError(125, fmt.Errorf("chdir to cwd set in config.json failed: %w", e))
	}
	return 0, newError(125, fmt.Errorf("%s: %w", stepNames[report[0]], e))
}

func readFull(fd int, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := unix.Read(fd, b[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// fork clones the process into a new pid namespace; the child does the
// rest and execs. Where rawClone is assembly it is a vfork, as package
// syscall's: the child shares this process's memory and runs on this
// goroutine's stack while this thread waits for its exec or exit, so it
// may overwrite this frame's variables (the parent uses none of them
// after the clone) but must write nothing else. Either way it calls no Go
// function that is not nosplit (the runtime makes a stack check fatal
// there) and allocates nothing.
//
//go:norace
//go:nocheckptr
//go:noinline
func (a *forkArgs) fork() (pid int, errno syscall.Errno) {
	var (
		r1, e  uintptr
		err1   syscall.Errno
		i      int
		c      uint
		step   int32
		fds    [3]uintptr
		statfs syscall.Statfs_t
		report [2]int32
	)
	syscall.ForkLock.Lock()
	beforeFork()
	r1, e = rawClone(uintptr(syscall.SIGCHLD) | unix.CLONE_NEWPID | vforkFlags)
	err1 = syscall.Errno(e)
	if err1 != 0 || r1 != 0 {
		afterFork()
		syscall.ForkLock.Unlock()
		return int(r1), err1
	}

	// The child.
	afterForkInChild()

	// Standard streams first, above 2 (close-on-exec), then onto 0–2:
	// one of them may be another's target.
	step = stepStdio
	for i = 0; i < 3; i++ {
		fds[i], _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(a.stdio[i]), syscall.F_DUPFD_CLOEXEC, 3)
		if err1 != 0 {
			goto fail
		}
	}
	for i = 0; i < 3; i++ {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, fds[i], uintptr(i), 0); err1 != 0 {
			goto fail
		}
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0); err1 != 0 {
		goto fail
	}
	if a.ctty {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_IOCTL, 0, syscall.TIOCSCTTY, 0); err1 != 0 {
			goto fail
		}
	}

	step = stepProc
	if a.procType != nil {
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(a.procSrc)), uintptr(unsafe.Pointer(a.procDir)),
			uintptr(unsafe.Pointer(a.procType)), a.proc.Flags, 0, 0); err1 != 0 {
			goto fail
		}
	}
	step = stepMask
	for i = 0; i < len(a.masks); i++ {
		if a.masks[i].dir {
			_, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(a.tmpfs)), uintptr(unsafe.Pointer(a.masks[i].path)),
				uintptr(unsafe.Pointer(a.tmpfs)), syscall.MS_RDONLY, 0, 0)
		} else {
			_, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(a.devNull)), uintptr(unsafe.Pointer(a.masks[i].path)),
				0, syscall.MS_BIND, 0, 0)
		}
		if err1 != 0 && err1 != syscall.ENOENT {
			goto fail
		}
	}
	step = stepReadonly
	for i = 0; i < len(a.readonly); i++ {
		_, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(a.readonly[i])), uintptr(unsafe.Pointer(a.readonly[i])),
			0, syscall.MS_BIND|syscall.MS_REC, 0, 0)
		if err1 == syscall.ENOENT {
			continue
		}
		if err1 != 0 {
			goto fail
		}
		r1 = syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_STATFS, uintptr(unsafe.Pointer(a.readonly[i])), uintptr(unsafe.Pointer(&statfs)), 0); err1 == 0 {
			r1 |= uintptr(statfs.Flags) & (syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC)
		}
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, 0, uintptr(unsafe.Pointer(a.readonly[i])), 0, r1, 0, 0); err1 != 0 {
			goto fail
		}
	}
	step = stepReadonlyRoot
	if a.readonlyRoot {
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, 0, uintptr(unsafe.Pointer(a.root)), 0,
			syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, 0, 0); err1 != 0 {
			goto fail
		}
	}

	step = stepCgroup
	for i = 0; i < len(a.cgroupFDs); i++ {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_WRITE, uintptr(a.cgroupFDs[i]), uintptr(unsafe.Pointer(a.zero)), 1); err1 != 0 {
			goto fail
		}
		syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(a.cgroupFDs[i]), 0, 0)
	}
	step = stepCgroupNS
	if a.cgroupNS {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_UNSHARE, unix.CLONE_NEWCGROUP, 0, 0); err1 != 0 {
			goto fail
		}
	}
	step = stepCgroupfs
	if a.cgroupfs != nil {
		if err1 = a.cgroupfs.mount(); err1 != 0 {
			goto fail
		}
	}
	step = stepNoNewPrivs
	if a.noNewPrivs {
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); err1 != 0 {
			goto fail
		}
	}
	step = stepSeccomp
	if a.prog != nil {
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(a.prog))); err1 != 0 {
			goto fail
		}
	}

	// As runc: keep the permitted set across the change of user, then
	// make the capability sets what the container gets (see
	// capability.Apply, which does the same on a thread).
	step = stepUser
	if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_SET_KEEPCAPS, 1, 0, 0, 0, 0); err1 != 0 {
		goto fail
	}
	if len(a.groups) > 0 {
		_, _, err1 = syscall.RawSyscall(syscall.SYS_SETGROUPS, uintptr(len(a.groups)), uintptr(unsafe.Pointer(&a.groups[0])), 0)
	} else {
		_, _, err1 = syscall.RawSyscall(syscall.SYS_SETGROUPS, 0, 0, 0)
	}
	if err1 != 0 {
		goto fail
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETRESGID, a.gid, a.gid, a.gid); err1 != 0 {
		goto fail
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETRESUID, a.uid, a.uid, a.uid); err1 != 0 {
		goto fail
	}
	step = stepCaps
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&a.capHeader)), uintptr(unsafe.Pointer(&a.raise[0])), 0); err1 != 0 {
		goto fail
	}
	for c = 0; c <= a.lastCap && c < 64; c++ {
		if a.want[c/32]&(1<<(c%32)) != 0 {
			continue
		}
		r1, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0, 0)
		if err1 != 0 {
			goto fail
		}
		if r1 == 0 {
			continue
		}
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0, 0); err1 != 0 {
			goto fail
		}
	}
	// EINVAL: kernels before 4.3 have no ambient set.
	if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); err1 != 0 && err1 != syscall.EINVAL {
		goto fail
	}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&a.capHeader)), uintptr(unsafe.Pointer(&a.final[0])), 0); err1 != 0 {
		goto fail
	}

	// A change of credentials clears the parent-death signal: set it now,
	// and die at once if the parent is already gone.
	step = stepParentDeath
	if a.ppid != 0 {
		if _, _, err1 = syscall.RawSyscall6(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0, 0); err1 != 0 {
			goto fail
		}
		if r1, _, _ = syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0); r1 != a.ppid {
			r1, _, _ = syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
			syscall.RawSyscall(syscall.SYS_KILL, r1, uintptr(syscall.SIGKILL), 0)
		}
	}
	step = stepCwd
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_CHDIR, uintptr(unsafe.Pointer(a.cwd)), 0, 0); err1 != 0 {
		goto fail
	}
	step = stepExec
	_, _, err1 = syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(a.path)),
		uintptr(unsafe.Pointer(&a.argv[0])), uintptr(unsafe.Pointer(&a.envv[0])))

fail:
	report[0], report[1] = step, int32(err1)
	syscall.RawSyscall(syscall.SYS_WRITE, uintptr(a.pipe), uintptr(unsafe.Pointer(&report[0])), 8)
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 125, 0, 0)
	}
}

// rawCgroupfs is a Cgroupfs prepared for raw system calls.
type rawCgroupfs struct {
	mounts       []rawMount
	links        [][2]*byte // target, name: symlinkat(2)'s order
	remount      *byte      // the first mount's target, made read-only last; nil for none
	remountFlags uintptr
}

type rawMount struct {
	source, target, fstype, data *byte
	flags                        uintptr
}

func newRawCgroupfs(c *Cgroupfs) (*rawCgroupfs, error) {
	var err error
	cstr := func(s string) *byte {
		if s == "" {
			return nil
		}
		b, e := syscall.BytePtrFromString(s)
		if e != nil && err == nil {
			err = e
		}
		return b
	}
	r := &rawCgroupfs{}
	for _, m := range c.Mounts {
		r.mounts = append(r.mounts, rawMount{source: cstr(m.Source), target: cstr(m.Target), fstype: cstr(m.FSType), data: cstr(m.Data), flags: m.Flags})
	}
	for _, l := range c.Links {
		r.links = append(r.links, [2]*byte{cstr(l[1]), cstr(l[0])})
	}
	if c.Readonly && len(c.Mounts) > 0 {
		r.remount = r.mounts[0].target
		r.remountFlags = syscall.MS_REMOUNT | syscall.MS_BIND | syscall.MS_RDONLY | c.Mounts[0].Flags
	}
	if err != nil {
		return nil, fmt.Errorf("cgroup filesystems: %w", err)
	}
	return r, nil
}

// atFDCWD is AT_FDCWD (-100) as a system call argument.
const atFDCWD = ^uintptr(99)

// mount makes c's mounts and links, with raw system calls only, and
// returns the error of the call that failed. It runs in the forked
// process, so it must stay nosplit and allocate nothing.
//
//go:nosplit
//go:norace
func (c *rawCgroupfs) mount() syscall.Errno {
	var err1 syscall.Errno
	for i := 0; i < len(c.mounts); i++ {
		m := &c.mounts[i]
		_, _, err1 = syscall.RawSyscall(syscall.SYS_MKDIRAT, atFDCWD, uintptr(unsafe.Pointer(m.target)), 0o755)
		if err1 != 0 && err1 != syscall.EEXIST {
			return err1
		}
		_, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, uintptr(unsafe.Pointer(m.source)), uintptr(unsafe.Pointer(m.target)),
			uintptr(unsafe.Pointer(m.fstype)), m.flags, uintptr(unsafe.Pointer(m.data)), 0)
		if err1 != 0 {
			return err1
		}
	}
	for i := 0; i < len(c.links); i++ {
		_, _, err1 = syscall.RawSyscall(syscall.SYS_SYMLINKAT, uintptr(unsafe.Pointer(c.links[i][0])), atFDCWD, uintptr(unsafe.Pointer(c.links[i][1])))
		if err1 != 0 && err1 != syscall.EEXIST {
			return err1
		}
	}
	if c.remount != nil {
		_, _, err1 = syscall.RawSyscall6(syscall.SYS_MOUNT, 0, uintptr(unsafe.Pointer(c.remount)), 0, c.remountFlags, 0, 0)
	}
	return err1
}

package child

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/capability"
	"github.com/berth-dev/berth/internal/mount"
	"github.com/berth-dev/berth/internal/seccomp"
	"github.com/berth-dev/berth/internal/userspec"
	"github.com/berth-dev/berth/internal/volume"
)

const mntFD = FirstExtraFD // exec: the container's mount namespace

// Why a command could not be run, for its exit code.
var (
	errNotFound      = errors.New("executable file not found")
	errCannotExecute = errors.New("permission denied")
)

func init() {
	switch os.Getenv(EnvRole) {
	case RoleInit:
		CloseExeFD()
		run(false)
	case RoleExec:
		CloseExeFD()
		run(true)
	}
}

// CloseExeFD closes the sealed binary's descriptor (EnvExeFD) in a
// re-executed child, so that nothing it execs inherits it.
func CloseExeFD() {
	if fd, err := strconv.Atoi(os.Getenv(EnvExeFD)); err == nil && fd > 2 {
		_ = unix.Close(fd)
	}
}

// newError is the Error a failure with code gives the parent.
func newError(code int, err error) *Error {
	user := errors.Is(err, userspec.ErrNoSuchUser) || errors.Is(err, userspec.ErrNoSuchGroup)
	return &Error{Code: code, Msg: err.Error(), User: user}
}

// OpenCgroupFiles opens p.CgroupFiles and adds them to p.CgroupFDs (a
// missing one is a hierarchy the group does not use). It is called while
// the host's /sys is still in sight: before the first process pivots,
// before an exec'ing thread joins the mount namespace.
func OpenCgroupFiles(p *Process) error {
	for _, path := range p.CgroupFiles {
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return fmt.Errorf("join cgroup: %w", err)
		}
		p.CgroupFDs = append(p.CgroupFDs, fd)
	}
	return nil
}

// run is the child: it never returns.
func run(joining bool) {
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	unix.CloseOnExec(SpecFD)
	unix.CloseOnExec(StatusFD)
	status := os.NewFile(StatusFD, "status")
	fail := func(code int, err error) {
		b, _ := json.Marshal(newError(code, err))
		_, _ = status.Write(b)
		os.Exit(code)
	}
	dec := json.NewDecoder(os.NewFile(SpecFD, "spec"))
	var proc Process
	if joining {
		if err := joinMountNamespace(); err != nil {
			fail(125, err)
		}
		if err := dec.Decode(&proc); err != nil {
			fail(125, fmt.Errorf("read exec spec: %w", err))
		}
	} else {
		var spec Init
		if err := dec.Decode(&spec); err != nil {
			fail(125, fmt.Errorf("read init spec: %w", err))
		}
		if err := OpenCgroupFiles(&spec.Process); err != nil {
			fail(125, err)
		}
		if err := setupRoot(&spec, false); err != nil {
			fail(125, err)
		}
		proc = spec.Process
	}
	code, err := execProcess(&proc)
	fail(code, err)
}

// joinMountNamespace enters the container's mount namespace (fd 5) from
// the exec child's main thread, which first stops sharing its filesystem
// attributes with the runtime's other threads, as setns requires; the
// thread's root and working directory become the container's.
func joinMountNamespace() error {
	if err := unix.Unshare(unix.CLONE_FS); err != nil {
		return fmt.Errorf("unshare fs: %w", err)
	}
	if err := unix.Setns(mntFD, unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("join mount namespace: %w", err)
	}
	return unix.Close(mntFD)
}

// setupRoot builds the container's filesystem and enters it: runs in the
// re-executed child, on its locked main thread, in the new namespaces. For
// StartInit (forked) it runs on the calling thread, which is not in the new
// pid namespace: /proc is only created, and what lies on it (the masked and
// read-only paths), as well as a read-only root, is left to the forked
// process (see forkArgs).
func setupRoot(s *Init, forked bool) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	for _, m := range s.RootfsMounts {
		if err := mount.Apply(m.Type, m.Source, m.Options, s.Rootfs); err != nil {
			return fmt.Errorf("mount root filesystem: %w", err)
		}
	}
	for _, p := range s.Populate {
		src, err := securejoin.SecureJoin(s.Rootfs, p.Target)
		if err != nil {
			return err
		}
		if _, err := volume.Populate(p.Dir, src); err != nil {
			return fmt.Errorf("fill volume at %s: %w", p.Target, err)
		}
	}
	root, err := unix.Open(s.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open root filesystem: %w", err)
	}
	defer unix.Close(root)
	for _, m := range s.Mounts {
		if forked && m.FSType == "proc" {
			m.FSType, m.Flags, m.Data = "", 0, "" // the directory only
		}
		if err := applyMount(s.Rootfs, root, m); err != nil {
			return err
		}
	}
	for _, d := range s.Devices {
		path := filepath.Join(s.Rootfs, d.Path)
		if err := unix.Mknod(path, d.Mode, int(unix.Mkdev(d.Major, d.Minor))); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("create device %s: %w", d.Path, err)
		}
		_ = unix.Chmod(path, d.Mode&0o7777)
	}
	for _, l := range s.DevSymlinks {
		if err := os.Symlink(l[1], filepath.Join(s.Rootfs, l[0])); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("create %s: %w", l[0], err)
		}
	}
	if err := pivotRoot(s.Rootfs); err != nil {
		return err
	}
	if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
		return fmt.Errorf("set hostname: %w", err)
	}
	if forked {
		return nil
	}
	for _, p := range s.Masked {
		if err := maskPath(p); err != nil {
			return err
		}
	}
	for _, p := range s.Readonly {
		if err := readonlyPath(p); err != nil {
			return err
		}
	}
	if s.ReadonlyRootfs {
		if err := unix.Mount("", "/", "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("read-only root filesystem: %w", err)
		}
	}
	return nil
}

// applyMount performs one planned mount below rootfs, whose directory
// root is (an O_PATH descriptor). The target is resolved inside rootfs (a
// symlink in the image cannot send it out) and created when missing.
func applyMount(rootfs string, root int, m Mount) error {
	target, fd, err := mountTarget(rootfs, root, m)
	if err != nil {
		return fmt.Errorf("mount %s: %w", m.Target, err)
	}
	if fd >= 0 {
		defer unix.Close(fd)
	}
	flags := m.Flags
	if m.FSType == "" && flags&unix.MS_BIND == 0 {
		return nil // a mount point only
	}
	if flags&unix.MS_BIND != 0 {
		if err := unix.Mount(m.Source, target, "", flags&(unix.MS_BIND|unix.MS_REC), ""); err != nil {
			return fmt.Errorf("mount %s on %s: %w", m.Source, m.Target, err)
		}
		if flags&^(unix.MS_BIND|unix.MS_REC) != 0 {
			// A descriptor names what lies below the new mount: the
			// target is resolved again, to the mount itself.
			top, topFD, err := mountTarget(rootfs, root, m)
			if err != nil {
				return fmt.Errorf("remount %s: %w", m.Target, err)
			}
			if topFD >= 0 {
				defer unix.Close(topFD)
			}
			if err := unix.Mount("", top, "", flags|unix.MS_REMOUNT, ""); err != nil {
				return fmt.Errorf("remount %s: %w", m.Target, err)
			}
		}
		return nil
	}
	if err := unix.Mount(m.Source, target, m.FSType, flags, m.Data); err != nil {
		return fmt.Errorf("mount %s on %s: %w", m.FSType, m.Target, err)
	}
	return nil
}

// mountTarget resolves m's target inside rootfs, making it when missing
// (a directory, or with m.File an empty file, and the directories above
// it), and returns the path to mount on. The kernel resolves it (openat2
// with RESOLVE_IN_ROOT: one call, where securejoin stats each component
// in Go) and the mount is made on the descriptor it gives,
// /proc/self/fd/N, which the caller closes afterwards: nothing can be
// swapped in between. A kernel without openat2 (before 5.6) gets the path
// securejoin resolves after the target is made (fd -1).
func mountTarget(rootfs string, root int, m Mount) (target string, fd int, err error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	fd, err = unix.Openat2(root, m.Target, &how)
	if err == nil {
		return "/proc/self/fd/" + strconv.Itoa(fd), fd, nil
	}
	// ENOENT: to be made; ENOSYS: no openat2; EAGAIN: a rename raced
	// with the resolution.
	if !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EAGAIN) {
		return "", -1, err
	}
	if target, err = securejoin.SecureJoin(rootfs, m.Target); err != nil {
		return "", -1, err
	}
	if m.File {
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", -1, err
		}
		if fd, err := unix.Open(target, unix.O_CREAT|unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644); err == nil {
			_ = unix.Close(fd)
		}
	} else if err := os.MkdirAll(target, 0o755); err != nil {
		return "", -1, err
	}
	if fd, err = unix.Openat2(root, m.Target, &how); err == nil {
		return "/proc/self/fd/" + strconv.Itoa(fd), fd, nil
	}
	// No openat2: resolved again, as MkdirAll may have met a symlink
	// planted meanwhile.
	target, err = securejoin.SecureJoin(rootfs, m.Target)
	return target, -1, err
}

// pivotRoot makes rootfs the root and detaches the old one, as runc does
// (pivot_root(".", ".") then a lazy unmount of what is stacked below).
func pivotRoot(rootfs string) error {
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("pivot_root: detach old root: %w", err)
	}
	return unix.Chdir("/")
}

func maskPath(p string) error {
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	if fi.IsDir() {
		err = unix.Mount("tmpfs", p, "tmpfs", unix.MS_RDONLY, "")
	} else {
		err = unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	return nil
}

func readonlyPath(p string) error {
	if err := unix.Mount(p, p, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return fmt.Errorf("read-only %s: %w", p, err)
	}
	var st unix.Statfs_t
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
	if unix.Statfs(p, &st) == nil {
		flags |= uintptr(st.Flags) & (unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	}
	if err := unix.Mount("", p, "", flags, ""); err != nil {
		return fmt.Errorf("read-only %s: %w", p, err)
	}
	return nil
}

// execProcess does the last steps of a container process, already inside
// the container's root: user, working directory, seccomp, capabilities,
// then execve. It returns only on failure, with Docker's exit code.
func execProcess(p *Process) (int, error) {
	path, env, code, err := prepare(p)
	if err != nil {
		return code, err
	}
	if p.DieWithParent {
		// A change of credentials clears the parent-death signal.
		_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	}
	if err := unix.Chdir(p.Cwd); err != nil {
		return 125, fmt.Errorf("chdir to cwd (%q) set in config.json failed: %w", p.Cwd, err)
	}
	return execError(p.Args[0], unix.Exec(path, p.Args, env))
}

// execError gives a failed execve of name Docker's exit code.
func execError(name string, err error) (int, error) {
	if errors.Is(err, unix.ENOENT) {
		return 127, fmt.Errorf("exec: %q: %w", name, err)
	}
	return 126, fmt.Errorf("exec: %q: %w", name, err)
}

// prepare makes the calling thread what p's process is to be, inside the
// container's root: it resolves the user, creates the working directory,
// finds the command, joins the cgroup, installs the seccomp filter and
// sets capabilities and credentials, and returns the command's path and
// environment. Only system calls follow the cgroup join: in the cgroup a
// pids limit may forbid the runtime another thread.
func prepare(p *Process) (path string, env []string, code int, err error) {
	u, path, env, code, err := resolve(p)
	if err != nil {
		return "", nil, code, err
	}
	if p.NoNewPrivs {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return "", nil, 125, fmt.Errorf("no_new_privs: %w", err)
		}
	}
	var filter []unix.SockFilter
	if len(p.Seccomp) > 0 {
		if filter, err = seccomp.Decode(p.Seccomp); err != nil {
			return "", nil, 125, fmt.Errorf("seccomp: %w", err)
		}
	}
	var cgroupfs *rawCgroupfs
	if p.CgroupNS && p.Cgroupfs != nil {
		if cgroupfs, err = newRawCgroupfs(p.Cgroupfs); err != nil {
			return "", nil, 125, err
		}
	}
	// From here on only system calls: the process is in its cgroup, where a
	// pids limit may forbid the runtime another thread.
	for len(p.CgroupFDs) > 0 { // each closed and dropped once written
		fd := p.CgroupFDs[0]
		_, err := unix.Write(fd, []byte("0"))
		_ = unix.Close(fd)
		p.CgroupFDs = p.CgroupFDs[1:]
		if err != nil {
			return "", nil, 125, fmt.Errorf("join cgroup: %w", err)
		}
	}
	if p.CgroupNS {
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return "", nil, 125, fmt.Errorf("cgroup namespace: %w", err)
		}
		if cgroupfs != nil {
			if e := cgroupfs.mount(); e != 0 {
				return "", nil, 125, fmt.Errorf("mount cgroup filesystems: %w", e)
			}
		}
	}
	if filter != nil {
		if err := seccomp.Install(filter); err != nil {
			return "", nil, 125, fmt.Errorf("seccomp: %w", err)
		}
	}
	// As runc: keep the permitted set across the change of user, then
	// make the capability sets what the container gets. A non-root user
	// ends with none after execve, as in docker.
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return "", nil, 125, fmt.Errorf("keep capabilities: %w", err)
	}
	if err := setUser(u); err != nil {
		return "", nil, 125, err
	}
	if err := capability.Apply(p.Caps); err != nil {
		return "", nil, 125, fmt.Errorf("capabilities: %w", err)
	}
	return path, env, 0, nil
}

// resolve finds, inside the container's root, what p's process is to be
// before anything changes: its user, its environment (HOME added), its
// working directory (created) and its command's path.
func resolve(p *Process) (u userspec.User, path string, env []string, code int, err error) {
	root, err := os.OpenRoot("/")
	if err != nil {
		return u, "", nil, 125, err
	}
	u, err = userspec.Resolve(root, p.User, p.Groups)
	_ = root.Close()
	if err != nil {
		return u, "", nil, 125, err
	}
	env = p.Env
	if !hasEnv(env, "HOME") {
		home := u.Home
		if home == "" {
			home = "/"
		}
		env = append(env, "HOME="+home)
	}
	if err := os.MkdirAll(p.Cwd, 0o755); err != nil {
		return u, "", nil, 125, fmt.Errorf("create working directory %s: %w", p.Cwd, err)
	}
	if path, code, err = lookPath(p.Args[0], env); err != nil {
		return u, "", nil, code, err
	}
	return u, path, env, 0, nil
}

// setUser switches the calling thread (only: raw system calls) to u. The
// thread then execs, so the new program has these credentials.
func setUser(u userspec.User) error {
	groups := make([]uint32, len(u.AdditionalGIDs))
	copy(groups, u.AdditionalGIDs)
	var gp uintptr
	if len(groups) > 0 {
		gp = uintptr(unsafe.Pointer(&groups[0]))
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), gp, 0); e != 0 {
		return fmt.Errorf("setgroups: %w", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(u.GID), uintptr(u.GID), uintptr(u.GID)); e != 0 {
		return fmt.Errorf("setgid %d: %w", u.GID, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(u.UID), uintptr(u.UID), uintptr(u.UID)); e != 0 {
		return fmt.Errorf("setuid %d: %w", u.UID, e)
	}
	return nil
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

// lookPath finds the command as the container's PATH says, with Docker's
// messages and exit codes: 127 when it does not exist, 126 when it cannot
// be executed.
func lookPath(name string, env []string) (string, int, error) {
	if strings.Contains(name, "/") {
		err := checkExecutable(name, name)
		switch {
		case err == nil:
			return name, 0, nil
		case errors.Is(err, errNotFound):
			return "", 127, err
		default:
			return "", 126, err
		}
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	var denied error
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		err := checkExecutable(name, p)
		if err == nil {
			return p, 0, nil
		}
		if errors.Is(err, errCannotExecute) && denied == nil {
			denied = err
		}
	}
	if denied != nil {
		return "", 126, denied
	}
	return "", 127, fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

func checkExecutable(name, p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("exec: %q: stat %s: no such file or directory: %w", name, p, errNotFound)
		}
		return fmt.Errorf("exec: %q: %w: %w", name, err, errCannotExecute)
	}
	if fi.IsDir() {
		return fmt.Errorf("exec: %q: is a directory: %w", name, errCannotExecute)
	}
	if fi.Mode()&0o111 == 0 {
		return fmt.Errorf("exec: %q: permission denied: %w", name, errCannotExecute)
	}
	return nil
}

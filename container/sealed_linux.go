package container

import (
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/child"
)

// The binary a container's child runs must not be reachable for writing
// from inside the container (the runc CVE-2019-5736 class: a container
// process opens /proc/PID/exe of the child while the child still runs the
// host binary, and writes through it once the child has exec'd). berth
// re-executes a sealed view of its own binary, never the file itself:
//
//  1. a private, read-only bind mount of the binary file made with the new
//     mount API (open_tree, mount_setattr) and never attached anywhere, the
//     idea of runc 1.2's private overlayfs view: a write through
//     /proc/PID/exe fails with EROFS, and it costs one mount per program,
//     not a copy per container;
//  2. failing that, a sealed memfd copy of the binary.
//
// The child also makes itself non-dumpable at once, so processes in the
// container cannot open its /proc files before it execs.
var sealed struct {
	once sync.Once
	file *os.File
	err  error
}

// sealedExe returns an open file of the sealed binary; its path for exec
// is /proc/self/fd/N.
func sealedExe() (*os.File, error) {
	sealed.once.Do(func() {
		// /proc/self/exe, not its target's name: a re-executed monitor
		// runs from a detached mount, whose path means nothing.
		if f, err := bindExe("/proc/self/exe"); err == nil {
			sealed.file = f
			return
		}
		sealed.file, sealed.err = memfdExe()
	})
	return sealed.file, sealed.err
}

// bindExe returns the binary at the root of a private, read-only bind
// mount of the file itself, made with open_tree and never attached
// anywhere: only this descriptor reaches it.
func bindExe(exe string) (*os.File, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, exe, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, err
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		unix.Close(fd)
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, fmt.Errorf("seal %s: not a regular file", exe)
	}
	return os.NewFile(uintptr(fd), "berth-sealed-exe"), nil
}

func memfdExe() (*os.File, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("berth-exe", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("seal own binary: %w", err)
	}
	f := os.NewFile(uintptr(fd), "berth-exe")
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal own binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal own binary: %w", err)
	}
	return f, nil
}

// startSealed starts the sealed binary with files as the child's
// descriptors 0, 1, 2, ... and env. The binary itself is handed down as the
// descriptor after files and executed through /proc/self/fd: its number in
// this process could be taken by one of files in the child. The child
// learns that number from child.EnvExeFD and closes it before exec'ing anything
// else, so no container process inherits it.
func startSealed(argv0 string, files []*os.File, env []string, sys *syscall.SysProcAttr) (*os.Process, error) {
	exe, err := sealedExe()
	if err != nil {
		return nil, err
	}
	n := len(files)
	return os.StartProcess(fmt.Sprintf("/proc/self/fd/%d", n), []string{argv0}, &os.ProcAttr{
		Dir:   "/",
		Env:   append(env, fmt.Sprintf("%s=%d", child.EnvExeFD, n)),
		Files: append(files[:n:n], exe),
		Sys:   sys,
	})
}

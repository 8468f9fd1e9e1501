package seccomp

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/capability"
	"github.com/berth-dev/berth/internal/privileged"
)

// installHelperEnv marks the re-executed test binary as the child of
// TestInstall.
const installHelperEnv = "BERTH_SECCOMP_INSTALL_HELPER"

// errnoName is how the child reports a syscall's outcome.
func errnoName(err error) string {
	var errno unix.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	default:
		return err.Error()
	}
}

// TestInstallHelper does its work only in the child TestInstall starts: it
// installs Docker's default profile (default capabilities) on its locked
// thread, makes syscalls from that thread and prints their outcomes.
func TestInstallHelper(t *testing.T) {
	if os.Getenv(installHelperEnv) == "" {
		return // not the child
	}
	// The filtered thread ends with this goroutine.
	runtime.LockOSThread()

	filter, err := Default().Compile(runtime.GOARCH, capability.Default())
	require.NoError(t, err)
	require.NoError(t, unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
	require.NoError(t, Install(filter))

	report := func(name string, err error) { fmt.Printf("result: %s=%s\n", name, errnoName(err)) }
	rawCall := func(nr uintptr, args ...uintptr) error {
		var a [3]uintptr
		copy(a[:], args)
		if _, _, errno := unix.Syscall(nr, a[0], a[1], a[2]); errno != 0 {
			return errno
		}
		return nil
	}

	// KEYCTL_GET_KEYRING_ID of the session keyring.
	sessionKeyring := unix.KEY_SPEC_SESSION_KEYRING
	report("keyctl", rawCall(unix.SYS_KEYCTL, unix.KEYCTL_GET_KEYRING_ID, uintptr(sessionKeyring), 0))
	report("unshare", unix.Unshare(unix.CLONE_NEWUTS))
	report("mount", unix.Mount("none", "/", "", unix.MS_REMOUNT|unix.MS_BIND, ""))
	report("clone3", rawCall(unix.SYS_CLONE3, 0, 0))
	report("personality", rawCall(unix.SYS_PERSONALITY, 0xdead))
	vsock, err := unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM, 0)
	report("socket_vsock", err)
	unixSocket, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	report("socket_unix", err)
	for _, fd := range []int{vsock, unixSocket} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	fmt.Printf("result: getpid=%v\n", unix.Getpid() == os.Getpid())

	status, err := os.ReadFile("/proc/thread-self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Seccomp:") || strings.HasPrefix(line, "NoNewPrivs:") {
			fmt.Println("status:", line)
		}
	}
}

func TestInstall(t *testing.T) {
	privileged.Require(t) // as root, EPERM can only come from the filter

	cmd := exec.Command(os.Args[0], "-test.run=^TestInstallHelper$", "-test.v")
	cmd.Env = append(os.Environ(), installHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "child output:\n%s", out)

	results := map[string]string{}
	var status []string
	scanner := bufio.NewScanner(strings.NewReader(string(out)))
	for scanner.Scan() {
		line := scanner.Text()
		if rest, ok := strings.CutPrefix(line, "result: "); ok {
			name, value, _ := strings.Cut(rest, "=")
			results[name] = value
		}
		if rest, ok := strings.CutPrefix(line, "status: "); ok {
			status = append(status, rest)
		}
	}
	assert.Equal(t, map[string]string{
		"keyctl":       "EPERM",
		"unshare":      "EPERM",
		"mount":        "EPERM",
		"clone3":       "ENOSYS",
		"personality":  "EPERM",
		"socket_vsock": "EPERM",
		"socket_unix":  "ok",
		"getpid":       "true",
	}, results, "child output:\n%s", out)
	assert.Contains(t, status, "Seccomp:\t2", "filter mode")
	assert.Contains(t, status, "NoNewPrivs:\t1")
}

func TestInstallRejectsEmptyAndOversizedFilters(t *testing.T) {
	require.ErrorIs(t, Install(nil), ErrInvalidFilter)
	require.ErrorIs(t, Install(make([]unix.SockFilter, maxInstructions+1)), ErrInvalidFilter)
}

//go:build amd64 || arm64

package seccomp

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/sys/unix"
)

// TestSyscallTablesMatchRunningArchitecture checks the generated table of
// the architecture the test runs on against golang.org/x/sys/unix.
func TestSyscallTablesMatchRunningArchitecture(t *testing.T) {
	table := abis[runtime.GOARCH]
	for name, want := range map[string]uint32{
		"read":       unix.SYS_READ,
		"write":      unix.SYS_WRITE,
		"openat":     unix.SYS_OPENAT,
		"clone":      unix.SYS_CLONE,
		"clone3":     unix.SYS_CLONE3,
		"keyctl":     unix.SYS_KEYCTL,
		"mount":      unix.SYS_MOUNT,
		"unshare":    unix.SYS_UNSHARE,
		"socket":     unix.SYS_SOCKET,
		"getpid":     unix.SYS_GETPID,
		"seccomp":    unix.SYS_SECCOMP,
		"ptrace":     unix.SYS_PTRACE,
		"pidfd_open": unix.SYS_PIDFD_OPEN,
	} {
		assert.Equal(t, want, table.syscalls()[name], name)
	}
}

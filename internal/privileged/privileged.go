// Package privileged is the one gate for tests that need root. CI runs as
// root, so there these tests always run; elsewhere they skip with a reason.
package privileged

import (
	"os"
	"testing"
)

// Require skips t unless the process runs as root.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
}

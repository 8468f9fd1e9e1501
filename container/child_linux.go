package container

import (
	"os"

	"github.com/berth-dev/berth/internal/child"
)

// The re-executed binary. A container's first process and exec'd
// processes are the embedding binary started again with child.EnvRole
// set; package internal/child's init function runs them (see its doc: it
// is a package of its own so that they run before the rest of the
// program is initialised). The third role, the root's monitor of detached
// containers (monitor_linux.go), needs this package, and its init
// function runs it.
const (
	roleMonitor = "monitor"
	envRoot     = "_BERTH_ROOT"
)

func init() {
	if os.Getenv(child.EnvRole) != roleMonitor {
		return
	}
	child.CloseExeFD()
	monitorMain(os.Getenv(envRoot))
	os.Exit(125)
}

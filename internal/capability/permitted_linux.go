package capability

import (
	"fmt"
	"slices"

	mobycap "github.com/moby/sys/capability"
	"golang.org/x/sys/unix"
)

// Permitted returns the capabilities the calling thread may give, sorted:
// what a privileged container can get. A host may itself lack some (a
// virtual machine or an outer container that drops CAP_SYS_RESOURCE, say);
// asking Apply for those fails with EPERM.
func Permitted() ([]string, error) {
	header := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&header, &data[0]); err != nil {
		return nil, fmt.Errorf("read capabilities: %w", err)
	}
	last, err := mobycap.LastCap()
	if err != nil {
		return nil, fmt.Errorf("read capabilities: %w", err)
	}
	var out []string
	for c := mobycap.Cap(0); c <= last; c++ {
		if data[c/32].Permitted&(1<<(c%32)) != 0 {
			out = append(out, name(c))
		}
	}
	slices.Sort(out)
	return out, nil
}

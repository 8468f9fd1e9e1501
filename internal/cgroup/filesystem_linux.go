package cgroup

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/plainfile"
)

// Filesystems returns the cgroup filesystems that show a group New makes
// with r to the group's processes, once they are in a cgroup namespace of
// their own: under v1 one per hierarchy the group has a directory in
// (memory, pids, cpu, cpuacct, blkio; cpuset when pinned) — the others
// would show the parent's group and its siblings, so they are left out —
// under v2 the unified hierarchy. r must be valid (Validate).
func Filesystems(r Resources) ([]Filesystem, error) {
	switch version() {
	case 1:
		host, err := probeV1Once()
		if err != nil {
			return nil, err
		}
		l, _, err := r.resolve(host.caps)
		if err != nil {
			return nil, err
		}
		hierarchies, err := hierarchiesOnce()
		if err != nil {
			return nil, err
		}
		skip := v1Skip(l)
		var out []Filesystem
		for _, s := range host.subsystems {
			if slices.Contains(skip, s.Name()) {
				continue
			}
			data := hierarchies[string(s.Name())]
			if data == "" || slices.ContainsFunc(out, func(f Filesystem) bool { return f.Data == data }) {
				continue
			}
			fs := Filesystem{Dir: data, Type: "cgroup", Data: data}
			if names := strings.Split(data, ","); len(names) > 1 {
				fs.Links = names
			}
			out = append(out, fs)
		}
		return out, nil
	case 2:
		return []Filesystem{{Type: "cgroup2"}}, nil
	default:
		return nil, fmt.Errorf("cgroup filesystems: none mounted: %w", ErrNotSupported)
	}
}

// hierarchiesOnce maps each v1 controller to its hierarchy's controllers,
// read once from this process's membership.
var hierarchiesOnce = sync.OnceValues(func() (map[string]string, error) {
	b, err := plainfile.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup hierarchies: %w", err)
	}
	return parseHierarchies(bytes.NewReader(b))
})

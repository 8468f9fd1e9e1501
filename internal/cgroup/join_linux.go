package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
)

// OpenProcs opens the group's cgroup.procs files for writing, one per
// hierarchy the group has a directory in. A process that writes "0" to
// each moves itself into the group — how a container's first process
// joins its group at the last moment before it execs, after its own
// (Go runtime) threads are started: the pids limit stops new tasks, not
// tasks moving in, so a small limit cannot starve the runtime that sets
// the container up. The caller closes the files.
func (c *Cgroup) OpenProcs() ([]*os.File, error) {
	var dirs []string
	switch g := c.group.(type) {
	case *v1Group:
		for _, s := range g.host.subsystems {
			dirs = append(dirs, v1Dir(s, g.path))
		}
	case *v2Group:
		dirs = append(dirs, g.dir)
	}
	var files []*os.File
	for _, d := range dirs {
		f, err := os.OpenFile(filepath.Join(d, "cgroup.procs"), os.O_WRONLY, 0)
		if os.IsNotExist(err) {
			continue // a hierarchy the group does not use (cpuset unless pinned)
		}
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, fmt.Errorf("open cgroup %s: %w", c.path, err)
		}
		files = append(files, f)
	}
	return files, nil
}

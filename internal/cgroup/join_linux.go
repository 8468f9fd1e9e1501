package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
)

// OpenProcs opens, for writing, the files through which a thread moves
// itself into the group, one per hierarchy the group has a directory in: a
// thread that writes "0" to each joins the group. It is how a container's
// first process joins its group at the last moment before it execs, after
// its own (Go runtime) threads are started: the pids limit stops new tasks,
// not tasks moving in, so a small limit cannot starve the runtime that sets
// the container up.
//
// On v1 these are the tasks files: they move only the writing thread,
// which execs right after (and so becomes the whole process), and they
// skip the lock that moving a whole process takes, whose RCU grace period
// cost 7–15 ms per container here. On v2 they are cgroup.procs. The caller
// closes the files.
func (c *Cgroup) OpenProcs() ([]*os.File, error) {
	var files []*os.File
	for _, p := range c.ProcsPaths() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
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

// ProcsPaths returns the paths of the files OpenProcs opens, for a process
// that opens them itself; a missing one is a hierarchy the group does not
// use.
func (c *Cgroup) ProcsPaths() []string {
	var dirs []string
	file := "cgroup.procs"
	switch g := c.group.(type) {
	case *v1Group:
		file = "tasks"
		for _, s := range g.host.subsystems {
			dirs = append(dirs, v1Dir(s, g.path))
		}
	case *v2Group:
		dirs = append(dirs, g.dir)
	}
	paths := make([]string, len(dirs))
	for i, d := range dirs {
		paths[i] = filepath.Join(d, file)
	}
	return paths
}

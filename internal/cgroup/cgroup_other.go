//go:build !linux

package cgroup

import (
	"fmt"
	"runtime"
)

func notSupported(what string) error {
	return fmt.Errorf("%s on %s: %w", what, runtime.GOOS, ErrNotSupported)
}

// New is not supported off Linux.
func New(path string, r Resources) (*Cgroup, error) {
	return nil, notSupported("create cgroup " + path)
}

// Load is not supported off Linux.
func Load(path string) (*Cgroup, error) {
	return nil, notSupported("load cgroup " + path)
}

// Exists is not supported off Linux.
func Exists(path string) (bool, error) {
	return false, notSupported("look for cgroup " + path)
}

// List is not supported off Linux.
func List(parent string) ([]string, error) {
	return nil, notSupported("list cgroups below " + parent)
}

// hostTopology knows only the CPU count off Linux.
func hostTopology(Resources) topology {
	return topology{numCPU: runtime.NumCPU()}
}

func readHostStats(*Stats) error {
	return notSupported("read host statistics")
}

// Filesystems is not supported off Linux.
func Filesystems(Resources) ([]Filesystem, error) {
	return nil, notSupported("cgroup filesystems")
}

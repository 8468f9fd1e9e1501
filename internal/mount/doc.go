// Package mount performs mounts that other packages describe as values:
// a filesystem type, a source and mount(8)-style options. It is the one
// place that turns such a description into mount(2) calls, shared by
// layer's Mount.Apply (snapshots) and by a container's re-executed child,
// which mounts its root filesystem.
//
// It is small on purpose: the container child imports it, and every
// package the child imports is initialised before the child can run, in
// every container start.
//
// Options that are mount(2) flags ("ro", "rbind", "bind", "nosuid",
// "nodev", "noexec", "private") become flags, the others the data string.
// A read-only bind mount takes a second, remounting call. An overlay
// whose options do not fit in a page (many layers with long paths) is
// mounted through the new mount API (fsopen/fsconfig), giving overlayfs
// one lower directory at a time ("lowerdir+", Linux 6.8+), so there is no
// limit on layers but overlayfs's own (500).
package mount

package cgroup

// Filesystem is a cgroup filesystem to mount inside a container's cgroup
// namespace, where it shows the container's group as its root: what the
// container sees at /sys/fs/cgroup, and what programs inside read their
// limits from (Go's GOMAXPROCS, the JVM's heap size).
type Filesystem struct {
	// Dir is the directory below /sys/fs/cgroup to mount it on, named
	// after its controllers as on the host ("memory", "cpu,cpuacct"); ""
	// for the unified hierarchy, mounted on /sys/fs/cgroup itself.
	Dir string
	// Type is the filesystem type: "cgroup" (v1) or "cgroup2".
	Type string
	// Data is the mount data: the hierarchy's controllers (v1).
	Data string
	// Links are the other names of Dir: one per controller of a hierarchy
	// that has several ("cpu" and "cpuacct" for "cpu,cpuacct").
	Links []string
}

package child

// Environment variables and descriptors of the protocol between package
// container and the child.
const (
	// EnvRole selects the child's role: RoleInit or RoleExec. Other
	// values are left to other packages' init functions.
	EnvRole  = "_BERTH_REEXEC"
	RoleInit = "init"
	RoleExec = "exec"
	// EnvExeFD is the descriptor of the sealed binary in the child.
	EnvExeFD = "_BERTH_EXEFD"

	SpecFD       = 3 // the spec, JSON, from the parent
	StatusFD     = 4 // an Error to the parent, or closed by the exec
	FirstExtraFD = 5 // exec: the mount namespace; then the cgroup files
)

// Init is what a container's first process is told: it was cloned into
// new pid, mount, uts, ipc and network namespaces; it mounts the root
// filesystem and the plan, pivots into it and runs Process, which becomes
// PID 1.
type Init struct {
	Rootfs         string
	RootfsMounts   []FS
	ReadonlyRootfs bool
	Populate       []Populate
	Mounts         []Mount
	Devices        []Device
	DevSymlinks    [][2]string // name → target
	Masked         []string
	Readonly       []string
	Hostname       string
	Process        Process
}

// FS is a filesystem to mount on the root directory, as layer.Mount
// describes it: type, source and mount(8)-style options.
type FS struct {
	Type    string
	Source  string
	Options []string
}

// Process is the process to exec, for init and exec alike.
type Process struct {
	Args   []string
	Env    []string
	Cwd    string
	User   string
	Groups []string `json:",omitempty"`
	Caps   []string
	// Seccomp is the compiled filter to install (seccomp.Encode), if any:
	// the parent compiles it while the child starts.
	Seccomp       []byte `json:",omitempty"`
	NoNewPrivs    bool   `json:",omitempty"`
	DieWithParent bool   `json:",omitempty"`
	// CgroupFDs are open cgroup.procs (v2) or tasks (v1) files of the
	// container's group: the process moves itself in just before it execs,
	// then unshares its cgroup namespace if CgroupNS.
	CgroupFDs []int `json:",omitempty"`
	// CgroupFiles are the same files by path, for a first process, which
	// opens them before it pivots (a missing one is a hierarchy the group
	// does not use): its parent starts it before it makes the cgroup.
	CgroupFiles []string `json:",omitempty"`
	CgroupNS    bool     `json:",omitempty"`
	// Cgroupfs is what a first process mounts once it is in its cgroup
	// namespace (only with CgroupNS), if anything.
	Cgroupfs *Cgroupfs `json:",omitempty"`
}

// Cgroupfs shows a container its own cgroup at /sys/fs/cgroup. The first
// process mounts it after it has joined its group and unshared its
// cgroup namespace, in which a cgroup filesystem has the group as its
// root: Mounts in order, each on a directory made first when missing;
// then Links (name → target); then, with Readonly, it makes the first
// mount read-only (v1's tmpfs, which holds the hierarchies' directories
// and links and is written until then).
type Cgroupfs struct {
	Mounts   []Mount
	Links    [][2]string `json:",omitempty"`
	Readonly bool        `json:",omitempty"`
}

// Mount is one mount(2) call in the container's root, before pivot_root.
// Target is a path inside the container.
type Mount struct {
	Source string
	Target string
	FSType string `json:",omitempty"`
	Flags  uintptr
	Data   string `json:",omitempty"`
	// File: the target is a file (bind mount of a file); else a directory.
	File bool `json:",omitempty"`
}

// Device is a device node the container's /dev gets.
type Device struct {
	Path         string
	Mode         uint32 // type and permission bits, as mknod(2) takes them
	Major, Minor uint32
}

// Populate fills an empty new volume (Dir, on the host) from the image's
// content at Target, as Docker does on first use.
type Populate struct {
	Dir    string
	Target string
}

// Error is what a child that failed reports to its parent, with the exit
// code Docker gives: 125 when the set-up failed, 126 when the command
// cannot be executed, 127 when it does not exist.
type Error struct {
	Code int
	Msg  string
	// User is set when the user or group was not found.
	User bool `json:",omitempty"`
}

func (e *Error) Error() string { return e.Msg }

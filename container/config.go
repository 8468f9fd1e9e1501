package container

import (
	"time"
)

// Config is what a container is: the image it runs, its command and
// environment, its mounts and limits. It is a plain value, saved as JSON in
// the container's directory, with Docker's meaning for every field.
type Config struct {
	// Image is the image name or ID, resolved in the runtime's image store.
	Image string `json:",omitempty"`
	// Name addresses the container; unique in the runtime. When empty, a
	// generated "adjective_surname" name is used, as Docker does.
	Name string `json:",omitempty"`

	// Entrypoint and Cmd follow Docker's rules: a nil Entrypoint keeps the
	// image's, a non-nil one (even empty) replaces it and clears the image's
	// Cmd; a nil Cmd keeps the image's Cmd.
	Entrypoint []string `json:",omitempty"`
	Cmd        []string `json:",omitempty"`
	// Env entries ("KEY=value") are merged over the image's.
	Env []string `json:",omitempty"`
	// WorkingDir is created when missing; empty keeps the image's, then "/".
	WorkingDir string `json:",omitempty"`
	// User is "name", "uid", "name:group" or "uid:gid", resolved in the
	// image's /etc/passwd and /etc/group; empty keeps the image's, then root.
	User string `json:",omitempty"`
	// Hostname defaults to the short ID.
	Hostname string            `json:",omitempty"`
	Labels   map[string]string `json:",omitempty"`

	Tty       bool `json:",omitempty"`
	OpenStdin bool `json:",omitempty"`
	// ConsoleSize is the TTY's size at every start, rows then columns
	// (docker's HostConfig.ConsoleSize, which docker run -t sets to the
	// terminal's); zero leaves the kernel's default. Resize changes it
	// while the container runs.
	ConsoleSize [2]uint16 `json:",omitzero"`
	StopSignal  string    `json:",omitempty"` // default: the image's, then SIGTERM
	StopTimeout *int      `json:",omitempty"` // seconds; default 10

	ReadonlyRootfs bool     `json:",omitempty"`
	Privileged     bool     `json:",omitempty"`
	CapAdd         []string `json:",omitempty"`
	CapDrop        []string `json:",omitempty"`
	// AutoRemove removes the container when it exits (docker run --rm).
	AutoRemove bool `json:",omitempty"`

	Mounts    []Mount   `json:",omitempty"`
	Resources Resources `json:",omitempty"`
	// ShmSize is /dev/shm's size in bytes; default 64 MiB.
	ShmSize int64 `json:",omitempty"`
	// NetworkMode is "none" (the default until networking lands): a network
	// namespace with only loopback.
	NetworkMode string `json:",omitempty"`
	// LogMaxSize and LogMaxFiles rotate the json-file log (docker's
	// --log-opt max-size and max-file); zero keeps one unbounded file.
	LogMaxSize  int64 `json:",omitempty"`
	LogMaxFiles int   `json:",omitempty"`
}

// MountType is what a Mount attaches at its target.
type MountType string

// Mount types, as docker run --mount names them.
const (
	MountBind   MountType = "bind"   // a host path
	MountVolume MountType = "volume" // a named or anonymous volume
	MountTmpfs  MountType = "tmpfs"  // a fresh tmpfs
)

// Mount is a volume, bind mount or tmpfs in a container's filesystem.
type Mount struct {
	Type MountType
	// Source is the host path (bind) or the volume name (volume; empty for
	// an anonymous volume). Unused for tmpfs.
	Source string `json:",omitempty"`
	// Target is the absolute path inside the container.
	Target   string `json:",omitempty"`
	ReadOnly bool   `json:",omitempty"`
	// NoCopy keeps a new volume empty instead of filling it from the
	// image's content at Target (docker's volume-nocopy).
	NoCopy bool `json:",omitempty"`
	// TmpfsSize in bytes (0: the kernel's default, half of RAM) and
	// TmpfsMode (0: 1777) for tmpfs mounts.
	TmpfsSize int64  `json:",omitempty"`
	TmpfsMode uint32 `json:",omitempty"`
}

// Resources are a container's cgroup limits, with docker run's meaning.
type Resources struct {
	Memory      int64  `json:",omitempty"` // bytes; 0 = unlimited
	MemorySwap  int64  `json:",omitempty"` // memory+swap; -1 unlimited; 0 = twice Memory
	NanoCPUs    int64  `json:",omitempty"` // --cpus × 1e9
	CPUShares   int64  `json:",omitempty"`
	CpusetCpus  string `json:",omitempty"`
	CpusetMems  string `json:",omitempty"`
	PidsLimit   int64  `json:",omitempty"` // 0 or -1 = unlimited
	BlkioWeight uint16 `json:",omitempty"`
}

const (
	defaultStopTimeout = 10 * time.Second
	defaultShmSize     = 64 << 20
)

package container

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/cgroup"
	"github.com/berth-dev/berth/internal/child"
)

// The mount plan: what a container's filesystem gets beyond its root, as
// values. mountPlan is pure; the re-executed child applies the plan (see
// applyMount), so everything deciding what to mount is tested without
// root.

// Mount flags, as mount(2) takes them (Linux values; the plan is only
// applied on Linux).
const (
	msRdonly      = 0x1
	msNosuid      = 0x2
	msNodev       = 0x4
	msNoexec      = 0x8
	msBind        = 0x1000
	msRec         = 0x4000
	msStrictatime = 0x1000000
)

// The plan's entries are the child's types (internal/child), which
// applies them.
type (
	mountEntry    = child.Mount
	deviceNode    = child.Device
	populateEntry = child.Populate
)

// Docker's default masked and read-only paths.
var (
	maskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	}
	readonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

const (
	sIFCHR = 0o020000
	sIFBLK = 0o060000
)

// defaultDevices are the nodes of Docker's default /dev.
var defaultDevices = []deviceNode{
	{Path: "/dev/null", Mode: sIFCHR | 0o666, Major: 1, Minor: 3},
	{Path: "/dev/zero", Mode: sIFCHR | 0o666, Major: 1, Minor: 5},
	{Path: "/dev/full", Mode: sIFCHR | 0o666, Major: 1, Minor: 7},
	{Path: "/dev/random", Mode: sIFCHR | 0o666, Major: 1, Minor: 8},
	{Path: "/dev/urandom", Mode: sIFCHR | 0o666, Major: 1, Minor: 9},
	{Path: "/dev/tty", Mode: sIFCHR | 0o666, Major: 5, Minor: 0},
}

// devSymlinks are the links of Docker's default /dev: name → target.
var devSymlinks = [][2]string{
	{"/dev/fd", "/proc/self/fd"},
	{"/dev/stdin", "/proc/self/fd/0"},
	{"/dev/stdout", "/proc/self/fd/1"},
	{"/dev/stderr", "/proc/self/fd/2"},
	{"/dev/ptmx", "pts/ptmx"},
	{"/dev/core", "/proc/kcore"},
}

// planInput is what mountPlan needs to know beyond the record.
type planInput struct {
	rec        *record
	dir        string            // the container's directory (hosts, hostname, resolv.conf)
	volumeDirs map[string]string // volume name → host directory
	console    string            // host path of the TTY's pty, if any
}

// mountPlan returns the mounts of a container after its root filesystem,
// in the order to apply them: Docker's defaults (/proc, /dev and its
// filesystems, /sys), the managed /etc files, then the user's mounts,
// parents before children.
func mountPlan(in planInput) []mountEntry {
	cfg := in.rec.Config
	shm := cfg.ShmSize
	if shm == 0 {
		shm = defaultShmSize
	}
	sysFlags := uintptr(msNosuid | msNoexec | msNodev | msRdonly)
	if cfg.Privileged {
		sysFlags &^= msRdonly
	}
	plan := []mountEntry{
		{Source: "proc", Target: "/proc", FSType: "proc", Flags: msNosuid | msNoexec | msNodev},
		{Source: "tmpfs", Target: "/dev", FSType: "tmpfs", Flags: msNosuid | msStrictatime, Data: "mode=755,size=65536k"},
		{Source: "devpts", Target: "/dev/pts", FSType: "devpts", Flags: msNosuid | msNoexec, Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"},
		{Source: "shm", Target: "/dev/shm", FSType: "tmpfs", Flags: msNosuid | msNoexec | msNodev, Data: "mode=1777,size=" + strconv.FormatInt(shm, 10)},
		{Source: "mqueue", Target: "/dev/mqueue", FSType: "mqueue", Flags: msNosuid | msNoexec | msNodev},
		{Source: "sysfs", Target: "/sys", FSType: "sysfs", Flags: sysFlags},
	}
	if in.console != "" {
		plan = append(plan, mountEntry{Source: in.console, Target: "/dev/console", Flags: msBind, File: true})
	}
	user := map[string]bool{}
	for _, m := range in.rec.Volumes {
		user[filepath.Clean(m.Target)] = true
	}
	for _, f := range []string{hostsFile, hostnameFile, resolvFile} {
		target := "/etc/" + f
		if user[target] {
			continue
		}
		flags := uintptr(msBind)
		if cfg.ReadonlyRootfs {
			flags |= msRdonly
		}
		plan = append(plan, mountEntry{Source: filepath.Join(in.dir, f), Target: target, Flags: flags, File: true})
	}
	mounts := slices.Clone(in.rec.Volumes)
	// Parents before children, as Docker sorts them.
	slices.SortStableFunc(mounts, func(a, b resolvedMount) int {
		return strings.Count(filepath.Clean(a.Target), "/") - strings.Count(filepath.Clean(b.Target), "/")
	})
	for _, m := range mounts {
		e := mountEntry{Target: filepath.Clean(m.Target)}
		switch m.Type {
		case MountBind:
			e.Source, e.Flags = m.Source, msBind|msRec
		case MountVolume:
			e.Source, e.Flags = in.volumeDirs[m.Source], msBind|msRec
		case MountTmpfs:
			mode := m.TmpfsMode
			if mode == 0 {
				mode = 0o1777
			}
			e.Source, e.FSType, e.Flags = "tmpfs", "tmpfs", msNosuid|msNodev
			e.Data = "mode=" + strconv.FormatUint(uint64(mode), 8)
			if m.TmpfsSize > 0 {
				e.Data += ",size=" + strconv.FormatInt(m.TmpfsSize, 10)
			}
		}
		if m.ReadOnly {
			e.Flags |= msRdonly
		}
		plan = append(plan, e)
	}
	return plan
}

// cgroupRoot is where a container sees its cgroup.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupfsPlan is what a container in a cgroup namespace of its own sees
// at /sys/fs/cgroup, as Docker shows it there: its group as the root of
// each filesystem in fss (cgroup.Filesystems), read-only unless the
// container is privileged. Under v1 that is a tmpfs with a directory per
// hierarchy and a link per controller of a hierarchy that has several;
// under v2 the unified hierarchy itself. A user's mount on, above or below
// /sys/fs/cgroup is left alone: the container gets none.
func cgroupfsPlan(in planInput, fss []cgroup.Filesystem) *child.Cgroupfs {
	if len(fss) == 0 {
		return nil
	}
	for _, m := range in.rec.Volumes {
		t := filepath.Clean(m.Target)
		if t == "/" || t == cgroupRoot || strings.HasPrefix(cgroupRoot, t+"/") || strings.HasPrefix(t, cgroupRoot+"/") {
			return nil
		}
	}
	flags := uintptr(msNosuid | msNoexec | msNodev)
	mountFlags := flags | msRdonly
	if in.rec.Config.Privileged {
		mountFlags = flags
	}
	if len(fss) == 1 && fss[0].Dir == "" {
		return &child.Cgroupfs{Mounts: []mountEntry{{Source: "cgroup", Target: cgroupRoot, FSType: fss[0].Type, Flags: mountFlags, Data: fss[0].Data}}}
	}
	plan := &child.Cgroupfs{
		Mounts:   []mountEntry{{Source: "tmpfs", Target: cgroupRoot, FSType: "tmpfs", Flags: flags, Data: "mode=755"}},
		Readonly: !in.rec.Config.Privileged,
	}
	for _, fs := range fss {
		plan.Mounts = append(plan.Mounts, mountEntry{Source: "cgroup", Target: cgroupRoot + "/" + fs.Dir, FSType: fs.Type, Flags: mountFlags, Data: fs.Data})
		for _, name := range fs.Links {
			plan.Links = append(plan.Links, [2]string{cgroupRoot + "/" + name, fs.Dir})
		}
	}
	return plan
}

// populatePlan lists the volumes to fill from the image on this start: new
// volumes (not anonymous-from-config NoCopy) mounted over image content.
func populatePlan(in planInput) []populateEntry {
	var out []populateEntry
	for _, m := range in.rec.Volumes {
		if m.Type == MountVolume && !m.NoCopy {
			out = append(out, populateEntry{Dir: in.volumeDirs[m.Source], Target: filepath.Clean(m.Target)})
		}
	}
	return out
}

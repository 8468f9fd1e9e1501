package cgroup

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/cgroups/v3/cgroup2"
	"github.com/moby/sys/mountinfo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/privileged"
)

const mb = 1024 * 1024

// testParent returns a parent path unique to the test and, when the test
// ends, kills and deletes whatever is left below it, deletes it, and
// checks that no hierarchy still has a directory for it.
func testParent(t testing.TB) string {
	t.Helper()
	privileged.Require(t)
	parent := fmt.Sprintf("/berth-test-%016x", rand.Uint64())
	t.Cleanup(func() {
		children, err := List(parent)
		assert.NoError(t, err)
		for _, p := range children {
			c, err := Load(p)
			if !assert.NoError(t, err) {
				continue
			}
			assert.NoError(t, c.Kill())
			assert.NoError(t, c.Delete())
		}
		if c, err := Load(parent); err == nil {
			assert.NoError(t, c.Delete())
		} else {
			assert.ErrorIs(t, err, ErrNotFound)
		}
		assert.Empty(t, leftovers(parent), "cgroup directories left behind")
	})
	return parent
}

// leftovers lists the directories path has in any hierarchy.
func leftovers(path string) []string {
	v1, _ := filepath.Glob("/sys/fs/cgroup/*" + path)
	v2, _ := filepath.Glob("/sys/fs/cgroup" + path)
	return append(v1, v2...)
}

// newGroup creates a group below parent and deletes it when the test
// ends.
func newGroup(t *testing.T, parent string, r Resources) *Cgroup {
	t.Helper()
	c, err := New(parent+"/c", r)
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, c.Kill())
		assert.NoError(t, c.Delete())
	})
	return c
}

// shell is a busybox sh that runs its script only after release: the test
// moves it into a group first, so all the script does is charged there.
type shell struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	errors string // file that gets the shell's stderr
	done   chan error
}

func startShell(t *testing.T, script string) *shell {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	require.NoError(t, err, "the tests need busybox (the Makefile installs busybox-static)")
	s := &shell{cmd: exec.Command(busybox, "sh", "-c", "read go; "+script), done: make(chan error, 1)}
	// A file, not a pipe: background children inherit stderr, and Wait
	// would wait for them to close a pipe.
	s.errors = filepath.Join(t.TempDir(), "stderr")
	stderr, err := os.Create(s.errors)
	require.NoError(t, err)
	defer stderr.Close()
	s.cmd.Stderr = stderr
	s.stdin, err = s.cmd.StdinPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
		s.done <- nil // wait may be called after this
	})
	return s
}

func (s *shell) pid() int { return s.cmd.Process.Pid }

func (s *shell) stderr() string {
	b, _ := os.ReadFile(s.errors)
	return string(b)
}

func (s *shell) release(t *testing.T) {
	t.Helper()
	_, err := io.WriteString(s.stdin, "go\n")
	require.NoError(t, err)
}

// wait returns how the shell ended.
func (s *shell) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(timeout):
		t.Fatalf("shell still running after %s; stderr: %s", timeout, s.stderr())
		return nil
	}
}

func killedBy(err error) syscall.Signal {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal()
		}
	}
	return 0
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, 5*time.Millisecond, what)
}

// controlFile reads a cgroup file of c for controller (v1) or of the
// group's directory (v2).
func controlFile(t *testing.T, c *Cgroup, controller, name string) string {
	t.Helper()
	dir := filepath.Join("/sys/fs/cgroup", c.Path())
	if c.Version() == 1 {
		dir = filepath.Join("/sys/fs/cgroup", controller, c.Path())
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestNewWritesLimits(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{
		Memory: 64 * mb, MemorySwap: 96 * mb, NanoCPUs: 0.5e9, CPUShares: 512,
		CpusetCpus: "0", CpusetMems: "0", PidsLimit: 100, BlkioWeight: 300,
	})
	assert.Equal(t, parent+"/c", c.Path())
	swap := c.Version() == 1 && fileExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") ||
		c.Version() == 2 && fileExists(filepath.Join("/sys/fs/cgroup", c.Path(), "memory.swap.max"))
	switch c.Version() {
	case 1:
		assert.Equal(t, "67108864", controlFile(t, c, "memory", "memory.limit_in_bytes"))
		if swap {
			assert.Equal(t, "100663296", controlFile(t, c, "memory", "memory.memsw.limit_in_bytes"))
		}
		assert.Equal(t, "50000", controlFile(t, c, "cpu", "cpu.cfs_quota_us"))
		assert.Equal(t, "100000", controlFile(t, c, "cpu", "cpu.cfs_period_us"))
		assert.Equal(t, "512", controlFile(t, c, "cpu", "cpu.shares"))
		assert.Equal(t, "0", controlFile(t, c, "cpuset", "cpuset.cpus"))
		assert.Equal(t, "0", controlFile(t, c, "cpuset", "cpuset.mems"))
		assert.Equal(t, "100", controlFile(t, c, "pids", "pids.max"))
		blkio := filepath.Join("/sys/fs/cgroup/blkio", c.Path())
		switch {
		case fileExists(filepath.Join(blkio, "blkio.bfq.weight")):
			assert.Equal(t, "300", controlFile(t, c, "blkio", "blkio.bfq.weight"))
		case fileExists(filepath.Join(blkio, "blkio.weight")):
			assert.Equal(t, "300", controlFile(t, c, "blkio", "blkio.weight"))
		default:
			assert.Contains(t, c.Warnings(), warnBlkio)
		}
	case 2:
		assert.Equal(t, "67108864", controlFile(t, c, "", "memory.max"))
		if swap {
			assert.Equal(t, "33554432", controlFile(t, c, "", "memory.swap.max"))
		}
		assert.Equal(t, "50000 100000", controlFile(t, c, "", "cpu.max"))
		assert.Equal(t, strconv.FormatUint(cgroup2.ConvertCPUSharesToCgroupV2Value(512), 10), controlFile(t, c, "", "cpu.weight"))
		assert.Equal(t, "0", controlFile(t, c, "", "cpuset.cpus"))
		assert.Equal(t, "100", controlFile(t, c, "", "pids.max"))
	}
	if !swap {
		assert.Contains(t, c.Warnings(), warnSwap)
	}
}

// TestNewMemorySwapDefaults checks Docker's defaults for --memory-swap:
// unset is twice --memory, -1 is unlimited.
func TestNewMemorySwapDefaults(t *testing.T) {
	parent := testParent(t)
	probe, err := New(parent+"/probe", Resources{})
	require.NoError(t, err)
	require.NoError(t, probe.Delete())
	if probe.Version() != 1 || !fileExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") {
		// Without v1 swap accounting the defaults leave no trace to read;
		// v2 writes memory.swap.max, checked in TestNewWritesLimits.
		c := newGroup(t, parent, Resources{Memory: 32 * mb})
		if probe.Version() == 1 {
			assert.Equal(t, []string{warnSwap}, c.Warnings())
		}
		return
	}
	tests := []struct {
		swap int64
		want string
	}{
		{swap: 0, want: "67108864"},
		{swap: -1, want: "9223372036854771712"}, // the kernel's "unlimited"
		{swap: 48 * mb, want: "50331648"},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.swap, 10), func(t *testing.T) {
			c, err := New(fmt.Sprintf("%s/swap%d", parent, tt.swap+1), Resources{Memory: 32 * mb, MemorySwap: tt.swap})
			require.NoError(t, err)
			defer func() { assert.NoError(t, c.Delete()) }()
			assert.Empty(t, c.Warnings())
			assert.Equal(t, "33554432", controlFile(t, c, "memory", "memory.limit_in_bytes"))
			assert.Equal(t, tt.want, controlFile(t, c, "memory", "memory.memsw.limit_in_bytes"))
		})
	}
}

func TestNewRefusesInvalid(t *testing.T) {
	_, err := New("/berth-test-invalid/c", Resources{Memory: 1})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "Minimum memory limit allowed is 6MB")
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	assert.Equal(t, "Memory", verr.Field)

	_, err = New("berth/c", Resources{})
	require.ErrorIs(t, err, ErrInvalid)
	assert.Empty(t, leftovers("/berth-test-invalid"))
}

// TestOOMKilled runs a shell that builds a 64MB string: in a group
// limited to 16MB the kernel kills it and OOMKilled says so; in a group
// without a limit it finishes.
func TestOOMKilled(t *testing.T) {
	parent := testParent(t)
	const grow64MB = `x=0123456789abcdef; i=0; while [ $i -lt 22 ]; do x=$x$x; i=$((i+1)); done; echo ${#x}`
	tests := []struct {
		name   string
		r      Resources
		killed bool
	}{
		{name: "16MB limit", r: Resources{Memory: 16 * mb}, killed: true},
		{name: "no limit", r: Resources{}, killed: false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(fmt.Sprintf("%s/oom%d", parent, i), tt.r)
			require.NoError(t, err)
			defer func() { assert.NoError(t, c.Kill()); assert.NoError(t, c.Delete()) }()
			sh := startShell(t, grow64MB)
			require.NoError(t, c.Add(sh.pid()))
			sh.release(t)
			err = sh.wait(t, 60*time.Second)
			killed, oerr := c.OOMKilled()
			require.NoError(t, oerr)
			assert.Equal(t, tt.killed, killed)
			if tt.killed {
				assert.Equal(t, syscall.SIGKILL, killedBy(err), "shell: %v", err)
			} else {
				assert.NoError(t, err, sh.stderr())
			}
		})
	}
}

// TestPidsLimit starts a shell that forks eight sleeps in a group limited
// to five tasks: the fifth fork fails; without the limit all succeed.
func TestPidsLimit(t *testing.T) {
	parent := testParent(t)
	const forkEight = `for i in 1 2 3 4 5 6 7 8; do sleep 60 & done; echo forked; wait`

	t.Run("limited", func(t *testing.T) {
		c, err := New(parent+"/limited", Resources{PidsLimit: 5})
		require.NoError(t, err)
		defer func() { assert.NoError(t, c.Kill()); assert.NoError(t, c.Delete()) }()
		sh := startShell(t, forkEight)
		require.NoError(t, c.Add(sh.pid()))
		sh.release(t)
		err = sh.wait(t, 10*time.Second)
		require.Error(t, err, "the shell should fail to fork")
		assert.Contains(t, sh.stderr(), "can't fork")
		pids, err := c.Procs()
		require.NoError(t, err)
		assert.Len(t, pids, 4, "the shell and four sleeps made five; the shell is gone")
		s, err := c.Stats()
		require.NoError(t, err)
		assert.Equal(t, PidsStats{Current: 4, Limit: 5}, s.Pids)
	})
	t.Run("unlimited", func(t *testing.T) {
		c, err := New(parent+"/unlimited", Resources{})
		require.NoError(t, err)
		defer func() { assert.NoError(t, c.Delete()) }()
		sh := startShell(t, forkEight)
		require.NoError(t, c.Add(sh.pid()))
		sh.release(t)
		waitFor(t, "nine processes", func() bool { pids, _ := c.Procs(); return len(pids) == 9 })
		require.NoError(t, c.Kill())
		assert.Equal(t, syscall.SIGKILL, killedBy(sh.wait(t, 5*time.Second)))
		assert.NotContains(t, sh.stderr(), "can't fork")
	})
}

// TestStats runs a busy loop limited to half a CPU and 64MB and reads it
// the way docker stats does.
func TestStats(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{NanoCPUs: 0.5e9, Memory: 64 * mb, PidsLimit: 10})
	// Memory is charged where it is allocated (v1 does not move charges
	// with a process): the shell builds a 1MB string once inside.
	sh := startShell(t, `x=0123456789abcdef; i=0; while [ $i -lt 16 ]; do x=$x$x; i=$((i+1)); done; while :; do :; done`)
	require.NoError(t, c.Add(sh.pid()))
	sh.release(t)
	time.Sleep(200 * time.Millisecond)

	first, err := c.Stats()
	require.NoError(t, err)
	time.Sleep(time.Second)
	second, err := c.Stats()
	require.NoError(t, err)

	assert.Greater(t, first.CPU.TotalUsage, uint64(0))
	assert.Greater(t, second.CPU.TotalUsage, first.CPU.TotalUsage)
	assert.Greater(t, second.CPU.SystemUsage, first.CPU.SystemUsage)
	assert.Greater(t, second.CPU.UsageInUsermode+second.CPU.UsageInKernelmode, uint64(0))
	assert.GreaterOrEqual(t, second.CPU.OnlineCPUs, uint32(1))
	if c.Version() == 1 {
		assert.NotEmpty(t, second.CPU.PerCPUUsage)
	}
	// The quota holds the loop at half a CPU, give or take the
	// scheduler's slack.
	// (On a busy machine it may get less; never more.)
	percent := CPUPercent(first, second)
	assert.Greater(t, percent, 0.0)
	assert.Less(t, percent, 65.0)

	assert.GreaterOrEqual(t, second.Memory.Usage, uint64(mb))
	assert.Equal(t, uint64(64*mb), second.Memory.Limit)
	assert.LessOrEqual(t, second.Memory.WorkingSet(), second.Memory.Usage)
	assert.Equal(t, PidsStats{Current: 1, Limit: 10}, second.Pids)
	assert.True(t, second.Read.After(first.Read))
}

// TestStatsWithoutLimits shows the host's memory as the limit, as docker
// stats does, and no pids limit.
func TestStatsWithoutLimits(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{})
	s, err := c.Stats()
	require.NoError(t, err)
	var info unix.Sysinfo_t
	require.NoError(t, unix.Sysinfo(&info))
	assert.Equal(t, uint64(info.Totalram)*uint64(info.Unit), s.Memory.Limit)
	assert.Equal(t, uint64(0), s.Pids.Limit)
	assert.Equal(t, uint64(0), s.Pids.Current)
}

// TestStatsBlockIO writes 4MB with O_DIRECT from inside a group and finds
// them in the group's block I/O.
func TestStatsBlockIO(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{})
	dir := blockBackedDir(t)
	if c.Version() == 1 {
		// Since Linux 6.10 blk-throttle is set up for a disk only once a
		// limit is configured, and without it (or BFQ) v1 counts no I/O.
		// A limit no test reaches turns the counting on.
		disk := diskOf(t, dir)
		require.NoError(t, writeControlFile(filepath.Join("/sys/fs/cgroup/blkio", c.Path(), "blkio.throttle.write_bps_device"), disk+" 1099511627776"))
	}
	sh := startShell(t, "dd if=/dev/zero of="+filepath.Join(dir, "f")+" bs=1M count=4 oflag=direct")
	require.NoError(t, c.Add(sh.pid()))
	sh.release(t)
	require.NoError(t, sh.wait(t, 30*time.Second), sh.stderr())
	s, err := c.Stats()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, s.Blkio.WriteBytes, uint64(4*mb))
}

// blockBackedDir is a temporary directory on a block device: t.TempDir,
// unless that is on tmpfs, then one in the package directory.
func blockBackedDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var st unix.Stat_t
	require.NoError(t, unix.Stat(dir, &st))
	if unix.Major(st.Dev) != 0 {
		return dir
	}
	wd, err := os.Getwd()
	require.NoError(t, err)
	dir, err = os.MkdirTemp(wd, "blkio-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// diskOf returns "major:minor" of the whole disk dir is on.
func diskOf(t *testing.T, dir string) string {
	t.Helper()
	var st unix.Stat_t
	require.NoError(t, unix.Stat(dir, &st))
	dev := fmt.Sprintf("%d:%d", unix.Major(st.Dev), unix.Minor(st.Dev))
	sys, err := filepath.EvalSymlinks("/sys/dev/block/" + dev)
	require.NoError(t, err, "%s is not on a block device", dir)
	if fileExists(filepath.Join(sys, "partition")) {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(sys), "dev"))
		require.NoError(t, err)
		dev = strings.TrimSpace(string(b))
	}
	return dev
}

func TestKill(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{})
	sh := startShell(t, `sleep 60 & sleep 60 & sleep 60 & wait`)
	require.NoError(t, c.Add(sh.pid()))
	sh.release(t)
	waitFor(t, "four processes", func() bool { pids, _ := c.Procs(); return len(pids) == 4 })
	pids, err := c.Procs()
	require.NoError(t, err)
	assert.Contains(t, pids, sh.pid())

	start := time.Now()
	require.NoError(t, c.Kill())
	t.Logf("Kill took %s", time.Since(start))
	empty, err := c.Empty()
	require.NoError(t, err)
	assert.True(t, empty)
	assert.Equal(t, syscall.SIGKILL, killedBy(sh.wait(t, 5*time.Second)))
	require.NoError(t, c.Kill(), "killing an empty group")
}

// A group below the container's (made inside it, with a cgroup namespace
// and the hierarchy mounted) is found by the directory's link count.
func TestKillReachesGroupsBelow(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{})
	sub, err := New(parent+"/c/below", Resources{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sub.Delete()) })
	sh := startShell(t, `sleep 60 & wait`)
	require.NoError(t, sub.Add(sh.pid()))
	sh.release(t)
	waitFor(t, "two processes below", func() bool { pids, _ := c.Procs(); return len(pids) == 2 })

	require.NoError(t, c.Kill())
	assert.Equal(t, syscall.SIGKILL, killedBy(sh.wait(t, 5*time.Second)))
	pids, err := sub.Procs()
	require.NoError(t, err)
	assert.Empty(t, pids)
}

func TestLifecycle(t *testing.T) {
	parent := testParent(t)
	path := parent + "/life"
	ok, err := Exists(path)
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = Load(path)
	require.ErrorIs(t, err, ErrNotFound)

	c, err := New(path, Resources{Memory: 32 * mb})
	require.NoError(t, err)
	ok, err = Exists(path)
	require.NoError(t, err)
	assert.True(t, ok)
	children, err := List(parent)
	require.NoError(t, err)
	assert.Equal(t, []string{path}, children)

	sh := startShell(t, `sleep 60`)
	require.NoError(t, c.Add(sh.pid()))

	// Another process finds the group, its members and its limit.
	loaded, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, path, loaded.Path())
	assert.Equal(t, c.Version(), loaded.Version())
	pids, err := loaded.Procs()
	require.NoError(t, err)
	assert.Equal(t, []int{sh.pid()}, pids)
	s, err := loaded.Stats()
	require.NoError(t, err)
	assert.Equal(t, uint64(32*mb), s.Memory.Limit)

	require.ErrorIs(t, c.Delete(), ErrInUse)
	require.NoError(t, loaded.Kill())
	require.NoError(t, c.Delete())
	assert.Empty(t, leftovers(path))
	require.NoError(t, c.Delete(), "deleting twice")
	require.NoError(t, loaded.Delete(), "deleting through another handle")

	ok, err = Exists(path)
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = Load(path)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.OOMKilled()
	require.ErrorIs(t, err, ErrNotFound)
	children, err = List(parent)
	require.NoError(t, err)
	assert.Empty(t, children)
	require.ErrorIs(t, c.Add(sh.pid()), ErrNotFound)
	_, err = c.Stats()
	require.ErrorIs(t, err, ErrNotFound)
	pids, err = c.Procs()
	require.NoError(t, err)
	assert.Empty(t, pids)
}

func TestAddInvalid(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{})
	require.ErrorIs(t, c.Add(0), ErrInvalid)
	require.ErrorIs(t, c.Add(-1), ErrInvalid)
	require.Error(t, c.Add(1<<22+1), "no such process")
}

func TestListMissingParent(t *testing.T) {
	privileged.Require(t)
	children, err := List(fmt.Sprintf("/berth-test-missing-%016x", rand.Uint64()))
	require.NoError(t, err)
	assert.Empty(t, children)
}

// TestV2Group exercises the unified-hierarchy code on whatever cgroup2
// mount the host has: the root on a unified host, the hybrid layout's
// "unified" mount (which holds no controller berth limits with) here.
func TestV2Group(t *testing.T) {
	privileged.Require(t)
	mount := unifiedMountpoint
	if version() != 2 {
		mount = "/sys/fs/cgroup/unified"
		var st unix.Statfs_t
		if err := unix.Statfs(mount, &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
			t.Skip("no cgroup2 hierarchy mounted")
		}
	}
	parent := fmt.Sprintf("/berth-test-%016x", rand.Uint64())
	path := parent + "/v2"
	t.Cleanup(func() {
		_ = os.Remove(filepath.Join(mount, path))
		assert.NoError(t, os.Remove(filepath.Join(mount, parent)))
	})
	available, err := readControllers(filepath.Join(mount, "cgroup.controllers"))
	require.NoError(t, err)

	c, err := newV2(mount, path, Resources{Memory: 32 * mb, PidsLimit: 5})
	require.NoError(t, err)
	assert.Equal(t, 2, c.Version())
	if !available["memory"] {
		assert.Contains(t, c.Warnings(), warnMemory)
	}
	if !available["pids"] {
		assert.Contains(t, c.Warnings(), warnPids)
	}
	names, err := childDirs(filepath.Join(mount, parent))
	require.NoError(t, err)
	assert.Equal(t, []string{"v2"}, names)

	sh := startShell(t, `sleep 60 & wait`)
	require.NoError(t, c.Add(sh.pid()))
	sh.release(t)
	waitFor(t, "two processes", func() bool { pids, _ := c.Procs(); return len(pids) == 2 })

	loaded, err := loadV2(mount, path)
	require.NoError(t, err)
	s, err := loaded.Stats()
	require.NoError(t, err)
	assert.Greater(t, s.CPU.SystemUsage, uint64(0))
	killed, err := loaded.OOMKilled()
	require.NoError(t, err)
	assert.False(t, killed)

	require.ErrorIs(t, c.Delete(), ErrInUse)
	require.NoError(t, c.Kill())
	assert.Equal(t, syscall.SIGKILL, killedBy(sh.wait(t, 5*time.Second)))
	require.NoError(t, c.Delete())
	assert.NoDirExists(t, filepath.Join(mount, path))
	require.NoError(t, c.Delete(), "deleting twice")
	_, err = loadV2(mount, path)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = c.Stats()
	require.ErrorIs(t, err, ErrNotFound)
}

// BenchmarkLifecycle measures what every container start and removal
// costs: New with typical limits, Add of the container's process, and
// Delete once the process has left.
func BenchmarkLifecycle(b *testing.B) {
	parent := testParent(b)
	// home is where the process goes back to between iterations; it is in
	// the cpuset hierarchy too, so that it can leave a pinned group.
	home, err := New(parent+"/home", Resources{CpusetCpus: "0"})
	require.NoError(b, err)
	sleeper := exec.Command("sleep", "600")
	require.NoError(b, sleeper.Start())
	b.Cleanup(func() {
		_ = sleeper.Process.Kill()
		_ = sleeper.Wait()
	})
	r := Resources{Memory: 256 * mb, NanoCPUs: 1e9, PidsLimit: 1000}
	pinned := r
	pinned.CpusetCpus = "0"
	pid := sleeper.Process.Pid

	lifecycle := func(name string, r Resources) func(b *testing.B) {
		return func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c, err := New(fmt.Sprintf("%s/%s%d", parent, name, i), r)
				if err != nil {
					b.Fatal(err)
				}
				if err := c.Add(pid); err != nil {
					b.Fatal(err)
				}
				b.StopTimer() // moving it out is not part of a container's life
				if err := home.Add(pid); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := c.Delete(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("New+Add+Delete", lifecycle("c", r))
	b.Run("New+Add+Delete/cpuset", lifecycle("p", pinned))
	b.Run("New+Delete", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			c, err := New(fmt.Sprintf("%s/d%d", parent, i), r)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Delete(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The statfs shortcut finds the same v1 root as the mount table.
func TestV1RootMatchesMountTable(t *testing.T) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup"))
	require.NoError(t, err)
	root, err := v1Root()
	if len(mounts) == 0 {
		require.ErrorIs(t, err, ErrNotSupported, "no v1 hierarchy on this host")
		return
	}
	require.NoError(t, err)
	assert.Equal(t, filepath.Dir(mounts[0].Mountpoint), root)
}

// With SpareOwnPidNamespace, Kill waits for a process of the caller's pid
// namespace to leave instead of killing it, and kills the others.
func TestKillSparesOwnPidNamespace(t *testing.T) {
	parent := testParent(t)
	c := newGroup(t, parent, Resources{})
	ours := startShell(t, `sleep 60`)
	require.NoError(t, c.Add(ours.pid()))
	ours.release(t)
	// A process in a pid namespace of its own, as a container's are.
	theirs := exec.Command("unshare", "--pid", "--fork", "sleep", "60")
	require.NoError(t, theirs.Start())
	t.Cleanup(func() { _ = theirs.Process.Kill(); _ = theirs.Wait() })
	var inner int
	waitFor(t, "the sleep in its own pid namespace", func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", theirs.Process.Pid, theirs.Process.Pid))
		inner, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && inner > 0
	})
	require.NoError(t, c.Add(inner))

	done := make(chan error, 1)
	go func() { done <- c.Kill(SpareOwnPidNamespace()) }()
	waitFor(t, "the other namespace's process killed", func() bool {
		pids, _ := c.Procs()
		return len(pids) == 1 && pids[0] == ours.pid()
	})
	select {
	case err := <-done:
		t.Fatalf("Kill returned (%v) while a process is left", err)
	default:
	}
	root, err := Load("/" + strings.Split(strings.TrimPrefix(parent, "/"), "/")[0])
	require.NoError(t, err)
	require.NoError(t, root.Add(ours.pid()), "the spared process leaves")
	require.NoError(t, <-done)
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", ours.pid()))
	require.NoError(t, err, "not killed")
	assert.NotContains(t, string(stat), ") Z ", "not killed")
}

// Filesystems lists exactly the hierarchies a group New makes has a
// directory in, each with controllers the host mounted it with.
func TestFilesystemsAreTheGroupsHierarchies(t *testing.T) {
	parent := testParent(t)
	for _, r := range []Resources{{}, {CpusetCpus: "0"}} {
		path := parent + "/fs"
		c, err := New(path, r)
		require.NoError(t, err)
		fss, err := Filesystems(r)
		require.NoError(t, err)
		if c.Version() == 2 {
			assert.Equal(t, []Filesystem{{Type: "cgroup2"}}, fss)
			require.NoError(t, c.Delete())
			continue
		}
		mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup"))
		require.NoError(t, err)
		var withGroup []*mountinfo.Info
		for _, m := range mounts {
			if _, err := os.Lstat(m.Mountpoint + path); err == nil {
				withGroup = append(withGroup, m)
			}
		}
		assert.Len(t, fss, len(withGroup), "one filesystem per hierarchy the group is in")
		for _, fs := range fss {
			assert.Equal(t, "cgroup", fs.Type)
			assert.Equal(t, fs.Data, fs.Dir)
			found := slices.ContainsFunc(withGroup, func(m *mountinfo.Info) bool {
				opts := strings.Split(m.VFSOptions, ",")
				for _, c := range strings.Split(fs.Data, ",") {
					if !slices.Contains(opts, c) {
						return false
					}
				}
				return true
			})
			assert.True(t, found, "%s is a hierarchy the group is in", fs.Data)
		}
		names := func() (out []string) {
			for _, fs := range fss {
				out = append(out, strings.Split(fs.Data, ",")...)
			}
			return out
		}()
		assert.Subset(t, names, []string{"memory", "pids"})
		assert.Equal(t, r.CpusetCpus != "", slices.Contains(names, "cpuset"), "cpuset only when pinned")
		require.NoError(t, c.Delete())
	}
}

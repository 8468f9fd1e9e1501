package container

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIsolationMatchesDockerDefaults shows what a process in a default
// container sees, and compares it with what docker run gives.
func TestIsolationMatchesDockerDefaults(t *testing.T) {
	rt, ctx := testRuntime(t)
	script := `
echo "pid=$$"
echo "host=$(hostname)"
grep -E '^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|Seccomp|NoNewPrivs):' /proc/self/status | tr -d '\t'
echo "procs=$(ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\n' ' ')"
echo "kcore=$(cat /proc/kcore 2>/dev/null | wc -c)"
echo "keys=$(cat /proc/keys | wc -c)"
echo "timer_list=$(cat /proc/timer_list | wc -c)"
echo "firmware=$(ls /sys/firmware | wc -l)"
touch /proc/sys/kernel/hostname 2>/dev/null && echo "procsys=rw" || echo "procsys=ro"
echo x > /proc/sysrq-trigger 2>/dev/null && echo "sysrq=rw" || echo "sysrq=ro"
touch /sys/x 2>/dev/null && echo "sys=rw" || echo "sys=ro"
mount -t tmpfs none /mnt 2>/dev/null && echo "mount=yes" || echo "mount=no"
hostname other 2>/dev/null && echo "sethostname=yes" || echo "sethostname=no"
echo "dev=$(ls /dev | tr '\n' ' ')"
grep -E ' (/|/proc|/dev|/dev/pts|/dev/shm|/dev/mqueue|/sys|/etc/hosts|/etc/hostname|/etc/resolv.conf) ' /proc/mounts | cut -d' ' -f2,3 | tr '\n' ';'
echo
cat /etc/hosts | head -1
`
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: sh(script)})
	require.NoError(t, err)
	code, out, errOut := runContainer(t, ctx, c)
	require.Equal(t, 0, code, errOut)
	got := map[string]string{}
	for _, l := range lines(out) {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = v
		}
		if k, v, ok := strings.Cut(l, ":"); ok && !strings.Contains(k, " ") {
			got[k] = v
		}
	}
	assert.Equal(t, "1", got["pid"], "the command is PID 1")
	assert.Equal(t, c.ID()[:12], got["host"])
	// Docker's default capability set: 0x00000000a80425fb.
	assert.Equal(t, "00000000a80425fb", got["CapEff"])
	assert.Equal(t, "00000000a80425fb", got["CapPrm"])
	assert.Equal(t, "00000000a80425fb", got["CapBnd"])
	assert.Equal(t, "0000000000000000", got["CapInh"])
	assert.Equal(t, "0000000000000000", got["CapAmb"])
	assert.Equal(t, "2", got["Seccomp"], "seccomp filter mode")
	assert.Equal(t, "0", got["NoNewPrivs"])
	pids := strings.Fields(got["procs"])
	require.NotEmpty(t, pids)
	assert.Equal(t, "1", pids[0])
	assert.LessOrEqual(t, len(pids), 6, "only the container's own processes: %v", pids)
	for _, masked := range []string{"kcore", "keys", "timer_list", "firmware"} {
		assert.Equal(t, "0", got[masked], masked)
	}
	for _, ro := range []string{"procsys", "sysrq", "sys"} {
		assert.Equal(t, "ro", got[ro], ro)
	}
	assert.Equal(t, "no", got["mount"])
	assert.Equal(t, "no", got["sethostname"])
	for _, d := range []string{"console", "core", "fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"} {
		if d == "console" {
			continue // only with a TTY
		}
		assert.Contains(t, strings.Fields(got["dev"]), d)
	}
	mounts := out[strings.Index(out, "/ overlay"):]
	for _, m := range []string{"/ overlay", "/proc proc", "/dev tmpfs", "/dev/pts devpts", "/dev/shm tmpfs", "/dev/mqueue mqueue", "/sys sysfs", "/etc/hosts ", "/etc/hostname ", "/etc/resolv.conf "} {
		assert.Contains(t, mounts, m)
	}
	assert.Contains(t, out, "127.0.0.1\tlocalhost")
}

func TestPrivilegedAndCapabilityChanges(t *testing.T) {
	rt, ctx := testRuntime(t)
	show := sh(`grep -E '^(CapEff|Seccomp):' /proc/self/status | tr -d '\t' | tr '\n' ' '`)
	_, out, _ := run(t, ctx, rt, Config{Cmd: show, Privileged: true})
	assert.Contains(t, out, "Seccomp:0")
	assert.NotContains(t, out, "CapEff:00000000a80425fb")
	_, out, _ = run(t, ctx, rt, Config{Cmd: show, CapDrop: []string{"ALL"}, CapAdd: []string{"net_admin"}})
	assert.Contains(t, out, "CapEff:0000000000001000")
	_, out, _ = run(t, ctx, rt, Config{Cmd: sh("touch /x 2>/dev/null && echo rw || echo ro"), ReadonlyRootfs: true})
	assert.Equal(t, "ro\n", out)
	_, out, _ = run(t, ctx, rt, Config{Cmd: sh("id -u; grep CapEff /proc/self/status | tr -d '\t'"), User: "nobody"})
	assert.Equal(t, "65534\nCapEff:0000000000000000\n", out, "a non-root user has no effective capabilities, as in docker")
}

// TestContainerSeesItsOwnCgroup: as in docker, /sys/fs/cgroup shows the
// container its own group, read-only, with its limits, which programs
// inside size themselves by (Go's GOMAXPROCS reads the CPU quota there).
func TestContainerSeesItsOwnCgroup(t *testing.T) {
	rt, ctx := testRuntime(t)
	script := `
if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	echo "version=2"
	echo "memory=$(cat /sys/fs/cgroup/memory.max)"
	echo "cpu=$(cut -d' ' -f1 /sys/fs/cgroup/cpu.max)"
	echo "pids=$(cat /sys/fs/cgroup/pids.max)"
	echo "procs=$(cat /sys/fs/cgroup/cgroup.procs | tr '\n' ' ')"
else
	echo "version=1"
	echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
	echo "cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"
	echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
	echo "procs=$(cat /sys/fs/cgroup/memory/cgroup.procs | tr '\n' ' ')"
	echo "dirs=$(ls /sys/fs/cgroup | tr '\n' ' ')"
	touch /sys/fs/cgroup/x 2>/dev/null && echo "tmpfs=rw" || echo "tmpfs=ro"
fi
echo "self=$(grep -E '^[0-9]+:(memory|pids)?:' /proc/self/cgroup | cut -d: -f3 | sort -u | tr '\n' ' ')"
mkdir /sys/fs/cgroup/pids/x /sys/fs/cgroup/x 2>/dev/null && echo "mkdir=yes" || echo "mkdir=no"
grep ' /sys/fs/cgroup' /proc/mounts | cut -d' ' -f2,3,4 | cut -d, -f1 | tr '\n' ';'
`
	code, out, errOut := run(t, ctx, rt, Config{Cmd: sh(script), Resources: Resources{Memory: 64 << 20, NanoCPUs: 5e8, PidsLimit: 50}})
	require.Equal(t, 0, code, errOut)
	got := map[string]string{}
	for _, l := range lines(out) {
		if k, v, ok := strings.Cut(l, "="); ok {
			got[k] = strings.TrimSpace(v)
		}
	}
	assert.Equal(t, "67108864", got["memory"])
	assert.Equal(t, "50000", got["cpu"], "the CPU quota of --cpus 0.5 over a 100ms period")
	assert.Equal(t, "50", got["pids"])
	// The container's pids: 1, and the shell's pipelines.
	procs := strings.Fields(got["procs"])
	require.NotEmpty(t, procs)
	assert.Equal(t, "1", procs[0], "the container's own processes, in its pid namespace")
	assert.LessOrEqual(t, len(procs), 6, "only the container's own processes: %v", procs)
	assert.Equal(t, "/", got["self"], "the container's group is the root of its cgroup namespace")
	assert.Equal(t, "no", got["mkdir"], "read-only")
	mounts := out[strings.Index(out, "/sys/fs/cgroup"):]
	if got["version"] == "2" {
		assert.Contains(t, mounts, "/sys/fs/cgroup cgroup2 ro")
		return
	}
	assert.Equal(t, "ro", got["tmpfs"])
	assert.Contains(t, mounts, "/sys/fs/cgroup tmpfs ro")
	for _, h := range []string{"memory", "pids", "cpu", "cpuacct", "blkio"} {
		assert.Contains(t, strings.Fields(got["dirs"]), h)
		assert.Regexp(t, `/sys/fs/cgroup/[a-z,]*`+h+`[a-z,]* cgroup ro`, mounts, h)
	}
	assert.NotContains(t, got["dirs"], "devices", "no hierarchy the container has no group in: it would show the host's groups")
}

// TestPrivilegedCgroupIsWritable: a privileged container's /sys/fs/cgroup
// is read-write, as docker run --privileged gives it; a user's mount of
// its own there replaces it.
func TestPrivilegedCgroupIsWritable(t *testing.T) {
	rt, ctx := testRuntime(t)
	show := sh(`grep ' /sys/fs/cgroup' /proc/mounts | cut -d' ' -f2,3,4 | cut -d, -f1 | tr '\n' ';'`)
	_, out, _ := run(t, ctx, rt, Config{Cmd: show, Privileged: true})
	assert.NotContains(t, out, " ro;")
	assert.Contains(t, out, "/sys/fs/cgroup")
	_, out, _ = run(t, ctx, rt, Config{Cmd: show, Mounts: []Mount{{Type: MountTmpfs, Target: "/sys/fs/cgroup"}}})
	assert.Equal(t, "/sys/fs/cgroup tmpfs rw;", out)
}

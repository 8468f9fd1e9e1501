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

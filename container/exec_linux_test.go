package container

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecJoinsTheContainer(t *testing.T) {
	rt, ctx := testRuntime(t)
	c, err := rt.Create(ctx, Config{Image: "busybox", Cmd: []string{"sleep", "100"}, WorkingDir: "/srv", Env: []string{"FROM=container"}})
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))

	execOut := func(cfg ExecConfig) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cfg.Stdout, cfg.Stderr = &lockedWriter{w: &stdout}, &lockedWriter{w: &stderr}
		p, err := c.Exec(ctx, cfg)
		require.NoError(t, err)
		code, err := p.Wait(ctx)
		require.NoError(t, err)
		return code, stdout.String(), stderr.String()
	}
	code, out, _ := execOut(ExecConfig{Cmd: sh(`echo "$(hostname)|$(pwd)|$FROM|$EXTRA|$(id -u)|$(cat /proc/1/cmdline | tr '\0' ' ')"; grep -E '^(Seccomp|CapEff):' /proc/self/status | tr -d '\t' | tr '\n' ' '`), Env: []string{"EXTRA=exec"}})
	assert.Equal(t, 0, code)
	assert.Equal(t, c.ID()[:12]+"|/srv|container|exec|0|sleep 100 \nCapEff:00000000a80425fb Seccomp:2 ", out)

	code, out, _ = execOut(ExecConfig{Cmd: sh("id -u; pwd; exit 7"), User: "nobody", WorkingDir: "/tmp"})
	assert.Equal(t, 7, code)
	assert.Equal(t, "65534\n/tmp\n", out)

	code, out, _ = execOut(ExecConfig{Cmd: sh("test -t 0 && echo tty"), Tty: true})
	assert.Equal(t, 0, code)
	assert.Equal(t, "tty\r\n", out)

	var stdout bytes.Buffer
	p, err := c.Exec(ctx, ExecConfig{Cmd: []string{"cat"}, Stdin: strings.NewReader("piped\n"), Stdout: &stdout})
	require.NoError(t, err)
	code, err = p.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, code)
	assert.Equal(t, "piped\n", stdout.String())

	_, err = c.Exec(ctx, ExecConfig{Cmd: []string{"no-such-command"}})
	var exitErr *ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 127, exitErr.Code)

	// The exec'd process is in the container's cgroup: it dies with it.
	p, err = c.Exec(ctx, ExecConfig{Cmd: []string{"sleep", "100"}})
	require.NoError(t, err)
	require.NoError(t, c.Stop(ctx, time.Second))
	code, err = p.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, 137, code)
	_, err = c.Exec(ctx, ExecConfig{Cmd: []string{"true"}})
	assert.ErrorIs(t, err, ErrNotRunning)
}

//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/testregistry"
)

// openTerminal opens a pseudo-terminal of 100x30 and returns its terminal
// side and a function that closes it and returns everything written to it.
func openTerminal(t *testing.T) (*os.File, func() string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	require.NoError(t, unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100}))

	output := make(chan string, 1)
	go func() {
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, master) // ends with EIO once the terminal side is closed
		output <- buf.String()
	}()
	closed := false
	finish := func() string {
		if closed {
			return ""
		}
		closed = true
		tty.Close()
		out := <-output
		master.Close()
		return out
	}
	t.Cleanup(func() { finish() })
	return tty, finish
}

func (b *berth) runOnTerminal(t *testing.T, tty *os.File, args ...string) (stderr string, code int) {
	t.Helper()
	var errBuf bytes.Buffer
	code = run(context.Background(), append(append([]string(nil), b.globalArgs...), args...), streams{
		stdin:  tty,
		stdout: tty,
		stderr: &errBuf,
		getenv: b.env,
	})
	return errBuf.String(), code
}

func TestSaveRefusesATerminal(t *testing.T) {
	b := newBerth(t)
	tty, finish := openTerminal(t)
	stderr, code := b.runOnTerminal(t, tty, "save", "busybox")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n", stderr)
	assert.Empty(t, finish())
}

func TestLoadRefusesATerminalStdin(t *testing.T) {
	b := newBerth(t)
	tty, _ := openTerminal(t)
	stderr, code := b.runOnTerminal(t, tty, "load")
	assert.Equal(t, exitError, code)
	assert.Contains(t, stderr, "requested load from stdin, but stdin is empty")
}

func TestPullDrawsProgressBarsOnATerminal(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	ref := reg.Host + "/tools/busybox:latest"
	publish(t, ref, img)
	b := newBerth(t)
	tty, finish := openTerminal(t)

	stderr, code := b.runOnTerminal(t, tty, "pull", ref)
	require.Equal(t, 0, code, stderr)
	out := finish()
	layer := shortID(layerDigests(t, img)[0].String())
	assert.Regexp(t, regexp.QuoteMeta(layer)+`:\s+Pull complete`, out, "the layer's bar ends showing the outcome")
	assert.Contains(t, out, "\x1b[", "drawn with cursor movement, not plain lines")
	assert.True(t, strings.HasSuffix(out, ref+"\r\n"), "ends with the full name: %q", out)
}

func TestPushDrawsProgressBarsOnATerminal(t *testing.T) {
	reg := testregistry.Start(t, testregistry.Options{})
	img := testimage.Busybox(t)
	publish(t, reg.Host+"/tools/busybox:latest", img)
	b := newBerth(t)
	b.ok(t, "pull", "-q", reg.Host+"/tools/busybox")
	target := reg.Host + "/copies/busybox:v1"
	b.ok(t, "tag", reg.Host+"/tools/busybox", target)
	tty, finish := openTerminal(t)

	stderr, code := b.runOnTerminal(t, tty, "push", target)
	require.Equal(t, 0, code, stderr)
	out := finish()
	layer := shortID(layerDigests(t, img)[0].String())
	assert.Regexp(t, regexp.QuoteMeta(layer)+`:\s+Pushed`, out, "the layer's bar ends showing the outcome")
	assert.Contains(t, out, "\x1b[", "drawn with cursor movement, not plain lines")
	assert.NotContains(t, out, shortID(configDigestOf(t, img).String()), "no bar for the config blob")
	assert.Contains(t, out, "v1: digest: "+digestOf(t, img).String())
}

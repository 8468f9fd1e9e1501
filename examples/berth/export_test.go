//go:build linux

package main

import (
	"archive/tar"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestExportWritesTheContainersFiles(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	f.runToExit(container.Config{Name: "exp", Cmd: shScript("echo data > /exported && rm /bin/wget")})

	check := func(entries map[string]tarEntry) {
		t.Helper()
		require.Contains(t, entries, "exported")
		assert.Equal(t, "data\n", entries["exported"].body)
		assert.Equal(t, byte(tar.TypeReg), entries["exported"].typ)
		assert.Contains(t, entries, "bin/busybox", "the image's files")
		assert.NotContains(t, entries, "bin/wget", "deleted files are not there")
		assert.NotContains(t, entries, ".wh.wget", "nor whiteouts")
		for name := range entries {
			assert.False(t, strings.HasPrefix(name, "proc/"), "no kernel filesystem content: %s", name)
		}
	}

	r := b.ok(t, "export", "exp")
	check(readTarEntries(t, strings.NewReader(r.stdout)))

	out := filepath.Join(t.TempDir(), "exp.tar")
	r = b.ok(t, "export", "--output", out, "exp")
	assert.Empty(t, r.stdout)
	fi, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "as docker's atomic writer makes it")
	file, err := os.Open(out)
	require.NoError(t, err)
	defer file.Close()
	check(readTarEntries(t, file))
	leftovers, err := filepath.Glob(filepath.Join(filepath.Dir(out), ".*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "no temporary file left")
}

func TestExportFailures(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	f.create(container.Config{Name: "exp", Cmd: []string{"true"}})

	b.fails(t, exitError, "Error: No such container: nope\n", "export", "nope")
	b.fails(t, exitError, "failed to export container", "export", "-o", filepath.Join(t.TempDir(), "missing", "x.tar"), "exp")
	b.fails(t, exitUsage, "accepts 1 arg(s)", "export")

	tty, finish := openTerminal(t)
	stderr, code := b.runOnTerminal(t, tty, "export", "exp")
	assert.Equal(t, exitError, code)
	assert.Equal(t, "Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n", stderr)
	assert.Empty(t, finish())
}

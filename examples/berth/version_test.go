//go:build linux

package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// berth version prints the client part of docker version's report, or
// what --format makes of it.
func TestVersion(t *testing.T) {
	b := newBerth(t)
	out := b.ok(t, "version").stdout
	assert.True(t, strings.HasPrefix(out, "Client:\n Version:           dev\n"), out)
	assert.Contains(t, out, "\n Go version:        "+runtime.Version()+"\n")
	assert.Contains(t, out, "\n OS/Arch:           "+runtime.GOOS+"/"+runtime.GOARCH+"\n")

	assert.Equal(t, runtime.GOOS+"/"+runtime.GOARCH+"\n", b.ok(t, "version", "--format", "{{.Client.Os}}/{{.Client.Arch}}").stdout)
	var info versionInfo
	require.NoError(t, json.Unmarshal([]byte(b.ok(t, "version", "-f", "json").stdout), &info))
	assert.Equal(t, "dev", info.Client.Version)
	assert.Equal(t, runtime.Version(), info.Client.GoVersion)

	b.fails(t, exitUsage, `unknown command "now" for "berth version"`, "version", "now")
	b.fails(t, exitUsage, "template parsing error", "version", "--format", "{{")
}

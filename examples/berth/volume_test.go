//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/container"
)

func TestNaturalLess(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want []string
	}{
		{[]string{"vol10", "vol2", "vol1"}, []string{"vol1", "vol2", "vol10"}},
		{[]string{"b", "a10b", "a2", "a10a"}, []string{"a2", "a10a", "a10b", "b"}},
		{[]string{"x01", "x1", "x001"}, []string{"x1", "x01", "x001"}},
		{[]string{"data", "Data", "d"}, []string{"Data", "d", "data"}},
		{[]string{"9", "10", "1a"}, []string{"1a", "9", "10"}},
	} {
		got := append([]string(nil), tc.in...)
		sort.SliceStable(got, func(i, j int) bool { return naturalLess(got[i], got[j]) })
		assert.Equal(t, tc.want, got, "%v", tc.in)
	}
}

func TestParseVolumeFilters(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		filters []string
		want    container.VolumeFilter
		none    bool
		err     string
	}{
		{filters: nil},
		{filters: []string{"dangling=true"}, want: container.VolumeFilter{Dangling: &yes}},
		{filters: []string{"dangling=0"}, want: container.VolumeFilter{Dangling: &no}},
		{filters: []string{"name=data", "name=^x", "label=a", "label=b=c"},
			want: container.VolumeFilter{Names: []string{"data", "^x"}, Labels: []string{"a", "b=c"}}},
		{filters: []string{"driver=local"}},
		{filters: []string{"driver=nfs"}, none: true},
		{filters: []string{"dangling=maybe"}, err: "invalid filter 'dangling=maybe'"},
		{filters: []string{"colour=red"}, err: "invalid filter 'colour'"},
	} {
		got, none, err := parseVolumeFilters(tc.filters)
		if tc.err != "" {
			assert.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v", tc.filters)
		assert.Equal(t, tc.none, none, "%v", tc.filters)
	}
}

func TestVolumeCreateListInspectRemove(t *testing.T) {
	b := newBerth(t)
	newCtrFixture(t, b)

	assert.Equal(t, "vol10\n", b.ok(t, "volume", "create", "--label", "tier=db", "--label", "backup", "vol10").stdout)
	assert.Equal(t, "vol2\n", b.ok(t, "volume", "create", "--name", "vol2").stdout)
	assert.Equal(t, "vol2\n", b.ok(t, "volume", "create", "vol2").stdout, "creating an existing volume returns it")
	anon := strings.TrimSpace(b.ok(t, "volume", "create").stdout)
	assert.Regexp(t, `^[0-9a-f]{64}$`, anon)

	r := b.ok(t, "volume", "ls")
	assert.Equal(t, [][]string{{"DRIVER", "VOLUME NAME"}, {"local", anon}, {"local", "vol2"}, {"local", "vol10"}},
		splitRows(r.lines()), "sorted by name, numbers by value")
	assert.Equal(t, anon+"\nvol2\nvol10\n", b.ok(t, "volume", "list", "-q").stdout)
	assert.Equal(t, "vol10 db\n", b.ok(t, "volume", "ls", "--filter", "label=tier", "--format", `{{.Name}} {{.Label "tier"}}`).stdout)
	assert.Equal(t, "vol10 backup=,tier=db\n", b.ok(t, "volume", "ls", "-f", "name=vol1", "--format", "{{.Name}} {{.Labels}}").stdout)
	assert.Equal(t, anon+"\nvol2\nvol10\n", b.ok(t, "volume", "ls", "-q", "--filter", "dangling=true").stdout)
	assert.Empty(t, b.ok(t, "volume", "ls", "-q", "--filter", "dangling=false").stdout)
	assert.Equal(t, "DRIVER    VOLUME NAME\n", b.ok(t, "volume", "ls", "--filter", "driver=nfs").stdout)
	r = b.ok(t, "volume", "ls", "--format", "json", "--filter", "name=vol2")
	var row map[string]string
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &row))
	assert.Equal(t, "vol2", row["Name"])
	assert.Equal(t, "local", row["Driver"])
	assert.Equal(t, "local", row["Scope"])
	assert.Equal(t, "N/A", row["Size"])
	assert.True(t, strings.HasPrefix(r.stdout, `{"Availability":"N/A","Driver":"local",`), r.stdout)

	r = b.ok(t, "volume", "inspect", "vol10", "vol2")
	assert.True(t, strings.HasPrefix(r.stdout, "[\n    {\n        \"CreatedAt\": "), r.stdout)
	var vols []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &vols))
	require.Len(t, vols, 2)
	assert.Equal(t, "vol10", vols[0]["Name"])
	assert.Equal(t, "local", vols[0]["Driver"])
	assert.Equal(t, "local", vols[0]["Scope"])
	assert.Equal(t, map[string]any{"tier": "db", "backup": ""}, vols[0]["Labels"])
	assert.Equal(t, map[string]any{}, vols[1]["Labels"])
	assert.Equal(t, map[string]any{}, vols[1]["Options"])
	created, err := time.Parse(time.RFC3339, vols[0]["CreatedAt"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), created, time.Minute)
	mountpoint := vols[0]["Mountpoint"].(string)
	assert.DirExists(t, mountpoint)
	assert.Equal(t, mountpoint+"\n", b.ok(t, "volume", "inspect", "--format", "{{.Mountpoint}}", "vol10").stdout)
	r = b.ok(t, "volume", "inspect", "-f", "json", "vol10", "vol2")
	assert.True(t, strings.HasPrefix(r.stdout, `[{"CreatedAt":`), "one compact array: %s", r.stdout)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &vols))
	assert.Len(t, vols, 2)

	r = b.fails(t, exitError, "Error: get nope: no such volume\n", "volume", "inspect", "vol2", "nope")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &vols), "the volumes found are shown")
	assert.Len(t, vols, 1)

	assert.Equal(t, "vol2\nvol10\n", b.ok(t, "volume", "rm", "vol2", "vol10").stdout)
	assert.NoDirExists(t, mountpoint)
	r = b.fails(t, exitError, "Error: get vol2: no such volume\n", "volume", "remove", "vol2", anon)
	assert.Equal(t, anon+"\n", r.stdout, "the other volumes are removed")
	assert.Equal(t, "nope\n", b.ok(t, "volume", "rm", "-f", "nope").stdout, "force makes a missing volume no error")
	assert.Empty(t, b.ok(t, "volume", "ls", "-q").stdout)
}

func TestVolumeInUseCannotBeRemoved(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	ctr := f.create(container.Config{Name: "user", Cmd: []string{"true"},
		Mounts: []container.Mount{{Type: container.MountVolume, Source: "busy", Target: "/data"}}})

	want := "Error: remove busy: volume is in use - [" + ctr.ID() + "]\n"
	b.fails(t, exitError, want, "volume", "rm", "busy")
	b.fails(t, exitError, want, "volume", "rm", "-f", "busy")
	assert.Equal(t, "busy\n", b.ok(t, "volume", "ls", "-q", "--filter", "dangling=false").stdout)
	assert.Empty(t, b.ok(t, "volume", "ls", "-q", "--filter", "dangling=true").stdout)

	require.NoError(t, ctr.Remove(f.ctx, container.RemoveOptions{}))
	assert.Equal(t, "busy\n", b.ok(t, "volume", "rm", "busy").stdout, "free once its container is gone")
}

func TestVolumePrune(t *testing.T) {
	b := newBerth(t)
	f := newCtrFixture(t, b)
	b.ok(t, "volume", "create", "named")
	anon := strings.TrimSpace(b.ok(t, "volume", "create").stdout)
	mountpoint := strings.TrimSpace(b.ok(t, "volume", "inspect", "--format", "{{.Mountpoint}}", anon).stdout)
	require.NoError(t, os.WriteFile(filepath.Join(mountpoint, "data"), make([]byte, 2000), 0o644))
	f.create(container.Config{Cmd: []string{"true"}, Mounts: []container.Mount{{Type: container.MountVolume, Target: "/data"}}})
	used := strings.TrimSpace(b.ok(t, "volume", "ls", "-q", "--filter", "dangling=false").stdout)
	require.Regexp(t, `^[0-9a-f]{64}$`, used)

	// Declining cancels: exit status 1, nothing printed after the question.
	r := b.runWithStdin(t, strings.NewReader("n\n"), "volume", "prune")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "WARNING! This will remove anonymous local volumes not used by at least one container.\n"+
		"Are you sure you want to continue? [y/N] ", r.stdout)
	assert.Empty(t, r.stderr)
	r = b.runWithStdin(t, strings.NewReader(""), "volume", "prune", "-a")
	assert.Equal(t, exitError, r.code, "no answer is no")
	assert.Equal(t, "WARNING! This will remove all local volumes not used by at least one container.\n"+
		"Are you sure you want to continue? [y/N] ", r.stdout)
	assert.Len(t, b.ok(t, "volume", "ls", "-q").lines(), 3)

	r = b.runWithStdin(t, strings.NewReader("Y\n"), "volume", "prune")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, "WARNING! This will remove anonymous local volumes not used by at least one container.\n"+
		"Are you sure you want to continue? [y/N] Deleted Volumes:\n"+anon+"\n\nTotal reclaimed space: 2kB\n", r.stdout)

	assert.Equal(t, "Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n", b.ok(t, "volume", "prune", "--all", "--force").stdout)
	assert.Equal(t, "Total reclaimed space: 0B\n", b.ok(t, "volume", "prune", "-af").stdout)
	assert.Equal(t, used+"\n", b.ok(t, "volume", "ls", "-q").stdout, "volumes in use stay")
}

func TestVolumeFailures(t *testing.T) {
	b := newBerth(t)
	newCtrFixture(t, b)
	b.fails(t, exitError, `includes invalid characters for a local volume name`, "volume", "create", "no/slash")
	b.fails(t, exitError, `error looking up volume plugin nfs: plugin "nfs" not found`, "volume", "create", "-d", "nfs", "x1")
	b.fails(t, exitError, "the local driver takes no options (type=tmpfs)", "volume", "create", "-o", "type=tmpfs", "x1")
	b.fails(t, exitError, "conflicting options: cannot specify a volume-name through both --name and as a positional arg",
		"volume", "create", "--name", "a1", "b1")
	b.fails(t, exitUsage, "invalid label '=x': empty name", "volume", "create", "--label", "=x")
	b.fails(t, exitUsage, "label 'a b' contains whitespaces", "volume", "create", "--label", "a b=c")
	b.fails(t, exitUsage, "bad format of filter (expected name=value)", "volume", "ls", "--filter", "dangling")
	b.fails(t, exitError, "invalid filter 'colour'", "volume", "ls", "--filter", "colour=red")
	b.fails(t, exitError, "template parsing error", "volume", "ls", "--format", "{{.Name")
	b.fails(t, exitUsage, "requires at least 1 arg", "volume", "rm")
	b.fails(t, exitUsage, "requires at least 1 arg", "volume", "inspect")
	b.fails(t, exitUsage, "accepts at most 1 arg", "volume", "create", "a1", "b1")
	b.fails(t, exitUsage, "unknown command", "volume", "frobnicate")
}

// splitRows splits table lines into their cells.
func splitRows(lines []string) [][]string {
	var out [][]string
	for _, line := range lines {
		out = append(out, fields(line))
	}
	return out
}

package cgroup

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIDList(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr string
	}{
		{in: "", want: nil},
		{in: "\n", want: nil},
		{in: "0", want: []int{0}},
		{in: "0-3\n", want: []int{0, 1, 2, 3}},
		{in: "0,2,4-5", want: []int{0, 2, 4, 5}},
		{in: "3,1-2,2", want: []int{1, 2, 3}},
		{in: "65535", want: []int{65535}},
		{in: "65536", wantErr: "out of range"},
		{in: "1-", wantErr: "empty element"},
		{in: "-1", wantErr: "empty element"},
		{in: "0,,1", wantErr: "empty element"},
		{in: "3-1", wantErr: "end before start"},
		{in: "+1", wantErr: "invalid number"},
		{in: "0x1", wantErr: "invalid number"},
		{in: "1 - 2", wantErr: "invalid number"},
		{in: strings.Repeat("0-65535,", 2) + "0", wantErr: "more than 65536 members"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseIDList(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, sortedIDs(got))
		})
	}
}

func TestIDSetSubsetOf(t *testing.T) {
	have, err := parseIDList("0-3")
	require.NoError(t, err)
	for in, want := range map[string]bool{"": true, "0": true, "0-3": true, "1,3": true, "4": false, "0-4": false} {
		set, err := parseIDList(in)
		require.NoError(t, err)
		assert.Equal(t, want, set.subsetOf(have), in)
	}
}

func sortedIDs(s idSet) []int {
	var ids []int
	for id := range s {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func FuzzParseIDList(f *testing.F) {
	for _, s := range []string{"", "0", "0-3", "0,2,4-5", "1-", "3-1", "65535", "0-65535", "\n1\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, err := parseIDList(s)
		if err != nil {
			return
		}
		// Whatever parsed lies in range and parses the same when written
		// back one by one.
		var parts []string
		for id := range set {
			if id < 0 || id >= maxListedID {
				t.Fatalf("%q gave %d", s, id)
			}
			parts = append(parts, strconv.Itoa(id))
		}
		again, err := parseIDList(strings.Join(parts, ","))
		if err != nil || len(again) != len(set) {
			t.Fatalf("%q: round trip gave %v, %v", s, again, err)
		}
	})
}

const procStat = `cpu  10 20 30 40 50 60 70 80 90 100
cpu0 5 10 15 20 25 30 35 40 45 50
cpu1 5 10 15 20 25 30 35 40 45 50
intr 12345 0 0
ctxt 999
btime 1700000000
processes 42
procs_running 1
`

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantUsage  uint64
		wantOnline uint32
		wantErr    string
	}{
		// Docker sums user..softirq (seven fields) and leaves steal out.
		{name: "two CPUs", in: procStat, wantUsage: (10 + 20 + 30 + 40 + 50 + 60 + 70) * 1e7, wantOnline: 2},
		{name: "old kernel, eight fields", in: "cpu 1 1 1 1 1 1 1\ncpu0 1 1 1 1 1 1 1\n", wantUsage: 7e7, wantOnline: 1},
		{name: "too few fields", in: "cpu 1 2 3\n", wantErr: "want at least 8"},
		{name: "not a number", in: "cpu 1 2 3 4 5 6 x 8\n", wantErr: "cpu line"},
		{name: "no cpu line", in: "intr 1\n", wantErr: "no cpu line"},
		{name: "cpuN lines only count when numbered", in: "cpu 0 0 0 0 0 0 0\ncpufreq 1\ncpu7 0 0 0 0 0 0 0\n", wantOnline: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			usage, online, err := parseProcStat(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantUsage, usage)
			assert.Equal(t, tt.wantOnline, online)
		})
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add(procStat)
	f.Add("cpu 1 2 3\n")
	f.Add("cpu 18446744073709551615 0 0 0 0 0 0\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _, _ = parseProcStat(strings.NewReader(s)) // must not panic
	})
}

func TestParseFlatKeyed(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]uint64
		wantErr string
	}{
		{name: "v1 oom_control", in: "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", want: map[string]uint64{"oom_kill_disable": 0, "under_oom": 0, "oom_kill": 3}},
		{name: "v2 memory.events", in: "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n", want: map[string]uint64{"low": 0, "high": 0, "max": 12, "oom": 1, "oom_kill": 1, "oom_group_kill": 0}},
		{name: "blank lines", in: "\n a 1 \n\n", want: map[string]uint64{"a": 1}},
		{name: "empty", in: "", want: map[string]uint64{}},
		{name: "three fields", in: "a 1 2\n", wantErr: "malformed"},
		{name: "key only", in: "a\n", wantErr: "malformed"},
		{name: "negative", in: "a -1\n", wantErr: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlatKeyed(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseFlatKeyed(f *testing.F) {
	f.Add("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
	f.Add("a 1 2\n")
	f.Fuzz(func(t *testing.T, s string) {
		kv, err := parseFlatKeyed(strings.NewReader(s))
		if err == nil && kv == nil {
			t.Fatal("nil map without error")
		}
	})
}

func TestParseHierarchies(t *testing.T) {
	in := `12:rdma:/
11:net_cls,net_prio:/
4:memory:/berth/abc
2:cpu,cpuacct:/user.slice
1:name=systemd:/user.slice/session-1.scope
0::/user.slice/session-1.scope
`
	got, err := parseHierarchies(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"rdma": "rdma", "net_cls": "net_cls,net_prio", "net_prio": "net_cls,net_prio",
		"memory": "memory", "cpu": "cpu,cpuacct", "cpuacct": "cpu,cpuacct",
	}, got)

	got, err = parseHierarchies(strings.NewReader("0::/\n"))
	require.NoError(t, err)
	assert.Empty(t, got, "a v2 host has no v1 hierarchy")

	_, err = parseHierarchies(strings.NewReader("memory\n"))
	assert.Error(t, err)
}

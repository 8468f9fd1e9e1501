package container

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTopListsContainerProcesses(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{Cmd: sh("sleep 100 & exec sleep 101")})
	info, err := c.Inspect(ctx)
	require.NoError(t, err)

	var top *TopResult
	var first, child []string
	// Until sh has started the background sleep and exec'd the other.
	require.Eventually(t, func() bool {
		top, err = c.Top(ctx, "")
		if err != nil {
			return false
		}
		byCmd := map[string][]string{}
		for _, p := range top.Processes {
			require.Len(t, p, 8)
			byCmd[p[7]] = p
		}
		first, child = byCmd["sleep 101"], byCmd["sleep 100"]
		return len(top.Processes) == 2 && first != nil && child != nil
	}, 10*time.Second, 20*time.Millisecond, "the container's two processes")
	assert.Equal(t, []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}, top.Titles)
	assert.Equal(t, strconv.Itoa(info.State.Pid), first[1], "host PIDs, as docker shows")
	assert.Equal(t, first[1], child[2], "the background sleep's parent is the first process")
	assert.Equal(t, "root", first[0])
	assert.Equal(t, "?", first[5])
	assert.Equal(t, "00:00:00", first[6])
	assert.Regexp(t, `^\d\d:\d\d$`, first[4], "started today")

	_, err = c.Top(ctx, "aux")
	assert.ErrorIs(t, err, ErrNotSupported)

	require.NoError(t, c.Stop(ctx, time.Second))
	_, err = c.Top(ctx, "")
	assert.ErrorIs(t, err, ErrNotRunning)
	var stateErr *StateError
	require.ErrorAs(t, err, &stateErr)
	assert.Equal(t, StatusExited, stateErr.Status)
}

func TestTopShowsTerminal(t *testing.T) {
	rt, ctx := testRuntime(t)
	c := startContainer(t, ctx, rt, Config{Cmd: []string{"sleep", "100"}, Tty: true, User: "nobody"})
	top, err := c.Top(ctx, "")
	require.NoError(t, err)
	require.Len(t, top.Processes, 1)
	assert.True(t, strings.HasPrefix(top.Processes[0][5], "pts/"), "tty %q", top.Processes[0][5])
	users := hostUsers(t)
	want := "65534"
	if name, ok := users[65534]; ok && len(name) <= 8 {
		want = name
	}
	assert.Equal(t, want, top.Processes[0][0], "named from the host's passwd, as ps does")
}

func hostUsers(t *testing.T) map[int]string {
	t.Helper()
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return map[int]string{}
	}
	users, err := parsePasswd(strings.NewReader(string(b)))
	require.NoError(t, err)
	return users
}

func TestParseProcStat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want procStat
		bad  bool
	}{
		{
			in:   "1234 (sleep) S 1200 1234 1234 34817 1234 4194560 100 0 0 0 250 130 0 0 20 0 1 0 98765 1000 10 18446744073709551615",
			want: procStat{pid: 1234, ppid: 1200, comm: "sleep", state: 'S', ttyNr: 34817, cpuTicks: 380, startTicks: 98765},
		},
		{
			in:   "7 (a) b (c)) Z 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0",
			want: procStat{pid: 7, ppid: 1, comm: "a) b (c)", state: 'Z', startTicks: 5},
		},
		{in: "", bad: true},
		{in: "12 (x S 1", bad: true},
		{in: "12 (x) S 1 2 3", bad: true},
		{in: "x (x) S 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", bad: true},
		{in: "7 (x) S -1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", bad: true},
	} {
		got, err := parseProcStat([]byte(tc.in))
		if tc.bad {
			assert.ErrorIs(t, err, ErrInvalid, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, *got, tc.in)
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("1234 (sleep) S 1200 1234 1234 34817 1234 4194560 100 0 0 0 250 130 0 0 20 0 1 0 98765 1000 10"))
	f.Add([]byte("7 ()) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseProcStat(b)
		if err == nil && p == nil {
			t.Fatal("nil result without error")
		}
	})
}

func TestParsePasswd(t *testing.T) {
	users, err := parsePasswd(strings.NewReader(strings.Join([]string{
		"root:x:0:0:root:/root:/bin/bash",
		"# comment:x:5:5::/:/bin/sh",
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
		"dup:x:1:1:::",
		"broken:x:notanumber:1:::",
		"short:x",
		":x:9:9:::",
		"neg:x:-3:1:::",
		"systemd-network:x:998:998::/:/usr/sbin/nologin",
		"",
	}, "\n")))
	require.NoError(t, err)
	assert.Equal(t, map[int]string{0: "root", 1: "daemon", 998: "systemd-network"}, users)
}

func FuzzParsePasswd(f *testing.F) {
	f.Add("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
	f.Add("#x:x:1:1\n::::\n")
	f.Fuzz(func(t *testing.T, s string) {
		users, err := parsePasswd(strings.NewReader(s))
		if err != nil {
			return
		}
		for uid, name := range users {
			if uid < 0 || name == "" || strings.Contains(name, ":") {
				t.Fatalf("bad entry %d=%q", uid, name)
			}
		}
	})
}

func TestPsColumns(t *testing.T) {
	now := time.Date(2025, 6, 15, 14, 30, 0, 0, time.Local)
	for _, tc := range []struct {
		started time.Time
		want    string
	}{
		{time.Date(2025, 6, 15, 9, 5, 0, 0, time.Local), "09:05"},
		{time.Date(2025, 6, 14, 23, 59, 0, 0, time.Local), "Jun14"},
		{time.Date(2025, 1, 2, 0, 0, 0, 0, time.Local), "Jan02"},
		{time.Date(2024, 12, 31, 23, 0, 0, 0, time.Local), "2024"},
	} {
		assert.Equal(t, tc.want, psStartTime(tc.started, now))
	}
	for seconds, want := range map[uint64]string{0: "00:00:00", 61: "00:01:01", 3600*25 + 7: "1-01:00:07", 86400*3 + 59: "3-00:00:59"} {
		assert.Equal(t, want, psCPUTime(seconds))
	}
	for nr, want := range map[uint64]string{0: "?", 136<<8 | 0: "pts/0", 136<<8 | 5: "pts/5", 137<<8 | 2: "pts/258", 4<<8 | 1: "tty1", 4<<8 | 64: "ttyS0", 5<<8 | 1: "?", 136<<8 | (1 << 20): "pts/256"} {
		assert.Equal(t, want, ttyName(nr), "%d", nr)
	}
	for _, tc := range []struct {
		cpu, start uint64
		uptime     float64
		want       uint64
	}{
		{cpu: 0, start: 0, uptime: 100, want: 0},
		{cpu: 5000, start: 0, uptime: 100, want: 50},     // 50 s of 100
		{cpu: 50000, start: 0, uptime: 100, want: 99},    // capped
		{cpu: 100, start: 10000, uptime: 100.5, want: 0}, // started this second
		{cpu: 100, start: 20000, uptime: 100, want: 0},   // clock skew: no division by zero
	} {
		assert.Equal(t, tc.want, cpuPercent(tc.cpu, tc.start, tc.uptime), "%+v", tc)
	}
	p := procStat{comm: "kthreadd", state: 'S'}
	assert.Equal(t, "[kthreadd]", p.command())
	p = procStat{comm: "sh", state: 'Z', args: []string{"sh"}}
	assert.Equal(t, "[sh] <defunct>", p.command())
	p = procStat{comm: "sleep", state: 'S', args: []string{"sleep", "100"}}
	assert.Equal(t, "sleep 100", p.command())
}

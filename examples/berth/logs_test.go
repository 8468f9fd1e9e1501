//go:build linux

package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseLogTime(t *testing.T) {
	local := time.FixedZone("LOCAL", 2*3600)
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, local)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"10m", now.Add(-10 * time.Minute)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"0", time.Unix(0, 0)},
		{"1704164645", time.Unix(1704164645, 0)},
		{"1704164645.5", time.Unix(1704164645, 500_000_000)},
		{"1704164645.000000001", time.Unix(1704164645, 1)},
		{"2024-01-02T03:04:05Z", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2024-01-02T03:04:05.25Z", time.Date(2024, 1, 2, 3, 4, 5, 250_000_000, time.UTC)},
		{"2024-01-02T03:04:05+05:00", time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 5*3600))},
		{"2024-01-02T03:04:05-05:00", time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", -5*3600))},
		{"2024-01-02T03:04Z", time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC)},
		{"2024-01-02T03Z", time.Date(2024, 1, 2, 3, 0, 0, 0, time.UTC)},
		{"2024-01-02T03:04:05", time.Date(2024, 1, 2, 3, 4, 5, 0, local)},
		{"2024-01-02T03:04:05.5", time.Date(2024, 1, 2, 3, 4, 5, 500_000_000, local)},
		{"2024-01-02T03:04", time.Date(2024, 1, 2, 3, 4, 0, 0, local)},
		{"2024-01-02T03", time.Date(2024, 1, 2, 3, 0, 0, 0, local)},
		{"2024-01-02", time.Date(2024, 1, 2, 0, 0, 0, 0, local)},
		{"2024-01-02Z", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseLogTime(tt.in, now)
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%s: want %s, got %s", tt.in, tt.want, got)
	}
	for _, bad := range []string{"yesterday", "2024-13-01", "-5", "12.x", "1.1234567890", ""} {
		_, err := parseLogTime(bad, now)
		assert.Error(t, err, bad)
	}
	_, err := parseLogTime("soon", now)
	assert.EqualError(t, err, `failed to parse value as time or duration: "soon"`)
}

func FuzzParseLogTime(f *testing.F) {
	for _, seed := range []string{"10m", "0", "1704164645.5", "2024-01-02T03:04:05Z", "2024-01-02T03", "2024-01-02", "x", "1.", ".5"} {
		f.Add(seed)
	}
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseLogTime(in, now)
		if err != nil {
			return
		}
		if d, derr := time.ParseDuration(in); derr == nil && in != "0" && !got.Equal(now.Add(-d)) {
			t.Fatalf("duration %q gave %s", in, got)
		}
		// Whatever was read, its RFC 3339 form reads back as the same instant.
		text := got.Format(time.RFC3339Nano)
		if back, err := parseLogTime(text, now); err == nil && !back.Equal(got) {
			t.Fatalf("%q gave %s, which reads back as %s", in, text, back)
		}
	})
}

func TestParseTail(t *testing.T) {
	assert.Equal(t, -1, parseTail("all"))
	assert.Equal(t, -1, parseTail("-3"))
	assert.Equal(t, -1, parseTail("many"))
	assert.Equal(t, 0, parseTail("0"))
	assert.Equal(t, 5, parseTail("5"))
}

func TestLogsTailTimestampsSinceUntilFollow(t *testing.T) {
	b := newContainerBerth(t)
	// Pauses order the lines: stdout and stderr are copied apart.
	b.ok(t, "run", "--name", "talker", "busybox", "sh", "-c", "echo one; echo two; sleep 0.2; echo three >&2; sleep 0.2; echo four")

	r := b.ok(t, "logs", "talker")
	assert.Equal(t, "one\ntwo\nfour\n", r.stdout)
	assert.Equal(t, "three\n", r.stderr)

	r = b.ok(t, "logs", "--tail", "1", "talker")
	assert.Equal(t, "four\n", r.stdout)
	assert.Empty(t, r.stderr)
	r = b.ok(t, "logs", "-n", "2", "talker")
	assert.Equal(t, "four\n", r.stdout)
	assert.Equal(t, "three\n", r.stderr)
	r = b.ok(t, "logs", "--tail", "0", "talker")
	assert.Empty(t, r.stdout+r.stderr, "--tail 0 shows nothing")

	r = b.ok(t, "logs", "-t", "talker")
	lines := r.lines()
	require.Len(t, lines, 3)
	stamp, text, ok := strings.Cut(lines[0], " ")
	require.True(t, ok, lines[0])
	assert.Equal(t, "one", text)
	at, err := time.Parse(time.RFC3339Nano, stamp)
	require.NoError(t, err, stamp)
	assert.WithinDuration(t, time.Now(), at, time.Minute)

	assert.Equal(t, "one\ntwo\nfour\n", b.ok(t, "logs", "--since", "1h", "talker").stdout)
	assert.Empty(t, b.ok(t, "logs", "--until", "1h", "talker").stdout)
	assert.Empty(t, b.ok(t, "logs", "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "talker").stdout)
	b.fails(t, exitError, `invalid value for "since"`, "logs", "--since", "soon", "talker")
	b.fails(t, exitError, "no such container", "logs", "nosuch")

	b.runDetached(t, "--name", "ticker", "busybox", "sh", "-c", "echo tick; sleep 1; echo tock")
	r = b.ok(t, "logs", "-f", "ticker")
	assert.Equal(t, "tick\ntock\n", r.stdout, "-f follows until the container stops")
}

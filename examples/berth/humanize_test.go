//go:build linux

package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Expected values are go-units' own test cases, which docker's output follows.
func TestHumanSize(t *testing.T) {
	tests := []struct {
		size int64
		want string
	}{
		{0, "0B"},
		{999, "999B"},
		{1000, "1kB"},
		{1023, "1.02kB"},
		{1024, "1.02kB"},
		{1048576, "1.05MB"},
		{4261234, "4.26MB"},
		{124_000_000, "124MB"},
		{3_420_000_000, "3.42GB"},
		{1_000_000_000_000, "1TB"},
		// go-units' rounding quirk, reproduced as docker prints it.
		{999_999, "1e+03kB"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, humanSize(tt.size), "humanSize(%d)", tt.size)
	}
}

func TestHumanDuration(t *testing.T) {
	day := 24 * time.Hour
	week := 7 * day
	month := 30 * day
	year := 365 * day
	tests := []struct {
		d    time.Duration
		want string
	}{
		{450 * time.Millisecond, "Less than a second"},
		{1 * time.Second, "1 second"},
		{45 * time.Second, "45 seconds"},
		{59 * time.Second, "59 seconds"},
		{60 * time.Second, "About a minute"},
		{3 * time.Minute, "3 minutes"},
		{35*time.Minute + 40*time.Second, "35 minutes"},
		{59 * time.Minute, "59 minutes"},
		{1 * time.Hour, "About an hour"},
		{1*time.Hour + 29*time.Minute, "About an hour"},
		{1*time.Hour + 31*time.Minute, "2 hours"},
		{3*time.Hour + 29*time.Minute, "3 hours"},
		{3*time.Hour + 31*time.Minute, "4 hours"},
		{24 * time.Hour, "24 hours"},
		{1*day + 12*time.Hour, "36 hours"},
		{2 * day, "2 days"},
		{13*day + 5*time.Hour, "13 days"},
		{2 * week, "2 weeks"},
		{2*week + 4*day, "2 weeks"},
		{1 * month, "4 weeks"},
		{1*month + 2*week, "6 weeks"},
		{2 * month, "2 months"},
		{5*month + 2*week, "5 months"},
		{24 * month, "24 months"},
		{24*month + 2*week, "2 years"},
		{3*year + 2*month, "3 years"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, humanDuration(tt.d), "humanDuration(%s)", tt.d)
	}
}

func TestCreatedSince(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, "2 weeks ago", createdSince(now.Add(-15*24*time.Hour), now))
	assert.Equal(t, "About an hour ago", createdSince(now.Add(-70*time.Minute), now))
	assert.Equal(t, "N/A", createdSince(time.Time{}, now))
	assert.Equal(t, "N/A", createdSince(time.Unix(0, 0), now))
}

func TestEllipsis(t *testing.T) {
	assert.Equal(t, "short", ellipsis("short", 45))
	assert.Equal(t, "abcd…", ellipsis("abcdefgh", 5))
	assert.Equal(t, "ünï…", ellipsis("ünïcode", 4), "counts characters, not bytes")
	exact := "123456789012345678901234567890123456789012345"
	assert.Equal(t, exact, ellipsis(exact, 45))
	assert.Equal(t, exact[:44]+"…", ellipsis(exact+"6", 45))
}

func TestShortID(t *testing.T) {
	assert.Equal(t, "0123456789ab", shortID("sha256:0123456789abcdef0123"))
	assert.Equal(t, "0123456789ab", shortID("0123456789abcdef"))
	assert.Equal(t, "<missing>", shortID("<missing>"))
}

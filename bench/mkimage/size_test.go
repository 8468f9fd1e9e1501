package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"4096", 4096},
		{"4096b", 4096},
		{"128MB", 128_000_000},
		{"128mb", 128_000_000},
		{"128m", 128_000_000},
		{"128 MB", 128_000_000},
		{" 2k ", 2000},
		{"1.5GB", 1_500_000_000},
		{"1g", 1_000_000_000},
		{"2t", 2_000_000_000_000},
		{"128MiB", 128 << 20},
		{"128mi", 128 << 20},
		{"1KiB", 1024},
		{"3gi", 3 << 30},
		{"0.5KiB", 512},
	} {
		got, err := parseSize(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseSizeRejects(t *testing.T) {
	for _, in := range []string{
		"", "MB", "-1", "-128MB", "1.", ".5", "12XB", "1e9", "1 2", "128MBB",
		"ib", "5ib", "5i", "0x10", "99999999999999999999t", "1,5GB",
	} {
		_, err := parseSize(in)
		require.ErrorIs(t, err, errInvalidSize, "%q", in)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"128MB", "1.5GiB", "4096", "", "-1", "9ti", "1 k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			require.ErrorIs(t, err, errInvalidSize)
			return
		}
		require.GreaterOrEqual(t, n, int64(0))
		// Anything accepted starts with a digit once trimmed.
		trimmed := strings.TrimSpace(s)
		require.NotEmpty(t, trimmed)
		require.True(t, trimmed[0] >= '0' && trimmed[0] <= '9', "%q", s)
	})
}

package jsonlog

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		options map[string]string
		want    Options
		wantErr bool
	}{
		{name: "nil means no rotation", options: nil, want: Options{MaxFiles: 1}},
		{name: "empty means no rotation", options: map[string]string{}, want: Options{MaxFiles: 1}},
		{name: "bytes", options: map[string]string{"max-size": "100"}, want: Options{MaxSize: 100, MaxFiles: 1}},
		{name: "k is 1024", options: map[string]string{"max-size": "1k"}, want: Options{MaxSize: 1024, MaxFiles: 1}},
		{name: "m with files", options: map[string]string{"max-size": "10m", "max-file": "3"}, want: Options{MaxSize: 10 << 20, MaxFiles: 3}},
		{name: "upper case and b", options: map[string]string{"max-size": "2MB"}, want: Options{MaxSize: 2 << 20, MaxFiles: 1}},
		{name: "iB suffix", options: map[string]string{"max-size": "1GiB"}, want: Options{MaxSize: 1 << 30, MaxFiles: 1}},
		{name: "space before unit", options: map[string]string{"max-size": "4 k"}, want: Options{MaxSize: 4096, MaxFiles: 1}},
		{name: "fraction", options: map[string]string{"max-size": "1.5k"}, want: Options{MaxSize: 1536, MaxFiles: 1}},
		{name: "b suffix alone", options: map[string]string{"max-size": "7b"}, want: Options{MaxSize: 7, MaxFiles: 1}},
		{name: "max-file 1 alone", options: map[string]string{"max-file": "1"}, want: Options{MaxFiles: 1}},
		{name: "compress false", options: map[string]string{"compress": "false", "max-size": "1m"}, want: Options{MaxSize: 1 << 20, MaxFiles: 1}},
		{name: "max-file without max-size", options: map[string]string{"max-file": "3"}, wantErr: true},
		{name: "max-file zero", options: map[string]string{"max-size": "1m", "max-file": "0"}, wantErr: true},
		{name: "max-file negative", options: map[string]string{"max-size": "1m", "max-file": "-2"}, wantErr: true},
		{name: "max-file not a number", options: map[string]string{"max-size": "1m", "max-file": "three"}, wantErr: true},
		{name: "max-size zero", options: map[string]string{"max-size": "0"}, wantErr: true},
		{name: "max-size negative", options: map[string]string{"max-size": "-1m"}, wantErr: true},
		{name: "max-size empty", options: map[string]string{"max-size": ""}, wantErr: true},
		{name: "max-size unit only", options: map[string]string{"max-size": "m"}, wantErr: true},
		{name: "max-size bad unit", options: map[string]string{"max-size": "10x"}, wantErr: true},
		{name: "max-size bad suffix after unit", options: map[string]string{"max-size": "10mx"}, wantErr: true},
		{name: "max-size two dots", options: map[string]string{"max-size": "1.2.3k"}, wantErr: true},
		{name: "max-size trailing dot", options: map[string]string{"max-size": "1.k"}, wantErr: true},
		{name: "max-size overflow", options: map[string]string{"max-size": "99999999999p"}, wantErr: true},
		{name: "max-size below one byte", options: map[string]string{"max-size": "0.5"}, wantErr: true},
		{name: "compress true", options: map[string]string{"compress": "true", "max-size": "1m", "max-file": "2"}, wantErr: true},
		{name: "unknown key", options: map[string]string{"labels": "a"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOptions(tt.options)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrInvalidOption)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewWriterChecksOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{name: "negative size", opts: Options{MaxSize: -1}},
		{name: "negative files", opts: Options{MaxSize: 10, MaxFiles: -1}},
		{name: "files without size", opts: Options{MaxFiles: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewWriter(t.TempDir()+"/log", tt.opts)
			require.ErrorIs(t, err, ErrInvalidOption)
		})
	}
}

func FuzzParseSize(f *testing.F) {
	for _, seed := range []string{"1", "10m", "1.5GiB", "4 k", "", "k", "-1", "1e3", "0.000001p", "9223372036854775807"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		size, err := parseSize(s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidOption)
			return
		}
		require.Positive(t, size)
	})
}

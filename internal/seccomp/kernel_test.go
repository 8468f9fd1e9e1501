package seccomp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseKernelRelease(t *testing.T) {
	tests := []struct {
		release string
		want    KernelVersion
		wantErr bool
	}{
		{release: "6.8.0-45-generic", want: KernelVersion{6, 8}},
		{release: "4.8", want: KernelVersion{4, 8}},
		{release: "5.15.167.4-microsoft-standard-WSL2", want: KernelVersion{5, 15}},
		{release: "6.1-rc7", want: KernelVersion{6, 1}},
		{release: "3.10.0-1160.el7.x86_64", want: KernelVersion{3, 10}},
		{release: "6.18.44-fc-v509", want: KernelVersion{6, 18}},
		{release: "", wantErr: true},
		{release: "6", wantErr: true},
		{release: "6.", wantErr: true},
		{release: "v6.8", wantErr: true},
		{release: "6.x", wantErr: true},
		{release: "99999999999.1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			got, err := parseKernelRelease(tt.release)
			if tt.wantErr {
				require.ErrorIs(t, err, ErrInvalidKernelRelease)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseKernelRelease(f *testing.F) {
	f.Add("6.8.0-45-generic")
	f.Add("4.8")
	f.Add("")
	f.Add("1..2")
	f.Fuzz(func(t *testing.T, release string) {
		v, err := parseKernelRelease(release)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidKernelRelease)
			return
		}
		// What was parsed is what the release starts with, modulo
		// leading zeros and signs strconv accepts.
		major, rest, _ := strings.Cut(release, ".")
		assert.NotEmpty(t, major)
		assert.NotEmpty(t, rest)
		assert.True(t, v.AtLeast(v))
	})
}

func TestKernelVersionAtLeast(t *testing.T) {
	tests := []struct {
		v, min KernelVersion
		want   bool
	}{
		{KernelVersion{4, 8}, KernelVersion{4, 8}, true},
		{KernelVersion{4, 9}, KernelVersion{4, 8}, true},
		{KernelVersion{5, 0}, KernelVersion{4, 8}, true},
		{KernelVersion{4, 7}, KernelVersion{4, 8}, false},
		{KernelVersion{3, 19}, KernelVersion{4, 8}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.v.AtLeast(tt.min), "%v >= %v", tt.v, tt.min)
	}
}

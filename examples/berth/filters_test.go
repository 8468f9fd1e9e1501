//go:build linux

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/berth-dev/berth/image"
	"github.com/berth-dev/berth/registryclient"
)

func TestParseImageFilters(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name    string
		filters []string
		want    image.ListOptions
		wantErr string
	}{
		{name: "none"},
		{
			name:    "every key",
			filters: []string{"reference=busy*", "reference=*:1.0", "dangling=true", "label=a", "label=b=c", "before=busybox", "since=alpine:3"},
			want: image.ListOptions{
				Reference: []string{"busy*", "*:1.0"},
				Dangling:  &yes,
				Labels:    map[string]string{"a": "", "b": "c"},
				Before:    "busybox",
				Since:     "alpine:3",
			},
		},
		{name: "dangling false", filters: []string{"dangling=0"}, want: image.ListOptions{Dangling: &no}},
		{name: "bad dangling", filters: []string{"dangling=maybe"}, wantErr: "invalid filter 'dangling=maybe'"},
		{name: "unknown key", filters: []string{"colour=red"}, wantErr: "invalid filter 'colour'"},
		{name: "no equals", filters: []string{"dangling"}, wantErr: "expected name=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseImageFilters(tt.filters)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseSearchFilters(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name    string
		filters []string
		want    registryclient.SearchOptions
		wantErr string
	}{
		{name: "none"},
		{
			name:    "every key",
			filters: []string{"stars=3", "is-official=true", "is-automated=false"},
			want:    registryclient.SearchOptions{MinStars: 3, IsOfficial: &yes, IsAutomated: &no},
		},
		{name: "bad stars", filters: []string{"stars=many"}, wantErr: "invalid filter 'stars=many'"},
		{name: "negative stars", filters: []string{"stars=-1"}, wantErr: "invalid filter 'stars=-1'"},
		{name: "bad bool", filters: []string{"is-official=perhaps"}, wantErr: "invalid filter 'is-official=perhaps'"},
		{name: "unknown key", filters: []string{"name=x"}, wantErr: "invalid filter 'name'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSearchFilters(tt.filters)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

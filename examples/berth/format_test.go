//go:build linux

package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRowFormat(t *testing.T) {
	rows := []any{
		imageRow{ID: "0123456789ab", Repository: "busybox", Tag: "latest", Size: "4.26MB", CreatedSince: "2 weeks ago"},
		imageRow{ID: "ba9876543210", Repository: "registry.example:5000/a/long/name", Tag: "v1", Size: "10MB", CreatedSince: "3 days ago"},
	}
	tests := []struct {
		name, format, defaultFormat, want string
	}{
		{
			name:          "default table aligns columns as docker (min width 10, padding 3)",
			defaultFormat: imagesTableFormat,
			want: "" +
				"REPOSITORY                          TAG       IMAGE ID       CREATED       SIZE\n" +
				"busybox                             latest    0123456789ab   2 weeks ago   4.26MB\n" +
				"registry.example:5000/a/long/name   v1        ba9876543210   3 days ago    10MB\n",
		},
		{
			name:   "plain template",
			format: "{{.Repository}}:{{.Tag}}",
			want:   "busybox:latest\nregistry.example:5000/a/long/name:v1\n",
		},
		{
			name:   "escaped tab in a table",
			format: `table {{.ID}}\t{{.Size}}`,
			want:   "IMAGE ID       SIZE\n0123456789ab   4.26MB\nba9876543210   10MB\n",
		},
		{
			name:   "json of one row",
			format: "{{json .}}",
			want: `{"ID":"0123456789ab","Repository":"busybox","Tag":"latest","Digest":"","CreatedSince":"2 weeks ago","CreatedAt":"","Size":"4.26MB"}` + "\n" +
				`{"ID":"ba9876543210","Repository":"registry.example:5000/a/long/name","Tag":"v1","Digest":"","CreatedSince":"3 days ago","CreatedAt":"","Size":"10MB"}` + "\n",
		},
		{
			name:   "json shorthand",
			format: "json",
			want: `{"ID":"0123456789ab","Repository":"busybox","Tag":"latest","Digest":"","CreatedSince":"2 weeks ago","CreatedAt":"","Size":"4.26MB"}` + "\n" +
				`{"ID":"ba9876543210","Repository":"registry.example:5000/a/long/name","Tag":"v1","Digest":"","CreatedSince":"3 days ago","CreatedAt":"","Size":"10MB"}` + "\n",
		},
		{
			name:   "functions",
			format: `{{upper .Tag}} {{truncate .ID 4}} {{join (split .Repository "/") ","}}`,
			want:   "LATEST 0123 busybox\nV1 ba98 registry.example:5000,a,long,name\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rf, err := parseRowFormat(tt.format, tt.defaultFormat)
			require.NoError(t, err)
			var out bytes.Buffer
			require.NoError(t, rf.write(&out, imageHeader, rows))
			assert.Equal(t, tt.want, out.String())
		})
	}
}

func TestRowFormatTableWithoutRowsPrintsHeader(t *testing.T) {
	rf, err := parseRowFormat("", searchTableFormat)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, rf.write(&out, searchHeader, nil))
	assert.Equal(t, "NAME      DESCRIPTION   STARS     OFFICIAL\n", out.String())
}

func TestRowFormatErrors(t *testing.T) {
	_, err := parseRowFormat("{{.ID", "")
	assert.ErrorContains(t, err, "template parsing error")

	rf, err := parseRowFormat("{{.NoSuchField}}", "")
	require.NoError(t, err)
	var out bytes.Buffer
	assert.ErrorContains(t, rf.write(&out, nil, []any{imageRow{}}), "NoSuchField")
}

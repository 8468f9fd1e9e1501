package jsonlog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendEntry(t *testing.T) {
	stamp := []byte("2026-11-22T13:14:43.123456789Z")
	tests := []struct {
		name    string
		log     string
		newline bool
		stream  string
		want    string
	}{
		{
			name: "docker's example", log: "Log line is here", newline: true, stream: "stdout",
			want: `{"log":"Log line is here\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "piece without newline", log: "abc", stream: "stderr",
			want: `{"log":"abc","stream":"stderr","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "empty line", newline: true, stream: "stdout",
			want: `{"log":"\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "no log and no stream are left out",
			want: `{"time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "carriage return kept", log: "dos\r", newline: true, stream: "stdout",
			want: `{"log":"dos\r\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "quotes backslash html", log: `"a\b" <c> & d`, stream: "stdout",
			want: `{"log":"\"a\\b\" \u003cc\u003e \u0026 d","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "control bytes and tab as \\u00XX", log: "\t\x00\x1b[0m\x7f", stream: "stdout",
			want: `{"log":"\u0009\u0000\u001b[0m` + "\x7f" + `","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "unicode kept, line separators escaped", log: "héllo 世界 \u2028\u2029 🙂", stream: "stdout",
			want: `{"log":"héllo 世界 \u2028\u2029 🙂","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
		{
			name: "invalid utf-8 replaced byte by byte", log: "a\xff\xfeb\xe4\xb8", stream: "stdout",
			want: `{"log":"a\ufffd\ufffdb\ufffd\ufffd","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appendEntry(nil, []byte(tt.log), tt.newline, tt.stream, stamp)
			assert.Equal(t, tt.want, string(got))
			var decoded map[string]any
			require.NoError(t, json.Unmarshal(got, &decoded), "entry must be valid JSON")
			if utf8.ValidString(tt.log) && (tt.log != "" || tt.newline) {
				want := tt.log
				if tt.newline {
					want += "\n"
				}
				assert.Equal(t, want, decoded["log"])
			}
		})
	}
}

func TestAppendTime(t *testing.T) {
	tests := []struct {
		name string
		time time.Time
		want string
	}{
		{name: "nanoseconds", time: time.Date(2026, 11, 22, 13, 14, 43, 123456789, time.UTC), want: "2026-11-22T13:14:43.123456789Z"},
		{name: "trailing zeros trimmed", time: time.Date(2026, 11, 22, 13, 14, 43, 120000000, time.UTC), want: "2026-11-22T13:14:43.12Z"},
		{name: "whole second", time: time.Date(2026, 11, 22, 13, 14, 43, 0, time.UTC), want: "2026-11-22T13:14:43Z"},
		{name: "converted to UTC", time: time.Date(2026, 11, 22, 14, 14, 43, 5, time.FixedZone("CET", 3600)), want: "2026-11-22T13:14:43.000000005Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(appendTime(nil, tt.time)))
		})
	}
}

func TestSplitPoint(t *testing.T) {
	ascii := strings.Repeat("a", maxEntryLog)
	tests := []struct {
		name string
		text string
		want int
	}{
		{name: "ascii cut at 16 KiB", text: ascii + "bcd", want: maxEntryLog},
		{name: "exactly 16 KiB", text: ascii, want: maxEntryLog},
		{name: "two-byte char straddles", text: ascii[:maxEntryLog-1] + "é" + "x", want: maxEntryLog - 1},
		{name: "three-byte char straddles by one", text: ascii[:maxEntryLog-1] + "世" + "x", want: maxEntryLog - 1},
		{name: "three-byte char straddles by two", text: ascii[:maxEntryLog-2] + "世" + "x", want: maxEntryLog - 2},
		{name: "four-byte char straddles", text: ascii[:maxEntryLog-3] + "🙂" + "x", want: maxEntryLog - 3},
		{name: "char ends at the cut", text: ascii[:maxEntryLog-3] + "世" + "x", want: maxEntryLog},
		{name: "char starts at the cut", text: ascii + "世", want: maxEntryLog},
		{name: "incomplete char at the end may complete", text: ascii[:maxEntryLog-1] + "\xe4\xb8", want: maxEntryLog - 1},
		{name: "invalid bytes are cut anywhere", text: ascii[:maxEntryLog-1] + "\xff\xfe", want: maxEntryLog},
		{name: "lone continuation bytes", text: strings.Repeat("\x80", maxEntryLog+2), want: maxEntryLog},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, splitPoint([]byte(tt.text)))
		})
	}
}

package jsonlog

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeEntry(t *testing.T) {
	at := time.Date(2026, 11, 22, 13, 14, 43, 123456789, time.UTC)
	tests := []struct {
		name    string
		line    string
		want    Entry
		wantErr bool
	}{
		{
			name: "docker's example",
			line: `{"log":"Log line is here\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}` + "\n",
			want: Entry{Stream: "stdout", Line: []byte("Log line is here\n"), Time: at},
		},
		{
			name: "without trailing newline",
			line: `{"log":"x","stream":"stderr","time":"2026-11-22T13:14:43.123456789Z"}`,
			want: Entry{Stream: "stderr", Line: []byte("x"), Time: at},
		},
		{
			name: "escapes",
			line: `{"log":"\u003cb\u003e \u0026 \u0009\"\\\r\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}`,
			want: Entry{Stream: "stdout", Line: []byte("<b> & \t\"\\\r\n"), Time: at},
		},
		{
			name: "other zone becomes UTC",
			line: `{"log":"x\n","stream":"stdout","time":"2026-11-22T14:14:43.123456789+01:00"}`,
			want: Entry{Stream: "stdout", Line: []byte("x\n"), Time: at},
		},
		{
			name: "docker attrs ignored",
			line: `{"log":"x\n","stream":"stdout","attrs":{"tag":"web"},"time":"2026-11-22T13:14:43.123456789Z"}`,
			want: Entry{Stream: "stdout", Line: []byte("x\n"), Time: at},
		},
		{name: "empty line", line: "\n", wantErr: true},
		{name: "not json", line: "hello\n", wantErr: true},
		{name: "json null", line: "null\n", wantErr: true},
		{name: "json array", line: "[1]\n", wantErr: true},
		{name: "cut off", line: `{"log":"x\n","stream":"std`, wantErr: true},
		{name: "two entries run together", line: `{"log":"a"}{"log":"b"}`, wantErr: true},
		{name: "bad time", line: `{"log":"x\n","stream":"stdout","time":"yesterday"}`, wantErr: true},
		{name: "log not a string", line: `{"log":5,"stream":"stdout","time":"2026-11-22T13:14:43Z"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeEntry([]byte(tt.line))
			if tt.wantErr {
				require.ErrorIs(t, err, errCorrupt)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Stream, got.Stream)
			assert.Equal(t, string(tt.want.Line), string(got.Line))
			assert.True(t, tt.want.Time.Equal(got.Time), "time %v, want %v", got.Time, tt.want.Time)
			assert.Equal(t, time.UTC, got.Time.Location())
		})
	}
}

// FuzzDecode checks that the line decoder never panics, that its fast
// path agrees with encoding/json, and that what it accepts survives being
// written again (encode, decode: the same entry).
func FuzzDecode(f *testing.F) {
	seeds := []string{
		`{"log":"Log line is here\n","stream":"stdout","time":"2019-01-01T11:11:11.111111111Z"}`,
		`{"log":"\u003c\ufffd\u2028","stream":"stderr","time":"2026-01-01T00:00:00Z"}` + "\n",
		`{"log":"","time":"0001-01-01T00:00:00Z"}`,
		`{}`, `null`, `{"log":`, "\n", `{"time":"0000-01-01T00:00:00+01:00"}`,
		`{"log":"a\u00e9\ud83d\ude00\/\b\f\t","stream":"stdout","time":"2026-11-22T13:14:43.5+02:00"}`,
		`{"log":"\ud800x","stream":"stdout","time":"2026-11-22T13:14:43Z"}`,
		`{"log":"x","stream":"stdout","time":"2026-11-22T13:14:43Z"} `,
		`{"log":"x","stream":"stdout","time":"2026-11-22T13:14:43Z"}}`,
		`{"log":"x","stream":"stdout","time":"2026-11-22T13:14:43Z","time":"2027-01-01T00:00:00Z"}`,
		"{\"log\":\"\xff\",\"stream\":\"stdout\",\"time\":\"2026-11-22T13:14:43Z\"}",
	}
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		entry, err := decodeEntry(line)
		if fast, ok := decodeCommon(line); ok {
			slow, err := decodeJSON(line)
			require.NoError(t, err, "encoding/json rejects what the fast path accepts")
			assert.Equal(t, string(slow.Line), string(fast.Line))
			assert.Equal(t, slow.Stream, fast.Stream)
			assert.Equal(t, slow.Time, fast.Time)
		}
		if err != nil {
			require.ErrorIs(t, err, errCorrupt)
			return
		}
		require.True(t, utf8.Valid(entry.Line), "decoded text is UTF-8")
		if y := entry.Time.Year(); y < 0 || y > 9999 {
			return // not representable in RFC 3339; the writer stamps only now
		}
		again := appendEntry(nil, entry.Line, false, entry.Stream, appendTime(nil, entry.Time))
		back, err := decodeEntry(again)
		require.NoError(t, err, "re-encoded %q", again)
		assert.Equal(t, string(entry.Line), string(back.Line))
		assert.Equal(t, entry.Stream, back.Stream)
		assert.True(t, entry.Time.Equal(back.Time))
	})
}

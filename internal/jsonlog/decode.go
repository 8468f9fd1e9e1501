package jsonlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Entry is one entry of a log: a line, or a piece of a long one.
type Entry struct {
	// Stream is the stream the line was written to: "stdout" or "stderr".
	Stream string
	// Line is the text, with the "\n" that ended it if it had one. The
	// pieces of a line longer than 16 KiB and a last line cut off by Close
	// have none.
	Line []byte
	// Time is when the line was complete (for a piece: when it was
	// split off), in UTC.
	Time time.Time
}

// wireEntry is an entry as it is stored. Other fields docker may write
// ("attrs") are ignored.
type wireEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// decodeEntry decodes one line of a log file (with or without its "\n").
// A line that is not a JSON object is an error wrapping errCorrupt.
//
// Lines in the exact shape docker and Writer write are decoded by hand,
// five times faster than encoding/json; anything else (other key order,
// extra keys, surrogate escapes, invalid UTF-8, damage) goes to
// encoding/json, which decides. The two agree; FuzzDecode checks that.
func decodeEntry(line []byte) (Entry, error) {
	if entry, ok := decodeCommon(line); ok {
		return entry, nil
	}
	return decodeJSON(line)
}

// decodeJSON decodes a line with encoding/json.
func decodeJSON(line []byte) (Entry, error) {
	trimmed := bytes.TrimLeft(line, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Entry{}, fmt.Errorf("decode log entry: not a JSON object: %w", errCorrupt)
	}
	var wire wireEntry
	if err := json.Unmarshal(trimmed, &wire); err != nil {
		return Entry{}, fmt.Errorf("decode log entry: %w: %w", errCorrupt, err)
	}
	return Entry{Stream: wire.Stream, Line: []byte(wire.Log), Time: wire.Time.UTC()}, nil
}

// decodeCommon decodes a line of exactly the shape appendEntry writes,
// {"log":"…","stream":"…","time":"…"}, and reports false for anything else.
func decodeCommon(line []byte) (Entry, bool) {
	rest, ok := bytes.CutPrefix(bytes.TrimRight(line, " \t\r\n"), []byte(`{"log":"`))
	if !ok {
		return Entry{}, false
	}
	text, rest, ok := unquote(nil, rest)
	if !ok || len(text) == 0 { // docker leaves out an empty log; encoding/json sees to it
		return Entry{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"stream":"`)); !ok {
		return Entry{}, false
	}
	var streamBuf [16]byte
	stream, rest, ok := unquote(streamBuf[:0], rest)
	if !ok {
		return Entry{}, false
	}
	if rest, ok = bytes.CutPrefix(rest, []byte(`,"time":"`)); !ok {
		return Entry{}, false
	}
	stamp, ok := bytes.CutSuffix(rest, []byte(`"}`))
	if !ok || bytes.IndexByte(stamp, '"') >= 0 || bytes.IndexByte(stamp, '\\') >= 0 {
		return Entry{}, false
	}
	var t time.Time
	if t.UnmarshalText(stamp) != nil { // the same parser as encoding/json's
		return Entry{}, false
	}
	var name string
	switch string(stream) { // compared without allocating
	case "stdout":
		name = "stdout"
	case "stderr":
		name = "stderr"
	default:
		name = string(stream)
	}
	return Entry{Stream: name, Line: text, Time: t.UTC()}, true
}

// unquote decodes the inside of a JSON string that starts s, up to its
// closing quote, appends it to dst (a new slice if dst is nil) and
// returns that and what follows the quote. It reports false for what it
// leaves to encoding/json: surrogate escapes and invalid UTF-8, which
// encoding/json replaces, and invalid strings.
func unquote(dst, s []byte) (text, rest []byte, ok bool) {
	if dst == nil {
		dst = make([]byte, 0, len(s))
	}
	// Fast scan up to the first escape.
	i := 0
	for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 {
		i++
	}
	start := len(dst)
	text = append(dst, s[:i]...)
	for i < len(s) {
		b := s[i]
		switch {
		case b == '"':
			if !utf8.Valid(text[start:]) {
				return nil, nil, false
			}
			return text, s[i+1:], true
		case b < 0x20:
			return nil, nil, false
		case b != '\\':
			text = append(text, b)
			i++
			continue
		}
		if i+1 >= len(s) {
			return nil, nil, false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			text = append(text, s[i+1])
		case 'b':
			text = append(text, '\b')
		case 'f':
			text = append(text, '\f')
		case 'n':
			text = append(text, '\n')
		case 'r':
			text = append(text, '\r')
		case 't':
			text = append(text, '\t')
		case 'u':
			r, ok := hex4(s[i+2:])
			if !ok || utf16.IsSurrogate(r) {
				return nil, nil, false
			}
			text = utf8.AppendRune(text, r)
			i += 4
		default:
			return nil, nil, false
		}
		i += 2
	}
	return nil, nil, false
}

// hex4 decodes the four hex digits that start s.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

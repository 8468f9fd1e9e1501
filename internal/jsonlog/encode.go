package jsonlog

import (
	"time"
	"unicode/utf8"
)

// maxEntryLog is the most bytes of a line one entry carries, its "\n"
// included; longer lines are split into several entries. It is docker's
// 16 KiB copy buffer.
const maxEntryLog = 16 * 1024

// appendTime appends t in the format of an entry's "time": RFC 3339 with
// nanoseconds, trailing zeros trimmed, in UTC.
func appendTime(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, time.RFC3339Nano)
}

// appendEntry appends one entry and its terminating newline to dst, byte
// for byte as docker's json-file driver writes it:
//
//	{"log":"text\n","stream":"stdout","time":"2026-11-22T13:14:43.123456789Z"}
//
// log is the line's text; newline adds the "\n" that ended it. time is the
// entry's time as appendTime formats it. Empty fields are left out, as
// docker leaves them out.
func appendEntry(dst, log []byte, newline bool, stream string, time []byte) []byte {
	dst = append(dst, '{')
	if len(log) > 0 || newline {
		dst = append(dst, `"log":`...)
		dst = append(dst, '"')
		dst = appendEscaped(dst, log)
		if newline {
			dst = append(dst, `\n`...)
		}
		dst = append(dst, `",`...)
	}
	if stream != "" {
		dst = append(dst, `"stream":`...)
		dst = append(dst, '"')
		dst = appendEscaped(dst, []byte(stream))
		dst = append(dst, `",`...)
	}
	dst = append(dst, `"time":"`...)
	dst = append(dst, time...)
	return append(dst, '"', '}', '\n')
}

// plainASCII[b] is true for bytes copied into a JSON string unchanged.
var plainASCII = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range []byte{'"', '\\', '<', '>', '&'} {
		t[b] = false
	}
	return t
}()

// appendEscaped appends s as the inside of a JSON string, escaping as
// docker does: quote, backslash, \n and \r by name; other control bytes
// (\t too, unlike encoding/json) and <, >, & as \u00XX; U+2028 and U+2029
// as \u2028 and \u2029; and every byte that is not part of valid UTF-8 as
// \ufffd, the replacement character.
func appendEscaped(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if plainASCII[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// splitPoint returns where to end the next entry of a line whose text
// without "\n" is s, len(s) >= maxEntryLog: after maxEntryLog bytes, as
// docker splits, but moved back to the start of a UTF-8 character that
// would straddle the cut, so a character is never split between entries.
// A sequence at the end of s that may still be completed by later input
// counts as a character.
func splitPoint(s []byte) int {
	cut := maxEntryLog
	for start := cut - 1; start >= cut-utf8.UTFMax+1; start-- {
		if !utf8.RuneStart(s[start]) {
			continue
		}
		if s[start] < utf8.RuneSelf {
			return cut // ASCII: nothing straddles
		}
		r, size := utf8.DecodeRune(s[start:])
		valid := r != utf8.RuneError || size > 1
		if valid && start+size > cut || !utf8.FullRune(s[start:]) {
			return start
		}
		return cut
	}
	return cut
}

package jsonlog

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Options are a log's rotation limits, docker's max-size and max-file.
// The zero value means one file that grows without limit.
type Options struct {
	// MaxSize is the largest a log file may grow, in bytes, before it is
	// rotated; 0 means unlimited. A file exceeds it only when a single
	// entry is larger than MaxSize.
	MaxSize int64
	// MaxFiles is how many files a log keeps in total, the one being
	// written included: path, path.1, … path.<MaxFiles-1>. 0 means 1.
	// More than one needs a MaxSize.
	MaxFiles int
}

// Keys of docker's json-file log options that ParseOptions understands.
const (
	optionMaxSize  = "max-size"
	optionMaxFiles = "max-file"
	optionCompress = "compress"
)

// ParseOptions parses docker-style json-file log options:
//
//	max-size  "100" (bytes), "1k", "10m", "1.5g" — units k, m, g, t, p
//	          are powers of 1024, case-insensitive, with an optional
//	          "b"/"ib" ("10MB", "10MiB" are both 10*1024*1024)
//	max-file  "3" — at least 1; more than 1 needs max-size
//	compress  "false" only: rotated files are never compressed
//
// Any other key, a malformed value or a conflict is an error wrapping
// ErrInvalidOption. A nil or empty map gives the defaults (no rotation).
func ParseOptions(m map[string]string) (Options, error) {
	opts := Options{MaxFiles: 1}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same bad key every time
	for _, key := range keys {
		value := m[key]
		switch key {
		case optionMaxSize:
			size, err := parseSize(value)
			if err != nil {
				return Options{}, fmt.Errorf("parse log option %s=%q: %w", key, value, err)
			}
			opts.MaxSize = size
		case optionMaxFiles:
			n, err := strconv.Atoi(strings.TrimSpace(value))
			if err != nil || n < 1 {
				return Options{}, fmt.Errorf("parse log option %s=%q: want a whole number of at least 1: %w", key, value, ErrInvalidOption)
			}
			opts.MaxFiles = n
		case optionCompress:
			compress, err := strconv.ParseBool(value)
			if err != nil || compress {
				return Options{}, fmt.Errorf("parse log option %s=%q: compressed rotation is not supported: %w", key, value, ErrInvalidOption)
			}
		default:
			return Options{}, fmt.Errorf("parse log option %q: unknown option for json-file logs: %w", key, ErrInvalidOption)
		}
	}
	if err := opts.validate(); err != nil {
		return Options{}, fmt.Errorf("parse log options: %w", err)
	}
	return opts, nil
}

// normalized returns opts with defaults filled in, or an error wrapping
// ErrInvalidOption.
func (opts Options) normalized() (Options, error) {
	if opts.MaxFiles == 0 {
		opts.MaxFiles = 1
	}
	return opts, opts.validate()
}

func (opts Options) validate() error {
	switch {
	case opts.MaxSize < 0:
		return fmt.Errorf("max-size %d is negative: %w", opts.MaxSize, ErrInvalidOption)
	case opts.MaxFiles < 0:
		return fmt.Errorf("max-file %d is negative: %w", opts.MaxFiles, ErrInvalidOption)
	case opts.MaxFiles > 1 && opts.MaxSize == 0:
		return fmt.Errorf("max-file %d needs max-size: %w", opts.MaxFiles, ErrInvalidOption)
	}
	return nil
}

// sizeUnits maps a unit letter to its multiplier (powers of 1024).
var sizeUnits = map[byte]float64{
	'k': 1 << 10,
	'm': 1 << 20,
	'g': 1 << 30,
	't': 1 << 40,
	'p': 1 << 50,
}

// parseSize parses a positive human size such as "100", "1k", "10 MiB" or
// "1.5g" into bytes; units are powers of 1024.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.') {
		end++
	}
	number, suffix := s[:end], strings.ToLower(strings.TrimPrefix(s[end:], " "))
	if number == "" || number[0] == '.' || number[len(number)-1] == '.' {
		return 0, fmt.Errorf("want a size such as 100, 512k or 10m: %w", ErrInvalidOption)
	}
	value, err := strconv.ParseFloat(number, 64)
	if err != nil {
		return 0, fmt.Errorf("want a size such as 100, 512k or 10m: %w", ErrInvalidOption)
	}
	multiplier := 1.0
	switch {
	case suffix == "" || suffix == "b":
	case len(suffix) <= 3 && sizeUnits[suffix[0]] != 0 && (suffix[1:] == "" || suffix[1:] == "b" || suffix[1:] == "ib"):
		multiplier = sizeUnits[suffix[0]]
	default:
		return 0, fmt.Errorf("unknown size unit %q (want k, m, g, t or p): %w", s[end:], ErrInvalidOption)
	}
	bytes := value * multiplier
	if bytes >= math.MaxInt64 {
		return 0, fmt.Errorf("size is too large: %w", ErrInvalidOption)
	}
	if int64(bytes) < 1 {
		return 0, fmt.Errorf("size must be at least 1 byte: %w", ErrInvalidOption)
	}
	return int64(bytes), nil
}

package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// errInvalidSize is returned by parseSize for text that is not a size.
var errInvalidSize = errors.New("invalid size")

var sizePattern = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?) ?([kmgt]?i?b?)$`)

// parseSize reads a human size the way docker's --memory and --shm-size
// flags spell them: "128MB", "100m", "1.5GB", "4096". Units are
// case-insensitive; k, m, g, t (with or without a trailing b) are powers of
// 1000, and ki, mi, gi, ti (with or without b) powers of 1024.
func parseSize(s string) (int64, error) {
	m := sizePattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, fmt.Errorf("parse size %q: %w", s, errInvalidSize)
	}
	number, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, fmt.Errorf("parse size %q: %w", s, errInvalidSize)
	}
	unit := strings.TrimSuffix(m[2], "b")
	base := 1000.0
	if binary, ok := strings.CutSuffix(unit, "i"); ok {
		if binary == "" { // "i" or "ib" alone name no unit
			return 0, fmt.Errorf("parse size %q: %w", s, errInvalidSize)
		}
		base, unit = 1024, binary
	}
	exponent := 0 // bytes
	if unit != "" {
		exponent = strings.Index("kmgt", unit) + 1
	}
	bytes := number * math.Pow(base, float64(exponent))
	if bytes >= math.MaxInt64 {
		return 0, fmt.Errorf("parse size %q: too large: %w", s, errInvalidSize)
	}
	return int64(bytes), nil
}

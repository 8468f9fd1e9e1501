package cgroup

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxListedID bounds the CPU and memory node numbers an ID list may name.
// The kernel's own limit (NR_CPUS) is at most 8192 on common builds;
// anything far beyond it is a typo, and the bound keeps a hostile
// "0-4294967295" from costing memory.
const maxListedID = 1 << 16

// idSet is a set of CPU or memory node numbers, as cpuset.cpus and
// cpuset.mems write them.
type idSet map[int]struct{}

// parseIDList reads the kernel's list format: comma-separated numbers
// and inclusive ranges, e.g. "0-3,8,10-11". Surrounding white space (the
// newline of a cgroup file) is ignored; an empty list is the empty set.
func parseIDList(s string) (idSet, error) {
	set := idSet{}
	expanded := 0 // members named, counting repeats: bounds the work
	s = strings.TrimSpace(s)
	if s == "" {
		return set, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		first, err := parseID(lo)
		if err != nil {
			return nil, err
		}
		last := first
		if isRange {
			if last, err = parseID(hi); err != nil {
				return nil, err
			}
			if last < first {
				return nil, fmt.Errorf("invalid range %q: end before start", item)
			}
		}
		if expanded += last - first + 1; expanded > maxListedID {
			return nil, fmt.Errorf("list names more than %d members", maxListedID)
		}
		for id := first; id <= last; id++ {
			set[id] = struct{}{}
		}
	}
	return set, nil
}

func parseID(s string) (int, error) {
	if s == "" {
		return 0, errors.New("empty element in list")
	}
	// Digits only: ParseUint would also accept "+1" or "0x1" forms that
	// the kernel refuses.
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("invalid number %q", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n >= maxListedID {
		return 0, fmt.Errorf("number %q out of range (max %d)", s, maxListedID-1)
	}
	return int(n), nil
}

// subsetOf reports whether every member of s is in have.
func (s idSet) subsetOf(have idSet) bool {
	for id := range s {
		if _, ok := have[id]; !ok {
			return false
		}
	}
	return true
}

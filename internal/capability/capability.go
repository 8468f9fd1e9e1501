package capability

import (
	"fmt"
	"slices"
	"strings"

	mobycap "github.com/moby/sys/capability"
)

// all is the magic name that stands for every capability in Resolve's add
// and drop lists.
const all = "ALL"

// Default returns the capabilities Docker gives a container that neither
// adds nor drops any, sorted, each with the "CAP_" prefix. Each call
// returns a new slice.
func Default() []string {
	return []string{
		"CAP_AUDIT_WRITE",
		"CAP_CHOWN",
		"CAP_DAC_OVERRIDE",
		"CAP_FOWNER",
		"CAP_FSETID",
		"CAP_KILL",
		"CAP_MKNOD",
		"CAP_NET_BIND_SERVICE",
		"CAP_NET_RAW",
		"CAP_SETFCAP",
		"CAP_SETGID",
		"CAP_SETPCAP",
		"CAP_SETUID",
		"CAP_SYS_CHROOT",
	}
}

// All returns every capability the running kernel knows, sorted, each with
// the "CAP_" prefix. The kernel's last capability is asked with
// prctl(PR_CAPBSET_READ) (which gives the same answer as
// /proc/sys/kernel/cap_last_cap and works without /proc); if that fails,
// or off Linux, All returns every capability this package knows.
func All() []string {
	known := mobycap.ListKnown()
	last, err := mobycap.LastCap()
	names := make([]string, 0, len(known))
	for _, c := range known {
		if err == nil && c > last {
			continue
		}
		names = append(names, name(c))
	}
	slices.Sort(names)
	return names
}

// name is the "CAP_"-prefixed upper-case name of c.
func name(c mobycap.Cap) string {
	return "CAP_" + strings.ToUpper(c.String())
}

// lookup returns the capability a name stands for. The name may be in any
// case, with or without "CAP_". The capability must be one the running
// kernel has.
func lookup(capName string) (mobycap.Cap, error) {
	normalized := normalize(capName)
	for _, c := range mobycap.ListKnown() {
		if name(c) != normalized {
			continue
		}
		if last, err := mobycap.LastCap(); err == nil && c > last {
			return 0, fmt.Errorf("%q: %w", capName, ErrUnsupportedCapability)
		}
		return c, nil
	}
	return 0, fmt.Errorf("%q: %w", capName, ErrUnknownCapability)
}

// normalize upper-cases capName and adds the "CAP_" prefix, except to the
// magic name "ALL".
func normalize(capName string) string {
	capName = strings.ToUpper(capName)
	if capName == all || strings.HasPrefix(capName, "CAP_") {
		return capName
	}
	return "CAP_" + capName
}

// normalizeList normalizes and checks the names of an add or drop list.
func normalizeList(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		normalized := normalize(n)
		if normalized != all {
			if _, err := lookup(normalized); err != nil {
				return nil, err
			}
		}
		out = append(out, normalized)
	}
	return out, nil
}

// Resolve computes a container's capabilities from Docker's options, with
// Docker's rules (--privileged, --cap-add, --cap-drop):
//
//   - privileged gives All(), whatever add and drop say;
//   - "ALL" in add gives All() minus drop;
//   - otherwise "ALL" in drop gives exactly add;
//   - otherwise the result is Default() minus drop, plus add (a name in both
//     lists is kept).
//
// Names are case-insensitive and may omit the "CAP_" prefix. A name that is
// not a capability gives an error wrapping ErrUnknownCapability, one the
// kernel lacks ErrUnsupportedCapability. The result is sorted, without
// duplicates, with the "CAP_" prefix.
func Resolve(privileged bool, add, drop []string) ([]string, error) {
	if privileged {
		return All(), nil
	}
	drops, err := normalizeList(drop)
	if err != nil {
		return nil, fmt.Errorf("resolve capabilities: drop %w", err)
	}
	adds, err := normalizeList(add)
	if err != nil {
		return nil, fmt.Errorf("resolve capabilities: add %w", err)
	}

	var caps []string
	switch {
	case slices.Contains(adds, all):
		for _, c := range All() {
			if !slices.Contains(drops, c) {
				caps = append(caps, c)
			}
		}
	case slices.Contains(drops, all):
		caps = adds
	default:
		for _, c := range Default() {
			if !slices.Contains(drops, c) {
				caps = append(caps, c)
			}
		}
		caps = append(caps, adds...)
	}
	slices.Sort(caps)
	return slices.Compact(caps), nil
}

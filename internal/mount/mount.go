package mount

import (
	"fmt"
	"strings"
)

// LowerDirs returns the overlay lowerdir list in options, top-most first.
func LowerDirs(options []string) []string {
	for _, o := range options {
		if v, ok := strings.CutPrefix(o, "lowerdir="); ok {
			return strings.Split(v, ":")
		}
	}
	return nil
}

func describe(typ, source string, options []string) string {
	return fmt.Sprintf("%s on %s (%s)", typ, source, strings.Join(options, ","))
}

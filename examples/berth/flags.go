//go:build linux

package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// stringArray is a flag that takes a value each time it is given, commas
// and all, as pflag's StringArray. pflag's formats the flag's default
// through a CSV writer with a fresh 4 kB buffer when the flag is
// declared, and every command's flags are declared at every start: that
// was about 50 page faults of each invocation.
type stringArray struct{ p *[]string }

// stringArrayVar declares a stringArray flag that appends to p.
func stringArrayVar(flags *pflag.FlagSet, p *[]string, name, shorthand, usage string) {
	flags.VarP(stringArray{p}, name, shorthand, usage)
}

func (s stringArray) Set(v string) error {
	*s.p = append(*s.p, v)
	return nil
}

func (s stringArray) Type() string { return "stringArray" }

// String is "" for no values, which pflag's help takes for a default not
// worth showing.
func (s stringArray) String() string {
	if len(*s.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*s.p, ",") + "]"
}

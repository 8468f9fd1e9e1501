package layer

import (
	"fmt"
	"strings"
)

// Mount is a mount described as a value: what a mount(2) call would be
// given, without the target. Snapshots return mounts; one small function,
// Mount.Apply, performs them. Everything that decides what to mount is
// therefore testable without root.
type Mount struct {
	Type    string   // "overlay", "bind", "tmpfs"
	Source  string   // device or directory ("overlay" for overlayfs)
	Options []string // mount options: "ro", "rbind", "lowerdir=...", ...
}

// Overlay describes an overlayfs mount. lowers are layer directories,
// top-most first, as overlayfs wants them. With upper and work empty the
// mount is a read-only union (which needs two lowers at least: a single
// layer is bind-mounted read-only instead).
func Overlay(lowers []string, upper, work string) Mount {
	if upper == "" && len(lowers) == 1 {
		return Mount{Type: "bind", Source: lowers[0], Options: []string{"rbind", "ro"}}
	}
	opts := []string{"lowerdir=" + strings.Join(lowers, ":")}
	if upper != "" {
		opts = append(opts, "upperdir="+upper, "workdir="+work)
	} else {
		opts = append(opts, "ro")
	}
	// index=off and xino=off keep the mount portable between kernels and
	// let layer directories be shared by many mounts at once.
	opts = append(opts, "index=off")
	return Mount{Type: "overlay", Source: "overlay", Options: opts}
}

// Bind describes a bind mount of source, read-only when readonly.
func Bind(source string, readonly bool) Mount {
	opts := []string{"rbind"}
	if readonly {
		opts = append(opts, "ro")
	}
	return Mount{Type: "bind", Source: source, Options: opts}
}

func (m Mount) String() string {
	return fmt.Sprintf("%s on %s (%s)", m.Type, m.Source, strings.Join(m.Options, ","))
}

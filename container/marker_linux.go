package container

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/berth-dev/berth/internal/plainfile"
)

// Markers are files in a container's directory that say an operation of
// some program is under way: restartingFile (Restart stops the container
// to start it again, so its exit does not remove it) and removingFile
// (Remove waits for the programs holding the exit). Each names the
// program that wrote it, by pid and start time: a marker whose writer was
// killed before it could take it back is stale, and is ignored.

// writeMarker writes the marker at path, naming this program.
func writeMarker(path string) error {
	self := selfIdentity()
	return plainfile.WriteFile(path, fmt.Appendf(nil, "%d %d\n", self.pid, self.start), 0o600)
}

// readMarker returns the writer of the marker at path, and whether it
// exists. A marker being written (still empty), or unreadable, names
// nobody: identity{}.
func readMarker(path string) (identity, bool) {
	b, err := plainfile.ReadFile(path)
	if err != nil {
		return identity{}, false
	}
	f := bytes.Fields(b)
	if len(f) != 2 {
		return identity{}, true
	}
	pid, err1 := strconv.Atoi(string(f[0]))
	start, err2 := strconv.ParseUint(string(f[1]), 10, 64)
	if err1 != nil || err2 != nil || pid <= 0 {
		return identity{}, true
	}
	return identity{pid: pid, start: start}, true
}

// markerHeld reports whether the marker at path exists and its writer
// still runs. One that names nobody counts as held.
func markerHeld(path string) bool {
	w, ok := readMarker(path)
	return ok && (w.pid == 0 || processAlive(w.pid, w.start))
}

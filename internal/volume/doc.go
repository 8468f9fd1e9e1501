// Package volume keeps named and anonymous volumes: directories on the host
// that outlive the containers mounting them, with docker volume's meaning
// (create, ls, inspect, rm, prune) and Docker's local driver's names and
// messages.
//
// # Vocabulary
//
// A volume has a name, labels and a data directory, its mountpoint. A named
// volume's name is chosen by the user and matches NameChars; an anonymous
// volume is created without a name (docker run -v /data), gets 64 random
// hex digits instead and carries AnonymousLabel, as Docker 23+ marks them.
// A volume is in use while containers hold it: Acquire records a container
// ID, Release forgets it. Dangling volumes are those no container uses.
//
// # On disk
//
// A store lives in ROOT/volumes:
//
//	ROOT/volumes/.lock              flock: shared to read, exclusive to change
//	ROOT/volumes/NAME/volume.json   metadata (Volume as JSON)
//	ROOT/volumes/NAME/_data         the data: what containers mount
//
// Volume names begin with a letter or digit, so the store's own entries
// (all beginning with '.') never collide with one.
//
// # Lifecycle and crashes
//
// Several processes may share a root, so a Store keeps nothing in memory:
// each call takes the flock on a file of its own (flock locks belong to
// the open file, so goroutines and processes exclude each other alike),
// reads and writes the directory, and lets go. Waiting for the lock honours
// the call's context.
//
// Create builds a volume under ROOT/volumes/.tmp-* and renames it into
// place, so a volume is complete or absent; metadata changes are written
// to a temp file, synced and renamed over volume.json. Remove and Prune
// rename a volume to ROOT/volumes/.rm-* under the lock, then delete its
// data without the lock, holding a flock on the directory meanwhile. A
// process killed at any point leaves only .tmp-* or .rm-* directories or a
// volume.json.tmp-* file, which Open deletes (skipping .rm-* directories
// whose deleter is still alive).
//
// Acquire and Release are the reference count that keeps Remove and Prune
// off a volume in use. They are persistent: a container runtime that loses
// track of a container must Release its volumes when it removes it.
//
// # Copy-up
//
// Populate is Docker's copy-up: a new, empty volume mounted over a
// directory of the image is filled with that directory's content first.
// The image is untrusted, so Populate walks it by descriptor, one name at a
// time, never following a symlink; see its documentation for what it
// copies.
//
// # What it does not do
//
// There is one driver, "local", and it takes no options: no NFS or
// device-backed volumes, no size quotas. The package does not mount
// anything; the container runtime bind-mounts a volume's mountpoint. It
// does not parse docker run's -v or --mount (package container does).
// Every Linux-specific call needs Linux; elsewhere Open and Populate return
// ErrNotSupported.
package volume

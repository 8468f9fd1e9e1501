package image

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/plainfile"
)

// Holds are hard links, made without touching the index: holds/<hex> is
// an empty file per held image (the anchor), and each hold is a link to
// it, holds/<hex>.<holder>. An image is held while its anchor has more
// than one link. Creating a container used to rewrite index.json twice
// (hold and release), a new file each time, and with 100 containers
// holding one image the index carried 100 IDs through every rewrite;
// a link and an unlink make no new file and cost the same whatever the
// number of holds. Indexes written before keep their holds in the entry
// (indexEntry.Holds), which are still honoured and released.
const holdsDirName = "holds"

// holdPath is the link that is holder's hold on the image hex; the anchor
// when holder is "".
func (s *Store) holdPath(hex, holder string) string {
	if holder == "" {
		return filepath.Join(s.dir, holdsDirName, hex)
	}
	return filepath.Join(s.dir, holdsDirName, hex+"."+holder)
}

// validHolder reports whether holder can name a hold: a file name without
// dots at its start.
func validHolder(holder string) bool {
	return holder != "" && !strings.ContainsAny(holder, "/\x00") && holder[0] != '.'
}

// link makes holder's hold on hex. The caller holds the index lock,
// shared, and has seen the image in the index.
func (s *Store) link(hex, holder string) error {
	anchor, hold := s.holdPath(hex, ""), s.holdPath(hex, holder)
	err := os.Link(anchor, hold)
	if errors.Is(err, fs.ErrNotExist) {
		// No anchor yet (or no holds directory). Only Remove and Prune,
		// under the exclusive lock, drop anchors: made, it stays.
		if err := os.MkdirAll(filepath.Join(s.dir, holdsDirName), 0o755); err != nil {
			return err
		}
		if err := plainfile.WriteFile(anchor, nil, 0o644); err != nil {
			return err
		}
		err = os.Link(anchor, hold)
	}
	if errors.Is(err, fs.ErrExist) {
		return nil // held already
	}
	return err
}

// unlink drops holder's hold on hex and reports whether there was one.
func (s *Store) unlink(hex, holder string) (bool, error) {
	err := os.Remove(s.holdPath(hex, holder))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// holder returns a holder of the image id (hex, or "sha256:hex") and
// whether it is held at all, by a link or by the index entry e.
func (s *Store) holder(id string, e *indexEntry) (string, bool) {
	if len(e.Holds) > 0 {
		return e.Holds[0], true
	}
	hex := strings.TrimPrefix(id, "sha256:")
	var st unix.Stat_t
	if err := unix.Lstat(s.holdPath(hex, ""), &st); err != nil || st.Nlink < 2 {
		return "", false
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, holdsDirName))
	if err == nil {
		for _, ent := range entries {
			if h, ok := strings.CutPrefix(ent.Name(), hex+"."); ok {
				return h, true
			}
		}
	}
	return "", true // held, though the links could not be listed
}

// dropAnchor removes the anchor of an image that is gone (and unheld).
func (s *Store) dropAnchor(id string) {
	_ = os.Remove(s.holdPath(strings.TrimPrefix(id, "sha256:"), ""))
}

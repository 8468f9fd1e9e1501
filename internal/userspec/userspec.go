package userspec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/sys/user"
)

// maxID is the largest UID or GID accepted, runc's and moby/sys/user's
// limit (it keeps IDs positive on 32-bit systems).
const maxID = 1<<31 - 1

// User is a resolved container user: what the process's credentials and
// HOME should be.
type User struct {
	// UID and GID are the process's user and primary group.
	UID, GID uint32
	// AdditionalGIDs is the full supplementary group list for setgroups(2):
	// GID first, then the groups that list Name as a member, then the extra
	// groups, each once.
	AdditionalGIDs []uint32
	// Home is the passwd entry's home directory, or "/" when the user has
	// no entry or the entry has none. Docker sets HOME to it.
	Home string
	// Name is the user's name from /etc/passwd, or "" for a numeric UID
	// that has no entry.
	Name string
}

// Resolve resolves spec, a user spec such as "nobody", "1000:1000" or
// "app:staff", against the /etc/passwd and /etc/group inside root, the
// container's root filesystem opened with [os.OpenRoot]. extraGroups are
// added as supplementary groups, by name or GID (Docker's --group-add).
// The package documentation lists the rules.
//
// Errors wrap [ErrNoSuchUser], [ErrNoSuchGroup] or [ErrInvalid] when the
// spec cannot be resolved; other errors mean a file could not be read.
func Resolve(root *os.Root, spec string, extraGroups []string) (User, error) {
	passwd, err := readUserFile(root, "/etc/passwd")
	if err != nil {
		return User{}, err
	}
	group, err := readUserFile(root, "/etc/group")
	if err != nil {
		return User{}, err
	}
	return resolve(spec, extraGroups, passwd, group)
}

// resolve is Resolve on the files' contents; nil stands for a missing file.
func resolve(spec string, extraGroups []string, passwd, group []byte) (User, error) {
	if i := slices.Index(extraGroups, ""); i >= 0 {
		return User{}, fmt.Errorf("%w: extra group %d is empty", ErrInvalid, i)
	}

	passwd = stripComments(passwd)
	defaults := &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}
	execUser, err := user.GetExecUser(spec, defaults, reader(passwd), reader(group))
	if err != nil {
		return User{}, classify("user", spec, err)
	}
	if err := checkIDs(execUser.Uid, execUser.Gid); err != nil {
		return User{}, fmt.Errorf("%w: user %q resolves to %w", ErrInvalid, spec, err)
	}
	if err := checkIDs(execUser.Sgids...); err != nil {
		return User{}, fmt.Errorf("%w: groups of user %q: %w", ErrInvalid, spec, err)
	}

	u := User{
		UID:  uint32(execUser.Uid),
		GID:  uint32(execUser.Gid),
		Home: execUser.Home,
		Name: userName(spec, execUser.Uid, passwd),
	}
	if u.Home == "" {
		u.Home = "/"
	}
	u.AdditionalGIDs = appendNew(nil, execUser.Gid)
	u.AdditionalGIDs = appendNew(u.AdditionalGIDs, execUser.Sgids...)
	// One lookup per extra group keeps the caller's order; moby's
	// GetAdditionalGroups returns a batch in map order.
	for _, g := range extraGroups {
		gids, err := user.GetAdditionalGroups([]string{g}, reader(group))
		if err != nil {
			return User{}, classify("extra group", g, err)
		}
		u.AdditionalGIDs = appendNew(u.AdditionalGIDs, gids...)
	}
	return u, nil
}

// stripComments drops the lines of a passwd file whose first non-blank
// character is '#', as glibc does. moby/sys/user skips them in group files
// but not in passwd, where a comment would parse as an account with UID 0
// (its unparsable UID field reads as 0) and could be picked for "" or "0".
func stripComments(passwd []byte) []byte {
	if passwd == nil {
		return nil
	}
	out := make([]byte, 0, len(passwd))
	for line := range bytes.Lines(passwd) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// reader returns a reader over a file's contents, or a nil interface for a
// missing file, which moby/sys/user treats as "no file".
func reader(data []byte) io.Reader {
	if data == nil {
		return nil
	}
	return bytes.NewReader(data)
}

// classify tags an error from moby/sys/user with this package's sentinel,
// keeping moby's (that is, Docker's) wording.
func classify(what, arg string, err error) error {
	switch {
	case errors.Is(err, user.ErrNoPasswdEntries):
		return &classifiedError{sentinel: ErrNoSuchUser, err: err}
	case errors.Is(err, user.ErrNoGroupEntries):
		return &classifiedError{sentinel: ErrNoSuchGroup, err: err}
	case errors.Is(err, user.ErrRange):
		return &classifiedError{sentinel: ErrInvalid, err: fmt.Errorf("%s %q: %w", what, arg, err)}
	}
	return err
}

// checkIDs rejects IDs that came from the files outside 0..maxID, which
// moby/sys/user passes through unchecked.
func checkIDs(ids ...int) error {
	for _, id := range ids {
		if id < 0 || id > maxID {
			return fmt.Errorf("ID %d: %w", id, user.ErrRange)
		}
	}
	return nil
}

// userName is the passwd name of the resolved user: the spec's own name
// when it gave one (GetExecUser matched it), else the first entry with the
// UID, the entry GetExecUser took its GID and home from.
func userName(spec string, uid int, passwd []byte) string {
	name, _, _ := strings.Cut(spec, ":")
	if _, err := strconv.Atoi(name); name != "" && errors.Is(err, strconv.ErrSyntax) {
		return name
	}
	if passwd == nil {
		return ""
	}
	entries, err := user.ParsePasswdFilter(reader(passwd), func(e user.User) bool { return e.Uid == uid })
	if err != nil || len(entries) == 0 {
		return ""
	}
	return entries[0].Name
}

// appendNew appends the IDs not already in list. The caller has checked
// that they are in range.
func appendNew(list []uint32, ids ...int) []uint32 {
	for _, id := range ids {
		if !slices.Contains(list, uint32(id)) {
			list = append(list, uint32(id))
		}
	}
	return list
}

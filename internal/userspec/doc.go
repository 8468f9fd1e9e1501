// Package userspec resolves the user a container process runs as, from the
// container's own root filesystem, by Docker's rules.
//
// A user spec is the string in an image's USER instruction or in
// `docker run --user`: "", "name", "uid", "name:group", "uid:gid",
// "name:gid" or "uid:group". [Resolve] turns it into numeric IDs, the home
// directory and the supplementary groups by reading /etc/passwd and
// /etc/group inside the container's root, never the host's.
//
// # Rules
//
// The rules are runc's and Docker's; the parsing and matching is
// github.com/moby/sys/user's GetExecUser, the same code Docker uses:
//
//   - "" means root: UID 0, GID and home from root's passwd entry if there
//     is one, otherwise GID 0 and home "/".
//   - A name must exist in /etc/passwd; if it does not, the error wraps
//     [ErrNoSuchUser] and reads like Docker's: "unable to find user NAME:
//     no matching entries in passwd file".
//   - A numeric UID need not exist. If it does, its entry supplies the name,
//     primary GID and home; if not, GID is 0 and home is "/".
//   - A group after the colon, by name or number, replaces the primary GID.
//     A name must exist in /etc/group (else [ErrNoSuchGroup]); a number need
//     not.
//   - Supplementary groups are every group in /etc/group that lists the
//     user's name as a member, but only when no group was given in the
//     spec, exactly as GetExecUser does. Extra groups (`--group-add`) are
//     added by name or number in either case.
//   - Lines starting with '#' are comments in both files, as in glibc.
//     (moby/sys/user skips them only in /etc/group; in /etc/passwd it would
//     read one as a UID-0 account.)
//   - IDs must lie in 0..2147483647 (runc's limit); anything else, in the
//     spec or in the files, wraps [ErrInvalid].
//
// [User.AdditionalGIDs] is the complete list to hand to setgroups(2): the
// primary GID first, as Docker puts it there, then the memberships, then
// the extra groups, without duplicates.
//
// # Files
//
// Both files may be missing; a missing file is treated as empty, which
// still allows "", numeric UIDs and numeric GIDs. The files are opened
// through an [os.Root], so nothing outside the container's root can be read.
// Symbolic links are resolved the way Docker resolves them, as if the
// container's root were "/": an absolute link such as
// /etc/passwd -> /usr/share/base/passwd reads that file inside the root,
// where os.Root alone would refuse it. A link whose target does not exist
// inside the root leaves the file missing. A path that is not a regular file
// (a directory, a FIFO, a device) is treated as missing too, as
// moby/sys/user does, and is never read or waited on. Files larger than
// 10 MiB are an error.
//
// # What it does not do
//
// It does not consult NSS, LDAP or the host's user database, does not
// create users or home directories, and does not set HOME or switch
// credentials; the caller applies the returned [User].
package userspec

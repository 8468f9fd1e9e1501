//go:build !linux

package layer

// renameNoReplace renames from to to, failing with an error that
// errors.Is fs.ErrExist when to exists.
func renameNoReplace(from, to string) error { return renameIfAbsent(from, to) }

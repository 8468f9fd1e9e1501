package volume

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// NameChars is the set of characters a volume name is made of, as Docker's
// local driver words it in its error messages: a letter or digit, then
// letters, digits, '_', '.' or '-'.
const NameChars = "[a-zA-Z0-9][a-zA-Z0-9_.-]"

// maxNameLen bounds a name by what a directory entry can hold.
const maxNameLen = 255

// AnonymousLabel marks an anonymous volume, as Docker (23.0 and later)
// labels the volumes it creates for a container's unnamed mounts. A volume
// created with this label counts as anonymous too.
const AnonymousLabel = "com.docker.volume.anonymous"

// ValidateName reports whether name can name a volume: two or more
// characters matching NameChars, at most 255 bytes. The messages are Docker's
// local driver's, so that "docker run -v foo/bar:/x" and berth fail alike.
// The error wraps ErrInvalid.
func ValidateName(name string) error {
	switch {
	case len(name) == 1:
		return nameError("volume name is too short, names should be at least two alphanumeric characters")
	case len(name) > maxNameLen:
		return nameError(fmt.Sprintf("volume name is too long, names can have at most %d characters", maxNameLen))
	case !validName(name):
		return nameError(fmt.Sprintf("%q includes invalid characters for a local volume name, only %q are allowed. If you intended to pass a host directory, use absolute path",
			name, NameChars))
	}
	return nil
}

// nameError is an invalid volume name, worded as Docker words it.
type nameError string

func (e nameError) Error() string { return string(e) }

// Unwrap makes a nameError match ErrInvalid.
func (e nameError) Unwrap() error { return ErrInvalid }

// validName is Docker's ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$ without the regexp.
func validName(name string) bool {
	if len(name) < 2 || !alnum(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !alnum(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// anonymousName is a new anonymous volume's name: 64 random hex digits, as
// Docker makes them.
func anonymousName() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate volume name: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

package volume

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

// dockerName is the pattern Docker's local driver checks names against.
var dockerName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"ab", "a", "my-data_1.0", "../x", "a/b", "-x", "é1", "x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidateName(name)
		want := dockerName.MatchString(name) && len(name) <= maxNameLen
		assert.Equal(t, want, err == nil, "%q: %v", name, err)
		if err != nil {
			assert.ErrorIs(t, err, ErrInvalid)
		}
	})
}

package container

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dockerNamePattern is the rule as Docker writes it; the tests use it as an
// oracle for ValidName's hand-written check.
var dockerNamePattern = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

func TestValidName(t *testing.T) {
	tests := []struct {
		name  string
		valid bool
	}{
		{"ab", true},
		{"web", true},
		{"/web", true},
		{"Web1", true},
		{"0day", true},
		{"99", true},
		{"my-app_v1.2", true},
		{"a_", true},
		{"a-", true},
		{"a.", true},
		{"focused_turing3", true},
		{"", false},
		{"/", false},
		{"a", false},  // at least two characters
		{"/a", false}, // the slash does not count
		{"//ab", false},
		{"_ab", false},
		{".ab", false},
		{"-ab", false},
		{"a b", false},
		{"a/b", false},
		{"ab/", false},
		{"a:b", false},
		{"ab!", false},
		{"x!", false},
		{"héllo", false},
		{"ab\n", false},
		{"ab\x00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidName(tt.name)
			assert.Equal(t, dockerNamePattern.MatchString(tt.name), tt.valid, "table disagrees with Docker's pattern")
			if tt.valid {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidName)
			assert.Contains(t, err.Error(), "("+tt.name+")")
		})
	}
}

func TestValidNameMessage(t *testing.T) {
	err := ValidName("x!")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalidName))
	assert.Equal(t, "invalid container name (x!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", err.Error())
}

// TestNameWordLists guards the copy of Docker's lists: Moby keeps both
// sorted, without duplicates, in plain lower-case ASCII, and has frozen them
// at these sizes.
func TestNameWordLists(t *testing.T) {
	for _, list := range []struct {
		name  string
		words []string
		size  int
	}{
		{"adjectives", nameAdjectives[:], 108},
		{"surnames", nameSurnames[:], 236},
	} {
		t.Run(list.name, func(t *testing.T) {
			assert.Len(t, list.words, list.size)
			assert.True(t, slices.IsSorted(list.words), "list is not sorted")
			assert.Len(t, slices.Compact(slices.Clone(list.words)), len(list.words), "list has duplicates")
			for _, w := range list.words {
				assert.Regexp(t, `^[a-z]+$`, w)
			}
		})
	}
	assert.Contains(t, nameAdjectives, "boring")
	assert.Contains(t, nameSurnames, "wozniak")
}

func TestGenerateName(t *testing.T) {
	adjectives := wordSet(nameAdjectives[:])
	surnames := wordSet(nameSurnames[:])
	// With 108×236 = 25,488 pairs, one draw in 25,488 would be
	// boring_wozniak if it were not filtered; 200,000 draws would hit it
	// about eight times (missing it by chance: p ≈ 0.0004), so seeing none
	// shows the filter works. The draws also cover nearly every other pair.
	const draws = 200_000
	seen := make(map[string]bool)
	var boring, wozniak int
	for range draws {
		name := GenerateName(0)
		if name == "boring_wozniak" {
			t.Fatal("generated boring_wozniak")
		}
		adjective, surname, ok := strings.Cut(name, "_")
		if !ok || !adjectives[adjective] || !surnames[surname] {
			t.Fatalf("%q is not adjective_surname from Docker's lists", name)
		}
		if err := ValidName(name); err != nil {
			t.Fatalf("generated an invalid name: %v", err)
		}
		if adjective == "boring" {
			boring++
		}
		if surname == "wozniak" {
			wozniak++
		}
		seen[name] = true
	}
	// The filter removes one pair only, not the words.
	assert.Positive(t, boring, "no boring_* names")
	assert.Positive(t, wozniak, "no *_wozniak names")
	assert.Greater(t, len(seen), 25_000, "names do not cover the lists")
}

func wordSet(words []string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[w] = true
	}
	return set
}

func TestGenerateNameRetry(t *testing.T) {
	digits := make(map[byte]bool)
	for retry := 1; len(digits) < 10 && retry < 10_000; retry++ {
		name := GenerateName(retry)
		require.NoError(t, ValidName(name))
		base, last := name[:len(name)-1], name[len(name)-1]
		require.True(t, '0' <= last && last <= '9', "%q does not end in a digit", name)
		require.NotEqual(t, "boring_wozniak", base)
		adjective, surname, ok := strings.Cut(base, "_")
		require.True(t, ok)
		require.Contains(t, nameAdjectives, adjective)
		require.Contains(t, nameSurnames, surname)
		digits[last] = true
	}
	assert.Len(t, digits, 10, "retry suffix should range over 0-9")

	for _, retry := range []int{0, -1} {
		name := GenerateName(retry)
		assert.Regexp(t, `^[a-z]+_[a-z]+$`, name, "retry %d must not add a digit", retry)
	}
}

func FuzzValidName(f *testing.F) {
	for _, seed := range []string{"", "/", "a", "ab", "/ab", "x!", "_ab", "my-app_v1.2", "//ab", "héllo", "ab\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidName(name)
		if want := dockerNamePattern.MatchString(name); want != (err == nil) {
			t.Fatalf("ValidName(%q) = %v, Docker's pattern says valid=%v", name, err, want)
		}
		if err != nil && !errors.Is(err, ErrInvalidName) {
			t.Fatalf("ValidName(%q) error %v does not wrap ErrInvalidName", name, err)
		}
	})
}

package registryclient

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseReference(t *testing.T) {
	tests := []struct {
		in        string
		canonical string
		familiar  string
	}{
		{"redis", "docker.io/library/redis:latest", "redis:latest"},
		{"redis:7", "docker.io/library/redis:7", "redis:7"},
		{"docker.io/redis", "docker.io/library/redis:latest", "redis:latest"},
		{"index.docker.io/library/redis:7", "docker.io/library/redis:7", "redis:7"},
		{"user/repo", "docker.io/user/repo:latest", "user/repo:latest"},
		{"user/repo:tag", "docker.io/user/repo:tag", "user/repo:tag"},
		{"library/sub/x", "docker.io/library/sub/x:latest", "library/sub/x:latest"},
		{"host:5000/repo:tag", "host:5000/repo:tag", "host:5000/repo:tag"},
		{"127.0.0.1:5000/x:tag", "127.0.0.1:5000/x:tag", "127.0.0.1:5000/x:tag"},
		{"localhost/x", "localhost/x:latest", "localhost/x:latest"},
		{"[::1]:5000/a/b", "[::1]:5000/a/b:latest", "[::1]:5000/a/b:latest"},
		{"gcr.io/a-b/c_d.e__f", "gcr.io/a-b/c_d.e__f:latest", "gcr.io/a-b/c_d.e__f:latest"},
		{"repo@" + testDigest, "docker.io/library/repo@" + testDigest, "repo@" + testDigest},
		{"repo:tag@" + testDigest, "docker.io/library/repo@" + testDigest, "repo@" + testDigest},
		{"host:5000/repo:tag@" + testDigest, "host:5000/repo@" + testDigest, "host:5000/repo@" + testDigest},
		{"host:5000", "docker.io/library/host:5000", "host:5000"}, // as docker: repository "host", tag "5000"
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ref, err := ParseReference(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.canonical, CanonicalName(ref))
			assert.Equal(t, tt.familiar, FamiliarName(ref))
		})
	}
}

func TestParseReferenceErrors(t *testing.T) {
	tests := []struct {
		in   string
		part string
	}{
		{"", "repository"},
		{"Redis", "repository"},
		{"user/Repo", "repository"},
		{"host:5000/UPPER:tag", "repository"},
		{"-bad", "repository"},
		{"a//b", "repository"},
		{"repo/", "repository"},
		{"host:5000/", "repository"},
		{"repo:-tag", "tag"},
		{"repo:t@g", "digest"},
		{"repo:", "tag"},
		{"repo:" + strings.Repeat("t", 129), "tag"},
		{"repo@sha256:abc", "digest"},
		{"repo@md5:0123456789abcdef0123456789abcdef", "digest"},
		{"repo@" + strings.ToUpper(testDigest), "digest"},
		{"repo@", "digest"},
		{"bad_host.com/repo", "registry"},
		{"host:port/repo", "registry"},
		{"-host.com/repo", "registry"},
		{"example.com/" + strings.Repeat("a", 250), "repository"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseReference(tt.in)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidReference)
			var re *ReferenceError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.part, re.Part, "error: %v", err)
			assert.Equal(t, tt.in, re.Input)
			assert.Contains(t, err.Error(), tt.part)
		})
	}
}

func FuzzParseReference(f *testing.F) {
	for _, s := range []string{
		"redis", "user/repo:tag", "host:5000/repo:tag", "repo@" + testDigest, "repo:tag@" + testDigest,
		"[::1]:5000/a", "localhost/x", "Upper/x", "a//b", "repo:", "docker.io/library/x", "index.docker.io/x",
		"a.b/c/d/e:f", "::", "@", "x@y@z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidReference) {
				t.Fatalf("ParseReference(%q): error %v does not wrap ErrInvalidReference", s, err)
			}
			var re *ReferenceError
			if !errors.As(err, &re) {
				t.Fatalf("ParseReference(%q): error %v is not a *ReferenceError", s, err)
			}
			return
		}
		again, err := ParseReference(ref.Name())
		if err != nil {
			t.Fatalf("ParseReference(%q) = %q, which does not parse again: %v", s, ref.Name(), err)
		}
		if again.Name() != ref.Name() {
			t.Fatalf("ParseReference(%q) = %q, re-parsed as %q", s, ref.Name(), again.Name())
		}
		if _, err := ParseReference(FamiliarName(ref)); err != nil {
			t.Fatalf("FamiliarName(%q) = %q does not parse: %v", s, FamiliarName(ref), err)
		}
	})
}

// The hand-written checks accept exactly what Docker's patterns accept.
func FuzzTagAndDigestChecks(f *testing.F) {
	tag := regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
	digest := regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)
	for _, s := range []string{"latest", "v1.2-rc_3", "", ".x", "-x", "_x", "a..b", strings.Repeat("t", 128), strings.Repeat("t", 129), "ta g", "é",
		"sha256:" + strings.Repeat("a", 64), "sha256:" + strings.Repeat("A", 64), "sha256:" + strings.Repeat("0", 63), "sha512:" + strings.Repeat("0", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validTag(s), tag.MatchString(s); got != want {
			t.Errorf("validTag(%q) = %v, the pattern says %v", s, got, want)
		}
		if got, want := validDigest(s), digest.MatchString(s); got != want {
			t.Errorf("validDigest(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}

//go:build linux

package image

import (
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	"io"
	"log"
	"net/http"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/require"
)

func withConfig(t *testing.T, img v1.Image, cf *v1.ConfigFile) v1.Image {
	t.Helper()
	out, err := mutate.ConfigFile(img, cf)
	require.NoError(t, err)
	return out
}

type authnConfig = authn.AuthConfig

func mutateAppend(img v1.Image, layers ...v1.Layer) (v1.Image, error) {
	return mutate.AppendLayers(img, layers...)
}

// quietRegistry is ggcr's in-memory registry without request logs.
func quietRegistry() http.Handler {
	return registry.New(registry.Logger(log.New(io.Discard, "", 0)))
}

func testimageConfig() v1.Config { return v1.Config{Cmd: []string{"true"}} }
